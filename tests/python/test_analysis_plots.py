"""The analysis package (analysis/pactsim) on small synthetic pactsim files.

Each test writes a file with h5py following docs/output.md exactly (format
"pactsim" v1: dimension scales per group, CF time, string ISO3 labels, the
H5TB-like /events compound table), with known values, then checks the reader
and the figures: lines, labels with units, date ranges, heatmap cells, network
edges, skipped panels, exit codes and messages. Runs without the C build;
with PACTSIM set (ctest) one test also plots a real run.
Environment: PACTSIM_SOURCE_DIR (repository root; default: from this file).
"""
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

SRC = os.environ.get("PACTSIM_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANALYSIS = os.path.join(SRC, "analysis")
sys.path.insert(0, ANALYSIS)

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.image as mimage  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from pactsim import io as pactsim_io  # noqa: E402
from pactsim.plotting import compare as plot_compare  # noqa: E402
from pactsim.plotting import run as plot_run  # noqa: E402
from pactsim.plotting import style  # noqa: E402
from pactsim.plotting import sweep as plot_sweep  # noqa: E402

ACTORS = ["RUS", "IRN", "USA"]
R, T = 4, 24  # replicates, months 2022-01 .. 2023-12
STR = h5py.string_dtype("utf-8")
EVENT_DTYPE = np.dtype([("replicate", "<i4"), ("month", "<i4"), ("date", "S8"),
                        ("type", "S32"), ("source", "S8"), ("target", "S8"),
                        ("magnitude", "<f8"), ("id", "S64")])


def month_days(start_year, start_month, n):
    out = []
    for k in range(n):
        y, m = start_year + (start_month - 1 + k) // 12, (start_month - 1 + k) % 12 + 1
        out.append((np.datetime64(f"{y:04d}-{m:02d}-01") - np.datetime64("1970-01-01"))
                   .astype(int))
    return np.array(out, dtype="float64")


def coop_value(r, t, i, j):
    """Known cooperation: symmetric, RUS-IRN strongest, IRN-USA zero."""
    if i == j:
        return 1.0
    base = {frozenset((0, 1)): 0.6, frozenset((0, 2)): 0.2, frozenset((1, 2)): 0.0}
    return base[frozenset((i, j))] + (0.01 * t + 0.001 * r if base[frozenset((i, j))] else 0)


def write_pactsim(path, actor_vars=("gdp_growth", "sanction_pressure"),
                  dyad_vars=("cooperation", "arms_transfer_drones", "arms_transfer_aircraft",
                             "arms_transfer_munitions", "finance_promised",
                             "finance_delivered"),
                  scenario="synthetic", offset=0.0, seed=7, with_events=True, groups=True):
    """A pactsim v1 file with known values; `offset` is added to every state value."""
    n = len(ACTORS)
    days = month_days(2022, 1, T)
    with h5py.File(path, "w") as f:
        for k, v in {"format": "pactsim", "pactsim_version": "0.1.0",
                     "created": "2022-07-22T10:00:00Z", "scenario": scenario,
                     "title": scenario, "description": "test"}.items():
            f.attrs.create(k, v, dtype=STR)
        f.attrs["format_version"] = np.int32(1)
        p = f.create_group("provenance")
        p.attrs.create("git_revision", "test", dtype=STR)
        p.attrs.create("command_line", "pactsim run test.yaml", dtype=STR)
        p.attrs["seed"] = np.uint64(seed)
        p.attrs["replicates"] = np.int32(R)
        p.create_dataset("config_raw", data="name: synthetic\n", dtype=STR)
        p.create_dataset("config_resolved", data="name: synthetic\n", dtype=STR)
        prm = f.create_group("parameters/economy")
        d = prm.create_dataset("lend_share", data=0.1)
        d.attrs.create("units", "1", dtype=STR)
        tg = f.create_group("time")
        tg.create_dataset("month_index", data=np.arange(T, dtype="int32"))
        tg.create_dataset("date", data=[f"{2022 + k // 12}-{k % 12 + 1:02d}" for k in range(T)],
                          dtype=STR)
        tg.create_dataset("decimal_year", data=2022 + np.arange(T) / 12)
        ag = f.create_group("actors")
        ag.create_dataset("iso3", data=ACTORS, dtype=STR)
        ag.create_dataset("name", data=["Russia", "Iran", "United States"], dtype=STR)
        if not groups:
            return path

        def scales(g, names):
            out = []
            for name in names:
                if name in g:
                    out.append(g[name])
                    continue
                if name == "replicate":
                    s = g.create_dataset(name, data=np.arange(R, dtype="int32"))
                elif name == "time":
                    s = g.create_dataset(name, data=days)
                    s.attrs.create("units", "days since 1970-01-01", dtype=STR)
                    s.attrs.create("calendar", "proleptic_gregorian", dtype=STR)
                else:
                    s = g.create_dataset(name, data=ACTORS, dtype=STR)
                s.make_scale(name)
                out.append(s)
            return out

        def var(g, name, data, units, dims):
            d = g.create_dataset(name, data=data)
            d.attrs.create("units", units, dtype=STR)
            d.attrs.create("description", f"test {name}", dtype=STR)
            d.attrs.create("long_name", name, dtype=STR)
            for i, s in enumerate(scales(g, dims)):
                d.dims[i].attach_scale(s)

        if actor_vars:
            g = f.create_group("actor_state")
            r_, t_, a_ = np.meshgrid(np.arange(R), np.arange(T), np.arange(n), indexing="ij")
            units = {"gdp_growth": "1/yr", "sanction_pressure": "1", "military_strain": "1",
                     "oil_export_revenue": "USD/yr"}
            for v in actor_vars:
                # value = 0.01 * actor + 0.001 * replicate + 0.0001 * month (+ offset)
                data = 0.01 * a_ + 0.001 * r_ + 0.0001 * t_ + offset
                if v == "oil_export_revenue":
                    data = data * 1e12
                var(g, v, data, units.get(v, "1"), ("replicate", "time", "actor"))
        if dyad_vars:
            g = f.create_group("dyad_state")
            units = {"cooperation": "1", "trust": "1", "arms_transfer_drones": "airframes/month",
                     "arms_transfer_aircraft": "airframes/month",
                     "arms_transfer_munitions": "thousand rounds/month",
                     "finance_promised": "USD", "finance_delivered": "USD"}
            for v in dyad_vars:
                data = np.zeros((R, T, n, n))
                for r in range(R):
                    for t in range(T):
                        for i in range(n):
                            for j in range(n):
                                data[r, t, i, j] = coop_value(r, t, i, j) + offset
                if v.startswith("finance"):
                    data *= 2e9
                var(g, v, data, units[v], ("replicate", "time", "source", "target"))
        sg = f.create_group("summary")
        var(sg, "total_gdp_change", 0.1 * np.arange(R) + offset, "1", ("replicate",))
        if with_events:
            rows = [(0, 1, b"2022-02", b"sanctions", b"USA", b"RUS", 0.2, b"us_1"),
                    (0, 1, b"2022-02", b"sanctions", b"USA", b"IRN", 0.1, b"us_2"),
                    (0, 5, b"2022-06", b"promise_made", b"RUS", b"IRN", 1e9, b"gen"),
                    (0, 20, b"2023-09", b"asset_freeze", b"", b"RUS", 0.5, b"world"),
                    (1, 2, b"2022-03", b"sanctions", b"USA", b"RUS", 0.2, b"us_1")]
            ev = f.create_dataset("events", data=np.array(rows, dtype=EVENT_DTYPE))
            ev.attrs["CLASS"] = np.bytes_("TABLE")
    return path


@pytest.fixture
def run_file(tmp_path):
    return write_pactsim(tmp_path / "run.h5")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def panels(fig):
    """The figure's panels, without its legend row."""
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_gid() != "legend"]


def legend_texts(fig):
    (leg,) = [ax for ax in fig.axes if ax.get_gid() == "legend"]
    return [t.get_text() for t in leg.get_legend().get_texts()]


def xrange_dates(ax):
    lo, hi = ax.get_xlim()
    return (np.datetime64(mdates.num2date(lo).replace(tzinfo=None), "D"),
            np.datetime64(mdates.num2date(hi).replace(tzinfo=None), "D"))


# ------------------------------------------------------------ reader
def test_reader_layout(run_file):
    with pactsim_io.open_run(run_file) as run:
        ds = run.actor_state
        assert dict(ds.sizes) == {"replicate": R, "time": T, "actor": 3}
        assert ds.gdp_growth.dims == ("replicate", "time", "actor")
        assert ds.time.dtype.kind == "M"
        assert str(ds.time.values[0])[:10] == "2022-01-01"
        assert str(ds.time.values[-1])[:10] == "2023-12-01"
        assert list(ds.actor.values) == ACTORS
        assert ds.gdp_growth.attrs["units"] == "1/yr"
        assert ds.gdp_growth.sel(actor="IRN", replicate=2).isel(time=3).item() == \
            pytest.approx(0.01 + 0.002 + 0.0003)
        dy = run.dyad_state
        assert dy.cooperation.dims == ("replicate", "time", "source", "target")
        assert dy.cooperation.sel(source="RUS", target="IRN", replicate=0).isel(time=0) == 0.6
        # Lazy reads with unsorted fancy indices give the right values.
        sub = dy.cooperation.isel(time=[5, 1], source=[1, 0]).sel(target="USA", replicate=0)
        assert sub.values.tolist() == [[0.0, 0.2 + 0.05], [0.0, 0.2 + 0.01]]
        assert run.summary.total_gdp_change.values.tolist() == pytest.approx([0, .1, .2, .3])
        assert run.dates[0] == "2022-01" and len(run.dates) == T
        assert run.actor_names["IRN"] == "Iran" and run.provenance["seed"] == 7
        assert run.theater_state is None and not run.is_sweep
    ev = pactsim_io.events(run_file)
    assert len(ev) == 5 and ev["type"][0] == "sanctions" and ev["source"][3] == ""
    assert str(ev["time"][2])[:10] == "2022-06-01"
    assert len(pactsim_io.events(run_file, replicate=0)) == 4
    prov = pactsim_io.provenance(run_file)
    assert prov["git_revision"] == "test" and prov["config_raw"].startswith("name:")


def test_reader_refuses(tmp_path):
    txt = tmp_path / "notes.txt"
    txt.write_text("hello")
    with pytest.raises(pactsim_io.PactsimFileError, match="not an HDF5 file"):
        pactsim_io.open_run(txt)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f.attrs["format"] = "netcdf"
    with pytest.raises(pactsim_io.PactsimFileError, match="not a pactsim file"):
        pactsim_io.open_run(other)
    newer = write_pactsim(tmp_path / "newer.h5", groups=False)
    with h5py.File(newer, "a") as f:
        f.attrs["format_version"] = np.int32(2)
    with pytest.raises(pactsim_io.PactsimFileError, match="newer pactsim"):
        pactsim_io.open_run(newer)
    with pytest.raises(pactsim_io.PactsimFileError, match="no such file"):
        pactsim_io.open_run(tmp_path / "missing.h5")


# ------------------------------------------------------------ plot_run figures
def test_actor_series(run_file, capsys):
    with pactsim_io.open_run(run_file) as run:
        (fig,) = plot_run.fig_actor_series(run, ACTORS)
    err = capsys.readouterr().err
    assert "military_strain" in err and "oil_export_revenue" in err and "skipped" in err
    axes = panels(fig)
    assert legend_texts(fig) == ACTORS
    assert len(axes) == 2
    assert axes[0].get_ylabel() == "gdp growth [1/yr]"
    assert axes[1].get_ylabel() == "sanction pressure [dimensionless]"
    for ax in axes:
        lines = ax.get_lines()
        assert [ln.get_label() for ln in lines] == ACTORS
        assert [ln.get_color() for ln in lines] == [style.actor_color(a) for a in ACTORS]
        assert len(ax.collections) == 3  # one band per actor
        assert xrange_dates(ax) == (np.datetime64("2022-01-01"), np.datetime64("2023-12-01"))
    # Median over replicates 0..3 of 0.01 a + 0.001 r + 0.0001 t: 0.0015 + ... at t = 0.
    irn = axes[0].get_lines()[1].get_ydata()
    assert irn[0] == pytest.approx(0.01 + 0.0015) and irn[10] == pytest.approx(0.0125)
    assert axes[0].get_xlabel() == "month (end-of-month state)"


def test_actor_series_scales_usd(tmp_path):
    path = write_pactsim(tmp_path / "oil.h5", actor_vars=("oil_export_revenue",))
    with pactsim_io.open_run(path) as run:
        (fig,) = plot_run.fig_actor_series(run, ["RUS"], ["oil_export_revenue"])
    ax = fig.axes[0]
    assert ax.get_ylabel() == "oil export revenue [bn USD/yr]"
    assert ax.get_lines()[0].get_ydata()[0] == pytest.approx(0.0015 * 1000)


def test_cooperation_heatmap(run_file):
    with pactsim_io.open_run(run_file) as run:
        dates = plot_run.pick_dates("t", ["2022-01", "2023-12", "2031-01"], run.dates)
        assert dates == [(0, "2022-01"), (23, "2023-12")]
        (fig,) = plot_run.fig_cooperation_heatmap(run, ACTORS, dates)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 2
    for ax, t in zip(panels, (0, 23)):
        cells = ax.images[0].get_array()
        assert cells.shape == (3, 3) and cells.size == 9
        assert bool(np.ma.getmaskarray(cells).diagonal().all())  # diagonal hidden
        assert cells[0, 1] == pytest.approx(0.6 + 0.01 * t + 0.0015)
        assert cells[1, 2] == 0.0
        assert [tl.get_text() for tl in ax.get_xticklabels()] == ACTORS
        assert ax.get_xlabel() == "target" and ax.get_ylabel() == "source"
    assert panels[1].get_title() == "end of 2023-12"
    cbar = [ax for ax in fig.axes if not ax.images][0]
    assert "cooperation [dimensionless]" in cbar.get_ylabel()


def test_cooperation_network(run_file):
    with pactsim_io.open_run(run_file) as run:
        dates = [(0, "2022-01"), (12, "2023-01")]
        (fig,) = plot_run.fig_cooperation_network(run, ACTORS, dates, top=5)
        (fig1,) = plot_run.fig_cooperation_network(run, ACTORS, dates[:1], top=1)
    panels = [ax for ax in fig.axes if ax.collections]
    assert len(panels) == 2
    for ax in panels:
        (lc,) = [c for c in ax.collections if isinstance(c, LineCollection)]
        assert lc.get_gid() == "cooperation_edges"
        assert len(lc.get_segments()) == 2  # IRN-USA is zero: not a tie
        w = lc.get_linewidths()
        assert w[0] > w[1]  # RUS-IRN stronger than RUS-USA
    w0 = [c for c in panels[0].collections if isinstance(c, LineCollection)][0].get_linewidths()
    assert w0[1] / w0[0] == pytest.approx(0.2015 / 0.6015)  # width proportional to strength
    lc1 = [c for c in fig1.axes[0].collections if isinstance(c, LineCollection)][0]
    assert len(lc1.get_segments()) == 1


def test_pair_dashboard(run_file, capsys):
    with pactsim_io.open_run(run_file) as run:
        (fig,) = plot_run.fig_pair_dashboard(run, ("RUS", "IRN"))
    err = capsys.readouterr().err
    assert "trust" in err and "air_defense" in err
    axes = [ax for ax in fig.axes if ax.get_visible()]
    titles = [ax.get_title() for ax in axes]
    # cooperation, arms in airframes (drones + aircraft), arms in rounds, finance
    assert len(axes) == 4
    assert titles[0] == "cooperation"
    assert [ln.get_label() for ln in axes[0].get_lines()] == ["RUS\u2192IRN", "IRN\u2192RUS"]
    assert axes[1].get_ylabel() == "arms transfer [airframes/month]"
    assert [ln.get_label() for ln in axes[1].get_lines()] == ["drones", "aircraft"]
    assert axes[2].get_ylabel() == "arms transfer [thousand rounds/month]"
    fin = axes[3]
    assert fin.get_ylabel() == "finance [bn USD]"
    assert [ln.get_label() for ln in fin.get_lines()] == ["promised", "delivered"]
    assert fin.get_lines()[0].get_ydata()[0] == pytest.approx((0.6 + 0.0015) * 2)
    assert xrange_dates(fin) == (np.datetime64("2022-01-01"), np.datetime64("2023-12-01"))


def test_event_timeline(run_file):
    with pactsim_io.open_run(run_file) as run:
        (fig,) = plot_run.fig_event_timeline(run, replicate=0)
    ax = fig.axes[0]
    (sc,) = [c for c in ax.collections if c.get_gid() == "events"]
    assert len(sc.get_offsets()) == 4  # replicate 0 only
    assert [t.get_text() for t in ax.get_yticklabels()] == ["asset freeze", "promise made",
                                                            "sanctions"]
    lo, hi = xrange_dates(ax)
    assert lo <= np.datetime64("2022-01-01") and hi >= np.datetime64("2023-12-01")
    assert legend_texts(fig) == ["RUS", "USA", "world/none"]


def test_plot_run_cli(run_file, tmp_path, capsys):
    out = tmp_path / "figs"
    rc = plot_run.main([str(run_file), "-o", str(out), "--dpi", "40",
                        "--dates", "2022-01,2022-07"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    names = ["actor_series", "cooperation_heatmap", "cooperation_network", "rus_irn_dashboard",
             "event_timeline"]
    assert cap.out.split() == [str(out / f"{n}.png") for n in names]
    img = mimage.imread(str(out / "event_timeline.png"))
    assert 200 < img.shape[1] < 600  # 10 in wide at 40 dpi, bbox tight
    rc = plot_run.main([str(run_file), "-o", str(out), "--format", "svg", "--actors", "IRN,XXX",
                        "--pair", "IRN,USA"])
    cap = capsys.readouterr()
    assert rc == 0 and "actor XXX is not in the file" in cap.err
    assert (out / "irn_usa_dashboard.svg").read_text().startswith("<?xml")


def test_plot_run_refuses(tmp_path, capsys):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f.create_dataset("x", data=[1.0])
    assert plot_run.main([str(other), "-o", str(tmp_path / "o")]) == 2
    assert "not a pactsim file" in capsys.readouterr().err
    empty = write_pactsim(tmp_path / "empty.h5", groups=False)
    assert plot_run.main([str(empty), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "nothing to plot" in err and "figure skipped" in err
    run_file = write_pactsim(tmp_path / "run.h5")
    assert plot_run.main([str(run_file), "-o", str(tmp_path / "o"), "--actors", "ZZZ"]) == 2
    assert "none of the actors ZZZ" in capsys.readouterr().err
    # The real exit status of the script, through the interpreter CTest uses.
    proc = subprocess.run([sys.executable, os.path.join(ANALYSIS, "plot_run.py"), str(other),
                           "-o", str(tmp_path / "o")], capture_output=True, text=True)
    assert proc.returncode == 2 and "not a pactsim file" in proc.stderr


# ------------------------------------------------------------ plot_compare
def test_plot_compare(tmp_path, capsys):
    a = write_pactsim(tmp_path / "a.h5", scenario="base")
    b = write_pactsim(tmp_path / "b.h5", scenario="relief", offset=0.05,
                      actor_vars=("gdp_growth", "sanction_pressure", "military_strain"))
    with pactsim_io.open_run(a) as ra, pactsim_io.open_run(b) as rb:
        runs = [ra, rb]
        times, reps = plot_compare.common_axes(runs)
        assert len(times) == T and reps == list(range(R))
        rows = plot_compare.build_items("t", runs, ["gdp_growth", "military_strain",
                                                    "cooperation"], ["RUS", "IRN"],
                                        ("RUS", "IRN"))
        assert [r[0] for r in rows] == ["gdp_growth", "military_strain", "cooperation"]
        labels = plot_compare.scenario_labels(runs)
        (fig,) = plot_compare._draw_grid(runs, labels, rows, times, reps, "series", "t")
        axes = panels(fig)
        assert len(axes) == 6
        assert [ln.get_label() for ln in axes[0].get_lines()] == ["base", "relief"]
        assert len(axes[2].get_lines()) == 1  # military_strain only in B
        assert axes[0].get_title() == "gdp growth: RUS" and axes[0].get_ylabel() == "[1/yr]"
        assert legend_texts(fig) == ["base", "relief"]
        (fig,) = plot_compare._draw_grid(runs, labels, rows, times, reps, "diff", "t")
        axes = panels(fig)
        assert len(axes) == 4  # the military_strain row has no reference
        diff = [ln for ln in axes[0].get_lines() if ln.get_label().startswith("relief")][0]
        assert np.allclose(diff.get_ydata(), 0.05)
        assert axes[0].get_ylabel() == "\u0394 [1/yr]"
        assert xrange_dates(axes[-1]) == (np.datetime64("2022-01-01"),
                                          np.datetime64("2023-12-01"))
    capsys.readouterr()
    out = tmp_path / "cmp"
    rc = plot_compare.main([str(a), str(b), "-o", str(out), "--dpi", "40"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert {os.path.basename(p) for p in cap.out.split()} == {
        "compare_series.png", "compare_diff.png", "compare_summary.tsv", "compare_summary.png"}
    rows = [ln.split("\t") for ln in (out / "compare_summary.tsv").read_text().splitlines()
            if not ln.startswith("#")]
    assert rows[0][:5] == ["metric", "units", "scenario", "n", "median"]
    assert rows[1][0] == "total_gdp_change" and float(rows[1][4]) == pytest.approx(0.05)


def test_compare_summary_ticks_plain():
    # Differences of order 1e-6: each tick is its own number, and no common
    # multiplier ("1e-6") sits in the axis corner (docs/analysis.md).
    rows = [("tiny", "1", "base", 5, 0.0, 0.0, 0.0),
            ("tiny", "1", "relief", 5, 3.0e-6, 2.0e-6, 4.0e-6)]
    (fig,) = plot_compare.fig_summary(rows, ["base", "relief"])
    ax = panels(fig)[0]
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and any("e-06" in t for t in labels), labels
    assert ax.xaxis.get_offset_text().get_text() == ""
    plt.close(fig)


@pytest.mark.parametrize("module", ["pactsim.plotting.run", "pactsim.plotting.sweep",
                                    "pactsim.plotting.compare", "pactsim.discovery",
                                    "pactsim.plotting.posterior", "pactsim.plotting.predictive",
                                    "pactsim.plotting.scores", "pactsim.facts",
                                    "pactsim.agreements"])
def test_help_text_percent(module, capsys):
    # argparse %-formats help strings but not the description or epilog: a "%%" written
    # there is printed as is ("a 95 %% percentile interval" in pactsim-plot-compare)
    import importlib
    with pytest.raises(SystemExit) as e:
        importlib.import_module(module).main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage:") and "%%" not in out


def test_plot_compare_refuses(tmp_path, capsys):
    a = write_pactsim(tmp_path / "a.h5")
    assert plot_compare.main([str(a), "-o", str(tmp_path / "o")]) == 2
    assert "at least two files" in capsys.readouterr().err
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"\x89HDF not really")
    assert plot_compare.main([str(a), str(bad), "-o", str(tmp_path / "o")]) == 2
    assert "bad.h5: not an HDF5 file" in capsys.readouterr().err
    e1 = write_pactsim(tmp_path / "e1.h5", groups=False)
    e2 = write_pactsim(tmp_path / "e2.h5", groups=False)
    assert plot_compare.main([str(e1), str(e2), "-o", str(tmp_path / "o")]) == 2
    assert "nothing to compare" in capsys.readouterr().err


def test_plot_compare_mismatch(tmp_path, capsys):
    """Runs with other actors, months or an unrelated scenario are refused (exit 2)."""
    a = write_pactsim(tmp_path / "a.h5", scenario="base")
    b = write_pactsim(tmp_path / "b.h5", scenario="relief", offset=0.05)
    with h5py.File(b, "a") as f:  # B extends A's config: one lineage
        f["provenance/config_raw"][()] = "extends: test.yaml\nname: relief\n"
        f["provenance"].attrs["command_line"] = "pactsim run relief.yaml -o b.h5"
    out = str(tmp_path / "o")
    assert plot_compare.main([str(a), str(b), "-o", out, "--dpi", "30"]) == 0
    capsys.readouterr()
    cases = {
        "other_actors": lambda f: f["actors/iso3"].__setitem__(2, "CHN"),
        "other_months": lambda f: f["time/date"].__setitem__(23, "2024-01"),
        "unrelated": lambda f: (f["provenance/config_raw"].__setitem__((), "name: other\n"),
                                f["provenance"].attrs.__setitem__("command_line",
                                                                  "pactsim run other.yaml")),
    }
    expect = {"other_actors": "has other actors than",
              "other_months": "covers 2022-01..2024-01 (24 months)",
              "unrelated": "are not of one lineage"}
    for name, change in cases.items():
        c = tmp_path / f"{name}.h5"
        c.write_bytes(open(b, "rb").read())
        with h5py.File(c, "a") as f:
            change(f)
        assert plot_compare.main([str(a), str(c), "-o", out, "--dpi", "30"]) == 2, name
        err = capsys.readouterr().err
        assert expect[name] in err and "--allow-mismatch" in err, err
        assert plot_compare.main([str(a), str(c), "-o", out, "--dpi", "30",
                                  "--allow-mismatch"]) == 0, name
        assert expect[name] in capsys.readouterr().err  # said as a note
    # Recorded lineages (pactsim run writes /provenance lineage, pactsim compare checks the
    # roots): the roots decide, whatever the config names.
    with h5py.File(a, "a") as f:
        f["provenance"].attrs["lineage"] = "base"
    with h5py.File(b, "a") as f:
        f["provenance"].attrs["lineage"] = "relief <- base"
        f["provenance"].attrs["command_line"] = "pactsim run elsewhere.yaml"
    assert plot_compare.main([str(a), str(b), "-o", out, "--dpi", "30"]) == 0
    capsys.readouterr()
    c = tmp_path / "other_root.h5"
    c.write_bytes(open(b, "rb").read())
    with h5py.File(c, "a") as f:
        f["provenance"].attrs["lineage"] = "relief <- other_base"
    assert plot_compare.main([str(a), str(c), "-o", out, "--dpi", "30"]) == 2
    assert "are not of one lineage" in capsys.readouterr().err


# ------------------------------------------------------------ plot_sweep
def write_sweep(path):
    P, n_rep = 4, 2
    with h5py.File(path, "w") as f:
        f.attrs.create("format", "pactsim-sweep", dtype=STR)
        f.attrs["format_version"] = np.int32(1)
        f.attrs.create("scenario", "synthetic", dtype=STR)
        g = f.create_group("sweep")
        g.attrs.create("design", "grid", dtype=STR)
        pt = g.create_dataset("point", data=np.arange(P, dtype="int32"))
        pt.make_scale("point")
        pa = g.create_dataset("param", data=["parameters.a.x", "parameters.b.y"], dtype=STR)
        pa.make_scale("param")
        rp = g.create_dataset("replicate", data=np.arange(n_rep, dtype="int32"))
        rp.make_scale("replicate")
        pts = g.create_dataset("points", data=[[0, 10], [0, 20], [1, 10], [1, 20]],
                               dtype="float64")
        g.create_dataset("param_units", data=["1/month", "1"], dtype=STR)
        g.create_dataset("done", data=np.array([[1, 1], [1, 1], [1, 1], [1, 0]], "uint8"))
        for i, s in enumerate((pt, pa)):
            pts.dims[i].attach_scale(s)
        sg = g.create_group("summary")
        m = sg.create_dataset("metric", data=pts[:, :1] * 2 + pts[:, 1:] / 10 +
                              np.arange(n_rep) * 0.01)
        m.attrs.create("units", "USD", dtype=STR)
        m.dims[0].attach_scale(pt)
        m.dims[1].attach_scale(rp)
        sg.create_dataset("flat", data=np.ones((P, n_rep)))
    return path


def test_plot_sweep(tmp_path, capsys):
    rc = plot_sweep.main([str(write_pactsim(tmp_path / "run.h5")), "-o", str(tmp_path / "o")])
    assert rc == 2 and "no /sweep group" in capsys.readouterr().err
    sw = write_sweep(tmp_path / "sweep.h5")
    with pactsim_io.open_run(sw) as run:
        assert run.is_sweep and run.summary.metric.dims == ("point", "replicate")
        (fig,) = plot_sweep.fig_main_effects(run, ["metric"])
    axes = panels(fig)
    assert len(axes) == 2
    assert axes[0].get_xlabel() == "x [1/month]" and axes[0].get_ylabel() == "[bn USD]"
    assert axes[0].get_title() == "metric"
    effect = axes[0].get_lines()[0]
    # x = 0: runs 1, 1.01, 2, 2.01 -> 1.505; x = 1: 3, 3.01, 4 (4.01 not done) -> 3.3367
    # (the metric is in USD: drawn in bn USD)
    assert effect.get_ydata() == pytest.approx([1.505e-9, (3 + 3.01 + 4) / 3 * 1e-9])
    assert plot_sweep.main([str(sw), "-o", str(tmp_path / "o"), "--dpi", "40"]) == 0
    cap = capsys.readouterr()
    assert "flat: does not vary" in cap.err
    written = [os.path.basename(x) for x in cap.out.split()]
    assert written == ["sweep_main_effects.png", "sweep_surface.png", "sweep_distributions.png"]
    assert "no /sensitivity" in cap.err


def test_plot_sweep_surface_distributions(tmp_path):
    sw = write_sweep(tmp_path / "sweep.h5")
    with pactsim_io.open_run(sw) as run:
        (fig,) = plot_sweep.fig_surface(run, ["metric"])
        ax = fig.axes[0]
        mesh = [c for c in ax.collections if c.__class__.__name__ == "QuadMesh"][0]
        # a 2 x 2 grid: medians over replicates, the unfinished run left out
        z = np.asarray(mesh.get_array()).reshape(2, 2)
        assert z.ravel() == pytest.approx(np.array([1.005, 3.005, 2.005, 4.0]) * 1e-9)
        assert ax.get_xlabel() == "x [1/month]" and ax.get_ylabel() == "y [dimensionless]"
        assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1"]
        (fig,) = plot_sweep.fig_distributions(run, ["metric"])
        heights = [p.get_height() for p in fig.axes[0].patches]
        assert sum(heights) == 7  # 8 runs, one not done
        assert fig.axes[0].get_xlabel() == "metric [bn USD]"


def test_plot_sweep_sensitivity(tmp_path, capsys):
    sw = write_sweep(tmp_path / "sweep.h5")
    with h5py.File(sw, "a") as f:
        g = f.create_group("sensitivity")
        g.create_dataset("param", data=["parameters.a.x", "parameters.b.y"], dtype=STR)
        m = g.create_group("metric")
        for k, v in {"S1": [0.6, 0.3], "S1_low": [0.5, 0.2], "S1_high": [0.7, 0.4],
                     "ST": [0.65, 0.35], "ST_low": [0.6, 0.3], "ST_high": [0.7, 0.4]}.items():
            m.create_dataset(k, data=np.array(v))
    sens = pactsim_io.sensitivity(sw)
    assert sens["param"] == ["parameters.a.x", "parameters.b.y"]
    assert sens["metrics"]["metric"]["ST"] == pytest.approx([0.65, 0.35])
    (fig,) = plot_sweep.fig_sensitivity(str(sw), None)
    ax = fig.axes[0]
    bars = [p.get_height() for p in ax.patches]
    assert bars == pytest.approx([0.6, 0.3, 0.65, 0.35])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y"]
    assert legend_texts(fig) == ["first order S1", "total ST"]
    assert plot_sweep.main([str(sw), "-o", str(tmp_path / "o"), "--dpi", "40"]) == 0
    assert capsys.readouterr().out.split()[-1].endswith("sweep_sensitivity.png")


# ------------------------------------------------------------ a real run
def test_real_run(tmp_path, capsys):
    cli = os.environ.get("PACTSIM")
    if not cli:
        pytest.skip("PACTSIM not set (run through ctest)")
    path = tmp_path / "real.h5"
    proc = subprocess.run([cli, "run", os.path.join(SRC, "configs", "baseline_2022.yaml"),
                           "-o", str(path), "--replicates", "2", "--quiet"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rc = plot_run.main([str(path), "-o", str(tmp_path / "f"), "--dpi", "30"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert len(cap.out.split()) == 5

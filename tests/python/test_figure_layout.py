"""Every figure the plotting scripts write from a real run, sweep and comparison is
paper-sized and legible: at 150 dpi at most 2,400 px either way (page width ~1,080 px,
column width ~525 px), panels wrapped and continued on pages, no two labels (titles,
axis labels, tick labels, legends, colour bars) overlapping, money in bn USD, at most 8
actors by default, distinct actor colours.

Needs PACTSIM (the CLI) and PACTSIM_SOURCE_DIR, as CTest sets them.
"""
import glob
import itertools
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

SRC = os.environ.get("PACTSIM_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "analysis"))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.image as mimage  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from pactsim.plotting import common, style  # noqa: E402
from pactsim.plotting import compare as plot_compare  # noqa: E402
from pactsim.plotting import predictive as plot_pred  # noqa: E402
from pactsim.plotting import run as plot_run  # noqa: E402
from pactsim.plotting import sweep as plot_sweep  # noqa: E402

DPI = 150
MAX_PX = 2400
WIDTH_PX = {"page": 7.2 * DPI, "column": 3.5 * DPI}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    cli = os.environ.get("PACTSIM")
    if not cli:
        pytest.skip("PACTSIM not set (run through ctest)")
    d = tmp_path_factory.mktemp("layout")

    def pactsim(*args):
        proc = subprocess.run([cli, *args], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr

    opts = ["--replicates", "3", "--set", "end=2024-12", "--quiet"]
    pactsim("run", os.path.join(SRC, "configs", "baseline_2022.yaml"), "-o", str(d / "a.h5"),
            *opts)
    pactsim("run", os.path.join(SRC, "configs", "relief_russia.yaml"), "-o", str(d / "b.h5"),
            *opts)
    pactsim("sweep", os.path.join(SRC, "tests", "configs", "sweep", "saltelli.yaml"), "-o",
            str(d / "sweep.h5"), "--quiet")
    pactsim("sensitivity", str(d / "sweep.h5"))
    return d


def text_boxes(fig):
    """Window extents of every label a reader must read: titles, axis and tick labels,
    offset texts, legends, the suptitle. Annotations inside axes (heatmap cells, network
    labels) are not labels of the layout and are left out."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = []

    def add(artist, what):
        if artist is not None and artist.get_visible() and (
                not hasattr(artist, "get_text") or artist.get_text().strip()):
            boxes.append((artist.get_window_extent(r), what))

    if fig._suptitle is not None:
        add(fig._suptitle, "suptitle")
    for k, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        if ax.get_legend() is not None:
            add(ax.get_legend(), f"legend of axes {k}")
        if not ax.axison:
            add(ax.title, f"title of axes {k}")
            continue
        for t in (ax.title, ax._left_title, ax._right_title):
            add(t, f"title of axes {k}")
        for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            add(axis.label, f"{name} label of axes {k}")
            add(axis.get_offset_text(), f"{name} offset of axes {k}")
            # only the ticks drawn: those within the view limits
            lo, hi = sorted(axis.get_view_interval())
            span = (hi - lo) * 1e-9
            for loc, t in zip(axis.get_majorticklocs(), axis.get_majorticklabels()):
                if lo - span <= loc <= hi + span:
                    add(t, f"{name} tick '{t.get_text()}' of axes {k}")
    return boxes


def overlaps(fig):
    boxes = text_boxes(fig)
    out = []
    for (a, wa), (b, wb) in itertools.combinations(boxes, 2):
        # 1 px of slack: touching is not overlapping
        if (min(a.x1, b.x1) - max(a.x0, b.x0) > 1 and min(a.y1, b.y1) - max(a.y0, b.y0) > 1):
            out.append(f"{wa} / {wb}")
    return out


class Found(list):
    on = True


@pytest.fixture
def checked(monkeypatch):
    """Every figure a script saves is first checked for overlapping labels (unless off)."""
    found = Found()
    real_save = common.save

    def save(figs, outdir, name, fmt, dpi):
        if found.on:
            for i, fig in enumerate(figs if isinstance(figs, list) else [figs]):
                for o in overlaps(fig):
                    found.append(f"{name} page {i + 1}: {o}")
        return real_save(figs, outdir, name, fmt, dpi)

    for mod in (plot_run, plot_sweep, plot_compare, plot_pred):
        monkeypatch.setattr(mod, "save", save)
    yield found
    plt.close("all")


def sizes(paths):
    out = {}
    for p in paths:
        img = mimage.imread(p)
        out[os.path.basename(p)] = img.shape[:2]
    return out


@pytest.mark.parametrize("width", ["page", "column"])
def test_figures_fit(files, tmp_path, width, checked, capsys):
    """Sizes at both widths; overlapping labels at page width (the draw is the slow part)."""
    checked.on = width == "page"
    with h5py.File(files / "sweep.h5", "r") as f:
        metrics = ",".join(sorted(f["sweep/summary"])[:14])
    jobs = [
        ("run", plot_run.main, [str(files / "a.h5")]),
        ("sweep", plot_sweep.main, [str(files / "sweep.h5"), "--metrics", metrics]),
        ("compare", plot_compare.main, [str(files / "a.h5"), str(files / "b.h5")]),
    ]
    written = {}
    for name, main, args in jobs:
        out = tmp_path / name
        rc = main(args + ["-o", str(out), "--width", width, "--dpi", str(DPI)])
        cap = capsys.readouterr()
        assert rc == 0, cap.err
        pngs = [p for p in cap.out.split() if p.endswith(".png")]
        assert sorted(pngs) == sorted(glob.glob(str(out / "*.png")))
        written[name] = sizes(pngs)
    assert not checked, "overlapping labels:\n" + "\n".join(checked)
    for name, figs in written.items():
        for fname, (h, w) in figs.items():
            assert h <= MAX_PX and w <= MAX_PX, f"{name}/{fname}: {w} x {h} px"
            assert w <= WIDTH_PX[width] * 1.04, f"{name}/{fname}: {w} px wide at {width} width"
    # Many panels go to pages: 14 metrics x 2 parameters do not fit one page.
    assert "sweep_main_effects_p2.png" in written["sweep"]
    assert {"actor_series.png", "rus_irn_dashboard.png", "event_timeline.png"} <= \
        set(written["run"]) | {n.replace("_p1", "") for n in written["run"]}
    assert any(n.startswith("compare_summary") for n in written["compare"])


def test_predictive_annual_pages(files, tmp_path, checked, capsys):
    """Predictive bands of many annual series with long names (arms transfers between pairs,
    military capacity) fill pages of 12 panels: no label overlaps another, and no y label is
    taller than its panel (they repeated the quantity of the title, 'arms transfer air
    defense [systems/month]', and ran into the panels above and below)."""
    rows = ["quantity,actor,target,date,value,sd,transform,source,published"]
    pairs = [("RUS", "IRN"), ("RUS", "CHN"), ("RUS", "SYR"), ("USA", "SAU"), ("USA", "ISR"),
             ("CHN", "IRN"), ("EUU", "UKR"), ("USA", "UKR"), ("IRN", "RUS")]
    for q in ("arms_transfer_air_defense", "arms_transfer_aircraft"):
        for a, t in pairs:
            rows += [f"{q},{a},{t},{y},0.1,0.05,level,test,2025-06-01" for y in (2022, 2023, 2024)]
    for a in ("RUS", "IRN", "USA", "CHN", "SAU", "ISR"):
        rows += [f"military_capacity,{a},,{y},6e10,1e10,level,test,2025-06-01"
                 for y in (2022, 2023, 2024)]
    obs = tmp_path / "annual.csv"
    obs.write_text("\n".join(rows) + "\n")
    out = tmp_path / "pred"
    rc = plot_pred.main([str(files / "a.h5"), str(obs), "-o", str(out), "--dpi", str(DPI)])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    pngs = sorted(p for p in cap.out.split() if p.endswith(".png"))
    assert len(pngs) == 2, pngs   # 24 panels: two pages
    assert not checked, "overlapping labels:\n" + "\n".join(checked)
    for (h, w) in sizes(pngs).values():
        assert h <= MAX_PX and w <= WIDTH_PX["page"] * 1.04, (w, h)
    # the y labels themselves, drawn on the pages
    from pactsim import observations
    groups = observations.series_of(observations.read_observations([str(obs)]))
    with plot_pred.open_run(files / "a.h5") as run:
        _, panels, _ = plot_pred.coverage_rows(run, groups, [50, 90])
        for fig in plot_pred.fig_bands(run, panels, [50, 90], until=""):
            fig.canvas.draw()
            r = fig.canvas.get_renderer()
            for ax in fig.axes:
                if ax.get_ylabel():
                    h = ax.yaxis.label.get_window_extent(r).height
                    assert h <= ax.get_window_extent(r).height + 1, \
                        f"y label '{ax.get_ylabel()}' of '{ax.get_title()}' is taller than " \
                        f"its panel"
            plt.close(fig)


def test_overlap_detector():
    """The check above sees what it must: crowded panels with long titles and labels."""
    fig, axes = plt.subplots(1, 3, figsize=(3, 2))
    for ax in axes:
        ax.set_title("a very long title that runs into its neighbour")
        ax.set_xlim(0, 1e6)
    found = overlaps(fig)
    assert any("title of axes 0 / title of axes 1" in o for o in found)
    assert any("x tick" in o for o in found)
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_title("short")
    assert overlaps(fig) == []
    plt.close("all")


def test_actor_defaults_money_and_colours(files, capsys):
    from pactsim import open_run
    with open_run(files / "a.h5") as run:
        assert len(run.actors) == 12
        actors = common.pick_actors("t", None, run.actors, first=("IRN", "RUS"))
        assert actors[:2] == ["IRN", "RUS"] and len(actors) == common.MAX_ACTORS
        assert "showing 8 of 12 actors" in capsys.readouterr().err
        assert common.pick_actors("t", ["SYR", "UKR"], run.actors) == ["SYR", "UKR"]
        (fig,) = plot_run.fig_actor_series(run, actors, ["oil_export_revenue", "gdp_growth"])
        money = fig.axes[0]
        assert money.get_ylabel() == "oil export revenue [bn USD/yr]"
        raw = run.actor_state["oil_export_revenue"].sel(actor="RUS").values
        line = [ln for ln in money.get_lines() if ln.get_label() == "RUS"][0]
        assert line.get_ydata() == pytest.approx(np.median(raw, axis=0) * 1e-9)
        assert len(money.get_lines()) == 8
    # The 12 named actors' colours are far apart (CIE76 distance in Lab).
    lab = np.array([_lab(style.actor_color(a)) for a in style.ACTOR_COLORS])
    dist = np.sqrt(((lab[:, None] - lab[None]) ** 2).sum(-1))
    np.fill_diagonal(dist, np.inf)
    assert dist.min() > 20, dist.min()
    assert style.scaled("USD/bbl") == (1.0, "USD/bbl")  # a price stays in USD


def _lab(hex_color):
    rgb = np.array(mcolors.to_rgb(hex_color))
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ lin / np.array([0.9505, 1.0, 1.089])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])

"""The Python readers and scripts on inputs they must refuse or flag (docs/analysis.md,
conventions): exit 2 with a message naming the file and no traceback; incomplete inputs
(a failed run's FILE.failed.h5, an interrupted sweep's FILE.partial) said so on stderr;
one-month runs drawn visibly; a closed stdout ends quietly. Real runs of the CLI (PACTSIM,
as ctest sets it): 3 replicates of baseline_2022 to 2022-12, one to 2022-01, one keeping
only gdp fields, one failed in replicate 1 (PACTSIM_TEST_INJECT_NAN) and a tiny sweep.
Environment: PACTSIM (the CLI), PACTSIM_SOURCE_DIR (repository root).
"""
import csv
import os
import shutil
import subprocess
import sys
import warnings

import h5py
import numpy as np
import pytest

# The shared inputs (fixtures `files` and `close_figures` are used by pytest, by name).
from cli_inputs import (ANALYSIS, ENV, OBS, PACTSIM, SRC, close_figures, files,  # noqa: F401
                        needs_cli, script)

import matplotlib.pyplot as plt  # noqa: E402

import pactsim  # noqa: E402
from pactsim import agreements, discovery, facts, observations, scores  # noqa: E402
from pactsim.plotting import common  # noqa: E402
from pactsim.plotting import run as plot_run  # noqa: E402
from pactsim.plotting import sweep as plot_sweep  # noqa: E402


def discover(*args):
    """pactsim-discover as analysis/discover.py runs it (`-m pactsim.discovery` is the same,
    test_api_consistency): (exit status, stdout, stderr)."""
    p = subprocess.run([sys.executable, os.path.join(ANALYSIS, "discover.py"), *map(str, args)],
                       capture_output=True, text=True, env=ENV)
    return p.returncode, p.stdout, p.stderr


def no_traceback(err):
    assert "Traceback" not in err, err


# ------------------------------------------------------------ 3: nothing left to draw
@needs_cli
def test_predictive_on_a_run_too_short_for_the_series(files, tmp_path):
    rc, out, err = script("pactsim.plotting.predictive", files["m1"],
                          os.path.join(OBS, "oil_2022_india.csv"), "-o", tmp_path / "p")
    no_traceback(err)
    assert rc == 2 and out == ""
    assert "4 of 4 observations outside the run's periods" in err
    assert "m1.h5: no observation falls in the run's periods" in err


def test_central_bands_of_no_period():
    med, bands = observations.central_bands(np.empty((3, 0)), [50, 90])
    assert med.shape == (0,) and bands[90][0].shape == (0,) and bands[50][1].shape == (0,)
    med, bands = observations.central_bands(np.empty((0, 4)), [50])
    assert med.shape == (4,) and np.isnan(med).all()


# ------------------------------------------------------------ 4: agreements
@needs_cli
def test_agreements_refusals(files, tmp_path):
    obs = os.path.join(OBS, "history", "agreements_annual.csv")
    posterior = os.path.join(SRC, "configs", "calibration", "baseline_2022_posterior.h5")
    for path, words in ((files["nodyad"], "the run has none of dyad_state/cooperation"),
                        (posterior, "not a pactsim file (format is 'pactsim-posterior'"),
                        (tmp_path, "is a directory"),
                        (files["sweep"], "is a sweep file"),
                        (tmp_path / "missing.h5", "no such file")):
        rc, out, err = script("pactsim.agreements", path, obs)
        no_traceback(err)
        assert rc == 2 and f"pactsim.agreements: error: {path}" in err and words in err, err
    rc, _, err = script("pactsim.agreements", files["base"], tmp_path / "none.csv")
    assert rc == 2 and "none.csv" in err
    no_traceback(err)
    # nothing to report (ATOP's years end in 2018, the run starts in 2022): bad input, as
    # in every script (docs/analysis.md), not a status of its own
    rc, out, err = script("pactsim.agreements", files["base"], obs)
    no_traceback(err)
    assert rc == 2 and out == "", (rc, err)
    assert (f"pactsim.agreements: error: {files['base']}: no annual agreement_level "
            f"observation matches the run's actors and years") in err, err
    with pytest.raises(pactsim.PactsimFileError, match="none of dyad_state"):
        agreements.pair_years(str(files["nodyad"]), obs)
    rc, out, _ = script("pactsim.agreements", "--help")
    assert out.startswith("usage: /usr/bin/python3 -m pactsim.agreements")


# ------------------------------------------------------------ 5: a binary score file
@needs_cli
def test_plot_scores_on_an_hdf5_file(files, tmp_path):
    rc, out, err = script("pactsim.plotting.scores", files["base"], "-o", tmp_path / "s")
    no_traceback(err)
    assert rc == 2 and out == ""
    assert f"{files['base']}: an HDF5 file" in err and "pactsim score --format csv" in err


def test_read_scores_binary(tmp_path):
    b = tmp_path / "x.bin"
    b.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(scores.ScoreFileError, match="x.bin: binary data, not text; expected a "
                                                    "score file"):
        scores.read_scores(b)


# ------------------------------------------------------------ 6: one-month runs
def test_single_month_band_and_axis():
    fig, ax = plt.subplots()
    x = np.array(["2022-01-01"], dtype="datetime64[ns]")
    with warnings.catch_warnings():
        warnings.simplefilter("error")     # no 'identical low and high xlims'
        line = common.plot_band(ax, x, np.array([[1.0], [2.0], [3.0]]), "C0", "a")
        from pactsim.plotting import style
        style.date_axis(ax, x[0], x[-1])
    assert line.get_marker() == "o" and len(line.get_xdata()) == 1
    lo, hi = ax.get_xlim()
    assert hi - lo == pytest.approx(30)   # days: half a month either side
    assert ax.collections and ax.collections[0].get_segments()[0][:, 1].tolist() == \
        pytest.approx([1.1, 2.9])


@needs_cli
def test_one_month_run_figures(files, tmp_path):
    for module, args in (("pactsim.plotting.run", [files["m1"]]),
                         ("pactsim.plotting.compare", [files["base"], files["m1"],
                                                       "--allow-mismatch"])):
        rc, out, err = script(module, *args, "-o", tmp_path / module)
        assert rc == 0, err
        assert "xlims" not in err and "Warning" not in err, err
    with pactsim.open_run(files["m1"]) as r:
        (fig,) = plot_run.fig_actor_series(r, ["RUS", "IRN"], width="page")
    markers = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_marker() == "o"]
    assert len(markers) >= 2 and all(len(ln.get_xdata()) == 1 for ln in markers)


# ------------------------------------------------------------ 7: sweep files
@needs_cli
def test_facts_and_model_series_on_a_sweep(files):
    rc, out, err = script("pactsim.facts", files["sweep"])
    no_traceback(err)
    assert rc == 2 and f"pactsim-facts: error: {files['sweep']} is a sweep file" in err
    rc, out, err = script("pactsim.facts", files["base"], "--base", files["sweep"])
    assert rc == 2 and "is a sweep file" in err
    key = observations.SeriesKey("gdp", "RUS", "", "level", False)
    with pactsim.open_run(files["sweep"]) as r:
        with pytest.raises(pactsim.PactsimFileError, match="is a sweep file"):
            observations.model_series(r, key)
        with pytest.raises(pactsim.PactsimFileError, match="is a sweep file"):
            facts.evaluate(r)


# ------------------------------------------------------------ 8: incomplete runs
@needs_cli
def test_incomplete_run_is_said(files, tmp_path):
    rc, out, err = script("pactsim.facts", files["failed"])
    assert rc == 0 and "holds" in out
    assert f"{files['failed']} is INCOMPLETE" in err and "1 of 3 replicates complete" in err
    rc, out, err = script("pactsim.plotting.compare", files["base"], files["failed"], "-o",
                          tmp_path / "c")
    assert rc == 0 and f"{files['failed']} is INCOMPLETE" in err
    assert "1 of 3 replicates complete" in err and "base.h5 is INCOMPLETE" not in err
    rc, out, err = script("pactsim.plotting.run", files["failed"], "-o", tmp_path / "r")
    assert rc == 0 and "1 of 3 replicates complete" in err
    rc, out, err = script("pactsim.facts", files["base"])
    assert rc == 0 and "INCOMPLETE" not in err
    india = os.path.join(OBS, "oil_2022_india.csv")
    rc, out, err = script("pactsim.plotting.predictive", files["failed"], india, "-o",
                          tmp_path / "p")
    assert rc == 0, err
    assert f"pactsim-plot-predictive: note: {files['failed']} is INCOMPLETE" in err, err
    assert "1 of 3 replicates complete" in err
    rc, out, err = script("pactsim.plotting.predictive", files["base"], india, "-o",
                          tmp_path / "p2")
    assert rc == 0 and "INCOMPLETE" not in err, err


# ------------------------------------------------------------ 9: score files sharing no row
@needs_cli
def test_plot_scores_unmatched_rows(files, tmp_path):
    def score(name, *obs):
        p = subprocess.run([PACTSIM, "score", str(files["base"]),
                            *[os.path.join(OBS, o) for o in obs], "--format", "csv"],
                           capture_output=True, text=True, check=True)
        (tmp_path / name).write_text(p.stdout)
        return tmp_path / name

    oil = score("oil.csv", "oil_2022.csv")
    eco = score("eco.csv", "economy_2022.csv")
    both = score("both.csv", "economy_2022.csv", "oil_2022.csv")
    rows = {k: scores.read_scores(v)[0] for k, v in (("oil", oil), ("eco", eco),
                                                      ("both", both))}
    assert scores.unmatched(rows["oil"], rows["eco"]) == (len(rows["oil"]), len(rows["eco"]))
    assert scores.unmatched(rows["oil"], rows["both"]) == (0, len(rows["eco"]))
    rc, out, err = script("pactsim.plotting.scores", oil, eco, "-o", tmp_path / "none")
    no_traceback(err)
    assert rc == 2 and out == "" and "share no scored observation" in err
    assert not (tmp_path / "none" / "scores_compare.csv").exists()
    rc, out, err = script("pactsim.plotting.scores", oil, both, "-o", tmp_path / "some")
    assert rc == 0
    assert (f"0 of {len(rows['oil'])} rows of {oil} and {len(rows['eco'])} of "
            f"{len(rows['both'])} rows of {both} have no match") in err
    cmp = list(csv.DictReader(open(tmp_path / "some" / "scores_compare.csv")))
    assert len(cmp) == len(rows["oil"]) + 1


# ------------------------------------------------------------ 10: an interrupted sweep
@needs_cli
def test_plot_sweep_partial(files, tmp_path):
    part = tmp_path / "cut.h5.partial"
    shutil.copy(files["sweep"], part)
    with h5py.File(part, "r+") as f:   # as an interrupted sweep leaves it: runs not done
        d = f["sweep/done"]
        d[1, 1] = 0
        d[2, :] = 0
    rc, out, err = script("pactsim.plotting.sweep", part, "-o", tmp_path / "s",
                          "--metrics", "min_gdp_growth")
    assert rc == 0
    assert "the sweep is INCOMPLETE: 3 of 6 runs done, 3 not run" in err
    with pactsim.open_run(part) as r:
        (fig,) = plot_sweep.fig_main_effects(r, ["min_gdp_growth"])
    assert "(INCOMPLETE: 3 of 6 runs done)" in fig._suptitle.get_text().replace("\n", " ")
    rc, out, err = script("pactsim.plotting.sweep", files["sweep"], "-o", tmp_path / "s2",
                          "--metrics", "min_gdp_growth")
    assert rc == 0 and "INCOMPLETE" not in err
    # scenario discovery on it says so too: its cases are the runs done
    with h5py.File(part, "r") as f:
        y = f["sweep/summary/min_gdp_growth"][()][f["sweep/done"][()] == 1]
    cut = str(0.5 * (y.min() + y.max()))
    assert y.min() < y.max()
    rc, out, err = discover(part, "--metric", "min_gdp_growth", "--above", cut)
    no_traceback(err)
    assert rc == 0 and out.startswith(f"{part}: 3 cases (runs)"), err
    assert (f"pactsim-discover: note: {part}: the sweep is INCOMPLETE: 3 of 6 runs done, 3 "
            f"not run") in err, err
    assert discovery.sweep_table(str(part), "min_gdp_growth").incomplete.startswith(
        "3 of 6 runs done")
    rc, out, err = discover(files["sweep"], "--metric", "min_gdp_growth", "--above", cut)
    assert rc == 0 and "INCOMPLETE" not in err, err
    assert discovery.sweep_table(str(files["sweep"]), "min_gdp_growth").incomplete == ""


# ------------------------------------------------------------ 11: the reader
@needs_cli
def test_events_replicate_and_sensitivity(files, tmp_path):
    assert len(pactsim.events(files["base"], replicate=2)) > 0
    for bad in (3, 7, -1):
        with pytest.raises(ValueError, match=r"no replicate .* \(the file has replicates 0 to 2\)"):
            pactsim.events(files["base"], replicate=bad)
    with pytest.raises(pactsim.PactsimFileError, match="base.h5: not a sweep file"):
        pactsim.sensitivity(files["base"])
    assert pactsim.sensitivity(files["sweep"]) == {"param": [], "metrics": {}, "method": "",
                                                   "attrs": {}}
    rc, out, err = script("pactsim.plotting.run", files["base"], "-o", tmp_path / "r",
                          "--replicate", "7")
    no_traceback(err)
    assert rc == 2 and "--replicate 7" in err and "replicates 0 to 2" in err


def test_checkpoints_are_named(tmp_path):
    cal = tmp_path / "post.h5.partial"
    cal.write_bytes(b"PSABC01\0" + bytes(100))
    with pytest.raises(pactsim.PactsimFileError,
                       match=r"post.h5.partial: the checkpoint of an interrupted calibration "
                             r"\(pactsim calibrate SPEC -o OUT --resume continues it"):
        pactsim.open_run(cal)
    from pactsim import posterior
    with pytest.raises(pactsim.PactsimFileError, match="interrupted calibration"):
        posterior.open_posterior(cal)
    rep = tmp_path / "run.h5.partial"
    rep.mkdir()
    (rep / "rep-0000000.ckpt").write_bytes(b"PSCKPT1\0" + bytes(100))
    with pytest.raises(pactsim.PactsimFileError, match="replicate checkpoint of an interrupted "
                                                       "run"):
        pactsim.open_run(rep / "rep-0000000.ckpt")
    with pytest.raises(pactsim.PactsimFileError, match="run.h5.partial: is a directory of the "
                                                       "replicate checkpoints"):
        pactsim.open_run(rep)
    other = tmp_path / "other.h5"
    other.write_bytes(b"not hdf5 at all")
    with pytest.raises(pactsim.PactsimFileError, match="other.h5: not an HDF5 file"):
        pactsim.open_run(other)


# ------------------------------------------------------------ 12: a closed stdout
MODULES = ["pactsim.discovery", "pactsim.facts", "pactsim.agreements",
           "pactsim.plotting.run", "pactsim.plotting.sweep", "pactsim.plotting.compare",
           "pactsim.plotting.posterior", "pactsim.plotting.predictive",
           "pactsim.plotting.scores"]


def closed_stdout(args, env=None):
    """Run with stdout a pipe whose reader has gone: (exit status, stderr)."""
    r, w = os.pipe()
    os.close(r)
    try:
        p = subprocess.run(args, stdout=w, stderr=subprocess.PIPE, text=True,
                           env=env or ENV)
    finally:
        os.close(w)
    return p.returncode, p.stderr


@needs_cli
@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_closed_stdout_is_quiet(files, tmp_path, unbuffered):
    env = dict(ENV, PYTHONUNBUFFERED=unbuffered)
    rc, err = closed_stdout([sys.executable, "-m", "pactsim.facts", str(files["base"])], env)
    assert rc == 0 and "Traceback" not in err and "BrokenPipe" not in err, err
    out = tmp_path / f"r{unbuffered}"
    rc, err = closed_stdout([sys.executable, "-m", "pactsim.plotting.run", str(files["base"]),
                             "-o", str(out), "--actors", "RUS,IRN"], env)
    assert rc == 0 and "Traceback" not in err and "BrokenPipe" not in err, err
    assert (out / "actor_series.png").exists()   # the work is done all the same
    rc, err = closed_stdout([sys.executable, os.path.join(ANALYSIS, "discover.py"),
                             str(files["sweep"]), "--metric", "min_gdp_growth", "--below",
                             "1e9"], env)
    assert rc == 2 and "Traceback" not in err   # its own refusal, on stderr as ever


@pytest.mark.parametrize("module", MODULES)
def test_every_script_uses_the_shared_entry(module):
    import importlib
    main = importlib.import_module(module).main
    assert getattr(main, "__wrapped__", None) is not None, f"{module}.main is not @script"


def test_shared_entry_drops_a_gone_stdout():
    from pactsim.script import script as entry

    class Gone:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    seen = []

    @entry("x")
    def main(argv=None):
        print("a" * 100)
        print("b")
        seen.append("after")
        return 3

    saved = sys.stdout
    sys.stdout = Gone()
    try:
        assert main([]) == 3
    finally:
        sys.stdout = saved
    assert seen == ["after"]

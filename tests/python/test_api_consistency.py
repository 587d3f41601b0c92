"""The package's public API as docs/analysis.md states it, on the inputs a user trial gave it:
a wrong kind of file anywhere (an HDF5 run as observations, a sweep to a run figure, a sweep
part file) is refused with a message naming the file and what it is; arguments are checked;
functions taking a run take a path or an open Run; module docstrings match the code; `-m`
entry points are consistent. Real runs of the CLI (PACTSIM, as ctest sets it): 3 replicates
of baseline_2022 to 2022-12, one failed in replicate 1 (PACTSIM_TEST_INJECT_NAN), a tiny
sweep and one part file of it.
Environment: PACTSIM (the CLI), PACTSIM_SOURCE_DIR (repository root).
"""
import os
import subprocess

import numpy as np
import pytest

# The shared inputs (fixtures `files` and `close_figures` are used by pytest, by name).
from cli_inputs import OBS, PACTSIM, SRC, close_figures, files, needs_cli, script  # noqa: F401

import matplotlib.pyplot as plt  # noqa: E402

import pactsim  # noqa: E402
from pactsim import observations  # noqa: E402


# ------------------------------------------------------------ 1: text inputs
@needs_cli
def test_an_hdf5_file_as_observations(files, tmp_path):
    with pytest.raises(observations.ObservationError, match="an HDF5 file .a run.., not an "
                       "observation file"):
        observations.read_observations([files["base"]])
    for module, args in (("pactsim.plotting.predictive", (files["base"], files["base"], "-o",
                                                          tmp_path / "p")),
                         ("pactsim.agreements", (files["base"], files["base"]))):
        rc, out, err = script(module, *args)
        assert rc == 2 and "Traceback" not in err, err
        assert f"error: {files['base']}: an HDF5 file (a run?), not an observation file" in err


def test_binary_non_utf8_and_directory_observations(tmp_path):
    (tmp_path / "latin1.csv").write_bytes(b"quantity,actor,target,date,value,sd,transform,"
                                          b"source,published\ngdp,RUS,,2022,1,1,level,caf\xe9,\n")
    (tmp_path / "bin.csv").write_bytes(b"\x00\x01\x02binary")
    for name, words in (("latin1.csv", "latin1.csv:2: not UTF-8 text"),
                        ("bin.csv", "binary data, not an observation file"),
                        ("", "is a directory, not an observation file")):
        with pytest.raises(observations.ObservationError, match=words):
            observations.read_observations([tmp_path / name])


# ------------------------------------------------------------ 2, 3: figure arguments
@needs_cli
def test_network_and_heatmap_take_dates(files, capsys):
    from pactsim.plotting import run as plot_run
    actors = ["RUS", "IRN", "TUR"]
    with pactsim.open_run(files["base"]) as run:
        for fig in (plot_run.fig_cooperation_heatmap, plot_run.fig_cooperation_network):
            figs = fig(run, actors, ["2022-01", "2022-12", "2030-01"])
            assert len(figs) == 1 and len(figs[0].axes) >= 2
            titles = [ax.get_title() for ax in figs[0].axes if ax.get_title()]
            assert any("2022-01" in t for t in titles) and any("2022-12" in t for t in titles)
            assert "date 2030-01 is not in the run (2022-01 to 2022-12); skipped" in \
                capsys.readouterr().err
            figs = fig(run, actors, np.array(["2022-03", "2022-06"], dtype="datetime64[ns]"))
            titles = [ax.get_title() for ax in figs[0].axes if ax.get_title()]
            assert any("2022-03" in t for t in titles) and any("2022-06" in t for t in titles)
            assert len(fig(run, actors, np.datetime64("2022-05-01"))) == 1
            assert fig(run, actors, ["1999-01"]) == []
            assert "no date to show" in capsys.readouterr().err
            with pytest.raises(TypeError, match="dates must be 'YYYY-MM' strings"):
                fig(run, actors, [3.5])


@needs_cli
def test_figures_of_the_wrong_kind_of_file(files, capsys):
    from pactsim.plotting import predictive
    from pactsim.plotting import run as plot_run
    from pactsim.plotting import sweep as plot_sweep
    with pactsim.open_run(files["sweep"]) as sweep:
        for make in (lambda: plot_run.fig_actor_series(sweep, ["RUS"]),
                     lambda: plot_run.fig_cooperation_heatmap(sweep, ["RUS", "IRN"],
                                                              ["2022-03"]),
                     lambda: plot_run.fig_cooperation_network(sweep, ["RUS", "IRN"],
                                                              ["2022-03"]),
                     lambda: plot_run.fig_pair_dashboard(sweep),
                     lambda: plot_run.fig_event_timeline(sweep),
                     lambda: predictive.fig_bands(sweep, [], [50, 90])):
            assert make() == []
            assert "is a sweep file, not a run file" in capsys.readouterr().err
    with pactsim.open_run(files["base"]) as run:
        for make in (lambda: plot_sweep.fig_main_effects(run, ["min_gdp_growth"]),
                     lambda: plot_sweep.fig_surface(run, ["min_gdp_growth"]),
                     lambda: plot_sweep.fig_distributions(run, ["min_gdp_growth"]),
                     lambda: plot_sweep.fig_sensitivity(files["base"], None)):
            assert make() == []
            err = capsys.readouterr().err
            assert "not a sweep file" in err and "figure skipped" in err


# ------------------------------------------------------------ 7: replicates of a failed run
@needs_cli
def test_titles_count_the_replicates_with_data(files):
    from pactsim.plotting import run as plot_run
    with pactsim.open_run(files["failed"]) as run:
        months = run.months_complete
        assert months is not None and months.shape == (3,) and months[0] == 12
        gdp = np.asarray(run.actor_state["gdp"].values)
        with_data = int(np.isfinite(gdp).any(axis=(1, 2)).sum())
        complete = int(np.isfinite(gdp).all(axis=(1, 2)).sum())
        assert with_data < 3 and (with_data, complete, 3) == run.replicates_with_data()
        for figs in (plot_run.fig_actor_series(run, ["RUS", "IRN"]),
                     plot_run.fig_pair_dashboard(run)):
            title = figs[0]._suptitle.get_text().replace("\n", " ")
            assert f"over {with_data} replicates ({complete} complete)" in title, title
    with pactsim.open_run(files["base"]) as run:
        assert run.months_complete is None and run.replicates_with_data() == (3, 3, 3)
        title = plot_run.fig_actor_series(run, ["RUS"])[0]._suptitle.get_text()
        assert "over 3 replicates" in title.replace("\n", " ")
    from pactsim.plotting import compare
    with pactsim.open_run(files["base"]) as a, pactsim.open_run(files["failed"]) as b:
        times, reps = compare.common_axes([a, b])
        rows = compare.build_items("t", [a, b], ["gdp_growth"], ["RUS"], ("RUS", "IRN"))
        for mode in ("series", "diff"):
            figs = compare._draw_grid([a, b], ["a", "b"], rows, times, reps, mode, "t")
            title = figs[0]._suptitle.get_text().replace("\n", " ")
            assert f"over {with_data} replicates" in title, title


# ------------------------------------------------------------ 4: a closed file
@needs_cli
def test_reading_after_close_says_the_file_is_closed(files):
    run = pactsim.open_run(files["base"])
    gdp = run.actor_state["gdp"]
    run.close()
    for read in (lambda: gdp.values, lambda: run.dyad_state["cooperation"].values,
                 lambda: gdp.isel(time=0).values):
        with pytest.raises(ValueError, match="the file is closed .*eager=True"):
            read()
    run = pactsim.open_run(files["base"], eager=True)
    gdp = run.actor_state["gdp"]
    run.close()
    assert np.isfinite(gdp.values).all()


# ------------------------------------------------------------ 10: reader metadata
@needs_cli
def test_reader_metadata(files):
    with pactsim.open_run(files["base"]) as run:
        for ds in (run.actor_state, run.dyad_state, run.theater_state):
            for v in ds.data_vars:
                assert ds[v].attrs["precision"] == "float32", v
        assert run.actor_names["RUS"] == "Russia"
    with pactsim.open_run(files["sweep"]) as sw:
        assert sw.actors[:2] == ["RUS", "IRN"]
        assert sw.actor_names["RUS"] == "Russia" and set(sw.actor_names) == set(sw.actors)
        assert list(sw.sweep["replicate"].values) == [0, 1]
        assert sw.sweep["done"].sel(replicate=1).shape == (3,)
        assert sw.replicates == 2


# ------------------------------------------------------------ 13: a sweep part file
@needs_cli
def test_a_sweep_part_file_says_merge_it(files, tmp_path):
    words = "a sweep part file (pactsim sweep SPEC -o PART --points A:B)"
    merge = "pactsim sweep SPEC -o FILE --merge PART..."
    for read in (lambda: pactsim.open_run(files["part"]),
                 lambda: pactsim.sweep_table(files["part"], "min_gdp_growth")):
        with pytest.raises(pactsim.PactsimFileError) as e:
            read()
        assert words in str(e.value) and merge in str(e.value)
    rc, out, err = script("pactsim.plotting.sweep", files["part"], "-o", tmp_path / "s")
    assert rc == 2 and words in err and merge in err and "Traceback" not in err


# ------------------------------------------------------------ 14: agreements of a failed run
@needs_cli
def test_agreements_of_a_failed_run(files, tmp_path):
    from pactsim import agreements
    obs = tmp_path / "agree.csv"
    obs.write_text("quantity,actor,target,date,value,sd,transform,source,published\n"
                   "agreement_level,RUS,IRN,2022,2,0.5,level,test,\n"
                   "agreement_level,RUS,TUR,2022,0,0.5,level,test,\n"
                   "agreement_level,USA,SAU,2022,3,0.5,level,test,\n")
    rows = agreements.pair_years(files["failed"], [obs])
    assert len(rows) == 3
    with pactsim.open_run(files["failed"]) as run:
        coop = np.asarray(run.dyad_state["cooperation"].sel(source="RUS", target="IRN").values)
        back = np.asarray(run.dyad_state["cooperation"].sel(source="IRN", target="RUS").values)
    assert np.isnan(coop).any()
    for pair, year, level, vals in rows:
        assert all(np.isfinite(v) for v in vals.values()), (pair, vals)
    assert rows[0][3]["cooperation"] == pytest.approx(np.nanmean(0.5 * (coop + back)))
    rc, out, err = script("pactsim.agreements", files["failed"], obs)
    assert rc == 0 and "pactsim.agreements: note:" in err and "is INCOMPLETE" in err, err


# ------------------------------------------------------------ 8: arguments
def test_posterior_arguments():
    from pactsim.posterior import (Posterior, prior_quantile, weighted_correlation,
                                   weighted_mean_sd, weighted_quantile)
    post = Posterior(path="x", names=["parameters.a.n"], units=["1"], samples=np.ones((2, 1)),
                     weights=np.array([0.5, 0.5]), prior=["normal"],
                     prior_lower=np.array([0.0]), prior_upper=np.array([1.0]),
                     prior_mu=np.array([0.3]), prior_sigma=np.array([0.4]))
    for q in (1.5, -0.1, np.nan, [0.5, 2]):
        with pytest.raises(ValueError, match="must lie in .0, 1."):
            prior_quantile(post, 0, q)
        with pytest.raises(ValueError, match="must lie in .0, 1."):
            weighted_quantile([1, 2, 3], None, q)
    for f in (lambda: weighted_quantile([1, np.nan, 3], [1, 1, 1], 0.5),
              lambda: weighted_mean_sd([1, np.nan]),
              lambda: weighted_correlation([1, 2, np.nan], [1, 2, 3])):
        with pytest.raises(ValueError, match="must be finite"):
            f()
    with pytest.raises(ValueError, match="values are empty"):
        weighted_quantile([], [], 0.5)
    assert weighted_quantile([3, 1, 2], [1, 1, 1], 0.5) == 2.0


def test_discovery_arguments():
    from pactsim import cart, feature_scores, prim
    rng = np.random.default_rng(1)
    X = rng.uniform(size=(200, 2))
    y = X[:, 0] > 0.5
    for bad in (np.zeros(200, bool), np.ones(200, bool)):
        with pytest.raises(ValueError, match="nothing to score"):
            feature_scores(X, bad)
    with pytest.raises(ValueError, match="no case of interest"):
        prim(X, np.zeros(200, bool))
    for f, words in ((lambda: feature_scores(X, y, n_trees=0), "n_trees must be a positive"),
                     (lambda: feature_scores(X, y, max_depth=0), "max_depth must be a positive"),
                     (lambda: cart(X, y, max_depth=-1), "max_depth must be a positive"),
                     (lambda: cart(X, y, min_leaf=0), "min_leaf must be a positive"),
                     (lambda: prim(X, y, threshold=1.5), "threshold is a density"),
                     (lambda: prim(X, y, threshold=-0.1), "threshold is a density")):
        with pytest.raises(ValueError, match=words):
            f()
    assert sum(feature_scores(X, y, n_trees=5).values()) == pytest.approx(1)


def test_central_bands_levels():
    x = np.arange(100.0)[:, None]
    med, bands = observations.central_bands(x, 90)
    assert list(bands) == [90.0] and bands[90][0][0] == pytest.approx(4.95)
    for bad, words in ((0.9, "0.9 is a fraction. write 90"), (100, "percentages in"),
                       (-5, "percentages in"), ([50, 0], "percentages in")):
        with pytest.raises(ValueError, match=words):
            observations.central_bands(x, bad)


@needs_cli
def test_reader_arguments(files):
    for rep, exc, words in ((1.5, ValueError, "no replicate 1.5"),
                            ("0", TypeError, "replicate must be an integer .got str"),
                            (3, ValueError, "no replicate 3"), (-1, ValueError, "no replicate")):
        with pytest.raises(exc, match=words):
            pactsim.events(files["base"], replicate=rep)
    assert len(pactsim.events(files["base"], replicate=np.int64(1))) == \
        len(pactsim.events(files["base"], replicate=1.0))
    with pactsim.open_run(files["base"]) as run:
        with pytest.raises(ValueError, match="group must be one of"):
            run.variable("gdp", group="bogus")
        assert run.variable("gdp", group="dyad_state") is None
        assert run.variable("gdp").dims == ("replicate", "time", "actor")


# ------------------------------------------------------------ 9: a run is a path or a Run
@needs_cli
def test_functions_take_a_path_or_a_run(files, tmp_path):
    from pactsim import agreements, facts
    from pactsim.plotting import run as plot_run
    from pactsim.plotting import sweep as plot_sweep
    obs = tmp_path / "agree.csv"
    obs.write_text("quantity,actor,target,date,value,sd,transform,source,published\n"
                   "agreement_level,RUS,IRN,2022,2,0.5,level,test,\n"
                   "agreement_level,RUS,TUR,2022,0,0.5,level,test,\n")
    key = observations.SeriesKey("gdp", "RUS", "", "level", False)
    with pactsim.open_run(files["base"]) as run, pactsim.open_run(files["sweep"]) as sw:
        for by_path, by_run in (
                (lambda: facts.evaluate(files["base"]), lambda: facts.evaluate(run)),
                (lambda: agreements.discrimination(files["base"], obs),
                 lambda: agreements.discrimination(run, [obs])),
                (lambda: observations.model_series(files["base"], key)[2],
                 lambda: observations.model_series(run, key)[2]),
                (lambda: len(pactsim.events(files["base"])), lambda: len(pactsim.events(run))),
                (lambda: pactsim.provenance(files["base"])["seed"],
                 lambda: pactsim.provenance(run)["seed"]),
                (lambda: pactsim.sweep_table(files["sweep"], "min_gdp_growth").y,
                 lambda: pactsim.sweep_table(sw, "min_gdp_growth", reduce="none").y),
                (lambda: pactsim.sensitivity(files["sweep"]), lambda: pactsim.sensitivity(sw)),
                (lambda: pactsim.io.incomplete_note(files["failed"]) is not None, lambda: True),
                (lambda: len(plot_run.fig_actor_series(files["base"], ["RUS"])),
                 lambda: len(plot_run.fig_actor_series(run, ["RUS"]))),
                (lambda: len(plot_sweep.fig_main_effects(files["sweep"], ["min_gdp_growth"])),
                 lambda: len(plot_sweep.fig_main_effects(sw, ["min_gdp_growth"]))),
                (lambda: plot_sweep.fig_sensitivity(files["sweep"], None),
                 lambda: plot_sweep.fig_sensitivity(sw))):
            a, b = by_path(), by_run()
            assert repr(a) == repr(b)
        assert np.isfinite(run.actor_state["gdp"].values).all()  # left open
    for f in (lambda: facts.evaluate(5), lambda: agreements.discrimination(None, [obs]),
              lambda: pactsim.events(3.5), lambda: pactsim.sweep_table(["x"], "m"),
              lambda: plot_run.fig_actor_series(7, ["RUS"])):
        with pytest.raises(TypeError, match="open Run"):
            f()


def test_posterior_parameters_by_name():
    from pactsim.plotting import posterior as plot_post
    from pactsim.posterior import open_posterior, prior_moments, prior_pdf, prior_quantile
    path = os.path.join(SRC, "configs", "calibration", "baseline_2022_posterior.h5")
    post = open_posterior(path)
    name, j = post.names[2], 2
    assert prior_moments(post, name) == prior_moments(post, j)
    assert prior_moments(post, post.short_names[2]) == prior_moments(post, j)
    assert prior_quantile(post, name, 0.5) == prior_quantile(post, j, 0.5)
    assert prior_pdf(post, name, [1.0]) == prior_pdf(post, j, [1.0])
    figs = plot_post.fig_marginals(post, [name, 0])
    assert [ax.get_title().split("\n")[0] for ax in figs[0].axes[:2]] == \
        [post.short_names[2], post.short_names[0]]
    assert len(plot_post.fig_pairs(path, [name, post.names[0]])[0].axes) == 4
    with pytest.raises(KeyError, match="not in the posterior"):
        prior_moments(post, "nope")
    with pytest.raises(IndexError, match="out of range"):
        prior_moments(post, 999)


# ------------------------------------------------------------ 6: python3 -m
def test_module_entry_points():
    for module in ("pactsim.io", "pactsim.observations", "pactsim.scores", "pactsim.posterior",
                   "pactsim.tables", "pactsim.script"):
        rc, out, err = script(module, "--help")
        assert rc == 2 and out == "", (module, rc, out)
        assert f"{module}: error: {module} is a library module with no command line" in err
    for module in ("pactsim.discovery", "pactsim.facts", "pactsim.agreements",
                   "pactsim.plotting.run", "pactsim.plotting.sweep", "pactsim.plotting.compare",
                   "pactsim.plotting.posterior", "pactsim.plotting.predictive",
                   "pactsim.plotting.scores"):
        rc, out, err = script(module, "--help")
        assert rc == 0 and out.startswith("usage:") and err == "", (module, err)
    # the package still gives its names, loaded on first use
    assert pactsim.open_run is pactsim.io.open_run and "prim" in dir(pactsim)
    from pactsim import PactsimFileError, prim  # noqa: F401


# ------------------------------------------------------------ 5: module docstrings
SCRIPT_MODULES = ("pactsim.plotting.run", "pactsim.plotting.sweep", "pactsim.plotting.compare",
                  "pactsim.plotting.posterior", "pactsim.plotting.predictive",
                  "pactsim.plotting.scores", "pactsim.discovery", "pactsim.facts",
                  "pactsim.agreements")


def _examples(doc):
    """The indented code blocks of a docstring, dedented, as one string each."""
    import textwrap
    blocks, cur = [], []
    for line in doc.splitlines() + [""]:
        if line.startswith("    ") or (cur and not line.strip()):
            cur.append(line)
        elif cur:
            blocks.append(textwrap.dedent("\n".join(cur)).strip())
            cur = []
    return [b for b in blocks if b]


def test_docstrings_name_every_option(capsys):
    import importlib
    import re
    for name in SCRIPT_MODULES:
        mod = importlib.import_module(name)
        with pytest.raises(SystemExit):
            mod.main(["--help"])
        help_text = capsys.readouterr().out
        options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", help_text)) - {"--help"}
        documented = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", mod.__doc__))
        if "-o DIR" in mod.__doc__:
            documented.add("--outdir")
        assert options <= documented, (name, sorted(options - documented))


@needs_cli
def test_docstring_examples_run(files, tmp_path, capsys):
    """Every code example of the library modules' docstrings, on the small files: file names
    replaced by the fixture's, metrics checked to exist in the sweep and then replaced by
    one its short runs define (the examples' 2024 metric is NaN in a run ending 2022-12)."""
    import importlib
    import re
    with pactsim.open_run(files["sweep"]) as sw:
        metrics = set(sw.summary.data_vars)
    names = {"baseline_2022.h5": files["base"], "run.h5": files["base"],
             "history.h5": files["base"], "sweep.h5": files["sweep"]}
    ran = 0
    for name in ("pactsim", "pactsim.io", "pactsim.observations", "pactsim.posterior",
                 "pactsim.discovery", "pactsim.agreements"):
        mod = importlib.import_module(name)
        for code in _examples(mod.__doc__):
            if not re.search(r"^(import|from) ", code, re.M) or code.startswith("pactsim-"):
                continue  # a usage line, not Python
            for m in re.findall(r'sweep_table\([^,]+, "(\w+)"', code):
                assert m in metrics, (name, m)
                code = code.replace(f'"{m}"', '"min_gdp_growth"')
            code = code.replace("> 0.5", "> np.median(t.y if 't' in dir() else y)")
            for old, new in names.items():
                code = code.replace(f'"{old}"', repr(str(new)))
            code = re.sub(r'"((?:data|configs)/[^"]+)"', lambda m: repr(os.path.join(SRC, m[1])),
                          code)
            exec(compile(code, f"<{name} docstring>", "exec"), {"np": np})
            ran += 1
    assert ran >= 6
    capsys.readouterr()


# ------------------------------------------------------------ 11: open figures
@needs_cli
def test_no_figure_left_open(files, tmp_path):
    import contextlib
    import io
    from pactsim import discovery
    from pactsim.plotting import common, compare, predictive
    from pactsim.plotting import posterior as plot_post
    from pactsim.plotting import run as plot_run
    from pactsim.plotting import sweep as plot_sweep
    plt.close("all")
    post = os.path.join(SRC, "configs", "calibration", "baseline_2022_posterior.h5")
    with pactsim.open_run(files["sweep"]) as sw:
        mid = float(np.median(sw.summary["min_gdp_growth"].values))
    for main, args in (
            (plot_run.main, [files["base"], "-o", tmp_path / "r"]),
            (plot_sweep.main, [files["sweep"], "-o", tmp_path / "s"]),
            (compare.main, [files["base"], files["base"], "-o", tmp_path / "c"]),
            (plot_post.main, [post, "-o", tmp_path / "p", "--pairs-max", "2",
                              "--params", "oil.price_long_run"]),
            (predictive.main, [files["base"], os.path.join(OBS, "oil_2022.csv"), "-o",
                               tmp_path / "b"]),
            (discovery.main, [files["sweep"], "--metric", "min_gdp_growth", "--above", mid,
                              "-o", tmp_path / "d"])):
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            assert main([str(a) for a in args]) == 0, main.__module__
        assert plt.get_fignums() == [], main.__module__
    # a failed write closes every page given
    figs = [plt.figure(), plt.figure()]
    with pytest.raises(OSError):
        common.save(figs, str(tmp_path / "missing"), "x", "png", 50)
    assert plt.get_fignums() == []
    # a fig_* function keeps no figure but those it returns
    figs = plot_run.fig_actor_series(files["base"], ["RUS"])
    assert sorted(plt.get_fignums()) == sorted(f.number for f in figs)
    for f in figs:
        plt.close(f)
    assert plt.get_fignums() == []


# ------------------------------------------------------------ 12: the pair plot's size
def test_pair_plot_size(tmp_path):
    import warnings
    from test_figure_layout import overlaps
    from pactsim.plotting import posterior as plot_post
    path = os.path.join(SRC, "configs", "calibration", "baseline_2022_posterior.h5")
    post = plot_post.open_posterior(path)
    assert len(post.names) > plot_post.PAIRS_MAX == 10
    rc, out, err = script("pactsim.plotting.posterior", path, "-o", tmp_path / "p",
                          "--pairs", "all")
    assert rc == 2 and "Traceback" not in err
    assert f"--pairs all: a pair plot of {len(post.names)} parameters would be unreadable; " \
           f"it takes at most 10" in err
    rc, out, err = script("pactsim.plotting.posterior", path, "-o", tmp_path / "p",
                          "--pairs-max", "11")
    assert rc == 2 and "--pairs-max must be 2 to 10" in err
    with pytest.raises(ValueError, match="at most 10"):
        plot_post.fig_pairs(post, list(range(11)))
    for width, k in (("page", 10), ("column", 4), ("column", 6)):
        for start in (0, 10, 20):
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # constrained_layout's "not applied"
                (fig,) = plot_post.fig_pairs(post, list(range(start, start + k)), width)
                assert overlaps(fig) == [], (width, k, start)
            plt.close(fig)


# ------------------------------------------------------------ 15: missing pieces
def test_sensitivity_attributes_and_score_error_bound(tmp_path):
    import h5py
    from pactsim import scores
    path = tmp_path / "sens.h5"
    with h5py.File(path, "w") as f:
        f.attrs["format"], f.attrs["format_version"] = "pactsim-sweep", 1
        g = f.create_group("sensitivity")
        g.attrs["method"] = "Sobol' indices"
        g["param"] = np.array([b"parameters.a.x", b"parameters.a.y"])
        m = g.create_group("gdp")
        m["S1"] = np.array([0.6, 0.1])
        m.attrs.update({"variance": 2.5, "rows_used": 8, "bootstrap": 100,
                        "widest_interval": 0.4})
    s = pactsim.sensitivity(path)
    assert s["method"] == "Sobol' indices" and list(s["metrics"]["gdp"]["S1"]) == [0.6, 0.1]
    assert s["attrs"]["gdp"] == {"variance": 2.5, "rows_used": 8, "bootstrap": 100,
                                 "widest_interval": 0.4}
    rows = [{"crps_sd": 1.0, "pit": 0.5, "in50": 1, "in90": 1, "crps_se": 0.2, "sd": 2.0},
            {"crps_sd": 0.5, "pit": 0.4, "in50": 0, "in90": 1, "crps_se": 0.1, "sd": 0.5}]
    assert scores.aggregate(rows)["crps_sd_se_max"] == pytest.approx((0.1 + 0.2) / 2)


@needs_cli
def test_score_error_bound_on_a_real_score(files, tmp_path):
    from pactsim import scores
    out = tmp_path / "s.csv"
    with open(out, "w") as fp:
        subprocess.run([PACTSIM, "score", str(files["base"]), os.path.join(OBS, "oil_2022.csv"),
                        "--format", "csv"], check=True, stdout=fp)
    rows, total = scores.read_scores(out)
    agg = scores.aggregate(rows)
    assert agg["crps_sd"] == pytest.approx(total["crps_sd"], rel=1e-6)
    assert total["crps_sd_se"] <= agg["crps_sd_se_max"] * (1 + 1e-6)

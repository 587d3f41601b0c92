"""The evidence analysis scripts: posteriors, predictive bands, score tables.

pactsim.posterior (weighted quantiles, moments, priors, the summary table),
pactsim.observations (the model's equivalents of observation rows),
pactsim.scores (the totals of `pactsim score`) and the three scripts
pactsim-plot-posterior, -predictive and -scores, on tiny synthetic HDF5 files
written here with known answers, and on the shipped posterior
(configs/calibration/baseline_2022_posterior.h5). With PACTSIM set (as CTest
does), a short real run is scored by `pactsim score`, and the equivalents and
totals computed here must agree with the C code's.
Environment: PACTSIM (the CLI), PACTSIM_SOURCE_DIR (repository root).
"""
import csv
import math
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

SRC = os.environ.get("PACTSIM_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACTSIM = os.environ.get("PACTSIM")
sys.path.insert(0, os.path.join(SRC, "analysis"))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from pactsim import observations as pobs  # noqa: E402
from pactsim import posterior as ppost  # noqa: E402
from pactsim import scores as pscores  # noqa: E402
from pactsim import open_run  # noqa: E402
from pactsim.plotting import posterior as plot_post  # noqa: E402
from pactsim.plotting import predictive as plot_pred  # noqa: E402
from pactsim.plotting import scores as plot_scores  # noqa: E402

STR = h5py.string_dtype("utf-8")
SHIPPED = os.path.join(SRC, "configs/calibration/baseline_2022_posterior.h5")
OBS_FILES = [os.path.join(SRC, "data/observations", f)
             for f in ("economy_2022.csv", "oil_2022.csv", "oil_2022_india.csv")]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def gids(fig, prefix):
    """Artists of a figure whose gid starts with prefix."""
    return [a for a in fig.findobj() if (a.get_gid() or "").startswith(prefix)]


# ------------------------------------------------------------ weighted statistics
def test_weighted_quantile_known_answers():
    v, w = [3.0, 1.0, 2.0, 4.0], [0.1, 0.2, 0.3, 0.4]
    # sorted 1 (0.2), 2 (0.3), 3 (0.1), 4 (0.4): cumulative 0.2, 0.5, 0.6, 1.0
    assert list(ppost.weighted_quantile(v, w, [0.05, 0.2, 0.21, 0.5, 0.55, 0.6, 0.95, 1])) == \
        [1, 1, 2, 2, 3, 3, 4, 4]
    # weights matter: most weight on the largest value moves the median there
    assert ppost.weighted_quantile([1, 2, 3, 4], [0.1, 0.1, 0.1, 0.7], 0.5) == 4
    assert ppost.weighted_quantile([1, 2, 3, 4], None, 0.5) == 2
    # importance weights w = 2x on x ~ U(0, 1) give the density 2x: quantile sqrt(q)
    rng = np.random.default_rng(1)
    x = rng.uniform(size=40000)
    q = np.array([0.05, 0.25, 0.5, 0.9])
    assert np.allclose(ppost.weighted_quantile(x, 2 * x, q), np.sqrt(q), atol=0.01)
    assert np.allclose(ppost.weighted_quantile(x, None, q), q, atol=0.01)
    with pytest.raises(ValueError):
        ppost.weighted_quantile(v, [1, -1, 1, 1], 0.5)


def test_weighted_moments_and_correlation():
    m, sd = ppost.weighted_mean_sd([0, 10], [0.75, 0.25])
    assert m == pytest.approx(2.5) and sd == pytest.approx(math.sqrt(0.75 * 0.25) * 10)
    rng = np.random.default_rng(2)
    z = rng.normal(size=(2, 50000))
    x, y = z[0], 0.6 * z[0] + 0.8 * z[1]
    assert ppost.weighted_correlation(x, y) == pytest.approx(0.6, abs=0.01)
    # weight only the half with x > 0: correlation of the truncated pair, not 0.6
    w = (x > 0).astype(float)
    sel = x > 0
    assert ppost.weighted_correlation(x, y, w) == pytest.approx(
        np.corrcoef(x[sel], y[sel])[0, 1], rel=1e-9)


def synthetic_posterior(priors=("uniform", "normal", "lognormal")):
    rng = np.random.default_rng(3)
    n = 400
    samples = np.column_stack([rng.normal(0.5, 0.05, n).clip(0, 1),     # learnt: narrow
                               rng.uniform(-1, 3, n),                    # not learnt
                               rng.uniform(0.1, 5, n)])
    return ppost.Posterior(
        path="synthetic.h5", names=["parameters.m.a", "parameters.m.b", "parameters.n.c"],
        units=["1", "1/month", "USD/bbl"], samples=samples, weights=np.full(n, 1 / n),
        prior=list(priors), prior_lower=np.array([0.0, -1.0, 0.1]),
        prior_upper=np.array([1.0, 3.0, 5.0]), prior_mu=np.array([np.nan, 0.5, 0.0]),
        prior_sigma=np.array([np.nan, 1.0, 1.0]), ess=n, tolerance=1.0, calibration="syn",
        generations={"tolerance": np.array([3.0, 2.0, 1.5]),
                     "acceptance_rate": np.array([1.0, 0.5, 0.3]),
                     "ess": np.array([400.0, 300, 250])})


def test_prior_moments_match_scipy():
    from scipy import integrate, stats
    post = synthetic_posterior()
    assert ppost.prior_moments(post, 0) == pytest.approx((0.5, 1 / math.sqrt(12)))
    tn = stats.truncnorm((-1 - 0.5) / 1, (3 - 0.5) / 1, loc=0.5, scale=1)
    assert ppost.prior_moments(post, 1) == pytest.approx((tn.mean(), tn.std()), rel=1e-4)
    # lognormal(0, 1) truncated to [0.1, 5]: moments by quadrature of prior_pdf
    pdf = lambda x: ppost.prior_pdf(post, 2, x)  # noqa: E731
    mass = integrate.quad(pdf, 0.1, 5)[0]
    mean = integrate.quad(lambda x: x * pdf(x), 0.1, 5)[0]
    var = integrate.quad(lambda x: (x - mean) ** 2 * pdf(x), 0.1, 5)[0]
    assert mass == pytest.approx(1, abs=1e-6)
    assert ppost.prior_moments(post, 2) == pytest.approx((mean, math.sqrt(var)), rel=1e-4)
    assert ppost.prior_pdf(post, 1, np.array([-2.0, 4.0])).tolist() == [0, 0]


def test_summary_table_shrinkage():
    rows = ppost.summary_table(synthetic_posterior(priors=("uniform", "uniform", "uniform")))
    a, b, _ = rows
    assert a["prior_sd"] == pytest.approx(1 / math.sqrt(12))
    assert a["sd"] == pytest.approx(0.05, rel=0.1)
    assert a["shrinkage"] == pytest.approx(1 - 0.05 * math.sqrt(12), abs=0.02)
    assert a["q05"] == pytest.approx(0.5 - 1.645 * 0.05, abs=0.01)
    assert a["q50"] == pytest.approx(0.5, abs=0.01)
    assert abs(b["shrinkage"]) < 0.1          # uniform samples of a uniform prior
    assert list(rows[0]) == list(ppost.SUMMARY_COLUMNS)


def test_shipped_posterior_matches_the_c_summaries():
    post = ppost.open_posterior(SHIPPED)
    assert post.samples.shape == (2000, 31) and post.weights.sum() == pytest.approx(1)
    rows = ppost.summary_table(post)
    # the same weighted-quantile definition as sim/abc.c: exactly the stored values
    for key, col in (("q05", "q05"), ("q50", "median"), ("q95", "q95")):
        assert np.array_equal([r[key] for r in rows], post.stored[col])
    assert np.allclose([r["mean"] for r in rows], post.stored["mean"], rtol=1e-12)
    # the data speak to the oil discount, hardly to the long-run price
    by = {r["parameter"]: r for r in rows}
    assert by["parameters.oil.discount_adjust"]["shrinkage"] > 0.5
    assert by["parameters.oil.price_long_run"]["shrinkage"] < 0.15


def write_posterior(path, post):
    with h5py.File(path, "w") as f:
        f.attrs.create("format", "pactsim-posterior", dtype=STR)
        f.attrs["format_version"] = np.int32(1)
        f.attrs.create("calibration", post.calibration, dtype=STR)
        g = f.create_group("posterior")
        g.create_dataset("parameter", data=post.names, dtype=STR)
        g.create_dataset("units", data=post.units, dtype=STR)
        g.create_dataset("prior", data=post.prior, dtype=STR)
        for k in ("samples", "weights", "prior_lower", "prior_upper", "prior_mu",
                  "prior_sigma"):
            g.create_dataset(k, data=getattr(post, k))
        g.attrs["ess"] = post.ess
        gg = f.create_group("generations")
        for k, v in post.generations.items():
            gg.create_dataset(k, data=v)
    return path


def test_plot_posterior_script(tmp_path, capsys):
    path = write_posterior(tmp_path / "post.h5", synthetic_posterior())
    post = ppost.open_posterior(path)
    (fig,) = plot_post.fig_marginals(post, [0, 1, 2])
    assert len(gids(fig, "prior")) == 3 and len(gids(fig, "posterior")) == 3
    assert len(gids(fig, "median")) == 3 and len(gids(fig, "interval90")) == 3
    (fig,) = plot_post.fig_pairs(post, [0, 1, 2])
    assert len(fig.axes) == 9
    assert len(gids(fig, "hist2d")) == 3 and len(gids(fig, "marginal")) == 3
    texts = [t.get_text() for t in gids(fig, "corr")]
    rho = ppost.weighted_correlation(post.samples[:, 1], post.samples[:, 0], post.weights)
    assert f"\u03c1 = {rho:.2f}" in texts and len(texts) == 3
    # the default pair plot holds the parameters the data shrank most
    assert plot_post.default_pairs(post, 1) == [0]
    out = tmp_path / "out"
    assert plot_post.main([str(path), "-o", str(out), "--pairs", "a,b"]) == 0
    written = capsys.readouterr().out.split()
    names = sorted(os.path.basename(p) for p in written)
    assert names == ["posterior_generations.png", "posterior_marginals.png",
                     "posterior_pairs.png", "posterior_summary.csv", "posterior_summary.md"]
    table = list(csv.DictReader(open(out / "posterior_summary.csv")))
    assert [r["parameter"] for r in table] == post.names
    # the doubles as computed, not rounded (17 significant digits)
    assert float(table[0]["q50"]) == ppost.weighted_quantile(post.samples[:, 0], None, 0.5)
    md = open(out / "posterior_summary.md").read().splitlines()
    assert md[0].startswith("| parameter |") and len(md) == 2 + 3 and "m.a" in md[2]


def test_posterior_index_ambiguous():
    # a bare name two models share names just those two, not every parameter
    nan3 = np.full(3, np.nan)
    post = ppost.Posterior(path="p", names=["parameters.oil.fear", "parameters.sanctions.fear",
                                            "parameters.economy.k"], units=["1"] * 3,
                           samples=np.zeros((2, 3)), weights=np.ones(2) / 2,
                           prior=["uniform"] * 3, prior_lower=np.zeros(3),
                           prior_upper=np.ones(3), prior_mu=nan3, prior_sigma=nan3)
    assert post.index("k") == 2 and post.index("oil.fear") == 0
    with pytest.raises(KeyError) as e:
        post.index("fear")
    msg = e.value.args[0]
    assert "oil.fear or sanctions.fear" in msg and "economy.k" not in msg, msg


def test_plot_posterior_refusals(tmp_path, capsys):
    run = tmp_path / "run.h5"
    with h5py.File(run, "w") as f:
        f.attrs.create("format", "pactsim", dtype=STR)
        f.attrs["format_version"] = np.int32(1)
    assert plot_post.main([str(run), "-o", str(tmp_path / "o")]) == 2
    assert "not a pactsim-posterior file (format is 'pactsim'" in capsys.readouterr().err
    post = write_posterior(tmp_path / "post.h5", synthetic_posterior())
    assert plot_post.main([str(post), "-o", str(tmp_path / "o"), "--params", "zzz"]) == 2
    assert "parameter 'zzz' is not in the posterior" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------ predictive bands
R, T = 400, 24
ACTORS = ["RUS", "IRN", "CHN"]


def write_run(path, posterior=False):
    """A run of known distributions: reserves of actor a in month t over the replicates is
    N(100 + t + 50 a, 10^2); oil_trade RUS->IRN 1 + r / R, RUS->CHN 3 (so its share is known)."""
    rng = np.random.default_rng(4)
    z = rng.normal(size=R)
    days = [(np.datetime64(f"{2022 + k // 12}-{k % 12 + 1:02d}-01") -
             np.datetime64("1970-01-01")).astype(int) for k in range(T)]
    with h5py.File(path, "w") as f:
        f.attrs.create("format", "pactsim", dtype=STR)
        f.attrs["format_version"] = np.int32(1)
        f.attrs.create("scenario", "known", dtype=STR)
        f.create_dataset("time/date", data=[f"{2022 + k // 12}-{k % 12 + 1:02d}"
                                            for k in range(T)], dtype=STR)
        f.create_dataset("actors/iso3", data=ACTORS, dtype=STR)
        for g, dims in (("actor_state", ("actor",)), ("dyad_state", ("source", "target"))):
            grp = f.create_group(g)
            grp.create_dataset("replicate", data=np.arange(R, dtype="int32"))
            grp.create_dataset("time", data=np.array(days, dtype=float)).attrs.create(
                "units", "days since 1970-01-01", dtype=STR)
            for d in dims:
                grp.create_dataset(d, data=ACTORS, dtype=STR)
        t = np.arange(T)
        res = 100 + t[None, :, None] + 50 * np.arange(3)[None, None, :] + 10 * z[:, None, None]
        d = f["actor_state"].create_dataset("reserves", data=res)
        d.attrs.create("units", "USD", dtype=STR)
        trade = np.zeros((R, T, 3, 3))
        trade[:, :, 0, 1] = 1 + np.arange(R)[:, None] / R
        trade[:, :, 0, 2] = 3.0
        d = f["dyad_state"].create_dataset("oil_trade", data=trade)
        d.attrs.create("units", "kb/d", dtype=STR)
        if posterior:
            f.create_group("posterior_draws")
    return path, z


def write_obs(path, rows):
    text = "# synthetic\nquantity,actor,target,date,value,sd,transform,source,published\n"
    for q, a, t, date, v, sd, tr in rows:
        text += f'{q},{a},{t},{date},{v!r},{sd},{tr},"test, ""quoted""",2024-01-01\n'
    path.write_text(text)
    return path


def test_model_series_transforms(tmp_path):
    path, z = write_run(tmp_path / "run.h5")
    K = pobs.SeriesKey
    with open_run(path) as run:
        labels, times, x = pobs.model_series(run, K("reserves", "IRN", "", "level", False))
        assert labels[0] == "2022-01" and x.shape == (R, T)
        assert np.allclose(x[:, 5], 155 + 10 * z)
        labels, _, x = pobs.model_series(run, K("reserves", "RUS", "", "growth", False))
        assert labels[0] == "2023-01" and x.shape == (R, 12)
        assert np.allclose(x[:, 0], (112 + 10 * z) / (100 + 10 * z) - 1)
        labels, times, x = pobs.model_series(run, K("reserves", "RUS", "", "level", True))
        assert labels == ["2022", "2023"] and str(times[0])[:10] == "2022-07-01"
        assert np.allclose(x[:, 1], 100 + 17.5 + 10 * z)
        labels, _, x = pobs.model_series(run, K("reserves", "RUS", "", "growth", True))
        assert labels == ["2023"]
        assert np.allclose(x[:, 0], (117.5 + 10 * z) / (105.5 + 10 * z) - 1)
        _, _, x = pobs.model_series(run, K("reserves", "CHN", "", "share", False))
        s = 300 + 150 + 30 * z  # sum over actors in month 0
        assert np.allclose(x[:, 0], (200 + 10 * z) / s)
        _, _, x = pobs.model_series(run, K("oil_trade", "RUS", "IRN", "share", False))
        share = (1 + np.arange(R) / R) / (4 + np.arange(R) / R)
        assert np.allclose(x[:, 3], share)
        _, _, x = pobs.model_series(run, K("oil_trade", "IRN", "CHN", "share", False))
        assert np.isnan(x).all()   # IRN sells nothing: 0 / 0
        # arrival: what arrives in a month was sold the month before (as sim/obs.c)
        labels, _, x = pobs.model_series(run, K("reserves", "IRN", "", "arrival", False))
        assert labels[0] == "2022-02" and x.shape == (R, T - 1)
        assert np.allclose(x[:, 4], 154 + 10 * z)   # 2022-06 arrives what 2022-05 sold
        labels, _, x = pobs.model_series(run, K("reserves", "RUS", "", "arrival", True))
        assert labels == ["2023"]   # 2022 would need 2021-12
        assert np.allclose(x[:, 0], 100 + 16.5 + 10 * z)  # months 2022-12..2023-11
        with pytest.raises(KeyError, match="no actor_state/gdp"):
            pobs.model_series(run, K("gdp", "RUS", "", "level", False))


def test_band_coverage_of_synthetic_observations(tmp_path):
    path, z = write_run(tmp_path / "run.h5", posterior=True)
    rng = np.random.default_rng(5)
    rows = []
    # RUS: observations drawn from the model's own distribution (coverage ~ nominal);
    # IRN: every observation 60 above its model mean (outside every band).
    for t in range(T):
        date = f"{2022 + t // 12}-{t % 12 + 1:02d}"
        rows.append(("reserves", "RUS", "", date, 100 + t + 10 * rng.normal(), 1, "level"))
        rows.append(("reserves", "IRN", "", date, 150 + t + 60.0, 1, "level"))
    rows.append(("reserves", "RUS", "", "2021-12", 99.0, 1, "level"))   # before the run
    obs = write_obs(tmp_path / "obs.csv", rows)
    groups = pobs.series_of(pobs.read_observations([obs]))
    assert len(groups) == 2 and all(len(v) in (T, T + 1) for v in groups.values())
    with open_run(path) as run:
        rows_out, panels, notes = plot_pred.coverage_rows(run, groups, [50, 90])
        assert len(rows_out) == 2 * T and len(panels) == 2
        assert any("1 of 25 observations outside" in n for n in notes)
        rus = [r for r in rows_out if r["actor"] == "RUS"]
        irn = [r for r in rows_out if r["actor"] == "IRN"]
        # each band is the exact empirical quantile of the replicates in that month
        q = np.quantile(100 + 10 * z, [0.05, 0.25, 0.75, 0.95])
        assert [rus[0]["lo90"], rus[0]["lo50"], rus[0]["hi50"], rus[0]["hi90"]] == \
            pytest.approx(list(q))
        cov = plot_pred.coverage_total(rus, [50, 90])
        assert 0.3 <= cov[50][0] / T <= 0.7 and cov[90][0] / T >= 0.75
        assert cov[50][0] < cov[90][0]
        assert plot_pred.coverage_total(irn, [50, 90]) == {50: (0, T), 90: (0, T)}
        (fig,) = plot_pred.fig_bands(run, panels, [50, 90], until="", posterior=True)
        assert len(gids(fig, "band50")) == 2 and len(gids(fig, "band90")) == 2
        assert len(gids(fig, "median")) == 2
        n_out = sum(len(a.get_offsets()) if hasattr(a, "get_offsets") else len(a.get_xdata())
                    for a in gids(fig, "obs_out"))
        assert n_out == T + sum(1 for r in rus if not r["in90"])
        assert "posterior predictive" in fig._suptitle.get_text()
    out = tmp_path / "out"
    assert plot_pred.main([str(path), str(obs), "-o", str(out), "--bands", "90,50"]) == 0
    table = list(csv.DictReader(open(out / "predictive_coverage.csv")))
    assert table[-1]["file"] == "total" and int(table[-1]["members"]) == 2 * T
    assert float(table[-1]["in90"]) == pytest.approx((cov[90][0]) / (2 * T))
    assert (out / "predictive_bands.png").exists()


def test_predictive_single_period_and_arrival_units(tmp_path):
    # An annual growth row of a 2-year run has one model period: its bands are drawn as
    # bars and its median as a marker (an area and a line of one point showed nothing);
    # arrival rows keep the variable's units (kb/d), growth rows are dimensionless; the y
    # axis has the units only, the title the quantity and the transform.
    path, _ = write_run(tmp_path / "run.h5")
    obs = write_obs(tmp_path / "obs.csv",
                    [("reserves", "RUS", "", "2023", 0.1, 0.01, "growth"),
                     ("oil_trade", "RUS", "CHN", "2022-06", 3.0, 0.5, "arrival")])
    groups = pobs.series_of(pobs.read_observations([obs]))
    with open_run(path) as run:
        _, panels, _ = plot_pred.coverage_rows(run, groups, [50, 90])
        (fig,) = plot_pred.fig_bands(run, panels, [50, 90], until="")
        axes = [a for a in fig.axes if a.get_title()]
        growth = [a for a in axes if "reserves RUS (growth)" in a.get_title()][0]
        arrival = [a for a in axes if "oil trade RUS\u2192CHN (arrival)" in a.get_title()][0]
        bars = [c for c in growth.collections if c.get_gid() == "band90"]
        assert bars and len(bars[0].get_segments()) == 1   # a bar, not an empty area
        (med,) = [ln for ln in growth.get_lines() if ln.get_gid() == "median"]
        assert med.get_marker() not in (None, "None", "") and len(med.get_xdata()) == 1
        assert arrival.get_ylabel() == "kb/d", arrival.get_ylabel()
        assert growth.get_ylabel() == "dimensionless", growth.get_ylabel()
        plt.close(fig)
        # a page of annual series only is labelled in years
        annual = [pn for pn in panels if pn[0].annual]
        (fig,) = plot_pred.fig_bands(run, annual, [50, 90], until="")
        assert any(a.get_xlabel().startswith("year") for a in fig.axes), \
            [a.get_xlabel() for a in fig.axes]
        plt.close(fig)


def test_plot_predictive_refusals(tmp_path, capsys):
    path, _ = write_run(tmp_path / "run.h5")
    obs = write_obs(tmp_path / "obs.csv", [("gdp", "RUS", "", "2022-03", 1.0, 1, "level")])
    assert plot_pred.main([str(path), str(obs), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "no actor_state/gdp" in err and "no observation falls in the run" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("quantity,actor,date\n")
    assert plot_pred.main([str(path), str(bad), "-o", str(tmp_path / "o")]) == 2
    assert f"{bad}:1: expected the header" in capsys.readouterr().err
    assert plot_pred.main([str(path), str(obs), "-o", str(tmp_path / "o"),
                           "--bands", "50,120"]) == 2
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------ score tables
SCORE_CSV = """\
file,line,quantity,actor,target,date,transform,value,sd,members,mean,q05,q25,q75,q95,crps,\
crps_sd,pit,in50,in90,crps_persistence,skill_persistence,crps_trend,skill_trend
a.csv,5,x,RUS,,2022-05,level,1,2,10,1,0,0,0,0,1,0.5,0.5,1,1,4,0.75,n/a,n/a
a.csv,6,x,RUS,,2022-06,level,1,2,10,1,0,0,0,0,3,1.5,0.9,0,1,2,-0.5,8,0.625
a.csv,7,y,RUS,IRN,2022-06,share,1,0.5,10,1,0,0,0,0,1,2,0.99,0,0,n/a,n/a,n/a,n/a
total,,,,,,,,,3,,,,,,,1.333333333,0.7966666667,0.3333333333,0.6666666667,1.5,0.3333333333,\
4,0.625
"""


def test_score_totals_known(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text(SCORE_CSV)
    rows, total = pscores.read_scores(path)
    agg = pscores.aggregate(rows)
    # persistence: rows 1-2, crps/sd 0.5 + 1.5 against 4/2 + 2/2: skill 1 - 2/3
    assert agg["n_persistence"] == 2 and agg["skill_persistence"] == pytest.approx(1 / 3)
    assert agg["crps_sd_persistence"] == pytest.approx(1.5)
    # trend: row 2 only, 1.5 against 8/2
    assert agg["n_trend"] == 1 and agg["skill_trend"] == pytest.approx(1 - 1.5 / 4)
    for k in ("crps_sd", "pit_mean", "coverage50", "coverage90", "skill_persistence",
              "skill_trend", "crps_sd_persistence", "crps_sd_trend"):
        assert agg[k] == pytest.approx(total[k], rel=1e-8), k
    series = pscores.by_series(rows)
    assert list(series) == [("x", "RUS", "", "level"), ("y", "RUS", "IRN", "share")]
    assert series[("y", "RUS", "IRN", "share")]["coverage90"] == 0
    assert math.isnan(series[("y", "RUS", "IRN", "share")]["skill_persistence"])


def test_compare_against_the_monte_carlo_error(tmp_path):
    # a: the old output (no crps_se); b: the same rows with errors, row 1 lower by
    # 0.3 sd (se 0.1 sd: better), row 2 higher by 0.1 sd (se 0.1: same), row 3
    # higher by 0.5 sd with se 0.1 (worse)
    a = tmp_path / "a.csv"
    a.write_text(SCORE_CSV)
    lines = SCORE_CSV.splitlines()
    b_rows = [lines[0] + ",crps_se",
              lines[1].replace(",1,0.5,0.5,", ",0.4,0.2,0.5,") + ",0.2",
              lines[2].replace(",3,1.5,0.9,", ",3.2,1.6,0.9,") + ",0.2",
              lines[3].replace(",1,2,0.99,", ",1.25,2.5,0.99,") + ",0.05",
              "total,,,,,,,,,3,,,,,,,1.433333333,0.7966666667,0.3333333333,0.6666666667,1.5,"
              "0.3333333333,4,0.625,0.07"]
    b = tmp_path / "b.csv"
    b.write_text("\n".join(b_rows) + "\n")
    rows_b, total_b = pscores.read_scores(b)
    assert total_b["crps_sd_se"] == pytest.approx(0.07)
    assert math.isnan(pscores.read_scores(a)[1]["crps_sd_se"])
    c = pscores.compare(pscores.read_scores(a)[0], rows_b)
    assert [x["verdict"] for x in c] == ["better", "same", "worse"]
    assert [x["diff"] for x in c] == pytest.approx([-0.3, 0.1, 0.5])
    assert [x["se"] for x in c] == pytest.approx([0.1, 0.1, 0.1])
    # against itself: every row the same, differences 0
    assert {x["verdict"] for x in pscores.compare(rows_b, rows_b)} == {"same"}
    # the script's comparison table: the same verdicts, then their count
    out = tmp_path / "out"
    assert plot_scores.main([str(a), str(b), "-o", str(out), "--labels", "old,new"]) == 0
    cmp = list(csv.DictReader(open(out / "scores_compare.csv")))
    assert [(r["base"], r["run"], r["verdict"]) for r in cmp] == [
        ("old", "new", "better"), ("old", "new", "same"), ("old", "new", "worse"),
        ("old", "new", "1 better, 1 same, 1 worse")]
    assert float(cmp[2]["diff"]) == pytest.approx(0.5) and float(cmp[2]["se"]) == pytest.approx(0.1)


def test_plot_scores_script(tmp_path, capsys):
    a = tmp_path / "a.csv"
    a.write_text(SCORE_CSV)
    b = tmp_path / "b.csv"
    b.write_text(SCORE_CSV.replace(",0,0,n/a,n/a,n/a,n/a", ",1,1,n/a,n/a,n/a,n/a"))
    rows_a, rows_b = pscores.read_scores(a)[0], pscores.read_scores(b)[0]
    (fig,) = plot_scores.fig_scores([("A", rows_a), ("B", rows_b)])
    heights = [p.get_height() for p in gids(fig, "coverage_1")]
    assert heights == pytest.approx([2 / 3, 1.0])   # B: the third row now inside both
    assert len(gids(fig, "crps_")) == 2 and len(gids(fig, "pit_")) == 2
    assert len(gids(fig, "persistence_")) == 2 and len(gids(fig, "trend_")) == 2
    out = tmp_path / "out"
    assert plot_scores.main([str(a), str(b), "-o", str(out), "--labels", "prior,post"]) == 0
    names = sorted(os.path.basename(p) for p in capsys.readouterr().out.split())
    assert names == ["scores.png", "scores_by_series.csv", "scores_by_series.md",
                     "scores_compare.csv", "scores_compare.md", "scores_rows.md"]
    table = list(csv.DictReader(open(out / "scores_by_series.csv")))
    assert [(r["label"], r["quantity"]) for r in table] == [
        ("prior", "x"), ("prior", "y"), ("prior", "total"),
        ("post", "x"), ("post", "y"), ("post", "total")]
    assert float(table[5]["coverage90"]) == 1.0
    md = open(out / "scores_rows.md").read()
    assert md.count("\n") == 2 + 6 and "y RUS\u2192IRN (share)" in md
    assert plot_scores.main([str(tmp_path / "missing.csv"), "-o", str(out)]) == 2
    assert plot_scores.main([str(a), "-o", str(out), "--labels", "x,y"]) == 2
    plain = tmp_path / "plain.csv"
    plain.write_text("a,b\n1,2\n")
    assert plot_scores.main([str(plain), "-o", str(out)]) == 2
    assert "not the output of pactsim score" in capsys.readouterr().err


# ------------------------------------------------------------ against the C code
@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    if not PACTSIM:
        pytest.skip("PACTSIM not set (run through ctest)")
    d = tmp_path_factory.mktemp("real")
    run = d / "run.h5"
    subprocess.run([PACTSIM, "run", os.path.join(SRC, "configs/baseline_2022.yaml"), "--set",
                    "end=2022-07", "-r", "6", "-o", str(run), "--quiet"], check=True)
    out = subprocess.run([PACTSIM, "score", str(run), *OBS_FILES, "--format", "csv",
                          "--origin", "2022-04"], check=True, capture_output=True, text=True)
    scores = d / "scores.csv"
    scores.write_text(out.stdout)
    return run, scores


def test_equivalents_and_totals_agree_with_pactsim_score(real_run):
    run, scores = real_run
    rows, total = pscores.read_scores(scores)
    assert len(rows) > 10
    agg = pscores.aggregate(rows)
    for k in ("n", "crps_sd", "pit_mean", "coverage50", "coverage90", "skill_persistence",
              "skill_trend"):
        assert agg[k] == pytest.approx(total[k], rel=1e-8), k
    by_place = {(os.path.basename(r["file"]), int(r["line"])): r for r in rows}
    groups = pobs.series_of(pobs.read_observations(OBS_FILES))
    checked = 0
    with open_run(run) as f:
        for key, obs in groups.items():
            labels, _, x = pobs.model_series(f, key)
            for o in obs:
                r = by_place.get((os.path.basename(o.file), o.line))
                if r is None:
                    continue
                assert np.nanmean(x[:, labels.index(o.date)]) == pytest.approx(
                    r["mean"], rel=1e-8), (o.quantity, o.date)
                checked += 1
    assert checked == len(rows)


# ------------------------------------------------------------ layout
@pytest.mark.parametrize("width", ["page", "column"])
def test_figures_have_no_overlapping_labels(tmp_path, width):
    """Every figure of the three scripts at both widths: no two labels overlap (the check of
    test_figure_layout.py) and no side beyond 2,400 px at 150 dpi."""
    from test_figure_layout import overlaps
    post = ppost.open_posterior(write_posterior(tmp_path / "post.h5", synthetic_posterior()))
    shipped = ppost.open_posterior(SHIPPED)   # 26 parameters, ranges from 0.0066 to 28,000
    figs = {"marginals": plot_post.fig_marginals(shipped, list(range(26)), width),
            "pairs": plot_post.fig_pairs(shipped, plot_post.default_pairs(shipped, 5), width),
            "generations": plot_post.fig_generations(post, width)}
    path, _ = write_run(tmp_path / "run.h5")
    rows = [("reserves", a, "", f"2022-{m:02d}", 120.0 + 50 * k, 5, "level")
            for k, a in enumerate(ACTORS) for m in (3, 6, 9)]
    rows += [("oil_trade", "RUS", "IRN", "2022-05", 0.3, 0.1, "share")]
    groups = pobs.series_of(pobs.read_observations([write_obs(tmp_path / "o.csv", rows)]))
    with open_run(path) as run:
        _, panels, _ = plot_pred.coverage_rows(run, groups, [50, 90])
        figs["bands"] = plot_pred.fig_bands(run, panels, [50, 90], until="", width=width)
    scored = [("A", pscores.read_scores(_score_file(tmp_path))[0])]
    figs["scores"] = plot_scores.fig_scores(scored, width)
    for name, fs in figs.items():
        assert fs, name
        for fig in fs:
            assert overlaps(fig) == [], (name, overlaps(fig))
            w, h = fig.get_size_inches() * 150
            assert w <= 2400 and h <= 2400, (name, w, h)


def _score_file(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text(SCORE_CSV)
    return p


@pytest.mark.skipif(not PACTSIM, reason="PACTSIM not set (run through ctest)")
def test_predictive_coverage_is_the_same_whatever_the_storage(tmp_path):
    """A float32 run stores Brent, imposed by the timeline (a band of zero width), as
    86.51000214 where the data say 86.51, and a sale at capacity may be 4999.9999999 in
    float64 and 5000 in float32: the bands' coverage must not depend on the storage (it
    counted the float32 Brent rows as misses)."""
    obs = pobs.read_observations([os.path.join(SRC, "data/observations", f)
                                  for f in ("oil_2022.csv", "economy_2022.csv")])
    groups = pobs.series_of(obs)
    cover = {}
    for prec in ("float32", "float64"):
        out = tmp_path / f"{prec}.h5"
        subprocess.run([PACTSIM, "run", os.path.join(SRC, "configs", "baseline_2022.yaml"),
                        "-r", "3", "--set", "end=2022-07", "--precision", prec, "-o", str(out),
                        "--quiet"], check=True)
        with open_run(str(out)) as run:
            rows, _, _ = plot_pred.coverage_rows(run, groups, [50, 90])
        cover[prec] = [(r["quantity"], r["actor"], r["target"], r["date"], r["in50"], r["in90"])
                       for r in rows]
    assert cover["float32"] == cover["float64"]
    brent = [c for c in cover["float32"] if c[0] == "oil_price"]
    assert brent and all(c[4] and c[5] for c in brent)  # imposed: inside every band

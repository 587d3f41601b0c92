"""`pactsim score` against an independent computation in NumPy/SciPy.

A small run (6 replicates, 2022-01 to 2023-12) is scored against a small
observation file. From the run file (h5py) this test recomputes each
observation's model equivalent per replicate (level, annual mean, growth,
share), then the scores of the predictive distribution F = mean_r N(x_r, sd^2)
by other means than the C code: CRPS = integral of (F(z) - 1{z >= y})^2 dz by
quadrature (the C code uses the closed form), PIT = F(y), the 50% and 90%
central intervals by root finding, and the persistence and trend forecasts
with numpy.polyfit. Each must agree to 1e-6 (relative).

Environment: PACTSIM (the CLI), PACTSIM_SOURCE_DIR (the repository).
"""
import json
import os
import shutil
import subprocess

import h5py
import numpy as np
import pytest
from scipy import integrate, optimize
from scipy.stats import norm

PACTSIM = os.environ.get("PACTSIM", "build/pactsim")
SRC = os.environ.get("PACTSIM_SOURCE_DIR", ".")

OBS = """\
# history (before the run's start, 2022-01): only for the naive forecasts; the
# newest first (persistence takes the latest by date, not by line)
quantity,actor,target,date,value,sd,transform,source,published
oil_price,RUS,,2021-12,74.17,2,,"EIA, Brent monthly",2022-01-05
oil_price,RUS,,2021-06,73.0,2,,"EIA, Brent monthly",2021-07-05
gdp,RUS,,2021,1.78e12,5e10,,"World Bank, WDI",2022-07-01
# scored
oil_price,RUS,,2022-06,117.0,3,,"EIA, ""Brent"" monthly",2022-07-05
gdp,RUS,,2022-03,1.8e12,1e11,,World Bank,2022-07-01
gdp,RUS,,2022,1.7e12,1e11,,IMF,2023-04-01
gdp,IRN,,2023,0.05,0.02,growth,IMF,2024-04-01
oil_trade,RUS,IND,2022-05,700,150,,"Kpler, tanker tracking",2022-06-20
oil_trade,RUS,CHN,2022-06,0.2,0.05,share,Kpler,2022-07-20
gdp,CHN,,2022-09,0.18,0.01,share,World Bank,2022-12-01
"""


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    d = tmp_path_factory.mktemp("score")
    run = d / "run.h5"
    subprocess.run([PACTSIM, "run", os.path.join(SRC, "configs/baseline_2022.yaml"), "--set",
                    "end=2023-12", "-r", "6", "-o", str(run), "--quiet"], check=True)
    obs = d / "obs.csv"
    obs.write_text(OBS)
    out = subprocess.run([PACTSIM, "score", str(run), str(obs), "--format", "json",
                          "--cutoff", "none"], check=True, capture_output=True, text=True)
    csv = subprocess.run([PACTSIM, "score", str(run), str(obs), "--format", "csv",
                          "--cutoff", "none"], check=True, capture_output=True, text=True)
    table = subprocess.run([PACTSIM, "score", str(run), str(obs), "--cutoff", "none"],
                           check=True, capture_output=True, text=True)
    return run, json.loads(out.stdout), csv.stdout, table.stdout


def equivalents(f, row):
    iso3 = list(f["actors/iso3"].asstr()[:])
    dates = list(f["time/date"].asstr()[:])
    q, a, t, date, tr = row["quantity"], row["actor"], row["target"], row["date"], row["transform"]
    i = iso3.index(a)
    if t:
        data = f["dyad_state/" + q][:, :, i, :].astype(float)  # [r, time, target]; as C reads it
        num, den = data[:, :, iso3.index(t)], data.sum(axis=2)
    else:
        data = f["actor_state/" + q][:].astype(float)     # [r, time, actor]
        num, den = data[:, :, i], data.sum(axis=2)

    def period(year_or_month, series):
        if len(year_or_month) == 4:
            ks = [dates.index("%s-%02d" % (year_or_month, m)) for m in range(1, 13)]
            return series[:, ks].mean(axis=1)
        return series[:, dates.index(year_or_month)]

    def before(d):
        if len(d) == 4:
            return str(int(d) - 1)
        y, m = d.split("-")
        return "%d-%s" % (int(y) - 1, m)

    if tr == "level":
        return period(date, num)
    if tr == "growth":
        return period(date, num) / period(before(date), num) - 1
    return period(date, num) / period(date, den)


def mixture_cdf(x, sd, z):
    return norm.cdf((z - x[:, None]) / sd).mean(axis=0) if np.ndim(z) else norm.cdf((z - x) / sd).mean()


def crps_quadrature(x, sd, y):
    lo, hi = min(x.min(), y) - 12 * sd, max(x.max(), y) + 12 * sd
    f = lambda z: (mixture_cdf(x, sd, z) - (z >= y)) ** 2
    pts = sorted(set([y] + list(x)))
    return integrate.quad(f, lo, hi, points=pts, limit=500, epsabs=0, epsrel=1e-10)[0]


def quantile(x, sd, p):
    return optimize.brentq(lambda z: mixture_cdf(x, sd, z) - p, x.min() - 10 * sd,
                           x.max() + 10 * sd, xtol=1e-14 * (abs(x).max() + sd))


def jackknife_se(loo):
    """The jackknife standard error from leave-one-out values, over the finite ones."""
    v = np.asarray(loo)[np.isfinite(loo)]
    return np.sqrt((len(v) - 1) / len(v) * ((v - v.mean()) ** 2).sum())


def close(a, b, rel=1e-6, what=""):
    assert abs(a - b) <= rel * max(abs(a), abs(b), 1e-300), "%s: %r vs %r" % (what, a, b)


def test_rows_match_an_independent_computation(scored):
    run, js, _, _ = scored
    rows = js["rows"]
    assert js["history_rows"] == 3 and js["origin"] == "2022-01"
    assert [r["line"] for r in rows] == [8, 9, 10, 11, 12, 13, 14]
    # series: quantity, actor, target, annual, transform -> (months, value) before the origin
    history = {("oil_price", "RUS", "", False, "level"): [(2021 * 12 + 5, 73.0),
                                                          (2021 * 12 + 11, 74.17)],
               ("gdp", "RUS", "", True, "level"): [(2021 * 12 + 5.5, 1.78e12)]}
    with h5py.File(run, "r") as f:
        for r in rows:
            x = equivalents(f, r)
            assert r["members"] == 6
            close(r["mean"], x.mean(), 1e-9, "mean")
            sd, y = r["sd"], r["value"]
            close(r["crps"], crps_quadrature(x, sd, y), 1e-6, "crps %s" % r)
            close(r["crps_sd"], r["crps"] / sd, 1e-9, "crps_sd")
            close(r["pit"], mixture_cdf(x, sd, y), 1e-9, "pit")
            # Monte Carlo error: the jackknife over replicates, each CRPS without
            # one replicate by quadrature
            loo = np.array([crps_quadrature(np.delete(x, k), sd, y) for k in range(len(x))])
            close(r["crps_se"], jackknife_se(loo), 1e-5, "crps_se %s" % r)
            q = [quantile(x, sd, p) for p in (0.05, 0.25, 0.75, 0.95)]
            for key, v in zip(("q05", "q25", "q75", "q95"), q):
                close(r[key], v, 1e-8, key)
            assert r["in50"] == (q[1] <= y <= q[2]) and r["in90"] == (q[0] <= y <= q[3])
            # naive forecasts: the same series' rows before the origin; only gdp RUS
            # annual has one (persistence only), oil_price RUS monthly has two
            key = (r["quantity"], r["actor"], r["target"], len(r["date"]) == 4, r["transform"])
            h = history.get(key)
            if not h:
                assert r["crps_persistence"] is None and r["skill_trend"] is None
                continue
            pers = h[-1][1]
            cp = crps_quadrature(np.array([pers]), sd, y)
            close(r["crps_persistence"], cp, 1e-6, "persistence")
            close(r["skill_persistence"], 1 - r["crps"] / cp, 1e-6, "skill persistence")
            if len(h) < 2:
                assert r["crps_trend"] is None and r["skill_trend"] is None
                continue
            b, a = np.polyfit([p[0] for p in h], [p[1] for p in h], 1)
            tt = 2022 * 12 + 5  # 2022-06
            ct = crps_quadrature(np.array([a + b * tt]), sd, y)
            close(r["crps_trend"], ct, 1e-6, "trend")
            close(r["skill_trend"], 1 - r["crps"] / ct, 1e-6, "skill trend")


def test_totals_and_formats(scored):
    run, js, csv, table = scored
    rows, tot = js["rows"], js["total"]
    assert tot["n"] == len(rows) == 7
    close(tot["crps_sd"], np.mean([r["crps_sd"] for r in rows]), 1e-9, "total crps/sd")
    # the total's jackknife: without replicate k, the mean of every row's CRPS/sd
    # without it (the rows share the replicates, so their errors are correlated)
    with h5py.File(run, "r") as f:
        loo = np.array([[crps_quadrature(np.delete(equivalents(f, r), k), r["sd"], r["value"])
                         / r["sd"] for k in range(6)] for r in rows]).mean(axis=0)
    se = jackknife_se(loo)
    close(tot["crps_sd_se"], se, 1e-5, "total crps/sd se")
    assert 0 < se < max(r["crps_se"] / r["sd"] for r in rows)
    close(tot["coverage50"], np.mean([r["in50"] for r in rows]), 1e-9, "coverage50")
    close(tot["coverage90"], np.mean([r["in90"] for r in rows]), 1e-9, "coverage90")
    close(tot["pit_mean"], np.mean([r["pit"] for r in rows]), 1e-9, "pit mean")
    with_p = [r for r in rows if r["crps_persistence"] is not None]
    assert tot["n_persistence"] == len(with_p) == 2 and tot["n_trend"] == 1
    close(tot["skill_persistence"], 1 - sum(r["crps_sd"] for r in with_p) /
          sum(r["crps_persistence"] / r["sd"] for r in with_p), 1e-9, "total skill")
    # csv: the same fields, one line per row and the total; n/a where json has null
    lines = csv.strip().split("\n")
    head = lines[0].split(",")
    assert head[:3] == ["file", "line", "quantity"] and head[-1] == "crps_se"
    assert len(lines) == len(rows) + 2 and lines[-1].startswith("total,")
    for r, line in zip(rows, lines[1:]):
        cells = line.split(",")
        assert len(cells) == len(head)
        for k, c in zip(head, cells):
            if k in ("file",):
                continue
            v = r[k]
            if v is None:
                assert c == "n/a"
            elif isinstance(v, bool):
                assert int(c) == int(v)
            elif isinstance(v, (int, float)):
                close(float(c), v, 1e-9, k)
            else:
                assert c == v
    # table: a header on every column, a line per row
    body = table.split("\n")
    header = next(l for l in body if l.startswith("row "))
    for k in head[2:]:
        assert k in header.split(), k
    assert sum(1 for l in body if l.startswith("obs.csv:")) == len(rows)
    assert "n/a" in table


def test_origin_bounds(scored, tmp_path):
    """--origin may be any month of the run, its first and its last; a month
    outside it is refused (exit 2) naming the run's span."""
    run = scored[0]
    obs = tmp_path / "obs.csv"
    obs.write_text(OBS)
    for origin, ok in (("2022-01", True), ("2023-12", True), ("2021-12", False), ("2024-01", False)):
        p = subprocess.run([PACTSIM, "score", str(run), str(obs), "--format", "json", "--cutoff",
                            "none", "--origin", origin], capture_output=True, text=True)
        if ok:
            assert p.returncode == 0, (origin, p.stderr)
            assert json.loads(p.stdout)["origin"] == origin
        else:
            assert p.returncode == 2 and "outside the run (2022-01 to 2023-12)" in p.stderr, \
                (origin, p.returncode, p.stderr)


def test_replicate_without_a_value(scored, tmp_path):
    """A replicate with no value for a row (NaN there: a transform undefined in
    that replicate only) is left out of that row, and in the total's jackknife
    that row counts with its full CRPS when the replicate is left out: leaving
    out a replicate the row does not have changes nothing in it."""
    run = scored[0]
    nan_run = tmp_path / "nan.h5"
    shutil.copy(run, nan_run)
    with h5py.File(nan_run, "r+") as f:
        iso3 = list(f["actors/iso3"].asstr()[:])
        t = list(f["time/date"].asstr()[:]).index("2022-05")
        f["dyad_state/oil_trade"][2, t, iso3.index("RUS"), iso3.index("IND")] = np.nan
    obs = tmp_path / "obs.csv"
    obs.write_text(OBS)
    out = subprocess.run([PACTSIM, "score", str(nan_run), str(obs), "--format", "json",
                          "--cutoff", "none"], check=True, capture_output=True, text=True)
    res = json.loads(out.stdout)
    rows, tot = res["rows"], res["total"]
    loo_all = []
    with h5py.File(nan_run, "r") as f:
        for r in rows:
            x, sd, y = equivalents(f, r), r["sd"], r["value"]
            gap = r["quantity"] == "oil_trade" and r["target"] == "IND"
            assert np.isnan(x[2]) == gap and r["members"] == (5 if gap else 6)
            kept = x[np.isfinite(x)]
            crps = crps_quadrature(kept, sd, y)
            close(r["crps"], crps, 1e-6, "crps %s" % r)
            close(r["mean"], kept.mean(), 1e-9, "mean")
            loo = np.array([crps_quadrature(np.delete(x, k)[np.delete(np.isfinite(x), k)], sd, y)
                            if np.isfinite(x[k]) else np.nan for k in range(6)])
            close(r["crps_se"], jackknife_se(loo), 1e-5, "crps_se %s" % r)
            loo_all.append(np.where(np.isfinite(loo), loo, crps) / sd)
    close(tot["crps_sd_se"], jackknife_se(np.mean(loo_all, axis=0)), 1e-5, "total crps/sd se")

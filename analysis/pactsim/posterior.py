"""Read posterior files of `pactsim calibrate` and summarise them (docs/calibration.md).

    from pactsim.posterior import open_posterior, summary_table

    post = open_posterior("configs/calibration/baseline_2022_posterior.h5")
    post.names, post.samples, post.weights          # [parameter], [sample, parameter], [sample]
    for row in summary_table(post):                 # one dict per parameter
        print(row["parameter"], row["q50"], row["shrinkage"])

Weighted statistics use the normalised weights of the samples. A weighted
quantile is the smallest sample value whose cumulative weight (samples sorted
by value) reaches q: the definition `pactsim calibrate` uses for the file's
q05, median and q95, so they agree exactly. Priors are those of the file
(uniform, normal or lognormal, truncated to [prior_lower, prior_upper]);
their mean and sd are computed from their quantile function, as the C code
draws from them (sim/calib.c, ps_calib_prior_quantile).
"""
import math
import os
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from .io import PactsimFileError, _h5open, _s, _strings

__all__ = ["Posterior", "open_posterior", "as_posterior", "column", "weighted_quantile",
           "weighted_mean_sd", "prior_quantile", "prior_pdf", "prior_moments", "summary_table",
           "weighted_correlation", "SUMMARY_COLUMNS"]

POSTERIOR_FORMAT = "pactsim-posterior"
_STD = NormalDist()


@dataclass
class Posterior:
    """The final weighted samples of a calibration, its priors and diagnostics."""
    path: str
    names: list                 # parameters.<model>.<name> paths
    units: list
    samples: np.ndarray         # [sample, parameter]
    weights: np.ndarray         # [sample], normalised to sum 1
    prior: list                 # uniform | normal | lognormal
    prior_lower: np.ndarray
    prior_upper: np.ndarray
    prior_mu: np.ndarray        # normal: mean; lognormal: meanlog; uniform: NaN
    prior_sigma: np.ndarray
    ess: float = float("nan")
    tolerance: float = float("nan")
    calibration: str = ""
    generations: dict = field(default_factory=dict)   # tolerance, acceptance_rate, ess, ...
    stored: dict = field(default_factory=dict)        # the file's mean, median, q05, q95

    @property
    def short_names(self):
        """`model.name` (the paths without their `parameters.` prefix)."""
        return [n[len("parameters."):] if n.startswith("parameters.") else n for n in self.names]

    def index(self, name):
        """Column of a parameter given by its path, `model.name` or a unique `name`."""
        for cand in (self.names, self.short_names):
            if name in cand:
                return cand.index(name)
        hits = [i for i, n in enumerate(self.names) if n.rsplit(".", 1)[-1] == name]
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise KeyError(f"parameter {name!r} is ambiguous: "
                           f"{' or '.join(self.short_names[i] for i in hits)}; "
                           f"expected one of them as model.name")
        raise KeyError(f"parameter {name!r} is not in the posterior "
                       f"(it has {', '.join(self.short_names)})")


def as_posterior(post):
    """A Posterior given as one or as the path of a posterior file; TypeError otherwise."""
    if isinstance(post, Posterior):
        return post
    if isinstance(post, (str, bytes, os.PathLike)):
        return open_posterior(os.fsdecode(post))
    raise TypeError(f"expected a Posterior (open_posterior) or the path of a posterior file, "
                    f"not {type(post).__name__}")


def column(post, j):
    """The column of parameter j, given as an index or by name (its path, model.name or a
    unique name, as Posterior.index); IndexError or KeyError naming what is wrong."""
    if isinstance(j, str):
        return post.index(j)
    if isinstance(j, (bool, np.bool_)) or not isinstance(j, (int, np.integer)):
        raise TypeError(f"a parameter is an index or a name, not {type(j).__name__} {j!r}")
    if not -len(post.names) <= j < len(post.names):
        raise IndexError(f"parameter index {j} out of range (the posterior has "
                         f"{len(post.names)} parameters)")
    return int(j) % len(post.names)


def open_posterior(path):
    """Read a posterior file (format "pactsim-posterior"); PactsimFileError if it is not one."""
    f, _ = _h5open(path, formats=(POSTERIOR_FORMAT,), expected=POSTERIOR_FORMAT)
    with f:
        if "posterior" not in f:
            raise PactsimFileError(f"{path}: no /posterior group")
        g = f["posterior"]
        need = ("parameter", "samples", "weights", "prior", "prior_lower", "prior_upper",
                "prior_mu", "prior_sigma")
        missing = [k for k in need if k not in g]
        if missing:
            raise PactsimFileError(f"{path}: /posterior lacks {', '.join(missing)}")
        names = _strings(g["parameter"])
        samples = np.asarray(g["samples"][()], dtype=float).reshape(-1, len(names))
        weights = np.asarray(g["weights"][()], dtype=float)
        if weights.shape[0] != samples.shape[0] or not np.all(weights >= 0) or \
                not weights.sum() > 0:
            raise PactsimFileError(f"{path}: /posterior/weights must be {samples.shape[0]} "
                                   f"non-negative values with a positive sum")
        gens = {}
        if "generations" in f:
            for k, d in f["generations"].items():
                if d.ndim == 1:
                    gens[k] = np.asarray(d[()], dtype=float)
        stored = {k: np.asarray(g[k][()], dtype=float)
                  for k in ("mean", "median", "q05", "q95") if k in g}
        return Posterior(
            path=str(path), names=names,
            units=_strings(g["units"]) if "units" in g else ["1"] * len(names),
            samples=samples, weights=weights / weights.sum(),
            prior=_strings(g["prior"]),
            prior_lower=np.asarray(g["prior_lower"][()], dtype=float),
            prior_upper=np.asarray(g["prior_upper"][()], dtype=float),
            prior_mu=np.asarray(g["prior_mu"][()], dtype=float),
            prior_sigma=np.asarray(g["prior_sigma"][()], dtype=float),
            ess=float(g.attrs.get("ess", np.nan)),
            tolerance=float(g.attrs.get("tolerance", np.nan)),
            calibration=_s(f.attrs.get("calibration", "")), generations=gens, stored=stored)


def _values(values, what="values"):
    """A 1-D float array of finite values; ValueError if empty or not finite."""
    v = np.asarray(values, dtype=float).ravel()
    if v.size == 0:
        raise ValueError(f"{what} are empty")
    if not np.isfinite(v).all():
        raise ValueError(f"{what} must be finite ({int((~np.isfinite(v)).sum())} of {v.size} "
                         f"are NaN or infinite); drop them first, with their weights")
    return v


def _normalised(weights, n):
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n,) or not np.all(w >= 0) or not w.sum() > 0:
        raise ValueError(f"weights must be {n} non-negative values with a positive sum "
                         f"(one per value)")
    return w / w.sum()


def _probabilities(q, what):
    """q as a 1-D array, each in [0, 1]; ValueError otherwise (NaN included)."""
    qs = np.atleast_1d(np.asarray(q, dtype=float))
    if not np.all((qs >= 0) & (qs <= 1)):
        raise ValueError(f"{what} must lie in [0, 1] (got {q!r})")
    return qs


def weighted_quantile(values, weights, q):
    """The smallest value whose cumulative normalised weight reaches q (each q in [0, 1]).

    With equal weights this is the empirical quantile of type 1 (the inverse of the
    empirical CDF); it is the definition of `pactsim calibrate`'s q05, median and q95.
    ValueError on empty or non-finite values (NaN is refused, not dropped: drop such
    samples with their weights first), bad weights or q outside [0, 1].
    """
    v = _values(values)
    w = _normalised(weights, v.size)
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(w[order])
    qs = _probabilities(q, "quantiles")
    idx = np.minimum(np.searchsorted(cum, qs, side="left"), v.size - 1)
    out = v[order][idx]
    return out if np.ndim(q) else float(out[0])


def weighted_mean_sd(values, weights=None):
    """Weighted mean and standard deviation (the population sd of the weighted sample)."""
    v = _values(values)
    w = _normalised(weights, v.size)
    m = float(np.sum(w * v))
    return m, float(math.sqrt(max(0.0, np.sum(w * (v - m) ** 2))))


def weighted_correlation(x, y, weights=None):
    """Weighted Pearson correlation of two columns (NaN if either is constant)."""
    x, y = _values(x, "x values"), _values(y, "y values")
    if x.size != y.size:
        raise ValueError(f"x and y must have the same length (got {x.size} and {y.size})")
    w = _normalised(weights, x.size)
    mx, my = np.sum(w * x), np.sum(w * y)
    cxy = np.sum(w * (x - mx) * (y - my))
    sx, sy = np.sum(w * (x - mx) ** 2), np.sum(w * (y - my) ** 2)
    return float(cxy / math.sqrt(sx * sy)) if sx > 0 and sy > 0 else float("nan")


def _std_bounds(kind, lo, hi, mu, sigma):
    """The prior's range in standard normal units (normal on the value, lognormal on its log)."""
    if kind == "normal":
        return (lo - mu) / sigma, (hi - mu) / sigma
    a = (math.log(lo) - mu) / sigma if lo > 0 else -math.inf
    return a, (math.log(hi) - mu) / sigma


def prior_quantile(post, j, u):
    """Quantile u (array, each in [0, 1]) of parameter j's prior, as sim/calib.c draws it;
    j an index or a parameter name."""
    j = column(post, j)
    _probabilities(u, "prior quantiles")
    u = np.asarray(u, dtype=float)
    kind, lo, hi = post.prior[j], post.prior_lower[j], post.prior_upper[j]
    if kind == "uniform":
        return lo + u * (hi - lo)
    mu, sigma = post.prior_mu[j], post.prior_sigma[j]
    a, b = _std_bounds(kind, lo, hi, mu, sigma)
    pa, pb = _STD.cdf(a) if a > -math.inf else 0.0, _STD.cdf(b)
    p = np.clip(pa + u * (pb - pa), 1e-300, 1 - 1e-16)
    z = np.array([_STD.inv_cdf(float(x)) for x in np.ravel(p)]).reshape(p.shape)
    x = mu + sigma * z
    if kind == "lognormal":
        x = np.exp(x)
    return np.clip(x, lo, hi)


def prior_pdf(post, j, x):
    """Density of parameter j's prior at x (array): zero outside [prior_lower, prior_upper];
    j an index or a parameter name."""
    j = column(post, j)
    x = np.asarray(x, dtype=float)
    kind, lo, hi = post.prior[j], post.prior_lower[j], post.prior_upper[j]
    inside = (x >= lo) & (x <= hi)
    if kind == "uniform":
        return np.where(inside, 1.0 / (hi - lo), 0.0)
    mu, sigma = post.prior_mu[j], post.prior_sigma[j]
    a, b = _std_bounds(kind, lo, hi, mu, sigma)
    mass = _STD.cdf(b) - (_STD.cdf(a) if a > -math.inf else 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(x) if kind == "lognormal" else x
        z = (y - mu) / sigma
        d = np.exp(-0.5 * z * z) / (math.sqrt(2 * math.pi) * sigma * mass)
        if kind == "lognormal":
            d = d / x
    return np.where(inside & np.isfinite(d), d, 0.0)


def prior_moments(post, j, points=4000):
    """Mean and sd of parameter j's prior: exact for uniform, else by the midpoint rule on
    its quantile function (`points` midpoints; the truncated range keeps it bounded); j an
    index or a parameter name."""
    j = column(post, j)
    lo, hi = post.prior_lower[j], post.prior_upper[j]
    if post.prior[j] == "uniform":
        return (lo + hi) / 2, (hi - lo) / math.sqrt(12)
    x = prior_quantile(post, j, (np.arange(points) + 0.5) / points)
    return weighted_mean_sd(x)


#: Columns of summary_table, in order.
SUMMARY_COLUMNS = ("parameter", "units", "prior", "prior_lower", "prior_upper", "prior_mean",
                   "prior_sd", "mean", "sd", "q05", "q50", "q95", "sd_ratio", "shrinkage")


def summary_table(post):
    """One dict per parameter (SUMMARY_COLUMNS): the prior, the weighted posterior mean,
    sd and 5/50/95% quantiles, sd_ratio = posterior sd / prior sd and shrinkage = 1 - sd_ratio
    (0: the data taught nothing about the parameter; 1: they pinned it down). post: a
    Posterior or the path of a posterior file."""
    post = as_posterior(post)
    rows = []
    for j, name in enumerate(post.names):
        col = post.samples[:, j]
        m, sd = weighted_mean_sd(col, post.weights)
        pm, psd = prior_moments(post, j)
        q05, q50, q95 = weighted_quantile(col, post.weights, [0.05, 0.5, 0.95])
        ratio = sd / psd if psd > 0 else float("nan")
        rows.append({"parameter": name, "units": post.units[j], "prior": post.prior[j],
                     "prior_lower": float(post.prior_lower[j]),
                     "prior_upper": float(post.prior_upper[j]), "prior_mean": pm,
                     "prior_sd": psd, "mean": m, "sd": sd, "q05": float(q05),
                     "q50": float(q50), "q95": float(q95), "sd_ratio": ratio,
                     "shrinkage": 1.0 - ratio})
    return rows


if __name__ == "__main__":
    import sys

    from pactsim.script import no_command_line
    sys.exit(no_command_line("pactsim.posterior"))

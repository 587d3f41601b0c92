"""Scenario discovery on sweep files: PRIM, CART and feature scores, in numpy.

Which combinations of assumptions lead to an outcome of interest ("Russia-Iran
cooperation above 0.5 in 2024")? Each finished run of a sweep is one case:
its inputs X are the swept parameters (/sweep/points), its output y a summary
metric; y > threshold marks the cases of interest.

    import pactsim
    t = pactsim.sweep_table("sweep.h5", "rus_irn_cooperation_2024")
    res = pactsim.prim(t.X, t.y > 0.5, t.names)   # peeling trajectory + pasted box
    print(res.box)                               # coverage, density, mass, limits
    tree = pactsim.cart(t.X, t.y > 0.5, t.names, max_depth=3)
    print(tree.rules())
    print(pactsim.feature_scores(t.X, t.y > 0.5, t.names))

Command line:

    pactsim-discover FILE --metric METRIC (--above VALUE | --below VALUE)
                     [--reduce none|median|mean] [--alpha A] [--mass-min M]
                     [--threshold D] [--max-depth N] [--trees N] [--json FILE]
                     [-o DIR] [--width page|column] [--format png|pdf|svg] [--dpi N]

PRIM (Friedman and Fisher 1999) shrinks a box around the cases of interest
by peeling, at each step, the alpha share of the box's cases at one end of
one dimension that raises the share of cases of interest in the box most,
down to `mass_min`; every intermediate box is kept (the peeling trajectory:
the trade-off between coverage and density). The chosen box is then pasted:
limits are moved back out while that raises its density. Box statistics:

  coverage  cases of interest in the box / all cases of interest
  density   cases of interest in the box / cases in the box
  mass      cases in the box / all cases
  restricted dimensions: those whose limits cut off some of the data range.

CART is a binary tree of axis-aligned splits (Gini impurity for classes, the
squared error for a continuous y); each leaf is a box with the same
statistics. feature_scores averages impurity decreases over an ensemble of
extremely randomised trees (Geurts et al. 2006), as EMA Workbench's
feature scoring does, so every input gets a score that sums to 1.
"""
import argparse
import json
import math
import sys

import numpy as np

from .io import PactsimFileError, as_run, sweep_completeness
from .script import script
from .tables import write_text

__all__ = ["SweepTable", "sweep_table", "Box", "PrimResult", "prim", "Tree", "cart",
           "feature_scores", "main"]


# ------------------------------------------------------------------ input
class SweepTable:
    """The cases of a sweep: X [case, param], y [case], names, and where each case came from.

    Iterates as (X, y, names) so ``X, y, names = sweep_table(...)`` works.
    Attributes: X, y, names (swept --set paths), param_units, metric,
    metric_units, point and replicate (int arrays: the run of each row), path,
    incomplete ("" for a complete sweep; for an interrupted one, FILE.partial,
    the runs done as `pactsim info` counts them: "3 of 6 runs done, 3 not run ...").
    """

    def __init__(self, X, y, names, param_units, metric, metric_units, point, replicate, path,
                 incomplete=""):
        self.X, self.y, self.names = X, y, names
        self.param_units, self.metric, self.metric_units = param_units, metric, metric_units
        self.point, self.replicate, self.path = point, replicate, path
        self.incomplete = incomplete

    def __iter__(self):
        return iter((self.X, self.y, self.names))

    def __len__(self):
        return len(self.y)


def sweep_table(path, metric, reduce=None):
    """Cases of a sweep file (a path or an open Run) for `metric` (a /sweep/summary metric).

    One row per finished run (point, replicate): runs not marked complete in
    /sweep/done and runs whose metric is not finite are left out. With
    ``reduce="median"`` (or "mean") one row per design point holds the median
    (mean) over its finished replicates; ``reduce="none"`` is None, as
    pactsim-discover's --reduce none. Raises PactsimFileError when the file
    is not a sweep file or has no such metric.
    """
    if reduce == "none":
        reduce = None
    if reduce not in (None, "median", "mean"):
        raise ValueError(f"reduce must be None ('none'), 'median' or 'mean' (got {reduce!r})")
    with as_run(path) as run:
        path = run.path
        if not run.is_sweep or run.sweep is None:
            raise PactsimFileError(f"{path}: no /sweep group: this is not a sweep file")
        if run.summary is None or metric not in run.summary.data_vars:
            have = sorted(run.summary.data_vars) if run.summary is not None else []
            raise PactsimFileError(f"{path}: no /sweep/summary/{metric} (the file has: "
                                   f"{', '.join(have) or 'no metrics'})")
        design = run.sweep
        points = np.asarray(design["points"].values, dtype=float)
        names = [str(p) for p in design["param"].values]
        units = ([str(u) for u in design["param_units"].values] if "param_units" in design
                 else [""] * len(names))
        da = run.summary[metric].transpose("point", "replicate")
        y = np.asarray(da.values, dtype=float)
        metric_units = da.attrs.get("units", "1")
        done = np.asarray(design["done"].values) if "done" in design else None
        incomplete = sweep_completeness(run)[1]
    ok = np.isfinite(y)
    if done is not None and done.shape == y.shape:
        ok &= done == 1
    if reduce is None:
        pt, rep = np.nonzero(ok)
        return SweepTable(points[pt], y[pt, rep], names, units, metric, metric_units, pt, rep,
                          path, incomplete)
    keep = ok.any(axis=1)
    masked = np.where(ok, y, np.nan)
    with np.errstate(all="ignore"):
        agg = (np.nanmedian if reduce == "median" else np.nanmean)(masked[keep], axis=1)
    pt = np.nonzero(keep)[0]
    return SweepTable(points[pt], agg, names, units, metric, metric_units, pt,
                      np.full(len(pt), -1), path, incomplete)


def _check_xy(X, y, names):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
        raise ValueError(f"X must be [case, input] and y [case] (got {X.shape} and {y.shape})")
    if len(y) == 0:
        raise ValueError("no cases")
    if not np.isfinite(X).all():
        raise ValueError("X has non-finite values")
    names = list(names) if names is not None else [f"x{j}" for j in range(X.shape[1])]
    if len(names) != X.shape[1]:
        raise ValueError(f"{len(names)} names for {X.shape[1]} inputs")
    return X, y, names


# ------------------------------------------------------------------ boxes
class Box:
    """An axis-aligned box lo <= x <= hi with its statistics on the cases it was found on.

    Attributes: lo, hi (arrays over inputs), names, coverage, density, mass,
    n (cases in the box), restricted (indices of restricted inputs), and
    for the inputs' data range, data_lo, data_hi.
    """

    def __init__(self, lo, hi, X, y, names):
        self.lo, self.hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
        self.names = list(names)
        self.data_lo, self.data_hi = X.min(axis=0), X.max(axis=0)
        inside = self.contains(X)
        yi = np.asarray(y, dtype=float)
        self.n = int(inside.sum())
        self.mass = self.n / len(y)
        total = yi.sum()
        self.coverage = float(yi[inside].sum() / total) if total > 0 else float("nan")
        self.density = float(yi[inside].mean()) if self.n else float("nan")
        self.restricted = [j for j in range(len(self.lo))
                           if self.lo[j] > self.data_lo[j] or self.hi[j] < self.data_hi[j]]

    def contains(self, X):
        X = np.asarray(X, dtype=float)
        return np.all((X >= self.lo) & (X <= self.hi), axis=1)

    def limits(self, all_inputs=False):
        """{name: (lo, hi)} of the restricted inputs (or of every input)."""
        idx = range(len(self.lo)) if all_inputs else self.restricted
        return {self.names[j]: (float(self.lo[j]), float(self.hi[j])) for j in idx}

    def as_dict(self):
        return {"coverage": self.coverage, "density": self.density, "mass": self.mass,
                "n": self.n, "restricted_dims": len(self.restricted),
                "limits": {k: list(v) for k, v in self.limits().items()}}

    def __str__(self):
        lines = [f"coverage {self.coverage:.3f}  density {self.density:.3f}  mass "
                 f"{self.mass:.3f}  ({self.n} cases, {len(self.restricted)} restricted "
                 f"dimensions)"]
        for j in self.restricted:
            lines.append(f"  {self.lo[j]:.6g} <= {self.names[j]} <= {self.hi[j]:.6g}"
                         f"   (data {self.data_lo[j]:.6g} .. {self.data_hi[j]:.6g})")
        return "\n".join(lines)

    __repr__ = __str__


class PrimResult:
    """A PRIM peeling trajectory and its chosen (pasted) box.

    trajectory: list of Box from the full data range to the last peel;
    stats(): coverage, density, mass, restricted dimensions per step, as
    arrays; chosen: index of the selected box on the trajectory; box: that
    box after pasting; select(i, paste=True) gives another one.
    """

    def __init__(self, X, y, names, trajectory, chosen, alpha):
        self._X, self._y, self.names = X, y, names
        self.trajectory, self.chosen, self.alpha = trajectory, chosen, alpha
        self.box = self.select(chosen)

    def stats(self):
        t = self.trajectory
        return {"coverage": np.array([b.coverage for b in t]),
                "density": np.array([b.density for b in t]),
                "mass": np.array([b.mass for b in t]),
                "restricted_dims": np.array([len(b.restricted) for b in t])}

    def select(self, i, paste=True):
        b = self.trajectory[i]
        return _paste(self._X, self._y, b, self.names, self.alpha) if paste else b

    def __str__(self):
        return f"PRIM box {self.chosen} of {len(self.trajectory)} (pasted):\n{self.box}"


def _as_target(y):
    y = np.asarray(y)
    if y.dtype == bool:
        return y.astype(float)
    vals = np.unique(y[np.isfinite(y)]) if y.dtype.kind == "f" else np.unique(y)
    if not set(vals.tolist()) <= {0, 1}:
        raise ValueError("PRIM needs y as booleans (cases of interest), e.g. y > threshold")
    return y.astype(float)


def prim(X, y, names=None, alpha=0.05, mass_min=0.05, threshold=None, paste_alpha=None):
    """PRIM on cases X [case, input] with y true for the cases of interest.

    alpha: share of the box's cases peeled per step; mass_min: stop when the
    box would hold fewer cases than this share of all cases. The chosen box is
    the one of the trajectory with the largest coverage among those whose
    density is at least `threshold` (default: the box with the largest
    coverage x (density - base rate) / (1 - base rate), the best trade-off),
    pasted with `paste_alpha` (default alpha). Returns PrimResult. ValueError when no
    case is of interest, or alpha, mass_min, threshold (a density, in [0, 1]) or
    paste_alpha is out of range.
    """
    X, y, names = _check_xy(X, y, names)
    yv = _as_target(y)
    if not 0 < alpha < 0.5 or not 0 < mass_min < 1:
        raise ValueError("need 0 < alpha < 0.5 and 0 < mass_min < 1")
    if threshold is not None and not 0 <= threshold <= 1:
        raise ValueError(f"threshold is a density, in [0, 1] (got {threshold!r})")
    if paste_alpha is not None and not 0 < paste_alpha < 1:
        raise ValueError(f"need 0 < paste_alpha < 1 (got {paste_alpha!r})")
    if yv.sum() == 0:
        raise ValueError("no case of interest (y is false everywhere)")
    n, k = X.shape
    lo, hi = X.min(axis=0).copy(), X.max(axis=0).copy()
    inside = np.ones(n, dtype=bool)
    trajectory = [Box(lo, hi, X, yv, names)]
    while True:
        best = None
        xin, yin = X[inside], yv[inside]
        for j in range(k):
            col = xin[:, j]
            for side in (0, 1):
                bound = _peel_bound(col, alpha, side)
                if bound is None:
                    continue
                keep = col >= bound if side == 0 else col <= bound
                m = keep.sum()
                if m == len(col) or m < mass_min * n or m == 0:
                    continue
                mean = yin[keep].mean()
                if best is None or mean > best[0] + 1e-12:
                    best = (mean, j, side, bound)
        if best is None:
            break
        _, j, side, bound = best
        if side == 0:
            lo[j] = bound
        else:
            hi[j] = bound
        inside &= (X[:, j] >= lo[j]) & (X[:, j] <= hi[j])
        trajectory.append(Box(lo, hi, X, yv, names))
    dens = np.array([b.density for b in trajectory])
    cov = np.array([b.coverage for b in trajectory])
    if threshold is None:
        # The best trade-off: coverage x the density's gain over the base rate (scaled to
        # 1 at density 1), so the full box (no gain) is never chosen for a common outcome.
        base = dens[0]
        gain = (dens - base) / (1 - base) if base < 1 else np.zeros_like(dens)
        chosen = int(np.nanargmax(cov * gain))
    else:
        ok = np.nonzero(dens >= threshold)[0]
        chosen = int(ok[np.argmax(cov[ok])]) if ok.size else int(np.nanargmax(dens))
    return PrimResult(X, yv, names, trajectory, chosen,
                      paste_alpha if paste_alpha is not None else alpha)


def _peel_bound(col, alpha, side):
    """The new lower (side 0) or upper (1) limit peeling about alpha of the values, or None.

    With repeated values (grid designs) a quantile may remove nothing: then the
    whole lowest (highest) value is peeled.
    """
    vals = np.unique(col)
    if len(vals) < 2:
        return None
    if side == 0:
        q = np.quantile(col, alpha, method="higher")
        return q if q > vals[0] else vals[1]
    q = np.quantile(col, 1 - alpha, method="lower")
    return q if q < vals[-1] else vals[-2]


def _paste(X, y, box, names, alpha):
    """Move limits back out while that does not lower the box's density and adds cases
    of interest (pasting). Each step tries, for every limit, adding the 1 to
    alpha x (box cases) nearest outside cases and takes the densest result."""
    lo, hi = box.lo.copy(), box.hi.copy()
    k = X.shape[1]
    while True:
        inside = np.all((X >= lo) & (X <= hi), axis=1)
        n_in, s_in = int(inside.sum()), float(y[inside].sum())
        cur = s_in / n_in if n_in else 0.0
        step = max(1, int(math.ceil(alpha * n_in)))
        best = None
        within = (X >= lo) & (X <= hi)
        for j in range(k):
            others = np.all(within | (np.arange(k) == j), axis=1)
            col = X[:, j]
            for side in (0, 1):
                out = others & ((col < lo[j]) if side == 0 else (col > hi[j]))
                if not out.any():
                    continue
                order = np.argsort(-col[out] if side == 0 else col[out], kind="stable")
                xs, ys = col[out][order][:step + 1], y[out][order][:step + 1]
                m = np.arange(1, min(step, len(xs)) + 1)
                gain = np.cumsum(ys)[m - 1]
                dens = (s_in + gain) / (n_in + m)
                # a limit cannot fall between equal values
                ok = (m == len(xs)) | (xs[np.minimum(m, len(xs) - 1)] != xs[m - 1])
                ok &= (dens >= cur - 1e-12) & (gain > 0)
                if not ok.any():
                    continue
                i = np.nonzero(ok)[0]
                i = i[np.lexsort((-m[i], -dens[i]))[0]]
                cand = (dens[i], gain[i], j, side, xs[m[i] - 1])
                if best is None or cand[:2] > best[:2]:
                    best = cand
        if best is None:
            break
        _, _, j, side, bound = best
        if side == 0:
            lo[j] = bound
        else:
            hi[j] = bound
    return Box(lo, hi, X, y, names)


# ------------------------------------------------------------------ trees
class Tree:
    """A fitted binary tree (CART or one extremely randomised tree).

    Arrays over nodes: feature (-1 at a leaf), threshold (go left when
    x[feature] <= threshold), left, right, value (mean of y: the share of
    cases of interest for a classification), n, impurity. predict(X),
    leaves() (one Box per leaf, with its value), rules() (text),
    importances (impurity decrease per input, summing to 1).
    """

    def __init__(self, X, y, names, classification, max_depth, min_leaf, rng=None,
                 max_features=None):
        self.names, self.classification = names, classification
        self.max_depth, self.min_leaf = max_depth, min_leaf
        self._rng, self._max_features = rng, max_features
        self.feature, self.threshold, self.left, self.right = [], [], [], []
        self.value, self.n, self.impurity, self.depth = [], [], [], []
        self._X, self._y = X, y
        self._decrease = np.zeros(X.shape[1])
        self._grow(np.arange(len(y)), 0)
        for name in ("feature", "left", "right", "n", "depth"):
            setattr(self, name, np.array(getattr(self, name), dtype=int))
        for name in ("threshold", "value", "impurity"):
            setattr(self, name, np.array(getattr(self, name), dtype=float))
        total = self._decrease.sum()
        self.importances = self._decrease / total if total > 0 else self._decrease

    def _impurity(self, y):
        if len(y) == 0:
            return 0.0
        if self.classification:
            p = y.mean()
            return 2 * p * (1 - p)
        return float(y.var())

    def _node(self, idx, depth):
        y = self._y[idx]
        for name, v in (("feature", -1), ("threshold", np.nan), ("left", -1), ("right", -1),
                        ("value", float(y.mean())), ("n", len(idx)),
                        ("impurity", self._impurity(y)), ("depth", depth)):
            getattr(self, name).append(v)
        return len(self.feature) - 1

    def _grow(self, idx, depth):
        node = self._node(idx, depth)
        if depth >= self.max_depth or len(idx) < 2 * self.min_leaf or self.impurity[node] <= 0:
            return node
        split = self._best_split(idx)
        if split is None:
            return node
        j, thr, gain = split
        self._decrease[j] += gain * len(idx)
        go_left = self._X[idx, j] <= thr
        self.feature[node], self.threshold[node] = j, thr
        self.left[node] = self._grow(idx[go_left], depth + 1)
        self.right[node] = self._grow(idx[~go_left], depth + 1)
        return node

    def _best_split(self, idx):
        X, y = self._X[idx], self._y[idx]
        n = len(y)
        parent = self._impurity(y)
        best = None
        feats = np.arange(X.shape[1])
        if self._rng is not None:  # extremely randomised: random inputs, random cut points
            self._rng.shuffle(feats)
            feats = feats[:self._max_features or len(feats)]
        for j in feats:
            col = X[:, j]
            if self._rng is not None:
                lo, hi = col.min(), col.max()
                if hi <= lo:
                    continue
                thr = self._rng.uniform(lo, hi)
                left = col <= thr
                nl = left.sum()
                if nl < self.min_leaf or n - nl < self.min_leaf:
                    continue
                child = (nl * self._impurity(y[left]) + (n - nl) * self._impurity(y[~left])) / n
                cand = [(parent - child, thr)]
            else:
                cand = self._scan(col, y)
            for gain, thr in cand:
                if gain > 1e-12 and (best is None or gain > best[2]):
                    best = (j, thr, gain)
        return best

    def _scan(self, col, y):
        """The best cut of one input: every midpoint between distinct sorted values."""
        order = np.argsort(col, kind="stable")
        xs, ys = col[order], y[order]
        n = len(ys)
        nl = np.arange(1, n)
        cs, cs2 = np.cumsum(ys)[:-1], np.cumsum(ys * ys)[:-1]
        tot, tot2 = ys.sum(), (ys * ys).sum()
        nr = n - nl
        if self.classification:
            pl, pr = cs / nl, (tot - cs) / nr
            child = (nl * 2 * pl * (1 - pl) + nr * 2 * pr * (1 - pr)) / n
        else:
            child = ((cs2 - cs * cs / nl) + ((tot2 - cs2) - (tot - cs) ** 2 / nr)) / n
        valid = (xs[1:] > xs[:-1]) & (nl >= self.min_leaf) & (nr >= self.min_leaf)
        if not valid.any():
            return []
        k = np.nonzero(valid)[0]
        i = k[np.argmin(child[k])]
        return [(self._impurity(ys) - child[i], (xs[i] + xs[i + 1]) / 2)]

    def apply(self, X):
        """The leaf index of each case."""
        X = np.asarray(X, dtype=float)
        node = np.zeros(len(X), dtype=int)
        active = self.feature[node] >= 0
        while active.any():
            f = self.feature[node[active]]
            go_left = X[active, f] <= self.threshold[node[active]]
            node[active] = np.where(go_left, self.left[node[active]], self.right[node[active]])
            active = self.feature[node] >= 0
        return node

    def predict(self, X):
        """Leaf values: the share of cases of interest (classification) or the mean of y."""
        return self.value[self.apply(X)]

    def leaves(self):
        """(node, Box) for every leaf, the box on the data the tree was fitted to."""
        X, y = self._X, self._y
        out = []

        def walk(node, lo, hi):
            if self.feature[node] < 0:
                out.append((node, Box(lo, hi, X, y, self.names)))
                return
            j, t = self.feature[node], self.threshold[node]
            h2 = hi.copy()
            h2[j] = min(hi[j], t)
            walk(self.left[node], lo, h2)
            l2 = lo.copy()
            l2[j] = max(lo[j], np.nextafter(t, np.inf))
            walk(self.right[node], l2, hi)

        walk(0, X.min(axis=0).copy(), X.max(axis=0).copy())
        return out

    def rules(self):
        """One line per leaf, largest value first: conditions -> value, n, coverage."""
        lines = []
        for node, box in sorted(self.leaves(), key=lambda nb: -self.value[nb[0]]):
            cond = " and ".join(f"{box.lo[j]:.4g} <= {self.names[j]} <= {box.hi[j]:.4g}"
                                for j in box.restricted) or "(all cases)"
            what = "density" if self.classification else "mean"
            extra = f", coverage {box.coverage:.3f}" if self.classification else ""
            lines.append(f"{cond}  ->  {what} {self.value[node]:.3f}, n {self.n[node]}, mass "
                         f"{box.mass:.3f}{extra}")
        return "\n".join(lines)


def _positive(**values):
    """ValueError unless each given value is None or a positive integer."""
    for name, v in values.items():
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer (got {v!r})")


def _tree_target(y, classification):
    y = np.asarray(y)
    if classification is None:
        classification = y.dtype == bool or set(np.unique(y).tolist()) <= {0, 1}
    return y.astype(float), classification


def cart(X, y, names=None, max_depth=3, min_leaf=None, classification=None):
    """A CART tree: classification (Gini) when y is boolean/0-1, else regression.

    min_leaf: fewest cases in a leaf (default max(5, 1 % of the cases)). max_depth and
    min_leaf must be positive integers (ValueError).
    """
    X, y, names = _check_xy(X, y, names)
    yv, classification = _tree_target(y, classification)
    _positive(max_depth=max_depth, min_leaf=min_leaf)
    min_leaf = min_leaf if min_leaf is not None else max(5, len(yv) // 100)
    return Tree(X, yv, names, classification, max_depth, min_leaf)


def feature_scores(X, y, names=None, n_trees=100, max_depth=None, min_leaf=None,
                   max_features=None, seed=0):
    """Extra-trees impurity scores: {name: score}, scores summing to 1, largest first.

    ValueError when y is the same in every case (no case of interest, or only such
    cases: nothing to score, as prim refuses it) and unless n_trees, max_depth, min_leaf
    and max_features are positive integers (or None).

    An input the outcome does not depend on scores near 0, one that decides
    it alone near 1. n_trees randomised trees, each on every case with random
    cut points, max_features inputs tried per split (default all, as in
    Geurts et al. for regression; sqrt would decorrelate more).
    """
    X, y, names = _check_xy(X, y, names)
    yv, classification = _tree_target(y, None)
    _positive(n_trees=n_trees, max_depth=max_depth, min_leaf=min_leaf,
              max_features=max_features)
    if np.all(yv == yv[0]):
        what = ("no case of interest (y is false everywhere)" if yv[0] == 0 else
                "every case is of interest (y is true everywhere)") if classification else \
            "y is the same in every case"
        raise ValueError(f"{what}: nothing to score")
    rng = np.random.default_rng(seed)
    min_leaf = min_leaf if min_leaf is not None else max(2, len(yv) // 200)
    depth = max_depth if max_depth is not None else 8
    total = np.zeros(X.shape[1])
    for _ in range(n_trees):
        total += Tree(X, yv, names, classification, depth, min_leaf, rng=rng,
                      max_features=max_features).importances
    total /= n_trees
    s = total.sum()
    if s > 0:
        total = total / s
    order = np.argsort(-total, kind="stable")
    return {names[j]: float(total[j]) for j in order}


# ------------------------------------------------------------------ CLI
PROG = "pactsim-discover"


def build_parser():
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Scenario discovery on a sweep file: which swept parameters lead to a "
                    "summary metric above (or below) a threshold? Feature scores "
                    "(extra-trees), PRIM (peeling trajectory, pasted box) and a CART tree.",
        epilog="Exit status: 0 done; 2 not a sweep file, unknown metric, no case of interest "
               "or bad options. See docs/analysis.md.")
    p.add_argument("file", help="sweep file (pactsim sweep SPEC -o FILE)")
    p.add_argument("--metric", required=True, help="a /sweep/summary metric, e.g. "
                   "rus_irn_cooperation_2024")
    side = p.add_mutually_exclusive_group(required=True)
    side.add_argument("--above", type=float, help="cases of interest: metric > VALUE")
    side.add_argument("--below", type=float, help="cases of interest: metric < VALUE")
    p.add_argument("--reduce", choices=["none", "median", "mean"], default="none",
                   help="one case per run (none, default) or per design point")
    p.add_argument("--alpha", type=float, default=0.05, help="PRIM peeling share (0.05)")
    p.add_argument("--mass-min", type=float, default=0.05, help="PRIM smallest box mass (0.05)")
    p.add_argument("--threshold", type=float, help="PRIM: the chosen box is the largest-"
                   "coverage one with at least this density (default: the largest coverage x "
                   "density gain over the base rate)")
    p.add_argument("--max-depth", type=int, default=3, help="CART depth (3)")
    p.add_argument("--trees", type=int, default=100, help="trees for the feature scores (100)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("-o", "--outdir", help="also draw discovery_tradeoff and discovery_box")
    p.add_argument("--width", choices=["column", "page"], default="page")
    p.add_argument("--format", default="png", choices=["png", "pdf", "svg"])
    p.add_argument("--dpi", type=int, default=150)
    return p


def _error(message):
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


@script(PROG)
def main(argv=None):
    args = build_parser().parse_args(argv)
    if not 0 < args.alpha < 0.5:
        return _error(f"--alpha must be in (0, 0.5) (got {args.alpha})")
    if not 0 < args.mass_min < 1:
        return _error(f"--mass-min must be in (0, 1) (got {args.mass_min})")
    if args.max_depth < 1 or args.trees < 1 or args.dpi <= 0:
        return _error("--max-depth, --trees and --dpi must be positive")
    try:
        t = sweep_table(args.file, args.metric,
                        reduce=None if args.reduce == "none" else args.reduce)
    except PactsimFileError as e:
        return _error(str(e))
    if t.incomplete:  # as pactsim-plot-sweep says it; the runs not done are no cases
        print(f"{PROG}: note: {args.file}: the sweep is INCOMPLETE: {t.incomplete}; only the "
              f"complete runs are cases", file=sys.stderr)
    if len(t) == 0:
        return _error(f"{args.file}: no finished run with a finite {args.metric}")
    if args.above is not None:
        interest, what = t.y > args.above, f"{args.metric} > {args.above:g}"
    else:
        interest, what = t.y < args.below, f"{args.metric} < {args.below:g}"
    n_int = int(interest.sum())
    if n_int == 0 or n_int == len(t):
        return _error(f"{what} holds in {n_int} of {len(t)} cases: nothing to discover "
                      f"({args.metric} ranges {np.min(t.y):.4g} .. {np.max(t.y):.4g})")
    scores = feature_scores(t.X, interest, t.names, n_trees=args.trees)
    res = prim(t.X, interest, t.names, alpha=args.alpha, mass_min=args.mass_min,
               threshold=args.threshold)
    tree = cart(t.X, interest, t.names, max_depth=args.max_depth)
    print(f"{args.file}: {len(t)} cases ({'runs' if args.reduce == 'none' else 'points'}), "
          f"{n_int} with {what} ({n_int / len(t):.1%})")
    print("\nfeature scores (extra-trees impurity decrease, sum 1):")
    for name, s in scores.items():
        print(f"  {s:6.3f}  {name}")
    st = res.stats()
    print(f"\nPRIM peeling trajectory ({len(res.trajectory)} boxes; alpha {args.alpha:g}):")
    print("  box  coverage  density    mass  restricted")
    for i in range(len(res.trajectory)):
        mark = "  <- chosen" if i == res.chosen else ""
        print(f"  {i:3d}  {st['coverage'][i]:8.3f}  {st['density'][i]:7.3f}  "
              f"{st['mass'][i]:6.3f}  {st['restricted_dims'][i]:10d}{mark}")
    print(f"\nPRIM box {res.chosen}, pasted:\n{res.box}")
    print(f"\nCART tree (depth {args.max_depth}), leaves by density:\n{tree.rules()}")
    out = {"file": args.file, "metric": args.metric, "condition": what, "cases": len(t),
           "cases_of_interest": n_int, "feature_scores": scores,
           "prim": {"trajectory": {k: v.tolist() for k, v in st.items()},
                    "chosen": res.chosen, "box": res.box.as_dict()},
           "cart": [dict(box.as_dict(), value=float(tree.value[node]))
                    for node, box in tree.leaves()]}
    written = []  # every file written, listed on stdout after the report (docs/analysis.md)
    if args.json:
        try:
            write_text(args.json, json.dumps(out, indent=1))
        except OSError as e:
            return _error(f"cannot write {args.json}: {e.strerror}")
        written.append(args.json)
    status = 0
    if args.outdir:
        from .plotting import discovery as dplot
        from .plotting.common import UsageError, use_agg
        use_agg()
        try:
            written += dplot.write_figures(res, scores, args.outdir, what, args.width,
                                           args.format, args.dpi)
        except UsageError as e:
            status = _error(str(e))
        except OSError as e:
            status = _error(f"cannot write figures to {args.outdir}: {e.strerror}")
    if written:
        print()
        for path in written:
            print(path)
    return status


if __name__ == "__main__":
    sys.exit(main())

"""Do the model's pair states tell ATOP's agreements apart? (docs/validation.md)

    from pactsim.agreements import discrimination

    rows = discrimination("history.h5", "data/observations/history/agreements_annual.csv")
    for r in rows:        # one dict per (rung, variable)
        print(r["rung"], r["variable"], r["auc"], r["cut"])

Issue 16 asks that the agreement thresholds come from alliance data: what
cooperation, trust and shared threat precede consultations and defence pacts.
For each observed pair-year (annual rows of `agreement_level`) this takes the
model's annual means, over replicates and months, of the variables the
agreements model compares with its thresholds (ODD 7.10): pair cooperation
(mean of both directions), mutual trust (the lower direction) and shared
threat. For each rung r it reports how well each variable separates the
pair-years ATOP codes at level >= r from the others: the area under the ROC
curve (the chance that a random positive pair-year has a higher value than a
random negative one, ties counted half; 0.5 = no information) and the cut
that maximises Youden's J (true-positive rate less false-positive rate), the
threshold the data would suggest. Both are descriptive: an AUC near 0.5 says
the model's state does not carry what the data code, so no threshold on it
can be taken from them.

Command line: /usr/bin/python3 -m pactsim.agreements RUN.h5 OBS.csv [--format md|csv]
(exit status 0 written; 2 a file that is not a run with these pair variables, an unreadable
observation file, no observation that matches the run's actors and years, or bad options).
"""
import argparse
import os
import sys
import warnings

import numpy as np

from .io import PactsimFileError, as_run, incomplete_note, open_run
from .observations import ObservationError, read_observations
from .script import script
from .tables import csv_text, markdown_text

__all__ = ["pair_years", "auc", "youden_cut", "discrimination", "main"]

VARIABLES = ("cooperation", "trust", "shared_threat")
RUNGS = (1, 2, 3)


def pair_years(run_path, obs_paths):
    """One row per annual agreement_level observation: (pair, year, level, values).

    values maps each of VARIABLES to the model's mean over replicates and the
    year's months, NaN ignored (a failed run's unfinished replicates are left
    out); pairs as the agreements model sees them, see the module docstring. Observations of other quantities, or of actors or years the
    run does not hold, are skipped. run_path: a path or an open Run; obs_paths:
    one observation file or a list. PactsimFileError when run_path is not a run
    file or holds none of VARIABLES (e.g. a run with --fields without them)."""
    if isinstance(obs_paths, (str, os.PathLike)):
        obs_paths = [obs_paths]
    obs = [o for o in read_observations(obs_paths)
           if o.quantity == "agreement_level" and len(o.date) == 4]
    out = []
    with as_run(run_path, eager=True) as run:
        run_path = run.path
        if run.is_sweep:
            raise PactsimFileError(f"{run_path} is a sweep file; give a run file (pactsim run "
                                   f"... -o FILE)")
        ds = run.dyad_state
        if ds is None or not any(v in ds.data_vars for v in VARIABLES):
            raise PactsimFileError(f"{run_path}: the run has none of dyad_state/"
                                   f"{', '.join(VARIABLES)} (a run with --fields without them?); "
                                   f"expected a run keeping the pair variables")
        iso = [str(a) for a in ds["source"].values]
        years = ds["time"].values.astype("datetime64[Y]").astype(int) + 1970
        arrays = {v: np.asarray(ds[v].values) for v in VARIABLES if v in ds.data_vars}
        for o in obs:
            if o.actor not in iso or o.target not in iso:
                continue
            i, j, m = iso.index(o.actor), iso.index(o.target), years == int(o.date)
            if not m.any():
                continue
            vals = {}
            for v, a in arrays.items():
                x, y = a[:, m, i, j], a[:, m, j, i]
                pair = 0.5 * (x + y) if v == "cooperation" else (
                    np.minimum(x, y) if v == "trust" else x)
                with np.errstate(invalid="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # all NaN: nan
                    vals[v] = float(np.nanmean(pair))
            out.append((o.actor + "-" + o.target, int(o.date), o.value, vals))
    return out


def auc(pos, neg):
    """P(a positive value > a negative one), ties counted half; nan if either is empty."""
    pos, neg = np.asarray(pos, float), np.asarray(neg, float)
    if pos.size == 0 or neg.size == 0:
        return float("nan")
    gt = (pos[:, None] > neg[None, :]).mean()
    eq = (pos[:, None] == neg[None, :]).mean()
    return float(gt + 0.5 * eq)


def youden_cut(pos, neg):
    """(cut, tpr, fpr) of the value c maximising P(pos >= c) - P(neg >= c)."""
    pos, neg = np.asarray(pos, float), np.asarray(neg, float)
    if pos.size == 0 or neg.size == 0:
        return float("nan"), float("nan"), float("nan")
    best = None
    for c in np.unique(np.concatenate([pos, neg])):
        tpr, fpr = float((pos >= c).mean()), float((neg >= c).mean())
        if best is None or tpr - fpr > best[1] - best[2]:
            best = (float(c), tpr, fpr)
    return best


def discrimination(run_path, obs_paths):
    """One dict per (rung, variable): rung, variable, positives, negatives, auc,
    cut, tpr, fpr, median_pos, median_neg, pairs (the positive pairs). run_path: a path
    or an open Run, as pair_years."""
    py = pair_years(run_path, obs_paths)
    rows = []
    for rung in RUNGS:
        lab = np.array([lv >= rung - 0.5 for _, _, lv, _ in py], bool)
        pairs = sorted({p for (p, _, lv, _) in py if lv >= rung - 0.5})
        for v in VARIABLES:
            if not py or v not in py[0][3]:
                continue
            x = np.array([vals[v] for _, _, _, vals in py])
            cut, tpr, fpr = youden_cut(x[lab], x[~lab])
            rows.append({"rung": rung, "variable": v, "positives": int(lab.sum()),
                         "negatives": int((~lab).sum()), "auc": auc(x[lab], x[~lab]),
                         "cut": cut, "tpr": tpr, "fpr": fpr,
                         "median_pos": float(np.median(x[lab])) if lab.any() else float("nan"),
                         "median_neg": float(np.median(x[~lab])) if (~lab).any() else float("nan"),
                         "pairs": " ".join(pairs)})
    return rows


COLUMNS = ("rung", "variable", "positives", "negatives", "auc", "cut", "tpr", "fpr",
           "median_pos", "median_neg", "pairs")


PROG = "/usr/bin/python3 -m pactsim.agreements"
NAME = "pactsim.agreements"  # in messages


@script(NAME)
def main(argv=None):
    ap = argparse.ArgumentParser(prog=PROG,
                                 description="How well the model's cooperation, trust and shared "
                                 "threat separate observed agreement levels (ROC AUC, Youden cut).",
                                 epilog="Exit status: 0 written; 2 not a run with the pair "
                                 "variables, unreadable observations, no observation matching the "
                                 "run's actors and years, bad options. See docs/analysis.md.")
    ap.add_argument("run", help="run file (pactsim run) covering the observations' years")
    ap.add_argument("obs", nargs="+", help="observation CSV files with annual agreement_level rows")
    ap.add_argument("--format", choices=("md", "csv"), default="md")
    a = ap.parse_args(argv)
    try:
        with open_run(a.run) as run:  # means of the finished replicates' months: say so
            msg = incomplete_note(run)
        if msg:
            print(f"{NAME}: note: {msg}", file=sys.stderr)
        rows = discrimination(a.run, a.obs)
    except (PactsimFileError, ObservationError) as e:
        print(f"{NAME}: error: {e}", file=sys.stderr)
        return 2
    if not rows:
        print(f"{NAME}: error: {a.run}: no annual agreement_level observation matches the run's "
              f"actors and years", file=sys.stderr)
        return 2
    text = csv_text(rows, COLUMNS) if a.format == "csv" else markdown_text(rows, COLUMNS)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

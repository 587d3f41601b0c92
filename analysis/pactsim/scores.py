"""Read the output of `pactsim score` and aggregate it (docs/validation.md).

    from pactsim.scores import read_scores, aggregate, by_series

    rows, total = read_scores("scores.csv")        # --format csv or json output
    print(aggregate(rows))                          # recomputes the total line
    for key, agg in by_series(rows).items(): ...    # per quantity, actor, target, transform
    for c in compare(rows_a, rows_b): ...           # row by row, against the Monte Carlo error

The totals follow `pactsim score` exactly: CRPS in units of each observation's
sd, averaged; the mean PIT; the fraction of observations in their 50 % and 90 %
intervals; the skill against a naive forecast as 1 - sum(crps/sd) /
sum(crps_naive/sd) over the observations that have that naive forecast. Each
row's `crps_se` (and the total's `crps_sd_se`) is the jackknife standard error
over the replicates: how much of a CRPS is the finite ensemble's noise.
"""
import csv
import json
import math

import numpy as np

__all__ = ["read_scores", "aggregate", "by_series", "compare", "unmatched", "ScoreFileError",
           "AGG_COLUMNS", "NAIVE"]

NAIVE = ("persistence", "trend")
NUMERIC = ("line", "value", "sd", "members", "mean", "q05", "q25", "q75", "q95", "crps",
           "crps_sd", "pit", "in50", "in90", "crps_persistence", "skill_persistence",
           "crps_trend", "skill_trend", "crps_se")
#: Columns of an aggregate, in order.
AGG_COLUMNS = ("n", "crps_sd", "pit_mean", "coverage50", "coverage90", "n_persistence",
               "crps_sd_persistence", "skill_persistence", "n_trend", "crps_sd_trend",
               "skill_trend")


class ScoreFileError(Exception):
    """Not the output of `pactsim score --format csv|json`."""


def _num(v):
    if v is None or v == "" or v == "n/a":
        return float("nan")
    if isinstance(v, bool):
        return float(v)
    return float(v)


def _clean(row):
    out = dict(row)
    for k in NUMERIC:
        if k in out:
            out[k] = _num(out[k])
    return out


def read_scores(path):
    """Rows and total of a `pactsim score` CSV or JSON output file: (rows, total), dicts with
    numbers as float (n/a and null as NaN, in50/in90 as 0 or 1)."""
    expected = "expected a score file: the output of pactsim score --format csv (or json)"
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ScoreFileError(f"{path}: {e.strerror or e}; {expected}") from None
    if data.startswith(b"\x89HDF\r\n\x1a\n"):
        raise ScoreFileError(f"{path}: an HDF5 file (a run?), not a score file; {expected}, "
                             f"e.g. pactsim score RUN.h5 OBS.csv --format csv > scores.csv")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScoreFileError(f"{path}: binary data, not text; {expected}") from None
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
            rows = [_clean(r) for r in doc["rows"]]
            t = doc["total"]
        except (ValueError, KeyError, TypeError) as e:
            raise ScoreFileError(f"{path}: not the JSON output of pactsim score ({e})") from None
        total = {k: _num(v) if not isinstance(v, str) else v for k, v in t.items()}
        return rows, total
    lines = [ln for ln in text.splitlines() if ln.strip()]
    reader = csv.DictReader(lines)
    need = {"file", "line", "quantity", "crps_sd", "pit", "in50", "in90"}
    if reader.fieldnames is None or not need <= set(reader.fieldnames):
        raise ScoreFileError(f"{path}: not the output of pactsim score --format csv or json "
                             f"(expected the columns {','.join(sorted(need))})")
    rows, total = [], None
    for r in reader:
        if r["file"] == "total":
            total = {"n": _num(r["members"]), "crps_sd": _num(r["crps_sd"]),
                     "pit_mean": _num(r["pit"]), "coverage50": _num(r["in50"]),
                     "coverage90": _num(r["in90"]),
                     "crps_sd_persistence": _num(r["crps_persistence"]),
                     "skill_persistence": _num(r["skill_persistence"]),
                     "crps_sd_trend": _num(r["crps_trend"]), "skill_trend": _num(r["skill_trend"]),
                     "crps_sd_se": _num(r.get("crps_se"))}
        else:
            rows.append(_clean(r))
    if total is None:
        raise ScoreFileError(f"{path}: no total line (is the output cut short?)")
    return rows, total


def aggregate(rows):
    """The totals of `pactsim score` over the given rows (AGG_COLUMNS), plus crps_sd_se_max.

    The total line's crps_sd_se (the jackknife error of the mean CRPS/sd) cannot be
    recomputed from rows: it needs each row's CRPS without each replicate, which the
    output does not hold, and the rows' errors are correlated through the replicates they
    share. crps_sd_se_max = the mean of the rows' crps_se/sd is its upper bound (reached
    when the errors are perfectly correlated), NaN when a row has no crps_se; take the
    exact value from read_scores' total for a whole file."""
    crps_sd = np.array([r["crps_sd"] for r in rows], dtype=float)
    out = {"n": len(rows),
           "crps_sd": float(np.mean(crps_sd)) if rows else math.nan,
           "pit_mean": float(np.mean([r["pit"] for r in rows])) if rows else math.nan,
           "coverage50": float(np.mean([r["in50"] for r in rows])) if rows else math.nan,
           "coverage90": float(np.mean([r["in90"] for r in rows])) if rows else math.nan}
    se = np.array([r.get("crps_se", math.nan) / r["sd"] for r in rows], dtype=float)
    out["crps_sd_se_max"] = float(se.mean()) if rows else math.nan
    for naive in NAIVE:
        have = [(r["crps_sd"], r[f"crps_{naive}"] / r["sd"]) for r in rows
                if math.isfinite(r.get(f"crps_{naive}", math.nan))]
        out[f"n_{naive}"] = len(have)
        if have:
            model, base = np.array(have).T
            out[f"crps_sd_{naive}"] = float(base.mean())
            out[f"skill_{naive}"] = float(1 - model.sum() / base.sum())
        else:
            out[f"crps_sd_{naive}"] = out[f"skill_{naive}"] = math.nan
    return out


def by_series(rows):
    """Aggregates per series: {(quantity, actor, target, transform): aggregate}, in the
    order of first appearance."""
    groups = {}
    for r in rows:
        key = (r["quantity"], r.get("actor", ""), r.get("target", "") or "",
               r.get("transform", "level"))
        groups.setdefault(key, []).append(r)
    return {k: aggregate(v) for k, v in groups.items()}


def _row_key(r):
    return (r["quantity"], r.get("actor", ""), r.get("target", "") or "", r["date"],
            r.get("transform", "level"))


def unmatched(rows_a, rows_b):
    """(rows of a with no row of b, rows of b with no row of a), matched as `compare` matches
    them (quantity, actor, target, date, transform): the rows a comparison leaves out."""
    keys_a, keys_b = {_row_key(r) for r in rows_a}, {_row_key(r) for r in rows_b}
    return (sum(_row_key(r) not in keys_b for r in rows_a),
            sum(_row_key(r) not in keys_a for r in rows_b))


def compare(rows_a, rows_b, z=2.0):
    """Row by row, run b against run a (the rows of both `pactsim score` outputs, matched
    by quantity, actor, target, date and transform): a list of dicts with the key, both
    CRPS/sd, their difference b - a, its standard error (the two jackknife errors in
    quadrature, in sd units: the runs' ensembles are independent) and a verdict:
    "better" if b's CRPS is lower by more than z standard errors, "worse" if higher by
    more, else "same" (within the ensembles' noise). A row without a standard error
    (an old output) counts its difference as exact. Rows of either file without a match
    in the other are left out: `unmatched` counts them."""
    index = {_row_key(r): r for r in rows_a}
    out = []
    for rb in rows_b:
        ra = index.get(_row_key(rb))
        if ra is None:
            continue
        se = math.hypot(*(0.0 if not math.isfinite(r.get("crps_se", math.nan)) else r["crps_se"]
                          for r in (ra, rb))) / rb["sd"]
        d = rb["crps_sd"] - ra["crps_sd"]
        verdict = "better" if d < -z * se else "worse" if d > z * se else "same"
        out.append({"key": _row_key(rb), "crps_sd_a": ra["crps_sd"], "crps_sd_b": rb["crps_sd"],
                    "diff": d, "se": se, "verdict": verdict})
    return out


if __name__ == "__main__":
    import sys

    from pactsim.script import no_command_line
    sys.exit(no_command_line("pactsim.scores"))

"""Score tables and a figure from `pactsim score` output (docs/analysis.md, docs/validation.md).

    pactsim score RUN.h5 OBS.csv ... --format csv > scores.csv   (or --format json)
    pactsim-plot-scores scores.csv [other.csv ...] -o DIR [--labels prior,posterior]
                        [--width page|column] [--format png] [--dpi N]

Several score files (e.g. the same observations scored on a run before and one
after calibration) are compared side by side, labelled by --labels (default:
the file names). Writes:
  scores_by_series.csv, .md  per file and observed series (quantity, actor, target,
                             transform): n, mean CRPS/sd, mean PIT, coverage of the 50 %
                             and 90 % intervals, mean CRPS/sd of the persistence and trend
                             forecasts and the skill against them; then the file's total
                             (the total line of pactsim score, recomputed)
  scores_rows.md             every scored observation of every file, with the CRPS's
                             Monte Carlo standard error (jackknife over the replicates)
  scores_compare.csv, .md    (two files or more) every later file against the first, row by
                             row: the difference of CRPS/sd, its standard error and a verdict,
                             better or worse beyond 2 standard errors, else the same
  scores                     CRPS/sd per series (model and naive forecasts), coverage
                             against the nominal 50 % and 90 % (with the +-2 binomial
                             standard errors of a calibrated forecast), PIT histogram
Exit status 0 when written; 2 on a file that is not pactsim score output, a later file that
shares no scored observation with the first, or bad options.
"""
import argparse
import math
import os
import sys

import numpy as np

from . import style
from .common import (UsageError, add_output_args, error, note, parse_args, prepare_outdir,
                     preset, save, split_list, wrap)
from ..scores import (AGG_COLUMNS, ScoreFileError, aggregate, by_series, compare, read_scores,
                      unmatched)
from ..script import script
from ..tables import csv_text, markdown_text, write_text

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

PROG = "pactsim-plot-scores"
KEY_COLUMNS = ("label", "quantity", "actor", "target", "transform")
MD_SERIES = ("label", "series", "n", "crps_sd", "pit_mean", "coverage50", "coverage90",
             "crps_sd_persistence", "skill_persistence", "crps_sd_trend", "skill_trend")
MD_SERIES_HEAD = ("run", "series", "n", "CRPS/sd", "mean PIT", "in 50 %", "in 90 %",
                  "CRPS/sd persistence", "skill vs persistence", "CRPS/sd trend",
                  "skill vs trend")
MD_ROWS = ("label", "series", "date", "value", "sd", "mean", "crps_sd", "crps_sd_se", "pit",
           "in50", "in90", "skill_persistence", "skill_trend")
MD_ROWS_HEAD = ("run", "series", "date", "observed", "sd", "model mean", "CRPS/sd", "se", "PIT",
                "in 50 %", "in 90 %", "skill vs persistence", "skill vs trend")
CMP_COLUMNS = ("base", "run", "series", "date", "crps_sd_a", "crps_sd_b", "diff", "se",
               "verdict")
CMP_HEAD = ("against", "run", "series", "date", "CRPS/sd (against)", "CRPS/sd (run)",
            "difference", "se", "verdict")
NAIVE_MARKERS = {"persistence": "s", "trend": "^"}


def series_name(key):
    q, a, t, tr = key
    who = f"{a}\u2192{t}" if t else a
    return f"{q} {who}" + ("" if tr in ("level", "") else f" ({tr})")


def series_table(scored):
    """Rows of scores_by_series: per label and series, then the label's total."""
    out = []
    for label, rows in scored:
        for key, agg in by_series(rows).items():
            out.append(dict(agg, label=label, quantity=key[0], actor=key[1], target=key[2],
                            transform=key[3], series=series_name(key)))
        out.append(dict(aggregate(rows), label=label, quantity="total", actor="", target="",
                        transform="", series="**total**"))
    return out


def row_table(scored):
    out = []
    for label, rows in scored:
        for r in rows:
            out.append(dict(r, label=label, series=series_name(
                (r["quantity"], r.get("actor", ""), r.get("target", "") or "",
                 r.get("transform", "level"))),
                in50=int(r["in50"]), in90=int(r["in90"]),
                crps_sd_se=r.get("crps_se", math.nan) / r["sd"]))
    return out


def compare_table(scored):
    """Every later file against the first, row by row (pactsim.scores.compare), then a
    line per file counting the verdicts."""
    out = []
    (base, rows_a), rest = scored[0], scored[1:]
    for label, rows_b in rest:
        cmp = compare(rows_a, rows_b)
        for c in cmp:
            q, a, t, d, tr = c["key"]
            out.append(dict(c, base=base, run=label, series=series_name((q, a, t, tr)), date=d))
        counts = {v: sum(c["verdict"] == v for c in cmp) for v in ("better", "same", "worse")}
        out.append({"base": base, "run": label, "series": "**rows**", "date": "",
                    "crps_sd_a": math.nan, "crps_sd_b": math.nan, "diff": math.nan,
                    "se": math.nan, "verdict": ", ".join(f"{n} {v}" for v, n in counts.items())})
    return out


def fig_scores(scored, width="page"):
    """CRPS/sd per series, coverage and PIT histogram; one colour per score file."""
    p = preset(width)
    keys = []
    for _, rows in scored:
        for k in by_series(rows):
            if k not in keys:
                keys.append(k)
    col = p.width < 5
    top_h = 0.45 + 0.2 * len(keys) * (1 + 0.3 * (len(scored) - 1))
    fig = plt.figure(figsize=(p.width, top_h + (2 * 1.9 if col else 1.9) + 0.9),
                     layout="constrained")
    ratios = [0.3, top_h] + ([1.9, 1.9] if col else [1.9])
    gs = fig.add_gridspec(len(ratios), 1 if col else 2, height_ratios=ratios)
    legend_ax = fig.add_subplot(gs[0, :])
    legend_ax.axis("off")
    legend_ax.set_gid("legend")
    ax_crps = fig.add_subplot(gs[1, :])
    ax_cov = fig.add_subplot(gs[2, 0])
    ax_pit = fig.add_subplot(gs[3, 0] if col else gs[2, 1])
    n_files = len(scored)
    handles = []
    for i, (label, rows) in enumerate(scored):
        color = style.scenario_color(i)
        agg = by_series(rows)
        off = (i - (n_files - 1) / 2) * 0.22
        y = np.array([keys.index(k) for k in agg]) + off
        pts = ax_crps.scatter([a["crps_sd"] for a in agg.values()], y, color=color, s=22,
                              zorder=3, label=label)
        pts.set_gid(f"crps_{i}")
        handles.append(pts)
        for naive, marker in NAIVE_MARKERS.items():
            xs = [a[f"crps_sd_{naive}"] for a in agg.values()]
            ax_crps.scatter(xs, y, facecolors="none", edgecolors=color, marker=marker, s=22,
                            linewidths=0.9, zorder=2).set_gid(f"{naive}_{i}")
        tot = aggregate(rows)
        w = 0.8 / n_files
        bars = ax_cov.bar(np.arange(2) + (i - (n_files - 1) / 2) * w,
                          [tot["coverage50"], tot["coverage90"]], width=w * 0.9, color=color)
        for b in bars:
            b.set_gid(f"coverage_{i}")
        pit = np.array([r["pit"] for r in rows], dtype=float)
        pit = pit[np.isfinite(pit)]
        if pit.size:
            ax_pit.hist(pit, bins=np.linspace(0, 1, 11), density=True, histtype="step",
                        color=color, linewidth=1.4)[2][0].set_gid(f"pit_{i}")
    ax_crps.set_yticks(range(len(keys)), [series_name(k) for k in keys])
    ax_crps.set_ylim(len(keys) - 0.5, -0.5)
    ax_crps.set_xscale("log")
    ax_crps.set_xlabel("mean CRPS / sd (lower is better)")
    ax_crps.set_title(wrap("CRPS per observed series: model (filled), persistence (\u25a1), "
                           "linear trend (\u25b3)", p.width - 0.3))
    # A calibrated forecast's coverage lies within +-2 binomial standard errors of nominal.
    n = max(len(rows) for _, rows in scored)
    for x, nominal in ((0, 0.5), (1, 0.9)):
        se = math.sqrt(nominal * (1 - nominal) / max(n, 1))
        ax_cov.fill_between([x - 0.45, x + 0.45], nominal - 2 * se, min(1, nominal + 2 * se),
                            color="#999999", alpha=0.25, linewidth=0, zorder=0)
        ax_cov.hlines(nominal, x - 0.45, x + 0.45, colors="black", linestyles="--",
                      linewidth=1)
    ax_cov.set_xticks([0, 1], ["50 % interval", "90 % interval"])
    ax_cov.set_ylim(0, 1.05)
    ax_cov.set_ylabel("share of observations inside")
    ax_cov.set_title(wrap(f"coverage (dashed: nominal; grey: \u00b12 s.e., n = {n})",
                          p.width / (1 if col else 2) - 0.3))
    ax_pit.axhline(1.0, color="black", linestyle="--", linewidth=1)
    ax_pit.set_xlim(0, 1)
    ax_pit.set_xlabel("PIT = F(observed)")
    ax_pit.set_ylabel("density")
    ax_pit.set_title(wrap("PIT histogram (flat when calibrated; U-shaped: too narrow)",
                          p.width / (1 if col else 2) - 0.3))
    extra = [Line2D([], [], marker=m, ls="", markerfacecolor="none", markeredgecolor="black",
                    label=naive) for naive, m in NAIVE_MARKERS.items()]
    legend_ax.legend(handles=handles + extra, loc="center", borderaxespad=0,
                     ncol=min(len(handles) + 2, 4 if not col else 2))
    return [fig]


def build_parser():
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Tables (CSV, Markdown) and a figure of `pactsim score` output: CRPS, "
                    "coverage, PIT and skill against the naive forecasts, per series and in "
                    "total, for one or several score files side by side.",
        epilog="Exit status: 0 written; 2 not pactsim score output, files sharing no "
               "observation, bad options. See "
               "docs/analysis.md.")
    p.add_argument("scores", nargs="+", help="output of pactsim score --format csv or json")
    p.add_argument("-o", "--outdir", required=True, help="directory for tables and figure")
    add_output_args(p)
    p.add_argument("--labels", help="a label per file (default: the file names)")
    return p


def check_matches(scored, paths):
    """Each later file against the first: a note on stderr of the rows with no match in the
    other file (left out of the comparison); a UsageError when no row matches."""
    (_, rows_a), path_a = scored[0], paths[0]
    for (_, rows_b), path_b in zip(scored[1:], paths[1:]):
        only_a, only_b = unmatched(rows_a, rows_b)
        if only_b == len(rows_b):  # (then only_a == len(rows_a) too)
            raise UsageError(f"{path_b} and {path_a} share no scored observation (same "
                             f"quantity, actor, target, date and transform): nothing to "
                             f"compare; score both runs against the same observation files")
        if only_a or only_b:
            note(PROG, f"comparison of {path_b} with {path_a}: {only_a} of {len(rows_a)} rows "
                       f"of {path_a} and {only_b} of {len(rows_b)} rows of {path_b} have no "
                       f"match in the other file; left out")


@script(PROG)
def main(argv=None):
    args = parse_args(build_parser(), argv)
    labels = split_list(args.labels) or [os.path.splitext(os.path.basename(s))[0]
                                         for s in args.scores]
    if len(labels) != len(args.scores):
        return error(PROG, f"--labels names {len(labels)} files; {len(args.scores)} given")
    try:
        scored = [(lab, read_scores(path)[0]) for lab, path in zip(labels, args.scores)]
        for (lab, rows), path in zip(scored, args.scores):
            if not rows:
                raise UsageError(f"{path}: no scored observation")
        check_matches(scored, args.scores)
        prepare_outdir(args.outdir)
    except (ScoreFileError, UsageError) as e:
        return error(PROG, str(e))
    st = series_table(scored)
    written = [
        write_text(os.path.join(args.outdir, "scores_by_series.csv"),
                   csv_text(st, KEY_COLUMNS + AGG_COLUMNS)),
        write_text(os.path.join(args.outdir, "scores_by_series.md"),
                   markdown_text(st, MD_SERIES, MD_SERIES_HEAD, digits=3)),
        write_text(os.path.join(args.outdir, "scores_rows.md"),
                   markdown_text(row_table(scored), MD_ROWS, MD_ROWS_HEAD, digits=3))]
    if len(scored) > 1:
        ct = compare_table(scored)
        written += [write_text(os.path.join(args.outdir, "scores_compare.csv"),
                               csv_text(ct, CMP_COLUMNS)),
                    write_text(os.path.join(args.outdir, "scores_compare.md"),
                               markdown_text(ct, CMP_COLUMNS, CMP_HEAD, digits=3))]
    written += save(fig_scores(scored, args.width), args.outdir, "scores", args.format,
                    args.dpi)
    print("\n".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())

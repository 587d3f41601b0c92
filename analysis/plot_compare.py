#!/usr/bin/python3
"""Compare pactsim runs of several scenarios (docs/analysis.md).

    plot_compare.py A.h5 B.h5 [C.h5 ...] -o DIR [--vars gdp_growth,cooperation,...]
                    [--pair RUS,IRN] [--actors RUS,IRN] [--format png] [--dpi N]

The first file is the reference A. Writes:
  compare_series    every scenario side by side: median and 5-95 % band over replicates
  compare_diff      paired differences X - A replicate by replicate: median and 95 %
                    percentile interval (2.5-97.5 %) over replicates
  compare_summary   the same paired differences for every /summary metric (figure
                    and a tab-separated table compare_summary.tsv)
Actor variables are drawn for --actors (default: the --pair actors), dyad
variables for the pair in both directions. Replicate r of one file is paired
with replicate r of the other: with the same seed both use the same random
streams (common random numbers), so the difference isolates the scenario
effect. Exit status 0 when something was written, 2 on a non-pactsim file,
fewer than two files, nothing in common to compare, or bad options.
"""
import argparse
import contextlib
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import style  # noqa: E402
from common import (UsageError, error, grid, note, parse_pair, plot_band,  # noqa: E402
                    prepare_outdir, quantile_bands, save, split_list)
from pactsim_io import PactsimFileError, open_run  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

PROG = "plot_compare"
DEFAULT_VARS = ["gdp_growth", "sanction_pressure", "military_strain", "oil_export_revenue",
                "cooperation", "trust"]
DIFF_Q = (0.025, 0.5, 0.975)


def scenario_labels(runs):
    labels = [r.scenario for r in runs]
    if len(set(labels)) < len(labels):
        labels = [f"{r.scenario} ({os.path.splitext(os.path.basename(r.path))[0]})"
                  for r in runs]
    if len(set(labels)) < len(labels):
        labels = [f"{lab} #{i}" for i, lab in enumerate(labels)]
    return labels


def common_axes(runs):
    """Times and replicates present in every run (for pairing)."""
    times = None
    reps = None
    for r in runs:
        for g in ("actor_state", "dyad_state"):
            ds = getattr(r, g)
            if ds is None:
                continue
            t = set(ds["time"].values.tolist())
            times = t if times is None else times & t
            rp = set(int(v) for v in ds["replicate"].values)
            reps = rp if reps is None else reps & rp
    times = np.array(sorted(times or []), dtype="datetime64[ns]")
    return times, sorted(reps or [])


def build_items(prog, runs, variables, actors, pair):
    """Rows of panels: (variable, group, [(column label, selector)], reference has it)."""
    rows = []
    for v in variables:
        group = have = None
        for g in ("actor_state", "dyad_state"):
            have = [r for r in runs if getattr(r, g) is not None and v in getattr(r, g).data_vars]
            if have:
                group = g
                break
        if group is None:
            note(prog, f"no file has {v} (actor_state or dyad_state); variable skipped")
            continue
        for r in runs:
            if r not in have:
                note(prog, f"{r.path} has no {group}/{v}; its lines are missing")
        first = getattr(have[0], group)
        if group == "actor_state":
            labels = [str(a) for a in first["actor"].values]
            cols = [(a, {"actor": a}) for a in actors if a in labels]
            for a in actors:
                if a not in labels:
                    note(prog, f"{v}: actor {a} not in {have[0].path}; skipped")
        else:
            labels = [str(a) for a in first["source"].values]
            a, b = pair
            if a not in labels or b not in labels:
                note(prog, f"{v}: pair {a},{b} not in {have[0].path}; skipped")
                continue
            cols = [(f"{a}\u2192{b}", {"source": a, "target": b}),
                    (f"{b}\u2192{a}", {"source": b, "target": a})]
        if cols:
            rows.append((v, group, cols, runs[0] in have))
    return rows


def samples(run, group, var, sel, times, reps):
    """[replicate, time] values of one series aligned on the common axes, or None."""
    ds = getattr(run, group)
    if ds is None or var not in ds.data_vars:
        return None
    for dim, label in sel.items():
        if label not in [str(x) for x in ds[dim].values]:
            return None
    da = ds[var].sel(**sel).sel(time=times, replicate=reps).transpose("replicate", "time")
    return np.asarray(da.values, dtype=float), ds[var].attrs.get("units", "1")


def _draw_grid(runs, labels, rows, times, reps, mode, prog):
    """mode 'series': scenarios side by side; 'diff': X - A by replicate."""
    if mode == "diff":
        for var, group, _, ref_has in rows:
            if not ref_has:
                note(prog, f"differences: the reference {runs[0].path} has no {group}/{var}; "
                           f"row skipped")
        rows = [row for row in rows if row[3]]
        if not rows:
            return None
    ncols = max(len(row[2]) for row in rows)
    nrows = len(rows)
    height = 2.9 * nrows + 0.9
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.8 * ncols, height), squeeze=False,
                             sharex=True)
    drawn = 0
    for r, (var, group, cols, _) in enumerate(rows):
        for c in range(ncols):
            ax = axes[r][c]
            if c >= len(cols):
                ax.set_visible(False)
                continue
            col_label, sel = cols[c]
            got = [samples(run, group, var, sel, times, reps) for run in runs]
            units = next((g[1] for g in got if g is not None), "1")
            if mode == "series":
                allv = np.concatenate([g[0].ravel() for g in got if g is not None])
                factor, ulabel = style.scaled(units, allv)
                for i, (g, lab) in enumerate(zip(got, labels)):
                    if g is None:  # noted by build_items
                        continue
                    plot_band(ax, times, g[0], style.scenario_color(i), lab, scale=factor)
                    drawn += 1
                ax.set_ylabel(style.axis_label(var, ulabel))
            else:
                ref = got[0]
                diffs = [(i, g[0] - ref[0]) for i, g in enumerate(got) if i and g is not None]
                allv = np.concatenate([d.ravel() for _, d in diffs]) if diffs else np.zeros(1)
                factor, ulabel = style.scaled(units, allv)
                ax.axhline(0, color="black", lw=0.8)
                for i, d in diffs:
                    plot_band(ax, times, d, style.scenario_color(i), f"{labels[i]} \u2212 "
                              f"{labels[0]}", scale=factor, q=DIFF_Q)
                    drawn += 1
                ax.set_ylabel("\u0394 " + style.axis_label(var, ulabel))
            ax.set_title(f"{var.replace('_', ' ')}: {col_label}", fontsize=9)
            style.date_axis(ax, times[0], times[-1])
    for ax in axes[-1]:
        ax.set_xlabel("month (end-of-month state)")
    if mode == "series":
        handles = [Line2D([], [], color=style.scenario_color(i), lw=2, label=lab)
                   for i, lab in enumerate(labels)]
        title = f"scenarios side by side: median and 5-95 % band over {len(reps)} replicates"
    else:
        handles = [Line2D([], [], color=style.scenario_color(i), lw=2,
                          label=f"{lab} \u2212 {labels[0]}")
                   for i, lab in enumerate(labels) if i]
        title = (f"paired differences by replicate: median and 95 % interval (2.5-97.5 "
                 f"percentile) over {len(reps)} replicates")
    # Title and legend in a fixed 0.9 inch band on top, whatever the number of rows.
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.9 / height))
    fig.suptitle(title, y=1 - 0.08 / height, va="top", fontsize=10)
    fig.legend(handles=handles, loc="upper center", ncol=min(len(handles), 4),
               bbox_to_anchor=(0.5, 1 - 0.32 / height))
    return fig if drawn else None


def summary_diffs(runs, labels, reps):
    """Rows (metric, units, scenario, n, median, lo, hi) of paired metric differences."""
    ref = runs[0].summary
    out = []
    if ref is None:
        return out
    for m in ref.data_vars:
        a = ref[m].sel(replicate=[r for r in reps if r in ref["replicate"].values]).values
        for i, run in enumerate(runs[1:], start=1):
            if run.summary is None or m not in run.summary.data_vars:
                continue
            b = run.summary[m].sel(replicate=[r for r in reps
                                              if r in run.summary["replicate"].values]).values
            if b.shape != a.shape:
                continue
            d = b - a
            ok = np.isfinite(d)
            if not ok.any():
                out.append((m, ref[m].attrs.get("units", "1"), labels[i], 0, np.nan, np.nan,
                            np.nan))
                continue
            lo, med, hi = quantile_bands(d[ok], q=DIFF_Q)
            out.append((m, ref[m].attrs.get("units", "1"), labels[i], int(ok.sum()),
                        float(med), float(lo), float(hi)))
    return out


def fig_summary(rows, labels):
    metrics = []
    for m, *_ in rows:
        if m not in metrics:
            metrics.append(m)
    metrics = [m for m in metrics if any(r[0] == m and r[3] > 0 for r in rows)]
    if not metrics:
        return None
    nrows, ncols = grid(len(metrics), 2)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 0.6 + (0.45 * len(labels) + 0.9)
                                                    * nrows), squeeze=False)
    for ax, m in zip(axes.flat, metrics):
        sel = [r for r in rows if r[0] == m]
        units = sel[0][1]
        for k, (_, _, lab, n, med, lo, hi) in enumerate(sel):
            i = labels.index(lab)
            if n == 0:
                continue
            ax.errorbar([med], [k], xerr=[[med - lo], [hi - med]], fmt="o",
                        color=style.scenario_color(i), capsize=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(range(len(sel)), [f"{r[2]} \u2212 {labels[0]}" for r in sel])
        ax.set_ylim(len(sel) - 0.5, -0.5)
        ax.set_xlabel("\u0394 " + style.axis_label(m, units))
        ax.xaxis.set_major_locator(MaxNLocator(5))
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    fig.suptitle("summary metrics: paired difference, median and 95 % interval over replicates",
                 fontsize=10)
    fig.tight_layout()
    return fig


def build_parser():
    p = argparse.ArgumentParser(
        prog="plot_compare.py",
        description="Compare scenarios: side-by-side medians and bands, and paired "
                    "differences X - A by replicate (A = the first file) with a 95 %% "
                    "percentile interval over replicates.",
        epilog="Exit status: 0 figures written; 2 bad input. See docs/analysis.md.")
    p.add_argument("files", nargs="+", metavar="FILE", help="pactsim output files; the first "
                   "is the reference A")
    p.add_argument("-o", "--outdir", required=True, help="directory for the figures")
    p.add_argument("--vars", help="actor_state or dyad_state variables (default: "
                   + ",".join(DEFAULT_VARS) + ")")
    p.add_argument("--pair", default="RUS,IRN", help="pair for dyad variables, both "
                   "directions (default RUS,IRN)")
    p.add_argument("--actors", help="actors for actor variables (default: the pair)")
    p.add_argument("--labels", help="scenario names for the legend, comma separated "
                   "(default: each file's scenario attribute)")
    p.add_argument("--format", default="png", choices=["png", "pdf", "svg"])
    p.add_argument("--dpi", type=int, default=150)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    if len(args.files) < 2:
        return error(PROG, "need at least two files to compare (A.h5 B.h5 ...)")
    if args.dpi <= 0:
        return error(PROG, f"--dpi must be positive (got {args.dpi})")
    written = []
    with contextlib.ExitStack() as stack:
        try:
            pair = parse_pair(args.pair)
            runs = []
            for path in args.files:
                run = stack.enter_context(open_run(path))
                if run.is_sweep:
                    raise UsageError(f"{path} is a sweep file; use plot_sweep.py")
                runs.append(run)
            labels = split_list(args.labels) or scenario_labels(runs)
            if len(labels) != len(runs):
                raise UsageError(f"--labels has {len(labels)} names for {len(runs)} files")
            prepare_outdir(args.outdir)
        except (PactsimFileError, UsageError) as e:
            return error(PROG, str(e))
        seeds = {r.provenance.get("seed") for r in runs}
        if len(seeds) > 1:
            note(PROG, "the files have different seeds: replicates are not paired by random "
                       "stream, differences include noise")
        times, reps = common_axes(runs)
        if len(times) == 0 or not reps:
            note(PROG, "the files share no month or no replicate: no time series")
        actors = [a.upper() for a in (split_list(args.actors) or list(pair))]
        variables = split_list(args.vars) or DEFAULT_VARS
        rows = build_items(PROG, runs, variables, actors, pair) if len(times) and reps else []
        if rows:
            for mode, name in (("series", "compare_series"), ("diff", "compare_diff")):
                fig = _draw_grid(runs, labels, rows, times, reps, mode, PROG)
                if fig is not None:
                    written.append(save(fig, args.outdir, name, args.format, args.dpi))
        srows = summary_diffs(runs, labels, reps or
                              sorted(int(x) for x in runs[0].summary["replicate"].values)
                              if runs[0].summary is not None else [])
        if srows:
            tsv = os.path.join(args.outdir, "compare_summary.tsv")
            with open(tsv, "w") as f:
                f.write(f"# paired differences X - A by replicate, A = {labels[0]}\n")
                f.write("metric\tunits\tscenario\tn\tmedian\tp2.5\tp97.5\n")
                for m, u, lab, n, med, lo, hi in srows:
                    f.write(f"{m}\t{u}\t{lab}\t{n}\t{med:.6g}\t{lo:.6g}\t{hi:.6g}\n")
            written.append(tsv)
            fig = fig_summary(srows, labels)
            if fig is not None:
                written.append(save(fig, args.outdir, "compare_summary", args.format, args.dpi))
        else:
            note(PROG, "no /summary metric common to the files; summary skipped")
    if not written:
        return error(PROG, "nothing to compare: the files have no common variable, month and "
                           "replicate, and no common summary metric")
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Compare pactsim runs of several scenarios (docs/analysis.md).

    pactsim-plot-compare A.h5 B.h5 [C.h5 ...] -o DIR [--vars gdp_growth,cooperation,...]
                    [--pair RUS,IRN] [--actors RUS,IRN] [--width page|column]
                    [--format png] [--dpi N] [--allow-mismatch] [--labels A,B,...]

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
effect. Runs are refused (exit 2) unless they have the same actors, the same
months and one scenario lineage (one scenario extends the other, or both
extend the same base): differences over the months two unrelated runs happen
to share mean nothing. --allow-mismatch draws them anyway, with a note. Exit
status 0 when something was written, 2 on a non-pactsim file, fewer than two
files, mismatched runs, nothing in common to compare, or bad options.
"""
import argparse
import contextlib
import os
import sys

import numpy as np

from . import style
from .common import (UsageError, add_output_args, error, note, panel_figure, panel_pages,
                     parse_pair, plot_band, prepare_outdir, preset, quantile_bands, save,
                     shared_legend, split_list, parse_args, wrap)
from ..io import PactsimFileError, incomplete_note, open_run, provenance
from ..script import script
from ..tables import write_text

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

PROG = "pactsim-plot-compare"
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


def _config_stem(path):
    base = os.path.basename(str(path).strip().strip("'\""))
    for ext in (".yaml", ".yml"):
        if base.endswith(ext):
            return base[:-len(ext)]
    return None


def lineage(run):
    """A run's scenario lineage: the names of its `extends` chain, own config first.

    From /provenance attribute `lineage` ("relief_iran <- baseline_2022"), which `pactsim run`
    records and `pactsim compare` checks. A file written before pactsim recorded it gets the
    names it is known by instead (its scenario name, its config file's stem from
    `command_line` and the stem of the config it `extends:` in `config_raw`), unordered.
    Returns (names, recorded).
    """
    text = run.provenance.get("lineage")
    if text:
        return [p.strip() for p in str(text).split("<-") if p.strip()], True
    names = [run.scenario]
    prov = provenance(run.path)
    for word in str(prov.get("command_line", "")).split():
        stem = _config_stem(word)
        if stem and stem not in names:
            names.append(stem)
    for line in str(prov.get("config_raw", "")).splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "extends" and line[:1] not in (" ", "\t"):
            stem = _config_stem(value.split("#")[0])
            if stem and stem not in names:
                names.append(stem)
    return names, False


def _one_lineage(a, b):
    """Same root when both files record their lineage (as `pactsim compare` checks); else
    any name in common."""
    (la, ra), (lb, rb) = lineage(a), lineage(b)
    if ra and rb:
        return la[-1] == lb[-1]
    return bool(set(la) & set(lb))


def mismatches(runs):
    """What makes replicate-paired differences between runs[0] and each other run
    meaningless, the checks of `pactsim compare`: other actors (ISO3 sets), another period
    (first or last month), another scenario lineage. A list of messages."""
    ref = runs[0]
    out = []
    for r in runs[1:]:
        if set(r.actors) != set(ref.actors):
            only_a = [a for a in ref.actors if a not in r.actors]
            only_b = [a for a in r.actors if a not in ref.actors]
            out.append(f"{r.path} has other actors than {ref.path} (only in {ref.path}: "
                       f"{','.join(only_a) or '-'}; only in {r.path}: {','.join(only_b) or '-'})")
        if r.dates[:1] + r.dates[-1:] != ref.dates[:1] + ref.dates[-1:]:
            span = (lambda d: f"{d[0]}..{d[-1]} ({len(d)} months)" if d else "no months")
            out.append(f"{r.path} covers {span(r.dates)}, {ref.path} {span(ref.dates)}")
        if not _one_lineage(ref, r):
            out.append(f"{r.path} (scenario {r.scenario}) and {ref.path} (scenario "
                       f"{ref.scenario}) are not of one lineage: their extends chains "
                       f"have different roots")
    return out


def _reps_with_data(runs, reps):
    """How many of the paired replicates have data in every run: a failed run's
    replicates that never ran (/months_complete 0) are NaN and drawn nowhere."""
    keep = set(reps)
    for r in runs:
        m = r.months_complete
        if m is not None and m.size == r.replicates:
            keep &= {i for i in range(m.size) if m[i] > 0}
    return len(keep)


def _draw_grid(runs, labels, rows, times, reps, mode, prog, width="page"):
    """mode 'series': scenarios side by side; 'diff': X - A by replicate. A list of pages."""
    if mode == "diff":
        for var, group, _, ref_has in rows:
            if not ref_has:
                note(prog, f"differences: the reference {runs[0].path} has no {group}/{var}; "
                           f"row skipped")
        rows = [row for row in rows if row[3]]
        if not rows:
            return []
    p = preset(width)
    panels = [(var, group, col) for var, group, cols, _ in rows for col in cols]
    width2 = max(len(cols) for _, _, cols, _ in rows)
    ncols = min(p.ncols, 2 if width2 == 2 and p.ncols >= 2 else p.ncols)
    if mode == "series":
        handles = [Line2D([], [], color=style.scenario_color(i), lw=2, label=lab)
                   for i, lab in enumerate(labels)]
        title = (f"scenarios side by side: median and 5-95 % band over "
                 f"{_reps_with_data(runs, reps)} replicates")
    else:
        handles = [Line2D([], [], color=style.scenario_color(i), lw=2,
                          label=f"{lab} \u2212 {labels[0]}")
                   for i, lab in enumerate(labels) if i]
        title = (f"paired differences by replicate: median and 95 % interval (2.5-97.5 "
                 f"percentile) over {_reps_with_data(runs, reps)} replicates")
    figs, start, drawn = [], 0, 0
    for count in panel_pages(len(panels), width, ncols=ncols):
        page = panels[start:start + count]
        start += count
        fig, axes, leg = panel_figure(count, width, ncols=ncols, legend_items=len(handles),
                                      legend_chars=max(len(h.get_label()) for h in handles),
                                      legend_ncol=min(len(handles), 3 if p.width > 5 else 1),
                                      title_lines=2)
        for ax, (var, group, (col_label, sel)) in zip(axes, page):
            got = [samples(run, group, var, sel, times, reps) for run in runs]
            units = next((g[1] for g in got if g is not None), "1")
            factor, ulabel = style.scaled(units)
            if mode == "series":
                for i, g in enumerate(got):
                    if g is None:  # noted by build_items
                        continue
                    plot_band(ax, times, g[0], style.scenario_color(i), labels[i],
                              scale=factor)
                    drawn += 1
                ax.set_ylabel(f"[{'dimensionless' if ulabel == '1' else ulabel}]")
            else:
                ref = got[0]
                ax.axhline(0, color="black", lw=0.8)
                for i, g in enumerate(got):
                    if i and g is not None:
                        plot_band(ax, times, g[0] - ref[0], style.scenario_color(i),
                                  f"{labels[i]} \u2212 {labels[0]}", scale=factor, q=DIFF_Q)
                        drawn += 1
                ax.set_ylabel(f"\u0394 [{'dimensionless' if ulabel == '1' else ulabel}]")
            ax.set_title(wrap(f"{var.replace('_', ' ')}: {col_label}", p.width / ncols - 0.2))
            style.date_axis(ax, times[0], times[-1], maxticks=4)
        for k, ax in enumerate(axes):
            if k + ncols >= len(axes):
                ax.set_xlabel("month (end-of-month state)")
        shared_legend(fig, leg, handles)
        fig.suptitle(wrap(title, p.width))
        figs.append(fig)
    if not drawn:
        for fig in figs:
            plt.close(fig)
        return []
    return figs


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


def fig_summary(rows, labels, width="page"):
    """Dot-and-whisker panels of paired metric differences, one per metric, wrapped."""
    metrics = []
    for m, *_ in rows:
        if m not in metrics:
            metrics.append(m)
    metrics = [m for m in metrics if any(r[0] == m and r[3] > 0 for r in rows)]
    if not metrics:
        return []
    p = preset(width)
    handles = [Line2D([], [], marker="o", ls="", color=style.scenario_color(i),
                      label=f"{lab} \u2212 {labels[0]}") for i, lab in enumerate(labels) if i]
    panel_h = 0.75 + 0.12 * len(labels)
    per_page = p.ncols * max(1, int(9.0 // panel_h))
    figs = []
    for start in range(0, len(metrics), per_page):
        page = metrics[start:start + per_page]
        fig, axes, leg = panel_figure(len(page), width, panel_h=panel_h,
                                      legend_items=len(handles),
                                      legend_chars=max(len(h.get_label()) for h in handles),
                                      legend_ncol=min(len(handles), 3 if p.width > 5 else 1),
                                      title_lines=2)
        for ax, m in zip(axes, page):
            sel = [r for r in rows if r[0] == m]
            units = sel[0][1]
            factor, ulabel = style.scaled(units)
            for k, (_, _, lab, n, med, lo, hi) in enumerate(sel):
                if n == 0:
                    continue
                ax.errorbar([med * factor], [k], xerr=[[(med - lo) * factor],
                                                       [(hi - med) * factor]], fmt="o", ms=3,
                            color=style.scenario_color(labels.index(lab)), capsize=2)
            ax.axvline(0, color="black", lw=0.8)
            ax.set_yticks([])
            ax.set_ylim(len(sel) - 0.5, -0.5)
            ax.grid(False, axis="y")
            ax.set_title(wrap(m, p.width / p.ncols - 0.2))
            ax.set_xlabel(f"\u0394 [{'dimensionless' if ulabel == '1' else ulabel}]")
            ax.xaxis.set_major_locator(MaxNLocator(3))
            style.each_tick(ax.xaxis)
        shared_legend(fig, leg, handles)
        fig.suptitle(wrap("summary metrics: paired difference, median and 95 % interval over "
                          "replicates", p.width))
        figs.append(fig)
    return figs


def build_parser():
    p = argparse.ArgumentParser(
        prog="pactsim-plot-compare",
        description="Compare scenarios: side-by-side medians and bands, and paired "
                    "differences X - A by replicate (A = the first file) with a 95 % "
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
    p.add_argument("--allow-mismatch", action="store_true",
                   help="compare runs with other actors, months or an unrelated scenario "
                        "(refused by default: exit 2)")
    add_output_args(p)
    return p


@script(PROG)
def main(argv=None):
    args = parse_args(build_parser(), argv)
    if len(args.files) < 2:
        return error(PROG, "need at least two files to compare (A.h5 B.h5 ...)")
    written = []
    with contextlib.ExitStack() as stack:
        try:
            pair = parse_pair(args.pair)
            runs = []
            for path in args.files:
                run = stack.enter_context(open_run(path))
                if run.is_sweep:
                    raise UsageError(f"{path} is a sweep file; use pactsim-plot-sweep")
                runs.append(run)
            for run in runs:  # as pactsim-plot-run: drawn, but said
                if incomplete_note(run):
                    note(PROG, incomplete_note(run))
            labels = split_list(args.labels) or scenario_labels(runs)
            if len(labels) != len(runs):
                raise UsageError(f"--labels has {len(labels)} names for {len(runs)} files")
            problems = mismatches(runs)
            if problems and not args.allow_mismatch:
                raise UsageError("; ".join(problems) + ": paired differences would compare "
                                 "unrelated runs (--allow-mismatch to draw them anyway)")
            for msg in problems:
                note(PROG, f"{msg} (--allow-mismatch: only the months, actors and "
                           f"replicates in common are compared)")
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
                figs = _draw_grid(runs, labels, rows, times, reps, mode, PROG, args.width)
                if figs:
                    written += save(figs, args.outdir, name, args.format, args.dpi)
        srows = summary_diffs(runs, labels, reps or
                              sorted(int(x) for x in runs[0].summary["replicate"].values)
                              if runs[0].summary is not None else [])
        if srows:
            text = (f"# paired differences X - A by replicate, A = {labels[0]}\n"
                    "metric\tunits\tscenario\tn\tmedian\tp2.5\tp97.5\n")
            for m, u, lab, n, med, lo, hi in srows:
                text += f"{m}\t{u}\t{lab}\t{n}\t{med:.6g}\t{lo:.6g}\t{hi:.6g}\n"
            written.append(write_text(os.path.join(args.outdir, "compare_summary.tsv"), text))
            figs = fig_summary(srows, labels, args.width)
            if figs:
                written += save(figs, args.outdir, "compare_summary", args.format, args.dpi)
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

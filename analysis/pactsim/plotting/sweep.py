"""Figures of a pactsim parameter sweep (`pactsim sweep SPEC -o FILE`; docs/analysis.md).

    pactsim-plot-sweep FILE -o DIR [--metrics a,b] [--width page|column]
                       [--format png|pdf|svg] [--dpi N]

Writes sweep_main_effects: one panel per summary metric and swept parameter,
wrapped into rows and pages; sweep_surface: for the first two swept
parameters, the median of each metric over replicates as a heatmap (grid
designs) or as coloured points (sampled designs); sweep_distributions: the
distribution of each metric over every run; sweep_sensitivity (when
`pactsim sensitivity` has written /sensitivity): Sobol' S1 and ST or Morris
mu* per parameter as bars with their bootstrap 95% intervals. Grey dots are
single runs (point, replicate), coloured dots the median over replicates at
each design point, and the line the mean over every run that shares the
parameter's value (the main effect, averaged over the other parameters;
drawn when values repeat, as in grid designs). Runs not marked complete in
/sweep/done are left out; an interrupted sweep (FILE.partial) is drawn with a
note and titles saying how many runs are done. Default metrics: those that
vary across points.
Figures with more panels than a page holds continue on NAME_p2, NAME_p3, ...
Exit status 2 when FILE is not a sweep file (no /sweep group) or has nothing
to plot. Every fig_* function takes the sweep as a path or an open Run and returns a
list of figures (pages; empty when skipped, with a note on stderr: no metric with
values, or a run file given for a sweep).
"""
import argparse
import sys

import numpy as np

from . import style
from .common import (UsageError, add_output_args, error, nanmedian, note, panel_figure,
                     panel_pages, prepare_outdir, preset, save, shared_legend, split_list,
                     parse_args, wrap, wrong_file)
from ..io import PactsimFileError, open_run, sensitivity, sweep_completeness, takes_run
from ..script import script

from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FormatStrFormatter, MaxNLocator  # noqa: E402

PROG = "pactsim-plot-sweep"


def _param_units(design, params):
    return ([str(u) for u in design["param_units"].values] if "param_units" in design
            else ["1"] * len(params))


def _short(path):
    return path.split(".")[-1]


completeness = sweep_completeness  # (title, note) of an interrupted sweep (pactsim.io)


def _pages(items, width, ncols=None):
    out, start = [], 0
    for count in panel_pages(len(items), width, ncols=ncols):
        out.append(items[start:start + count])
        start += count
    return out


@takes_run
def fig_main_effects(run, metrics, prog=PROG, width="page"):
    """Each metric against each swept parameter: one panel per pair, metric by metric."""
    if wrong_file(prog, "sweep_main_effects", run, sweep=True):
        return []
    design = run.sweep
    points = np.asarray(design["points"].values, dtype=float)  # [point, param]
    params = [str(p) for p in design["param"].values]
    units = _param_units(design, params)
    for m in metrics:
        if m not in run.summary.data_vars:
            note(prog, f"no /sweep/summary/{m} in the file; skipped")
    chosen = _metric_values(run, metrics, prog)
    if not chosen:
        return []
    n_rep = chosen[0][1].shape[1]
    # One row of panels per metric when the parameters fit in a row, else wrapped.
    p = preset(width)
    ncols = len(params) if len(params) <= p.ncols else p.ncols
    panels = [(m, y, mu, c) for m, y, mu in chosen for c in range(len(params))]
    handles = [Line2D([], [], marker="o", ls="", color="#bbbbbb", label="single run"),
               Line2D([], [], marker="o", ls="", color=style.scenario_color(0),
                      label="median of a point"),
               Line2D([], [], color=style.scenario_color(1), lw=1.6,
                      label="mean at this value (main effect)")]
    figs = []
    for page in _pages(panels, width, ncols):
        fig, axes, leg = panel_figure(len(page), width, ncols=ncols, legend_items=3, legend_chars=32,
                                      legend_ncol=3 if p.width > 5 else 1, title_lines=2)
        for ax, (m, y, munits, c) in zip(axes, page):
            x = points[:, c]
            xr_ = np.repeat(x[:, None], y.shape[1], axis=1)
            ax.scatter(xr_.ravel(), y.ravel(), s=5, color="#bbbbbb", zorder=1)
            med = nanmedian(y, axis=1)
            ax.scatter(x, med, s=12, color=style.scenario_color(0), zorder=3)
            values = np.unique(x[np.isfinite(x)])
            if len(values) < len(x):  # repeated values: main effect line
                effect = [np.nanmean(y[x == v]) if np.isfinite(y[x == v]).any() else np.nan
                          for v in values]
                ax.plot(values, effect, color=style.scenario_color(1), lw=1.4,
                        zorder=2)
            ax.set_xlabel(wrap(style.axis_label(_short(params[c]), units[c]), p.width / ncols))
            ax.set_ylabel(f"[{'dimensionless' if munits == '1' else munits}]")
            ax.xaxis.set_major_locator(MaxNLocator(4))
            ax.yaxis.set_major_locator(MaxNLocator(5))
            ax.set_title(wrap(m, p.width / ncols - 0.2))
        shared_legend(fig, leg, handles)
        fig.suptitle(wrap(f"sweep {design.attrs.get('name', '')} of {run.scenario}: "
                          f"{design.attrs.get('design', '')} design, {points.shape[0]} points "
                          f"x {n_rep} replicates" + completeness(run)[0], p.width))
        figs.append(fig)
    return figs


def _metric_values(run, metrics, prog=PROG):
    """[(metric, values[point, replicate] with unfinished runs as NaN, units)]."""
    done = np.asarray(run.sweep["done"].values) if "done" in run.sweep else None
    out = []
    for m in metrics:
        if m not in run.summary.data_vars:
            continue
        y = np.asarray(run.summary[m].transpose("point", "replicate").values, dtype=float)
        if done is not None and done.shape == y.shape:
            y = np.where(done == 1, y, np.nan)
        if np.isfinite(y).any():  # money in bn USD, from the metric's units
            factor, units = style.scaled(run.summary[m].attrs.get("units", "1"))
            out.append((m, y * factor, units))
    return out


@takes_run
def fig_surface(run, metrics, prog=PROG, width="page"):
    """Median over replicates of each metric against the first two swept parameters."""
    if wrong_file(prog, "sweep_surface", run, sweep=True):
        return []
    design = run.sweep
    params = [str(p) for p in design["param"].values]
    if len(params) < 2:
        note(prog, "one swept parameter: no response surface")
        return []
    units = _param_units(design, params)
    pts = np.asarray(design["points"].values, dtype=float)
    x, y = pts[:, 0], pts[:, 1]
    chosen = _metric_values(run, metrics, prog)
    if not chosen:
        return []
    p = preset(width)
    xs, ys = np.unique(x), np.unique(y)
    is_grid = len(xs) * len(ys) == len(x)
    figs = []
    for page in _pages(chosen, width):
        fig, axes, _ = panel_figure(len(page), width, panel_h=p.panel_h + 0.2, title_lines=2)
        for ax, (m, v, mu) in zip(axes, page):
            med = nanmedian(v, axis=1)
            if is_grid:  # a full grid over the two: a heatmap
                z = np.full((len(ys), len(xs)), np.nan)
                for k in range(len(x)):
                    z[np.searchsorted(ys, y[k]), np.searchsorted(xs, x[k])] = med[k]
                ax.grid(False)
                im = ax.pcolormesh(np.arange(len(xs) + 1), np.arange(len(ys) + 1), z,
                                   cmap="viridis", shading="flat")
                step_x = max(1, len(xs) // 5)
                step_y = max(1, len(ys) // 6)
                ax.set_xticks(np.arange(len(xs))[::step_x] + 0.5,
                              [f"{v:.3g}" for v in xs[::step_x]])
                ax.set_yticks(np.arange(len(ys))[::step_y] + 0.5,
                              [f"{v:.3g}" for v in ys[::step_y]])
            else:  # sampled designs: each point coloured by its median
                im = ax.scatter(x, y, c=med, s=10, cmap="viridis")
                ax.xaxis.set_major_locator(MaxNLocator(4))
            cb = fig.colorbar(im, ax=ax)
            cb.ax.yaxis.set_major_locator(MaxNLocator(5))
            cb.set_label(f"[{'dimensionless' if mu == '1' else mu}]")
            ax.set_xlabel(style.axis_label(_short(params[0]), units[0]))
            ax.set_ylabel(style.axis_label(_short(params[1]), units[1]))
            ax.set_title(wrap(f"median of {m}", p.width / min(p.ncols, len(page)) - 0.5))
        fig.suptitle(wrap(f"sweep {design.attrs.get('name', '')}: response to {params[0]} "
                          f"and {params[1]}" + completeness(run)[0], p.width))
        figs.append(fig)
    return figs


@takes_run
def fig_distributions(run, metrics, prog=PROG, width="page"):
    """Histogram of each metric over every finished run (all points and replicates)."""
    if wrong_file(prog, "sweep_distributions", run, sweep=True):
        return []
    chosen = _metric_values(run, metrics, prog)
    if not chosen:
        return []
    p = preset(width)
    handles = [Line2D([], [], color=style.scenario_color(1), lw=1.5, label="median")]
    figs = []
    for page in _pages(chosen, width):
        fig, axes, leg = panel_figure(len(page), width, legend_items=1, legend_chars=6,
                                    title_lines=1)
        for ax, (m, v, mu) in zip(axes, page):
            vals = v[np.isfinite(v)]
            ax.hist(vals, bins=min(40, max(5, int(np.sqrt(vals.size)))),
                    color=style.scenario_color(0))
            ax.axvline(np.median(vals), color=style.scenario_color(1), lw=1.5)
            ax.set_xlabel(wrap(style.axis_label(m, mu), p.width / min(p.ncols, len(page))))
            # A narrow spread of a large value needs long labels: fewer, shorter ticks.
            narrow = vals.size and np.ptp(vals) < 1e-2 * max(abs(np.median(vals)), 1e-300)
            ax.xaxis.set_major_locator(MaxNLocator(3 if narrow else 4))
            if narrow:
                ax.xaxis.set_major_formatter(FormatStrFormatter("%.5g"))
            ax.set_ylabel("runs")
            ax.set_title(f"{vals.size} runs")
        shared_legend(fig, leg, handles)
        fig.suptitle(f"sweep {run.sweep.attrs.get('name', '')}: distribution of summary "
                     f"metrics" + completeness(run)[0])
        figs.append(fig)
    return figs


def fig_sensitivity(run, metrics=None, prog=PROG, width="page"):
    """Bars of Sobol' S1/ST or Morris mu* per parameter with bootstrap 95% intervals
    (metrics None: every metric of /sensitivity)."""
    path = run
    try:
        sens = sensitivity(path)
    except PactsimFileError as e:  # a run file: no sensitivity indices
        note(prog, f"sweep_sensitivity: {e}; figure skipped")
        return []
    names = [m for m in (metrics or sens["metrics"]) if m in sens["metrics"]]
    if not names or not sens["param"]:
        note(prog, "no /sensitivity in the file (run `pactsim sensitivity FILE` first)")
        return []
    params = [_short(p) for p in sens["param"]]
    p = preset(width)
    xk = np.arange(len(params))
    sobol = "S1" in sens["metrics"][names[0]]
    kinds = [("S1", "first order S1"), ("ST", "total ST")] if sobol else \
        [("mu_star", "Morris mu*")]
    handles = [Patch(color=style.scenario_color(q), label=label)
               for q, (_, label) in enumerate(kinds)]
    figs = []
    for page in _pages(names, width):
        fig, axes, leg = panel_figure(len(page), width, panel_h=p.panel_h + 0.3,
                                      legend_items=len(handles), legend_chars=14,
                                      title_lines=1)
        for ax, m in zip(axes, page):
            ix = sens["metrics"][m]
            ks = [k for k in kinds if k[0] in ix]
            width_b = 0.8 / max(1, len(ks))
            for q, (key, label) in enumerate(ks):
                val = ix[key]
                lo, hi = ix.get(f"{key}_low", val), ix.get(f"{key}_high", val)
                err = np.vstack([np.maximum(val - lo, 0), np.maximum(hi - val, 0)])
                ax.bar(xk + (q - (len(ks) - 1) / 2) * width_b, val, width_b, yerr=err,
                       capsize=2, color=style.scenario_color(q), label=label)
            ax.set_xticks(xk, params, rotation=30, ha="right", fontsize=6)
            ax.set_ylabel("index [dimensionless]" if "S1" in ix else "mu* [metric units]")
            ax.set_title(wrap(m, p.width / min(p.ncols, len(page)) - 0.2))
        shared_legend(fig, leg, handles)
        fig.suptitle("sensitivity indices with bootstrap 95% intervals")
        figs.append(fig)
    return figs


def build_parser():
    p = argparse.ArgumentParser(
        prog="pactsim-plot-sweep",
        description="Main-effect plots of a pactsim sweep file: each summary metric against "
                    "each swept parameter.",
        epilog="Exit status: 0 figure written; 2 not a sweep file or nothing to plot.")
    p.add_argument("file", help="sweep output file (pactsim sweep SPEC -o FILE)")
    p.add_argument("-o", "--outdir", required=True)
    p.add_argument("--metrics", help="summary metrics (default: those varying across points)")
    add_output_args(p)
    return p


@script(PROG)
def main(argv=None):
    args = parse_args(build_parser(), argv)
    try:
        run = open_run(args.file)
    except PactsimFileError as e:
        return error(PROG, str(e))
    with run:
        if not run.is_sweep or run.sweep is None:
            return error(PROG, f"{args.file}: no /sweep group: this is not a sweep file "
                               f"(plot a single run with pactsim-plot-run)")
        if run.summary is None or not run.summary.data_vars:
            return error(PROG, f"{args.file}: no /sweep/summary metrics to plot")
        done = completeness(run)[1]
        if done:  # as pactsim info says it; the figures leave the missing runs out
            note(PROG, f"{args.file}: the sweep is INCOMPLETE: {done}; only the complete runs "
                       f"are drawn")
        metrics = split_list(args.metrics)
        if not metrics:
            metrics = []
            for m in run.summary.data_vars:
                y = np.asarray(run.summary[m].transpose("point", "replicate").values, float)
                per_point = nanmedian(y, axis=1)
                fin = per_point[np.isfinite(per_point)]
                if fin.size >= 2 and np.ptp(fin) > 1e-12 * max(1.0, np.abs(fin).max()):
                    metrics.append(m)
                else:
                    note(PROG, f"{m}: does not vary across points (or undefined); skipped")
        try:
            prepare_outdir(args.outdir)
        except UsageError as e:
            return error(PROG, str(e))
        w = args.width
        figs = fig_main_effects(run, metrics, width=w)
        if not figs:
            return error(PROG, f"{args.file}: no metric with values to plot")
        paths = save(figs, args.outdir, "sweep_main_effects", args.format, args.dpi)
        for name, make in (("sweep_surface", lambda: fig_surface(run, metrics, width=w)),
                           ("sweep_distributions",
                            lambda: fig_distributions(run, metrics, width=w)),
                           ("sweep_sensitivity",
                            lambda: fig_sensitivity(args.file, metrics, width=w))):
            extra = make()
            if extra:
                paths += save(extra, args.outdir, name, args.format, args.dpi)
    print("\n".join(paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())

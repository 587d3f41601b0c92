#!/usr/bin/python3
"""Figures of a pactsim parameter sweep (`pactsim sweep SPEC -o FILE`; docs/analysis.md).

    plot_sweep.py FILE -o DIR [--metrics a,b] [--format png|pdf|svg] [--dpi N]

Writes sweep_main_effects: one panel per summary metric (rows) and swept
parameter (columns); sweep_surface: for the first two swept parameters, the
median of each metric over replicates as a heatmap (grid designs) or as
coloured points (sampled designs); sweep_distributions: the distribution of
each metric over every run; sweep_sensitivity (when `pactsim sensitivity` has
written /sensitivity): Sobol' S1 and ST or Morris mu* per parameter as bars
with their bootstrap 95% intervals. Grey dots are single runs (point, replicate), coloured
dots the median over replicates at each design point, and the line the mean
over every run that shares the parameter's value (the main effect, averaged
over the other parameters; drawn when values repeat, as in grid designs).
Runs not marked complete in /sweep/done are left out. Default metrics: those
that vary across points. Exit status 2 when FILE is not a sweep file (no
/sweep group) or has nothing to plot.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import style  # noqa: E402
from common import (UsageError, error, nanmedian, note, prepare_outdir, save,  # noqa: E402
                    split_list)
from pactsim_io import PactsimFileError, open_run, sensitivity  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

PROG = "plot_sweep"


def fig_main_effects(run, metrics, prog=PROG):
    design = run.sweep
    points = np.asarray(design["points"].values, dtype=float)  # [point, param]
    params = [str(p) for p in design["param"].values]
    units = ([str(u) for u in design["param_units"].values] if "param_units" in design
             else ["1"] * len(params))
    done = np.asarray(design["done"].values) if "done" in design else None
    summ = run.summary
    chosen = []
    for m in metrics:
        if m not in summ.data_vars:
            note(prog, f"no /sweep/summary/{m} in the file; skipped")
            continue
        y = np.asarray(summ[m].transpose("point", "replicate").values, dtype=float)
        if done is not None and done.shape == y.shape:
            y = np.where(done == 1, y, np.nan)
        if not np.isfinite(y).any():
            note(prog, f"{m}: no finite value in any run; skipped")
            continue
        chosen.append((m, y, summ[m].attrs.get("units", "1")))
    if not chosen:
        return None
    nr, nc = len(chosen), len(params)
    fig, axes = plt.subplots(nr, nc, figsize=(3.6 * nc + 0.4, 2.6 * nr + 0.8), squeeze=False)
    for r, (m, y, munits) in enumerate(chosen):
        for c, (p, pu) in enumerate(zip(params, units)):
            ax = axes[r][c]
            x = points[:, c]
            xr_ = np.repeat(x[:, None], y.shape[1], axis=1)
            ax.scatter(xr_.ravel(), y.ravel(), s=8, color="#bbbbbb", zorder=1,
                       label="single run")
            med = nanmedian(y, axis=1)
            ax.scatter(x, med, s=22, color=style.scenario_color(0), zorder=3,
                       label="median of a point")
            values = np.unique(x[np.isfinite(x)])
            if len(values) < len(x):  # repeated values: main effect line
                effect = [np.nanmean(y[x == v]) if np.isfinite(y[x == v]).any() else np.nan
                          for v in values]
                ax.plot(values, effect, color=style.scenario_color(1), lw=1.6, zorder=2,
                        label="mean at this value (main effect)")
            short = p.split(".")[-1]
            ax.set_xlabel(style.axis_label(short, pu))
            if c == 0:
                ax.set_ylabel(style.axis_label(m, munits))
            ax.xaxis.set_major_locator(MaxNLocator(5))
            if r == 0:
                ax.set_title(p, fontsize=8)
    handles, labels = axes[0][0].get_legend_handles_labels()
    height = 2.6 * nr + 0.8
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.7 / height))
    fig.suptitle(f"sweep {design.attrs.get('name', '')} of {run.scenario}: "
                 f"{design.attrs.get('design', '')} design, {points.shape[0]} points x "
                 f"{y.shape[1]} replicates", y=1 - 0.05 / height, va="top", fontsize=10)
    fig.legend(handles, labels, loc="upper center", ncol=3, bbox_to_anchor=(0.5, 1 - 0.3 / height))
    return fig


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
        if np.isfinite(y).any():
            out.append((m, y, run.summary[m].attrs.get("units", "1")))
    return out


def fig_surface(run, metrics, prog=PROG):
    """Median over replicates of each metric against the first two swept parameters."""
    design = run.sweep
    params = [str(p) for p in design["param"].values]
    if len(params) < 2:
        note(prog, "one swept parameter: no response surface")
        return None
    units = ([str(u) for u in design["param_units"].values] if "param_units" in design
             else ["1"] * len(params))
    pts = np.asarray(design["points"].values, dtype=float)
    x, y = pts[:, 0], pts[:, 1]
    chosen = _metric_values(run, metrics, prog)
    if not chosen:
        return None
    fig, axes = plt.subplots(1, len(chosen), figsize=(4.2 * len(chosen) + 0.6, 3.6), squeeze=False)
    for ax, (m, v, mu) in zip(axes[0], chosen):
        med = nanmedian(v, axis=1)
        xs, ys = np.unique(x), np.unique(y)
        if len(xs) * len(ys) == len(x):  # a full grid over the two: a heatmap
            z = np.full((len(ys), len(xs)), np.nan)
            for k in range(len(x)):
                z[np.searchsorted(ys, y[k]), np.searchsorted(xs, x[k])] = med[k]
            ax.grid(False)
            im = ax.pcolormesh(np.arange(len(xs) + 1), np.arange(len(ys) + 1), z,
                               cmap="viridis", shading="flat")
            ax.set_xticks(np.arange(len(xs)) + 0.5, [f"{v:.3g}" for v in xs])
            ax.set_yticks(np.arange(len(ys)) + 0.5, [f"{v:.3g}" for v in ys])
        else:  # sampled designs: each point coloured by its median
            im = ax.scatter(x, y, c=med, s=18, cmap="viridis")
        fig.colorbar(im, ax=ax, label=style.axis_label(m, mu))
        ax.set_xlabel(style.axis_label(params[0].split(".")[-1], units[0]))
        ax.set_ylabel(style.axis_label(params[1].split(".")[-1], units[1]))
        ax.set_title(f"median of {m}", fontsize=9)
    fig.suptitle(f"sweep {design.attrs.get('name', '')}: response to {params[0]} and "
                 f"{params[1]}", fontsize=10)
    fig.tight_layout()
    return fig


def fig_distributions(run, metrics, prog=PROG):
    """Histogram of each metric over every finished run (all points and replicates)."""
    chosen = _metric_values(run, metrics, prog)
    if not chosen:
        return None
    fig, axes = plt.subplots(1, len(chosen), figsize=(3.8 * len(chosen) + 0.4, 3.0), squeeze=False)
    for ax, (m, v, mu) in zip(axes[0], chosen):
        vals = v[np.isfinite(v)]
        ax.hist(vals, bins=min(40, max(5, int(np.sqrt(vals.size)))),
                color=style.scenario_color(0))
        ax.axvline(np.median(vals), color=style.scenario_color(1), lw=1.5, label="median")
        ax.set_xlabel(style.axis_label(m, mu))
        ax.set_ylabel("runs")
        ax.set_title(f"{vals.size} runs", fontsize=9)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(f"sweep {run.sweep.attrs.get('name', '')}: distribution of summary metrics",
                 fontsize=10)
    fig.tight_layout()
    return fig


def fig_sensitivity(path, metrics, prog=PROG):
    """Bars of Sobol' S1/ST or Morris mu* per parameter with bootstrap 95% intervals."""
    sens = sensitivity(path)
    names = [m for m in (metrics or sens["metrics"]) if m in sens["metrics"]]
    if not names or not sens["param"]:
        note(prog, "no /sensitivity in the file (run `pactsim sensitivity FILE` first)")
        return None
    params = [p.split(".")[-1] for p in sens["param"]]
    fig, axes = plt.subplots(1, len(names), figsize=(4.0 * len(names) + 0.6, 3.4), squeeze=False)
    xk = np.arange(len(params))
    for ax, m in zip(axes[0], names):
        ix = sens["metrics"][m]
        kinds = [("S1", "first order S1"), ("ST", "total ST")] if "S1" in ix else \
                [("mu_star", "Morris mu*")]
        width = 0.8 / len(kinds)
        for q, (key, label) in enumerate(kinds):
            val = ix[key]
            lo, hi = ix.get(f"{key}_low", val), ix.get(f"{key}_high", val)
            err = np.vstack([np.maximum(val - lo, 0), np.maximum(hi - val, 0)])
            ax.bar(xk + (q - (len(kinds) - 1) / 2) * width, val, width, yerr=err, capsize=3,
                   color=style.scenario_color(q), label=label)
        ax.set_xticks(xk, params, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("index [dimensionless]" if "S1" in ix else "mu* [metric units]")
        ax.set_title(m, fontsize=9)
        ax.legend(fontsize=8)
    fig.suptitle("sensitivity indices with bootstrap 95% intervals", fontsize=10)
    fig.tight_layout()
    return fig


def build_parser():
    p = argparse.ArgumentParser(
        prog="plot_sweep.py",
        description="Main-effect plots of a pactsim sweep file: each summary metric against "
                    "each swept parameter.",
        epilog="Exit status: 0 figure written; 2 not a sweep file or nothing to plot.")
    p.add_argument("file", help="sweep output file (pactsim sweep SPEC -o FILE)")
    p.add_argument("-o", "--outdir", required=True)
    p.add_argument("--metrics", help="summary metrics (default: those varying across points)")
    p.add_argument("--format", default="png", choices=["png", "pdf", "svg"])
    p.add_argument("--dpi", type=int, default=150)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.dpi <= 0:
        return error(PROG, f"--dpi must be positive (got {args.dpi})")
    try:
        run = open_run(args.file)
    except PactsimFileError as e:
        return error(PROG, str(e))
    with run:
        if not run.is_sweep or run.sweep is None:
            return error(PROG, f"{args.file}: no /sweep group: this is not a sweep file "
                               f"(plot a single run with plot_run.py)")
        if run.summary is None or not run.summary.data_vars:
            return error(PROG, f"{args.file}: no /sweep/summary metrics to plot")
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
        fig = fig_main_effects(run, metrics)
        if fig is None:
            return error(PROG, f"{args.file}: no metric with values to plot")
        paths = [save(fig, args.outdir, "sweep_main_effects", args.format, args.dpi)]
        for name, make in (("sweep_surface", lambda: fig_surface(run, metrics)),
                           ("sweep_distributions", lambda: fig_distributions(run, metrics)),
                           ("sweep_sensitivity", lambda: fig_sensitivity(args.file, metrics))):
            extra = make()
            if extra is not None:
                paths.append(save(extra, args.outdir, name, args.format, args.dpi))
    print("\n".join(paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())

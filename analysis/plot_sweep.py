#!/usr/bin/python3
"""Figures of a pactsim parameter sweep (`pactsim sweep SPEC -o FILE`; docs/analysis.md).

    plot_sweep.py FILE -o DIR [--metrics a,b] [--format png|pdf|svg] [--dpi N]

Writes sweep_main_effects: one panel per summary metric (rows) and swept
parameter (columns). Grey dots are single runs (point, replicate), coloured
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
from pactsim_io import PactsimFileError, open_run  # noqa: E402

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
        path = save(fig, args.outdir, "sweep_main_effects", args.format, args.dpi)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

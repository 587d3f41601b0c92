"""Figures and tables of a calibration's posterior (docs/analysis.md, docs/calibration.md).

    pactsim-plot-posterior POSTERIOR.h5 -o DIR [--params a,b,...] [--pairs a,b,...|all]
                           [--pairs-max K] [--width page|column] [--format png] [--dpi N]

Writes:
  posterior_summary.csv   per parameter: prior, weighted posterior mean, sd, 5/50/95 %
                          quantiles, sd ratio and shrinkage (1 - posterior sd / prior sd)
  posterior_summary.md    the same as a Markdown table (3 significant digits)
  posterior_marginals     per parameter: the prior's density, the weighted posterior
                          histogram, its median and 90 % interval
  posterior_pairs         pair plot of --pairs (default: the --pairs-max parameters the
                          data shrank most): weighted 2-D histograms below the diagonal,
                          marginals on it, weighted correlations above it
  posterior_generations   tolerance, acceptance rate and ESS per generation (if recorded)
Exit status 0 when written; 2 on a file that is not a posterior, an unknown parameter or bad
options.
"""
import argparse
import os
import sys

import numpy as np

from .common import (PRESETS, UsageError, add_output_args, error, label_outer_x, panel_figure,
                     parse_args, prepare_outdir, preset, save, shared_legend, split_list, wrap)
from ..io import PactsimFileError
from ..posterior import (SUMMARY_COLUMNS, as_posterior, column, open_posterior, prior_pdf,
                         summary_table, weighted_correlation)
from ..script import script
from ..tables import csv_text, markdown_text, write_text

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

PROG = "pactsim-plot-posterior"
POST_COLOR = "#0072B2"
PRIOR_COLOR = "#777777"
BINS = 30
MD_COLUMNS = ("parameter", "units", "prior", "range", "prior_sd", "mean", "sd", "q05", "q50",
              "q95", "shrinkage")


def _range(post, j):
    """The x range of parameter j: its prior's range, or the samples' if that is infinite."""
    lo, hi = post.prior_lower[j], post.prior_upper[j]
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        col = post.samples[:, j]
        lo, hi = float(col.min()), float(col.max())
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
    return float(lo), float(hi)


def _units(u):
    return "" if u in ("", "1") else f" [{u}]"


def fig_marginals(post, params=None, width="page"):
    """One panel per parameter: prior density, weighted posterior histogram, median, 90 %.

    post: a Posterior or the path of a posterior file; params: indices or names (paths,
    model.name or a unique name), None for every parameter."""
    post = as_posterior(post)
    params = list(range(len(post.names))) if params is None else \
        [column(post, j) for j in params]
    p = preset(width)
    rows = {r["parameter"]: r for r in summary_table(post)}
    figs = []
    per_page = p.ncols * p.max_rows
    for start in range(0, len(params), per_page):
        page = params[start:start + per_page]
        fig, axes, leg = panel_figure(len(page), width, legend_items=4, legend_chars=16,
                                      title_lines=2)
        for ax, j in zip(axes, page):
            lo, hi = _range(post, j)
            col = post.samples[:, j]
            edges = np.linspace(lo, hi, BINS + 1)
            dens, _ = np.histogram(col, bins=edges, weights=post.weights, density=True)
            bars = ax.stairs(dens, edges, fill=True, color=POST_COLOR, alpha=0.45)
            bars.set_gid("posterior")
            x = np.linspace(lo, hi, 400)
            (pl,) = ax.plot(x, prior_pdf(post, j, x), color=PRIOR_COLOR, linewidth=1.2)
            pl.set_gid("prior")
            r = rows[post.names[j]]
            span = ax.axvspan(r["q05"], r["q95"], color=POST_COLOR, alpha=0.12, linewidth=0)
            span.set_gid("interval90")
            ax.axvline(r["q50"], color=POST_COLOR, linewidth=1.4).set_gid("median")
            ax.set_xlim(lo, hi)
            ax.xaxis.set_major_locator(plt.MaxNLocator(4))
            ax.set_ylim(bottom=0)
            ax.set_title(wrap(post.short_names[j], p.width / min(len(page), p.ncols) - 0.3)
                         + f"\nshrinkage {r['shrinkage']:.2f}")
            ax.set_xlabel(wrap(post.names[j].rsplit(".", 1)[-1].replace("_", " ")
                               + _units(post.units[j]), p.width / p.ncols - 0.3))
            ax.set_yticks([])
        axes[0].set_ylabel("density")
        handles = [Patch(color=POST_COLOR, alpha=0.45, label="posterior (weighted)"),
                   Line2D([], [], color=PRIOR_COLOR, label="prior"),
                   Line2D([], [], color=POST_COLOR, linewidth=1.4, label="posterior median"),
                   Patch(color=POST_COLOR, alpha=0.12, label="90 % interval")]
        shared_legend(fig, leg, handles)
        fig.suptitle(wrap(f"{post.calibration or os.path.basename(post.path)}: posterior "
                          f"against prior ({post.samples.shape[0]} samples, ESS "
                          f"{post.ess:.0f})", p.width))
        figs.append(fig)
    return figs


def default_pairs(post, k):
    """The k parameters with the largest shrinkage, in the file's order."""
    post = as_posterior(post)
    shrink = np.array([r["shrinkage"] for r in summary_table(post)])
    best = np.argsort(-np.nan_to_num(shrink, nan=-np.inf), kind="stable")[:k]
    return sorted(int(j) for j in best)


#: Smallest panel of the pair plot (inches) at which its labels stay apart, and so the most
#: parameters it takes (the page width holds this many such panels).
PAIRS_MAX = 10
PAIRS_SIDE = (PRESETS["page"].width - 0.5) / PAIRS_MAX


def _pair_label(post, j, side):
    """'model.name' wrapped at words to a panel's side (inches) at 6 pt."""
    return wrap(post.short_names[j].replace("_", " ").replace(".", ": "), side, 6)


def fig_pairs(post, params, width="page"):
    """A K x K pair plot: weighted 2-D histograms (lower), marginals (diagonal), correlations
    (upper), every axis over the prior's range so that shrinkage shows as a small cloud.

    post: a Posterior or the path of a posterior file; params: indices or names, at most
    PAIRS_MAX (10; ValueError beyond: smaller panels could not keep their labels apart).
    Panels are at least PAIRS_SIDE (0.67 in): at --width column a plot of more than 4
    parameters is drawn at the page width."""
    post = as_posterior(post)
    params = [column(post, j) for j in params]
    p = preset(width)
    k = len(params)
    if k > PAIRS_MAX:
        raise ValueError(f"a pair plot of {k} parameters would be unreadable (panels under "
                         f"{PAIRS_SIDE:.2f} in, labels overlapping): at most {PAIRS_MAX}; choose "
                         f"them (pactsim-plot-posterior --pairs a,b,...) or take the most "
                         f"shrunk (--pairs-max K)")
    # At least PAIRS_SIDE inches a panel: a column-wide plot of more parameters than that
    # allows is drawn at the page width (PAIRS_MAX panels of PAIRS_SIDE fill it).
    fig_w = p.width if (p.width - 0.5) / k >= PAIRS_SIDE - 1e-9 else PRESETS["page"].width
    side = (fig_w - 0.5) / k
    fig, axs = plt.subplots(k, k, figsize=(fig_w, side * k + 0.5), squeeze=False,
                            layout="constrained")
    w = post.weights
    for a, ja in enumerate(params):
        for b, jb in enumerate(params):
            ax = axs[a, b]
            xlo, xhi = _range(post, jb)
            ylo, yhi = _range(post, ja)
            if a == b:
                edges = np.linspace(xlo, xhi, BINS + 1)
                dens, _ = np.histogram(post.samples[:, ja], bins=edges, weights=w, density=True)
                ax.stairs(dens, edges, fill=True, color=POST_COLOR, alpha=0.5).set_gid("marginal")
                x = np.linspace(xlo, xhi, 200)
                ax.plot(x, prior_pdf(post, ja, x), color=PRIOR_COLOR, linewidth=1)
                ax.set_xlim(xlo, xhi)
                ax.set_ylim(bottom=0)
                ax.set_yticks([])
                ax.grid(False)
            elif a > b:
                ax.grid(False)
                h, xe, ye = np.histogram2d(post.samples[:, jb], post.samples[:, ja], bins=20,
                                           range=[[xlo, xhi], [ylo, yhi]], weights=w)
                mesh = ax.pcolormesh(xe, ye, np.ma.masked_equal(h.T, 0), cmap="Blues",
                                     shading="flat")
                mesh.set_gid("hist2d")
                ax.set_xlim(xlo, xhi)
                ax.set_ylim(ylo, yhi)
            else:
                rho = weighted_correlation(post.samples[:, jb], post.samples[:, ja], w)
                t = ax.text(0.5, 0.5, f"\u03c1 = {rho:.2f}", ha="center", va="center",
                            transform=ax.transAxes, fontsize=7,
                            color="black" if abs(rho) < 0.5 else "#B2182B")
                t.set_gid("corr")
                ax.axis("off")
                continue
            if a < k - 1:
                ax.set_xticklabels([])
            else:
                ax.set_xlabel(_pair_label(post, jb, side), fontsize=6)
                ax.tick_params(axis="x", labelsize=5, labelrotation=45)
            if b > 0 or a == 0:
                if a != b:
                    ax.set_yticklabels([])
            else:
                ax.set_ylabel(_pair_label(post, ja, side), fontsize=6)
                ax.tick_params(axis="y", labelsize=5)
            ax.xaxis.set_major_locator(plt.MaxNLocator(3))
            if a != b:
                ax.yaxis.set_major_locator(plt.MaxNLocator(3))
    fig.suptitle(wrap(f"{post.calibration or os.path.basename(post.path)}: posterior pairs "
                      f"(weighted; axes span the prior ranges)", p.width))
    return [fig]


def fig_generations(post, width="page"):
    """Tolerance, acceptance rate and ESS per generation of the ABC-SMC run."""
    post = as_posterior(post)
    keys = [(k, lab) for k, lab in (("tolerance", "tolerance (distance)"),
                                    ("acceptance_rate", "acceptance rate"),
                                    ("ess", "ESS of the kept weights"))
            if k in post.generations and post.generations[k].size]
    if not keys:
        return []
    p = preset(width)
    fig, axes, _ = panel_figure(len(keys), width, title_lines=1)
    for ax, (k, lab) in zip(axes, keys):
        y = post.generations[k]
        ax.plot(np.arange(y.size), y, marker="o", markersize=2.5, color=POST_COLOR)
        ax.set_title(lab)
        ax.set_ylim(bottom=0)
    label_outer_x(axes, min(len(keys), p.ncols), "generation")
    fig.suptitle(wrap(f"{post.calibration or os.path.basename(post.path)}: ABC-SMC "
                      f"diagnostics per generation", p.width))
    return [fig]


def _pick(post, names):
    try:
        return [post.index(n) for n in names]
    except KeyError as e:
        raise UsageError(e.args[0]) from None


def write_tables(post, outdir):
    """posterior_summary.csv and .md; returns their paths."""
    rows = summary_table(post)
    for r, short in zip(rows, post.short_names):
        r["short"] = short
        r["range"] = f"[{r['prior_lower']:.3g}, {r['prior_upper']:.3g}]"
    md_rows = [dict(r, parameter=r["short"]) for r in rows]
    return [write_text(os.path.join(outdir, "posterior_summary.csv"),
                       csv_text(rows, SUMMARY_COLUMNS, digits=17)),
            write_text(os.path.join(outdir, "posterior_summary.md"),
                       markdown_text(md_rows, MD_COLUMNS, digits=3))]


def build_parser():
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Posterior of `pactsim calibrate`: summary table (mean, sd, 5/50/95 %, "
                    "shrinkage of the sd from prior to posterior), marginals against priors, "
                    "pair plot, per-generation diagnostics.",
        epilog="Exit status: 0 written; 2 not a posterior file, unknown parameter, bad "
               "options. See docs/analysis.md.")
    p.add_argument("file", help="posterior file (pactsim calibrate SPEC -o FILE)")
    p.add_argument("-o", "--outdir", required=True, help="directory for figures and tables")
    add_output_args(p)
    p.add_argument("--params", help="parameters of the marginals figure (paths, model.name or "
                                    "name; default all)")
    p.add_argument("--pairs", help="parameters of the pair plot, or 'all' (at most 10; "
                                   "default: the --pairs-max with the largest shrinkage)")
    p.add_argument("--pairs-max", type=int, default=5,
                   help="size of the default pair plot (5)")
    return p


@script(PROG)
def main(argv=None):
    args = parse_args(build_parser(), argv)
    if not 2 <= args.pairs_max <= PAIRS_MAX:
        return error(PROG, f"--pairs-max must be 2 to {PAIRS_MAX} (got {args.pairs_max}; a "
                           f"larger pair plot would be unreadable)")
    try:
        post = open_posterior(args.file)
        params = _pick(post, split_list(args.params)) if args.params else \
            list(range(len(post.names)))
        if args.pairs == "all":
            pairs = list(range(len(post.names)))
        elif args.pairs:
            pairs = _pick(post, split_list(args.pairs))
        else:
            pairs = default_pairs(post, args.pairs_max)
        if len(pairs) < 2:
            raise UsageError("the pair plot needs at least two parameters")
        if len(pairs) > PAIRS_MAX:
            raise UsageError(f"--pairs {args.pairs}: a pair plot of {len(pairs)} parameters "
                             f"would be unreadable; it takes at most {PAIRS_MAX}: name them "
                             f"(--pairs a,b,...) or take the most shrunk (--pairs-max K)")
        prepare_outdir(args.outdir)
    except (PactsimFileError, UsageError) as e:
        return error(PROG, str(e))
    written = write_tables(post, args.outdir)
    written += save(fig_marginals(post, params, args.width), args.outdir,
                    "posterior_marginals", args.format, args.dpi)
    written += save(fig_pairs(post, pairs, args.width), args.outdir, "posterior_pairs",
                    args.format, args.dpi)
    gens = fig_generations(post, args.width)
    if gens:
        written += save(gens, args.outdir, "posterior_generations", args.format, args.dpi)
    print("\n".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())

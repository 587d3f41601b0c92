"""Figures of a scenario discovery (pactsim-discover -o DIR): the PRIM trade-off and box."""

import numpy as np

from . import style
from .common import panel_figure, prepare_outdir, preset, save, wrap

import matplotlib.pyplot as plt  # noqa: E402


def fig_tradeoff(res, what, width="page"):
    """Coverage against density along the peeling trajectory, coloured by restricted dims."""
    p = preset(width)
    st = res.stats()
    fig, (ax,), _ = panel_figure(1, width, panel_h=min(3.2, p.width * 0.55), title_lines=2,
                                 panel_w=min(p.width, 4.6))
    sc = ax.scatter(st["coverage"], st["density"], c=st["restricted_dims"], cmap="viridis",
                    s=14, zorder=2)
    ax.plot(st["coverage"], st["density"], color="#bbbbbb", lw=0.8, zorder=1)
    b = res.box
    ax.scatter([b.coverage], [b.density], s=60, facecolors="none", edgecolors="#D55E00",
               lw=1.4, zorder=3, label=f"chosen box {res.chosen}, pasted")
    ax.set_xlabel("coverage [dimensionless]")
    ax.set_ylabel("density [dimensionless]")
    ax.legend(loc="lower left")
    cb = fig.colorbar(sc, ax=ax)
    cb.set_label("restricted dimensions")
    fig.suptitle(wrap(f"PRIM peeling trajectory: {what}", p.width))
    return [fig]


def fig_box(res, what, width="page"):
    """The chosen box's limits on each restricted input, scaled to the input's data range."""
    b = res.box
    dims = b.restricted or list(range(len(b.lo)))
    p = preset(width)
    fig, (ax,), _ = panel_figure(1, width, panel_h=0.6 + 0.32 * len(dims), title_lines=2)
    span = np.where(b.data_hi > b.data_lo, b.data_hi - b.data_lo, 1.0)
    for k, j in enumerate(dims):
        lo = (b.lo[j] - b.data_lo[j]) / span[j]
        hi = (b.hi[j] - b.data_lo[j]) / span[j]
        ax.plot([0, 1], [k, k], color="#dddddd", lw=6, solid_capstyle="butt")
        ax.plot([lo, hi], [k, k], color=style.scenario_color(0), lw=6, solid_capstyle="butt")
        ax.text(lo, k - 0.3, f"{b.lo[j]:.3g}", ha="center", va="bottom", fontsize=6)
        ax.text(hi, k - 0.3, f"{b.hi[j]:.3g}", ha="center", va="bottom", fontsize=6)
    ax.set_yticks(range(len(dims)), [b.names[j].split(".")[-1] for j in dims])
    ax.set_ylim(len(dims) - 0.4, -0.8)
    ax.set_xlim(-0.05, 1.05)
    ax.set_xlabel("limit within the swept range (0 = lowest value, 1 = highest)")
    ax.grid(False, axis="y")
    fig.suptitle(wrap(f"PRIM box for {what}: coverage {b.coverage:.2f}, density "
                      f"{b.density:.2f}, mass {b.mass:.2f}", p.width))
    return [fig]


def fig_scores(scores, what, width="page"):
    """Feature scores as horizontal bars, largest on top."""
    names = list(scores)
    p = preset(width)
    fig, (ax,), _ = panel_figure(1, width, panel_h=0.5 + 0.22 * len(names), title_lines=2)
    ax.barh(range(len(names)), [scores[n] for n in names], color=style.scenario_color(0))
    ax.set_yticks(range(len(names)), [n.split(".")[-1] for n in names])
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_xlabel("feature score (extra-trees impurity decrease, sum 1)")
    fig.suptitle(wrap(f"feature scores: {what}", p.width))
    return [fig]


def write_figures(res, scores, outdir, what, width="page", fmt="png", dpi=150):
    """discovery_tradeoff, discovery_box and discovery_scores in outdir; returns the paths."""
    prepare_outdir(outdir)
    paths = []
    for name, figs in (("discovery_tradeoff", fig_tradeoff(res, what, width)),
                       ("discovery_box", fig_box(res, what, width)),
                       ("discovery_scores", fig_scores(scores, what, width))):
        paths += save(figs, outdir, name, fmt, dpi)
    plt.close("all")
    return paths


__all__ = ["fig_tradeoff", "fig_box", "fig_scores", "write_figures"]

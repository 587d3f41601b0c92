"""Figures of one pactsim run (docs/analysis.md).

    pactsim-plot-run FILE -o DIR [--width page|column] [--format png|pdf|svg] [--dpi N]
                     [--dates 2022-01,2022-07,2024-01] [--actors RUS,IRN,...]
                     [--vars gdp_growth,...] [--pair RUS,IRN] [--top K] [--replicate R]

Writes, as far as the file has the variables:
  actor_series      actor time series: median and 5-95 % band over replicates
  cooperation_heatmap   median cooperation source x target at chosen dates
  cooperation_network   strongest cooperation ties at chosen dates
  rus_irn_dashboard     cooperation, trust, arms IRN->RUS, finance RUS->IRN
  event_timeline        events of replicate 0 by type
Panels whose variables are missing are skipped with a note on stderr. Exit
status 0 when at least one figure was written, 2 when the file is not a
pactsim file or has nothing the figures need (or on bad options).
Every fig_* function takes the run as a path or an open Run and returns a list of
figures (the pages; empty when skipped, with a note on stderr: a variable the file
lacks, or a sweep file given for a run).
"""
import argparse
import sys

import numpy as np

from . import style
from .common import (MAX_ACTORS, UsageError, add_output_args, error, label_outer_x, nanmedian,
                     note, panel_figure, panel_pages, parse_pair, pick_actors, pick_dates,
                     plot_band, prepare_outdir, preset, save, shared_legend, split_list, wrap,
                     parse_args, as_dates, replicates_text, wrong_file)
from ..io import PactsimFileError, events, incomplete_note, open_run, takes_run
from ..script import script

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

PROG = "pactsim-plot-run"
SERIES_VARS = ["gdp_growth", "sanction_pressure", "military_strain", "oil_export_revenue"]
ARMS = ["drones", "munitions", "air_defense", "aircraft"]
XLABEL = "month (end-of-month state)"


def _span(run):
    t = run.time
    return (t[0], t[-1]) if len(t) else (None, None)


def _band_label(run):
    """The bands' subtitle, counting the replicates with data (a failed run's replicates
    that never ran are NaN and not in the bands)."""
    if not run.replicates:
        return "median and 5-95 % band"
    return f"median and 5-95 % band over {replicates_text(run)}"


# ------------------------------------------------------------ (a) actor series
@takes_run
def fig_actor_series(run, actors, variables=None, prog=PROG, width="page"):
    """One panel per actor variable, one median line (and band) per actor; pages of panels."""
    if wrong_file(prog, "actor_series", run):
        return []
    variables = variables or SERIES_VARS
    ds = run.actor_state
    if ds is None:
        note(prog, "actor_series: the file has no /actor_state; figure skipped")
        return []
    present = []
    for v in variables:
        if v in ds.data_vars:
            present.append(v)
        else:
            note(prog, f"actor_series: no actor_state/{v} in the file; panel skipped")
    if not present:
        note(prog, "actor_series: none of the variables is in the file; figure skipped")
        return []
    p = preset(width)
    ncols = min(2, p.ncols)
    x = ds["time"].values
    handles = [Line2D([], [], color=style.actor_color(a), lw=2, label=a) for a in actors]
    figs, start = [], 0
    for count in panel_pages(len(present), width, ncols=ncols):
        names = present[start:start + count]
        start += count
        fig, axes, leg = panel_figure(len(names), width, ncols=ncols, panel_h=p.panel_h + 0.3,
                                      legend_items=len(actors), legend_chars=4,
                                      legend_ncol=min(len(actors), 8 if p.width > 5 else 4),
                                      title_lines=2)
        for ax, v in zip(axes, names):
            da = ds[v].sel(actor=actors).transpose("replicate", "time", "actor")
            values = np.asarray(da.values, dtype=float)
            factor, units = style.scaled(da.attrs.get("units"), values)
            for i, a in enumerate(actors):
                plot_band(ax, x, values[:, :, i], style.actor_color(a), a, scale=factor,
                          alpha=style.BAND_ALPHA * (1 if len(actors) <= 4 else 0.6))
            ax.set_ylabel(style.axis_label(v, units))
            desc = da.attrs.get("description", "")
            ax.set_title(wrap(f"{v}: {desc}".rstrip(": "), p.width / len(axes[:ncols]) - 0.3),
                         loc="left")
            style.date_axis(ax, x[0], x[-1])
        label_outer_x(axes, ncols, XLABEL)
        shared_legend(fig, leg, handles)
        fig.suptitle(wrap(f"{run.scenario}: actor state, {_band_label(run)}", p.width))
        figs.append(fig)
    return figs


# ------------------------------------------------------------ dyad helpers
def _dyad_median(run, var, t_index, actors):
    da = run.dyad_state[var].sel(source=actors, target=actors).isel(time=t_index)
    da = da.transpose("replicate", "source", "target")
    return nanmedian(da.values, axis=0), da.attrs.get("units", "1")


def _need_dyad(run, var, figure, prog):
    if run.dyad_state is None:
        note(prog, f"{figure}: the file has no /dyad_state; figure skipped")
        return False
    if var not in run.dyad_state.data_vars:
        note(prog, f"{figure}: no dyad_state/{var} in the file; figure skipped")
        return False
    return True


def _square_panels(n, width):
    """Columns and panel size of n square panels (matrices, networks)."""
    p = preset(width)
    ncols = min(n, p.ncols)
    return ncols, min(2.6, (p.width - 0.9) / ncols)


# ------------------------------------------------------------ (b) heatmap
@takes_run
def fig_cooperation_heatmap(run, actors, dates=None, prog=PROG, width="page"):
    """Median cooperation, source (rows) x target (columns), one panel per date.

    dates: the months shown, as "YYYY-MM" strings (e.g. ["2022-01", "2024-12"]) or
    numpy datetime64 values (or the (index, label) pairs of common.pick_dates); None:
    the first, middle and last record. A month the run lacks is skipped with a note."""
    if wrong_file(prog, "cooperation_heatmap", run):
        return []
    dates = as_dates(prog, "cooperation_heatmap", dates, run.dates)
    if not _need_dyad(run, "cooperation", "cooperation_heatmap", prog) or not dates:
        if not dates:
            note(prog, "cooperation_heatmap: no date to show; figure skipped")
        return []
    mats = []
    units = "1"
    for t, _ in dates:
        m, units = _dyad_median(run, "cooperation", t, actors)
        np.fill_diagonal(m, np.nan)  # an actor's tie with itself is not shown
        mats.append(m)
    finite = np.concatenate([m[np.isfinite(m)] for m in mats]) if mats else np.array([])
    vmin = min(0.0, float(finite.min())) if finite.size else 0.0
    vmax = float(finite.max()) if finite.size else 1.0
    if vmax <= vmin:
        vmax = vmin + 1.0
    n = len(actors)
    ncols, size = _square_panels(len(dates), width)
    cell = (size - 0.5) / max(n, 1)  # inches per cell, less the tick labels
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("#dddddd")
    figs, start = [], 0
    for count in panel_pages(len(dates), width, ncols=ncols):
        page = list(range(start, start + count))
        start += count
        fig, axes, _ = panel_figure(count, width, ncols=ncols, panel_h=size,
                                    panel_w=size + 0.3, title_lines=2)
        im = None
        for ax, k in zip(axes, page):
            m, label = mats[k], dates[k][1]
            im = ax.imshow(np.ma.masked_invalid(m), cmap=cmap, vmin=vmin, vmax=vmax,
                           interpolation="nearest")
            ax.set_xticks(range(n), actors, rotation=90, fontsize=6)
            ax.set_yticks(range(n), actors, fontsize=6)
            ax.set_xlabel("target")
            ax.set_ylabel("source")
            ax.set_title(f"end of {label}")
            ax.grid(False)
            if cell >= 0.2:  # values only where they fit in their cell
                mid = (vmin + vmax) / 2
                fs = min(6.0, cell * 72 / 3.2)
                for i in range(n):
                    for j in range(n):
                        if np.isfinite(m[i, j]):
                            ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center",
                                    fontsize=fs, color="white" if m[i, j] < mid else "black")
        cbar = fig.colorbar(im, ax=axes, shrink=0.8)
        cbar.set_label(style.axis_label("cooperation", units) + ", median")
        fig.suptitle(wrap(f"{run.scenario}: cooperation source \u2192 target (median over "
                          f"replicates; diagonal not shown)", preset(width).width))
        figs.append(fig)
    return figs


# ------------------------------------------------------------ (c) network
def strongest_ties(m, top):
    """Undirected ties (i, j, strength) with strength = mean of both directions, top k."""
    n = m.shape[0]
    ties = []
    for i in range(n):
        for j in range(i + 1, n):
            s = np.nanmean([m[i, j], m[j, i]]) if np.isfinite([m[i, j], m[j, i]]).any() \
                else np.nan
            if np.isfinite(s) and s > 0:
                ties.append((i, j, float(s)))
    ties.sort(key=lambda e: -e[2])
    return ties[:top]


@takes_run
def fig_cooperation_network(run, actors, dates=None, top=None, prog=PROG, width="page"):
    """Circle layout; edges = the `top` strongest ties, width proportional to strength.

    dates as fig_cooperation_heatmap's: "YYYY-MM" strings or datetime64 values (None:
    first, middle, last record); a month the run lacks is skipped with a note."""
    if wrong_file(prog, "cooperation_network", run):
        return []
    dates = as_dates(prog, "cooperation_network", dates, run.dates)
    if not _need_dyad(run, "cooperation", "cooperation_network", prog) or not dates:
        if not dates:
            note(prog, "cooperation_network: no date to show; figure skipped")
        return []
    n = len(actors)
    top = top if top is not None else max(n, 3)
    per_date = []
    units = "1"
    for t, label in dates:
        m, units = _dyad_median(run, "cooperation", t, actors)
        per_date.append((label, strongest_ties(m, top)))
    smax = max([s for _, ties in per_date for _, _, s in ties] or [1.0])
    angle = np.pi / 2 - 2 * np.pi * np.arange(n) / max(n, 1)
    pos = np.column_stack([np.cos(angle), np.sin(angle)])
    ncols, size = _square_panels(len(dates), width)
    wmax = 6.0
    ref = [smax, smax / 2]
    handles = [Line2D([], [], color="#555555", alpha=0.65, lw=wmax * r / smax,
                      label=f"{r:.2f}") for r in ref]
    figs, start = [], 0
    for count in panel_pages(len(dates), width, ncols=ncols):
        page = per_date[start:start + count]
        start += count
        fig, axes, leg = panel_figure(count, width, ncols=ncols, panel_h=size, legend_items=2, legend_chars=5,
                                      legend_ncol=2, title_lines=2)
        for ax, (label, ties) in zip(axes, page):
            segs = [(pos[i], pos[j]) for i, j, _ in ties]
            widths = [wmax * s / smax for _, _, s in ties]
            lc = LineCollection(segs, linewidths=widths, colors="#555555", alpha=0.65,
                                capstyle="round", zorder=1)
            lc.set_gid("cooperation_edges")
            ax.add_collection(lc)
            ax.scatter(pos[:, 0], pos[:, 1], s=120, c=[style.actor_color(a) for a in actors],
                       edgecolors="white", linewidths=1.0, zorder=2)
            for (px, py), a in zip(pos, actors):
                ax.text(1.36 * px, 1.3 * py, a, ha="center", va="center", fontsize=7,
                        color=style.actor_color(a), fontweight="bold")
            ax.set_xlim(-1.6, 1.6)
            ax.set_ylim(-1.5, 1.5)
            ax.set_aspect("equal")
            ax.axis("off")
            ax.set_title(f"end of {label}: {len(ties)} strongest ties")
        shared_legend(fig, leg, handles, title="tie strength = mean cooperation of both "
                      f"directions [{'dimensionless' if units == '1' else units}]")
        fig.suptitle(wrap(f"{run.scenario}: strongest cooperation ties (median over "
                          f"replicates)", preset(width).width))
        figs.append(fig)
    return figs


# ------------------------------------------------------------ (d) dashboard
@takes_run
def fig_pair_dashboard(run, pair=("RUS", "IRN"), prog=PROG, width="page"):
    """Cooperation, trust (both directions), arms b->a by category, finance a->b."""
    a, b = pair
    name = f"{a.lower()}_{b.lower()}_dashboard"
    if wrong_file(prog, name, run):
        return []
    if run.dyad_state is None:
        note(prog, f"{name}: the file has no /dyad_state; figure skipped")
        return []
    ds = run.dyad_state
    labels = [str(s) for s in ds["source"].values]
    for c in pair:
        if c not in labels:
            note(prog, f"{name}: actor {c} is not in the file; figure skipped")
            return []
    x = ds["time"].values

    def series(var, src, dst):
        return np.asarray(ds[var].sel(source=src, target=dst)
                          .transpose("replicate", "time").values, dtype=float)

    panels = []  # (title, [(var, src, dst, label, color, linestyle)])
    for var in ("cooperation", "trust"):
        if var in ds.data_vars:
            panels.append((f"{var}", [(var, a, b, f"{a}\u2192{b}", style.actor_color(a), "-"),
                                      (var, b, a, f"{b}\u2192{a}", style.actor_color(b), "--")]))
        else:
            note(prog, f"{name}: no dyad_state/{var} in the file; panel skipped")
    # Arms b -> a, one panel per unit so categories sharing a unit share an axis.
    by_unit = {}
    for cat in ARMS:
        var = f"arms_transfer_{cat}"
        if var in ds.data_vars:
            by_unit.setdefault(ds[var].attrs.get("units", "1"), []).append(cat)
        else:
            note(prog, f"{name}: no dyad_state/{var} in the file; arms category skipped")
    for unit, cats in by_unit.items():
        panels.append((f"arms {b}\u2192{a}: {', '.join(c.replace('_', ' ') for c in cats)}",
                       [(f"arms_transfer_{c}", b, a, c.replace("_", " "), style.ARMS_COLORS[c],
                         "-") for c in cats]))
    fin = [v for v in ("finance_promised", "finance_delivered") if v in ds.data_vars]
    for v in ("finance_promised", "finance_delivered"):
        if v not in fin:
            note(prog, f"{name}: no dyad_state/{v} in the file; finance line skipped")
    if fin:
        panels.append((f"finance {a}\u2192{b}: promised vs delivered",
                       [(v, a, b, v.split("_")[1], "#0072B2" if v.endswith("promised")
                         else "#D55E00", "--" if v.endswith("promised") else "-")
                        for v in fin]))
    if not panels:
        note(prog, f"{name}: none of its variables is in the file; figure skipped")
        return []
    p = preset(width)
    figs, start = [], 0
    for count in panel_pages(len(panels), width):
        page = panels[start:start + count]
        start += count
        fig, axes, _ = panel_figure(count, width, title_lines=2)
        for ax, (title, lines) in zip(axes, page):
            allv = [series(v, s, d) for v, s, d, *_ in lines]
            units = ds[lines[0][0]].attrs.get("units", "1")
            factor, ulabel = style.scaled(units)
            for vals, (v, s, d, label, color, ls) in zip(allv, lines):
                plot_band(ax, x, vals, color, label, scale=factor, linestyle=ls)
            quantity = lines[0][0] if len(lines) == 1 or lines[0][0] == lines[1][0] else \
                ("finance" if lines[0][0].startswith("finance") else "arms transfer")
            if quantity.startswith("arms_transfer_"):
                quantity = "arms transfer"
            ax.set_ylabel(style.axis_label(quantity, ulabel))
            ax.set_title(wrap(title, p.width / min(count, p.ncols) - 0.3))
            ax.legend(loc="best", fontsize=6, handlelength=1.5)
            style.date_axis(ax, x[0], x[-1], maxticks=4)
        label_outer_x(axes, min(count, p.ncols), XLABEL)
        fig.suptitle(wrap(f"{run.scenario}: {run.actor_names.get(a, a)} \u2013 "
                          f"{run.actor_names.get(b, b)}, {_band_label(run)}", p.width))
        figs.append(fig)
    return figs


# ------------------------------------------------------------ (e) events
@takes_run
def fig_event_timeline(run, replicate=0, prog=PROG, width="page"):
    """Events of one replicate: one row per type, dates on x, colour = source actor."""
    if wrong_file(prog, "event_timeline", run):
        return []
    if not run.has_events():
        note(prog, "event_timeline: the file has no /events; figure skipped")
        return []
    try:
        ev = events(run.path, replicate=replicate)
    except ValueError as e:  # no such replicate
        note(prog, f"event_timeline: {e}; figure skipped")
        return []
    if len(ev) == 0:
        note(prog, f"event_timeline: no events in replicate {replicate}; figure skipped")
        return []
    types = sorted(set(ev["type"]))
    sources = sorted({s for s in ev["source"]}, key=lambda s: (s == "", s))
    p = preset(width)
    fig, (ax,), leg = panel_figure(1, width, panel_h=0.6 + 0.22 * len(types),
                                   legend_items=len(sources), legend_chars=10,
                                   legend_ncol=min(len(sources), 8 if p.width > 5 else 4),
                                   title_lines=2)
    # Events of the same type and month are spread over their row, centred on it.
    count, seen = {}, {}
    for e in ev:
        count[(e["type"], e["month"])] = count.get((e["type"], e["month"]), 0) + 1
    ys = np.empty(len(ev))
    for k, e in enumerate(ev):
        key = (e["type"], e["month"])
        n, i = count[key], seen.get(key, 0)
        step = min(0.15, 0.8 / n)
        ys[k] = types.index(e["type"]) + (i - (n - 1) / 2) * step
        seen[key] = i + 1
    sizes = np.full(len(ev), 30.0)
    for t in types:
        sel = ev["type"] == t
        mags = np.abs(ev["magnitude"][sel])
        if np.isfinite(mags).any() and np.nanmax(mags) > 0:
            sizes[sel] = 10 + 60 * np.nan_to_num(mags) / np.nanmax(mags)
    colors = [style.actor_color(s) if s else "#999999" for s in ev["source"]]
    sc = ax.scatter(ev["time"], ys, s=sizes, c=colors, edgecolors="black", linewidths=0.4,
                    alpha=0.85, zorder=2)
    sc.set_gid("events")
    ax.set_yticks(range(len(types)), [t.replace("_", " ") for t in types])
    ax.set_ylim(len(types) - 0.4, -0.6)  # first type on top
    ax.set_xlabel("month the event acts in")
    ax.set_ylabel("event type")
    start, end = _span(run)
    if start is None:
        start, end = ev["time"].min(), ev["time"].max()
    style.date_axis(ax, start - np.timedelta64(31, "D"), end + np.timedelta64(45, "D"),
                    maxticks=8 if p.width > 5 else 4)
    handles = [Line2D([], [], marker="o", ls="", color=style.actor_color(s) if s else "#999999",
                      markeredgecolor="black", markeredgewidth=0.4, label=s or "world/none")
               for s in sources]
    shared_legend(fig, leg, handles, title="source")
    fig.suptitle(wrap(f"{run.scenario}: events of replicate {replicate} ({len(ev)}); marker "
                      f"size = magnitude relative to the largest of its type", p.width))
    return [fig]


# ------------------------------------------------------------ CLI
def build_parser():
    p = argparse.ArgumentParser(
        prog="pactsim-plot-run",
        description="Figures of one pactsim run: actor time series, cooperation heatmap and "
                    "network, a pair dashboard (default Russia-Iran) and the event timeline. "
                    "Panels whose variables the file lacks are skipped with a note.",
        epilog="Exit status: 0 at least one figure written; 2 not a pactsim file, nothing to "
               "plot, or bad options. See docs/analysis.md.")
    p.add_argument("file", help="pactsim output file (pactsim run ... -o FILE)")
    p.add_argument("-o", "--outdir", required=True, help="directory for the figures")
    add_output_args(p)
    p.add_argument("--dates", help="months for the heatmap and network, e.g. "
                                   "2022-01,2022-07,2024-01 (default: first, middle, last)")
    p.add_argument("--actors", help=f"ISO3 codes to show, e.g. RUS,IRN,CHN (default: the "
                                    f"--pair actors, then the file's, at most {MAX_ACTORS})")
    p.add_argument("--vars", help="actor_state variables of the time series (default: "
                                  + ",".join(SERIES_VARS) + ")")
    p.add_argument("--pair", default="RUS,IRN", help="the dashboard's pair A,B: cooperation "
                   "and trust both ways, arms B->A, finance A->B (default RUS,IRN)")
    p.add_argument("--top", type=int, default=None,
                   help="ties drawn in the network (default: number of actors)")
    p.add_argument("--replicate", type=int, default=0, help="replicate of the event timeline")
    return p


@script(PROG)
def main(argv=None):
    args = parse_args(build_parser(), argv)
    if args.top is not None and args.top < 1:
        return error(PROG, f"--top must be at least 1 (got {args.top})")
    try:
        pair = parse_pair(args.pair)
        run = open_run(args.file)
    except (PactsimFileError, UsageError) as e:
        return error(PROG, str(e))
    written = []
    w = args.width
    with run:
        if run.is_sweep:
            return error(PROG, f"{args.file} is a sweep file; use pactsim-plot-sweep")
        if incomplete_note(run):
            note(PROG, incomplete_note(run))
        if args.replicate < 0 or 0 < run.replicates <= args.replicate:
            return error(PROG, f"--replicate {args.replicate}: {args.file} has replicates 0 to "
                               f"{run.replicates - 1}")
        try:
            actors = pick_actors(PROG, split_list(args.actors), run.actors, first=pair)
            prepare_outdir(args.outdir)
        except UsageError as e:
            return error(PROG, str(e))
        dates = pick_dates(PROG, split_list(args.dates), run.dates)
        if split_list(args.dates) and not dates:
            note(PROG, "none of the --dates is in the run")
        jobs = [
            ("actor_series", lambda: fig_actor_series(run, actors, split_list(args.vars),
                                                      width=w)),
            ("cooperation_heatmap", lambda: fig_cooperation_heatmap(run, actors, dates,
                                                                    width=w)),
            ("cooperation_network", lambda: fig_cooperation_network(run, actors, dates,
                                                                    args.top, width=w)),
            (f"{pair[0].lower()}_{pair[1].lower()}_dashboard",
             lambda: fig_pair_dashboard(run, pair, width=w)),
            ("event_timeline", lambda: fig_event_timeline(run, args.replicate, width=w)),
        ]
        for name, make in jobs:
            figs = make()
            if figs:
                written += save(figs, args.outdir, name, args.format, args.dpi)
    if not written:
        return error(PROG, f"{args.file}: nothing to plot: the file has none of the variables "
                           f"or events these figures need (actor_state "
                           f"{'/'.join(SERIES_VARS)}, dyad_state cooperation/trust/arms/finance,"
                           f" events)")
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

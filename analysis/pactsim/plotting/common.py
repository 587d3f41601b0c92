"""Helpers shared by the plotting scripts: notes, list options, bands, layout, saving.

Layout: every figure is a set of small multiples wrapped into a grid of at
most `ncols` columns and `max_rows` rows at a fixed width (the `--width`
presets: a journal column, 3.5 in, or a page, 7.2 in), so that at 150 dpi no
figure exceeds ~1,100 px wide and ~1,600 px tall; more panels go to further
pages (name_p1.png, name_p2.png, ...). Legends have their own row on top.
"""
import math
import os
import sys
import textwrap
import warnings
from collections import namedtuple

import numpy as np

from . import style

style.apply_rc()
import matplotlib.pyplot as plt  # noqa: E402

#: Figure width presets: width (in), columns of panels, panel height (in), rows per page.
Preset = namedtuple("Preset", "width ncols panel_h max_rows")
PRESETS = {"page": Preset(7.2, 3, 2.0, 4), "column": Preset(3.5, 1, 1.9, 4)}
#: At most this many actors per figure unless --actors names more.
MAX_ACTORS = 8


class UsageError(Exception):
    """Bad input the user can fix (exit code 2)."""


def use_agg():
    """The scripts draw to files only: the Agg backend, whatever the display."""
    plt.switch_backend("Agg")


def add_output_args(p):
    """--width, --format and --dpi, the same in every plotting script."""
    p.add_argument("--width", choices=sorted(PRESETS), default="page",
                   help="figure width: page (7.2 in, default) or column (3.5 in); panels "
                        "wrap into rows and pages at that width")
    p.add_argument("--format", default="png", choices=["png", "pdf", "svg"])
    p.add_argument("--dpi", type=int, default=150, help="resolution of raster output (150)")


def parse_args(parser, argv):
    """The scripts' start: the Agg backend, the options, --dpi checked (exit 2 if not > 0)."""
    use_agg()
    args = parser.parse_args(argv)
    if args.dpi <= 0:
        parser.error(f"--dpi must be positive (got {args.dpi})")
    return args


def note(prog, message):
    """A one-line note on stderr (a skipped panel or figure)."""
    print(f"{prog}: note: {message}", file=sys.stderr)


def error(prog, message):
    print(f"{prog}: error: {message}", file=sys.stderr)
    return 2


def wrong_file(prog, figure, run, sweep=False):
    """True, after a note, when `run` is the wrong kind of file for a figure: a sweep file
    for a figure of one run (sweep=False), or a run file for a figure of a sweep
    (sweep=True). The fig_* functions then return no figure, as for a missing variable."""
    is_sweep = bool(getattr(run, "is_sweep", False)) and getattr(run, "sweep", None) is not None
    if is_sweep == sweep:
        return False
    if sweep:
        note(prog, f"{figure}: {run.path} is a run file, not a sweep file (pactsim sweep SPEC "
                   f"-o FILE; pactsim-plot-run draws runs); figure skipped")
    else:
        note(prog, f"{figure}: {run.path} is a sweep file, not a run file (pactsim run ... "
                   f"-o FILE; pactsim-plot-sweep draws sweeps); figure skipped")
    return True


def as_dates(prog, figure, dates, available):
    """(index, "YYYY-MM") pairs of the months `dates` names among a run's records
    (`available`): "YYYY-MM" (or "YYYY-MM-DD") strings, numpy datetime64 (any unit) or
    the (index, label) pairs pick_dates gives, alone or in a list; None for pick_dates'
    default (first, middle, last). A month the run lacks is skipped with a note."""
    if dates is None:
        return pick_dates(prog, None, available)
    if isinstance(dates, (str, np.datetime64)):
        dates = [dates]
    labels = []
    for d in (list(np.ravel(dates)) if isinstance(dates, np.ndarray) else dates):
        if isinstance(d, tuple) and len(d) == 2:
            d = d[1]
        if isinstance(d, str):
            labels.append(d)
            continue
        try:
            labels.append(str(np.datetime64(d, "M")))
        except (TypeError, ValueError):
            raise TypeError(f"{figure}: dates must be 'YYYY-MM' strings or datetime64 values "
                            f"(got {d!r})") from None
    return pick_dates(prog, labels, available) if labels else []


def replicates_text(run, with_data=None):
    """'N replicates' for a title: the replicates with data, and how many of those are
    complete when not all are ('3 replicates (2 complete)'). A failed run's NaN replicates
    (they never ran) are not counted. with_data overrides the count of replicates with data
    (e.g. those of one panel)."""
    n, complete, total = run.replicates_with_data()
    n = n if with_data is None else with_data
    if complete >= min(n, total):
        return f"{n} replicates"
    return f"{n} replicates ({complete} complete)"


def split_list(text):
    """'RUS, IRN,TUR' -> ['RUS', 'IRN', 'TUR']; None or '' -> None."""
    if not text:
        return None
    return [t.strip() for t in text.split(",") if t.strip()]


def pick_actors(prog, requested, available, first=(), limit=MAX_ACTORS):
    """The requested actors present in the file (in the requested order), or by default
    at most `limit` of them: those in `first` (e.g. the dashboard pair), then file order."""
    if not requested:
        order = [a for a in first if a in available]
        order += [a for a in available if a not in order]
        if len(order) > limit:
            note(prog, f"showing {limit} of {len(order)} actors ({','.join(order[:limit])}); "
                       f"--actors RUS,IRN,... to choose")
        return order[:limit]
    out = []
    for a in requested:
        a = a.upper()
        if a in available:
            if a not in out:
                out.append(a)
        else:
            note(prog, f"actor {a} is not in the file (it has {' '.join(available)}); skipped")
    if not out:
        raise UsageError(f"none of the actors {','.join(requested)} is in the file "
                         f"(it has {' '.join(available)})")
    return out


def parse_pair(text):
    pair = split_list(text) or []
    if len(pair) != 2:
        raise UsageError(f"--pair needs two ISO3 codes like RUS,IRN (got {text!r})")
    return pair[0].upper(), pair[1].upper()


def pick_dates(prog, requested, dates):
    """Indices and labels of the requested months ("YYYY-MM") among the file's records.

    Default: the first, the middle and the last record.
    """
    if not dates:
        return []
    if not requested:
        idx = sorted({0, (len(dates) - 1) // 2, len(dates) - 1})
        return [(i, dates[i]) for i in idx]
    out = []
    for d in requested:
        d = d.strip()
        if len(d) == 10 and d[7] == "-":  # YYYY-MM-DD: the month it falls in
            d = d[:7]
        if d in dates:
            if (dates.index(d), d) not in out:
                out.append((dates.index(d), d))
        else:
            note(prog, f"date {d} is not in the run ({dates[0]} to {dates[-1]}); skipped")
    return out


def quantile_bands(values, axis=0, q=style.QUANTILES):
    """Quantiles over one axis ignoring NaN, without all-NaN warnings."""
    values = np.asarray(values, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanquantile(values, q, axis=axis)


def nanmedian(values, axis=0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(np.asarray(values, dtype=float), axis=axis)


def plot_band(ax, x, samples, color, label, scale=1.0, linestyle="-", q=style.QUANTILES,
              alpha=style.BAND_ALPHA):
    """Median line and low-high band of samples [replicate, time]; returns the line.

    A single time (a run of one month) has no line or area to draw: its median is a
    marker and its band a bar."""
    lo, med, hi = quantile_bands(samples, axis=0, q=q) * scale
    if np.size(x) == 1:
        ax.vlines(x, lo, hi, color=color, alpha=max(alpha, 0.35), linewidth=6)
        (line,) = ax.plot(x, med, color=color, label=label, linestyle="none", marker="o",
                          markersize=4)
        return line
    ax.fill_between(x, lo, hi, color=color, alpha=alpha, linewidth=0)
    (line,) = ax.plot(x, med, color=color, label=label, linestyle=linestyle, linewidth=1.6)
    return line


def save(figs, outdir, name, fmt, dpi):
    """Write a figure (or the pages of one) under a temporary name, then rename.

    One page is NAME.fmt; several are NAME_p1.fmt, NAME_p2.fmt, ... Returns the paths.
    Every figure given is closed, written or not (a failed write closes the pages after
    it too): the scripts leave no figure open.
    """
    if not isinstance(figs, (list, tuple)):
        figs = [figs]
    paths = []
    try:
        for i, fig in enumerate(figs):
            suffix = f"_p{i + 1}" if len(figs) > 1 else ""
            path = os.path.join(outdir, f"{name}{suffix}.{fmt}")
            tmp = os.path.join(outdir, f".{name}{suffix}.tmp.{fmt}")
            try:
                fig.savefig(tmp, format=fmt, dpi=dpi)
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            paths.append(path)
    finally:
        for fig in figs:
            plt.close(fig)
    return paths


def preset(width):
    """The layout preset of --width (a name or a Preset)."""
    if isinstance(width, Preset):
        return width
    try:
        return PRESETS[width or "page"]
    except KeyError:
        raise UsageError(f"--width must be one of {', '.join(PRESETS)} (got {width!r})") \
            from None


def wrap(text, width_in, fontsize=8):
    """Text wrapped to about `width_in` inches at `fontsize` points."""
    chars = max(12, int(width_in * 72 / (0.6 * fontsize)))
    return textwrap.fill(text, chars)


def paged(items, per_page):
    """Split a list into pages of at most per_page items."""
    per_page = max(1, per_page)
    return [items[i:i + per_page] for i in range(0, len(items), per_page)] or [[]]


def panel_pages(n, width, ncols=None, panel_h=None, max_rows=None):
    """Page sizes for n panels: a list of panel counts (all full but the last)."""
    p = preset(width)
    ncols = max(1, min(ncols or p.ncols, n))
    per_page = ncols * (max_rows or p.max_rows)
    return [min(per_page, n - i) for i in range(0, n, per_page)]


def panel_figure(n, width, ncols=None, panel_h=None, legend_items=0, legend_ncol=None,
                 title_lines=1, panel_w=None, legend_chars=12):
    """A figure of n panels wrapped into rows at the preset's width, with constrained layout.

    Returns (fig, axes, legend_ax): axes is a flat list of n axes; legend_ax an
    empty top row for a shared legend (None when legend_items is 0).
    """
    p = preset(width)
    ncols = max(1, min(ncols or p.ncols, n))
    nrows = math.ceil(n / ncols)
    ph = panel_h or p.panel_h
    fig_w = min(p.width, panel_w * ncols) if panel_w else p.width
    # Legend columns: as asked, but no more than fit the width (entries of ~legend_chars
    # characters at 7 pt, with handle and spacing).
    entry_w = (3.6 * 7 + 0.6 * 7 * legend_chars) / 72
    fit = max(1, int((fig_w - 0.2) // entry_w))
    lcol = max(1, min(legend_ncol or (4 if p.width > 5 else 2), fit, max(legend_items, 1)))
    lrows = math.ceil(legend_items / lcol) if legend_items else 0
    leg_h = 0.18 * lrows + 0.08 if lrows else 0
    height = nrows * ph + leg_h + 0.2 * title_lines
    fig = plt.figure(figsize=(fig_w, height), layout="constrained")
    ratios = ([leg_h] if lrows else []) + [ph] * nrows
    gs = fig.add_gridspec(len(ratios), ncols, height_ratios=ratios)
    off = 1 if lrows else 0
    axes = [fig.add_subplot(gs[off + i // ncols, i % ncols]) for i in range(n)]
    legend_ax = None
    if lrows:
        legend_ax = fig.add_subplot(gs[0, :])
        legend_ax.axis("off")
        legend_ax.set_gid("legend")
    fig._pactsim_legend_ncol = lcol
    return fig, axes, legend_ax


def shared_legend(fig, legend_ax, handles, title=None):
    """The figure's one legend, in its top row."""
    if legend_ax is None or not handles:
        return None
    if title:
        title = wrap(title, fig.get_figwidth() - 0.3, 7)
    return legend_ax.legend(handles=handles, loc="center", ncol=fig._pactsim_legend_ncol,
                            title=title, borderaxespad=0, handlelength=1.6,
                            columnspacing=1.2)


def label_outer_x(axes, ncols, xlabel):
    """The x label under the lowest panel of each column only."""
    n = len(axes)
    for k, ax in enumerate(axes):
        if k + ncols >= n:
            ax.set_xlabel(xlabel)


def prepare_outdir(outdir):
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create the output directory {outdir}: {e.strerror}") from None
    if not os.access(outdir, os.W_OK):
        raise UsageError(f"output directory {outdir} is not writable")

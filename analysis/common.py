"""Helpers shared by the plotting scripts: notes, list options, bands, saving."""
import os
import sys
import warnings

import numpy as np

import style

style.apply_rc()
import matplotlib.pyplot as plt  # noqa: E402


class UsageError(Exception):
    """Bad input the user can fix (exit code 2)."""


def note(prog, message):
    """A one-line note on stderr (a skipped panel or figure)."""
    print(f"{prog}: note: {message}", file=sys.stderr)


def error(prog, message):
    print(f"{prog}: error: {message}", file=sys.stderr)
    return 2


def split_list(text):
    """'RUS, IRN,TUR' -> ['RUS', 'IRN', 'TUR']; None or '' -> None."""
    if not text:
        return None
    return [t.strip() for t in text.split(",") if t.strip()]


def pick_actors(prog, requested, available):
    """The requested actors present in the file (in the requested order), or all."""
    if not requested:
        return list(available)
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


def plot_band(ax, x, samples, color, label, scale=1.0, linestyle="-", q=style.QUANTILES):
    """Median line and low-high band of samples [replicate, time]; returns the line."""
    lo, med, hi = quantile_bands(samples, axis=0, q=q) * scale
    ax.fill_between(x, lo, hi, color=color, alpha=style.BAND_ALPHA, linewidth=0)
    (line,) = ax.plot(x, med, color=color, label=label, linestyle=linestyle, linewidth=1.6)
    return line


def save(fig, outdir, name, fmt, dpi):
    path = os.path.join(outdir, f"{name}.{fmt}")
    fig.savefig(path, format=fmt, dpi=dpi)
    plt.close(fig)
    return path


def prepare_outdir(outdir):
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create the output directory {outdir}: {e.strerror}") from None
    if not os.access(outdir, os.W_OK):
        raise UsageError(f"output directory {outdir} is not writable")


def finish_grid(axes, n_used, xlabel):
    """Hide unused panels of a shared-x grid; label the lowest panel of every column."""
    flat = list(axes.flat)
    ncols = axes.shape[1]
    for ax in flat[n_used:]:
        ax.set_visible(False)
    for k, ax in enumerate(flat[:n_used]):
        if k + ncols >= n_used:  # nothing drawn below it
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xlabel(xlabel)


def grid(n, ncols):
    ncols = max(1, min(ncols, n))
    nrows = (n + ncols - 1) // ncols
    return nrows, ncols

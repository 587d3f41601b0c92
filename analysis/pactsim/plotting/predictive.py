"""Predictive bands of a run against observations (docs/analysis.md, docs/validation.md).

    pactsim-plot-predictive RUN.h5 OBS.csv [OBS2.csv ...] -o DIR [--bands 50,90]
                            [--until YYYY-MM|end] [--series oil_trade,...]
                            [--width page|column] [--format png] [--dpi N]

One panel per observed series (quantity, actor, target, transform, monthly or
annual): the model's equivalent of the series in every period of the run
(docs/observation-format.md), its median over replicates and central bands
(default 50 % and 90 %), with the observations and their +-1 sd error bars on
top. For a run made with --posterior (or a scenario naming a posterior) the
bands carry parameter and stochastic uncertainty; otherwise only the latter.
Writes predictive_bands (the figure) and predictive_coverage.csv (per
observation inside the run: the model's quantiles and whether the value lies in
each band; the last rows give each band's coverage). The bands are those of the
model's equivalents, without the observation error that `pactsim score` adds to
its predictive distribution, so they cover less than score's intervals do.
Exit status 0 when written; 2 on a file that is not a run, an unreadable
observation file, no observed series the run has, or bad options.
"""
import argparse
import os
import sys

import numpy as np

from . import style
from .common import (UsageError, add_output_args, error, label_outer_x, note, panel_figure,
                     parse_args, prepare_outdir, preset, save, shared_legend, split_list, wrap,
                     replicates_text, wrong_file)
from ..io import PactsimFileError, incomplete_note, open_run, takes_run
from ..observations import (ObservationError, central_bands, check_levels, model_series,
                            period_time,
                            read_observations, series_of)
from ..script import script
from ..tables import csv_text, write_text

from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

PROG = "pactsim-plot-predictive"
BAND_COLOR = "#0072B2"
OBS_COLOR = "#000000"
MISS_COLOR = "#D55E00"
XLABEL = "month (end-of-month state)"
XLABEL_ANNUAL = "year (annual values at mid-year)"


def parse_bands(text):
    try:
        levels = sorted({float(x) for x in split_list(text) or []})
    except ValueError:
        raise UsageError(f"--bands must be percentages like 50,90 (got {text!r})") from None
    if not levels:
        raise UsageError(f"--bands must be percentages like 50,90 (got {text!r})")
    try:
        return check_levels(levels)
    except ValueError as e:
        raise UsageError(f"--bands: {e}") from None


def series_title(key):
    who = f"{key.actor}\u2192{key.target}" if key.target else key.actor
    tr = "" if key.transform == "level" else f" ({key.transform})"
    freq = ", annual" if key.annual else ""
    return f"{key.quantity.replace('_', ' ')} {who}{tr}{freq}"


def series_units(run, key):
    """Units of a series as observed: a level and an arrival (the level of the month
    before) have the variable's units; growth and shares are dimensionless."""
    if key.transform not in ("level", "arrival"):
        return "1"
    ds = run.dyad_state if key.target else run.actor_state
    return ds[key.quantity].attrs.get("units", "1")


# Relative slack for a band's limits: a float32 run stores each value rounded to 24 bits
# (docs/output.md), so an imposed value (Brent: a zero-width band) is 86.51000214 where the
# data say 86.51, and a sale at capacity may be 4999.9999999 in float64 and 5000 in float32.
# Two float32 half-units, for every run, so the coverage is the same whatever the storage.
BAND_SLACK = 2.0 ** -23


def coverage_rows(run, groups, levels, until=None):
    """Per observation inside the run (and not after `until`): the model's median and band
    limits there and whether the value lies in each band. Returns (rows, per-series data
    for the figure, notes)."""
    rows, panels, notes = [], [], []
    for key, obs in groups.items():
        try:
            labels, times, x = model_series(run, key)
        except KeyError as e:
            notes.append(f"{series_title(key)}: {e.args[0]}; series skipped")
            continue
        med, bands = central_bands(x, levels)
        inside = [r for r in obs if r.date in labels and (until is None or r.date[:7] <= until)]
        if len(inside) < len(obs):
            notes.append(f"{series_title(key)}: {len(obs) - len(inside)} of {len(obs)} "
                         f"observations outside the run's periods (or after --until); not shown")
        if not inside:
            continue
        for r in inside:
            k = labels.index(r.date)
            row = {"file": r.file, "line": r.line, "quantity": r.quantity, "actor": r.actor,
                   "target": r.target, "date": r.date, "transform": r.transform,
                   "value": r.value, "sd": r.sd, "members": int(np.isfinite(x[:, k]).sum()),
                   "median": med[k]}
            for lv in levels:
                lo, hi = bands[lv][0][k], bands[lv][1][k]
                row[f"lo{lv:g}"], row[f"hi{lv:g}"] = lo, hi
                slack = BAND_SLACK * max(abs(lo), abs(hi))
                row[f"in{lv:g}"] = bool(lo - slack <= r.value <= hi + slack)
            rows.append(row)
        panels.append((key, labels, times, med, bands, inside))
    return rows, panels, notes


def band_columns(levels):
    cols = ["file", "line", "quantity", "actor", "target", "date", "transform", "value", "sd",
            "members", "median"]
    for lv in levels:
        cols += [f"lo{lv:g}", f"hi{lv:g}"]
    return cols + [f"in{lv:g}" for lv in levels]


def coverage_total(rows, levels):
    """Coverage of each band over the rows: {level: (inside, n)}."""
    return {lv: (sum(r[f"in{lv:g}"] for r in rows), len(rows)) for lv in levels}


@takes_run
def fig_bands(run, panels, levels, until=None, width="page", posterior=False):
    """The bands of coverage_rows' panels against the observations; a list of figures
    (pages), empty when there is no panel or `run` is a sweep file (with a note)."""
    p = preset(width)
    if wrong_file(PROG, "predictive_bands", run) or not panels:
        return []
    alphas = np.linspace(0.35, 0.15, len(levels))  # wider bands lighter
    figs = []
    per_page = p.ncols * p.max_rows
    for start in range(0, len(panels), per_page):
        page = panels[start:start + per_page]
        fig, axes, leg = panel_figure(len(page), width, legend_items=3 + len(levels),
                                      legend_chars=18, title_lines=2)
        for ax, (key, labels, times, med, bands, obs) in zip(axes, page):
            last = max(r.date for r in obs)
            end = len(labels) if until is None else \
                sum(1 for lab in labels if lab[:7] <= until)
            sl = slice(0, max(end, labels.index(last) + 1))
            factor, ulabel = style.scaled(series_units(run, key))
            # A series of one period (an annual row of a short run) has no area to
            # fill and no line to draw: its bands are bars and its median a marker.
            single = len(times[sl]) == 1
            for k, (lv, a) in enumerate(zip(levels, alphas)):
                lo, hi = bands[lv]
                if single:
                    fb = ax.vlines(times[sl], lo[sl] * factor, hi[sl] * factor,
                                   color=BAND_COLOR, alpha=a, linewidth=10 - 3 * k)
                else:
                    fb = ax.fill_between(times[sl], lo[sl] * factor, hi[sl] * factor,
                                         color=BAND_COLOR, alpha=a, linewidth=0)
                fb.set_gid(f"band{lv:g}")
            (line,) = ax.plot(times[sl], med[sl] * factor, color=BAND_COLOR, linewidth=1.4,
                              marker="_" if single else None, ms=12)
            line.set_gid("median")
            ot = np.array([period_time(r.date) for r in obs], dtype="datetime64[ns]")
            ov = np.array([r.value for r in obs]) * factor
            osd = np.array([r.sd for r in obs]) * factor
            k90 = [labels.index(r.date) for r in obs]
            lo, hi = bands[levels[-1]]
            outside = (ov < lo[k90] * factor) | (ov > hi[k90] * factor)
            for mask, color, gid in ((~outside, OBS_COLOR, "obs_in"),
                                     (outside, MISS_COLOR, "obs_out")):
                if mask.any():
                    eb = ax.errorbar(ot[mask], ov[mask], yerr=osd[mask], fmt="o", ms=3,
                                     color=color, elinewidth=0.8, capsize=1.5, zorder=3)
                    eb[0].set_gid(gid)
            ax.set_title(wrap(series_title(key), p.width / min(len(page), p.ncols) - 0.3))
            # The units only: the title names the quantity, actors and transform (both on
            # the axis, 'arms transfer air defense [systems/month]', outgrew the panel).
            ax.set_ylabel("dimensionless" if ulabel == "1" else ulabel)
            style.date_axis(ax, times[sl][0] - np.timedelta64(15, "D"),
                            times[sl][-1] + np.timedelta64(15, "D"), maxticks=4)
        annual = all(key.annual for key, *_ in page)
        label_outer_x(axes, min(len(page), p.ncols), XLABEL_ANNUAL if annual else XLABEL)
        handles = [Line2D([], [], color=BAND_COLOR, linewidth=1.4, label="model median")]
        handles += [Patch(color=BAND_COLOR, alpha=a, label=f"{lv:g} % band")
                    for lv, a in zip(levels, alphas)]
        handles += [Line2D([], [], marker="o", ls="", color=OBS_COLOR,
                           label="observed \u00b1 1 sd"),
                    Line2D([], [], marker="o", ls="", color=MISS_COLOR,
                           label=f"outside the {levels[-1]:g} % band")]
        shared_legend(fig, leg, handles)
        what = "posterior predictive: parameter and stochastic uncertainty" if posterior else \
            "fixed parameters: stochastic uncertainty only"
        fig.suptitle(wrap(f"{run.scenario}: model bands over {replicates_text(run)} "
                          f"({what}) and observations", p.width))
        figs.append(fig)
    return figs


def build_parser():
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Predictive bands of a run's replicates for every observed series, with "
                    "the observations on top, and the bands' coverage of them.",
        epilog="Exit status: 0 written; 2 not a run, unreadable observations, nothing in "
               "common, bad options. See docs/analysis.md.")
    p.add_argument("file", help="run file (pactsim run [--posterior P] ... -o FILE)")
    p.add_argument("observations", nargs="+", help="observation CSV files")
    p.add_argument("-o", "--outdir", required=True, help="directory for figure and table")
    add_output_args(p)
    p.add_argument("--bands", default="50,90", help="central bands in percent (50,90)")
    p.add_argument("--until", default=None,
                   help="last month drawn (YYYY-MM, or 'end'; default: the last observation "
                        "of each series)")
    p.add_argument("--series", help="only these quantities (e.g. oil_trade,reserves)")
    return p


@script(PROG)
def main(argv=None):
    args = parse_args(build_parser(), argv)
    try:
        levels = parse_bands(args.bands)
        until = args.until
        if until not in (None, "end") and (len(until) != 7 or until[4] != "-"):
            raise UsageError(f"--until must be YYYY-MM or end (got {until!r})")
        obs = read_observations(args.observations)
        run = open_run(args.file)
    except (UsageError, ObservationError, PactsimFileError) as e:
        return error(PROG, str(e))
    with run:
        if run.is_sweep:
            return error(PROG, f"{args.file} is a sweep file; give a run file")
        if incomplete_note(run):  # bands of the finished replicates' months: say so
            note(PROG, incomplete_note(run))
        groups = series_of(obs)
        wanted = split_list(args.series)
        if wanted:
            groups = {k: v for k, v in groups.items() if k.quantity in wanted}
        rows, panels, notes = coverage_rows(run, groups, levels,
                                            None if until in (None, "end") else until)
        for n in notes:
            note(PROG, n)
        if not rows:
            return error(PROG, f"{args.file}: no observation falls in the run's periods for a "
                               f"variable and actor the run has")
        try:
            prepare_outdir(args.outdir)
        except UsageError as e:
            return error(PROG, str(e))
        cols = band_columns(levels)
        total = {"file": "total", "members": len(rows)}
        for lv, (k, n) in coverage_total(rows, levels).items():
            total[f"in{lv:g}"] = k / n
        written = [write_text(os.path.join(args.outdir, "predictive_coverage.csv"),
                              csv_text(rows + [total], cols))]
        # fig_bands draws to `until` (None: the run's end) and at least to the last
        # observation of each series; "" (before every month) means just that. Drawn
        # after the table is written and saved at once: no figure is left open.
        figs = fig_bands(run, panels, levels, until=None if until == "end" else (until or ""),
                         width=args.width, posterior=run.has_posterior_draws())
        written += save(figs, args.outdir, "predictive_bands", args.format, args.dpi)
    print("\n".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Observation files and the model's equivalents of them (docs/observation-format.md).

    import pactsim
    from pactsim.observations import read_observations, series_of, model_series, central_bands

    obs = read_observations(["data/observations/oil_2022.csv"])   # list of Observation
    for key, rows in series_of(obs).items():     # one observed series: quantity, actor,
        with pactsim.open_run("run.h5") as run:  # target, transform, monthly or annual
            labels, times, x = model_series(run, key)  # "YYYY-MM" or "YYYY" labels,
            med, bands = central_bands(x, [50, 90])    # their times, x [replicate, period]

This reads the CSV files the way `pactsim score` does (RFC 4180 quoting, `#`
comment lines, blank lines skipped) but checks only what the figures need;
`pactsim score` and `pactsim calibrate` are the validators. The equivalents
follow the table of docs/observation-format.md: a month's record (the state at
its end) or a year's mean; level, growth from 12 months (or a year) before, or
share of the source's row (dyad) or of the sum over actors (actor). Periods are
labelled like the run's records: a month by its first day, a year by its 1 July.
"""
import csv
import io
import os
import warnings
from collections import OrderedDict, namedtuple

import numpy as np

from .io import PactsimFileError, takes_run

__all__ = ["Observation", "SeriesKey", "ObservationError", "read_observations", "series_of",
           "model_series", "period_time", "central_bands", "check_levels"]

HEADER = ["quantity", "actor", "target", "date", "value", "sd", "transform", "source",
          "published"]

Observation = namedtuple("Observation", "file line quantity actor target date value sd "
                                        "transform source published")
#: One observed series: rows sharing quantity, actor, target, transform and frequency.
SeriesKey = namedtuple("SeriesKey", "quantity actor target transform annual")


class ObservationError(Exception):
    """An observation file that cannot be read (the message names file:line)."""


def _lines(f, numbers):
    """The file's lines without comment and blank lines, recording each one's number."""
    for k, line in enumerate(f, 1):
        if k == 1:
            line = line.lstrip("\ufeff")
        if line.startswith("#") or not line.strip():
            continue
        numbers.append(k)
        yield line


_EXPECTED = ("expected an observation file: CSV text with the header "
             + ",".join(HEADER) + " (docs/observation-format.md)")


def _text(path):
    """The file's text, or an ObservationError saying what it is instead (a directory, an
    HDF5 file such as a run given in the observations' place, binary or non-UTF-8 data)."""
    if os.path.isdir(path):
        raise ObservationError(f"{path}: is a directory, not an observation file; {_EXPECTED}")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ObservationError(f"{path}: {e.strerror or e}") from None
    if data.startswith(b"\x89HDF\r\n\x1a\n"):
        raise ObservationError(f"{path}: an HDF5 file (a run?), not an observation file; "
                               f"{_EXPECTED}")
    if b"\0" in data:
        raise ObservationError(f"{path}: binary data, not an observation file; {_EXPECTED}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise ObservationError(f"{path}:{line}: not UTF-8 text (byte 0x{data[e.start]:02x}); "
                               f"{_EXPECTED}") from None


def _read_one(path):
    out = []
    text = _text(path)
    with io.StringIO(text, newline="") as f:
        numbers = []
        reader = csv.reader(_lines(f, numbers), skipinitialspace=True)
        consumed, seen_header = 0, False
        for fields in reader:
            line = numbers[consumed] if consumed < len(numbers) else 0
            consumed = reader.line_num
            fields = [x.strip() for x in fields]
            if not seen_header:
                if fields != HEADER:
                    raise ObservationError(f"{path}:{line}: expected the header "
                                           f"{','.join(HEADER)}")
                seen_header = True
                continue
            if len(fields) != len(HEADER):
                raise ObservationError(f"{path}:{line}: {len(fields)} fields; expected "
                                       f"{len(HEADER)}")
            q, a, t, date, value, sd, tr, src, pub = fields
            try:
                value, sd = float(value), float(sd)
            except ValueError:
                raise ObservationError(f"{path}:{line}: value and sd must be numbers") from None
            if len(date) not in (4, 7):
                raise ObservationError(f"{path}:{line}: date {date!r}; expected YYYY-MM or YYYY")
            out.append(Observation(str(path), line, q, a, t, date, value, sd, tr or "level",
                                   src, pub))
    return out


def read_observations(paths):
    """Every row of the files, in order (a list of Observation)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    rows = []
    for p in paths:
        rows += _read_one(os.fspath(p))
    return rows


def series_of(rows):
    """Rows grouped by series (an OrderedDict SeriesKey -> rows sorted by date)."""
    groups = OrderedDict()
    for r in rows:
        key = SeriesKey(r.quantity, r.actor, r.target, r.transform, len(r.date) == 4)
        groups.setdefault(key, []).append(r)
    for key in groups:
        groups[key].sort(key=lambda r: r.date)
    return groups


def period_time(date):
    """The time a period is drawn at: YYYY-MM -> its first day (the run's record label),
    YYYY -> 1 July."""
    return np.datetime64(f"{date}-07-01" if len(date) == 4 else f"{date}-01", "ns")


def _raw(run, key):
    """[replicate, time] numerator and denominator series of a key (denominator: row sum
    or sum over actors), or a KeyError naming what is missing."""
    if key.target:
        ds = run.dyad_state
        if ds is None or key.quantity not in ds.data_vars:
            raise KeyError(f"the run has no dyad_state/{key.quantity}")
        da = ds[key.quantity].sel(source=key.actor).transpose("replicate", "time", "target")
        data = np.asarray(da.values, dtype=float)
        targets = [str(t) for t in da["target"].values]
        if key.target not in targets:
            raise KeyError(f"actor {key.target} is not in the run")
        num, den = data[:, :, targets.index(key.target)], data.sum(axis=2)
    else:
        ds = run.actor_state
        if ds is None or key.quantity not in ds.data_vars:
            raise KeyError(f"the run has no actor_state/{key.quantity}")
        if key.actor not in run.actors:
            raise KeyError(f"actor {key.actor} is not in the run")
        data = np.asarray(ds[key.quantity].transpose("replicate", "time", "actor").values, float)
        num, den = data[:, :, run.actors.index(key.actor)], data.sum(axis=2)
    return num, den


@takes_run
def model_series(run, key):
    """The model's equivalent of a series in every period of the run where it is defined.

    Returns (labels, times, x): period labels ("YYYY-MM" or "YYYY"), their times
    (datetime64[ns]) and x [replicate, period]. NaN where a denominator is zero.
    run: a path or an open Run. PactsimFileError on a sweep file; KeyError when the run
    lacks the variable or actor.
    """
    if getattr(run, "is_sweep", False):
        raise PactsimFileError(f"{run.path} is a sweep file; give a run file (pactsim run ... "
                               f"-o FILE)")
    if key.transform not in ("level", "growth", "share", "arrival"):
        raise KeyError(f"transform {key.transform!r}; expected level, growth, share or arrival")
    num, den = _raw(run, key)
    dates = list(run.dates)
    if key.transform == "arrival":  # what arrives in a month was sold the month before
        num, den, dates = num[:, :-1], den[:, :-1], dates[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        if key.annual:
            years = sorted({d[:4] for d in dates})
            full = [y for y in years if all(f"{y}-{m:02d}" in dates for m in range(1, 13))]
            idx = {y: [dates.index(f"{y}-{m:02d}") for m in range(1, 13)] for y in full}
            mean_num = {y: num[:, idx[y]].mean(axis=1) for y in full}
            mean_den = {y: den[:, idx[y]].mean(axis=1) for y in full}
            labels, cols = [], []
            for y in full:
                if key.transform in ("level", "arrival"):
                    cols.append(mean_num[y])
                elif key.transform == "share":
                    cols.append(mean_num[y] / mean_den[y])
                elif str(int(y) - 1) in mean_num:
                    cols.append(mean_num[y] / mean_num[str(int(y) - 1)] - 1)
                else:
                    continue
                labels.append(y)
        else:
            if key.transform in ("level", "arrival"):
                x = num
            elif key.transform == "share":
                x = num / den
            else:
                x = num[:, 12:] / num[:, :-12] - 1
            labels = dates[12:] if key.transform == "growth" else dates
            cols = list(x.T)
        x = np.array(cols, dtype=float).T if cols else np.empty((num.shape[0], 0))
    x[~np.isfinite(x)] = np.nan
    return labels, np.array([period_time(d) for d in labels], dtype="datetime64[ns]"), x


def check_levels(levels):
    """Band levels as a list of floats in percent, each in [1, 100) (a number alone is one
    level); ValueError otherwise: a level below 1 is taken for a fraction (0.9 for 90)."""
    if isinstance(levels, (int, float, np.integer, np.floating)):
        levels = [levels]
    try:
        levels = [float(lv) for lv in levels]
    except (TypeError, ValueError):
        raise ValueError(f"band levels must be percentages like 50, 90 (got {levels!r})") \
            from None
    for lv in levels:
        if not 1 <= lv < 100:
            hint = f" ({lv:g} is a fraction? write {lv * 100:g})" if 0 < lv < 1 else ""
            raise ValueError(f"band levels are percentages in [1, 100), e.g. 90 for the "
                             f"5-95 % band (got {lv:g}){hint}")
    return levels


def central_bands(x, levels, axis=0):
    """Median and central intervals of x over `axis`, NaN ignored: (median, {level: (lo, hi)})
    for levels in percent, each in [1, 100) (e.g. 50, 90: the 25-75 % and 5-95 % quantiles;
    a number alone is one level; ValueError outside, so that 0.9 is not taken for 0.9 %)."""
    levels = check_levels(levels)
    qs = [0.5]
    for lv in levels:
        qs += [(1 - lv / 100) / 2, (1 + lv / 100) / 2]
    x = np.asarray(x, dtype=float)
    if x.shape[axis] == 0 or x.size == 0:  # no sample, or no period (a run too short)
        shape = tuple(n for k, n in enumerate(x.shape) if k != axis % x.ndim)
        v = np.full((len(qs),) + shape, np.nan)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            v = np.nanquantile(x, qs, axis=axis)
    return v[0], {lv: (v[1 + 2 * i], v[2 + 2 * i]) for i, lv in enumerate(levels)}


if __name__ == "__main__":
    import sys

    from pactsim.script import no_command_line
    sys.exit(no_command_line("pactsim.observations"))

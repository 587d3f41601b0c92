"""Checks of data/observations/ (the evidence of issue 13; docs/observations.md), without the loader.

Every CSV under data/observations/ (history/, other_actors/ and unmodelled/ too) has the documented
header; dates are YYYY-MM or YYYY; nothing was published after the information cut-off (2022-07-22) or
before its period ended (that would be a forecast); sd is positive; transform is one of
level/growth/share; actors and targets are actors of the configs. Files directly in data/observations/
must load against a baseline_2022.yaml run and those in history/ against a history_1979_2022.yaml run:
each quantity is a state field of `pactsim config explain`, a dyad field has a target and an actor field
has none, a level lies within the field's bounds, all actors are the config's, every month a row needs
lies within the config's run, and no (quantity, actor, target, date, transform) appears twice in all of
them together (a history run may load both directories).

Environment: PACTSIM (the CLI), PACTSIM_SOURCE_DIR (the repository).
"""
import csv
import datetime
import math
import os
import re
import subprocess

import pytest

SRC = os.environ.get("PACTSIM_SOURCE_DIR",
                     os.path.join(os.path.dirname(__file__), "..", ".."))
OBS = os.path.join(SRC, "data", "observations")
HEADER = ["quantity", "actor", "target", "date", "value", "sd", "transform", "source", "published"]
CUTOFF = datetime.date(2022, 7, 22)
CONFIGS = ("baseline_2022.yaml", "history_1979_2022.yaml")
LOADABLE = {OBS: "baseline_2022.yaml", os.path.join(OBS, "heldout"): "baseline_2022.yaml",
            os.path.join(OBS, "history"): "history_1979_2022.yaml"}


def read_config(name):
    """(actors, first month, last month) of a config, months as year*12 + month - 1 (no YAML module in
    the deps: the configs are standalone, so the top-level keys are read directly)."""
    codes, span, inside = set(), {}, False
    with open(os.path.join(SRC, "configs", name), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^(start|end): (\d{4})-(\d{2})", line)
            if m:
                span[m.group(1)] = int(m.group(2)) * 12 + int(m.group(3)) - 1
            if re.match(r"^\S", line):
                inside = line.startswith("actors:")
                continue
            m = re.match(r"^  ([A-Z]{3}):", line)
            if inside and m:
                codes.add(m.group(1))
    assert codes and len(span) == 2, name
    return codes, span["start"], span["end"]


def config_actors():
    return set().union(*(read_config(n)[0] for n in CONFIGS))


def months_needed(date, transform):
    """The months (year*12 + month - 1) whose records a row's model equivalent uses."""
    y, m = int(date[:4]), int(date[5:7]) if len(date) == 7 else None
    months = [y * 12 + m - 1] if m else [y * 12 + k for k in range(12)]
    if transform == "growth":
        months += [x - 12 for x in months]
    return months


def model_fields():
    """{field: (shape, lower, upper)} from `pactsim config explain`."""
    out = subprocess.run([os.environ["PACTSIM"], "config", "explain"], check=True,
                         capture_output=True, text=True).stdout
    fields = {}
    pat = re.compile(r"^    (\w+)\s+(actor|dyad|theater) \[[^\]]*\], default \S+, "
                     r"bounds \[(\S+), (\S+)\]")
    for line in out.splitlines():
        m = pat.match(line)
        if m:
            fields[m.group(1)] = (m.group(2), float(m.group(3)), float(m.group(4)))
    return fields


def csv_files():
    found = []
    for root, _, files in os.walk(OBS):
        found += [os.path.join(root, f) for f in sorted(files) if f.endswith(".csv")]
    return sorted(found)


def read(path):
    """Rows as (line number, dict); asserts the header."""
    with open(path, encoding="utf-8", newline="") as f:
        lines = [(i + 1, l) for i, l in enumerate(f) if l.strip() and not l.startswith("#")]
    assert lines, f"{path}: no header"
    header = next(csv.reader([lines[0][1]]))
    assert header == HEADER, f"{path}:{lines[0][0]}: header {header}, expected {HEADER}"
    rows = []
    for n, l in lines[1:]:
        cells = next(csv.reader([l]))
        assert len(cells) == len(HEADER), f"{path}:{n}: {len(cells)} columns, expected 9"
        rows.append((n, dict(zip(HEADER, cells))))
    return rows


def period(date):
    """First and last day of the month or year a date names."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", date)
    assert m, f"date {date!r} is not YYYY-MM or YYYY"
    y = int(m.group(1))
    if m.group(2) is None:
        return datetime.date(y, 1, 1), datetime.date(y, 12, 31)
    mo = int(m.group(2))
    assert 1 <= mo <= 12, f"month in {date!r}"
    nxt = datetime.date(y + mo // 12, mo % 12 + 1, 1)
    return datetime.date(y, mo, 1), nxt - datetime.timedelta(days=1)


def main_files():
    return [f for f in csv_files() if os.path.dirname(f) in LOADABLE]


def test_there_are_observations():
    files = csv_files()
    assert all(any(os.path.dirname(f) == d for f in files) for d in LOADABLE)
    assert any(os.path.basename(os.path.dirname(f)) == "unmodelled" for f in files)


@pytest.mark.parametrize("path", csv_files(), ids=lambda p: os.path.relpath(p, OBS))
def test_rows_are_well_formed(path):
    actors = config_actors()
    assert {"RUS", "IRN", "USA", "IRQ"} <= actors
    for n, r in read(path):
        where = f"{os.path.relpath(path, SRC)}:{n}"
        assert r["quantity"], where
        assert r["actor"] in actors, f"{where}: actor {r['actor']} is not in the configs"
        assert r["target"] == "" or r["target"] in actors, f"{where}: target {r['target']}"
        assert r["target"] != r["actor"], where
        start, end = period(r["date"])
        assert 1900 < start.year < 2023, where
        value, sd = float(r["value"]), float(r["sd"])
        assert math.isfinite(value), where
        assert math.isfinite(sd) and sd > 0, f"{where}: sd must be > 0"
        assert r["transform"] in ("level", "growth", "share", "arrival"), where
        if r["transform"] == "share":
            assert 0 <= value <= 1, where
        assert len(r["source"]) > 10, f"{where}: no source"
        published = datetime.date.fromisoformat(r["published"])
        assert published <= CUTOFF, f"{where}: published {published} after {CUTOFF}"
        assert published >= end, f"{where}: published {published}, before its period ended ({end})"


@pytest.mark.parametrize("path", main_files(), ids=lambda p: os.path.relpath(p, OBS))
def test_rows_load_against_the_model(path):
    fields = model_fields()
    assert "oil_trade" in fields and fields["oil_trade"][0] == "dyad"
    name = LOADABLE[os.path.dirname(path)]
    actors, first, last = read_config(name)
    for n, r in read(path):
        where = f"{os.path.relpath(path, SRC)}:{n}"
        q = r["quantity"]
        assert q in fields, f"{where}: {q} is not a model field (unmodelled/ is for those)"
        shape, lo, hi = fields[q]
        assert shape in ("actor", "dyad"), f"{where}: theater fields are not observed"
        assert (r["target"] != "") == (shape == "dyad"), f"{where}: target vs {shape} field"
        if r["transform"] == "level":
            assert lo <= float(r["value"]) <= hi, f"{where}: {r['value']} outside [{lo}, {hi}]"
        assert {r["actor"], r["target"]} - {""} <= actors, f"{where}: an actor not in {name}"
        assert all(first <= x <= last for x in months_needed(r["date"], r["transform"])), \
            f"{where}: needs months outside the run of {name}"


def test_no_observation_twice():
    seen = {}
    for path in main_files():
        for n, r in read(path):
            where = f"{os.path.relpath(path, SRC)}:{n}"
            key = (r["quantity"], r["actor"], r["target"], r["date"], r["transform"])
            assert key not in seen, f"{where}: {key} also at {seen[key]}"
            seen[key] = where

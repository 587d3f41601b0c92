"""Checks of data/observations/ (the evidence of issue 13; docs/observations.md), without the loader.

Every CSV under data/observations/ (unmodelled/ too) has the documented header; dates are YYYY-MM or
YYYY; nothing was published after the information cut-off (2022-07-22) or before its period began; sd
is positive; transform is one of level/growth/share; actors and targets are actors of the configs.
Files directly in data/observations/ must load against the current model: each quantity is a state
field of `pactsim config explain`, a dyad field has a target and an actor field has none, a level lies
within the field's bounds, and no (quantity, actor, target, date, transform) appears twice.

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


def config_actors():
    """ISO3 codes under the top-level `actors:` key of the configs (no YAML module in the deps)."""
    codes = set()
    for name in CONFIGS:
        inside = False
        with open(os.path.join(SRC, "configs", name), encoding="utf-8") as f:
            for line in f:
                if re.match(r"^\S", line):
                    inside = line.startswith("actors:")
                    continue
                m = re.match(r"^  ([A-Z]{3}):", line)
                if inside and m:
                    codes.add(m.group(1))
    return codes


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


def period_start(date):
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", date)
    assert m, f"date {date!r} is not YYYY-MM or YYYY"
    return datetime.date(int(m.group(1)), int(m.group(2) or 1), 1)


def test_there_are_observations():
    files = csv_files()
    assert any(os.path.dirname(f) == OBS for f in files)
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
        start = period_start(r["date"])
        assert 1900 < start.year < 2023 and (len(r["date"]) == 4 or 1 <= start.month <= 12), where
        value, sd = float(r["value"]), float(r["sd"])
        assert math.isfinite(value), where
        assert math.isfinite(sd) and sd > 0, f"{where}: sd must be > 0"
        assert r["transform"] in ("level", "growth", "share"), where
        if r["transform"] == "share":
            assert 0 <= value <= 1, where
        assert len(r["source"]) > 10, f"{where}: no source"
        published = datetime.date.fromisoformat(r["published"])
        assert published <= CUTOFF, f"{where}: published {published} after {CUTOFF}"
        assert published >= start, f"{where}: published before its period began"


@pytest.mark.parametrize("path", [f for f in csv_files() if os.path.dirname(f) == OBS],
                         ids=os.path.basename)
def test_rows_load_against_the_model(path):
    fields = model_fields()
    assert "oil_trade" in fields and fields["oil_trade"][0] == "dyad"
    seen = set()
    for n, r in read(path):
        where = f"{os.path.relpath(path, SRC)}:{n}"
        q = r["quantity"]
        assert q in fields, f"{where}: {q} is not a model field (unmodelled/ is for those)"
        shape, lo, hi = fields[q]
        assert shape in ("actor", "dyad"), f"{where}: theater fields are not observed"
        assert (r["target"] != "") == (shape == "dyad"), f"{where}: target vs {shape} field"
        if r["transform"] == "level":
            assert lo <= float(r["value"]) <= hi, f"{where}: {r['value']} outside [{lo}, {hi}]"
        key = (q, r["actor"], r["target"], r["date"], r["transform"])
        assert key not in seen, f"{where}: {key} twice"
        seen.add(key)

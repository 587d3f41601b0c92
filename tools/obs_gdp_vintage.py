#!/usr/bin/env python3
"""Rebuild the GDP rows of data/observations/{history,other_actors}/gdp_annual.csv from one vintage of
the World Bank WDI (NY.GDP.MKTP.CD, current USD) as mirrored by github.com/datasets/gdp (data/gdp.csv).

The vintage is the newest commit of that repository dated on or before the information cut-off
(2022-07-22): 0be54c18d900edc37123f25b4eff014731c9e459 of 2018-01-14 (the next commit is of
2024-10-20). Its data end in 2016, so rows for later years are dropped (printed). The set of
(actor, year) rows is kept otherwise; sd keeps its relative size (the revision-based rule of
docs/observations.md), except EUU, see below. docs/observations.md describes the result.

EUU is the EU-27 of 2022: that vintage's EUU is the EU-28, so EU-27 = EUU - GBR of the same vintage
(the WDI aggregate is the sum of its members: from 1995, when all 27 have data, EUU - GBR equals the
sum of the 27 to the dollar).

Usage (the CSV of the vintage: git --git-dir=<datasets/gdp> show 0be54c1:data/gdp.csv > gdp2018.csv):
    tools/obs_gdp_vintage.py gdp2018.csv [--newer gdp2024.csv]
--newer (the current file's vintage, e.g. commit 1cdcd2e) only adds it to the comparison printed.
"""
import argparse
import csv
import io
import math
import os

COMMIT = "0be54c1"
DATE = "2018-01-14"
SOURCE = ("World Bank WDI NY.GDP.MKTP.CD (current USD), vintage of 2018-01-14: github.com/datasets/gdp "
          "data/gdp.csv at commit 0be54c1")
SOURCE_EUU = SOURCE + "; EU-27 = EUU (EU-28) minus GBR of that vintage"
EUU_SD = 0.02  # the files' minimum: EUU - GBR vs the 2024 EU-27 aggregate differs by 0.3% RMS
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FILES = [os.path.join(SRC, "data", "observations", d, "gdp_annual.csv") for d in ("history", "other_actors")]


def load_wdi(path):
    out = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            try:
                out[(r["Country Code"], int(float(r["Year"])))] = float(r["Value"])
            except (ValueError, KeyError):
                pass
    return out


def vintage_value(wdi, actor, year):
    if actor == "EUU":
        if ("EUU", year) in wdi and ("GBR", year) in wdi:
            return wdi[("EUU", year)] - wdi[("GBR", year)]
        return None
    return wdi.get((actor, year))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vintage")
    ap.add_argument("--newer")
    a = ap.parse_args()
    wdi = load_wdi(a.vintage)
    newer = load_wdi(a.newer) if a.newer else {}
    changes, dropped = [], []
    for path in FILES:
        with open(path, newline="") as f:
            lines = f.read().splitlines(keepends=True)
        comments = [l for l in lines if l.startswith("#")]
        rows = list(csv.DictReader(l for l in lines if not l.startswith("#")))
        out = io.StringIO()
        for l in comments:
            out.write(l.replace("annual 1980-2021", "annual 1980-2016"))
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["quantity", "actor", "target", "date", "value", "sd", "transform", "source", "published"])
        for r in rows:
            assert r["quantity"] == "gdp" and r["transform"] == "level" and not r["target"], r
            year = int(r["date"])
            v = vintage_value(wdi, r["actor"], year)
            if v is None:
                dropped.append((os.path.basename(os.path.dirname(path)), r["actor"], year, r["value"],
                                r["published"]))
                continue
            old = float(r["value"])
            rel_sd = EUU_SD if r["actor"] == "EUU" else float(r["sd"]) / old
            # kept non-EUU rows were already of this vintage (1980-2016), so their sd rule holds as is
            assert r["actor"] == "EUU" or COMMIT in r["source"], r
            sd = "%.4e" % (rel_sd * v)
            if r["actor"] != "EUU" and r["value"] == "%.4e" % v:
                sd = r["sd"]  # unchanged row: keep its sd as written (no rounding noise)
            w.writerow(["gdp", r["actor"], "", r["date"], "%.4e" % v, sd, "level",
                        SOURCE_EUU if r["actor"] == "EUU" else SOURCE, DATE])
            nv = newer.get((r["actor"], year))  # the newer vintage's EUU is already the EU-27
            changes.append((r["actor"], year, old, v, v / old - 1, r["published"], nv))
        with open(path, "w", newline="") as f:
            f.write(out.getvalue())
    changed = [c for c in changes if abs(c[4]) > 5e-5]
    print(f"rows kept {len(changes)}, value changed {len(changed)}, dropped {len(dropped)}")
    print("largest relative changes (actor year old -> new, change, old published):")
    for c in sorted(changed, key=lambda c: -abs(c[4]))[:12]:
        print(f"  {c[0]} {c[1]} {c[2]:.4e} -> {c[3]:.4e} {100 * c[4]:+.2f}% (was published {c[5]})")
    if newer:
        rev = [(c[3] / c[6] - 1) for c in changes if c[0] == "EUU" and c[6]]
        print("EUU: this vintage vs --newer, RMS %.2f%%, max %.2f%%" % (
            100 * math.sqrt(sum(x * x for x in rev) / len(rev)), 100 * max(abs(x) for x in rev)))
    print("dropped (no value in the vintage):")
    for d in dropped:
        print("  %s %s %d %s (published %s)" % d)


if __name__ == "__main__":
    main()

"""The stylized facts' statistics from run files, for ablations (docs/validation.md).

    pactsim-facts RUN.h5 [--base BASE.h5] [--counterfactual NONE.h5] [--csv]

Computes, per replicate, the statistics by which tests/unit/test_stylized_facts.c,
test_stylized_facts_2.c and test_history.c check the article's stylized facts
(SF1-SF10), and says for each whether it holds: the central 95 % of replicates
on the fact's side of zero (the tests' criterion). Run it on a run made with
an event removed (`--set timeline.ID=null`) or a mechanism switched off
(`--set parameters.<model>.<name>=...`) to see which facts survive; `--base`
adds the paired contrasts (SF9: a relief scenario against the baseline, same
seed); `--counterfactual` the run's rise net of the drift (SF1: the baseline
against no_invasion.yaml, neither the invasion nor the 2022 sanctions, same seed). A statistic needing a variable, actor, theater or month the run lacks is
skipped. The history facts (SF10) apply to runs of history_1979_2022.yaml.
Exit status 0 when at least one statistic was computed, 2 otherwise.
"""
import argparse
import sys

import numpy as np

import contextlib

from .io import PactsimFileError, as_run, incomplete_note, open_run
from .script import script

__all__ = ["Fact", "FACTS", "HISTORY_FACTS", "PAIRED_FACTS", "COUNTERFACTUAL_FACTS", "evaluate",
           "main"]


class Fact:
    """A statistic per replicate (a function of the open run) and the sign it must have."""

    def __init__(self, fact, what, sign, fn):
        self.fact, self.what, self.sign, self.fn = fact, what, sign, fn



def _next_month(ym):
    """'YYYY-MM' of the month after ym."""
    y, m = int(ym[:4]), int(ym[5:7])
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


class _Reader:
    """Means over [first, last) months of one run's series, per replicate."""

    def __init__(self, run):
        self.run = run
        self._cache = {}

    def _span(self, a, b):
        """Record indices of the months [a, b); b may be the month after the run's
        end, no later: a window the run ends inside is not in the run (its mean
        over the months the run has would be another statistic)."""
        d = self.run.dates
        if a not in d or (b not in d and b != _next_month(d[-1])):
            raise KeyError(f"months {a} to {b} are not in the run ({d[0]} to {d[-1]})")
        return d.index(a), (d.index(b) if b in d else len(d))

    def _series(self, group, field, **sel):
        key = (group, field, tuple(sorted(sel.items())))
        if key not in self._cache:
            self._cache[key] = self._read(group, field, **sel)
        return self._cache[key]

    def _read(self, group, field, **sel):
        ds = getattr(self.run, group)
        if ds is None or field not in ds.data_vars:
            raise KeyError(f"no {group}/{field}")
        da = ds[field]
        for dim, label in sel.items():
            if label not in [str(v) for v in da[dim].values]:
                raise KeyError(f"no {dim} {label}")
        return np.asarray(da.sel(**sel).transpose("replicate", "time").values, dtype=float)

    def dyad(self, field, i, j, a, b):
        x = self._series("dyad_state", field, source=i, target=j)
        s, e = self._span(a, b)
        return x[:, s:e].mean(axis=1)

    def dyad_at(self, field, i, j, month):
        x = self._series("dyad_state", field, source=i, target=j)
        if month not in self.run.dates:
            raise KeyError(f"month {month} is not in the run")
        return x[:, self.run.dates.index(month)]

    def actor(self, field, i, a, b):
        x = self._series("actor_state", field, actor=i)
        s, e = self._span(a, b)
        return x[:, s:e].mean(axis=1)

    def theater(self, field, i, t, a, b):
        x = self._series("theater_state", field, actor=i, theater=t)
        s, e = self._span(a, b)
        return x[:, s:e].mean(axis=1)

    def year(self, field, i, j, y):
        """Mean over the months of year y that the run has (1979: from February)."""
        months = [d for d in self.run.dates if d.startswith(f"{y}-")]
        if not months:
            raise KeyError(f"year {y} is not in the run")
        return self.dyad(field, i, j, months[0], f"{y + 1}-01")


def _oil_buys(r):
    x = 0.0
    for buyer in ("CHN", "IND"):
        for seller in ("RUS", "IRN"):
            x = x + r.dyad("oil_trade", seller, buyer, "2022-07", "2023-07") - \
                r.dyad("oil_trade", seller, buyer, "2022-01", "2022-02")
    return x


def _china_share(r):
    fin = r.dyad("finance_flow", "CHN", "RUS", "2022-08", "2024-01") + \
        r.dyad("promise_delivery", "CHN", "RUS", "2022-08", "2024-01")
    return fin / r.actor("finance_need", "RUS", "2022-08", "2024-01") - 0.25


def _delta(kind, field, i, j, after, before):
    """field over `after` minus over `before` (each a (first, end) pair of months)."""
    return lambda r: getattr(r, kind)(field, i, j, *after) - getattr(r, kind)(field, i, j, *before)


JAN = ("2022-01", "2022-02")
LATE22 = ("2022-08", "2023-01")
#: Facts of the 2022 scenarios (as the C tests state them).
FACTS = [
    Fact("SF1", "RUS-IRN cooperation, 2022-07..2023-06 minus 2022-01", +1,
         _delta("dyad", "cooperation", "RUS", "IRN", ("2022-07", "2023-07"), JAN)),
    Fact("SF2", "sanction pressure RUS minus IRN, 2022-05..07", +1,
         lambda r: r.actor("sanction_pressure", "RUS", "2022-05", "2022-08") -
         r.actor("sanction_pressure", "IRN", "2022-05", "2022-08")),
    Fact("SF3", "RUS commitment in Syria, 2023 minus 2022-01", -1,
         lambda r: r.theater("commitment", "RUS", "syria", "2023-01", "2024-01") -
         r.theater("commitment", "RUS", "syria", *JAN)),
    Fact("SF3", "IRN influence in Syria, 2023 minus 2022-01", +1,
         lambda r: r.theater("influence", "IRN", "syria", "2023-01", "2024-01") -
         r.theater("influence", "IRN", "syria", *JAN)),
    Fact("SF4", "IRN->RUS drones per month, 2022-03..09", +1,
         lambda r: r.dyad("arms_transfer_drones", "IRN", "RUS", "2022-03", "2022-10")),
    Fact("SF5", "share of RUS->IRN pledges delivered by 2024-12, minus 0.5", -1,
         lambda r: r.dyad_at("finance_delivered", "RUS", "IRN", "2024-12") /
         r.dyad_at("finance_promised", "RUS", "IRN", "2024-12") - 0.5),
    Fact("SF6", "CHN+IND purchases of RUS+IRN oil, 2022-07..2023-06 minus 2022-01 (kb/d)", +1,
         _oil_buys),
    Fact("SF6", "discount on Russian oil, 2022-04..12 minus 2022-01 (USD/bbl)", +1,
         lambda r: r.actor("oil_discount", "RUS", "2022-04", "2023-01") -
         r.actor("oil_discount", "RUS", *JAN)),
    Fact("SF6", "China's finance to Russia / Russia's need, 2022-08..2023, minus 0.25", -1,
         _china_share),
    Fact("SF7", "SAU alignment toward USA, 2022-08..12 minus 2022-01", +1,
         _delta("dyad", "alignment", "SAU", "USA", LATE22, JAN)),
    Fact("SF7", "ARE alignment toward USA, 2022-08..12 minus 2022-01", +1,
         _delta("dyad", "alignment", "ARE", "USA", LATE22, JAN)),
    Fact("SF7", "ARE alignment toward IRN, 2022-08..12 minus 2022-01", +1,
         _delta("dyad", "alignment", "ARE", "IRN", LATE22, JAN)),
    Fact("SF7", "hedging index ARE minus SAU, 2022-08..12", +1,
         lambda r: r.actor("hedging_index", "ARE", *LATE22) -
         r.actor("hedging_index", "SAU", *LATE22)),
    Fact("SF8", "TUR leverage over RUS, 2022-04..07 minus 2022-01", +1,
         _delta("dyad", "leverage", "TUR", "RUS", ("2022-04", "2022-08"), JAN)),
]
#: Facts of the 1979-2022 history (tests/unit/test_history.c).
HISTORY_FACTS = [
    Fact("SF10", "RUS-IRN cooperation 1979-02..1980-08 minus 1983..1987 (1980s low)", +1,
         lambda r: r.dyad("cooperation", "RUS", "IRN", "1979-02", "1980-09") -
         r.dyad("cooperation", "RUS", "IRN", "1983-01", "1988-01")),
    Fact("SF10", "RUS-IRN cooperation 1995 minus 1985 (rise after 1989)", +1,
         lambda r: r.year("cooperation", "RUS", "IRN", 1995) -
         r.year("cooperation", "RUS", "IRN", 1985)),
    Fact("SF10", "RUS-IRN cooperation 2005 minus 2008 (dip, UN sanctions)", +1,
         lambda r: r.year("cooperation", "RUS", "IRN", 2005) -
         r.year("cooperation", "RUS", "IRN", 2008)),
    Fact("SF10", "RUS-IRN cooperation 2014 minus 2010 (Syria)", +1,
         lambda r: r.year("cooperation", "RUS", "IRN", 2014) -
         r.year("cooperation", "RUS", "IRN", 2010)),
    Fact("SF10", "RUS-IRN cooperation 2022-06 minus 2021 (2022 jump)", +1,
         lambda r: r.dyad("cooperation", "RUS", "IRN", "2022-06", "2022-07") -
         r.year("cooperation", "RUS", "IRN", 2021)),
]
#: Paired contrasts (run, base): SF9, relief weakens the pact.
PAIRED_FACTS = [
    Fact("SF9", "RUS-IRN cooperation 2024, this run minus --base (paired)", -1,
         lambda r, b: r.dyad("cooperation", "RUS", "IRN", "2024-01", "2025-01") -
         b.dyad("cooperation", "RUS", "IRN", "2024-01", "2025-01")),
]

#: Contrasts with the same scenario without the 2022 events (run, counterfactual): SF1's
#: rise without the drift that the pre/post contrast also holds (validation.md).
COUNTERFACTUAL_FACTS = [
    Fact("SF1", "RUS-IRN cooperation 2022-07..2023-06, this run minus --counterfactual "
                "(paired)", +1,
         lambda r, c: r.dyad("cooperation", "RUS", "IRN", "2022-07", "2023-07") -
         c.dyad("cooperation", "RUS", "IRN", "2022-07", "2023-07")),
]


def evaluate(run, base=None, counterfactual=None):
    """Rows (fact, what, median, lo, hi, holds) for every statistic the run allows; lo and
    hi are the 2.5 % and 97.5 % quantiles over replicates; holds: lo > 0 (sign +1) or
    hi < 0 (sign -1). Returns (rows, skipped) with skipped [(fact, what, reason)].
    Each of run, base and counterfactual is a path or an open Run. PactsimFileError if a
    file is a sweep file."""
    with contextlib.ExitStack() as stack:
        run, base, counterfactual = (None if f is None else stack.enter_context(as_run(f))
                                     for f in (run, base, counterfactual))
        return _evaluate(run, base, counterfactual)


def _evaluate(run, base, counterfactual):
    for f in (run, base, counterfactual):
        if f is not None and f.is_sweep:
            raise PactsimFileError(f"{f.path} is a sweep file; give a run file (pactsim run "
                                   f"... -o FILE)")
    r = _Reader(run)
    # A run from before 2022 is a history run: its facts are SF10's (its 2022 months have
    # other actors and meanings than the 2022 scenarios').
    history = bool(run.dates) and run.dates[0] < "2022-01"
    jobs = [(f, lambda f=f: f.fn(r)) for f in (HISTORY_FACTS if history else FACTS)]
    if base is not None:
        b = _Reader(base)
        jobs += [(f, lambda f=f: f.fn(r, b)) for f in PAIRED_FACTS]
    if counterfactual is not None:
        c = _Reader(counterfactual)
        jobs += [(f, lambda f=f: f.fn(r, c)) for f in COUNTERFACTUAL_FACTS]
    rows, skipped = [], []
    for f, compute in jobs:
        try:
            with np.errstate(invalid="ignore", divide="ignore"):
                x = np.asarray(compute(), dtype=float)
        except (KeyError, ValueError) as e:
            skipped.append((f.fact, f.what, str(e.args[0]) if e.args else str(e)))
            continue
        x = x[np.isfinite(x)]
        if x.size == 0:
            skipped.append((f.fact, f.what, "undefined in every replicate"))
            continue
        lo, med, hi = np.quantile(x, [0.025, 0.5, 0.975])
        rows.append((f.fact, f.what, float(med), float(lo), float(hi),
                     bool(lo > 0) if f.sign > 0 else bool(hi < 0)))
    return rows, skipped


@script("pactsim-facts")
def main(argv=None):
    p = argparse.ArgumentParser(
        prog="pactsim-facts",
        description="The stylized facts' statistics (SF1-SF10, as the C tests define them) "
                    "of a run: median and central 95 % over replicates, and whether each "
                    "holds. For ablations: run with an event removed or a mechanism off, "
                    "then compare with the baseline.",
        epilog="Exit status: 0 something computed; 2 not a run, nothing computable. See "
               "docs/validation.md.")
    p.add_argument("file", help="run file (pactsim run ... -o FILE)")
    p.add_argument("--base", help="baseline run of the same seed, for the paired SF9 contrast")
    p.add_argument("--counterfactual",
                   help="the run's scenario without the 2022 invasion and sanctions "
                        "(no_invasion.yaml), same seed: SF1's rise net of the drift")
    p.add_argument("--csv", action="store_true", help="CSV instead of a table")
    args = p.parse_args(argv)
    try:
        run = open_run(args.file)
        base = open_run(args.base) if args.base else None
        cf = open_run(args.counterfactual) if args.counterfactual else None
    except PactsimFileError as e:
        print(f"pactsim-facts: error: {e}", file=sys.stderr)
        return 2
    try:
        rows, skipped = evaluate(run, base, cf)
        for f in (run, base, cf):  # statistics of the finished replicates only: say so
            msg = incomplete_note(f) if f is not None else None
            if msg:
                print(f"pactsim-facts: note: {msg}", file=sys.stderr)
    except PactsimFileError as e:
        print(f"pactsim-facts: error: {e}", file=sys.stderr)
        return 2
    finally:
        for f in (run, base, cf):
            if f is not None:
                f.close()
    for fact, what, why in skipped:
        print(f"pactsim-facts: note: {fact} {what}: skipped ({why})", file=sys.stderr)
    if not rows:
        print(f"pactsim-facts: error: {args.file}: no fact's statistic can be computed "
              f"(first reason: {skipped[0][2] if skipped else 'none'})", file=sys.stderr)
        return 2
    if args.csv:
        print("fact,statistic,median,q025,q975,holds")
        for fact, what, med, lo, hi, ok in rows:
            print(f'{fact},"{what}",{med:.6g},{lo:.6g},{hi:.6g},{int(ok)}')
    else:
        for fact, what, med, lo, hi, ok in rows:
            print(f"{fact:4s}  {what:72s} {med:+11.4g} [{lo:+.4g}, {hi:+.4g}]  "
                  f"{'holds' if ok else 'FAILS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

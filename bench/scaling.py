"""Report of bench/scaling.sh: the cost of a month against N, the fitted
exponent (least squares of log cost on log N) overall and per model, and a
log-log plot with the N^2 line through the smallest N.

    scaling.py results_scaling.csv scaling.png LOAD0 LOAD1 > results_scaling.md
"""
import csv
import sys

import numpy as np

TARGET = 2.1


def exponent(ns, ts):
    """Slope of log t on log n (None if fewer than two sizes or a zero time)."""
    ns, ts = np.asarray(ns, float), np.asarray(ts, float)
    if len(ns) < 2 or np.any(ts <= 0):
        return None
    return float(np.polyfit(np.log(ns), np.log(ts), 1)[0])


def main():
    path, png, load0, load1 = sys.argv[1:5]
    rows = list(csv.DictReader(open(path)))
    cost = {}  # (threads, part) -> {n: seconds}
    for r in rows:
        cost.setdefault((int(r["threads"]), r["part"]), {})[int(r["n_actors"])] = float(
            r["seconds_per_month"])
    threads = sorted({t for t, _ in cost})
    sizes = sorted({n for d in cost.values() for n in d})
    out = [f"Cost of a month (`bench_step --models`, seconds; load average {load0} before, "
           f"{load1} after). Exponent: slope of log(cost) on log(N) over N = "
           f"{sizes[0]}..{sizes[-1]}; target <= {TARGET}.\n"]
    out.append("| threads | " + " | ".join(f"N={n}" for n in sizes) + " | exponent | target |")
    out.append("|---" * (len(sizes) + 3) + "|")
    for t in threads:
        d = cost.get((t, "step"), {})
        e = exponent(list(d), list(d.values()))
        met = "" if e is None else ("met" if e <= TARGET else "not met")
        out.append(f"| {t} | " + " | ".join(f"{d[n]:.4g}" if n in d else "" for n in sizes) +
                   f" | {'' if e is None else f'{e:.2f}'} | {met} |")
    if len(threads) > 1:
        d1, d2 = cost.get((1, "step"), {}), cost.get((threads[-1], "step"), {})
        eff = [d1[n] / (threads[-1] * d2[n]) for n in sizes if n in d1 and n in d2]
        out.append(f"\nParallel efficiency of a month on {threads[-1]} threads: " +
                   ", ".join(f"N={n} {e:.2f}" for n, e in zip(sizes, eff)) + " (target >= 0.85 at N >= 1000).")
    out.append("\nPer model, 1 thread (seconds a month; exponent over the same sizes):\n")
    out.append("| model | " + " | ".join(f"N={n}" for n in sizes) + " | exponent |")
    out.append("|---" * (len(sizes) + 2) + "|")
    parts = [p for t, p in cost if t == threads[0] and p not in ("step", "engine")]
    for p in sorted(set(parts), key=lambda p: -max(cost[(threads[0], p)].values())):
        d = cost[(threads[0], p)]
        e = exponent(list(d), list(d.values()))
        out.append(f"| {p} | " + " | ".join(f"{d[n]:.3g}" if n in d else "" for n in sizes) +
                   f" | {'' if e is None else f'{e:.2f}'} |")
    print("\n".join(out))

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for t in threads:
        d = cost.get((t, "step"), {})
        ns = sorted(d)
        ax.loglog(ns, [d[n] for n in ns], "o-", label=f"a month, {t} thread(s)")
    d = cost.get((threads[0], "step"), {})
    if d:
        n0 = min(d)
        ns = np.array(sorted(d), float)
        ax.loglog(ns, d[n0] * (ns / n0) ** 2, "k--", lw=0.8, label="N² through the smallest N")
    ax.set_xlabel("actors N")
    ax.set_ylabel("seconds per month")
    ax.set_title("pactsim: cost of a month against N")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png + ".tmp.png", dpi=110)
    import os
    os.replace(png + ".tmp.png", png)


if __name__ == "__main__":
    main()

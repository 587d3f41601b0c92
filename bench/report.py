#!/usr/bin/python3
"""Markdown table of bench/run.sh results (stdout), with the derived ratios.

    report.py results.csv triad.csv models_1000.csv models_2000.csv LOAD0 LOAD1 [models_12.csv]
    report.py --reference results_reference.csv models_12.csv models_1000.csv
"""
import csv
import platform
import sys

# Bytes moved and flops per ordered dyad (i, j) by cooperation.coop_step, from
# the code (docs/performance.md, "Roofline"): 9 N x N arrays read once in the
# main loop and 4 written (write-allocate: 16 bytes each); the arms pass reads
# cooperation once (both directions served by cache) and 4 arms arrays, and
# writes 4 (16 bytes each).
BYTES_PER_DYAD = 9 * 8 + 4 * 16 + 8 + 4 * 8 + 4 * 16   # 240
FLOPS_PER_DYAD = 220


# The submodels the NumPy reference and the object model compute (model I and
# the diplomatic cover that sanctions reads).
REFERENCE_MODELS = ("sanctions", "oil", "economy", "military", "cooperation", "promises", "cover")


def read_models(path):
    return {r[0]: float(r[1]) for r in csv.reader(open(path)) if r and r[0] != "model"}


def reference_section(rows, models):
    """C / NumPy and C / object-Python ratios (issue 8 targets), as markdown lines."""
    def get(bench, n):
        for r in rows:
            if r["benchmark"] == bench and r["scenario"] == f"synthetic_{n}" and r["threads"] == "1":
                return r
        return None
    out = ["\n## C against the NumPy reference and object-per-actor Python\n",
           "C run: `bench_step`, one replicate, 1 thread, all 12 submodels. C model I: the per-model "
           "seconds per month (`bench_step --models`) of the submodels the reference computes ("
           + ", ".join(REFERENCE_MODELS) + ") times the months, without the engine's copy and "
           "checks. NumPy: `bench/reference/pactsim_ref.py`, the same run from `dump_state`'s dump. "
           "Object: `bench/reference/object_model.py`, one step.\n",
           "| N | months | C run s | C model I s | NumPy s | NumPy / C run | NumPy / C model I | target |",
           "|---|---|---|---|---|---|---|---|"]
    for n, target in ((12, ">= 30"), (1000, ">= 3")):
        c, ref = get("scaling", n), get("reference_numpy", n)
        if not c or not ref:
            continue
        months = int(ref["months"])
        m = models.get(n)
        cm = months * sum(m.get(k, 0.0) for k in REFERENCE_MODELS) if m else None
        tc, tr = float(c["seconds"]), float(ref["seconds"])
        out.append(f"| {n} | {months} | {tc:.3g} | {cm:.3g} | {tr:.3g} | {tr / tc:.3g} | "
                   f"{tr / cm:.3g} | {target} |" if cm else
                   f"| {n} | {months} | {tc:.3g} | | {tr:.3g} | {tr / tc:.3g} | | {target} |")
    c, obj = get("scaling", 12), get("reference_object", 12)
    if c and obj:
        per_month = float(c["seconds"]) / int(c["months"])
        to = float(obj["seconds"])
        m = models.get(12)
        line = (f"\nObject-per-actor Python, one step at N=12: {to * 1e3:.3g} ms; C: {per_month * 1e6:.3g} "
                f"us per month of a run (all submodels) -> ratio **{to / per_month:.3g}**")
        if m:
            cm = sum(m.get(k, 0.0) for k in REFERENCE_MODELS)
            line += f"; C model I per step {cm * 1e6:.3g} us -> ratio **{to / cm:.3g}**"
        out.append(line + " (target >= 300).")
    return out


def main():
    if sys.argv[1] == "--reference":
        rows = list(csv.DictReader(open(sys.argv[2])))
        models = {12: read_models(sys.argv[3]), 1000: read_models(sys.argv[4])}
        print("# pactsim: C against the reference implementations\n")
        print(f"Produced by `bench/run.sh --reference` on {platform.node()}; load average "
              f"{open('/proc/loadavg').read().split()[:3]} at the end.")
        print("\n".join(reference_section(rows, models)))
        return
    rows = list(csv.DictReader(open(sys.argv[1])))
    triad = list(csv.DictReader(open(sys.argv[2])))
    models = {n: {r[0]: float(r[1]) for r in csv.reader(open(p)) if r and r[0] != "model"}
              for n, p in ((1000, sys.argv[3]), (2000, sys.argv[4]))}
    load0, load1 = sys.argv[5], sys.argv[6]
    out = []
    p = out.append
    p("# pactsim benchmark results\n")
    p(f"Produced by `bench/run.sh` on {platform.node()} ({platform.machine()}, "
      f"{open('/proc/cpuinfo').read().count('processor')} logical CPUs); "
      f"load average {load0} at the start, {load1} at the end "
      "(the machine is shared: timings are the best of several repeats).\n")
    p("| benchmark | scenario | N | months | replicates | threads | output | seconds | runs/s | "
      "actor-steps/s | dyad-updates/s | state+series MiB | peak RSS MiB | RSS / (state+series) |")
    p("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        mib = ""
        ratio = ""
        if r["state_bytes"]:
            th = int(r["threads"])
            held = min(th, int(r["replicates"])) if int(r["replicates"]) > 1 else 1
            need = held * (float(r["state_bytes"]) + float(r["series_bytes"] or 0))
            mib = f"{need / 2**20:.1f}"
            if r["peak_rss_bytes"]:
                ratio = f"{float(r['peak_rss_bytes']) / need:.2f}"
        rss = f"{float(r['peak_rss_bytes']) / 2**20:.1f}" if r["peak_rss_bytes"] else ""

        def g(k, f="{:.3g}"):
            return f.format(float(r[k])) if r[k] else ""
        p(f"| {r['benchmark']} | {r['scenario']} | {r['n_actors']} | {r['months']} | "
          f"{r['replicates']} | {r['threads']} | {r['output']} | {g('seconds')} | "
          f"{g('runs_per_s')} | {g('actor_steps_per_s')} | {g('dyad_updates_per_s')} | "
          f"{mib} | {rss} | {ratio} |")

    def find(bench, scen, threads, output=None):
        for r in rows:
            if (r["benchmark"] == bench and r["scenario"] == scen and r["threads"] == str(threads)
                    and (output is None or r["output"] == output)):
                return float(r["seconds"])
        return None

    p("\n## Derived\n")
    p("| quantity | value | target |")
    p("|---|---|---|")

    def eff(t1, t2):
        return f"{t1 / (2 * t2):.2f}" if t1 and t2 else "n/a"
    p(f"| parallel efficiency, 2 threads, baseline replicates (no output) | "
      f"{eff(find('baseline', 'baseline_2022', 1), find('baseline', 'baseline_2022', 2))} | >= 0.9 |")
    p(f"| parallel efficiency, 2 threads, baseline summary sweep | "
      f"{eff(find('baseline_summary', 'baseline_2022', 1), find('baseline_summary', 'baseline_2022', 2))} | >= 0.9 |")
    p(f"| parallel efficiency, 2 threads, 8 replicates of N=193 | "
      f"{eff(find('replicates', 'synthetic_193', 1), find('replicates', 'synthetic_193', 2))} | >= 0.9 |")
    p(f"| parallel efficiency, 2 threads, within one run, N=1000 | "
      f"{eff(find('scaling', 'synthetic_1000', 1), find('scaling', 'synthetic_1000', 2))} | >= 0.85 |")
    p(f"| parallel efficiency, 2 threads, within one run, N=2000 | "
      f"{eff(find('scaling', 'synthetic_2000', 1), find('scaling', 'synthetic_2000', 2))} | >= 0.85 |")
    long = [r for r in rows if r["benchmark"] == "long" and r["threads"] == "1"]
    if long:
        r = long[0]
        p(f"| {r['n_actors']} actors x {r['months']} months, 1 replicate, 1 thread, no output "
          f"(setup included) | {float(r['seconds']):.2f} s | < 2 s for 480 months |")
    for t in (1, 2):
        none = find("baseline", "baseline_2022", t)
        full = find("baseline_full", "baseline_2022", t)
        summ = find("baseline_summary", "baseline_2022", t)
        paired = find("baseline_paired", "baseline_2022", t)  # taken alternately with summ
        if none and full:
            p(f"| HDF5 overhead, full output, baseline, {t} thread(s): (full - none) / full | "
              f"{(full - none) / full:.0%} | <= 25% |")
        if (paired or none) and summ:
            base = paired or none
            p(f"| HDF5 overhead, summary sweep, baseline, {t} thread(s): (summary - none) / summary"
              f"{', alternate runs' if paired else ''} | {(summ - base) / summ:.0%} | <= 10% |")
        proc = find("baseline_paired_process", "baseline_2022", t)
        if proc and summ:
            p(f"| the same, both timed as whole processes (start and scenario loading in both) | "
              f"{(summ - proc) / summ:.0%} | <= 10% |")
    none = find("scaling", "synthetic_193", 1)
    full = find("scaling_full", "synthetic_193", 1)
    if none and full:
        p(f"| HDF5 overhead, full output, N=193, 1 thread | {(full - none) / full:.0%} | <= 25% |")
    bw1 = float(triad[0]["gb_per_s"])
    bwn = float(triad[-1]["gb_per_s"])
    p(f"| STREAM triad, 1 thread / {triad[-1]['threads']} threads (24 B/element) | "
      f"{bw1:.1f} / {bwn:.1f} GB/s | |")
    for n, m in sorted(models.items()):
        t = m.get("cooperation")
        if t:
            dps = n * (n - 1) / t
            gbs = dps * BYTES_PER_DYAD / 1e9
            p(f"| cooperation kernel, N={n}, 1 thread: dyads/s, GB/s at {BYTES_PER_DYAD} B/dyad, "
              f"GFLOP/s at {FLOPS_PER_DYAD} flop/dyad | {dps:.3g}, {gbs:.2f} GB/s = "
              f"{gbs / bw1:.0%} of the 1-thread triad, {dps * FLOPS_PER_DYAD / 1e9:.2f} GFLOP/s | "
              ">= 50% of triad |")
    if len(sys.argv) > 7:
        out.extend(reference_section(rows, {12: read_models(sys.argv[7]), 1000: models[1000]}))
    p("\n## Seconds per month by model (1 thread)\n")
    names = list(models[1000])
    p("| model | N=1000 | N=2000 |")
    p("|---|---|---|")
    for k in names:
        p(f"| {k} | {models[1000][k]:.4g} | {models[2000].get(k, float('nan')):.4g} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()

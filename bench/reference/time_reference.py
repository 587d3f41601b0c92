#!/usr/bin/python3
"""Time the NumPy reference (a whole run) or the object model (one step): bench/run.sh.

    time_reference.py numpy|object DUMP_DIR LABEL [--repeat K]

Prints one row in the format of bench/results.csv (peak RSS left empty):
benchmark (reference_numpy or reference_object), scenario label, N, months
(1 for the object model's single step), replicates 1, threads 1, output none,
seconds (best of K), runs/s, actor-steps/s, dyad-updates/s, state bytes.
Loading the dump is not timed (as bench_step does not time loading the
scenario); the reference's init (its private data) is, as ps_world_create is.
"""
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pactsim_ref  # noqa: E402


def main():
    args = sys.argv[1:]
    repeat = 3
    if "--repeat" in args:
        k = args.index("--repeat")
        repeat = int(args[k + 1])
        del args[k:k + 2]
    kind, path, label = args
    dump = pactsim_ref.load_dump(path)
    n = dump["n_actors"]
    best = math.inf
    if kind == "numpy":
        months = dump["n_months"]
        for _ in range(repeat):
            t0 = time.perf_counter()
            pactsim_ref.Reference(dump).run(months, [])
            best = min(best, time.perf_counter() - t0)
    else:
        import object_model
        months = 1
        for _ in range(repeat):
            w = object_model.World(dump)
            t0 = time.perf_counter()
            w.step()
            best = min(best, time.perf_counter() - t0)
    state = 2 * 8 * sum(v.size for v in dump["state"].values())
    print(f"reference_{kind},{label},{n},{months},1,1,none,{best:.6g},{1 / best:.6g},"
          f"{n * months / best:.6g},{n * (n - 1) * months / best:.6g},{state},,")


if __name__ == "__main__":
    main()

#!/bin/bash
# Calibration throughput: simulations (particles) and model runs per second of
# `pactsim calibrate` on 1 and 2 threads, for the twin spec (4 actors, 24
# months, 4 parameters) and the 2022 baseline spec cut to 3 generations
# (bench/calib_baseline.yaml: 12 actors, 7 months, 26 parameters); with `full`,
# also the whole shipped baseline calibration (configs/calibration/baseline_2022.yaml,
# 25 generations) on 2 threads, the figure the 30-minute target is about.
# Reports wall time and CPU time (user + sys): on a shared machine the CPU rate
# is the steadier figure. Writes bench/results_calibrate.csv (and stdout).
#   bench/calibrate.sh [PACTSIM] [REPEATS] [full]   (defaults: build/pactsim, 3)
# CSV: spec,threads,repeat,wall_s,cpu_s,simulations,runs,sims_per_wall_s,runs_per_wall_s,runs_per_cpu_s
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
PACTSIM=${1:-$SRC/build/pactsim}
REPEATS=${2:-3}
FULL=${3:-}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
TIMEFORMAT='%R %U %S'
{
    echo "spec,threads,repeat,wall_s,cpu_s,simulations,runs,sims_per_wall_s,runs_per_wall_s,runs_per_cpu_s"
    specs=("$SRC/tests/configs/calib/twin_calib.yaml" "$SRC/bench/calib_baseline.yaml")
    [ "$FULL" = full ] && specs+=("$SRC/configs/calibration/baseline_2022.yaml")
    for spec in "${specs[@]}"; do
        name=$(basename "$spec" .yaml)
        threads="1 2"
        [ "$name" = baseline_2022 ] && threads=2
        for t in $threads; do
            reps=$REPEATS
            [ "$name" = baseline_2022 ] && reps=1 # 4-10 minutes
            for r in $(seq "$reps"); do
                { time "$PACTSIM" calibrate "$spec" -o "$W/p.h5" --force --quiet --threads "$t" ; } 2> "$W/time"
                read -r wall user sys < <(tail -1 "$W/time")
                /usr/bin/python3 - "$W/p.h5" "$name" "$t" "$r" "$wall" "$user" "$sys" <<'PY'
import sys, h5py
g = h5py.File(sys.argv[1], "r")["generations"]
sims, runs = g.attrs["total_simulations"], g.attrs["total_runs"]
wall, cpu = float(sys.argv[5]), float(sys.argv[6]) + float(sys.argv[7])
print("%s,%s,%s,%.2f,%.2f,%d,%d,%.1f,%.1f,%.1f" % (sys.argv[2], sys.argv[3], sys.argv[4], wall, cpu,
      sims, runs, sims / wall, runs / wall, runs / cpu))
PY
            done
        done
    done
} | tee "$SRC/bench/results_calibrate.csv"

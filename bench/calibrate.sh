#!/bin/bash
# Calibration throughput: simulations (particles) and model runs per second of
# `pactsim calibrate` on 1 and 2 threads, for the twin spec and a spec on the
# 2022 baseline (12 actors, 2022-01 to 2024-12, 20 parameters).
#   bench/calibrate.sh [PACTSIM] [REPEATS]   (defaults: build/pactsim, 3)
# Prints CSV: spec,threads,repeat,seconds,simulations,runs,sims_per_s,runs_per_s
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
PACTSIM=${1:-$SRC/build/pactsim}
REPEATS=${2:-3}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
echo "spec,threads,repeat,seconds,simulations,runs,sims_per_s,runs_per_s"
for spec in "$SRC/tests/configs/calib/twin_calib.yaml" "$SRC/bench/calib_baseline.yaml"; do
    name=$(basename "$spec" .yaml)
    for t in 1 2; do
        for r in $(seq "$REPEATS"); do
            t0=$(date +%s.%N)
            "$PACTSIM" calibrate "$spec" -o "$W/p.h5" --force --quiet --threads "$t"
            t1=$(date +%s.%N)
            /usr/bin/python3 - "$W/p.h5" "$name" "$t" "$r" "$t0" "$t1" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
g = f["generations"]
sims, runs = g.attrs["total_simulations"], g.attrs["total_runs"]
s = float(sys.argv[6]) - float(sys.argv[5])
print("%s,%s,%s,%.2f,%d,%d,%.1f,%.1f" % (sys.argv[2], sys.argv[3], sys.argv[4], s, sims, runs,
                                         sims / s, runs / s))
PY
        done
    done
done

#!/bin/bash
# The long twin-experiment check behind tests/cli/test_calibrate.sh (which runs 5
# data sets): K data sets made by tests/configs/calib/twin.yaml at known values
# of 4 parameters (model seed 100+s, observation noise seed s, calibration seed
# s), each calibrated with the twin spec, and the coverage of the true values by
# the 90% posterior intervals, per parameter and in all. Coverage well below 90%
# means overconfident posteriors; ABC with a finite tolerance tends to be wider.
#   tools/calib-coverage.sh [PACTSIM] [K] [PARTICLES] [GENERATIONS]   (build/pactsim 20 200 8)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
PACTSIM=${1:-$SRC/build/pactsim}
K=${2:-20}
N=${3:-200}
G=${4:-8}
D="$SRC/tests/configs/calib"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
for s in $(seq "$K"); do
    "$PACTSIM" run "$D/twin.yaml" -o "$W/truth.h5" --seed $((100 + s)) --quiet --force \
        --set parameters.economy.sanction_elasticity=0.2 --set parameters.sanctions.evasion_adjust=0.05 \
        --set parameters.sanctions.evasion_max=0.7 --set parameters.sanctions.erosion=0.01
    /usr/bin/python3 "$SRC/tests/calib/twin_obs.py" "$W/truth.h5" "$W/obs.csv" "$s"
    sed -e "s|^base: .*|base: $D/twin.yaml|" -e "s|^observations: .*|observations: [$W/obs.csv]|" \
        -e "s|^seed: .*|seed: $s|" -e "s|^particles: .*|particles: $N|" \
        -e "s|^generations: .*|generations: $G|" "$D/twin_calib.yaml" > "$W/spec.yaml"
    "$PACTSIM" calibrate "$W/spec.yaml" -o "$W/post$s.h5" --quiet --force
done
/usr/bin/python3 - "$W" "$K" <<'PY'
import sys, h5py
truth = {"parameters.economy.sanction_elasticity": 0.2, "parameters.sanctions.evasion_adjust": 0.05,
         "parameters.sanctions.evasion_max": 0.7, "parameters.sanctions.erosion": 0.01}
hits = {n: 0 for n in truth}
K = int(sys.argv[2])
for s in range(1, K + 1):
    with h5py.File("%s/post%d.h5" % (sys.argv[1], s), "r") as f:
        names = f["posterior/parameter"].asstr()[()]
        lo, hi = f["posterior/q05"][()], f["posterior/q95"][()]
        for j, n in enumerate(names):
            hits[n] += lo[j] <= truth[n] <= hi[j]
for n, h in hits.items():
    print("%-42s %d/%d covered" % (n, h, K))
tot = sum(hits.values())
print("all: %d/%d = %.0f%% of true values in their 90%% interval" % (tot, 4 * K, 100.0 * tot / (4 * K)))
PY

#!/bin/bash
# Cost of a month against the number of actors (docs/performance.md#scaling):
#
#   bench/scaling.sh [BUILD_DIR] [SIZES] [REPEATS]
#       default: build-bench (Release), "500 1000 2000 4000", 2 repeats
#
# For each N, a synthetic world (bench/gen_world.py, 3 months) is stepped by
# `bench_step --models` on 1 and 2 threads: the seconds of each model's step
# and of the whole step (copy, models, events, checks: what a month costs),
# averaged over months 2 and 3 and the repeats. Not in it: setup (allocation,
# first touch, the models' init, and the first month, which first touches the
# models' scratch arrays) and output, which are the other rows of bench/run.sh.
# bench/scaling.py fits the exponent of N in the cost of a month (target <= 2.1
# from N=500 to 4000) and draws bench/scaling.png.
# Writes bench/results_scaling.csv and bench/results_scaling.md.
# N=4000 needs ~8 GiB of memory and a few minutes.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build-bench}
SIZES=${2:-500 1000 2000 4000}
REP=${3:-2}
if [ ! -x "$BUILD/bench/bench_step" ]; then
    cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD" -j2 >/dev/null
fi
STEP=$BUILD/bench/bench_step
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
CSV=$SRC/bench/results_scaling.csv
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "n_actors,threads,part,seconds_per_month" > "$W/all.csv"
for n in $SIZES; do
    /usr/bin/python3 "$SRC/bench/gen_world.py" "$n" --months 3 -o "$W/w$n.yaml"
    for t in 1 2; do
        "$STEP" "$W/w$n.yaml" -t "$t" --models --repeat "$REP" |
            awk -F, -v n="$n" -v t="$t" 'NR > 1 { print n "," t "," $1 "," $2 }' >> "$W/all.csv"
        echo "N=$n, $t thread(s): $(grep "^$n,$t,step," "$W/all.csv" | cut -d, -f4) s a month" >&2
    done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
mv "$W/all.csv" "$CSV.tmp" && mv "$CSV.tmp" "$CSV"
/usr/bin/python3 "$SRC/bench/scaling.py" "$CSV" "$SRC/bench/scaling.png" "$load0" "$load1" \
    > "$SRC/bench/results_scaling.md.tmp"
mv "$SRC/bench/results_scaling.md.tmp" "$SRC/bench/results_scaling.md"
cat "$SRC/bench/results_scaling.md"

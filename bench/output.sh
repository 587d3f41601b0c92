#!/bin/bash
# What full HDF5 output costs a default run (docs/performance.md#output):
#
#   bench/output.sh [BUILD_DIR] [REPEATS]   # default build-bench (Release), 5 repeats
#
# For the baseline (12 actors, 108 months, 100 replicates) on 1 and 2 threads,
# bench_step times ps_sim_run without output (the model only) and with the
# full file in each storage setting (the default, float32 + deflate 1, and
# the others the config's output: allows), interleaved: each repeat runs the
# model-only run and then every setting, so that all rows share the machine's
# load of the moment. Each figure is the best of the repeats (wall clock, as
# a user waits for it; the CPU seconds of that run beside it). The output's
# share of the run is (full - model) / full, against the target of 25%.
# Writes bench/results_output.csv and bench/results_output.md.
set -euo pipefail
set -f # the fields patterns (oil_*) are not file names
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build-bench}
REP=${2:-5}
if [ ! -x "$BUILD/bench/bench_step" ]; then
    cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD" -j2 >/dev/null
fi
STEP=$BUILD/bench/bench_step
BASE=$SRC/configs/baseline_2022.yaml
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
CSV=$SRC/bench/results_output.csv
MD=$SRC/bench/results_output.md
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# label precision compression [fields] ("-" = no output). The last row writes
# only the fields analysis/pactsim/facts.py and data/observations/ read
# (output.fields), as an analyst who needs those would.
FACTS="cooperation,alignment,sanction_pressure,oil_*,hedging_index,leverage,promise_delivery"
FACTS="$FACTS,finance_*,arms_transfer_drones,influence,commitment,gdp,reserves,current_account"
SETTINGS=("model-only - -" "float32/1(default) float32 1" "float32/none float32 none"
          "float64/1 float64 1" "float64/4(old-default) float64 4"
          "float32/1+fields(facts) float32 1 $FACTS")

echo "threads,setting,repeat,seconds,cpu_seconds,file_bytes" > "$W/all.csv"
for t in 1 2; do
    for k in $(seq "$REP"); do
        for s in "${SETTINGS[@]}"; do
            set -- $s
            args=(-t "$t")
            [ "$2" = - ] || args+=(-o "$W/out.h5" --set "output.precision=$2"
                                  --set "output.compression=$3")
            [ -z "${4:-}" ] || args+=(--set "output.fields=[\"${4//,/\", \"}\"]")
            /usr/bin/time -f '%U %S' -o "$W/time" "$STEP" "$BASE" "${args[@]}" > "$W/row"
            sec=$(tail -1 "$W/row" | cut -d, -f6)
            cpu=$(awk '{ print $1 + $2 }' "$W/time")
            bytes=0
            [ "$2" = - ] || bytes=$(stat -c %s "$W/out.h5")
            echo "$t,$1,$k,$sec,$cpu,$bytes" >> "$W/all.csv"
        done
    done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
cp "$W/all.csv" "$CSV"

# Best of the repeats per (threads, setting); share against the best model-only run.
awk -F, -v load0="$load0" -v load1="$load1" -v rep="$REP" '
NR == 1 { next }
{
    key = $1 SUBSEP $2
    if (!(key in best) || $4 < best[key]) { best[key] = $4; cpu[key] = $5; bytes[key] = $6 }
    if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
}
END {
    printf "Baseline, 100 replicates x 108 months; best of %d interleaved repeats; load average %s at the start, %s at the end.\n\n", rep, load0, load1
    print "| threads | setting | seconds | CPU s | file MiB | output share (full - model) / full | target <= 25% |"
    print "|---|---|---|---|---|---|---|"
    for (t = 1; t <= 2; t++) {
        m = best[t SUBSEP "model-only"]
        for (i = 1; i <= n; i++) {
            k = t SUBSEP order[i]
            if (!(k in best)) continue
            if (order[i] == "model-only") {
                printf "| %d | %s | %.3f | %.2f | | | |\n", t, order[i], best[k], cpu[k]
                continue
            }
            share = (best[k] - m) / best[k]
            printf "| %d | %s | %.3f | %.2f | %.1f | %.0f%% | %s |\n", t, order[i], best[k], cpu[k],
                   bytes[k] / 1048576, 100 * share, share <= 0.25 ? "met" : "not met"
        }
    }
}' "$W/all.csv" | tee "$MD"
echo "wrote $CSV and $MD"

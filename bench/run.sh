#!/bin/bash
# Every pactsim benchmark, one command (docs/performance.md):
#
#   bench/run.sh [BUILD_DIR]        # default build-bench (Release), built if needed
#   bench/run.sh --reference [BUILD_DIR]   # only the C / NumPy / object-Python ratios
#
# Writes bench/results.csv (one row per measurement) and bench/results.md (the
# table). Synthetic worlds come from bench/gen_world.py into a temporary
# directory. Timings are the best of several repeats (the machine may be
# shared: the load average at the start and end is recorded). QUICK=1 runs
# fewer repeats and months.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
MODE=all
if [ "${1:-}" = "--reference" ]; then MODE=reference; shift; fi
BUILD=${1:-$SRC/build-bench}
if [ ! -x "$BUILD/bench/bench_step" ] || [ ! -x "$BUILD/bench/dump_state" ]; then
    cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD" -j2 >/dev/null
fi
STEP=$BUILD/bench/bench_step TRIAD=$BUILD/bench/bench_triad PACTSIM=$BUILD/pactsim
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
BASE=$SRC/configs/baseline_2022.yaml
Q=${QUICK:-0}
REP=$([ "$Q" = 1 ] && echo 2 || echo 5)
CSV=$SRC/bench/results.csv
MD=$SRC/bench/results.md
[ "$MODE" = reference ] && CSV=$SRC/bench/results_reference.csv MD=$SRC/bench/results_reference.md
load0=$(cut -d' ' -f1-3 /proc/loadavg)

echo "benchmark,scenario,n_actors,months,replicates,threads,output,seconds,runs_per_s,actor_steps_per_s,dyad_updates_per_s,state_bytes,series_bytes,peak_rss_bytes" > "$CSV"
# row NAME SCENARIO-LABEL bench_step-args...: best of $REP, peak RSS from /usr/bin/time -v
row() {
    local name=$1 label=$2
    shift 2
    local line rss
    /usr/bin/time -v "$STEP" "$@" --repeat "$REP" > "$W/out" 2> "$W/time" || { cat "$W/time"; exit 1; }
    line=$(tail -1 "$W/out")
    rss=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); printf "%d\n", $2 * 1024 }' "$W/time")
    echo "$name,$label,$line,$rss" | tee -a "$CSV"
}

# The NumPy reference (bench/reference/pactsim_ref.py, one whole run) and the
# object-per-actor Python model (one step) on the synthetic worlds of N=12
# (108 months) and N=1000 (3 months), from dump_state's dump of replicate 0;
# the C run of the same file and its per-model seconds per month.
reference() {
    local n m
    for n in 12 1000; do
        m=$([ "$n" = 12 ] && echo 108 || echo 3)   # as the scaling rows of part 2
        [ "$Q" = 1 ] && [ "$n" = 12 ] && [ "$MODE" = all ] && m=6
        /usr/bin/python3 "$SRC/bench/gen_world.py" "$n" --months "$m" -o "$W/ref$n.yaml"
        "$BUILD/bench/dump_state" "$W/ref$n.yaml" -o "$W/dump$n"
        [ "$MODE" = reference ] && row scaling "synthetic_$n" "$W/ref$n.yaml" -t 1
        [ "$MODE" = reference ] || [ "$n" = 12 ] && "$STEP" "$W/ref$n.yaml" -t 1 --models --repeat "$REP" > "$W/models_$n.csv"
        /usr/bin/python3 "$SRC/bench/reference/time_reference.py" numpy "$W/dump$n" "synthetic_$n" \
            --repeat "$([ "$n" = 12 ] && echo "$REP" || echo 1)" | tee -a "$CSV"
    done
    /usr/bin/python3 "$SRC/bench/reference/time_reference.py" object "$W/dump12" synthetic_12 \
        --repeat "$REP" | tee -a "$CSV"
}
if [ "$MODE" = reference ]; then
    echo "benchmark,scenario,n_actors,months,replicates,threads,output,seconds,runs_per_s,actor_steps_per_s,dyad_updates_per_s,state_bytes,series_bytes,peak_rss_bytes" > "$CSV"
    reference
    /usr/bin/python3 "$SRC/bench/report.py" --reference "$CSV" "$W/models_12.csv" "$W/models_1000.csv" > "$MD"
    echo "wrote $CSV and $MD"
    exit 0
fi

# 1. Baseline scenario (12 actors, 108 months, 100 replicates): no output, full HDF5.
# The two no-output runs one right after the other, so that the replicate
# efficiency compares timings taken under the same load (with a full-output
# run between them it once came out as 1.67 on this shared machine).
for t in 1 2; do row baseline baseline_2022 "$BASE" -t "$t"; done
for t in 1 2; do row baseline_full baseline_2022 "$BASE" -t "$t" -o "$W/full.h5"; done
# Summary mode: a one-point sweep of the baseline keeps only /summary (timed
# around the CLI: process start and scenario loading included). Each sweep is
# paired with a no-output run just before it, so that the overhead compares
# timings taken under the same load (the machine may be shared). The no-output
# run is reported twice: ps_sim_run alone (bench_step's own timing, the row
# baseline_paired) and its whole process timed the same way as the sweep's
# (baseline_paired_process), so that the process start and the loading of the
# scenario, which a run without output pays too, are not counted as output.
cat > "$W/summary.yaml" <<SPEC
name: bench_summary
base: $BASE
design: grid
replicates: 100
output: summary
parameters:
  parameters.sanctions.erosion: {values: [0.002]}
SPEC
for t in 1 2; do
    best=1e9 none=1e9 proc=1e9
    for k in $(seq "$REP"); do
        p0=$(date +%s.%N)
        n=$("$STEP" "$BASE" -t "$t" | tail -1 | cut -d, -f6)
        s0=$(date +%s.%N)
        proc=$(echo "$p0 $s0 $proc" | awk '{d = $2 - $1; print (d < $3 ? d : $3)}')
        "$PACTSIM" sweep "$W/summary.yaml" -o "$W/summary.h5" --force --quiet --threads "$t" 2>/dev/null
        s1=$(date +%s.%N)
        best=$(echo "$s0 $s1 $best" | awk '{d = $2 - $1; print (d < $3 ? d : $3)}')
        none=$(echo "$n $none" | awk '{print ($1 < $2 ? $1 : $2)}')
    done
    echo "baseline_summary,baseline_2022,12,108,100,$t,summary,$best,$(awk -v b="$best" 'BEGIN { print 100 / b }'),,,,," | tee -a "$CSV"
    echo "baseline_paired,baseline_2022,12,108,100,$t,none,$none,$(awk -v b="$none" 'BEGIN { print 100 / b }'),,,,," | tee -a "$CSV"
    echo "baseline_paired_process,baseline_2022,12,108,100,$t,none,$proc,$(awk -v b="$proc" 'BEGIN { print 100 / b }'),,,,," | tee -a "$CSV"
done

# 2. Scaling in N: synthetic worlds, one replicate (threads inside the step).
for n in 12 50 193 500 1000 2000; do
    case $n in 12|50) m=108 ;; 193) m=24 ;; 500) m=6 ;; *) m=3 ;; esac
    [ "$Q" = 1 ] && m=$(( m > 6 ? 6 : m ))
    /usr/bin/python3 "$SRC/bench/gen_world.py" "$n" --months "$m" -o "$W/w$n.yaml"
    for t in 1 2; do
        [ "$n" -lt 193 ] && [ "$t" = 2 ] && continue
        row scaling "synthetic_$n" "$W/w$n.yaml" -t "$t"
    done
done
# 193 actors, replicates over threads (the sweep case at world size).
/usr/bin/python3 "$SRC/bench/gen_world.py" 193 --months 24 --replicates 8 -o "$W/r193.yaml"
for t in 1 2; do row replicates "synthetic_193" "$W/r193.yaml" -t "$t"; done
# 193 actors for 480 months (40 years), one replicate on one thread, no output:
# the 193-state world target (< 2 s a replicate; QUICK=1: 48 months).
/usr/bin/python3 "$SRC/bench/gen_world.py" 193 --months "$([ "$Q" = 1 ] && echo 48 || echo 480)" \
    -o "$W/l193.yaml"
row long "synthetic_193" "$W/l193.yaml" -t 1
# 193 actors, full HDF5 output (one replicate, 24 months).
row scaling_full "synthetic_193" "$W/w193.yaml" -t 1 -o "$W/w193.h5"

# 3. Per-model seconds per month at N=1000 and 2000, 1 thread.
for n in 1000 2000; do
    "$STEP" "$W/w$n.yaml" -t 1 --models > "$W/models_$n.csv"
done

# 5. Reference implementations (C / NumPy, C / object-Python ratios).
reference

# 4. Memory bandwidth: STREAM triad (256 MiB arrays).
"$TRIAD" 256 "$((REP * 2))" > "$W/triad.csv"
load1=$(cut -d' ' -f1-3 /proc/loadavg)

/usr/bin/python3 "$SRC/bench/report.py" "$CSV" "$W/triad.csv" "$W/models_1000.csv" \
    "$W/models_2000.csv" "$load0" "$load1" "$W/models_12.csv" > "$MD"
echo "wrote $CSV and $MD"

#!/bin/bash
# Peak memory of summary-mode sweeps against the number of runs (the sweep
# streams: memory must not grow with runs). Usage: bench/sweep_memory.sh [PACTSIM]
# Prints runs, seconds, runs/s and peak RSS for 2,000 and 20,000 runs.
set -e
PACTSIM=${1:-build/pactsim}
SRC=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cp "$SRC/tests/configs/sweep/small.yaml" "$W/"
for samples in 500 5000; do
    cat > "$W/bench.yaml" <<SPEC
name: bench_$samples
base: small.yaml
design: lhs
samples: $samples
replicates: 4
parameters:
  parameters.economy.sanction_elasticity: {range: [0.05, 0.25]}
  parameters.sanctions.erosion: {range: [0.0, 0.05]}
SPEC
    /usr/bin/time -v "$PACTSIM" sweep "$W/bench.yaml" -o "$W/out.h5" --force --threads 2 \
        2> "$W/time.txt" >/dev/null || { cat "$W/time.txt"; exit 1; }
    rss=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$W/time.txt")
    rate=$(grep -o '[0-9.]* runs/s' "$W/time.txt")
    wall=$(awk '/Elapsed \(wall clock\)/ { print $NF }' "$W/time.txt")
    echo "runs=$((samples * 4)) wall=$wall $rate peak_rss_kib=$rss"
done

#!/bin/bash
# CTest bench.smoke: the benchmark tools work (N=12, 2 months; a 8 MiB triad). Not timed.
set -euo pipefail
STEP=$1 TRIAD=$2 SRC=$3
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
/usr/bin/python3 "$SRC/bench/gen_world.py" 12 --months 2 --replicates 2 -o "$W/w12.yaml"
out=$("$STEP" "$W/w12.yaml" -t 2 --header)
echo "$out"
echo "$out" | tail -1 | grep -Eq '^12,2,2,2,none,[0-9.e+-]+,' || { echo "bad bench_step row"; exit 1; }
"$STEP" "$W/w12.yaml" -t 1 -o "$W/w12.h5" | grep -Eq '^12,2,2,1,full,' || { echo "bad full row"; exit 1; }
[ -s "$W/w12.h5" ] || { echo "no output file"; exit 1; }
"$STEP" "$W/w12.yaml" --models | grep -q '^cooperation,' || { echo "no per-model times"; exit 1; }
"$TRIAD" 8 2 | grep -Eq '^1,[0-9.]+,' || { echo "bad triad"; exit 1; }
echo "ok"

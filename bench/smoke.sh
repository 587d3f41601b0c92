#!/bin/bash
# CTest bench.smoke: the benchmark tools work (N=12, 2 months; a 8 MiB triad). Not timed.
set -euo pipefail
# Outputs are captured, then matched from here-strings: under pipefail `cmd | grep -q` fails when
# grep leaves at its first match and cmd, still writing, dies of SIGPIPE (141); CI saw it once.
STEP=$1 TRIAD=$2 SRC=$3
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
/usr/bin/python3 "$SRC/bench/gen_world.py" 12 --months 2 --replicates 2 -o "$W/w12.yaml"
out=$("$STEP" "$W/w12.yaml" -t 2 --header)
echo "$out"
tail -1 <<<"$out" | grep -Eq '^12,2,2,2,none,[0-9.e+-]+,' || { echo "bad bench_step row"; exit 1; }
full=$("$STEP" "$W/w12.yaml" -t 1 -o "$W/w12.h5")
grep -Eq '^12,2,2,1,full,' <<<"$full" || { echo "bad full row"; exit 1; }
[ -s "$W/w12.h5" ] || { echo "no output file"; exit 1; }
models=$("$STEP" "$W/w12.yaml" --models)
grep -q '^cooperation,' <<<"$models" || { echo "no per-model times"; exit 1; }
triad=$("$TRIAD" 8 2)
grep -Eq '^1,[0-9.]+,' <<<"$triad" || { echo "bad triad"; exit 1; }
grep -Eq '^step,[0-9.e+-]+$' <<<"$models" || { echo "no whole-step time"; exit 1; }
# scaling.py fits the exponent: a month costing 1e-7 N^2 (and N^3 for one model) gives 2.00 (3.00).
{ echo "n_actors,threads,part,seconds_per_month"
  for n in 500 1000 2000 4000; do
      echo "$n,1,step,$(awk -v n=$n 'BEGIN{print 1e-7*n*n}')"
      echo "$n,1,cubic,$(awk -v n=$n 'BEGIN{print 1e-10*n*n*n}')"
  done; } > "$W/scaling.csv"
rep=$(/usr/bin/python3 "$SRC/bench/scaling.py" "$W/scaling.csv" "$W/scaling.png" 0 0)
grep -q '^| 1 | .* | 2.00 | met |$' <<<"$rep" || { echo "bad scaling fit: $rep"; exit 1; }
grep -q '^| cubic | .* | 3.00 |$' <<<"$rep" || { echo "bad per-model fit: $rep"; exit 1; }
[ -s "$W/scaling.png" ] || { echo "no scaling plot"; exit 1; }
echo "ok"

#!/bin/bash
# Do two builds give the same bits? For a change meant to keep every result
# (an optimisation, another -march, another compiler):
#
#   bench/bitcheck.sh BUILD_A BUILD_B      # exit 0: identical; 1: a difference
#
# Runs each build's pactsim on the check set (the baseline and the calibrated
# baseline on 1 and 2 threads, synthetic worlds of 50 and 193 actors on 1 and
# 2 threads, the history and a strikes scenario on 2) with float64 output,
# and compares /actor_state, /dyad_state, /theater_state, /events and
# /summary dataset by dataset, bit for bit (bench/bitcmp.py: h5diff counts -0
# and +0 as equal). About a minute on 2 cores.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
A=${1:?usage: bench/bitcheck.sh BUILD_A BUILD_B}
B=${2:?usage: bench/bitcheck.sh BUILD_A BUILD_B}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
/usr/bin/python3 "$SRC/bench/gen_world.py" 50 --months 36 -o "$W/w50.yaml" || exit 2
/usr/bin/python3 "$SRC/bench/gen_world.py" 193 --months 24 -o "$W/w193.yaml" || exit 2
C=$SRC/configs
fail=0
check() { # name args...
    local name=$1 b
    shift
    for b in "$A" "$B"; do
        if ! "$b/pactsim" run "$@" -o "$W/$name.$(basename "$b").h5" --force --quiet \
                --precision float64 --no-space-check > /dev/null 2> "$W/err"; then
            echo "$name: run with $b failed: $(head -c 300 "$W/err")"
            fail=1
            return
        fi
    done
    if /usr/bin/python3 "$SRC/bench/bitcmp.py" "$W/$name.$(basename "$A").h5" \
            "$W/$name.$(basename "$B").h5" /actor_state /dyad_state /theater_state /events /summary; then
        echo "$name: identical"
    else
        fail=1
    fi
    rm -f "$W/$name".*.h5
}
[ "$(basename "$A")" != "$(basename "$B")" ] || { echo "the two build directories need different names"; exit 2; }
check base_t1 "$C/baseline_2022.yaml" -r 20 -t 1
check base_t2 "$C/baseline_2022.yaml" -r 20 -t 2
check calib_t1 "$C/baseline_2022_calibrated.yaml" -r 10 -t 1
check calib_t2 "$C/baseline_2022_calibrated.yaml" -r 10 -t 2
check w50_t1 "$W/w50.yaml" -r 4 -t 1
check w50_t2 "$W/w50.yaml" -r 4 -t 2
check w193_t1 "$W/w193.yaml" -t 1
check w193_t2 "$W/w193.yaml" -t 2
check hist_t2 "$C/history_1979_2022.yaml" -r 4 -t 2
check strike_t2 "$C/examples/strike_loose_partner.yaml" -r 4 -t 2
exit $fail

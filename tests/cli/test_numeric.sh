# Numerical guard: a NaN in the state stops the run with a message naming
# variable, actor, month, replicate and model; exit 1; nothing under the final
# name; the replicates done so far are kept in FILE.failed.h5, marked
# incomplete, and equal to an uninterrupted run where they were completed.
# PACTSIM_TEST_INJECT_NAN=R:M (test hook in sim/run.c) puts a NaN into gdp of
# the first actor of replicate R before month M.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/configs/baseline_2022.yaml"
OUT="$WORK/x.h5"
expect_exit 0 "" -- "$PACTSIM" run "$CFG" -o "$WORK/ref.h5" --replicates 6 --threads 1 --quiet
PACTSIM_TEST_INJECT_NAN=3:20 expect_exit 1 \
    "non-finite .* for actor [A-Z]{3} in [0-9]{4}-[0-9]{2}, replicate 3, produced by model '[a-z_]+'; partial results kept in .*x\.h5\.failed\.h5 \(3 complete replicates; replicate 3 up to [0-9]{4}-[0-9]{2}\)" \
    -- "$PACTSIM" run "$CFG" -o "$OUT" --replicates 6 --threads 1 --quiet
[ -e "$OUT" ] && bad "a file under the final name" || ok
compgen -G "$OUT.tmp.*" >/dev/null && bad "temporary file left" || ok
F="$OUT.failed.h5"
expect_exit 0 "INCOMPLETE: +non-finite" -- "$PACTSIM" info "$F"
# 108 months a replicate in the baseline; replicate 3 completed 20.
T=$(h5dump -d /time/month_index -H "$WORK/ref.h5" | grep -o 'SIMPLE { ( [0-9]*' | head -1 | grep -o '[0-9]*$')
h5dump -d /months_complete "$F" | tr -d ' \n' | grep -q "(0):$T,$T,$T,20,0,0}" && ok ||
    bad "months_complete: $(h5dump -d /months_complete "$F" | grep -A1 'DATA {' | tail -1)"
# Completed months are those of an uninterrupted run, bit for bit.
# (the values only: the DIMENSION_LIST attribute holds object addresses, which
# depend on the order HDF5 allocated file space in, not on the results)
slice() { h5dump -d "$1" -s "$2" -c "$3" "$4" | awk '/DATA {/ { f = 1 } f { print } f && /^ *}/ { exit }'; }
for spec in "0,0,0 3,$T,1" "3,0,0 1,20,1"; do
    set -- $spec
    [ "$(slice /actor_state/gdp "$1" "$2" "$F")" = "$(slice /actor_state/gdp "$1" "$2" "$WORK/ref.h5")" ] &&
        ok || bad "gdp [$1 + $2] differs from the uninterrupted run"
done
slice /actor_state/gdp 3,20,0 1,1,1 "$F" | grep -q nan && ok || bad "month 20 of replicate 3 is not empty"
# A NaN in the first month: the file says so.
PACTSIM_TEST_INJECT_NAN=0:0 expect_exit 1 "replicate 0 failed in its first month" \
    -- "$PACTSIM" run "$CFG" -o "$WORK/y.h5" --replicates 2 --threads 1 --quiet
[ -e "$WORK/y.h5" ] && bad "a file under the final name" || ok
# With threads, the first failing replicate is reported.
PACTSIM_TEST_INJECT_NAN=5:50 expect_exit 1 "replicate 5,.*failed\.h5" \
    -- "$PACTSIM" run "$CFG" -o "$WORK/z.h5" --replicates 12 --threads 2 --quiet
expect_exit 0 "INCOMPLETE" -- "$PACTSIM" info "$WORK/z.h5.failed.h5"
finish

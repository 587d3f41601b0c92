# Runs: output written atomically, never overwritten without --force, identical
# datasets for 1 and 2 threads, readable by `pactsim info`; every config validates.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/configs/baseline_2022.yaml"

# Every scenario validates and runs to the end (two replicates), writing its file.
for c in "$SRC"/configs/*.yaml "$SRC"/configs/examples/*.yaml; do
    [ -e "$c" ] || continue
    expect_exit 0 "ok: scenario" -- "$PACTSIM" validate "$c"
    out="$WORK/$(basename "$c" .yaml).h5"
    expect_exit 0 "" -- "$PACTSIM" run "$c" -o "$out" --replicates 2 --quiet
    expect_exit 0 "actor_state" -- "$PACTSIM" info "$out"
done

expect_exit 0 "" -- "$PACTSIM" run "$CFG" -o "$WORK/t1.h5" --replicates 6 --threads 1 --quiet
expect_exit 0 "" -- "$PACTSIM" run "$CFG" -o "$WORK/t2.h5" --replicates 6 --threads 2 --quiet
ls "$WORK"/*.tmp.* >/dev/null 2>&1 && bad "temporary file left behind" || ok
for g in /actor_state /dyad_state /summary /events /time /actors /parameters; do
    if h5diff -q "$WORK/t1.h5" "$WORK/t2.h5" "$g" "$g" >/dev/null 2>&1; then ok
    else bad "group $g differs between 1 and 2 threads"; fi
done
# Another seed changes the results (the comparison above can fail).
expect_exit 0 "" -- "$PACTSIM" run "$CFG" -o "$WORK/t3.h5" --replicates 6 --seed 7 --quiet
if h5diff -q "$WORK/t1.h5" "$WORK/t3.h5" /actor_state /actor_state >/dev/null 2>&1; then
    bad "a different seed gave identical results"; else ok; fi

# A run cut short of the timeline says which events it leaves out (the
# baseline has one event dated after 2022-07, the EU's seaborne crude ban of
# 2022-12-05), and a full run says nothing of the kind.
expect_exit 0 "note: [0-9]+ events? dated after the end \(2022-07\)" -- "$PACTSIM" run "$CFG" \
    -o "$WORK/short.h5" --replicates 1 --set end=2022-07
expect_exit 0 "" -- "$PACTSIM" run "$CFG" -o "$WORK/full.h5" --replicates 1
grep -q "dated after the end" "$WORK/err" && bad "a full run reported events after its end" || ok

# Refuse to overwrite; the existing file is untouched.
sum=$(md5sum < "$WORK/t1.h5")
expect_exit 2 "exists.*--force" -- "$PACTSIM" run "$CFG" -o "$WORK/t1.h5" --replicates 2 --quiet
[ "$(md5sum < "$WORK/t1.h5")" = "$sum" ] && ok || bad "existing output was modified"
expect_exit 0 "" -- "$PACTSIM" run "$CFG" -o "$WORK/t1.h5" --replicates 2 --quiet --force

expect_exit 0 "baseline_2022" -- "$PACTSIM" info "$WORK/t1.h5"
expect_exit 0 "sanction_pressure" -- "$PACTSIM" info "$WORK/t1.h5"
echo "not hdf5" > "$WORK/foreign.h5"
expect_exit 2 "foreign.h5" -- "$PACTSIM" info "$WORK/foreign.h5"
expect_exit 2 "missing.h5" -- "$PACTSIM" info "$WORK/missing.h5"

# An output directory that does not exist: runtime failure, nothing written.
expect_exit 2 "run: option --output '.*/nodir/x.h5': cannot write there: the directory '.*/nodir' does not exist" -- "$PACTSIM" run "$CFG" -o "$WORK/nodir/x.h5" --replicates 1 --quiet
expect_no_file "$WORK/nodir/x.h5"

expect_exit 0 "sanction_elasticity" -- "$PACTSIM" config explain economy
# One parameter or field, as a user copies it from --set: only that one.
expect_exit 0 "^parameter parameters.sanctions.enforcement \(model sanctions\)" -- \
    "$PACTSIM" config explain parameters.sanctions.enforcement
"$PACTSIM" config explain sanctions.erosion | grep -q evasion_max && bad "explain MODEL.NAME printed the whole model" || ok
expect_exit 0 "^state field oil_discount \(model oil\)" -- "$PACTSIM" config explain oil.oil_discount
expect_exit 0 "^# pactsim parameters" -- "$PACTSIM" config explain --markdown
finish

# compare: paired differences of a baseline and a counterfactual with common
# random numbers, in table, csv and json; refusals; sensitivity on the CLI.
. "$(dirname "$0")/lib.sh"
D="$SRC/tests/configs/sweep"
A="$WORK/a.h5"; B="$WORK/b.h5"
expect_exit 0 "" -- "$PACTSIM" run "$D/small.yaml" -o "$A" --replicates 12 --quiet
expect_exit 0 "" -- "$PACTSIM" run "$D/small_relief.yaml" -o "$B" --replicates 12 --quiet

expect_exit 0 "B - A, paired by replicate" -- "$PACTSIM" compare "$A" "$B"
grep -Eq "higher|lower" "$WORK/out" && ok || bad "relief changes no metric: $(cat "$WORK/out")"
grep -q "identical" "$WORK/out" && ok || bad "no metric unchanged by the relief"
# A file against itself: every difference is zero.
expect_exit 0 "" -- "$PACTSIM" compare "$A" "$A" --format csv
head -1 "$WORK/out" | grep -q "^metric,units,n,mean_a,mean_b,mean_diff,ci_low,ci_high,verdict$" && ok \
    || bad "csv header: $(head -1 "$WORK/out")"
awk -F, 'NR > 1 && $9 != "identical" && $3 > 0 { bad = 1 } END { exit bad }' "$WORK/out" && ok \
    || bad "A vs A is not identical: $(cat "$WORK/out")"
m=$(sed -n 2p "$WORK/out" | cut -d, -f1)
expect_exit 0 "" -- "$PACTSIM" compare "$A" "$B" --metric "$m" --format json
/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['rows'][0]['metric']==sys.argv[2], d" \
    "$WORK/out" "$m" && ok || bad "json output: $(cat "$WORK/out")"

# State variables at a month (names from the file, not hard-coded).
af=$(h5ls "$A/actor_state" | awk '$2 == "Dataset" && $1 != "actor" && $1 != "replicate" && $1 != "time" { print $1; exit }')
df=$(h5ls "$A/dyad_state" | awk '$2 == "Dataset" && $1 != "source" && $1 != "target" && $1 != "replicate" && $1 != "time" { print $1; exit }')
expect_exit 0 "$af:RUS" -- "$PACTSIM" compare "$A" "$B" --at 2023-12 --metric "$af:RUS" --metric "$df:RUS:IRN"
grep -q "$df:RUS:IRN" "$WORK/out" && ok || bad "no dyad row"
expect_exit 2 "needs --at" -- "$PACTSIM" compare "$A" "$B" --metric "$af:RUS"
expect_exit 2 "not a month" -- "$PACTSIM" compare "$A" "$B" --at 2031-01 --metric "$af:RUS"
expect_exit 2 "unknown actor" -- "$PACTSIM" compare "$A" "$B" --at 2023-01 --metric "$af:XXX"
expect_exit 2 "no summary metric 'nosuch'" -- "$PACTSIM" compare "$A" "$B" --metric nosuch
expect_exit 2 "expected table, csv or json" -- "$PACTSIM" compare "$A" "$B" --format xml
expect_exit 2 "expected two files" -- "$PACTSIM" compare "$A"

# Common random numbers or nothing: other seeds or replicate counts are refused.
expect_exit 0 "" -- "$PACTSIM" run "$D/small.yaml" -o "$WORK/seed.h5" --replicates 12 --seed 9 --quiet
expect_exit 2 "differ in seed.*common random numbers" -- "$PACTSIM" compare "$A" "$WORK/seed.h5"
expect_exit 0 "" -- "$PACTSIM" run "$D/small.yaml" -o "$WORK/reps.h5" --replicates 5 --quiet
expect_exit 2 "differ in replicates" -- "$PACTSIM" compare "$A" "$WORK/reps.h5"
expect_exit 2 "missing.h5" -- "$PACTSIM" compare "$A" "$WORK/missing.h5"

# sensitivity on a small saltelli and morris sweep; refused on a grid.
for s in saltelli morris; do
    expect_exit 0 "" -- "$PACTSIM" sweep "$D/$s.yaml" -o "$WORK/$s.h5" --quiet
    expect_exit 0 "parameters.sanctions.erosion" -- "$PACTSIM" sensitivity "$WORK/$s.h5"
    h5ls -r "$WORK/$s.h5" | grep -q "^/sensitivity/" && ok || bad "$s: no /sensitivity group"
done
grep -q "mu\*" "$WORK/out" && ok || bad "morris table lacks mu*"
expect_exit 0 "" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/grid.h5" --quiet
expect_exit 2 "expected a sweep with design saltelli" -- "$PACTSIM" sensitivity "$WORK/grid.h5"
expect_exit 2 "expected a pactsim-sweep file" -- "$PACTSIM" sensitivity "$A"
finish

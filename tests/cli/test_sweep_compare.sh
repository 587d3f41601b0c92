# compare: paired differences of a baseline and a counterfactual with common
# random numbers, in table, csv and json; effect sizes and the smallest effect of
# interest; refusals (seeds, replicates, actors, months, lineage); sensitivity on the CLI.
. "$(dirname "$0")/lib.sh"
D="$SRC/tests/configs/sweep"
A="$WORK/a.h5"; B="$WORK/b.h5"
expect_exit 0 "" -- "$PACTSIM" run "$D/small.yaml" -o "$A" --replicates 12 --quiet
expect_exit 0 "" -- "$PACTSIM" run "$D/small_relief.yaml" -o "$B" --replicates 12 --quiet

expect_exit 0 "B - A, paired by replicate" -- "$PACTSIM" compare "$A" "$B" --negligible 0.1%
grep -Eq "higher|lower" "$WORK/out" && ok || bad "relief changes no metric: $(cat "$WORK/out")"
grep -q "identical" "$WORK/out" && ok || bad "no metric unchanged by the relief"
# A file against itself: every difference is zero.
expect_exit 0 "" -- "$PACTSIM" compare "$A" "$A" --format csv
head -1 "$WORK/out" | grep -q "^metric,units,n,mean_a,mean_b,mean_diff,ci_low,ci_high,sd_a,rel_change,std_diff,negligible,verdict$" && ok \
    || bad "csv header: $(head -1 "$WORK/out")"
awk -F, 'NR > 1 && (NF != 13 || ($13 != "identical" && $3 > 0)) { bad = 1 } END { exit bad }' "$WORK/out" && ok \
    || bad "A vs A is not identical: $(cat "$WORK/out")"
cp "$WORK/out" "$WORK/self.csv"
# Every column of the table has a header.
expect_exit 0 "" -- "$PACTSIM" compare "$A" "$B"
grep -Eq "^metric +n +mean A +mean B +B - A +95% interval +relative +std diff +negligible +verdict +units$" "$WORK/out" \
    && ok || bad "table header: $(grep '^metric' "$WORK/out")"
awk '/^metric/ { h = NF } /^[a-z_0-9]+ +[0-9]+ / { if (h && NF < h - 5) bad = 1 } END { exit bad }' "$WORK/out" && ok \
    || bad "table rows lack columns: $(cat "$WORK/out")"

# Effect sizes: relative change = mean diff / |mean A|, standardised = mean diff / sd of A;
# the verdict needs the interval beyond the smallest effect of interest (default 1% of |mean A|).
for neg in "" 0 1e9 5%; do
    expect_exit 0 "" -- "$PACTSIM" compare "$A" "$B" --format json ${neg:+--negligible $neg}
    /usr/bin/python3 - "$WORK/out" "$neg" <<'PY' && ok || bad "json effect sizes (--negligible '$neg'): $(head -c 600 "$WORK/out")"
import json, sys
d, neg = json.load(open(sys.argv[1])), sys.argv[2]
assert d["negligible"] == (neg or "1%"), d["negligible"]
assert d["mismatch"] == []
seen = set()
for r in d["rows"]:
    if r["n"] < 2:
        continue
    ma, diff, sd = r["mean_a"], r["mean_diff"], r["sd_a"]
    assert set(r) >= {"metric", "units", "n", "mean_a", "mean_b", "mean_diff", "ci_low", "ci_high",
                      "sd_a", "rel_change", "std_diff", "negligible", "verdict"}, r
    if ma != 0:
        assert abs(r["rel_change"] - diff / abs(ma)) <= 1e-6 * abs(r["rel_change"]) + 1e-12, r
    if sd > 0:
        assert abs(r["std_diff"] - diff / sd) <= 1e-6 * abs(r["std_diff"]) + 1e-12, r
    elif diff == 0:
        assert r["std_diff"] == 0, r
    else:
        assert r["std_diff"] is None, r
    e = {"": 0.01 * abs(ma), "0": 0.0, "1e9": 1e9, "5%": 0.05 * abs(ma)}[neg]
    assert abs(r["negligible"] - e) <= 1e-9 * e + 1e-15, r
    lo, hi, v = r["ci_low"], r["ci_high"], r["verdict"]
    want = ("identical" if v == "identical" else "negligible" if -e <= lo and hi <= e
            else "higher" if lo > 0 else "lower" if hi < 0 else "no clear difference")
    assert v == want, (r, want)
    seen.add(v)
if neg == "1e9":
    assert seen <= {"identical", "negligible"}, seen
if neg == "0":
    assert "negligible" not in seen and seen & {"higher", "lower"}, seen
PY
done
expect_exit 2 "option --negligible: expected a number >= 0, or a percentage" -- "$PACTSIM" compare "$A" "$B" --negligible -1
expect_exit 2 "option --negligible" -- "$PACTSIM" compare "$A" "$B" --negligible 5%%
m=$(sed -n 2p "$WORK/self.csv" | cut -d, -f1)
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

# Runs of one setting or nothing: other actors, months or lineage are refused, each named.
# The lineage is recorded in the run (small_relief extends small: one lineage).
h5dump -a /provenance/lineage "$B" | grep -q '"sweep_small_relief <- sweep_small"' && ok \
    || bad "lineage of $B: $(h5dump -a /provenance/lineage "$B")"
# A run of B's /provenance/config_resolved (extends nothing) keeps B's lineage,
# so it pairs with A and B; it says so in its own resolved config.
/usr/bin/python3 -c "import h5py,sys; t=h5py.File(sys.argv[1])['provenance/config_resolved'][()]; \
open(sys.argv[2],'wb').write(t if isinstance(t,bytes) else t.encode())" "$B" "$WORK/resolved.yaml"
grep -q '^lineage: "sweep_small_relief <- sweep_small"$' "$WORK/resolved.yaml" && ok || bad "no lineage in the resolved config"
expect_exit 0 "" -- "$PACTSIM" run "$WORK/resolved.yaml" -o "$WORK/resolved.h5" --replicates 12 --quiet
h5dump -a /provenance/lineage "$WORK/resolved.h5" | grep -q '"sweep_small_relief <- sweep_small"' && ok \
    || bad "lineage of the resolved run: $(h5dump -a /provenance/lineage "$WORK/resolved.h5")"
expect_exit 0 "" -- "$PACTSIM" compare "$A" "$WORK/resolved.h5"
expect_exit 0 "" -- "$PACTSIM" compare "$B" "$WORK/resolved.h5"
h5diff -q "$B" "$WORK/resolved.h5" /actor_state /actor_state >/dev/null 2>&1 && ok || bad "the resolved config's run differs from B"
expect_exit 2 "option --set lineage=x: lineage is recorded by pactsim" -- "$PACTSIM" run "$D/small.yaml" -o "$WORK/x.h5" --set lineage=x
sed 's/^  CHN: {name: China}$/  IND: {name: India}/' "$D/small.yaml" >"$WORK/actors.yaml"
sed 's/^end: 2023-12$/end: 2024-06/' "$D/small.yaml" >"$WORK/months.yaml"
sed 's/^name: sweep_small$/name: another_root/' "$D/small.yaml" >"$WORK/root.yaml"
for c in actors months root; do
    expect_exit 0 "" -- "$PACTSIM" run "$WORK/$c.yaml" -o "$WORK/$c.h5" --replicates 12 --quiet
done
expect_exit 2 "not runs of one setting: different actors \(4 in A, 4 in B, 3 in common; only in A: CHN; only in B: IND\)" \
    -- "$PACTSIM" compare "$A" "$WORK/actors.h5"
expect_exit 2 "different periods \(A: 2022-01 to 2023-12, B: 2022-01 to 2024-06; months in common: 2022-01 to 2023-12\)" \
    -- "$PACTSIM" compare "$A" "$WORK/months.h5"
expect_exit 2 "different scenario lineage \(A: sweep_small; B: another_root" -- "$PACTSIM" compare "$A" "$WORK/root.h5"
grep -q "different actors\|different periods" "$WORK/err" && bad "lineage refusal names other differences" || ok
# Runs that cannot be paired are refused with every other difference named too,
# and --allow-mismatch does not pair them.
expect_exit 0 "" -- "$PACTSIM" run "$WORK/months.yaml" -o "$WORK/months5.h5" --replicates 5 --seed 9 --quiet
expect_exit 2 "differ in replicates and seed .*; also different periods \(A: 2022-01 to 2023-12, B: 2022-01 to 2024-06" \
    -- "$PACTSIM" compare "$A" "$WORK/months5.h5" --allow-mismatch
# --allow-mismatch compares them anyway and says so; state variables only of common actors.
expect_exit 0 "allowed mismatch: different actors" -- "$PACTSIM" compare "$A" "$WORK/actors.h5" --allow-mismatch
expect_exit 0 "" -- "$PACTSIM" compare "$A" "$WORK/months.h5" --allow-mismatch --format json
/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['mismatch'])==1 and 'periods' in d['mismatch'][0], d" \
    "$WORK/out" && ok || bad "json mismatch list: $(head -c 300 "$WORK/out")"
expect_exit 0 "$af:RUS" -- "$PACTSIM" compare "$A" "$WORK/actors.h5" --allow-mismatch --at 2023-06 --metric "$af:RUS"
expect_exit 2 "unknown actor in .*actors.h5" -- "$PACTSIM" compare "$A" "$WORK/actors.h5" --allow-mismatch --at 2023-06 --metric "$af:CHN"
expect_exit 2 "--at 2024-03: not a month of .*/a.h5" -- "$PACTSIM" compare "$A" "$WORK/months.h5" --allow-mismatch --at 2024-03 --metric "$af:RUS"

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

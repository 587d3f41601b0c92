# Sweeps: every design gives identical datasets on 1 and 2 threads; the file
# layout; refusals (existing output, usage); bad specs with file:line:col.
. "$(dirname "$0")/lib.sh"
D="$SRC/tests/configs/sweep"

for s in grid lhs sobol saltelli morris; do
    expect_exit 0 "ok: sweep" -- "$PACTSIM" sweep "$D/$s.yaml" --validate
    expect_exit 0 "" -- "$PACTSIM" sweep "$D/$s.yaml" -o "$WORK/$s.1.h5" --threads 1 --quiet
    expect_exit 0 "" -- "$PACTSIM" sweep "$D/$s.yaml" -o "$WORK/$s.2.h5" --threads 2 --quiet
    for g in /sweep /provenance/spec_raw /provenance/base_config_resolved; do
        if h5diff -q "$WORK/$s.1.h5" "$WORK/$s.2.h5" "$g" "$g" >/dev/null 2>&1; then ok
        else bad "$s: $g differs between 1 and 2 threads"; fi
    done
    ls "$WORK"/$s.*.partial* >/dev/null 2>&1 && bad "$s: partial file left behind" || ok
done
# /provenance/command_line is the command as typed, in its order (getopt
# permutes argv: the sweep used to record "pactsim -o F --threads 1 SPEC").
cl=$(h5dump -a /provenance/command_line "$WORK/grid.1.h5" | sed -n 's/^ *(0): "\(.*\)"$/\1/p')
[ "$cl" = "$PACTSIM sweep $D/grid.yaml -o $WORK/grid.1.h5 --threads 1 --quiet" ] && ok ||
    bad "sweep's command_line is '$cl'"
for s in "$SRC"/configs/sweeps/*.yaml; do
    [ -e "$s" ] || continue
    expect_exit 0 "ok: sweep" -- "$PACTSIM" sweep "$s" --validate
done

# Layout: design, summary [point, replicate], series with a point dimension.
h5ls -r "$WORK/grid.1.h5" > "$WORK/ls"
for want in "/sweep/points .*\{6, 2\}" "/sweep/done .*\{6, 3\}" "/sweep/param .*\{2\}" \
            "/sweep/param_units" "/sweep/summary/[a-z_0-9]+ .*\{6, 3\}"; do
    grep -Eq "$want" "$WORK/ls" && ok || bad "grid file lacks $want"
done
h5ls -r "$WORK/lhs.1.h5" > "$WORK/ls"
grep -Eq "/sweep/actor_state/[a-z_0-9]+ .*\{10, 2, 4, 4\}" "$WORK/ls" && ok \
    || bad "lhs file lacks [point, replicate, time(4 of 24 months), actor] series"
grep -Eq "/sweep/dyad_state/[a-z_0-9]+ .*\{10, 2, 4, 4, 4\}" "$WORK/ls" && ok \
    || bad "lhs file lacks dyad series"
h5ls -r "$WORK/sobol.1.h5" | grep -Eq "/sweep/actor_state/[a-z_0-9]+ .*\{8, 2, 24, 4\}" && ok \
    || bad "full mode does not keep all 24 months"
h5dump -a /sweep/param_units "$WORK/grid.1.h5" >/dev/null 2>&1
h5dump -d /sweep/param_units "$WORK/grid.1.h5" | grep -q '"1/yr"' && ok || bad "units of sanction_elasticity missing"
# Common random numbers: replicate 0 of points with the same erosion differ only
# through the swept parameter; two points with equal values give equal results.
h5dump -d /sweep/morris_step "$WORK/morris.1.h5" | grep -q -- "-1" && ok || bad "no morris_step"

# Refusals.
sum=$(md5sum < "$WORK/grid.1.h5")
expect_exit 2 "exists.*--force" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/grid.1.h5" --quiet
[ "$(md5sum < "$WORK/grid.1.h5")" = "$sum" ] && ok || bad "existing output was modified"
expect_exit 0 "" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/grid.1.h5" --quiet --force
expect_exit 2 "expected -o FILE" -- "$PACTSIM" sweep "$D/grid.yaml"
expect_exit 2 "expected one SPEC" -- "$PACTSIM" sweep -o "$WORK/x.h5"
expect_exit 2 "--threads" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/x.h5" --threads 0
expect_exit 2 "unknown option" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/x.h5" --bogus
expect_exit 0 "resume" -- "$PACTSIM" sweep --help
expect_exit 2 "sweep: option --output '.*/nodir/x.h5': cannot write there: the directory '.*/nodir' does not exist" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/nodir/x.h5" --quiet
expect_no_file "$WORK/nodir/x.h5"

# Bad specs: exit 2, file:line:col and the expected words, nothing written.
BAD="$SRC/tests/bad_sweeps"
# --set and --replicates on the command line: the same file as a spec that says
# them (set:, replicates:), bit for bit; another --set is another sweep (resume
# refused); a swept path or a typo is refused.
cp "$D/small.yaml" "$WORK/small.yaml"
sed -e 's/^replicates: 3/replicates: 1/' -e 's/^name: small_grid/name: small_grid\nset: {parameters.economy.lend_share: 0.3, actors.RUS.reserves: 4e11}/' \
    "$D/grid.yaml" >"$WORK/grid_set.yaml"
sed 's/^name: small_grid/name: small_grid\nset: {parameters.economy.lend_share: 0.3}/' "$D/grid.yaml" >"$WORK/grid_set1.yaml"
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/grid_set.yaml" -o "$WORK/set.spec.h5" --quiet
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/grid_set1.yaml" -o "$WORK/set.cli.h5" --quiet \
    --set actors.RUS.reserves=4e11 --replicates 1
for g in /sweep /provenance/base_config_resolved; do
    h5diff -q "$WORK/set.spec.h5" "$WORK/set.cli.h5" "$g" "$g" >/dev/null 2>&1 && ok ||
        bad "sweep --set/--replicates: $g differs from the spec that says them"
done
h5ls "$WORK/set.cli.h5/sweep/done" | grep -q "{6, 1}" && ok || bad "--replicates 1: $(h5ls "$WORK/set.cli.h5/sweep/done")"
h5dump -d /provenance/base_config_resolved "$WORK/set.cli.h5" | grep -q "reserves: 4e11" && ok ||
    bad "--set is not in /provenance/base_config_resolved"
expect_exit 0 "" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/set.a.h5" --quiet --replicates 1 --set parameters.economy.growth_noise_sd=0.05
h5diff -q "$WORK/set.a.h5" "$WORK/set.cli.h5" /sweep/summary /sweep/summary >/dev/null 2>&1 &&
    bad "another --set gave the same results" || ok
expect_exit 2 "exists and is not this sweep's result" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/set.a.h5" \
    --quiet --replicates 1 --set parameters.economy.growth_noise_sd=0.04 --resume
expect_exit 0 "already complete" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/set.a.h5" \
    --replicates 1 --set parameters.economy.growth_noise_sd=0.05 --resume
# set: K: null deletes K as --set K=null does: the same file, bit for bit (here the
# timeline's one event, so the points differ from the base's).
sed 's/^name: small_grid/name: small_grid\nset: {timeline.us_sanctions: null}/' "$D/grid.yaml" >"$WORK/grid_null.yaml"
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/grid_null.yaml" -o "$WORK/null.spec.h5" --quiet --replicates 1
expect_exit 0 "" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/null.cli.h5" --quiet --replicates 1 \
    --set timeline.us_sanctions=null
h5diff -q "$WORK/null.spec.h5" "$WORK/null.cli.h5" /sweep /sweep >/dev/null 2>&1 && ok ||
    bad "set: {K: null} differs from --set K=null"
expect_exit 0 "" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/null.none.h5" --quiet --replicates 1
h5diff -q "$WORK/null.spec.h5" "$WORK/null.none.h5" /sweep/summary /sweep/summary >/dev/null 2>&1 &&
    bad "set: {K: null} changed nothing" || ok
expect_exit 2 "option --set parameters.sanctions.erosion=0.1: the sweep varies" -- \
    "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/x.h5" --set parameters.sanctions.erosion=0.1
expect_exit 2 "option --set actors.RSU.gdp=1: unknown actor 'RSU' \(did you mean 'RUS'\?\)" -- \
    "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/x.h5" --set actors.RSU.gdp=1
expect_exit 0 "6 points x 1 replicate = 6 runs" -- "$PACTSIM" sweep "$D/grid.yaml" --validate --replicates 1
expect_no_file "$WORK/x.h5"

n=0
while IFS=$'\t' read -r file where words; do
    case "$file" in ''|'#'*) continue ;; esac
    n=$((n + 1))
    for mode in validate run; do
        if [ $mode = validate ]; then
            "$PACTSIM" sweep "$BAD/$file" --validate >"$WORK/out" 2>"$WORK/err"
        else
            "$PACTSIM" sweep "$BAD/$file" -o "$WORK/bad_$n.h5" --quiet >"$WORK/out" 2>"$WORK/err"
        fi
        rc=$?
        if [ $rc -ne 2 ]; then bad "$file ($mode): exit $rc, expected 2: $(head -c 300 "$WORK/err")"
        elif ! grep -Fq -- "$BAD/$file:$where: " "$WORK/err"; then bad "$file: no '$where' in: $(head -c 300 "$WORK/err")"
        elif ! grep -Fq -- "$words" "$WORK/err"; then bad "$file: no '$words' in: $(head -c 300 "$WORK/err")"
        else ok; fi
    done
    expect_no_file "$WORK/bad_$n.h5"
done < "$BAD/expected.tsv"
[ "$n" -ge 5 ] && ok || bad "only $n bad specs in the catalogue"

# A base the economy refuses (gdp below crude revenue) is reported by --validate,
# before anything is made, at the base's file:line:col.
printf 'name: bad_base\nbase: %s\ndesign: grid\nreplicates: 1\nparameters:\n  parameters.economy.sanction_elasticity: {values: [0.1, 0.2]}\n' \
    "$SRC/tests/bad_configs/65_gdp_below_oil_revenue.yaml" >"$WORK/bad_base.yaml"
expect_exit 2 "65_gdp_below_oil_revenue.yaml:10:28: actor AAA: gdp is 1e.09 USD/yr" -- \
    "$PACTSIM" sweep "$WORK/bad_base.yaml" --validate
expect_exit 2 "65_gdp_below_oil_revenue.yaml:10:28: actor AAA: gdp is 1e.09 USD/yr" -- \
    "$PACTSIM" sweep "$WORK/bad_base.yaml" -o "$WORK/bad_base.h5" -t 1 --quiet
expect_no_file "$WORK/bad_base.h5"
# A point the economy refuses only when its run starts (oil revenue counted in GDP at
# point 1, not at point 0): the part running only point 1 exits 2 and removes the
# partial file it made, as no run had finished; an older partial file is kept.
printf 'name: bad_point\nbase: %s\ndesign: grid\nreplicates: 1\nparameters:\n  parameters.economy.oil_revenue_in_gdp: {values: [0, 1]}\n' \
    "$SRC/tests/bad_configs/65_gdp_below_oil_revenue.yaml" >"$WORK/bad_point.yaml"
expect_exit 2 "actor AAA: gdp is 1e.09 USD/yr" -- \
    "$PACTSIM" sweep "$WORK/bad_point.yaml" -o "$WORK/bad_point.h5" --points 1:2 -t 1 --quiet
expect_no_file "$WORK/bad_point.h5"
echo old >"$WORK/bad_point.h5.partial"
expect_exit 2 "an interrupted sweep exists" -- \
    "$PACTSIM" sweep "$WORK/bad_point.yaml" -o "$WORK/bad_point.h5" --points 1:2 -t 1 --quiet
grep -q old "$WORK/bad_point.h5.partial" && ok || bad "an older partial file was not kept"
finish

# pactsim calibrate and run --posterior: a twin experiment (observations made
# by the model at known parameters are calibrated back and the 90% posterior
# intervals cover the truth), the posterior identical on 1 and 2 threads and
# after kill -9 + --resume, refusals, bad specs with file:line:col, and
# posterior ensembles keyed by replicate.
. "$(dirname "$0")/lib.sh"
D="$SRC/tests/configs/calib"
PY=/usr/bin/python3
TRUTH="--set parameters.economy.sanction_elasticity=0.2 --set parameters.sanctions.evasion_adjust=0.05
       --set parameters.sanctions.evasion_max=0.7 --set parameters.sanctions.erosion=0.01"

# spec FILE OBS SEED PARTICLES GENERATIONS: the twin spec with other settings.
spec() {
    sed -e "s|^base: .*|base: $D/twin.yaml|" -e "s|^observations: .*|observations: [$2]|" \
        -e "s|^seed: .*|seed: $3|" -e "s|^particles: .*|particles: $4|" \
        -e "s|^generations: .*|generations: $5|" "$D/twin_calib.yaml" > "$1"
}
# same A B: the posterior's datasets are identical (provenance has times and threads).
same() {
    for g in /posterior /generations /discrepancy; do
        h5diff -q "$1" "$2" $g $g >/dev/null 2>&1 || return 1
    done
}

# Bad specs: exit 2, spec:line:col and the expected words, nothing written.
BAD="$SRC/tests/bad_calibrations"
n=0
while IFS=$'\t' read -r file where words; do
    case "$file" in ''|'#'*) continue ;; esac
    n=$((n + 1))
    for mode in validate run; do
        if [ $mode = validate ]; then
            "$PACTSIM" calibrate "$BAD/$file" --validate >"$WORK/out" 2>"$WORK/err"
        else
            "$PACTSIM" calibrate "$BAD/$file" -o "$WORK/bad.h5" >"$WORK/out" 2>"$WORK/err"
        fi
        rc=$?
        if [ $rc -ne 2 ]; then bad "$file ($mode): exit $rc, expected 2"
        elif ! grep -qF "$BAD/$file:$where: " "$WORK/err"; then
            bad "$file ($mode): no $file:$where in: $(cat "$WORK/err")"
        elif ! grep -qF -- "$words" "$WORK/err"; then
            bad "$file ($mode): message lacks '$words': $(cat "$WORK/err")"
        else ok; fi
    done
    expect_no_file "$WORK/bad.h5"
done < "$BAD/expected.tsv"
[ $n -ge 15 ] && ok || bad "only $n bad specs read"
expect_exit 0 "ok: calibration 'twin', 4 parameters, 48 observations" -- \
    "$PACTSIM" calibrate "$D/twin_calib.yaml" --validate
# outside: skip leaves out (and counts) rows outside the base run.
sed -e "s|^base: .*|base: $D/twin.yaml|" -e "s|^observations: .*|observations: [$D/twin_obs.csv, $BAD/late.csv]|" \
    -e "s|^seed: .*|outside: skip|" "$D/twin_calib.yaml" > "$WORK/skip.yaml"
expect_exit 0 "48 observations \(1 outside the run left out, 0 after until held out, 0 published after the cutoff left out\)" -- "$PACTSIM" calibrate "$WORK/skip.yaml" --validate
# until: holds out (and counts) the rows dated after it: 6 rows a quarter, so
# until 2023-06 keeps 2022-03..2023-06 (36) and holds out 2023-09, 2023-12 (12).
{ cat "$WORK/skip.yaml"; echo "until: 2023-06"; } > "$WORK/until.yaml"
expect_exit 0 "36 observations \(1 outside the run left out, 12 after until held out, 0 published after the cutoff left out\)" -- \
    "$PACTSIM" calibrate "$WORK/until.yaml" --validate

# cutoff: rows published after it are left out (counted), never used: the
# posterior equals that of the same spec on a file without those rows.
awk -F, -v OFS=, '/^[a-z_]+,[A-Z]/ { $9 = ($4 >= "2023-09") ? "2024-03-01" : "2023-08-01" } { print }' \
    "$D/twin_obs.csv" > "$WORK/pub.csv"
grep -v ',2024-03-01$' "$WORK/pub.csv" > "$WORK/early.csv"
spec "$WORK/cut.yaml" "$WORK/pub.csv" 3 12 2
echo "cutoff: 2023-12-31" >> "$WORK/cut.yaml"
spec "$WORK/early.yaml" "$WORK/early.csv" 3 12 2
expect_exit 0 "36 observations \(0 outside the run left out, 0 after until held out, 12 published after the cutoff left out\)" -- \
    "$PACTSIM" calibrate "$WORK/cut.yaml" --validate
expect_exit 0 "12 observations published after the cutoff 2023-12-31 left out" -- \
    "$PACTSIM" calibrate "$WORK/cut.yaml" -o "$WORK/cut.h5"
expect_exit 0 "" -- "$PACTSIM" calibrate "$WORK/early.yaml" -o "$WORK/early.h5" --quiet
cl=$(h5dump -a /provenance/command_line "$WORK/early.h5" | sed -n 's/^ *(0): "\(.*\)"$/\1/p')
[ "$cl" = "$PACTSIM calibrate $WORK/early.yaml -o $WORK/early.h5 --quiet" ] && ok ||
    bad "calibrate's command_line is '$cl'"
same "$WORK/cut.h5" "$WORK/early.h5" && ok || bad "the posterior with cutoff differs from the one without the late rows"
h5dump -a /observations_published_late "$WORK/cut.h5" 2>/dev/null | grep -q "(0): 12" && ok \
    || bad "observations_published_late is not 12"
h5dump -a /cutoff "$WORK/cut.h5" 2>/dev/null | grep -q '"2023-12-31"' && ok || bad "the posterior's cutoff attribute is not 2023-12-31"

# Twin experiment: 5 data sets (model seed and observation noise differ), 4
# parameters each; the 90% intervals must cover at least 90% of the 20 truths.
covered=0
total=0
widths=""
for s in 1 2 3 4 5; do
    # shellcheck disable=SC2086
    "$PACTSIM" run "$D/twin.yaml" -o "$WORK/truth$s.h5" --seed $((100 + s)) $TRUTH --quiet
    $PY "$SRC/tests/calib/twin_obs.py" "$WORK/truth$s.h5" "$WORK/obs$s.csv" $s
    spec "$WORK/twin$s.yaml" "$WORK/obs$s.csv" $s 200 8
    if ! "$PACTSIM" calibrate "$WORK/twin$s.yaml" -o "$WORK/post$s.h5" --quiet 2>"$WORK/err"; then
        bad "twin $s: calibrate failed: $(cat "$WORK/err")"
        continue
    fi
    c=$($PY - "$WORK/post$s.h5" <<'EOF'
import sys, h5py
truth = {"parameters.economy.sanction_elasticity": 0.2, "parameters.sanctions.evasion_adjust": 0.05,
         "parameters.sanctions.evasion_max": 0.7, "parameters.sanctions.erosion": 0.01}
with h5py.File(sys.argv[1], "r") as f:
    names = [x.decode() for x in f["posterior/parameter"][()]]
    lo, hi = f["posterior/q05"][()], f["posterior/q95"][()]
    plo, phi = f["posterior/prior_lower"][()], f["posterior/prior_upper"][()]
    # width of the 90% interval as a share of the prior's range, in per cent
    width = sum((hi[j] - lo[j]) / (phi[j] - plo[j]) for j in range(len(names))) / len(names)
    print(sum(lo[j] <= truth[n] <= hi[j] for j, n in enumerate(names)), len(names),
          int(100 * width))
EOF
)
    read -r cv nv wd <<< "$c"
    covered=$((covered + cv))
    total=$((total + nv))
    widths="$widths $wd"
done
echo "twin experiment: 90% intervals cover $covered of $total true values; widths (% of prior range):$widths"
[ "$total" -eq 20 ] && [ $((covered * 10)) -ge $((total * 9)) ] && ok \
    || bad "90% intervals cover only $covered of $total true values"
# Coverage alone would pass with the prior itself: the data must narrow the
# intervals (a sampler that learnt nothing gives ~90% of the prior's range).
for wd in $widths; do
    [ "$wd" -lt 70 ] && ok || bad "a posterior 90% interval spans $wd% of its prior's range on average"
done

# An actor's initial value is calibrated like a parameter (actors.ISO3.field):
# a twin with Russia's potential growth at 0.03 (the scenario's 0.018); its 90%
# interval must hold 0.03 and be narrower than half the prior's range, and a
# run with the posterior starts each replicate from its draw.
"$PACTSIM" run "$D/twin.yaml" -o "$WORK/truth_pg.h5" --seed 111 $TRUTH \
    --set actors.RUS.potential_growth=0.03 --quiet
$PY "$SRC/tests/calib/twin_obs.py" "$WORK/truth_pg.h5" "$WORK/obs_pg.csv" 11
spec "$WORK/pg.yaml" "$WORK/obs_pg.csv" 11 200 8
sed -i -e '/^  parameters\.sanctions\.erosion/d' -e '/^  parameters\.sanctions\.evasion_max/d' \
    -e '/^  parameters\.sanctions\.evasion_adjust/d' "$WORK/pg.yaml"
echo "  actors.RUS.potential_growth: {range: [0, 0.06]}" >> "$WORK/pg.yaml"
expect_exit 0 "2 parameters" -- "$PACTSIM" calibrate "$WORK/pg.yaml" --validate
if "$PACTSIM" calibrate "$WORK/pg.yaml" -o "$WORK/pg.h5" --quiet 2>"$WORK/err"; then
    r=$($PY - "$WORK/pg.h5" <<'PYEOF'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    names = [x.decode() for x in f["posterior/parameter"][()]]
    j = names.index("actors.RUS.potential_growth")
    lo, hi = f["posterior/q05"][j], f["posterior/q95"][j]
    unit = f["posterior/units"][j].decode()
    print(int(lo <= 0.03 <= hi), int(100 * (hi - lo) / 0.06), unit, "%.4f-%.4f" % (lo, hi))
PYEOF
)
    read -r cov wd unit iv <<< "$r"
    echo "actor initial value: 90% interval $iv for the true 0.03 ($wd% of the prior's range)"
    [ "$cov" = 1 ] && ok || bad "the 90% interval $iv misses Russia's true potential growth 0.03"
    [ "$wd" -lt 50 ] && ok || bad "the interval of Russia's potential growth spans $wd% of its prior"
    [ "$unit" = "1/yr" ] && ok || bad "unit of actors.RUS.potential_growth is '$unit', expected the field's 1/yr"
    printf 'extends: %s\nposterior: %s\n' "$D/twin.yaml" "$WORK/pg.h5" > "$WORK/pg_run.yaml"
    expect_exit 0 "" -- "$PACTSIM" run "$WORK/pg_run.yaml" -r 6 -o "$WORK/pg_run.h5" --quiet
    $PY - "$WORK/pg_run.h5" <<'PYEOF' && ok || bad "a posterior run does not start from each draw's initial value"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    names = [x.decode() for x in f["posterior_draws/parameter"][()]]
    drawn = f["posterior_draws/values"][:, names.index("actors.RUS.potential_growth")]
    iso = [a.decode() for a in f["actors/iso3"][()]]
    start = f["actor_state/potential_growth"][:, 0, iso.index("RUS")]
    sys.exit(0 if len(set(drawn)) > 1 and np.allclose(start, drawn, rtol=1e-6, atol=0) else 1)
PYEOF
else
    bad "calibrating an actor's initial value failed: $(cat "$WORK/err")"
fi

# Posterior identical on 1 and 2 threads.
spec "$WORK/small.yaml" "$D/twin_obs.csv" 9 60 3
expect_exit 0 "" -- "$PACTSIM" calibrate "$WORK/small.yaml" -o "$WORK/t1.h5" --threads 1 --quiet
expect_exit 0 "generation 2: tolerance" -- "$PACTSIM" calibrate "$WORK/small.yaml" -o "$WORK/t2.h5" --threads 2
same "$WORK/t1.h5" "$WORK/t2.h5" && ok || bad "posterior differs between 1 and 2 threads"
h5ls -r "$WORK/t1.h5" > "$WORK/ls"
for want in "/posterior/samples .*\{30, 4\}" "/posterior/weights .*\{30\}" \
            "/generations/tolerance .*\{3\}" "/generations/samples .*\{3, 30, 4\}" \
            "/generations/ess" "/generations/acceptance_rate" "/generations/simulations" \
            "/discrepancy/z_at_mean .*\{48\}" "/provenance/spec_raw" "/provenance/base_config_resolved"; do
    grep -Eq "$want" "$WORK/ls" && ok || bad "posterior file lacks $want"
done
# The generations' record is that of ABC-SMC: each keeps its particles sorted by distance, its
# tolerance is the largest of them and never grows, its weights are a distribution, and the
# last generation is the posterior.
$PY - "$WORK/t1.h5" <<'PYEOF' && ok || bad "/generations is not the record of the calibration"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    g, p = f["generations"], f["posterior"]
    dist, tol, w = g["distance"][()], g["tolerance"][()], g["weights"][()]
    assert dist.shape == w.shape == (3, 30), (dist.shape, w.shape)
    assert np.isfinite(dist).all() and (np.diff(dist, axis=1) >= 0).all(), dist
    assert np.array_equal(tol, dist[:, -1]) and (np.diff(tol) <= 0).all(), (tol, dist[:, -1])
    assert (w >= 0).all() and np.allclose(w.sum(axis=1), 1.0), w.sum(axis=1)
    assert np.array_equal(p["distance"][()], dist[-1]), (p["distance"][()], dist[-1])
    assert np.array_equal(p["samples"][()], g["samples"][-1])
    assert np.allclose(p["weights"][()], w[-1], rtol=1e-12, atol=0)
PYEOF
ls "$WORK"/t1.h5.* >/dev/null 2>&1 && bad "checkpoint or temporary file left behind" || ok
# The distance is the weighted root mean square of the standardised residuals: with two
# observations of fields no parameter moves (the veto and the camp of the USA, constant), every
# particle's distance is sqrt(sum w z^2 / sum w) of the z in /discrepancy, here sqrt(7/4).
printf 'quantity,actor,target,date,value,sd,transform,source,published\nunsc_veto,USA,,2022-03,0.5,0.25,level,test,2030-01-01\ncamp,USA,,2022-05,0.5,0.5,level,test,2030-01-01\n' >"$WORK/const.csv"
spec "$WORK/const.yaml" "$WORK/const.csv" 9 20 2
sed -i 's/^weights: .*/weights: {unsc_veto: 1, camp: 3}/' "$WORK/const.yaml"
expect_exit 0 "" -- "$PACTSIM" calibrate "$WORK/const.yaml" -o "$WORK/const.h5" --quiet
$PY - "$WORK/const.h5" <<'PYEOF' && ok || bad "the distances are not the weighted RMS of the residuals"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    z, w = f["discrepancy/z_at_mean"][()], f["discrepancy/weight"][()]
    assert len(z) == 2 and z[0] != z[1] and (z != 0).all() and w[0] != w[1], (z, w)
    want = np.sqrt((w * z * z).sum() / w.sum())
    d = f["generations/distance"][()]
    assert np.allclose(d, want, rtol=1e-12, atol=0), (d, want)
PYEOF

# The ESS stop: with ess: 0.8 the calibration ends after the first generation whose ESS
# falls below 0.8 x 30 kept particles, and not before (8 generations allowed).
spec "$WORK/ess.yaml" "$D/twin_obs.csv" 9 60 8
echo "ess: 0.8" >> "$WORK/ess.yaml"
expect_exit 0 "" -- "$PACTSIM" calibrate "$WORK/ess.yaml" -o "$WORK/ess.h5" --quiet
if $PY - "$WORK/ess.h5" <<'PYEOF'
import sys, h5py
e = list(h5py.File(sys.argv[1], "r")["generations/ess"][:])
print("ESS by generation:", ["%.1f" % x for x in e])
sys.exit(0 if 1 < len(e) < 8 and e[-1] < 24 and all(x >= 24 for x in e[:-1]) else 1)
PYEOF
then ok; else bad "the ess: 0.8 stop did not end the calibration at the first generation below 24"; fi

# Refusals: an existing file, --resume with --force, no output.
sum=$(md5sum < "$WORK/t1.h5")
expect_exit 2 "exists.*--force" -- "$PACTSIM" calibrate "$WORK/small.yaml" -o "$WORK/t1.h5" --quiet
[ "$(md5sum < "$WORK/t1.h5")" = "$sum" ] && ok || bad "existing posterior was modified"
expect_exit 0 "" -- "$PACTSIM" calibrate "$WORK/small.yaml" -o "$WORK/t1.h5" --quiet --resume
expect_exit 0 "t1.h5 is already complete \(this calibration's result\); nothing written" -- \
    "$PACTSIM" calibrate "$WORK/small.yaml" -o "$WORK/t1.h5" --resume
grep -q "wrote" "$WORK/err" && bad "a finished calibration's --resume says it wrote the file" || ok
expect_exit 2 "expected one of them" -- "$PACTSIM" calibrate "$WORK/small.yaml" -o "$WORK/x.h5" --resume --force
expect_exit 2 "expected -o FILE" -- "$PACTSIM" calibrate "$WORK/small.yaml"
expect_exit 2 "expected one SPEC" -- "$PACTSIM" calibrate -o "$WORK/x.h5"
expect_exit 2 "--threads" -- "$PACTSIM" calibrate "$WORK/small.yaml" -o "$WORK/x.h5" --threads 0

# kill -9 once a generation is checkpointed, then --resume: the same posterior.
spec "$WORK/long.yaml" "$D/twin_obs.csv" 11 100 8
expect_exit 0 "" -- "$PACTSIM" calibrate "$WORK/long.yaml" -o "$WORK/ref.h5" --quiet
"$PACTSIM" calibrate "$WORK/long.yaml" -o "$WORK/k.h5" --quiet 2>/dev/null &
pid=$!
for _ in $(seq 600); do [ -e "$WORK/k.h5.partial" ] && break; sleep 0.05; done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
if [ -e "$WORK/k.h5" ]; then
    echo "note: the calibration finished before the kill; resume not exercised"
elif [ ! -e "$WORK/k.h5.partial" ]; then
    bad "no checkpoint appeared"
else
    ok
    expect_exit 2 "checkpoint exists.*--resume" -- "$PACTSIM" calibrate "$WORK/long.yaml" -o "$WORK/k.h5" --quiet
    expect_exit 0 "from the checkpoint" -- "$PACTSIM" calibrate "$WORK/long.yaml" -o "$WORK/k.h5" --resume
    same "$WORK/ref.h5" "$WORK/k.h5" && ok || bad "resumed posterior differs from an uninterrupted one"
    [ -e "$WORK/k.h5.partial" ] && bad "checkpoint left after completion" || ok
fi
# One process per output: while a calibration holds FILE.lock (it appears once the output is
# claimed; the first is then stopped with SIGSTOP so that it cannot finish meanwhile), a second
# calibration, even with --force, and a run onto the same file are refused; the lock goes with the
# first process.
"$PACTSIM" calibrate "$WORK/long.yaml" -o "$WORK/l.h5" --quiet 2>/dev/null &
pid=$!
for _ in $(seq 600); do [ -e "$WORK/l.h5.lock" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.05; done
if [ -e "$WORK/l.h5.lock" ] && kill -STOP $pid 2>/dev/null; then # held still: it cannot finish meanwhile
    expect_exit 2 "l\.h5: another pactsim process \(pid $pid\) is writing this output" -- \
        "$PACTSIM" calibrate "$WORK/long.yaml" -o "$WORK/l.h5" --force --quiet
    expect_exit 2 "l\.h5: another pactsim process \(pid $pid\)" -- \
        "$PACTSIM" run "$D/twin.yaml" -o "$WORK/l.h5" --force --quiet
else
    bad "no l.h5.lock while the calibration ran"
fi
kill -TERM $pid 2>/dev/null
kill -CONT $pid 2>/dev/null
wait $pid 2>/dev/null
[ -e "$WORK/l.h5.lock" ] && bad "l.h5.lock left after the calibration ended" || ok
# A damaged checkpoint is refused with a message, not trusted.
"$PACTSIM" calibrate "$WORK/long.yaml" -o "$WORK/d.h5" --quiet 2>/dev/null &
pid=$!
for _ in $(seq 600); do [ -e "$WORK/d.h5.partial" ] && break; sleep 0.05; done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
if [ -e "$WORK/d.h5.partial" ]; then
    flip_byte "$WORK/d.h5.partial" 40
    expect_exit 2 "damaged.*--force" -- "$PACTSIM" calibrate "$WORK/long.yaml" -o "$WORK/d.h5" --resume
fi

# Posterior ensembles: replicate r draws the same parameters, and gives the
# same series, alone or among more; the draws are recorded per replicate.
P="$WORK/t1.h5"
expect_exit 0 "" -- "$PACTSIM" run "$D/twin.yaml" --posterior "$P" -r 3 -o "$WORK/e3.h5" --quiet
expect_exit 0 "" -- "$PACTSIM" run "$D/twin.yaml" --posterior "$P" -r 20 -o "$WORK/e20.h5" --quiet --threads 2
$PY - "$WORK/e3.h5" "$WORK/e20.h5" "$P" <<'EOF' && ok || bad "posterior ensemble is not keyed by replicate"
import sys, h5py, numpy as np
a, b, p = (h5py.File(x, "r") for x in sys.argv[1:])
va, vb = a["posterior_draws/values"][()], b["posterior_draws/values"][()]
assert va.shape == (3, 4) and vb.shape == (20, 4)
assert np.array_equal(va, vb[:3])
assert np.array_equal(a["actor_state/evasion"][()], b["actor_state/evasion"][:3])
s = p["posterior/samples"][()]
idx = b["posterior_draws/sample"][()]
assert np.array_equal(vb, s[idx])
assert len(set(idx)) > 5  # draws spread over the samples
# parameter uncertainty shows: replicates differ in the calibrated parameters
assert np.std(vb[:, 2]) > 0
EOF
# Without --posterior nothing changes; with it, the run differs.
expect_exit 0 "" -- "$PACTSIM" run "$D/twin.yaml" -r 3 -o "$WORK/plain.h5" --quiet
h5ls "$WORK/plain.h5/posterior_draws" >/dev/null 2>&1 && bad "plain run has /posterior_draws" || ok
h5diff -q "$WORK/plain.h5" "$WORK/e3.h5" /actor_state/evasion /actor_state/evasion >/dev/null 2>&1 \
    && bad "posterior run equals the plain run" || ok
# --resume of a posterior run: checkpoints are tied to the posterior.
expect_exit 0 "" -- "$PACTSIM" run "$D/twin.yaml" --posterior "$P" -r 3 -o "$WORK/e3.h5" --resume --quiet
expect_exit 2 "not this run's result" -- "$PACTSIM" run "$D/twin.yaml" --posterior "$WORK/ref.h5" -r 3 -o "$WORK/e3.h5" --resume --quiet
# A scenario naming its posterior runs as with --posterior.
printf 'extends: %s\nposterior: %s\nreplicates: 3\n' "$D/twin.yaml" "$P" > "$WORK/withpost.yaml"
expect_exit 0 "" -- "$PACTSIM" run "$WORK/withpost.yaml" -o "$WORK/cfg3.h5" --quiet
h5diff -q "$WORK/cfg3.h5" "$WORK/e3.h5" /actor_state /actor_state >/dev/null 2>&1 && \
h5diff -q "$WORK/cfg3.h5" "$WORK/e3.h5" /posterior_draws/values /posterior_draws/values >/dev/null 2>&1 \
    && ok || bad "posterior: in a scenario differs from run --posterior"
# Sweeps draw from a posterior as run does: replicate r of every point draws
# what run --posterior draws for replicate r (the same sample at every point),
# but a parameter the sweep varies keeps the point's value (erosion here).
printf 'name: s\nbase: %s\ndesign: grid\noutput: full\nparameters:\n  parameters.sanctions.erosion: {values: [0.01, 0.04]}\n  parameters.economy.growth_noise_sd: {values: [0.01, 0.05]}\n' \
    "$WORK/withpost.yaml" > "$WORK/sweep.yaml"
expect_exit 0 "draws its parameters from the posterior .*t1\.h5 \(4 parameters\).*the sweep varies 1 of them, which take the point's values instead of the draw's: parameters\.sanctions\.erosion$" -- \
    "$PACTSIM" sweep "$WORK/sweep.yaml" --validate
expect_exit 0 "note: .*the sweep varies 1 of them.*parameters\.sanctions\.erosion" -- \
    "$PACTSIM" sweep "$WORK/sweep.yaml" -o "$WORK/sw1.h5" --threads 1
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/sweep.yaml" -o "$WORK/sw2.h5" --threads 2 --quiet
$PY "$SRC/tests/cli/h5same.py" "$WORK/sw1.h5" "$WORK/sw2.h5" /sweep && ok \
    || bad "a posterior sweep differs between 1 and 2 threads"
# Point 1 (erosion 0.01, growth_noise_sd 0.05) is run --posterior of a posterior
# whose erosion is 0.01 in every sample (same weights: same draws), bit for bit;
# with the posterior's own erosion (which run uses) it differs.
$PY - "$P" "$WORK/post_e01.h5" <<'PYEOF'
import sys, h5py
with h5py.File(sys.argv[1], "r") as s, h5py.File(sys.argv[2], "w") as f:
    for k in s:
        s.copy(k, f)
    for k, v in s.attrs.items():
        f.attrs[k] = v
    j = list(s["posterior/parameter"].asstr()[()]).index("parameters.sanctions.erosion")
    x = f["posterior/samples"][()]
    x[:, j] = 0.01
    f["posterior/samples"][...] = x
PYEOF
for post in "$WORK/post_e01.h5" "$P"; do
    expect_exit 0 "" -- "$PACTSIM" run "$WORK/withpost.yaml" --posterior "$post" --precision float64 \
        --set parameters.economy.growth_noise_sd=0.05 -o "$post.run.h5" --quiet
done
$PY - "$WORK/sw1.h5" "$WORK/post_e01.h5.run.h5" "$P.run.h5" "$P" <<'PYEOF' && ok || bad "sweep point 1 is not the run of its config with the posterior, erosion kept"
import sys, h5py, numpy as np
sw, run, own, post = (h5py.File(x, "r") for x in sys.argv[1:])
def states(f, pre, idx):
    out = {}
    for g in ("actor_state", "dyad_state", "theater_state"):
        if pre + g not in f:
            continue
        for k, d in f[pre + g].items():
            if isinstance(d, h5py.Dataset) and d.ndim >= (4 if pre else 3):
                out[g + "/" + k] = d[idx] if pre else d[()]
    return out
a, b, c = states(sw, "sweep/", 1), states(run, "", None), states(own, "", None)
assert len(a) > 50 and a.keys() == b.keys(), (len(a), len(b))
for k in a:
    assert a[k].dtype == b[k].dtype == np.float64 and np.array_equal(a[k].view("u8"), b[k].view("u8")), k
assert any(not np.array_equal(a[k], c[k]) for k in a), "the posterior's erosion was used"
for m in run["summary"]:
    if m != "replicate":
        assert np.array_equal(sw["sweep/summary/" + m][1], run["summary/" + m][()], equal_nan=True), m
# the recorded draws: the run's samples, erosion the point's at every point
d = sw["sweep/posterior_draws"]
names = list(d["parameter"].asstr()[()])
j = names.index("parameters.sanctions.erosion")
assert list(d["swept"][()]) == [int(i == j) for i in range(4)]
smp, val = d["sample"][()], d["values"][()]
assert smp.shape == (4, 3) and (smp == run["posterior_draws/sample"][()]).all()
assert np.array_equal(val[1], run["posterior_draws/values"][()])
pts = sw["sweep/points"][()]
S = post["posterior/samples"][()]
others = [i for i in range(4) if i != j]
for p in range(4):
    assert (val[p, :, j] == pts[p, 0]).all()
    assert np.array_equal(val[p][:, others], S[smp[p]][:, others])
assert d.attrs["posterior_hash"] == own["posterior_draws"].attrs["posterior_hash"]
assert sw["provenance"].attrs["posterior_hash"] == d.attrs["posterior_hash"]
assert sw["provenance"].attrs["posterior_file"] == sys.argv[4]
PYEOF
# A summary sweep over a parameter the posterior lacks: each point is the run
# of its config with the posterior (summary values bit for bit).
printf 'name: s\nbase: %s\ndesign: grid\nreplicates: 4\nparameters:\n  parameters.economy.growth_noise_sd: {values: [0.01, 0.05]}\n' \
    "$D/twin.yaml" > "$WORK/sweep_sum.yaml"
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/sweep_sum.yaml" --posterior "$P" -o "$WORK/ss.h5" --quiet --threads 2
expect_exit 0 "" -- "$PACTSIM" run "$D/twin.yaml" --posterior "$P" -r 4 --set parameters.economy.growth_noise_sd=0.05 \
    -o "$WORK/ss.run.h5" --quiet
$PY - "$WORK/ss.h5" "$WORK/ss.run.h5" <<'PYEOF' && ok || bad "summary sweep point 1 is not the run of its config with the posterior"
import sys, h5py, numpy as np
sw, run = (h5py.File(x, "r") for x in sys.argv[1:])
n = 0
for m in run["summary"]:
    if m != "replicate":
        assert np.array_equal(sw["sweep/summary/" + m][1], run["summary/" + m][()], equal_nan=True), m
        n += 1
assert n > 10 and not np.array_equal(sw["sweep/summary/min_gdp_growth"][0], sw["sweep/summary/min_gdp_growth"][1])
assert (sw["sweep/posterior_draws/sample"][()] == run["posterior_draws/sample"][()]).all()
assert not sw["sweep/posterior_draws/swept"][()].any() and "actor_state" not in sw["sweep"]
PYEOF
# sweep --posterior draws as a base naming the posterior does (the same /sweep);
# parts merge to the whole; another posterior is another sweep (--resume
# refused); without a posterior nothing changes.
printf 'name: s\nbase: %s\ndesign: grid\noutput: full\nparameters:\n  parameters.sanctions.erosion: {values: [0.01, 0.04]}\n  parameters.economy.growth_noise_sd: {values: [0.01, 0.05]}\n' \
    "$D/twin.yaml" > "$WORK/sweep_plain.yaml"
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/sweep_plain.yaml" --posterior "$P" -r 3 -o "$WORK/swp.h5" --quiet
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/sweep_plain.yaml" --posterior "$P" -r 3 -o "$WORK/part0.h5" --points 0:3 --quiet
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/sweep_plain.yaml" --posterior "$P" -r 3 -o "$WORK/part1.h5" --points 3:4 --quiet
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/sweep_plain.yaml" --posterior "$P" -r 3 -o "$WORK/merged.h5" \
    --merge "$WORK/part0.h5" "$WORK/part1.h5" --quiet
$PY "$SRC/tests/cli/h5same.py" "$WORK/sw1.h5" "$WORK/swp.h5" /sweep && ok || bad "sweep --posterior differs from a base naming it"
# The posterior file is read at validation (for the base and point 0), never
# again: the other points and the runs take copies (11 opens for these 4
# points when each point read it twice).
if command -v strace >/dev/null 2>&1; then
    strace -f -e trace=openat,open -o "$WORK/trace" "$PACTSIM" sweep "$WORK/sweep_plain.yaml" \
        --posterior "$P" -r 3 -o "$WORK/swtrace.h5" --quiet --threads 2 >/dev/null 2>&1
    opens=$(grep -cF "$(basename "$P")\"" "$WORK/trace")
    [ "$opens" -ge 1 ] && [ "$opens" -le 2 ] && ok || bad "the posterior was opened $opens times for a 4-point sweep"
    $PY "$SRC/tests/cli/h5same.py" "$WORK/swp.h5" "$WORK/swtrace.h5" /sweep && ok || bad "the traced sweep differs"
fi
$PY "$SRC/tests/cli/h5same.py" "$WORK/swp.h5" "$WORK/merged.h5" /sweep && ok || bad "merged posterior sweep differs from the whole"
expect_exit 2 "not this sweep's result" -- "$PACTSIM" sweep "$WORK/sweep_plain.yaml" --posterior "$WORK/post_e01.h5" \
    -r 3 -o "$WORK/swp.h5" --resume --quiet
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/sweep_plain.yaml" -r 3 -o "$WORK/swn.h5" --quiet
h5ls "$WORK/swn.h5/sweep/posterior_draws" >/dev/null 2>&1 && bad "a sweep without posterior has /sweep/posterior_draws" || ok
$PY "$SRC/tests/cli/h5same.py" "$WORK/swn.h5" "$WORK/swp.h5" /sweep/summary >/dev/null && bad "the posterior sweep equals the plain one" || ok
expect_exit 2 "option --posterior: expected a posterior file" -- "$PACTSIM" sweep "$WORK/sweep_plain.yaml" --posterior= -o "$WORK/x.h5"
expect_exit 2 "format is 'pactsim-sweep'; expected a pactsim-posterior file" -- \
    "$PACTSIM" sweep "$WORK/sweep_plain.yaml" --posterior "$WORK/swn.h5" -o "$WORK/x.h5"
expect_no_file "$WORK/x.h5"
# Bad posterior files: exit 2, a message, no output.
expect_exit 2 "format is 'pactsim'; expected a pactsim-posterior file" -- \
    "$PACTSIM" run "$D/twin.yaml" --posterior "$WORK/plain.h5" -o "$WORK/x.h5"
expect_exit 2 "cannot open" -- "$PACTSIM" run "$D/twin.yaml" --posterior "$WORK/none.h5" -o "$WORK/x.h5"
expect_exit 2 "expected a posterior file" -- "$PACTSIM" run "$D/twin.yaml" --posterior= -o "$WORK/x.h5"
expect_no_file "$WORK/x.h5"

# Drawn values a model refuses are outside the model's domain, not an error: with
# Russia exporting 5,000 kb/d (~1.3e11 USD/yr at the twin's price), a GDP prior
# reaching down to 1e10 draws some GDPs below that revenue, which the economy
# refuses (ODD 7.2); those particles get d = inf and the calibration completes
# with every kept GDP above the revenue. A prior with no draw in the domain is
# refused (exit 2, no file).
spec "$WORK/dom.yaml" "$D/twin_obs.csv" 9 100 2
sed -i -e '/^  parameters\.sanctions\./d' \
    -e 's|^parameters:$|set: {actors.RUS.oil_export_capacity: 5000}\nparameters:|' "$WORK/dom.yaml"
sed 's/^  parameters.economy.sanction_elasticity: .*/&\n  actors.RUS.gdp: {range: [1.0e10, 1.2e11]}/' \
    "$WORK/dom.yaml" > "$WORK/dom_none.yaml"
echo "  actors.RUS.gdp: {range: [1.0e10, 2.0e12]}" >> "$WORK/dom.yaml"
if "$PACTSIM" calibrate "$WORK/dom.yaml" -o "$WORK/dom.h5" --quiet 2>"$WORK/err"; then
    $PY - "$WORK/dom.h5" <<'PYEOF' && ok || bad "a kept particle has a GDP below Russia's oil revenue"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    names = [x.decode() for x in f["posterior/parameter"][()]]
    gdp = f["posterior/samples"][:, names.index("actors.RUS.gdp")]
    d = f["posterior/distance"][()]
    sys.exit(0 if gdp.min() > 1.3e11 and np.isfinite(d).all() else 1)
PYEOF
else
    bad "calibration with refused draws failed: $(head -c 300 "$WORK/err")"
fi
expect_exit 2 "only 0 of the 100 particles of generation 0 have a finite distance" -- \
    "$PACTSIM" calibrate "$WORK/dom_none.yaml" -o "$WORK/dom_none.h5" --quiet
expect_no_file "$WORK/dom_none.h5"
finish

#!/usr/bin/env bash
# Mid-run checkpoints: one long replicate (1979-02 to 2100-12, 1463 months, 1 thread) killed with SIGKILL
# once FILE.partial/ holds mid-run segments continues with --resume from the last month saved
# (the CLI says which) and ends with datasets identical to an uninterrupted run's; a damaged last
# segment is dropped and the replicate continues from the one before; SIGINT saves the months
# done and says so; --checkpoint-every may change between resumes.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/configs/history_1979_2022.yaml"
ARGS=(--replicates 1 --threads 1 --set end=2100-12)
RESULT_GROUPS="actor_state dyad_state theater_state summary events"
same() { # same REF FILE LABEL: every group of results equal, bit for bit
    if /usr/bin/python3 "$SRC/tests/cli/h5same.py" "$1" "$2" $RESULT_GROUPS >"$WORK/diff" 2>&1; then ok
    else bad "$3: $(cat "$WORK/diff") (vs. the uninterrupted run)"; fi
}
segs() { compgen -G "$1.partial/rep-0000000.m*.seg" | wc -l; }
# The end month of the last segment: "rep-0000000.mFFFFFFF-TTTTTTT.seg" -> TTTTTTT.
last_end() { compgen -G "$1.partial/rep-0000000.m*.seg" | sed 's/.*-0*\([0-9][0-9]*\)\.seg$/\1/' | sort -n | tail -1; }
# wait_segs FILE N: until FILE.partial holds N segments (at most 60 s).
wait_segs() {
    local k
    for k in $(seq 1 3000); do [ "$(segs "$1")" -ge "$2" ] && return 0; sleep 0.02; done
    return 1
}

# The uninterrupted run, with mid-run checkpoints off.
t0=$(date +%s%N)
"$PACTSIM" run "$CFG" "${ARGS[@]}" --quiet --checkpoint-every 0 -o "$WORK/ref.h5" || bad "reference run failed"
ref_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ -e "$WORK/ref.h5.partial" ] && bad "checkpoint directory left by a complete run" || ok

# SIGKILL once 6 segments of 12 months exist, then --resume.
OUT="$WORK/k.h5"
"$PACTSIM" run "$CFG" "${ARGS[@]}" --quiet --checkpoint-every 12 -o "$OUT" 2>"$WORK/err" &
pid=$!
wait_segs "$OUT" 6 || bad "no mid-run checkpoint appeared: $(cat "$WORK/err")"
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rc=$?
[ "$rc" -eq 137 ] && ok || bad "exit $rc after SIGKILL, expected 137 (the run ended first?)"
[ -e "$OUT" ] && bad "a file under the final name after SIGKILL" || ok
m=$(last_end "$OUT")
[ -n "$m" ] && [ "$m" -ge 72 ] && [ $((m % 12)) -eq 0 ] && ok || bad "segments end at month '$m'"
t0=$(date +%s%N)
"$PACTSIM" run "$CFG" "${ARGS[@]}" --checkpoint-every 12 -o "$OUT" --resume 2>"$WORK/err" ||
    bad "resume failed: $(cat "$WORK/err")"
resume_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
d=$(printf '%04d-%02d' $((1979 + (m + 1) / 12)) $((1 + (m + 1) % 12))) # month 0 is 1979-02
grep -q "continued 1 unfinished replicate from .*k\.h5\.partial (replicate 0 from month $m, $d)" "$WORK/err" &&
    ok || bad "resume did not continue from month $m: $(cat "$WORK/err")"
same "$WORK/ref.h5" "$OUT" "killed after month $m and resumed"
[ -e "$OUT.partial" ] && bad "$OUT.partial left after a complete run" || ok
echo "SIGKILL after month $m of 1463; resumed from it to a file equal to the uninterrupted run (${ref_ms} ms uninterrupted, ${resume_ms} ms resumed)"

# A damaged last segment: dropped with a warning, the replicate continues from the one before.
OUT="$WORK/d.h5"
"$PACTSIM" run "$CFG" "${ARGS[@]}" --quiet --checkpoint-every 12 -o "$OUT" 2>/dev/null &
pid=$!
wait_segs "$OUT" 4 || bad "no mid-run checkpoint appeared"
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
m=$(last_end "$OUT")
f=$(compgen -G "$OUT.partial/rep-0000000.m*-$(printf %07d "$m").seg")
flip_byte "$f" 100
"$PACTSIM" run "$CFG" "${ARGS[@]}" --checkpoint-every 12 -o "$OUT" --resume 2>"$WORK/err" ||
    bad "resume over a damaged segment failed: $(cat "$WORK/err")"
grep -q "1 damaged checkpoint was ignored.*CRC mismatch" "$WORK/err" && ok || bad "damage not reported: $(cat "$WORK/err")"
grep -q "from month $((m - 12))," "$WORK/err" && ok || bad "did not continue from month $((m - 12)): $(cat "$WORK/err")"
same "$WORK/ref.h5" "$OUT" "resumed over a damaged segment"

# SIGINT inside the replicate: the months done are saved (not only whole segments); the message
# says how to continue; a resume with another --checkpoint-every continues from that month.
OUT="$WORK/i.h5"
"$PACTSIM" run "$CFG" "${ARGS[@]}" --quiet --checkpoint-every 50 -o "$OUT" 2>"$WORK/err" &
pid=$!
wait_segs "$OUT" 2 || bad "no mid-run checkpoint appeared"
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 130 ] && ok || bad "SIGINT: exit $rc: $(cat "$WORK/err")"
grep -Eq "the 1 unfinished replicate is kept in .*i\.h5\.partial: run the same command with --resume" "$WORK/err" &&
    ok || bad "SIGINT message: $(cat "$WORK/err")"
m=$(last_end "$OUT")
[ -n "$m" ] && [ "$m" -ge 100 ] && ok || bad "no months saved on SIGINT: '$m'"
"$PACTSIM" run "$CFG" "${ARGS[@]}" --checkpoint-every 7 -o "$OUT" --resume 2>"$WORK/err" ||
    bad "resume after SIGINT failed: $(cat "$WORK/err")"
grep -q "from month $m," "$WORK/err" && ok || bad "did not continue from month $m: $(cat "$WORK/err")"
same "$WORK/ref.h5" "$OUT" "stopped by SIGINT at month $m and resumed with --checkpoint-every 7"

# output.fields: the segments carry only the series the file and the metrics need (smaller than
# those of the run above, which keeps every series); killed and resumed, the file holds the
# selected fields, bit for bit those of the uninterrupted run.
FIELDS=(--fields 'gdp,cooperation,oil_*')
OUT="$WORK/f.h5"
"$PACTSIM" run "$CFG" "${ARGS[@]}" "${FIELDS[@]}" --quiet --checkpoint-every 12 -o "$OUT" 2>"$WORK/err" &
pid=$!
wait_segs "$OUT" 3 || bad "no mid-run checkpoint appeared: $(cat "$WORK/err")"
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
a=$(stat -c %s "$OUT.partial/rep-0000000.m0000000-0000012.seg" 2>/dev/null || echo 0)
"$PACTSIM" run "$CFG" "${ARGS[@]}" --quiet --checkpoint-every 12 -o "$WORK/all.h5" 2>/dev/null &
pid=$!
wait_segs "$WORK/all.h5" 1
b=$(stat -c %s "$WORK/all.h5.partial/rep-0000000.m0000000-0000012.seg" 2>/dev/null || echo 0)
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
echo "segment of months 0-11: $a bytes with output.fields, $b bytes with every series"
[ "$a" -gt 0 ] && [ "$a" -lt "$b" ] && ok || bad "segment with output.fields $a bytes, with every series $b"
"$PACTSIM" run "$CFG" "${ARGS[@]}" "${FIELDS[@]}" --checkpoint-every 12 -o "$OUT" --resume 2>"$WORK/err" ||
    bad "resume with output.fields failed: $(cat "$WORK/err")"
grep -q "continued 1 unfinished replicate" "$WORK/err" && ok || bad "did not continue: $(cat "$WORK/err")"
if /usr/bin/python3 "$SRC/tests/cli/h5same.py" "$WORK/ref.h5" "$OUT" actor_state/gdp dyad_state/cooperation \
    dyad_state/oil_trade actor_state/oil_discount summary events >"$WORK/diff" 2>&1; then ok
else bad "output.fields, killed and resumed: $(cat "$WORK/diff")"; fi
/usr/bin/python3 -c 'import h5py, sys
f = h5py.File(sys.argv[1], "r")
names = sorted(k for g in ("actor_state", "dyad_state") for k in f[g] if k not in ("replicate", "time", "actor", "source", "target"))
want = sorted(["gdp", "cooperation", "oil_trade", "oil_embargo"] + [k for k in f["actor_state"] if k.startswith("oil_")])
sys.exit(0 if names == want and "theater_state" not in f else 1)' "$OUT" && ok || bad "$OUT holds other fields than gdp, cooperation, oil_*"

expect_exit 2 "option --checkpoint-every: expected months" -- "$PACTSIM" run "$CFG" --checkpoint-every x
expect_exit 2 "option --checkpoint-every: expected months" -- "$PACTSIM" run "$CFG" --checkpoint-every -3
finish

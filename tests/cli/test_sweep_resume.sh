# Resume: a sweep killed with SIGKILL at random moments, then resumed, ends with
# datasets identical to an uninterrupted run; SIGTERM keeps FILE.partial and
# exits 143; a partial file of another spec is refused.
. "$(dirname "$0")/lib.sh"
SPEC="$SRC/tests/configs/sweep/resume.yaml"
REF="$WORK/ref.h5"
OUT="$WORK/killed.h5"

expect_exit 0 "" -- "$PACTSIM" sweep "$SPEC" -o "$REF" --threads 2 --quiet

# Wait (up to 20 s) for FILE.partial to appear, so that a kill lands while runs
# are being written, however slow the machine (sanitizers, load).
wait_partial() {
    for _ in $(seq 200); do
        [ -e "$OUT.partial" ] && return 0
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

kills=0
for attempt in 1 2 3 4 5 6; do
    [ -e "$OUT" ] || [ "$kills" -ge 4 ] && break
    "$PACTSIM" sweep "$SPEC" -o "$OUT" --threads 2 --quiet --resume 2>/dev/null &
    pid=$!
    wait_partial "$pid"
    sleep "$(awk -v s=$RANDOM 'BEGIN { srand(s); printf "%.3f", rand() * 0.3 }')"
    kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
    wait "$pid" 2>/dev/null
done
echo "killed $kills times"
[ "$kills" -ge 3 ] && ok || bad "the sweep was killed only $kills times"
[ -e "$OUT" ] && bad "sweep finished between kills: too fast to test" || ok
[ -e "$OUT.partial" ] && ok || bad "no $OUT.partial after the kills"
expect_exit 0 "" -- "$PACTSIM" sweep "$SPEC" -o "$OUT" --threads 1 --quiet --resume
[ -e "$OUT.partial" ] && bad "$OUT.partial left after completion" || ok
for g in /sweep /provenance/spec_raw /provenance/base_config_resolved; do
    if h5diff -q "$REF" "$OUT" "$g" "$g" >/dev/null 2>&1; then ok
    else bad "$g differs after kill -9 and resume: $(h5diff "$REF" "$OUT" "$g" "$g" 2>&1 | head -5)"; fi
done
# Raw bytes too (h5diff compares values), for the done flags, the design, one
# summary metric and one series of each shape.
for d in /sweep/done /sweep/points $(h5ls -r "$REF" | awk '$2 == "Dataset" && $1 ~ /^\/sweep\/(summary|actor_state|dyad_state)\/[a-z]/ { print $1 }' | awk -F/ '!seen[$3]++'); do
    h5dump -b LE -d "$d" -o "$WORK/a.bin" "$REF" >/dev/null 2>&1
    h5dump -b LE -d "$d" -o "$WORK/b.bin" "$OUT" >/dev/null 2>&1
    cmp -s "$WORK/a.bin" "$WORK/b.bin" || bad "dataset $d: bytes differ"
done
ok

# Resuming a finished sweep does nothing.
sum=$(md5sum < "$OUT")
expect_exit 0 "already complete" -- "$PACTSIM" sweep "$SPEC" -o "$OUT" --resume
[ "$(md5sum < "$OUT")" = "$sum" ] && ok || bad "resuming a finished sweep modified it"

# SIGTERM: exit 143, the partial file is kept and resumable.
rm -f "$OUT"
"$PACTSIM" sweep "$SPEC" -o "$OUT" --threads 2 --quiet 2>"$WORK/term.err" &
pid=$!
wait_partial "$pid" || bad "SIGTERM: no $OUT.partial appeared"
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 143 ] && ok || bad "SIGTERM: exit $rc, expected 143 ($(cat "$WORK/term.err"))"
grep -q -- "--resume" "$WORK/term.err" && ok || bad "SIGTERM message does not mention --resume: $(cat "$WORK/term.err")"
[ -e "$OUT.partial" ] && ok || bad "SIGTERM: no $OUT.partial"
expect_exit 2 "interrupted sweep exists.*--resume" -- "$PACTSIM" sweep "$SPEC" -o "$OUT" --quiet
# Another spec may not continue it.
sed 's/^seed: 7/seed: 8/' "$SPEC" > "$WORK/other.yaml"
cp "$SRC/tests/configs/sweep/small.yaml" "$WORK/"
expect_exit 2 "another spec" -- "$PACTSIM" sweep "$WORK/other.yaml" -o "$OUT" --resume --quiet
expect_exit 0 "" -- "$PACTSIM" sweep "$SPEC" -o "$OUT" --resume --quiet
if h5diff -q "$REF" "$OUT" /sweep /sweep >/dev/null 2>&1; then ok; else bad "/sweep differs after SIGTERM and resume"; fi
finish

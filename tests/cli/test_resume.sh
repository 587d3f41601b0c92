# `pactsim run --resume`: a run killed with SIGKILL again and again, each time
# resumed from its checkpoints (FILE.partial/), ends with datasets identical to
# an uninterrupted run's; SIGINT keeps the checkpoints and says how to resume;
# damaged checkpoints are computed again; a resume of another scenario, a
# second process on the same output and a finished output are each refused or
# recognised with a clear message.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/configs/baseline_2022.yaml"
REPS=${PACTSIM_RESUME_REPLICATES:-40}
KILLS=${PACTSIM_RESUME_KILLS:-8}
run() { "$PACTSIM" run "$CFG" --replicates "$REPS" --threads 2 --quiet "$@"; }
RESULT_GROUPS="actor_state dyad_state theater_state summary events"
same() { # same REF FILE LABEL: every group of results equal, bit for bit
    if /usr/bin/python3 "$SRC/tests/cli/h5same.py" "$1" "$2" $RESULT_GROUPS >"$WORK/diff" 2>&1; then ok
    else bad "$3: $(cat "$WORK/diff") (vs. the uninterrupted run)"; fi
}
ckpts() { compgen -G "$1.partial/rep-*.ckpt" | wc -l; }
# wait_ckpt FILE N: until FILE.partial holds N checkpoints (at most 20 s).
wait_ckpt() {
    local k
    for k in $(seq 1 400); do [ "$(ckpts "$1")" -ge "$2" ] && return 0; sleep 0.05; done
    return 1
}

t0=$(date +%s%N)
run -o "$WORK/ref.h5" || bad "reference run failed"
dur_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$dur_ms" -gt 0 ] || dur_ms=1

# SIGKILL at random moments, then --resume, until a run completes.
OUT="$WORK/k.h5"
RANDOM=${PACTSIM_KILL_SEED:-1979}
kills=0 seen=""
for i in $(seq 1 "$KILLS"); do
    "$PACTSIM" run "$CFG" --replicates "$REPS" --threads 2 --quiet -o "$OUT" --resume \
        >/dev/null 2>"$WORK/err" &
    pid=$!
    ms=$(( dur_ms / 10 + RANDOM % (dur_ms / 5 + 1) ))
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    [ -e "$OUT" ] && break
    [ "$rc" -eq 137 ] || bad "kill $i: exit $rc, expected 137: $(cat "$WORK/err")"
    kills=$((kills + 1))
    seen="$seen $(ckpts "$OUT")"
done
run -o "$OUT" --resume 2>"$WORK/err" || bad "the last resume failed: $(cat "$WORK/err")"
same "$WORK/ref.h5" "$OUT" "after $kills kills and resumes"
[ -e "$OUT.partial" ] && bad "$OUT.partial left after a complete run" || ok
compgen -G "$OUT.tmp.*" >/dev/null && bad "temporary file left: $(ls "$OUT".tmp.*)" || ok
# Checkpoints accumulate from kill to kill (each resume starts where the last stopped).
prev=0 grew=1
for n in $seen; do [ "$n" -ge "$prev" ] || grew=0; prev=$n; done
[ "$grew" -eq 1 ] && ok || bad "checkpoints did not accumulate across kills:$seen"
echo "SIGKILL: $kills kills at random moments (${dur_ms} ms a run), checkpoints after each:$seen; resumed to a file equal to the uninterrupted run"

# SIGINT: exit 130, checkpoints kept, the message says how to continue.
OUT="$WORK/i.h5"
"$PACTSIM" run "$CFG" --replicates 60 --threads 2 --quiet -o "$OUT" 2>"$WORK/err" &
pid=$!
wait_ckpt "$OUT" 3 || bad "no checkpoint appeared"
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 130 ] && ok || bad "SIGINT: exit $rc: $(cat "$WORK/err")"
n=$(ckpts "$OUT")
grep -Eq "interrupted after [0-9]+ of 60 .* the $n finished replicates are kept in .*i\.h5\.partial: run the same command with --resume" "$WORK/err" &&
    ok || bad "SIGINT message: $(cat "$WORK/err")"
[ "$n" -gt 0 ] && ok || bad "SIGINT: no checkpoint kept"
compgen -G "$OUT.tmp.*" >/dev/null && bad "temporary file left after SIGINT" || ok
[ -e "$OUT" ] && bad "a file under the final name after SIGINT" || ok
# Without --resume or --force the checkpoints are not silently thrown away.
expect_exit 2 "i\.h5\.partial: an interrupted run exists; use --resume to continue it or --force to start over" \
    -- "$PACTSIM" run "$CFG" --replicates 60 --quiet -o "$OUT"
# Another scenario (here: another seed) cannot resume them.
expect_exit 2 "i\.h5\.partial: was started with another scenario, seed, replicate count or pactsim build" \
    -- "$PACTSIM" run "$CFG" --replicates 60 --seed 7 --quiet -o "$OUT" --resume
expect_exit 2 "expected one of them" -- "$PACTSIM" run "$CFG" -o "$OUT" --resume --force
# A second process on the same output is refused while the first runs.
"$PACTSIM" run "$CFG" --replicates 60 --threads 1 --quiet -o "$OUT" --resume 2>/dev/null &
pid=$!
wait_ckpt "$OUT" $(( $(ckpts "$OUT") + 1 )) || bad "the resume wrote no checkpoint"
expect_exit 2 "i\.h5: another pactsim process \(pid $pid\) is writing this output" \
    -- "$PACTSIM" run "$CFG" --replicates 60 --quiet -o "$OUT" --resume
# --force does not take it over either (it would publish the other's work).
expect_exit 2 "i\.h5: another pactsim process \(pid $pid\) is writing this output .*--force does not override" \
    -- "$PACTSIM" run "$CFG" --replicates 60 --quiet -o "$OUT" --force
kill -INT "$pid"
wait "$pid"
# Damage two checkpoints (a flipped byte, a cut): they are computed again.
n=$(ckpts "$OUT")
set -- $(compgen -G "$OUT.partial/rep-*.ckpt" | head -2)
flip_byte "$1" 3000
truncate -s 100 "$2"
"$PACTSIM" run "$CFG" --replicates 60 --threads 2 -o "$OUT" --resume 2>"$WORK/err" ||
    bad "resume over damaged checkpoints failed: $(cat "$WORK/err")"
grep -q "2 damaged checkpoints were ignored" "$WORK/err" && ok || bad "damage not reported: $(cat "$WORK/err")"
grep -Eq "resumed $((n - 2)) of 60 replicates" "$WORK/err" && ok || bad "resume count (expected $((n - 2))): $(cat "$WORK/err")"
"$PACTSIM" run "$CFG" --replicates 60 --threads 2 --quiet -o "$WORK/ref60.h5" || bad "reference 60 failed"
same "$WORK/ref60.h5" "$OUT" "resumed over damaged checkpoints"
# Checkpoints that are not what they claim: a 60 GB sparse file (read whole it would exhaust the
# memory, every time), a FIFO (a read would block), a byte flipped in the metrics (CRC): each is
# dropped with a warning and computed again; the result equals an uninterrupted run.
H="$WORK/h.h5"
# interrupted FILE N [OPTION]: a run of 60 replicates stopped by SIGINT once it has N checkpoints
interrupted() {
    "$PACTSIM" run "$CFG" --replicates 60 --threads 1 --quiet -o "$1" $3 2>/dev/null &
    local pid=$!
    wait_ckpt "$1" "$2" || bad "no checkpoints to damage"
    kill -INT "$pid"
    wait "$pid"
}
interrupted "$H" 4
n=$(ckpts "$H")
set -- $(compgen -G "$H.partial/rep-*.ckpt" | head -3)
truncate -s 60G "$1"
rm -f "$2" && mkfifo "$2"
flip_byte "$3" 60
t0=$(date +%s%N)
timeout 120 "$PACTSIM" run "$CFG" --replicates 60 --threads 2 -o "$H" --resume 2>"$WORK/err" ||
    bad "resume over a sparse, a FIFO and a flipped checkpoint failed: $(cat "$WORK/err")"
grep -Eq "warning: 3 damaged checkpoints were ignored; their replicates were computed again \(e\.g\. .*checkpoint not usable: (.* more than a checkpoint of this run can hold|it is a FIFO|CRC mismatch)" "$WORK/err" &&
    ok || bad "dropped checkpoints not reported: $(cat "$WORK/err")"
grep -Eq "resumed $((n - 3)) of 60 replicates" "$WORK/err" && ok || bad "resume count (expected $((n - 3))): $(cat "$WORK/err")"
same "$WORK/ref60.h5" "$H" "resumed over a sparse, a FIFO and a flipped checkpoint"
# the oversized one alone: dropped for its size, without reading it
interrupted "$H" 2 --force
set -- $(compgen -G "$H.partial/rep-*.ckpt" | head -1)
truncate -s 60G "$1"
# (in 4 GB of address space; not under Address- or ThreadSanitizer, whose shadow memory needs far more)
(if [ -z "${ASAN_OPTIONS:-}${TSAN_OPTIONS:-}" ]; then ulimit -v 4000000; fi
 "$PACTSIM" run "$CFG" --replicates 60 --threads 2 -o "$H" --resume) 2>"$WORK/err" ||
    bad "resume over a 60 GB checkpoint failed: $(cat "$WORK/err")"
grep -q "warning: 1 damaged checkpoint was ignored; its replicate was computed again (.*: checkpoint not usable: 64424509440 bytes, more than a checkpoint of this run can hold" "$WORK/err" &&
    ok || bad "oversized checkpoint not reported: $(cat "$WORK/err")"
same "$WORK/ref60.h5" "$H" "resumed over a 60 GB checkpoint"
# A header that claims one event more than the file holds, under a correct CRC (a checkpoint
# written by other code, or damaged before its CRC was taken): dropped for its sizes, never
# read by the header's counts.
interrupted "$H" 2 --force
set -- $(compgen -G "$H.partial/rep-*.ckpt" | head -1)
/usr/bin/python3 - "$1" <<'PY' || bad "cannot rewrite the checkpoint header"
import struct, sys, zlib
b = bytearray(open(sys.argv[1], "rb").read())
n_events = struct.unpack_from("<i", b, 24)[0]  # ckpt_header: magic[8], order, replicate, n_months, n_metrics, n_events
struct.pack_into("<i", b, 24, n_events + 1)
struct.pack_into("<I", b, len(b) - 4, zlib.crc32(bytes(b[:-4])))
open(sys.argv[1], "wb").write(b)
PY
"$PACTSIM" run "$CFG" --replicates 60 --threads 2 -o "$H" --resume 2>"$WORK/err" ||
    bad "resume over a checkpoint with inconsistent sizes failed: $(cat "$WORK/err")"
grep -q "warning: 1 damaged checkpoint was ignored; its replicate was computed again (.*: checkpoint not usable: inconsistent sizes" "$WORK/err" &&
    ok || bad "inconsistent checkpoint not reported: $(cat "$WORK/err")"
same "$WORK/ref60.h5" "$H" "resumed over a checkpoint with inconsistent sizes"
rm -f "$H"
# A finished output: --resume has nothing to do; another run's output is not overwritten.
expect_exit 0 "already complete; nothing to resume" -- "$PACTSIM" run "$CFG" --replicates 60 -o "$OUT" --resume
expect_exit 2 "exists and is not this run's result" -- "$PACTSIM" run "$CFG" --replicates 59 -o "$OUT" --resume
# A resumed run that then fails writing keeps its checkpoints and says so;
# a fresh run that fails leaves nothing (tests/cli/test_limits.sh).
OUT="$WORK/f.h5"
"$PACTSIM" run "$CFG" --replicates 60 --threads 2 --quiet -o "$OUT" 2>/dev/null &
pid=$!
wait_ckpt "$OUT" 3 || bad "no checkpoint appeared"
kill -TERM "$pid"
wait "$pid"
n=$(ckpts "$OUT")
bash -c "ulimit -f 2000 && exec \"\$@\"" _ "$PACTSIM" run "$CFG" --replicates 60 --quiet -o "$OUT" --resume 2>"$WORK/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "File too large; the [0-9]* finished replicates are kept in .*f\.h5\.partial for --resume" "$WORK/err" &&
    ok || bad "ulimit during resume: exit $rc: $(cat "$WORK/err")"
[ "$(ckpts "$OUT")" -ge "$n" ] && ok || bad "checkpoints lost by a failed resume"
run -o "$WORK/none.h5" --force 2>/dev/null || bad "a run with --force failed"
[ -e "$WORK/none.h5.partial" ] && bad "checkpoints left after a complete run" || ok
finish

# Crash safety: `pactsim run` killed with SIGKILL at random moments never
# leaves a corrupt file under the final name (absent, or complete and equal to
# an uninterrupted run); the temporary file a SIGKILL leaves behind is removed
# by the next run into the same place.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/configs/baseline_2022.yaml"
REPS=${PACTSIM_KILL_REPLICATES:-40}
KILLS=${PACTSIM_KILLS:-24}
run() { "$PACTSIM" run "$CFG" --replicates "$REPS" --threads 2 --quiet "$@"; }

t0=$(date +%s%N)
run -o "$WORK/ref.h5" >/dev/null 2>&1 || bad "reference run failed"
dur_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$dur_ms" -gt 0 ] || dur_ms=1
RANDOM=${PACTSIM_KILL_SEED:-20220722}
before=0 after=0 tmps=0 killed=" "
for i in $(seq 1 "$KILLS"); do
    OUT="$WORK/k.h5"
    # Half the time into an empty place, half over a complete file (--force).
    if [ $((i % 2)) -eq 0 ]; then rm -f "$OUT"; fi
    "$PACTSIM" run "$CFG" --replicates "$REPS" --threads 2 --quiet -o "$OUT" --force \
        >/dev/null 2>&1 &
    pid=$!
    ms=$(( RANDOM % (dur_ms + dur_ms / 5 + 1) ))
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    if [ "$rc" -eq 137 ]; then before=$((before + 1)); else after=$((after + 1)); fi
    if [ -e "$OUT" ]; then
        if ! "$PACTSIM" info "$OUT" >/dev/null 2>"$WORK/info.err"; then
            bad "kill $i at ${ms} ms: corrupt $OUT: $(head -c 300 "$WORK/info.err")"
        elif ! h5diff -q "$WORK/ref.h5" "$OUT" /actor_state /actor_state >/dev/null 2>&1 ||
             ! h5diff -q "$WORK/ref.h5" "$OUT" /summary /summary >/dev/null 2>&1; then
            bad "kill $i at ${ms} ms: $OUT differs from an uninterrupted run"
        else ok; fi
    else
        ok
    fi
    # Temporary files only of killed processes (a run killed before it opened
    # its output has not yet removed its predecessors').
    killed="$killed $pid "
    for f in $(compgen -G "$OUT.tmp.*"); do
        case "$killed" in *" ${f##*.} "*) ;; *) bad "kill $i: $f is not a killed run's" ;; esac
    done
    tmps=$((tmps + ($(compgen -G "$OUT.tmp.*" | wc -l))))
done
# The next run removes the dead run's temporary file and completes.
expect_exit 0 "" -- run -o "$WORK/k.h5" --force
expect_no_file "$WORK/k.h5.tmp."
if h5diff -q "$WORK/ref.h5" "$WORK/k.h5" /actor_state /actor_state >/dev/null 2>&1; then ok
else bad "final run differs from the reference"; fi
echo "SIGKILL: $KILLS kills ($before during the run, $after after it ended), ${dur_ms} ms a run, temporary files seen after kills: $tmps (all removed by the next run)"
finish

# SIGINT and SIGTERM stop a run at the next month boundary: exit 130/143, no
# file under the final name, no temporary file; also inside one long replicate.
# Each signal is sent once a condition holds (a checkpoint written, the output
# open), never after a fixed time, so a loaded machine does not change the test.
# The finished replicates stay in FILE.partial/ and --resume completes the run
# (tests/cli/test_resume.sh checks the resumed file); a run stopped before any
# replicate finished leaves nothing.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/configs/baseline_2022.yaml"

# One replicate of 120 actors over 39 years: several seconds of months.
big="$WORK/big.yaml"
printf 'name: big\nstart: 2022-01\nend: 2060-12\nseed: 1\nreplicates: 1\nactors:\n' >"$big"
n=0
for a in A B C D E; do for b in A B C D E F G H I J K L M N O P Q R S T U V W X; do
    n=$((n + 1)); [ "$n" -le 120 ] && printf '  %s%sA: {name: n%s}\n' "$a" "$b" "$n" >>"$big"
done; done

# wait_for PID PATTERN: until a file matching PATTERN exists (at most 60 s,
# however loaded the machine), or the process has ended.
wait_for() {
    local k
    for k in $(seq 1 1200); do
        compgen -G "$2" >/dev/null && return 0
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

resumed=0
# stop SIG CODE LABEL WHEN -- ARGS: start a run, signal it once WHEN holds
# (ckpt: a replicate has finished, its checkpoint written; started: the output
# is open, the replicates are being computed), check.
stop() {
    local sig=$1 code=$2 label=$3 when=$4
    shift 5
    local out="$WORK/$label.h5"
    "$PACTSIM" run "$@" -o "$out" --quiet 2>"$WORK/err" &
    local pid=$!
    case "$when" in
        ckpt) wait_for "$pid" "$out.partial/rep-*.ckpt" || bad "$label: no checkpoint appeared" ;;
        started) wait_for "$pid" "$out.tmp.*" || bad "$label: the run did not start" ;;
    esac
    local t0
    t0=$(date +%s%N)
    kill -"$sig" "$pid"
    wait "$pid"
    local rc=$? ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    if [ "$rc" -ne "$code" ]; then bad "$label: SIG$sig gave exit $rc, expected $code: $(cat "$WORK/err")"
    elif ! grep -q "interrupted" "$WORK/err"; then bad "$label: no 'interrupted' in: $(cat "$WORK/err")"
    else ok; fi
    # How long the stop took is printed, not asserted (a loaded machine may take any time). That a
    # run of one long replicate stops inside it, at a month boundary, is the message: its one
    # replicate is unfinished (a stop that waited for the replicate's end would find it done).
    case "$label" in one_*)
        grep -q "interrupted after 0 of 1 replicates" "$WORK/err" && ok ||
            bad "$label: not stopped inside the replicate: $(cat "$WORK/err")" ;;
    esac
    local kept
    kept=$(compgen -G "$out.partial/rep-*.ckpt" | wc -l)
    if grep -q "kept in .*$label.h5.partial: run the same command with --resume" "$WORK/err"; then
        [ "$kept" -gt 0 ] && ok || bad "$label: the message says kept, but no checkpoint is"
        [ "$(compgen -G "$out*")" = "$out.partial" ] && ok || bad "$label: left: $(ls -d "$out"*)"
        expect_exit 0 "" -- "$PACTSIM" run "$@" -o "$out" --quiet --resume
        [ -e "$out" ] && [ ! -e "$out.partial" ] && ok || bad "$label: --resume did not complete"
        rm -f "$out"
        resumed=$((resumed + 1))
    fi
    expect_no_file "$out"
    echo "$label: SIG$sig stopped the run in $ms ms; $kept replicates kept for --resume"
}
stop INT 130 many_int ckpt -- "$CFG" --replicates 12
stop TERM 143 many_term ckpt -- "$CFG" --replicates 12
[ "$resumed" -eq 2 ] && ok || bad "only $resumed of the 2 stopped runs kept their finished replicates"
stop INT 130 one_int started -- "$big" --threads 2
stop TERM 143 one_term started -- "$big" --threads 1
finish

#!/usr/bin/env bash
# Mid-run segments of a sweep (docs/reliability.md, "One scheme"): a sweep of 4 long runs (1979-2100,
# 1,463 months) killed with SIGKILL once FILE.segments/ holds segments continues with --resume from
# the last month saved of each unfinished run (the CLI says so), on another thread count, and ends
# with /sweep identical to an uninterrupted sweep's, bit for bit; the same for a summary sweep, whose
# segments hold only the series its metrics read; a damaged segment and a segment of another sweep
# are dropped with a warning, never trusted; a segment directory of another spec is refused; SIGTERM
# saves the months done; a complete sweep leaves no FILE.segments/.
. "$(dirname "$0")/lib.sh"
SPEC="$SRC/tests/configs/sweep/long.yaml"
same() { # same REF FILE LABEL: /sweep equal, bit for bit (NaN equal to NaN)
    if /usr/bin/python3 "$SRC/tests/cli/h5same.py" "$1" "$2" /sweep >"$WORK/diff" 2>&1; then ok
    else bad "$3: $(head -c 600 "$WORK/diff") (vs. the uninterrupted sweep)"; fi
}
nsegs() { compgen -G "$1.segments/run-*.seg" | wc -l; }
nruns() { compgen -G "$1.segments/run-*.seg" | sed 's/.*\(run-[0-9]*\)\..*/\1/' | sort -u | wc -l; }
# wait_segs FILE N PID [RUNS]: until FILE.segments holds N segments of at least RUNS runs (default 1)
# (at most 60 s; not after PID ended). Which run writes first depends on the scheduler, so a test that
# needs segments of two runs waits for them rather than for a count.
wait_segs() {
    local k
    for k in $(seq 1 3000); do
        [ "$(nsegs "$1")" -ge "$2" ] && [ "$(nruns "$1")" -ge "${4:-1}" ] && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.02
    done
    return 1
}
# kill9 FILE N ARGS...: start the sweep, SIGKILL it once N segments (of $RUNS runs, default 1)
# exist. A sweep can end before the condition is seen (a summary sweep of 4 runs takes 0.2 s here,
# and CI once saw one end while the MPI tests loaded both cores); then it is started again, from
# nothing, up to 3 times.
kill9() {
    local out=$1 n=$2 try pid rc
    shift 2
    for try in 1 2 3; do
        rm -rf "$out" "$out.partial" "$out.segments"
        "$PACTSIM" sweep "$@" -o "$out" --quiet 2>"$WORK/err" &
        pid=$!
        if wait_segs "$out" "$n" "$pid" "${RUNS:-1}"; then
            kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            rc=$?
        else
            wait "$pid" 2>/dev/null
            rc=$?
        fi
        if [ "$rc" -eq 137 ]; then
            ok
            [ -e "$out" ] && bad "a file under the final name after SIGKILL" || ok
            return 0
        fi
        echo "kill9 try $try: the sweep ended first (exit $rc) before $n segments of ${RUNS:-1} run(s) were seen"
    done
    bad "no sweep killed with $n mid-run segments in 3 tries: $(cat "$WORK/err")"
}

expect_exit 2 "option --checkpoint-every: expected months from 0 \(never\) to 1000000, got 'x'" -- \
    "$PACTSIM" sweep "$SPEC" -o "$WORK/bad.h5" --checkpoint-every x
expect_exit 2 "option --checkpoint-every: expected months" -- \
    "$PACTSIM" sweep "$SPEC" -o "$WORK/bad.h5" --checkpoint-every -3
expect_no_file "$WORK/bad.h5"

# The uninterrupted sweep, segments off; and one with the default policy (every 5 s of a run: none
# here), which leaves no directory either.
expect_exit 0 "" -- "$PACTSIM" sweep "$SPEC" -o "$WORK/ref.h5" --threads 2 --quiet --checkpoint-every 0
expect_exit 0 "" -- "$PACTSIM" sweep "$SPEC" -o "$WORK/def.h5" --threads 2 --quiet
same "$WORK/ref.h5" "$WORK/def.h5" "default checkpoint policy"
compgen -G "$WORK/*.segments" >/dev/null && bad "segment directory left by a complete sweep" || ok

# SIGKILL on 2 threads once 10 segments of 12 months exist, --resume on 1 thread.
OUT="$WORK/k.h5"
kill9 "$OUT" 10 "$SPEC" --threads 2 --checkpoint-every 12
[ -e "$OUT.partial" ] && [ -d "$OUT.segments" ] && ok || bad "no $OUT.partial or $OUT.segments after the kill"
grep -q "^pactsim sweep checkpoints" "$OUT.segments/spec" && ok || bad "no spec in $OUT.segments"
# The sweep's own partial file must not be complete: the resume below must continue runs.
expect_exit 0 "continued [1-4] unfinished runs? from .*k\.h5\.segments \(run [0-3]: point [01] replicate [01], from month [1-9][0-9]*, [0-9]{4}-[0-9]{2}\)" -- \
    "$PACTSIM" sweep "$SPEC" -o "$OUT" --threads 1 --checkpoint-every 12 --resume
same "$WORK/ref.h5" "$OUT" "killed and resumed (2 threads, then 1)"
[ -e "$OUT.segments" ] || [ -e "$OUT.partial" ] && bad "$OUT.segments or .partial left after completion" || ok
grep -o "continued.*" "$WORK/err"

# A summary sweep: its segments hold the series its metrics read, not every series. Its runs go
# to 2300 (0.5 s for the 4 on 2 threads, 0.2 s to 2100), so that a kill lands inside them.
sed -e "s|^base: .*|base: $SRC/configs/history_1979_2022.yaml|" -e 's/^output: stride/output: summary/' \
    -e '/^stride:/d' -e 's/^  end: 2100-12/  end: 2300-12/' "$SPEC" >"$WORK/summary.yaml"
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/summary.yaml" -o "$WORK/sref.h5" --threads 2 --quiet --checkpoint-every 0
OUT="$WORK/s.h5"
# Two runs must have segments: one is damaged below, the other gets a foreign segment. Both are
# taken among the runs that FILE.partial records as unfinished (a finished run's segments are never
# read), so the resume must find exactly two damaged checkpoints.
unfinished_runs() { # OUT: ids (10 digits) of the runs with segments that OUT.partial has not done
    /usr/bin/python3 -c 'import glob, h5py, os, sys
out = sys.argv[1]
done = h5py.File(out + ".partial", "r")["sweep/done"][()].ravel()
have = {os.path.basename(p)[4:14] for p in glob.glob(out + ".segments/run-*.seg")}
print(" ".join(sorted(k for k in have if not done[int(k)])))' "$1"
}
open_runs=()
for try in 1 2 3; do
    RUNS=2 kill9 "$OUT" 6 "$WORK/summary.yaml" --threads 2 --checkpoint-every 12
    read -r -a open_runs <<<"$(unfinished_runs "$OUT")"
    [ "${#open_runs[@]}" -ge 2 ] && break
    echo "try $try: fewer than two unfinished runs with segments: '${open_runs[*]}'"
done
[ "${#open_runs[@]}" -ge 2 ] && ok || bad "no two unfinished runs with segments in 3 tries"
seg=$(compgen -G "$OUT.segments/run-0000000000.m0000000-0000012.seg")
mkdir -p "$WORK/one"
"$PACTSIM" sweep "$SPEC" -o "$WORK/one/x.h5" --threads 1 --quiet --checkpoint-every 12 2>/dev/null &
pid=$!
wait_segs "$WORK/one/x.h5" 1 "$pid"
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
full=$(compgen -G "$WORK/one/x.h5.segments/run-0000000000.m0000000-0000012.seg")
if [ -n "$seg" ] && [ -n "$full" ]; then
    a=$(stat -c %s "$seg") b=$(stat -c %s "$full")
    echo "segment of months 0-11: $a bytes (summary sweep) vs. $b bytes (series kept)"
    [ "$a" -lt "$b" ] && ok || bad "a summary sweep's segment ($a bytes) is not smaller than one keeping series ($b)"
else
    bad "segments of months 0-11 missing: '$seg' '$full'"
fi
# Damage the last segment of one unfinished run: dropped with a warning, the run continues from
# the one before.
last=$(compgen -G "$OUT.segments/run-${open_runs[0]}.*.seg" | sort | tail -1)
flip_byte "$last" 200
# A segment of another sweep (another seed) put in the place of run 1's first segment.
sed 's/^seed: 11/seed: 12/' "$WORK/summary.yaml" >"$WORK/other.yaml"
RUNS=2 kill9 "$WORK/o.h5" 4 "$WORK/other.yaml" --threads 2 --checkpoint-every 12
foreign=$(compgen -G "$WORK/o.h5.segments/run-*.m0000000-0000012.seg" | head -1)
victim=$(compgen -G "$OUT.segments/run-${open_runs[1]}.m0000000-0000012.seg")
if [ -n "$foreign" ] && [ -n "$victim" ]; then cp "$foreign" "$victim"; ok; else bad "no segment to replace ('$foreign', '$victim')"; fi
# Both runs were unfinished: both damaged segments are read and reported.
expect_exit 0 "warning: 2 damaged checkpoints were ignored; their runs continued from the segment before" -- \
    "$PACTSIM" sweep "$WORK/summary.yaml" -o "$OUT" --threads 1 --checkpoint-every 12 --resume
grep -Eq "CRC mismatch|of another run" "$WORK/err" && ok || bad "why not said: $(cat "$WORK/err")"
same "$WORK/sref.h5" "$OUT" "summary sweep killed, one segment damaged, one foreign, resumed"
[ -e "$OUT.segments" ] && bad "$OUT.segments left" || ok

# A segment directory of another spec is refused, and --force starts over.
mkdir "$WORK/x"
cp "$WORK/summary.yaml" "$WORK/x/a.yaml"
kill9 "$WORK/x/a.h5" 2 "$WORK/x/a.yaml" --threads 1 --checkpoint-every 12
rm -f "$WORK/x/a.h5.partial"
expect_exit 2 "an interrupted sweep exists; use --resume" -- \
    "$PACTSIM" sweep "$WORK/x/a.yaml" -o "$WORK/x/a.h5" --quiet
expect_exit 2 "a\.h5\.segments: was started with another spec, base scenario or pactsim build" -- \
    "$PACTSIM" sweep "$WORK/other.yaml" -o "$WORK/x/a.h5" --quiet --resume
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/other.yaml" -o "$WORK/x/a.h5" --quiet --force --checkpoint-every 0
[ -e "$WORK/x/a.h5.segments" ] && bad "--force left the old segments" || ok

# SIGTERM inside the runs: exit 143, the months done saved, the message says where; resumed equal.
OUT="$WORK/t.h5"
"$PACTSIM" sweep "$SPEC" -o "$OUT" --threads 2 --quiet --checkpoint-every 400 2>"$WORK/err" &
pid=$!
wait_segs "$OUT" 1 "$pid" || bad "no segment before SIGTERM"
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 143 ] && ok || bad "SIGTERM: exit $rc: $(cat "$WORK/err")"
grep -Eq "the months done of [1-4] unfinished runs? in .*t\.h5\.segments" "$WORK/err" && ok ||
    bad "SIGTERM message does not name the segments: $(cat "$WORK/err")"
expect_exit 0 "continued [1-4] unfinished run" -- \
    "$PACTSIM" sweep "$SPEC" -o "$OUT" --threads 2 --resume
same "$WORK/ref.h5" "$OUT" "SIGTERM and resumed"
finish

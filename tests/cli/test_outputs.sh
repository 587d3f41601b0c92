# Outputs written safely (docs/reliability.md): a link planted under a
# temporary's name is never followed (run, checkpoints, sweep, merge); a sweep
# takes the lock a run takes, and --force does not take it from a running
# sweep, while a second merge waits for the first; an older FILE.failed.h5 is
# kept under a numbered name; temporaries of killed merges are removed by the
# next merge.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/tests/configs/sweep/small.yaml"
SPEC="$SRC/tests/configs/sweep/grid.yaml"
cd "$WORK" || exit 1
printf 'precious\n' >victim
# plant NAME-WITHOUT-PID -- CMD...: CMD runs in a shell whose pid it keeps
# (exec), with NAME.<pid> a link to victim.
plant() {
    local name=$1
    shift 2
    bash -c 'ln -s victim "$0.$$" && exec "$@"' "$name" "$@"
}
intact() { [ "$(cat victim)" = precious ] && ok || bad "$1: the link's target was written: $(head -c 80 victim | od -c | head -2)"; }

# run: FILE.tmp.<pid> is a link.
plant run.h5.tmp -- "$PACTSIM" run "$CFG" -o run.h5 --threads 1 --quiet 2>err &&
    ok || bad "run with a planted link: $(cat err)"
intact "run"
[ -L run.h5.tmp.* ] 2>/dev/null && bad "run: the planted link is still there" || ok
# a checkpoint's temporary inside FILE.partial/ (resumed, so the directory exists)
mkdir ck.h5.partial
printf 'pactsim run checkpoints\n' >ck.h5.partial/spec
plant ck.h5.partial/rep-0000000.ckpt.tmp -- "$PACTSIM" run "$CFG" -o ck.h5 --threads 1 --quiet --resume 2>err &&
    ok || bad "resume with a planted link: $(cat err)"
intact "checkpoint"
# sweep: FILE.partial.tmp.<pid>
plant sw.h5.partial.tmp -- "$PACTSIM" sweep "$SPEC" -o sw.h5 --threads 1 --quiet 2>err &&
    ok || bad "sweep with a planted link: $(cat err)"
intact "sweep"
# merge: FILE.merge.<pid>
"$PACTSIM" sweep "$SPEC" -o p1.h5 --points 0:3 --threads 1 --quiet &&
    "$PACTSIM" sweep "$SPEC" -o p2.h5 --points 3:6 --threads 1 --quiet || bad "parts"
plant m.h5.merge -- "$PACTSIM" sweep "$SPEC" -o m.h5 --merge p1.h5 p2.h5 --quiet 2>err &&
    ok || bad "merge with a planted link: $(cat err)"
intact "merge"
/usr/bin/python3 "$SRC/tests/cli/h5same.py" sw.h5 m.h5 /sweep >diff 2>&1 && ok || bad "merged file: $(cat diff)"

# Temporaries of killed merges (a pid that does not exist) go on the next merge.
dead=999999
while kill -0 "$dead" 2>/dev/null; do dead=$((dead - 1)); done
touch "m2.h5.merge.$dead" "m2.h5.merge.$dead.tmp.$dead"
"$PACTSIM" sweep "$SPEC" -o m2.h5 --merge p1.h5 p2.h5 --quiet 2>err || bad "merge: $(cat err)"
[ -z "$(compgen -G 'm2.h5.*')" ] && ok || bad "stale merge temporaries left: $(ls m2.h5.*)"

# A merge waits for another merge of the same output (Slurm array tasks that
# finish together), then finds the file complete.
flock m3.h5.lock bash -c 'touch held; while [ ! -e release ]; do sleep 0.05; done' &
holder=$!
for _ in $(seq 1 400); do [ -e held ] && break; sleep 0.05; done
"$PACTSIM" sweep "$SPEC" -o m3.h5 --merge --if-complete --resume p1.h5 p2.h5 2>m3.err &
merger=$!
# until the merge has the lock file open (it then waits on it)
for _ in $(seq 1 400); do ls -l "/proc/$merger/fd" 2>/dev/null | grep -q 'm3\.h5\.lock' && break; sleep 0.05; done
kill -0 "$merger" 2>/dev/null && ok || bad "the merge did not wait for the lock: $(cat m3.err)"
touch release
wait "$holder"
wait "$merger" && ok || bad "the waiting merge failed: $(cat m3.err)"
/usr/bin/python3 "$SRC/tests/cli/h5same.py" sw.h5 m3.h5 /sweep >diff 2>&1 && ok || bad "m3.h5: $(cat diff)"
expect_exit 0 "already complete" -- "$PACTSIM" sweep "$SPEC" -o m3.h5 --merge --if-complete --resume p1.h5 p2.h5

# A sweep holds FILE.lock: a second sweep, even with --force, is refused
# while it runs; the first then completes (--resume finds it complete).
"$PACTSIM" sweep "$SRC/tests/configs/sweep/resume.yaml" -o big.h5 --threads 1 --quiet 2>big.err &
pid=$!
for _ in $(seq 1 600); do [ -e big.h5.partial ] && break; sleep 0.05; done
[ -e big.h5.partial ] || bad "the sweep did not start"
expect_exit 2 "big\.h5: another pactsim process \(pid $pid\) is writing this output .*--force does not override" \
    -- "$PACTSIM" sweep "$SRC/tests/configs/sweep/resume.yaml" -o big.h5 --force --quiet
expect_exit 2 "big\.h5: another pactsim process \(pid $pid\)" \
    -- "$PACTSIM" run "$CFG" -o big.h5 --force --quiet
kill -TERM "$pid"
wait "$pid"
[ -e big.h5.partial ] && ok || bad "the interrupted sweep lost its partial file"
[ -e big.h5.lock ] && bad "big.h5.lock left after the sweep ended" || ok

# FILE.failed.h5: an older one is kept as FILE.failed.<n>.h5.
for k in 1 2 3; do
    PACTSIM_TEST_INJECT_NAN=1:5 "$PACTSIM" run "$CFG" -o nan.h5 --threads 1 --quiet 2>err
    [ $? -eq 1 ] && ok || bad "injected NaN $k: $(cat err)"
done
grep -q "the earlier nan.h5.failed.h5 is kept as nan.h5.failed.2.h5" err && ok ||
    bad "message does not name the kept file: $(cat err)"
[ -f nan.h5.failed.h5 ] && [ -f nan.h5.failed.1.h5 ] && [ -f nan.h5.failed.2.h5 ] && ok ||
    bad "failed files: $(ls nan.h5*)"
[ -e nan.h5 ] && bad "nan.h5 written" || ok
finish

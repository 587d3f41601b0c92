# MPI sweeps (a PACTSIM_ENABLE_MPI build; registered only then): every design
# on 1, 2 and 4 ranks gives datasets identical to the OpenMP run; no rank
# files are left; a sweep whose ranks are killed with SIGKILL resumes per rank
# to the same datasets. Skips (exit 77) when mpirun is absent.
. "$(dirname "$0")/lib.sh"
if ! command -v mpirun >/dev/null 2>&1; then
    echo "SKIP: mpirun not found (install openmpi-bin)"
    exit 77
fi
D="$SRC/tests/configs/sweep"
# OpenMPI refuses root without these; more ranks than cores need --oversubscribe.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# Every mpirun is bounded: a hang fails this test with its output, never runs out CI's clock
# (one did once, with no output); no rank reads stdin (timeout puts mpirun in a process group of
# its own, where a read of a terminal would stop it). A launch in the background stays a child of this shell
# (the kills find its ranks as mpirun's children) and is waited for with wait_or_kill.
MPIRUN_BG=(mpirun --oversubscribe --stdin none)
MPIRUN=(timeout -k 10 300 "${MPIRUN_BG[@]}")

same() {  # same A B WHAT: /sweep and the spec provenance are identical
    local g
    for g in /sweep /provenance/spec_raw /provenance/base_config_resolved; do
        if h5diff -q "$1" "$2" "$g" "$g" >/dev/null 2>&1; then ok
        else bad "$3: $g differs: $(h5diff "$1" "$2" "$g" "$g" 2>&1 | head -3)"; fi
    done
}

for s in grid lhs sobol saltelli morris; do
    expect_exit 0 "" -- "$PACTSIM" sweep "$D/$s.yaml" -o "$WORK/$s.omp.h5" --threads 2 --quiet
    for n in 1 2 4; do
        expect_exit 0 "" -- "${MPIRUN[@]}" -n $n "$PACTSIM" sweep "$D/$s.yaml" \
            -o "$WORK/$s.mpi$n.h5" --threads 1 --quiet
        same "$WORK/$s.omp.h5" "$WORK/$s.mpi$n.h5" "$s on $n ranks"
        compgen -G "$WORK/$s.mpi$n.h5.*" >/dev/null && bad "$s on $n ranks left $(ls "$WORK/$s.mpi$n.h5".*)" || ok
    done
    h5dump -a /provenance/mpi_ranks "$WORK/$s.mpi4.h5" 2>/dev/null | grep -q "(0): 4" && ok \
        || bad "$s: /provenance/mpi_ranks is not 4"
done
# 2 ranks x 2 threads each.
expect_exit 0 "" -- "${MPIRUN[@]}" -n 2 "$PACTSIM" sweep "$D/lhs.yaml" -o "$WORK/lhs.2x2.h5" --threads 2 --quiet
same "$WORK/lhs.omp.h5" "$WORK/lhs.2x2.h5" "lhs on 2 ranks x 2 threads"
# An existing output is refused by every rank, and left alone.
sum=$(md5sum < "$WORK/grid.mpi2.h5")
expect_exit 2 "exists" -- "${MPIRUN[@]}" -n 2 "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/grid.mpi2.h5" --quiet
[ "$(md5sum < "$WORK/grid.mpi2.h5")" = "$sum" ] && ok || bad "an existing output was modified"
expect_exit 0 "already complete" -- "${MPIRUN[@]}" -n 2 "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/grid.mpi2.h5" --resume
expect_exit 2 "not under mpirun" -- "${MPIRUN[@]}" -n 2 "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/x.h5" --points 0:2

# Resume per rank: SIGKILL every rank at random moments, then --resume.
SPEC="$D/resume.yaml"
REF="$WORK/ref.h5"
OUT="$WORK/killed.h5"
expect_exit 0 "" -- "$PACTSIM" sweep "$SPEC" -o "$REF" --threads 2 --quiet
kills=0
for attempt in 1 2 3 4 5; do
    [ -e "$OUT" ] || [ "$kills" -ge 3 ] && break
    "${MPIRUN_BG[@]}" -n 4 "$PACTSIM" sweep "$SPEC" -o "$OUT" --threads 1 --quiet --resume >/dev/null 2>&1 &
    mpid=$!
    # Kill mid-run, not during start-up (slow under load or sanitizers): wait
    # for the rank files, then a random moment.
    for _ in $(seq 300); do
        [ "$(compgen -G "$OUT.rank*of4.partial" | wc -l)" -ge 4 ] && break
        kill -0 "$mpid" 2>/dev/null || break
        sleep 0.1
    done
    sleep "$(awk -v s=$RANDOM 'BEGIN { srand(s); printf "%.3f", 0.1 + rand() * 0.6 }')"
    ranks=$(pgrep -P "$mpid" -x pactsim || true)
    if [ -n "$ranks" ]; then kill -9 $ranks 2>/dev/null && kills=$((kills + 1)); fi
    wait_or_kill "$mpid" 30 "mpirun -n 4 (attempt $attempt)"
done
echo "killed the ranks $kills times"
[ "$kills" -ge 2 ] && ok || bad "the ranks were killed only $kills times"
[ -e "$OUT" ] && bad "the sweep finished between kills: too fast to test" || ok
compgen -G "$OUT.rank*of4.partial" >/dev/null && ok || bad "no rank partial files after the kills: $(ls "$WORK")"
expect_exit 0 "" -- "${MPIRUN[@]}" -n 4 "$PACTSIM" sweep "$SPEC" -o "$OUT" --threads 1 --quiet --resume
same "$REF" "$OUT" "kill -9 of 4 ranks and resume"
compgen -G "$OUT.*" >/dev/null && bad "files left after the resumed sweep: $(ls "$OUT".*)" || ok
for d in /sweep/done /sweep/points $(h5ls -r "$REF" | awk '$2 == "Dataset" && $1 ~ /^\/sweep\/(summary|actor_state|dyad_state)\/[a-z]/ { print $1 }' | awk -F/ '!seen[$3]++'); do
    h5dump -b LE -d "$d" -o "$WORK/a.bin" "$REF" >/dev/null 2>&1
    h5dump -b LE -d "$d" -o "$WORK/b.bin" "$OUT" >/dev/null 2>&1
    cmp -s "$WORK/a.bin" "$WORK/b.bin" && ok || bad "dataset $d: bytes differ after resume"
done

# Mid-run segments per rank (FILE.rank<q>of<n>.segments/): the ranks of a sweep of 4 long runs
# killed with SIGKILL once segments exist; resumed on the same number of ranks, each rank continues
# its runs mid-run; resumed on another number, the old rank files and their segments are not read
# (the runs start again); both equal the OpenMP sweep.
SPEC="$D/long.yaml"
REF="$WORK/long.h5"
expect_exit 0 "" -- "$PACTSIM" sweep "$SPEC" -o "$REF" --threads 2 --quiet --checkpoint-every 0
kill_ranks() { # kill_ranks OUT N: 2 ranks, SIGKILL once N segments exist
    "${MPIRUN_BG[@]}" -n 2 "$PACTSIM" sweep "$SPEC" -o "$1" --threads 1 --quiet --checkpoint-every 12 \
        >/dev/null 2>&1 &
    local mpid=$!
    for _ in $(seq 3000); do
        [ "$(compgen -G "$1.rank*of2.segments/run-*.seg" | wc -l)" -ge "$2" ] && break
        kill -0 "$mpid" 2>/dev/null || break
        sleep 0.02
    done
    local ranks
    ranks=$(pgrep -P "$mpid" -x pactsim || true)
    [ -n "$ranks" ] && kill -9 $ranks 2>/dev/null && ok || bad "no ranks to kill"
    wait_or_kill "$mpid" 30 "mpirun -n 2 of $1"
    [ -e "$1" ] && bad "the long sweep finished before the kill" || ok
}
OUT="$WORK/long2.h5"
kill_ranks "$OUT" 6
expect_exit 0 "continued 1 unfinished run from .*long2\.h5\.rank[01]of2\.segments" -- \
    "${MPIRUN[@]}" -n 2 "$PACTSIM" sweep "$SPEC" -o "$OUT" --threads 1 --checkpoint-every 12 --resume
same "$REF" "$OUT" "kill -9 of 2 ranks inside their runs, resumed on 2"
compgen -G "$OUT.*" >/dev/null && bad "files left after the resumed sweep: $(ls -d "$OUT".*)" || ok
OUT="$WORK/long3.h5"
kill_ranks "$OUT" 6
expect_exit 0 "" -- "${MPIRUN[@]}" -n 3 "$PACTSIM" sweep "$SPEC" -o "$OUT" --threads 1 --checkpoint-every 12 --resume
grep -q "continued" "$WORK/err" && bad "3 ranks continued segments of 2: $(cat "$WORK/err")" || ok
same "$REF" "$OUT" "kill -9 of 2 ranks inside their runs, resumed on 3"
finish

#!/usr/bin/env bash
# Sanitizers and leaks (docs/reliability.md): build with AddressSanitizer + UndefinedBehaviorSanitizer
# and run the whole test suite; then run a baseline run and the bad-input catalogue's `info` and
# config errors, a resumed run, a small sweep and `compare` under valgrind memcheck (zero errors, no definite
# leaks).
# Usage: tools/check-sanitizers.sh [BUILD_DIR (default build-asan)] [PLAIN_BUILD_DIR (default build)]
set -euo pipefail
cd "$(dirname "$0")/.."
ASAN_DIR=${1:-build-asan}
PLAIN_DIR=${2:-build}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87
# HDF5's own leaks on corrupt files (tests/bad_inputs/manifest.tsv reads tests/fuzz/known_hdf5/)
export LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0
# (warnings are gated by the main build; -O0 with sanitizers warns differently)
CFLAGS= cmake -S . -B "$ASAN_DIR" -DCMAKE_BUILD_TYPE=Debug -DPACTSIM_SANITIZE=address,undefined \
      -DPACTSIM_WERROR=OFF >/dev/null
cmake --build "$ASAN_DIR" -j2
ctest --test-dir "$ASAN_DIR" --output-on-failure -j2

# valgrind memcheck on the plain (non-sanitized) build.
if [ ! -x "$PLAIN_DIR/pactsim" ]; then
    cmake -S . -B "$PLAIN_DIR" >/dev/null && cmake --build "$PLAIN_DIR" -j2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vg=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
    --errors-for-leak-kinds=definite --track-origins=yes)
status=0
# check CODE -- CMD...: valgrind must report nothing and the program exit with CODE.
check() {
    local code=$1
    shift 2
    local rc=0
    "${vg[@]}" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    if [ "$rc" -ne "$code" ]; then
        echo "valgrind: FAIL (exit $rc, expected $code): $*" >&2
        cat "$tmp/err" >&2
        status=1
    else
        echo "valgrind: ok: ${*#"$PLAIN_DIR/"}"
    fi
}
P="$PLAIN_DIR/pactsim"
check 0 -- "$P" run configs/baseline_2022.yaml -o "$tmp/b.h5" --replicates 3 --threads 2 --quiet
check 0 -- "$P" run configs/baseline_2022.yaml -o "$tmp/one.h5" --replicates 1 --threads 2 --quiet
check 0 -- "$P" info "$tmp/b.h5"
PACTSIM_TEST_INJECT_NAN=1:30 check 1 -- "$P" run configs/baseline_2022.yaml -o "$tmp/n.h5" --replicates 3 --threads 1 --quiet
# a write failing half-way (file-size limit): the abandoned file is closed without errors
rc=0
bash -c 'ulimit -f 200 && exec "$@"' _ "${vg[@]}" "$P" run configs/baseline_2022.yaml \
    -o "$tmp/u.h5" --replicates 20 --quiet 2>"$tmp/err" || rc=$?
if [ "$rc" -ne 1 ]; then echo "valgrind: FAIL (exit $rc) under ulimit -f" >&2; cat "$tmp/err" >&2; status=1
else echo "valgrind: ok: pactsim run under ulimit -f 200 (write fails)"; fi
# resuming an interrupted run from its checkpoints, one of them damaged (it is computed again)
"$P" run configs/baseline_2022.yaml -o "$tmp/r.h5" --replicates 10 --threads 1 --quiet 2>/dev/null &
pid=$!
for _ in $(seq 1 500); do
    [ "$(compgen -G "$tmp/r.h5.partial/rep-*.ckpt" | wc -l)" -ge 2 ] && break
    sleep 0.01
done
kill -INT "$pid" 2>/dev/null
wait "$pid" || true
rm -f "$tmp/r.h5" # (in case it finished first: then --resume starts afresh)
ck=$(compgen -G "$tmp/r.h5.partial/rep-*.ckpt" | head -1 || true)
[ -n "$ck" ] && truncate -s 100 "$ck"
check 0 -- "$P" run configs/baseline_2022.yaml -o "$tmp/r.h5" --replicates 10 --threads 2 --quiet --resume
# a small sweep (6 points x 3 replicates, 2 threads), resuming it once finished, and `compare`
check 0 -- "$P" sweep tests/configs/sweep/grid.yaml -o "$tmp/s.h5" --threads 2 --quiet
check 0 -- "$P" sweep tests/configs/sweep/grid.yaml -o "$tmp/s.h5" --resume --quiet
check 0 -- "$P" compare "$tmp/b.h5" "$tmp/b.h5" --format csv
check 2 -- "$P" info tests/bad_inputs/files/foreign.h5
check 2 -- "$P" info tests/bad_inputs/files/missing_actors.h5
for f in tests/bad_configs/0[1-9]*.yaml tests/bad_configs/1[5-7]*.yaml; do
    check 2 -- "$P" validate "$f"
done
exit $status

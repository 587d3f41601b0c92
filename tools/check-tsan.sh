#!/usr/bin/env bash
# ThreadSanitizer job (docs/reliability.md, "Thread safety"): build the library, the CLI and the
# tests with clang -fsanitize=thread and LLVM's OpenMP runtime (libomp), whose OMPT tool Archer
# (libarcher.so) tells TSan about OpenMP's own synchronisation (barriers, critical sections,
# tasks); then run the tests that run threads: runs with 2 threads (replicates in parallel, and
# one replicate's inner loops), sweeps with 2 threads, resume, signals stopping worker threads,
# numeric failures with 2 threads (the first-failure paths), the scheduler's own test (test_drive:
# 4 threads, failures and stops), the engine's and the properties'
# thread-count checks. Any TSan report fails the job: reports go to files (log_path), which must
# stay empty, besides the tests' own checks.
# GCC's libgomp is not instrumented (TSan would report its barriers as races), hence clang.
# No suppressions are used.
# Usage: tools/check-tsan.sh [BUILD_DIR (default build-tsan)]
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-build-tsan}
CLANG_LIB=$(dirname "$(readlink -f "$(command -v clang)")")/../lib
ARCHER=$(readlink -f "$CLANG_LIB/libarcher.so" 2>/dev/null || true)
if [ ! -f "$ARCHER" ]; then
    echo "check-tsan: no libarcher.so beside clang (Debian: libomp-dev); not run" >&2
    exit 1
fi
# (warnings are gated by the main build)
CC=clang CFLAGS= cmake -S . -B "$DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPACTSIM_SANITIZE=thread \
    -DPACTSIM_WERROR=OFF >/dev/null
cmake --build "$DIR" -j2
logs=$PWD/$DIR/tsan-logs
rm -rf "$logs" && mkdir -p "$logs"
export OMP_TOOL_LIBRARIES=$ARCHER
# ignore_noninstrumented_modules: as Archer asks, so that libomp's internals (uninstrumented) are
# not reported; races of pactsim's own code are all seen.
export TSAN_OPTIONS="ignore_noninstrumented_modules=1 halt_on_error=1 exitcode=66 second_deadlock_stack=1 log_path=$logs/tsan"
start=$(date +%s)
ctest --test-dir "$DIR" --output-on-failure -j2 \
    -R '^(unit\.test_(engine|properties|sweep_design|drive)|cli\.test_(run|numeric|sweep|sweep_resume|resume|signals))$'
if compgen -G "$logs/tsan*" >/dev/null; then
    echo "check-tsan: ThreadSanitizer reports:" >&2
    cat "$logs"/tsan* >&2
    exit 1
fi
echo "check-tsan: clean ($(($(date +%s) - start)) s of tests)"

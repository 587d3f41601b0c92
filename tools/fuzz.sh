#!/usr/bin/env bash
# Fuzz the config parser and the output reader with libFuzzer (docs/reliability.md).
# Usage: tools/fuzz.sh [SECONDS_PER_TARGET (default 60)] [BUILD_DIR (default build-fuzz)]
# Seeds: configs/, tests/bad_configs/, tests/configs/ (config); tests/bad_inputs/files/ and a
# small fresh output (info); plus tests/fuzz/regressions/. A crash is saved as
# BUILD_DIR/crash-* and fails the script: fix it, then keep it in tests/fuzz/regressions/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}
B=${2:-build-fuzz}
CFLAGS= CC=clang cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPACTSIM_FUZZ=ON \
      -DPACTSIM_SANITIZE=fuzzer-no-link,address,undefined -DPACTSIM_ENABLE_OPENMP=OFF >/dev/null
cmake --build "$B" -j2 --target fuzz_config fuzz_info pactsim_cli
# max_allocation_size_mb: a malloc above 1 GiB returns NULL, as a failed one would. HDF5 sizes
# some buffers from lengths in the file (tests/fuzz/known_hdf5/oom-huge-metadata-entry.h5: 20 GB
# for a 1.6 KB file); outside ASan that memory is never touched and the open fails, but ASan
# writes the allocation's 2.7 GB of shadow first and the run died of its resident size. Our own
# code turns a NULL into PS_ERR_NOMEM, which the harness aborts on, so a huge allocation of ours
# is still found.
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:max_allocation_size_mb=1024
export LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
seeds="$B/fuzz-seeds"
rm -rf "$seeds" && mkdir -p "$seeds/config" "$seeds/info" "$B/fuzz-corpus/config" "$B/fuzz-corpus/info"
cp configs/*.yaml tests/bad_configs/*.yaml tests/bad_configs/include/*.yaml "$seeds/config/"
find tests/configs -name '*.yaml' -exec cp {} "$seeds/config/" \;
cp tests/bad_inputs/files/* "$seeds/info/"
printf 'name: tiny\nstart: 2022-01\nend: 2022-02\nseed: 1\nreplicates: 1\nactors:\n  RUS: {name: Russia}\n  IRN: {name: Iran}\n' >"$B/tiny.yaml"
"$B/pactsim" run "$B/tiny.yaml" -o "$seeds/info/tiny.h5" --quiet --force
for t in config info; do
    cp tests/fuzz/regressions/$t/* "$seeds/$t/" 2>/dev/null || true
    log="$B/fuzz_$t.log"
    # -max_len: the seed output file is larger than the default 4 KiB. For info, HDF5 1.10
    # itself loops forever on some corrupt files (tests/fuzz/known_hdf5/): fork mode, so
    # that such a timeout is noted and skipped; any crash or leak still fails.
    extra=()
    [ "$t" = info ] && extra=(-fork=1 -ignore_timeouts=1 -ignore_crashes=1 -ignore_ooms=1 -timeout=3)
    "$B/tests/fuzz/fuzz_$t" -max_total_time="$SECS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        "${extra[@]}" -print_final_stats=1 -artifact_prefix="$B/" \
        "$B/fuzz-corpus/$t" "$seeds/$t" >"$log" 2>&1 || [ "$t" = info ] || {
        echo "fuzz_$t: FAILED; see $log:" >&2
        grep -E "ERROR|SUMMARY|Test unit written" "$log" >&2 || tail -30 "$log" >&2
        exit 1
    }
    # In fork mode, findings are kept and triaged: a fault whose innermost frame that is either in
    # libhdf5 or in our code (a source line of sim/, models/ or tests/fuzz/: "file.c:LINE"; the
    # fuzz binary's own path holds tests/fuzz/ too) is in libhdf5 is an HDF5 defect (counted);
    # anything else fails. Frames of libc (memcpy, "sysdeps/"), the sanitizers and libFuzzer are
    # neither and are skipped, whatever their spelling.
    hdf5=0
    for a in "$B"/crash-* "$B"/leak-* "$B"/timeout-*; do
        [ -e "$a" ] || continue
        # -timeout=20: an out-of-memory report symbolizes its stack first, which took more than
        # 3 s on a loaded CI machine and left a report without frames; a real hang still shows
        # its frames when the 20 s are up. -malloc_limit_mb=1024: a resident-memory report
        # shows a heap profile, not who allocated (HDF5's vlen conversion of a damaged heap
        # object, tests/fuzz/known_hdf5/oom-vlen-attribute-conversion.h5, read as ours); a
        # malloc above the limit is reported with the allocating stack.
        timeout 60 "$B/tests/fuzz/fuzz_$t" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
            "$a" >"$B/triage.log" 2>&1 &&
            { rm -f "$a"; continue; }
        top=$(grep -E '^ +#[0-9]+ ' "$B/triage.log" |
              grep -E 'libhdf5|/(sim|models|tests/fuzz)/[A-Za-z0-9_/]+\.c:[0-9]+' | head -1 || true)
        if [[ "$top" == *libhdf5* ]]; then
            hdf5=$((hdf5 + 1)); mv "$a" "$B/hdf5-$(basename "$a")"
        else
            echo "fuzz_$t: FAILED on $a (not in HDF5):" >&2; grep -E 'ERROR|SUMMARY|#[0-9]+ ' "$B/triage.log" | head -20 >&2
            echo "(the input, gzip + base64; to reproduce: base64 -d | gunzip > input; fuzz_$t input)" >&2
            gzip -9c "$a" | base64 -w 0 >&2; echo >&2
            exit 1
        fi
    done
    # (fork mode reports "#N: cov: ..." lines instead of final stats)
    execs=$({ grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" || true; } | grep -o '[0-9]*$' | tail -1 || true)
    [ -n "$execs" ] || execs=$({ grep -Eo '^#[0-9]+' "$log" || true; } | tail -1 | tr -d '#')
    cov=$({ grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" || true; } | tail -1)
    echo "fuzz_$t: ${SECS} s, $execs executions, $cov, corpus $(ls "$B/fuzz-corpus/$t" | wc -l) files, $hdf5 faults inside HDF5 (kept as $B/hdf5-*)"
done

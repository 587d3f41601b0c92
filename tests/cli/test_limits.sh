# Full disks and sizes: a file-size limit (ulimit -f) or a full file system
# (a small tmpfs, when root) ends the run with exit 1 and a message naming the
# file; nothing under the final name, no temporary file, nothing else touched.
# A run whose output cannot fit fails at once with exit 2 and the bytes needed.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/configs/baseline_2022.yaml"
expect_exit 0 "" -- "$PACTSIM" run "$CFG" -o "$WORK/full.h5" --replicates 20 --quiet
kb=$(( $(stat -c %s "$WORK/full.h5") / 1024 ))
# Limits from nothing to just under the whole file: every stage of writing fails once.
for lim in 0 1 4 30 200 $((kb / 2)) $((kb - 40)) $((kb - 2)); do
    out="$WORK/lim_$lim.h5"
    # (stderr through a pipe: a file would be under the limit too)
    bash -c "ulimit -f $lim && exec \"\$@\"" _ "$PACTSIM" run "$CFG" -o "$out" \
        --replicates 20 --quiet 2>&1 >/dev/null | cat >"$WORK/err"
    rc=${PIPESTATUS[0]}
    if [ "$rc" -ne 1 ]; then bad "ulimit -f $lim: exit $rc, expected 1: $(head -c 300 "$WORK/err")"
    elif ! grep -q "$out: cannot .*File too large" "$WORK/err"; then
        bad "ulimit -f $lim: message: $(head -c 300 "$WORK/err")"
    elif [ "$(wc -l <"$WORK/err")" -ne 1 ]; then bad "ulimit -f $lim: more than one line: $(head -c 600 "$WORK/err")"
    else ok; fi
    expect_no_file "$out"
    echo "ulimit -f $lim: $(cat "$WORK/err")"
done
# Sizes: the output of a million replicates does not fit here; fail at once.
t0=$(date +%s%N)
expect_exit 2 "needs up to [0-9]+ bytes .* uncompressed .* free" -- \
    "$PACTSIM" run "$CFG" -o "$WORK/huge.h5" --replicates 1000000 --quiet
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 2000 ] && ok || bad "the size check took $ms ms"
expect_no_file "$WORK/huge.h5"
# Memory limits other than the machine's RAM: a scenario that needs about 2 GiB (400 actors, 2
# replicates at once) under `ulimit -v` of 800 MB, and in a cgroup of 800 MB (Slurm --mem,
# containers) when one can be made here: exit 2 at once, no file, no .partial, no .tmp.
{ printf 'name: many\nstart: 2022-01\nend: 2023-12\nseed: 1\nreplicates: 4\nactors:\n'
  awk 'BEGIN { A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"; for (i = 0; i < 400; i++) {
      c = substr(A, int(i / 676) + 1, 1) substr(A, int(i / 26) % 26 + 1, 1) substr(A, i % 26 + 1, 1)
      printf "  %s: {name: n%s}\n", c, c } }'; } >"$WORK/big.yaml"
if [ -z "${ASAN_OPTIONS:-}" ]; then # ASan reserves terabytes of address space
    expect_exit 2 "needs [0-9]+ bytes \([0-9]+\.[0-9] GiB\) of memory .* more than the 781\.2 MiB this process may use \(the address-space limit \(ulimit -v\)\)" -- \
        bash -c 'ulimit -v 800000 && exec "$@"' _ "$PACTSIM" run "$WORK/big.yaml" -o "$WORK/big.h5" --threads 2 --quiet
    expect_no_file "$WORK/big.h5"
    # a sweep of the same scenario keeping every month (each thread runs one point at a time)
    printf 'name: big_grid\nbase: big.yaml\ndesign: grid\noutput: full\nreplicates: 2\nparameters:\n  parameters.sanctions.erosion: {values: [0.0, 0.02]}\n' >"$WORK/big_sweep.yaml"
    expect_exit 2 "sweep too large: its runs need [0-9]+\.[0-9] GiB of memory \(400 actors, 24 months, 2 at once\), more than the 781\.2 MiB this process may use \(the address-space limit \(ulimit -v\)\)" -- \
        bash -c 'ulimit -v 800000 && exec "$@"' _ "$PACTSIM" sweep "$WORK/big_sweep.yaml" -o "$WORK/bigs.h5" --threads 2 --quiet
    expect_no_file "$WORK/bigs.h5"
    # in summary mode a run keeps only the series its metrics read, and of a dyad
    # field they read for named pairs only those pairs: the same sweep fits under
    # 500 MB on two threads (keeping those fields whole, it needed 647 MiB and was refused)
    sed 's/^output: full$/output: summary/' "$WORK/big_sweep.yaml" >"$WORK/big_summary.yaml"
    expect_exit 0 "" -- bash -c 'ulimit -v 500000 && exec "$@"' _ "$PACTSIM" sweep \
        "$WORK/big_summary.yaml" -o "$WORK/bigsum.h5" --threads 2 --quiet
    /usr/bin/python3 -c 'import h5py, sys, numpy as np
d = h5py.File(sys.argv[1])["sweep/done"][...]
sys.exit(0 if d.size == 4 and np.all(d == 1) else 1)' "$WORK/bigsum.h5" && ok ||
        bad "the summary sweep under ulimit -v did not complete its 4 runs"
fi
mem_cg=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup)
v2_cg=$(awk -F: '$1 == "0" && $2 == "" { print $3 }' /proc/self/cgroup)
cg=""
if [ -n "$mem_cg" ] && [ -w "/sys/fs/cgroup/memory$mem_cg" ] && mkdir "/sys/fs/cgroup/memory$mem_cg/pactsim_test_$$" 2>/dev/null; then
    cg="/sys/fs/cgroup/memory$mem_cg/pactsim_test_$$"
    echo $((800 << 20)) >"$cg/memory.limit_in_bytes" || { rmdir "$cg"; cg=""; }
elif [ -n "$v2_cg" ] && grep -qw memory "/sys/fs/cgroup$v2_cg/cgroup.subtree_control" 2>/dev/null &&
    mkdir "/sys/fs/cgroup$v2_cg/pactsim_test_$$" 2>/dev/null; then
    cg="/sys/fs/cgroup$v2_cg/pactsim_test_$$"
    echo $((800 << 20)) >"$cg/memory.max" || { rmdir "$cg"; cg=""; }
fi
if [ -n "$cg" ]; then
    expect_exit 2 "needs [0-9]+ bytes \([0-9]+\.[0-9] GiB\) of memory .* more than the 800\.0 MiB this process may use \(the cgroup's memory\.(max|limit_in_bytes)\)" -- \
        bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$PACTSIM" run "$WORK/big.yaml" -o "$WORK/big.h5" --threads 2 --quiet
    expect_no_file "$WORK/big.h5"
    rmdir "$cg"
    echo "cgroup of 800 MiB: tested ($cg)"
else
    echo "cgroup of 800 MiB: skipped (cannot create one here)"
fi
# A small full file system, when we may mount one.
if [ "$(id -u)" -eq 0 ] && mkdir -p "$WORK/fs" && mount -t tmpfs -o size=2m tmpfs "$WORK/fs" 2>/dev/null; then
    echo keep >"$WORK/fs/other.txt"
    expect_exit 1 "$WORK/fs/t.h5: cannot .*No space left on device" -- \
        "$PACTSIM" run "$CFG" -o "$WORK/fs/t.h5" --replicates 100 --quiet --no-space-check
    expect_no_file "$WORK/fs/t.h5"
    [ "$(cat "$WORK/fs/other.txt")" = keep ] && ok || bad "another file on the full file system changed"
    expect_exit 2 "needs up to .* bytes" -- \
        "$PACTSIM" run "$CFG" -o "$WORK/fs/t.h5" --replicates 100 --quiet
    umount "$WORK/fs"
    echo "tmpfs: tested"
else
    echo "tmpfs: skipped (not root or mount not permitted)"
fi
finish

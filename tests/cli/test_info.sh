# pactsim info reads every kind of pactsim file, in its guarded child: a run
# (as before), a sweep (design, parameters, points, replicates, metrics,
# completeness), an interrupted sweep's FILE.partial, a sweep part, and any
# other "pactsim-*" file such as a posterior (attributes, provenance, every
# group and dataset with type, shape and units); damaged ones give exit 2.
. "$(dirname "$0")/lib.sh"
D="$SRC/tests/configs/sweep"

# has FILE LINE...: the output holds each line (a fixed string)
has() {
    local f=$1 w
    shift
    for w in "$@"; do grep -Fq -- "$w" "$f" && ok || bad "info lacks '$w': $(head -c 1500 "$f")"; done
}

# A run: unchanged.
expect_exit 0 "" -- "$PACTSIM" run "$D/small.yaml" -o "$WORK/run.h5" --replicates 2 --quiet
expect_exit 0 "" -- "$PACTSIM" info "$WORK/run.h5"
has "$WORK/out" "(format pactsim 1)" "scenario:    sweep_small" "replicates:  2" "actors:      4: RUS IRN USA CHN"
# Its summary table lists every metric of /summary with the mean, sd, min and max of the file's
# values over the replicates, and its event table every type with its count in /events.
/usr/bin/python3 - "$WORK/run.h5" "$WORK/out" <<'PY' && ok || bad "a run's summary or event table does not match the file"
import re, sys, h5py, numpy as np
text = open(sys.argv[2]).read()
rows = dict(re.findall(r"^  (\w+) +(-?[0-9.e+-]+ +-?[0-9.e+-]+ +-?[0-9.e+-]+ +-?[0-9.e+-]+|\(no values\))  \S+$",
                       text.split("summary:", 1)[1].split("events:", 1)[0], re.M))
with h5py.File(sys.argv[1]) as f:
    g = f["summary"]
    names = [m for m in g if g[m].attrs.get("CLASS") != b"DIMENSION_SCALE"]  # not /summary/replicate
    assert names and sorted(rows) == sorted(names), (sorted(rows), names)
    finite = 0
    for m in names:
        v = g[m][...]
        if rows[m] == "(no values)":
            assert np.isnan(v).all(), (m, v)
            continue
        finite += 1
        want = [np.mean(v), np.std(v, ddof=1), np.min(v), np.max(v)]
        got = [float(x) for x in rows[m].split()]
        assert np.allclose(got, want, rtol=1e-4, atol=1e-12), (m, got, want)
    assert finite >= 5, finite
    types, counts = np.unique(f["events"]["type"][...], return_counts=True)
tail = text.split("events:", 1)[1]
listed = dict(re.findall(r"^  (\w+) +(\d+)$", tail, re.M))
assert listed == {t.decode(): str(c) for t, c in zip(types, counts)}, (listed, types, counts)
PY

# A complete sweep.
expect_exit 0 "" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/grid.h5" --quiet
expect_exit 0 "" -- "$PACTSIM" info "$WORK/grid.h5"
has "$WORK/out" "(format pactsim-sweep 1)" "sweep:       small_grid" "base:        scenario sweep_small" \
    "design:      grid" "points:      6 x 3 replicates = 18 runs" "output:      summary" "parameters:  2" \
    "parameters.economy.sanction_elasticity" "[0.05, 0.25] 1/yr" "parameters.sanctions.erosion" \
    "complete:    18 of 18 runs (100.0%)" "metrics:     over the complete runs of every point"
grep -Eq "^  min_gdp_growth +-?[0-9.e-]+ +-?[0-9.e-]+ +-?[0-9.e-]+ +18  1/yr$" "$WORK/out" && ok ||
    bad "no min_gdp_growth line with 18 runs and its unit: $(grep min_gdp "$WORK/out")"
# the metric's mean is the mean of the file's values
want=$(/usr/bin/python3 -c 'import h5py, numpy as np, sys
v = h5py.File(sys.argv[1], "r")["/sweep/summary/min_gdp_growth"][...]
print("%.4g" % np.nanmean(v))' "$WORK/grid.h5")
grep -Eq "^  min_gdp_growth +$want " "$WORK/out" && ok || bad "min_gdp_growth mean is not $want: $(grep min_gdp "$WORK/out")"
# with series kept
expect_exit 0 "" -- "$PACTSIM" sweep "$D/lhs.yaml" -o "$WORK/lhs.h5" --quiet
expect_exit 0 "" -- "$PACTSIM" info "$WORK/lhs.h5"
has "$WORK/out" "design:      lhs, samples 10" "points:      10 x 2 replicates = 20 runs" \
    "output:      stride (every 6 months)" "series:      [point, replicate, time, ...]" "actor_state/gdp"
grep -Eq "actor_state/gdp +\[10, 2, 4, 4\] +USD" "$WORK/out" && ok || bad "no gdp series with shape and unit: $(grep gdp "$WORK/out")"

# A sweep part (--points) and an interrupted sweep (SIGTERM once FILE.partial exists).
expect_exit 0 "" -- "$PACTSIM" sweep "$D/lhs.yaml" -o "$WORK/part.h5" --points 0:3 --quiet
expect_exit 0 "" -- "$PACTSIM" info "$WORK/part.h5"
has "$WORK/out" "(format pactsim-sweep-part 1: a part of a sweep" "sweep:       small_lhs" \
    "runs:        6 of the sweep's 20: run 0, then every 1" "complete:    6 of 6 runs (100.0%)"
"$PACTSIM" sweep "$D/resume.yaml" -o "$WORK/cut.h5" --threads 1 --quiet 2>/dev/null &
pid=$!
for k in $(seq 1 1200); do [ -e "$WORK/cut.h5.partial" ] && break; sleep 0.05; done
kill -TERM "$pid"
wait "$pid"
if [ -e "$WORK/cut.h5.partial" ]; then
    expect_exit 0 "" -- "$PACTSIM" info "$WORK/cut.h5.partial"
    has "$WORK/out" "(format pactsim-sweep 1)" "not run (pactsim sweep --resume runs them)"
else bad "no cut.h5.partial after SIGTERM"; fi

# Any other pactsim kind, e.g. a posterior from pactsim calibrate; and damaged ones.
/usr/bin/python3 - "$WORK" <<'EOF'
import sys, h5py, numpy as np
w = sys.argv[1]
with h5py.File(w + "/post.h5", "w") as f:
    f.attrs["format"] = "pactsim-posterior"
    f.attrs["format_version"] = np.int32(1)
    f.attrs["created"] = "2026-12-02T10:00:00Z"
    p = f.create_group("provenance")
    p.attrs["command_line"] = "pactsim calibrate spec.yaml -o post.h5"
    p.attrs["seed"] = np.uint64(7)
    p.attrs["spec_hash"] = np.uint64(14384124163064250263)   # above 2^63
    p.attrs["offset"] = np.int64(-5)
    p.attrs["acceptance"] = 0.25
    g = f.create_group("posterior")
    g.create_dataset("samples", data=np.zeros((100, 3))).attrs["units"] = "1"
    g.create_dataset("param", data=np.array([b"a", b"b", b"c"]))
    g.create_dataset("log_weight", data=np.zeros(100, dtype="f4")).attrs["units"] = "log"
    g.create_dataset("accepted", data=np.zeros(100, dtype="i8"))
    # a shape a small file can claim (nothing stored): listed, never read
    g.create_dataset("huge", shape=(10**9, 10**6), dtype="f8", chunks=(1, 1000))
with h5py.File(w + "/sweep_nogroup.h5", "w") as f:
    f.attrs["format"] = "pactsim-sweep"
    f.attrs["format_version"] = np.int32(1)
with h5py.File(w + "/sweep_huge.h5", "w") as f:
    f.attrs["format"] = "pactsim-sweep"
    f.attrs["format_version"] = np.int32(1)
    g = f.create_group("sweep")
    g.create_dataset("done", shape=(10**12, 10**6), dtype="u1", chunks=(1, 1000))
EOF
expect_exit 0 "" -- "$PACTSIM" info "$WORK/post.h5"
has "$WORK/out" "(format pactsim-posterior 1)" "created = 2026-12-02T10:00:00Z" "provenance:" \
    "command_line = pactsim calibrate spec.yaml -o post.h5" "seed = 7" "acceptance = 0.25" "/posterior/" \
    "spec_hash = 14384124163064250263" "offset = -5"
for want in "/posterior/samples +float64 +\[100, 3\] +1$" "/posterior/log_weight +float32 +\[100\] +log$" \
            "/posterior/param +string +\[3\]" "/posterior/accepted +int64 +\[100\]" \
            "/posterior/huge +float64 +\[1000000000, 1000000\]"; do
    grep -Eq -- "$want" "$WORK/out" && ok || bad "posterior listing lacks /$want/: $(cat "$WORK/out")"
done
expect_exit 2 "sweep_nogroup.h5: group /sweep is missing; expected a pactsim-sweep file" -- "$PACTSIM" info "$WORK/sweep_nogroup.h5"
# a done flag array claiming 10^18 bytes: refused or read in blocks, never allocated
expect_exit 0 "complete:    unknown" -- "$PACTSIM" info "$WORK/sweep_huge.h5" --cpu-limit 20
# still guarded: HDF5's own crash on a damaged file is a message, exit 2
cp "$SRC"/tests/fuzz/known_hdf5/crash-*.h5 "$WORK/crash.h5"
# (Under AddressSanitizer, tools/check-sanitizers.sh, ASan's memcpy check catches HDF5's fault in
# the reading child first, which exits with ASan's code, as in test_bad_inputs.sh.)
case "${ASAN_OPTIONS:-}" in
    *exitcode=86*) expect_exit 86 "AddressSanitizer: negative-size-param" -- "$PACTSIM" info "$WORK/crash.h5" ;;
    *) expect_exit 2 "reading crashed the HDF5 library" -- "$PACTSIM" info "$WORK/crash.h5" ;;
esac
finish

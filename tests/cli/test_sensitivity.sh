# sensitivity: the shipped saltelli example gives readable indices (every S1 and ST in
# [-0.1, 1.1], or within sampling noise of [0, 1]) and warns about wide intervals; second-order designs give S2; the sweep file is
# never changed in place: an interrupted or failing (file-size limit) sensitivity leaves it as
# it was, and `sweep --resume` still reports it complete.
. "$(dirname "$0")/lib.sh"
D="$SRC/tests/configs/sweep"
F="$WORK/s.h5"

# The shipped example, as shipped.
expect_exit 0 "" -- "$PACTSIM" sweep "$SRC/configs/sweeps/sanctions_saltelli.yaml" -o "$WORK/ex.h5" --quiet
expect_exit 0 "Sobol' indices" -- "$PACTSIM" sensitivity "$WORK/ex.h5"
/usr/bin/python3 - "$WORK/ex.h5" <<'PY' && ok || bad "shipped example: indices outside [-0.1, 1.1]"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1]) as f:
    g, n = f["sensitivity"], 0
    for m in g:
        if m == "param":
            continue
        for name in ("S1", "ST"):
            v = g[m][name][:]
            if g[m].attrs["variance"] == 0:   # a constant metric has no indices
                assert np.isnan(v).all(), (m, name, v)
                continue
            n += v.size
            # In [-0.1, 1.1], or (an index near 0 or 1 estimated from 64 rows) its 95%
            # bootstrap interval reaches into [0, 1] and is no wider than 1: sampling noise,
            # not a broken estimator (erosion's S1 for tur_rus_leverage_change is ~1.1,
            # interval ~[0.76, 1.40], since it alone drives that metric).
            lo, hi = g[m][name + "_low"][:], g[m][name + "_high"][:]
            noise = (lo <= 1.0) & (hi >= 0.0) & (hi - lo <= 1.0)
            # A metric with a few distinct values (a rare event: regimes_collapsed is 0.25
            # or 0.5 over 4 replicates) may leave both: the command must say so (below).
            discrete = g[m].attrs["distinct_values"] < 5
            assert discrete or np.all(((v >= -0.1) & (v <= 1.1)) | noise), (m, name, v, lo, hi)
    assert n >= 40, n
PY
# Few-valued metrics are flagged in the printout, the others are not.
/usr/bin/python3 - "$WORK/ex.h5" "$WORK/out" <<'PY' && ok || bad "discrete-metric warnings do not match the distinct_values attributes"
import re, sys, h5py
text = open(sys.argv[2]).read()
warned = set(re.findall(r"^(\S+) \(Sobol' indices.*\n(?:  .*\n)*?  warning: only \d+ distinct values", text, re.M))
with h5py.File(sys.argv[1]) as f:
    g = f["sensitivity"]
    want = {m for m in g if m != "param" and g[m].attrs["variance"] > 0
            and g[m].attrs["distinct_values"] < 5}
    assert all(g[m].attrs["distinct_values"] >= 0 for m in g if m != "param")  # stored for every metric
assert want == warned, (want, warned)
PY
# 64 samples: wide intervals, with the samples that would narrow them (N (w / 0.2)^2).
grep -Eq "warning: [0-9]+ of [0-9]+ intervals wider than 0.2.*about samples: [0-9]+ \(now 64\)" "$WORK/out" && ok \
    || bad "no wide-interval warning: $(grep -m3 warning "$WORK/out")"
/usr/bin/python3 - "$WORK/out" <<'PY' && ok || bad "suggested samples do not follow N (w / 0.2)^2"
import math, re, sys
for line in open(sys.argv[1]):
    m = re.search(r"widest ([0-9.]+):.*about samples: (\d+) \(now (\d+)\)", line)
    if m:
        w, need, n = float(m[1]), int(m[2]), int(m[3])
        # w is printed to 3 decimals: allow for that rounding (d need / d w = 2 n w / 0.04)
        assert abs(need - n * (w / 0.2) ** 2) <= 2 * n * w / 0.04 * 0.0005 + 1, line
PY

# Second order: S2 datasets [param, param] and a pair table.
sed 's/^samples: 16$/samples: 16\nsecond_order: true/' "$D/saltelli.yaml" >"$WORK/so.yaml"
sed -i "s|^base: small.yaml|base: $D/small.yaml|" "$WORK/so.yaml"
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/so.yaml" -o "$WORK/so.h5" --quiet
[ "$(h5dump -a /sweep/n_points "$WORK/so.h5" | grep -Eo '\(0\): [0-9]+' | cut -d' ' -f2)" = 96 ] && ok \
    || bad "second_order: not N (2k + 2) = 96 points"
expect_exit 0 "parameter pair +S2" -- "$PACTSIM" sensitivity "$WORK/so.h5"
h5ls "$WORK/so.h5/sensitivity/$(h5ls "$WORK/so.h5/sensitivity" | awk '$1 != "param" { print $1; exit }')" \
    | grep -q "^S2_high *Dataset {2, 2}" && ok || bad "no S2_high [2, 2]"
# A row with a non-finite value in any block is left out of every estimate: the indices of a
# file with NaN in rows 2 (first block, A) and 5 (last block, AB of the second pair) are those of
# the same file without those two rows (N = 14), bit for bit, intervals included (the bootstrap
# draws row positions among the rows kept).
M=min_gdp_growth
/usr/bin/python3 - "$WORK/so.h5" "$WORK/so_nan.h5" "$WORK/so_cut.h5" "$M" <<'PY' && ok || bad "cannot build the NaN-row files"
import shutil, sys, h5py, numpy as np
src, nan_path, cut_path, m = sys.argv[1:]
shutil.copy(src, nan_path)
shutil.copy(src, cut_path)
with h5py.File(nan_path, "r+") as f:
    g = f["sweep"]
    N, P = int(g.attrs["samples"]), int(g.attrs["n_points"])
    y = g["summary"][m][...]
    y[0 * N + 2, :] = np.nan
    y[(P // N - 1) * N + 5, :] = np.nan
    g["summary"][m][...] = y
with h5py.File(cut_path, "r+") as f:
    g = f["sweep"]
    keep = np.array([p for p in range(P) if p % N not in (2, 5)])
    for name in ("done", "summary/" + m):
        v = g[name][...][keep]
        del g[name]
        g.create_dataset(name, data=v)
    for other in [x for x in g["summary"] if x != m]:
        del g["summary"][other]
    g.attrs["samples"] = np.int64(N - 2)
    g.attrs["n_points"] = np.int64(len(keep))
PY
expect_exit 0 "" -- "$PACTSIM" sensitivity "$WORK/so_nan.h5" --metric "$M" --bootstrap 200
expect_exit 0 "" -- "$PACTSIM" sensitivity "$WORK/so_cut.h5" --metric "$M" --bootstrap 200
/usr/bin/python3 - "$WORK/so_nan.h5" "$WORK/so_cut.h5" "$M" <<'PY' && ok || bad "NaN rows are not left out as if absent"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1]) as a, h5py.File(sys.argv[2]) as b:
    ga, gb = a["sensitivity"][sys.argv[3]], b["sensitivity"][sys.argv[3]]
    names = sorted(ga)
    assert {"S1", "ST", "S2", "S1_low", "ST_high", "S2_high"} <= set(names), names
    for name in names:
        va, vb = ga[name][...], gb[name][...]
        assert np.array_equal(va, vb, equal_nan=True), (name, va, vb)
    assert np.isfinite(ga["S1"][...]).all() and np.isfinite(ga["ST"][...]).all()
PY
sed 's/^samples: 16$/samples: 16\nsecond_order: maybe/' "$D/saltelli.yaml" >"$WORK/bad_so.yaml"
expect_exit 2 "second_order is 'maybe'; expected true or false" -- "$PACTSIM" sweep "$WORK/bad_so.yaml" -o "$WORK/x.h5"

# The sweep file is never changed in place.
expect_exit 0 "" -- "$PACTSIM" sweep "$D/saltelli.yaml" -o "$F" --quiet
cp "$F" "$WORK/orig.h5"
sum=$(md5sum <"$F")
resume_complete() {
    expect_exit 0 "already complete" -- "$PACTSIM" sweep "$D/saltelli.yaml" -o "$F" --resume
    h5diff "$WORK/orig.h5" "$F" /sweep /sweep >/dev/null && ok || bad "$1: /sweep differs from the sweep's"
}
# A signal during the run (strace delivers SIGINT at its first write: the table or the file).
if command -v strace >/dev/null; then
    strace -f -o /dev/null -e trace=write -e inject=write:signal=SIGINT:when=1 \
        "$PACTSIM" sensitivity "$F" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    [ $rc -eq 130 ] && ok || bad "interrupted sensitivity exited $rc, expected 130: $(cat "$WORK/err")"
    grep -q "interrupted; the file is unchanged" "$WORK/err" && ok || bad "no interruption message"
    [ "$(md5sum <"$F")" = "$sum" ] && ok || bad "interrupted sensitivity changed the sweep file"
    expect_no_file "$F.tmp."
    resume_complete "after an interrupted sensitivity"
fi
# A file-size limit (as a full disk): exit 1, the file as it was, no temporary file.
size_kb=$(( $(stat -c %s "$F") / 1024 ))
(ulimit -f $((size_kb / 2)); "$PACTSIM" sensitivity "$F" >"$WORK/out" 2>"$WORK/err")
rc=$?
[ $rc -eq 1 ] && ok || bad "sensitivity over a file-size limit exited $rc, expected 1: $(cat "$WORK/err")"
grep -q "s.h5.tmp.[0-9]*: cannot write: File too large" "$WORK/err" && ok || bad "message: $(cat "$WORK/err")"
[ "$(md5sum <"$F")" = "$sum" ] && ok || bad "a failed sensitivity changed the sweep file"
expect_no_file "$F.tmp."
# A leftover of a killed sensitivity is removed by the next one.
: >"$F.tmp.999999999"
expect_exit 0 "" -- "$PACTSIM" sensitivity "$F"
# An unfinished sweep (an interrupted FILE.partial: runs with done = 0) is
# refused, saying so, and left as it was.
cp "$F" "$WORK/unfinished.h5"
/usr/bin/python3 -c "import h5py,sys; f=h5py.File(sys.argv[1],'r+'); d=f['sweep/done']; d[0,0]=0; d[1,0]=0" \
    "$WORK/unfinished.h5"
cp "$WORK/unfinished.h5" "$WORK/unfinished.orig.h5"
expect_exit 2 "unfinished.h5: the sweep is not finished \(2 of [0-9]+ runs not done\); expected a complete sweep" \
    -- "$PACTSIM" sensitivity "$WORK/unfinished.h5"
cmp -s "$WORK/unfinished.h5" "$WORK/unfinished.orig.h5" && ok || bad "a refused sensitivity changed the file"
expect_no_file "$F.tmp."
h5ls "$F/sensitivity" | grep -q "^param" && ok || bad "no /sensitivity after a complete run"
resume_complete "after sensitivity"
finish

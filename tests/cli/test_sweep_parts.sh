# Sweep parts (the Slurm array path, any build): chunks of points run with
# --points A:B into part files, merged with --merge into a file whose datasets
# equal the single run; a missing chunk is named; --if-complete waits; a chunk
# resumes; parts of another spec are refused; `pactsim slurm` scripts.
. "$(dirname "$0")/lib.sh"
D="$SRC/tests/configs/sweep"
same() {
    local g
    for g in /sweep /provenance/spec_raw /provenance/base_config_resolved; do
        if h5diff -q "$1" "$2" "$g" "$g" >/dev/null 2>&1; then ok
        else bad "$3: $g differs: $(h5diff "$1" "$2" "$g" "$g" 2>&1 | head -3)"; fi
    done
}
for s in grid lhs sobol; do
    expect_exit 0 "" -- "$PACTSIM" sweep "$D/$s.yaml" -o "$WORK/$s.ref.h5" --threads 2 --quiet
    P=$(h5dump -a /sweep/n_points "$WORK/$s.ref.h5" | awk '/\(0\)/ { print $2 }')
    parts=()
    for c in 0 1 2; do
        a=$((c * P / 3)); b=$(((c + 1) * P / 3))
        expect_exit 0 "" -- "$PACTSIM" sweep "$D/$s.yaml" -o "$WORK/$s.c$c.h5" --points $a:$b --threads 1 --quiet
        parts+=("$WORK/$s.c$c.h5")
    done
    # The last part is not there yet: --if-complete does nothing, a plain merge names the gap.
    expect_exit 0 "not merged" -- "$PACTSIM" sweep "$D/$s.yaml" -o "$WORK/$s.m.h5" --merge --if-complete "${parts[0]}" "${parts[1]}"
    expect_no_file "$WORK/$s.m.h5"
    expect_exit 2 "in none of the 2 parts \(first: point $((2 * P / 3)) replicate 0\)" -- \
        "$PACTSIM" sweep "$D/$s.yaml" -o "$WORK/$s.m.h5" --merge "${parts[0]}" "${parts[1]}"
    expect_exit 0 "merged 3 parts" -- "$PACTSIM" sweep "$D/$s.yaml" -o "$WORK/$s.m.h5" --merge "${parts[@]}"
    same "$WORK/$s.ref.h5" "$WORK/$s.m.h5" "$s merged from 3 chunks"
    compgen -G "$WORK/$s.m.h5.*" >/dev/null && bad "merge left $(ls "$WORK/$s.m.h5".*)" || ok
    # Merging again: refused, or a no-op with --resume.
    expect_exit 2 "exists" -- "$PACTSIM" sweep "$D/$s.yaml" -o "$WORK/$s.m.h5" --merge "${parts[@]}"
    expect_exit 0 "already complete" -- "$PACTSIM" sweep "$D/$s.yaml" -o "$WORK/$s.m.h5" --merge --resume "${parts[@]}"
done
# Overlapping parts (a chunk run twice with other bounds) merge to the same file.
expect_exit 0 "" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/grid.all.h5" --points 0:6 --quiet
# A part file carries each metric's units and description, as the merged file does.
h5dump -a /part/summary/min_gdp_growth/units "$WORK/grid.all.h5" | grep -q '"1/yr"' && ok ||
    bad "a part's metric has no units: $(h5dump -a /part/summary/min_gdp_growth/units "$WORK/grid.all.h5" 2>&1 | head -3)"
expect_exit 0 "" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/grid.m2.h5" --merge "$WORK/grid.all.h5" "$WORK/grid.c1.h5" --quiet
same "$WORK/grid.ref.h5" "$WORK/grid.m2.h5" "grid merged from overlapping parts"
# A chunk killed by SIGTERM resumes; a finished chunk with --resume is a no-op.
SPEC="$D/resume.yaml"
"$PACTSIM" sweep "$SPEC" -o "$WORK/r.c0.h5" --points 0:400 --threads 2 --quiet 2>/dev/null &
pid=$!
# Kill once the chunk's file exists (startup takes longer under ASan): a
# condition, not a fixed time.
for k in $(seq 1 1200); do [ -e "$WORK/r.c0.h5.partial" ] && break; sleep 0.05; done
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 143 ] && ok || bad "SIGTERM on a chunk: exit $rc, expected 143"
[ -e "$WORK/r.c0.h5.partial" ] && ok || bad "no partial chunk after SIGTERM"
expect_exit 2 "other runs" -- "$PACTSIM" sweep "$SPEC" -o "$WORK/r.c0.h5" --points 0:300 --resume --quiet
expect_exit 0 "" -- "$PACTSIM" sweep "$SPEC" -o "$WORK/r.c0.h5" --points 0:400 --resume --quiet
expect_exit 0 "already complete" -- "$PACTSIM" sweep "$SPEC" -o "$WORK/r.c0.h5" --points 0:400 --resume
# Refusals: parts of another sweep, a sweep file as a part, bad ranges.
expect_exit 2 "spec hash|another spec" -- "$PACTSIM" sweep "$D/lhs.yaml" -o "$WORK/x.h5" --merge "$WORK/grid.c0.h5" "$WORK/grid.c1.h5"
expect_exit 2 "not a part" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/x.h5" --merge "$WORK/grid.ref.h5"
expect_exit 2 "has 6 points" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/x.h5" --points 2:7
expect_exit 2 "expected A:B" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/x.h5" --points 3:3
expect_exit 2 "expected SPEC and the part files" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/x.h5" --merge
expect_exit 2 "exclude each other" -- "$PACTSIM" sweep "$D/grid.yaml" -o "$WORK/x.h5" --merge --points 0:1 "$WORK/grid.c0.h5"
expect_no_file "$WORK/x.h5"

# pactsim slurm: the array script's tasks, run here one after the other with the
# variables Slurm would set, give the single run's datasets (the real scheduler:
# tests/cluster/test_slurm.sh); the MPI script is valid bash; refusals.
expect_exit 0 "wrote.*sbatch" -- "$PACTSIM" slurm "$D/lhs.yaml" -o "$WORK/a.sbatch" --result "$WORK/slurm.h5" --chunks 4 --cpus 2 --time 2-00:30:00 --partition short
for want in "#SBATCH --array=0-3" "#SBATCH --cpus-per-task=2" "#SBATCH --time=2-00:30:00" "#SBATCH --partition=short" "#SBATCH --requeue" "--resume"; do
    grep -Fq -- "$want" "$WORK/a.sbatch" && ok || bad "array script lacks '$want'"
done
for i in 3 1 0 2; do
    SLURM_ARRAY_TASK_ID=$i SLURM_CPUS_PER_TASK=1 bash "$WORK/a.sbatch" 2>>"$WORK/tasks.err" || bad "array task $i failed: $(cat "$WORK/tasks.err")"
    [ $i = 2 ] || { [ -e "$WORK/slurm.h5" ] && bad "merged before the last chunk (task $i)"; }
done
grep -q "not merged" "$WORK/tasks.err" && ok || bad "early tasks did not report waiting for the other chunks"
same "$WORK/lhs.ref.h5" "$WORK/slurm.h5" "lhs through the array script"
expect_exit 0 "" -- env SLURM_ARRAY_TASK_ID=1 bash "$WORK/a.sbatch"
if "$PACTSIM" --version | grep -q "MPI: yes"; then
    expect_exit 0 "one MPI job" -- "$PACTSIM" slurm "$D/lhs.yaml" -o "$WORK/m.sbatch" --mode mpi --ntasks 3
    grep -Fq -- "#SBATCH --ntasks=3" "$WORK/m.sbatch" && bash -n "$WORK/m.sbatch" && ok || bad "mpi script: $(cat "$WORK/m.sbatch")"
else
    expect_exit 2 "option --mode mpi: this pactsim was built without MPI" -- "$PACTSIM" slurm "$D/lhs.yaml" -o "$WORK/m.sbatch" --mode mpi --ntasks 3
fi
expect_exit 0 "#SBATCH --array=0-9" -- "$PACTSIM" slurm "$D/lhs.yaml"
expect_exit 2 "only 10 points" -- "$PACTSIM" slurm "$D/lhs.yaml" --chunks 11
expect_exit 2 "option --time: expected MINUTES, MM:SS, HH:MM:SS, D-HH" -- "$PACTSIM" slurm "$D/lhs.yaml" --time 1:60
expect_exit 2 "expected array or mpi" -- "$PACTSIM" slurm "$D/lhs.yaml" --mode serial
expect_exit 2 "goes with --mode array" -- "$PACTSIM" slurm "$D/lhs.yaml" --mode mpi --chunks 2
expect_exit 2 "cannot write there: the directory '.*nodir' does not exist" -- "$PACTSIM" slurm "$D/lhs.yaml" --result "$WORK/nodir/x.h5"
expect_exit 2 "expected one SPEC" -- "$PACTSIM" slurm
expect_exit 2 "01_unknown_top_key.yaml:[0-9]+:[0-9]+: unknown top-level key" -- "$PACTSIM" slurm "$SRC/tests/bad_sweeps/01_unknown_top_key.yaml"

# `fields:` in a stride sweep: only the fields it names, each equal to the same sweep keeping every
# field, also when merged from parts; /sweep@fields lists them.
sed "s|^base: .*|base: $D/small.yaml|" "$D/grid.yaml" >"$WORK/st_all.yaml"
printf 'output: stride\nstride: 6\n' >>"$WORK/st_all.yaml"
cp "$WORK/st_all.yaml" "$WORK/st_sel.yaml"
printf 'fields: [gdp, "arms_transfer_*"]\n' >>"$WORK/st_sel.yaml"
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/st_all.yaml" -o "$WORK/st_all.h5" --quiet
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/st_sel.yaml" -o "$WORK/st_sel.h5" --quiet --threads 2
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/st_sel.yaml" -o "$WORK/st_p0.h5" --points 0:2 --quiet
expect_exit 0 "" -- "$PACTSIM" sweep "$WORK/st_sel.yaml" -o "$WORK/st_p1.h5" --points 2:6 --quiet
expect_exit 0 "merged 2 parts" -- "$PACTSIM" sweep "$WORK/st_sel.yaml" -o "$WORK/st_m.h5" --merge "$WORK/st_p0.h5" "$WORK/st_p1.h5"
/usr/bin/python3 - "$WORK/st_all.h5" "$WORK/st_sel.h5" "$WORK/st_m.h5" >"$WORK/fields.out" 2>&1 <<'PY' && ok || bad "sweep fields: $(cat "$WORK/fields.out")"
import sys
import h5py
import numpy as np
a, b, m = (h5py.File(p, "r") for p in sys.argv[1:])
scales = {"point", "replicate", "time", "actor", "source", "target", "theater"}
def fields(f):
    return sorted(g + "/" + k for g in ("actor_state", "dyad_state", "theater_state")
                  if g in f["sweep"] for k in f["sweep"][g] if k not in scales)
want = ["actor_state/gdp"] + [x for x in fields(a) if x.split("/")[1].startswith("arms_transfer_")]
assert fields(b) == sorted(want) and len(want) == 5, fields(b)
assert fields(m) == fields(b)
assert "theater_state" not in b["sweep"]
assert set(b["sweep"].attrs["fields"].split()) == {x.split("/")[1] for x in want}
assert a["sweep"].attrs["fields"] == "all"
for x in want:
    for f in (b, m):
        assert np.array_equal(a["sweep"][x][()], f["sweep"][x][()], equal_nan=True), x
    for f in (a, b, m):  # as in a run's file: stored float64, and says so
        assert f["sweep"][x].dtype == np.float64 and f["sweep"][x].attrs["precision"] == "float64", x
for k in a["sweep/summary"]:
    assert np.array_equal(a["sweep/summary"][k][()], b["sweep/summary"][k][()], equal_nan=True), k
PY
finish

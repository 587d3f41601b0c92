# pactsim slurm with hostile names and paths: a catalogue of sweep names,
# directories and option values (quotes, $(...), backticks, spaces, semicolons,
# leading dashes, globs, #, backslashes) each gives a script that bash runs
# (sbatch, srun and mpirun replaced by stubs on PATH) doing exactly its work:
# the chunk files and the merged result under the hostile path, nothing else
# created anywhere, no stub called; the #SBATCH lines, read as sbatch reads
# them, give back each value. Control characters are refused (exit 2, naming
# the spec line or the option). Also: -o never overwrites without --force, nor
# an input even with --force; --setup lines run before pactsim; Slurm's time
# formats; --mode mpi from a build without MPI; unwritable outputs.
. "$(dirname "$0")/lib.sh"
BASE="$SRC/tests/configs/sweep/small.yaml"

STUBS="$WORK/stubs"
mkdir -p "$STUBS"
for s in sbatch srun scontrol scancel; do
    printf '#!/bin/bash\necho "%s $*" >>"%s/stubs.log"\n' "$s" "$WORK" >"$STUBS/$s"
    chmod +x "$STUBS/$s"
done
# mpirun: logged, then runs the command on one rank
printf '#!/bin/bash\necho "mpirun $*" >>"%s/stubs.log"\nwhile [ "$1" = -n ]; do shift 2; done\nexec "$@"\n' \
    "$WORK" >"$STUBS/mpirun"
chmod +x "$STUBS/mpirun"

# sbatch_values SCRIPT: each #SBATCH option as sbatch reads it (its
# _get_argument: a backslash takes the next character, quotes group, an
# unescaped # ends the line), one "name<TAB>value" a line.
sbatch_values() {
    /usr/bin/python3 - "$1" <<'EOF'
import sys
for line in open(sys.argv[1], encoding="utf-8", errors="surrogateescape"):
    if not line.startswith("#SBATCH"):
        if not line.startswith("#"):
            break  # sbatch stops at the first command
        continue
    s, args, cur, q, esc, have = line[7:].rstrip("\n"), [], "", None, False, False
    for ch in s:
        if esc:
            cur += ch; esc = False; have = True
        elif ch == "\\":
            esc = True
        elif q:
            if ch == q: q = None
            else: cur += ch
        elif ch in "'\"":
            q = ch; have = True
        elif ch == "#":
            break
        elif ch.isspace():
            if have: args.append(cur); cur, have = "", False
        else:
            cur += ch; have = True
    if have: args.append(cur)
    for a in args:
        k, _, v = a.partition("=")
        print(k + "\t" + v)
EOF
}

hostile=(
    "it's"
    'say "hi"'
    '$(touch pwned1)'
    '`touch pwned2`'
    'a b  c'
    'x;touch pwned3'
    '-rf'
    '--help'
    '#not a comment'
    'back\slash\n'
    '*?[gl]ob'
    "'; touch pwned4; echo '"
    '${HOME}$((1+1))'
    '|touch pwned5&'
    ' lead and trail '
)
i=0
for H in "${hostile[@]}"; do
    i=$((i + 1))
    dir="$WORK/tree/d$i/$H"
    run="$WORK/tree/run$i"
    mkdir -p -- "$dir" "$run"
    cp "$BASE" "$dir/small.yaml"
    name=$(/usr/bin/python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$H")
    printf 'name: %s\nbase: small.yaml\ndesign: grid\nreplicates: 1\nparameters:\n  parameters.sanctions.erosion: {values: [0.0, 0.02]}\n' \
        "$name" >"$dir/spec.yaml"
    printf 'echo "setup ran" >>setup.log\n' >"$dir/setup.sh"
    names=()
    case "$H" in -*) ;; *) names=(--account "$H" --qos "$H" --partition "$H") ;; esac
    result="$dir/r$H.h5"
    if ! "$PACTSIM" slurm "$dir/spec.yaml" -o "$dir/s.sbatch" --result "$result" --chunks 2 \
            --setup "$dir/setup.sh" "${names[@]}" 2>"$WORK/err"; then
        bad "[$H]: pactsim slurm failed: $(cat "$WORK/err")"
        continue
    fi
    bash -n "$dir/s.sbatch" && ok || bad "[$H]: the script is not valid bash"
    # the #SBATCH values, read back as sbatch reads them
    sbatch_values "$dir/s.sbatch" >"$WORK/values"
    want="job-name	pactsim-$H"$'\n'"--output	$result.slurm-%A_%a.log"
    [ ${#names[@]} -gt 0 ] && want+=$'\n'"--account	$H"$'\n'"--qos	$H"$'\n'"--partition	$H"
    while IFS= read -r w; do
        grep -Fxq -- "$w" <(sed 's/^--job-name/job-name/' "$WORK/values") && ok ||
            bad "[$H]: sbatch would not read '$w' from: $(grep -a '^#SBATCH' "$dir/s.sbatch")"
    done <<<"$want"
    # the tasks, as Slurm would start them (in another directory), one after the other
    (cd "$WORK/tree" && find . | sort) >"$WORK/before"
    for t in 1 0; do
        (cd "$run" && PATH="$STUBS:$PATH" SLURM_ARRAY_TASK_ID=$t SLURM_CPUS_PER_TASK=1 \
            bash "$dir/s.sbatch") >"$WORK/task.out" 2>&1 || bad "[$H]: task $t failed: $(cat "$WORK/task.out")"
    done
    (cd "$WORK/tree" && find . | sort) >"$WORK/after"
    new=$(comm -13 "$WORK/before" "$WORK/after")
    expected=$(printf '%s\n' "./d$i/$H/r$H.h5" "./d$i/$H/r$H.h5.chunk0-of2.h5" \
        "./d$i/$H/r$H.h5.chunk1-of2.h5" "./run$i/setup.log" | sort)
    [ "$new" = "$expected" ] && ok || bad "[$H]: the tasks created: $new (expected: $expected)"
    [ "$(cat "$run/setup.log" 2>/dev/null)" = $'setup ran\nsetup ran' ] && ok ||
        bad "[$H]: the setup lines did not run once per task"
    h5ls "$result/sweep" >/dev/null 2>&1 && ok || bad "[$H]: no sweep file at the hostile path"
done
[ -n "$(find "$WORK" -name 'pwned*')" ] && bad "a name ran a command: $(find "$WORK" -name 'pwned*')" || ok
[ -e "$WORK/stubs.log" ] && bad "an array script called: $(cat "$WORK/stubs.log")" || ok
echo "hostile names and paths: ${#hostile[@]}, each run as a script"

# Control characters: refused, naming the spec line or the option; no script.
C="$WORK/ctl"
mkdir -p "$C" "$C/new
line"
cp "$BASE" "$C/small.yaml"
cp "$BASE" "$C/new
line/small.yaml"
printf 'name: "a\\nb"\nbase: small.yaml\ndesign: grid\nreplicates: 1\nparameters:\n  parameters.sanctions.erosion: {values: [0.0, 0.02]}\n' >"$C/nl.yaml"
printf 'name: "a\\tb"\nbase: small.yaml\ndesign: grid\nreplicates: 1\nparameters:\n  parameters.sanctions.erosion: {values: [0.0, 0.02]}\n' >"$C/tab.yaml"
printf 'name: ok\nbase: small.yaml\ndesign: grid\nreplicates: 1\nparameters:\n  parameters.sanctions.erosion: {values: [0.0, 0.02]}\n' >"$C/ok.yaml"
cp "$C/ok.yaml" "$C/new
line/ok.yaml"
printf 'module load hdf5\r\necho x\r\n' >"$C/crlf.sh"
expect_exit 2 "nl.yaml:1:7: name has a control character \(0x0a\); expected a name on one line" -- \
    "$PACTSIM" slurm "$C/nl.yaml" -o "$C/s.sbatch" --result "$C/r.h5"
# The script is written by rename: an existing device, FIFO or socket is
# refused, --force or not (as root, -o /dev/null --force replaced /dev/null).
mkfifo "$C/fifo.sbatch"
expect_exit 2 "option --output $C/fifo.sbatch: is a FIFO; pactsim replaces only regular files" -- \
    "$PACTSIM" slurm "$C/ok.yaml" -o "$C/fifo.sbatch" --result "$C/r.h5" --force
[ -p "$C/fifo.sbatch" ] && ok || bad "slurm --force replaced a FIFO"
expect_exit 2 "the result $C/fifo.sbatch: is a FIFO" -- "$PACTSIM" slurm "$C/ok.yaml" -o "$C/s2.sbatch" --result "$C/fifo.sbatch"
expect_no_file "$C/s2.sbatch"
expect_exit 2 "tab.yaml:1:7: name has a control character \(0x09\)" -- "$PACTSIM" slurm "$C/tab.yaml" -o "$C/s.sbatch"
expect_exit 2 "name has a control character" -- "$PACTSIM" sweep "$C/nl.yaml" -o "$C/r.h5"
expect_exit 2 "option --result: control character 0x0a" -- "$PACTSIM" slurm "$C/ok.yaml" -o "$C/s.sbatch" --result "$C/r
x.h5"
expect_exit 2 "the SPEC argument: control character 0x0a" -- "$PACTSIM" slurm "$C/new
line/ok.yaml" -o "$C/s.sbatch"
expect_exit 2 "option --account: control character 0x0a" -- "$PACTSIM" slurm "$C/ok.yaml" -o "$C/s.sbatch" --account "a
touch pwned"
expect_exit 2 "option --qos: control character 0x09" -- "$PACTSIM" slurm "$C/ok.yaml" --qos "$(printf 'a\tb')"
expect_exit 2 "option --partition: expected a name, got '-x'" -- "$PACTSIM" slurm "$C/ok.yaml" --partition -x
expect_exit 2 "option --setup .*crlf.sh:1: control character 0x0d \(a carriage return\)" -- \
    "$PACTSIM" slurm "$C/ok.yaml" -o "$C/s.sbatch" --setup "$C/crlf.sh"
expect_exit 2 "option --setup .*no_such.sh: cannot read" -- "$PACTSIM" slurm "$C/ok.yaml" --setup "$C/no_such.sh"
expect_exit 2 "'%' in it would be read by Slurm as a pattern" -- "$PACTSIM" slurm "$C/ok.yaml" --result "$C/r%j.h5"
expect_no_file "$C/s.sbatch"

# -o: an existing file only with --force; an input never, even with --force.
O="$WORK/o"
mkdir -p "$O"
cp "$BASE" "$O/small.yaml"
cp "$C/ok.yaml" "$O/ok.yaml"
ln -s ok.yaml "$O/link.yaml"
echo "keep me" >"$O/s.sbatch"
sums() { md5sum "$O/ok.yaml" "$O/small.yaml" "$O/s.sbatch" "$PACTSIM"; }
before=$(sums)
expect_exit 2 "option --output .*s.sbatch: the file exists; use --force" -- "$PACTSIM" slurm "$O/ok.yaml" -o "$O/s.sbatch"
for target in "$O/ok.yaml" "$O/./ok.yaml" "$O/link.yaml" "$O/small.yaml" "$PACTSIM"; do
    expect_exit 2 "it is an input .*never overwritten, even with --force" -- \
        "$PACTSIM" slurm "$O/ok.yaml" -o "$target" --force
done
expect_exit 2 "option --result .*it is an input" -- "$PACTSIM" slurm "$O/ok.yaml" --result "$O/ok.yaml"
[ "$(sums)" = "$before" ] && ok || bad "an input or the existing script was modified"
expect_exit 0 "wrote" -- "$PACTSIM" slurm "$O/ok.yaml" -o "$O/s.sbatch" --force
grep -q "^#SBATCH --array=0-1" "$O/s.sbatch" && ok || bad "--force did not replace the script"
compgen -G "$O/s.sbatch.tmp.*" >/dev/null && bad "temporary script left" || ok

# Unwritable outputs: one message, exit 2, before any work.
expect_exit 2 "slurm: option --output '.*nodir/s.sbatch': cannot write there: the directory '.*nodir' does not exist" -- \
    "$PACTSIM" slurm "$O/ok.yaml" -o "$WORK/nodir/s.sbatch"
expect_exit 2 "slurm: option --result '.*nodir/r.h5': cannot write there: the directory '.*nodir' does not exist" -- \
    "$PACTSIM" slurm "$O/ok.yaml" --result "$WORK/nodir/r.h5"
expect_exit 2 "slurm: option --output '.*': cannot write there: it is a directory" -- "$PACTSIM" slurm "$O/ok.yaml" -o "$O"

# Slurm's time formats, --mem, the new #SBATCH options.
for t in 30 90:00 48:00:00 2-12 2-12:30 2-12:30:00 0; do
    expect_exit 0 "" -- "$PACTSIM" slurm "$O/ok.yaml" --time "$t"
    grep -Fxq "#SBATCH --time=$t" "$WORK/out" && ok || bad "--time $t not in the script"
done
for t in 1:60 1:2:3:4 2- -5 1-24 a 1h 2-3:60 ''; do
    expect_exit 2 "option --time: expected MINUTES, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS, got '$t'" -- \
        "$PACTSIM" slurm "$O/ok.yaml" --time "$t"
done
expect_exit 0 "" -- "$PACTSIM" slurm "$O/ok.yaml" --mem 4G --account proj1 --qos long
for want in "#SBATCH --mem=4G" "#SBATCH --account=proj1" "#SBATCH --qos=long"; do
    grep -Fxq -- "$want" "$WORK/out" && ok || bad "script lacks '$want'"
done
for m in 4GB -1 G 4.5G; do
    expect_exit 2 "option --mem: expected a number with an optional unit" -- "$PACTSIM" slurm "$O/ok.yaml" --mem "$m"
done

# --mode mpi: refused by a build without MPI; in an MPI build, the script runs
# through the launcher with a hostile result path.
if "$PACTSIM" --version | grep -q "MPI: no"; then
    expect_exit 2 "option --mode mpi: this pactsim was built without MPI" -- "$PACTSIM" slurm "$O/ok.yaml" --mode mpi
    expect_no_file "$O/m.sbatch"
else
    H='$(touch pwned6) it'"'"'s'
    mkdir -p "$WORK/mpi/$H"
    expect_exit 0 "one MPI job" -- "$PACTSIM" slurm "$O/ok.yaml" -o "$WORK/mpi/m.sbatch" --mode mpi --ntasks 1 --result "$WORK/mpi/$H/r.h5"
    (cd "$WORK/mpi" && PATH="$STUBS:$PATH" SLURM_NTASKS=1 bash m.sbatch) >"$WORK/task.out" 2>&1 || bad "mpi script failed: $(cat "$WORK/task.out")"
    [ -e "$WORK/mpi/$H/r.h5" ] && ok || bad "mpi script wrote no result"
    grep -q "^mpirun -n 1 " "$WORK/stubs.log" && ok || bad "mpi script did not use mpirun"
    [ -z "$(find "$WORK" -name 'pwned*')" ] && ok || bad "the mpi script ran a command"
fi

# --calibrate: a calibration with a hostile name, spec directory and result;
# the script runs pactsim calibrate --resume (through the launcher in an MPI
# build), and running it again (a requeue) leaves the finished posterior.
CD="$SRC/tests/configs/calib"
H='$(touch pwned7) it'"'"'s #x'
mkdir -p "$WORK/cal/$H"
name=$(/usr/bin/python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$H")
sed -e "s|^name: .*|name: $name|" -e "s|^base: .*|base: $CD/twin.yaml|" \
    -e "s|^observations: .*|observations: [$CD/twin_obs.csv]|" -e "s|^particles: .*|particles: 8|" \
    -e "s|^generations: .*|generations: 2|" "$CD/twin_calib.yaml" >"$WORK/cal/$H/c.yaml"
expect_exit 0 "wrote .*c.sbatch" -- "$PACTSIM" slurm "$WORK/cal/$H/c.yaml" --calibrate -o "$WORK/cal/c.sbatch" \
    --ntasks 1 --result "$WORK/cal/$H/post.h5"
bash -n "$WORK/cal/c.sbatch" && ok || bad "the calibration script is not valid bash"
sbatch_values "$WORK/cal/c.sbatch" >"$WORK/values"
for w in "--job-name	pactsim-$H" "--ntasks	1" "--requeue	" "--output	$WORK/cal/$H/post.h5.slurm-%j.log"; do
    grep -Fxq -- "$w" "$WORK/values" && ok || bad "calibration script: sbatch would not read '$w': $(cat "$WORK/values")"
done
rm -f "$WORK/stubs.log"
(cd "$WORK/cal" && PATH="$STUBS:$PATH" SLURM_NTASKS=1 bash c.sbatch) >"$WORK/task.out" 2>&1 || bad "calibration script failed: $(cat "$WORK/task.out")"
h5ls "$WORK/cal/$H/post.h5/posterior" >/dev/null 2>&1 && ok || bad "the calibration script wrote no posterior: $(ls "$WORK/cal/$H")"
sum=$(md5sum <"$WORK/cal/$H/post.h5")
(cd "$WORK/cal" && PATH="$STUBS:$PATH" SLURM_NTASKS=1 bash c.sbatch) >"$WORK/task.out" 2>&1 || bad "calibration script, again: $(cat "$WORK/task.out")"
[ "$(md5sum <"$WORK/cal/$H/post.h5")" = "$sum" ] && ok || bad "running the calibration script again changed the posterior"
[ "$(ls "$WORK/cal/$H")" = "$(printf 'c.yaml\npost.h5')" ] && ok || bad "the calibration script left: $(ls "$WORK/cal/$H")"
[ -z "$(find "$WORK" -name 'pwned*')" ] && ok || bad "the calibration script ran a command"
if "$PACTSIM" --version | grep -q "MPI: no"; then
    [ -e "$WORK/stubs.log" ] && bad "the calibration script of a build without MPI called: $(cat "$WORK/stubs.log")" || ok
    expect_exit 2 "built without MPI; expected --ntasks 1" -- "$PACTSIM" slurm "$WORK/cal/$H/c.yaml" --calibrate --ntasks 2
else
    grep -q "^mpirun -n 1 " "$WORK/stubs.log" && ok || bad "the calibration script did not use mpirun"
fi
expect_exit 2 "expected no --mode and no --chunks" -- "$PACTSIM" slurm "$WORK/cal/$H/c.yaml" --calibrate --chunks 2
expect_exit 2 "is an input" -- "$PACTSIM" slurm "$WORK/cal/$H/c.yaml" --calibrate --ntasks 1 --result "$CD/twin_obs.csv"
finish

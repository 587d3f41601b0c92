# Fault injection (docs/reliability.md): with the LD_PRELOAD shim of
# tests/fault/fault.c, fail in turn each write, fsync and rename (ENOSPC, or
# EIO for every other one) of `run`, `run --resume` (checkpoints), mid-run
# segments of `run` and `sweep` (--checkpoint-every 3), `sweep`,
# `sweep --merge` and `sensitivity` (which adds /sensitivity to a finished
# sweep file), and kill the process (SIGKILL) at each. Afterwards:
# no crash (exit 1 with a one-line message, or 137 for the kill), the
# previous file under the final name is byte-identical or the new one is
# complete (equal to a reference run), no temporary is left after a failure,
# and the same command again (--resume if a partial exists, else --force;
# sensitivity: as it was) finishes the job with the reference's datasets.
# After an I/O failure a resumed run keeps the checkpoints it resumed from,
# and a fresh run (with or without mid-run segments) leaves none.
# The calls are counted in a clean run; when there are many, the first and
# last PS_FAULT_EDGE and about PS_FAULT_MIDDLE evenly spaced ones between are
# used (deterministic). Last, inputs swapped for a FIFO between pactsim's
# check and HDF5's open are refused, never read.
. "$(dirname "$0")/lib.sh"
LIB=${PS_FAULT_LIB:-}
[ -n "$LIB" ] && [ -f "$LIB" ] || { echo "PS_FAULT_LIB (the shim) not set: skipped"; exit 77; }
# A sanitizer runtime must come first; the shim may come before it.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
EDGE=${PS_FAULT_EDGE:-4}
MIDDLE=${PS_FAULT_MIDDLE:-8}
CFG="$SRC/tests/configs/sweep/small.yaml" # 4 actors, 24 months, 3 replicates, no theaters
SPEC="$SRC/tests/configs/sweep/grid.yaml" # 6 points of small.yaml, 3 replicates
PAIRS="$WORK/pairs"
: >"$PAIRS"
cases=0

# points N: the calls to fail, 1..N, sampled when N is large.
points() {
    local n=$1 k
    if [ "$n" -le $((2 * EDGE + MIDDLE)) ]; then seq 1 "$n"; return; fi
    seq 1 "$EDGE"
    local step=$(((n - 2 * EDGE) / (MIDDLE + 1)))
    for k in $(seq 1 "$MIDDLE"); do echo $((EDGE + k * step)); done
    seq $((n - EDGE + 1)) "$n"
}

# count OP CMD...: how many OP calls CMD makes on files.
count() {
    local op=$1
    shift
    PS_FAULT_OP=$op PS_FAULT_COUNT="$WORK/count" LD_PRELOAD="$LIB" "$@" >/dev/null 2>&1 ||
        bad "clean counting run of $op failed: $*"
    cat "$WORK/count"
}

# leftovers DIR NAME: files in DIR besides NAME, NAME.partial, a sweep's
# NAME.segments (both kept for --resume), the saved previous file and the
# parts a merge reads.
leftovers() {
    (cd "$1" && ls -A | grep -Fxv -e "$2" -e "$2.partial" -e "$2.segments" -e prev.h5 -e p1.h5 -e p2.h5 |
        tr '\n' ' ')
}

# inject LABEL DIR NAME OP N MODE FIRST -- CMD...: run CMD FIRST in DIR with
# the Nth OP call failed (MODE enospc/eio) or killed (kill), check DIR, then
# run CMD again with --resume or --force. FIRST "-": CMD alone, then CMD again.
inject() {
    local label=$1 dir=$2 name=$3 op=$4 n=$5 mode=$6 first=$7
    shift 8
    cases=$((cases + 1))
    local rc=0 extra=("$first")
    [ "$first" = - ] && extra=()
    (cd "$dir" && PS_FAULT_OP=$op PS_FAULT_N=$n PS_FAULT_MODE=$mode LD_PRELOAD="$LIB" \
        "$@" "${extra[@]}" >"$WORK/out" 2>"$WORK/err") 2>/dev/null || rc=$? # (no "Killed" from bash)
    local what="$label: $op #$n $mode"
    if [ "$mode" = kill ]; then
        [ "$rc" -eq 137 ] || [ "$rc" -eq 0 ] || { bad "$what: exit $rc: $(head -c 300 "$WORK/err")"; return; }
    else
        [ "$rc" -le 1 ] || { bad "$what: exit $rc (a crash?): $(head -c 300 "$WORK/err")"; return; }
        if [ "$rc" -eq 1 ]; then
            [ "$(grep -c . "$WORK/err")" -eq 1 ] && grep -q "^pactsim: error: " "$WORK/err" &&
                ok || bad "$what: not a one-line message: $(head -c 300 "$WORK/err")"
            local left
            left=$(leftovers "$dir" "$name")
            [ -z "$left" ] && ok || bad "$what: left $left"
            # Checkpoints after an I/O failure (sim/run.c): a resumed run keeps
            # them for the next --resume (they were there before it); a run
            # that started afresh drops its own, finished or mid-run.
            case $label in
            resume) compgen -G "$dir/$name.partial/rep-*.ckpt" >/dev/null && ok ||
                bad "$what: the resumed run's checkpoints are gone" ;;
            run | midrun) [ ! -e "$dir/$name.partial" ] && ok ||
                bad "$what: a fresh run's failure left $name.partial: $(ls "$dir/$name.partial")" ;;
            esac
        fi
    fi
    # Under the final name: the previous file byte for byte, or a complete new one.
    if [ -e "$dir/$name" ]; then
        if [ -f "$dir/prev.h5" ] && cmp -s "$dir/prev.h5" "$dir/$name"; then
            [ "$rc" -ne 0 ] && ok || bad "$what: exit 0 but $name was not replaced"
        else
            cp "$dir/$name" "$WORK/res.$cases.h5"
            printf '%s\t%s\t%s\n' "$WORK/res.$cases.h5" "$WORK/ref.$label.h5" "$what (exit $rc)" >>"$PAIRS"
        fi
    elif [ -f "$dir/prev.h5" ]; then
        bad "$what: the previous $name is gone (exit $rc)"
    elif [ "$rc" -eq 0 ]; then
        bad "$what: exit 0 and no $name"
    fi
    # The same command again finishes the job.
    local again=(--force)
    [ -e "$dir/$name.partial" ] && again=(--resume)
    [ "$first" = - ] && again=()
    rc=0
    (cd "$dir" && "$@" "${again[@]}" >"$WORK/out" 2>"$WORK/err") || rc=$?
    if [ "$rc" -ne 0 ]; then
        bad "$what: then ${again[*]}: exit $rc: $(head -c 300 "$WORK/err")"
        return
    fi
    cp "$dir/$name" "$WORK/res.$cases.again.h5"
    printf '%s\t%s\t%s\n' "$WORK/res.$cases.again.h5" "$WORK/ref.$label.h5" "$what, then ${again[*]:-again}" >>"$PAIRS"
    local left
    left=$(leftovers "$dir" "$name")
    [ -z "$left" ] && ok || bad "$what: then ${again[*]}: left $left"
}

# campaign LABEL NAME SETUP FIRST -- CMD...: for each op and sampled call,
# restore the state with SETUP DIR, inject into CMD FIRST, check.
campaign() {
    local label=$1 name=$2 setup=$3 first=$4
    shift 5
    case " ${PS_FAULT_CAMPAIGNS:-$label} " in *" $label "*) ;; *) return ;; esac # (debugging: a few)
    local op n k mode dir="$WORK/$label"
    for op in write fsync rename; do
        rm -rf "$dir" && mkdir "$dir" && $setup "$dir"
        local total
        local extra=("$first")
        [ "$first" = - ] && extra=()
        total=$(cd "$dir" && count "$op" "$@" "${extra[@]}")
        [ "${total:-0}" -gt 0 ] || { bad "$label: no $op calls counted"; continue; }
        echo "$label: $total $op calls"
        k=0
        for n in $(points "$total"); do
            k=$((k + 1))
            for mode in $([ $((k % 2)) -eq 0 ] && echo eio || echo enospc) kill; do
                rm -rf "$dir" && mkdir "$dir" && $setup "$dir"
                inject "$label" "$dir" "$name" "$op" "$n" "$mode" "$first" -- "$@"
            done
        done
    done
}

# References, and the states each campaign starts from.
"$PACTSIM" run "$CFG" -o "$WORK/ref.run.h5" --threads 1 --quiet || bad "reference run"
cp "$WORK/ref.run.h5" "$WORK/ref.resume.h5"
cp "$WORK/ref.run.h5" "$WORK/ref.midrun.h5"
"$PACTSIM" run "$CFG" -o "$WORK/prev.run.h5" --seed 7 --threads 1 --quiet || bad "previous run"
"$PACTSIM" sweep "$SPEC" -o "$WORK/ref.sweep.h5" --threads 1 --quiet || bad "reference sweep"
cp "$WORK/ref.sweep.h5" "$WORK/ref.merge.h5"
cp "$WORK/ref.sweep.h5" "$WORK/ref.sweepmid.h5"
"$PACTSIM" sweep "$SPEC" -o "$WORK/p1.h5" --points 0:3 --threads 1 --quiet || bad "part 1"
"$PACTSIM" sweep "$SPEC" -o "$WORK/p2.h5" --points 3:6 --threads 1 --quiet || bad "part 2"
# A previous sweep file (another spec's) that a sweep with --force replaces.
"$PACTSIM" sweep "$SRC/tests/configs/sweep/lhs.yaml" -o "$WORK/prev.sweep.h5" --threads 1 --quiet ||
    bad "previous sweep"
# A finished saltelli sweep (64 points of small.yaml, 2 replicates) and its sensitivity results.
"$PACTSIM" sweep "$SRC/tests/configs/sweep/saltelli.yaml" -o "$WORK/prev.sens.h5" --threads 1 --quiet ||
    bad "saltelli sweep"
cp "$WORK/prev.sens.h5" "$WORK/ref.sens.h5"
"$PACTSIM" sensitivity "$WORK/ref.sens.h5" --bootstrap 100 >/dev/null || bad "reference sensitivity"
# A run killed after its first checkpoint (rename 1: spec; 2: replicate 0): FILE.partial/.
mkdir "$WORK/k"
(cd "$WORK/k" && PS_FAULT_OP=rename PS_FAULT_N=3 PS_FAULT_MODE=kill LD_PRELOAD="$LIB" \
    "$PACTSIM" run "$CFG" -o out.h5 --threads 1 --quiet 2>/dev/null) 2>/dev/null
[ "$(compgen -G "$WORK/k/out.h5.partial/rep-*.ckpt" | wc -l)" -eq 1 ] && ok ||
    bad "the killed run did not leave one checkpoint: $(ls -R "$WORK/k")"

setup_run() { cp "$WORK/prev.run.h5" "$1/out.h5" && cp "$1/out.h5" "$1/prev.h5"; }
setup_resume() { cp -a "$WORK/k/out.h5.partial" "$1/"; }
setup_sweep() { cp "$WORK/prev.sweep.h5" "$1/out.h5" && cp "$1/out.h5" "$1/prev.h5"; }
setup_sens() { cp "$WORK/prev.sens.h5" "$1/out.h5" && cp "$1/out.h5" "$1/prev.h5"; }
setup_merge() { cp "$WORK/p1.h5" "$WORK/p2.h5" "$1/" && cp "$WORK/prev.sweep.h5" "$1/out.h5" && cp "$1/out.h5" "$1/prev.h5"; }

campaign run out.h5 setup_run --force -- "$PACTSIM" run "$CFG" -o out.h5 --threads 1 --quiet
campaign resume out.h5 setup_resume --resume -- "$PACTSIM" run "$CFG" -o out.h5 --threads 1 --quiet
campaign sweep out.h5 setup_sweep --force -- "$PACTSIM" sweep "$SPEC" -o out.h5 --threads 1 --quiet
campaign merge out.h5 setup_merge --force -- "$PACTSIM" sweep "$SPEC" -o out.h5 --quiet --merge p1.h5 p2.h5
campaign sens out.h5 setup_sens - -- "$PACTSIM" sensitivity out.h5 --bootstrap 100
# Mid-run checkpoints of unfinished replicates (a segment every 3 months):
# each segment's write, fsync and rename failed or killed; --resume finishes.
campaign midrun out.h5 setup_run --force -- "$PACTSIM" run "$CFG" -o out.h5 --threads 1 --quiet --checkpoint-every 3
# The same for a sweep's unfinished runs (FILE.segments/, the same code).
campaign sweepmid out.h5 setup_sweep --force -- "$PACTSIM" sweep "$SPEC" -o out.h5 --threads 1 --quiet --checkpoint-every 3

# Inputs swapped for a FIFO between pactsim's check and HDF5's open (PS_FAULT_SWAP renames
# the FIFO over the input right after its first open): refused at once (exit 2, the file
# "was replaced"), never a blocked read, the FIFO left as it is.
swap() {
    local src=$1 rc=0
    shift
    rm -rf "$WORK/swap" && mkdir "$WORK/swap" && cp "$src" "$WORK/swap/in.h5" && mkfifo "$WORK/swap/fifo"
    cases=$((cases + 1))
    (cd "$WORK/swap" && PS_FAULT_SWAP=in.h5:fifo LD_PRELOAD="$LIB" timeout 60 "$PACTSIM" "$@" \
        >/dev/null 2>"$WORK/err") || rc=$?
    [ "$rc" -eq 2 ] && grep -q "in.h5: cannot open .*: it was replaced while being opened" "$WORK/err" &&
        [ -p "$WORK/swap/in.h5" ] && ok || bad "swapped input: pactsim $*: exit $rc: $(head -c 300 "$WORK/err")"
}
case " ${PS_FAULT_CAMPAIGNS:-swap} " in *" swap "*)
    swap "$WORK/ref.run.h5" info in.h5
    swap "$WORK/ref.sweep.h5" info in.h5
    swap "$WORK/ref.run.h5" compare "$WORK/ref.run.h5" in.h5
    swap "$WORK/prev.sens.h5" sensitivity in.h5 --bootstrap 100
    swap "$WORK/p2.h5" sweep "$SPEC" -o out.h5 --merge "$WORK/p1.h5" in.h5
    swap "$SRC/configs/calibration/baseline_2022_posterior.h5" run "$CFG" --posterior in.h5 -o out.h5
    ;;
esac

# Every file that a command finished equals its reference.
grep -P "\t$WORK/ref\.(run|resume|midrun)\.h5\t" "$PAIRS" >"$PAIRS.run"
grep -P "\t$WORK/ref\.(sweep|merge|sweepmid)\.h5\t" "$PAIRS" >"$PAIRS.sweep"
grep -P "\t$WORK/ref\.sens\.h5\t" "$PAIRS" >"$PAIRS.sens"
if /usr/bin/python3 "$SRC/tests/cli/h5same.py" --list "$PAIRS.run" \
    actor_state dyad_state summary events actors parameters time provenance/config_raw \
    provenance/config_resolved >"$WORK/diff" 2>&1; then ok
else bad "runs differ from the reference: $(head -20 "$WORK/diff")"; fi
if /usr/bin/python3 "$SRC/tests/cli/h5same.py" --list "$PAIRS.sweep" /sweep /provenance/spec_raw \
    /provenance/base_config_resolved >"$WORK/diff" 2>&1; then ok
else bad "sweeps differ from the reference: $(head -20 "$WORK/diff")"; fi
if /usr/bin/python3 "$SRC/tests/cli/h5same.py" --list "$PAIRS.sens" /sweep /sensitivity /provenance/spec_raw \
    >"$WORK/diff" 2>&1; then ok
else bad "sensitivity results differ from the reference: $(head -20 "$WORK/diff")"; fi
echo "$cases fault cases; $(wc -l <"$PAIRS.run") run files, $(wc -l <"$PAIRS.sweep") sweep files and" \
    "$(wc -l <"$PAIRS.sens") sensitivity files compared"
finish

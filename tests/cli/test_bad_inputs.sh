# The bad-input catalogue: every case of tests/bad_inputs/manifest.tsv and every config of
# tests/bad_configs/expected.tsv must exit with its code (2), print the expected words on stderr
# (file:line:col, option or dataset), not crash, and leave no output file behind.
# Prints "N passed, N failed" counting cases.
. "$(dirname "$0")/lib.sh"
BAD="$SRC/tests/bad_inputs"
CFGDIR="$SRC/tests/bad_configs"
C="$SRC/configs/baseline_2022.yaml"
cases=0 cfail=0

# Prepared inputs.
mkdir -p "$WORK/dir"
"$PACTSIM" run "$C" -o "$WORK/valid.h5" --replicates 1 --quiet || echo "cannot make valid.h5" >&2
cp "$WORK/valid.h5" "$WORK/exists.h5"
# runs that cannot be paired with valid.h5 (another seed, another replicate count)
"$PACTSIM" run "$C" -o "$WORK/valid_seed5.h5" --replicates 1 --seed 5 --quiet || echo "cannot make valid_seed5.h5" >&2
"$PACTSIM" run "$C" -o "$WORK/valid_r2.h5" --replicates 2 --quiet || echo "cannot make valid_r2.h5" >&2
# runs that can be paired but are not of one setting: other actors, months and lineage; another lineage
"$PACTSIM" run "$SRC/configs/examples/client_free_patrons.yaml" -o "$WORK/valid_client.h5" --replicates 1 \
    --seed 20220722 --quiet || echo "cannot make valid_client.h5" >&2
sed 's/^name: baseline_2022$/name: baseline_copy/' "$C" >"$WORK/baseline_copy.yaml"
"$PACTSIM" run "$WORK/baseline_copy.yaml" -o "$WORK/valid_copy.h5" --replicates 1 --quiet || echo "cannot make valid_copy.h5" >&2
SPEC="$SRC/configs/sweeps/elasticity_grid.yaml"
size=$(stat -c %s "$WORK/valid.h5")
head -c 8 "$WORK/valid.h5" >"$WORK/trunc_8.h5"
head -c 1024 "$WORK/valid.h5" >"$WORK/trunc_1k.h5"
head -c $((size / 2)) "$WORK/valid.h5" >"$WORK/trunc_half.h5"
head -c $((size - 16)) "$WORK/valid.h5" >"$WORK/trunc_end.h5"
hdr='name: many\nstart: 2022-01\nend: 2030-12\nseed: 1\nreplicates: 1\nactors:\n'
# every ISO3 code once: 17,576 actors, whose dyads do not fit in memory
{ printf "$hdr"; awk 'BEGIN { A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (i = 0; i < 17576; i++) { c = substr(A, int(i / 676) + 1, 1) substr(A, int(i / 26) % 26 + 1, 1) substr(A, i % 26 + 1, 1);
      printf "  %s: {name: n%s}\n", c, c } }'; } >"$WORK/many_actors.yaml"
# a list of 100,000 actors cannot have distinct ISO3 codes
{ printf "$hdr"; awk 'BEGIN { A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (i = 0; i < 100000; i++) { j = i % 17576; c = substr(A, int(j / 676) + 1, 1) substr(A, int(j / 26) % 26 + 1, 1) substr(A, j % 26 + 1, 1);
      printf "  %s: {name: n%d}\n", c, i } }'; } >"$WORK/list_100000.yaml"
# inputs that are not regular files, and extends: naming them or a file that is not a scenario
mkfifo "$WORK/fifo.yaml" "$WORK/fifo.h5"
truncate -s 60G "$WORK/sparse.yaml"
printf 'root:x:SECRETWORD:0:0:::\nbin:x:1:1:::\n' >"$WORK/secret.txt"
for t in fifo:fifo.yaml dir:dir zero:/dev/zero secret:secret.txt; do
    printf 'name: x\nextends: %s\n' "${t#*:}" >"$WORK/extends_${t%%:*}.yaml"
done
cp "$BAD/files/huge_sweep.h5" "$BAD/files/sweep_no_design.h5" "$BAD/files/sweep_grid.h5" "$WORK/" # sensitivity opens sweep files for writing
exists_sum=$(md5sum <"$WORK/exists.h5")
# outputs that are never written: a FIFO, a config and its chain, a sweep spec (and links to them)
mkfifo "$WORK/fifo" "$WORK/out_fifo.h5.failed.h5"
cp "$SRC/tests/configs/sweep/small.yaml" "$WORK/own.yaml"
printf 'extends: own.yaml\nname: child\n' >"$WORK/child.yaml"
sed 's/^base: .*/base: own.yaml/' "$SRC/tests/configs/sweep/grid.yaml" >"$WORK/spec.yaml"
ln -s own.yaml "$WORK/own_link.h5"
# a calibration's inputs: its spec (extending calib_base.yaml), base, observations; a posterior
mkdir "$WORK/calib"
cp "$SRC"/tests/configs/calib/twin*.yaml "$SRC"/tests/configs/calib/twin_obs.csv "$WORK/calib/"
mv "$WORK/calib/twin_calib.yaml" "$WORK/calib/calib_base.yaml"
printf 'extends: calib_base.yaml\nname: twin_child\n' >"$WORK/calib/calib.yaml"
ln -s calib.yaml "$WORK/calib/out.h5.partial"
cp "$SRC/configs/calibration/baseline_2022_posterior.h5" "$WORK/posterior.h5"
inputs_sum=$(cat "$WORK/own.yaml" "$WORK/child.yaml" "$WORK/spec.yaml" "$WORK"/calib/* "$WORK/posterior.h5" | md5sum)
# files HDF5 itself crashes or loops on; readers must not write to them either
cp "$SRC"/tests/fuzz/known_hdf5/*.h5 "$WORK/"
known_sum=$(cat "$WORK"/crash-*.h5 "$WORK"/hang-*.h5 "$WORK"/leak-*.h5 | md5sum)

# has_all WORDS: stderr holds each tab-separated part of WORDS.
has_all() {
    local IFS=$'\t' w
    for w in $1; do grep -Fq -- "$w" "$WORK/stderr" || return 1; done
}

# run_case NAME CODE WORDS OUT -- ARGS...: one case; all checks must hold.
run_case() {
    local name=$1 code=$2 words=$3 out=$4 why=""
    shift 5
    cases=$((cases + 1))
    # a case that blocks (a FIFO read) fails instead of hanging the suite
    timeout 60 "$PACTSIM" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
    local rc=$?
    if [ "$rc" -ne "$code" ]; then why="exit $rc, expected $code"
    elif ! has_all "$words"; then why="stderr lacks '$words'"
    # a refused input gets its message only: nothing half-printed before it
    elif [ "$code" -eq 2 ] && [ -s "$WORK/stdout" ]; then why="printed to stdout: $(head -c 200 "$WORK/stdout")"
    elif [ -n "$out" ] && compgen -G "$out*" >/dev/null; then why="left $(ls "$out"*)"
    elif compgen -G "$WORK/*.tmp.*" >/dev/null; then why="left $(ls "$WORK"/*.tmp.*)"
    fi
    if [ -n "$why" ]; then
        cfail=$((cfail + 1))
        echo "FAIL: $name: $why: pactsim $*: $(head -c 400 "$WORK/stderr")" >&2
    fi
}

n=0
while IFS=$'\t' read -r name code words args; do
    case "$name" in ''|'#'*) continue ;; esac
    n=$((n + 1))
    OUT="$WORK/out_$n.h5"
    eval "set -- $args"
    # Under AddressSanitizer (tools/check-sanitizers.sh) HDF5's own fault is caught by ASan's
    # memcpy check in the reading child, which then exits with ASan's code, not by a crash.
    case "$name:${ASAN_OPTIONS:-}" in
        *_hdf5_crash:*exitcode=86*) code=86 words="AddressSanitizer: negative-size-param" ;;
    esac
    run_case "$name" "$code" "$words" "$OUT" -- "$@"
done <"$BAD/manifest.tsv"
[ "$(md5sum <"$WORK/exists.h5")" = "$exists_sum" ] || { cfail=$((cfail + 1)); echo "FAIL: exists.h5 was modified" >&2; }
[ "$(cat "$WORK/own.yaml" "$WORK/child.yaml" "$WORK/spec.yaml" "$WORK"/calib/* "$WORK/posterior.h5" | md5sum)" = "$inputs_sum" ] &&
    [ -p "$WORK/fifo" ] && [ -p "$WORK/out_fifo.h5.failed.h5" ] && [ -L "$WORK/own_link.h5" ] ||
    { cfail=$((cfail + 1)); echo "FAIL: an input, a FIFO or a link given as output was replaced" >&2; }
[ "$(cat "$WORK"/crash-*.h5 "$WORK"/hang-*.h5 "$WORK"/leak-*.h5 | md5sum)" = "$known_sum" ] ||
    { cfail=$((cfail + 1)); echo "FAIL: a damaged input file was written to" >&2; }

# Hostile files are refused in under a second within 1 GiB of address space (they declare 8 to
# 80 GiB); not under AddressSanitizer, whose shadow memory needs far more address space.
if [ -z "${ASAN_OPTIONS:-}" ]; then
    while read -r cmd a b; do
        cases=$((cases + 1))
        t0=$(date +%s%N)
        (ulimit -v 1048576; exec "$PACTSIM" $cmd $a $b) >/dev/null 2>"$WORK/stderr"
        rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
        if [ "$rc" -ne 2 ] || ! grep -Eq 'declares [0-9]+ values|expected 1 to' "$WORK/stderr" ||
            [ "$ms" -ge 1000 ]; then
            cfail=$((cfail + 1))
            echo "FAIL: hostile: pactsim $cmd $a $b: exit $rc, $ms ms: $(head -c 300 "$WORK/stderr")" >&2
        fi
    done <<EOF
info $BAD/files/huge_time.h5
info $BAD/files/huge_summary.h5
info $BAD/files/huge_events.h5
info $BAD/files/huge_summary_late.h5
compare $BAD/files/huge_summary.h5 $BAD/files/huge_summary.h5
compare $BAD/files/huge_replicates.h5 $BAD/files/huge_replicates.h5
sensitivity $WORK/huge_sweep.h5
EOF
fi
# names with terminal escapes are printed as \xNN
"$PACTSIM" info "$BAD/files/escape_names.h5" >"$WORK/stdout" 2>&1
if grep -q $'\x1b' "$WORK/stdout" || grep -q $'\x07' "$WORK/stdout" ||
    ! grep -Fq 'scenario:    \x1b]0;owned\x07' "$WORK/stdout" || ! grep -Fq 'm\x1b[2J' "$WORK/stdout"; then
    cfail=$((cfail + 1)); echo "FAIL: info printed control characters raw: $(cat -A "$WORK/stdout" | head -5)" >&2
fi
printf 'name: "\\e[31mred"\nextends: %s\n' "$C" >"$WORK/escape.yaml"
# (a name with a control character is refused since 2026-12-06: the message
# names the byte and never prints it)
"$PACTSIM" validate "$WORK/escape.yaml" >"$WORK/stdout" 2>&1
rc=$?
if [ "$rc" != 2 ] || grep -q $'\x1b' "$WORK/stdout" ||
    ! grep -Fq "name has a control character (0x1b)" "$WORK/stdout"; then
    cfail=$((cfail + 1)); echo "FAIL: validate of an escape in a name (exit $rc): $(cat -A "$WORK/stdout")" >&2
fi
cases=$((cases + 2))

# the content of a file that is not a scenario is never echoed
"$PACTSIM" validate "$WORK/extends_secret.yaml" 2>&1 | grep -q SECRETWORD &&
    { cfail=$((cfail + 1)); echo "FAIL: an error echoed secret.txt" >&2; }

while IFS=$'\t' read -r file where words; do
    case "$file" in ''|'#'*) continue ;; esac
    case "$where" in
        *.*) prefix="$CFGDIR/$where: " ;;
        *) prefix="$CFGDIR/$file:$where: " ;;
    esac
    OUT="$WORK/cfg_$file.h5"
    run_case "bad_configs/$file" 2 "$prefix"$'\t'"$words" "$OUT" -- run "$CFGDIR/$file" -o "$OUT" --quiet
done <"$CFGDIR/expected.tsv"

echo "bad inputs: $n cases in tests/bad_inputs/manifest.tsv, $((cases - n)) in tests/bad_configs"
echo "$((cases - cfail)) passed, $cfail failed"
[ "$cfail" -eq 0 ] && [ "$cases" -ge 50 ]

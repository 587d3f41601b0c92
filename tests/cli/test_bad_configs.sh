# Every bad config in tests/bad_configs: `pactsim run` and `pactsim validate`
# answer with file:line:col and the expected words, exit 2, and leave no output.
. "$(dirname "$0")/lib.sh"
DIR="$SRC/tests/bad_configs"
n=0
# expect_fixed CODE -- CMD...: exit code, and stderr holds $prefix and $words verbatim.
expect_fixed() {
    local code=$1
    shift 2
    "$@" >"$WORK/out" 2>"$WORK/err"
    local rc=$?
    if [ "$rc" -ne "$code" ]; then bad "$* exited $rc, expected $code: $(head -c 300 "$WORK/err")"
    elif ! grep -Fq -- "$prefix" "$WORK/err"; then bad "$*: no '$prefix' in: $(head -c 300 "$WORK/err")"
    elif ! grep -Fq -- "$words" "$WORK/err"; then bad "$*: no '$words' in: $(head -c 300 "$WORK/err")"
    else ok; fi
}
while IFS=$'\t' read -r file where words; do
    case "$file" in ''|'#'*) continue ;; esac
    n=$((n + 1))
    case "$where" in
        *.*) prefix="$DIR/$where: " ;;        # the error is in a file it extends
        *) prefix="$DIR/$file:$where: " ;;
    esac
    OUT="$WORK/bad_$n.h5"
    expect_fixed 2 -- "$PACTSIM" run "$DIR/$file" -o "$OUT" --quiet
    expect_no_file "$OUT"
    expect_fixed 2 -- "$PACTSIM" validate "$DIR/$file"
done < "$DIR/expected.tsv"
[ "$n" -ge 15 ] && ok || bad "only $n bad configs in the catalogue"
# validate --no-step builds no world: a file error still fails, while what only the
# models see in the initial state (GDP below its own crude revenue) passes, with a note.
expect_exit 2 "01_syntax.yaml:8:6" -- "$PACTSIM" validate "$DIR/01_syntax.yaml" --no-step
expect_exit 0 "note: --no-step: no world was built" -- \
    "$PACTSIM" validate "$DIR/65_gdp_below_oil_revenue.yaml" --no-step
expect_exit 2 "65_gdp_below_oil_revenue.yaml:10:28" -- \
    "$PACTSIM" validate "$DIR/65_gdp_below_oil_revenue.yaml"
echo "bad configs checked: $n"
finish

# Every command listed by `pactsim --help` answers `pactsim NAME --help` (and -h,
# also after other arguments) with its own usage, options and exit status, on
# stdout, exit 0: not the global help. A command added to main.c's table is
# checked here without a change to this test.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "^Commands:" -- "$PACTSIM" --help
# --version (and /provenance) name the commit built, even after an incremental
# build (build_info.c is rewritten at every build); "-dirty" may differ.
if rev=$(git -C "$SRC" rev-parse --short=12 HEAD 2>/dev/null); then
    "$PACTSIM" --version | grep -q "git $rev" && ok ||
        bad "--version names another commit than $rev: $("$PACTSIM" --version)"
fi
names=$(awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' "$WORK/out")
count=$(echo "$names" | wc -w)
# the commands pactsim had when this test was written; more may join
for must in run validate config info sweep slurm compare sensitivity; do
    echo "$names" | grep -qx "$must" && ok || bad "'$must' is not listed by pactsim --help"
done
for name in $names; do
    for flag in --help -h; do
        "$PACTSIM" "$name" "$flag" >"$WORK/out" 2>"$WORK/err"
        rc=$?
        if [ "$rc" -ne 0 ]; then bad "$name $flag exited $rc: $(head -c 300 "$WORK/err")"
        elif [ -s "$WORK/err" ]; then bad "$name $flag wrote to stderr: $(head -c 300 "$WORK/err")"
        elif ! head -1 "$WORK/out" | grep -q "^Usage: pactsim $name "; then
            bad "$name $flag: first line is not 'Usage: pactsim $name ...': $(head -1 "$WORK/out")"
        elif grep -q "^Commands:" "$WORK/out"; then bad "$name $flag printed the global help"
        elif ! grep -q "^Exit status: 0 " "$WORK/out"; then bad "$name $flag: no exit status"
        elif ! grep -Eq "^ +(-[a-zA-Z], )?--[a-z]" "$WORK/out"; then bad "$name $flag: no options"
        else ok; fi
    done
    # help also after other arguments, and it does no work (no file written)
    (cd "$WORK" && "$PACTSIM" "$name" no_such_input.yaml --help >"$WORK/out" 2>&1)
    [ $? -eq 0 ] && head -1 "$WORK/out" | grep -q "^Usage: pactsim $name " && ok ||
        bad "$name FILE --help: $(head -c 300 "$WORK/out")"
done
# every option a command accepts is in its help: each --long in the help parses
# (no "unknown option"), checked by giving it a value it will reject or not need
for name in $names; do
    "$PACTSIM" "$name" --help >"$WORK/help"
    for opt in $(grep -Eo -- "--[a-z][a-z-]+" "$WORK/help" | sort -u); do
        [ "$opt" = --help ] && continue
        "$PACTSIM" "$name" "$opt" >"$WORK/out" 2>"$WORK/err" </dev/null
        grep -q "unknown option '$opt'" "$WORK/err" && bad "$name: its help names $opt, which it rejects" || ok
    done
done
# the usage errors point to the command's own help
expect_exit 2 "Try 'pactsim run --help'" -- "$PACTSIM" run --bogus
expect_exit 2 "Try 'pactsim info --help'" -- "$PACTSIM" info
expect_exit 2 "Try 'pactsim sweep --help'" -- "$PACTSIM" sweep --bogus
expect_exit 2 "Try 'pactsim --help'" -- "$PACTSIM" frobnicate
echo "help checked for $count commands: $(echo $names)"
finish

# Command-line usage: help, version, and every bad option answered with the
# option's name, exit 2 and no output file.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/configs/baseline_2022.yaml"
OUT="$WORK/out.h5"

expect_exit 0 "Usage: pactsim" -- "$PACTSIM" --help
expect_exit 0 "Exit status" -- "$PACTSIM" --help
expect_exit 0 "^pactsim [0-9]+\.[0-9]+\.[0-9]+" -- "$PACTSIM" --version
expect_exit 2 "missing COMMAND" -- "$PACTSIM"
expect_exit 2 "unknown command 'frobnicate'" -- "$PACTSIM" frobnicate
expect_exit 2 "unknown option '--bogus'" -- "$PACTSIM" run "$CFG" -o "$OUT" --bogus
expect_exit 2 "option --replicates: expected an integer" -- "$PACTSIM" run "$CFG" -o "$OUT" --replicates 0
expect_exit 2 "option --replicates: expected an integer" -- "$PACTSIM" run "$CFG" -o "$OUT" --replicates 3x
expect_exit 2 "option --seed: expected a non-negative integer" -- "$PACTSIM" run "$CFG" -o "$OUT" --seed -5
expect_exit 2 "option --threads: expected an integer" -- "$PACTSIM" run "$CFG" -o "$OUT" --threads 0
expect_exit 2 "option --threads: expected an integer" -- "$PACTSIM" run "$CFG" -o "$OUT" --threads many
expect_exit 2 "option --set: expected KEY=VALUE" -- "$PACTSIM" run "$CFG" -o "$OUT" --set seed
expect_exit 2 "option --set" -- "$PACTSIM" run "$CFG" -o "$OUT" --set parameters.economy.no_such=1
expect_exit 2 "option --set" -- "$PACTSIM" run "$CFG" -o "$OUT" --set parameters.economy.lend_share=7
expect_exit 2 "missing its value" -- "$PACTSIM" run "$CFG" -o
expect_exit 2 "expected one CONFIG" -- "$PACTSIM" run -o "$OUT"
expect_exit 2 "expected one CONFIG" -- "$PACTSIM" run "$CFG" "$CFG" -o "$OUT"
expect_exit 2 "no_such.yaml" -- "$PACTSIM" run "$WORK/no_such.yaml" -o "$OUT"
expect_exit 2 "unknown model 'nosuch'" -- "$PACTSIM" config explain nosuch
expect_exit 2 "config explain" -- "$PACTSIM" config frob
expect_no_file "$OUT"
# run, validate, config and info share one option parser, and each accepts exactly the
# options its help names: one meant for another of them is refused, not ignored.
all=$(for c in run validate config info; do "$PACTSIM" "$c" --help; done |
      grep -Eo -- "--[a-z][a-z-]+" | sort -u | grep -vx -- --help)
refused=0
for c in run validate config info; do
    "$PACTSIM" "$c" --help >"$WORK/help"
    for opt in $all; do
        grep -Eq -- "$opt([^a-z-]|\$)" "$WORK/help" && continue
        refused=$((refused + 1))
        expect_exit 2 "option $opt: not an option of '$c'" -- "$PACTSIM" "$c" "$CFG" "$opt" x
    done
done
[ "$refused" -ge 30 ] && ok || bad "only $refused foreign options tried"
expect_exit 2 "option --threads: not an option of 'validate'" -- "$PACTSIM" validate "$CFG" -t 2
# The other commands have parsers of their own; the same rule holds for them: an
# option their help does not list is refused as unknown (exit 2), and every
# option their help lists is taken (it may then fail on its value or on the
# missing file, never as unknown). NOFILE keeps them from doing anything.
NOFILE="$WORK/no_such_dir/none.h5"
cmds="run validate config info sweep calibrate score compare sensitivity slurm"
every=$(for c in $cmds; do "$PACTSIM" "$c" --help; done |
        grep -Eo -- "--[a-z][a-z-]+" | sort -u | grep -vx -- --help)
tried=0
for c in sweep calibrate score compare sensitivity slurm; do
    "$PACTSIM" "$c" --help >"$WORK/help" || bad "$c --help exited $?"
    own=$(grep -Eo -- "--[a-z][a-z-]+" "$WORK/help" | sort -u | grep -vx -- --help)
    [ -n "$own" ] || bad "$c --help lists no option"
    for opt in $every; do
        if printf '%s\n' $own | grep -qx -- "$opt"; then
            "$PACTSIM" "$c" "$opt" x "$NOFILE" "$NOFILE" >"$WORK/out" 2>"$WORK/err"
            if grep -q "unknown option" "$WORK/err"; then
                bad "$c refuses $opt, which its help lists: $(head -c 300 "$WORK/err")"
            else
                ok
            fi
        else
            tried=$((tried + 1))
            expect_exit 2 "$c: unknown option '$opt'" -- "$PACTSIM" "$c" "$opt" x "$NOFILE"
        fi
    done
done
# A flag (an option that takes no value: no metavar after it in the help) given one,
# '--force=1', is refused as such by every command, not as an unknown option.
flags=0
for c in $cmds; do
    for opt in $("$PACTSIM" "$c" --help |
                 sed -nE 's/^ +(-[a-zA-Z], )?(--[a-z][a-z-]+)( {2,}.*)?$/\2/p' | grep -vx -- --help); do
        flags=$((flags + 1))
        expect_exit 2 "option $opt: takes no value; expected $opt alone, got '$opt=1'" -- \
            "$PACTSIM" "$c" "$opt=1" "$NOFILE"
    done
done
[ "$flags" -ge 19 ] && ok || bad "only $flags flags tried"
# Long options by their whole names only: glibc's getopt_long also takes any
# unique prefix, which read slurm's --set as its --setup and --thread as --threads.
expect_exit 2 "slurm: unknown option '--set'" -- "$PACTSIM" slurm --set x "$NOFILE"
expect_exit 2 "unknown option '--thread'" -- "$PACTSIM" run "$CFG" -o "$OUT" --thread 2
expect_exit 2 "unknown option '--rep=3'" -- "$PACTSIM" run "$CFG" -o "$OUT" --rep=3
expect_exit 2 "sweep: unknown option '--outp'" -- "$PACTSIM" sweep "$CFG" --outp
expect_exit 2 "option --threads: expected an integer" -- "$PACTSIM" run "$CFG" -o "$OUT" --threads=0
# ... but a value that begins with "--" is a value, not an abbreviation.
(cd "$WORK" && "$PACTSIM" run "$CFG" --set end=2022-02 -r 1 -q -o --dash.h5 2>"$WORK/err") &&
    [ -f "$WORK/--dash.h5" ] && ok || bad "run -o --dash.h5: $(head -c 300 "$WORK/err")"
rm -f -- "$WORK/--dash.h5"
[ "$tried" -ge 200 ] && ok || bad "only $tried foreign options tried on the other commands"
[ ! -e "$WORK/no_such_dir" ] && ok || bad "a refused or failed command created $WORK/no_such_dir"
expect_no_file "$OUT"
finish

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
expect_no_file "$OUT"
finish

# The documentation made from the models' tables is current: docs/parameters.md
# (every parameter, field and event type, with its default, bounds and source)
# and the data-flow block of docs/architecture.md (the models' declared reads).
# A changed default, bound, unit or description that the docs do not show fails
# here (tools/gen-docs.sh regenerates both). Its own test, fast, so that
# tools/mutate.py runs it with the unit tests.
. "$(dirname "$0")/lib.sh"
if "$PACTSIM" config explain --markdown | diff -q - "$SRC/docs/parameters.md" >/dev/null; then ok
else bad "docs/parameters.md is stale: regenerate with 'tools/gen-docs.sh'"; fi
# So is the data-flow block of docs/architecture.md (from the models' declared inputs).
expect_exit 0 "sanctions -->" -- "$PACTSIM" config dataflow
if "$PACTSIM" config dataflow | diff -q - <(sed -n '/<!-- dataflow:begin -->/,/<!-- dataflow:end -->/p' \
        "$SRC/docs/architecture.md" | sed '1d;$d') >/dev/null; then ok
else bad "docs/architecture.md's data flow is stale: regenerate with 'tools/gen-docs.sh'"; fi
finish

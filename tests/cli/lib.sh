# Shared helpers for CLI tests: each test sources this, calls expect_* and ends with finish.
PACTSIM=${1:?usage: test.sh PACTSIM SOURCE_DIR}
SRC=${2:?usage: test.sh PACTSIM SOURCE_DIR}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
pass=0
failed=0
ok() { pass=$((pass + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# expect_exit CODE PATTERN -- CMD...: exit code and a stderr pattern (grep -E).
expect_exit() {
    local code=$1 pattern=$2
    shift 3
    "$@" >"$WORK/out" 2>"$WORK/err"
    local rc=$?
    if [ "$rc" -ne "$code" ]; then
        bad "$* exited $rc, expected $code; stderr: $(head -c 400 "$WORK/err")"
    elif [ -n "$pattern" ] && ! grep -Eq -- "$pattern" "$WORK/err" "$WORK/out"; then
        bad "$* output lacks /$pattern/: $(head -c 400 "$WORK/err")"
    else
        ok
    fi
}

expect_no_file() {
    if compgen -G "$1*" >/dev/null; then bad "file left behind: $(ls "$1"*)"; else ok; fi
}

finish() {
    echo "$pass passed, $failed failed"
    [ "$failed" -eq 0 ]
}

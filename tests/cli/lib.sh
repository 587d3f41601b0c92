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

# wait_or_kill PID SECONDS WHAT: wait for the background PID; if it is still
# running after SECONDS, say so with its process tree, kill it and its
# children (SIGKILL) and return 1. A hung launcher (OpenMPI's mpirun after its
# ranks were killed) then costs a bounded time, never CI's whole clock.
wait_or_kill() {
    local pid=$1 secs=$2 what=$3 i
    for ((i = 0; i < secs * 10; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null
            return 0
        fi
        sleep 0.1
    done
    echo "note: $what: still running after $secs s; killed: $(ps -o pid=,stat=,args= --ppid "$pid" -p "$pid" 2>/dev/null | tr '\n' ';')" >&2
    pkill -9 -P "$pid" 2>/dev/null
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 1
}

# flip_byte FILE OFFSET: damage FILE by inverting the bits of one byte, which always changes it
# (writing a fixed byte did nothing when the byte already had that value, and a test that expected
# the damage to be found then failed now and then).
flip_byte() {
    /usr/bin/python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xFF]))' "$1" "$2"
}

expect_no_file() {
    if compgen -G "$1*" >/dev/null; then bad "file left behind: $(ls "$1"*)"; else ok; fi
}

finish() {
    echo "$pass passed, $failed failed"
    [ "$failed" -eq 0 ]
}

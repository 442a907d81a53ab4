# shellcheck shell=bash
# Helpers for the shell tests of examples/ and packaging/: start a real ssebufd on a free
# port, assert, clean up. Sourced by bash scripts; every wait is bounded.

set -euo pipefail

SKIP=77 # ctest SKIP_RETURN_CODE: a tool the test needs is not installed
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ssebuf-test.XXXXXX")
SSEBUFD_PID=
declare -a CLEANUP_PIDS=()
failures=0
checks=0

cleanup() {
    local pid
    for pid in "${CLEANUP_PIDS[@]}" $SSEBUFD_PID; do
        kill "$pid" 2>/dev/null || true
    done
    rm -rf "$TEST_TMP"
}
trap cleanup EXIT

need_tool() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "SKIP: $1 is not installed (Debian package: $2)"
        exit $SKIP
    fi
}

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

check() { # check DESCRIPTION COMMAND...: one assertion
    checks=$((checks + 1))
    if "${@:2}"; then
        echo "ok: $1"
    else
        fail "$1"
    fi
}

contains() { grep -qE -- "$2" <<<"$1"; }
equals() { [ "$1" = "$2" ]; }

# Prints "N passed, N failed" and exits non-zero on any failure.
finish() {
    if [ "$failures" -gt 0 ] && [ -f "$TEST_TMP/ssebufd.err" ]; then
        echo "--- ssebufd's standard error (last 40 lines):"
        tail -n 40 "$TEST_TMP/ssebufd.err"
    fi
    echo "$((checks - failures)) passed, $failures failed"
    [ "$failures" -eq 0 ]
}

# start_ssebufd BINARY [ARGS...]: starts ssebufd on 127.0.0.1:0 (unless ARGS name a
# --listen, SSEBUF_LISTEN is set, or START_WITHOUT_LISTEN=1 leaves it to a config), waits up to 15 s for its "listening on" line, and sets
# SSEBUF_URL and SSEBUFD_PID. Its output goes on to $TEST_TMP/ssebufd.log.
start_ssebufd() {
    local binary=$1 line deadline
    shift
    local listen=(--listen 127.0.0.1:0)
    if [[ " $* " == *" --listen "* || -n "${SSEBUF_LISTEN:-}" || -n "${START_WITHOUT_LISTEN:-}" ]]; then
        listen=()
    fi
    rm -f "$TEST_TMP/ssebufd.out"
    mkfifo "$TEST_TMP/ssebufd.out"
    "$binary" "${listen[@]}" "$@" >"$TEST_TMP/ssebufd.out" 2>"$TEST_TMP/ssebufd.err" &
    SSEBUFD_PID=$!
    exec 3<"$TEST_TMP/ssebufd.out"
    SSEBUF_URL=
    deadline=$((SECONDS + 15))
    while [ $SECONDS -lt $deadline ] && IFS= read -r -t 15 -u 3 line; do
        echo "$line" >>"$TEST_TMP/ssebufd.log"
        if [[ $line =~ listening\ on\ (http://[^[:space:]]+) ]]; then
            SSEBUF_URL=${BASH_REMATCH[1]}
            break
        fi
    done
    if [ -z "$SSEBUF_URL" ]; then
        echo "ssebufd did not report listening; stderr:" >&2
        cat "$TEST_TMP/ssebufd.err" >&2
        exit 1
    fi
    # Keep draining its stdout so it never blocks on a full pipe.
    cat <&3 >>"$TEST_TMP/ssebufd.log" &
    CLEANUP_PIDS+=($!)
    exec 3<&-
    export SSEBUF_URL
    echo "ssebufd $SSEBUFD_PID listening on $SSEBUF_URL"
}

# stop_ssebufd: SIGTERM, then wait up to 15 s; sets SSEBUFD_EXIT to the exit status
# (137 when it had to be killed). Call it from the test's main shell, not a subshell.
stop_ssebufd() {
    local pid=$SSEBUFD_PID status=0
    [ -n "$pid" ] || return 0
    if ! kill -TERM "$pid" 2>/dev/null; then
        echo "ssebufd had already exited" >&2
    fi
    # Bounded wait for the exit (tail polls the pid); then collect its status.
    if ! timeout 15 tail --pid="$pid" -s 0.1 -f /dev/null; then
        echo "ssebufd did not exit within 15 s of SIGTERM" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" || status=$?
    SSEBUFD_PID=
    # shellcheck disable=SC2034 # read by the tests
    SSEBUFD_EXIT=$status
}

# now_ms: wall-clock milliseconds since the epoch.
now_ms() { date +%s%3N; }

# iso_ms ISO-8601-TIMESTAMP: the same instant in milliseconds since the epoch.
iso_ms() { date -d "$1" +%s%3N; }

# json_field JSON NAME: the value of a top-level string, number or boolean field.
json_field() {
    jq -r --arg name "$2" '.[$name] | if . == null then "" else tostring end' <<<"$1"
}

#!/bin/sh
# The late-connection flow of a backend: start a session, do other work first (a Spring
# backend saves the conversation to its database here), then connect to the stream. The
# events produced in between, such as the greeting to "hello" that comes within 300 ms,
# were buffered by ssebufd and arrive first.
#
# Usage: late-connection.sh [BASE_URL [PROMPT [LATE_SECONDS]]]
#   BASE_URL      default $SSEBUF_URL or http://127.0.0.1:8000
#   PROMPT        default "hello"
#   LATE_SECONDS  how long to wait before connecting, default 2
set -eu
. "$(dirname "$0")/ssebuf.sh"

base=${1:-${SSEBUF_URL:-http://127.0.0.1:8000}}
prompt=${2:-hello}
late=${3:-2}

session_id=$(ssebuf_start "$base" demo_user "$prompt")
echo "started $session_id"

# Stand-in for the backend's own work before it connects: the deliberate late connection.
sleep "$late"

echo "connecting $late s late"
status=0
ssebuf_stream "$base" "$session_id" || status=$?
if [ "$status" -ne 0 ]; then
    echo "stream ended before the terminal event" >&2
    exit 1
fi

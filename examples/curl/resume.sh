#!/bin/sh
# Resuming with Last-Event-ID: read the first events of a long session, lose the
# connection, reconnect with the id of the last event received, and get exactly the
# events after it — none twice, none missing — up to the terminal event. Resuming a
# finished session from its last id answers 204, which tells a client to stop.
#
# Usage: resume.sh [BASE_URL [PROMPT [DROP_AFTER]]]
#   BASE_URL    default $SSEBUF_URL or http://127.0.0.1:8000
#   PROMPT      default "refactor the billing module"
#   DROP_AFTER  events to read before dropping the connection, default 2
set -eu
. "$(dirname "$0")/ssebuf.sh"

base=${1:-${SSEBUF_URL:-http://127.0.0.1:8000}}
prompt=${2:-refactor the billing module}
drop_after=${3:-2}

session_id=$(ssebuf_start "$base" demo_user "$prompt")
echo "started $session_id"

status=0
first=$(ssebuf_stream "$base" "$session_id" "" "$drop_after") || status=$?
printf '%s\n' "$first"
if [ "$status" -eq 0 ]; then
    echo "the session ended within $drop_after events; nothing to resume"
    exit 0
fi
last_id=$(printf '%s\n' "$first" | sed -n 's/^event \([0-9][0-9]*\) .*/\1/p' | tail -n 1)
echo "dropped after event $last_id; resuming with Last-Event-ID: $last_id"

status=0
rest=$(ssebuf_stream "$base" "$session_id" "$last_id") || status=$?
printf '%s\n' "$rest"
if [ "$status" -ne 0 ]; then
    echo "stream ended before the terminal event" >&2
    exit 1
fi

final_id=$(printf '%s\n' "$rest" | sed -n 's/^terminal \([0-9][0-9]*\)$/\1/p')
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 \
    -H "Last-Event-ID: $final_id" "$base/api/refactor/$session_id/sse")
echo "resume after the terminal event: HTTP $code"

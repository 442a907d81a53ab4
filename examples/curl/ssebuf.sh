# shellcheck shell=sh
# Shell functions for talking to ssebufd with curl; sourced by the example scripts.
# POSIX sh; needs curl and sed only.

# ssebuf_start BASE_URL USER_ID PROMPT
# Starts a session and prints its session_id. The prompt must not contain '"' or '\'
# (this example builds the JSON by hand; real clients use a JSON library).
ssebuf_start() {
    _response=$(curl -sS --fail-with-body --max-time 10 \
        -H 'Content-Type: application/json' \
        --data "{\"user_id\": \"$2\", \"user_prompt\": \"$3\", \"mode\": \"autonomous\"}" \
        "$1/api/refactor") || {
        echo "POST /api/refactor failed: $_response" >&2
        return 1
    }
    _session_id=$(printf '%s\n' "$_response" | sed -n 's/.*"session_id" *: *"\([^"]*\)".*/\1/p')
    if [ -z "$_session_id" ]; then
        echo "no session_id in: $_response" >&2
        return 1
    fi
    printf '%s\n' "$_session_id"
}

# ssebuf_read_events MAX < sse-stream
# Reads a Server-Sent Events stream and prints one line per event:
#   event ID JSON     an event (ID is its seq)
#   gap JSON          events the client asked for were evicted before it came
#   terminal ID       after the session's terminal event ("final": true)
# Stops after the terminal event (status 0), or after MAX events when MAX > 0
# (status 2). Status 1: the stream ended before the terminal event, so resume.
ssebuf_read_events() {
    _max=${1:-0}
    _count=0
    _id=
    _data=
    _cr=$(printf '\r')
    while IFS= read -r _line || [ -n "$_line" ]; do
        _line=${_line%"$_cr"}
        case $_line in
        '')
            if [ -n "$_data" ]; then
                if [ -n "$_id" ]; then
                    printf 'event %s %s\n' "$_id" "$_data"
                    _count=$((_count + 1))
                else
                    printf 'gap %s\n' "$_data"
                fi
                case $_data in
                *'"final":true'* | *'"final": true'*)
                    printf 'terminal %s\n' "$_id"
                    return 0
                    ;;
                esac
                if [ "$_max" -gt 0 ] && [ "$_count" -ge "$_max" ]; then
                    return 2
                fi
            fi
            _id=
            _data=
            ;;
        id:*)
            _id=${_line#id:}
            _id=${_id# }
            ;;
        data:*)
            _value=${_line#data:}
            _data=${_data:+$_data }${_value# }
            ;;
        # ": keepalive" comments and the "retry:" field need no action here.
        *) ;;
        esac
    done
    return 1
}

# ssebuf_stream BASE_URL SESSION_ID [LAST_EVENT_ID [MAX]]
# Streams a session from the start, or from after LAST_EVENT_ID; see ssebuf_read_events.
# curl is bounded by --max-time; the server ends the response after the terminal event.
ssebuf_stream() {
    if [ -n "${3:-}" ]; then
        curl -sS -N --fail --max-time "${SSEBUF_STREAM_TIMEOUT:-120}" \
            -H 'Accept: text/event-stream' -H "Last-Event-ID: $3" \
            "$1/api/refactor/$2/sse" | ssebuf_read_events "${4:-0}"
    else
        curl -sS -N --fail --max-time "${SSEBUF_STREAM_TIMEOUT:-120}" \
            -H 'Accept: text/event-stream' \
            "$1/api/refactor/$2/sse" | ssebuf_read_events "${4:-0}"
    fi
}

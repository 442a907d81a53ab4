#!/bin/bash
# Runs examples/python against a real ssebufd (--pipeline external): an answer streamed token
# by token over one NDJSON request arrives event by event while the request is open; a
# producer whose connection dropped sends everything again with the same idempotency keys and
# every event is delivered once; a cancel stops the open stream with 409 "cancelled".
# Usage: test-python-example.sh SSEBUFD_BINARY SOURCE_DIR
. "$(dirname "$0")/harness.sh"
ssebufd=$1
example=$2/examples/python/stream_answer.py
need_tool python3 python3

start_ssebufd "$ssebufd" --pipeline external
run_example() { timeout 60 python3 "$example" --base-url "$SSEBUF_URL" "$@"; }

echo "--- stream: 10 tokens, 50 ms apart, one chunked NDJSON request"
status=0
out=$(run_example --tokens 10 --delay-ms 50) || status=$?
echo "$out"
check "exits 0" equals "$status" 0
check "started a session" contains "$out" '^started session_[0-9]{8}_[0-9]{6}_[0-9a-f]{32}$'
check "the request answered 201 with the 11 events it appended" \
    contains "$out" '^answered \{"count": 11, "duplicates": 0, "first_seq": 1, "last_seq": 11\}$'
check "every token once, in order, then the final answer" \
    contains "$out" '^delivered 11 events, seqs in order without gaps: True, each token once: True, final: answer$'
spread=$(sed -n 's/^first event appended \([0-9]*\) ms before the last$/\1/p' <<<"$out")
check "events were appended as their lines came (over >= 400 ms), not at the end" \
    test "${spread:-0}" -ge 400

echo "--- retry: the connection drops after 4 events, the answer is sent again"
status=0
out=$(run_example --tokens 10 --delay-ms 10 --drop-after 4) || status=$?
echo "$out"
check "exits 0" equals "$status" 0
check "the first connection dropped after 4 events" contains "$out" '^connection dropped after 4 events'
check "the retry appended the 7 missing events and skipped the 4 duplicates" \
    contains "$out" '^retry answered \{"count": 7, "duplicates": 4, "first_seq": 5, "last_seq": 11\}$'
check "every event delivered exactly once, in order" \
    contains "$out" '^delivered 11 events, seqs in order without gaps: True, each token once: True, final: answer$'

echo "--- cancel: the user presses Stop after 3 events"
status=0
out=$(run_example --tokens 40 --delay-ms 50 --cancel-after 3) || status=$?
echo "$out"
check "exits 0" equals "$status" 0
check "the cancel answered 200 with the seq of the cancelled event" \
    contains "$out" '^cancel answered \{"seq": [0-9]+\}$'
check "the open stream was answered 409 cancelled at once" \
    contains "$out" '^stream answered 409 reason=cancelled$'
check "the session ended with the service's cancelled event" \
    contains "$(grep '^event ' <<<"$out" | tail -n 1)" 'type=cancelled status=failed'
check "fewer tokens than the answer had" \
    test "$(grep -c '^event .*type=token' <<<"$out")" -lt 40

stop_ssebufd
check "ssebufd exits 0 on SIGTERM" equals "$SSEBUFD_EXIT" 0
finish

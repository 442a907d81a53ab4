#!/bin/bash
# Runs examples/curl against a real ssebufd: a late connection still gets the greeting,
# a dropped stream resumes with Last-Event-ID without gaps or duplicates, and the client
# stops on the terminal event.
# Usage: test-curl-examples.sh SSEBUFD_BINARY SOURCE_DIR
. "$(dirname "$0")/harness.sh"
ssebufd=$1
examples=$2/examples/curl
need_tool curl curl
need_tool jq jq

start_ssebufd "$ssebufd" --pipeline demo --demo-step-ms 100

echo "--- late connection: POST hello, connect 2 s later"
before=$(now_ms)
status=0
out=$("$examples/late-connection.sh" "$SSEBUF_URL" hello 2) || status=$?
echo "$out"
check "late-connection.sh exits 0" equals "$status" 0
check "a session id of the contract's form" \
    contains "$out" '^started session_[0-9]{8}_[0-9]{6}_[0-9a-f]{32}$'
check "exactly one event, then the terminal marker" \
    equals "$(grep -cE '^(event|gap) ' <<<"$out")" 1
greeting=$(sed -n 's/^event 1 //p' <<<"$out")
check "event 1 is the greeting" equals "$(json_field "$greeting" type)" greeting
check "the greeting is completed" equals "$(json_field "$greeting" status)" completed
check "the greeting is final" equals "$(json_field "$greeting" final)" true
check "the greeting carries its seq" equals "$(json_field "$greeting" seq)" 1
check "the greeting has a message" contains "$(json_field "$greeting" message)" '.'
check "the client stopped on the terminal event" contains "$out" '^terminal 1$'
# The greeting was produced long before the client connected (2 s after the POST): it came
# from the buffer, not live.
produced=$(iso_ms "$(json_field "$greeting" timestamp)")
check "the greeting was produced within 1 s of the POST, before the late connection" \
    test $((produced - before)) -lt 1000

echo "--- resume: read 2 events, drop, resume with Last-Event-ID"
status=0
out=$("$examples/resume.sh" "$SSEBUF_URL" "refactor the billing module" 2) || status=$?
echo "$out"
check "resume.sh exits 0" equals "$status" 0
ids=$(sed -n 's/^event \([0-9][0-9]*\) .*/\1/p' <<<"$out" | tr '\n' ' ')
last=$(sed -n 's/^terminal \([0-9][0-9]*\)$/\1/p' <<<"$out")
check "a refactoring session has progress events and a terminal one" test "${last:-0}" -ge 3
check "ids 1..$last each once, in order, across the two connections" \
    equals "$ids" "$(seq -s ' ' 1 "${last:-0}") "
check "the first connection was dropped after event 2" \
    contains "$out" '^dropped after event 2; resuming with Last-Event-ID: 2$'
check "events before the terminal one are progress events" \
    equals "$(grep -E '^event [0-9]+ ' <<<"$out" | grep -v '"final": *true' | grep -vc '"type": *"progress"')" 0
terminal=$(sed -n "s/^event $last //p" <<<"$out")
check "the terminal event is completed" equals "$(json_field "$terminal" status)" completed
check "the terminal event is final" equals "$(json_field "$terminal" final)" true
check "resuming after the terminal event answers 204" \
    contains "$out" '^resume after the terminal event: HTTP 204$'

stop_ssebufd
check "ssebufd exits 0 on SIGTERM" equals "$SSEBUFD_EXIT" 0
finish

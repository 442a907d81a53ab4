#!/bin/bash
# Compiles examples/java with the JDK's javac and runs it against a real ssebufd: the
# Spring-style late connection (start, save to the database, then stream) gets the
# greeting, a dropped stream resumes with Last-Event-ID, and a Stop cancels the session.
# Usage: test-java-example.sh SSEBUFD_BINARY SOURCE_DIR CLASSES_DIR
. "$(dirname "$0")/harness.sh"
ssebufd=$1
sources=$2/examples/java/src
classes=$3
need_tool javac openjdk-17-jdk-headless
need_tool java openjdk-17-jre-headless

rm -rf "$classes"
mkdir -p "$classes"
mapfile -t files < <(find "$sources" -name '*.java')
javac -Xlint:all -Werror -d "$classes" "${files[@]}"
check "the example compiles with javac, without warnings" test -f "$classes/com/example/ssebuf/LateConnectionExample.class"

start_ssebufd "$ssebufd" --pipeline demo --demo-step-ms 100
run_example() {
    timeout 90 java -cp "$classes" com.example.ssebuf.LateConnectionExample \
        --base-url "$SSEBUF_URL" --timeout-s 60 "$@"
}

# One scenario: prints its title, runs the example with the arguments and checks it exits 0;
# its output is left in $out.
scenario() {
    local title=$1 status=0
    shift
    echo "--- $title"
    out=$(run_example "$@") || status=$?
    echo "$out"
    check "exits 0" equals "$status" 0
}

scenario "late connection: hello, database write of 2 s before streaming" \
    --prompt hello --db-delay-ms 2000
check "started a session" contains "$out" '^started session_[0-9]{8}_[0-9]{6}_[0-9a-f]{32}$'
connected_after=$(sed -n 's/^saved conversation 1, connecting \([0-9]*\) ms after start$/\1/p' <<<"$out")
check "connected at least 2 s after the start" test "${connected_after:-0}" -ge 2000
check "received the buffered greeting as event 1" \
    contains "$out" '^event seq=1 type=greeting status=completed final=true message=.+'
check "received nothing else" equals "$(grep -c '^event ' <<<"$out")" 1
check "stopped on the terminal event, one connection, stored in order" \
    contains "$out" '^finished status=completed last_seq=1 stored=1 connections=1 in_order=true$'

scenario "resume: refactoring prompt, first connection closed after 2 events" \
    --prompt "refactor the billing module" --db-delay-ms 300 --drop-after 2
check "reconnected with Last-Event-ID: 2" contains "$out" '^reconnecting with Last-Event-ID: 2 '
last=$(sed -n 's/^finished status=completed last_seq=\([0-9]*\) .*/\1/p' <<<"$out")
check "the session ran to a completed terminal event after progress events" test "${last:-0}" -ge 3
seqs=$(sed -n 's/^event seq=\([0-9]*\) .*/\1/p' <<<"$out" | tr '\n' ' ')
check "events 1..$last each once, in order" equals "$seqs" "$(seq -s ' ' 1 "${last:-0}") "
check "events before the terminal one are running progress events" \
    equals "$(grep '^event ' <<<"$out" | grep -c 'type=progress status=running .*final=false')" \
    "$((${last:-0} - 1))"
check "the last event is the terminal one" \
    contains "$(grep '^event ' <<<"$out" | tail -n 1)" "^event seq=$last .* status=completed .*final=true"
check "two connections, every event stored in order" \
    contains "$out" "^finished status=completed last_seq=$last stored=$last connections=2 in_order=true$"

scenario "cancel: refactoring prompt, Stop pressed after 2 events" \
    --prompt "refactor the billing module" --db-delay-ms 0 --cancel-after 2
cancelled=$(sed -n 's/^cancelled, terminal event seq=\([0-9]*\)$/\1/p' <<<"$out")
check "cancel answered with the seq of the terminal event, after the 2 events" \
    test "${cancelled:-0}" -ge 3
check "the stream ended with the service's cancelled event" \
    contains "$(grep '^event ' <<<"$out" | tail -n 1)" \
    "^event seq=$cancelled type=cancelled status=failed final=true message=the user pressed Stop$"
check "every event once, in order, on one connection" \
    contains "$out" "^finished status=failed last_seq=$cancelled stored=$cancelled connections=1 in_order=true$"
check "a second cancel is refused: the session has ended" \
    contains "$out" '^second cancel answered 409$'

stop_ssebufd
check "ssebufd exits 0 on SIGTERM" equals "$SSEBUFD_EXIT" 0
finish

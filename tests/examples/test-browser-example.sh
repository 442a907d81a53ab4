#!/bin/bash
# Serves examples/browser/index.html through nginx, with the very location blocks that
# deploy.md ships (packaging/nginx/ssebuf-locations.conf) proxying a real ssebufd, and
# drives it with headless Chromium: a late EventSource connection gets the buffered
# greeting, a dropped stream resumes from its last id, and the page closes its
# EventSource on the terminal event. The page writes what it received into the DOM, which
# Chromium dumps once the page has gone idle.
# Usage: test-browser-example.sh SSEBUFD_BINARY SOURCE_DIR
. "$(dirname "$0")/harness.sh"
ssebufd=$1
source_dir=$2
need_tool curl curl
need_tool jq jq
need_tool nginx nginx
need_tool chromium chromium

start_ssebufd "$ssebufd" --pipeline demo --demo-step-ms 100
ssebufd_port=${SSEBUF_URL##*:}

# nginx binds its port before "nginx" returns (it daemonises after binding), so a
# successful start means it is listening. Port 0 is not an option for nginx: try a few.
start_nginx() {
    local port
    mkdir -p "$TEST_TMP/nginx"
    for _ in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 40000))
        cat >"$TEST_TMP/nginx/nginx.conf" <<CONF
$([ "$(id -u)" = 0 ] && echo "user root root;")
worker_processes 1;
pid $TEST_TMP/nginx/nginx.pid;
error_log $TEST_TMP/nginx/error.log warn;
events { worker_connections 64; }
http {
    access_log $TEST_TMP/nginx/access.log;
    client_body_temp_path $TEST_TMP/nginx/body;
    proxy_temp_path $TEST_TMP/nginx/proxy;
    fastcgi_temp_path $TEST_TMP/nginx/fastcgi;
    uwsgi_temp_path $TEST_TMP/nginx/uwsgi;
    scgi_temp_path $TEST_TMP/nginx/scgi;
    types { text/html html; }
    upstream ssebufd {
        server 127.0.0.1:$ssebufd_port;
        keepalive 4;
    }
    server {
        listen 127.0.0.1:$port;
        include $source_dir/packaging/nginx/ssebuf-locations.conf;
        location / {
            root $source_dir/examples/browser;
        }
    }
}
CONF
        if nginx -p "$TEST_TMP/nginx" -c "$TEST_TMP/nginx/nginx.conf" -e "$TEST_TMP/nginx/error.log" 2>"$TEST_TMP/nginx/start.err"; then
            NGINX_URL=http://127.0.0.1:$port
            CLEANUP_PIDS+=("$(cat "$TEST_TMP/nginx/nginx.pid")")
            echo "nginx listening on $NGINX_URL"
            return 0
        fi
        grep -q 'Address already in use' "$TEST_TMP/nginx/start.err" || break
    done
    cat "$TEST_TMP/nginx/start.err" >&2
    exit 1
}
start_nginx

# Chromium's virtual time stands still while a fetch (the event stream) is open, so the
# dump comes after the stream ended and the page went idle; timeout bounds it all.
dump_page() {
    local profile
    profile=$(mktemp -d "$TEST_TMP/chromium.XXXXXX")
    timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --virtual-time-budget=60000 --dump-dom "$1" 2>>"$TEST_TMP/chromium.log"
}

# Attribute values of the page's elements: items NAME ATTRIBUTE < dom
attribute_values() { grep -o "<li [^>]*data-$1=\"[^\"]*\"" | sed "s/.*data-$1=\"\\([^\"]*\\)\"/\\1/"; }
page_state() { sed -n 's/.*<output id="state" data-state="\([^"]*\)">.*/\1/p'; }

start_session() { # start_session PROMPT: through nginx, as the backend would
    curl -sS --fail --max-time 10 -H 'Content-Type: application/json' \
        --data "{\"user_id\": \"demo_user\", \"user_prompt\": \"$1\"}" \
        "$NGINX_URL/api/refactor" | jq -r .session_id
}

echo "--- late connection: the backend starts the session, the page connects 2 s later"
session=$(start_session hello)
check "the session started through nginx" contains "$session" '^session_[0-9]{8}_[0-9]{6}_[0-9a-f]{32}$'
sleep 2 # the deliberate late connection
dom=$(dump_page "$NGINX_URL/index.html?session=$session")
echo "$dom" | grep -E '<li|<output' || true
check "the page shows the session" contains "$dom" "<code id=\"session\">$session</code>"
check "one event: seq 1" equals "$(attribute_values seq <<<"$dom" | tr '\n' ' ')" "1 "
check "it is the greeting" equals "$(attribute_values type <<<"$dom")" greeting
check "it is completed and final" \
    contains "$dom" '<li data-seq="1" data-type="greeting" data-status="completed" data-final="true">#1 greeting completed: .+</li>'
check "the page closed the stream on the terminal event" equals "$(page_state <<<"$dom")" completed

echo "--- resume: the page drops its first connection after 2 events and resumes"
session=$(start_session "refactor the billing module")
dom=$(dump_page "$NGINX_URL/index.html?session=$session&drop_after=2")
echo "$dom" | grep -E '<li|<output' || true
seqs=$(attribute_values seq <<<"$dom" | tr '\n' ' ')
last=$(attribute_values seq <<<"$dom" | tail -n 1)
check "a refactoring session has progress events and a terminal one" test "${last:-0}" -ge 3
check "events 1..$last each once, in order" equals "$seqs" "$(seq -s ' ' 1 "${last:-0}") "
check "two connections: from the start, then after event 2" \
    equals "$(attribute_values after <<<"$dom" | tr '\n' ' ')" "0 2 "
check "only the last event is final" \
    equals "$(attribute_values final <<<"$dom" | tr '\n' ' ')" "$(printf 'false %.0s' $(seq 2 "${last:-0}"))true "
check "the stream ended completed" equals "$(page_state <<<"$dom")" completed

echo "--- the page starts a session itself"
dom=$(dump_page "$NGINX_URL/index.html?prompt=hello")
check "it received the greeting" \
    contains "$dom" '<li data-seq="1" data-type="greeting" data-status="completed" data-final="true">'
check "it ended completed" equals "$(page_state <<<"$dom")" completed

nginx_errors=$(grep '\[error\]' "$TEST_TMP/nginx/error.log" || true)
echo "$nginx_errors"
check "nginx passed the streams on (no proxy errors)" equals "$nginx_errors" ""
kill -QUIT "$(cat "$TEST_TMP/nginx/nginx.pid")"
stop_ssebufd
check "ssebufd exits 0 on SIGTERM" equals "$SSEBUFD_EXIT" 0
finish

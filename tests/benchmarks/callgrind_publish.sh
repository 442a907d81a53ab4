#!/usr/bin/env bash
# Instructions per one-event publish (issue 16, goal 1), for ssebufd and for Nchan, by the
# difference method: each server runs under callgrind twice, with the same publish workload of
# LOW and of HIGH events per session; (Ir(HIGH) - Ir(LOW)) / (SESSIONS * (HIGH - LOW)) is what
# one more publish costs, with start-up, session set-up and shutdown cancelled out.
#
# Usage: tests/benchmarks/callgrind_publish.sh --ssebench PATH [--ssebufd PATH] [--nchan]
#            [--nchan-dir DIR] [--sessions 20] [--low 125] [--high 250] [--out DIR]
# --nchan-dir: the Nchan peer's directory with nginx.conf (as run.py's; default
# ../shared/peers/nchan next to the checkout).
# Needs valgrind (callgrind_control, callgrind_annotate); --nchan needs nginx with
# libnginx-mod-nchan. Servers listen on free loopback ports and are stopped by their PIDs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
ssebench="" ssebufd="" nchan=0 sessions=20 low=125 high=250 out=""
nchan_dir=$here/../../../shared/peers/nchan
while [ $# -gt 0 ]; do
    case "$1" in
    --ssebench) ssebench=$2; shift 2 ;;
    --ssebufd) ssebufd=$2; shift 2 ;;
    --nchan) nchan=1; shift ;;
    --nchan-dir) nchan_dir=$2; shift 2 ;;
    --sessions) sessions=$2; shift 2 ;;
    --low) low=$2; shift 2 ;;
    --high) high=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "callgrind_publish.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$ssebench" ] || { echo "callgrind_publish.sh: --ssebench is required" >&2; exit 2; }
[ -n "$ssebufd" ] || [ "$nchan" = 1 ] || { echo "callgrind_publish.sh: --ssebufd or --nchan" >&2; exit 2; }
[ "$high" -gt "$low" ] || { echo "callgrind_publish.sh: --high must exceed --low" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "callgrind_publish.sh: valgrind is not installed" >&2; exit 2; }
out=${out:-$(mktemp -d /tmp/callgrind-publish.XXXXXX)}
mkdir -p "$out"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() { # URL: until it answers (60 s at most: callgrind starts slowly)
    for _ in $(seq 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done
    echo "callgrind_publish.sh: $1 did not answer" >&2; return 1
}

total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}'; }

# The part both servers share: once the server answers READY, zero its counters, publish, stop
# it with SIGNAL (callgrind writes its file as the server exits) and print the total.
measure() { # PID PORT READY TARGET EVENTS JSON SIGNAL CALLGRIND_FILE
    local pid=$1 port=$2 ready=$3 target=$4 events=$5 json=$6 signal=$7 file=$8
    wait_http "http://127.0.0.1:$port$ready"
    callgrind_control -z "$pid" >/dev/null 2>&1
    "$ssebench" --target "$target" --url "http://127.0.0.1:$port" --timeout 300 --workload publish \
        --sessions "$sessions" --events "$events" --publishers 4 --payload 100 >"$json"
    kill "-$signal" "$pid"; wait "$pid" || true
    total "$file"
}

run_ssebufd() { # EVENTS -> prints Ir
    local events=$1 port file
    port=$(free_port); file=$out/ssebufd.$events.callgrind
    QT_NO_GLIB=1 valgrind --tool=callgrind --callgrind-out-file="$file" "$ssebufd" \
        --listen "127.0.0.1:$port" --pipeline external --max-sessions 20000 \
        --max-connections 10000000 --max-connections-per-ip 10000000 --log-level warning \
        >"$out/ssebufd.$events.log" 2>&1 &
    measure $! "$port" /healthz ssebuf "$events" "$out/ssebufd.$events.json" TERM "$file"
}

run_nchan() { # EVENTS -> prints Ir
    local events=$1 port prefix file
    port=$(free_port); prefix=$out/nchan.$events; file=$prefix.callgrind
    mkdir -p "$prefix/logs" "$prefix/tmp"
    sed -e "s|__PORT__|$port|g" -e "s|__PREFIX__|$prefix|g" \
        -e "s|^worker_processes 2;|worker_processes 1;|" "$nchan_dir/nginx.conf" >"$prefix/nginx.conf"
    # One process (no master, no daemon), so callgrind follows the worker's work; SIGQUIT is
    # nginx's graceful stop.
    valgrind --tool=callgrind --callgrind-out-file="$file" nginx -p "$prefix" \
        -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" -g "daemon off; master_process off;" \
        >"$prefix/valgrind.log" 2>&1 &
    measure $! "$port" "/pub?id=warm-up" nchan "$events" "$prefix/ssebench.json" QUIT "$file"
}

per_publish() { # NAME IR_LOW IR_HIGH
    python3 -c "import sys; print('%s: %.1fk instructions per publish (Ir %s and %s)' % \
        (sys.argv[1], (int(sys.argv[3]) - int(sys.argv[2])) / ($sessions * ($high - $low)) / 1000, \
        sys.argv[2], sys.argv[3]))" "$1" "$2" "$3"
}

if [ -n "$ssebufd" ]; then
    a=$(run_ssebufd "$low"); b=$(run_ssebufd "$high")
    per_publish ssebufd "$a" "$b"
fi
if [ "$nchan" = 1 ]; then
    a=$(run_nchan "$low"); b=$(run_nchan "$high")
    per_publish "Nchan 1 worker" "$a" "$b"
fi
echo "callgrind files and logs: $out"

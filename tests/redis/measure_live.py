#!/usr/bin/env python3
"""Measures the live traffic an ssebufd instance receives from a single-node Redis
(docs/redis.md, "Live delivery"): whether an instance that streams nothing still reads the
events of other instances' sessions.

Starts its own redis-server (free loopback port, no persistence) and three ssebufd
instances on it (--pipeline external): A publishes, C streams every session (one SSE client
per session, read and discarded), B has no clients. It creates SESSIONS sessions and
publishes EVENTS events of about EVENT_BYTES into each through A, then reports per event
what B and C read: rchar of /proc/<pid>/io (every byte the process read, so it works for any
ssebufd version; B and C serve no HTTP requests meanwhile, so it is their Redis input plus a
few timer reads) and, where the version has it, ssebuf_redis_subscriber_bytes_total. Usage:

    tests/redis/measure_live.py BUILD_DIR/service/ssebufd [SESSIONS EVENTS EVENT_BYTES]
"""

import http.client
import json
import re
import selectors
import socket
import sys
import threading
import time

from measurekit import free_port, start_instance, start_redis


def read_bytes(pid):
    with open(f"/proc/{pid}/io") as f:
        return int(re.search(r"^rchar: (\d+)", f.read(), re.M).group(1))


def subscriber_bytes_or_none(host, port):
    conn = http.client.HTTPConnection(host, port)
    conn.request("GET", "/metrics")
    m = re.search(r"^ssebuf_redis_subscriber_bytes_total (\d+)",
                  conn.getresponse().read().decode(), re.M)
    return int(m.group(1)) if m else None


def main():
    binary = sys.argv[1]
    sessions = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    events = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    event_bytes = int(sys.argv[4]) if len(sys.argv) > 4 else 300

    port = free_port()
    redis = start_redis(port)
    instances = []
    try:
        url = f"redis://127.0.0.1:{port}"
        instances = [start_instance(binary, url) for _ in range(3)]
        (proc_a, host, port_a), (proc_b, _, port_b), (proc_c, _, port_c) = instances
        conn = http.client.HTTPConnection(host, port_a)
        ids = []
        for i in range(sessions):
            conn.request("POST", "/api/refactor",
                         json.dumps({"user_id": f"u{i}", "user_prompt": "refactor"}),
                         {"Content-Type": "application/json"})
            ids.append(json.loads(conn.getresponse().read())["session_id"])

        selector = selectors.DefaultSelector()
        for session_id in ids:
            s = socket.create_connection((host, port_c))
            s.sendall(f"GET /api/refactor/{session_id}/sse HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            s.setblocking(False)
            selector.register(s, selectors.EVENT_READ)
        stop = threading.Event()

        def reader():
            while not stop.is_set():
                for key, _ in selector.select(0.2):
                    try:
                        key.fileobj.recv(65536)
                    except BlockingIOError:
                        pass
        reader_thread = threading.Thread(target=reader)
        reader_thread.start()
        time.sleep(1)

        body = json.dumps({"type": "progress", "status": "running",
                           "message": "x" * max(1, event_bytes - 230), "stage": "testing",
                           "progress": 50})
        sub_before = {n: subscriber_bytes_or_none(host, p) for n, p in (("B", port_b), ("C", port_c))}
        before = {"B": read_bytes(proc_b.pid), "C": read_bytes(proc_c.pid)}
        started = time.time()
        for session_id in ids:
            for _ in range(events):
                conn.request("POST", f"/api/sessions/{session_id}/events", body,
                             {"Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                assert r.status == 201, r.status
        elapsed = time.time() - started
        time.sleep(1)  # let C deliver the last ones
        after = {"B": read_bytes(proc_b.pid), "C": read_bytes(proc_c.pid)}
        sub_after = {n: subscriber_bytes_or_none(host, p) for n, p in (("B", port_b), ("C", port_c))}
        stop.set()
        reader_thread.join()

        total = sessions * events
        print(f"{sessions} sessions x {events} events = {total} events of ~{event_bytes} B in "
              f"{elapsed:.1f} s through A; C streams every session, B none")
        for name in ("B", "C"):
            line = (f"{name}: read {(after[name] - before[name]) / total:.1f} B/event "
                    f"({after[name] - before[name]} B in {elapsed + 1:.0f} s)")
            if sub_before[name] is not None and sub_after[name] is not None:
                line += (f", of which pub/sub "
                         f"{(sub_after[name] - sub_before[name]) / total:.1f} B/event")
            print(line)
    finally:
        for proc, _, _ in instances:
            proc.terminate()
            proc.wait(10)
        redis.kill()
        redis.wait(10)


if __name__ == "__main__":
    main()

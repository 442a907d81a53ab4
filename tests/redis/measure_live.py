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
import re
import sys
import time

from measurekit import (event_body, free_port, numbers_from_argv, publish_events, start_fleet,
                        start_redis)


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
    binary, sessions, events, event_bytes = numbers_from_argv(sys.argv, [50, 100, 300])

    port = free_port()
    redis = start_redis(port)
    instances = []
    try:
        url = f"redis://127.0.0.1:{port}"
        conn, ids, reader = start_fleet(binary, url, sessions, 2, instances)
        (proc_a, host, port_a), (proc_b, _, port_b), (proc_c, _, port_c) = instances

        body = event_body(event_bytes)
        sub_before = {n: subscriber_bytes_or_none(host, p) for n, p in (("B", port_b), ("C", port_c))}
        before = {"B": read_bytes(proc_b.pid), "C": read_bytes(proc_c.pid)}
        started = time.time()
        publish_events(conn, ids, events, body)
        elapsed = time.time() - started
        time.sleep(1)  # let C deliver the last ones
        after = {"B": read_bytes(proc_b.pid), "C": read_bytes(proc_c.pid)}
        sub_after = {n: subscriber_bytes_or_none(host, p) for n, p in (("B", port_b), ("C", port_c))}
        reader.stop()

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

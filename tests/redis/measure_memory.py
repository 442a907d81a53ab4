#!/usr/bin/env python3
"""Measures Redis memory per buffered event of ssebufd's Redis store (docs/redis.md).

Starts its own redis-server (free loopback port, no persistence) and one ssebufd
(--store redis://..., --pipeline external), creates SESSIONS sessions, publishes EVENTS
events of about EVENT_BYTES encoded SSE bytes into each over keep-alive HTTP, then reads
INFO memory and MEMORY USAGE. Usage:

    tests/redis/measure_memory.py BUILD_DIR/service/ssebufd [SESSIONS EVENTS EVENT_BYTES]
"""

import http.client
import json
import re
import sys

from measurekit import cli, free_port, numbers_from_argv, start_instance, start_redis


def used_memory(port):
    info = cli(port, "INFO", "memory")
    return int(re.search(r"^used_memory:(\d+)", info, re.M).group(1))


def main():
    binary, sessions, events, event_bytes = numbers_from_argv(sys.argv, [1000, 100, 300])

    port = free_port()
    redis = start_redis(port)
    ssebufd = None
    try:
        ssebufd, host, http_port = start_instance(binary, f"redis://127.0.0.1:{port}",
                                                  max_sessions=sessions + 10)
        conn = http.client.HTTPConnection(host, http_port)

        baseline = used_memory(port)
        ids = []
        for i in range(sessions):
            body = json.dumps({"user_id": f"user{i}", "user_prompt": "refactor"})
            conn.request("POST", "/api/refactor", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            ids.append(json.loads(response.read())["session_id"])
        after_sessions = used_memory(port)

        # Size the message so that the encoded frame (id line, data line, JSON) is about
        # event_bytes: the JSON without message is measured from a first event.
        probe = None
        wire_total = 0
        for n, session_id in enumerate(ids):
            for k in range(events):
                message = "x" * 150 if probe is None else "x" * probe
                body = json.dumps({"type": "progress", "status": "running",
                                   "message": message, "stage": "testing", "progress": 50})
                conn.request("POST", f"/api/sessions/{session_id}/events", body,
                             {"Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                assert response.status == 201, response.status
                if probe is None:
                    conn.request("GET", f"/api/admin/sessions/{session_id}")
                    response = conn.getresponse()
                    first = json.loads(response.read())["buffered_bytes"]
                    probe = max(1, 150 + event_bytes - first)
        conn.request("GET", f"/api/admin/sessions/{ids[-1]}")
        response = conn.getresponse()
        summary = json.loads(response.read())
        wire_total = summary["buffered_bytes"]
        after_events = used_memory(port)

        sample = ids[len(ids) // 2]
        stream_usage = int(cli(port, "MEMORY", "USAGE", f"ssebuf:e:{sample}", "SAMPLES", "0"))
        hash_usage = int(cli(port, "MEMORY", "USAGE", f"ssebuf:s:{sample}"))
        total_events = sessions * events
        print(f"sessions={sessions} events/session={events} "
              f"encoded bytes/event={wire_total / events:.0f}")
        print(f"used_memory baseline={baseline} after sessions={after_sessions} "
              f"after events={after_events}")
        print(f"per session (hash + index entry): {(after_sessions - baseline) / sessions:.0f} B")
        print(f"per buffered event: {(after_events - after_sessions) / total_events:.0f} B "
              f"(overhead {(after_events - after_sessions) / total_events - wire_total / events:.0f} B "
              f"over the encoded event)")
        print(f"MEMORY USAGE of one session: stream={stream_usage} B "
              f"({stream_usage / events:.0f} B/event), hash={hash_usage} B")
    finally:
        if ssebufd:
            ssebufd.terminate()
            ssebufd.wait(10)
        redis.kill()
        redis.wait(10)


if __name__ == "__main__":
    main()

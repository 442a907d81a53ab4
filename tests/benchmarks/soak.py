#!/usr/bin/env python3
"""Soak test of ssebufd: a bounded mixed load, sampling the server's RSS (issue 7).

Starts its own ssebufd (external pipeline, short TTL and sweep), then for --minutes runs
worker threads that each, in a loop: start a session, publish events into it with a live
subscriber attached, let some subscribers disconnect mid-stream and resume with
Last-Event-ID, let a late subscriber join after the session ended, and check every reader
got exactly the acknowledged (201) events, in order, without gaps or duplicates. After the
load it waits for every session to expire and be swept, and compares the RSS with the
baseline taken before the load.

    python3 tests/benchmarks/soak.py --ssebufd build/service/ssebufd --minutes 10

Exit status 0 when no acknowledged event was lost and RSS came back within --rss-tolerance
of the baseline; 1 otherwise. Python 3 standard library only; loopback only; every network
step has a time-out.
"""

import argparse
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.sessions = 0
        self.published = 0  # acknowledged with 201
        self.delivered = 0  # events received by verifying readers
        self.lost = 0  # acknowledged events a verifying reader did not get
        self.duplicates = 0
        self.resumes = 0
        self.late_joins = 0
        self.dropped_streams = 0
        self.errors = []

    def add(self, **counts):
        with self.lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def error(self, text):
        with self.lock:
            if len(self.errors) < 20:
                self.errors.append(text)


class SseReader:
    """A raw-socket SSE client: GET, headers, then id/data frames until the server closes."""

    def __init__(self, port, session_id, last_event_id=None, timeout=30.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        headers = f"GET /api/refactor/{session_id}/sse HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        headers += "Accept: text/event-stream\r\n"
        if last_event_id is not None:
            headers += f"Last-Event-ID: {last_event_id}\r\n"
        self.sock.sendall((headers + "\r\n").encode())
        self.buffer = b""
        self.status = 0
        self.seqs = []
        self.final = False
        self.closed = False

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            self.closed = True
            return False
        self.buffer += chunk
        return True

    def read_head(self):
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                return False
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        self.status = int(head.split(b" ", 2)[1])
        return True

    def read_events(self, limit=None):
        """Reads events until the stream ends, or until `limit` more events came."""
        wanted = None if limit is None else len(self.seqs) + limit
        while wanted is None or len(self.seqs) < wanted:
            while b"\n\n" not in self.buffer:
                if not self._fill():
                    return
            block, self.buffer = self.buffer.split(b"\n\n", 1)
            data = None
            has_id = False
            for line in block.split(b"\n"):
                if line.startswith(b"id: "):
                    has_id = True
                elif line.startswith(b"data: "):
                    data = line[6:]
            if data is None:
                continue  # retry line, keep-alive comment
            event = json.loads(data)
            if not has_id:
                raise RuntimeError(f"unexpected event without id: {event}")
            self.seqs.append(event["seq"])
            if event.get("final"):
                self.final = True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def post_json(connection, path, body):
    connection.request("POST", path, body=json.dumps(body),
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, response.read()


def check_sequence(stats, what, seqs, acknowledged):
    expected = list(range(1, acknowledged + 1))
    if seqs == expected:
        stats.add(delivered=len(seqs))
        return
    stats.add(delivered=len(set(seqs) & set(expected)),
              lost=len(set(expected) - set(seqs)),
              duplicates=len(seqs) - len(set(seqs)))
    missing = sorted(set(expected) - set(seqs))
    stats.error(f"{what}: got {len(seqs)} events, expected 1..{acknowledged}; "
                f"missing {missing[:5]}, first {seqs[:8]}")


def run_session(port, stats, rng, events_per_session, publish_interval):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        status, body = post_json(connection, "/api/refactor",
                                 {"user_id": "soak", "user_prompt": "refactor the soak test"})
        if status != 201:
            stats.error(f"POST /api/refactor answered {status}")
            return
        session_id = json.loads(body)["session_id"]
        stats.add(sessions=1)

        live = SseReader(port, session_id)
        if not live.read_head() or live.status != 200:
            stats.error(f"live stream answered {live.status}")
            live.close()
            return
        # Some live readers leave after a few events and resume later with Last-Event-ID.
        leaves_after = rng.randint(1, events_per_session - 1) if rng.random() < 0.3 else None
        reader_result = {}

        def read_live():
            try:
                if leaves_after is not None:
                    live.read_events(limit=leaves_after)
                    live.close()
                    stats.add(dropped_streams=1)
                else:
                    live.read_events()
            except (OSError, RuntimeError, ValueError) as error:
                reader_result["error"] = repr(error)
            finally:
                live.close()

        reader = threading.Thread(target=read_live, daemon=True)
        reader.start()

        acknowledged = 0
        for n in range(1, events_per_session + 1):
            final = n == events_per_session
            event = {"type": "completed" if final else "progress",
                     "status": "completed" if final else "running",
                     "message": f"step {n} " + "x" * rng.randint(10, 400),
                     "progress": min(100, n * 100 // events_per_session)}
            if final:
                event["final"] = True
            status, body = post_json(connection, f"/api/sessions/{session_id}/events", event)
            if status != 201:
                stats.error(f"publish answered {status}: {body[:200]!r}")
                break
            seq = json.loads(body)["seq"]
            if seq != n:
                stats.error(f"publish returned seq {seq}, expected {n}")
            acknowledged = n
            stats.add(published=1)
            # Pacing only (a producer's rhythm, uneven), so the soak does not measure CPU.
            time.sleep(rng.random() * 2 * publish_interval)
        reader.join(timeout=60)
        if reader.is_alive() or "error" in reader_result:
            stats.error(f"live reader: {reader_result.get('error', 'did not finish')}")
            live.close()

        if leaves_after is not None:
            # Resume from the last event seen.
            seen = live.seqs
            resumed = SseReader(port, session_id, last_event_id=seen[-1] if seen else None)
            if resumed.read_head() and resumed.status == 200:
                resumed.read_events()
                stats.add(resumes=1)
                check_sequence(stats, "resumed reader", seen + resumed.seqs, acknowledged)
            else:
                stats.error(f"resume answered {resumed.status}")
            resumed.close()
        else:
            check_sequence(stats, "live reader", live.seqs, acknowledged)

        # A late joiner after the end still gets the whole session.
        if rng.random() < 0.5:
            late = SseReader(port, session_id)
            if late.read_head() and late.status == 200:
                late.read_events()
                stats.add(late_joins=1)
                check_sequence(stats, "late reader", late.seqs, acknowledged)
            else:
                stats.error(f"late join answered {late.status}")
            late.close()
    except (OSError, http.client.HTTPException, ValueError, KeyError) as error:
        stats.error(f"session: {error!r}")
    finally:
        connection.close()


def worker(port, stats, deadline, seed, events_per_session, publish_interval):
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        run_session(port, stats, rng, events_per_session, publish_interval)


def admin_session_count(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/api/admin/sessions")
        response = connection.getresponse()
        return len(json.loads(response.read())["sessions"])
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ssebufd", required=True)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--events", type=int, default=60, help="events per session")
    parser.add_argument("--publish-interval-ms", type=float, default=4.0,
                        help="mean pause between two publishes of one worker")
    parser.add_argument("--ttl", type=int, default=20)
    parser.add_argument("--sweep", type=int, default=5)
    parser.add_argument("--sample-seconds", type=float, default=5.0)
    parser.add_argument("--rss-tolerance", type=float, default=0.25,
                        help="allowed growth of the end RSS over the warm baseline")
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args()

    server = subprocess.Popen(
        [args.ssebufd, "--listen", "127.0.0.1:0", "--pipeline", "external",
         "--session-ttl", str(args.ttl), "--sweep-interval", str(args.sweep),
         "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env=dict(os.environ, QT_NO_GLIB="1", SSEBUF_MAX_CONNECTIONS_PER_IP="10000000",
                 SSEBUF_MAX_CONNECTIONS="10000000"))
    try:
        line = server.stdout.readline()
        match = re.search(r"listening on http://[^:]+:(\d+)", line)
        if not match:
            print(f"ssebufd did not start: {line!r}", file=sys.stderr)
            return 1
        port = int(match.group(1))
        pid = server.pid
        samples = []  # (seconds since start, RSS KiB, open fds, phase)
        started = time.monotonic()
        phase = ["start"]
        sampling = threading.Event()

        def sample():
            while not sampling.wait(args.sample_seconds):
                samples.append((round(time.monotonic() - started, 1), rss_kib(pid),
                                fd_count(pid), phase[0]))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()

        # Warm-up: one short round of the same load, then let it expire, so the baseline
        # holds the allocator's and Qt's one-time growth, not the load's.
        stats = Stats()
        phase[0] = "warm-up"
        warm_deadline = time.monotonic() + min(10.0, args.minutes * 20)
        threads = [threading.Thread(target=worker, daemon=True,
                                    args=(port, stats, warm_deadline, 1000 + i, args.events,
                                          args.publish_interval_ms / 1000))
                   for i in range(args.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        phase[0] = "warm-expiry"
        expiry_deadline = time.monotonic() + args.ttl + 3 * args.sweep + 30
        while admin_session_count(port) and time.monotonic() < expiry_deadline:
            time.sleep(1)  # polling the service's own state, bounded
        time.sleep(args.sweep + 2)  # as after the load: a trim has run
        start_rss = rss_kib(pid)
        baseline_rss = start_rss
        baseline_fds = fd_count(pid)
        print(f"baseline after warm-up: RSS {baseline_rss} KiB, {baseline_fds} fds", flush=True)

        stats = Stats()
        phase[0] = "load"
        load_started = time.monotonic()
        deadline = load_started + args.minutes * 60
        threads = [threading.Thread(target=worker, daemon=True,
                                    args=(port, stats, deadline, i, args.events,
                                          args.publish_interval_ms / 1000))
                   for i in range(args.workers)]
        for thread in threads:
            thread.start()
        last_report = time.monotonic()
        while any(thread.is_alive() for thread in threads):
            for thread in threads:
                thread.join(timeout=1)
            if time.monotonic() - last_report >= 60:
                last_report = time.monotonic()
                print(f"{time.monotonic() - load_started:.0f}s: {stats.sessions} sessions, "
                      f"{stats.published} published, {stats.delivered} delivered, "
                      f"{stats.lost} lost, RSS {rss_kib(pid)} KiB", flush=True)
            if time.monotonic() > deadline + 120:
                stats.error("workers did not stop within 120 s of the deadline")
                break
        load_seconds = time.monotonic() - load_started
        peak_rss = max([s[1] for s in samples if s[3] == "load"] or [rss_kib(pid)])
        peak_fds = max([s[2] for s in samples if s[3] == "load"] or [fd_count(pid)])
        sessions_at_end = admin_session_count(port)

        phase[0] = "expiry"
        expiry_deadline = time.monotonic() + args.ttl + 3 * args.sweep + 30
        remaining = sessions_at_end
        while remaining and time.monotonic() < expiry_deadline:
            time.sleep(1)  # polling the service's own state, bounded
            remaining = admin_session_count(port)
        expiry_seconds = time.monotonic() - load_started - load_seconds
        # The service gives freed memory back at most once a second after sessions go; let
        # one more sweep pass, then read the RSS.
        phase[0] = "settle"
        time.sleep(args.sweep + 2)
        end_rss = rss_kib(pid)
        end_fds = fd_count(pid)
        sampling.set()
        sampler.join(timeout=10)
        alive = server.poll() is None
        load_rss = [s[1] for s in samples if s[3] == "load"]

        figures = {
            "minutes": args.minutes, "workers": args.workers,
            "events_per_session": args.events, "ttl": args.ttl, "sweep": args.sweep,
            "publish_interval_ms": args.publish_interval_ms,
            "load_seconds": round(load_seconds, 1),
            "expiry_seconds": round(expiry_seconds, 1),
            "sessions": stats.sessions, "published": stats.published,
            "delivered": stats.delivered, "lost": stats.lost,
            "duplicates": stats.duplicates, "resumes": stats.resumes,
            "late_joins": stats.late_joins, "dropped_streams": stats.dropped_streams,
            "sessions_after_load": sessions_at_end, "sessions_after_expiry": remaining,
            "rss_baseline_kib": baseline_rss, "rss_peak_kib": peak_rss,
            "rss_load_median_kib": sorted(load_rss)[len(load_rss) // 2] if load_rss else 0,
            "rss_end_kib": end_rss, "fds_baseline": baseline_fds, "fds_peak": peak_fds,
            "fds_end": end_fds, "server_alive": alive, "errors": stats.errors,
            "samples": len(samples),
        }
        print(json.dumps(figures, indent=2))
        if args.json:
            with open(args.json, "w") as out:
                json.dump(dict(figures, rss_samples=samples), out, indent=1)
        # Under AddressSanitizer (scripts/test-sanitized.sh) RSS measures its allocator.
        rss_ok = (end_rss <= baseline_rss * (1 + args.rss_tolerance)
                  or "SSEBUF_SANITIZED" in os.environ)
        ok = (alive and stats.lost == 0 and stats.duplicates == 0 and not stats.errors
              and remaining == 0 and stats.published > 0 and rss_ok)
        print("soak: " + ("PASS" if ok else "FAIL"))
        return 0 if ok else 1
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())

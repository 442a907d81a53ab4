"""What the measuring scripts next to this file share (measure_memory.py, measure_cluster.py,
measure_live.py): free loopback ports, redis-cli, redis-server and ssebufd processes, and
the figures read from them."""

import http.client
import json
import os
import re
import selectors
import socket
import subprocess
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    # Below 55000: a cluster node also listens on its port + 10000.
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 55000:
            return port


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], check=True,
                          capture_output=True, text=True).stdout.strip()


def wait_for_ping(port):
    for _ in range(100):
        try:
            if cli(port, "PING") == "PONG":
                return
        except subprocess.CalledProcessError:
            pass
        time.sleep(0.05)


def start_redis(port, *extra):
    """A redis-server on 127.0.0.1:port without persistence, answering PING."""
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no", *extra],
                             stdout=subprocess.DEVNULL)
    wait_for_ping(port)
    return redis


def start_instance(binary, url, max_sessions=100000):
    """An ssebufd (--pipeline external) on a free port, once /healthz answers 200: the
    process, its host and its port."""
    proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--store", url, "--pipeline",
                             "external", "--session-ttl", "3600", "--max-sessions",
                             str(max_sessions), "--log-level", "warning"],
                            stdout=subprocess.PIPE, text=True)
    host, port = re.search(r"listening on http://([^:]+):(\d+)", proc.stdout.readline()).groups()
    conn = http.client.HTTPConnection(host, int(port))
    for _ in range(200):
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        r.read()
        if r.status == 200:
            break
        time.sleep(0.05)
    return proc, host, int(port)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def info_number(text, name):
    m = re.search(rf"^{name}:(\d+)", text, re.M)
    return int(m.group(1)) if m else 0


def subscriber_bytes(host, port):
    """ssebuf_redis_subscriber_bytes_total of an instance: the live traffic it read."""
    conn = http.client.HTTPConnection(host, port)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    return int(re.search(r"^ssebuf_redis_subscriber_bytes_total (\d+)", text, re.M).group(1))


def numbers_from_argv(argv, defaults):
    """The binary (argv[1]) and the numbers after it, each defaulting to defaults[i]."""
    return [argv[1]] + [int(argv[2 + i]) if len(argv) > 2 + i else d
                        for i, d in enumerate(defaults)]


def create_sessions(conn, count):
    """Starts count sessions through conn (POST /api/refactor); their ids."""
    ids = []
    for i in range(count):
        conn.request("POST", "/api/refactor",
                     json.dumps({"user_id": f"u{i}", "user_prompt": "refactor"}),
                     {"Content-Type": "application/json"})
        ids.append(json.loads(conn.getresponse().read())["session_id"])
    return ids


def event_body(event_bytes):
    """A progress event whose SSE frame is about event_bytes."""
    return json.dumps({"type": "progress", "status": "running",
                       "message": "x" * max(1, event_bytes - 230), "stage": "testing",
                       "progress": 50})


class StreamReader:
    """One SSE stream per session on host:port, read (and counted) by a thread until stop()."""

    def __init__(self, host, port, ids):
        self.received = 0
        self._selector = selectors.DefaultSelector()
        for session_id in ids:
            s = socket.create_connection((host, port))
            s.sendall(f"GET /api/refactor/{session_id}/sse HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            s.setblocking(False)
            self._selector.register(s, selectors.EVENT_READ)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read)
        self._thread.start()

    def _read(self):
        while not self._stop.is_set():
            for key, _ in self._selector.select(0.2):
                try:
                    self.received += len(key.fileobj.recv(65536))
                except BlockingIOError:
                    pass

    def stop(self):
        self._stop.set()
        self._thread.join()


def start_fleet(binary, url, sessions, streaming, instances):
    """Three instances A, B, C on url (appended to instances as they start, so that the
    caller stops them whatever happens); sessions created through A, each streamed from
    instance number streaming by a StreamReader. Returns a connection to A, the ids and
    the reader."""
    for _ in range(3):
        instances.append(start_instance(binary, url))
    _, host, port_a = instances[0]
    conn = http.client.HTTPConnection(host, port_a)
    ids = create_sessions(conn, sessions)
    reader = StreamReader(host, instances[streaming][2], ids)
    time.sleep(1)
    return conn, ids, reader


def publish_events(conn, ids, events, body):
    """events publishes of body into each session, one after the other, over conn."""
    for session_id in ids:
        for _ in range(events):
            conn.request("POST", f"/api/sessions/{session_id}/events", body,
                         {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            assert r.status == 201, r.status

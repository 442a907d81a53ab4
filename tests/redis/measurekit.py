"""What the measuring scripts next to this file share (measure_memory.py, measure_cluster.py,
measure_live.py): free loopback ports, redis-cli, redis-server and ssebufd processes, and
the figures read from them."""

import http.client
import os
import re
import socket
import subprocess
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

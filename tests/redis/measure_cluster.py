#!/usr/bin/env python3
"""Measures what one event costs on the cluster store (docs/redis.md, "Sizing").

Starts its own Redis Cluster (3 masters, 3 replicas, free loopback ports, no persistence)
and three ssebufd instances on it (--pipeline external): A publishes, B streams every
session (one SSE client per session, read and discarded), C has no clients. It creates
SESSIONS sessions and publishes EVENTS events of about EVENT_BYTES encoded SSE bytes into
each, through THREADS keep-alive connections, then reports per event: Redis commands
(INFO commandstats of the masters), Redis network in and out, CPU of the masters, of the
replicas and of each instance (utime + stime from /proc), and the live traffic each
instance read from Redis. Usage:

    tests/redis/measure_cluster.py BUILD_DIR/service/ssebufd [SESSIONS EVENTS EVENT_BYTES THREADS]
"""

import http.client
import json
import re
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time

from measurekit import (cli, cpu_seconds, free_port, info_number, start_instance, subscriber_bytes,
                        wait_for_ping)


def main():
    binary = sys.argv[1]
    sessions = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    events = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    event_bytes = int(sys.argv[4]) if len(sys.argv) > 4 else 300
    threads = int(sys.argv[5]) if len(sys.argv) > 5 else 4

    workdir = tempfile.mkdtemp(prefix="ssebuf-cluster-")
    ports = [free_port() for _ in range(6)]
    nodes = []
    instances = []
    try:
        for p in ports:
            nodes.append(subprocess.Popen(
                ["redis-server", "--port", str(p), "--bind", "127.0.0.1", "--cluster-enabled",
                 "yes", "--cluster-config-file", f"nodes-{p}.conf", "--cluster-node-timeout",
                 "1000", "--dir", workdir, "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL))
        for p in ports:
            wait_for_ping(p)
        subprocess.run(["redis-cli", "--cluster", "create",
                        *[f"127.0.0.1:{p}" for p in ports], "--cluster-replicas", "1",
                        "--cluster-yes"], check=True, capture_output=True)
        for _ in range(200):
            if all("cluster_state:ok" in cli(p, "CLUSTER", "INFO") for p in ports):
                break
            time.sleep(0.1)
        roles = {p: ("master" if "role:master" in cli(p, "INFO", "replication") else "replica")
                 for p in ports}
        masters = [p for p in ports if roles[p] == "master"]
        replicas = [p for p in ports if roles[p] == "replica"]
        url = f"redis-cluster://127.0.0.1:{ports[0]},127.0.0.1:{ports[1]}"
        instances = [start_instance(binary, url) for _ in range(3)]
        (proc_a, host, port_a), (proc_b, _, port_b), (proc_c, _, port_c) = instances

        conn = http.client.HTTPConnection(host, port_a)
        ids = []
        for i in range(sessions):
            conn.request("POST", "/api/refactor",
                         json.dumps({"user_id": f"u{i}", "user_prompt": "refactor"}),
                         {"Content-Type": "application/json"})
            ids.append(json.loads(conn.getresponse().read())["session_id"])

        # B streams every session; a reader thread takes and counts the bytes.
        selector = selectors.DefaultSelector()
        received = [0]
        for session_id in ids:
            s = socket.create_connection((host, port_b))
            s.sendall(f"GET /api/refactor/{session_id}/sse HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            s.setblocking(False)
            selector.register(s, selectors.EVENT_READ)
        stop = threading.Event()

        def reader():
            while not stop.is_set():
                for key, _ in selector.select(0.2):
                    try:
                        data = key.fileobj.recv(65536)
                    except BlockingIOError:
                        continue
                    received[0] += len(data)
        reader_thread = threading.Thread(target=reader)
        reader_thread.start()
        time.sleep(1)

        pad = "x" * max(1, event_bytes - 230)
        body = json.dumps({"type": "progress", "status": "running", "message": pad,
                           "stage": "testing", "progress": 50})
        pids = {"A": proc_a.pid, "B": proc_b.pid, "C": proc_c.pid}
        for p in ports:
            cli(p, "CONFIG", "RESETSTAT")
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        node_cpu_before = {p: cpu_seconds(n.pid) for p, n in zip(ports, nodes)}
        sub_before = {name: subscriber_bytes(host, port) for name, port in
                      (("B", port_b), ("C", port_c))}
        received_before = received[0]
        started = time.time()

        def publisher(part):
            c = http.client.HTTPConnection(host, port_a)
            for session_id in part:
                for _ in range(events):
                    c.request("POST", f"/api/sessions/{session_id}/events", body,
                              {"Content-Type": "application/json"})
                    r = c.getresponse()
                    r.read()
                    assert r.status == 201, r.status
        workers = [threading.Thread(target=publisher, args=(ids[i::threads],))
                   for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.time() - started
        time.sleep(1)  # let B deliver the last ones
        total = sessions * events
        cpu_after = {name: cpu_seconds(pid) for name, pid in pids.items()}
        node_cpu_after = {p: cpu_seconds(n.pid) for p, n in zip(ports, nodes)}
        sub_after = {name: subscriber_bytes(host, port) for name, port in
                     (("B", port_b), ("C", port_c))}
        stop.set()
        reader_thread.join()

        calls = {}
        net_in = net_out = 0
        for p in masters:
            stats = cli(p, "INFO", "commandstats")
            for name, count in re.findall(r"^cmdstat_([a-z|]+):calls=(\d+)", stats, re.M):
                calls[name] = calls.get(name, 0) + int(count)
            info = cli(p, "INFO", "stats")
            net_in += info_number(info, "total_net_input_bytes")
            net_out += info_number(info, "total_net_output_bytes")
        master_cpu = sum(node_cpu_after[p] - node_cpu_before[p] for p in masters)
        replica_cpu = sum(node_cpu_after[p] - node_cpu_before[p] for p in replicas)
        print(f"{sessions} sessions x {events} events = {total} events of ~{event_bytes} B "
              f"in {elapsed:.1f} s ({total / elapsed:.0f}/s), {threads} publishers on A, "
              f"B streams all, C none")
        print("Redis commands per event (masters):",
              ", ".join(f"{k} {v / total:.2f}" for k, v in sorted(calls.items())
                        if v / total >= 0.01))
        print(f"Redis network per event (masters): in {net_in / total:.0f} B, "
              f"out {net_out / total:.0f} B (replication and pub/sub included)")
        print(f"Redis CPU per event: masters {master_cpu / total * 1e6:.1f} us, "
              f"replicas {replica_cpu / total * 1e6:.1f} us")
        for name in ("A", "B", "C"):
            print(f"ssebufd {name} CPU per event: "
                  f"{(cpu_after[name] - cpu_before[name]) / total * 1e6:.1f} us")
        print(f"live traffic read from Redis per event: B {(sub_after['B'] - sub_before['B']) / total:.0f} B, "
              f"C {(sub_after['C'] - sub_before['C']) / total:.2f} B; "
              f"SSE bytes B wrote to its clients per event: {(received[0] - received_before) / total:.0f} B")
    finally:
        for proc, _, _ in instances:
            proc.terminate()
            proc.wait(10)
        for n in nodes:
            n.kill()
            n.wait(10)


if __name__ == "__main__":
    main()

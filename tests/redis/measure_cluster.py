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
import re
import subprocess
import sys
import tempfile
import threading
import time

from measurekit import (cli, cpu_seconds, event_body, free_port, info_number, numbers_from_argv,
                        publish_events, start_fleet, subscriber_bytes, wait_for_ping)


def main():
    binary, sessions, events, event_bytes, threads = numbers_from_argv(sys.argv,
                                                                       [300, 100, 300, 4])

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
        # B streams every session; a reader thread takes and counts the bytes.
        _, ids, reader = start_fleet(binary, url, sessions, 1, instances)
        (proc_a, host, port_a), (proc_b, _, port_b), (proc_c, _, port_c) = instances

        body = event_body(event_bytes)
        pids = {"A": proc_a.pid, "B": proc_b.pid, "C": proc_c.pid}
        for p in ports:
            cli(p, "CONFIG", "RESETSTAT")
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        node_cpu_before = {p: cpu_seconds(n.pid) for p, n in zip(ports, nodes)}
        sub_before = {name: subscriber_bytes(host, port) for name, port in
                      (("B", port_b), ("C", port_c))}
        received_before = reader.received
        started = time.time()

        workers = [threading.Thread(target=publish_events,
                                    args=(http.client.HTTPConnection(host, port_a),
                                          ids[i::threads], events, body))
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
        reader.stop()

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
              f"SSE bytes B wrote to its clients per event: {(reader.received - received_before) / total:.0f} B")
    finally:
        for proc, _, _ in instances:
            proc.terminate()
            proc.wait(10)
        for n in nodes:
            n.kill()
            n.wait(10)


if __name__ == "__main__":
    main()

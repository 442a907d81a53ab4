#!/usr/bin/env python3
r"""System calls per event of the "AI answers" workload, server by server (issue 16 goal 2).

For each server, a fresh one per run, a counter of system calls is attached to the server's
processes around an ssebench answers run at --events E and at --events 2E (--sessions S, 1
subscriber, 50 events/s per session); the difference of the two counts divided by S x E is
what one more event costs in system calls (publish and delivery), start-up, session
creation and the connection set-up cancelled out.

--tracer strace (default): `strace -c -f -p PID...`. ptrace stops the server at every
system call, which slows it so much that it falls behind and finds several lines per read
(and several events per write): fewer reads and epoll waits per event than at full speed.
--tracer perf: `perf stat -e raw_syscalls:sys_enter,syscalls:sys_enter_NAME... -p PIDS`,
in-kernel counters that barely slow the server, so the counts are those of the real run.

    python3 tests/benchmarks/syscalls_answers.py --ssebench build/tests/benchmarks/ssebench \
        --floor build/tests/benchmarks/ssefloor --ssebufd build/service/ssebufd [--nchan] \
        [--sessions 100 --events 100] [--tracer strace|perf]

Rows: floor ndjson, ssebufd ndjson, Nchan request (--publishers S/10) and Nchan websocket
(1 worker, --nchan-workers). Needs strace or perf; Nchan as in run.py (--nchan-dir).
"""

import argparse
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as bench  # noqa: E402  (run.py's server classes and run_ssebench)


def strace_counts(path):
    """{syscall: calls} from an `strace -c` summary."""
    counts = {}
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) < 5 or not fields[0][0].isdigit() or fields[-1] == "total":
                continue
            counts[fields[-1]] = int(fields[3])
    return counts


# The calls perf counts one by one (the total comes from raw_syscalls:sys_enter).
PERF_CALLS = ["recvfrom", "read", "readv", "recvmsg", "sendto", "write", "writev", "sendmsg",
              "epoll_wait", "epoll_pwait", "epoll_ctl", "ioctl", "accept4", "close", "brk",
              "futex", "getsockopt", "setsockopt", "mmap", "munmap", "clock_gettime"]


def perf_counts(path):
    """{syscall: calls} from `perf stat -x,` output; "total" is every system call."""
    counts = {}
    with open(path) as f:
        for line in f:
            fields = line.strip().split(",")
            if len(fields) < 3 or not fields[0].isdigit():
                continue
            event = fields[2]
            if event == "raw_syscalls:sys_enter":
                counts["total"] = int(fields[0])
            elif event.startswith("syscalls:sys_enter_"):
                counts[event[len("syscalls:sys_enter_"):]] = int(fields[0])
    counts["other"] = counts.get("total", 0) - sum(v for k, v in counts.items() if k != "total")
    return counts


def tracer_command(tracer, path, pids):
    if tracer == "perf":
        events = ["raw_syscalls:sys_enter"] + ["syscalls:sys_enter_" + name for name in PERF_CALLS]
        return ["perf", "stat", "-x,", "-o", path, "-e", ",".join(events),
                "-p", ",".join(str(p) for p in pids)]
    command = ["strace", "-c", "-f", "-o", path]
    for pid in pids:
        command += ["-p", str(pid)]
    return command


def measure(server, ssebench, arguments, tracer):
    server.start()
    try:
        time.sleep(0.3)
        with tempfile.NamedTemporaryFile(prefix="syscalls-answers-", suffix=".txt", delete=False) as out:
            path = out.name
        process = subprocess.Popen(tracer_command(tracer, path, server.pids),
                                   stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # attached (neither prints anything to wait for with -o)
        result = bench.run_ssebench(ssebench, server, arguments)
        process.send_signal(signal.SIGINT)
        process.wait(60)
        counts = perf_counts(path) if tracer == "perf" else strace_counts(path)
        os.unlink(path)
    finally:
        server.stop()
    if not result.get("ok"):
        raise RuntimeError("%s: ssebench reported a failure: %s" % (server.name, result))
    return counts, result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ssebench", required=True)
    parser.add_argument("--floor", help="ssefloor")
    parser.add_argument("--ssebufd", help="ssebufd")
    parser.add_argument("--nchan", action="store_true", help="also Nchan (request and websocket)")
    parser.add_argument("--nchan-dir", default=bench.DEFAULT_NCHAN_DIR)
    parser.add_argument("--nchan-port", type=int, default=8089)
    parser.add_argument("--nchan-workers", type=int, default=1)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--events", type=int, default=100, help="E: runs at E and 2E events")
    parser.add_argument("--tracer", choices=("strace", "perf"), default="strace")
    args = parser.parse_args()

    cells = []
    if args.floor:
        cells.append((bench.Floor(os.path.abspath(args.floor)), "ndjson"))
    if args.ssebufd:
        cells.append((bench.Ssebufd(os.path.abspath(args.ssebufd)), "ndjson"))
    if args.nchan:
        for mode in ("request", "websocket"):
            cells.append((bench.Nchan(args.nchan_dir, args.nchan_workers, args.nchan_port), mode))
    if not cells:
        parser.error("nothing to measure")
    print("| server | publish mode | system calls / event | by call (per event) | p50 / p99 ms at 2E |")
    print("|---|---|---:|---|---|")
    for server, mode in cells:
        runs = []
        for events in (args.events, 2 * args.events):
            arguments = shlex.split(
                "%s --workload answers --sessions %d --subscribers 1 --events %d --payload 20 "
                "--session-rate 50 --publish-mode %s" % (bench.COMMON_ARGS, args.sessions, events, mode))
            if mode == "request":
                arguments += ["--publishers", str(max(1, args.sessions // 10))]
            runs.append(measure(server, args.ssebench, arguments, args.tracer))
        (small, _), (large, result) = runs
        extra = args.sessions * args.events
        per_call = {name: (large.get(name, 0) - small.get(name, 0)) / extra for name in large}
        total = per_call.pop("total") if "total" in per_call else sum(per_call.values())
        shown = sorted(((v, k) for k, v in per_call.items() if v >= 0.005), reverse=True)
        print("| %s | %s | %.2f | %s | %.2f / %.2f |" % (
            server.name, mode, total, ", ".join("%s %.2f" % (k, v) for v, k in shown),
            result.get("latency_p50_ms", 0), result.get("latency_p99_ms", 0)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

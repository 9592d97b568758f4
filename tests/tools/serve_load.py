#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""`runner-metrics serve` under a hostile load, from this separate process.

While 1,000 connections trickle request headers a byte a second, 2,000 sit
idle and 8 ask for /metrics again and again and never read, another client
(its own loopback address) scrapes /metrics 100 times, one after the other.
Every scrape must succeed; serve's peak memory (VmHWM) must stay under the
bound; the p99 scrape time is printed, and must be under the bound given.

The attackers come from many loopback addresses (127.1.x.y), 50
connections each, under serve's default cap per address (64).

    serve_load.py RUNNER_METRICS [--p99-bound-ms 2000] [--memory-bound-mib 64]

Exit status: 0 passed, 1 failed, 77 skipped (too few descriptors allowed).
"""
import argparse
import os
import re
import resource
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TRICKLING = 1000
IDLE = 2000
NEVER_READING = 8
SCRAPES = 100
PER_ADDRESS = 50
SCRAPER = "127.0.0.2"


def attacker_address(i):
    group = i // PER_ADDRESS
    return f"127.1.{group // 250}.{group % 250 + 1}"


def connect(port, source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    return s


def scrape(port):
    """One GET /metrics on a new connection: (status, seconds)."""
    start = time.monotonic()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.bind((SCRAPER, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    took = time.monotonic() - start
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.match(rb"HTTP/1\.1 (\d+) ", head)
    length = re.search(rb"\r\nContent-Length: (\d+)", head, re.I)
    if not match or not length or int(length.group(1)) != len(body):
        return 0, took
    return int(match.group(1)), took


def peak_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        fields = dict(line.split(":", 1) for line in status if ":" in line)
    return int(fields["VmHWM"].split()[0]), int(fields["VmRSS"].split()[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("runner_metrics")
    parser.add_argument("--p99-bound-ms", type=float, default=2000)
    parser.add_argument("--memory-bound-mib", type=float, default=64)
    args = parser.parse_args()

    needed = TRICKLING + IDLE + NEVER_READING + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        print(f"SKIP: {needed} descriptors needed, the hard limit is {hard}")
        return 77
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, needed), hard))

    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "metrics.log")
        with open(log, "w") as f:
            for i in range(2000):
                f.write('{"timestamp": %d.0, "event": "runner_installed", "flavor": "f%d", '
                        '"duration": %d.5}\n' % (i, i % 50, i % 300))
        err = open(os.path.join(tmp, "stderr"), "w+")
        serve = subprocess.Popen([args.runner_metrics, "serve", "--log", log,
                                  "--listen", "127.0.0.1:0"], stderr=err)
        try:
            return run(serve, err, args)
        finally:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(10)
            except subprocess.TimeoutExpired:
                serve.kill()


def run(serve, err, args):
    port = None
    for _ in range(500):
        err.seek(0)
        found = re.search(r"serving http://127\.0\.0\.1:(\d+)/metrics", err.read())
        if found:
            port = int(found.group(1))
            break
        if serve.poll() is not None:
            break
        time.sleep(0.02)
    if port is None:
        err.seek(0)
        print("FAIL: serve did not start:", err.read())
        return 1
    status, _ = scrape(port)
    if status != 200:
        print("FAIL: the first scrape, before any load:", status)
        return 1

    sockets = []
    trickling = []
    for i in range(TRICKLING + IDLE + NEVER_READING):
        s = connect(port, attacker_address(i))
        sockets.append(s)
        if i < TRICKLING:
            trickling.append(s)
        elif i >= TRICKLING + IDLE:
            # Requests /metrics a thousand times, pipelined; never reads.
            s.setblocking(True)
            s.settimeout(0.5)
            try:
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 1000)
            except (socket.timeout, BlockingIOError):
                pass  # its buffers are full: as intended
            s.setblocking(False)
    header = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100000
    sent = 0

    def trickle():
        nonlocal sent
        for s in trickling:
            try:
                s.send(header[sent:sent + 1])
            except OSError:
                pass
        sent += 1

    trickle()
    next_trickle = time.monotonic() + 1
    times = []
    failures = []
    for i in range(SCRAPES):
        if time.monotonic() >= next_trickle:
            trickle()
            next_trickle += 1
        try:
            status, took = scrape(port)
        except OSError as e:
            status, took = f"error {e}", 10
        times.append(took)
        if status != 200:
            failures.append((i, status))
        time.sleep(0.02)
    # The attackers are all still there: none was closed by serve.
    closed = 0
    for s in sockets[:TRICKLING + IDLE]:
        try:
            if s.recv(1, socket.MSG_PEEK) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
    hwm, rss = peak_kib(serve.pid)
    for s in sockets:
        s.close()

    times.sort()
    p50 = times[len(times) // 2] * 1000
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
    print(f"scrapes: {SCRAPES - len(failures)}/{SCRAPES} ok; p50 {p50:.2f} ms, "
          f"p99 {p99:.2f} ms, max {times[-1] * 1000:.2f} ms; mean "
          f"{statistics.mean(times) * 1000:.2f} ms")
    print(f"serve memory: VmHWM {hwm / 1024:.1f} MiB, VmRSS {rss / 1024:.1f} MiB; "
          f"attacker connections closed by serve during the run: {closed}")
    ok = True
    if failures:
        print("FAIL: scrapes that failed:", failures[:10])
        ok = False
    if hwm > args.memory_bound_mib * 1024:
        print(f"FAIL: VmHWM over {args.memory_bound_mib} MiB")
        ok = False
    if p99 > args.p99_bound_ms:
        print(f"FAIL: p99 over {args.p99_bound_ms} ms")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

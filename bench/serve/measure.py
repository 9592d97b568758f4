#!/usr/bin/env python3
"""Measures `runner-metrics serve`: how many log lines a second it ingests
while being scraped, and how long a scrape takes.

    python3 bench/serve/measure.py ingest  CLI SOURCE_LOG   # append SOURCE_LOG to a followed log
    python3 bench/serve/measure.py scrape  CLI SOURCE_LOG [REQUESTS]

ingest: serve follows an empty log; the source is appended to it in 1 MiB
writes as fast as the disk takes them, while /metrics is scraped every
10 ms (1,500 times as often as Prometheus's default 15 s) on one kept-alive
connection. The rate is lines / seconds from the first write until a
scrape shows every line counted; CPU is serve's user + system time over
the same span.

scrape: serve reads the source first; then REQUESTS (default 500) GET
/metrics, one after another on one kept-alive connection, each timed from
sending the request to the last byte of the answer.
"""
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")


def start_serve(cli, log, err_path):
    err = open(err_path, "w")
    process = subprocess.Popen([cli, "serve", "--log", log, "--listen", "127.0.0.1:0"],
                               stderr=err, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        match = re.search(r"serving http://127\.0\.0\.1:(\d+)/metrics", open(err_path).read())
        if match:
            return process, int(match.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.01)
    process.kill()
    sys.exit("serve did not start: " + open(err_path).read())


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def scrape(connection):
    connection.request("GET", "/metrics")
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        sys.exit(f"GET /metrics: {response.status}")
    return body


def events_total(body):
    total = 0
    for line in body.decode().splitlines():
        if line.startswith("runner_metric_events_total{"):
            total += int(line.rsplit(" ", 1)[1])
    invalid = re.search(r"^metrics_log_invalid_lines_total (\d+)$", body.decode(), re.M)
    return total + int(invalid.group(1))


def ingest(cli, source):
    lines = sum(1 for _ in open(source, "rb"))
    size = os.path.getsize(source)
    with tempfile.TemporaryDirectory() as work:
        log = os.path.join(work, "metrics.log")
        open(log, "w").close()
        process, port = start_serve(cli, log, os.path.join(work, "serve.err"))
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port)
            cpu_before = cpu_seconds(process.pid)
            start = time.monotonic()
            scrapes = 0
            next_scrape = start
            with open(source, "rb") as src, open(log, "ab", buffering=0) as dst:
                while chunk := src.read(1 << 20):
                    # Whole lines per write, as writers append them.
                    chunk += src.readline()
                    dst.write(chunk)
                    if time.monotonic() >= next_scrape:
                        scrape(connection)
                        scrapes += 1
                        next_scrape += 0.01
            written = time.monotonic() - start
            while events_total(scrape(connection)) < lines:
                scrapes += 1
                time.sleep(0.01)
            elapsed = time.monotonic() - start
            cpu = cpu_seconds(process.pid) - cpu_before
        finally:
            process.terminate()
            process.wait()
    print(f"ingest: {lines} lines ({size / 1e6:.0f} MB) in {elapsed:.2f} s "
          f"(appended in {written:.2f} s), {scrapes} scrapes meanwhile")
    print(f"ingest: {lines / elapsed:,.0f} lines/s, {size / elapsed / 1e6:.0f} MB/s; "
          f"serve CPU {cpu:.2f} s = {lines / max(cpu, 1e-9):,.0f} lines per CPU-second")


def scrape_latency(cli, source, requests):
    lines = sum(1 for _ in open(source, "rb"))
    with tempfile.TemporaryDirectory() as work:
        process, port = start_serve(cli, source, os.path.join(work, "serve.err"))
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port)
            while events_total(body := scrape(connection)) < lines:
                time.sleep(0.05)
            series = sum(1 for line in body.decode().splitlines()
                         if line and not line.startswith("#"))
            times = []
            for _ in range(requests):
                start = time.perf_counter()
                scrape(connection)
                times.append(time.perf_counter() - start)
        finally:
            process.terminate()
            process.wait()
    times.sort()
    ms = [t * 1000 for t in times]
    print(f"scrape: {series} series, {len(body) / 1e3:.0f} kB; {requests} GET /metrics: "
          f"median {statistics.median(ms):.2f} ms, p99 {ms[int(0.99 * (len(ms) - 1))]:.2f} ms, "
          f"max {ms[-1]:.2f} ms")


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("ingest", "scrape"):
        sys.exit(__doc__)
    if sys.argv[1] == "ingest":
        ingest(sys.argv[2], sys.argv[3])
    else:
        scrape_latency(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 500)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Measures `runner-metrics serve`: how many log lines a second it ingests
while being scraped, and how long a scrape takes.

    python3 bench/serve/measure.py ingest  CLI SOURCE_LOG   # append SOURCE_LOG to a followed log
    python3 bench/serve/measure.py scrape  CLI SOURCE_LOG [REQUESTS]
    python3 bench/serve/measure.py mtail   CLI SOURCE_LOG [ROUNDS] [MTAIL_PROGS_DIR]

ingest: serve follows an empty log; the source is appended to it in 1 MiB
writes as fast as the disk takes them, while /metrics is scraped every
10 ms (1,500 times as often as Prometheus's default 15 s) on one kept-alive
connection. The rate is lines / seconds from the first write until a
scrape shows every line counted; CPU is serve's user + system time over
the same span.

scrape: serve reads the source first; then REQUESTS (default 500) GET
/metrics, one after another on one kept-alive connection, each timed from
sending the request to the last byte of the answer.

mtail: serve against mtail (Debian's `mtail`) running an equivalent program
(mtail/runner_metrics.mtail: events per event and flavor, the job-duration
histogram with serve's buckets). Each follows an empty log of its own, with
its default settings; the source is appended to it in 1 MiB writes of whole
lines, then its /metrics is polled every 10 ms until the events counted
reach the number of lines. Time = first write to that scrape. The two
alternate over ROUNDS (default 5) rounds, the first one starting in odd
rounds and the other in even ones; after each, the events per (event,
flavor) and every job_duration_seconds bucket and count must equal serve's
(the _sum within 1e-9 relative), or the script exits 1. Prints the medians
and mtail / serve.
"""
import http.client
import os
import math
import re
import socket
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


def whole_line_chunks(source):
    """The source in chunks of about 1 MiB of whole lines, as writers append
    them, cut before the clock starts: building each chunk while timing made
    the writer itself take 0.4-0.5 s for 97 MB (a fresh 1 MiB object per
    write), the floor of every contender's time and most of serve's."""
    chunks = []
    with open(source, "rb") as src:
        while chunk := src.read(1 << 20):
            chunks.append(chunk + src.readline())
    return chunks


def append_chunks(log, chunks):
    with open(log, "ab", buffering=0) as dst:
        for chunk in chunks:
            dst.write(chunk)


def ingest(cli, source):
    lines = sum(1 for _ in open(source, "rb"))
    chunks = whole_line_chunks(source)
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
            with open(log, "ab", buffering=0) as dst:
                for chunk in chunks:
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


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def compared_series(body):
    """{(metric, labels): value} for the series serve and mtail both have:
    runner_metric_events_total and job_duration_seconds_{bucket,sum,count}
    (mtail's `prog` label dropped, `le` read as a number)."""
    series = {}
    for line in body.decode().splitlines():
        match = SAMPLE.match(line)
        if not match:
            continue
        name, labels, value = match.groups()
        if name != "runner_metric_events_total" and not name.startswith("job_duration_seconds"):
            continue
        pairs = dict(LABEL.findall(labels or ""))
        pairs.pop("prog", None)
        if "le" in pairs:
            pairs["le"] = float(pairs["le"])
        series[(name, tuple(sorted(pairs.items())))] = float(value)
    return series


def events_counted(series):
    return sum(v for (name, _), v in series.items() if name == "runner_metric_events_total")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mtail(progs, log, err_path):
    port = free_port()
    err = open(err_path, "w")
    # Its defaults otherwise (inotify, and polling every 250 ms), as installed.
    process = subprocess.Popen(["mtail", "--progs", progs, "--logs", log, "--address", "127.0.0.1",
                                "--port", str(port), "--emit_prog_label=false", "--logtostderr"],
                               stderr=err, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            # The status page lists the log once mtail follows it: lines
            # appended before that would be skipped (it starts at the end).
            connection.request("GET", "/")
            if log.encode() in connection.getresponse().read():
                return process, port
        except OSError:
            pass
        time.sleep(0.05)
    process.kill()
    sys.exit("mtail did not start: " + open(err_path).read())


def ingest_once(name, start, chunks, lines):
    """Seconds from the first write until a scrape counts every line, the
    process's CPU seconds (every thread) over that span, and the compared
    series of that scrape."""
    with tempfile.TemporaryDirectory() as work:
        log = os.path.join(work, "metrics.log")
        open(log, "w").close()
        process, port = start(log, os.path.join(work, f"{name}.err"))
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            cpu_before = cpu_seconds(process.pid)
            begin = time.monotonic()
            append_chunks(log, chunks)
            deadline = begin + 600
            while True:
                series = compared_series(scrape(connection))
                if events_counted(series) >= lines:
                    break
                if time.monotonic() > deadline or process.poll() is not None:
                    sys.exit(f"{name} counted {events_counted(series):.0f} of {lines} lines")
                time.sleep(0.01)
            return time.monotonic() - begin, cpu_seconds(process.pid) - cpu_before, series
        finally:
            process.terminate()
            process.wait()


def against_mtail(cli, source, rounds, progs):
    lines = sum(1 for _ in open(source, "rb"))
    chunks = whole_line_chunks(source)
    size = os.path.getsize(source)
    contenders = {
        "serve": lambda log, err: start_serve(cli, log, err),
        "mtail": lambda log, err: start_mtail(progs, log, err),
    }
    times = {name: [] for name in contenders}
    cpus = {name: [] for name in contenders}
    reference = None
    for round_index in range(rounds):
        order = list(contenders) if round_index % 2 == 0 else list(contenders)[::-1]
        for name in order:
            seconds, cpu, series = ingest_once(name, contenders[name], chunks, lines)
            times[name].append(seconds)
            cpus[name].append(cpu)
            if reference is None:
                reference = series
            elif series.keys() != reference.keys() or any(
                    not math.isclose(series[key], reference[key],
                                     rel_tol=1e-9 if key[0].endswith("_sum") else 0.0)
                    for key in series):
                differ = sorted(key for key in series.keys() | reference.keys()
                                if series.get(key) != reference.get(key))
                sys.exit(f"round {round_index + 1}: {name} counted otherwise, e.g. {differ[:3]}: "
                         f"{[series.get(k) for k in differ[:3]]} vs {[reference.get(k) for k in differ[:3]]}")
        print(f"round {round_index + 1}/{rounds}: "
              + ", ".join(f"{n} {times[n][-1]:.2f} s" for n in contenders), flush=True)
    buckets = sum(1 for name, _ in reference if name == "job_duration_seconds_bucket")
    print(f"every round: serve and mtail agree on {len(reference)} series "
          f"(events per event and flavor; {buckets} job_duration_seconds buckets, sums, counts)")
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, median in medians.items():
        print(f"{name:6} median {median:.2f} s, {lines / median:,.0f} lines/s, "
              f"{size / median / 1e6:.0f} MB/s ({lines} lines, {size / 1e6:.0f} MB); "
              f"CPU median {statistics.median(cpus[name]):.2f} s")
    ratio = medians["mtail"] / medians["serve"]
    # CPU seconds move less than wall time when neighbours load the machine.
    cpu_ratio = statistics.median(cpus["mtail"]) / max(statistics.median(cpus["serve"]), 1e-9)
    print(f"ratio mtail/serve = {ratio:.1f} (target >= 20)" + ("" if ratio >= 20 else " MISSED")
          + f"; CPU time {cpu_ratio:.1f}")


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("ingest", "scrape", "mtail"):
        sys.exit(__doc__)
    if sys.argv[1] == "ingest":
        ingest(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "scrape":
        scrape_latency(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 500)
    else:
        progs = sys.argv[5] if len(sys.argv) > 5 else os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "mtail")
        against_mtail(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 5,
                      progs)


if __name__ == "__main__":
    main()

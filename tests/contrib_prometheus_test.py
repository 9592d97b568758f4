#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Every PromQL expression the project ships, evaluated by a real Prometheus.

Usage: contrib_prometheus_test.py SOURCE_DIR RUNNER_METRICS_CLI

Starts `runner-metrics serve` on a log, a Prometheus (Debian's package) that
scrapes it every second and loads contrib/prometheus/runner-metrics.rules.yml,
and appends a generated fleet's events (every event kind, every stop status,
an invalid line, an unknown event type, an over-long flavor, a rotation) while
Prometheus scrapes. Then every expression read out of the rules file and the
Grafana dashboard (panel targets and query variables, so a panel added later
is checked too) is asked of Prometheus:

- each must answer with status "success", as an instant and as a range query;
- each metric name it uses must be one serve exposes, one a recording rule
  makes, or `up`;
- it must return data: a recording rule or a panel at least one sample that
  is not NaN; an alert, evaluated with `bool` after each comparison (so that
  it returns a series whatever its threshold), at least one series.

Exit status 0: passed; 1: failed (each failure on stderr); 77: skipped
(Prometheus or PyYAML is not installed), with the reason.
"""

import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

PROMETHEUS = "/usr/bin/prometheus"
SKIP = 77

FLAVORS = ["small", "large"]
STATUSES = ["normal", "abnormal", "repo-policy-check-failure", "timeout"]
CONCLUSIONS = ["success", "failure", "cancelled"]
# Dashboard variables and the values the test gives them: Grafana's
# multi-value regex for $flavor, and intervals that cover several of the
# test's 1 s scrapes.
RATE_INTERVAL = "1m"
INTERVAL = "30s"
RANGE = "5m"

failures = []


def fail(message):
    failures.append(message)


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


# ---------------------------------------------------------------- expressions


def expressions_of_rules(path, yaml):
    """(where, kind, name, expr) for every rule of the rules file."""
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    out = []
    for group in doc["groups"]:
        for rule in group["rules"]:
            if "record" in rule:
                out.append((f"rule {rule['record']}", "record", rule["record"], rule["expr"]))
            else:
                out.append((f"alert {rule['alert']}", "alert", rule["alert"], rule["expr"]))
    return out


def walk_panels(panels):
    for panel in panels:
        yield panel
        yield from walk_panels(panel.get("panels", []))


def expressions_of_dashboard(path):
    """(where, kind, None, expr) for each panel target and query variable."""
    with open(path, encoding="utf-8") as f:
        dashboard = json.load(f)
    out = []
    for panel in walk_panels(dashboard.get("panels", [])):
        for target in panel.get("targets", []):
            if target.get("expr"):
                out.append((f"panel '{panel.get('title')}' target {target.get('refId')}",
                            "panel", None, target["expr"]))
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") != "query":
            continue
        query = variable.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        out.append((f"variable ${variable['name']}", "variable", None, query))
    return out


def substitute(expr, flavors):
    """The expression as Grafana would send it: variables replaced."""
    flavor_regex = "(" + "|".join(re.escape(f) for f in flavors) + ")"
    for pattern, value in [
        (r"\$\{flavor(:[a-z]+)?\}|\$flavor\b|\[\[flavor\]\]", flavor_regex),
        (r"\$__rate_interval\b|\$\{__rate_interval\}", RATE_INTERVAL),
        (r"\$__interval\b|\$\{__interval\}", INTERVAL),
        (r"\$__range\b|\$\{__range\}", RANGE),
    ]:
        expr = re.sub(pattern, lambda _m, v=value: v, expr)
    return expr


def grafana_function_to_promql(expr):
    """Grafana's label_values(metric, label) as the PromQL it stands for."""
    m = re.fullmatch(r"\s*label_values\(\s*(.+?)\s*,\s*([a-zA-Z_]\w*)\s*\)\s*", expr)
    if m:
        return f"count by ({m.group(2)}) ({m.group(1)})"
    return expr


STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
            "unless", "offset", "inf", "nan", "atan2"}


def metric_names(expr):
    """The metric names an expression selects (not functions, labels, keywords)."""
    text = STRING.sub('""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges and subqueries
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for m in re.finditer(r"(?<![\w:.])([a-zA-Z_:][\w:]*)(\s*\()?", text):
        name, call = m.group(1), m.group(2)
        if call or name.lower() in KEYWORDS:
            continue
        names.add(name)
    return names


COMPARISON = re.compile(r"(==|!=|>=|<=|>|<)(?!\s*bool\b)")


def with_bool_comparisons(expr):
    """`a > 3` → `a > bool 3`: a filter becomes a 0/1 answer for every series."""
    parts = []
    last = 0
    # Only outside strings and label matchers, where = and != also appear.
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"|\{[^}]*\}', expr):
        parts.append(COMPARISON.sub(r"\1 bool", expr[last:m.start()]))
        parts.append(m.group(0))
        last = m.end()
    parts.append(COMPARISON.sub(r"\1 bool", expr[last:]))
    return "".join(parts)


# ------------------------------------------------------------------- processes


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path, timeout=10):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"timed out after {timeout} s waiting for {what}")


def start_serve(cli, log, workdir):
    err = open(os.path.join(workdir, "serve.err"), "w+", encoding="utf-8")
    proc = subprocess.Popen([cli, "serve", "--log", log, "--listen", "127.0.0.1:0"],
                            stdout=subprocess.DEVNULL, stderr=err)
    port = [0]

    def said_port():
        err.seek(0)
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", err.read())
        if m:
            port[0] = int(m.group(1))
        if proc.poll() is not None:
            err.seek(0)
            raise RuntimeError(f"serve exited {proc.returncode}: {err.read()}")
        return port[0] != 0

    wait_for(said_port, 30, "serve to say its port")
    return proc, port[0]


# ------------------------------------------------------------------ the fleet


class Fleet:
    """Appends a generated fleet's events to the log, as whole lines."""

    def __init__(self, log):
        self.log = log
        self.rng = random.Random(15)
        self.batches = 0

    def append(self, lines):
        data = "".join(line + "\n" for line in lines).encode("utf-8")
        fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def batch(self):
        """One of each event kind per flavor; now and then the unusual lines."""
        rng, now, n = self.rng, time.time(), self.batches
        self.batches += 1
        lines = []
        for i, flavor in enumerate(FLAVORS):
            status = STATUSES[(n + i) % len(STATUSES)]
            start = {"timestamp": now, "event": "runner_start", "flavor": flavor,
                     "workflow": "Tests", "repo": f"org/repo-{rng.randrange(3)}",
                     "github_event": rng.choice(["push", "pull_request", "schedule"]),
                     "idle": round(rng.uniform(1, 900), 3)}
            if n % 5 != 4:  # some writers do not know the queue time
                start["queue_duration"] = round(rng.expovariate(1 / 120), 3)
            stop = {"timestamp": now, "event": "runner_stop", "flavor": flavor,
                    "workflow": "Tests", "repo": start["repo"],
                    "github_event": start["github_event"], "status": status}
            if status != "normal":
                stop["status_info"] = {"code": 137 if status == "abnormal" else 403}
            stop["job_duration"] = round(rng.uniform(30, 7200), 3)
            # Fields of later writers (docs/format.md); serve reads them once
            # it knows them and ignores them until then.
            stop["job_conclusion"] = rng.choice(CONCLUSIONS)
            idle = rng.randrange(0, 6)
            active = rng.randrange(0, 10)
            lines += [
                json.dumps({"timestamp": now, "event": "runner_installed", "flavor": flavor,
                            "duration": round(rng.uniform(20, 400), 3)}),
                json.dumps(start),
                json.dumps(stop),
                json.dumps({"timestamp": now, "event": "reconciliation", "flavor": flavor,
                            "crashed_runners": rng.choice([0, 0, 1, 3]), "idle_runners": idle,
                            "active_runners": active, "expected_runners": idle + active + 2,
                            "duration": round(rng.uniform(5, 700), 3)}),
            ]
        if n % 4 == 0:
            lines.append('{"timestamp": 1, "event": "runner_installed", "flavor": "small"}')
            lines.append(json.dumps({"timestamp": now, "event": "runner_upgraded",
                                     "flavor": "small"}))
            lines.append(json.dumps({"timestamp": now, "event": "runner_installed",
                                     "flavor": "x" * 300, "duration": 1.5}))
        self.append(lines)


# ----------------------------------------------------------------------- main


def exposition_names(text):
    names = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            names.add(re.match(r"[a-zA-Z_:][\w:]*", line).group(0))
    return names


def query(port, promql, **params):
    path = "/api/v1/query_range" if "start" in params else "/api/v1/query"
    status, body = http_get(port, path + "?" + urllib.parse.urlencode({"query": promql, **params}))
    try:
        doc = json.loads(body)
    except ValueError:
        doc = {"status": "error", "error": body[:200]}
    if status != 200 and doc.get("status") == "success":
        doc = {"status": "error", "error": f"HTTP {status}"}
    return doc


def has_data(doc, need_number):
    result = doc.get("data", {}).get("result", [])
    if doc.get("data", {}).get("resultType") == "scalar":
        result = [{"value": result}]
    for series in result:
        values = series.get("values") or [series.get("value")]
        for value in values:
            if not need_number or not math.isnan(float(value[1])):
                return True
    return False


def main():
    if len(sys.argv) != 3:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    source, cli = sys.argv[1], sys.argv[2]
    if not os.path.exists(PROMETHEUS):
        skip(f"{PROMETHEUS} is not installed (apt-get install prometheus)")
    try:
        import yaml  # Debian's python3-yaml
    except ImportError:
        skip("PyYAML is not installed (apt-get install python3-yaml)")

    rules_file = os.path.join(source, "contrib/prometheus/runner-metrics.rules.yml")
    dashboard_file = os.path.join(source, "contrib/grafana/runner-metrics.json")
    rules = expressions_of_rules(rules_file, yaml)
    # The scrape job as the shipped configuration names it, which the rules
    # match on (up{job=...}).
    with open(os.path.join(source, "contrib/prometheus/prometheus.yml"), encoding="utf-8") as f:
        job_name = yaml.safe_load(f)["scrape_configs"][0]["job_name"]
    checks = rules + expressions_of_dashboard(dashboard_file)
    recorded = {name: expr for _w, kind, name, expr in rules if kind == "record"}

    workdir = tempfile.mkdtemp(prefix="contrib-prometheus-")
    serve = prometheus = None
    try:
        log = os.path.join(workdir, "metrics.log")
        fleet = Fleet(log)
        fleet.batch()
        serve, serve_port = start_serve(cli, log, workdir)

        prometheus_port = free_port()
        config = os.path.join(workdir, "prometheus.yml")
        with open(config, "w", encoding="utf-8") as f:
            f.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {json.dumps(rules_file)}
scrape_configs:
  - job_name: {json.dumps(job_name)}
    static_configs:
      - targets: ['127.0.0.1:{serve_port}']
""")
        prometheus_err = open(os.path.join(workdir, "prometheus.err"), "w+", encoding="utf-8")
        prometheus = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={workdir}/data",
             f"--web.listen-address=127.0.0.1:{prometheus_port}", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=prometheus_err)
        wait_for(lambda: http_get(prometheus_port, "/-/ready")[0] == 200, 60,
                 "Prometheus to be ready")
        started = time.time()

        # 24 s of a fleet, half a second apart, with a logrotate-style
        # rename half-way (serve reopens the log: metrics_log_reopens_total).
        for i in range(48):
            if i == 24:
                os.rename(log, log + ".1")
            fleet.batch()
            time.sleep(0.5)

        status, text = http_get(serve_port, "/metrics")
        if status != 200:
            raise RuntimeError(f"serve's /metrics answered {status}")
        exposed = exposition_names(text)
        flavors = sorted(set(re.findall(r'flavor="([^"]*)"', text)))

        def sources(name, seen=()):
            """Metric names behind a name, through recording rules."""
            if name in recorded and name not in seen:
                return set().union(*(sources(n, seen + (name,))
                                     for n in metric_names(recorded[name])))
            return {name}

        def evaluate_all(final):
            missing = []  # (where, expr) of expressions that must have data and have none
            with_data = 0
            for where, kind, _name, raw in checks:
                expr = grafana_function_to_promql(substitute(raw, flavors))
                if "$" in expr:
                    fail(f"{where}: a variable the test does not know: {expr}")
                    continue
                names = metric_names(expr)
                used = set().union(*(sources(n) for n in names)) if names else set()
                unknown = {n for n in used
                           if n not in exposed and n != "up"}
                if unknown:
                    if final:
                        fail(f"{where}: uses metrics serve does not expose: {sorted(unknown)}")
                    continue
                instant = query(prometheus_port, expr)
                if instant.get("status") != "success":
                    if final:
                        fail(f"{where}: {instant.get('errorType')}: {instant.get('error')}"
                             f"\n    {expr}")
                    continue
                if kind == "panel":
                    ranged = query(prometheus_port, expr, start=started, end=time.time(),
                                   step="1")
                    if ranged.get("status") != "success" and final:
                        fail(f"{where}: range query: {ranged.get('error')}\n    {expr}")
                if kind == "alert":
                    answer = query(prometheus_port, with_bool_comparisons(expr))
                    ok = answer.get("status") == "success" and has_data(answer, False)
                else:
                    ok = has_data(instant, True)
                if ok:
                    with_data += 1
                else:
                    missing.append((where, expr))
            return missing, with_data

        # Recording rules need an evaluation after the data: retry a while.
        deadline = time.monotonic() + 30
        while True:
            missing, _with_data = evaluate_all(final=False)
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(1)
        failures.clear()
        missing, with_data = evaluate_all(final=True)
        for where, expr in missing:
            fail(f"{where}: no data\n    {expr}")

        rule_count = sum(kind in ("record", "alert") for _w, kind, _n, _e in checks)
        print(f"{len(checks)} expressions ({rule_count} from the rules, "
              f"{len(checks) - rule_count} from the dashboard); {with_data} returned data.")
        if serve.poll() is not None:
            fail(f"serve exited {serve.returncode} during the test")
    finally:
        for proc in (prometheus, serve):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if failures:
            for name in ("serve.err", "prometheus.err"):
                path = os.path.join(workdir, name)
                if os.path.exists(path):
                    with open(path, encoding="utf-8", errors="replace") as f:
                        tail = f.read()[-2000:]
                    if tail:
                        print(f"--- {name} (end)\n{tail}", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)

    for message in failures:
        print(f"FAIL: {message}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

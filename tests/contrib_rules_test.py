#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The alerting rules and the dashboard as shipped, checked with promtool.

Usage: contrib_rules_test.py SOURCE_DIR

- `promtool check rules` on contrib/prometheus/runner-metrics.rules.yml and
  `promtool check config` on contrib/prometheus/prometheus.yml (which loads it);
- `promtool test rules` on contrib/prometheus/tests/*.yml;
- every alert has a severity label, summary and description annotations, a
  runbook section in docs/alerts.md (and that page names no alert that does
  not exist), and unit tests with a history that fires it and one where it
  must not fire;
- the dashboard takes its data source from a variable, has a `flavor`
  variable, and each panel queries the data source variable; the
  provisioning files point Grafana at the dashboard's folder.

Exit status 0: passed; 1: failed (each failure on stderr); 77: skipped
(promtool or PyYAML is not installed), with the reason.
"""

import glob
import json
import os
import re
import subprocess
import sys

PROMTOOL = "/usr/bin/promtool"
SKIP = 77
SEVERITIES = {"critical", "warning", "info"}

failures = []


def fail(message):
    failures.append(message)


def run(argv, cwd):
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        fail(f"{' '.join(argv)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result


def main():
    if len(sys.argv) != 2:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    source = sys.argv[1]
    if not os.path.exists(PROMTOOL):
        print(f"SKIP: {PROMTOOL} is not installed (apt-get install prometheus)")
        return SKIP
    try:
        import yaml  # Debian's python3-yaml
    except ImportError:
        print("SKIP: PyYAML is not installed (apt-get install python3-yaml)")
        return SKIP

    prometheus_dir = os.path.join(source, "contrib/prometheus")
    rules_file = os.path.join(prometheus_dir, "runner-metrics.rules.yml")
    unit_tests = sorted(glob.glob(os.path.join(prometheus_dir, "tests/*.yml")))
    run([PROMTOOL, "check", "rules", rules_file], prometheus_dir)
    run([PROMTOOL, "check", "config", "prometheus.yml"], prometheus_dir)
    if not unit_tests:
        fail("no unit tests in contrib/prometheus/tests/")
    else:
        result = run([PROMTOOL, "test", "rules", *unit_tests], prometheus_dir)
        print(result.stdout.strip())

    with open(rules_file, encoding="utf-8") as f:
        rules = yaml.safe_load(f)
    alerts = [rule for group in rules["groups"] for rule in group["rules"] if "alert" in rule]
    names = [alert["alert"] for alert in alerts]
    if len(set(names)) != len(names):
        fail(f"alert names repeat: {names}")

    # Which alerts the unit tests see firing, and see not firing.
    fired, quiet = set(), set()
    for path in unit_tests:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        for test in doc.get("tests", []):
            for case in test.get("alert_rule_test", []):
                (fired if case.get("exp_alerts") else quiet).add(case["alertname"])

    with open(os.path.join(source, "docs/alerts.md"), encoding="utf-8") as f:
        runbook = f.read()
    sections = set(re.findall(r"^### `?(\w+)`?\s*$", runbook, re.MULTILINE))

    for alert in alerts:
        name = alert["alert"]
        if alert.get("labels", {}).get("severity") not in SEVERITIES:
            fail(f"{name}: severity label must be one of {sorted(SEVERITIES)}")
        for annotation in ("summary", "description"):
            if not alert.get("annotations", {}).get(annotation, "").strip():
                fail(f"{name}: no {annotation} annotation")
        if name not in sections:
            fail(f"{name}: no '### {name}' runbook section in docs/alerts.md")
        if name not in fired:
            fail(f"{name}: no unit test in which it fires")
        if name not in quiet:
            fail(f"{name}: no unit test in which it must not fire (exp_alerts: [])")
    for section in sorted(sections - set(names)):
        fail(f"docs/alerts.md has a runbook for {section}, which is no alert")

    # The dashboard and its provisioning.
    with open(os.path.join(source, "contrib/grafana/runner-metrics.json"), encoding="utf-8") as f:
        dashboard = json.load(f)
    variables = {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}
    datasource = variables.get("datasource", {})
    if datasource.get("type") != "datasource" or datasource.get("query") != "prometheus":
        fail("dashboard: no `datasource` variable of Prometheus data sources")
    flavor = variables.get("flavor", {})
    if flavor.get("type") != "query" or not flavor.get("includeAll"):
        fail("dashboard: no `flavor` query variable with an All option")
    if not dashboard.get("uid"):
        fail("dashboard: no uid (provisioned dashboards need a stable one)")
    panels = [p for p in dashboard.get("panels", []) if p.get("type") != "row"]
    ids = [p.get("id") for p in dashboard.get("panels", [])]
    if len(set(ids)) != len(ids):
        fail(f"dashboard: panel ids repeat: {ids}")
    # Grafana lays panels out by gridPos: 24 columns; overlapping panels are
    # pushed around and the layout is not the one written.
    taken = {}
    for panel in dashboard.get("panels", []):
        pos = panel.get("gridPos", {})
        x, y, w, h = (pos.get(k, -1) for k in ("x", "y", "w", "h"))
        if x < 0 or y < 0 or w <= 0 or h <= 0 or x + w > 24:
            fail(f"dashboard: panel '{panel.get('title')}' has no place in 24 columns: {pos}")
            continue
        for cell in ((cx, cy) for cx in range(x, x + w) for cy in range(y, y + h)):
            if cell in taken:
                fail(f"dashboard: panels '{taken[cell]}' and '{panel.get('title')}' overlap")
                break
            taken[cell] = panel.get("title")
    for panel in panels:
        if not panel.get("description"):
            fail(f"dashboard: panel '{panel.get('title')}' has no description")
        uids = [panel.get("datasource", {}).get("uid")] + [
            t.get("datasource", {}).get("uid") for t in panel.get("targets", [])]
        if any(uid != "${datasource}" for uid in uids) or not panel.get("targets"):
            fail(f"dashboard: panel '{panel.get('title')}' does not query ${{datasource}}")

    provisioning = os.path.join(source, "contrib/grafana/provisioning")
    with open(os.path.join(provisioning, "dashboards/runner-metrics.yml"), encoding="utf-8") as f:
        providers = yaml.safe_load(f)["providers"]
    if [p.get("type") for p in providers] != ["file"] or not providers[0]["options"]["path"]:
        fail("provisioning: the dashboard provider must be one file provider with a path")
    with open(os.path.join(provisioning, "datasources/runner-metrics.yml"), encoding="utf-8") as f:
        sources = yaml.safe_load(f)["datasources"]
    if [s.get("type") for s in sources] != ["prometheus"]:
        fail("provisioning: the datasource file must define one Prometheus data source")

    for message in failures:
        print(f"FAIL: {message}", file=sys.stderr)
    if not failures:
        print(f"{len(alerts)} alerts: each fires in a unit test and stays quiet in another, "
              "and has its runbook")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks the generated man page and bash completion against the binary's --help.

    check_docs.py CHECK --cli BINARY --man runner-metrics.1 --completion runner-metrics.bash
                  --source-dir REPO --version X.Y.Z

CHECK is one of:
  man_page           every command reachable from `runner-metrics --help`, every option and
                     positional each one's --help shows, and every exit status line is in the
                     rendered page, and man(1) renders it without a warning
  completion         the completion registers for runner-metrics and completes every command
                     and every option at its place, and the values of options with choices
  logrotate_example  contrib/logrotate/github-runner-metrics is what setup-logrotate writes
  version            --version, the man page and packaging/debian/changelog carry the
                     CMake project version

CTest runs each (cmake/RunnerMetricsInstall.cmake). It reads --help with its
own small parser rather than the generator's, so a generator that drops
something fails here. Exits 1 listing every problem.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROGRAM = "runner-metrics"
ENV = {k: v for k, v in os.environ.items() if k != "RUNNER_METRICS_LOG"}


def run(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, env=ENV, timeout=60, **kwargs)


def help_of(cli: str, path: tuple[str, ...]) -> str:
    result = run(cli, *path, "--help")
    if result.returncode != 0:
        raise SystemExit(f"`{' '.join((PROGRAM, *path))} --help` exited {result.returncode}")
    return result.stdout


def section(text: str, title: str) -> list[str]:
    """The entry lines of a help section: "Subcommands:" up to the next blank line."""
    lines = text.splitlines()
    if f"{title}:" not in lines:
        return []
    out = []
    for line in lines[lines.index(f"{title}:") + 1 :]:
        if not line.strip():
            break
        if re.match(r"  \S", line):
            out.append(line.strip())
    return out


def commands(cli: str) -> dict[tuple[str, ...], str]:
    """Every command path, from the top level down, with its --help."""
    found: dict[tuple[str, ...], str] = {}
    todo: list[tuple[str, ...]] = [()]
    while todo:
        path = todo.pop(0)
        text = help_of(cli, path)
        found[path] = text
        todo.extend((*path, line.split()[0]) for line in section(text, "Subcommands"))
    return found


def options(text: str) -> list[str]:
    """The option names (-h, --log) in the entry column of every section of a --help."""
    names = []
    for line in text.splitlines():
        match = re.match(r"  (-\S+)", line)
        if match:
            names.extend(n for n in match.group(1).split(",") if n.startswith("-"))
    return names


def positionals(text: str) -> list[str]:
    return [line.split()[0] for line in section(text, "Positionals")]


def footer_lines(text: str) -> list[str]:
    """Unindented lines after the last section: the footer."""
    lines = text.rstrip("\n").splitlines()
    out: list[str] = []
    for line in reversed(lines):
        if not line.strip() or line.startswith(" ") or line.endswith(":"):
            break
        out.insert(0, line.strip())
    return out


def render(man: Path) -> tuple[dict[str, str], str]:
    """The rendered page as {heading: its text}, headings being the .SH titles
    ("OPTIONS") and the .SS titles ("runner-metrics issue"); and man's warnings."""
    env = dict(ENV, MANWIDTH="1000", MAN_KEEP_FORMATTING="", LC_ALL="C.UTF-8")
    result = subprocess.run(
        ["man", "--warnings", "-E", "UTF-8", "-l", str(man)],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"man -l {man} exited {result.returncode}: {result.stderr}")
    # Whatever groff turned an ASCII hyphen into, compare as ASCII.
    text = re.sub("[\u2010\u2011\u2212]", "-", result.stdout)
    blocks: dict[str, list[str]] = {}
    heading = ""
    for line in text.splitlines():
        if re.match(r"(\S|   \S)", line):  # .SH at column 0, .SS at column 3
            heading = line.strip()
            blocks.setdefault(heading, [])
        else:
            blocks.setdefault(heading, []).append(line)
    return {h: " ".join(" ".join(lines).split()) for h, lines in blocks.items()}, result.stderr


def check_man_page(args) -> list[str]:
    problems = []
    blocks, warnings = render(args.man)
    if warnings.strip():
        problems.append(f"man --warnings: {warnings.strip()}")
    root_footer = None
    for path, text in commands(args.cli).items():
        name = " ".join((PROGRAM, *path))
        block = blocks.get(name if path else "OPTIONS")
        if block is None:
            problems.append(f"the man page has no section `{name if path else 'OPTIONS'}`")
            continue
        words = set(re.findall(r"[-\w.]+", block))
        for option in options(text):
            # -h, --help: every command has it; the page says so once, under OPTIONS.
            if option not in words and (not path or option not in ("-h", "--help")):
                problems.append(f"{name}: option {option} is not in its man page section")
        for positional in positionals(text):
            if positional not in words:
                problems.append(f"{name}: argument {positional} is not in its man page section")
        footer = footer_lines(text)
        if not path:
            root_footer = footer
            exits = re.findall(r"(\d+) ([^;.]+)", " ".join(footer).split("Exit status:", 1)[-1])
            if not exits:
                problems.append("`runner-metrics --help` states no exit status")
            for code, what in exits:
                if f"{code} {what.strip()}" not in blocks.get("EXIT STATUS", ""):
                    problems.append(f"exit status {code} ({what.strip()}) is not in EXIT STATUS")
        elif footer != root_footer:
            for line in footer:
                if " ".join(line.split()) not in block:
                    problems.append(f"{name}: footer line not in its man page section: {line}")
    return problems


def complete(completion: Path, words: list[str]) -> list[str]:
    """COMPREPLY for the command line `words`, the cursor at the end of the last word."""
    script = (
        'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
        'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _runner_metrics; '
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    result = run("bash", "--norc", "--noprofile", "-c", script, "bash", str(completion), *words)
    if result.returncode != 0 or result.stderr:
        raise SystemExit(f"completing {words}: exit {result.returncode}: {result.stderr}")
    return [line for line in result.stdout.splitlines() if line]


def check_completion(args) -> list[str]:
    problems = []
    registered = run("bash", "--norc", "--noprofile", "-c",
                     'source "$1" && complete -p runner-metrics', "bash", str(args.completion))
    if registered.stdout.strip() != "complete -F _runner_metrics runner-metrics":
        problems.append(f"complete -p runner-metrics: {registered.stdout}{registered.stderr}")
    for path, text in commands(args.cli).items():
        line = [PROGRAM, *path]
        subcommands = [entry.split()[0] for entry in section(text, "Subcommands")]
        if subcommands:
            got = complete(args.completion, [*line, ""])
            if got != subcommands:
                problems.append(f"`{' '.join(line)} <TAB>` gives {got}, not {subcommands}")
            for sub in subcommands:
                got = complete(args.completion, [*line, sub[:-1]])
                if sub not in got:
                    problems.append(f"`{' '.join(line)} {sub[:-1]}<TAB>` gives {got}, no {sub}")
        for option in options(text):
            got = complete(args.completion, [*line, option])
            if option not in got:
                problems.append(f"`{' '.join(line)} {option}<TAB>` gives {got}")
        for entry in text.splitlines():
            match = re.match(r"  (--[\w-]+) \S*\{([^}]*)\}", entry)
            if not match:
                continue
            option, choices = match.group(1), match.group(2).split(",")
            for words in ([*line, option, ""], [*line, option, "=", ""]):
                got = complete(args.completion, words)
                if got != choices:
                    problems.append(f"`{' '.join(words)}<TAB>` gives {got}, not {choices}")
    # A partial word, and a path value after an option that takes one.
    if complete(args.completion, [PROGRAM, "setup-log"]) != ["setup-logrotate"]:
        problems.append("`runner-metrics setup-log<TAB>` does not give setup-logrotate")
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "metrics.log").touch()
        got = complete(args.completion, [PROGRAM, "setup-logrotate", "--log", f"{scratch}/met"])
        if got != [f"{scratch}/metrics.log"]:
            problems.append(f"`setup-logrotate --log DIR/met<TAB>` gives {got}")
    return problems


def check_logrotate_example(args) -> list[str]:
    example = args.source_dir / "contrib" / "logrotate" / "github-runner-metrics"
    true = shutil.which("true")
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "github-runner-metrics"
        result = run(args.cli, "setup-logrotate", "--config", str(config), "--systemctl", true)
        if result.returncode != 0:
            return [f"setup-logrotate exited {result.returncode}: {result.stderr}"]
        if config.read_text() != example.read_text():
            return [f"{example} differs from what setup-logrotate writes:\n{config.read_text()}"]
    return []


def check_version(args) -> list[str]:
    problems = []
    printed = run(args.cli, "--version").stdout.strip()
    if printed != f"{PROGRAM} {args.version}":
        problems.append(f"--version prints {printed!r}, not '{PROGRAM} {args.version}'")
    changelog = (args.source_dir / "packaging" / "debian" / "changelog").read_text()
    top = re.match(r"runner-metrics \(([^)]+)\)", changelog)
    if not top or top.group(1) != args.version:
        problems.append(
            f"packaging/debian/changelog's newest entry is {top.group(1) if top else '?'}, "
            f"not {args.version}: add an entry for the new version"
        )
    th = next((l for l in args.man.read_text().splitlines() if l.startswith(".TH ")), "")
    if f"runner\\-metrics {args.version}" not in th:
        problems.append(f"the man page's .TH line does not carry {args.version}: {th}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("check", choices=["man_page", "completion", "logrotate_example", "version"])
    parser.add_argument("--cli", required=True)
    parser.add_argument("--man", required=True, type=Path)
    parser.add_argument("--completion", required=True, type=Path)
    parser.add_argument("--source-dir", required=True, type=Path)
    parser.add_argument("--version", required=True)
    args = parser.parse_args()
    problems = globals()[f"check_{args.check}"](args)
    for problem in problems:
        print(f"{args.check}: {problem}", file=sys.stderr)
    print(f"{args.check}: {'FAILED' if problems else 'ok'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes runner-metrics(1) and the bash completion from the command's own --help.

    cli_docs.py man  --cli BUILT-BINARY --template man/runner-metrics.1.in
                     --changelog packaging/debian/changelog --output runner-metrics.1
    cli_docs.py bash --cli BUILT-BINARY --template completions/runner-metrics.bash.in
                     --output runner-metrics.bash

Every command is found by walking the "Subcommands:" of `--help`, from the top
down, so a command added to the CLI is in the man page and the completion with
no change here. The build runs this after linking the binary (see
cmake/RunnerMetricsInstall.cmake); tests/packaging/check_docs.py checks the
result against --help independently.

The parser reads CLI11's help layout: a description, a "Usage:" line, then
sections ("Options:", "Positionals:", "Subcommands:" or an option group's
name), each a block of two-space-indented entries whose description starts in
a later column or on the following, more indented, lines; anything else after
the sections is the footer.
"""

from __future__ import annotations

import argparse
import dataclasses
import email.utils
import re
import subprocess
import sys
from pathlib import Path

PROGRAM = "runner-metrics"


@dataclasses.dataclass
class Entry:
    """One line of a help section: an option, a positional or a subcommand."""

    names: list[str]  # ["-h", "--help"], ["FILE"] or ["issue"]
    value: str  # what follows the names: "TEXT", "TEXT:{text,json}=text", "" for a flag
    description: str

    @property
    def is_option(self) -> bool:
        return self.names[0].startswith("-")

    @property
    def takes_value(self) -> bool:
        # CLI11 appends notes after the type; a flag has only notes, if anything.
        return bool(self.value) and not re.match(r"(REQUIRED|Excludes:|Needs:|\(Env:)", self.value)

    @property
    def choices(self) -> list[str]:
        match = re.search(r"\{([^}]*)\}", self.value)
        return [c.strip() for c in match.group(1).split(",") if c.strip()] if match else []


@dataclasses.dataclass
class Command:
    path: list[str]
    description: str
    usage: str
    sections: list[tuple[str, list[Entry]]]
    footer: list[str]
    children: list["Command"] = dataclasses.field(default_factory=list)

    def entries(self, title: str) -> list[Entry]:
        return [e for t, entries in self.sections if t == title for e in entries]

    @property
    def options(self) -> list[Entry]:
        return [e for _, entries in self.sections for e in entries if e.is_option]

    @property
    def positionals(self) -> list[Entry]:
        return [e for t, entries in self.sections if t == "Positionals" for e in entries]

    @property
    def subcommands(self) -> list[Entry]:
        return self.entries("Subcommands")


def parse_help(path: list[str], text: str) -> Command:
    lines = text.rstrip("\n").split("\n")
    usage_at = next((i for i, line in enumerate(lines) if line.startswith("Usage: ")), None)
    if usage_at is None:
        raise SystemExit(f"cli_docs: `{' '.join([PROGRAM, *path])} --help` has no Usage: line")
    description = " ".join(line.strip() for line in lines[:usage_at] if line.strip())
    usage = lines[usage_at][len("Usage: ") :].strip()

    sections: list[tuple[str, list[Entry]]] = []
    footer: list[str] = []
    entries: list[Entry] | None = None
    rest = lines[usage_at + 1 :]
    for i, line in enumerate(rest):
        if not line.strip():
            entries = None
            continue
        if entries is not None and line.startswith("  "):
            if line.startswith("   ") and entries:  # the description continues
                last = entries[-1]
                last.description = f"{last.description} {line.strip()}".strip()
            else:
                name, desc = (re.split(r"\s{2,}", line.strip(), maxsplit=1) + [""])[:2]
                words = name.split(" ", 1)
                names = words[0].split(",") if words[0].startswith("-") else [words[0]]
                entries.append(Entry(names, words[1].strip() if len(words) > 1 else "", desc.strip()))
            continue
        following = rest[i + 1] if i + 1 < len(rest) else ""
        if not line.startswith(" ") and line.endswith(":") and following.startswith("  "):
            entries = []
            sections.append((line[:-1], entries))
            continue
        entries = None
        footer.append(line.strip())
    return Command(path, description, usage, sections, footer)


def run_help(cli: str, path: list[str]) -> str:
    result = subprocess.run(
        [cli, *path, "--help"], capture_output=True, text=True, check=False, timeout=60
    )
    if result.returncode != 0:
        raise SystemExit(
            f"cli_docs: `{' '.join([PROGRAM, *path])} --help` exited {result.returncode}: "
            f"{result.stderr.strip()}"
        )
    return result.stdout


def read_tree(cli: str, path: list[str] | None = None) -> Command:
    path = path or []
    command = parse_help(path, run_help(cli, path))
    for sub in command.subcommands:
        command.children.append(read_tree(cli, [*path, sub.names[0]]))
    return command


def walk(command: Command):
    yield command
    for child in command.children:
        yield from walk(child)


# ---------------------------------------------------------------- man page


def roff(text: str) -> str:
    """Text as roff prose: backslashes escaped, non-ASCII as \\[uXXXX]."""
    out = []
    for ch in text.replace("\\", "\\e"):
        out.append(ch if ord(ch) < 128 else f"\\[u{ord(ch):04X}]")
    text = "".join(out)
    return "\\&" + text if text.startswith((".", "'")) else text


def roff_literal(text: str) -> str:
    """A command or option name: hyphens are the ASCII hyphen-minus (\\-)."""
    return roff(text).replace("-", "\\-")


def man_entry(entry: Entry) -> str:
    if entry.is_option:
        head = ", ".join(f"\\fB{roff_literal(n)}\\fR" for n in entry.names)
    else:
        head = f"\\fI{roff_literal(entry.names[0])}\\fR"
    if entry.value:
        head += f" \\fI{roff_literal(entry.value)}\\fR"
    return f".TP\n{head}\n{roff(entry.description)}\n"


def man_command(command: Command, root_footer: list[str]) -> str:
    name = " ".join([PROGRAM, *command.path])
    out = [f'.SS "{roff_literal(name)}"\n']
    usage = command.usage
    out.append(f".B {roff_literal(usage)}\n.PP\n")
    if command.description:
        out.append(f"{roff(command.description)}\n")
    for title, entries in command.sections:
        if title != "Subcommands":
            out.extend(man_entry(e) for e in entries if "--help" not in e.names)
    if command.subcommands:
        out.append(".PP\n" + roff("Commands: ") + ", ".join(
            f"\\fB{roff_literal(s.names[0])}\\fR" for s in command.subcommands) + ".\n")
    if command.footer and command.footer != root_footer:
        out.extend(f".PP\n{roff(line)}\n" for line in command.footer)
    return "".join(out)


def exit_status(footer: list[str]) -> str:
    """The top-level footer's "Exit status: 0 ...; 2 ...; 1 ..." as a list."""
    text = " ".join(footer)
    match = re.search(r"Exit status:\s*(.*?)\.?\s*$", text)
    items = re.findall(r"(\d+)\s+([^;]+)", match.group(1)) if match else []
    if not items:
        return "".join(f".PP\n{roff(line)}\n" for line in footer)
    return "".join(f".TP\n.B {code}\n{roff(what.strip())}.\n" for code, what in items)


def changelog_date(changelog: Path) -> str:
    """The date of the newest changelog entry: the page changes with releases, not builds."""
    for line in changelog.read_text(encoding="utf-8").splitlines():
        if line.startswith(" -- "):
            stamp = line.split(">", 1)[1].strip()
            return email.utils.parsedate_to_datetime(stamp).strftime("%Y-%m-%d")
    raise SystemExit(f"cli_docs: no ' -- maintainer  date' line in {changelog}")


def write_man(tree: Command, template: str, version: str, date: str) -> str:
    commands = [c for c in walk(tree) if c.path]
    synopsis = "".join(
        f".br\n.B {roff_literal(c.usage)}\n" if i else f".B {roff_literal(c.usage)}\n"
        for i, c in enumerate(commands)
        if len(c.path) == 1
    )
    options = "".join(man_entry(e) for e in tree.options)
    body = "".join(man_command(c, tree.footer) for c in commands)
    replacements = {
        "@VERSION@": version,
        "@DATE@": date,
        "@DESCRIPTION@": roff(tree.description),
        "@SYNOPSIS@": synopsis.rstrip("\n"),
        "@OPTIONS@": options.rstrip("\n"),
        "@COMMANDS@": body.rstrip("\n"),
        "@EXIT_STATUS@": exit_status(tree.footer).rstrip("\n"),
    }
    for key, value in replacements.items():
        if key not in template:
            raise SystemExit(f"cli_docs: the man page template has no {key}")
        template = template.replace(key, value)
    return template


# ---------------------------------------------------------------- bash completion

# Values that are paths get file-name completion; others (numbers, names,
# addresses) get none rather than a misleading list of files.
PATH_WORDS = re.compile(r"(^|[-_])(log|config|file|path|dir|output|input|systemctl)s?($|[-_])", re.I)


def takes_path(entry: Entry) -> bool:
    name = entry.names[-1].lstrip("-")
    return bool(PATH_WORDS.search(name) or re.match(r"(FILE|PATH|DIR)\b", entry.value))


def shell_word(text: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_.,=:/+-]*", text):
        return text
    raise SystemExit(f"cli_docs: {text!r} is not a plain word; cannot put it in the completion")


def inherited_options(tree: Command, command: Command) -> list[Entry]:
    """The options of the command and of the commands above it but the top level:
    `issue runner-stop --log PATH` takes issue's --log (CLI11's fallthrough)."""
    found = {n: e for e in command.options for n in e.names}
    parent = tree
    for depth in range(1, len(command.path)):
        parent = next(c for c in parent.children if c.path == command.path[:depth])
        for entry in parent.options:
            if not any(n in found for n in entry.names):
                found.update((n, entry) for n in entry.names)
    return list({id(e): e for e in found.values()}.values())


def write_bash(tree: Command, template: str) -> str:
    cases = []
    for command in walk(tree):
        entries = inherited_options(tree, command)
        options = [n for e in entries for n in e.names]
        valued = [n for e in entries if e.takes_value for n in e.names]
        paths = [n for e in entries if e.takes_value and takes_path(e) for n in e.names]
        choices = [f"{n}={','.join(e.choices)}" for e in entries if e.choices for n in e.names]
        files = "yes" if any(takes_path(p) for p in command.positionals) else ""
        subcommands = [s.names[0] for s in command.subcommands]
        fields = {
            "commands": subcommands,
            "options": options,
            "valued": valued,
            "paths": paths,
            "choices": choices,
        }
        assignments = " ".join(
            f'{key}="{" ".join(shell_word(w) for w in words)}"' for key, words in fields.items()
        )
        cases.append(
            f'        "{" ".join(shell_word(w) for w in command.path)}")\n'
            f"            {assignments}\n"
            f'            positional_files="{files}" ;;\n'
        )
    if "@SPEC@" not in template:
        raise SystemExit("cli_docs: the completion template has no @SPEC@")
    return template.replace("@SPEC@", "".join(cases).rstrip("\n"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["man", "bash"])
    parser.add_argument("--cli", required=True, help="the built runner-metrics")
    parser.add_argument("--template", required=True, type=Path)
    parser.add_argument("--output", required=True, type=Path)
    parser.add_argument("--changelog", type=Path, help="man: the newest entry dates the page")
    args = parser.parse_args()

    tree = read_tree(args.cli)
    template = args.template.read_text(encoding="utf-8")
    if args.what == "man":
        if not args.changelog:
            parser.error("man needs --changelog")
        result = subprocess.run([args.cli, "--version"], capture_output=True, text=True, check=True)
        version = result.stdout.split()[-1]
        text = write_man(tree, template, version, changelog_date(args.changelog))
    else:
        text = write_bash(tree, template)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

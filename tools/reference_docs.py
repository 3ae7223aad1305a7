"""Write the reference pages that are read off the code, so they never drift from it:

    docs/thresholds.md   every threshold, its value, and where it comes from and why
                         (the constants and their docstrings in device/rules/thresholds.py
                         and server/analysis/thresholds.py)
    docs/commands.md     every `footnote` command with its options (the argparse parser)

    python tools/reference_docs.py           # write them
    python tools/reference_docs.py --check   # exit 1 if the thresholds page differs from the code

tests/test_docs.py checks both pages against the code: the thresholds page exactly, the
command page command by command and option by option (argparse's wording differs a little
between Python versions).
"""

from __future__ import annotations

import argparse
import ast
import inspect
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
WIDTH = 100  # argparse wraps its help at $COLUMNS: fixed, so the page is the same everywhere


def threshold_rows(module) -> list[tuple[str, str, str, str]]:
    """(section, name, value, why) for each constant of a thresholds module, in file order,
    read from its source: a `# -- Section ---` comment starts a section, and the string
    right after an assignment is the constant's docstring."""
    source = inspect.getsource(module)
    sections = {
        i + 1: line.strip("# -").strip() for i, line in enumerate(source.splitlines()) if line.startswith("# --")
    }
    body = ast.parse(source).body
    rows = []
    for i, node in enumerate(body):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        name = node.targets[0].id
        if not name.isupper():
            continue
        section = next((title for line, title in sorted(sections.items(), reverse=True) if line < node.lineno), "")
        after = body[i + 1] if i + 1 < len(body) else None
        why = ""
        if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) and isinstance(after.value.value, str):
            why = " ".join(after.value.value.split())
        value = getattr(module, name)
        shown = f"{value:.4g}" if isinstance(value, float) else repr(value)
        rows.append((section, name, shown, why))
    return rows


def thresholds_page() -> str:
    from footnote.device.rules import thresholds as device_thresholds
    from footnote.server.analysis import thresholds as analysis_thresholds

    out = [
        "# Thresholds",
        "",
        "Every number footnote decides with, its value and where it comes from. Written by",
        "`python tools/reference_docs.py` from the code (the tests fail when this page and the",
        "code disagree): change a threshold there, with its reason, and run the tool.",
        "",
    ]
    for module, title in (
        (device_thresholds, "The logger's and the analysis's (`device/rules/thresholds.py`)"),
        (analysis_thresholds, "The analysis's (`server/analysis/thresholds.py`)"),
    ):
        out += [f"## {title}", ""]
        if module.__doc__:
            out += [inspect.cleandoc(module.__doc__), ""]
        section = None
        for where, name, value, why in threshold_rows(module):
            if where != section:
                if section is not None:
                    out.append("")
                section = where
                out += [f"### {where}", "", "| name | value | why |", "| --- | --- | --- |"]
            out.append(f"| `{name}` | {value} | {why.replace('|', '/')} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def commands_page() -> str:
    from footnote.device.cli import build_parser

    os.environ["COLUMNS"] = str(WIDTH)
    parser = build_parser()
    out = [
        "# The `footnote` command",
        "",
        "Every command and its options, as `footnote COMMAND --help` prints them. Written by",
        "`python tools/reference_docs.py` from the command line itself (the tests fail when this",
        "page and the code disagree).",
        "",
        "```",
        parser.format_help().rstrip(),
        "```",
        "",
    ]
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for name, sub in commands.choices.items():
        out += [f"## footnote {name}", "", "```", sub.format_help().rstrip(), "```", ""]
    return "\n".join(out).rstrip() + "\n"


PAGES = {"thresholds.md": thresholds_page, "commands.md": commands_page}


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        if (DOCS / "thresholds.md").read_text() != thresholds_page():
            print("docs/thresholds.md is out of date with the code (run: python tools/reference_docs.py)")
            return 1
        return 0
    DOCS.mkdir(exist_ok=True)
    for name, page in PAGES.items():
        (DOCS / name).write_text(page())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The reference pages are read off the code (tools/reference_docs.py) and checked against
it here, the way sqlite-utils tests that its docs list every command."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from footnote.device.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "reference_docs.py"


def test_the_thresholds_page_is_the_code():
    result = subprocess.run([sys.executable, TOOL, "--check"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def sections(page: str) -> dict[str, str]:
    """The text under each "## footnote NAME" heading."""
    parts = re.split(r"^## footnote (\S+)\n", page, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_command_page_has_every_command_and_every_option():
    documented = sections((ROOT / "docs" / "commands.md").read_text())
    (commands,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert sorted(documented) == sorted(commands.choices), "run: python tools/reference_docs.py"
    for name, parser in commands.choices.items():
        for action in parser._actions:
            for flag in action.option_strings:
                assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", documented[name]), (
                    f"footnote {name} {flag} is not in docs/commands.md (run: python tools/reference_docs.py)"
                )


def documented_fields(page: str) -> dict[str, set[str]]:
    """The top-level fields docs/json.md lists for run, episode and summary."""
    block = page.split("```\n", 2)[1]
    found = {}
    for name, body in re.findall(r"^(run|episode|summary): (.*?)(?=^\w+: |\Z)", block, flags=re.M | re.S):
        depth, item, items = 0, "", []
        for ch in body:  # split at the commas outside brackets and parentheses
            depth += ch in "([{"
            depth -= ch in ")]}"
            if ch == "," and depth == 0:
                items.append(item)
                item = ""
            elif depth == 0 and ch not in ")]}":
                item += ch
        items.append(item)
        # "name", "name [..]", "name: kinds", "a / b / c {...}": the names before any colon
        names = (part.split()[0] for item in items for part in item.split(":")[0].split("/") if part.strip())
        found[name] = set(names)
    return found


def test_the_json_page_lists_exactly_the_fields_footnote_analyze_prints(demo_db, tmp_path):
    import json

    result = subprocess.run(
        [sys.executable, "-m", "footnote.device.cli", "analyze", "--json", "--segments", "--db", demo_db],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    run = printed["runs"][0]
    episode = next(ep for r in printed["runs"] for ep in r["episodes"])
    documented = documented_fields((ROOT / "docs" / "json.md").read_text())
    assert documented["run"] == set(run), "docs/json.md run fields"
    assert documented["episode"] == set(episode), "docs/json.md episode fields"
    assert documented["summary"] == set(printed["summary"]), "docs/json.md summary fields"

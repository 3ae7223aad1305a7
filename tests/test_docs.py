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

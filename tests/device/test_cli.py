"""The one command line: help for everything, one database for every command."""

from __future__ import annotations

import argparse
import subprocess

import pytest

from footnote.device.cli import build_parser
from tests.helpers import FOOTNOTE
from tests.story_week import story_files

COMMANDS = [
    "log",
    "replay",
    "demo",
    "scan",
    "pair",
    "attach",
    "check",
    "recover",
    "serve",
    "password",
    "analyze",
    "export",
]


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_every_command_with_a_line_each(flag):
    result = subprocess.run([*FOOTNOTE, flag], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for command in COMMANDS:
        line = next((x for x in lines if x.strip().startswith(command + " ")), None)
        assert line is not None and len(line.split()) > 2, f"{command} has no line of its own in:\n{result.stdout}"


def test_the_parser_knows_exactly_these_commands():
    assert sorted(subcommands()) == sorted(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_every_option_says_what_it_does(command):
    result = subprocess.run([*FOOTNOTE, command, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"usage: footnote {command}" in result.stdout
    for action in subcommands()[command]._actions:
        assert action.help and action.help != argparse.SUPPRESS, (
            f"footnote {command}: {action.option_strings or action.dest} has no help text"
        )


def test_global_options_work_before_and_after_the_command(tmp_path):
    config = tmp_path / "c.toml"
    db = tmp_path / "configured.db"
    config.write_text(f'[logger]\ndb = "{db}"\n')
    before = subprocess.run(
        [*FOOTNOTE, "--config", str(config), "replay", str(story_files()[0])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert before.returncode == 0, before.stderr
    after = subprocess.run(
        [*FOOTNOTE, "analyze", "--config", str(config), "--json"], capture_output=True, text=True, timeout=120
    )
    assert after.returncode == 0, after.stderr
    assert '"run_id": 1' in after.stdout


def test_replay_and_serve_agree_on_the_configured_database(tmp_path, monkeypatch):
    """`footnote replay` used to skip logger.db in the config and write elsewhere."""
    from footnote.device.config import parse_config
    from footnote.device.paths import resolve_db

    monkeypatch.setenv("FOOTNOTE_DB", str(tmp_path / "env.db"))
    configured = parse_config({"logger": {"db": str(tmp_path / "configured.db")}})
    assert resolve_db(None, configured) == tmp_path / "configured.db"
    assert resolve_db(tmp_path / "given.db", configured) == tmp_path / "given.db"
    assert resolve_db(None, parse_config({})) == tmp_path / "env.db"
    config = tmp_path / "c.toml"
    config.write_text(f'[logger]\ndb = "{tmp_path / "configured.db"}"\n')
    result = subprocess.run(
        [*FOOTNOTE, "--config", str(config), "replay", str(story_files()[0])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "configured.db").exists() and not (tmp_path / "env.db").exists()


def test_a_bad_run_list_is_a_usage_error_not_a_traceback(tmp_path):
    result = subprocess.run(
        [
            *FOOTNOTE,
            "export",
            "--db",
            str(tmp_path / "x.db"),
            "--format",
            "csv",
            "--out",
            str(tmp_path / "o.csv"),
            "--samples",
            "3,x",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        result.returncode == 2
        and "expected run ids separated by commas" in result.stderr
        and "Traceback" not in result.stderr
    )

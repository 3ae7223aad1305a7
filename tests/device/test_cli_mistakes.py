"""A newcomer's mistakes on the command line: each is one line naming what is wrong (the
file, the folder, the port and the option to change), exit status 2, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from footnote.device.db.store import Store
from tests.helpers import FOOTNOTE


def footnote(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*FOOTNOTE, *args], capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )


def one_clear_line(result: subprocess.CompletedProcess, *named: str) -> str:
    """The mistake is said in one line on stderr, naming everything in `named`; exit 2."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("footnote: "), result.stderr
    for word in named:
        assert word in lines[0], (word, lines[0])
    return lines[0]


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "footnote.db"
    Store(path).close()
    return path


def test_an_output_folder_that_does_not_exist(db, tmp_path):
    out = tmp_path / "missing-folder" / "x.pdf"
    one_clear_line(footnote("export", "--db", str(db), "--format", "pdf", "--out", str(out)), str(out), "--out")
    assert not out.parent.exists()
    line = one_clear_line(footnote("export", "--db", str(db), "--format", "csv", "--out", str(tmp_path)), "--out")
    assert "is a folder" in line
    record = tmp_path / "nowhere" / "run.jsonl"
    one_clear_line(footnote("log", "--no-footpod", "--db", str(db), "--record", str(record)), "--record", str(record))


def test_missing_or_unreadable_input_files_are_named(db, tmp_path):
    one_clear_line(footnote("replay", str(tmp_path / "missing.jsonl"), "--db", str(db)), "missing.jsonl")
    one_clear_line(footnote("replay", str(tmp_path), "--db", str(db)), str(tmp_path), "folder")
    one_clear_line(footnote("recover", str(tmp_path / "gone.db"), "--db", str(db)), "gone.db")


def test_a_bad_line_in_a_replay_names_the_file_and_the_line(db, tmp_path):
    path = tmp_path / "typed-by-hand.jsonl"
    path.write_text('{"footnote_replay": 1, "started_at": "2026-11-20T07:00:00Z"}\n{"t": 1, "button": "sideways"}\n')
    one_clear_line(footnote("replay", str(path), "--db", str(db)), "typed-by-hand.jsonl: line 2:")


@pytest.mark.parametrize("command", [["analyze"], ["export", "--format", "csv", "--out", "x.csv"], ["replay"]])
def test_a_folder_or_a_fifo_as_the_database(command, tmp_path):
    folder, fifo = tmp_path / "a-folder", tmp_path / "a-fifo"
    folder.mkdir()
    os.mkfifo(fifo)
    run = tmp_path / "run.jsonl"
    run.write_text('{"footnote_replay": 1, "started_at": "2026-11-20T07:00:00Z"}\n{"t": 1, "end": true}\n')
    replay = [str(run)] if command == ["replay"] else []
    for path, what in ((folder, "(a folder)"), (fifo, "(a FIFO)")):
        # a FIFO opened as a database would block: the command must refuse it before
        line = one_clear_line(footnote(*command, *replay, "--db", str(path), timeout=20), str(path), "--db")
        assert what in line


def test_a_busy_port_is_named_with_the_option_to_change_it(db, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        result = footnote("serve", "--db", str(db), "--port", port)
        line = one_clear_line(result, port, "--port", "already in use")
        assert result.stdout == ""  # the dashboard's address is not printed first
        demo = tmp_path / "demo.db"
        one_clear_line(footnote("demo", "--db", str(demo), "--port", port, timeout=120), port, "--port")
        assert not demo.exists()  # said before the demo was built
    assert "http://" not in line


def test_after_the_demo_the_commands_name_its_database(tmp_path):
    home = {"HOME": str(tmp_path), "XDG_DATA_HOME": "", "FOOTNOTE_DB": "", "FOOTNOTE_CONFIG": ""}
    assert footnote("demo", "--no-serve", env=home, timeout=120).returncode == 0
    demo = tmp_path / ".local" / "share" / "footnote" / "demo.db"
    assert demo.exists()
    one_clear_line(footnote("analyze", env=home), "no footnote database", f"footnote analyze --db {demo}")

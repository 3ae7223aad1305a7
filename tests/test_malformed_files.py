"""Files that are not what footnote writes (issue 22, point 8): every malformed replay
line is one `footnote: FILE: line N: ...` with exit status 2 and the run closed; only
regular files are read as database, config or replay (a FIFO must not hang a command);
the config is read with a size cap."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import FOOTNOTE, rows

HEADER = '{"footnote_replay": 1, "started_at": "2026-11-20T07:00:00Z"}\n'
GOOD = '{"t": 0.5, "footpod": "connected", "address": "C0:FF:EE:00:00:01"}\n{"t": 1, "rsc": "0400030a00"}\n'


def footnote(*args: str, timeout_s: float = 60) -> subprocess.CompletedProcess:
    """The command line; a command that hangs fails the test (TimeoutExpired)."""
    return subprocess.run([*FOOTNOTE, *args], capture_output=True, text=True, timeout=timeout_s)


def one_clear_line(result: subprocess.CompletedProcess, starts: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"footnote: {starts}") and result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize(
    "bad, message",
    [
        (b"[" * 100_000, "line 4: longer than 65536 bytes"),
        (b"[" * 10_000, "line 4: not JSON footnote writes (nested too deeply)"),
        (b'{"t": 2, "footpod": "connected", "feature": ' + b"9" * 5000 + b"}", "line 4: not JSON footnote writes"),
        (b'{"t": 2, "footpod": "connected", "name": "\\ud800"}', 'line 4: "name" must be plain text'),
        (b'{"t": 2, "footpod": "connected", "name": "Pod\\u001b[2J"}', 'line 4: "name" must be plain text'),
        (b'{"t": 2, "footpod": "connected", "name": "Pod\\u0000"}', 'line 4: "name" must be plain text'),
        (b'{"t": 2, "footpod": "connected", "name": "\xff\xfe"}', "line 4: not UTF-8 text"),
        (b'{"t": 1e308, "end": true}', 'line 4: "t" must be at most'),
        (b'{"t": 2, "rsc": "' + b"00" * 513 + b'"}', 'line 4: "rsc" is longer than a BLE packet can be (512 bytes)'),
        (b'{"t": 2, "rsc": "' + b"00" * 12_500_000 + b'"}', "line 4: longer than 65536 bytes"),
        (b'{"t": 2, "footpod": "connected", "name": "' + b"n" * 249 + b'"}', 'line 4: "name" is longer than a BLE'),
        (b'{"t": 2, "footpod": "connected", "name": "' + b"n" * 20_000_000 + b'"}', "line 4: longer than 65536"),
        (b'{"t": 2, "footpod": "connected", "feature": ' + b"9" * 4000 + b"}", 'line 4: "feature" must be between'),
    ],
    ids=[
        "100k-deep",
        "10k-deep",
        "5000-digits",
        "lone-surrogate",
        "escape",
        "nul",
        "raw-bytes",
        "t-1e308",
        "513-byte-packet",
        "25-MB-packet",
        "249-byte-name",
        "20-MB-name",
        "4000-digit-int",
    ],
)
def test_every_malformed_replay_line_is_one_line_and_the_run_is_closed(db_path, tmp_path, bad, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(HEADER.encode() + GOOD.encode() + bad + b"\n" + b'{"t": 99, "end": true}\n')
    result = footnote("replay", str(path), "--db", str(db_path))
    one_clear_line(result, f"{path}: {message}")
    assert rows(db_path, "SELECT end_reason, ended_t_s FROM runs") == [("end_of_replay", 1.0)]
    assert rows(db_path, "SELECT count(*) FROM footpod_samples") == [(1,)]


def test_a_name_as_long_as_ble_allows_is_kept(db_path, tmp_path):
    name = "é" * 124  # 248 bytes of UTF-8
    path = tmp_path / "long-name.jsonl"
    path.write_text(HEADER + f'{{"t": 0.5, "footpod": "connected", "name": "{name}"}}\n{{"t": 2, "end": true}}\n')
    assert footnote("replay", str(path), "--db", str(db_path)).returncode == 0
    assert rows(db_path, "SELECT footpod_name FROM runs") == [(name,)]


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


def test_a_fifo_or_a_folder_is_never_read_as_a_replay(db_path, tmp_path, fifo):
    one_clear_line(footnote("replay", str(fifo), "--db", str(db_path)), f"{fifo}: not a regular file (a FIFO)")
    one_clear_line(
        footnote("replay", str(tmp_path), "--db", str(db_path)), f"{tmp_path}: not a regular file (a folder)"
    )
    one_clear_line(
        footnote("replay", str(tmp_path / "none.jsonl"), "--db", str(db_path)), f"{tmp_path}/none.jsonl: no such"
    )


@pytest.mark.parametrize(
    "command", [["analyze"], ["replay", "{replay}"], ["export", "--format", "csv", "--out", "{out}"], ["serve"]]
)
def test_a_fifo_as_the_database_does_not_hang_any_command(tmp_path, fifo, command):
    replay = tmp_path / "r.jsonl"
    replay.write_text(HEADER + GOOD)
    argv = [a.format(replay=replay, out=tmp_path / "out.csv") for a in command]
    result = footnote("--config", str(tmp_path / "none.toml"), *argv, "--db", str(fifo), timeout_s=30)
    one_clear_line(result, f"{fifo}: not a regular file (a FIFO)")


def test_a_config_that_is_no_file_footnote_writes_is_one_line(tmp_path, fifo, demo_db):
    big = tmp_path / "big.toml"
    big.write_text("# padding\n" * 10_000)
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes(b"[button]\npin = 17\n# caf\xe9\n")
    nested = tmp_path / "nested.toml"
    nested.write_text("a = " + "[" * 10_000)
    broken = tmp_path / "broken.toml"
    broken.write_text("[button]\npin = 17\n[feedback\n")
    for config, message in [
        (fifo, f"{fifo}: not a regular file (a FIFO)"),
        (Path("/dev/zero"), "/dev/zero: not a regular file (a device)"),
        (tmp_path, f"{tmp_path}: not a regular file (a folder)"),
        (big, f"{big}: larger than 65536 bytes"),
        (latin1, f"{latin1}: line 3: not UTF-8 text"),
        (nested, f"{nested}: this is not valid TOML footnote writes (nested too deeply)"),
        (broken, f"{broken}: line 3: this is not valid TOML"),
    ]:
        one_clear_line(footnote("--config", str(config), "analyze", "--db", str(demo_db), timeout_s=30), message)

"""`footnote replay` and `footnote demo` as a runner or a test harness runs them."""

from __future__ import annotations

import os
import random
import signal
import subprocess
from pathlib import Path

import pytest

from footnote.device.demo import DEMO_RUNS
from footnote.device.logger.story import Story
from footnote.device.paths import demo_sessions
from tests.helpers import FOOTNOTE, footnote, rows
from tests.story_week import STORIES, story_files


def test_replay_prints_the_runs_it_created(db_path):
    files = [str(p) for p in story_files()[:2]]
    result = footnote("replay", *files, "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert [line.split()[1] for line in result.stdout.splitlines()] == ["1", "2"]
    assert rows(db_path, "SELECT count(*) FROM runs WHERE ended_t_s IS NOT NULL") == [(2,)]


def test_a_bad_line_is_named_and_nothing_before_it_is_lost(db_path, tmp_path):
    good = Story().connect().run(minutes=2).press().run(minutes=1).text().splitlines()
    bad_line_no = len(good) + 1
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(good + ['{"t": 999, "button": "sideways"}', '{"t": 1000, "end": true}']) + "\n")
    result = footnote("replay", str(path), "--db", str(db_path))
    assert result.returncode == 2
    assert f"line {bad_line_no}:" in result.stderr and '"button" must be "down" or "up"' in result.stderr
    assert rows(db_path, "SELECT kind FROM symptom_events ORDER BY id") == [("onset",), ("unresolved_at_run_end",)]
    assert rows(db_path, "SELECT count(*) FROM footpod_samples")[0][0] >= 170
    assert rows(db_path, "SELECT end_reason FROM runs") == [("end_of_replay",)]


@pytest.mark.parametrize(
    "line, message",
    [
        ("not json", "not JSON"),
        ('{"t": 5, "rsc": "zz"}', '"rsc" is not valid hex'),
        ('{"t": -1, "end": true}', '"t" must be a number'),
        ('{"t": 1, "button": "down", "rsc": "00"}', "expected exactly one of"),
        ('{"t": 0.5, "end": true}', '"t" went backwards'),
        ('{"t": 2, "footpod": "connected", "feature": "7"}', '"feature" must be a int'),
    ],
)
def test_each_kind_of_bad_line_gets_its_own_message(db_path, tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"footnote_replay": 1, "started_at": "2026-11-20T07:00:00Z"}\n{"t": 1, "button": "up"}\n' + line + "\n"
    )
    result = footnote("replay", str(path), "--db", str(db_path))
    assert result.returncode == 2 and f"line 3: {message}" in result.stderr


def test_a_header_without_time_zone_is_refused(db_path, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"footnote_replay": 1, "started_at": "2026-11-20T07:00:00"}\n')
    result = footnote("replay", str(path), "--db", str(db_path))
    assert result.returncode == 2 and "line 1: started_at needs a time zone" in result.stderr


def test_the_story_week_files_match_their_stories(tmp_path):
    for name, story in STORIES.items():
        assert (Path(story_files()[0]).parent / name).read_text() == story().text(), name


def test_demo_builds_a_fresh_database(tmp_path):
    db = tmp_path / "demo.db"
    for _ in range(2):  # twice: the second run starts afresh, it does not append
        result = footnote("demo", "--db", str(db), "--no-serve")
        assert result.returncode == 0, result.stderr
    assert rows(db, "SELECT count(*) FROM runs") == [(len(DEMO_RUNS),)]
    assert "onset, worse, worse, unresolved_at_run_end" in result.stdout


@pytest.mark.slow  # a kill -9 loop
def test_kill_9_loses_no_event_whose_feedback_was_given(db_path, tmp_path):
    # A long session with many presses, replayed in a subprocess killed part-way.
    story = Story().connect()
    for _ in range(60):
        story.run(minutes=1).press().run(seconds=30).press().stand(minutes=1).hold()
    path = story.end().write(tmp_path / "long.jsonl")
    proc = subprocess.Popen(
        [*FOOTNOTE, "replay", str(path), "--db", str(db_path), "--echo-feedback"], stdout=subprocess.PIPE, text=True
    )
    confirmed = []
    target = random.Random(4).randint(20, 120)
    for line in proc.stdout:
        if line.startswith("feedback "):
            confirmed.append(int(line.split("event=")[1]))
        if len(confirmed) >= target:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the replay finished before it could be killed"
    stored = {row[0] for row in rows(db_path, "SELECT id FROM symptom_events")}
    assert set(confirmed) <= stored and len(confirmed) >= target
    assert rows(db_path, "PRAGMA integrity_check") == [("ok",)]
    # A new logger starts cleanly: the interrupted run is closed, a fresh run follows.
    result = footnote("replay", str(story_files()[-1]), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert rows(db_path, "SELECT count(*) FROM runs WHERE ended_t_s IS NULL") == [(0,)]


def sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_demo_never_writes_over_a_runners_database(tmp_path):
    """`footnote demo --db` pointed at the runner's own database by mistake, while the
    logger holds it open with a run in its -wal not yet checkpointed: refused, one line,
    and not a byte of either file changes."""
    import sqlite3

    real = tmp_path / "footnote.db"
    assert footnote("replay", str(demo_sessions()[0]), "--db", str(real)).returncode == 0
    logger = sqlite3.connect(real)
    try:
        with logger:
            logger.execute("UPDATE runs SET device = 'the runner''s Pi'")  # in the -wal only
        wal = Path(f"{real}-wal")
        assert wal.stat().st_size > 0
        before = (sha(real), sha(wal))
        result = footnote("demo", "--db", str(real), "--no-serve")
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1 and "footnote demo did not make it" in result.stderr
        assert (sha(real), sha(wal)) == before
    finally:
        logger.close()
    assert rows(real, "SELECT device FROM runs") == [("the runner's Pi",)]


def test_demo_refuses_anything_it_did_not_make(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my training plan\n")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    orphan_wal = tmp_path / "gone.db-wal"
    orphan_wal.write_bytes(b"the last runs of a database moved away")
    for target in (notes, fifo, folder, tmp_path / "gone.db"):
        result = footnote("demo", "--db", str(target), "--no-serve")  # a FIFO must not hang it
        assert result.returncode == 2 and result.stderr.startswith(f"footnote: {target}"), result.stderr
        assert "Traceback" not in result.stderr
    assert notes.read_text() == "my training plan\n" and fifo.exists() and folder.is_dir()
    assert orphan_wal.read_bytes() == b"the last runs of a database moved away"


def test_demo_marks_the_database_it_makes_and_replaces_only_that(tmp_path):
    from footnote.device.demo import DEMO_APPLICATION_ID

    db = tmp_path / "new" / "demo.db"
    assert footnote("demo", "--db", str(db), "--no-serve").returncode == 0
    assert rows(db, "PRAGMA application_id") == [(DEMO_APPLICATION_ID,)]
    with open(db, "r+b") as f:  # the same file, its mark gone: no longer the demo's
        f.seek(68)
        f.write(b"\0\0\0\0")
    assert footnote("demo", "--db", str(db), "--no-serve").returncode == 2

"""A journal replayed into the database (device.durability.catchup): once, however often it
is replayed or killed mid-way, and never reopening what the database saw end."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from datetime import timedelta

import pytest

from footnote.device.db.store import Store
from footnote.device.durability.catchup import replay_journal
from footnote.device.durability.journal import pending_journals
from footnote.device.logger.story import Story
from tests.device.durability.cards import (
    START,
    TABLES,
    Session,
    another_programs,
    as_journal,
    journal_rows,
    rsc_times,
    stored_kinds,
)
from tests.helpers import FOOTNOTE, rows


def test_a_journal_replayed_twice_stores_everything_once(tmp_path):
    db = another_programs(tmp_path / "footnote.db")
    s = Session(db)
    s.run(30).press().run(30).press().run(40).hold()
    s.stop()
    (journal,) = pending_journals(db)
    fresh = tmp_path / "fresh.db"
    for _ in range(2):
        with Store(fresh) as store:
            replay_journal(journal, store)
    assert stored_kinds(fresh) == ["onset", "worse", "relief"]
    assert rows(fresh, "SELECT count(*) FROM footpod_samples")[0][0] == s.packets


@pytest.mark.slow
def test_kill_9_during_journal_replay_loses_nothing_and_duplicates_nothing(tmp_path, capsys):
    import random
    import signal
    import time

    story = Story(seed=3).connect()
    for _ in range(40):
        story.run(minutes=1).press().run(seconds=20).press().stand(seconds=40).hold()
    story.stand(minutes=35).run(minutes=3).press().run(minutes=1)  # inactivity ends the run; movement opens the next
    db = tmp_path / "footnote.db"
    journal = as_journal(story, tmp_path / "footnote.journal-20261120T070000000000.jsonl")
    reference = tmp_path / "reference.db"
    with Store(reference) as store:
        replay_journal(journal, store)
    env = {
        **os.environ,
        "GPIOZERO_PIN_FACTORY": "mock",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "FOOTNOTE_CONFIG": str(tmp_path / "none.toml"),
    }
    rng = random.Random(14)
    kills = mid_replay = 0
    total = len(journal_rows(reference)[1])
    for target in sorted(rng.sample(range(5, total - 5), 8)):
        # each start resumes the replay; it is killed once `target` events are in, sometimes
        # a moment later (mid-transaction)
        proc = subprocess.Popen([*FOOTNOTE, "log", "--no-footpod", "--db", str(db)], env=env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while journal.exists() and time.monotonic() < deadline:
            try:
                if len(journal_rows(db)[1]) >= target:
                    break
            except sqlite3.Error:
                pass  # not created yet
            time.sleep(0.002)
        time.sleep(rng.choice([0, 0, 0.001, 0.005]))
        was_replaying = journal.exists()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        kills += 1
        mid_replay += was_replaying and journal.exists()
    # the last start finishes the replay, retires the journal and is ready for presses
    proc = subprocess.Popen(
        [*FOOTNOTE, "log", "--no-footpod", "--db", str(db)], env=env, stderr=subprocess.PIPE, text=True
    )
    for line in proc.stderr:
        if "logger ready" in line:
            break
    proc.send_signal(signal.SIGTERM)
    _, rest = proc.communicate(timeout=30)
    assert proc.returncode == 0, rest
    assert not journal.exists(), rest
    assert journal_rows(db) == journal_rows(reference)
    runs, events = journal_rows(reference)
    assert len(runs) == 2 and len(events) > 100
    assert rows(db, "SELECT count(*) FROM runs WHERE ended_t_s IS NULL") == [(0,)]
    with capsys.disabled():
        print(
            f"\n  journal replay: {kills} kill -9, {mid_replay} of them mid-replay; {len(runs)} runs,"
            f" {len(events)} events, {sum(r[2] for r in runs)} samples, each stored once"
        )
    assert mid_replay >= 6


def test_a_stale_context_journal_whose_content_is_all_in_the_database_adds_nothing(tmp_path, caplog):
    """A copy of the context journal taken just after a press (everything in it is in the
    database), left behind as if the logger had been killed then; the run went on and was
    stopped cleanly. The next start replays it and adds nothing: no sample, no event, and
    the run keeps its end."""
    db = tmp_path / "footnote.db"
    s = Session(db)
    s.run(30).press()
    assert s.journal.path is not None and s.journal.path.name.endswith(".part")
    left_behind = s.journal.path.read_bytes()
    assert left_behind.count(b'"rsc"') >= 80  # synced every 5 s while the samples came
    part_name = s.journal.path.name
    s.run(20).hold().run(10)
    s.stop()
    assert not list(tmp_path.glob("footnote.journal-*"))
    before = {table: rows(db, f"SELECT * FROM {table} ORDER BY id") for table in TABLES}
    (tmp_path / part_name).write_bytes(left_behind)

    Session(db, started_at=START + timedelta(hours=2)).stop()
    assert "replaying " + part_name.removesuffix(".part") in caplog.text
    after = {table: rows(db, f"SELECT * FROM {table} WHERE run_id = 1 ORDER BY id") for table in TABLES[1:]}
    after["runs"] = rows(db, "SELECT * FROM runs WHERE id = 1")
    assert after == before
    assert not list(tmp_path.glob("footnote.journal-*"))


def test_a_killed_loggers_journal_never_reopens_an_episode_the_database_saw_end(tmp_path):
    """Killed just after a relief: the database has it (committed before its feedback),
    the journal's file only what it held at its last sync, before the hold. The next
    start takes the samples the database lacked from the journal, and the run ends as the
    database knows it: relieved, not "unresolved at run end"."""
    db = tmp_path / "footnote.db"
    s = Session(db)
    s.run(30).press().run(12).hold()
    assert s.store.store is not None and s.journal.path is not None
    part = s.journal.path
    journaled = rsc_times(part)
    in_db = [t for (t,) in rows(db, "SELECT t_s FROM footpod_samples")]
    assert max(in_db) > journaled[-1] > 30 + 5  # the hold committed samples the part's last sync had not
    s.store.store.conn.close()  # kill -9: nothing more reaches either file
    s.journal._close_fd()

    Session(db, started_at=START + timedelta(hours=2)).stop()
    assert rows(db, "SELECT kind FROM symptom_events WHERE run_id = 1 ORDER BY id") == [("onset",), ("relief",)]
    ((reason, ended, relief_t),) = rows(
        db,
        "SELECT end_reason, ended_t_s, (SELECT t_s FROM symptom_events WHERE kind = 'relief') FROM runs WHERE id = 1",
    )
    assert reason == "interrupted" and ended >= relief_t
    stored = [t for (t,) in rows(db, "SELECT t_s FROM footpod_samples WHERE run_id = 1 ORDER BY t_s")]
    assert len(stored) == len(set(stored)) == len(in_db)  # the journal had nothing more: none twice
    assert not list(tmp_path.glob("footnote.journal-*"))

"""No card to write on: a read-only file system, a folder that cannot be made, a disk or a
database that fills mid-run. Every press the runner was told about is in the journal
(device.durability.journal) and reaches the database at the next chance."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from datetime import timedelta

import pytest

from footnote.device.db.notices import open_notices
from footnote.device.db.store import Store
from footnote.device.durability.catchup import replay_journal
from footnote.device.durability.journal import pending_journals
from tests.device.durability.cards import (
    LIVE_LOGGER_WITH_A_POD,
    START,
    Session,
    a_good_database,
    another_programs,
    digest,
    fill,
    remount,
    rsc_times,
    stored_kinds,
)
from tests.helpers import FOOTNOTE, rows


def test_a_read_only_card_journals_elsewhere_and_the_next_start_puts_it_all_in(card, tmp_path):
    db = a_good_database(card / "footnote.db")
    before = digest(db)
    remount(card, "ro")
    s = Session(db)
    s.run(60).press().run(30).press().run(20).hold()
    assert s.feedback.shown == ["journaled", "worse", "relief"]
    s.stop()
    (journal,) = pending_journals(db)
    assert journal.parent == tmp_path / "home-data" / "footnote" / "journal"
    assert digest(db) == before
    remount(card, "rw")
    Session(db, started_at=START + timedelta(hours=2)).stop()
    assert stored_kinds(db) == ["onset", "relief", "onset", "worse", "relief"]
    assert not pending_journals(db)


def test_a_card_writable_again_mid_session_takes_the_journal_when_the_run_ends(card):
    db = a_good_database(card / "footnote.db")
    remount(card, "ro")
    s = Session(db)
    s.run(60).press().run(30).hold()
    remount(card, "rw")  # the card is back (reseated, repaired)
    s.t += 31 * 60
    s.recorder.advance(s.t)  # the run ends standing still: the journal goes in
    assert not s.store.journaling
    s.run(30).press().run(10)
    s.stop()
    assert s.feedback.shown == ["journaled", "relief", "onset"]
    assert stored_kinds(db) == ["onset", "relief", "onset", "relief", "onset"]
    assert not pending_journals(db)
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_a_database_that_fills_mid_episode_is_rebuilt_whole_from_the_journal(tmp_path):
    """The database stops growing in the middle of an episode (SQLite's max_page_count: a
    real SQLITE_FULL, without filling the machine's disk). The worse press after it is
    confirmed from the journal, and the next start rebuilds the run as one, whole."""
    db = tmp_path / "footnote.db"
    s = Session(db)
    s.run(60).press().run(30)
    assert s.store.store is not None
    conn = s.store.store.conn
    conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
    s.run(30).press().run(20).hold()
    assert s.feedback.shown == ["onset", "journaled", "relief"]
    s.stop()
    Session(db, started_at=START + timedelta(hours=2)).stop()
    assert stored_kinds(db) == ["onset", "worse", "relief"]
    assert rows(db, "SELECT count(*) FROM runs WHERE started_at LIKE '2026-11-20T07:00%'") == [(1,)]
    assert rows(db, "SELECT end_reason FROM runs ORDER BY id")[0] == ("stopped",)
    samples = rows(db, "SELECT t_s FROM footpod_samples WHERE run_id = 1 ORDER BY t_s")
    assert len(samples) == len(set(samples)) == s.packets  # every packet, once


def test_the_logger_writes_to_the_database_again_as_soon_as_it_can(tmp_path):
    """The database fills mid-run; the run goes on in the journal. Space comes back; when
    the run ends (30 minutes standing still), the journal is replayed into the database and
    the next run is written there directly, with the usual feedback."""
    db = tmp_path / "footnote.db"
    s = Session(db)
    s.run(60).press().run(30)
    assert s.store.store is not None
    conn = s.store.store.conn
    conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
    s.run(30).press().run(20).hold()
    assert s.store.journaling
    s.t += 31 * 60  # standing still: the run ends, and the database (a new connection) has room
    s.recorder.advance(s.t)
    assert not s.store.journaling
    assert not pending_journals(db)
    assert stored_kinds(db) == ["onset", "worse", "relief"]
    s.run(60).press().run(10)  # the next run
    assert s.feedback.shown == ["onset", "journaled", "relief", "onset"]
    assert len(rows(db, "SELECT id FROM symptom_events WHERE kind = 'onset'")) == 2  # in the database at once
    s.stop()
    assert stored_kinds(db) == ["onset", "worse", "relief", "onset"]
    assert rows(db, "SELECT end_reason FROM runs ORDER BY id") == [("inactivity",), ("stopped",)]
    assert not pending_journals(db)


def test_a_folder_that_cannot_be_made_journals_and_the_next_start_catches_up(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home-data"))
    blocker = tmp_path / "sd"
    blocker.write_text("a file where the folder should be")
    db = blocker / "footnote" / "footnote.db"
    s = Session(db)
    s.run(60).press().run(30).hold()
    assert s.feedback.shown == ["journaled", "relief"]
    s.stop()
    assert pending_journals(db)
    blocker.unlink()
    Session(db, started_at=START + timedelta(hours=2)).stop()
    assert stored_kinds(db) == ["onset", "relief"]


def test_a_disk_that_fills_mid_run_keeps_every_confirmed_press(card, monkeypatch):
    """The card (the only one: the home folder is on it too) fills with footpod samples;
    presses go on being confirmed from the journal (its reserve is freed the moment it is
    needed) until even the journal has no room, when the runner gets the error pattern.
    Space comes back, and the next start stores everything that was confirmed."""
    monkeypatch.setenv("XDG_DATA_HOME", str(card / "home"))
    remount(card, "size=600k")
    db = card / "footnote.db"
    s = Session(db)
    while "error" not in s.feedback.shown and s.t < 40_000:
        s.run(120).press()
    assert "journaled" in s.feedback.shown, "the disk filled before the database noticed"
    assert s.feedback.shown.count("error") >= 1, "the disk never filled"
    confirmed = list(s.told)
    remount(card, "size=64m")
    s.press()
    s.stop()
    Session(db, started_at=START + timedelta(days=1)).stop()
    stored = rows(db, "SELECT count(*) FROM symptom_events WHERE kind IN ('onset', 'worse')")[0][0]
    # Every confirmed press is there. A press answered with the error pattern may be there
    # too: its edges waited in memory and reached the journal once there was room.
    errors = s.feedback.shown.count("error")
    assert len(confirmed) + 1 <= stored <= len(confirmed) + 1 + errors
    assert not pending_journals(db)
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_a_journal_whose_card_fills_moves_to_the_other_partition_whole(card, tmp_path):
    """The database and its journal share a data partition; the home folder is elsewhere.
    When the partition fills to the last byte, the journal moves, whole, and presses go on
    being confirmed."""
    db = card / "footnote.db"
    s = Session(db)
    s.run(60).press().run(30)
    fill(card / "ballast")  # another program fills the partition: the database stops
    s.press().run(30)  # the journal takes over, in the room its reserve left
    fill(card / "ballast2")  # and the other program fills that too
    s.press().run(20).hold()
    assert s.feedback.shown == ["onset", "journaled", "worse", "relief"]
    s.stop()
    assert [p.parent for p in pending_journals(db)] == [tmp_path / "home-data" / "footnote" / "journal"]
    for ballast in card.glob("ballast*"):
        ballast.unlink()
    Session(db, started_at=START + timedelta(hours=2)).stop()
    assert stored_kinds(db) == ["onset", "worse", "worse", "relief"]
    assert not pending_journals(db)


def test_a_journal_torn_by_a_power_cut_replays_up_to_the_tear(tmp_path):
    db = tmp_path / "ro" / "footnote.db"
    db.parent.mkdir()
    another_programs(db)
    s = Session(db)
    s.run(30).press().run(30).hold()
    s.recorder.advance(s.t + 1)
    s.store.journal.sync()
    (journal,) = pending_journals(db)
    s.journal._close_fd()  # the power goes: no end line, and half a line written
    with open(journal, "a") as f:
        f.write('{"t": 99.5, "rs')
    fresh = tmp_path / "fresh.db"
    with Store(fresh) as store:
        added = replay_journal(journal, store)
    assert added["events"] == 2
    assert stored_kinds(fresh) == ["onset", "relief"]
    assert rows(fresh, "SELECT end_reason FROM runs") == [("interrupted",)]


def test_a_journal_garbled_in_the_middle_is_kept_and_named_in_a_notice(tmp_path):
    db = another_programs(tmp_path / "footnote.db")
    s = Session(db)
    s.run(30).press().run(30).hold().run(30)
    s.stop()
    (journal,) = pending_journals(db)
    lines = journal.read_text().splitlines()
    middle = next(i for i, line in enumerate(lines) if '"hold"' in line or '"up"' in line) + 3
    lines[middle] = "\x00\x00 a sector of zeros"
    journal.write_text("\n".join(lines) + "\n")
    db.rename(tmp_path / "contacts.db")
    Session(db, started_at=START + timedelta(hours=2)).stop()
    kept = journal.with_name(journal.name + ".unreadable")
    assert kept.exists() and not journal.exists()
    assert stored_kinds(db) == ["onset"]  # what came before the garbled line
    conn = sqlite3.connect(db)
    (notice,) = open_notices(conn)
    conn.close()
    assert notice.kind == "journal_unreadable" and kept.name in notice.message


def test_while_the_database_works_the_journal_guards_the_last_5_s_and_the_database_commits_rarely(
    tmp_path, monkeypatch
):
    """Five minutes of running at 4 notifications/s: at every moment every sample but those
    of the last JOURNAL_SYNC_S is on disk, in the journal's file (fsync'd) or committed,
    and the database has committed them DB_SAMPLE_FLUSH_S apart, not every few seconds."""
    from footnote.device.logger.recorder import DB_SAMPLE_FLUSH_S

    db = tmp_path / "footnote.db"
    s = Session(db)
    assert s.store.store is not None and s.journal.path is not None
    commits: list[float] = []
    s.store.store.conn.set_trace_callback(lambda sql: commits.append(s.t) if sql == "COMMIT" else None)
    synced = [0]  # the journal's size at its last fsync
    fsync = os.fsync

    def watched_fsync(fd: int) -> None:
        fsync(fd)
        if fd == s.journal._fd:
            synced[0] = os.fstat(fd).st_size

    monkeypatch.setattr(os, "fsync", watched_fsync)
    durable_lag, db_lag = [], []
    while s.t < 300:
        s.run(0.25)
        on_disk = rsc_times(s.journal.path, synced[0])
        stored = rows(db, "SELECT max(t_s) FROM footpod_samples")[0][0]
        db_lag.append(s.t - (stored if stored is not None else 0.0))
        durable_lag.append(min(db_lag[-1], s.t - (on_disk[-1] if on_disk else 0.0)))
    assert max(durable_lag) <= 5 + 0.25  # a power cut loses at most the last 5 s (docs/sdcard.md)
    assert max(db_lag) <= DB_SAMPLE_FLUSH_S + 0.25
    assert 1 <= len(commits) <= 300 / DB_SAMPLE_FLUSH_S + 1
    s.stop()
    assert rows(db, "SELECT count(*) FROM footpod_samples")[0][0] == s.packets


@pytest.mark.slow  # real time: a live logger streaming a footpod, killed with kill -9
def test_kill_9_between_two_sample_commits_loses_only_what_the_journal_had_not_synced(tmp_path):
    """The logger commits samples to the database with each press and every 2 minutes;
    between those commits the journal beside it is fsync'd every 5 s. Killed 10 s after a
    press, the database lacks the samples since the press; the next start takes them from
    the journal, each once, and the confirmed press is still there."""
    import signal
    import sys
    import time

    from footnote.device.logger.recorder import DB_SAMPLE_FLUSH_S, JOURNAL_SYNC_S

    db = tmp_path / "footnote.db"
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "FOOTNOTE_CONFIG": str(tmp_path / "none.toml"),
    }
    proc = subprocess.Popen([sys.executable, "-c", LIVE_LOGGER_WITH_A_POD, str(db)], env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        press_t = None
        while press_t is None:  # the press is confirmed: its row (and the samples before it) committed
            assert time.monotonic() < deadline, "the press was never stored"
            time.sleep(0.05)
            if db.exists():
                try:
                    found = rows(db, "SELECT t_s FROM symptom_events WHERE kind = 'onset'")
                except sqlite3.Error:
                    continue
                press_t = found[0][0] if found else None
        (part,) = tmp_path.glob("footnote.journal-*.jsonl.part")
        # two journal syncs after the press, well before the next database commit
        while not (times := rsc_times(part)) or times[-1] < press_t + 2 * JOURNAL_SYNC_S:
            assert time.monotonic() < deadline, "the journal was never synced"
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert press_t + 2 * JOURNAL_SYNC_S < DB_SAMPLE_FLUSH_S
    journaled = rsc_times(part)  # what the journal held on disk at the kill: up to its last sync
    in_db_at_kill = [t for (t,) in rows(db, "SELECT t_s FROM footpod_samples ORDER BY t_s")]
    # the press committed the samples before it; the journal had synced 8 s and more since
    assert in_db_at_kill and max(in_db_at_kill) < press_t + 1 < journaled[-1] - JOURNAL_SYNC_S

    restart = subprocess.Popen(
        [*FOOTNOTE, "log", "--no-footpod", "--db", str(db)],
        env={**env, "GPIOZERO_PIN_FACTORY": "mock"},
        stderr=subprocess.PIPE,
        text=True,
    )
    assert restart.stderr is not None
    for line in restart.stderr:
        if "logger ready" in line:
            break
    restart.send_signal(signal.SIGTERM)
    _, rest = restart.communicate(timeout=30)
    assert restart.returncode == 0, rest

    stored = [t for (t,) in rows(db, "SELECT t_s FROM footpod_samples WHERE run_id = 1 ORDER BY t_s")]
    assert len(stored) == len(set(stored))  # none twice
    assert stored == pytest.approx(journaled)  # every sample up to the journal's last sync
    assert rows(db, "SELECT kind FROM symptom_events WHERE run_id = 1 ORDER BY id") == [
        ("onset",),
        ("unresolved_at_run_end",),
    ]
    assert rows(db, "SELECT end_reason FROM runs ORDER BY id") == [("interrupted",), ("stopped",)]
    assert not list(tmp_path.glob("footnote.journal-*")), "the journal was not retired"

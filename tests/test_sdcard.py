"""The SD card fails: a damaged database never silences the button, and nothing that can
be saved is lost. Each story damages a real file (truncated, random bytes, another
program's database), takes the card away (a read-only file system, a folder that cannot
be made, a disk that fills mid-run), and checks that every press the runner was told
about ends up in the database, that the damaged file is kept byte for byte, and that
the next start is clean."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footnote.device.db.notices import open_notices
from footnote.device.db.store import Store
from footnote.device.durability.catchup import open_logger_store, replay_journal, settle_at_stop
from footnote.device.durability.integrity import examine
from footnote.device.durability.journal import Journal, JournalIndicator, JournalingStore, pending_journals
from footnote.device.logger.recorder import RecorderSettings, RunRecorder
from footnote.device.logger.story import Story
from footnote.device.rules.rsc import encode_rsc_measurement
from tests.helpers import FOOTNOTE, rows

START = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
SETTINGS = RecorderSettings(source="live", device="footnote test")
PACKET = encode_rsc_measurement(3.0, 170, stride_m=1.1)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Feedback:
    """What the runner was shown, in order."""

    shown: list[str] = field(default_factory=list)

    def show(self, kind: str, *, event_id: int | None = None) -> None:
        self.shown.append(kind)

    def close(self) -> None:
        pass


class Session:
    """One start of the logger, driven by hand on its own clock, built exactly as
    device.live builds it: journal, examined store, journal-aware feedback."""

    def __init__(self, db: Path, *, started_at: datetime = START) -> None:
        self.db = db
        self.journal = Journal(db, started_at=started_at, clock_synced=True, settings=SETTINGS)
        self.store: JournalingStore = open_logger_store(db, self.journal)
        self.feedback = Feedback()
        self.recorder = RunRecorder(
            store=self.store,
            indicator=JournalIndicator(self.feedback, self.store),
            t0=0.0,
            started_at=started_at,
            clock_synced=True,
            settings=SETTINGS,
            replay_writer=self.journal,
        )
        self.recorder.start()
        self.t = 0.0
        self.told: list[str] = []  # the events the runner was told are recorded
        self.packets = 0

    def run(self, seconds: float) -> Session:
        """Running: a footpod packet every quarter second."""
        end = self.t + seconds
        while self.t < end:
            self.t += 0.25
            self.recorder.advance(self.t)
            self.recorder.on_rsc(self.t, PACKET)
            self.packets += 1
        return self

    def _gesture(self, kind: str, held_s: float) -> None:
        before = len(self.feedback.shown)
        self.recorder.advance(self.t + 0.5)
        self.t += 0.5
        self.recorder.on_edge(self.t, True)
        self.recorder.advance(self.t + held_s)
        self.recorder.on_edge(self.t + held_s, False)
        self.t += held_s + 0.2
        self.recorder.advance(self.t)
        shown = self.feedback.shown[before:]
        assert len(shown) == 1, shown
        if shown[0] != "error":
            self.told.append(kind)

    def press(self) -> Session:
        self._gesture("worse" if self.recorder._severity else "onset", 0.2)
        return self

    def hold(self) -> Session:
        self._gesture("relief", 1.7)
        return self

    def stop(self) -> None:
        self.recorder.stop(self.t)
        settle_at_stop(self.store, self.journal)


def stored_kinds(db: Path) -> list[str]:
    return [
        k
        for (k,) in rows(
            db,
            "SELECT kind FROM symptom_events e JOIN runs r ON r.id = e.run_id"
            " WHERE kind IN ('onset', 'worse', 'relief') ORDER BY r.started_at, e.t_s",
        )
    ]


def damage_stories(db: Path) -> Iterator[Session]:
    s = Session(db)
    s.run(60).press().run(30).press().run(20).hold().run(10)
    yield s
    s.stop()


def a_good_database(path: Path) -> Path:
    s = Session(path, started_at=START - timedelta(days=3))
    s.run(30).press().run(10).hold()
    s.stop()
    return path


def truncated(path: Path) -> Path:
    a_good_database(path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def random_bytes(path: Path) -> Path:
    path.write_bytes(os.urandom(40_000))
    return path


def another_programs(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
    conn.execute("INSERT INTO contacts VALUES ('Ada', '555')")
    conn.commit()
    conn.close()
    return path


# -- damaged at start ------------------------------------------------------------------------


@pytest.mark.parametrize("damage", [truncated, random_bytes])
def test_a_damaged_database_is_set_aside_byte_for_byte_and_a_fresh_one_takes_every_press(tmp_path, damage):
    db = damage(tmp_path / "footnote.db")
    before = digest(db)
    s = Session(db)
    s.run(60).press().run(30).press().run(20).hold()
    assert s.feedback.shown == ["onset", "worse", "relief"]  # the fresh database took them: no journal
    s.stop()
    (aside,) = tmp_path.glob("footnote.damaged-*.db")
    assert digest(aside) == before
    assert stored_kinds(db) == ["onset", "worse", "relief"]
    conn = sqlite3.connect(db)
    (notice,) = open_notices(conn)
    conn.close()
    assert str(aside.name) in notice.message and "footnote recover" in notice.message
    assert not pending_journals(db)
    # the next start is clean: the fresh database passes, nothing more is set aside
    assert examine(db).state == "ok"
    Session(db, started_at=START + timedelta(hours=2)).stop()
    assert len(list(tmp_path.glob("footnote.damaged-*.db"))) == 1


def test_another_programs_database_is_left_alone_and_the_presses_go_to_the_journal(tmp_path):
    db = another_programs(tmp_path / "footnote.db")
    before = digest(db)
    s = Session(db)
    s.run(60).press().run(30).press().run(20).hold()
    assert s.feedback.shown == ["journaled", "worse", "relief"]  # the distinct pattern, once
    s.stop()
    assert digest(db) == before
    assert not list(tmp_path.glob("footnote.damaged-*"))
    (journal,) = pending_journals(db)
    # the runner points the logger elsewhere (here: moves the other file away) and starts again
    db.rename(tmp_path / "contacts.db")
    Session(db, started_at=START + timedelta(hours=2)).stop()
    assert stored_kinds(db) == ["onset", "worse", "relief"]
    assert not journal.exists()


# -- no card to write on -----------------------------------------------------------------------


@pytest.fixture
def card(tmp_path, monkeypatch) -> Iterator[Path]:
    """A real small file system (tmpfs) standing for the SD card, and a per-user data
    folder elsewhere (where the journal goes when the card takes nothing)."""
    mount = tmp_path / "card"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home-data"))
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def remount(card: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(card)], check=True)


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


def fill(path: Path) -> None:
    """Write until the file system refuses."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


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


# -- the journal itself --------------------------------------------------------------------------


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


def test_the_quick_check_is_bounded_in_time(fresh_demo_db, caplog):
    assert examine(fresh_demo_db).state == "ok"
    assert "taken as passed" not in caplog.text
    assert examine(fresh_demo_db, timeout_s=0.0).state == "ok"  # interrupted at once: taken as passed
    assert "taken as passed" in caplog.text


@pytest.mark.slow  # real time: the button is pressed and the LED watched
def test_footnote_log_itself_answers_the_button_on_a_damaged_card(tmp_path):
    """The real logger (run_logger, gpiozero mock pins, the LED watched) on a file of
    random bytes: it sets the file aside and every press is confirmed and stored."""
    import asyncio
    import time

    from gpiozero.pins.mock import MockFactory

    from footnote.device.config import parse_config
    from footnote.device.live import run_logger

    db = random_bytes(tmp_path / "footnote.db")
    before = digest(db)
    factory = MockFactory()
    button, led = factory.pin(17), factory.pin(27)
    ready: dict = {}

    async def until(condition, what: str) -> None:
        end = time.monotonic() + 10
        while not condition():
            assert time.monotonic() < end, f"timed out waiting for {what}"
            await asyncio.sleep(0.01)

    async def story() -> None:
        task = asyncio.create_task(
            run_logger(parse_config({}), db_path=db, pin_factory=factory, on_ready=lambda i, r: ready.update(i=i))
        )
        await until(lambda: "i" in ready, "the logger to be ready")
        for presses in (1, 2):
            button.drive_low()
            await asyncio.sleep(0.2)
            button.drive_high()
            await until(lambda n=presses: len(rows(db, "SELECT id FROM symptom_events")) == n, f"press {presses}")
            await until(lambda: led.state, "the LED")
            await asyncio.sleep(0.8)  # the pattern plays out before the next press
        ready["i"].stop()
        await asyncio.wait_for(task, 10)

    try:
        asyncio.run(story())
    finally:
        factory.reset()
    (aside,) = tmp_path.glob("footnote.damaged-*.db")
    assert digest(aside) == before
    assert stored_kinds(db) == ["onset", "worse"]
    assert not list(tmp_path.glob("*.jsonl*"))  # a session the database took whole leaves no journal


# -- every command speaks clearly ------------------------------------------------------------------


ANALYZE, EXPORT, REPLAY, RECOVER = (
    ["analyze"],
    ["export", "--format", "csv", "--out", "x.csv"],
    ["replay", "REPLAY"],
    ["recover", "DB"],
)


@pytest.mark.parametrize(
    ("damage", "command"),
    [
        (truncated, ANALYZE),
        (truncated, REPLAY),
        (truncated, RECOVER),
        (random_bytes, EXPORT),
        (random_bytes, RECOVER),
        (another_programs, ANALYZE),
        (another_programs, REPLAY),
    ],
)
def test_every_command_says_in_one_line_what_is_wrong_and_changes_nothing(tmp_path, damage, command):
    db = damage(tmp_path / "footnote.db")
    before = digest(db)
    story = Story(seed=1).connect().run(minutes=1).end().write(tmp_path / "s.jsonl")
    argv = [str(story) if a == "REPLAY" else str(db) if a == "DB" else a for a in command]
    target = ["--db", str(tmp_path / "other.db")] if command[0] == "recover" else ["--db", str(db)]
    result = subprocess.run([*FOOTNOTE, *argv, *target], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    if command[0] == "recover" and damage is truncated:
        assert result.returncode == 0, result.stderr  # the truncated file still has runs to give
        assert "1 runs" in result.stdout
    else:
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert str(db) in line or db.name in line
        assert "footnote recover" in line or "not a footnote database" in line or "nothing could be read" in line
    assert digest(db) == before


def test_the_dashboard_answers_a_damaged_database_with_a_page_that_says_what_to_do(tmp_path):
    import httpx

    from footnote.server.dashboard.app import create_app
    from tests.helpers import LiveServer

    db = random_bytes(tmp_path / "footnote.db")
    server = LiveServer(create_app(db))
    try:
        page = httpx.get(server.url + "/", headers={"accept": "text/html"})
        api = httpx.get(server.url + "/api/runs")
    finally:
        server.stop()
    assert page.status_code == 503 and "footnote recover" in page.text and "cannot be read" in page.text
    assert api.status_code == 503 and "footnote recover" in api.json()["detail"]


def test_the_dashboard_never_writes_into_another_programs_database(tmp_path):
    import httpx

    from footnote.server.dashboard.app import create_app
    from tests.helpers import LiveServer

    db = another_programs(tmp_path / "footnote.db")
    before = digest(db)
    server = LiveServer(create_app(db))
    try:
        with httpx.Client(base_url=server.url) as client:
            client.get("/api/runs")  # for the CSRF cookie
            token = client.cookies.get("footnote_csrf")
            saved = client.put(
                "/api/runs/1/episodes/1/annotation", json={"location": "calf"}, headers={"X-CSRF-Token": token}
            )
    finally:
        server.stop()
    assert saved.status_code == 503 and "not a footnote database" in saved.json()["detail"]
    assert digest(db) == before


def test_the_dashboard_and_footnote_check_show_the_notice_until_the_file_is_recovered(tmp_path):
    import httpx

    from footnote.device.check import Checker
    from footnote.device.config import parse_config
    from footnote.server.dashboard.app import create_app
    from tests.helpers import LiveServer

    db = truncated(tmp_path / "footnote.db")
    Session(db, started_at=START + timedelta(days=1)).stop()
    (aside,) = tmp_path.glob("footnote.damaged-*.db")
    server = LiveServer(create_app(db))
    try:
        banner = httpx.get(server.url + "/", headers={"accept": "text/html"}).text
        notices = httpx.get(server.url + "/api/runs").json()["notices"]
    finally:
        server.stop()
    assert "The SD card needed attention" in banner and aside.name in banner
    assert len(notices) == 1
    out = tmp_path / "check.txt"
    with open(out, "w") as stream:
        status = Checker(parse_config({}), db, out=stream).run(skip={"feedback", "button", "footpod", "disk", "clock"})
    assert status == 1 and "FAIL  database notice" in out.read_text() and aside.name in out.read_text()
    result = subprocess.run([*FOOTNOTE, "recover", str(aside), "--db", str(db)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(db)
    assert open_notices(conn) == []
    conn.close()


# -- kill -9 during journal replay, and recovery of a truncated database (real time) ----------------


def as_journal(story: Story, path: Path) -> Path:
    """A story written as a journal of the logger: the record format with the journal's
    header (the settings the logger ran with)."""
    import json

    lines = story.text().splitlines()
    header = json.loads(lines[0])
    header["footnote_journal"] = {"settings": {"source": "live", "device": "footnote test"}, "run_open_at_start": True}
    path.write_text("\n".join([json.dumps(header), *lines[1:-1]]) + "\n")  # no end line: the logger was killed
    return path


def journal_rows(db: Path) -> tuple[list[tuple], list[tuple]]:
    """The runs and events the journal's day holds (not the logger's own runs of today)."""
    day = "started_at LIKE '2026-11-20%'"
    runs = rows(
        db,
        f"SELECT started_at, end_reason, (SELECT count(*) FROM footpod_samples WHERE run_id = r.id) FROM runs r WHERE {day} ORDER BY started_at",
    )
    events = rows(
        db,
        "SELECT r.started_at, e.kind, e.episode, e.severity, round(e.t_s, 3) FROM symptom_events e"
        f" JOIN runs r ON r.id = e.run_id WHERE r.{day} ORDER BY r.started_at, e.t_s, e.id",
    )
    return runs, events


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


def build_runs(db: Path, tmp_path: Path, count: int) -> list[int]:
    """`count` runs replayed one after another; the file's size once each is in it."""
    from footnote.device.logger.replay import replay_file

    sizes = []
    for i in range(count):
        story = Story(seed=i, started_at=f"2026-11-{i + 1:02d}T07:00:00Z").connect()
        story.run(minutes=3 + i % 4).press().run(minutes=2).stand(minutes=1 + i % 3).hold().run(minutes=1).end()
        with Store(db) as store:
            replay_file(story.write(tmp_path / f"run{i}.jsonl"), store=store)
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        sizes.append(db.stat().st_size)
    return sizes


def run_contents(db: Path) -> dict[str, tuple]:
    found = {}
    for run_id, started_at in rows(db, "SELECT id, started_at FROM runs"):
        events = rows(
            db, "SELECT kind, episode, severity, t_s FROM symptom_events WHERE run_id = ? ORDER BY t_s, kind", (run_id,)
        )
        samples = rows(db, "SELECT t_s, raw, distance_m FROM footpod_samples WHERE run_id = ? ORDER BY t_s", (run_id,))
        found[started_at] = (tuple(events), tuple(samples))
    return found


@pytest.mark.slow
def test_recovery_of_a_database_truncated_at_10_points_brings_back_every_run_whose_pages_survive(tmp_path, capsys):
    from footnote.device.durability.recover import recover

    db = tmp_path / "runs.db"
    sizes = build_runs(db, tmp_path, 8)
    whole = run_contents(db)
    order = sorted(whole)
    report = []
    for k in range(10):
        cut = sizes[-1] * (k + 1) // 11 + 517 * k  # not on a page boundary
        damaged = tmp_path / f"cut{k}.db"
        damaged.write_bytes(db.read_bytes()[:cut])
        before = digest(damaged)
        into = tmp_path / f"recovered{k}.db"
        result = recover(damaged, into)
        assert digest(damaged) == before
        back = run_contents(into)
        survivors = [order[i] for i, size in enumerate(sizes) if size <= cut]
        for started_at in survivors:
            assert back.get(started_at) == whole[started_at], f"cut at {cut}: run {started_at} did not come back whole"
        assert set(back) <= set(whole)
        report.append(f"{cut // 1024} KiB: {len(survivors)} whole / {result.runs} back")
    with capsys.disabled():
        print(
            f"\n  recovery ({result.method}) of {len(whole)} runs, {sizes[-1] // 1024} KiB, cut at: "
            + "; ".join(report)
        )


def test_recovery_without_the_sqlite3_command_reads_the_pages_itself(tmp_path, monkeypatch, caplog):
    import shutil

    from footnote.device.durability.recover import recover

    db = tmp_path / "runs.db"
    sizes = build_runs(db, tmp_path, 2)
    whole = run_contents(db)
    damaged = tmp_path / "cut.db"
    damaged.write_bytes(db.read_bytes()[: sizes[0] + 100])
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = recover(damaged, tmp_path / "into.db")
    assert "the sqlite3 command is not installed" in caplog.text
    first = min(whole)
    assert run_contents(tmp_path / "into.db")[first] == whole[first]
    assert result.runs >= 1 and "page by page" in result.method


# -- the journal guards the samples the database has not committed yet --------------------------

LIVE_LOGGER_WITH_A_POD = """
import asyncio, sys
from gpiozero.pins.mock import MockFactory
from footnote.device.config import parse_config
from footnote.device.live import run_logger
from footnote.device.rules.rsc import encode_rsc_measurement

PACKET = encode_rsc_measurement(3.0, 170, stride_m=1.1)

async def pod(inputs):  # a footpod streaming 20 notifications a second, until the kill
    while True:
        inputs.rsc(inputs.clock(), PACKET)
        await asyncio.sleep(0.05)

async def main():
    factory = MockFactory()
    ready = asyncio.Event()
    config = parse_config({"feedback": {"led": False}})
    task = asyncio.create_task(
        run_logger(config, db_path=sys.argv[1], pin_factory=factory, footpod=pod, on_ready=lambda i, r: ready.set())
    )
    await ready.wait()
    await asyncio.sleep(3)
    button = factory.pin(17)
    button.drive_low()  # numbness: a press
    await asyncio.sleep(0.2)
    button.drive_high()
    await task

asyncio.run(main())
"""


def rsc_times(journal: Path, size: int | None = None) -> list[float]:
    """The times of the footpod lines in a journal (in its first `size` bytes)."""
    import json

    lines = journal.read_bytes()[:size].decode().splitlines()
    return [json.loads(line)["t"] for line in lines[1:] if '"rsc"' in line]


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


TABLES = ["runs", "symptom_events", "footpod_samples", "link_events", "rejected_packets"]

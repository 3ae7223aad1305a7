"""What the SD-card tests share: a real database damaged in three ways, a session that
presses the button through the real recorder and journal, and the live logger killed mid-run.
The stories themselves are in test_integrity, test_journal, test_catchup and test_recover."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from footnote.device.db.store import Store
from footnote.device.durability.catchup import open_logger_store, settle_at_stop
from footnote.device.durability.journal import Journal, JournalIndicator, JournalingStore
from footnote.device.logger.recorder import RecorderSettings, RunRecorder
from footnote.device.logger.story import Story
from footnote.device.rules.rsc import encode_rsc_measurement
from tests.helpers import rows

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


def remount(card: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(card)], check=True)


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


ANALYZE, EXPORT, REPLAY, RECOVER = (
    ["analyze"],
    ["export", "--format", "csv", "--out", "x.csv"],
    ["replay", "REPLAY"],
    ["recover", "DB"],
)


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


TABLES = ["runs", "symptom_events", "footpod_samples", "link_events", "rejected_packets"]

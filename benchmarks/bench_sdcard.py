"""SD card figures (issue 14: the SD card fails).

- a press confirmed from the journal (the database unusable): from the settled release
  to the confirmation, fsync'd, p50/p99, against one bare sqlite3 insert+commit;
- a press confirmed by the database with the journal attached as context (the normal
  case): the journal must cost the button nothing;
- the journal's writes while the database works: bytes per hour of running, and the
  number of fsyncs (one per JOURNAL_SYNC_S while samples arrive, to guard the samples the
  database commits only every DB_SAMPLE_FLUSH_S);
- replaying a 1-hour journal at 4 notifications/s into the database, × real time;
- `footnote recover` of a 3-hour run (the story's pod, about 1 notification/s) truncated
  in half.

Run: python benchmarks/bench_sdcard.py
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_logger import bare_commit_times
from benchmarks.report import Figure, median, percentile, print_table
from footnote.device.db.store import Store
from footnote.device.durability.catchup import open_logger_store, replay_journal
from footnote.device.durability.journal import Journal, JournalingStore
from footnote.device.logger.recorder import JOURNAL_SYNC_S, RecorderSettings, RunRecorder
from footnote.device.logger.replay import replay_file
from footnote.device.logger.story import Pod, Story
from footnote.device.parts.feedback import SilentIndicator
from footnote.device.rules.rsc import encode_rsc_measurement

SETTINGS = RecorderSettings(source="live", device="bench")
PACKET = encode_rsc_measurement(3.0, 170, stride_m=1.1, total_distance_m=100)


def logger_with_journal(db: Path) -> tuple[RunRecorder, JournalingStore, Journal]:
    started = datetime.now(UTC)
    journal = Journal(db, started_at=started, clock_synced=True, settings=SETTINGS)
    store = open_logger_store(db, journal)
    recorder = RunRecorder(
        store=store,
        indicator=SilentIndicator(),
        t0=0.0,
        started_at=started,
        clock_synced=True,
        settings=SETTINGS,
        replay_writer=journal,
    )
    recorder.start()
    return recorder, store, journal


def press_times(recorder: RunRecorder, n: int) -> list[float]:
    """Seconds from the tick that settles a release to the confirmed event."""
    times = []
    t = 1.0
    for _ in range(n):
        for _ in range(4):  # a second of footpod between presses
            t += 0.25
            recorder.advance(t)
            recorder.on_rsc(t, PACKET)
        recorder.on_edge(t + 0.01, True)
        recorder.on_edge(t + 0.2, False)
        settle = recorder.next_deadline()
        assert settle is not None
        start = time.perf_counter()
        recorder.tick(settle)
        times.append(time.perf_counter() - start)
        t = settle + 0.3
        recorder.advance(t)
    return times


def hour_story() -> Story:
    story = Story(seed=2, pod=Pod(name="bench")).connect()
    for _ in range(12):
        story.run(minutes=3, speed_mps=3.0).press().run(minutes=1).stand(minutes=1).hold()
    return story.end()


def run() -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bare_p99 = percentile(bare_commit_times(folder, 300), 99)

        foreign = folder / "other.db"  # another program's database: the logger journals
        conn = sqlite3.connect(foreign)
        conn.execute("CREATE TABLE contacts (name)")
        conn.close()
        recorder, store, journal = logger_with_journal(foreign)
        times = press_times(recorder, 300)
        assert store.journaling
        figures.append(Figure("press confirmed from the journal (fsync'd) p50", median(times) * 1000, "ms"))
        figures.append(
            Figure(
                "press confirmed from the journal p99 (target 2x bare p99)",
                percentile(times, 99) * 1000,
                "ms",
                target=2 * bare_p99 * 1000,
            )
        )
        journal.close(keep=False)

        # The normal case: the same presses with and without the journal attached.
        with Store(folder / "plain.db") as plain:
            bare_recorder = RunRecorder(
                store=plain,
                indicator=SilentIndicator(),
                t0=0.0,
                started_at=datetime.now(UTC),
                clock_synced=True,
                settings=SETTINGS,
            )
            bare_recorder.start()
            without = press_times(bare_recorder, 400)
        recorder, store, journal = logger_with_journal(folder / "logger.db")
        with_journal = press_times(recorder, 400)
        figures.append(Figure("press confirmed by the database, no journal, p50", median(without) * 1000, "ms"))
        figures.append(
            Figure("press confirmed by the database, journal attached, p50", median(with_journal) * 1000, "ms")
        )
        figures.append(Figure("press confirmed by the database, no journal, p99", percentile(without, 99) * 1000, "ms"))
        figures.append(
            Figure(
                "press confirmed by the database, journal attached, p99 (target 2x no journal)",
                percentile(with_journal, 99) * 1000,
                "ms",
                target=2 * percentile(without, 99) * 1000,
            )
        )
        store.close()
        journal.close(keep=False)

        # what the context journal writes in an hour of running at 4 notifications/s
        recorder, store, journal = logger_with_journal(folder / "hour.db")
        t = 0.0
        with patch.object(os, "fsync", wraps=os.fsync) as fsync:  # count the journal's fsyncs
            for _ in range(3600 * 4):
                t += 0.25
                recorder.advance(t)
                recorder.on_rsc(t, PACKET)
        syncs = [call.args[0] for call in fsync.call_args_list].count(journal._fd or -1)
        assert journal.path is not None
        written = journal.path.stat().st_size + journal._pending_bytes
        figures.append(Figure("journal bytes per hour of running (context)", written / 1024, "KiB"))
        figures.append(
            Figure(
                "journal fsyncs per hour of running while the database works (guarding samples)",
                syncs,
                "",
                target=3600 / JOURNAL_SYNC_S,
            )
        )
        store.close()
        journal.close(keep=False)

        # replaying an hour-long journal
        story_path = hour_story().write(folder / "hour.jsonl")
        lines = story_path.read_text().splitlines()
        header = json.loads(lines[0])
        header["footnote_journal"] = {"settings": {"source": "live"}, "run_open_at_start": True}
        jpath = folder / "bench.journal-1.jsonl"
        jpath.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
        duration_s = json.loads(lines[-1])["t"]
        with Store(folder / "replayed.db") as db:
            start = time.perf_counter()
            replay_journal(jpath, db)
            took = time.perf_counter() - start
        figures.append(
            Figure(
                "journal replay into the database, 1-hour session",
                duration_s / took,
                "x real time",
                target=2000,
                lower_is_better=False,
            )
        )

        # recovering a 3-hour run truncated in half
        from footnote.device.durability.recover import recover

        three = Story(seed=4).connect()
        for _ in range(18):
            three.run(minutes=8).press().run(minutes=1).stand(minutes=1).hold()
        big = folder / "big.db"
        with Store(big) as db:
            replay_file(three.end().write(folder / "three.jsonl"), store=db)
            db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        data = big.read_bytes()
        half = folder / "half.db"
        half.write_bytes(data[: len(data) // 2])
        start = time.perf_counter()
        result = recover(half, folder / "recovered.db")
        took = time.perf_counter() - start
        figures.append(
            Figure(
                f"recover a 3-hour run ({len(data) // 1024} KiB) cut in half",
                took,
                "s",
                target=30,
                note=f"{result.samples} samples back",
            )
        )
    return figures


if __name__ == "__main__":
    print_table(run())

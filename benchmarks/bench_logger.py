"""Device logger figures (issue: device logger).

- button edge -> committed row latency, p50/p99, against one bare sqlite3
  insert+commit with the same settings on the same disk, measured in the same run;
- replay speed for a 1-hour session at 4 notifications/s;
- `footnote log` start-to-ready time and peak memory (mock pins, no footpod);
- bytes the logger writes to disk per logged hour at 4 notifications/s (/proc/self/io
  write_bytes of a process feeding a realistic 3-hour run at 4/s, input by input, to the
  parts `footnote log` is built from, as device/live.py builds them: RunRecorder,
  JournalingStore over the examined database, and the Journal beside it, from the start
  to the stop). It runs thousands of times faster than real time, so the kernel would not
  write dirty pages back between the logger's own syncs as it does in a real hour (after
  30 s): the driver also fsyncs every file the logger writes (the database, its WAL and
  shared-memory index, the journal) every 30 s of run time, as the kernel's writeback
  would. write_bytes counts a page when it is dirtied, so a page written back and then
  changed again counts again. Target <= 8 MB per hour.

Run: python benchmarks/bench_logger.py
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.realistic import three_hour_story
from benchmarks.report import Figure, median, percentile, print_table
from footnote.device.db.store import Store
from footnote.device.logger.recorder import RunRecorder
from footnote.device.logger.replay import replay_file
from footnote.device.logger.story import Pod, Story
from footnote.device.parts.feedback import SilentIndicator


def bare_commit_times(folder: Path, n: int) -> list[float]:
    conn = sqlite3.connect(folder / "bare.db")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, run_id INT, t_s REAL, kind TEXT, episode INT, severity INT)")
    conn.commit()
    times = []
    for i in range(n):
        start = time.perf_counter()
        conn.execute(
            "INSERT INTO t (run_id, t_s, kind, episode, severity) VALUES (?,?,?,?,?)", (1, float(i), "onset", 1, 1)
        )
        conn.commit()
        times.append(time.perf_counter() - start)
    conn.close()
    return times


def press_commit_times(folder: Path, n: int) -> list[float]:
    """From the moment the released button settles to the committed row: the press
    detector, the episode logic and the fsync'd insert (the 50 ms debounce window
    itself is deliberate and not counted)."""
    with Store(folder / "logger.db") as store:
        lg = RunRecorder(
            store=store, indicator=SilentIndicator(), t0=0.0, started_at=datetime.now(UTC), clock_synced=True
        )
        lg.start()
        times = []
        for i in range(n):
            t = 10.0 + i
            lg.on_edge(t, True)
            lg.advance(t + 0.06)
            lg.on_edge(t + 0.2, False)
            start = time.perf_counter()
            lg.advance(t + 0.26)
            times.append(time.perf_counter() - start)
        lg.stop(10.0 + n + 1)
    return times


def replay_speed(folder: Path) -> tuple[float, float]:
    story = Story(pod=Pod(rate_hz=4.0)).connect()
    for _ in range(6):
        story.run(minutes=8).press().run(minutes=1).stand(minutes=1).hold()
    path = story.end().write(folder / "hour.jsonl")
    session_s = story.t
    with Store(folder / "replay.db", fsync_samples=False) as store:  # as footnote replay
        start = time.perf_counter()
        replay_file(path, store=store)
        elapsed = time.perf_counter() - start
    return session_s / elapsed, elapsed


def start_to_ready(folder: Path) -> tuple[float, float]:
    """A usual start: the database exists already (a first start also migrates it)."""
    env = dict(os.environ, GPIOZERO_PIN_FACTORY="mock", FOOTNOTE_CONFIG=str(folder / "none.toml"))
    Store(folder / "live.db").close()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "footnote.device.cli", "log", "--no-footpod", "--db", str(folder / "live.db")],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if "logger ready" in line:
            break
    ready_s = time.perf_counter() - start
    time.sleep(1.0)  # let it settle into its loop
    peak_mb = peak_rss_mb(proc.pid)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    return ready_s, peak_mb


WRITE_BYTES = """
import os, sys
from datetime import datetime
from pathlib import Path
from footnote.device.durability.catchup import open_logger_store, settle_at_stop
from footnote.device.parts.feedback import SilentIndicator
from footnote.device.durability.journal import Journal, JournalIndicator
from footnote.device.logger.recorder import RecorderSettings, RunRecorder
from footnote.device.logger.record_file import read_replay
from footnote.device.db.store import Store

def write_bytes():
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])

def kernel_writeback(paths):
    # what the kernel's flusher does with dirty pages 30 s old: write them (the next
    # change to a written page dirties it, and counts, again)
    for name in paths:
        try:
            fd = os.open(name, os.O_RDONLY)
        except FileNotFoundError:
            continue
        os.fsync(fd)
        os.close(fd)

db, story = Path(sys.argv[1]), sys.argv[2]
Store(db).close()  # created and migrated first: a usual start
before = write_bytes()
with open(story, encoding="utf-8") as stream:
    header, inputs = read_replay(stream)
    settings = RecorderSettings(source="live", device="bench")
    # built as device/live.py builds `footnote log`: the journal, the examined store, the recorder
    journal = Journal(db, started_at=header.started_at, clock_synced=True, settings=settings)
    store = open_logger_store(db, journal)
    recorder = RunRecorder(
        store=store,
        indicator=JournalIndicator(SilentIndicator(), store),
        t0=0.0,
        started_at=header.started_at,
        clock_synced=True,
        settings=settings,
        replay_writer=journal,
    )
    recorder.start()
    written_back = 0.0
    for item in inputs:
        while item.t - written_back >= 30:
            recorder.advance(written_back + 30)
            written_back += 30
            kernel_writeback([p for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), journal.path) if p])
        recorder.advance(item.t)
        if item.kind == "button":
            recorder.on_edge(item.t, bool(item.value))
        elif item.kind == "rsc":
            recorder.on_rsc(item.t, item.value)
        elif item.kind == "footpod":
            recorder.on_link(item.t, str(item.value), **item.extra)
        elif item.kind == "hrm":
            recorder.on_hrm(item.t, item.value)
        elif item.kind == "strap":
            recorder.on_strap(item.t, str(item.value), **item.extra)
        elif item.kind == "end":
            recorder.stop(item.t)
            break
    settle_at_stop(store, journal)
kernel_writeback([db, Path(f"{db}-wal"), Path(f"{db}-shm")])
print(write_bytes() - before)
"""


def logged_hour_write_mb(folder: Path) -> tuple[float, float]:
    """(MB written per logged hour at 4/s, data stored per hour in MB)."""
    story = three_hour_story()
    path = story.write(folder / "three-hours.jsonl")
    db = folder / "write-bytes.db"
    out = subprocess.run(
        [sys.executable, "-c", WRITE_BYTES, str(db), str(path)], capture_output=True, text=True, check=True
    )
    hours = story.t / 3600
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stored = conn.execute("SELECT sum(length(raw)) + count(*) * 8 * 7 FROM footpod_samples").fetchone()[0]
    conn.close()
    return int(out.stdout) / hours / 1e6, stored / hours / 1e6


def peak_rss_mb(pid: int) -> float:
    """VmHWM of a running process: its peak resident memory since exec (unlike
    RUSAGE_CHILDREN, which also counts the parent's pages inherited at fork)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bare = bare_commit_times(folder, 300)
        press = press_commit_times(folder, 300)
        speed, elapsed = replay_speed(folder)
        ready_s, peak_mb = start_to_ready(folder)
        with tempfile.TemporaryDirectory(dir=Path.home()) as on_disk:  # /proc/self/io counts no tmpfs writes
            written_mb, data_mb = logged_hour_write_mb(Path(on_disk))
    bare_p99 = percentile(bare, 99)
    return [
        Figure("bare sqlite3 insert+commit (WAL, FULL) p50", median(bare) * 1e3, "ms"),
        Figure("bare sqlite3 insert+commit (WAL, FULL) p99", bare_p99 * 1e3, "ms"),
        Figure("button edge -> committed row p50", median(press) * 1e3, "ms"),
        Figure(
            "button edge -> committed row p99 (target 2x bare p99)",
            percentile(press, 99) * 1e3,
            "ms",
            target=2 * bare_p99 * 1e3,
        ),
        Figure(
            "replay speed, 1 h session at 4 notifications/s",
            speed,
            "x real time",
            target=2000,
            lower_is_better=False,
            note=f"{elapsed:.2f} s for the hour",
        ),
        Figure("footnote log start-to-ready (mock pins)", ready_s, "s"),
        Figure("footnote log peak memory, button only", peak_mb, "MB", target=40),
        Figure(
            "logger bytes written to disk per logged hour at 4/s",
            written_mb,
            "MB",
            target=8,
            note=f"write_bytes, 3-hour realistic run; the samples themselves are about {data_mb:.1f} MB per hour",
        ),
    ]


if __name__ == "__main__":
    print_table(run())

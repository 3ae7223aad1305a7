"""The logger's writes to SQLite: the only code that writes run data.

Every commit is fsync'd (WAL, synchronous=FULL) before the call returns: a symptom event
because the runner is told "recorded" right after, with every sample buffered before it.
Footpod samples are buffered and committed together, with the next symptom or link event
and at the latest when the logger's commit deadline comes (RunRecorder:
DB_SAMPLE_FLUSH_S, 2 minutes after the first sample waiting). Meanwhile the logger's journal
guards them (device.durability.journal: its lines are fsync'd every JOURNAL_SYNC_S, 5 s, and
replayed into the database at the next start after a power cut); a Store used without a
journal commits them at that guard deadline instead (`sync_samples`). On an SD card the
bytes written depend on how many commits there are, not on how much they hold: each one
rewrites whole 4 KiB pages of the table, its index and their parents in the WAL, so one
commit every 2 minutes writes a fraction of what one every 5 s did (benchmarks/bench_logger.py).
Packets the decoder rejected are buffered and committed the same way: a pod sending
garbage four times a second must not fsync the SD card four times a second.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from footnote.device.db.connect import open_writer
from footnote.device.errors import StoreError

logger = logging.getLogger(__name__)

MAX_PENDING_SAMPLES = 20_000


class SampleRow(NamedTuple):
    """One footpod_samples row as the logger stores it (see device.db.schema for the units)."""

    run_id: int
    t_s: float
    raw: bytes
    speed_mps: float
    cadence_raw: int
    cadence_spm: float
    stride_m: float | None
    pod_distance_m: float | None
    distance_m: float
    running: int


_SAMPLE_SQL = (
    f"INSERT INTO footpod_samples ({', '.join(SampleRow._fields)}) VALUES ({', '.join('?' * len(SampleRow._fields))})"
)
_REJECTED_SQL = "INSERT INTO rejected_packets (run_id, t_s, raw, error) VALUES (?,?,?,?)"


def last_moment(conn: sqlite3.Connection, run_id: int) -> float | None:
    """The last moment anything of a run was recorded (event, sample or link), or None."""
    return conn.execute(
        "SELECT max(t) FROM (SELECT max(t_s) t FROM symptom_events WHERE run_id = :r"
        " UNION ALL SELECT max(t_s) FROM footpod_samples WHERE run_id = :r"
        " UNION ALL SELECT max(t_s) FROM link_events WHERE run_id = :r)",
        {"r": run_id},
    ).fetchone()[0]


class Store:
    """A writable footnote database. Use as a context manager or call close()."""

    def __init__(self, path: str | Path, *, fsync_samples: bool = True) -> None:
        """fsync_samples=False is for replays: their input is a file that can be replayed
        again, so a sample batch need not wait for the disk (the next fsync'd commit, at
        the latest the run's close, makes it durable); an fsync every 5 s of replayed
        time (sync_samples) would make a replay several times slower."""
        self.path = Path(path)
        self.fsync_samples = fsync_samples
        self.conn = open_writer(self.path)
        self._samples: list[SampleRow] = []
        self._rejected: list[tuple[int, float, bytes, str]] = []  # (run_id, t_s, raw, error)
        self.dropped_samples = 0

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def _write(self, sql: str, params: tuple = ()) -> int:
        """Run one statement plus any buffered samples in a single fsync'd transaction;
        return the row id an INSERT gave (0 for an UPDATE)."""
        try:
            with self.conn:
                self._write_buffered()
                cursor = self.conn.execute(sql, params)
        except sqlite3.DatabaseError as exc:  # full, read-only, or damaged under our feet
            raise StoreError(f"could not write to {self.path}: {exc}") from exc
        self._samples.clear()
        self._rejected.clear()
        return cursor.lastrowid or 0

    def _write_buffered(self) -> None:
        if self._samples:
            self.conn.executemany(_SAMPLE_SQL, self._samples)
        if self._rejected:
            self.conn.executemany(_REJECTED_SQL, self._rejected)

    def open_run(
        self,
        *,
        started_at: datetime,
        clock_synced: bool,
        source: str,
        device: str,
        cadence_convention: str,
    ) -> int:
        local = started_at.astimezone()  # the Pi's own time zone, for display
        offset = local.utcoffset()
        return self._write(
            "INSERT INTO runs (started_at, utc_offset_s, clock_synced, source, device,"
            " cadence_convention) VALUES (?,?,?,?,?,?)",
            (
                local.isoformat(timespec="milliseconds"),
                int(offset.total_seconds()) if offset is not None else 0,
                int(clock_synced),
                source,
                device,
                cadence_convention,
            ),
        )

    def close_run(self, run_id: int, *, t_s: float, reason: str) -> None:
        self._write(
            "UPDATE runs SET ended_t_s = ?, end_reason = ? WHERE id = ?",
            (t_s, reason, run_id),
        )

    def add_symptom_event(
        self, run_id: int, *, t_s: float, kind: str, episode: int | None, severity: int | None
    ) -> int:
        """Insert and commit one event; when this returns it is on disk."""
        return self._write(
            "INSERT INTO symptom_events (run_id, t_s, kind, episode, severity) VALUES (?,?,?,?,?)",
            (run_id, t_s, kind, episode, severity),
        )

    def add_link_event(self, run_id: int, *, t_s: float, state: str, address: str | None) -> None:
        self._write(
            "INSERT INTO link_events (run_id, t_s, state, address) VALUES (?,?,?,?)",
            (run_id, t_s, state, address),
        )

    def add_rejected_packet(self, run_id: int, *, t_s: float, raw: bytes, error: str) -> None:
        """Queue a packet the decoder rejected; it is written with the next flush of samples
        (bounded like them: the newest MAX_PENDING_SAMPLES are kept while the disk is full)."""
        self._rejected.append((run_id, t_s, raw, error))
        if len(self._rejected) > MAX_PENDING_SAMPLES:
            del self._rejected[: len(self._rejected) - MAX_PENDING_SAMPLES]

    def set_footpod(
        self,
        run_id: int,
        *,
        address: str | None,
        name: str | None,
        feature: int | None,
        location: int | None,
        cadence_convention: str,
    ) -> None:
        self._write(
            "UPDATE runs SET footpod_address = coalesce(?, footpod_address),"
            " footpod_name = coalesce(?, footpod_name),"
            " footpod_feature = coalesce(?, footpod_feature),"
            " footpod_location = coalesce(?, footpod_location),"
            " cadence_convention = ? WHERE id = ?",
            (address, name, feature, location, cadence_convention, run_id),
        )

    def buffer_sample(self, row: SampleRow) -> None:
        """Queue one footpod_samples row for the next flush.

        While the disk is full the buffer keeps the newest MAX_PENDING_SAMPLES rows
        (about 80 minutes at 4 per second) and counts what it had to drop, so a long
        outage cannot exhaust the Pi's memory."""
        self._samples.append(row)
        if len(self._samples) > MAX_PENDING_SAMPLES:
            del self._samples[: len(self._samples) - MAX_PENDING_SAMPLES]
            self.dropped_samples += 1
            if self.dropped_samples in (1, 100, 10_000):
                logger.error("disk full: %d footpod samples dropped so far", self.dropped_samples)

    def flush_samples(self) -> None:
        """Commit the buffered samples and rejected packets (fsync'd: on disk when this returns)."""
        if not self._samples and not self._rejected:
            return
        try:
            if not self.fsync_samples:
                self.conn.execute("PRAGMA synchronous=NORMAL")
            try:
                with self.conn:
                    self._write_buffered()
            finally:
                if not self.fsync_samples:
                    self.conn.execute("PRAGMA synchronous=FULL")
        except sqlite3.DatabaseError as exc:  # full, read-only, or damaged under our feet
            raise StoreError(f"could not write to {self.path}: {exc}") from exc
        self._samples.clear()
        self._rejected.clear()

    def sync_samples(self) -> None:
        """Make the buffered samples survive a power cut. A Store has no cheaper way than
        committing them (flush_samples); the logger's JournalingStore fsyncs its journal."""
        self.flush_samples()

    def close_interrupted_runs(self) -> list[int]:
        """Close runs a killed logger left open: end them at their last recorded moment
        and store their still-open episodes as unresolved at run end."""
        open_runs = [r[0] for r in self.conn.execute("SELECT id FROM runs WHERE ended_t_s IS NULL")]
        for run_id in open_runs:
            last_t = last_moment(self.conn, run_id) or 0.0
            last = self.conn.execute(
                "SELECT kind, episode, severity FROM symptom_events WHERE run_id = ?"
                " AND episode IS NOT NULL ORDER BY id DESC LIMIT 1",
                (run_id,),
            ).fetchone()
            if last is not None and last[0] in ("onset", "worse"):
                self.add_symptom_event(
                    run_id, t_s=last_t, kind="unresolved_at_run_end", episode=last[1], severity=last[2]
                )
            self.close_run(run_id, t_s=last_t, reason="interrupted")
            logger.warning("closed run %d left open by an interrupted logger", run_id)
        return open_runs

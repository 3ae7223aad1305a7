"""The logger's writes to SQLite: the only code that writes run data, and how a run ends
(`close_open_episode`, `end_run`), which the catch-up and `footnote recover` use too.
Every statement's columns come from device.db.tables.

Every commit is fsync'd (WAL, synchronous=FULL) before the call returns: a symptom event
because the runner is told "recorded" right after, with every sample buffered before it.
Footpod samples are buffered and committed together, with the next symptom or link event,
the run's end, and at the latest when the logger's commit deadline comes; meanwhile the
logger's journal guards them (device.durability.journal), and a Store used without a
journal commits them at that guard deadline instead (`sync_samples`). The two intervals,
and what each costs an SD card, are stated once, in device.logger.recorder
(DB_SAMPLE_FLUSH_S, JOURNAL_SYNC_S). Packets the decoder rejected are buffered and
committed the same way: a pod sending garbage four times a second must not fsync the SD
card four times a second.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from footnote.device.db.connect import open_writer
from footnote.device.db.rows import HeartRateRow, SampleRow
from footnote.device.db.tables import (
    FOOTPOD_SAMPLES,
    HEART_RATE_SAMPLES,
    LINK_EVENTS,
    REJECTED_PACKETS,
    RUN_CHILD_TABLES,
    RUNS,
    STRAP_LINK_EVENTS,
    SYMPTOM_EVENTS,
    Table,
)
from footnote.device.errors import StoreError

__all__ = [
    "MAX_PENDING_SAMPLES",
    "HeartRateRow",
    "SampleRow",
    "Store",
    "close_open_episode",
    "end_run",
    "find_run",
    "last_moment",
    "last_sample_t",
    "recorded_already",
    "reopen_run",
]

logger = logging.getLogger(__name__)

MAX_PENDING_SAMPLES = 20_000
UNRESOLVED = "unresolved_at_run_end"
OPEN_EPISODE_KINDS = ("onset", "worse")  # an episode whose last event is one of these is still open

# Positional, in SampleRow's order: a batch is thousands of tuples (SampleRow or plain).
_SAMPLE_SQL = FOOTPOD_SAMPLES.insert_sql(SampleRow._fields, positional=True)
_REJECTED_SQL = REJECTED_PACKETS.insert_sql()
_EVENT_SQL = SYMPTOM_EVENTS.insert_sql()
_LINK_SQL = LINK_EVENTS.insert_sql()
_HEART_RATE_SQL = HEART_RATE_SAMPLES.insert_sql(HeartRateRow._fields, positional=True)
_STRAP_LINK_SQL = STRAP_LINK_EVENTS.insert_sql()
_OPEN_RUN_SQL = RUNS.insert_sql(
    RUNS.pick("started_at", "utc_offset_s", "clock_synced", "source", "device", "cadence_convention")
)
T = TypeVar("T")


def last_moment(conn: sqlite3.Connection, run_id: int) -> float | None:
    """The last moment anything of a run was recorded (an event, a sample, a link change
    or a rejected packet), or None."""
    parts = " UNION ALL ".join(f"SELECT max(t_s) t FROM {table.name} WHERE run_id = :r" for table in RUN_CHILD_TABLES)
    return conn.execute(f"SELECT max(t) FROM ({parts})", {"r": run_id}).fetchone()[0]


def last_sample_t(conn: sqlite3.Connection, run_id: int) -> float | None:
    return conn.execute("SELECT max(t_s) FROM footpod_samples WHERE run_id = ?", (run_id,)).fetchone()[0]


def close_open_episode(conn: sqlite3.Connection, run_id: int, *, t_s: float) -> bool:
    """The one rule for an episode still open when its run ends: the run's last episode
    event is an onset or a worse (no relief came), so an `unresolved_at_run_end` event is
    stored at t_s, the run's end, with that episode's number and its severity then. True
    when there was one. Runs inside the caller's transaction: end_run, and through it
    Store.close_run (the recorder at a stop or after inactivity, close_interrupted_runs
    after a killed logger, the catch-up replaying a journal) and `footnote recover`.
    Asked of the database, not of a caller's memory, so each of them tells the same story
    of a run from the same rows (and a run whose episode was already closed gets no
    second one)."""
    last = conn.execute(
        "SELECT kind, episode, severity FROM symptom_events WHERE run_id = ? AND episode IS NOT NULL"
        " ORDER BY id DESC LIMIT 1",
        (run_id,),
    ).fetchone()
    if last is None or last[0] not in OPEN_EPISODE_KINDS:
        return False
    conn.execute(
        _EVENT_SQL, {"run_id": run_id, "t_s": t_s, "kind": UNRESOLVED, "episode": last[1], "severity": last[2]}
    )
    return True


def end_run(conn: sqlite3.Connection, run_id: int, *, t_s: float, reason: str) -> bool:
    """End a run at t_s (seconds since its start): its open episode closed
    (close_open_episode), then the run itself, inside the caller's transaction. True
    when an open episode was closed."""
    closed = close_open_episode(conn, run_id, t_s=t_s)
    conn.execute("UPDATE runs SET ended_t_s = ?, end_reason = ? WHERE id = ?", (t_s, reason, run_id))
    return closed


def reopen_run(conn: sqlite3.Connection, run_id: int) -> None:
    """Undo end_run for a run closed as interrupted, for a journal that knows how it went
    on (device.durability.catchup); one transaction."""
    with conn:
        conn.execute("DELETE FROM symptom_events WHERE run_id = ? AND kind = ?", (run_id, UNRESOLVED))
        conn.execute("UPDATE runs SET ended_t_s = NULL, end_reason = NULL WHERE id = ?", (run_id,))


def find_run(conn: sqlite3.Connection, *, started_at: str, source: str) -> tuple[int, str | None] | None:
    """The run with this start (as stored: local ISO-8601) and source, as (id, end_reason):
    a run is the same run when these are (journal replays and `footnote recover`)."""
    return conn.execute(
        "SELECT id, end_reason FROM runs WHERE started_at = ? AND source = ?", (started_at, source)
    ).fetchone()


def recorded_already(
    conn: sqlite3.Connection, table: Table, run_id: int, *, t_s: float, within_s: float, **same: object
) -> int | None:
    """The id of a row of `table` (one of RUN_CHILD_TABLES) of this run within `within_s`
    of t_s whose other columns are `same` (NULL matches NULL), or None."""
    where = "".join(f' AND "{name}" IS :{name}' for name in table.pick(*same))
    found = conn.execute(
        f"SELECT id FROM {table.name} WHERE run_id = :run_id AND abs(t_s - :t_s) < :within{where} LIMIT 1",
        {"run_id": run_id, "t_s": t_s, "within": within_s, **same},
    ).fetchone()
    return None if found is None else found[0]


class Store:
    """A writable footnote database. Use as a context manager or call close()."""

    def __init__(self, path: str | Path, *, fsync_samples: bool = True) -> None:
        """fsync_samples=False is for replays: their input is a file that can be replayed
        again, so a sample batch need not wait for the disk (the next fsync'd commit, at
        the latest the run's close, makes it durable); an fsync every JOURNAL_SYNC_S of replayed
        time (sync_samples) would make a replay several times slower."""
        self.path = Path(path)
        self.fsync_samples = fsync_samples
        self.conn = open_writer(self.path)
        self._samples: list[SampleRow] = []
        self._rejected: list[dict[str, object]] = []  # rejected_packets rows
        self._heart_rates: list[HeartRateRow] = []
        self.dropped_samples = 0

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` plus any buffered samples in a single fsync'd transaction."""
        try:
            with self.conn:
                self._write_buffered()
                done = work(self.conn)
        except sqlite3.DatabaseError as exc:  # full, read-only, or damaged under our feet
            raise StoreError(f"could not write to {self.path}: {exc}") from exc
        self._samples.clear()
        self._rejected.clear()
        self._heart_rates.clear()
        return done

    def _insert(self, sql: str, row: dict[str, object]) -> int:
        """One INSERT (with any buffered samples) in a fsync'd transaction; its row id."""
        return self._transaction(lambda conn: conn.execute(sql, row).lastrowid or 0)

    def _write_buffered(self) -> None:
        if self._samples:
            self.conn.executemany(_SAMPLE_SQL, self._samples)
        if self._rejected:
            self.conn.executemany(_REJECTED_SQL, self._rejected)
        if self._heart_rates:
            self.conn.executemany(_HEART_RATE_SQL, self._heart_rates)

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
        return self._insert(
            _OPEN_RUN_SQL,
            {
                "started_at": local.isoformat(timespec="milliseconds"),
                "utc_offset_s": int(offset.total_seconds()) if offset is not None else 0,
                "clock_synced": int(clock_synced),
                "source": source,
                "device": device,
                "cadence_convention": cadence_convention,
            },
        )

    def close_run(self, run_id: int, *, t_s: float, reason: str) -> bool:
        """End the run at t_s, its open episode stored as unresolved at run end
        (close_open_episode), in one fsync'd transaction with the buffered samples. True
        when an open episode was closed."""
        return self._transaction(lambda conn: end_run(conn, run_id, t_s=t_s, reason=reason))

    def add_symptom_event(
        self, run_id: int, *, t_s: float, kind: str, episode: int | None, severity: int | None
    ) -> int:
        """Insert and commit one event; when this returns it is on disk."""
        return self._insert(
            _EVENT_SQL, {"run_id": run_id, "t_s": t_s, "kind": kind, "episode": episode, "severity": severity}
        )

    def add_link_event(self, run_id: int, *, t_s: float, state: str, address: str | None) -> None:
        self._insert(_LINK_SQL, {"run_id": run_id, "t_s": t_s, "state": state, "address": address})

    def add_rejected_packet(self, run_id: int, *, t_s: float, raw: bytes, error: str) -> None:
        """Queue a packet the decoder rejected; it is written with the next flush of samples
        (bounded like them: the newest MAX_PENDING_SAMPLES are kept while the disk is full)."""
        self._rejected.append({"run_id": run_id, "t_s": t_s, "raw": raw, "error": error})
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
        self._transaction(
            lambda conn: conn.execute(
                "UPDATE runs SET footpod_address = coalesce(?, footpod_address),"
                " footpod_name = coalesce(?, footpod_name),"
                " footpod_feature = coalesce(?, footpod_feature),"
                " footpod_location = coalesce(?, footpod_location),"
                " cadence_convention = ? WHERE id = ?",
                (address, name, feature, location, cadence_convention, run_id),
            )
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

    def buffer_heart_rate(self, row: HeartRateRow) -> None:
        """Queue one heart_rate_samples row for the next flush, bounded like footpod samples."""
        self._heart_rates.append(row)
        if len(self._heart_rates) > MAX_PENDING_SAMPLES:
            del self._heart_rates[: len(self._heart_rates) - MAX_PENDING_SAMPLES]
            self.dropped_samples += 1

    def add_strap_link_event(self, run_id: int, *, t_s: float, state: str, address: str | None) -> None:
        self._insert(
            _STRAP_LINK_SQL, {"run_id": run_id, "t_s": t_s, "state": state, "address": address, "sensor": "strap"}
        )

    def set_strap(self, run_id: int, *, address: str | None, name: str | None, location: int | None) -> None:
        self._transaction(
            lambda conn: conn.execute(
                "UPDATE runs SET strap_address = coalesce(?, strap_address), strap_name = coalesce(?, strap_name),"
                " strap_location = coalesce(?, strap_location) WHERE id = ?",
                (address, name, location, run_id),
            )
        )

    def flush_samples(self) -> None:
        """Commit the buffered samples, heart rates and rejected packets (fsync'd: on disk
        when this returns)."""
        if not self._samples and not self._rejected and not self._heart_rates:
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
        self._heart_rates.clear()

    def sync_samples(self) -> None:
        """Make the buffered samples survive a power cut. A Store has no cheaper way than
        committing them (flush_samples); the logger's JournalingStore fsyncs its journal."""
        self.flush_samples()

    def close_interrupted_runs(self) -> list[int]:
        """Close runs a killed logger left open: end them at their last recorded moment
        and store their still-open episodes as unresolved at run end (close_run)."""
        open_runs = [r[0] for r in self.conn.execute("SELECT id FROM runs WHERE ended_t_s IS NULL")]
        for run_id in open_runs:
            self.close_run(run_id, t_s=last_moment(self.conn, run_id) or 0.0, reason="interrupted")
            logger.warning("closed run %d left open by an interrupted logger", run_id)
        return open_runs

    def check(self) -> bool:
        """For `footnote check`: a write in a transaction, then SQLite's integrity check;
        True when the file is whole."""
        with self.conn:
            self.conn.execute("CREATE TEMP TABLE footnote_check (x)")
            self.conn.execute("INSERT INTO footnote_check VALUES (1)")
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

"""Catching up: journals replayed into the database, at the logger's start and stop.

`open_logger_store` is how the logger starts: examine the database (a damaged one is set
aside with a notice; another program's is left alone), open it, replay the journals
that wait for it, and hand back a JournalingStore (device.durability.journal) that journals if any
of that failed. `settle_at_stop` is how it stops: a session the database took whole
leaves no journal; one that journaled is replayed at once if the database works again.

Replay is idempotent (`_DedupStore`): a run is the same run when its start and source
are, and rows already there (written before the failure, or by a replay that was
killed) are recognised, so a journal replayed twice stores everything once. The same
path takes up the context journal a killed logger or a power cut left while the
database worked (journal.adopt_stale_context): only its samples after the last one the
database holds, and a missing run end, are added. A journal is
retired (deleted) only once every one of its writes reached the database.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from footnote.device.db.connect import advice
from footnote.device.db.notices import add_notice
from footnote.device.db.rows import HeartRateRow, SampleRow
from footnote.device.db.store import (
    Store,
    find_run,
    last_moment,
    last_sample_t,
    recorded_already,
    reopen_run,
)
from footnote.device.db.tables import LINK_EVENTS, REJECTED_PACKETS, STRAP_LINK_EVENTS, SYMPTOM_EVENTS, Table
from footnote.device.durability import integrity
from footnote.device.durability.journal import Journal, JournalingStore, adopt_stale_context, pending_journals
from footnote.device.errors import DamagedDatabase, ReplayFormatError, StoreError
from footnote.device.logger.recorder import RecorderSettings
from footnote.device.paths import sync_folder

logger = logging.getLogger(__name__)

T_MATCH_S = 0.002  # two rows of one run this close in t_s are the same input (float rounding)


class _Remembering:
    """A Store whose first StoreError is remembered: RunRecorder logs a failed write and
    carries on (right for a live run), but a journal replay that lost a write must keep
    its journal."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.failure: StoreError | None = None

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except StoreError as exc:
                self.failure = self.failure or exc
                raise

        return call


class _DedupStore:
    """A RunStore over a real Store that recognises what is already there, so a journal
    can be replayed twice (after a kill -9) or over the rows written before the failure
    without storing anything twice. Runs are the same when their start and source are."""

    def __init__(self, store: Store) -> None:
        self.store = _Remembering(store)
        self.conn = store.conn
        self._existing: set[int] = set()
        self._closed: set[int] = set()  # runs the database holds closed (not as interrupted)
        self._db_last_t: dict[int, float] = {}  # open runs: the last moment the database has
        self._last_sample_t: dict[int, float] = {}
        self._last_heart_rate_t: dict[int, float] = {}
        self.added = {"runs": 0, "events": 0, "samples": 0}

    def open_run(
        self, *, started_at: datetime, clock_synced: bool, source: str, device: str, cadence_convention: str
    ) -> int:
        local = started_at.astimezone().isoformat(timespec="milliseconds")
        found = find_run(self.conn, started_at=local, source=source)
        if found is None:
            self.added["runs"] += 1
            return self.store.open_run(
                started_at=started_at,
                clock_synced=clock_synced,
                source=source,
                device=device,
                cadence_convention=cadence_convention,
            )
        run_id, end_reason = found
        self._existing.add(run_id)
        if end_reason is not None and end_reason != "interrupted":
            # Closed by the logger itself (a context journal whose logger was killed after
            # the close): the database's end stands.
            self._closed.add(run_id)
        elif end_reason == "interrupted":
            # An earlier start closed it as well as it could; the journal knows better.
            reopen_run(self.conn, run_id)
        last = last_sample_t(self.conn, run_id)
        self._last_sample_t[run_id] = -1.0 if last is None else last
        last_hr = self.conn.execute("SELECT max(t_s) FROM heart_rate_samples WHERE run_id = ?", (run_id,)).fetchone()[0]
        self._last_heart_rate_t[run_id] = -1.0 if last_hr is None else last_hr
        if run_id not in self._closed:
            self._db_last_t[run_id] = last_moment(self.conn, run_id) or -1.0
        return run_id

    def _database_knows_more(self, run_id: int, t_s: float) -> bool:
        """The database has rows of this run after the journal's end: a context journal
        whose last lines were never synced (a killed logger). Its run is then left open
        for close_interrupted_runs, which ends it from what the database holds (a press
        confirmed after the journal's last sync may have ended the episode)."""
        return self._db_last_t.get(run_id, -1.0) > t_s + T_MATCH_S

    def close_run(self, run_id: int, *, t_s: float, reason: str) -> bool:
        """The run's end as the journal has it, through Store.close_run (so an episode
        still open is closed by close_open_episode, from the rows the database now holds),
        unless the database's own end stands (closed by the logger itself) or will be
        given at the next start (the database knows more than the journal)."""
        if run_id in self._closed or (reason == "end_of_replay" and self._database_knows_more(run_id, t_s)):
            return False
        closed = self.store.close_run(run_id, t_s=t_s, reason="interrupted" if reason == "end_of_replay" else reason)
        self.added["events"] += closed
        return closed

    def _has(self, table: Table, run_id: int, t_s: float, **same: object) -> bool:
        """Whether a run that was already in the database holds this row."""
        return (
            run_id in self._existing
            and recorded_already(self.conn, table, run_id, t_s=t_s, within_s=T_MATCH_S, **same) is not None
        )

    def add_symptom_event(
        self, run_id: int, *, t_s: float, kind: str, episode: int | None, severity: int | None
    ) -> int:
        if run_id in self._existing:
            found = recorded_already(
                self.conn, SYMPTOM_EVENTS, run_id, t_s=t_s, within_s=T_MATCH_S, kind=kind, episode=episode
            )
            if found is not None:
                return found
        self.added["events"] += 1
        return self.store.add_symptom_event(run_id, t_s=t_s, kind=kind, episode=episode, severity=severity)

    def add_link_event(self, run_id: int, *, t_s: float, state: str, address: str | None) -> None:
        if self._has(LINK_EVENTS, run_id, t_s, state=state):
            return
        self.store.add_link_event(run_id, t_s=t_s, state=state, address=address)

    def add_rejected_packet(self, run_id: int, *, t_s: float, raw: bytes, error: str) -> None:
        if self._has(REJECTED_PACKETS, run_id, t_s, raw=raw):
            return
        self.store.add_rejected_packet(run_id, t_s=t_s, raw=raw, error=error)

    def set_footpod(self, run_id: int, **kwargs) -> None:
        self.store.set_footpod(run_id, **kwargs)

    def buffer_sample(self, row: SampleRow) -> None:
        # Samples reach the database in order, whole transactions at a time: what is there
        # is a prefix of the run.
        if row.t_s <= self._last_sample_t.get(row.run_id, -1.0) + 1e-6:
            return
        self.added["samples"] += 1
        self.store.buffer_sample(row)

    def buffer_heart_rate(self, row: HeartRateRow) -> None:
        # Like samples: what the database has of a run is a prefix of it.
        if row.t_s <= self._last_heart_rate_t.get(row.run_id, -1.0) + 1e-6:
            return
        self.store.buffer_heart_rate(row)

    def add_strap_link_event(self, run_id: int, *, t_s: float, state: str, address: str | None) -> None:
        if self._has(STRAP_LINK_EVENTS, run_id, t_s, state=state):
            return
        self.store.add_strap_link_event(run_id, t_s=t_s, state=state, address=address)

    def set_strap(self, run_id: int, **kwargs) -> None:
        self.store.set_strap(run_id, **kwargs)

    def flush_samples(self) -> None:
        self.store.flush_samples()

    def sync_samples(self) -> None:
        pass  # the journal being replayed guards them; the next commit stores them

    def close_interrupted_runs(self) -> list[int]:
        return []  # the journal closes its own runs; others are the logger's business


def journal_header(path: Path) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.loads(f.readline())


def replay_journal(path: str | Path, store: Store) -> dict[str, int]:
    """Replay one journal into `store` without duplicates; return what was added
    (runs, events, samples). A torn last line (a power cut mid-write) ends the journal;
    a bad line before the end raises ReplayFormatError."""
    from footnote.device.logger.replay import replay_file

    path = Path(path)
    meta = journal_header(path).get("footnote_journal", {})
    known = {k: v for k, v in meta.get("settings", {}).items() if k in RecorderSettings.__dataclass_fields__}
    settings = RecorderSettings(**known)
    dedup = _DedupStore(store)
    try:
        replay_file(path, store=dedup, settings=settings, start_run=meta.get("run_open_at_start", True))
    except ReplayFormatError as exc:
        lines = path.read_text(encoding="utf-8", errors="replace").rstrip("\n").count("\n") + 1
        if f"line {lines}:" not in str(exc):
            raise
        logger.warning("journal %s ends in a torn line (%s): replayed up to it", path, exc)
    if dedup.store.failure is not None:
        raise dedup.store.failure  # the journal stays for the next try
    return dedup.added


def replay_pending(db_path: Path, store: Store) -> list[tuple[Path, dict[str, int]]]:
    """Replay every waiting journal of this database into it and retire each one (delete
    it) once it is wholly in the database. A journal that cannot be read is kept,
    renamed `.unreadable`, and logged."""
    done = []
    for path in pending_journals(db_path):
        try:
            added = replay_journal(path, store)
        except (ReplayFormatError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            kept = path.with_name(path.name + ".unreadable")
            os.rename(path, kept)
            sync_folder(path.parent)
            message = (
                f"The journal {path.name} could not be read past {exc}; what came before that is in the "
                f"database, and the file is kept as {kept}."
            )
            logger.error("%s", message)
            add_notice(store.conn, kind="journal_unreadable", path=kept.resolve(), message=message)
            continue
        path.unlink()
        logger.warning(
            "journal %s replayed into %s: %d runs, %d events, %d samples added",
            path.name,
            db_path,
            added["runs"],
            added["events"],
            added["samples"],
        )
        done.append((path, added))
    return done


def open_logger_store(db_path: str | Path, journal: Journal) -> JournalingStore:
    """The logger's store at start: examine the database (setting a damaged one aside),
    open it, replay waiting journals into it; if any of that fails, journal."""
    db_path = Path(db_path)
    adopt_stale_context(db_path, keep=journal.name)
    health = integrity.examine(db_path)
    aside: Path | None = None
    if health.state == "foreign":
        return JournalingStore(None, journal, reason=advice(db_path, health.detail, foreign=True))
    if health.set_aside_needed:
        try:
            aside = integrity.set_aside(db_path)
        except OSError as exc:
            return JournalingStore(
                None, journal, reason=f"{advice(db_path, health.detail)}; could not set it aside: {exc}"
            )
    try:
        store = Store(db_path)
    except (StoreError, DamagedDatabase, sqlite3.Error, OSError) as exc:
        return JournalingStore(None, journal, reason=f"could not open {db_path}: {exc}", catch_up=catch_up)
    if aside is not None:
        message = integrity.set_aside_message(db_path, aside, health)
        try:
            add_notice(store.conn, kind="database_set_aside", path=aside.resolve(), message=message)
        except sqlite3.Error as exc:
            logger.error("could not store the notice (%s): %s", exc, message)
    try:
        replay_pending(db_path, store)
    except (StoreError, sqlite3.Error) as exc:
        logger.error("could not replay the journals into %s yet: %s", db_path, exc)
    return JournalingStore(store, journal, catch_up=catch_up)


def catch_up(store: JournalingStore) -> None:
    """A run closed while journaling: if the database works again (space was freed, the
    card is writable again), replay the journals into it and go back to writing there.
    A damaged or foreign file stays journaled until the next start sets it aside."""
    db_path, journal = store.path, store.journal
    if not journal.durable or not integrity.examine(db_path).usable:
        return
    try:
        db = Store(db_path)
    except (StoreError, DamagedDatabase, sqlite3.Error, OSError):
        return
    try:
        replay_pending(db_path, db)
    except (StoreError, sqlite3.Error, OSError) as exc:
        logger.info("the database %s cannot take the journal yet: %s", db_path, exc)
        db.close()
        return
    journal.begin_again()
    store.resume(db)


def settle_at_stop(store: JournalingStore, journal: Journal) -> None:
    """The logger is stopping. A session the database took whole leaves no journal; one
    that journaled is replayed now if the database works again, else kept for the next
    start."""
    if not store.journaling:
        store.close()
        journal.close(keep=False)
        return
    journal.close(keep=True)
    store.close()
    if not integrity.examine(journal.db_path).usable:
        logger.error("journal kept for the next start: %s is still unusable", journal.db_path)
        return
    try:
        with Store(journal.db_path) as db:
            replay_pending(journal.db_path, db)
    except (StoreError, DamagedDatabase, sqlite3.Error, OSError) as exc:
        logger.error("journal kept for the next start (%s)", exc)

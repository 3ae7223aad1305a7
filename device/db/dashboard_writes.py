"""The only writes the dashboard makes to footnote's database: the runner's notes on an
episode, a corrected start time (for a run recorded with an unsynchronised clock), what
the runner wore on a run, and an answering of the Edinburgh questionnaire. The server
validates what the runner entered (server.dashboard.saves, pydantic) and hands the typed
row (device.db.rows) here.

Each save is one short transaction on a connection of its own, so the logger (WAL) keeps
writing meanwhile; it waits for the logger's write lock up to the busy timeout
(connect.connect) and is fsync'd before it returns (synchronous=FULL: the runner is told
"saved", and a power cut right after keeps it). The file is asked first, read-only,
whether it is footnote's (connect.open_reader), so a damaged or foreign file is never
written to. None of them migrates: a database older than the table a save needs is
refused with DatabaseTooOld (nothing is written); the logger, or `footnote serve` at its
start, brings it up to date (device.db.schema says who migrates).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from footnote.device.db import schema
from footnote.device.db.connect import connect, open_reader
from footnote.device.db.rows import Annotation, ClaudicationAnswers, RunSetup
from footnote.device.db.tables import (
    ANNOTATION_FIELDS,
    ANNOTATIONS,
    CLAUDICATION_ANSWERS,
    CLAUDICATION_ITEMS,
    RUN_CORRECTIONS,
    RUN_SETUPS,
    SETUP_FIELDS,
    WATCH_ATTACHMENTS,
    WORN_FIELDS,
    Table,
)
from footnote.device.errors import DatabaseTooOld, NoSuchEpisode, NoSuchRun

_ANNOTATION_SQL = ANNOTATIONS.insert_sql(conflict="REPLACE")
_CORRECTION_SQL = RUN_CORRECTIONS.insert_sql(conflict="REPLACE")
_SETUP_SQL = RUN_SETUPS.insert_sql(conflict="REPLACE")
# What was worn, given with an annotation: into the run's setup, keeping what it does not say.
_WORN_SQL = (
    f'INSERT INTO "{RUN_SETUPS.name}" (run_id, {", ".join(WORN_FIELDS)}, updated_at)'
    f" VALUES (:run_id, {', '.join(':' + n for n in WORN_FIELDS)}, :updated_at)"
    f" ON CONFLICT (run_id) DO UPDATE SET {', '.join(f'{n} = coalesce(excluded.{n}, {n})' for n in WORN_FIELDS)},"
    " updated_at = excluded.updated_at"
)
_ANSWERS_SQL = CLAUDICATION_ANSWERS.insert_sql()


def _for_a_save(db_path: Path, table: Table) -> sqlite3.Connection:
    """A writable connection for one save into `table`."""
    # Asked read-only first: turning on WAL would already change a damaged or foreign file.
    open_reader(db_path).close()
    conn = connect(db_path)
    if not schema.has_table(conn, table.name):
        conn.close()
        raise DatabaseTooOld(
            f"{db_path} has no {table.name} table yet (it was made by an older footnote, or is being made), "
            "and the dashboard does not change the database's tables: nothing was saved. Starting the logger "
            "(footnote log) or footnote serve again brings it up to date; then save again."
        )
    return conn


def _run_exists(conn: sqlite3.Connection, run_id: int) -> None:
    if conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
        raise NoSuchRun(f"There is no run {run_id}.")


def _now() -> str:
    return datetime.now(UTC).isoformat()


def put_annotation(conn: sqlite3.Connection, run_id: int, episode: int, note: Annotation) -> None:
    """Store (or replace) an episode's annotation on `conn`, inside the caller's
    transaction (the demo database is annotated this way too). What was worn is the run's:
    shoes or lacing given with an annotation (an older client of the API) go to the run's
    setup, its other fields kept; the annotation row holds only what belongs to the episode."""
    values = {name: None if name in WORN_FIELDS else getattr(note, name) for name in ANNOTATION_FIELDS}
    conn.execute(_ANNOTATION_SQL, {"run_id": run_id, "episode": episode, **values, "updated_at": _now()})
    worn = {name: getattr(note, name) for name in WORN_FIELDS}
    if any(v is not None for v in worn.values()):
        if not schema.has_table(conn, RUN_SETUPS.name):
            raise DatabaseTooOld(f"the database has no {RUN_SETUPS.name} table yet: shoes and lacing were not saved")
        conn.execute(_WORN_SQL, {"run_id": run_id, **worn, "updated_at": _now()})


def save_annotation(db_path: str | Path, run_id: int, episode: int, note: Annotation) -> None:
    """Store (or replace) the runner's notes on one episode. NoSuchRun, NoSuchEpisode."""
    conn = _for_a_save(Path(db_path), ANNOTATIONS)
    try:
        with conn:
            exists = conn.execute(
                "SELECT 1 FROM symptom_events WHERE run_id = ? AND episode = ? LIMIT 1", (run_id, episode)
            ).fetchone()
            if exists is None:
                _run_exists(conn, run_id)
                raise NoSuchEpisode(f"Run {run_id} has no episode {episode}.")
            put_annotation(conn, run_id, episode, note)
    finally:
        conn.close()


def correct_start(db_path: str | Path, run_id: int, started_at: datetime) -> None:
    """Store the runner's corrected start time (an aware datetime) for a run. NoSuchRun."""
    conn = _for_a_save(Path(db_path), RUN_CORRECTIONS)
    try:
        with conn:
            _run_exists(conn, run_id)
            conn.execute(
                _CORRECTION_SQL, {"run_id": run_id, "started_at": started_at.isoformat(), "updated_at": _now()}
            )
    finally:
        conn.close()


def put_setup(conn: sqlite3.Connection, run_id: int, setup: RunSetup) -> None:
    """Store (or replace) a run's setup on `conn`, inside the caller's transaction (the demo
    database's setups are written this way too)."""
    values = {name: getattr(setup, name) for name in SETUP_FIELDS}
    conn.execute(_SETUP_SQL, {"run_id": run_id, **values, "updated_at": _now()})


def save_setup(db_path: str | Path, run_id: int, setup: RunSetup) -> None:
    """Store (or replace) what the runner wore on a run. NoSuchRun; DatabaseTooOld for a
    database from before run setups."""
    conn = _for_a_save(Path(db_path), RUN_SETUPS)
    try:
        with conn:
            _run_exists(conn, run_id)
            put_setup(conn, run_id, setup)
    finally:
        conn.close()


def add_answers(db_path: str | Path, answers: ClaudicationAnswers) -> None:
    """Keep one answering of the questionnaire (each is a new row; the newest is shown).
    DatabaseTooOld for a database from before the questionnaire."""
    conn = _for_a_save(Path(db_path), CLAUDICATION_ANSWERS)
    values: dict[str, object] = {name: getattr(answers, name) for name in CLAUDICATION_ITEMS}
    values["where"] = ",".join(answers.where)
    try:
        with conn:
            conn.execute(_ANSWERS_SQL, {"answered_at": answers.answered_at.isoformat(), **values})
    finally:
        conn.close()


def for_watch_files(db_path: str | Path) -> sqlite3.Connection:
    """A writable connection for attaching a watch file from the run page, or for accepting
    its alignment (device.watch.attach stores through device.db.watch_files): refused with
    DatabaseTooOld by a database without the watch's tables. The caller closes it."""
    return _for_a_save(Path(db_path), WATCH_ATTACHMENTS)

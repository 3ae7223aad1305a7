"""The reads every command and the dashboard make of footnote's database: runs into the
analysis's plain data (device.db.rows), and what the pages and exports show beside them
(setups, questionnaire answers, the database's own id). Every read works on a read-only
connection (`connect.open_reader`, `mode=ro`) and takes its columns from
device.db.tables; a table an older database lacks reads as empty. The server's only
writes are device.db.dashboard_writes'."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from itertools import repeat
from typing import Any, TypeVar, cast

from footnote.device.db import schema
from footnote.device.db.rows import Annotation, ClaudicationAnswers, Run, RunRow, RunSetup, Sample
from footnote.device.db.tables import (
    ANNOTATION_FIELDS,
    ANNOTATION_FLAGS,
    ANNOTATIONS,
    CLAUDICATION_ANSWERS,
    CLAUDICATION_ITEMS,
    DATABASE_IDENTITY,
    FOOTPOD_SAMPLES,
    LINK_EVENTS,
    RUN_CORRECTIONS,
    RUN_SETUPS,
    RUNS,
    SETUP_FIELDS,
    SYMPTOM_EVENTS,
    WORN_FIELDS,
)
from footnote.device.errors import NoSuchRun

__all__ = [
    "RunRow",
    "analysis_key_rows",
    "annotation_key_rows",
    "annotations_of",
    "database_uuid",
    "events_of",
    "get_run_row",
    "latest_answers",
    "list_runs",
    "load_run",
    "load_runs",
    "local_time",
    "rejected_count",
    "run_count",
    "samples_of",
    "setups_of",
]

_RUN_SQL = (
    f"SELECT {RUNS.columns_sql(alias='r')}, c.started_at,"
    # Only a run that is still open needs its last moment looked up.
    " CASE WHEN r.ended_t_s IS NULL THEN (SELECT max(t_s) FROM footpod_samples WHERE run_id = r.id) END,"
    " CASE WHEN r.ended_t_s IS NULL THEN (SELECT max(t_s) FROM symptom_events WHERE run_id = r.id) END"
    " FROM runs r LEFT JOIN run_corrections c ON c.run_id = r.id"
)


def _run_row(row: tuple) -> RunRow:
    r = dict(zip(RUNS.names, row, strict=False))
    corrected_at, *last_moments = row[len(RUNS.names) :]
    recorded = datetime.fromisoformat(r["started_at"])
    corrected = datetime.fromisoformat(corrected_at) if corrected_at else None
    ended = r["ended_t_s"]
    if ended is None:  # still open (the logger is running): as far as data goes
        ended = max([t for t in last_moments if t is not None], default=0.0)
    return RunRow(
        id=r["id"],
        started_at=corrected or recorded,
        recorded_started_at=recorded,
        utc_offset_s=r["utc_offset_s"] or 0,
        clock_synced=bool(r["clock_synced"]),
        corrected=corrected is not None,
        ended_t_s=ended,
        end_reason=r["end_reason"],
        source=r["source"],
        device=r["device"],
        footpod_name=r["footpod_name"],
        footpod_address=r["footpod_address"],
        footpod_feature=r["footpod_feature"],
        footpod_location=r["footpod_location"],
        cadence_convention=r["cadence_convention"],
    )


def list_runs(
    conn: sqlite3.Connection, *, since: datetime | None = None, until: datetime | None = None
) -> list[RunRow]:
    runs = [_run_row(r) for r in conn.execute(_RUN_SQL + " ORDER BY r.id")]
    return [r for r in runs if (since is None or r.started_at >= since) and (until is None or r.started_at < until)]


def get_run_row(conn: sqlite3.Connection, run_id: int) -> RunRow:
    row = conn.execute(_RUN_SQL + " WHERE r.id = ?", (run_id,)).fetchone()
    if row is None:
        raise NoSuchRun(f"There is no run {run_id}.")
    return _run_row(row)


def _annotations_sql(conn: sqlite3.Connection, first: tuple[str, ...]) -> str:
    """The annotations' `first` columns and ANNOTATION_FIELDS, in order, with what was worn
    (WORN_FIELDS) taken from the run's setup: it is entered once, on the run. A database not
    yet brought up to date (setup_1_worn_on_the_run) still has it on its annotations; a run's
    own setup outranks them, as the migration decides."""
    columns = [f"a.{n}" for n in first]
    has_setups = schema.has_table(conn, RUN_SETUPS.name)
    for name in ANNOTATION_FIELDS:
        columns.append(f"coalesce(s.{name}, a.{name})" if name in WORN_FIELDS and has_setups else f"a.{name}")
    join = f" LEFT JOIN {RUN_SETUPS.name} s ON s.run_id = a.run_id" if has_setups else ""
    return f"SELECT {', '.join(columns)} FROM {ANNOTATIONS.name} a{join}"


def annotations_of(conn: sqlite3.Connection, run_id: int) -> dict[int, Annotation]:
    """The runner's notes on each episode of a run, by episode number (what was worn: the
    run's setup)."""
    sql = _annotations_sql(conn, ("episode",)) + " WHERE a.run_id = ?"
    out = {}
    for episode, *values in conn.execute(sql, (run_id,)):
        fields: dict[str, Any] = {
            n: bool(v) if n in ANNOTATION_FLAGS else v for n, v in zip(ANNOTATION_FIELDS, values, strict=True)
        }
        out[episode] = Annotation(**fields)
    return out


def events_of(conn: sqlite3.Connection, run_id: int) -> list[tuple[float, str, int | None, int | None]]:
    """A run's symptom events as (t_s, kind, episode, severity), in the order they came."""
    return conn.execute(
        SYMPTOM_EVENTS.select_sql(SYMPTOM_EVENTS.pick("t_s", "kind", "episode", "severity"))
        + " WHERE run_id = ? ORDER BY t_s, id",
        (run_id,),
    ).fetchall()


def load_run(conn: sqlite3.Connection, run_id: int, row: RunRow | None = None) -> Run:
    row = row or get_run_row(conn, run_id)
    # The bytes beyond what a packet's flags need (accepted and ignored by the decoder) are
    # counted from the stored packet itself, in SQL as device.rules.rsc.expected_length does it:
    # 4 bytes, +2 with the stride flag (bit 0: an odd low hex digit of the first byte),
    # +4 with the distance flag (bit 1). tuple.__new__(Sample, row) then makes each Sample
    # without a Python call: a 3-hour run has 43,200 of them.
    flags = "substr(hex(substr(raw, 1, 1)), 2, 1)"
    rows = conn.execute(
        "SELECT t_s, speed_mps, cadence_spm, distance_m, pod_distance_m, cadence_raw,"
        f" CASE WHEN length(raw) > 0 THEN length(raw) - 4 - 2 * (instr('13579BDF', {flags}) > 0)"
        f" - 4 * (instr('2367ABEF', {flags}) > 0) ELSE 0 END"
        " FROM footpod_samples WHERE run_id = ? ORDER BY t_s, id",
        (run_id,),
    )
    samples = cast(list[Sample], list(map(tuple.__new__, repeat(Sample), rows)))
    rejected = [t for (t,) in conn.execute("SELECT t_s FROM rejected_packets WHERE run_id = ? ORDER BY t_s", (run_id,))]
    links = conn.execute(
        LINK_EVENTS.select_sql(LINK_EVENTS.pick("t_s", "state")) + " WHERE run_id = ? ORDER BY t_s, id", (run_id,)
    ).fetchall()
    events = events_of(conn, run_id)
    return Run(
        id=run_id,
        started_at=row.started_at,
        clock_synced=row.clock_synced,
        ended_t_s=row.ended_t_s or 0.0,
        samples=samples,
        links=links,
        events=events,
        annotations=annotations_of(conn, run_id),
        rejected_t_s=rejected,
        cadence_convention=row.cadence_convention or "auto",
    )


def load_runs(conn: sqlite3.Connection, rows: list[RunRow]) -> list[Run]:
    return [load_run(conn, r.id, r) for r in rows]


def local_time(row: RunRow, t_s: float = 0.0) -> datetime:
    """The wall-clock moment t_s into a run, in the runner's local time zone."""
    return (row.started_at + timedelta(seconds=t_s)).astimezone(timezone(timedelta(seconds=row.utc_offset_s)))


def run_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM runs").fetchone()[0]


def rejected_count(conn: sqlite3.Connection, run_id: int) -> int:
    """How many footpod packets of a run the decoder refused."""
    return conn.execute("SELECT count(*) FROM rejected_packets WHERE run_id = ?", (run_id,)).fetchone()[0]


def samples_of(
    conn: sqlite3.Connection, run_id: int, columns: tuple[str, ...], window: tuple[float, float] | None = None
) -> list[tuple]:
    """These footpod_samples columns of a run in time order; within `window` (from_s,
    to_s: seconds since the start, both inclusive) when given."""
    sql = FOOTPOD_SAMPLES.select_sql(columns) + " WHERE run_id = ?"
    if window is None:
        return conn.execute(sql + " ORDER BY t_s, id", (run_id,)).fetchall()
    return conn.execute(sql + " AND t_s BETWEEN ? AND ? ORDER BY t_s, id", (run_id, *window)).fetchall()


S = TypeVar("S", bound=RunSetup)
A = TypeVar("A", bound=ClaudicationAnswers)


def setups_of(conn: sqlite3.Connection, row: type[S]) -> dict[int, S]:
    """Every run's setup by run id, as `row` (RunSetup or a subclass); none in an older
    database without the table."""
    if not schema.has_table(conn, RUN_SETUPS.name):
        return {}
    sql = RUN_SETUPS.select_sql(("run_id", *SETUP_FIELDS))
    return {run_id: row(*values) for run_id, *values in conn.execute(sql)}


def latest_answers(conn: sqlite3.Connection, row: type[A]) -> tuple[A | None, int]:
    """The newest answering of the questionnaire, as `row` (ClaudicationAnswers or a
    subclass), and how many there have been (None, 0 before the first, or in an older
    database without the table)."""
    if not schema.has_table(conn, CLAUDICATION_ANSWERS.name):
        return None, 0
    count = conn.execute("SELECT count(*) FROM claudication_answers").fetchone()[0]
    found = conn.execute(
        CLAUDICATION_ANSWERS.select_sql(("answered_at", *CLAUDICATION_ITEMS))
        + " ORDER BY answered_at DESC, id DESC LIMIT 1"
    ).fetchone()
    if found is None:
        return None, count
    answered_at, *items = found
    values = dict(zip(CLAUDICATION_ITEMS, items, strict=True))
    values["where"] = tuple(p for p in (values["where"] or "").split(",") if p)
    return row(answered_at=datetime.fromisoformat(answered_at), **values), count


def database_uuid(conn: sqlite3.Connection) -> str | None:
    """The database's own random id (made once by the migration
    `doctor_1_database_identity`); None for a database older than it."""
    if not schema.has_table(conn, DATABASE_IDENTITY.name):
        return None
    found = conn.execute(DATABASE_IDENTITY.select_sql(("uuid",)) + " WHERE id = 1").fetchone()
    return None if found is None else str(found[0])


# -- what an analysis depends on ----------------------------------------------------------------
# The analysis cache (server.analysis_cache) keys each run's analysis on these rows. From the
# declarations: the run's row, every column (id and end_reason first: an open run has none),
# its correction and its annotations (what the runner said, not when: updated_at is left
# out), and summaries of its rows: the footpod samples' first and last t_s (the logger only
# appends, in time order, to an open run), the symptom and link events' count, last id and
# sum of t_s. A column declared in one of these tables is in the key by construction.
_RUN_KEY_COLUMNS = ("id", "end_reason", *RUNS.without("id", "end_reason"))
_CORRECTION_KEY_COLUMNS = RUN_CORRECTIONS.without("run_id", "updated_at")
_SUMMARIES = (
    f"(SELECT min(t_s) FROM {FOOTPOD_SAMPLES.name} WHERE run_id = r.id)",
    f"(SELECT max(t_s) FROM {FOOTPOD_SAMPLES.name} WHERE run_id = r.id)",
    *(
        f"(SELECT count(*) || ',' || max(id) || ',' || sum(t_s) FROM {table.name} WHERE run_id = r.id)"
        for table in (SYMPTOM_EVENTS, LINK_EVENTS)
    ),
)
_ANALYSIS_KEY_SQL = (
    f"SELECT {RUNS.columns_sql(_RUN_KEY_COLUMNS, alias='r')},"
    f" {RUN_CORRECTIONS.columns_sql(_CORRECTION_KEY_COLUMNS, alias='c')}, {', '.join(_SUMMARIES)}"
    " FROM runs r LEFT JOIN run_corrections c ON c.run_id = r.id"
)


def analysis_key_rows(conn: sqlite3.Connection, run_id: int | None = None) -> list[tuple]:
    """What the analysis of each run (or of one) depends on, but its annotations: one
    tuple per run, its id first and its end_reason (None while open) second."""
    if run_id is None:
        return conn.execute(_ANALYSIS_KEY_SQL).fetchall()
    return conn.execute(_ANALYSIS_KEY_SQL + " WHERE r.id = ?", (run_id,)).fetchall()


def annotation_key_rows(conn: sqlite3.Connection, run_id: int | None = None) -> list[tuple]:
    """Every annotation's (run_id, episode, *ANNOTATION_FIELDS) as the analysis reads it
    (what was worn from the run's setup), by run and episode."""
    where, params = (" WHERE a.run_id = ?", (run_id,)) if run_id is not None else ("", ())
    sql = _annotations_sql(conn, ("run_id", "episode"))
    return conn.execute(sql + where + " ORDER BY a.run_id, a.episode", params).fetchall()

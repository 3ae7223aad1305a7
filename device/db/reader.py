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
    HEART_RATE_SAMPLES,
    LINK_EVENTS,
    RUN_CORRECTIONS,
    RUN_SETUPS,
    RUNS,
    SETUP_FIELDS,
    SYMPTOM_EVENTS,
    WATCH_ATTACHMENTS,
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

# The runs' columns as the first migration made them (a reader may open a database the
# logger has not upgraded yet, which lacks the columns added since: those read as None).
_RUN_COLUMNS = tuple(c.name for c in RUNS.columns if c.added_by is None)
_RUN_TAIL = (
    ", c.started_at,"
    # Only a run that is still open needs its last moment looked up.
    " CASE WHEN r.ended_t_s IS NULL THEN (SELECT max(t_s) FROM footpod_samples WHERE run_id = r.id) END,"
    " CASE WHEN r.ended_t_s IS NULL THEN (SELECT max(t_s) FROM symptom_events WHERE run_id = r.id) END"
    " FROM runs r LEFT JOIN run_corrections c ON c.run_id = r.id"
)


def _run_columns(conn: sqlite3.Connection) -> tuple[str, ...]:
    have = {name for (_, name, *_) in conn.execute("PRAGMA table_info(runs)")}
    return tuple(n for n in RUNS.names if n in have) if have >= set(RUNS.names) else _RUN_COLUMNS


def _runs(conn: sqlite3.Connection, where: str = "", params: tuple = ()) -> list[RunRow]:
    columns = _run_columns(conn)
    sql = f"SELECT {RUNS.columns_sql(columns, alias='r')}" + _RUN_TAIL + where
    return [_run_row(columns, row) for row in conn.execute(sql, params)]


def _run_row(columns: tuple[str, ...], row: tuple) -> RunRow:
    r = dict(zip(columns, row, strict=False))
    corrected_at, *last_moments = row[len(columns) :]
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
        strap_address=r.get("strap_address"),
        strap_name=r.get("strap_name"),
        strap_location=r.get("strap_location"),
    )


def list_runs(
    conn: sqlite3.Connection, *, since: datetime | None = None, until: datetime | None = None
) -> list[RunRow]:
    runs = _runs(conn, " ORDER BY r.id")
    return [r for r in runs if (since is None or r.started_at >= since) and (until is None or r.started_at < until)]


def get_run_row(conn: sqlite3.Connection, run_id: int) -> RunRow:
    found = _runs(conn, " WHERE r.id = ?", (run_id,))
    if not found:
        raise NoSuchRun(f"There is no run {run_id}.")
    return found[0]


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
    end_s = row.ended_t_s or 0.0
    extra = sensors_of(conn, run_id, row.started_at, samples, links, end_s)
    return Run(
        id=run_id,
        started_at=row.started_at,
        clock_synced=row.clock_synced,
        ended_t_s=end_s,
        samples=extra.pop("samples"),
        links=extra.pop("links"),
        **extra,
        events=events,
        annotations=annotations_of(conn, run_id),
        rejected_t_s=rejected,
        cadence_convention=row.cadence_convention or "auto",
    )


def sensors_of(
    conn: sqlite3.Connection, run_id: int, started_at: datetime, samples: list[Sample], links: list, end_s: float
) -> dict:
    """The strap's heart rates and the watch's accepted files of a run, merged with the
    pod's samples by the rules of device.db.sources (the watch placed by the run's start
    as it now stands, corrected or not)."""
    from footnote.device.db import sources as merge

    if not schema.has_table(conn, WATCH_ATTACHMENTS.name):  # a database the logger has not upgraded yet
        return {"samples": samples, "links": links, "movement_sources": merge.movement(samples, links, [], end_s)[2]}
    strap = conn.execute(
        "SELECT t_s, bpm FROM heart_rate_samples WHERE run_id = ? AND bpm IS NOT NULL ORDER BY t_s", (run_id,)
    ).fetchall()
    files = conn.execute(
        "SELECT f.id, f.started_at, a.accepted FROM watch_attachments a JOIN watch_files f ON f.id = a.watch_file_id"
        " WHERE a.run_id = ? ORDER BY f.started_at",
        (run_id,),
    ).fetchall()
    points: list[merge.WatchPoint] = []
    for file_id, file_start, accepted in files:
        if not accepted:
            continue
        offset = (datetime.fromisoformat(file_start) - started_at).total_seconds()
        points += [
            merge.WatchPoint(offset + t, *values)
            for t, *values in conn.execute(
                "SELECT time_s, distance_m, speed_mps, cadence_spm, heart_rate_bpm, altitude_m FROM watch_records"
                " WHERE watch_file_id = ? ORDER BY time_s",
                (file_id,),
            )
        ]
    points.sort(key=lambda p: p.t_s)
    merged_samples, merged_links, sources = merge.movement(samples, links, points, end_s)
    return {
        "samples": merged_samples,
        "links": merged_links,
        "heart_rates": merge.heart_rates(strap, points),
        "elevations": [(p.t_s, p.altitude_m) for p in points if p.altitude_m is not None and 0 <= p.t_s <= end_s],
        "movement_sources": sources,
        "watch_files": [f for f, _, accepted in files if accepted],
        "proposed_watch_files": [f for f, _, accepted in files if not accepted],
    }


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


def strap_packets_of(conn: sqlite3.Connection, run_id: int) -> dict[str, int]:
    """How many Heart Rate Measurements a run's strap sent: decoded, rejected by the
    decoder, and decoded but no heart rate (no skin contact, out of range)."""
    if not schema.has_table(conn, HEART_RATE_SAMPLES.name):
        return {"decoded": 0, "rejected": 0, "no_heart_rate": 0}
    decoded, rejected, none = conn.execute(
        "SELECT count(*) FILTER (WHERE error IS NULL), count(*) FILTER (WHERE error IS NOT NULL),"
        " count(*) FILTER (WHERE error IS NULL AND bpm IS NULL) FROM heart_rate_samples WHERE run_id = ?",
        (run_id,),
    ).fetchone()
    return {"decoded": decoded, "rejected": rejected, "no_heart_rate": none}


def samples_of(
    conn: sqlite3.Connection, run_id: int, columns: tuple[str, ...], window: tuple[float, float] | None = None
) -> list[tuple]:
    """These footpod_samples columns of a run in time order; within `window` (from_s,
    to_s: seconds since the start, both inclusive) when given."""
    sql = FOOTPOD_SAMPLES.select_sql(columns) + " WHERE run_id = ?"
    if window is None:
        return conn.execute(sql + " ORDER BY t_s, id", (run_id,)).fetchall()
    return conn.execute(sql + " AND t_s BETWEEN ? AND ? ORDER BY t_s, id", (run_id, *window)).fetchall()


def watch_files_of(conn: sqlite3.Connection, run_id: int) -> list[dict]:
    """The watch files attached to a run, with how each was aligned (the original file is
    kept in the database; its bytes are not part of the page)."""
    if not schema.has_table(conn, WATCH_ATTACHMENTS.name):
        return []
    found = conn.execute(
        "SELECT f.id, f.name, f.format, f.sport, f.device, f.started_at, f.ended_at, f.records, a.method,"
        " a.watch_start_t_s, a.score, a.runner_up, a.accepted FROM watch_attachments a"
        " JOIN watch_files f ON f.id = a.watch_file_id WHERE a.run_id = ? ORDER BY f.started_at",
        (run_id,),
    ).fetchall()
    keys = (
        "id", "name", "format", "sport", "device", "started_at", "ended_at", "records", "method",
        "watch_start_t_s", "score", "runner_up", "accepted",
    )  # fmt: skip
    return [{**dict(zip(keys, r, strict=True)), "accepted": bool(r[-1])} for r in found]


def _has_sensors(conn: sqlite3.Connection, run_id: int) -> bool:
    if not schema.has_table(conn, WATCH_ATTACHMENTS.name):
        return False
    return bool(
        conn.execute(
            "SELECT EXISTS (SELECT 1 FROM heart_rate_samples WHERE run_id = :r AND bpm IS NOT NULL)"
            " OR EXISTS (SELECT 1 FROM watch_attachments WHERE run_id = :r AND accepted = 1)",
            {"r": run_id},
        ).fetchone()[0]
    )


def chart_samples_of(
    conn: sqlite3.Connection, run_id: int, columns: tuple[str, ...], window: tuple[float, float] | None = None
) -> list[tuple]:
    """samples_of(t_s, speed_mps, cadence_spm, distance_m), or, for a run with a usable
    heart rate or an accepted watch file, the samples the analysis reads (device.db.sources)
    with heart_rate_bpm fifth when the run has a heart rate (None where it is unknown)."""
    if not _has_sensors(conn, run_id):
        return samples_of(conn, run_id, columns, window)
    from footnote.device.db.sources import value_at

    run = load_run(conn, run_id)
    lo, hi = window if window is not None else (float("-inf"), float("inf"))
    hr = run.heart_rates
    if not hr:
        return [(s.t_s, s.speed_mps, s.cadence_spm, s.distance_m) for s in run.samples if lo <= s.t_s <= hi]
    if run.samples:
        return [
            (s.t_s, s.speed_mps, s.cadence_spm, s.distance_m, value_at(hr, s.t_s))
            for s in run.samples
            if lo <= s.t_s <= hi
        ]
    return [(t, None, None, None, bpm) for t, bpm, _ in hr if lo <= t <= hi]  # a strap alone


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
# (the first migration's columns: a reader may open a database not yet upgraded, and the
# strap's columns added since do not change an analysis)
_RUN_KEY_COLUMNS = ("id", "end_reason", *(n for n in _RUN_COLUMNS if n not in ("id", "end_reason")))
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


# The strap's heart rates and the watch's attachments (issue 24), in databases that have them.
_SENSORS_KEY_SQL = (
    ", (SELECT count(*) || ',' || max(id) || ',' || sum(t_s) FROM heart_rate_samples WHERE run_id = r.id),"
    " (SELECT group_concat(watch_file_id || ':' || accepted || ':' || watch_start_t_s) FROM watch_attachments"
    " WHERE run_id = r.id)"
)


def analysis_key_rows(conn: sqlite3.Connection, run_id: int | None = None) -> list[tuple]:
    """What the analysis of each run (or of one) depends on, but its annotations: one
    tuple per run, its id first and its end_reason (None while open) second."""
    sql = _ANALYSIS_KEY_SQL
    if schema.has_table(conn, WATCH_ATTACHMENTS.name):
        sql = sql.replace(" FROM runs r LEFT JOIN", _SENSORS_KEY_SQL + " FROM runs r LEFT JOIN", 1)
    if run_id is None:
        return conn.execute(sql).fetchall()
    return conn.execute(sql + " WHERE r.id = ?", (run_id,)).fetchall()


def annotation_key_rows(conn: sqlite3.Connection, run_id: int | None = None) -> list[tuple]:
    """Every annotation's (run_id, episode, *ANNOTATION_FIELDS) as the analysis reads it
    (what was worn from the run's setup), by run and episode."""
    where, params = (" WHERE a.run_id = ?", (run_id,)) if run_id is not None else ("", ())
    sql = _annotations_sql(conn, ("run_id", "episode"))
    return conn.execute(sql + where + " ORDER BY a.run_id, a.episode", params).fetchall()

"""Read runs from footnote's database into the analysis's plain data. Read-only: the
dashboard and the export open run data with `mode=ro`; annotations and start-time
corrections are the only things the server writes (server.dashboard.saves)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import repeat
from typing import cast

from footnote.device.db.rows import Annotation, Run, Sample
from footnote.device.errors import NoSuchRun


@dataclass(frozen=True)
class RunRow:
    """A run as listed: no samples."""

    id: int
    started_at: datetime  # corrected if the runner fixed the clock
    recorded_started_at: datetime
    utc_offset_s: int
    clock_synced: bool
    corrected: bool
    ended_t_s: float | None
    end_reason: str | None
    source: str
    device: str | None
    footpod_name: str | None
    footpod_address: str | None
    footpod_feature: int | None
    footpod_location: int | None
    cadence_convention: str | None


_RUN_SQL = (
    "SELECT r.id, r.started_at, c.started_at, r.utc_offset_s, r.clock_synced, r.ended_t_s, r.end_reason, r.source,"
    " r.device, r.footpod_name, r.footpod_address, r.footpod_feature, r.footpod_location, r.cadence_convention,"
    # Only a run that is still open needs its last moment looked up.
    " CASE WHEN r.ended_t_s IS NULL THEN (SELECT max(t_s) FROM footpod_samples WHERE run_id = r.id) END,"
    " CASE WHEN r.ended_t_s IS NULL THEN (SELECT max(t_s) FROM symptom_events WHERE run_id = r.id) END"
    " FROM runs r LEFT JOIN run_corrections c ON c.run_id = r.id"
)


def _run_row(row: tuple) -> RunRow:
    recorded = datetime.fromisoformat(row[1])
    corrected = datetime.fromisoformat(row[2]) if row[2] else None
    ended = row[5]
    if ended is None:  # still open (the logger is running): as far as data goes
        ended = max([t for t in row[14:16] if t is not None], default=0.0)
    return RunRow(
        id=row[0],
        started_at=corrected or recorded,
        recorded_started_at=recorded,
        utc_offset_s=row[3] or 0,
        clock_synced=bool(row[4]),
        corrected=corrected is not None,
        ended_t_s=ended,
        end_reason=row[6],
        source=row[7],
        device=row[8],
        footpod_name=row[9],
        footpod_address=row[10],
        footpod_feature=row[11],
        footpod_location=row[12],
        cadence_convention=row[13],
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


def annotations_of(conn: sqlite3.Connection, run_id: int) -> dict[int, Annotation]:
    cols = "episode, location, side, shoes, lacing, note, rest_or_night, weakness, cold_or_pale, sudden_pain"
    out = {}
    for r in conn.execute(f"SELECT {cols} FROM annotations WHERE run_id = ?", (run_id,)):
        out[r[0]] = Annotation(
            location=r[1],
            side=r[2],
            shoes=r[3],
            lacing=r[4],
            note=r[5],
            rest_or_night=bool(r[6]),
            weakness=bool(r[7]),
            cold_or_pale=bool(r[8]),
            sudden_pain=bool(r[9]),
        )
    return out


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
    links = conn.execute("SELECT t_s, state FROM link_events WHERE run_id = ? ORDER BY t_s, id", (run_id,)).fetchall()
    events = conn.execute(
        "SELECT t_s, kind, episode, severity FROM symptom_events WHERE run_id = ? ORDER BY t_s, id", (run_id,)
    ).fetchall()
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

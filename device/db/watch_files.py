"""The watch's files in footnote's database (device.db.tables: WATCH_FILES, WATCH_RECORDS,
WATCH_ATTACHMENTS): what `footnote attach` and the dashboard's upload read to place a file
on a run, and how they store it. Plain values in and out; reading and aligning the file
is device.watch's.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from footnote.device.db.tables import RUN_CORRECTIONS, WATCH_ATTACHMENTS, WATCH_FILES, WATCH_RECORDS
from footnote.device.errors import NoSuchRun

_FILE_SQL = WATCH_FILES.insert_sql()
_RECORD_SQL = WATCH_RECORDS.insert_sql(
    WATCH_RECORDS.pick(
        "watch_file_id", "time_s", "distance_m", "speed_mps", "cadence_spm", "heart_rate_bpm", "altitude_m"
    ),
    positional=True,
)
_ATTACHMENT_SQL = WATCH_ATTACHMENTS.insert_sql(conflict="REPLACE")
_CORRECTION_SQL = RUN_CORRECTIONS.insert_sql(conflict="REPLACE")


@dataclass(frozen=True)
class RunSpan:
    id: int
    started_at: datetime  # as it now stands: corrected by the runner, or as recorded
    synced: bool  # the clock was synchronised, or the runner corrected the start
    duration_s: float


@dataclass(frozen=True)
class Target:
    """One attachment to store: `corrected_start` is the run's start an accepted
    alignment from the movement implies (stored as the run's correction), else None."""

    run_id: int
    method: str
    watch_start_t_s: float
    score: float | None
    runner_up: float | None
    accepted: bool
    corrected_start: datetime | None = None


def run_spans(conn: sqlite3.Connection) -> dict[int, RunSpan]:
    out = {}
    for run_id, recorded, corrected, synced, ended in conn.execute(
        "SELECT r.id, r.started_at, c.started_at, r.clock_synced, coalesce(r.ended_t_s,"
        " (SELECT max(t_s) FROM symptom_events WHERE run_id = r.id), 0)"
        " FROM runs r LEFT JOIN run_corrections c ON c.run_id = r.id ORDER BY r.id"
    ):
        start = datetime.fromisoformat(corrected or recorded)
        out[run_id] = RunSpan(run_id, start, bool(synced) or corrected is not None, float(ended or 0.0))
    return out


def pod_speeds(conn: sqlite3.Connection, run_id: int) -> list[tuple[float, float]]:
    return conn.execute(
        "SELECT t_s, speed_mps FROM footpod_samples WHERE run_id = ? AND speed_mps IS NOT NULL ORDER BY t_s",
        (run_id,),
    ).fetchall()


def presses(conn: sqlite3.Connection, run_id: int) -> list[tuple[float, str]]:
    return conn.execute(
        "SELECT t_s, kind FROM symptom_events WHERE run_id = ? AND kind IN ('onset', 'worse', 'relief') ORDER BY t_s",
        (run_id,),
    ).fetchall()


def store_watch_file(
    conn: sqlite3.Connection,
    *,
    digest: str,
    file: dict[str, object],
    records: list[tuple],
    targets: list[Target],
) -> tuple[int, bool, list[Target]]:
    """In one transaction: the file once (by `digest`, its SHA-256) with its records
    ((time_s, distance_m, speed_mps, cadence_spm, heart_rate_bpm, altitude_m) each), and
    each target's attachment, unless attached already with nothing new to accept.
    Returns (file id, whether the file was there already, the targets stored)."""
    now = datetime.now(UTC).isoformat()
    with conn:
        found = conn.execute("SELECT id FROM watch_files WHERE sha256 = ?", (digest,)).fetchone()
        if found is None:
            file_id = int(conn.execute(_FILE_SQL, {**file, "sha256": digest, "added_at": now}).lastrowid or 0)
            conn.executemany(_RECORD_SQL, [(file_id, *r) for r in records])
        else:
            file_id = found[0]
        done = []
        for t in targets:
            before = conn.execute(
                "SELECT accepted FROM watch_attachments WHERE run_id = ? AND watch_file_id = ?", (t.run_id, file_id)
            ).fetchone()
            if before is not None and (before[0] or not t.accepted):
                continue
            conn.execute(
                _ATTACHMENT_SQL,
                {
                    "run_id": t.run_id,
                    "watch_file_id": file_id,
                    "method": t.method,
                    "watch_start_t_s": t.watch_start_t_s,
                    "score": t.score,
                    "runner_up": t.runner_up,
                    "accepted": int(t.accepted),
                    "attached_at": now,
                },
            )
            if t.corrected_start is not None:
                _correct(conn, t.run_id, t.corrected_start, now)
            done.append(t)
    return file_id, found is not None, done


def accept_alignment(conn: sqlite3.Connection, run_id: int, watch_file_id: int) -> datetime:
    """The runner accepts a proposed alignment: stored as accepted, with the run's start it
    implies as the run's correction; returns that start. NoSuchRun without such an attachment."""
    from datetime import timedelta

    with conn:
        found = conn.execute(
            "SELECT a.watch_start_t_s, f.started_at FROM watch_attachments a JOIN watch_files f ON f.id = a.watch_file_id"
            " WHERE a.run_id = ? AND a.watch_file_id = ?",
            (run_id, watch_file_id),
        ).fetchone()
        if found is None:
            raise NoSuchRun(f"Run {run_id} has no watch file {watch_file_id}.")
        start = datetime.fromisoformat(found[1]) - timedelta(seconds=found[0])
        conn.execute(
            "UPDATE watch_attachments SET accepted = 1 WHERE run_id = ? AND watch_file_id = ?", (run_id, watch_file_id)
        )
        _correct(conn, run_id, start, datetime.now(UTC).isoformat())
    return start


def _correct(conn: sqlite3.Connection, run_id: int, started_at: datetime, now: str) -> None:
    conn.execute(
        _CORRECTION_SQL, {"run_id": run_id, "started_at": started_at.astimezone().isoformat(), "updated_at": now}
    )

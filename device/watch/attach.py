"""Attaching the watch's file to a run: `footnote attach RUN FILE` and the dashboard's upload.

One call reads the file (device.watch.read: anything unusable is refused before a byte is
stored), places it on the run's clock (device.watch.align) and stores, in one
transaction, the original file once (by its SHA-256), its records, and one attachment per
run it covers:

- **The run named**, by the wall clock when the Pi's clock was synchronised or the runner
  corrected the run's start; then the file must overlap the run by MIN_OVERLAP_S (else:
  "a file of another run", nothing stored). When the clock was not synchronised the
  alignment is proposed from the movement (the pod's speed, else the presses against the
  watch's stops) and stored as a proposal (accepted 0), used by nothing until the runner
  accepts it (`accept=True`, `footnote attach --accept`, the run page's button): accepting
  stores the run's corrected start that the alignment implies, so the run, the watch and
  every other reading of the run agree on the clock.
- **Every other run the file overlaps by the wall clock** (synchronised or corrected
  runs): a button-only outing that the logger cut into two runs at its inactivity timeout
  (presses more than 30 minutes apart) gets the watch's data on both.

The same file attached again changes nothing (and says so).
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from footnote.device.errors import NoSuchRun
from footnote.device.watch import align
from footnote.device.watch.activity import WatchActivity, WatchFileError
from footnote.device.watch.read import read_watch_file

MIN_OVERLAP_S = 60.0
"""A file is of this run when it covers at least a minute of it (or all of it, if shorter)."""


@dataclass(frozen=True)
class Attached:
    run_id: int
    alignment: align.Alignment
    accepted: bool
    overlap_s: float


@dataclass(frozen=True)
class AttachResult:
    watch_file_id: int
    activity: WatchActivity
    attached: list[Attached]
    already: bool  # the same file was attached before: nothing changed


@dataclass(frozen=True)
class _RunSpan:
    id: int
    started_at: datetime
    synced: bool  # synchronised, or corrected by the runner
    duration_s: float


def _runs(conn: sqlite3.Connection) -> list[_RunSpan]:
    out = []
    for run_id, recorded, corrected, synced, ended in conn.execute(
        "SELECT r.id, r.started_at, c.started_at, r.clock_synced, coalesce(r.ended_t_s,"
        " (SELECT max(t_s) FROM symptom_events WHERE run_id = r.id), 0)"
        " FROM runs r LEFT JOIN run_corrections c ON c.run_id = r.id ORDER BY r.id"
    ):
        start = datetime.fromisoformat(corrected or recorded)
        out.append(_RunSpan(run_id, start, bool(synced) or corrected is not None, float(ended or 0.0)))
    return out


def _propose(conn: sqlite3.Connection, run: _RunSpan, activity: WatchActivity) -> align.Alignment | None:
    watch = align.watch_speed_series(activity.records)
    samples = conn.execute("SELECT t_s, speed_mps FROM footpod_samples WHERE run_id = ? ORDER BY t_s", (run.id,))
    pod = [(t, v) for t, v in samples if v is not None]
    if len(pod) >= align.MIN_OVERLAP_S / 10:
        found = align.by_pod_speed(align.pod_speed_series(pod, run.duration_s), watch)
        if found is not None:
            return found
    presses = conn.execute(
        "SELECT t_s, kind FROM symptom_events WHERE run_id = ? AND kind IN ('onset', 'worse', 'relief') ORDER BY t_s",
        (run.id,),
    ).fetchall()
    return align.by_presses(presses, watch, run.duration_s)


def _when(activity: WatchActivity) -> str:
    return f"{activity.start:%Y-%m-%d %H:%M}-{activity.end:%H:%M} UTC"


def attach_watch_file(
    conn: sqlite3.Connection, run_id: int, data: bytes, *, name: str, accept: bool = False
) -> AttachResult:
    """Attach `data` (a watch file's bytes) to run `run_id` and to every other run it
    overlaps; WatchFileError (one line, nothing stored) when it cannot be, NoSuchRun for
    a run the database does not hold. `conn` is a writable connection."""
    activity = read_watch_file(data, name=name)
    runs = {r.id: r for r in _runs(conn)}
    run = runs.get(run_id)
    if run is None:
        raise NoSuchRun(f"There is no run {run_id}.")
    duration_s = (activity.end - activity.start).total_seconds()
    need_s = min(MIN_OVERLAP_S, duration_s, run.duration_s or MIN_OVERLAP_S)
    if run.synced:
        alignment = align.by_wall_clock(run.started_at, activity.start)
        accepted = True
        if align.overlap_s(alignment, duration_s, run.duration_s) < need_s:
            raise WatchFileError(
                f"{name}: recorded {_when(activity)}, which does not overlap run {run_id} "
                f"({run.started_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC, {run.duration_s / 60:.0f} min): "
                "a file of another run? Nothing was stored"
            )
    else:
        proposed = _propose(conn, run, activity)
        if proposed is None:
            raise WatchFileError(
                f"{name}: run {run_id} was recorded without a synchronised clock, and neither its footpod "
                "nor its presses say where the watch's recording sits in it; correct the run's start "
                "time first, then attach the file again. Nothing was stored"
            )
        alignment, accepted = proposed, accept
    targets: list[Attached] = [
        Attached(run_id, alignment, accepted, align.overlap_s(alignment, duration_s, run.duration_s))
    ]
    for other in runs.values():
        if other.id == run_id or not other.synced:
            continue
        a = align.by_wall_clock(other.started_at, activity.start)
        covered = align.overlap_s(a, duration_s, other.duration_s)
        if covered >= min(MIN_OVERLAP_S, other.duration_s or MIN_OVERLAP_S) and covered > 0:
            targets.append(Attached(other.id, a, True, covered))
    return _store(conn, data, name, activity, targets)


def _store(
    conn: sqlite3.Connection, data: bytes, name: str, activity: WatchActivity, targets: list[Attached]
) -> AttachResult:
    digest = hashlib.sha256(data).hexdigest()
    now = datetime.now(UTC).isoformat()
    with conn:
        found = conn.execute("SELECT id FROM watch_files WHERE sha256 = ?", (digest,)).fetchone()
        already = found is not None
        if found is None:
            cursor = conn.execute(
                "INSERT INTO watch_files (sha256, name, format, sport, device, started_at, ended_at, records,"
                " original, added_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    digest,
                    name,
                    activity.format,
                    activity.sport,
                    activity.device,
                    activity.start.isoformat(),
                    activity.end.isoformat(),
                    len(activity.records),
                    data,
                    now,
                ),
            )
            file_id = int(cursor.lastrowid or 0)
            start = activity.start
            conn.executemany(
                "INSERT INTO watch_records (watch_file_id, time_s, distance_m, speed_mps, cadence_spm,"
                " heart_rate_bpm, altitude_m) VALUES (?,?,?,?,?,?,?)",
                [
                    (
                        file_id,
                        (r.time - start).total_seconds(),
                        r.distance_m,
                        r.speed_mps,
                        r.cadence_spm,
                        r.heart_rate_bpm,
                        r.altitude_m,
                    )
                    for r in activity.records
                ],
            )
        else:
            file_id = found[0]
        done = []
        for target in targets:
            before = conn.execute(
                "SELECT accepted FROM watch_attachments WHERE run_id = ? AND watch_file_id = ?",
                (target.run_id, file_id),
            ).fetchone()
            if before is not None and (before[0] or not target.accepted):
                continue  # attached already, and nothing new to accept
            conn.execute(
                "INSERT OR REPLACE INTO watch_attachments (run_id, watch_file_id, method, watch_start_t_s, score,"
                " runner_up, accepted, attached_at) VALUES (?,?,?,?,?,?,?,?)",
                (
                    target.run_id,
                    file_id,
                    target.alignment.method,
                    target.alignment.watch_start_t_s,
                    target.alignment.score,
                    target.alignment.runner_up,
                    int(target.accepted),
                    now,
                ),
            )
            if target.accepted and target.alignment.method != "wall_clock":
                _correct(conn, target.run_id, target.alignment.corrected_start(activity.start), now)
            done.append(target)
    return AttachResult(file_id, activity, done, already and not done)


def accept_alignment(conn: sqlite3.Connection, run_id: int, watch_file_id: int) -> datetime:
    """The runner accepts a proposed alignment: store it as accepted and the run's start it
    implies; return that start. NoSuchRun when there is no such proposal."""
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
    local = started_at.astimezone()
    conn.execute(
        "INSERT OR REPLACE INTO run_corrections (run_id, started_at, updated_at) VALUES (?, ?, ?)",
        (run_id, local.isoformat(), now),
    )

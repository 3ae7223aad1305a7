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
from datetime import UTC, datetime

from footnote.device.db import watch_files
from footnote.device.db.watch_files import RunSpan
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


def _propose(conn: sqlite3.Connection, run: RunSpan, activity: WatchActivity) -> align.Alignment | None:
    watch = align.watch_speed_series(activity.records)
    pod = watch_files.pod_speeds(conn, run.id)
    if len(pod) >= align.MIN_OVERLAP_S / 10:
        found = align.by_pod_speed(align.pod_speed_series(pod, run.duration_s), watch)
        if found is not None:
            return found
    return align.by_presses(watch_files.presses(conn, run.id), watch, run.duration_s)


def _when(activity: WatchActivity) -> str:
    return f"{activity.start:%Y-%m-%d %H:%M}-{activity.end:%H:%M} UTC"


def attach_watch_file(
    conn: sqlite3.Connection, run_id: int, data: bytes, *, name: str, accept: bool = False
) -> AttachResult:
    """Attach `data` (a watch file's bytes) to run `run_id` and to every other run it
    overlaps; WatchFileError (one line, nothing stored) when it cannot be, NoSuchRun for
    a run the database does not hold. `conn` is a writable connection."""
    activity = read_watch_file(data, name=name)
    runs = watch_files.run_spans(conn)
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
    start = activity.start
    file_id, already, done = watch_files.store_watch_file(
        conn,
        digest=hashlib.sha256(data).hexdigest(),
        file={
            "name": name,
            "format": activity.format,
            "sport": activity.sport,
            "device": activity.device,
            "started_at": start.isoformat(),
            "ended_at": activity.end.isoformat(),
            "records": len(activity.records),
            "original": data,
        },
        records=[
            (
                (r.time - start).total_seconds(),
                r.distance_m,
                r.speed_mps,
                r.cadence_spm,
                r.heart_rate_bpm,
                r.altitude_m,
            )
            for r in activity.records
        ],
        targets=[
            watch_files.Target(
                t.run_id,
                t.alignment.method,
                t.alignment.watch_start_t_s,
                t.alignment.score,
                t.alignment.runner_up,
                t.accepted,
                t.alignment.corrected_start(start) if t.accepted and t.alignment.method != "wall_clock" else None,
            )
            for t in targets
        ],
    )
    stored = {t.run_id for t in done}
    attached = [t for t in targets if t.run_id in stored]
    return AttachResult(file_id, activity, attached, already and not attached)


def accept_alignment(conn: sqlite3.Connection, run_id: int, watch_file_id: int) -> datetime:
    """The runner accepts a proposed alignment (device.db.watch_files.accept_alignment)."""
    return watch_files.accept_alignment(conn, run_id, watch_file_id)

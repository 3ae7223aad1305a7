"""The one place that defines footnote's database: its tables and their migrations, and whose
a database file is (ownership). Opening one is device.db.connect's.

Time base: every `t_s` column is seconds on the logger's monotonic clock since its run
started; `runs.started_at` is the wall clock (UTC, ISO-8601) at that instant, and
`runs.clock_synced` says whether the system clock was synchronised then (a Pi without
network has no real-time clock, so an unsynchronised start may be off by days).

Schema changes are appended to MIGRATIONS and recorded in the `_migrations` table of the
database itself, so an old database is brought up to date when it is opened.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import sqlite_utils

SYMPTOM_KINDS = ("onset", "worse", "relief", "ignored_hold", "unresolved_at_run_end")
LINK_STATES = ("connected", "disconnected")


def _m001_initial(db: sqlite_utils.Database) -> None:
    db.table("runs").create(
        {
            "id": int,
            "started_at": str,  # UTC ISO-8601 wall clock at t_s = 0
            "utc_offset_s": int,  # local time zone offset at the start, for display
            "clock_synced": int,  # 1 when the system clock was synchronised at the start
            "ended_t_s": float,  # NULL while the run is open
            "end_reason": str,  # stopped | inactivity | interrupted | end_of_replay
            "source": str,  # live | replay:<file name>
            "device": str,  # logger host and version
            "footpod_address": str,
            "footpod_name": str,
            "footpod_feature": int,  # RSC Feature bit field (0x2A54)
            "footpod_location": int,  # Sensor Location (0x2A5D)
            "cadence_convention": str,  # auto | steps | strides
        },
        pk="id",
        not_null={"started_at", "clock_synced", "source"},
    )
    db.table("symptom_events").create(
        {
            "id": int,
            "run_id": int,
            "t_s": float,
            "kind": str,
            "episode": int,  # 1, 2, ... within the run; NULL for an ignored hold
            "severity": int,  # 1 at onset, +1 per "worse"
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
        not_null={"run_id", "t_s", "kind"},
    )
    db.table("footpod_samples").create(
        {
            "id": int,
            "run_id": int,
            "t_s": float,  # arrival time of the notification
            "raw": bytes,  # the notification exactly as received
            "speed_mps": float,
            "cadence_raw": int,  # as the pod sent it
            "cadence_spm": float,  # normalised to steps per minute
            "stride_m": float,
            "pod_distance_m": float,  # the pod's own total, when sent
            "distance_m": float,  # run distance: rebased, never backwards
            "running": int,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
        not_null={"run_id", "t_s", "raw"},
    )
    db.table("rejected_packets").create(
        {"id": int, "run_id": int, "t_s": float, "raw": bytes, "error": str},
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("link_events").create(
        {"id": int, "run_id": int, "t_s": float, "state": str, "address": str},
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
        not_null={"run_id", "t_s", "state"},
    )
    db.table("annotations").create(
        {
            "run_id": int,
            "episode": int,
            "location": str,
            "side": str,
            "shoes": str,
            "lacing": str,
            "note": str,
            "rest_or_night": int,
            "weakness": int,
            "cold_or_pale": int,
            "sudden_pain": int,
            "updated_at": str,
        },
        pk=("run_id", "episode"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("run_corrections").create(
        {"run_id": int, "started_at": str, "updated_at": str},
        pk="run_id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    for table in ("symptom_events", "footpod_samples", "link_events", "rejected_packets"):
        db.table(table).create_index(["run_id", "t_s"])


def _m_doctor_database_identity(db: sqlite_utils.Database) -> None:
    """One random id per database, made once: the FHIR export's resource ids are derived
    from it, so two runners' (or two loggers') documents never share an id, while one
    database exports the same ids every time."""
    db.table("database_identity").create({"id": int, "uuid": str, "created_at": str}, pk="id", not_null={"uuid"})
    db.execute("INSERT INTO database_identity (id, uuid, created_at) VALUES (1, ?, ?)", (str(uuid.uuid4()), _now()))


def _m_doctor_run_setups(db: sqlite_utils.Database) -> None:
    """What the runner wore on a run (shoes, lacing, orthotics, a note), for the shoe and
    lacing experiment; written by the dashboard like annotations, one row per run."""
    db.table("run_setups").create(
        {"run_id": int, "shoes": str, "lacing": str, "orthotics": str, "note": str, "updated_at": str},
        pk="run_id",
        foreign_keys=[("run_id", "runs", "id")],
        not_null={"updated_at"},
    )


def _m_doctor_claudication_questionnaire(db: sqlite_utils.Database) -> None:
    """The runner's answers to the Edinburgh Claudication Questionnaire; each answering is
    kept (answered again when things change), the newest is shown."""
    db.table("claudication_answers").create(
        {
            "id": int,
            "answered_at": str,  # UTC ISO-8601
            "pain_when_walking": str,  # yes | no | unable_to_walk
            "begins_at_rest": str,  # yes | no
            "uphill_or_hurrying": str,  # yes | no
            "ordinary_pace_level": str,  # yes | no
            "when_standing_still": str,  # continues_over_10_min | gone_within_10_min
            "where": str,  # comma-separated places of the leg diagram
        },
        pk="id",
        not_null={"answered_at"},
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _sdcard_notices(db: sqlite_utils.Database) -> None:
    """What the logger had to do about the SD card (a damaged database set aside, a
    journal replayed), shown as a banner until resolved (device.durability.integrity)."""
    db.table("notices").create(
        {
            "id": int,
            "created_at": str,  # UTC ISO-8601
            "kind": str,  # database_set_aside | journal_unreadable
            "path": str,  # the file the notice is about (absolute)
            "message": str,
            "resolved_at": str,  # NULL until footnote recover has salvaged the file
        },
        pk="id",
        not_null={"created_at", "kind", "message"},
    )


MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("001_initial", _m001_initial),
    ("doctor_1_database_identity", _m_doctor_database_identity),
    ("doctor_2_run_setups", _m_doctor_run_setups),
    ("doctor_3_claudication_questionnaire", _m_doctor_claudication_questionnaire),
    ("sdcard_notices", _sdcard_notices),
]


BOOKKEEPING_TABLE = "_migrations"
# Made together by the first migration: a file that has them is footnote's.
FOOTNOTE_TABLES = frozenset({"runs", "symptom_events", "footpod_samples"})
Ownership = Literal["footnote", "blank", "foreign"]


def ownership(conn: sqlite3.Connection) -> Ownership:
    """Whose database this is: the one rule every command asks.

    "footnote": it has footnote's tables. "blank": no tables at all, or nothing but
    footnote's own bookkeeping (a creation cut short by a power cut or a kill): it is
    completed, never refused. "foreign": anything else (another program's database, which
    is never written to). Raises sqlite3.DatabaseError for a file SQLite cannot read."""
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables >= FOOTNOTE_TABLES:
        return "footnote"
    if not tables:
        return "blank"
    if tables == {BOOKKEEPING_TABLE}:
        try:
            names = {name for (name,) in conn.execute(f"SELECT name FROM {BOOKKEEPING_TABLE}")}
        except sqlite3.OperationalError:  # another program's table of that name
            return "foreign"
        if names <= {name for name, _ in MIGRATIONS}:
            return "blank"
    return "foreign"


def pending_migrations(conn: sqlite3.Connection) -> list[str]:
    """The migrations this database has not seen (read only: a reader may ask)."""
    done = (
        {name for (name,) in conn.execute(f"SELECT name FROM {BOOKKEEPING_TABLE}")}
        if has_table(conn, BOOKKEEPING_TABLE)
        else set()
    )
    return [name for name, _ in MIGRATIONS if name not in done]


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply the migrations this database has not seen; return their names.

    One transaction holds them all with their bookkeeping (the `_migrations` table
    included): all or nothing, so a kill or a power cut at any moment leaves either the
    database as it was or the database brought up to date, never a half (and each page is
    written to the WAL once: one commit per migration left ~20 KB more WAL for each,
    enough to fill a nearly full card before the first run). Nothing is written when
    nothing is pending. sqlite-utils (which pulls in numpy when it is installed, ~25 MB)
    is imported only when there is something to migrate, so an up-to-date logger starts
    lean; inside a transaction it uses savepoints, never a commit of its own.
    """
    if not pending_migrations(conn):
        return []
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    conn.execute("BEGIN IMMEDIATE")  # the write lock first: another writer may be migrating too
    try:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {BOOKKEEPING_TABLE} (name TEXT PRIMARY KEY, applied_at TEXT)")
        applied = pending_migrations(conn)  # asked again under the lock
        steps = dict(MIGRATIONS)
        for name in applied:
            steps[name](db)
            conn.execute(f"INSERT INTO {BOOKKEEPING_TABLE} (name, applied_at) VALUES (?, ?)", (name, _now()))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return applied


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    """Whether the database has this table yet (a read-only reader cannot migrate)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None

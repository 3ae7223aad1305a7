"""The one place that defines footnote's database: tables, migrations, connection settings.

Time base: every `t_s` column is seconds on the logger's monotonic clock since its run
started; `runs.started_at` is the wall clock (UTC, ISO-8601) at that instant, and
`runs.clock_synced` says whether the system clock was synchronised then (a Pi without
network has no real-time clock, so an unsynchronised start may be off by days).

Schema changes are appended to MIGRATIONS and recorded in the `_migrations` table of the
database itself, so an old database is brought up to date when it is opened.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

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


def _sdcard_notices(db: sqlite_utils.Database) -> None:
    """What the logger had to do about the SD card (a damaged database set aside, a
    journal replayed), shown as a banner until resolved (device.integrity)."""
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
    ("sdcard_notices", _sdcard_notices),
]


def connect(path: str | Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection with footnote's settings.

    Writers get WAL (readers never block the logger), synchronous=FULL (every commit is
    fsync'd before it returns: a press is on disk before its feedback) and a busy timeout
    so the dashboard's short annotation writes wait rather than fail. Readers open the
    file read-only through a URI, so the dashboard cannot change run data by mistake.
    """
    if read_only:
        conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def applied_migrations(conn: sqlite3.Connection) -> set[str]:
    conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    return {name for (name,) in conn.execute("SELECT name FROM _migrations")}


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply the migrations this database has not seen; return their names.

    sqlite-utils (which pulls in numpy when it is installed, ~25 MB) is imported only
    when there is something to migrate, so an up-to-date logger starts lean.
    """
    done = applied_migrations(conn)
    pending = [(name, step) for name, step in MIGRATIONS if name not in done]
    if not pending:
        return []
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    applied = []
    for name, step in pending:
        with conn:
            step(db)
            db.table("_migrations").insert({"name": name, "applied_at": datetime.now(UTC).isoformat()})
        applied.append(name)
    return applied


def open_db(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) a writable, migrated database.

    Raises DamagedDatabase, naming the file and `footnote recover`, for a damaged file
    or another program's database (which is never migrated into: it stays byte for byte);
    sqlite3.OperationalError for a card that is full, read-only or missing."""
    from footnote.device.integrity import advice, damaged

    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from footnote.device.errors import StoreError

        raise StoreError(f"could not create the folder {Path(path).parent}: {exc.strerror or exc}") from None
    if Path(path).exists() and Path(path).stat().st_size > 0:
        # Looked at read-only first: turning on WAL would already change a foreign file.
        probe = connect(path, read_only=True)
        try:
            tables = {name for (name,) in probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as exc:
            raise damaged(path, exc) from None
        finally:
            probe.close()
        if tables and "runs" not in tables:
            from footnote.device.errors import DamagedDatabase

            raise DamagedDatabase(
                advice(path, "a database of another program: it holds no footnote runs", foreign=True)
            )
    conn = connect(path)
    try:
        migrate(conn)
    except sqlite3.OperationalError:
        conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise damaged(path, exc) from None
    return conn

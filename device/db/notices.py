"""The notices table: what the logger had to do about the SD card (a damaged database set
aside, a journal that could not be read), shown by the dashboard as a banner and by
`footnote check` until `footnote recover` has salvaged the file (device.durability)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from footnote.device.db.tables import NOTICES

_SHOWN = NOTICES.pick("id", "created_at", "kind", "path", "message")


@dataclass(frozen=True, slots=True)
class Notice:
    id: int
    created_at: str
    kind: str  # database_set_aside | journal_unreadable
    path: str  # the file the notice is about
    message: str


def add_notice(conn: sqlite3.Connection, *, kind: str, path: str | Path, message: str) -> None:
    with conn:
        conn.execute(
            NOTICES.insert_sql(NOTICES.pick("created_at", "kind", "path", "message")),
            {"created_at": _now(), "kind": kind, "path": str(path), "message": message},
        )


def open_notices(conn: sqlite3.Connection) -> list[Notice]:
    """Notices not yet resolved, oldest first ([] for a database from before notices)."""
    try:
        found = conn.execute(NOTICES.select_sql(_SHOWN) + " WHERE resolved_at IS NULL ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return []
    return [Notice(*row) for row in found]


def resolve_notices(conn: sqlite3.Connection, path: str | Path) -> int:
    """Mark the notices about `path` resolved (after `footnote recover PATH`)."""
    with conn:
        cursor = conn.execute(
            "UPDATE notices SET resolved_at = ? WHERE resolved_at IS NULL AND path = ?",
            (_now(), str(Path(path).resolve())),
        )
    return cursor.rowcount


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")

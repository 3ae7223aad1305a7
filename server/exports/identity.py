"""The database's own random id (made once by the migration `doctor_1_database_identity`).

FHIR resource ids are derived from it, so they are unique across databases and runners
and stable for one database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from footnote.device.db import schema
from footnote.device.db.connect import connect


def database_uuid(conn: sqlite3.Connection, db_path: str | Path) -> str:
    """The id, read on `conn` (read-only is fine). A database not opened by a logger since
    the migration was added is migrated once on a short writable connection, the way the
    dashboard writes annotations."""
    if schema.has_table(conn, "database_identity"):
        row = conn.execute("SELECT uuid FROM database_identity WHERE id = 1").fetchone()
        if row is not None:
            return str(row[0])
    writer = connect(db_path)
    try:
        schema.migrate(writer)
        return str(writer.execute("SELECT uuid FROM database_identity WHERE id = 1").fetchone()[0])
    finally:
        writer.close()

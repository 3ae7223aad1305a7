"""footnote's database: its migrations and whose a database file is (ownership). The
tables themselves are declared in device.db.tables; opening a database is
device.db.connect's.

Schema changes are appended to MIGRATIONS and recorded in the `_migrations` table of the
database itself. Migrations are historical: each makes what it made when it was written,
from the declarations (a column added later is declared with the migration that adds it,
see device.db.tables). Who migrates: the logger (`footnote log`, through
connect.open_writer), the commands that write runs into the file (`footnote replay`,
`demo`, `recover`, `check`), and `footnote serve` once at its start, before it serves
(connect.bring_up_to_date). Nothing a dashboard request or an export does migrates: a
save to a database older than its table is refused (device.db.dashboard_writes).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from footnote.device.db import tables
from footnote.device.db.tables import LINK_STATES, SYMPTOM_KINDS, Table

__all__ = ["LINK_STATES", "MIGRATIONS", "SYMPTOM_KINDS", "add_columns", "migrate", "ownership", "pending_migrations"]

Migration = Callable[[sqlite3.Connection], None]


def create(conn: sqlite3.Connection, *made: Table) -> None:
    """Make these tables as their creating migration made them (columns added later are
    left to their own migration), with their indexes. sqlite-utils writes the DDL from the
    declarations; it is imported only when a migration is due, so an up-to-date logger
    starts lean, and inside the migration's transaction it uses savepoints, never a commit
    of its own."""
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    for table in made:
        first = [c for c in table.columns if c.added_by is None]
        db.create_table(
            table.name,
            {c.name: c.type for c in first},
            pk=table.pk[0] if len(table.pk) == 1 else table.pk,
            not_null={c.name for c in first if c.not_null},
            foreign_keys=[(c.name, c.references, "id") for c in first if c.references],
        )
        for index in table.indexes:
            db.table(table.name).create_index(list(index))


def add_columns(conn: sqlite3.Connection, table: Table, migration: str) -> None:
    """The columns `migration` added to an existing table (declared with added_by)."""
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    for column in table.columns:
        if column.added_by == migration:
            db.table(table.name).add_column(
                column.name, column.type, fk=column.references, fk_col="id" if column.references else None
            )


def _m001_initial(conn: sqlite3.Connection) -> None:
    create(
        conn,
        tables.RUNS,
        tables.SYMPTOM_EVENTS,
        tables.FOOTPOD_SAMPLES,
        tables.REJECTED_PACKETS,
        tables.LINK_EVENTS,
        tables.ANNOTATIONS,
        tables.RUN_CORRECTIONS,
    )


def _m_doctor_database_identity(conn: sqlite3.Connection) -> None:
    """One random id per database, made once: the FHIR export's resource ids are derived
    from it, so two runners' (or two loggers') documents never share an id, while one
    database exports the same ids every time."""
    create(conn, tables.DATABASE_IDENTITY)
    conn.execute(
        tables.DATABASE_IDENTITY.insert_sql(("id", "uuid", "created_at")),
        {"id": 1, "uuid": str(uuid.uuid4()), "created_at": _now()},
    )


def _m_doctor_run_setups(conn: sqlite3.Connection) -> None:
    """What the runner wore on a run (shoes, lacing, orthotics, a note), for the shoe and
    lacing experiment; written by the dashboard like annotations, one row per run."""
    create(conn, tables.RUN_SETUPS)


def _m_doctor_claudication_questionnaire(conn: sqlite3.Connection) -> None:
    """The runner's answers to the Edinburgh Claudication Questionnaire; each answering is
    kept (answered again when things change), the newest is shown."""
    create(conn, tables.CLAUDICATION_ANSWERS)


def _m_setup_worn_on_the_run(conn: sqlite3.Connection) -> None:
    """What was worn is entered once, on the run: the shoes and lacing of older annotations
    become their run's setup (issue 21), so /setups and the exports see them. A run's own
    setup keeps its values; what an episode said differently is kept in the setup's note
    ("From the episode notes: episode 2: shoes ..."), so no entry is lost. The annotation
    columns are emptied (nothing writes them any more)."""
    said = conn.execute(
        f"SELECT run_id, episode, shoes, lacing FROM {tables.ANNOTATIONS.name}"
        " WHERE coalesce(shoes, '') != '' OR coalesce(lacing, '') != '' ORDER BY run_id, episode"
    ).fetchall()
    by_run: dict[int, list[tuple[int, dict[str, str | None]]]] = {}
    for run_id, episode, shoes, lacing in said:
        by_run.setdefault(run_id, []).append((episode, {"shoes": shoes or None, "lacing": lacing or None}))
    select = tables.RUN_SETUPS.select_sql(tables.SETUP_FIELDS) + " WHERE run_id = ?"
    for run_id, episodes in by_run.items():
        found = conn.execute(select, (run_id,)).fetchone()
        setup = dict(zip(tables.SETUP_FIELDS, found or (None,) * len(tables.SETUP_FIELDS), strict=True))
        for field in tables.WORN_FIELDS:  # an empty field of the setup takes the first episode's
            setup[field] = setup[field] or next((worn[field] for _, worn in episodes if worn[field]), None)
        others = [
            f"episode {episode}: {field} {worn[field]}"
            for episode, worn in episodes
            for field in tables.WORN_FIELDS
            if worn[field] and worn[field] != setup[field]
        ]
        if others:
            kept = "From the episode notes: " + "; ".join(others) + "."
            setup["note"] = f"{setup['note']} {kept}" if setup["note"] else kept
        conn.execute(
            tables.RUN_SETUPS.insert_sql(conflict="REPLACE"), {"run_id": run_id, **setup, "updated_at": _now()}
        )
    conn.execute(f"UPDATE {tables.ANNOTATIONS.name} SET shoes = NULL, lacing = NULL")


def _sdcard_notices(conn: sqlite3.Connection) -> None:
    """What the logger had to do about the SD card (a damaged database set aside, a
    journal replayed), shown as a banner until resolved (device.durability.integrity)."""
    create(conn, tables.NOTICES)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _sensors_1_heart_rate(conn: sqlite3.Connection) -> None:
    """The heart-rate strap (issue 24): every Heart Rate Measurement as received, decoded
    (bpm NULL when it is no heart rate), its link events apart from the pod's, and the
    strap a run used. Batched and committed like footpod samples, guarded by the journal."""
    create(conn, tables.HEART_RATE_SAMPLES, tables.STRAP_LINK_EVENTS)
    add_columns(conn, tables.RUNS, "sensors_1_heart_rate")


def _sensors_2_watch_files(conn: sqlite3.Connection) -> None:
    """The watch's own recording of a run (issue 24): the original file once (by its
    SHA-256), its records, and the runs it is attached to with how it was aligned."""
    create(conn, tables.WATCH_FILES, tables.WATCH_RECORDS, tables.WATCH_ATTACHMENTS)


MIGRATIONS: list[tuple[str, Migration]] = [
    ("001_initial", _m001_initial),
    ("doctor_1_database_identity", _m_doctor_database_identity),
    ("doctor_2_run_setups", _m_doctor_run_setups),
    ("doctor_3_claudication_questionnaire", _m_doctor_claudication_questionnaire),
    ("sdcard_notices", _sdcard_notices),
    ("sensors_1_heart_rate", _sensors_1_heart_rate),
    ("sensors_2_watch_files", _sensors_2_watch_files),
    # (named so the names sort in the order they were added, as _migrations lists them)
    ("setup_1_worn_on_the_run", _m_setup_worn_on_the_run),
]


BOOKKEEPING_TABLE = tables.MIGRATIONS_DONE.name
# Made together by the first migration: a file that has them is footnote's.
FOOTNOTE_TABLES = frozenset({tables.RUNS.name, tables.SYMPTOM_EVENTS.name, tables.FOOTPOD_SAMPLES.name})
Ownership = Literal["footnote", "blank", "foreign"]


def table_names(conn: sqlite3.Connection) -> set[str]:
    """The tables the database holds (read only)."""
    return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def ownership(conn: sqlite3.Connection) -> Ownership:
    """Whose database this is: the one rule every command asks.

    "footnote": it has footnote's tables. "blank": no tables at all, or nothing but
    footnote's own bookkeeping (a creation cut short by a power cut or a kill): it is
    completed, never refused. "foreign": anything else (another program's database, which
    is never written to). Raises sqlite3.DatabaseError for a file SQLite cannot read."""
    found = table_names(conn)
    if found >= FOOTNOTE_TABLES:
        return "footnote"
    if not found:
        return "blank"
    if found == {BOOKKEEPING_TABLE}:
        try:
            names = _applied(conn)
        except sqlite3.OperationalError:  # another program's table of that name
            return "foreign"
        if names <= {name for name, _ in MIGRATIONS}:
            return "blank"
    return "foreign"


def _applied(conn: sqlite3.Connection) -> set[str]:
    return {name for (name,) in conn.execute(tables.MIGRATIONS_DONE.select_sql(("name",)))}


def pending_migrations(conn: sqlite3.Connection) -> list[str]:
    """The migrations this database has not seen (read only: a reader may ask)."""
    done = _applied(conn) if has_table(conn, BOOKKEEPING_TABLE) else set()
    return [name for name, _ in MIGRATIONS if name not in done]


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply the migrations this database has not seen; return their names.

    One transaction holds them all with their bookkeeping (the `_migrations` table
    included): all or nothing, so a kill or a power cut at any moment leaves either the
    database as it was or the database brought up to date, never a half (and each page is
    written to the WAL once: one commit per migration left ~20 KB more WAL for each,
    enough to fill a nearly full card before the first run). Nothing is written when
    nothing is pending. For the logger, the commands that write runs and `footnote serve`
    at its start (see the module's docstring), never for a request.
    """
    if not pending_migrations(conn):
        return []
    conn.execute("BEGIN IMMEDIATE")  # the write lock first: another writer may be migrating too
    try:
        conn.execute(tables.MIGRATIONS_DONE.create_sql(if_not_exists=True))
        applied = pending_migrations(conn)  # asked again under the lock
        steps = dict(MIGRATIONS)
        for name in applied:
            steps[name](conn)
            conn.execute(tables.MIGRATIONS_DONE.insert_sql(), {"name": name, "applied_at": _now()})
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return applied


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    """Whether the database has this table yet (a read-only reader cannot migrate)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None

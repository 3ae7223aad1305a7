"""Opening footnote's database: one way to open a writer, one to open a reader, and the
one line every command prints when a file is not a usable footnote database.

`open_writer` creates (or completes, or upgrades) the database and is for the logger and
the commands that write runs into the file (replay, demo, recover, check); `open_reader`
never changes anything (`mode=ro`) and is for the dashboard, the exports and `footnote
analyze`. Both ask `schema.ownership` first, so another program's database is never
written to. `bring_up_to_date` is `footnote serve`'s, once at its start; the dashboard's
saves open their own short connections (device.db.dashboard_writes) and never migrate.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from footnote.device.db import schema
from footnote.device.errors import DamagedDatabase, NoDatabase, StoreError


def connect(path: str | Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection with footnote's settings.

    Writers get WAL (readers never block the logger), synchronous=FULL (every commit is
    fsync'd before it returns: a press is on disk before its feedback) and a busy timeout
    so the dashboard's short saves wait rather than fail. Readers open the
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


def open_writer(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) a writable, migrated database.

    Raises DamagedDatabase, naming the file and `footnote recover`, for a damaged file
    or another program's database (which is never migrated into: it stays byte for byte);
    sqlite3.OperationalError for a card that is full, read-only or missing."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"could not create the folder {Path(path).parent}: {exc.strerror or exc}") from None
    if Path(path).exists() and Path(path).stat().st_size > 0:
        # Looked at read-only first: turning on WAL would already change a foreign file.
        try:
            owner = _ownership(path)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_READONLY_ROLLBACK:
                raise
            owner = _ownership_once_rolled_back(path)
        except sqlite3.DatabaseError as exc:
            raise damaged(path, exc) from None
        if owner == "foreign":
            raise DamagedDatabase(
                advice(path, "a database of another program: it holds no footnote runs", foreign=True)
            )
    conn = connect(path)
    try:
        schema.migrate(conn)
    except sqlite3.OperationalError:
        conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise damaged(path, exc) from None
    return conn


def _ownership(path: str | Path) -> schema.Ownership:
    probe = connect(path, read_only=True)
    try:
        return schema.ownership(probe)
    finally:
        probe.close()


def _ownership_once_rolled_back(path: str | Path) -> schema.Ownership:
    """Whose database a file with a hot rollback journal is: a transaction cut short by a
    power cut or a kill (for footnote: SQLite's switch of a new file to WAL, at the first
    start), which only a writer can roll back. Asked of a copy, rolled back there, so a
    foreign file is still never written to; footnote's own is then rolled back for real
    by the writer that opens it (SQLite's own recovery: its last commit is kept)."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / Path(path).name
        shutil.copyfile(path, copy)
        shutil.copyfile(f"{path}-journal", f"{copy}-journal")
        conn = sqlite3.connect(copy)
        try:
            return schema.ownership(conn)
        finally:
            conn.close()


def open_reader(path: str | Path) -> sqlite3.Connection:
    """The one way to read footnote's database: a read-only connection; NoDatabase when
    there is no file, DamagedDatabase (one line naming the file and footnote recover) when
    it is damaged or another program's.

    sqlite opens lazily, so a file of random bytes or another program's database would
    only fail at the first query, with a traceback; this asks first."""
    if not Path(path).exists():
        raise NoDatabase(f"no footnote database at {path}: record a run (footnote log) or try footnote demo")
    conn = connect(path, read_only=True)
    try:
        owner = schema.ownership(conn)
    except sqlite3.OperationalError:
        conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise damaged(path, exc) from None
    if owner == "foreign":
        conn.close()
        raise DamagedDatabase(advice(path, "it holds no footnote runs: a database of another program?", foreign=True))
    if owner == "blank":
        # A database being created (or whose creation was cut short): no runs yet. Its
        # tables are the logger's to make; a reader sees an empty footnote database.
        conn.close()
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        schema.migrate(conn)
    return conn


def bring_up_to_date(path: str | Path) -> list[str]:
    """Apply the migrations a footnote database has not seen, once, before anything reads
    it: for `footnote serve` at its start, so the dashboard's saves find every table. A
    missing, blank, damaged or foreign file is left as it is (the logger creates and
    completes footnote's; nobody writes into another program's): the dashboard then says
    what is wrong. Returns the migrations applied; raises sqlite3.OperationalError when
    the file cannot be written (a read-only card, the logger holding the lock too long)."""
    if not Path(path).is_file():
        return []
    probe = connect(path, read_only=True)
    try:
        usable = schema.ownership(probe) == "footnote" and bool(schema.pending_migrations(probe))
    except sqlite3.DatabaseError:
        usable = False  # damaged: the dashboard answers with footnote recover
    finally:
        probe.close()
    if not usable:
        return []
    conn = connect(path)
    try:
        return schema.migrate(conn)
    finally:
        conn.close()


def advice(path: str | Path, detail: str, *, foreign: bool = False) -> str:
    """The one line every command prints for a damaged or foreign database file."""
    if foreign:
        return (
            f"{path} is not a footnote database ({detail}); it was not changed. "
            "Point --db (or logger.db in the config) at footnote's own database"
        )
    return (
        f"{path} is not a usable footnote database ({detail}); it was not changed. "
        f"Salvage its runs with: footnote recover {path}"
    )


def damaged(path: str | Path, exc: BaseException) -> DamagedDatabase:
    return DamagedDatabase(advice(path, str(exc) or type(exc).__name__))

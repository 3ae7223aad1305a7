"""Is the database file whole, and footnote's? What happens when it is not.

At start the logger asks `examine(path)`: a bounded `PRAGMA quick_check` plus a look at
what tables the file holds. A damaged file, or another program's database, is never
written to. Another program's database stays where it is (the logger journals); a
damaged one is renamed aside: `set_aside(path)` renames it (with its -wal and -shm) beside itself with the
date, byte for byte, and a fresh database is started with a notice (device.db.notices)
that the dashboard shows as a banner and `footnote check` prints until `footnote
recover` has salvaged the file.

Every command opens the database through `open_reader` (readers) or catches
`sqlite3.DatabaseError` in the CLI, so a damaged file is one line naming the file and
`footnote recover`, never a traceback.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from footnote.device.db import schema
from footnote.device.paths import sync_folder

logger = logging.getLogger(__name__)

QUICK_CHECK_S = 5.0  # a check that runs longer than this is taken as passed: the button must answer
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True, slots=True)
class Health:
    """What `examine` found. `state` is one of: missing, empty (a new or blank SQLite
    file: fine to use), ok, damaged, not_sqlite, foreign (a whole SQLite database of
    another program), unreadable (an OS error: permissions, I/O)."""

    state: str
    detail: str

    @property
    def usable(self) -> bool:
        return self.state in ("missing", "empty", "ok")

    @property
    def set_aside_needed(self) -> bool:
        """Damaged files are renamed aside; another program's database is left where it
        is, untouched (that program may need it), and the logger journals instead."""
        return self.state in ("damaged", "not_sqlite")


def examine(path: str | Path, *, timeout_s: float = QUICK_CHECK_S) -> Health:
    """Look at the file without changing it: read-only, and never recovering a WAL
    (`immutable` is not used either, so a live WAL is still seen)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(100)
    except FileNotFoundError:
        return Health("missing", "no file yet")
    except OSError as exc:
        return Health("unreadable", f"{exc.strerror or exc}")
    if not head:
        return Health("empty", "an empty file")
    if not head.startswith(SQLITE_MAGIC):
        return Health("not_sqlite", "not an SQLite database")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return Health("unreadable", str(exc))
    deadline = time.monotonic() + timeout_s
    timed_out = [False]

    def past_deadline() -> int:
        if time.monotonic() > deadline:
            timed_out[0] = True
            return 1  # non-zero interrupts the statement
        return 0

    try:
        owner = schema.ownership(conn)
        tables = schema.table_names(conn)
        conn.set_progress_handler(past_deadline, 1000)
        try:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
        except sqlite3.OperationalError:
            if not timed_out[0]:
                raise
            logger.warning("quick_check of %s took over %.0f s: taken as passed", path, timeout_s)
            problems = ["ok"]
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "readonly" in str(exc) or "unable to open" in str(exc):
            return Health("unreadable", str(exc))
        return Health("damaged", str(exc))
    except sqlite3.DatabaseError as exc:
        return Health("damaged", str(exc))
    finally:
        conn.close()
    if problems != ["ok"]:
        return Health("damaged", "quick_check: " + "; ".join(problems)[:300])
    if owner == "blank":
        return Health("empty", "an SQLite database with no footnote tables yet")
    if owner == "foreign":
        return Health("foreign", "a database of another program (tables: " + ", ".join(sorted(tables)[:5]) + ")")
    return Health("ok", "quick_check passed")


def aside_name(path: Path, when: datetime) -> Path:
    """footnote.db -> footnote.damaged-20261124T162051.db (never an existing name)."""
    stem = f"{path.stem}.damaged-{when:%Y%m%dT%H%M%S}"
    candidate = path.with_name(stem + path.suffix)
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{stem}-{n}{path.suffix}")
        n += 1
    return candidate


def set_aside(path: str | Path, *, when: datetime | None = None) -> Path:
    """Rename a damaged database (and its -wal and -shm) beside itself with the date; return
    the new name. Renaming keeps every byte and cannot fail half-way through a copy.
    Raises OSError if the folder cannot be written (the caller then journals)."""
    path = Path(path)
    target = aside_name(path, when or datetime.now(UTC))
    os.rename(path, target)
    for suffix in ("-wal", "-shm"):
        extra = Path(f"{path}{suffix}")
        if extra.exists():
            os.rename(extra, Path(f"{target}{suffix}"))
    sync_folder(path.parent)
    logger.error("database %s was damaged (%s): kept as %s", path, "set aside", target)
    return target


def set_aside_message(original: Path, aside: Path, health: Health) -> str:
    return (
        f"The database {original} was damaged ({health.detail}). It was kept as {aside} and a fresh database "
        f"was started. Salvage its runs with: footnote recover {aside}"
    )

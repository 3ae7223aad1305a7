"""Analyses kept between starts: each closed run's `RunAnalysis` (the analysis's public
result, what PageData and the exports use) stored in a SQLite file of the dashboard's
own beside the database (`footnote.db` -> `footnote.analysis-cache.db`), because the
dashboard opens run data read-only.

The result holds decisions only (codes and numbers: server.analysis.results); the
sentences are written where they are shown (server.words), so a changed sentence is
never served stale. An entry is used only when its key matches the run as it is now. The
key is a digest of everything the result depends on: ANALYSIS_VERSION, the shape of the
result's classes and the value of every threshold (server.analysis.thresholds, which
holds the logger's too); and what the database owner reads for it
(device.db.reader.analysis_key_rows, built from the table declarations): the run's row
(every column) and its corrected start; its footpod samples (first and last t_s: the
logger only appends, in time order, to an open run); its symptom and link events (count,
last id, sum of t_s); its annotations (every field the runner fills in). A run still open
is never kept. A new column of those tables is in the key by itself; a new input to
`analyze_run` from another table must be added to analysis_key_rows (and
ANALYSIS_VERSION bumped when the analysis changes).

Never trusted: a file SQLite cannot read is deleted and started again; an entry whose
digest does not match its bytes, or that does not unpickle to a RunAnalysis of the
expected run through a loader that accepts only the analysis's own classes and
datetimes, is recomputed and overwritten; a file written by another ANALYSIS_VERSION is
emptied. Two dashboards on one database share the file safely (SQLite's WAL locking, a
busy timeout; each entry is one self-contained row). When the file cannot be written at
all (a read-only folder, a full disk) analyses are simply computed, as without a cache.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import io
import logging
import pickle
import sqlite3
import threading
import typing
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from footnote.device.db.reader import RunRow, analysis_key_rows, annotation_key_rows, load_run
from footnote.server.analysis import ANALYSIS_VERSION, RunAnalysis, analyze_run
from footnote.server.analysis import thresholds as th

logger = logging.getLogger(__name__)


def cache_path(db_path: str | Path) -> Path:
    """Where the analyses of the database at db_path are kept."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}.analysis-cache.db")


def _classes(root: type) -> dict[str, type]:
    """The classes a result is made of (dataclasses and enums), found through the type
    hints, by qualified name."""
    found: dict[str, type] = {}

    def walk(tp: object) -> None:
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            found[f"{tp.__module__}.{tp.__qualname__}"] = tp
        elif isinstance(tp, type) and dataclasses.is_dataclass(tp):
            name = f"{tp.__module__}.{tp.__qualname__}"
            if name in found:
                return
            found[name] = tp
            try:
                hints = typing.get_type_hints(tp)
            except Exception:  # a hint only a type checker can resolve: its fields' classes
                hints = {}  # are then not allowed, and such entries are recomputed
            for hint in hints.values():
                walk(hint)
        for arg in typing.get_args(tp):
            walk(arg)

    walk(root)
    return found


_RESULT_CLASSES = _classes(RunAnalysis)
# A result written by differently shaped classes never matches, even if nobody bumped
# ANALYSIS_VERSION.


def _shape(cls: type) -> str:
    """A class's fields (a dataclass) or members (an enum), as text."""
    if issubclass(cls, enum.Enum):
        return ",".join(f"{m.name}={m.value!r}" for m in cls)
    assert dataclasses.is_dataclass(cls)
    return ",".join(f"{f.name}:{f.type}" for f in dataclasses.fields(cls))


_SHAPE = ";".join(f"{name}({_shape(cls)})" for name, cls in sorted(_RESULT_CLASSES.items()))
# A changed threshold changes decisions: entries made with other values never match.
_THRESHOLDS = repr(sorted((name, value) for name, value in vars(th).items() if name.isupper()))


def run_keys(conn: sqlite3.Connection, run_id: int | None = None) -> dict[int, str | None]:
    """Each run's key (None for a run still open), for one run or all of them."""
    annotations: dict[int, list[tuple]] = {}
    for row in annotation_key_rows(conn, run_id):
        annotations.setdefault(row[0], []).append(row[1:])
    keys: dict[int, str | None] = {}
    for row in analysis_key_rows(conn, run_id):
        if row[1] is None:
            keys[row[0]] = None
            continue
        text = repr((ANALYSIS_VERSION, _SHAPE, _THRESHOLDS, row, annotations.get(row[0], [])))
        keys[row[0]] = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    return keys


class _AnalysisPickler(pickle.Pickler):
    """Writes an enum member as its class called with its value, the same on every Python:
    3.11.2 (Debian 12, Raspberry Pi OS bookworm) pickles a StrEnum member through
    `builtins.getattr`, which the loader below rightly refuses, so on the Pi's own Python
    no entry was ever used."""

    def reducer_override(self, obj: object) -> typing.Any:
        if isinstance(obj, enum.Enum):
            return type(obj), (obj.value,)
        return NotImplemented


def _dumps(ra: RunAnalysis) -> bytes:
    buffer = io.BytesIO()
    _AnalysisPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(ra)
    return buffer.getvalue()


class _AnalysisUnpickler(pickle.Unpickler):
    """Loads only the analysis's own result classes and datetimes: a tampered entry
    cannot make the loader call anything else."""

    _allowed: typing.ClassVar[dict[tuple[str, str], type]] = {
        **{(cls.__module__, cls.__qualname__): cls for cls in _RESULT_CLASSES.values()},
        ("datetime", "datetime"): datetime,
        ("datetime", "timezone"): timezone,
        ("datetime", "timedelta"): timedelta,
    }

    def find_class(self, module: str, name: str) -> typing.Any:
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of an analysis") from None


def _digest(key: str, blob: bytes) -> str:
    return hashlib.blake2b(key.encode() + b"\0" + blob, digest_size=16).hexdigest()


class AnalysisCache:
    """The cache file of one database. Thread-safe; close() when done."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._unusable = False

    def __enter__(self) -> AnalysisCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- the file ---------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=5, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            # A cache: a commit lost to a power cut costs a recomputation, nothing more.
            conn.execute("PRAGMA synchronous=NORMAL")
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("quick_check failed")
            with conn:
                conn.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS analyses (run_id INTEGER PRIMARY KEY, key TEXT NOT NULL,"
                    " digest TEXT NOT NULL, result BLOB NOT NULL)"
                )
                version = conn.execute("SELECT value FROM meta WHERE name = 'analysis_version'").fetchone()
                if version is None or version[0] != str(ANALYSIS_VERSION):
                    if version is not None:
                        logger.info("analysis cache %s is from analysis version %s: ignored", self.path, version[0])
                    conn.execute("DELETE FROM analyses")
                    conn.execute(
                        "INSERT OR REPLACE INTO meta (name, value) VALUES ('analysis_version', ?)",
                        (str(ANALYSIS_VERSION),),
                    )
        except BaseException:
            conn.close()
            raise
        return conn

    def _open(self) -> sqlite3.Connection | None:
        """The connection, opening (or rebuilding) the file on first use; None when there
        can be no cache file here."""
        if self._conn is not None or self._unusable:
            return self._conn
        try:
            self._conn = self._connect()
        except sqlite3.OperationalError as exc:  # read-only folder, full disk, locked too long
            logger.warning("no analysis cache at %s (%s): analyses are computed each start", self.path, exc)
            self._unusable = True
        except sqlite3.DatabaseError as exc:  # not a database, or damaged
            logger.warning("analysis cache %s is unreadable (%s): rebuilding it", self.path, exc)
            self._remove_file()
            try:
                self._conn = self._connect()
            except sqlite3.DatabaseError as again:
                logger.warning("no analysis cache at %s (%s)", self.path, again)
                self._unusable = True
        return self._conn

    def _remove_file(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _broken(self, exc: sqlite3.DatabaseError) -> None:
        """A read or write failed on an open file: drop it and start again next time."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if isinstance(exc, sqlite3.OperationalError):
            logger.warning("analysis cache %s: %s", self.path, exc)
            return
        logger.warning("analysis cache %s is damaged (%s): rebuilding it", self.path, exc)
        self._remove_file()

    # -- entries ------------------------------------------------------------------------------
    def get_many(self, keys: dict[int, str]) -> dict[int, RunAnalysis]:
        """The kept analyses whose key matches; anything else is left out (recompute it)."""
        if not keys:
            return {}
        with self._lock:
            conn = self._open()
            if conn is None:
                return {}
            try:
                if len(keys) == 1:
                    rows = conn.execute(
                        "SELECT run_id, key, digest, result FROM analyses WHERE run_id = ?", (next(iter(keys)),)
                    ).fetchall()
                else:
                    rows = conn.execute("SELECT run_id, key, digest, result FROM analyses").fetchall()
            except sqlite3.DatabaseError as exc:
                self._broken(exc)
                return {}
        found = {}
        for run_id, key, digest, blob in rows:
            if keys.get(run_id) != key:
                continue
            ra = self._load(run_id, key, digest, blob)
            if ra is not None:
                found[run_id] = ra
        return found

    def _load(self, run_id: int, key: str, digest: object, blob: object) -> RunAnalysis | None:
        try:
            if not isinstance(blob, bytes) or digest != _digest(key, blob):
                raise ValueError("its digest does not match")
            ra = _AnalysisUnpickler(io.BytesIO(blob)).load()
            if not isinstance(ra, RunAnalysis) or ra.run_id != run_id:
                raise ValueError("it is not this run's analysis")
        except Exception as exc:  # anything a damaged entry can raise: recompute it
            logger.warning("analysis cache %s: entry of run %s ignored (%s)", self.path, run_id, exc)
            return None
        return ra

    def put_many(self, items: Iterable[tuple[str, RunAnalysis]]) -> None:
        """Keep analyses, each with the key of the run it was computed from."""
        rows = []
        for key, ra in items:
            blob = _dumps(ra)
            rows.append((ra.run_id, key, _digest(key, blob), blob))
        if not rows:
            return
        with self._lock:
            conn = self._open()
            if conn is None:
                return
            try:
                with conn:
                    conn.executemany(
                        "INSERT OR REPLACE INTO analyses (run_id, key, digest, result) VALUES (?, ?, ?, ?)", rows
                    )
            except sqlite3.DatabaseError as exc:
                self._broken(exc)


def analyses_of(
    conn: sqlite3.Connection, rows: list[RunRow], cache: AnalysisCache, keys: dict[int, str | None] | None = None
) -> dict[int, RunAnalysis]:
    """Each row's analysis, from the cache file where its key matches, else computed
    (one run loaded at a time) and kept. `keys` as run_keys gives them, if known."""
    if keys is None:
        keys = run_keys(conn, rows[0].id if len(rows) == 1 else None)
    closed = {row.id: key for row in rows if (key := keys.get(row.id)) is not None}
    found = cache.get_many(closed)
    computed = []
    for row in rows:
        if row.id not in found:
            found[row.id] = analyze_run(load_run(conn, row.id, row))
            if row.id in closed:
                computed.append((closed[row.id], found[row.id]))
    cache.put_many(computed)
    return found

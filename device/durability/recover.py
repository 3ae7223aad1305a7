"""`footnote recover DAMAGED.db`: salvage what a damaged database still holds and merge
its runs into the current one.

The damaged file is only ever read, through a copy. SQLite's own recovery reads it (the
`sqlite3` command's `.recover`, Debian package sqlite3): every page that is still a page
gives back its rows, and rows whose table is lost land in `lost_and_found`, from where
they are put back by their shape (a footpod sample has 11 fields and raw bytes; a symptom
event 6 fields and a kind). Without the `sqlite3` command, each table is read row by row
from both ends, which brings back less.

A recovered run is merged when the current database has no run with the same start and
source, so recovering twice (or a run the journal already restored) adds nothing twice.
Rows whose run record was lost cannot be placed in time and are counted, not merged.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from footnote.device.db.connect import open_writer
from footnote.device.db.notices import resolve_notices
from footnote.device.db.store import end_run, find_run, last_moment
from footnote.device.db.tables import (
    ANNOTATIONS,
    FOOTPOD_SAMPLES,
    HEART_RATE_SAMPLES,
    LINK_EVENTS,
    LINK_STATES,
    REJECTED_PACKETS,
    RUN_CHILD_TABLES,
    RUN_CORRECTIONS,
    RUNS,
    STRAP_LINK_EVENTS,
    SYMPTOM_EVENTS,
    SYMPTOM_KINDS,
    Table,
)
from footnote.device.durability.sqlite_pages import leaf_rows
from footnote.device.errors import FootnoteError

logger = logging.getLogger(__name__)

RECOVER_TIMEOUT_S = 600
CHILD_TABLES = tuple(t.name for t in RUN_CHILD_TABLES)
RUN_TABLES = (ANNOTATIONS.name, RUN_CORRECTIONS.name)  # keyed by run_id, no id of their own
SALVAGED: dict[str, Table] = {t.name: t for t in (RUNS, *RUN_CHILD_TABLES, ANNOTATIONS, RUN_CORRECTIONS)}
# Columns each table takes from a salvaged row (the declarations' own: the id is given anew).
COLUMNS = {name: table.given for name, table in SALVAGED.items()}


class RecoveryFailed(FootnoteError, OSError):
    """The damaged file could not be read at all, or recovery was asked of the current
    database itself."""


@dataclass
class Recovered:
    """What came back from one damaged file."""

    method: str  # which readers found rows: "sqlite3 .recover", "table by table", "page by page"
    runs: int = 0
    already_there: int = 0
    events: int = 0
    samples: int = 0
    links: int = 0
    unplaced: int = 0  # rows whose run record was lost, or that were garbled
    run_ids: list[int] = field(default_factory=list)

    def line(self, path: Path) -> str:
        parts = [
            f"recovered from {path} ({self.method}): {self.runs} runs, {self.events} events, {self.samples} samples"
        ]
        if self.already_there:
            parts.append(f"{self.already_there} runs were already in the database")
        if self.unplaced:
            parts.append(f"{self.unplaced} rows could not be placed (their run record was lost)")
        return "; ".join(parts)


# -- salvage -----------------------------------------------------------------------------------

Rows = dict[str, dict[int, dict]]  # table -> rowid -> column -> value


def salvage(damaged: Path, workdir: Path) -> tuple[Rows, str]:
    """Every row that can be read from a copy of `damaged`, by table, and how it was read.

    Three readers, each adding what the ones before missed: SQLite's `.recover` (when the
    `sqlite3` command is installed and built with it), SQLite's own cursors table by
    table from both ends, and a page-by-page reading of the file (device.durability.sqlite_pages)."""
    copy = workdir / "copy.db"
    shutil.copyfile(damaged, copy)
    wal = Path(f"{damaged}-wal")
    if wal.exists():
        shutil.copyfile(wal, Path(f"{copy}-wal"))
        try:  # fold what the WAL holds into the copy, when SQLite still can
            conn = sqlite3.connect(copy)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
        except sqlite3.DatabaseError:
            pass
    rows: Rows = {table: {} for table in COLUMNS}
    methods = []
    if _sqlite3_recover(copy, workdir / "recovered.db", rows):
        methods.append("sqlite3 .recover")
    if _table_by_table(copy, rows):
        methods.append("table by table")
    before = sum(map(len, rows.values()))
    for rowid, fields in leaf_rows(copy):
        found = _classify(rowid, fields)
        if found is not None:
            rows[found[0]].setdefault(rowid, found[1])
    if sum(map(len, rows.values())) > before:
        methods.append("page by page")
    if not methods:
        raise RecoveryFailed(f"nothing could be read from {damaged}: no footnote rows in it")
    return rows, ", ".join(methods)


def _sqlite3_recover(copy: Path, out: Path, rows: Rows) -> bool:
    sqlite3_cmd = shutil.which("sqlite3")
    if sqlite3_cmd is None:
        logger.warning("the sqlite3 command is not installed (Debian package sqlite3): reading the file without it")
        return False
    dump = subprocess.run(
        [sqlite3_cmd, str(copy), ".recover"], capture_output=True, timeout=RECOVER_TIMEOUT_S, check=False
    )
    if b"INSERT" not in dump.stdout:
        logger.info("sqlite3 .recover read nothing: %s", dump.stderr.decode(errors="replace").strip()[:200])
        return False
    subprocess.run(
        [sqlite3_cmd, str(out)], input=dump.stdout, capture_output=True, timeout=RECOVER_TIMEOUT_S, check=False
    )
    conn = sqlite3.connect(out)
    try:
        for table in COLUMNS:
            for rowid, row in _table_rows(conn, table).items():
                rows[table].setdefault(rowid, row)
        try:
            cursor = conn.execute("SELECT * FROM lost_and_found")
            names = [d[0] for d in cursor.description]
            for raw in cursor:
                lost = dict(zip(names, raw, strict=True))
                fields = [lost.get(f"c{i}") for i in range(lost.get("nfield") or 0)]
                found = _classify(lost.get("id") or 0, fields)
                if found is not None and lost.get("id") is not None:
                    rows[found[0]].setdefault(lost["id"], found[1])
        except sqlite3.DatabaseError:
            pass
    finally:
        conn.close()
    return True


def _table_by_table(copy: Path, rows: Rows) -> bool:
    """Each table read through SQLite from the front until the damage, then from the
    back until the damage."""
    added = False
    try:
        src = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    except sqlite3.DatabaseError:
        return False
    try:
        for table, columns in COLUMNS.items():
            for order in ("ASC", "DESC"):
                try:
                    for row in src.execute(f"SELECT rowid, {', '.join(columns)} FROM {table} ORDER BY rowid {order}"):
                        if row[0] not in rows[table]:
                            rows[table][row[0]] = dict(zip(columns, row[1:], strict=True))
                            added = True
                except sqlite3.DatabaseError:
                    pass  # the damage, or a table that is not there: what came before it is kept
    finally:
        src.close()
    return added


def _table_rows(conn: sqlite3.Connection, table: str) -> dict[int, dict]:
    """Rows of one table by rowid, as dicts; {} when the table was lost."""
    try:
        # An older database lacks the columns later migrations added: those read as NULL.
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        columns = tuple(c for c in COLUMNS[table] if c in have)
        if not columns:
            return {}
        found = conn.execute(f"SELECT rowid, {', '.join(columns)} FROM {table}").fetchall()
    except sqlite3.DatabaseError:
        return {}
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in found}


_RUNS_FIRST = tuple(c.name for c in RUNS.columns if c.added_by is None)  # as the first migration made it


def _classify(rowid: int, fields: list) -> tuple[str, dict] | None:
    """Which footnote table a row read off a page belongs to, by its shape (how many
    fields, and what some of them hold); and the row. A table's integer primary key is
    stored as NULL (the rowid carries it)."""
    n = len(fields)

    def holds(table: Table, column: str, test) -> bool:
        return test(fields[table.names.index(column)])

    table = None
    if n == len(FOOTPOD_SAMPLES.names) and fields[0] is None and holds(FOOTPOD_SAMPLES, "raw", _is_bytes):
        table = FOOTPOD_SAMPLES
    elif (
        n == len(SYMPTOM_EVENTS.names)
        and fields[0] is None
        and holds(SYMPTOM_EVENTS, "kind", SYMPTOM_KINDS.__contains__)
    ):
        table = SYMPTOM_EVENTS
    elif n == len(LINK_EVENTS.names) and fields[0] is None and holds(LINK_EVENTS, "state", LINK_STATES.__contains__):
        table = LINK_EVENTS
    elif n == len(REJECTED_PACKETS.names) and fields[0] is None and holds(REJECTED_PACKETS, "raw", _is_bytes):
        table = REJECTED_PACKETS
    elif (
        n in (len(RUNS.names), len(_RUNS_FIRST))
        and fields[0] is None
        and holds(RUNS, "started_at", _is_time)
        and holds(RUNS, "source", _is_text)
    ):
        table = RUNS
        fields = fields + [None] * (len(RUNS.names) - n)  # a row from before the columns added since
    elif n == len(HEART_RATE_SAMPLES.names) and fields[0] is None and holds(HEART_RATE_SAMPLES, "raw", _is_bytes):
        table = HEART_RATE_SAMPLES
    elif (
        n == len(STRAP_LINK_EVENTS.names)
        and fields[0] is None
        and holds(STRAP_LINK_EVENTS, "state", LINK_STATES.__contains__)
        and holds(STRAP_LINK_EVENTS, "sensor", "strap".__eq__)
    ):
        table = STRAP_LINK_EVENTS
    elif (
        n == len(ANNOTATIONS.names)
        and holds(ANNOTATIONS, "run_id", _is_int)
        and holds(ANNOTATIONS, "episode", _is_int)
        and holds(ANNOTATIONS, "updated_at", _is_time)
    ):
        return ANNOTATIONS.name, dict(zip(ANNOTATIONS.names, fields, strict=True))
    elif (
        n == len(RUN_CORRECTIONS.names)
        and fields[0] is None
        and holds(RUN_CORRECTIONS, "started_at", _is_time)
        and holds(RUN_CORRECTIONS, "updated_at", _is_time)
    ):
        return RUN_CORRECTIONS.name, {**dict(zip(RUN_CORRECTIONS.names, fields, strict=True)), "run_id": rowid}
    if table is None:
        return None
    return table.name, dict(zip(table.given, fields[1:], strict=True))


def _is_bytes(value: object) -> bool:
    return isinstance(value, bytes)


def _is_int(value: object) -> bool:
    return isinstance(value, int)


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _is_time(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _valid(table: str, row: dict) -> bool:
    """Salvaged rows can be garbled: keep only what the dashboard can read."""
    t_ok = isinstance(row.get("t_s"), (int, float))
    if table == "runs":
        return _is_time(row["started_at"]) and isinstance(row["source"], str) and row["clock_synced"] in (0, 1)
    if table == "symptom_events":
        return t_ok and row["kind"] in SYMPTOM_KINDS
    if table == "footpod_samples":
        return t_ok and isinstance(row["raw"], bytes)
    if table == "link_events":
        return t_ok and row["state"] in LINK_STATES
    if table in ("rejected_packets", "heart_rate_samples"):
        return t_ok
    if table == "strap_link_events":
        return t_ok and row["state"] in LINK_STATES
    return True


# -- merging ------------------------------------------------------------------------------------


def merge(tables: Rows, current: sqlite3.Connection, method: str) -> Recovered:
    """Merge the salvaged runs into `current`, one transaction per run."""
    result = Recovered(method=method)
    runs = {rid: row for rid, row in tables["runs"].items() if _valid("runs", row)}
    children: dict[int, dict[str, list[dict]]] = {}
    for table in (*CHILD_TABLES, *RUN_TABLES):
        for rowid in sorted(tables[table]):
            row = tables[table][rowid]
            if not _valid(table, row):
                result.unplaced += 1
            elif row.get("run_id") in runs:
                children.setdefault(row["run_id"], {}).setdefault(table, []).append(row)
            else:
                result.unplaced += 1
    for old_id in sorted(runs):
        run = runs[old_id]
        if find_run(current, started_at=run["started_at"], source=run["source"]):
            result.already_there += 1
            continue
        mine = children.get(old_id, {})
        with current:
            new_id = _insert(current, "runs", run)
            for table in (*CHILD_TABLES, *RUN_TABLES):
                for row in mine.get(table, []):
                    _insert(current, table, {**row, "run_id": new_id})
            if run["ended_t_s"] is None:
                # Still open when the card failed: it ends at its last recorded moment, as
                # the logger ends a run a killed logger left open (close_interrupted_runs).
                end_run(current, new_id, t_s=last_moment(current, new_id) or 0.0, reason="interrupted")
        result.runs += 1
        result.run_ids.append(new_id)
        result.events += len(mine.get("symptom_events", []))
        result.samples += len(mine.get("footpod_samples", []))
        result.links += len(mine.get("link_events", []))
    return result


def _insert(conn: sqlite3.Connection, table: str, row: dict) -> int:
    sql = SALVAGED[table].insert_sql(conflict="IGNORE")
    return conn.execute(sql, {c: row.get(c) for c in COLUMNS[table]}).lastrowid or 0


def recover(damaged: str | Path, current: str | Path) -> Recovered:
    """Salvage `damaged` (never written) and merge its runs into the database `current`."""
    damaged, current = Path(damaged), Path(current)
    if not damaged.is_file():
        raise RecoveryFailed(f"no file at {damaged}")
    if current.exists() and damaged.resolve() == current.resolve():
        raise RecoveryFailed(
            f"{damaged} is the database recovery would write into: the logger sets a damaged database aside at "
            "its next start (footnote log), or recover into another one with --db NEW.db"
        )
    with tempfile.TemporaryDirectory(prefix="footnote-recover-") as tmp:
        rows, method = salvage(damaged, Path(tmp))
        conn = open_writer(current)
        try:
            result = merge(rows, conn, method)
            resolve_notices(conn, damaged)
        finally:
            conn.close()
    return result


def cmd_recover(args: argparse.Namespace) -> int:
    from footnote.device.config import load_config
    from footnote.device.paths import resolve_db

    current = resolve_db(args.db, load_config(args.config))
    status = 0
    for damaged in args.files:
        try:
            print(recover(damaged, current).line(damaged), flush=True)
        except RecoveryFailed as exc:  # say so, and carry on with the next file
            print(f"footnote: {exc}", file=sys.stderr, flush=True)
            status = 2
    return status


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from footnote.device.paths import add_db_option

    p = sub.add_parser(
        "recover",
        parents=[common],
        help="salvage the runs of a damaged database into the current one",
        description=(
            "Salvage what a damaged database still holds (SQLite's .recover, through a copy: the damaged file "
            "is never changed) and merge its runs into the current database without duplicates."
        ),
    )
    p.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="DAMAGED",
        help="a damaged database, e.g. the footnote.damaged-DATE.db the logger set aside",
    )
    add_db_option(p)
    p.set_defaults(func=cmd_recover)

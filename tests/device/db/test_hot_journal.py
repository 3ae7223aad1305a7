"""A database left with a hot rollback journal: a transaction cut short by a power cut or
a kill. For footnote that is SQLite's switch of a new file to WAL at the very first start
(tests/device/durability/test_powercut.py finds it by cutting at every sync); a read-only look cannot roll
it back, so footnote used to refuse the file at every start and journal for ever."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from footnote.device.db import schema
from footnote.device.db.store import Store
from footnote.device.errors import DamagedDatabase


def cut_mid_transaction(path: Path, *, committed: tuple[str, ...] = ()) -> Path:
    """The file and its journal as a cut leaves them in the middle of a transaction that
    had already spilled pages into the file (a copy taken then, with no lock held)."""
    work = path.with_name("work.db")
    conn = sqlite3.connect(work, isolation_level=None)
    for sql in committed:
        conn.execute(sql)
    conn.execute("PRAGMA cache_size=2")  # two pages of cache: the transaction spills to the file
    conn.execute("BEGIN")
    conn.execute("CREATE TABLE unfinished (x)")
    conn.executemany("INSERT INTO unfinished VALUES (randomblob(2000))", [()] * 100)
    shutil.copyfile(work, path)
    shutil.copyfile(f"{work}-journal", f"{path}-journal")
    conn.rollback()
    conn.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_first_start_cut_short_with_a_hot_journal_is_completed(tmp_path):
    db = cut_mid_transaction(tmp_path / "footnote.db")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):  # what a read-only look gets
        sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("SELECT * FROM sqlite_master").fetchall()
    with Store(db) as store:
        applied = {name for (name,) in store.conn.execute("SELECT name FROM _migrations")}
        assert applied == {name for name, _ in schema.MIGRATIONS}
        assert not schema.has_table(store.conn, "unfinished")  # rolled back, as SQLite does
    assert not Path(f"{db}-journal").exists()


def test_another_programs_database_with_a_hot_journal_is_still_never_written_to(tmp_path):
    db = cut_mid_transaction(
        tmp_path / "theirs.db", committed=("CREATE TABLE theirs (x)", "INSERT INTO theirs VALUES (1)")
    )
    before = digest(db), digest(Path(f"{db}-journal"))
    with pytest.raises(DamagedDatabase, match="another program"):
        Store(db)
    assert (digest(db), digest(Path(f"{db}-journal"))) == before

"""A database footnote began is footnote's: creating one, or bringing an older one up to
date, is one transaction with its bookkeeping, so a logger killed at any statement of it
leaves a file the next start completes, never one it refuses as another program's."""

import sqlite3
import subprocess
import sys
import textwrap

import pytest

from footnote.device.db import schema
from footnote.device.db.connect import connect, open_reader, open_writer
from footnote.device.db.store import Store
from footnote.device.durability.integrity import examine
from footnote.device.errors import DamagedDatabase

# Opens the database the way every writer does, dying (os._exit: no clean-up, no
# rollback) just before its Nth SQL statement on any connection device.db.connect makes.
KILLED_AT = textwrap.dedent(
    """
    import os, sys
    from footnote.device.db import connect as db
    path, kill_at = sys.argv[1], int(sys.argv[2])
    count = 0
    connect = db.connect

    def dying_connect(*args, **kwargs):
        conn = connect(*args, **kwargs)

        def before_statement(sql):
            global count
            count += 1
            if count == kill_at:
                os._exit(9)

        conn.set_trace_callback(before_statement)
        return conn

    db.connect = dying_connect
    db.open_writer(path).close()
    print("opened after", count, "statements")
    """
)


def open_killed_at(path, statement: int) -> bool:
    """Open (create or upgrade) the database, killed before `statement`; True when the
    open got through before that statement came."""
    result = subprocess.run(
        [sys.executable, "-c", KILLED_AT, str(path), str(statement)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode in (0, 9), result.stderr
    return result.returncode == 0


def assert_complete_footnote_database(path):
    assert examine(path).usable
    conn = open_writer(path)  # the next start: completes it, never refuses it
    try:
        assert schema.ownership(conn) == "footnote"
        assert schema.pending_migrations(conn) == []
        assert conn.execute("SELECT count(*) FROM database_identity").fetchone()[0] == 1
    finally:
        conn.close()


@pytest.mark.slow  # one process per statement: about 180
def test_a_logger_killed_at_any_statement_of_creating_its_database_leaves_one_the_next_start_completes(tmp_path):
    kills = 0
    for statement in range(1, 400):
        db = tmp_path / f"killed-{statement}.db"
        if open_killed_at(db, statement):
            break
        kills += 1
        assert_complete_footnote_database(db)
    else:
        pytest.fail("creating a database never got through in 400 statements")
    assert kills >= 10, "too few statements to have killed creation at its steps"


@pytest.mark.slow
def test_a_logger_killed_at_any_statement_of_an_upgrade_keeps_the_runs_and_completes_the_upgrade(tmp_path, monkeypatch):
    # A database made by a footnote that had only the first migration, with one run in it.
    old = tmp_path / "old.db"
    with monkeypatch.context() as m:
        m.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
        conn = open_writer(old)
        with conn:
            conn.execute(
                "INSERT INTO runs (started_at, clock_synced, source) VALUES ('2026-11-20T07:00:00+00:00', 1, 'live')"
            )
        conn.close()
    kills = 0
    for statement in range(1, 400):
        db = tmp_path / f"upgrade-{statement}.db"
        db.write_bytes(old.read_bytes())
        if open_killed_at(db, statement):
            break
        kills += 1
        assert_complete_footnote_database(db)
        conn = open_reader(db)
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
        conn.close()
    else:
        pytest.fail("the upgrade never got through in 400 statements")
    assert kills >= len(schema.MIGRATIONS) - 1


def test_a_file_holding_only_footnotes_bookkeeping_is_completed_by_a_writer_and_read_as_empty(tmp_path):
    db = tmp_path / "cut.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    conn.close()
    reader = open_reader(db)  # the dashboard and footnote analyze: no runs yet, not "another program's"
    assert reader.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    reader.close()
    with Store(db) as store:
        assert schema.ownership(store.conn) == "footnote"


def test_another_programs_migrations_table_is_still_another_programs_database(tmp_path):
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE _migrations (id INTEGER PRIMARY KEY, version TEXT)")
    conn.execute("INSERT INTO _migrations (version) VALUES ('20240101_users')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(DamagedDatabase, match="another program"):
        Store(db)
    assert examine(db).state == "foreign"
    assert db.read_bytes() == before


def test_an_up_to_date_database_is_opened_without_writing(tmp_path):
    db = tmp_path / "f.db"
    Store(db).close()
    conn = connect(db)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    assert schema.migrate(conn) == []
    conn.close()
    assert not [s for s in statements if s.lstrip().upper().startswith(("BEGIN", "CREATE", "INSERT"))]

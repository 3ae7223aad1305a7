"""The table declarations (device.db.tables) are the database: a fresh database holds
exactly the declared tables, columns, keys and indexes; the typed rows have the declared
columns; and a column a later migration adds leaves a database made before it and one
made after it alike."""

from __future__ import annotations

import dataclasses
import sqlite3
import typing

import pytest

from footnote.device.db import rows, schema, tables
from footnote.device.db.connect import open_writer
from footnote.device.db.tables import Column, Table


def shape(conn: sqlite3.Connection, name: str) -> dict:
    """What SQLite says a table is: columns (name, type, NOT NULL, place in the primary
    key), foreign keys, and indexes (besides the primary key's)."""
    return {
        "columns": [(c[1], c[2], bool(c[3]), c[5]) for c in conn.execute(f'PRAGMA table_info("{name}")')],
        "references": sorted((f[3], f[2], f[4]) for f in conn.execute(f'PRAGMA foreign_key_list("{name}")')),
        "indexes": sorted(
            tuple(c[2] for c in conn.execute(f'PRAGMA index_info("{i[1]}")'))
            for i in conn.execute(f'PRAGMA index_list("{name}")')
            if i[3] == "c"  # made by CREATE INDEX
        ),
    }


def declared(table: Table) -> dict:
    return {
        "columns": [
            (c.name, c.sql_type, c.not_null, table.pk.index(c.name) + 1 if c.name in table.pk else 0)
            for c in table.columns
        ],
        "references": sorted((c.name, c.references, "id") for c in table.columns if c.references),
        "indexes": sorted(table.indexes),
    }


def test_a_fresh_database_is_exactly_what_the_tables_declare(db_path):
    conn = open_writer(db_path)
    try:
        assert schema.table_names(conn) == {t.name for t in tables.TABLES}
        for table in tables.TABLES:
            assert shape(conn, table.name) == declared(table), table.name
    finally:
        conn.close()


def fields(cls: type) -> dict[str, object]:
    return typing.get_type_hints(cls)


def test_the_typed_rows_have_the_declared_columns():
    assert rows.SampleRow._fields == tables.FOOTPOD_SAMPLES.given
    assert tuple(fields(rows.Annotation)) == tables.ANNOTATION_FIELDS
    for name in tables.ANNOTATION_FIELDS:  # a flag is a bool, anything else text
        assert fields(rows.Annotation)[name] == (bool if name in tables.ANNOTATION_FLAGS else str | None)
    assert tuple(fields(rows.RunSetup)) == tables.SETUP_FIELDS
    assert tuple(fields(rows.ClaudicationAnswers)) == ("answered_at", *tables.CLAUDICATION_ITEMS)
    run_row = {f.name for f in dataclasses.fields(rows.RunRow)}
    assert set(tables.RUNS.names) <= run_row  # every column of a run, and its correction beside


def test_what_the_runner_enters_is_what_the_annotations_table_holds():
    from footnote.server.dashboard.saves import AnnotationIn

    assert tuple(AnnotationIn.model_fields) == tables.ANNOTATION_FIELDS


NOTES = Table(
    "notes",
    (
        Column("id", int),
        Column("text", str, not_null=True),
        Column("mood", str, added_by="notes_2_mood"),
    ),
)


def test_a_column_added_later_leaves_an_old_and_a_new_database_alike(tmp_path, monkeypatch):
    """The migration that made a table keeps making it as it was; the one that added a
    column adds it: upgraded or made afresh, the database is the same."""

    def made(conn):
        schema.create(conn, NOTES)

    def mood(conn):
        schema.add_columns(conn, NOTES, "notes_2_mood")

    before = [*schema.MIGRATIONS, ("notes_1", made)]
    old = tmp_path / "old.db"
    monkeypatch.setattr(schema, "MIGRATIONS", before)
    open_writer(old).close()
    monkeypatch.setattr(schema, "MIGRATIONS", [*before, ("notes_2_mood", mood)])
    new = tmp_path / "new.db"
    shapes = []
    for path in (old, new):
        conn = open_writer(path)  # upgrades the old one, makes the new one
        shapes.append(shape(conn, "notes"))
        conn.close()
    assert shapes[0] == shapes[1] == declared(NOTES)


def test_a_column_name_the_declarations_do_not_have_fails_at_once():
    with pytest.raises(KeyError, match="footpod_samples has no column speed_kmh"):
        tables.FOOTPOD_SAMPLES.pick("t_s", "speed_kmh")

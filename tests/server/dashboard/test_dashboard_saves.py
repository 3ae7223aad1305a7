"""The dashboard's saves never change the database's tables: a request saving into a
database older than the table it needs is told so in one clear answer and nothing is
written or migrated; `footnote serve` brings the file up to date at its start, before it
serves, as the logger does at its own."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from footnote.device.db import schema
from footnote.device.db.store import Store
from tests.helpers import LiveServer, client, csrf, rows


def an_older_database(db: Path, monkeypatch) -> Path:
    """The runner's database as a logger that knew only the first migration left it: one
    run, numb once."""
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
    with Store(db) as store:
        run_id = store.open_run(
            started_at=datetime(2026, 11, 20, 7, tzinfo=UTC),
            clock_synced=True,
            source="live",
            device="test",
            cadence_convention="auto",
        )
        store.add_symptom_event(run_id, t_s=600.0, kind="onset", episode=1, severity=1)
        store.add_symptom_event(run_id, t_s=900.0, kind="relief", episode=1, severity=1)
        store.close_run(run_id, t_s=1200.0, reason="stopped")
    monkeypatch.undo()
    return db


def tables_and_migrations(db: Path) -> tuple[list, list]:
    return rows(db, "SELECT name, sql FROM sqlite_master ORDER BY name"), rows(db, "SELECT name FROM _migrations")


def test_a_save_into_a_database_older_than_its_table_is_refused_and_migrates_nothing(db_path, monkeypatch):
    from footnote.server.dashboard.app import create_app

    an_older_database(db_path, monkeypatch)
    before = tables_and_migrations(db_path)
    server = LiveServer(create_app(db_path))
    try:
        c = client(server)
        setup = c.put("/api/runs/1/setup", json={"shoes": "Pegasus 40"}, headers=csrf(c))
        answers = c.put("/api/questionnaire", json={"pain_when_walking": "yes"}, headers=csrf(c))
        form = c.post(
            "/runs/1/setup",
            data={"csrf_token": c.cookies["footnote_csrf"], "shoes": "Pegasus 40"},
            headers={"accept": "text/html"},
        )
        # annotations are as old as the database: that save goes through
        note = c.put("/api/runs/1/episodes/1/annotation", json={"location": "calf"}, headers=csrf(c))
        page = c.get("/api/runs/1")
    finally:
        server.stop()
    assert setup.status_code == 503 and answers.status_code == 503 and form.status_code == 503
    for said, table in ((setup.json()["detail"], "run_setups"), (answers.json()["detail"], "claudication_answers")):
        assert f"{db_path} has no {table} table yet" in said
        assert "nothing was saved" in said and "footnote serve" in said
    assert "nothing was saved" in form.text and "Traceback" not in form.text
    assert note.status_code == 200 and page.status_code == 200
    assert tables_and_migrations(db_path) == before  # no table made, no migration recorded
    assert rows(db_path, "SELECT location FROM annotations") == [("calf",)]


def test_footnote_serve_brings_the_database_up_to_date_before_it_serves(db_path, tmp_path, monkeypatch):
    import uvicorn

    from footnote.server.analysis.setups import SetupIn
    from footnote.server.dashboard import heap
    from footnote.server.dashboard.saves import save_setup
    from footnote.server.dashboard.serve import serve

    an_older_database(db_path, monkeypatch)
    pending_when_served: list[list[str]] = []

    def served(app, **options):
        conn = sqlite3.connect(db_path)
        pending_when_served.append(schema.pending_migrations(conn))
        conn.close()

    monkeypatch.setattr(uvicorn, "run", served)
    monkeypatch.setattr(heap, "limit_arenas", lambda: None)
    assert serve(db_path=db_path, config_path=tmp_path / "none.toml") == 0
    assert pending_when_served == [[]]
    save_setup(db_path, 1, SetupIn(shoes="Pegasus 40"))
    assert rows(db_path, "SELECT shoes FROM run_setups") == [("Pegasus 40",)]


def test_the_fhir_export_of_a_database_older_than_its_id_says_so_and_the_others_still_export(db_path, monkeypatch):
    """FHIR ids derive from the database's own id: without one they could be anyone's."""
    import io

    from footnote.device.errors import DatabaseTooOld
    from footnote.server.exports import FORMATS, collect

    an_older_database(db_path, monkeypatch)
    data = collect(db_path)
    with pytest.raises(DatabaseTooOld, match="no id of its own"):
        FORMATS["fhir"].write(data, io.BytesIO())
    out = io.BytesIO()
    FORMATS["csv"].write(data, out)
    assert out.getvalue().count(b"\n") == 2  # the header and the one episode
    assert rows(db_path, "SELECT name FROM _migrations") == [("001_initial",)]

"""Hostile input: the OpenAPI surface fuzzed by schemathesis, script and SQL-looking
text in every text field, and file names in exports."""

from __future__ import annotations

import csv
import sqlite3
import subprocess

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pypdf import PdfReader
from schemathesis.checks import not_a_server_error

from footnote.server.dashboard.app import create_app
from tests.helpers import FOOTNOTE, LiveServer
from tests.story_week import build_story_week_db

SCRIPT = "<script>alert('pwned')</script>"
SQL = "x'); DROP TABLE runs; --"
HOSTILE = f"{SCRIPT} {SQL} <img src=x onerror=alert(1)> {{{{7*7}}}}"


def _schema():
    import tempfile
    from pathlib import Path

    db = Path(tempfile.mkdtemp()) / "demo.db"
    build_story_week_db(db)
    app = create_app(db, names=["testserver"])  # the name schemathesis's ASGI client sends
    app.state.fuzz_db = db
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = _schema()


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.slow  # schemathesis
def test_no_5xx_anywhere_in_the_api(case):
    """schemathesis generates requests (valid and not) for every operation; none may
    make the server fail. Writes without the CSRF token are refused (403), so the
    annotation endpoints are also driven with the token."""
    headers = {}
    if case.method.upper() in ("PUT", "POST"):
        headers = {"X-CSRF-Token": "fuzz", "Cookie": "footnote_csrf=fuzz"}
    case.call_and_validate(headers=headers, checks=[not_a_server_error])


@pytest.mark.slow  # schemathesis
def test_the_database_survives_the_fuzzing():
    db = schema.app.state.fuzz_db
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (5,)
    finally:
        conn.close()


def test_script_and_sql_in_every_text_field_come_back_inert(fresh_demo_db, tmp_path):
    server = LiveServer(create_app(fresh_demo_db))
    try:
        c = httpx.Client(base_url=server.url, timeout=60)
        c.get("/")
        token = c.cookies["footnote_csrf"]
        form = {
            "csrf_token": token,
            "location": "calf",
            "side": "left",
            "shoes": HOSTILE,
            "lacing": HOSTILE,
            "note": HOSTILE,
        }
        assert c.post("/runs/1/episodes/1/annotate", data=form).status_code == 303
        pages = [c.get(p).text for p in ("/runs/1", "/runs/1/episodes/1/annotate", "/", "/trends", "/export")]
        for html in pages:
            assert "<script>alert" not in html and "<img src=x" not in html
        assert (
            "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in pages[0] and "{{7*7}}" in pages[0]
        )  # shown as text, not run
        login = c.get("/login", params={"next": '"><script>alert(1)</script>'}).text
        assert "<script>alert(1)" not in login
        bad = c.post("/runs/1/episodes/1/annotate", data={**form, "side": SCRIPT})
        assert bad.status_code == 400 and "<script>alert" not in bad.text
        api = c.get("/api/runs/1").json()["episodes"][0]["annotation"]
        assert api["note"] == HOSTILE and api["shoes"] == HOSTILE  # stored exactly, as data
        pdf = c.get("/export/report.pdf", params={"name": HOSTILE})
        fhir = c.get("/export/bundle.fhir.json", params={"name": HOSTILE}).json()
        csv_text = c.get("/export/episodes.csv").text
    finally:
        server.stop()
    conn = sqlite3.connect(fresh_demo_db)
    assert conn.execute("SELECT count(*) FROM runs").fetchone() == (5,)  # no table was dropped
    conn.close()
    (tmp_path / "r.pdf").write_bytes(pdf.content)
    first = PdfReader(tmp_path / "r.pdf").pages[0].extract_text()
    assert "<script>alert('pwned')</script>" in first  # printed literally, not parsed as markup
    for entry in fhir["entry"]:  # XHTML narratives never carry markup from the runner
        div = entry["resource"].get("text", {}).get("div", "")
        assert "<script" not in div and "<img" not in div
    notes = [n["text"] for e in fhir["entry"] for n in e["resource"].get("note", [])]
    assert f"Runner's note: {HOSTILE}" in notes  # kept as plain data in a JSON string
    patient = next(e["resource"] for e in fhir["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient["name"][0]["text"] == HOSTILE  # data, in a JSON string
    rows = list(csv.DictReader(csv_text.splitlines()))
    assert rows[0]["note"] == HOSTILE


def test_export_file_names_cannot_escape_the_chosen_place(demo_db, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = subprocess.run(
        [
            *FOOTNOTE,
            "export",
            "--db",
            str(demo_db),
            "--format",
            "csv",
            "--out",
            str(out_dir / "e.csv"),
            "--samples",
            "1",
            "--name",
            "../../../../tmp/pwned",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out_dir.iterdir()) == ["e-samples.csv", "e.csv"]  # the samples file sits next to OUT
    result = subprocess.run(
        [
            *FOOTNOTE,
            "export",
            "--db",
            str(demo_db),
            "--format",
            "csv",
            "--out",
            str(out_dir / "e.csv"),
            "--samples",
            "1/../../x",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0  # run ids are numbers, nothing else
    assert sorted(p.name for p in out_dir.iterdir()) == ["e-samples.csv", "e.csv"]

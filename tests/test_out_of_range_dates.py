"""One bad date (issue 22, point 7): a replay dated outside 2000-2100 is refused; a run
already stored with times footnote cannot show (from an older footnote, or another
program) is named where it would be shown, and every other run's pages and downloads
still work. Over real HTTP on loopback."""

from __future__ import annotations

import io
import sqlite3

import pytest
from pypdf import PdfReader

from footnote.device.db.store import Store
from tests.helpers import FOOTNOTE, client, footnote, rows


@pytest.mark.parametrize("started_at", ["9999-12-31T23:59:59Z", "1999-12-31T23:00:00Z", "2101-01-01T00:00:00+01:00"])
def test_a_replay_dated_outside_2000_to_2100_is_refused(db_path, tmp_path, started_at):
    path = tmp_path / "far.jsonl"
    path.write_text(f'{{"footnote_replay": 1, "started_at": "{started_at}"}}\n{{"t": 1, "button": "down"}}\n')
    result = footnote("replay", str(path), "--db", str(db_path))
    assert result.returncode == 2
    assert f"footnote: {path}: line 1: started_at must be between the years 2000 and 2100" in result.stderr
    with Store(db_path):
        pass
    assert rows(db_path, "SELECT count(*) FROM runs") == [(0,)]


@pytest.fixture
def one_run_out_of_range(dashboard):
    """Run 3 of the demo stored as starting on the last second of year 9999, as an older
    footnote stored a replay header of that date; run 5 with the length an older footnote
    stored for a `t` of 1e308."""
    conn = sqlite3.connect(dashboard.db_path)
    with conn:
        conn.execute("UPDATE runs SET started_at = '9999-12-31T23:59:59+00:00', utc_offset_s = 3600 WHERE id = 3")
        conn.execute("UPDATE runs SET ended_t_s = 1e308 WHERE id = 5")
    conn.close()
    return dashboard


def test_the_pages_name_the_runs_they_cannot_show_and_show_the_others(one_run_out_of_range):
    c = client(one_run_out_of_range)
    home = c.get("/", headers={"Accept": "text/html"})
    assert home.status_code == 200
    assert "Run 3 (recorded as starting 9999-12-31T23:59:59+00:00) cannot be shown" in home.text
    assert "Run 5 " in home.text and "Across 3 runs" in home.text
    listed = c.get("/api/runs").json()
    assert [r["id"] for r in listed["runs"]] == [4, 2, 1]
    assert [r["id"] for r in listed["runs_not_shown"]] == [3, 5]
    for path in ("/runs/1", "/runs/4", "/trends", "/trends.svg", "/setups", "/questionnaire", "/export"):
        assert c.get(path, headers={"Accept": "text/html"}).status_code == 200, path
    for path in ("/api/summary", "/api/trends", "/api/setups", "/api/runs/2"):
        assert c.get(path).status_code == 200, path
    for run_id in (3, 5):
        page = c.get(f"/runs/{run_id}", headers={"Accept": "text/html"})
        assert page.status_code == 422 and "This run cannot be shown" in page.text
        api = c.get(f"/api/runs/{run_id}")
        assert api.status_code == 422 and f"Run {run_id} " in api.json()["detail"]
        assert c.get(f"/runs/{run_id}/timeline.svg").status_code == 422
    assert "Run 3 " in c.get("/export").text


def test_the_downloads_leave_them_out_and_the_report_says_so(one_run_out_of_range, tmp_path):
    c = client(one_run_out_of_range)
    csv_text = c.get("/export/episodes.csv")
    assert csv_text.status_code == 200 and "\n3," not in csv_text.text and "\n1," in csv_text.text
    fhir = c.get("/export/bundle.fhir.json")
    assert fhir.status_code == 200 and "9999" not in fhir.text
    pdf = c.get("/export/report.pdf")
    assert pdf.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Run 3 (recorded as starting 9999-12-31T23:59:59+00:00) cannot be shown" in " ".join(text.split())


def test_footnote_export_says_which_runs_it_left_out(one_run_out_of_range, tmp_path):
    import subprocess

    out = tmp_path / "e.csv"
    result = subprocess.run(
        [*FOOTNOTE, "export", "--db", str(one_run_out_of_range.db_path), "--format", "csv", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "exported 3 runs" in result.stdout and "Run 3 (recorded as starting 9999-12-31" in result.stdout

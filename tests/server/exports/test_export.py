"""The doctor export: PDF, CSV and FHIR R4 from the demo runs (replayed through the real
pipeline), through `footnote export` and the dashboard's download buttons."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import httpx
import pytest
from pypdf import PdfReader

from footnote.device.db.store import Store
from tests.helpers import FOOTNOTE


def export(db, fmt, out, *extra):
    return subprocess.run(
        [*FOOTNOTE, "export", "--db", str(db), "--format", fmt, "--out", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_pdf_opens_shows_the_summary_and_renders(demo_db, tmp_path, artifacts):
    out = tmp_path / "report.pdf"
    result = export(demo_db, "pdf", out, "--name", "Ada <b>Lovelace</b> & co")
    assert result.returncode == 0, result.stderr
    reader = PdfReader(out)
    first = reader.pages[0].extract_text()
    assert "runner-recorded numbness log" in first and "Not a diagnosis." in first
    assert "Ada <b>Lovelace</b> & co" in first  # the name as given, never as markup
    assert "mixed (both patterns)" in first and "2.13 km" in first and "5 runs, 24.23 km" in first
    # The demo runner stands 3 min before relief (2 min 59 s when movement lagged a packet behind).
    assert "Stopping to relief 3 min" in first.replace("\n", " ") and "calf (6), top of the foot (1)" in first
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(re.findall(r"Run of [A-Z][a-z]{2} \d{2} ", text)) == 4  # one section per run with numbness
    assert "How the flags are computed" in text and "clock not synchronised" in text
    assert "(UTC+0000)" in text
    for page in list(artifacts.glob("report-page-*.png")):
        page.unlink()
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(out), str(artifacts / "report-page")], check=True, timeout=120)
    pages = sorted(artifacts.glob("report-page-*.png"))
    assert len(pages) == len(reader.pages) >= 6
    assert all(p.stat().st_size > 10_000 for p in pages)  # drawn, not blank


def test_the_pdf_charts_are_vectors_not_pictures(demo_db, tmp_path):
    out = tmp_path / "report.pdf"
    assert export(demo_db, "pdf", out).returncode == 0
    reader = PdfReader(out)
    images = sum(len(page.images) for page in reader.pages)
    assert images == 0
    text = "\n".join(page.extract_text() for page in reader.pages)
    # The charts' words are text in the page, drawn by reportlab, one timeline per run section.
    assert text.count("minutes into the run") == 4 and text.count("cadence (steps/min)") == 4
    assert "first numbness: distance (km)" in text and "numbness: resolves at rest" in text


def test_the_pdf_loads_no_matplotlib(demo_db):
    code = (
        "import sys, io; from footnote.server.exports import FORMATS, collect;"
        f"FORMATS['pdf'].write(collect({str(demo_db)!r}, samples_of='with_numbness'), io.BytesIO());"
        "print('matplotlib' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_csv_round_trips_with_one_row_per_episode(demo_db, tmp_path):
    out = tmp_path / "episodes.csv"
    assert export(demo_db, "csv", out, "--samples", "1,4").returncode == 0
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 7
    assert [r["label"] for r in rows if r["run_id"] == "4"] == ["worsening"]
    assert {"onset_distance_m", "onset_t_s", "rest_to_relief_s", "onset_speed_mps"} <= set(rows[0])
    first = rows[0]
    assert first["onset_local"].startswith("2026-11-09T06:43") and first["onset_local"].endswith("+00:00")
    assert float(first["onset_distance_m"]) == pytest.approx(2135, abs=20) and first["location"] == "calf"
    with open(tmp_path / "episodes-samples.csv", newline="") as f:
        samples = list(csv.DictReader(f))
    assert {s["run_id"] for s in samples} == {"1", "4"} and len(samples) > 3000


def test_csv_cells_cannot_become_spreadsheet_formulas(fresh_demo_db, tmp_path):
    from footnote.server.dashboard.saves import AnnotationIn, save_annotation

    save_annotation(
        fresh_demo_db, 1, 1, AnnotationIn(location="calf", note='=HYPERLINK("http://evil")', shoes="+1 shoes")
    )
    out = tmp_path / "e.csv"
    assert export(fresh_demo_db, "csv", out).returncode == 0
    with open(out, newline="") as f:
        row = next(csv.DictReader(f))
    assert row["note"] == '\'=HYPERLINK("http://evil")' and row["shoes"] == "'+1 shoes"


def test_fhir_bundle_validates_and_has_one_observation_per_episode(demo_db, tmp_path):
    from fhir.resources.R4B.bundle import Bundle

    out = tmp_path / "bundle.json"
    assert export(demo_db, "fhir", out, "--name", "Ada Runner").returncode == 0
    data = json.loads(out.read_text())
    bundle = Bundle.model_validate(data)  # raises on anything invalid
    assert bundle.type == "document"
    resources = [e["resource"] for e in data["entry"]]
    assert resources[0]["resourceType"] == "Composition"
    symptoms = [
        r for r in resources if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "75325-1"
    ]
    assert len(symptoms) == 7
    worsening = next(
        r
        for r in symptoms
        if any(
            c.get("valueCodeableConcept", {}).get("coding", [{}])[0].get("code") == "worsening" for c in r["component"]
        )
    )
    assert "end" not in worsening["effectivePeriod"]  # still numb when the run ended
    assert worsening["bodySite"]["coding"][0]["code"] == "56459004"
    resolving = [r for r in symptoms if any(c["code"]["coding"][0]["code"] == "100753-3" for c in r["component"])]
    assert len(resolving) == 6 and all(r["bodySite"]["coding"][0]["code"] == "30021000" for r in resolving)
    assert all(r["valueCodeableConcept"]["coding"][0]["code"] == "44077006" for r in symptoms)
    runs = [
        r
        for r in resources
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] in ("55411-3", "55430-3")
    ]
    assert len(runs) == 10
    refs = {e["fullUrl"] for e in data["entry"]}
    for r in resources:  # every reference points inside the bundle
        for ref in json.dumps(r).split('"reference": "')[1:]:
            assert ref.split('"')[0] in refs
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    assert patient["name"] == [{"text": "Ada Runner"}]
    assert "not a diagnosis" in resources[0]["title"]


def test_fhir_without_a_name_is_anonymous(demo_db, tmp_path):
    out = tmp_path / "bundle.json"
    assert export(demo_db, "fhir", out, "--since", "2026-11-19", "--until", "2026-11-19").returncode == 0
    resources = [e["resource"] for e in json.loads(out.read_text())["entry"]]
    assert "name" not in next(r for r in resources if r["resourceType"] == "Patient")
    assert (
        len(
            [r for r in resources if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "75325-1"]
        )
        == 1
    )


@pytest.mark.parametrize("fmt", ["pdf", "csv", "fhir"])
def test_an_empty_database_gives_a_clear_message_and_no_file(tmp_path, fmt):
    db = tmp_path / "empty.db"
    Store(db).close()
    out = tmp_path / f"out.{fmt}"
    result = export(db, fmt, out)
    assert result.returncode == 2 and "holds no runs yet" in result.stderr and not out.exists()


def test_an_empty_period_gives_a_clear_message(demo_db, tmp_path):
    out = tmp_path / "out.pdf"
    result = export(demo_db, "pdf", out, "--since", "2027-01-01")
    assert result.returncode == 2 and "no runs between 2027-01-01" in result.stderr and not out.exists()
    result = export(demo_db, "pdf", out, "--since", "2026-11-20", "--until", "2026-11-01")
    assert result.returncode == 2 and "ends (2026-11-01) before it starts" in result.stderr


def test_download_buttons_on_the_dashboard(dashboard):
    c = httpx.Client(base_url=dashboard.url, timeout=120)
    page = c.get("/export").text
    assert 'id="download-pdf"' in page and 'id="download-csv"' in page and 'id="download-fhir"' in page
    pdf = c.get("/export/report.pdf", params={"name": "../../etc/passwd"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (
        pdf.headers["content-disposition"].startswith('attachment; filename="footnote-')
        and "passwd" not in pdf.headers["content-disposition"]
    )
    assert c.get("/export/episodes.csv").text.count("\n") == 8
    assert c.get("/export/bundle.fhir.json").json()["type"] == "document"
    assert c.get("/export/episodes.csv", params={"since": "2030-01-01"}).status_code == 404


def test_writers_only_write_what_was_loaded_once(demo_db, tmp_path):
    """Everything an export needs is collected in one go; with the database gone, every
    format (and the CSV's samples file) is still written from what was loaded."""
    import shutil

    from footnote.server.exports import FORMATS, SAMPLES_CSV, collect

    db = tmp_path / "copy.db"
    shutil.copy(demo_db, db)
    pdf_data = collect(db, samples_of=FORMATS["pdf"].samples_of)
    csv_data = collect(db, samples_of=[1, 4])
    db.unlink()
    for fmt, data in [
        (FORMATS["pdf"], pdf_data),
        (FORMATS["csv"], csv_data),
        (FORMATS["fhir"], csv_data),
        (SAMPLES_CSV, csv_data),
    ]:
        out = tmp_path / fmt.file_name
        with open(out, "wb") as f:
            fmt.write(data, f)
        assert out.stat().st_size > 500, fmt.name
    assert sorted(pdf_data.samples) == [1, 2, 3, 4]  # the runs with numbness, for their charts
    assert (tmp_path / "samples.csv").read_text().count("\n4,") > 1000


def test_a_chosen_run_outside_the_period_is_named(demo_db, tmp_path):
    result = export(demo_db, "csv", tmp_path / "e.csv", "--since", "2026-11-20", "--samples", "1")
    assert result.returncode == 2 and "run 1 is not in the exported period" in result.stderr


def test_the_fhir_and_csv_exports_load_neither_charts_nor_pdf_packages(demo_db, tmp_path):
    code = (
        "import sys, io; from footnote.server.exports import FORMATS, collect;"
        f"data = collect({str(demo_db)!r});"
        "[FORMATS[f].write(data, io.BytesIO()) for f in ('fhir', 'csv')];"
        "print(','.join(m for m in ('matplotlib', 'reportlab') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


NEUTRAL_STARTS = ("=", "+", "-", "@")


def test_csv_cells_stay_text_whatever_the_separator(dashboard):
    """Excel in a de/fr/nl locale splits a line at ';' and ignores the quoting; others at
    tabs. Read back with ',', ';' and tab as the separator, no cell starts a formula, and
    with ',' the runner's text comes back with only the apostrophes added."""
    from tests.helpers import client, csrf

    note = "ok;=5+5;x,@SUM(A1)\t-2+3\n+cmd|' /C calc'!A0\r\n=1"
    c = client(dashboard)
    saved = c.put(
        "/api/runs/1/episodes/1/annotation",
        json={"location": "calf", "note": note, "shoes": "=1+1;=2", "lacing": 'a,-3;@x "=4"'},
        headers=csrf(c),
    )
    assert saved.status_code == 200, saved.text
    text = c.get("/export/episodes.csv").text
    header, first = text.splitlines()[:2]
    assert header.startswith('"run_id","run_start_local",')  # every text field quoted
    assert re.match(r'^1,"2026-11-09T06:30:00\+00:00",1,"', first)  # numbers stay numbers
    for separator in (",", ";", "\t"):
        for row in csv.reader(text.splitlines(), delimiter=separator):
            starts = [cell for cell in row if cell.startswith(NEUTRAL_STARTS)]
            assert not starts, (separator, starts)
    row = next(csv.DictReader(text.splitlines(keepends=True)))
    assert row["note"] == "ok;'=5+5;x,'@SUM(A1)\t'-2+3\n'+cmd|' /C calc'!A0\r\n'=1"
    assert row["shoes"] == "'=1+1;'=2" and row["lacing"] == "a,'-3;'@x \"'=4\""

"""The heart rate in what the doctor reads: the CSV's columns, FHIR heart-rate
Observations (LOINC 8867-4) grouped under their episode and valid FHIR R4, the PDF's first
page. Story: running 3 m/s with a pod and a strap at 150 bpm; numbness at 300 s, worse at
400 s, a stop at 500 s, the heart rate falling 1 bpm/s to 90, relief at 620 s."""

from __future__ import annotations

import csv
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from footnote.device.db.store import Store
from footnote.device.logger.replay import replay_file
from footnote.device.rules.hrm import encode_hrm_measurement
from footnote.device.rules.rsc import encode_rsc_measurement
from tests.helpers import FOOTNOTE, REPO

ROOT = REPO
R4_PYTHON = ROOT / ".venv-fhir-r4" / "bin" / "python"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hr")
    items = [{"t": 0.1, "footpod": "connected"}, {"t": 0.2, "strap": "connected", "location": 1}]
    d = 0.0
    for s in range(1, 800):
        speed = 3.0 if s < 500 else 0.0
        d += speed
        items.append({"t": s, "rsc": encode_rsc_measurement(speed, 170 if speed else 0, total_distance_m=d).hex()})
        bpm = 150 if s < 500 else max(90, 150 - (s - 500))
        items.append({"t": s + 0.5, "hrm": encode_hrm_measurement(bpm).hex()})
    for t, held in ((300, 0.2), (400, 0.2), (620, 2.0)):
        items += [{"t": t, "button": "down"}, {"t": t + held, "button": "up"}]
    items.append({"t": 800, "end": True})
    items.sort(key=lambda x: x["t"])
    header = {"footnote_replay": 1, "started_at": datetime(2026, 11, 22, 8, tzinfo=UTC).isoformat()}
    path = folder / "strap.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in [header, *items]) + "\n")
    db = folder / "footnote.db"
    with Store(db) as store:
        replay_file(path, store=store)
    return db


def export(db: Path, fmt: str, out: Path) -> None:
    done = subprocess.run(
        [*FOOTNOTE, "export", "--format", fmt, "--out", str(out), "--db", str(db)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_the_csv_has_the_heart_rate_at_each_press(db, tmp_path):
    export(db, "csv", tmp_path / "e.csv")
    (row,) = list(csv.DictReader((tmp_path / "e.csv").open(encoding="utf-8")))
    assert (row["hr_onset_bpm"], row["hr_worse_bpm"], row["hr_relief_bpm"], row["hr_fall_at_relief_bpm"]) == (
        "150",
        "150",
        "90",
        "60",
    )
    assert row["grade_at_onset_pct"] == ""  # no elevation: unknown, never 0


def test_fhir_has_heart_rate_observations_tied_to_the_episode_and_valid_r4(db, tmp_path):
    export(db, "fhir", tmp_path / "b.json")
    bundle = json.loads((tmp_path / "b.json").read_text())
    resources = [e["resource"] for e in bundle["entry"]]
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    rates = [r for r in observations if r["code"]["coding"][0]["code"] == "8867-4"]
    assert [r["valueQuantity"]["value"] for r in rates] == [150, 150, 90]
    assert {r["valueQuantity"]["code"] for r in rates} == {"/min"}
    (episode,) = [r for r in observations if r["code"]["coding"][0]["code"] == "75325-1"]
    assert [m["reference"] for m in episode["hasMember"]] == [f"urn:uuid:{r['id']}" for r in rates]
    assert rates[0]["effectiveDateTime"] == episode["effectivePeriod"]["start"]
    assert R4_PYTHON.exists(), "run `make fhir-r4` first (make check and make test do)"
    done = subprocess.run(
        [str(R4_PYTHON), str(ROOT / "tests" / "fhir_r4_validate.py"), str(tmp_path / "b.json")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_pdfs_first_page_gives_the_heart_rate(db, tmp_path):
    from pypdf import PdfReader

    export(db, "pdf", tmp_path / "r.pdf")
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(tmp_path / "r.pdf").pages]
    assert "Heart rate at first numbness 150 bpm" in pages[0]
    assert "Not enough runs yet to say whether numbness starts at a similar distance" in pages[0]
    assert any("Heart rate at onset 150 bpm; when it got worse 150 bpm; at relief 90 bpm" in p for p in pages)

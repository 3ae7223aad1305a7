"""The FHIR export against the HL7 Symptoms IG (SymptomObservation, IG 1.0.0, FHIR 4.0.1)
and against R4 itself. Each test is one rule of input/fsh/SymptomObservation.fsh in
HL7/fhir-symptoms-ig that footnote's episodes touch, checked on the demo runs exported
through `footnote export`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from footnote.server.analysis.questionnaire import AnswersIn
from footnote.server.dashboard.saves import save_answers
from tests.helpers import FOOTNOTE, REPO

ROOT = REPO
R4_PYTHON = ROOT / ".venv-fhir-r4" / "bin" / "python"
PROFILE = "http://hl7.org/fhir/uv/symptoms/StructureDefinition/SymptomObservation"
SEVERITY_CODES = {"255604002": "Mild", "6736007": "Moderate", "24484000": "Severe"}
FIXED_COMPONENTS = {  # component slice code -> the display the profile fixes
    "56823-8": "Problem quality or description",
    "64750-3": "Severity of symptoms",
    "89261-2": "Clinical course",
    "89253-9": "Trend",
    "100752-5": "Exacerbating factors - Reported",
    "100753-3": "Alleviating factors - Reported",
    "104156-5": "Condition frequency - Reported",
    "99495-4": "Speed of condition onset",
}


def export_fhir(db, out, *extra) -> dict:
    done = subprocess.run(
        [*FOOTNOTE, "export", "--db", str(db), "--format", "fhir", "--out", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(Path(out).read_text())


def resources(bundle: dict, kind: str | None = None) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if kind is None or e["resource"]["resourceType"] == kind]


def symptoms(bundle: dict) -> list[dict]:
    return [r for r in resources(bundle, "Observation") if PROFILE in r.get("meta", {}).get("profile", [])]


ANSWERS = dict(
    pain_when_walking="yes",
    begins_at_rest="no",
    uphill_or_hurrying="yes",
    ordinary_pace_level="no",
    when_standing_still="gone_within_10_min",
    where=["calf"],
)


@pytest.fixture
def answered_db(fresh_demo_db):
    save_answers(fresh_demo_db, AnswersIn(**ANSWERS))
    return fresh_demo_db


@pytest.fixture(scope="module")
def bundle(demo_db, tmp_path_factory) -> dict:
    """The runner answered the questionnaire; the document is exported once for the rules below."""
    import shutil
    import sqlite3

    db = tmp_path_factory.mktemp("ig") / "demo.db"
    conn = sqlite3.connect(demo_db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    shutil.copy(demo_db, db)
    save_answers(db, AnswersIn(**ANSWERS))
    bundle = export_fhir(db, db.parent / "bundle.json", "--name", "Ada Runner")
    return bundle


def test_the_whole_document_is_valid_fhir_r4(bundle, tmp_path):
    """Validated by fhir.resources 6.4.0 (FHIR 4.0.1) in its own environment (pydantic 1)."""
    assert R4_PYTHON.exists(), "run `make fhir-r4` first (make check and make test do)"
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle))
    bundle = json.loads(path.read_text())  # a copy: the other tests share the exported one
    done = subprocess.run(
        [str(R4_PYTHON), str(ROOT / "tests" / "fhir_r4_validate.py"), str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # and the validator can fail: an element R4 does not have is refused
    bundle["entry"][4]["resource"]["severity"] = "mild"
    path.write_text(json.dumps(bundle))
    done = subprocess.run(
        [str(R4_PYTHON), str(ROOT / "tests" / "fhir_r4_validate.py"), str(path)], capture_output=True, text=True
    )
    assert done.returncode == 1 and "severity" in done.stdout


def test_every_episode_claims_the_profile_and_has_its_required_elements(bundle):
    obs = symptoms(bundle)
    assert len(obs) == 7  # one per demo episode
    patient = resources(bundle, "Patient")[0]
    for o in obs:
        assert o["status"] == "final"  # status 1..1
        # category 1..*, with the symptomCode slice fixed to SymptomTemporary#symptom
        assert any(
            c["coding"][0]["system"] == "http://hl7.org/fhir/uv/symptoms/CodeSystem/SymptomTemporary"
            and c["coding"][0]["code"] == "symptom"
            for c in o["category"]
        )
        assert o["code"]["coding"][0] == {"system": "http://loinc.org", "code": "75325-1", "display": "Symptom"}
        assert o["subject"] == {"reference": f"urn:uuid:{patient['id']}"}  # subject only Reference(Patient)
        assert o["performer"] == [o["subject"]]  # performer 1..1, Patient or RelatedPerson
        assert "effectivePeriod" in o and "effectiveDateTime" not in o  # effective[x] 1..1
        assert [k for k in o if k.startswith("value")] == ["valueCodeableConcept"]  # value[x] only CodeableConcept
        assert o["valueCodeableConcept"]["coding"][0]["code"] == "44077006"
        assert o["issued"].endswith("+00:00")  # issued (should support): an instant with its offset
        assert o["text"]["status"] == "generated" and "Numbness" in o["text"]["div"]


def test_no_episode_carries_what_the_profile_forbids(bundle):
    for o in symptoms(bundle):
        for forbidden in ("device", "dataAbsentReason", "interpretation", "specimen", "referenceRange"):
            assert forbidden not in o  # 0..0
        for c in o["component"]:
            assert "code" in c and len([k for k in c if k.startswith("value")]) == 1  # code 1..1, value[x] 1..1
            for forbidden in ("dataAbsentReason", "interpretation", "referenceRange"):
                assert forbidden not in c
    logger = next(d for d in resources(bundle, "Device") if "logger" in d["deviceName"][0]["name"])
    devices = next(s for s in resources(bundle, "Composition")[0]["section"] if s["title"] == "Devices")
    assert {"reference": f"urn:uuid:{logger['id']}"} in devices["entry"]  # the logger lives in Devices


TREND_CODES = {  # Terminology.fsh, ValueSet TrendCodes
    "1250004", "35105006", "231877006", "385425000", "385630006", "442474009", "409051000", "442387004",
    "445021000124109", "445031000124107",
}  # fmt: skip


def test_fixed_components_use_the_profile_codes_displays_and_value_types(bundle):
    seen = set()
    for o in symptoms(bundle):
        for c in o["component"]:
            coding = c["code"]["coding"][0]
            if coding["system"] == "http://loinc.org":
                assert coding["code"] in FIXED_COMPONENTS
                assert coding["display"] == FIXED_COMPONENTS[coding["code"]]
                assert "valueCodeableConcept" in c  # every fixed slice: value[x] only CodeableConcept
                seen.add(coding["code"])
                value = c["valueCodeableConcept"]["coding"][0]["code"]
                if coding["code"] == "89253-9":
                    assert value in TREND_CODES
                if coding["code"] == "100753-3":
                    assert value == "128975004"  # Resting state, in AlleviatingFactorCodes
    assert {"64750-3", "89253-9", "100753-3"} <= seen


def test_severity_is_a_severity_code_and_the_press_count_is_kept_locally(bundle):
    for o in symptoms(bundle):
        severity = [c for c in o["component"] if c["code"]["coding"][0]["code"] == "64750-3"]
        assert len(severity) == 1  # severity 0..1
        value = severity[0]["valueCodeableConcept"]["coding"][0]
        assert value["system"] == "http://snomed.info/sct" and SEVERITY_CODES[value["code"]] == value["display"]
        count = next(c for c in o["component"] if c["code"]["coding"][0]["code"] == "press-count")
        assert isinstance(count["valueInteger"], int)
        expected = {1: "255604002", 2: "6736007"}.get(count["valueInteger"], "24484000")
        assert value["code"] == expected
    worse = [o for o in symptoms(bundle) if any(c["code"]["coding"][0]["code"] == "89253-9" for c in o["component"])]
    assert worse and all(
        next(c for c in o["component"] if c["code"]["coding"][0]["code"] == "press-count")["valueInteger"] >= 2
        for o in worse
    )


def test_the_side_is_a_location_qualifier_on_a_body_structure(answered_db, tmp_path):
    import sqlite3

    conn = sqlite3.connect(answered_db)
    with conn:
        conn.execute("UPDATE annotations SET side = NULL")  # the demo runner said a side; start from none
        run_id, number = conn.execute(
            "SELECT run_id, episode FROM annotations WHERE location = 'calf' LIMIT 1"
        ).fetchone()
        conn.execute("UPDATE annotations SET side = 'left' WHERE run_id = ? AND episode = ?", (run_id, number))
    conn.close()
    bundle = export_fhir(answered_db, tmp_path / "b.json")
    sided = [o for o in symptoms(bundle) if "extension" in o.get("bodySite", {})]
    assert len(sided) == 1
    ext = sided[0]["bodySite"]["extension"][0]
    assert ext["url"] == "http://hl7.org/fhir/StructureDefinition/bodySite"
    structure = next(
        r for r in resources(bundle, "BodyStructure") if f"urn:uuid:{r['id']}" == ext["valueReference"]["reference"]
    )
    assert structure["locationQualifier"][0]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "7771000",
        "display": "Left",
    }
    assert structure["location"]["coding"][0]["code"] == sided[0]["bodySite"]["coding"][0]["code"] == "30021000"


def test_every_resource_has_a_narrative(bundle):
    for r in resources(bundle):
        assert r["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">'), r["resourceType"]


@pytest.mark.slow  # builds a second demo database and exports four times
def test_ids_are_unique_across_databases_and_stable_for_one(answered_db, tmp_path):
    import shutil

    other = tmp_path / "other.db"
    from tests.story_week import build_story_week_db

    build_story_week_db(other)  # another runner's logger with the very same runs
    first = export_fhir(answered_db, tmp_path / "1.json", "--name", "Ada Runner")
    again = export_fhir(answered_db, tmp_path / "2.json", "--name", "Ada Runner")
    theirs = export_fhir(other, tmp_path / "3.json", "--name", "Ada Runner")

    def urls(b: dict) -> set[str]:
        return {e["fullUrl"] for e in b["entry"] if e["resource"]["resourceType"] not in ("Composition",)}

    assert urls(first) == urls(again)  # stable: the same database gives the same ids
    assert not urls(first) & urls(theirs)  # two databases never share one
    copy = tmp_path / "copy.db"
    shutil.copy(answered_db, copy)  # a backup copy is the same database
    assert urls(export_fhir(copy, tmp_path / "4.json", "--name", "Ada Runner")) == urls(first)


def test_the_questionnaire_and_what_the_recordings_say_are_in_the_document(bundle):
    response = resources(bundle, "QuestionnaireResponse")[0]
    answers = {i["linkId"]: [a["valueCoding"]["code"] for a in i["answer"]] for i in response["item"]}
    assert answers["when_standing_still"] == ["gone_within_10_min"] and answers["where"] == ["calf"]
    derived = [r for r in resources(bundle, "Observation") if r["code"]["coding"][0]["code"].startswith("recorded-")]
    began_at_rest = next(r for r in derived if r["code"]["coding"][0]["code"] == "recorded-began-while-standing-still")
    assert began_at_rest["valueRatio"]["denominator"]["value"] >= began_at_rest["valueRatio"]["numerator"]["value"]
    section = next(s for s in resources(bundle, "Composition")[0]["section"] if "Edinburgh" in s["title"])
    assert "positive" not in json.dumps(section).lower()  # never scored


def test_without_answers_there_is_no_questionnaire_response(fresh_demo_db, tmp_path):
    bundle = export_fhir(fresh_demo_db, tmp_path / "b.json")
    assert resources(bundle, "QuestionnaireResponse") == []
    assert sys.executable  # the export ran in footnote's own environment

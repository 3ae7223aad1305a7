"""The FHIR R4 `document` Bundle for the doctor.

Entries, in order: the Composition (the cover page: summary, red flags and the
disclaimer as narrative, with sections pointing at the rest), the Patient (the name
given, or none at all), the Devices (the logger and each footpod), one Observation per
numbness episode following the HL7 Symptoms IG's SymptomObservation pattern, and per run
an exercise-duration Observation grouping (hasMember) its distance and its episodes.

Codes: LOINC 75325-1 Symptom; SNOMED CT 44077006 Numbness; body site SNOMED 30021000
lower leg structure / 56459004 foot structure; components LOINC 64750-3 severity,
89253-9 trend (SNOMED 231877006 Worse), 100753-3 alleviating factor (SNOMED 128975004
Resting state); LOINC 55411-3 exercise duration, 55430-3 walking distance. Onset
distance has no LOINC code: a local code system (with text) carries it, and the pattern
label.
"""

from __future__ import annotations

import json
import uuid
from html import escape
from typing import Any, BinaryIO

from footnote.device import __version__
from footnote.server.exports.data import ExportData, at
from footnote.server.vocabulary import DISCLAIMER, LABEL_WORDS, LOCATION_WORDS, PATTERN_WORDS, duration, km

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
SYMPTOM_CATEGORY = "http://hl7.org/fhir/uv/symptoms/CodeSystem/SymptomTemporary"
SYMPTOM_PROFILE = "http://hl7.org/fhir/uv/symptoms/StructureDefinition/SymptomObservation"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LOCAL = "urn:footnote:codes"  # footnote's own codes, each with its text
NAMESPACE = uuid.UUID("7b0c4f3e-6d0b-4c55-9a43-2f0e6c1f7a11")

BODY_SITES = {  # footnote's place -> SNOMED CT body structure
    "calf": ("30021000", "Lower leg structure"),
    "top_of_foot": ("56459004", "Foot structure"),
    "sole_heel": ("56459004", "Foot structure"),
    "toes_3_4_ball": ("56459004", "Foot structure"),
}


def _id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(map(str, parts))))


def _ref(resource: dict) -> dict:
    return {"reference": f"urn:uuid:{resource['id']}"}


def _cc(system: str, code: str, display: str, text: str | None = None) -> dict:
    concept: dict[str, Any] = {"coding": [{"system": system, "code": code, "display": display}]}
    if text:
        concept["text"] = text
    return concept


def _narrative(paragraphs: list[str]) -> dict:
    body = "".join(f"<p>{escape(text)}</p>" for text in paragraphs)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def _quantity(value: float, unit: str, code: str) -> dict:
    return {"value": round(value, 1), "unit": unit, "system": UCUM, "code": code}


def patient(data: ExportData) -> dict:
    resource: dict[str, Any] = {"resourceType": "Patient", "id": _id("patient", data.name or "anonymous")}
    if data.name:
        resource["name"] = [{"text": data.name}]
    return resource


def devices(data: ExportData) -> tuple[dict, dict[str, dict]]:
    logger = {
        "resourceType": "Device",
        "id": _id("device", "logger"),
        "deviceName": [{"name": "footnote numbness logger", "type": "user-friendly-name"}],
        "type": {"text": "Wearable symptom logger (Raspberry Pi, one push button)"},
        "version": [{"value": __version__}],
        "note": [
            {
                "text": "Records runner-marked numbness onset, worsening and relief; confirms each only after it is stored."
            }
        ],
    }
    pods = {}
    for row in data.rows:
        if row.footpod_address and row.footpod_address not in pods:
            pods[row.footpod_address] = {
                "resourceType": "Device",
                "id": _id("device", row.footpod_address),
                "identifier": [{"system": "urn:ietf:rfc:7042", "value": row.footpod_address}],
                "deviceName": [{"name": row.footpod_name or "footpod", "type": "user-friendly-name"}],
                "type": {"text": "Bluetooth running footpod (Running Speed and Cadence)"},
            }
    return logger, pods


def episode_observation(data: ExportData, row, ra, ep, subject: dict, logger: dict) -> dict:
    components = [
        {"code": _cc(LOINC, "64750-3", "Severity of symptom"), "valueInteger": ep.max_severity},
        {
            "code": _cc(LOCAL, "episode-pattern", "Pattern of the episode", "footnote pattern (not a diagnosis)"),
            "valueCodeableConcept": _cc(LOCAL, ep.label, LABEL_WORDS[ep.label]),
        },
    ]
    if ep.escalations:
        components.append(
            {"code": _cc(LOINC, "89253-9", "Symptom trend"), "valueCodeableConcept": _cc(SNOMED, "231877006", "Worse")}
        )
    if ep.label == "resolves_at_rest":
        components.append(
            {
                "code": _cc(LOINC, "100753-3", "Alleviating factors"),
                "valueCodeableConcept": _cc(SNOMED, "128975004", "Resting state"),
            }
        )
    if ep.onset_distance_m is not None:
        components.append(
            {
                "code": _cc(
                    LOCAL,
                    "onset-distance",
                    "Distance from the start of the run to onset",
                    "Onset (pain-free) distance; no LOINC code exists",
                ),
                "valueQuantity": _quantity(ep.onset_distance_m, "m", "m"),
            }
        )
    if ep.rest_to_relief_s is not None:
        components.append(
            {
                "code": _cc(LOCAL, "standstill-to-relief", "Time from standing still to relief"),
                "valueQuantity": _quantity(ep.rest_to_relief_s, "s", "s"),
            }
        )
    period = {"start": at(row, ep.onset_t_s)}
    if ep.relieved:
        period["end"] = at(row, ep.end_t_s)
    notes = [{"text": line} for line in ep.evidence]
    if ep.ended_by == "unresolved_at_run_end":
        notes.append({"text": "Still present when the recording ended; relief time unknown."})
    a = ep.annotation
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _id("episode", row.id, ep.number),
        "meta": {"profile": [SYMPTOM_PROFILE]},
        "status": "final",
        "category": [_cc(SYMPTOM_CATEGORY, "symptom", "Symptom")],
        "code": _cc(LOINC, "75325-1", "Symptom"),
        "subject": subject,
        "performer": [subject],
        "effectivePeriod": period,
        "valueCodeableConcept": _cc(SNOMED, "44077006", "Numbness"),
        "device": _ref(logger),
        "component": components,
        "note": notes,
    }
    if a is not None and a.location in BODY_SITES:
        code, display = BODY_SITES[a.location]
        resource["bodySite"] = _cc(
            SNOMED, code, display, LOCATION_WORDS[a.location] + (f", {a.side}" if a.side else "")
        )
    elif a is not None and a.location:
        resource["bodySite"] = {"text": a.location}
    if a is not None:
        extra = [
            f"Shoes: {a.shoes}" if a.shoes else "",
            f"Lacing: {a.lacing}" if a.lacing else "",
            f"Runner's note: {a.note}" if a.note else "",
        ]
        resource["note"] += [{"text": t} for t in extra if t]
    return resource


def _activity(kind: str, row, subject: dict, period: dict, code: dict, quantity: dict) -> dict:
    """One run-level activity Observation (duration or distance)."""
    return {
        "resourceType": "Observation",
        "id": _id(kind, row.id),
        "status": "final",
        "category": [_cc(OBS_CATEGORY, "activity", "Activity")],
        "code": code,
        "subject": subject,
        "effectivePeriod": period,
        "valueQuantity": quantity,
    }


def run_observations(row, ra, subject: dict, pod: dict | None, members: list[dict]) -> list[dict]:
    period = {"start": at(row, 0), "end": at(row, ra.duration_s)}
    distance = _activity(
        "run-distance",
        row,
        subject,
        period,
        _cc(LOINC, "55430-3", "Walking distance (pedometer)", "Running distance (footpod)"),
        _quantity(ra.distance_m, "m", "m"),
    )
    if pod:
        distance["device"] = _ref(pod)
    duration_obs = _activity(
        "run-duration",
        row,
        subject,
        period,
        _cc(LOINC, "55411-3", "Exercise duration", "Run duration"),
        _quantity(ra.duration_s / 60, "min", "min"),
    )
    duration_obs["hasMember"] = [_ref(distance)] + [_ref(m) for m in members]
    if not row.clock_synced:
        note = "The logger's clock was not synchronised at the start" + (
            "; start time corrected by the runner." if row.corrected else "; the date and time may be off."
        )
        duration_obs["note"] = [{"text": note}]
    return [duration_obs, distance]


def build_bundle(data: ExportData) -> dict:
    pat = patient(data)
    subject = _ref(pat)
    logger, pods = devices(data)
    episode_obs, run_obs = [], []
    for row, ra in data.pairs():
        mine = [episode_observation(data, row, ra, ep, subject, logger) for ep in ra.episodes]
        episode_obs += mine
        run_obs += run_observations(row, ra, subject, pods.get(row.footpod_address or ""), mine)
    s = data.summary
    cover = [
        (
            f"Runner-recorded numbness log, {data.first_day:%d %b %Y} to {data.last_day:%d %b %Y}: {s.runs} runs, "
            f"{km(s.total_distance_m)}, {s.episodes} numbness episodes."
        ),
        f"Pattern across runs: {PATTERN_WORDS[s.pattern]}.",
        *s.evidence,
        *[("EMERGENCY: " if f.urgency == "emergency" else "See a doctor soon: ") + f.text for f in s.red_flags],
        *s.hints,
        DISCLAIMER,
    ]
    if s.rest_to_relief_s.median is not None:
        cover.insert(2, f"Median time from standing still to relief: {duration(s.rest_to_relief_s.median)}.")
    sections = [
        {"title": "Summary", "code": _cc(LOINC, "55112-7", "Document summary"), "text": _narrative(cover)},
        {
            "title": "Numbness episodes",
            "text": _narrative([f"{len(episode_obs)} episodes, one Observation each."]),
            "entry": [_ref(o) for o in episode_obs],
        }
        if episode_obs
        else {
            "title": "Numbness episodes",
            "text": _narrative(["No numbness was marked in this period."]),
            "emptyReason": _cc("http://terminology.hl7.org/CodeSystem/list-empty-reason", "nilknown", "Nil Known"),
        },
        {
            "title": "Runs",
            "text": _narrative([f"{len(data.rows)} runs: duration and distance per run."]),
            "entry": [_ref(o) for o in run_obs],
        },
        {
            "title": "Devices",
            "text": _narrative(["The logger and the footpods that recorded these runs."]),
            "entry": [_ref(logger)] + [_ref(d) for d in pods.values()],
        },
    ]
    composition = {
        "resourceType": "Composition",
        "id": _id("composition", data.generated_at.isoformat(), data.name),
        "status": "final",
        "type": _cc(LOINC, "51855-5", "Patient Note", "Runner-recorded numbness log"),
        "subject": subject,
        "date": data.generated_at.isoformat(timespec="seconds"),
        "author": [subject],
        "title": "footnote: runner-recorded numbness log (patterns, not a diagnosis)",
        "text": _narrative(cover),
        "section": sections,
    }
    resources = [composition, pat, logger, *pods.values(), *episode_obs, *run_obs]
    return {
        "resourceType": "Bundle",
        "id": _id("bundle", data.generated_at.isoformat()),
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": f"urn:uuid:{_id('bundle-identifier', data.generated_at.isoformat())}",
        },
        "type": "document",
        "timestamp": data.generated_at.isoformat(timespec="seconds"),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def write(data: ExportData, out: BinaryIO) -> None:
    """The document Bundle as JSON (UTF-8)."""
    out.write(json.dumps(build_bundle(data), indent=2, ensure_ascii=False).encode("utf-8"))

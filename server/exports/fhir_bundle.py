"""The FHIR R4 `document` Bundle for the doctor.

Entries, in order: the Composition (the cover page: summary, red flags and the
disclaimer as narrative, with sections pointing at the rest), the Patient (the name
given, or none at all), the Devices (the logger and each footpod), one Observation per
numbness episode conforming to the HL7 Symptoms IG's SymptomObservation profile (IG 1.0.0,
FHIR 4.0.1), a BodyStructure per episode whose side is known, the Edinburgh Claudication
Questionnaire answers (QuestionnaireResponse) with the Observations derived from the
recordings beside them, and per run an exercise-duration Observation grouping (hasMember)
its distance and its episodes.

SymptomObservation rules followed (HL7/fhir-symptoms-ig input/fsh/SymptomObservation.fsh):
status, category (SymptomTemporary#symptom), code LOINC 75325-1, subject and performer
the Patient, effective[x], valueCodeableConcept; device, dataAbsentReason,
interpretation, specimen and referenceRange absent; each component has a code and a
value and no dataAbsentReason/interpretation/referenceRange; the fixed component codes
carry the profile's displays: severity 64750-3 "Severity of symptoms" valued from
SeverityCodes (SNOMED 255604002 Mild, 6736007 Moderate, 24484000 Severe; footnote's
press count is kept in a local-code component), trend 89253-9 "Trend", alleviating
factors 100753-3 "Alleviating factors - Reported". issued is the export's instant.
The side is not in the profile: bodySite carries the core R4 `bodySite` extension
pointing at a BodyStructure whose locationQualifier is SNOMED Left/Right/Both.

Ids are name-based UUIDs of the database's own random id (device.db.reader.database_uuid)
and a local key: unique across databases and runners, stable for one database. A database
older than its id is refused (DatabaseTooOld): its ids could be anyone's.

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
from footnote.device.errors import DatabaseTooOld
from footnote.server.analysis.questionnaire import ITEMS, recorded_beside
from footnote.server.exports.data import ExportData, at
from footnote.server.words import present, sentences
from footnote.server.words.vocabulary import (
    BESIDE_NOTE,
    BESIDE_WORDS,
    DISCLAIMER_FOR_DOCTOR,
    EDINBURGH_ANSWER_WORDS,
    EDINBURGH_NAME,
    EDINBURGH_QUESTIONS,
    EDINBURGH_SOURCE,
    LABEL_WORDS,
    LEG_PLACE_WORDS,
    LOCATION_WORDS,
    PATTERN_WORDS,
    SIDE_WORDS,
    distance,
    duration,
    variation,
)

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
SYMPTOM_CATEGORY = "http://hl7.org/fhir/uv/symptoms/CodeSystem/SymptomTemporary"
SYMPTOM_PROFILE = "http://hl7.org/fhir/uv/symptoms/StructureDefinition/SymptomObservation"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LOCAL = "urn:footnote:codes"  # footnote's own codes, each with its text
ECQ_ANSWERS = "urn:footnote:codes:edinburgh-claudication-answers"  # the questionnaire's choices
NAMESPACE = uuid.UUID("7b0c4f3e-6d0b-4c55-9a43-2f0e6c1f7a11")

BODY_SITES = {  # footnote's place -> SNOMED CT body structure
    "calf": ("30021000", "Lower leg structure"),
    "top_of_foot": ("56459004", "Foot structure"),
    "sole_heel": ("56459004", "Foot structure"),
    "toes_3_4_ball": ("56459004", "Foot structure"),
}


SEVERITY = {1: ("255604002", "Mild"), 2: ("6736007", "Moderate"), 3: ("24484000", "Severe")}
"""footnote's press count -> SNOMED severity (SeverityCodes): 1 press (onset) is mild, one
"worse" press moderate, two or more severe."""
SIDES = {"left": ("7771000", "Left"), "right": ("24028007", "Right"), "both": ("51440002", "Right and left")}
BODY_SITE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/bodySite"


def _id(data: ExportData, *parts: object) -> str:
    """A UUID unique to this database (its random id) and stable for one local key."""
    return str(uuid.uuid5(NAMESPACE, "/".join(map(str, (data.database_id, *parts)))))


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
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": _id(data, "patient"),
        "text": _narrative([f"The runner: {data.name}." if data.name else "The runner (no name given)."]),
    }
    if data.name:
        resource["name"] = [{"text": data.name}]
    return resource


def devices(data: ExportData) -> tuple[dict, dict[str, dict]]:
    logger = {
        "resourceType": "Device",
        "id": _id(data, "device", "logger"),
        "text": _narrative([f"footnote numbness logger, version {__version__}."]),
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
                "id": _id(data, "device", row.footpod_address),
                "text": _narrative([f"Bluetooth running footpod {row.footpod_name or ''} ({row.footpod_address})."]),
                "identifier": [{"system": "urn:ietf:rfc:7042", "value": row.footpod_address}],
                "deviceName": [{"name": row.footpod_name or "footpod", "type": "user-friendly-name"}],
                "type": {"text": "Bluetooth running footpod (Running Speed and Cadence)"},
            }
    return logger, pods


def severity_component(presses: int) -> dict:
    code, display = SEVERITY[min(max(presses, 1), 3)]
    return {
        "code": _cc(LOINC, "64750-3", "Severity of symptoms"),
        "valueCodeableConcept": _cc(SNOMED, code, display),
    }


def body_structure(data: ExportData, row, ep, subject: dict) -> dict | None:
    """Where and on which side, for an episode whose place maps to SNOMED and whose side is known."""
    a = ep.annotation
    if a is None or a.location not in BODY_SITES or a.side not in SIDES:
        return None
    code, display = BODY_SITES[a.location]
    side_code, side_display = SIDES[a.side]
    return {
        "resourceType": "BodyStructure",
        "id": _id(data, "body-structure", row.id, ep.number),
        "text": _narrative([f"{LOCATION_WORDS[a.location]}, {SIDE_WORDS[a.side]}"]),
        "location": _cc(SNOMED, code, display),
        "locationQualifier": [_cc(SNOMED, side_code, side_display)],
        "patient": subject,
    }


def episode_observation(data: ExportData, row, ra, ep, subject: dict, where: dict | None = None) -> dict:
    """One episode as a SymptomObservation; `where` is its BodyStructure, if any."""
    components = [
        severity_component(ep.max_severity),
        {
            "code": _cc(LOCAL, "press-count", "Button presses (onset plus each worse)", "footnote severity count"),
            "valueInteger": ep.max_severity,
        },
        {
            "code": _cc(LOCAL, "episode-pattern", "Pattern of the episode", "footnote pattern (not a diagnosis)"),
            "valueCodeableConcept": _cc(LOCAL, ep.label, LABEL_WORDS[ep.label]),
        },
    ]
    if ep.escalations:
        components.append(
            {"code": _cc(LOINC, "89253-9", "Trend"), "valueCodeableConcept": _cc(SNOMED, "231877006", "Worse")}
        )
    if ep.label == "resolves_at_rest":
        components.append(
            {
                "code": _cc(LOINC, "100753-3", "Alleviating factors - Reported"),
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
    notes = [{"text": line} for line in sentences.episode_evidence(ep)]
    if ep.ended_by == "unresolved_at_run_end":
        notes.append({"text": "Still present when the recording ended; relief time unknown."})
    a = ep.annotation
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _id(data, "episode", row.id, ep.number),
        "meta": {"profile": [SYMPTOM_PROFILE]},
        "text": _narrative(
            [
                f"Numbness, episode {ep.number} of the run of {period['start'][:10]}: {LABEL_WORDS[ep.label]}.",
                *sentences.episode_evidence(ep),
            ]
        ),
        "status": "final",
        "category": [_cc(SYMPTOM_CATEGORY, "symptom", "Symptom")],
        "code": _cc(LOINC, "75325-1", "Symptom"),
        "subject": subject,
        "effectivePeriod": period,
        "issued": data.generated_at.isoformat(timespec="seconds"),
        "performer": [subject],
        "valueCodeableConcept": _cc(SNOMED, "44077006", "Numbness"),
        "component": components,
        "note": notes,
    }
    if a is not None and a.location in BODY_SITES:
        code, display = BODY_SITES[a.location]
        resource["bodySite"] = _cc(
            SNOMED, code, display, LOCATION_WORDS[a.location] + (f", {SIDE_WORDS[a.side]}" if a.side else "")
        )
        if where is not None:
            resource["bodySite"]["extension"] = [{"url": BODY_SITE_EXTENSION, "valueReference": _ref(where)}]
    elif a is not None and a.location:
        resource["bodySite"] = {"text": LOCATION_WORDS.get(a.location, a.location)}
    if a is not None:
        extra = [
            f"Shoes: {a.shoes}" if a.shoes else "",
            f"Lacing: {a.lacing}" if a.lacing else "",
            f"Runner's note: {a.note}" if a.note else "",
        ]
        resource["note"] += [{"text": t} for t in extra if t]
    return resource


def _activity(data: ExportData, kind: str, row, subject: dict, period: dict, code: dict, quantity: dict) -> dict:
    """One run-level activity Observation (duration or distance)."""
    return {
        "resourceType": "Observation",
        "id": _id(data, kind, row.id),
        "text": _narrative(
            [f"{code['text']} of the run of {period['start'][:10]}: {quantity['value']} {quantity['unit']}."]
        ),
        "status": "final",
        "category": [_cc(OBS_CATEGORY, "activity", "Activity")],
        "code": code,
        "subject": subject,
        "effectivePeriod": period,
        "valueQuantity": quantity,
    }


VITAL_SIGNS = "http://terminology.hl7.org/CodeSystem/observation-category"


def heart_rate_observations(data: ExportData, row, ep, subject: dict) -> list[dict]:
    """The heart rate at the episode's onset, at each "worse" and at relief, as FHIR's
    heart-rate vital sign (LOINC 8867-4, /min, effectiveDateTime the press), one each where
    it is known; the episode's Observation groups them (hasMember)."""
    moments = [("onset", ep.onset_t_s, ep.hr_onset_bpm)]
    moments += [
        (f"worse-{i + 1}", e.t_s, bpm) for i, (e, bpm) in enumerate(zip(ep.escalations, ep.hr_worse_bpm, strict=False))
    ]
    if ep.relieved:
        moments.append(("relief", ep.end_t_s, ep.hr_relief_bpm))
    out = []
    for what, t_s, bpm in moments:
        if bpm is None:
            continue
        when = at(row, t_s)
        out.append(
            {
                "resourceType": "Observation",
                "id": _id(data, "heart-rate", row.id, ep.number, what),
                "meta": {"profile": ["http://hl7.org/fhir/StructureDefinition/heartrate"]},
                "text": _narrative(
                    [f"Heart rate {bpm} /min at numbness episode {ep.number}'s {what.split('-')[0]} ({when})."]
                ),
                "status": "final",
                "category": [_cc(VITAL_SIGNS, "vital-signs", "Vital Signs")],
                "code": _cc(LOINC, "8867-4", "Heart rate"),
                "subject": subject,
                "effectiveDateTime": when,
                "valueQuantity": {"value": bpm, "unit": "beats/minute", "system": UCUM, "code": "/min"},
            }
        )
    return out


def run_observations(data: ExportData, row, ra, subject: dict, pod: dict | None, members: list[dict]) -> list[dict]:
    period = {"start": at(row, 0), "end": at(row, ra.duration_s)}
    distance = _activity(
        data,
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
        data,
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
    if not data.database_id:
        raise DatabaseTooOld(
            "the database has no id of its own yet (it was made by an older footnote), and the FHIR export "
            "derives its resource ids from it: nothing was exported. Starting the logger (footnote log) or "
            "footnote serve once brings it up to date."
        )
    pat = patient(data)
    subject = _ref(pat)
    logger, pods = devices(data)
    episode_obs: list[dict] = []
    run_obs: list[dict] = []
    places: list[dict] = []
    heart_obs: list[dict] = []
    for row, ra in data.pairs():
        mine = []
        for ep in ra.episodes:
            where = body_structure(data, row, ep, subject)
            if where is not None:
                places.append(where)
            obs = episode_observation(data, row, ra, ep, subject, where)
            rates = heart_rate_observations(data, row, ep, subject)
            if rates:
                obs["hasMember"] = [_ref(r) for r in rates]
                heart_obs += rates
            mine.append(obs)
        episode_obs += mine
        run_obs += run_observations(data, row, ra, subject, pods.get(row.footpod_address or ""), mine)
    questionnaire = questionnaire_resources(data, subject, episode_obs)
    s = data.summary
    episodes = [ep for ra in data.analyses for ep in ra.episodes]
    flags = [
        ("EMERGENCY: " if f.urgency == "emergency" else "") + sentences.red_flag_for_doctor(f) for f in s.red_flags
    ] or [
        "Red flags: none reported. "
        + sentences.no_red_flags(sum(ep.annotation is not None for ep in episodes), len(episodes))
    ]
    first = s.onset_distance_m
    cover = [
        (
            f"Runner-recorded numbness log, {data.first_day:%d %b %Y} to {data.last_day:%d %b %Y}: {s.runs} runs, "
            f"{distance(s.total_distance_m, data.units)}, {s.episodes} numbness episodes."
        ),
        f"Pattern across runs: {PATTERN_WORDS[s.pattern]}.",
        *flags,
        *(
            [
                f"Distance to first numbness: {distance(first.median, data.units)} (median), "
                f"{variation(first.cv, first.n)}."
            ]
            if first.median is not None
            else []
        ),
        *([f"Trend of the onset distance: {sentences.summary_trend(s, data.units)}."] if s.onset_trend else []),
        *sentences.summary_evidence(s, data.units),
        *sentences.hints_for_doctor(s.hint_codes),
        DISCLAIMER_FOR_DOCTOR,
    ]
    if s.rest_to_relief_s.median is not None:
        cover.insert(2, f"Median time from standing still to relief: {duration(s.rest_to_relief_s.median)}.")
    sections = [
        {"title": "Summary", "code": _cc(LOINC, "55112-7", "Document summary"), "text": _narrative(cover)},
        {
            "title": "Numbness episodes",
            "text": _narrative([f"{len(episode_obs)} episodes, one Observation each."]),
            "entry": [_ref(o) for o in episode_obs + places + heart_obs],
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
    if questionnaire:
        sections.insert(
            1,
            {
                "title": EDINBURGH_NAME,
                "text": _narrative(beside_lines(data)),
                "entry": [_ref(r) for r in questionnaire],
            },
        )
    composition = {
        "resourceType": "Composition",
        "id": _id(data, "composition", data.generated_at.isoformat()),
        "status": "final",
        "type": _cc(LOINC, "51855-5", "Patient Note", "Runner-recorded numbness log"),
        "subject": subject,
        "date": data.generated_at.isoformat(timespec="seconds"),
        "author": [subject],
        "title": "footnote: runner-recorded numbness log (patterns, not a diagnosis)",
        "text": _narrative(cover),
        "section": sections,
    }
    resources = [composition, pat, logger, *pods.values(), *questionnaire, *episode_obs, *places, *heart_obs, *run_obs]
    return {
        "resourceType": "Bundle",
        "id": _id(data, "bundle", data.generated_at.isoformat()),
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": f"urn:uuid:{_id(data, 'bundle-identifier', data.generated_at.isoformat())}",
        },
        "type": "document",
        "timestamp": data.generated_at.isoformat(timespec="seconds"),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def beside_lines(data: ExportData) -> list[str]:
    """The questionnaire answers and, beside each, what the recordings say (never a score)."""
    return [f"{row['question']} Answer: {row['answer']}. Recordings: {row['recorded']}." for row in beside(data)] + [
        BESIDE_NOTE
    ]


def beside(data: ExportData) -> list[dict]:
    return present.beside_rows(data.answers, recorded_beside(data.analyses))


def questionnaire_resources(data: ExportData, subject: dict, episode_obs: list[dict]) -> list[dict]:
    """The newest answering as a QuestionnaireResponse, and the Observations derived from the
    recordings beside it (n of N as a Ratio, derived from the episode Observations)."""
    a = data.answers
    if a is None:
        return []
    items = []
    for item in ITEMS:
        value = getattr(a, item)
        codes = list(value) if item == "where" else ([value] if value else [])
        if not codes:
            continue
        words = LEG_PLACE_WORDS if item == "where" else EDINBURGH_ANSWER_WORDS
        items.append(
            {
                "linkId": item,
                "text": EDINBURGH_QUESTIONS[item],
                "answer": [{"valueCoding": {"system": ECQ_ANSWERS, "code": c, "display": words[c]}} for c in codes],
            }
        )
    response = {
        "resourceType": "QuestionnaireResponse",
        "id": _id(data, "questionnaire-response", a.answered_at.isoformat()),
        "text": _narrative([EDINBURGH_NAME + f" ({EDINBURGH_SOURCE}), answered by the runner.", BESIDE_NOTE]),
        "status": "completed",
        "subject": subject,
        "authored": a.answered_at.isoformat(timespec="seconds"),
        "author": subject,
        "source": subject,
        "item": items,
    }
    derived = []
    recorded = recorded_beside(data.analyses)
    for item in ITEMS:
        r = recorded[item]
        if "n" not in r or not r["of"]:
            continue
        text = BESIDE_WORDS[r["code"]].format(**r)
        derived.append(
            {
                "resourceType": "Observation",
                "id": _id(data, "recorded-beside", item, a.answered_at.isoformat()),
                "text": _narrative([f"Recordings: {text}."]),
                "status": "final",
                "code": _cc(
                    LOCAL, f"recorded-{r['code'].replace('_', '-')}", text, f"Beside: {EDINBURGH_QUESTIONS[item]}"
                ),
                "subject": subject,
                "effectivePeriod": {
                    "start": at(data.rows[0], 0),
                    "end": at(data.rows[-1], data.analyses[-1].duration_s),
                },
                "issued": data.generated_at.isoformat(timespec="seconds"),
                "valueRatio": {"numerator": {"value": r["n"]}, "denominator": {"value": r["of"]}},
                "derivedFrom": [_ref(o) for o in episode_obs],
                "note": [{"text": BESIDE_NOTE}],
            }
        )
    return [response, *derived]


def write(data: ExportData, out: BinaryIO) -> None:
    """The document Bundle as JSON (UTF-8)."""
    out.write(json.dumps(build_bundle(data), indent=2, ensure_ascii=False).encode("utf-8"))

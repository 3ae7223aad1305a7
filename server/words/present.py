"""The analysis as it is shown: its codes and numbers, and the sentences that say them.

The analysis (server.analysis) returns decisions only; this is the one presentation step
that adds the sentences where they are shown: the JSON of `footnote analyze --json` and of
the dashboard's twins (which keep their sentence fields: `reason`, `evidence`, `hints`,
a red flag's `text`), the pages, the PDF, the CSV and the FHIR narrative.
"""

from __future__ import annotations

from typing import Any

from footnote.server.analysis.jsonable import jsonable
from footnote.server.analysis.questionnaire import ITEMS, Answers
from footnote.server.analysis.results import Episode, RedFlag, RunAnalysis, Summary
from footnote.server.words import sentences
from footnote.server.words.vocabulary import (
    BESIDE_WORDS,
    EDINBURGH_ANSWER_WORDS,
    EDINBURGH_QUESTIONS,
    LEG_PLACE_WORDS,
    NOT_ANSWERED,
    location,
    speed,
)


def episode(ep: Episode, units: str = "km") -> dict[str, Any]:
    """An episode's JSON, with its sentences (distances in `units`; the numbers stay SI)."""
    return {
        **jsonable(ep),
        "reason": sentences.episode_reason(ep),
        "evidence": sentences.episode_evidence(ep, units),
        "hints": sentences.hints(ep.hint_codes),
        "effort": sentences.episode_effort(ep),
    }


def red_flag(flag: RedFlag) -> dict[str, Any]:
    values = jsonable(flag)
    return {"code": values.pop("code"), "urgency": values.pop("urgency"), "text": sentences.red_flag(flag), **values}


def summary(s: Summary, units: str = "km") -> dict[str, Any]:
    """The summary's JSON, with its sentences (in the order its fields always had; fields
    added later come after them)."""
    values = jsonable(s)
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "red_flags":
            out["evidence"] = sentences.summary_evidence(s, units)
            out["hints"] = sentences.summary_hints(s)
            value = [red_flag(f) for f in s.red_flags]
        out[key] = value
    out["onset_trend_text"] = sentences.summary_trend(s, units) if s.onset_trend is not None else None
    out["onset_steadiness_text"] = sentences.onset_steadiness(s.onset_steadiness)
    return out


def run(ra: RunAnalysis, *, segments: bool = True) -> dict[str, Any]:
    """A run's JSON, with its episodes' sentences; its segments only when asked."""
    values = jsonable(ra)
    values["episodes"] = [episode(ep) for ep in ra.episodes]
    values["segments"] = values["segments"] if segments else None
    return values


def beside_rows(answers: Answers | None, recorded: dict[str, dict]) -> list[dict]:
    """One row per item: the question, the runner's answer and what the recordings say, in
    words (the dashboard, the PDF and the FHIR narrative show these)."""
    rows = []
    for item in ITEMS:
        r = recorded[item]
        if item == "where":
            answer = ", ".join(LEG_PLACE_WORDS[p] for p in answers.where) if answers and answers.where else NOT_ANSWERED
            places = "; ".join(f"{location(p if p != 'not_said' else None)} {n}" for p, n in r["places"].items())
            said = BESIDE_WORDS[r["code"]].format(**r) + (f": {places}" if places else "")
        else:
            value = getattr(answers, item) if answers else None
            answer = EDINBURGH_ANSWER_WORDS[value] if value else NOT_ANSWERED
            said = BESIDE_WORDS[r["code"]].format(**r)
            if r["code"] == "not_recorded" and r.get("median_onset_speed_mps") is not None:
                said += f" (median speed at onset {speed(r['median_onset_speed_mps'])})"
        rows.append(
            {"item": item, "question": EDINBURGH_QUESTIONS[item], "answer": answer, "recorded": said, "counts": r}
        )
    return rows

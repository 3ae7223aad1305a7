"""The Edinburgh Claudication Questionnaire (Leng & Fowkes 1992), answered by the runner on
the dashboard, and beside each item what the recordings say, with counts.

footnote never scores it: no "positive", no diagnosis. It shows the answers and the
recordings side by side for a doctor to read. Answers are stored the way annotations are
(server.dashboard.saves): each answering is a new row, the newest is shown.
"""

from __future__ import annotations

import sqlite3
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from footnote.device.db import schema
from footnote.device.db.connect import connect
from footnote.server.analysis import MOVING, REST, RunAnalysis
from footnote.server.analysis import thresholds as th
from footnote.server.words.vocabulary import (
    BESIDE_WORDS,
    EDINBURGH_ANSWER_WORDS,
    EDINBURGH_QUESTIONS,
    LEG_PLACE_WORDS,
    NOT_ANSWERED,
    location,
    speed,
)

YesNo = Literal["yes", "no"]
ITEMS = (
    "pain_when_walking",
    "begins_at_rest",
    "uphill_or_hurrying",
    "ordinary_pace_level",
    "when_standing_still",
    "where",
)
CHOICES: dict[str, tuple[str, ...]] = {
    "pain_when_walking": ("yes", "no", "unable_to_walk"),
    "begins_at_rest": ("yes", "no"),
    "uphill_or_hurrying": ("yes", "no"),
    "ordinary_pace_level": ("yes", "no"),
    "when_standing_still": ("continues_over_10_min", "gone_within_10_min"),
    "where": tuple(LEG_PLACE_WORDS),
}


class AnswersIn(BaseModel):
    """One answering. Every answer must be one of its item's choices; unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    pain_when_walking: Literal["yes", "no", "unable_to_walk"]
    begins_at_rest: YesNo | None = None
    uphill_or_hurrying: YesNo | None = None
    ordinary_pace_level: YesNo | None = None
    when_standing_still: Literal["continues_over_10_min", "gone_within_10_min"] | None = None
    where: list[Literal["buttock", "thigh", "calf", "shin", "ankle", "foot"]] = []

    @field_validator(
        "begins_at_rest", "uphill_or_hurrying", "ordinary_pace_level", "when_standing_still", mode="before"
    )
    @classmethod
    def empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("where")
    @classmethod
    def each_place_once(cls, value: list[str]) -> list[str]:
        return [p for p in LEG_PLACE_WORDS if p in value]


@dataclass(frozen=True)
class Answers:
    answered_at: datetime
    pain_when_walking: str | None
    begins_at_rest: str | None
    uphill_or_hurrying: str | None
    ordinary_pace_level: str | None
    when_standing_still: str | None
    where: tuple[str, ...]

    def as_dict(self) -> dict:
        return {
            "answered_at": self.answered_at.isoformat(timespec="seconds"),
            **{item: getattr(self, item) for item in ITEMS if item != "where"},
            "where": list(self.where),
        }


def save_answers(db_path: str | Path, answers: AnswersIn) -> Answers:
    conn = connect(Path(db_path))
    try:
        schema.migrate(conn)
        now = datetime.now(UTC)
        v = answers.model_dump()
        row = (
            now.isoformat(),
            v["pain_when_walking"],
            v["begins_at_rest"],
            v["uphill_or_hurrying"],
            v["ordinary_pace_level"],
            v["when_standing_still"],
            ",".join(v["where"]),
        )
        with conn:
            conn.execute(
                "INSERT INTO claudication_answers (answered_at, pain_when_walking, begins_at_rest, uphill_or_hurrying,"
                ' ordinary_pace_level, when_standing_still, "where") VALUES (?, ?, ?, ?, ?, ?, ?)',
                row,
            )
    finally:
        conn.close()
    return _answers(*row)


def latest_answers(conn: sqlite3.Connection) -> tuple[Answers | None, int]:
    """The newest answering and how many there have been (None, 0 before the first)."""
    if not schema.has_table(conn, "claudication_answers"):
        return None, 0
    count = conn.execute("SELECT count(*) FROM claudication_answers").fetchone()[0]
    row = conn.execute(
        "SELECT answered_at, pain_when_walking, begins_at_rest, uphill_or_hurrying, ordinary_pace_level,"
        ' when_standing_still, "where" FROM claudication_answers ORDER BY answered_at DESC, id DESC LIMIT 1'
    ).fetchone()
    if row is None:
        return None, count
    return _answers(*row), count


def _answers(
    answered_at: str,
    pain_when_walking: str | None,
    begins_at_rest: str | None,
    uphill_or_hurrying: str | None,
    ordinary_pace_level: str | None,
    when_standing_still: str | None,
    where: str | None,
) -> Answers:
    return Answers(
        answered_at=datetime.fromisoformat(answered_at),
        pain_when_walking=pain_when_walking,
        begins_at_rest=begins_at_rest,
        uphill_or_hurrying=uphill_or_hurrying,
        ordinary_pace_level=ordinary_pace_level,
        when_standing_still=when_standing_still,
        where=tuple(p for p in (where or "").split(",") if p),
    )


def recorded_beside(analyses: list[RunAnalysis]) -> dict[str, dict]:
    """What the recordings say for each item, as counts (n of N), never a verdict.

    - pain_when_walking: episodes that began while moving, of those whose state is known;
    - begins_at_rest: episodes that began while standing still, of the same;
    - uphill_or_hurrying, ordinary_pace_level: footnote records neither slope nor effort
      beyond speed; the median speed at onset is given instead;
    - when_standing_still: episodes that cleared within 10 minutes of standing still, of
      the episodes during which the runner stood still;
    - where: episodes per annotated place, and how many did not say.
    """
    episodes = [ep for ra in analyses for ep in ra.episodes]
    known = [ep for ep in episodes if ep.onset_state in (MOVING, REST)]
    stood_still = [ep for ep in episodes if ep.rest_periods]
    cleared = [
        ep for ep in stood_still if ep.rest_to_relief_s is not None and ep.rest_to_relief_s <= th.RELIEF_WITHIN_REST_S
    ]
    speeds = sorted(ep.onset_speed_mps for ep in episodes if ep.onset_speed_mps is not None)
    places: dict[str, int] = {}
    for ep in episodes:
        where = ep.annotation.location if ep.annotation is not None and ep.annotation.location else "not_said"
        places[where] = places.get(where, 0) + 1
    return {
        "pain_when_walking": {
            "code": "began_while_moving",
            "n": sum(ep.onset_state == MOVING for ep in known),
            "of": len(known),
        },
        "begins_at_rest": {
            "code": "began_while_standing_still",
            "n": sum(ep.onset_state == REST for ep in known),
            "of": len(known),
        },
        "uphill_or_hurrying": {"code": "not_recorded", "median_onset_speed_mps": _median(speeds)},
        "ordinary_pace_level": {"code": "not_recorded", "median_onset_speed_mps": _median(speeds)},
        "when_standing_still": {
            "code": "cleared_within_10_min_of_standstill",
            "n": len(cleared),
            "of": len(stood_still),
        },
        "where": {"code": "episodes_per_place", "places": places, "of": len(episodes)},
    }


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


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

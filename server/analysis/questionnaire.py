"""The Edinburgh Claudication Questionnaire (Leng & Fowkes 1992), answered by the runner on
the dashboard, and beside each item what the recordings say, with counts.

footnote never scores it: no "positive", no diagnosis. It shows the answers and the
recordings side by side for a doctor to read. Answers are saved the way annotations are
(server.dashboard.saves): each answering is a new row, the newest is shown.
"""

from __future__ import annotations

import sqlite3
import statistics
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from footnote.device.db import reader
from footnote.device.db.rows import ClaudicationAnswers
from footnote.device.db.tables import CLAUDICATION_ANSWERS, CLAUDICATION_ITEMS
from footnote.server.analysis import MOVING, REST, RunAnalysis
from footnote.server.analysis import thresholds as th

YesNo = Literal["yes", "no"]
LEG_PLACES = ("buttock", "thigh", "calf", "shin", "ankle", "foot")  # the questionnaire's leg diagram
ITEMS = CLAUDICATION_ITEMS  # the table's columns, in the questionnaire's order
CHOICES: dict[str, tuple[str, ...]] = {
    **{item: CLAUDICATION_ANSWERS.column(item).values for item in ITEMS if item != "where"},
    "where": LEG_PLACES,
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
        return [p for p in LEG_PLACES if p in value]


@dataclass(frozen=True)
class Answers(ClaudicationAnswers):
    """One answering (the row device.db.rows.ClaudicationAnswers) as the pages show it."""

    def as_dict(self) -> dict:
        return {
            "answered_at": self.answered_at.isoformat(timespec="seconds"),
            **{item: getattr(self, item) for item in ITEMS if item != "where"},
            "where": list(self.where),
        }


def latest_answers(conn: sqlite3.Connection) -> tuple[Answers | None, int]:
    """The newest answering and how many there have been (None, 0 before the first)."""
    return reader.latest_answers(conn, Answers)


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

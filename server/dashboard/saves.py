"""Everything the dashboard saves, through this one module: the runner's notes on an
episode, a corrected start time for a run recorded with an unsynchronised clock, a run's
setup and an answering of the Edinburgh questionnaire. What the runner entered is
validated here (the pydantic models, server side) and stored by the database's owner
(device.db.dashboard_writes): each save one short, fsync'd transaction; none migrates the
database (a database too old for a save's table is refused with DatabaseTooOld, and
nothing is written). The database's own id is made by its migration and only read
(device.db.reader.database_uuid)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from footnote.device.clock import EARLIEST_YEAR, LATEST_YEAR
from footnote.device.db import dashboard_writes
from footnote.device.db.rows import Annotation, RunSetup
from footnote.device.rules.text import text_problem
from footnote.server.analysis import LOCATIONS
from footnote.server.analysis.questionnaire import Answers, AnswersIn
from footnote.server.analysis.setups import SetupIn


class AnnotationIn(BaseModel):
    """An episode's annotation as the runner enters it (the fields of device.db.rows.
    Annotation). Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    location: Literal[LOCATIONS] | None = None  # type: ignore[valid-type]
    side: Literal["left", "right", "both"] | None = None
    # What was worn is the run's: given here (as older clients do) it is saved as the run's
    # setup (PUT /api/runs/{id}/setup is the place for it); the annotate form no longer asks.
    shoes: str | None = Field(default=None, max_length=200, description="saved as the run's setup")
    lacing: str | None = Field(default=None, max_length=200, description="saved as the run's setup")
    note: str | None = Field(default=None, max_length=2000)
    rest_or_night: bool = False
    weakness: bool = False
    cold_or_pale: bool = False
    sudden_pain: bool = False

    @field_validator("location", "side", "shoes", "lacing", "note", mode="before")
    @classmethod
    def empty_is_none(cls, value):
        return None if value == "" else value

    @field_validator("shoes", "lacing", "note")
    @classmethod
    def plain(cls, value: str | None, info: ValidationInfo) -> str | None:
        problem = value and text_problem(value, lines=info.field_name == "note")
        if problem:
            raise ValueError(problem)
        return value


class BadStartTime(ValueError):
    """A corrected start time footnote cannot use (no offset, or an impossible year)."""


def save_annotation(db_path: str | Path, run_id: int, episode: int, note: AnnotationIn) -> None:
    """NoSuchRun, NoSuchEpisode."""
    dashboard_writes.save_annotation(db_path, run_id, episode, Annotation(**note.model_dump()))


def correct_start(db_path: str | Path, run_id: int, started_at: datetime) -> None:
    """Store the runner's corrected start time (aware datetime) for a run. BadStartTime, NoSuchRun."""
    if started_at.tzinfo is None:
        raise BadStartTime("started_at needs a time zone offset, for example 2026-11-20T07:30:00+01:00")
    if not EARLIEST_YEAR <= started_at.year <= LATEST_YEAR:
        raise BadStartTime(
            f"started_at must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}, not {started_at.year}"
        )
    dashboard_writes.correct_start(db_path, run_id, started_at)


def save_setup(db_path: str | Path, run_id: int, setup: SetupIn) -> None:
    """Store (or replace) a run's setup. NoSuchRun; DatabaseTooOld."""
    dashboard_writes.save_setup(db_path, run_id, RunSetup(**setup.model_dump()))


def save_answers(db_path: str | Path, answers: AnswersIn) -> Answers:
    """Keep one answering, answered now; return it as stored. DatabaseTooOld."""
    values = answers.model_dump()
    stored = Answers(answered_at=datetime.now(UTC), **{**values, "where": tuple(values["where"])})
    dashboard_writes.add_answers(db_path, stored)
    return stored


def attach_watch(db_path: str | Path, run_id: int, data: bytes, *, name: str):
    """Attach a watch file from the run page (device.watch.attach): refused with one line
    (WatchFileError) and nothing stored when it cannot be. DatabaseTooOld."""
    from footnote.device.watch.attach import attach_watch_file

    conn = dashboard_writes.for_watch_files(db_path)
    try:
        return attach_watch_file(conn, run_id, data, name=name)
    finally:
        conn.close()


def accept_watch(db_path: str | Path, run_id: int, watch_file_id: int) -> datetime:
    """The runner accepts the alignment proposed for a watch file: the run's start is corrected."""
    from footnote.device.watch.attach import accept_alignment

    conn = dashboard_writes.for_watch_files(db_path)
    try:
        return accept_alignment(conn, run_id, watch_file_id)
    finally:
        conn.close()

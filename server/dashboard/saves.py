"""The only things the server writes: the runner's notes on an episode, and a corrected
start time for a run recorded with an unsynchronised clock. Each is one short
transaction on its own connection, so the logger (WAL) keeps writing meanwhile, and
fsync'd before it returns (a power cut right after "saved" keeps it)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from footnote.device.clock import EARLIEST_YEAR, LATEST_YEAR
from footnote.device.db.connect import connect, open_reader
from footnote.device.errors import NoSuchEpisode, NoSuchRun
from footnote.device.rules.text import text_problem
from footnote.server.analysis import LOCATIONS


class AnnotationIn(BaseModel):
    """An episode's annotation as the runner enters it. Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    location: Literal[LOCATIONS] | None = None  # type: ignore[valid-type]
    side: Literal["left", "right", "both"] | None = None
    shoes: str | None = Field(default=None, max_length=200)
    lacing: str | None = Field(default=None, max_length=200)
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


def _writable(db_path: Path) -> sqlite3.Connection:
    # Asked read-only first: turning on WAL would already change a damaged or foreign file.
    open_reader(db_path).close()
    # synchronous=FULL, as schema.connect sets it: the runner is told "saved", so the save
    # is fsync'd before the answer (with NORMAL it waited for the logger's next commit).
    return connect(db_path)


def save_annotation(db_path: str | Path, run_id: int, episode: int, note: AnnotationIn) -> None:
    conn = _writable(Path(db_path))
    try:
        with conn:
            exists = conn.execute(
                "SELECT 1 FROM symptom_events WHERE run_id = ? AND episode = ? LIMIT 1", (run_id, episode)
            ).fetchone()
            if exists is None:
                if conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
                    raise NoSuchRun(f"There is no run {run_id}.")
                raise NoSuchEpisode(f"Run {run_id} has no episode {episode}.")
            values = note.model_dump()
            cols = ["run_id", "episode", *values, "updated_at"]
            conn.execute(
                f"INSERT OR REPLACE INTO annotations ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                (run_id, episode, *values.values(), datetime.now(UTC).isoformat()),
            )
    finally:
        conn.close()


def correct_start(db_path: str | Path, run_id: int, started_at: datetime) -> None:
    """Store the runner's corrected start time (aware datetime) for a run."""
    if started_at.tzinfo is None:
        raise BadStartTime("started_at needs a time zone offset, for example 2026-11-20T07:30:00+01:00")
    if not EARLIEST_YEAR <= started_at.year <= LATEST_YEAR:
        raise BadStartTime(
            f"started_at must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}, not {started_at.year}"
        )
    conn = _writable(Path(db_path))
    try:
        with conn:
            if conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
                raise NoSuchRun(f"There is no run {run_id}.")
            conn.execute(
                "INSERT OR REPLACE INTO run_corrections (run_id, started_at, updated_at) VALUES (?, ?, ?)",
                (run_id, started_at.isoformat(), datetime.now(UTC).isoformat()),
            )
    finally:
        conn.close()

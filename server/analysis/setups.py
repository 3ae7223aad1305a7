"""A run's setup (shoes, lacing pattern, orthotics, a free note): the runner's side of the
shoe and lacing experiment. Saved by the dashboard the way annotations are
(server.dashboard.saves); read with the run data (device.db.reader.setups_of).

Any run can carry one, with or without numbness: runs without numbness are half of the
comparison (server.analysis.experiment)."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from footnote.device.db import reader
from footnote.device.db.rows import RunSetup

MARKUP_OR_CONTROL = re.compile(r"[<>\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(value: object) -> object:
    """Refuse markup and control characters: a setup name is words, never script text."""
    if isinstance(value, str) and MARKUP_OR_CONTROL.search(value):
        raise ValueError("must be plain text (no < > or control characters)")
    return value


class SetupIn(BaseModel):
    """A run's setup as the runner enters it. Unknown fields are refused; empty is none."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    shoes: str | None = Field(default=None, max_length=120, description="for example 'Pegasus 40, size 43'")
    lacing: str | None = Field(default=None, max_length=120, description="for example 'skip 2nd eyelet'")
    orthotics: str | None = Field(default=None, max_length=120, description="for example 'none' or 'moved back'")
    note: str | None = Field(default=None, max_length=1000)

    @field_validator("shoes", "lacing", "orthotics", "note", mode="before")
    @classmethod
    def plain_or_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return plain_text(value)


@dataclass(frozen=True)
class Setup(RunSetup):
    """A run's setup (the row device.db.rows.RunSetup) and how it groups runs."""

    @property
    def key(self) -> tuple[str, str, str] | None:
        """What groups runs in the comparison: shoes, lacing and orthotics, compared without
        case or extra spaces (the note does not split a setup). None when nothing is said."""
        parts = tuple(" ".join((v or "").split()).casefold() for v in (self.shoes, self.lacing, self.orthotics))
        return None if not any(parts) else (parts[0], parts[1], parts[2])

    def as_dict(self) -> dict[str, str | None]:
        return {"shoes": self.shoes, "lacing": self.lacing, "orthotics": self.orthotics, "note": self.note}


def load_setups(conn: sqlite3.Connection) -> dict[int, Setup]:
    """Every run's setup by run id (an older database without the table has none)."""
    return reader.setups_of(conn, Setup)


def default_setup(setups: dict[int, Setup], run_ids_in_order: list[int], run_id: int) -> Setup | None:
    """The setup offered for a run without one: that of the nearest earlier run (in recording
    order) that has one."""
    if run_id in setups:
        return setups[run_id]
    if run_id not in run_ids_in_order:
        return None
    for earlier in reversed(run_ids_in_order[: run_ids_in_order.index(run_id)]):
        if earlier in setups:
            return setups[earlier]
    return None

"""A run as the database holds it, typed: what the reader (device.db.reader) returns and
the analysis works on.

Time base: t_s is seconds since the run started (see device.db.schema).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple


class Sample(NamedTuple):
    """One decoded footpod notification of a run. t_s: seconds since the run started;
    distance_m: the run distance (rebased, never backwards); pod_distance_m: the pod's own
    total when it sent one; cadence_raw: the cadence as the pod sent it (None when unknown,
    then cadence_spm is taken as stored); extra_bytes: bytes beyond what its flags need.
    A tuple, not a dataclass: a 3-hour run has 43,200 of them, and device.db.reader makes
    each without a Python call."""

    t_s: float
    speed_mps: float
    cadence_spm: float
    distance_m: float
    pod_distance_m: float | None
    cadence_raw: int | None = None
    extra_bytes: int = 0


@dataclass(frozen=True)
class Annotation:
    location: str | None = None
    side: str | None = None
    shoes: str | None = None
    lacing: str | None = None
    note: str | None = None
    rest_or_night: bool = False
    weakness: bool = False
    cold_or_pale: bool = False
    sudden_pain: bool = False


@dataclass(frozen=True)
class Run:
    id: int
    started_at: datetime  # aware; already corrected when the runner fixed the clock
    clock_synced: bool
    ended_t_s: float
    samples: list[Sample]
    links: list[tuple[float, str]]  # (t_s, connected|disconnected)
    events: list[tuple[float, str, int | None, int | None]]  # (t_s, kind, episode, severity)
    annotations: dict[int, Annotation] = field(default_factory=dict)
    rejected_t_s: list[float] = field(default_factory=list)  # footpod packets that could not be decoded
    cadence_convention: str = "auto"  # auto | steps | strides (config or per-pod override)

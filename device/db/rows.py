"""The database's rows, typed: what the reader (device.db.reader) returns and the analysis
works on, and what the logger and the dashboard write. Their fields are the columns of
device.db.tables (tests/device/db/test_db_tables.py checks that they agree).

Time base: t_s is seconds since the run started (see device.db.tables).
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


class SampleRow(NamedTuple):
    """One footpod_samples row as the logger stores it (device.db.tables.FOOTPOD_SAMPLES
    has the units)."""

    run_id: int
    t_s: float
    raw: bytes
    speed_mps: float
    cadence_raw: int
    cadence_spm: float
    stride_m: float | None
    pod_distance_m: float | None
    distance_m: float
    running: int


class HeartRateRow(NamedTuple):
    """One heart_rate_samples row as the logger stores it (device.db.tables.HEART_RATE_SAMPLES):
    a strap's notification as received; bpm is None when it is no heart rate; error holds
    the decoder's reason for a packet it rejected."""

    run_id: int
    t_s: float
    raw: bytes
    bpm: int | None
    contact: str | None
    energy_kj: int | None
    rr_count: int | None
    error: str | None = None


@dataclass(frozen=True)
class RunRow:
    """A run as listed: no samples."""

    id: int
    started_at: datetime  # corrected if the runner fixed the clock
    recorded_started_at: datetime
    utc_offset_s: int
    clock_synced: bool
    corrected: bool
    ended_t_s: float | None
    end_reason: str | None
    source: str
    device: str | None
    footpod_name: str | None
    footpod_address: str | None
    footpod_feature: int | None
    footpod_location: int | None
    cadence_convention: str | None
    strap_address: str | None = None
    strap_name: str | None = None
    strap_location: int | None = None


@dataclass(frozen=True)
class Annotation:
    """What the runner says about an episode (tables.ANNOTATION_FIELDS)."""

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
    # From the strap and the watch's file (device.db.sources says which wins, per field):
    heart_rates: list[tuple[float, int, str]] = field(default_factory=list)  # (t_s, bpm, strap|watch)
    elevations: list[tuple[float, float]] = field(default_factory=list)  # (t_s, altitude_m), the watch's
    movement_sources: list[tuple[float, float, str]] = field(default_factory=list)  # (start_s, end_s, pod|watch)
    watch_files: list[int] = field(default_factory=list)  # ids of the accepted watch files
    proposed_watch_files: list[int] = field(default_factory=list)  # attached, alignment not yet accepted


@dataclass(frozen=True)
class RunSetup:
    """What the runner wore on a run (tables.SETUP_FIELDS)."""

    shoes: str | None = None
    lacing: str | None = None
    orthotics: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ClaudicationAnswers:
    """One answering of the Edinburgh Claudication Questionnaire (tables.CLAUDICATION_ITEMS;
    `where` is stored comma-separated)."""

    answered_at: datetime  # aware, UTC
    pain_when_walking: str | None
    begins_at_rest: str | None
    uphill_or_hurrying: str | None
    ordinary_pace_level: str | None
    when_standing_still: str | None
    where: tuple[str, ...]

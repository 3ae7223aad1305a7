"""What the analysis returns: plain data, codes and numbers (server.analysis.codes), no IO
and no sentences: server.words says them, where they are shown (server.words.present).

`analyze_run` returns a RunAnalysis per run, `summarize` a Summary across runs; the
dashboard, the exports and `footnote analyze --json` read these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from footnote.device.db.rows import Annotation
from footnote.device.rules.steps_or_strides import CadenceUnit
from footnote.server.analysis.codes import (
    CadenceBasis,
    EndedBy,
    Evidence,
    Hint,
    Indeterminate,
    Label,
    NotCleared,
    OnsetBasis,
    Pattern,
    RedFlagCode,
    Source,
    State,
    SummaryEvidence,
    TrendCode,
    Urgency,
    Why,
)


@dataclass
class Segment:
    start_s: float
    end_s: float
    state: State
    why: Why | None = None  # the rule that decided most of it
    source: Source | None = None  # whose samples decided most of it; None where neither had any

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass
class Fact:
    """One piece of evidence: a code and the numbers (and codes) it speaks of."""

    code: Evidence | SummaryEvidence
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class CadenceStretch:
    start_s: float
    unit: CadenceUnit


@dataclass
class CadenceDecision:
    """Steps or strides for a run, decided on sustained running, never on one packet."""

    unit: CadenceUnit  # the unit at the end of the run (what most of it was read as)
    basis: CadenceBasis
    running_s: float  # seconds of running (faster than the threshold) with a cadence
    strides_s: float  # of which the cadence was too low to be steps at that speed
    median_running_cadence_raw: float | None  # as sent, while running
    decided_at_s: float | None  # when the evidence first sufficed (None: never, or config)
    stretches: list[CadenceStretch] = field(default_factory=list)  # each change of unit


@dataclass
class PacketCounts:
    """What the footpod sent during a run."""

    decoded: int
    rejected: int
    with_extra_bytes: int  # decoded packets longer than their flags need (extra ignored)


@dataclass
class Escalation:
    t_s: float
    distance_m: float | None
    state: State
    severity: int


@dataclass
class Episode:
    run_id: int
    number: int
    onset_t_s: float
    onset_distance_m: float | None
    onset_state: State
    onset_speed_mps: float | None
    onset_cadence_spm: float | None
    escalations: list[Escalation]
    end_t_s: float
    ended_by: EndedBy
    end_state: State
    max_severity: int
    rest_periods: list[tuple[float, float]]
    rest_to_relief_s: float | None  # from the start of the last continuous rest to relief
    moving_before_relief_s: float | None  # moving time from onset to that rest
    label: Label = Label.INDETERMINATE
    why: Indeterminate | None = None  # why indeterminate
    not_cleared: list[NotCleared] = field(default_factory=list)  # ways rest failed to clear it
    facts: list[Fact] = field(default_factory=list)
    hint_codes: list[Hint] = field(default_factory=list)
    annotation: Annotation | None = None
    # Effort (server.analysis.effort): None when unknown, never zero.
    hr_onset_bpm: int | None = None
    hr_worse_bpm: list[int | None] = field(default_factory=list)  # one per escalation
    hr_relief_bpm: int | None = None
    hr_fall_at_relief_bpm: int | None = None  # the episode's highest heart rate minus the one at relief
    grade_at_onset_pct: float | None = None

    @property
    def relieved(self) -> bool:
        return self.ended_by == EndedBy.RELIEF


@dataclass
class RedFlag:
    code: RedFlagCode
    urgency: Urgency
    run_id: int | None = None
    episode: int | None = None
    run_started_at: datetime | None = None
    t_s: float | None = None


@dataclass
class RunAnalysis:
    run_id: int
    started_at: datetime
    clock_synced: bool
    duration_s: float
    distance_m: float
    segments: list[Segment]
    episodes: list[Episode]
    ignored_holds: list[float]
    pattern: Pattern
    cadence: CadenceDecision | None = None
    packets: PacketCounts | None = None
    movement_sources: list[SourceStretch] = field(default_factory=list)
    heart_rate: HeartRateSummary | None = None
    watch_files: list[int] = field(default_factory=list)  # accepted
    proposed_watch_files: list[int] = field(default_factory=list)  # alignment waiting for the runner


@dataclass
class SourceStretch:
    start_s: float
    end_s: float
    source: Source


@dataclass
class HeartRateSummary:
    n: int  # usable values
    strap: int
    watch: int
    median_bpm: float | None
    max_bpm: int | None


@dataclass
class Spread:
    n: int
    median: float | None
    cv: float | None  # coefficient of variation (stdev / mean); None below 2 values


@dataclass(frozen=True)
class Trend:
    """The onset distance over the weeks: the least-squares slope, the half-width of its 95 %
    confidence interval, and whether it is stated (enough runs and clear of the variation)."""

    code: TrendCode
    runs: int
    days: float
    m_per_week: float | None
    ci95_m_per_week: float | None
    stated: bool


@dataclass
class Summary:
    runs: int
    episodes: int
    label_counts: dict[str, int]
    pattern: Pattern
    onset_distance_m: Spread
    onset_time_s: Spread
    rest_to_relief_s: Spread
    onset_trend_m_per_week: float | None
    red_flags: list[RedFlag]
    total_distance_m: float
    onset_basis: OnsetBasis = OnsetBasis.RUNS
    facts: list[Fact] = field(default_factory=list)
    hint_codes: list[Hint] = field(default_factory=list)  # every episode's, each once
    # Across runs, each run's first onset while moving: its spread in distance, time and
    # heart rate, and the steadiest of them (server.analysis.effort.onset_steadiness).
    onset_steadiness: dict[str, Any] = field(default_factory=dict)
    onset_trend: Trend | None = None  # whether onset_trend_m_per_week means something (figures.onset_trend)

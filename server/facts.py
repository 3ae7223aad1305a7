"""What the analysis works on and what it decides: plain data and reason codes, no sentences.

The analysis modules (movement, cadence, episodes, redflags, summary) fill these in with
numbers and codes; footnote.server.wording turns the codes and numbers into sentences.
Nothing decides by reading a sentence back. Every code is a StrEnum, so it compares equal
to its plain value (`State.REST == "rest"`) and is written as that value in JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

# -- codes ----------------------------------------------------------------------------------


class State(StrEnum):
    """What the runner was doing, as far as the footpod shows."""

    MOVING = "moving"  # walking counts as moving
    REST = "rest"  # standing still
    UNKNOWN = "unknown"  # the link was down, or the pod's packets could not be read


class Why(StrEnum):
    """Why a stretch of a run got its movement state (see server.movement for each rule)."""

    LINK_DOWN = "link_down"
    NO_PACKET_YET = "no_packet_yet"
    UNREADABLE_PACKETS = "unreadable_packets"
    DISTANCE_ADVANCED = "distance_advanced"
    DISTANCE_STOOD_STILL = "distance_stood_still"
    DISTANCE_STALLED = "distance_stalled"  # the pod's distance stood still while its speed said moving
    SPEED_AND_CADENCE_STOPPED = "speed_and_cadence_stopped"  # they stopped; the distance lagged or crept
    MOVED_PART_OF_GAP = "moved_part_of_gap"
    SPEED_OR_CADENCE = "speed_or_cadence"
    NO_SPEED_OR_CADENCE = "no_speed_or_cadence"
    GAP_BRIDGED = "gap_bridged"
    SILENT_LIVE_LINK = "silent_live_link"
    DECAYED_TO_A_STOP = "decayed_to_a_stop"
    SHUFFLE_IN_STANDSTILL = "shuffle_in_standstill"


class CadenceUnit(StrEnum):
    """What a pod's cadence counts: steps (both feet) or strides (one foot, as the RSC spec says)."""

    STEPS = "steps"
    STRIDES = "strides"


class CadenceBasis(StrEnum):
    """How a run's cadence unit was decided (see footnote.device.cadence)."""

    CONFIG = "config"  # a per-pod override or the configured convention
    SUSTAINED_RUNNING = "sustained_running"  # a minute or more of running said so
    TOO_LITTLE_RUNNING = "too_little_running"  # not enough running to decide: read as far as it went
    NO_CADENCE = "no_cadence"  # the pod sent no cadence while running


class Label(StrEnum):
    WORSENING = "worsening"
    RESOLVES_AT_REST = "resolves_at_rest"
    INDETERMINATE = "indeterminate"


class Pattern(StrEnum):
    RESOLVES_AT_REST = "resolves_at_rest"
    WORSENING = "worsening"
    MIXED = "mixed"
    INDETERMINATE = "indeterminate"
    NONE = "none"


class Location(StrEnum):
    CALF = "calf"
    TOP_OF_FOOT = "top_of_foot"
    SOLE_HEEL = "sole_heel"
    TOES_3_4_BALL = "toes_3_4_ball"
    OTHER = "other"


class EndedBy(StrEnum):
    RELIEF = "relief"
    UNRESOLVED_AT_RUN_END = "unresolved_at_run_end"


class NotCleared(StrEnum):
    """Ways rest failed to clear an episode (any one makes a build-up `worsening`)."""

    OUTLASTED_STANDSTILL = "outlasted_standstill"
    STILL_THERE_AT_RUN_END = "still_there_at_run_end"
    RELIEF_LONG_AFTER_STOPPING = "relief_long_after_stopping"
    KEPT_MOVING_WITH_IT = "kept_moving_with_it"


class Indeterminate(StrEnum):
    """Why an episode shows neither pattern."""

    ONSET_AT_REST = "onset_at_rest"
    ONSET_UNKNOWN = "onset_unknown"
    CLEARED_WHILE_MOVING = "cleared_while_moving"
    CLEARED_IN_GAP = "cleared_in_gap"
    UNRESOLVED_WITHOUT_BUILD_UP = "unresolved_without_build_up"
    NOT_CLEARED_WITHOUT_BUILD_UP = "not_cleared_without_build_up"
    UNCLEAR = "unclear"


class Evidence(StrEnum):
    """One piece of evidence for an episode's label; its numbers travel in Fact.values."""

    ONSET = "onset"  # t_s, distance_m, state, speed_mps, cadence_spm
    GOT_WORSE = "got_worse"  # count, max_severity, steps: [{t_s, distance_m, state}]
    STOOD_STILL_MOVED_ON = "stood_still_moved_on"  # start_s, duration_s
    SHORT_STOPS_DID_NOT_CLEAR = "short_stops_did_not_clear"  # count
    STILL_THERE_AT_RUN_END = "still_there_at_run_end"  # t_s
    CLEARED_AFTER_STANDSTILL = "cleared_after_standstill"  # rest_to_relief_s
    KEPT_MOVING_WITH_IT = "kept_moving_with_it"  # moving_s
    RELIEF_THE_MOMENT_IT_STOPPED = "relief_the_moment_it_stopped"  # rest_to_relief_s
    CLEARED_AT = "cleared_at"  # t_s, state
    REST_DID_NOT_CLEAR = "rest_did_not_clear"  # not_cleared: [NotCleared]
    NOT_LABELLED = "not_labelled"  # why: Indeterminate


class Hint(StrEnum):
    """Where it was felt, read with the label: a hint to show a doctor, never a diagnosis."""

    CALF_CLEARS_AT_REST = "calf_clears_at_rest"
    TOP_OF_FOOT_BUILDS_UP = "top_of_foot_builds_up"
    SOLE_HEEL = "sole_heel"
    TOES_3_4_BALL = "toes_3_4_ball"


class RedFlagCode(StrEnum):
    ONSET_AT_REST = "onset_at_rest"
    REST_NO_LONGER_RELIEVES = "rest_no_longer_relieves"
    SYMPTOMS_AT_REST_OR_NIGHT = "symptoms_at_rest_or_night"
    WEAKNESS_OR_FOOT_DROP = "weakness_or_foot_drop"
    SUDDEN_SEVERE_PAIN = "sudden_severe_pain"
    COLD_OR_PALE = "cold_or_pale"


class Urgency(StrEnum):
    SOON = "soon"
    EMERGENCY = "emergency"


class OnsetBasis(StrEnum):
    """Which runs the onset distance across runs is measured on."""

    RUNS = "runs"
    RUNS_CLEARED_AT_REST = "runs_cleared_at_rest"


class SummaryEvidence(StrEnum):
    NO_NUMBNESS = "no_numbness"  # runs
    EPISODE_COUNTS = "episode_counts"  # episodes, runs_with_episodes, runs, label_counts
    ONSET_SPREAD = "onset_spread"  # median_m, median_s, n, basis, cv, pattern
    RELIEF_SPREAD = "relief_spread"  # median_s, n
    ONSET_TREND = "onset_trend"  # m_per_week


# -- input ----------------------------------------------------------------------------------


class Sample(NamedTuple):
    """One decoded footpod notification of a run. t_s: seconds since the run started;
    distance_m: the run distance (rebased, never backwards); pod_distance_m: the pod's own
    total when it sent one; cadence_raw: the cadence as the pod sent it (None when unknown,
    then cadence_spm is taken as stored); extra_bytes: bytes beyond what its flags need.
    A tuple, not a dataclass: a 3-hour run has 43,200 of them, and server.rundata makes
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


# -- output ---------------------------------------------------------------------------------


@dataclass
class Segment:
    start_s: float
    end_s: float
    state: State
    why: Why | None = None  # the rule that decided most of it

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
    # Sentences, written by footnote.server.wording from the codes and numbers above:
    reason: str | None = None  # why indeterminate
    evidence: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

    @property
    def relieved(self) -> bool:
        return self.ended_by == EndedBy.RELIEF


@dataclass
class RedFlag:
    code: RedFlagCode
    urgency: Urgency
    text: str  # written by footnote.server.wording
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


@dataclass
class Spread:
    n: int
    median: float | None
    cv: float | None  # coefficient of variation (stdev / mean); None below 2 values


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
    evidence: list[str]
    hints: list[str]
    red_flags: list[RedFlag]
    total_distance_m: float
    onset_basis: OnsetBasis = OnsetBasis.RUNS
    facts: list[Fact] = field(default_factory=list)

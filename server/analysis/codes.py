"""What the analysis decides, as codes: reason codes, labels, patterns, red flags.

The analysis modules (movement, cadence, episodes, redflags, summary) decide in these codes
and leave the numbers beside them (server.analysis.results); server.words.sentences turns
codes and numbers into sentences. Nothing decides by reading a sentence back. Every code is
a StrEnum, so it compares equal to its plain value (`State.REST == "rest"`) and is written
as that value in JSON. (What a pod's cadence counts, steps or strides, is a code the logger
needs too: device.rules.steps_or_strides.CadenceUnit.)
"""

from __future__ import annotations

from enum import StrEnum


class Source(StrEnum):
    """Whose data a stretch of movement (or a heart rate) is (device.db.sources)."""

    POD = "pod"
    WATCH = "watch"
    STRAP = "strap"


class State(StrEnum):
    """What the runner was doing, as far as the footpod shows."""

    MOVING = "moving"  # walking counts as moving
    REST = "rest"  # standing still
    UNKNOWN = "unknown"  # the link was down, or the pod's packets could not be read


class Why(StrEnum):
    """Why a stretch of a run got its movement state (see server.analysis.movement for each rule)."""

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


class CadenceBasis(StrEnum):
    """How a run's cadence unit was decided (see footnote.device.rules.steps_or_strides)."""

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


class TrendCode(StrEnum):
    """What the onset distance did over the weeks (server.analysis.figures.onset_trend)."""

    NOT_ENOUGH_RUNS = "not_enough_runs"  # fewer runs, or fewer days, than a trend needs
    NO_CLEAR_TREND = "no_clear_trend"  # enough runs; the change is within their variation
    SHORTENING = "shortening"
    LENGTHENING = "lengthening"


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

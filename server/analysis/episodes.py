"""Numbness episodes: what happened when, and one label per episode, as facts and codes.

Pure: a `Run`, its movement segments and its cadence in, `Episode`s out. The labels
(exactly these): `worsening` first, then `resolves_at_rest`, else `indeterminate` with the
reason. Nothing here writes a sentence: footnote.server.words.sentences does, from the codes and
numbers left on each episode.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from footnote.device.db.rows import Run, Sample
from footnote.server.analysis import thresholds as th
from footnote.server.analysis.codes import EndedBy, Evidence, Hint, Indeterminate, Label, Location, NotCleared, State
from footnote.server.analysis.movement import segment_at, state_at
from footnote.server.analysis.results import Episode, Escalation, Fact, Segment

MOVING, REST, UNKNOWN = State.MOVING, State.REST, State.UNKNOWN
PRESS_LOOKBACK_S = 1e-6  # just before: an instant, not a threshold


def _t_s(sample: Sample) -> float:
    return sample.t_s


def sample_before(run: Run, t_s: float) -> tuple[int, Sample] | None:
    i = bisect.bisect_right(run.samples, t_s, key=_t_s) - 1
    return (i, run.samples[i]) if i >= 0 else None


def distance_at(run: Run, t_s: float) -> float | None:
    found = sample_before(run, t_s)
    return found[1].distance_m if found is not None else None


def state_at_press(segments: list[Segment], t_s: float) -> State:
    """The state a press speaks of: the moment just before it. The runner presses about
    what they felt while doing what they were doing; a press that lands on the very second
    a stop begins (the last moving packet) was made while moving."""
    return state_at(segments, t_s - PRESS_LOOKBACK_S)


def episodes_of(run: Run, segments: list[Segment], cadence_spm: Sequence[float] | None = None) -> list[Episode]:
    """The run's episodes with their facts (onset, escalations, rests, relief), unlabelled.

    cadence_spm: each sample's steps/min as the analysis reads it (server.analysis.cadence)."""
    by_number: dict[int, list[tuple[float, str, int | None]]] = {}
    for t_s, kind, number, severity in run.events:
        if number is not None:
            by_number.setdefault(number, []).append((t_s, kind, severity))
    episodes = []
    for number, evs in sorted(by_number.items()):
        evs.sort(key=lambda e: e[0])
        onset = next((e for e in evs if e[1] == "onset"), None)
        if onset is None:
            continue
        end = next((e for e in evs if e[1] in (EndedBy.RELIEF, EndedBy.UNRESOLVED_AT_RUN_END)), None)
        end_t = end[0] if end else run.ended_t_s
        found = sample_before(run, onset[0])
        # The speed and cadence at onset, if the last packet is fresh enough to speak for it.
        fresh = found if found is not None and onset[0] - found[1].t_s <= th.STALE_S else None
        onset_cadence = None
        if fresh is not None:
            onset_cadence = cadence_spm[fresh[0]] if cadence_spm is not None else fresh[1].cadence_spm
        escalations = [
            Escalation(t, distance_at(run, t), state_at_press(segments, t), sev or 0)
            for t, kind, sev in evs
            if kind == "worse"
        ]
        rests = [
            (max(seg.start_s, onset[0]), min(seg.end_s, end_t))
            for seg in segments
            if seg.state == REST and seg.end_s > onset[0] and seg.start_s < end_t
        ]
        ended_by = EndedBy(end[1]) if end else EndedBy.UNRESOLVED_AT_RUN_END
        end_state = state_at(segments, end_t - 1e-6)
        rest_to_relief = moving_before = None
        if ended_by == EndedBy.RELIEF and end_state == REST:
            seg = segment_at(segments, end_t - 1e-6)
            if seg is not None:
                rest_to_relief = end_t - seg.start_s
                moving_before = sum(
                    min(s.end_s, seg.start_s) - max(s.start_s, onset[0])
                    for s in segments
                    if s.state == MOVING and s.end_s > onset[0] and s.start_s < seg.start_s
                )
        episodes.append(
            Episode(
                run_id=run.id,
                number=number,
                onset_t_s=onset[0],
                onset_distance_m=distance_at(run, onset[0]),
                onset_state=state_at_press(segments, onset[0]),
                onset_speed_mps=fresh[1].speed_mps if fresh is not None else None,
                onset_cadence_spm=onset_cadence,
                escalations=escalations,
                end_t_s=end_t,
                ended_by=ended_by,
                end_state=end_state,
                max_severity=max([1] + [e.severity for e in escalations]),
                rest_periods=rests,
                rest_to_relief_s=rest_to_relief,
                moving_before_relief_s=moving_before,
                annotation=run.annotations.get(number),
            )
        )
    return episodes


def label_episode(ep: Episode, segments: list[Segment]) -> None:
    """Set ep.label, ep.why, ep.not_cleared and ep.facts: worsening first, then
    resolves_at_rest, else indeterminate with the reason (thresholds in server.analysis.thresholds)."""
    facts = ep.facts
    onset: dict = {"t_s": ep.onset_t_s, "distance_m": ep.onset_distance_m, "state": ep.onset_state}
    if ep.onset_speed_mps is not None and ep.onset_state == MOVING:
        onset |= {"speed_mps": ep.onset_speed_mps, "cadence_spm": ep.onset_cadence_spm}
    facts.append(Fact(Evidence.ONSET, onset))
    rose_moving = [e for e in ep.escalations if e.state == MOVING]
    if ep.escalations:
        steps = [{"t_s": e.t_s, "distance_m": e.distance_m, "state": e.state} for e in ep.escalations]
        facts.append(
            Fact(Evidence.GOT_WORSE, {"count": len(ep.escalations), "max_severity": ep.max_severity, "steps": steps})
        )

    # Standstills after onset that the runner moved on from, still numb.
    stops = [
        seg
        for seg in segments
        if seg.state == REST
        and seg.start_s >= ep.onset_t_s
        and seg.end_s < ep.end_t_s
        and state_at(segments, seg.end_s) == MOVING
    ]
    outlasted = [seg for seg in stops if seg.duration_s >= th.STANDSTILL_NOT_CLEARING_S]
    short_stops = [seg for seg in stops if seg.duration_s < th.STANDSTILL_NOT_CLEARING_S]
    for seg in outlasted:
        facts.append(Fact(Evidence.STOOD_STILL_MOVED_ON, {"start_s": seg.start_s, "duration_s": seg.duration_s}))
    if short_stops:
        facts.append(Fact(Evidence.SHORT_STOPS_DID_NOT_CLEAR, {"count": len(short_stops)}))

    not_cleared = ep.not_cleared
    if outlasted:
        not_cleared.append(NotCleared.OUTLASTED_STANDSTILL)
    if ep.ended_by == EndedBy.UNRESOLVED_AT_RUN_END:
        facts.append(Fact(Evidence.STILL_THERE_AT_RUN_END, {"t_s": ep.end_t_s}))
        not_cleared.append(NotCleared.STILL_THERE_AT_RUN_END)
    if ep.rest_to_relief_s is not None:
        facts.append(Fact(Evidence.CLEARED_AFTER_STANDSTILL, {"rest_to_relief_s": ep.rest_to_relief_s}))
        if ep.rest_to_relief_s > th.RELIEF_WITHIN_REST_S:
            not_cleared.append(NotCleared.RELIEF_LONG_AFTER_STOPPING)
        if ep.moving_before_relief_s is not None and ep.moving_before_relief_s >= th.MOVING_WITH_IT_S:
            facts.append(Fact(Evidence.KEPT_MOVING_WITH_IT, {"moving_s": ep.moving_before_relief_s}))
            not_cleared.append(NotCleared.KEPT_MOVING_WITH_IT)
        if ep.rest_to_relief_s <= th.IMMEDIATE_RELIEF_S:
            facts.append(Fact(Evidence.RELIEF_THE_MOMENT_IT_STOPPED, {"rest_to_relief_s": ep.rest_to_relief_s}))
    elif ep.ended_by == EndedBy.RELIEF:
        facts.append(Fact(Evidence.CLEARED_AT, {"t_s": ep.end_t_s, "state": ep.end_state}))

    if ep.onset_state == MOVING and rose_moving and not_cleared:
        ep.label = Label.WORSENING
        facts.append(Fact(Evidence.REST_DID_NOT_CLEAR, {"not_cleared": list(not_cleared)}))
        return
    if (
        ep.onset_state == MOVING
        and ep.relieved
        and ep.end_state == REST
        and ep.rest_to_relief_s is not None
        and ep.rest_to_relief_s <= th.RELIEF_WITHIN_REST_S
    ):
        ep.label = Label.RESOLVES_AT_REST
        return
    ep.label = Label.INDETERMINATE
    if ep.onset_state == REST:
        ep.why = Indeterminate.ONSET_AT_REST
    elif ep.onset_state == UNKNOWN:
        ep.why = Indeterminate.ONSET_UNKNOWN
    elif ep.relieved and ep.end_state == MOVING:
        ep.why = Indeterminate.CLEARED_WHILE_MOVING
    elif ep.relieved and ep.end_state == UNKNOWN:
        ep.why = Indeterminate.CLEARED_IN_GAP
    elif ep.ended_by == EndedBy.UNRESOLVED_AT_RUN_END and not rose_moving:
        ep.why = Indeterminate.UNRESOLVED_WITHOUT_BUILD_UP
    elif not_cleared and not rose_moving:
        ep.why = Indeterminate.NOT_CLEARED_WITHOUT_BUILD_UP
    else:
        ep.why = Indeterminate.UNCLEAR
    facts.append(Fact(Evidence.NOT_LABELLED, {"why": ep.why}))


def location_hints(ep: Episode) -> list[Hint]:
    """Where it was felt, read with the label (the runner's annotation)."""
    a = ep.annotation
    if a is None or not a.location:
        return []
    if a.location == Location.CALF and ep.label == Label.RESOLVES_AT_REST:
        return [Hint.CALF_CLEARS_AT_REST]
    if a.location == Location.TOP_OF_FOOT and ep.label == Label.WORSENING:
        return [Hint.TOP_OF_FOOT_BUILDS_UP]
    if a.location == Location.SOLE_HEEL:
        return [Hint.SOLE_HEEL]
    if a.location == Location.TOES_3_4_BALL:
        return [Hint.TOES_3_4_BALL]
    return []

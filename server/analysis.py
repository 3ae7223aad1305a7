"""Episode analysis: what happened when, one label per episode, a pattern across runs.

Pure: plain data in (a `Run` per run, as server.rundata loads it), plain data out, no IO.
The dashboard, the export, `footnote analyze` and the tests all call this module.

Labels (exactly these words): `worsening`, `resolves_at_rest`, `indeterminate`.
Patterns across runs: `resolves_at_rest`, `worsening`, `mixed`, `indeterminate`, `none`.
Every label comes with evidence sentences carrying the numbers. The words describe
patterns to show a doctor; they never name a diagnosis.
"""

from __future__ import annotations

import bisect
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import NamedTuple

from footnote.device.motion import is_moving
from footnote.server import thresholds as th
from footnote.server.vocabulary import STATE_WHILE, clock, duration, km

# Bump when a change makes analyze_run give a different result for the same run: the
# analyses kept between starts (server.analysis_cache) from another version are ignored.
ANALYSIS_VERSION = 1

MOVING, REST, UNKNOWN = "moving", "rest", "unknown"
LABELS = ("worsening", "resolves_at_rest", "indeterminate")
PATTERNS = ("resolves_at_rest", "worsening", "mixed", "indeterminate", "none")
LOCATIONS = ("calf", "top_of_foot", "sole_heel", "toes_3_4_ball", "other")
# -- input --------------------------------------------------------------------------------


class Sample(NamedTuple):
    """One footpod sample. A tuple, not a dataclass: a 3-hour run has 43,200 of them,
    and making a tuple costs a fifth of a frozen dataclass."""

    t_s: float
    speed_mps: float
    cadence_spm: float
    distance_m: float
    pod_distance_m: float | None


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


# -- output -------------------------------------------------------------------------------


@dataclass
class Segment:
    start_s: float
    end_s: float
    state: str  # moving | rest | unknown

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass
class Escalation:
    t_s: float
    distance_m: float | None
    state: str
    severity: int


@dataclass
class Episode:
    run_id: int
    number: int
    onset_t_s: float
    onset_distance_m: float | None
    onset_state: str
    onset_speed_mps: float | None
    onset_cadence_spm: float | None
    escalations: list[Escalation]
    end_t_s: float
    ended_by: str  # relief | unresolved_at_run_end
    end_state: str
    max_severity: int
    rest_periods: list[tuple[float, float]]
    rest_to_relief_s: float | None  # from the start of the last continuous rest to relief
    moving_before_relief_s: float | None  # moving time from onset to that rest
    label: str = "indeterminate"
    reason: str | None = None  # why indeterminate
    not_cleared: list[str] = field(default_factory=list)  # ways rest failed to clear it
    evidence: list[str] = field(default_factory=list)
    annotation: Annotation | None = None
    hints: list[str] = field(default_factory=list)

    @property
    def relieved(self) -> bool:
        return self.ended_by == "relief"


@dataclass
class RedFlag:
    code: str
    urgency: str  # soon | emergency
    text: str
    run_id: int | None = None
    episode: int | None = None


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
    pattern: str


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
    pattern: str
    onset_distance_m: Spread
    onset_time_s: Spread
    rest_to_relief_s: Spread
    onset_trend_m_per_week: float | None
    evidence: list[str]
    hints: list[str]
    red_flags: list[RedFlag]
    total_distance_m: float


# -- movement -----------------------------------------------------------------------------


def movement_segments(run: Run) -> list[Segment]:
    """The run cut into moving / rest / unknown stretches. The rules, where applied:

    - The link is down (before the first `connected`, after a `disconnected`): unknown.
      A gap is never rest, whatever the runner did.
    - A packet says moving when speed or cadence is above the walking floor and, where
      the pod reports a total distance, that distance went up since its last report
      (a pod that keeps repeating its last packet while standing still is at rest).
      Walking is moving. Otherwise the packet says rest (the pod reports no movement).
    - A packet's state holds until the next packet, for at most STALE_S; a live link
      that stays quiet longer is rest (some pods stop notifying when still).
    - Between the link coming up and its first packet: unknown, until STALE_S of silence.
    - Blips shorter than MIN_SEGMENT_S between two stretches of the other state are
      smoothed; unknown is never smoothed.
    """
    raw: list[Segment] = []

    def add(start: float, end: float, state: str) -> None:
        if end <= start:
            return
        if raw and raw[-1].state == state and abs(raw[-1].end_s - start) < 1e-9:
            raw[-1].end_s = end
        else:
            raw.append(Segment(start, end, state))

    # link intervals
    up_intervals: list[tuple[float, float]] = []
    up_since: float | None = None
    for t, state in run.links:
        if state == "connected" and up_since is None:
            up_since = t
        elif state == "disconnected" and up_since is not None:
            up_intervals.append((up_since, t))
            up_since = None
    if up_since is not None:
        up_intervals.append((up_since, run.ended_t_s))

    samples = run.samples
    times = [s.t_s for s in samples]
    cursor = 0.0
    last_pod_distance: float | None = None
    for up_start, up_end in up_intervals:
        add(cursor, up_start, UNKNOWN)
        i = bisect.bisect_left(times, up_start)
        last_t = up_start
        last_state = UNKNOWN  # before the first packet on this link
        last_pod_distance = None
        while i < len(samples) and samples[i].t_s <= up_end:
            s = samples[i]
            quiet_from = last_t + th.STALE_S
            if s.t_s > quiet_from:
                add(last_t, quiet_from, last_state)
                add(quiet_from, s.t_s, REST)
            else:
                add(last_t, s.t_s, last_state)
            distance_stands = (
                s.pod_distance_m is not None and last_pod_distance is not None and s.pod_distance_m <= last_pod_distance
            )
            last_state = MOVING if is_moving(s.speed_mps, s.cadence_spm) and not distance_stands else REST
            if s.pod_distance_m is not None:
                last_pod_distance = s.pod_distance_m
            last_t = s.t_s
            i += 1
        quiet_from = min(last_t + th.STALE_S, up_end)
        add(last_t, quiet_from, last_state)
        add(quiet_from, up_end, REST)
        cursor = up_end
    add(cursor, run.ended_t_s, UNKNOWN)
    return _smooth(raw)


def _smooth(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for seg in segments:
        if len(out) >= 1 and out[-1].state in (MOVING, REST) and seg.state == out[-1].state:
            out[-1].end_s = seg.end_s
            continue
        out.append(Segment(seg.start_s, seg.end_s, seg.state))
    changed = True
    while changed:
        changed = False
        for i in range(1, len(out) - 1):
            mid, before, after = out[i], out[i - 1], out[i + 1]
            if (
                mid.state in (MOVING, REST)
                and before.state == after.state
                and before.state in (MOVING, REST)
                and before.state != mid.state
                and mid.duration_s < th.MIN_SEGMENT_S
            ):
                before.end_s = after.end_s
                del out[i : i + 2]
                changed = True
                break
    return out


def state_at(segments: list[Segment], t_s: float) -> str:
    for seg in segments:
        if seg.start_s <= t_s < seg.end_s:
            return seg.state
    if segments and t_s >= segments[-1].end_s:
        return segments[-1].state
    return UNKNOWN


def _segment_at(segments: list[Segment], t_s: float) -> Segment | None:
    for seg in segments:
        if seg.start_s <= t_s < seg.end_s or (seg is segments[-1] and t_s == seg.end_s):
            return seg
    return None


_T_S = attrgetter("t_s")


def _sample_before(run: Run, t_s: float) -> Sample | None:
    i = bisect.bisect_right(run.samples, t_s, key=_T_S) - 1
    return run.samples[i] if i >= 0 else None


def distance_at(run: Run, t_s: float) -> float | None:
    s = _sample_before(run, t_s)
    return s.distance_m if s is not None else None


# -- episodes -----------------------------------------------------------------------------


def episodes_of(run: Run, segments: list[Segment]) -> list[Episode]:
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
        end = next((e for e in evs if e[1] in ("relief", "unresolved_at_run_end")), None)
        end_t = end[0] if end else run.ended_t_s
        onset_sample = _sample_before(run, onset[0])
        fresh = onset_sample is not None and onset[0] - onset_sample.t_s <= th.STALE_S
        escalations = [
            Escalation(t, distance_at(run, t), state_at(segments, t), sev or 0)
            for t, kind, sev in evs
            if kind == "worse"
        ]
        rests = [
            (max(seg.start_s, onset[0]), min(seg.end_s, end_t))
            for seg in segments
            if seg.state == REST and seg.end_s > onset[0] and seg.start_s < end_t
        ]
        ended_by = end[1] if end else "unresolved_at_run_end"
        end_state = state_at(segments, end_t - 1e-6)
        rest_to_relief = moving_before = None
        if ended_by == "relief" and end_state == REST:
            seg = _segment_at(segments, end_t - 1e-6)
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
                onset_state=state_at(segments, onset[0]),
                onset_speed_mps=onset_sample.speed_mps if fresh and onset_sample else None,
                onset_cadence_spm=onset_sample.cadence_spm if fresh and onset_sample else None,
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
    """Set ep.label, ep.reason and ep.evidence from the rules in the module docstring of
    server.thresholds and the issue: worsening first, then resolves_at_rest, else
    indeterminate with the reason."""
    ev = ep.evidence
    onset_where = f"Numbness started {clock(ep.onset_t_s)} into the run, after {km(ep.onset_distance_m)}, {STATE_WHILE[ep.onset_state]}"
    if ep.onset_speed_mps is not None and ep.onset_state == MOVING:
        onset_where += f" ({ep.onset_speed_mps:.1f} m/s, {ep.onset_cadence_spm:.0f} steps/min)"
    ev.append(onset_where + ".")
    rose_moving = [e for e in ep.escalations if e.state == MOVING]
    if ep.escalations:
        parts = "; ".join(f"{clock(e.t_s)}, {km(e.distance_m)}, {STATE_WHILE[e.state]}" for e in ep.escalations)
        ev.append(
            f"It got worse {len(ep.escalations)} time{'s' if len(ep.escalations) > 1 else ''} (severity up to {ep.max_severity}): {parts}."
        )

    # Standstills the runner moved on from, still numb.
    outlasted = [
        seg
        for seg in segments
        if seg.state == REST
        and seg.start_s >= ep.onset_t_s
        and seg.end_s < ep.end_t_s
        and seg.duration_s >= th.STANDSTILL_NOT_CLEARING_S
        and state_at(segments, seg.end_s) == MOVING
    ]
    for seg in outlasted:
        ev.append(
            f"The runner stood still for {duration(seg.duration_s)} at {clock(seg.start_s)} and moved on still numb."
        )
    short_stops = [
        seg
        for seg in segments
        if seg.state == REST
        and seg.start_s >= ep.onset_t_s
        and seg.end_s < ep.end_t_s
        and seg.duration_s < th.STANDSTILL_NOT_CLEARING_S
        and state_at(segments, seg.end_s) == MOVING
    ]
    if short_stops:
        ev.append(
            f"{len(short_stops)} shorter stop{'s' if len(short_stops) > 1 else ''} (under {duration(th.STANDSTILL_NOT_CLEARING_S)}) did not clear it."
        )

    not_cleared = ep.not_cleared
    if outlasted:
        not_cleared.append("it outlasted a standstill of 2 minutes or more")
    if ep.ended_by == "unresolved_at_run_end":
        ev.append(f"It was still there when the run ended, {clock(ep.end_t_s)} in.")
        not_cleared.append("it was still there when the run ended")
    if ep.rest_to_relief_s is not None:
        ev.append(
            f"It cleared {duration(ep.rest_to_relief_s)} after the runner came to a standstill, without moving in between."
        )
        if ep.rest_to_relief_s > th.RELIEF_WITHIN_REST_S:
            not_cleared.append("relief came more than 10 minutes after stopping")
        if ep.moving_before_relief_s is not None and ep.moving_before_relief_s >= th.MOVING_WITH_IT_S:
            ev.append(f"Before that the runner kept moving with it for {duration(ep.moving_before_relief_s)}.")
            not_cleared.append("the runner kept moving with it for 10 minutes or more before the stop that relieved it")
        if ep.rest_to_relief_s <= th.IMMEDIATE_RELIEF_S:
            ev.append(
                "Relief came the moment the runner stopped, which is unusual for the exertional pattern doctors check."
            )
    elif ep.ended_by == "relief":
        ev.append(f"It cleared at {clock(ep.end_t_s)}, {STATE_WHILE[ep.end_state]}.")

    if ep.onset_state == MOVING and rose_moving and not_cleared:
        ep.label = "worsening"
        ev.append("Rest did not clear it: " + "; ".join(not_cleared) + ".")
        return
    if (
        ep.onset_state == MOVING
        and ep.relieved
        and ep.end_state == REST
        and ep.rest_to_relief_s is not None
        and ep.rest_to_relief_s <= th.RELIEF_WITHIN_REST_S
    ):
        ep.label = "resolves_at_rest"
        return
    ep.label = "indeterminate"
    if ep.onset_state == REST:
        ep.reason = "it started while standing still"
    elif ep.onset_state == UNKNOWN:
        ep.reason = "the footpod link was down or had too little data when it started"
    elif ep.relieved and ep.end_state == MOVING:
        ep.reason = "it cleared while the runner was still moving (a walking break counts as moving, not rest)"
    elif ep.relieved and ep.end_state == UNKNOWN:
        ep.reason = "it cleared during a footpod gap, so nobody knows whether the runner was standing still"
    elif ep.ended_by == "unresolved_at_run_end" and not rose_moving:
        ep.reason = "it was still there at the end of the run, but without any build-up while moving"
    elif not_cleared and not rose_moving:
        ep.reason = "rest did not clear it, but it never got worse while moving"
    else:
        ep.reason = "the recording does not show either pattern clearly"
    ev.append(f"Not labelled: {ep.reason}.")


def location_hints(ep: Episode) -> list[str]:
    a = ep.annotation
    if a is None or not a.location:
        return []
    if a.location == "calf" and ep.label == "resolves_at_rest":
        return [
            "Calf numbness that clears at rest is consistent with the exertional pattern doctors check for "
            "claudication (reduced blood flow); in young runners they also consider chronic exertional compartment "
            "syndrome and popliteal artery entrapment. Worth showing to a doctor."
        ]
    if a.location == "top_of_foot" and ep.label == "worsening":
        return [
            "Numbness on the top of the foot that builds up during the run is consistent with lacing pressure on a "
            "nerve. Things to try: loosen the laces over the top of the foot, skip an eyelet where it hurts, half a "
            "size up, or reposition orthotics."
        ]
    if a.location == "sole_heel":
        return ["Numbness in the sole or heel: tarsal tunnel syndrome is worth mentioning to a doctor."]
    if a.location == "toes_3_4_ball":
        return [
            (
                "Numbness between the 3rd and 4th toes or at the ball of the foot: Morton's neuroma is worth mentioning "
                "to a doctor, especially if tight shoes make it worse."
            )
        ]
    return []


def pattern_of(labels: list[str]) -> str:
    if not labels:
        return "none"
    determinate = {label for label in labels if label != "indeterminate"}
    if not determinate:
        return "indeterminate"
    if len(determinate) == 2:
        return "mixed"
    return determinate.pop()


def analyze_run(run: Run) -> RunAnalysis:
    segments = movement_segments(run)
    episodes = episodes_of(run, segments)
    for ep in episodes:
        label_episode(ep, segments)
        ep.hints = location_hints(ep)
    last = run.samples[-1].distance_m if run.samples else 0.0
    return RunAnalysis(
        run_id=run.id,
        started_at=run.started_at,
        clock_synced=run.clock_synced,
        duration_s=run.ended_t_s,
        distance_m=last,
        segments=segments,
        episodes=episodes,
        ignored_holds=[t for t, kind, _, _ in run.events if kind == "ignored_hold"],
        pattern=pattern_of([ep.label for ep in episodes]),
    )


# -- across runs --------------------------------------------------------------------------


def spread(values: list[float]) -> Spread:
    if not values:
        return Spread(0, None, None)
    med = statistics.median(values)
    cv = None
    if len(values) >= 2 and statistics.mean(values) > 0:
        cv = statistics.stdev(values) / statistics.mean(values)
    return Spread(len(values), med, cv)


def _trend_per_week(points: list[tuple[datetime, float]]) -> float | None:
    if len(points) < th.MIN_RUNS_FOR_TREND:
        return None
    days = [(t - points[0][0]).total_seconds() / 86400 for t, _ in points]
    if days[-1] - days[0] < th.MIN_DAYS_FOR_TREND and max(days) - min(days) < th.MIN_DAYS_FOR_TREND:
        return None
    ys = [y for _, y in points]
    mx, my = statistics.mean(days), statistics.mean(ys)
    sxx = sum((x - mx) ** 2 for x in days)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(days, ys, strict=True)) / sxx * 7


def _location(ep: Episode) -> str | None:
    return ep.annotation.location if ep.annotation is not None else None


def red_flags(analyses: list[RunAnalysis]) -> list[RedFlag]:
    """ "See a doctor soon" (or now) signs, kept apart from the patterns."""
    flags: list[RedFlag] = []
    resolved_at: set[str | None] = set()  # where earlier resolves_at_rest episodes were felt (None: not said)
    for ra in sorted(analyses, key=lambda r: r.started_at):
        for ep in ra.episodes:
            where = f"run of {ra.started_at:%d %b %Y}, episode {ep.number}"
            if ep.onset_state == REST:
                flags.append(
                    RedFlag(
                        "onset_at_rest",
                        "soon",
                        (
                            f"Numbness started while standing still ({where}, {clock(ep.onset_t_s)}). Numbness that starts at "
                            "rest should be seen by a doctor soon."
                        ),
                        ra.run_id,
                        ep.number,
                    )
                )
            rest_failed = any("standstill" in why or "after stopping" in why for why in ep.not_cleared)
            # Compare like with like: when both episodes say where they were felt, only
            # the same place counts (calf numbness clearing does not speak for the foot).
            comparable = bool(resolved_at) and (
                _location(ep) is None or None in resolved_at or _location(ep) in resolved_at
            )
            if rest_failed and comparable:
                flags.append(
                    RedFlag(
                        "rest_no_longer_relieves",
                        "soon",
                        f"Rest no longer brought relief where it used to ({where}). See a doctor soon.",
                        ra.run_id,
                        ep.number,
                    )
                )
            a = ep.annotation
            if a is not None:
                if a.rest_or_night:
                    flags.append(
                        RedFlag(
                            "symptoms_at_rest_or_night",
                            "soon",
                            f"You noted symptoms at rest or at night ({where}). See a doctor soon.",
                            ra.run_id,
                            ep.number,
                        )
                    )
                if a.weakness:
                    flags.append(
                        RedFlag(
                            "weakness_or_foot_drop",
                            "soon",
                            f"You noted weakness or foot drop ({where}). See a doctor soon.",
                            ra.run_id,
                            ep.number,
                        )
                    )
                if a.sudden_pain:
                    flags.append(
                        RedFlag(
                            "sudden_severe_pain",
                            "soon",
                            f"You noted sudden severe pain with the numbness ({where}). See a doctor soon.",
                            ra.run_id,
                            ep.number,
                        )
                    )
                if a.cold_or_pale:
                    flags.append(
                        RedFlag(
                            "cold_or_pale",
                            "emergency",
                            f"You noted a cold or pale leg or foot ({where}). This can be an emergency: seek urgent medical care now.",
                            ra.run_id,
                            ep.number,
                        )
                    )
            if ep.label == "resolves_at_rest":
                resolved_at.add(_location(ep))
    return flags


def summarize(analyses: list[RunAnalysis]) -> Summary:
    episodes = [ep for ra in analyses for ep in ra.episodes]
    counts = {label: sum(ep.label == label for ep in episodes) for label in LABELS}
    pattern = pattern_of([ep.label for ep in episodes])
    firsts = [(ra, ra.episodes[0]) for ra in sorted(analyses, key=lambda r: r.started_at) if ra.episodes]
    first_moving = [(ra, ep) for ra, ep in firsts if ep.onset_state == MOVING]
    # Onset distance is the measure doctors use for the exertional pattern; when runs
    # show it, measure it on those runs so another kind of numbness does not blur it.
    resolving = [(ra, ep) for ra, ep in first_moving if ep.label == "resolves_at_rest"]
    onset_basis = "runs"
    if len(resolving) >= 2 and len(resolving) < len(first_moving):
        first_moving, onset_basis = resolving, "runs where it cleared at rest"
    onset_d = spread([ep.onset_distance_m for _, ep in first_moving if ep.onset_distance_m is not None])
    onset_t = spread([ep.onset_t_s for _, ep in first_moving])
    relief = spread(
        [ep.rest_to_relief_s for ep in episodes if ep.rest_to_relief_s is not None and ep.label != "indeterminate"]
    )
    trend = _trend_per_week(
        [(ra.started_at, ep.onset_distance_m) for ra, ep in first_moving if ep.onset_distance_m is not None]
    )

    evidence = []
    n_runs = len(analyses)
    if not episodes:
        evidence.append(f"No numbness was marked in {n_runs} run{'s' if n_runs != 1 else ''}.")
    else:
        parts = ", ".join(f"{counts[label]} {label.replace('_', ' ')}" for label in LABELS if counts[label])
        evidence.append(
            f"{len(episodes)} episode{'s' if len(episodes) != 1 else ''} in {sum(1 for ra in analyses if ra.episodes)} of {n_runs} runs: {parts}."
        )
    if onset_d.median is not None and onset_t.median is not None:
        basis = onset_basis if onset_d.n != 1 else "run"
        text = f"The first numbness of a run started after a median of {km(onset_d.median)} ({clock(onset_t.median)} into the run) over {onset_d.n} {basis}"
        if onset_d.cv is not None:
            text += f"; the onset distance varied by {onset_d.cv:.0%} (coefficient of variation)"
            if onset_d.cv <= th.REPRODUCIBLE_ONSET_CV:
                text += f", close to the ~{th.TYPICAL_ONSET_CV:.0%} doctors see from test to test in one person: the onset is reproducible"
                if pattern == "resolves_at_rest":
                    text += ", which strengthens the resolves-at-rest pattern"
            else:
                text += ", more than the ~15% typical within one person"
        evidence.append(text + ".")
    if relief.median is not None:
        evidence.append(
            f"Numbness cleared a median of {duration(relief.median)} after the runner came to a standstill ({relief.n} episode{'s' if relief.n != 1 else ''})."
        )
    if trend is not None:
        direction = "shortened" if trend < 0 else "lengthened"
        evidence.append(
            f"Over the weeks, the distance before numbness {direction} by about {abs(trend):.0f} m per week."
        )
    hints = sorted({h for ep in episodes for h in ep.hints})
    return Summary(
        runs=n_runs,
        episodes=len(episodes),
        label_counts=counts,
        pattern=pattern,
        onset_distance_m=onset_d,
        onset_time_s=onset_t,
        rest_to_relief_s=relief,
        onset_trend_m_per_week=trend,
        evidence=evidence,
        hints=hints,
        red_flags=red_flags(analyses),
        total_distance_m=sum(ra.distance_m for ra in analyses),
    )

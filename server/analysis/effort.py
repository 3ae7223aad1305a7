"""How hard the runner was working at each press: heart rate at onset, at each "worse" and
at relief, how far it had fallen at relief, and the grade at onset; and, per place,
whether the onset is steadier in distance, in time or at a heart rate across runs.

Decides numbers only (no words: server.words says them). The heart rate at a press is the
last usable value (strap, else watch: device.db.sources) at or before it, if at most
merge.HR_FRESH_S old; else None ("unknown", never zero).
"""

from __future__ import annotations

import bisect

from footnote.device.db.rows import Run
from footnote.device.db.sources import value_at
from footnote.server.analysis import thresholds as th
from footnote.server.analysis.codes import Source, State
from footnote.server.analysis.figures import spread
from footnote.server.analysis.jsonable import jsonable
from footnote.server.analysis.results import Episode, HeartRateSummary, Segment, SourceStretch


def add_effort(run: Run, episodes: list[Episode]) -> None:
    """Fill each episode's heart-rate and grade fields from the run's series."""
    hr = run.heart_rates
    for ep in episodes:
        ep.hr_onset_bpm = value_at(hr, ep.onset_t_s)
        ep.hr_worse_bpm = [value_at(hr, e.t_s) for e in ep.escalations]
        if ep.relieved:
            ep.hr_relief_bpm = value_at(hr, ep.end_t_s)
            during = [bpm for t, bpm, _ in hr if ep.onset_t_s <= t <= ep.end_t_s]
            if ep.hr_relief_bpm is not None and during:
                ep.hr_fall_at_relief_bpm = max(during) - ep.hr_relief_bpm
        ep.grade_at_onset_pct = grade_at(run, ep.onset_t_s)


def grade_at(run: Run, t_s: float) -> float | None:
    """The slope (percent) over the GRADE_OVER_M of distance before t_s, from the watch's
    elevation; None without elevation, or when that distance took longer than
    GRADE_WITHIN_S (a standstill's grade is no grade)."""
    if not run.elevations or not run.samples:
        return None
    times = [s.t_s for s in run.samples]
    k = bisect.bisect_right(times, t_s) - 1
    if k < 0:
        return None
    d_now = run.samples[k].distance_m
    j = k
    while j > 0 and d_now - run.samples[j].distance_m < th.GRADE_OVER_M:
        j -= 1
    back = run.samples[j]
    if d_now - back.distance_m < th.GRADE_OVER_M or t_s - back.t_s > th.GRADE_WITHIN_S:
        return None
    alt_now = value_at(run.elevations, t_s, fresh_s=th.ELEVATION_FRESH_S)
    alt_back = value_at(run.elevations, back.t_s, fresh_s=th.ELEVATION_FRESH_S)
    if alt_now is None or alt_back is None:
        return None
    return round(100 * (alt_now - alt_back) / (d_now - back.distance_m), 1)


def onset_steadiness(first_onsets: list[Episode]) -> dict:
    """Across runs (each run's first onset while moving): the spread of the onset's
    distance, time and heart rate, and which is the steadiest (the lowest coefficient of
    variation), or None below th.MIN_RUNS_FOR_STEADINESS runs with that value."""
    moving = [ep for ep in first_onsets if ep.onset_state == State.MOVING]
    spreads = {
        "distance": spread([ep.onset_distance_m for ep in moving if ep.onset_distance_m is not None]),
        "time": spread([ep.onset_t_s for ep in moving]),
        "heart_rate": spread([float(ep.hr_onset_bpm) for ep in moving if ep.hr_onset_bpm is not None]),
    }
    judged = {k: s.cv for k, s in spreads.items() if s.n >= th.MIN_RUNS_FOR_STEADINESS and s.cv is not None}
    return {
        "min_runs": th.MIN_RUNS_FOR_STEADINESS,
        "distance": jsonable(spreads["distance"]),
        "time": jsonable(spreads["time"]),
        "heart_rate": jsonable(spreads["heart_rate"]),
        "steadiest": min(judged, key=lambda k: judged[k]) if judged else None,
        "enough_runs": bool(judged),
    }


def sources_of(run: Run, segments: list[Segment]) -> list[SourceStretch]:
    """Whose samples each stretch of the run is (pod, watch), and each segment's source:
    the one covering most of it."""
    stretches = [SourceStretch(a, b, Source(source)) for a, b, source in run.movement_sources]
    for seg in segments:
        cover: dict[Source, float] = {}
        for st in stretches:
            overlap = min(seg.end_s, st.end_s) - max(seg.start_s, st.start_s)
            if overlap > 0:
                cover[st.source] = cover.get(st.source, 0.0) + overlap
        seg.source = max(cover, key=lambda k: cover[k]) if cover else None
    return stretches


def heart_rate_summary(run: Run) -> HeartRateSummary | None:
    if not run.heart_rates:
        return None
    values = sorted(bpm for _, bpm, _ in run.heart_rates)
    return HeartRateSummary(
        n=len(values),
        strap=sum(source == "strap" for _, _, source in run.heart_rates),
        watch=sum(source == "watch" for _, _, source in run.heart_rates),
        median_bpm=float(values[len(values) // 2])
        if len(values) % 2
        else (values[len(values) // 2 - 1] + values[len(values) // 2]) / 2,
        max_bpm=values[-1],
    )

"""Across runs: counts per label, the pattern, the onset distance and time with their spread,
the time from stopping to relief, the trend of the onset distance, hints and red flags.

Pure: `RunAnalysis`es in, a `Summary` out. The numbers and codes are decided here; the
evidence sentences come from footnote.server.words.sentences.
"""

from __future__ import annotations

import statistics
from datetime import datetime

from footnote.server.analysis import thresholds as th
from footnote.server.analysis.codes import Label, OnsetBasis, Pattern, State, SummaryEvidence
from footnote.server.analysis.redflags import red_flags
from footnote.server.analysis.results import Fact, RunAnalysis, Spread, Summary


def pattern_of(labels: list[str]) -> Pattern:
    if not labels:
        return Pattern.NONE
    determinate = {label for label in labels if label != Label.INDETERMINATE}
    if not determinate:
        return Pattern.INDETERMINATE
    if len(determinate) == 2:
        return Pattern.MIXED
    return Pattern(determinate.pop())


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


def summarize(analyses: list[RunAnalysis]) -> Summary:
    episodes = [ep for ra in analyses for ep in ra.episodes]
    counts = {str(label): sum(ep.label == label for ep in episodes) for label in Label}
    pattern = pattern_of([ep.label for ep in episodes])
    firsts = [(ra, ra.episodes[0]) for ra in sorted(analyses, key=lambda r: r.started_at) if ra.episodes]
    first_moving = [(ra, ep) for ra, ep in firsts if ep.onset_state == State.MOVING]
    # Onset distance is the measure doctors use for the exertional pattern; when runs
    # show it, measure it on those runs so another kind of numbness does not blur it.
    resolving = [(ra, ep) for ra, ep in first_moving if ep.label == Label.RESOLVES_AT_REST]
    onset_basis = OnsetBasis.RUNS
    if len(resolving) >= 2 and len(resolving) < len(first_moving):
        first_moving, onset_basis = resolving, OnsetBasis.RUNS_CLEARED_AT_REST
    onset_d = spread([ep.onset_distance_m for _, ep in first_moving if ep.onset_distance_m is not None])
    onset_t = spread([ep.onset_t_s for _, ep in first_moving])
    relief = spread(
        [ep.rest_to_relief_s for ep in episodes if ep.rest_to_relief_s is not None and ep.label != Label.INDETERMINATE]
    )
    trend = _trend_per_week(
        [(ra.started_at, ep.onset_distance_m) for ra, ep in first_moving if ep.onset_distance_m is not None]
    )

    facts = []
    if not episodes:
        facts.append(Fact(SummaryEvidence.NO_NUMBNESS, {"runs": len(analyses)}))
    else:
        facts.append(
            Fact(
                SummaryEvidence.EPISODE_COUNTS,
                {
                    "episodes": len(episodes),
                    "runs_with_episodes": sum(1 for ra in analyses if ra.episodes),
                    "runs": len(analyses),
                    "label_counts": counts,
                },
            )
        )
    if onset_d.median is not None and onset_t.median is not None:
        facts.append(
            Fact(
                SummaryEvidence.ONSET_SPREAD,
                {
                    "median_m": onset_d.median,
                    "median_s": onset_t.median,
                    "n": onset_d.n,
                    "basis": onset_basis,
                    "cv": onset_d.cv,
                    "reproducible": onset_d.cv is not None and onset_d.cv <= th.REPRODUCIBLE_ONSET_CV,
                    "pattern": pattern,
                },
            )
        )
    if relief.median is not None:
        facts.append(Fact(SummaryEvidence.RELIEF_SPREAD, {"median_s": relief.median, "n": relief.n}))
    if trend is not None:
        facts.append(Fact(SummaryEvidence.ONSET_TREND, {"m_per_week": trend}))
    hint_codes = list(dict.fromkeys(h for ep in episodes for h in ep.hint_codes))
    return Summary(
        runs=len(analyses),
        episodes=len(episodes),
        label_counts=counts,
        pattern=pattern,
        onset_distance_m=onset_d,
        onset_time_s=onset_t,
        rest_to_relief_s=relief,
        onset_trend_m_per_week=trend,
        red_flags=red_flags(analyses),
        total_distance_m=sum(ra.distance_m for ra in analyses),
        onset_basis=onset_basis,
        facts=facts,
        hint_codes=hint_codes,
        onset_steadiness=_steadiness([ep for _, ep in firsts]),
    )


def _steadiness(firsts: list) -> dict:
    from footnote.server.analysis.effort import onset_steadiness  # effort uses this module's spread

    return onset_steadiness(firsts)

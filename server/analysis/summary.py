"""Across runs: counts per label, the pattern, the onset distance and time with their spread,
the time from stopping to relief, the trend of the onset distance, hints and red flags.

Pure: `RunAnalysis`es in, a `Summary` out. The numbers and codes are decided here; the
evidence sentences come from footnote.server.words.sentences.
"""

from __future__ import annotations

from datetime import datetime

from footnote.server.analysis import figures
from footnote.server.analysis import thresholds as th
from footnote.server.analysis.codes import Label, OnsetBasis, Pattern, SummaryEvidence
from footnote.server.analysis.figures import least_squares_per_week
from footnote.server.analysis.redflags import red_flags
from footnote.server.analysis.results import Fact, RunAnalysis, Summary


def pattern_of(labels: list[str]) -> Pattern:
    if not labels:
        return Pattern.NONE
    determinate = {label for label in labels if label != Label.INDETERMINATE}
    if not determinate:
        return Pattern.INDETERMINATE
    if len(determinate) == 2:
        return Pattern.MIXED
    return Pattern(determinate.pop())


def _trend_per_week(points: list[tuple[datetime, float]]) -> float | None:
    """The raw slope of `onset_trend_m_per_week` (3 runs over 7 days, as it always was)."""
    if len(points) < th.MIN_RUNS_FOR_TREND:
        return None
    days = [(t - points[0][0]).total_seconds() / 86400 for t, _ in points]
    if max(days) - min(days) < th.MIN_DAYS_FOR_TREND:
        return None
    fit = least_squares_per_week(points)
    return None if fit is None else fit[0]


def summarize(analyses: list[RunAnalysis]) -> Summary:
    episodes = [ep for ra in analyses for ep in ra.episodes]
    counts = {str(label): sum(ep.label == label for ep in episodes) for label in Label}
    pattern = pattern_of([ep.label for ep in episodes])
    firsts, onset_basis = onset_runs(analyses)
    onset_d = figures.onset_distance(firsts)
    onset_t = figures.onset_time(firsts)
    relief = figures.standstill_to_relief(episodes)
    trend = _trend_per_week([(f.started_at, f.distance_m) for f in firsts if f.distance_m is not None])
    stated_trend = figures.onset_trend(firsts)

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
    if stated_trend.stated:
        facts.append(Fact(SummaryEvidence.ONSET_TREND, {"m_per_week": stated_trend.m_per_week}))
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
        onset_trend=stated_trend,
        onset_steadiness=_steadiness([f.episode for f in figures.first_numbness_of(analyses)]),
    )


def onset_runs(analyses: list[RunAnalysis]) -> tuple[list[figures.FirstNumbness], OnsetBasis]:
    """The runs whose first numbness the summary measures, and on what basis. Onset distance
    is the measure doctors use for the exertional pattern: when at least two runs show it
    (their first numbness cleared at rest) and others do not, it is measured on those runs,
    so another kind of numbness does not blur it."""
    firsts = figures.first_numbness_of(analyses)
    resolving = [f for f in firsts if f.episode.label == Label.RESOLVES_AT_REST]
    if len(resolving) >= 2 and len(resolving) < len(firsts):
        return resolving, OnsetBasis.RUNS_CLEARED_AT_REST
    return firsts, OnsetBasis.RUNS


def _steadiness(firsts: list) -> dict:
    from footnote.server.analysis.effort import onset_steadiness  # effort uses figures' spread

    return onset_steadiness(firsts)

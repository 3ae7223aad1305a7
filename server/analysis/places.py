"""Summaries per place: calf and top of the foot are different questions.

Episodes are grouped by where the runner said they felt it (the annotation), with "not
said" as its own group. Per place: how many episodes and runs, the labels and pattern, the
distance and time to first numbness (per run, its first episode felt there, when it began
while moving: the definition of server.analysis.figures), standstill-to-relief (median,
variation) and its distribution over the ranges that mean something to a doctor
(server.words.vocabulary.RELIEF_RANGE_MEANING).
Pure: analyses in, plain dicts out.
"""

from __future__ import annotations

from footnote.server.analysis import LABELS, LOCATIONS, Episode, RunAnalysis, figures, pattern_of
from footnote.server.analysis.effort import onset_steadiness
from footnote.server.analysis.figures import NOT_SAID, place_of
from footnote.server.analysis.jsonable import jsonable

__all__ = ["NOT_SAID", "RELIEF_RANGES", "per_place", "place_of", "relief_distribution"]
RELIEF_RANGES: tuple[tuple[str, float, float], ...] = (  # code, from (inclusive), to (exclusive), in seconds
    ("within_1_min", 0.0, 60.0),
    ("1_to_2_min", 60.0, 120.0),
    ("2_to_5_min", 120.0, 300.0),
    ("5_to_10_min", 300.0, 600.0),
    ("over_10_min", 600.0, float("inf")),
)


def relief_distribution(values_s: list[float]) -> list[dict]:
    """How many standstill-to-relief times fall in each range (a range's upper end is
    exclusive: exactly 2 minutes counts as 2-5 minutes, exactly 10 as more than 10)."""
    return [
        {
            "range": code,
            "from_s": lo,
            "to_s": None if hi == float("inf") else hi,
            "count": sum(lo <= v < hi for v in values_s),
        }
        for code, lo, hi in RELIEF_RANGES
    ]


def per_place(analyses: list[RunAnalysis]) -> list[dict]:
    """One dict per place that has episodes, in LOCATIONS order, "not said" last. Empty when
    no episode was annotated with a place (then the summary across runs says it all)."""
    by_place: dict[str, list[tuple[RunAnalysis, Episode]]] = {}
    for ra in analyses:
        for ep in ra.episodes:
            by_place.setdefault(place_of(ep), []).append((ra, ep))
    if set(by_place) <= {NOT_SAID}:
        return []
    out = []
    for place in (*LOCATIONS, NOT_SAID):
        pairs = by_place.get(place)
        if not pairs:
            continue
        eps = [ep for _, ep in pairs]
        firsts = figures.first_numbness_of(analyses, place)
        relief = figures.relief_times(eps)
        out.append(
            {
                "place": place,
                "episodes": len(eps),
                "runs": len({ra.run_id for ra, _ in pairs}),
                "label_counts": {label: sum(ep.label == label for ep in eps) for label in LABELS},
                "pattern": pattern_of([ep.label for ep in eps]),
                "onset_distance_m": jsonable(figures.onset_distance(firsts)),
                "onset_time_s": jsonable(figures.onset_time(firsts)),
                "rest_to_relief_s": jsonable(figures.spread(relief)),
                "relief_distribution": relief_distribution(relief),
                "onset_steadiness": onset_steadiness([f.episode for f in firsts]),
            }
        )
    return out

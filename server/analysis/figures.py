"""The figures footnote states across runs, each defined once: every page, the PDF, the
CSV and the FHIR export take them from here, so no two surfaces can disagree.

- **First numbness of a run** (the distance and time to it): the run's first episode, or
  its first episode felt in a place when a place is asked for, if it began while moving.
  Clinicians measure the distance walked to the onset of symptoms (initial claudication
  distance, DOMAIN.md); an onset while standing still, or while the footpod said nothing,
  has no distance to measure, so such a run counts for neither the median nor its spread.
- **Standstill to relief**: of every episode that cleared while the runner stood still and
  has a pattern (an indeterminate one, such as an onset at rest, says nothing about the
  exertional pattern).
- **The trend of the onset distance** over the weeks: stated only from enough runs to mean
  something (thresholds.TREND_MIN_RUNS, TREND_MIN_DAYS, TREND_CONFIDENCE: the rule and why).

Pure: analyses in, numbers out.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from footnote.server.analysis import thresholds as th
from footnote.server.analysis.codes import Label, State, TrendCode
from footnote.server.analysis.results import Episode, RunAnalysis, Spread, Trend

NOT_SAID = "not_said"


def place_of(ep: Episode) -> str:
    """Where the runner said an episode was felt, or "not_said"."""
    a = ep.annotation
    return a.location if a is not None and a.location else NOT_SAID


@dataclass(frozen=True)
class FirstNumbness:
    """A run's first numbness, when it began while moving."""

    run_id: int
    started_at: datetime
    episode: Episode

    @property
    def distance_m(self) -> float | None:
        return self.episode.onset_distance_m

    @property
    def t_s(self) -> float:
        return self.episode.onset_t_s


def first_numbness(ra: RunAnalysis, place: str | None = None) -> FirstNumbness | None:
    """The run's first episode (in `place`, when given), if it began while moving."""
    episodes = [ep for ep in ra.episodes if place is None or place_of(ep) == place]
    if not episodes:
        return None
    first = min(episodes, key=lambda ep: ep.onset_t_s)
    return FirstNumbness(ra.run_id, ra.started_at, first) if first.onset_state == State.MOVING else None


def first_numbness_of(analyses: Iterable[RunAnalysis], place: str | None = None) -> list[FirstNumbness]:
    """Every run's first numbness (in `place`), in the order the runs started."""
    found = [first_numbness(ra, place) for ra in sorted(analyses, key=lambda ra: ra.started_at)]
    return [f for f in found if f is not None]


def spread(values: list[float]) -> Spread:
    """Median and coefficient of variation (stdev / mean, from 2 values on)."""
    if not values:
        return Spread(0, None, None)
    med = statistics.median(values)
    cv = None
    if len(values) >= 2 and statistics.mean(values) > 0:
        cv = statistics.stdev(values) / statistics.mean(values)
    return Spread(len(values), med, cv)


def onset_distance(firsts: list[FirstNumbness]) -> Spread:
    """The distance to first numbness, over runs (those with a distance)."""
    return spread([f.distance_m for f in firsts if f.distance_m is not None])


def onset_time(firsts: list[FirstNumbness]) -> Spread:
    """The time to first numbness, over runs (a pod without distance still has a time)."""
    return spread([f.t_s for f in firsts])


def relief_times(episodes: Iterable[Episode]) -> list[float]:
    """Standstill to relief of every episode that cleared standing still and has a pattern."""
    return [
        ep.rest_to_relief_s for ep in episodes if ep.rest_to_relief_s is not None and ep.label != Label.INDETERMINATE
    ]


def standstill_to_relief(episodes: Iterable[Episode]) -> Spread:
    return spread(relief_times(episodes))


# t(0.975, df): the two-sided 95 % quantile of Student's t, df 1-30 (df > 30 takes 30's:
# a little wider than the truth, never narrower).
T_975: tuple[float, ...] = (
    *(12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131),
    *(2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042),
)


def least_squares_per_week(points: list[tuple[datetime, float]]) -> tuple[float, float | None] | None:
    """The slope of value over time in units per week, and the half-width of its 95 %
    confidence interval (None from fewer than 3 points); None when the points span no time."""
    if len(points) < 2:
        return None
    days = [(t - points[0][0]).total_seconds() / 86400 for t, _ in points]
    ys = [y for _, y in points]
    mx, my = statistics.mean(days), statistics.mean(ys)
    sxx = sum((x - mx) ** 2 for x in days)
    if sxx == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(days, ys, strict=True)) / sxx
    df = len(points) - 2
    if df < 1:
        return slope * 7, None
    residual = sum((y - my - slope * (x - mx)) ** 2 for x, y in zip(days, ys, strict=True)) / df
    half_width = T_975[min(df, len(T_975)) - 1] * (residual / sxx) ** 0.5
    return slope * 7, half_width * 7


def onset_trend(firsts: list[FirstNumbness]) -> Trend:
    """The onset distance's trend over the weeks, and whether it is stated (see thresholds)."""
    points = [(f.started_at, f.distance_m) for f in firsts if f.distance_m is not None]
    days = (points[-1][0] - points[0][0]).total_seconds() / 86400 if points else 0.0
    fit = least_squares_per_week(points)
    m_per_week, half_width = fit if fit is not None else (None, None)
    if len(points) < th.TREND_MIN_RUNS or days < th.TREND_MIN_DAYS:
        code = TrendCode.NOT_ENOUGH_RUNS
    elif half_width is None or m_per_week is None or abs(m_per_week) <= half_width:
        code = TrendCode.NO_CLEAR_TREND
    else:
        code = TrendCode.SHORTENING if m_per_week < 0 else TrendCode.LENGTHENING
    return Trend(
        code=code,
        runs=len(points),
        days=round(days, 1),
        m_per_week=m_per_week,
        ci95_m_per_week=half_width,
        stated=code in (TrendCode.SHORTENING, TrendCode.LENGTHENING),
    )

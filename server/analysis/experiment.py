"""The shoe and lacing experiment: runs grouped by setup, and whether a setup's runs
differ from the others' by more than chance. Pure functions, standard library only.

Tests (exact, no approximation, no scipy):
- runs with numbness: Fisher's exact test on the 2x2 table (this setup / the others x
  with / without numbness), two-sided (the sum of the probabilities of every table with
  the same margins that is no more likely than the one observed);
- episodes per hour: the conditional test for two Poisson rates. Given k episodes in all,
  if both setups had the same rate the number in this setup is Binomial(k, h / (h + h'))
  with h, h' the hours run; two-sided the same way.
Below MIN_RUNS_PER_SETUP runs on either side nothing is tested (server.analysis.thresholds says why).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from math import comb

from footnote.server.analysis import RunAnalysis
from footnote.server.analysis import thresholds as th
from footnote.server.analysis.figures import first_numbness
from footnote.server.analysis.setups import Setup

_TIES = 1 + 1e-7  # tables as likely as the observed one, within rounding, count as "no more likely"


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p of Fisher's exact test for the table [[a, b], [c, d]]."""
    row1, col1, n = a + b, a + c, a + b + c + d
    lo, hi = max(0, col1 - (n - row1)), min(row1, col1)

    def prob(x: int) -> float:
        return comb(row1, x) * comb(n - row1, col1 - x) / comb(n, col1)

    observed = prob(a)
    return min(1.0, sum(p for p in (prob(x) for x in range(lo, hi + 1)) if p <= observed * _TIES))


def binomial_two_sided(k: int, n: int, p: float) -> float:
    """Two-sided exact p of seeing k successes in n trials of probability p."""
    if n == 0:
        return 1.0
    probs = [comb(n, x) * p**x * (1 - p) ** (n - x) for x in range(n + 1)]
    return min(1.0, sum(q for q in probs if q <= probs[k] * _TIES))


def poisson_rate_test(k1: int, hours1: float, k2: int, hours2: float) -> float:
    """Two-sided p that two episode counts come from the same rate per hour."""
    if hours1 <= 0 or hours2 <= 0:
        return 1.0
    return binomial_two_sided(k1, k1 + k2, hours1 / (hours1 + hours2))


@dataclass
class SetupGroup:
    key: tuple[str, str, str] | None  # None: runs whose setup was not said
    shoes: str | None
    lacing: str | None
    orthotics: str | None
    run_ids: list[int] = field(default_factory=list)
    hours: float = 0.0
    distance_m: float = 0.0
    runs_with_numbness: int = 0
    episodes: int = 0
    worsening_episodes: int = 0
    onset_times_s: list[float] = field(default_factory=list)  # first numbness of each run
    onset_distances_m: list[float] = field(default_factory=list)

    @property
    def runs(self) -> int:
        return len(self.run_ids)

    @property
    def episodes_per_hour(self) -> float | None:
        return self.episodes / self.hours if self.hours > 0 else None


@dataclass
class Comparison:
    """One setup against all the runs of the other (said) setups."""

    enough_runs: bool
    numbness_code: str  # a key of vocabulary.SETUP_DIFFERENCE_WORDS
    numbness_p: float | None
    rate_code: str  # a key of vocabulary.EPISODE_RATE_WORDS
    rate_p: float | None
    others_runs: int
    others_runs_with_numbness: int
    others_hours: float
    others_episodes: int


def group_runs(pairs: list[tuple[RunAnalysis, Setup | None]]) -> list[SetupGroup]:
    """Runs grouped by setup (most runs first; the not-said group last)."""
    groups: dict[tuple[str, str, str] | None, SetupGroup] = {}
    for ra, setup in sorted(pairs, key=lambda p: p[0].started_at):
        key = setup.key if setup is not None else None
        g = groups.get(key)
        if g is None:
            g = groups[key] = SetupGroup(key, None, None, None)
        if setup is not None and key is not None:  # shown as last written
            g.shoes, g.lacing, g.orthotics = setup.shoes, setup.lacing, setup.orthotics
        g.run_ids.append(ra.run_id)
        g.hours += ra.duration_s / 3600
        g.distance_m += ra.distance_m
        g.episodes += len(ra.episodes)
        g.worsening_episodes += sum(ep.label == "worsening" for ep in ra.episodes)
        if ra.episodes:
            g.runs_with_numbness += 1
        first = first_numbness(ra)
        if first is not None:
            g.onset_times_s.append(first.t_s)
            if first.distance_m is not None:
                g.onset_distances_m.append(first.distance_m)
    return sorted(groups.values(), key=lambda g: (g.key is None, -g.runs))


def compare(group: SetupGroup, groups: list[SetupGroup]) -> Comparison | None:
    """This setup against the runs of every other setup that was said (None for the
    not-said group, which is shown but not tested)."""
    if group.key is None:
        return None
    others = [g for g in groups if g.key is not None and g is not group]
    o_runs = sum(g.runs for g in others)
    o_numb = sum(g.runs_with_numbness for g in others)
    o_hours = sum(g.hours for g in others)
    o_eps = sum(g.episodes for g in others)
    enough = group.runs >= th.MIN_RUNS_PER_SETUP and o_runs >= th.MIN_RUNS_PER_SETUP
    if not enough:
        return Comparison(False, "not_enough_runs", None, "not_enough_runs", None, o_runs, o_numb, o_hours, o_eps)
    p_numb = fisher_exact(group.runs_with_numbness, group.runs - group.runs_with_numbness, o_numb, o_runs - o_numb)
    numb_code = "no_clear_difference"
    if p_numb < th.SIGNIFICANCE:
        numb_code = (
            "fewer_with_numbness" if group.runs_with_numbness / group.runs < o_numb / o_runs else "more_with_numbness"
        )
    p_rate = poisson_rate_test(group.episodes, group.hours, o_eps, o_hours)
    rate_code = "no_clear_difference"
    if p_rate < th.SIGNIFICANCE and group.hours > 0 and o_hours > 0:
        rate_code = "lower_rate" if group.episodes / group.hours < o_eps / o_hours else "higher_rate"
    return Comparison(True, numb_code, p_numb, rate_code, p_rate, o_runs, o_numb, o_hours, o_eps)


def median_or_none(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def comparison_table(pairs: list[tuple[RunAnalysis, Setup | None]]) -> list[dict]:
    """What the comparison page, its JSON twin and the PDF section show, one dict per setup."""
    groups = group_runs(pairs)
    out = []
    for g in groups:
        c = compare(g, groups)
        out.append(
            {
                "setup": None if g.key is None else {"shoes": g.shoes, "lacing": g.lacing, "orthotics": g.orthotics},
                "runs": g.runs,
                "run_ids": g.run_ids,
                "hours": round(g.hours, 2),
                "distance_m": round(g.distance_m, 1),
                "runs_with_numbness": g.runs_with_numbness,
                "episodes": g.episodes,
                "episodes_per_hour": None if g.episodes_per_hour is None else round(g.episodes_per_hour, 2),
                "median_onset_time_s": median_or_none(g.onset_times_s),
                "median_onset_distance_m": median_or_none(g.onset_distances_m),
                "worsening_episodes": g.worsening_episodes,
                "comparison": None
                if c is None
                else {
                    "enough_runs": c.enough_runs,
                    "minimum_runs": th.MIN_RUNS_PER_SETUP,
                    "runs_with_numbness": c.numbness_code,
                    "runs_with_numbness_p": None if c.numbness_p is None else round(c.numbness_p, 4),
                    "episodes_per_hour": c.rate_code,
                    "episodes_per_hour_p": None if c.rate_p is None else round(c.rate_p, 4),
                    "others": {
                        "runs": c.others_runs,
                        "runs_with_numbness": c.others_runs_with_numbness,
                        "hours": round(c.others_hours, 2),
                        "episodes": c.others_episodes,
                    },
                },
            }
        )
    return out

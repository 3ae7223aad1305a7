"""The shoe and lacing experiment's arithmetic: exact tests written with math.comb, the
grouping of runs by setup, and the minimum number of runs before anything is tested.

Runs here are plain analysis results (server.analysis dataclasses), as the dashboard
hands them to server.analysis.experiment: a 40-minute run with or without an episode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from footnote.server.analysis import Episode, RunAnalysis
from footnote.server.analysis import thresholds as th
from footnote.server.analysis.experiment import binomial_two_sided, comparison_table, fisher_exact, poisson_rate_test
from footnote.server.analysis.setups import Setup

DAY0 = datetime(2026, 11, 1, 7, 0, tzinfo=UTC)


def run(run_id: int, *, numb_at_min: list[float] = (), label: str = "worsening", minutes: float = 40) -> RunAnalysis:
    """A run of `minutes`, with an episode starting at each of `numb_at_min` (minutes in)."""
    episodes = [
        Episode(
            run_id=run_id,
            number=i + 1,
            onset_t_s=m * 60,
            onset_distance_m=m * 60 * 3.0,
            onset_state="moving",
            onset_speed_mps=3.0,
            onset_cadence_spm=170,
            escalations=[],
            end_t_s=minutes * 60,
            ended_by="unresolved_at_run_end",
            end_state="moving",
            max_severity=1,
            rest_periods=[],
            rest_to_relief_s=None,
            moving_before_relief_s=None,
            label=label,
        )
        for i, m in enumerate(numb_at_min)
    ]
    return RunAnalysis(
        run_id=run_id,
        started_at=DAY0 + timedelta(days=run_id),
        clock_synced=True,
        duration_s=minutes * 60,
        distance_m=minutes * 60 * 3.0,
        segments=[],
        episodes=episodes,
        ignored_holds=[],
        pattern="worsening" if episodes else "none",
    )


TIGHT = Setup(shoes="Pegasus 40, size 43", lacing="criss-cross", orthotics="none")
LOOSE = Setup(shoes="Pegasus 40, size 43", lacing="skip 2nd eyelet", orthotics="none")


@pytest.mark.parametrize(
    ("table", "p"),
    [
        ((3, 1, 1, 3), 0.4857),  # Fisher's tea-tasting lady: 17/35
        ((0, 4, 4, 0), 2 / 70),  # the most lopsided result with 4 runs each
        ((0, 3, 3, 0), 0.1),  # ... and with 3: never below 5 %
        ((1, 9, 11, 3), 0.002759),  # the textbook example of the two-sided test
        ((2, 2, 2, 2), 1.0),
    ],
)
def test_fisher_exact_matches_known_values(table, p):
    assert fisher_exact(*table) == pytest.approx(p, abs=5e-5)


def test_binomial_and_poisson_rate_tests_match_hand_computed_values():
    assert binomial_two_sided(0, 10, 0.5) == pytest.approx(2 / 1024)
    assert binomial_two_sided(5, 10, 0.5) == pytest.approx(1.0)
    # 12 episodes in 4 h against 2 in 4 h: Binomial(14, 0.5), P(X >= 12 or X <= 2) = 2 * 106 / 16384
    assert poisson_rate_test(12, 4.0, 2, 4.0) == pytest.approx(2 * 106 / 2**14)
    assert poisson_rate_test(3, 0.0, 2, 4.0) == 1.0  # no hours: nothing to compare


def test_the_minimum_is_the_smallest_number_of_runs_that_could_ever_show_a_difference():
    n = th.MIN_RUNS_PER_SETUP
    assert fisher_exact(0, n, n, 0) < th.SIGNIFICANCE <= fisher_exact(0, n - 1, n - 1, 0)


def test_three_runs_each_is_not_enough_whatever_happened():
    pairs = [(run(i, numb_at_min=[20]), TIGHT) for i in (1, 2, 3)] + [(run(i), LOOSE) for i in (4, 5, 6)]
    table = comparison_table(pairs)
    assert [g["comparison"]["enough_runs"] for g in table] == [False, False]
    assert all(g["comparison"]["runs_with_numbness"] == "not_enough_runs" for g in table)
    assert all(g["comparison"]["runs_with_numbness_p"] is None for g in table)


def test_a_lacing_change_that_stopped_the_numbness_shows_with_its_counts():
    """Five runs criss-cross laced, numb at 20-28 min each time; five runs skipping the
    2nd eyelet, numb once. One run with no setup said."""
    pairs = [(run(i, numb_at_min=[20 + 2 * i]), TIGHT) for i in range(1, 6)]
    pairs += [(run(6, numb_at_min=[35], label="indeterminate"), LOOSE)] + [(run(i), LOOSE) for i in range(7, 11)]
    pairs += [(run(11, numb_at_min=[10]), None)]
    table = comparison_table(pairs)
    tight, loose, unsaid = table
    assert tight["setup"]["lacing"] == "criss-cross" and unsaid["setup"] is None and unsaid["comparison"] is None
    assert (tight["runs"], tight["runs_with_numbness"], tight["episodes"], tight["worsening_episodes"]) == (5, 5, 5, 5)
    assert (loose["runs"], loose["runs_with_numbness"], loose["worsening_episodes"]) == (5, 1, 0)
    assert tight["hours"] == pytest.approx(5 * 40 / 60, abs=0.01)
    assert tight["episodes_per_hour"] == pytest.approx(1.5)
    assert tight["median_onset_time_s"] == 26 * 60 and tight["median_onset_distance_m"] == 26 * 60 * 3.0
    c = loose["comparison"]
    assert c["enough_runs"] and c["others"] == {"runs": 5, "runs_with_numbness": 5, "hours": 3.33, "episodes": 5}
    assert c["runs_with_numbness_p"] == pytest.approx(fisher_exact(1, 4, 5, 0), abs=1e-4)
    assert c["runs_with_numbness"] == "fewer_with_numbness"  # p = 0.048
    assert tight["comparison"]["runs_with_numbness"] == "more_with_numbness"


def test_setups_are_grouped_without_case_or_spacing_and_the_note_does_not_split_them():
    a = Setup(shoes="Pegasus 40", lacing="Skip  2nd eyelet", orthotics=None, note="felt fine")
    b = Setup(shoes="pegasus 40 ", lacing="skip 2nd eyelet", orthotics=None, note="new socks")
    table = comparison_table([(run(1), a), (run(2), b)])
    assert len(table) == 1 and table[0]["runs"] == 2

"""One vocabulary: every code the analysis can produce has exactly one display word."""

from __future__ import annotations

from footnote.server import analysis
from footnote.server.words import vocabulary


def test_every_label_pattern_place_and_state_has_its_word():
    assert set(vocabulary.LABEL_WORDS) == set(analysis.LABELS)
    assert set(vocabulary.PATTERN_WORDS) == set(analysis.PATTERNS)
    assert set(vocabulary.LOCATION_WORDS) == set(analysis.LOCATIONS)
    assert (
        set(vocabulary.STATE_WORDS) == set(vocabulary.STATE_WHILE) == {analysis.MOVING, analysis.REST, analysis.UNKNOWN}
    )
    assert set(vocabulary.LABEL_MEANING) == set(analysis.LABELS)


def test_the_words_of_a_pattern_are_the_same_everywhere(dashboard):
    """The PDF once said "mixed (both patterns)" and the dashboard "mixed"."""
    import httpx

    page = httpx.get(dashboard.url + "/", timeout=30).text
    assert vocabulary.PATTERN_WORDS["mixed"] in page
    for label in analysis.LABELS:
        assert vocabulary.LABEL_WORDS[label] in page  # the footer explains every label


def test_numbers_read_as_a_runner_reads_them():
    assert (vocabulary.clock(725), vocabulary.clock(3750)) == ("12:05", "1:02:30")
    assert (vocabulary.duration(45), vocabulary.duration(185), vocabulary.duration(3720)) == (
        "45 s",
        "3 min 05 s",
        "1 h 02 min",
    )
    assert (vocabulary.km(1234.0), vocabulary.km(None)) == ("1.23 km", "an unknown distance")
    assert (vocabulary.location("toes_3_4_ball"), vocabulary.location(None)) == (
        "between the 3rd and 4th toes / ball of the foot",
        "not said",
    )


def test_every_code_of_the_doctor_pages_has_its_word():
    """Setups, the questionnaire and the per-place ranges decide in codes too."""
    from footnote.server.analysis import experiment, places, questionnaire

    assert (
        set(vocabulary.RELIEF_RANGE_WORDS)
        == set(vocabulary.RELIEF_RANGE_MEANING)
        == {code for code, _, _ in places.RELIEF_RANGES}
    )
    assert set(vocabulary.EDINBURGH_QUESTIONS) == set(questionnaire.ITEMS)
    answers = {c for item, choices in questionnaire.CHOICES.items() if item != "where" for c in choices}
    assert answers == set(vocabulary.EDINBURGH_ANSWER_WORDS)
    assert set(questionnaire.CHOICES["where"]) == set(vocabulary.LEG_PLACE_WORDS)
    recorded = questionnaire.recorded_beside([])
    assert {r["code"] for r in recorded.values()} == set(vocabulary.BESIDE_WORDS)
    assert experiment.compare.__doc__  # codes below are the ones compare() returns
    assert {"not_enough_runs", "no_clear_difference", "fewer_with_numbness", "more_with_numbness"} == set(
        vocabulary.SETUP_DIFFERENCE_WORDS
    )
    assert {"not_enough_runs", "no_clear_difference", "lower_rate", "higher_rate"} == set(vocabulary.EPISODE_RATE_WORDS)

"""One vocabulary: every code the analysis can produce has exactly one display word."""

from __future__ import annotations

from footnote.server import analysis, vocabulary


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

"""Stories of the button: what the runner presses and what lands in the database."""

import pytest

from footnote.device.logger.story import Story
from footnote.device.parts.button import PressDetector
from tests.helpers import replay_story, rows


def events(db, run_id=1):
    return rows(db, "SELECT kind, episode, severity FROM symptom_events WHERE run_id = ? ORDER BY id", (run_id,))


def test_onset_then_worse_then_relief(db_path, tmp_path):
    story = (
        Story().connect().run(minutes=10).press().run(minutes=3).press().run(minutes=1).stand(minutes=2).hold().end()
    )
    replay_story(story, db_path, tmp_path)
    assert events(db_path) == [("onset", 1, 1), ("worse", 1, 2), ("relief", 1, 2)]
    onset_t, worse_t = [t for (t,) in rows(db_path, "SELECT t_s FROM symptom_events ORDER BY id")][:2]
    assert onset_t == pytest.approx(600, abs=2) and worse_t == pytest.approx(780, abs=3)


def test_a_second_episode_gets_its_own_number(db_path, tmp_path):
    story = Story().run(minutes=1).press().stand(minutes=1).hold().run(minutes=1).press().stand(minutes=1).hold().end()
    replay_story(story, db_path, tmp_path)
    assert events(db_path) == [("onset", 1, 1), ("relief", 1, 1), ("onset", 2, 1), ("relief", 2, 1)]


def test_relief_without_onset_is_recorded_as_ignored(db_path, tmp_path):
    replay_story(Story().run(minutes=1).hold().end(), db_path, tmp_path)
    assert events(db_path) == [("ignored_hold", None, None)]


def test_glitches_and_chatter_make_no_event(db_path, tmp_path):
    story = Story().run(minutes=1).chatter(edges=9).run(seconds=5).press(held_s=0.049).run(seconds=5).end()
    replay_story(story, db_path, tmp_path)
    assert events(db_path) == []


def test_a_press_with_bounce_on_both_edges_is_one_event(db_path, tmp_path):
    story = Story().run(minutes=1).chatter(edges=7)
    story.t += 0.03
    story.press(held_s=0.4)  # the settled press ...
    story.t += 0.4
    story.chatter(edges=5)  # ... and the release bouncing
    replay_story(story.run(seconds=5).end(), db_path, tmp_path)
    assert events(db_path) == [("onset", 1, 1), ("unresolved_at_run_end", 1, 1)]


@pytest.mark.parametrize("held_s, kind", [(1.45, "onset"), (1.5, "ignored_hold"), (3.0, "ignored_hold")])
def test_hold_threshold(db_path, tmp_path, held_s, kind):
    replay_story(Story().run(minutes=1).press(held_s=held_s).run(seconds=5).end(), db_path, tmp_path)
    assert [k for k, _, _ in events(db_path)][0] == kind
    assert rows(db_path, "SELECT count(*) FROM symptom_events WHERE kind != 'unresolved_at_run_end'") == [(1,)]


def test_a_bounce_during_a_hold_does_not_split_it():
    detector = PressDetector(hold_time_s=1.5)
    gestures = detector.edge(0.0, True) + detector.tick(0.05)
    gestures += detector.edge(1.0, False) + detector.edge(1.004, True)  # 4 ms contact bounce
    gestures += detector.tick(detector.next_deadline())
    assert [(g.kind, g.t) for g in gestures] == [("hold", 0.0)]


def test_hold_is_decided_the_moment_the_threshold_is_reached():
    detector = PressDetector(hold_time_s=1.5)
    detector.edge(10.0, True)
    detector.tick(10.05)
    assert detector.next_deadline() == pytest.approx(11.5)
    assert detector.tick(11.49) == []
    assert [g.kind for g in detector.tick(11.5)] == ["hold"]
    assert detector.edge(13.0, False) == [] and detector.tick(13.1) == []  # no second event on release


def test_a_late_tick_still_sees_a_release_before_the_threshold():
    detector = PressDetector(hold_time_s=1.5)
    detector.edge(0.0, True)
    detector.edge(1.49, False)  # released just in time; the driver only wakes at 1.6
    assert [g.kind for g in detector.tick(1.6)] == ["press"]


def test_run_closes_after_inactivity_and_a_new_one_opens(db_path, tmp_path):
    story = Story().connect().run(minutes=5).press().stand(minutes=31)
    story.run(minutes=2).press().run(seconds=10).end()
    run_ids = replay_story(story, db_path, tmp_path)
    assert run_ids == [1, 2]
    (ended, reason), _ = rows(db_path, "SELECT ended_t_s, end_reason FROM runs ORDER BY id")
    assert reason == "inactivity" and ended == pytest.approx(5 * 60 + 30 * 60, abs=2)
    assert events(db_path, 1) == [("onset", 1, 1), ("unresolved_at_run_end", 1, 1)]
    assert events(db_path, 2) == [("onset", 1, 1)] + [("unresolved_at_run_end", 1, 1)]


def test_episode_open_at_run_end_is_stored_as_unresolved(db_path, tmp_path):
    replay_story(Story().run(minutes=5).press().run(minutes=5).end(), db_path, tmp_path)
    assert events(db_path) == [("onset", 1, 1), ("unresolved_at_run_end", 1, 1)]
    assert rows(db_path, "SELECT end_reason FROM runs") == [("stopped",)]

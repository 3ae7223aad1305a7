"""Episode labels from stories of a run, replayed through the real pipeline (replay file
-> gpiozero mock pins -> logger -> SQLite -> read back -> analysis)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from footnote.device.db.connect import open_reader
from footnote.device.db.reader import list_runs, load_runs
from footnote.device.db.store import Store
from footnote.device.logger.replay import replay_file
from footnote.device.logger.story import Pod, Story
from footnote.server.analysis import Annotation, Run, analyze_run, summarize
from footnote.server.words import sentences as said
from tests.helpers import replay_story
from tests.story_week import build_story_week_db, story_files


def analyse(story: Story, db_path, tmp_path):
    replay_story(story, db_path, tmp_path)
    conn = open_reader(db_path)
    return [analyze_run(run) for run in load_runs(conn, list_runs(conn))]


def only_episode(story, db_path, tmp_path):
    (ra,) = analyse(story, db_path, tmp_path)
    (ep,) = ra.episodes
    return ep


def test_numbness_that_clears_a_few_minutes_after_stopping_resolves_at_rest(db_path, tmp_path):
    story = Story().connect().run(minutes=10).press().run(minutes=1).stand(minutes=3).hold().walk(minutes=2).end()
    ep = only_episode(story, db_path, tmp_path)
    assert ep.label == "resolves_at_rest"
    assert ep.onset_distance_m == pytest.approx(1800, abs=40) and ep.onset_state == "moving"
    assert ep.rest_to_relief_s == pytest.approx(180, abs=3)
    assert any("cleared 3 min" in e or "cleared 2 min 5" in e for e in said.episode_evidence(ep))
    assert "1.80 km" in said.episode_evidence(ep)[0] or "1.79 km" in said.episode_evidence(ep)[0]


def test_worse_while_running_and_a_two_minute_stop_that_does_not_clear_it(db_path, tmp_path):
    story = Story().connect().run(minutes=8).press().run(minutes=4).press().run(minutes=1)
    story.stand(minutes=2.5).run(minutes=3).hold().end()
    ep = only_episode(story, db_path, tmp_path)
    assert ep.label == "worsening"
    assert "outlasted a standstill of 2 minutes or more" in said.episode_evidence(ep)[-1]
    assert any("stood still for 2 min 30 s" in e for e in said.episode_evidence(ep))


def test_worsening_still_there_at_the_end_of_the_run(db_path, tmp_path):
    story = Story().connect().run(minutes=5).press().run(minutes=5).press().run(minutes=5).end()
    ep = only_episode(story, db_path, tmp_path)
    assert (ep.label, ep.ended_by) == ("worsening", "unresolved_at_run_end")
    assert ep.max_severity == 2 and ep.escalations[0].state == "moving"


def test_worsening_when_relief_comes_more_than_ten_minutes_after_stopping(db_path, tmp_path):
    story = Story().connect().run(minutes=5).press().run(minutes=2).press().stand(minutes=12).hold().end()
    ep = only_episode(story, db_path, tmp_path)
    assert ep.label == "worsening" and ep.rest_to_relief_s > 600
    assert "relief came more than 10 minutes after stopping" in said.episode_evidence(ep)[-1]


def test_worsening_when_the_runner_kept_going_ten_minutes_with_it(db_path, tmp_path):
    story = Story().connect().run(minutes=3).press().run(minutes=6).press().run(minutes=5).stand(minutes=2).hold().end()
    ep = only_episode(story, db_path, tmp_path)
    assert ep.label == "worsening" and ep.moving_before_relief_s >= 600


def test_stops_at_traffic_lights_do_not_clear_a_worsening_episode(db_path, tmp_path):
    story = Story().connect().run(minutes=6).press()
    for _ in range(3):
        story.run(minutes=2).stand(seconds=40)  # red light
    story.run(minutes=1).press().run(minutes=3).end()
    ep = only_episode(story, db_path, tmp_path)
    assert ep.label == "worsening"
    assert len(ep.rest_periods) == 3
    assert any("3 shorter stops" in e for e in said.episode_evidence(ep))


def test_a_walking_break_is_not_rest(db_path, tmp_path):
    story = Story().connect().run(minutes=8).press().walk(minutes=3).hold().run(minutes=2).end()
    ep = only_episode(story, db_path, tmp_path)
    assert (ep.label, ep.end_state) == ("indeterminate", "moving")
    assert "walking break counts as moving" in said.episode_reason(ep)


def test_relief_during_a_footpod_gap_is_never_resolves_at_rest(db_path, tmp_path):
    # The runner really stood still during the gap and felt relief, but nobody can know.
    story = Story().connect().run(minutes=8).press().run(minutes=1)
    story.disconnect().stand(minutes=2).hold().stand(minutes=1).connect().run(minutes=2).end()
    ep = only_episode(story, db_path, tmp_path)
    assert ep.label == "indeterminate" and ep.end_state == "unknown"
    assert "footpod gap" in said.episode_reason(ep)


def test_onset_at_rest_is_indeterminate_and_a_red_flag(db_path, tmp_path):
    story = Story().connect().run(minutes=5).stand(minutes=2).press().stand(minutes=2).hold().end()
    (ra,) = analyse(story, db_path, tmp_path)
    assert ra.episodes[0].label == "indeterminate" and "standing still" in said.episode_reason(ra.episodes[0])
    assert [f.code for f in summarize([ra]).red_flags] == ["onset_at_rest"]


def test_unresolved_at_run_end_without_build_up_is_indeterminate(db_path, tmp_path):
    ep = only_episode(Story().connect().run(minutes=5).press().run(minutes=5).end(), db_path, tmp_path)
    assert ep.label == "indeterminate" and "without any build-up" in said.episode_reason(ep)


def test_no_footpod_means_too_little_data(db_path, tmp_path):
    story = Story()  # never connects
    story.t = 600
    ep = only_episode(story.press().run(minutes=1).hold().end(), db_path, tmp_path)
    assert ep.label == "indeterminate" and ep.onset_state == "unknown" and "link was down" in said.episode_reason(ep)


@pytest.mark.parametrize("when_still", ["zeros", "repeat", "silent"])
def test_every_way_a_pod_shows_standing_still_is_rest(db_path, tmp_path, when_still):
    story = (
        Story(pod=Pod(when_still=when_still))
        .connect()
        .run(minutes=10)
        .press()
        .run(minutes=1)
        .stand(minutes=3)
        .hold()
        .run(minutes=1)
        .end()
    )
    ep = only_episode(story, db_path, tmp_path)
    assert ep.label == "resolves_at_rest", said.episode_evidence(ep)
    assert ep.rest_to_relief_s == pytest.approx(180, abs=5)


def test_a_pod_sending_strides_per_minute(db_path, tmp_path):
    story = (
        Story(pod=Pod(strides_per_min=True))
        .connect()
        .run(minutes=10)
        .press()
        .run(minutes=1)
        .stand(minutes=3)
        .hold()
        .end()
    )
    ep = only_episode(story, db_path, tmp_path)
    assert ep.label == "resolves_at_rest" and ep.onset_cadence_spm == 170
    assert "170 steps/min" in said.episode_evidence(ep)[0]


EXPECTED_DEMO = {
    "calf-clears-at-rest": ["resolves_at_rest", "resolves_at_rest"],
    "foot-builds-up": ["worsening"],
    "no-numbness": [],
}


@pytest.mark.parametrize("path", story_files(), ids=lambda p: p.name)
def test_the_story_week_runs_show_what_they_were_built_to_show(path, db_path):
    with Store(db_path) as store:
        replay_file(path, store=store)
    conn = open_reader(db_path)
    (ra,) = [analyze_run(run) for run in load_runs(conn, list_runs(conn))]
    expected = next(labels for key, labels in EXPECTED_DEMO.items() if key in path.name)
    assert [ep.label for ep in ra.episodes] == expected


def test_summary_across_the_story_week(tmp_path):
    db = tmp_path / "demo.db"
    build_story_week_db(db)
    conn = open_reader(db)
    summary = summarize([analyze_run(run) for run in load_runs(conn, list_runs(conn))])
    assert summary.pattern == "mixed"
    assert summary.label_counts == {"worsening": 1, "resolves_at_rest": 6, "indeterminate": 0}
    assert summary.onset_distance_m.n == 3 and summary.onset_distance_m.cv < 0.15
    assert 100 < summary.rest_to_relief_s.median < 200
    assert summary.onset_trend_m_per_week is not None
    assert summary.red_flags == []  # the worsening foot is not the calf that used to clear
    assert any("Calf numbness that clears at rest" in h for h in said.summary_hints(summary))
    assert any("lacing pressure" in h for h in said.summary_hints(summary))


def test_footnote_analyze_json_uses_the_label_words(tmp_path):
    db = tmp_path / "demo.db"
    build_story_week_db(db)
    out = subprocess.run(
        [sys.executable, "-m", "footnote.device.cli", "analyze", "--db", str(db), "--json"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    data = json.loads(out.stdout)
    labels = {ep["label"] for run in data["runs"] for ep in run["episodes"]}
    assert labels == {"resolves_at_rest", "worsening"} and data["summary"]["pattern"] == "mixed"
    text = subprocess.run(
        [sys.executable, "-m", "footnote.device.cli", "analyze", "--db", str(db), "--run", "4"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert "episode 1: worsening" in text and "does not diagnose" in text


# -- pure stories for the across-runs rules (no replay needed) -----------------------------


def run_with(run_id, day, onset_m, *, annotation=None, rest_clears=True):
    """A synthetic run at 3 m/s: onset at onset_m; stops 60 s later; relief after 150 s
    of rest if rest_clears, else moves on after 150 s still numb and ends unresolved."""
    onset_t = onset_m / 3.0
    stop_t = onset_t + 60
    from footnote.server.analysis import Sample

    samples, t = [], 1.0
    end_t = stop_t + 400
    while t < end_t:
        moving = not (stop_t <= t < stop_t + 150)
        speed = 3.0 if moving else 0.0
        samples.append(
            Sample(t, speed, 170.0 if moving else 0.0, 3.0 * min(t, stop_t) + (3.0 * max(0, t - stop_t - 150)), None)
        )
        t += 1.0
    events = [(onset_t, "onset", 1, 1), (stop_t - 20, "worse", 1, 2)]
    events.append((stop_t + 150, "relief", 1, 2) if rest_clears else (end_t, "unresolved_at_run_end", 1, 2))
    return Run(
        id=run_id,
        started_at=datetime(2026, 10, 1, 7, tzinfo=UTC) + timedelta(days=day),
        clock_synced=True,
        ended_t_s=end_t,
        samples=samples,
        links=[(0.0, "connected")],
        events=events,
        annotations={1: annotation} if annotation else {},
    )


def test_reproducible_onset_and_a_shortening_trend():
    runs = [run_with(i, day, d) for i, (day, d) in enumerate([(0, 2000), (7, 1900), (14, 1800), (21, 1700)], start=1)]
    summary = summarize([analyze_run(r) for r in runs])
    assert summary.pattern == "resolves_at_rest"
    assert summary.onset_distance_m.median == pytest.approx(1850, abs=5)
    assert summary.onset_distance_m.cv == pytest.approx(0.07, abs=0.01)
    assert summary.onset_trend_m_per_week == pytest.approx(-100, abs=5)
    assert any("strengthens the resolves-at-rest pattern" in e for e in said.summary_evidence(summary))
    assert any("shortened by about 100 m per week" in e for e in said.summary_evidence(summary))


def test_rest_no_longer_relieving_is_a_red_flag():
    runs = [run_with(1, 0, 2000), run_with(2, 7, 1900, rest_clears=False)]
    analyses = [analyze_run(r) for r in runs]
    assert [ep.label for a in analyses for ep in a.episodes] == ["resolves_at_rest", "worsening"]
    assert [f.code for f in summarize(analyses).red_flags] == ["rest_no_longer_relieves"]


def test_red_flags_from_the_runners_annotations():
    note = Annotation(location="calf", rest_or_night=True, weakness=True, cold_or_pale=True, sudden_pain=True)
    flags = summarize([analyze_run(run_with(1, 0, 2000, annotation=note))]).red_flags
    assert {f.code: f.urgency for f in flags} == {
        "symptoms_at_rest_or_night": "soon",
        "weakness_or_foot_drop": "soon",
        "sudden_severe_pain": "soon",
        "cold_or_pale": "emergency",
    }


@pytest.mark.parametrize(
    "location, label_rest_clears, words",
    [
        ("calf", True, "claudication"),
        ("top_of_foot", False, "loosen the laces"),
        ("sole_heel", True, "tarsal tunnel"),
        ("toes_3_4_ball", True, "Morton's neuroma"),
        ("other", True, None),
    ],
)
def test_location_hints(location, label_rest_clears, words):
    (ep,) = analyze_run(
        run_with(1, 0, 2000, annotation=Annotation(location=location), rest_clears=label_rest_clears)
    ).episodes
    assert (words in " ".join(said.hints(ep.hint_codes))) if words else said.hints(ep.hint_codes) == []


def test_no_episodes_means_pattern_none():
    run = Run(
        id=1,
        started_at=datetime(2026, 10, 1, tzinfo=UTC),
        clock_synced=True,
        ended_t_s=100.0,
        samples=[],
        links=[],
        events=[],
    )
    summary = summarize([analyze_run(run)])
    assert summary.pattern == "none" and "No numbness was marked in 1 run." in said.summary_evidence(summary)


def test_evidence_never_claims_a_diagnosis(tmp_path):
    runs = [run_with(i, i * 7, 2000 - 50 * i, annotation=Annotation(location="calf")) for i in range(1, 4)]
    texts = [
        e
        for a in map(analyze_run, runs)
        for ep in a.episodes
        for e in said.episode_evidence(ep) + said.hints(ep.hint_codes)
    ]
    texts += said.summary_evidence(summarize([analyze_run(r) for r in runs]))
    for text in texts:
        lowered = text.lower()
        assert "you have" not in lowered and "diagnosed" not in lowered and "diagnosis" not in lowered

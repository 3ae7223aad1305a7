"""The demo: real recordings from real pods (tests/data) with a runner's presses placed in
their real standstills and moving stretches, telling a week a runner would recognise."""

from __future__ import annotations

import json
import re

import pytest

from footnote.device.db.connect import open_reader
from footnote.device.db.reader import list_runs, load_runs
from footnote.device.demo import DEMO_RUNS, build_demo_db, demo_file_text
from footnote.device.paths import demo_sessions
from footnote.server.analysis import analyze_run, summarize
from tests.helpers import GROUND_TRUTH, REAL_RUNS


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("real-demo") / "demo.db"
    build_demo_db(db)
    conn = open_reader(db)
    try:
        analyses = [analyze_run(run) for run in load_runs(conn, list_runs(conn))]
    finally:
        conn.close()
    return db, analyses


def test_the_bundled_files_are_the_recordings_with_the_presses_merged_in():
    assert [p.name for p in demo_sessions()] == sorted(run.file for run in DEMO_RUNS)
    for run in DEMO_RUNS:
        recording = (REAL_RUNS / f"{run.recording}.jsonl").read_text()
        bundled = (demo_sessions()[0].parent / run.file).read_text()
        assert bundled == demo_file_text(run, recording), f"{run.file}: python -m footnote.device.demo tests/data"
        # every packet of the recording is there, at its own time, untouched
        packets = [json.loads(line) for line in recording.splitlines() if '"rsc"' in line]
        assert [json.loads(line) for line in bundled.splitlines() if '"rsc"' in line] == packets


def test_every_press_sits_well_inside_what_the_ground_truth_says_the_runner_was_doing():
    """Onsets and escalations while plainly moving, reliefs inside a standstill: at least 20 s
    from its edges, so the story does not hang on how its first seconds are read."""
    for run in DEMO_RUNS:
        truth = GROUND_TRUTH[run.recording]
        stops = truth["standstills"]
        for t, kind in run.presses:
            inside = [(a, b) for a, b in stops if a + 20 <= t <= b - 20]
            if kind == "hold":
                assert inside, (run.file, t)
            else:
                assert not any(a - 20 <= t <= b + 20 for a, b in stops), (run.file, t)


def test_the_demo_shows_both_patterns_and_a_run_without_numbness(demo):
    _, analyses = demo
    by_file = dict(zip((run.file for run in sorted(DEMO_RUNS, key=lambda r: r.file)), analyses, strict=True))
    labels = {name: [ep.label for ep in ra.episodes] for name, ra in by_file.items()}
    for name, found in labels.items():
        expected = {"foot-builds-up": ["worsening"], "calf-clears-at-rest": ["resolves_at_rest"], "no-numbness": []}
        assert found == next(v for k, v in expected.items() if k in name), name
    summary = summarize(analyses)
    assert summary.pattern == "mixed" and summary.red_flags == []
    latest = max(analyses, key=lambda ra: ra.started_at)
    assert [ep.label for ep in latest.episodes] == ["resolves_at_rest"]  # the first thing on the home page
    for ra in analyses:
        if ra.episodes and ra.episodes[0].label == "resolves_at_rest":
            assert 60 <= ra.episodes[0].rest_to_relief_s <= 200  # 1-3 minutes, as the exertional pattern
    # the charts show real pods: irregular packets, real stops
    assert any(seg.state == "rest" for ra in analyses for seg in ra.segments)


def test_the_demo_compares_two_lacings_on_the_setups_page(demo):
    from footnote.server.dashboard.pagedata import PageData

    db, _ = demo
    pages = PageData(db)
    try:
        setups = pages.setups_page()
        home = pages.runs_page()
    finally:
        pages.close()
    assert setups["runs_with_setup"] == setups["runs"] == len(DEMO_RUNS)
    lacings = {g["setup"]["lacing"]: g for g in setups["setups"] if g["setup"]}
    tight, skipped = lacings["Tight, all eyelets"], lacings["Skip the 2nd eyelet"]
    assert (tight["runs"], tight["runs_with_numbness"]) == (2, 2)
    assert (skipped["runs"], skipped["runs_with_numbness"]) == (1, 0)
    assert tight["comparison"]["enough_runs"] is False  # and the page says so
    assert home["runs"][0]["clock_synced"] is True and not all(r["clock_synced"] for r in home["runs"])


def test_the_licences_travel_with_the_demo_files():
    notice = (demo_sessions()[0].parent / "NOTICE.md").read_text()
    assert "MIT License" in notice and "Vinod Kurup" in notice
    for run in DEMO_RUNS:
        assert run.file in notice and run.recording in notice
        assert re.search(re.escape(GROUND_TRUTH[run.recording]["source"].split(": ")[-1].split(" ")[0]), notice)

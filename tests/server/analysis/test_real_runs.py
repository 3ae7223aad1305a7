"""Real runs, recorded by real watches and footpods (tests/data, see its README), replayed
through the real pipeline with presses placed at their ground-truth times.

Plain movement is judged as the ground truth does, on the device's own fields: a second
is plainly moving when the pod's total distance advanced at 0.8 m/s or more over the 5 s
before it and over the 5 s after it (runs without distance: the median packet speed)."""

from __future__ import annotations

import itertools
import json

import httpx
import pytest

from footnote.device.db.connect import open_reader
from footnote.device.db.reader import list_runs, load_runs
from footnote.device.db.store import Store
from footnote.device.logger.replay import replay_file
from footnote.server.analysis import analyze_run, summarize
from footnote.server.analysis import thresholds as th
from footnote.server.analysis.codes import Indeterminate, RedFlagCode
from footnote.server.dashboard.app import create_app
from footnote.server.words import sentences as said
from tests.helpers import (
    GROUND_TRUTH,
    LiveServer,
    plainly_moving_seconds,
    real_run_packets,
    replay_real_run,
    rest_seconds,
)


@pytest.mark.parametrize("name", sorted(GROUND_TRUTH))
def test_no_second_of_plain_movement_is_rest_and_every_long_standstill_is(name, tmp_path):
    ra = replay_real_run(name, tmp_path)
    false_rest = sorted(rest_seconds(ra) & plainly_moving_seconds(name))
    assert false_rest == [], f"{len(false_rest)} s of plain movement called rest, from {false_rest[:5]}"
    rest = rest_seconds(ra)
    for start, end in GROUND_TRUTH[name]["standstills"]:
        if end - start >= 60:
            seen = len(rest & set(range(start, end)))
            assert seen >= 0.9 * (end - start), f"standstill {start}-{end} s: only {seen} s read as rest"


@pytest.mark.parametrize(
    "name, onset_s, standstill, hold_after_s",
    [
        ("fr110_city_stops", 1100.0, (1215, 1337), 90.0),  # 52 s without a packet inside it
        ("fr110_city_stops", 900.0, (993, 1048), 50.0),  # two shuffles of 6-7 m inside it
        ("fr70_sdm4_footpod", 400.0, (600, 794), 150.0),  # a real foot pod; shuffles, a 114 s silence
        ("fr70_sdm4_footpod", 3500.0, (3823, 3881), 45.0),  # at the end of the run
    ],
)
def test_numbness_cleared_in_a_real_standstill_resolves_at_rest_with_the_true_stop_time(
    name, onset_s, standstill, hold_after_s, tmp_path
):
    start, _ = standstill
    ra = replay_real_run(name, tmp_path, [(onset_s, "press"), (start + hold_after_s, "hold")])
    (ep,) = ra.episodes
    assert (ep.onset_state, ep.end_state, ep.label) == ("moving", "rest", "resolves_at_rest"), said.episode_evidence(ep)
    assert ep.rest_to_relief_s == pytest.approx(hold_after_s, abs=10)
    assert "steps/min" not in said.episode_evidence(ep)[0] or name != "fr110_city_stops"  # it sends no cadence
    assert summarize([ra]).red_flags == []


LONG_STOP_S = 60


def long_stops(name: str) -> list[dict]:
    return [d for d in GROUND_TRUTH[name]["standstill_details"] if d["duration_s"] >= LONG_STOP_S]


@pytest.mark.parametrize("name", sorted(n for n in GROUND_TRUTH if long_stops(n)))
def test_numbness_cleared_in_every_long_real_standstill_resolves_at_rest_with_the_true_stop_time(name, tmp_path):
    # In every real standstill of a minute or more: numbness that began while plainly
    # moving shortly before it (the latest such second within 2 min) clears 45 s into it
    # (or halfway, in a shorter one). Standstill to relief counts from when the runner
    # stopped, or from the end of a walk of more than SHUFFLE_MAX_M inside the standstill.
    moving = plainly_moving_seconds(name)
    presses, expected, free_from = [], [], 0.0
    for stop in long_stops(name):
        start, end = stop["start_t"], stop["end_t"]
        onset = max((t for t in moving if max(start - 120, free_from) <= t <= start - 5), default=None)
        if onset is None:
            continue
        hold = start + min(45.0, (end - start) / 2)
        stopped = max([start] + [b for a, b, m in stop.get("shuffles_inside", []) if m > th.SHUFFLE_MAX_M and b < hold])
        presses += [(float(onset), "press"), (hold, "hold")]
        expected.append(hold - stopped)
        free_from = hold + 5
    assert expected
    ra = replay_real_run(name, tmp_path, presses)
    assert len(ra.episodes) == len(expected)
    for ep, rest_to_relief in zip(ra.episodes, expected, strict=True):
        assert (ep.onset_state, ep.end_state, ep.label) == ("moving", "rest", "resolves_at_rest"), ep.evidence
        assert ep.rest_to_relief_s == pytest.approx(rest_to_relief, abs=10), ep.onset_t_s
    assert summarize([ra]).red_flags == []


def test_a_real_walk_of_9_m_inside_a_standstill_restarts_standstill_to_relief(tmp_path):
    # The Polar M400 hiker stands from 194 s, walks 8.6 m at up to 1.4 m/s (245-253 s) and
    # stands again: relief at 330 s came 77 s after the second stop, not 136 s after the
    # first, and the walk itself is moving (a press there is no "onset at rest").
    name = "polar_m400_hike_stops"
    ra = replay_real_run(name, tmp_path, [(180.0, "press"), (330.0, "hold")])
    (ep,) = ra.episodes
    assert (ep.onset_state, ep.end_state, ep.label) == ("moving", "rest", "resolves_at_rest")
    assert ep.rest_to_relief_s == pytest.approx(330 - 253, abs=10)
    assert [seg.state for seg in ra.segments if seg.start_s <= 249 < seg.end_s] == ["moving"]


@pytest.mark.parametrize("name", sorted(n for n in GROUND_TRUTH if GROUND_TRUTH[n]["walks"]))
def test_relief_in_the_middle_of_every_real_walk_is_not_called_resolves_at_rest(name, tmp_path):
    # Walking is moving: numbness that starts and clears 10 s later inside a real walk
    # (both plainly moving moments) is neither "resolves at rest" nor "onset at rest".
    moving = plainly_moving_seconds(name)
    presses = []
    for start, end in GROUND_TRUTH[name]["walks"]:
        onset = next((t for t in range(start + 1, end - 10) if t in moving and t + 10 in moving), None)
        if onset is not None:
            presses += [(float(onset), "press"), (onset + 10.0, "hold")]
    if not presses:
        pytest.skip("no walk of this run is plainly moving 10 s apart")
    ra = replay_real_run(name, tmp_path, presses)
    assert len(ra.episodes) == len(presses) // 2
    for ep in ra.episodes:
        assert (ep.onset_state, ep.end_state) == ("moving", "moving"), ep.onset_t_s
        assert (ep.label, ep.why) == ("indeterminate", Indeterminate.CLEARED_WHILE_MOVING)
    assert summarize([ra]).red_flags == []


@pytest.mark.parametrize("walk", GROUND_TRUTH["fenix2_walk_breaks"]["walks"])
def test_relief_during_a_real_walking_break_is_not_called_resolves_at_rest(walk, tmp_path):
    start, end = walk
    ra = replay_real_run("fenix2_walk_breaks", tmp_path, [(start - 300.0, "press"), ((start + end) / 2, "hold")])
    (ep,) = ra.episodes
    assert (ep.onset_state, ep.end_state) == ("moving", "moving")
    assert (ep.label, ep.why) == ("indeterminate", Indeterminate.CLEARED_WHILE_MOVING)
    assert summarize([ra]).red_flags == []


def test_presses_in_notification_gaps_while_running_are_never_a_red_flag(tmp_path):
    # The FR110 leaves 4-8 s between packets while running (as a Pi's shared radio does):
    # the runner presses in the middle of such gaps, and lets each episode clear 20 s later.
    name = "fr110_city_stops"
    moving = plainly_moving_seconds(name)
    times = [t for t, _, _ in real_run_packets(name)]
    gaps = [(a + b) / 2 for a, b in itertools.pairwise(times) if 4 <= b - a <= 8 and int((a + b) / 2) in moving]
    presses, last = [], -100.0
    for mid in gaps:
        if mid - last >= 60 and int(mid + 20) in moving:
            presses += [(mid, "press"), (mid + 20, "hold")]
            last = mid
    assert len(presses) >= 20  # the story has many such moments
    ra = replay_real_run(name, tmp_path, presses)
    assert [ep.onset_state for ep in ra.episodes] == ["moving"] * (len(presses) // 2)
    assert RedFlagCode.ONSET_AT_REST not in {f.code for f in summarize([ra]).red_flags}


@pytest.mark.parametrize("name", ["fenix2_walk_breaks", "fr70_sdm4_footpod", "stryd_slow_steady"])
def test_real_pods_cadence_is_read_as_steps_per_minute_on_sustained_running(name, tmp_path):
    ra = replay_real_run(name, tmp_path)
    decision = ra.cadence
    assert decision is not None and decision.basis == "sustained_running"
    # The files carry strides/min (the RSC spec's unit) or steps/min; either way the
    # runner's running cadence comes out as steps/min, and one odd packet never flips it.
    written = GROUND_TRUTH[name]["cadence_written"]
    assert decision.unit == ("strides" if written.startswith("strides") else "steps")
    assert len(decision.stretches) <= 2  # steps until the first running says otherwise, then decided
    assert decision.median_running_cadence_raw is not None
    steps = decision.median_running_cadence_raw * (2 if decision.unit == "strides" else 1)
    assert 140 <= steps <= 200


def test_a_pod_whose_every_packet_is_unreadable_leaves_a_run_and_a_warning(tmp_path):
    replay = tmp_path / "garbage.jsonl"
    body = [{"t": 1 + k / 4, "rsc": "0300"} for k in range(400)]  # 100 s of packets too short to read
    body += [{"t": 30.1, "button": "down"}, {"t": 30.3, "button": "up"}, {"t": 101.0, "end": True}]
    body.sort(key=lambda item: item["t"])
    header = [{"footnote_replay": 1, "started_at": "2026-11-20T07:00:00Z"}, {"t": 0, "footpod": "connected"}]
    replay.write_text("\n".join(json.dumps(x) for x in header + body) + "\n")
    db = tmp_path / "garbage.db"
    with Store(db) as store:
        replay_file(replay, store=store)
    conn = open_reader(db)
    (run,) = load_runs(conn, list_runs(conn))
    conn.close()
    ra = analyze_run(run)
    assert ra.packets is not None and (ra.packets.decoded, ra.packets.rejected) == (0, 400)
    assert {seg.state for seg in ra.segments} == {"unknown"}  # the pod talked, unreadably: never rest
    (ep,) = ra.episodes
    assert ep.onset_state == "unknown"
    assert summarize([ra]).red_flags == []
    server = LiveServer(create_app(db))
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            page, api = c.get("/runs/1").text, c.get("/api/runs/1").json()
    finally:
        server.stop()
    assert "The footpod sent 400 packets and none could be read" in page
    assert api["packets"] == {"decoded": 0, "rejected": 400, "with_extra_bytes": 0}


def test_the_run_page_says_how_the_cadence_was_read(tmp_path):
    replay_real_run("fr70_sdm4_footpod", tmp_path)
    server = LiveServer(create_app(tmp_path / "fr70_sdm4_footpod.db"))
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            page, api = c.get("/runs/1").text, c.get("/api/runs/1").json()
    finally:
        server.stop()
    # The SDM4 sends steps/min; its restarts send speed before cadence (2.5 m/s at 90/min).
    assert api["cadence"]["unit"] == "steps" and api["cadence"]["basis"] == "sustained_running"
    assert "Cadence read as steps/min: over " in page and " into the run" in page

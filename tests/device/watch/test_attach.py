"""Attaching the watch's file to runs, and what the doctor then reads: stories with known
answers.

- The Forerunner 410 run (tests/data: its pod replay and the watch's own TCX) recorded by a
  Pi whose clock was not synchronised: the watch is placed by the pod's speed, proposed,
  and used only once accepted (which corrects the run's start).
- A button-only outing the logger cut in two at its inactivity timeout: one FIT file
  gives both runs their movement and heart rate.
- The strap's heart rate at onset, "worse" and relief, its fall, and the freshness limit.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from footnote.device.db.connect import open_reader, open_writer
from footnote.device.db.reader import load_run
from footnote.device.db.store import Store
from footnote.device.logger.replay import replay_file
from footnote.device.rules.hrm import encode_hrm_measurement
from footnote.device.rules.rsc import encode_rsc_measurement
from footnote.device.watch.activity import WatchFileError
from footnote.device.watch.attach import accept_alignment, attach_watch_file
from footnote.server.analysis import analyze_run
from footnote.server.analysis.places import per_place
from footnote.server.analysis.summary import summarize
from tests.fit_writer import FitRecord, write_fit
from tests.helpers import FOOTNOTE, REAL_RUNS, rows

TCX = REAL_RUNS / "sources" / "tcxparser_fr410_run.tcx"
GPX = REAL_RUNS / "sources" / "gpxpy_cerknicko_jezero.gpx"
WATCH_START = datetime(2012, 12, 26, 21, 29, 53, tzinfo=UTC)
HOLD = 2.0


def write_replay(path, started_at, items, *, synced=True):
    header = {"footnote_replay": 1, "started_at": started_at.isoformat(), "clock_synced": synced}
    items = sorted(items, key=lambda item: item["t"])
    path.write_text("\n".join(json.dumps(x) for x in [header, *items]) + "\n")
    return path


def press(t, *, hold=False):
    return [{"t": t, "button": "down"}, {"t": t + (HOLD if hold else 0.2), "button": "up"}]


def replay(tmp_path, items, started_at, *, synced=True, name="run.jsonl"):
    db = tmp_path / "footnote.db"
    with Store(db) as store:
        ids = replay_file(write_replay(tmp_path / name, started_at, items, synced=synced), store=store)
    return db, ids


def analysis(db, run_id):
    conn = open_reader(db)
    try:
        return analyze_run(load_run(conn, run_id))
    finally:
        conn.close()


def attach(db, run_id, data, name="watch.fit", **kwargs):
    conn = open_writer(db)
    try:
        return attach_watch_file(conn, run_id, data, name=name, **kwargs)
    finally:
        conn.close()


def fr410_replay_items(shift_s: float) -> list[dict]:
    lines = [json.loads(line) for line in (REAL_RUNS / "fr410_smart_recording.jsonl").read_text().splitlines()[1:]]
    return [{**x, "t": x["t"] + shift_s} for x in lines if "end" not in x]


# -- a run whose Pi clock was not synchronised --------------------------------------------


def test_an_unsynchronised_run_gets_the_watch_only_once_the_proposed_alignment_is_accepted(tmp_path):
    # The logger started 41 s before the watch, on a Pi that believed it was 2026.
    wrong_start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    items = fr410_replay_items(41.0) + press(700.0) + [{"t": 2100.0, "end": True}]
    db, (run_id,) = replay(tmp_path, items, wrong_start, synced=False)
    before = analysis(db, run_id)

    result = attach(db, run_id, TCX.read_bytes(), name="run.tcx")
    (done,) = result.attached
    assert (done.alignment.method, done.accepted) == ("pod_speed", False)
    assert done.alignment.watch_start_t_s == pytest.approx(41.0, abs=2)
    assert done.alignment.score > 0.9
    proposed = analysis(db, run_id)
    assert proposed.proposed_watch_files == [result.watch_file_id] and proposed.watch_files == []
    assert [s.source for s in proposed.movement_sources] == [s.source for s in before.movement_sources]

    start = _accept(db, run_id, result.watch_file_id)
    assert abs((start - (WATCH_START - timedelta(seconds=41))).total_seconds()) <= 2  # the true start
    accepted = analysis(db, run_id)
    assert accepted.watch_files == [result.watch_file_id]
    assert accepted.started_at == start
    assert rows(db, "SELECT length(original) FROM watch_files") == [(TCX.stat().st_size,)]  # kept whole


def _accept(db, run_id, file_id):
    conn = open_writer(db)
    try:
        return accept_alignment(conn, run_id, file_id)
    finally:
        conn.close()


def test_accept_on_the_command_line_corrects_the_start_at_once(tmp_path):
    items = fr410_replay_items(12.0) + [{"t": 2100.0, "end": True}]
    db, (run_id,) = replay(tmp_path, items, datetime(2030, 1, 1, tzinfo=UTC), synced=False)
    result = subprocess.run(
        [*FOOTNOTE, "attach", str(run_id), str(TCX), "--db", str(db), "--accept"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "attached by pod speed" in result.stdout and "its start corrected" in result.stdout
    (corrected,) = rows(db, "SELECT started_at FROM run_corrections")[0]
    assert abs((datetime.fromisoformat(corrected) - (WATCH_START - timedelta(seconds=12))).total_seconds()) <= 2


# -- a button-only outing cut in two ------------------------------------------------------

OUTING = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def outing_fit() -> bytes:
    """75 minutes: running 3 m/s with the heart rate climbing 120 -> 165, a standstill at
    20-23 min and one at 62-65 min; elevation rising 4 m per 100 m from 10 min to 20 min."""
    records, d = [], 0.0
    for s in range(0, 75 * 60, 2):
        standing = 20 * 60 <= s < 23 * 60 or 62 * 60 <= s < 65 * 60
        speed = 0.0 if standing else 3.0
        d += speed * 2
        climb = min(max(s - 600, 0), 600) * 3.0 * 0.04
        hr = 100 if standing else 120 + min(s // 100, 45)
        records.append(FitRecord(OUTING + timedelta(seconds=s), d, speed, hr, 0 if standing else 86, 200 + climb))
    return write_fit(records)


def test_an_outing_cut_in_two_by_the_inactivity_timeout_gets_the_watch_on_both_runs(tmp_path):
    # No pod: presses at 15 min (onset), 21 min (relief, standing), then 55 min (onset) and
    # 63 min (relief): 34 minutes without a press, so the logger closed the first run.
    items = press(15 * 60) + press(21 * 60, hold=True) + press(55 * 60) + press(63 * 60, hold=True)
    items.append({"t": 70 * 60, "end": True})
    db, ids = replay(tmp_path, items, OUTING)
    assert len(ids) == 2
    result = attach(db, ids[1], outing_fit())
    assert sorted(a.run_id for a in result.attached) == sorted(ids)
    first, second = analysis(db, ids[0]), analysis(db, ids[1])
    for ra in (first, second):
        assert ra.movement_sources and {s.source for s in ra.movement_sources} == {"watch"}
        assert {seg.source for seg in ra.segments} == {"watch"}
        (ep,) = ra.episodes
        assert ep.end_state == "rest" and ep.hr_relief_bpm == 100
    # The first run's episode reads as it would with a pod; the second run was opened by
    # its onset press, so the moment before the onset is outside it (unknown), as ever.
    assert (first.episodes[0].onset_state, first.episodes[0].label) == ("moving", "resolves_at_rest")
    assert (second.episodes[0].onset_t_s, second.episodes[0].onset_state) == (0.0, "unknown")
    assert second.episodes[0].hr_onset_bpm == 120 + 33  # the watch's value at 55 min
    ep1 = first.episodes[0]
    assert ep1.hr_onset_bpm == 120 + 9  # the watch's value at 15 min (s // 100 = 9 at 900 s)
    assert ep1.hr_fall_at_relief_bpm == ep1.hr_onset_bpm + (1199 - 900) // 100 - 100
    assert ep1.grade_at_onset_pct == pytest.approx(4.0, abs=0.3)
    assert first.packets.decoded == 0  # the watch's records are not the pod's packets
    assert first.distance_m == pytest.approx(3.0 * (first.duration_s - 180), rel=0.01)  # less the 3-min stop


def test_the_same_file_again_changes_nothing(tmp_path):
    db, ids = replay(tmp_path, press(15 * 60) + [{"t": 30 * 60, "end": True}], OUTING)
    attach(db, ids[0], outing_fit())
    again = attach(db, ids[0], outing_fit())
    assert again.already and again.attached == []
    assert rows(db, "SELECT count(*) FROM watch_files") == [(1,)]
    assert rows(db, "SELECT count(*) FROM watch_records") == [(75 * 30,)]


@pytest.mark.parametrize(
    "data, message",
    [
        (GPX.read_bytes(), "does not overlap run"),  # a track of 2010: another run
        (b"garbage", "not a FIT, TCX or GPX file"),
        (outing_fit()[:-200], "damaged FIT file"),
        (
            write_fit([FitRecord(OUTING + timedelta(seconds=i), 6.0 * i, 6.0) for i in range(900)], sport="cycling"),
            "cycling",
        ),
    ],
)
def test_a_file_of_another_run_another_sport_or_corrupt_is_refused_and_nothing_stored(tmp_path, data, message):
    db, ids = replay(tmp_path, press(15 * 60) + [{"t": 30 * 60, "end": True}], OUTING)
    with pytest.raises(WatchFileError, match=message):
        attach(db, ids[0], data, name="upload")
    assert rows(db, "SELECT (SELECT count(*) FROM watch_files), (SELECT count(*) FROM watch_attachments)") == [(0, 0)]


def test_the_command_says_it_in_one_line_and_exits_2(tmp_path):
    db, ids = replay(tmp_path, press(15 * 60) + [{"t": 30 * 60, "end": True}], OUTING)
    result = subprocess.run(
        [*FOOTNOTE, "attach", str(ids[0]), str(GPX), "--db", str(db)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Nothing was stored" in result.stderr


# -- the strap: heart rate at each press ---------------------------------------------------


def strap_run(tmp_path, *, gap=None):
    """Running 3 m/s with a pod and a strap; numbness at 300 s, worse at 400 s, stop at
    500 s, relief at 620 s. The heart rate is 150 running, falling 1 bpm/s after the stop
    to 90. `gap`: (a, b) seconds when the strap sent nothing."""
    items = [{"t": 0.1, "footpod": "connected", "address": "C0:FF:EE:00:00:01"}]
    items.append({"t": 0.2, "strap": "connected", "address": "C0:FF:EE:00:00:0A", "location": 1})
    d = 0.0
    for s in range(1, 800):
        speed = 3.0 if s < 500 else 0.0
        d += speed
        items.append({"t": s, "rsc": encode_rsc_measurement(speed, 170 if speed else 0, total_distance_m=d).hex()})
        bpm = 150 if s < 500 else max(90, 150 - (s - 500))
        if gap is None or not gap[0] <= s < gap[1]:
            items.append({"t": s + 0.5, "hrm": encode_hrm_measurement(bpm, rr_1024=[round(61440 / bpm)]).hex()})
    items += press(300) + press(400) + press(620, hold=True) + [{"t": 800, "end": True}]
    db, (run_id,) = replay(tmp_path, items, OUTING)
    return analysis(db, run_id)


def test_the_strap_gives_the_heart_rate_at_each_press(tmp_path):
    (ep,) = strap_run(tmp_path).episodes
    assert (ep.hr_onset_bpm, ep.hr_worse_bpm, ep.hr_relief_bpm) == (150, [150], 90)
    assert ep.hr_fall_at_relief_bpm == 60
    assert ep.grade_at_onset_pct is None  # no elevation without the watch


def test_a_heart_rate_older_than_ten_seconds_is_unknown_not_the_last_value(tmp_path):
    (ep,) = strap_run(tmp_path, gap=(280, 420)).episodes
    assert ep.hr_onset_bpm is None and ep.hr_worse_bpm == [None] and ep.hr_relief_bpm == 90


def test_across_runs_the_onset_steadiness_needs_three_runs_and_names_the_steadiest():
    from footnote.server.analysis.results import Episode, RunAnalysis

    def ra(run_id, onset_t, onset_d, hr):
        ep = Episode(
            run_id, 1, onset_t, onset_d, "moving", 3.0, 170.0, [], onset_t + 300, "relief", "rest", 1, [], 60.0, 300.0
        )
        ep.hr_onset_bpm = hr
        start = OUTING + timedelta(days=run_id)
        return RunAnalysis(run_id, start, True, 3600, 9000, [], [ep], [], "resolves_at_rest")

    two = summarize([ra(1, 900, 2700, 150), ra(2, 1500, 4400, 151)]).onset_steadiness
    assert two["enough_runs"] is False and two["steadiest"] is None and two["min_runs"] == 3
    # Distance and time vary by a third; the heart rate at onset within 1 %.
    three = summarize([ra(1, 900, 2700, 150), ra(2, 1500, 4400, 151), ra(3, 1200, 3500, 149)]).onset_steadiness
    assert three["steadiest"] == "heart_rate" and three["heart_rate"]["n"] == 3
    assert three["heart_rate"]["cv"] < 0.01 < three["distance"]["cv"]
    assert per_place([]) == []

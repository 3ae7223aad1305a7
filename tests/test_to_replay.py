"""tools/to_replay.py: a real recording's format (TCX, GPX) into a replay file, replayed
through the real pipeline, and its ground truth."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from footnote.device.db.connect import open_reader
from footnote.device.db.reader import list_runs, load_runs
from footnote.device.db.store import Store
from footnote.device.logger.replay import replay_file
from footnote.server.analysis import analyze_run

TOOL = Path(__file__).resolve().parents[1] / "tools" / "to_replay.py"
START = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)


def run_stand_run() -> list[tuple[int, float, float, int]]:
    """(t_s, speed, distance, strides/min): 3 min at 3 m/s, 90 s standing, 2 min at 3 m/s,
    recorded every 2 s (smart recording)."""
    out, d = [], 0.0
    for t in range(0, 390, 2):
        standing = 180 <= t < 270
        speed = 0.0 if standing else 3.0
        out.append((t, speed, d, 0 if standing else 86))
        d += speed * 2
    return out


def tcx(points) -> str:
    tps = "".join(
        f"<Trackpoint><Time>{(START + timedelta(seconds=t)).isoformat()}</Time>"
        f"<DistanceMeters>{d}</DistanceMeters><Cadence>{c}</Cadence>"
        f'<Extensions><TPX xmlns="http://www.garmin.com/xmlschemas/ActivityExtension/v2"><Speed>{v}</Speed>'
        f"</TPX></Extensions></Trackpoint>"
        for t, v, d, c in points
    )
    return (
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="Running"><Lap><Track>{tps}</Track></Lap></Activity></Activities>'
        "</TrainingCenterDatabase>"
    )


def convert(recording: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(TOOL), str(recording), str(out), *args], capture_output=True, text=True, check=True
    )


def analyse(replay: Path, tmp_path: Path):
    db = tmp_path / "converted.db"
    with Store(db) as store:
        replay_file(replay, store=store)
    conn = open_reader(db)
    (run,) = load_runs(conn, list_runs(conn))
    conn.close()
    return analyze_run(run)


def test_a_tcx_run_with_a_stop_becomes_a_replay_and_its_ground_truth(tmp_path):
    recording = tmp_path / "run.tcx"
    recording.write_text(tcx(run_stand_run()))
    result = convert(recording, tmp_path / "run.jsonl", "--cadence-as", "steps", "--ground-truth")
    truth = json.loads(result.stdout.splitlines()[-1])
    ((stand_start, stand_end),) = truth["standstills"]  # measured over +/- 2 s: edges blur by 2 s
    assert abs(stand_start - 180) <= 2 and abs(stand_end - 270) <= 2
    ra = analyse(tmp_path / "run.jsonl", tmp_path)
    rest = [(s.start_s, s.end_s) for s in ra.segments if s.state == "rest"]
    assert len(rest) == 1 and abs(rest[0][0] - 180) <= 3 and abs(rest[0][1] - 270) <= 3
    assert ra.cadence is not None and (ra.cadence.unit, ra.cadence.median_running_cadence_raw) == ("steps", 172)
    assert abs(ra.distance_m - 300 * 3) <= 6


def test_a_gpx_track_gets_its_distance_along_the_track(tmp_path):
    # 0.0001 degrees of latitude is 11.1 m: a point every 4 s is 2.8 m/s.
    points = "".join(
        f'<trkpt lat="{45 + i * 0.0001:.4f}" lon="7.0"><time>{(START + timedelta(seconds=4 * i)).isoformat()}</time>'
        f"<extensions><cad>85</cad></extensions></trkpt>"
        for i in range(100)
    )
    recording = tmp_path / "run.gpx"
    recording.write_text(f'<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{points}</trkseg></trk></gpx>')
    convert(recording, tmp_path / "run.jsonl")
    ra = analyse(tmp_path / "run.jsonl", tmp_path)
    assert abs(ra.distance_m - 99 * 11.12) <= 5
    assert {s.state for s in ra.segments if s.end_s - s.start_s > 10} == {"moving"}
    assert ra.cadence is not None and ra.cadence.unit == "strides"


def test_a_trackpoint_with_only_a_time_becomes_no_packet(tmp_path):
    # A Forerunner 410 closes its run with a bare <Time>: no speed, distance or cadence.
    recording = tmp_path / "run.tcx"
    bare = f"<Trackpoint><Time>{(START + timedelta(seconds=400)).isoformat()}</Time></Trackpoint>"
    recording.write_text(tcx(run_stand_run()).replace("</Track>", bare + "</Track>"))
    convert(recording, tmp_path / "run.jsonl")
    lines = [json.loads(line) for line in (tmp_path / "run.jsonl").read_text().splitlines()]
    packets = [x for x in lines if "rsc" in x]
    assert len(packets) == len(run_stand_run()) and packets[-1]["t"] == 388
    assert lines[-1] == {"t": 388, "end": True}

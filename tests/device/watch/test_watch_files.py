"""Reading the watch's file (FIT, TCX, GPX) and finding where it sits on a run's clock.

Real files: `sources/tcxparser_fr410_run.tcx` (a Garmin Forerunner 410 run, python-tcxparser,
BSD-2-Clause) and `sources/gpxpy_cerknicko_jezero.gpx` (a 2-hour GPS track with
elevation, gpxpy's test files, Apache-2.0); see tests/data/README.md. FIT files are
written by tests/fit_writer.py from real records (see there why).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from footnote.device.logger.record_file import read_replay
from footnote.device.rules.rsc import decode_rsc_measurement
from footnote.device.watch import align
from footnote.device.watch.activity import WatchFileError
from footnote.device.watch.read import MAX_WATCH_FILE_BYTES, read_watch_file, sniff
from tests.fit_writer import FitRecord, write_fit
from tests.helpers import REAL_RUNS as DATA

TCX = DATA / "sources" / "tcxparser_fr410_run.tcx"
GPX = DATA / "sources" / "gpxpy_cerknicko_jezero.gpx"
T0 = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)


def fr410_pod_samples() -> list[tuple[float, float]]:
    """The pod's (t_s, speed) of the FR410 run as footnote replays it (tests/data)."""
    with open(DATA / "fr410_smart_recording.jsonl", encoding="utf-8") as stream:
        _, inputs = read_replay(stream)
        return [(i.t, decode_rsc_measurement(i.value).speed_mps) for i in inputs if i.kind == "rsc"]


def fit_run(n=600, *, sport="running", hr=True) -> bytes:
    return write_fit(
        [
            FitRecord(
                T0 + timedelta(seconds=i),
                distance_m=3.1 * i,
                speed_mps=3.1,
                heart_rate_bpm=130 + i // 20 if hr else None,
                cadence_strides=87,
                altitude_m=100 + i * 0.05,
            )
            for i in range(n)
        ],
        sport=sport,
    )


def test_a_real_tcx_run_is_read_with_its_times_and_distances():
    activity = read_watch_file(TCX.read_bytes(), name="run.tcx")
    assert (activity.format, activity.sport) == ("tcx", "running")
    assert activity.start == datetime(2012, 12, 26, 21, 29, 53, tzinfo=UTC)
    assert len(activity.records) > 300
    distances = [r.distance_m for r in activity.records if r.distance_m is not None]
    assert distances == sorted(distances) and distances[-1] == pytest.approx(4686.3, abs=0.1)


def test_a_real_gpx_track_gives_distance_along_it_and_elevation():
    activity = read_watch_file(GPX.read_bytes(), name="lake.gpx")
    assert (activity.format, activity.sport, len(activity.records)) == ("gpx", None, 296)
    assert activity.records[-1].distance_m == pytest.approx(13_679, rel=0.01)
    assert all(r.altitude_m is not None for r in activity.records)
    assert (activity.end - activity.start).total_seconds() == pytest.approx(7190)


def test_a_fit_run_is_read_through_fitdecode_with_cadence_in_steps():
    activity = read_watch_file(fit_run(), name="run.fit")
    first = activity.records[0]
    assert (activity.format, activity.sport, len(activity.records)) == ("fit", "running", 600)
    assert (first.time, first.speed_mps, first.cadence_spm, first.heart_rate_bpm) == (T0, 3.1, 174.0, 130)
    assert activity.records[-1].altitude_m == pytest.approx(129.95, abs=0.2)


def test_the_format_is_told_by_the_content_not_the_name():
    assert sniff(fit_run(10)) == "fit"
    assert sniff(TCX.read_bytes()) == "tcx"
    assert sniff(b"\xef\xbb\xbf  <?xml version='1.0'?><gpx>") == "gpx"
    assert sniff(b"PK\x03\x04 a zip") is None


@pytest.mark.parametrize(
    "data, message",
    [
        (b"PK\x03\x04 not a watch file", "not a FIT, TCX or GPX file"),
        (fit_run(50)[:-40], "damaged FIT file"),
        (fit_run(50, sport="cycling"), "a recording of cycling, not of a run or walk"),
        (write_fit([FitRecord(T0)], file_type="settings"), "not an activity"),
        (
            b"<TrainingCenterDatabase><Activities><Activity Sport='Biking'/></Activities></TrainingCenterDatabase>",
            "biking",
        ),
        (b"<TrainingCenterDatabase><Activities><Activity Sport='Running'>", "not well-formed"),
        (b"<gpx><trk><trkseg></trkseg></trk></gpx>", "fewer than 2 records"),
    ],
)
def test_a_file_footnote_cannot_use_gets_one_clear_line(data, message):
    with pytest.raises(WatchFileError, match=message) as caught:
        read_watch_file(data, name="upload")
    assert "\n" not in str(caught.value) and str(caught.value).startswith("upload: ")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<gpx><trk><name>&lol3;</name></trk></gpx>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<TrainingCenterDatabase><Activities><Activity Sport="Running"><Notes>&x;</Notes></Activity></Activities></TrainingCenterDatabase>"""


@pytest.mark.parametrize(
    "data, message",
    [
        (BILLION_LAUGHS, "declares a document type"),
        (EXTERNAL_ENTITY, "declares a document type"),
        (b"<gpx>" + b"<a>" * 40 + b"</a>" * 40 + b"</gpx>", "nests deeper than 32"),
    ],
)
def test_hostile_xml_is_refused_before_any_reader_sees_it(data, message):
    with pytest.raises(WatchFileError, match=message):
        read_watch_file(data, name="evil.gpx")


def test_a_huge_tree_is_refused_while_it_is_read(monkeypatch):
    from footnote.device.watch import xmlsafe

    monkeypatch.setattr(xmlsafe, "MAX_ELEMENTS", 1000)
    with pytest.raises(WatchFileError, match="more than 1,000 elements"):
        read_watch_file(b"<gpx>" + b"<trk/>" * 5000 + b"</gpx>", name="wide.gpx")


def test_a_file_over_the_size_cap_is_refused_unread():
    with pytest.raises(WatchFileError, match="more than the 32 MB"):
        read_watch_file(b"\0" * (MAX_WATCH_FILE_BYTES + 1), name="big.fit")


# -- alignment ----------------------------------------------------------------------------


def test_by_the_wall_clock_the_watch_start_is_the_difference_of_the_starts():
    a = align.by_wall_clock(T0, T0 + timedelta(seconds=42.5))
    assert (a.method, a.watch_start_t_s, a.corrected_start(T0 + timedelta(seconds=42.5))) == ("wall_clock", 42.5, T0)


def test_an_unsynchronised_run_is_placed_by_the_pods_speed_against_the_watchs():
    # The FR410 run: the logger started 73 s before the watch, and its pod's speeds are
    # noisy and arrive 0.4 s off the watch's records.
    rng = random.Random(7)
    samples = [(t + 73.4, max(0.0, v * rng.uniform(0.9, 1.1))) for t, v in fr410_pod_samples()]
    watch = align.watch_speed_series(read_watch_file(TCX.read_bytes(), name="run.tcx").records)
    found = align.by_pod_speed(align.pod_speed_series(samples, samples[-1][0] + 60), watch)
    assert found is not None and found.method == "pod_speed"
    assert found.watch_start_t_s == pytest.approx(73.4, abs=2)
    assert found.score > 0.8 and (found.runner_up is None or found.runner_up < found.score - 0.3)


def test_speeds_that_never_overlap_enough_propose_nothing():
    watch = [3.0] * 100
    assert align.by_pod_speed([3.0] * 50, watch) is None


def test_a_button_only_run_is_placed_by_its_presses_against_the_watchs_stops():
    # The watch: running 3 m/s, with standstills at 600-720 s and 1500-1620 s.
    watch = [0.0 if 600 <= s < 720 or 1500 <= s < 1620 else 3.0 for s in range(2400)]
    # The logger started 95 s after the watch; the runner pressed while running and held
    # in each standstill.
    presses = [(s - 95, kind) for s, kind in [(400, "onset"), (700, "relief"), (1300, "onset"), (1600, "relief")]]
    found = align.by_presses(presses, watch, run_duration_s=2200)
    assert found is not None and found.method == "presses_vs_stops" and found.score == 1.0
    assert -95 - 100 < found.watch_start_t_s < -95 + 100  # within the standstills' play
    assert found.n == 4

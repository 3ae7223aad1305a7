"""The footpod through bleak's real BlueZ backend, against a fake BlueZ on a private D-Bus.

Each story runs the whole logger (mock pins, real store, FootpodClient) in real time on
a fresh event loop, with a simulated pod notifying at 20 Hz so stories take seconds.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from footnote.device.parts.footpod import FootpodClient, scan_footpods
from tests.fake_bluez import CYCLING_POWER_UUID, PodSim
from tests.helpers import OTHER, PAIRED, live_logger, stream

pytestmark = pytest.mark.slow  # real time against the fake BlueZ


def test_scan_lists_rsc_footpods_strongest_first(bluez):
    bluez.add_pod(PAIRED, "Near pod", rssi=-50)
    bluez.add_pod(OTHER, "Stryd", rssi=-80, uuids=[CYCLING_POWER_UUID, "00001814-0000-1000-8000-00805f9b34fb"])
    bluez.add_pod("C0:FF:EE:00:00:03", "Power meter", rssi=-40, uuids=[CYCLING_POWER_UUID])
    pods = asyncio.run(scan_footpods(timeout_s=0.6))
    assert [(p.name, p.address) for p in pods] == [("Near pod", PAIRED), ("Stryd", OTHER)]
    assert pods[0].rssi > pods[1].rssi


def test_scan_connect_and_notifications_are_stored(bluez, db_path):
    bluez.add_pod(PAIRED, "Footpod", sim=PodSim(speed_mps=3.0, cadence_spm=172), feature=0x07, location=2)

    live = stream(db_path, 40)
    assert live.links()[0] == "connected"
    assert live.query("SELECT footpod_address, footpod_name, footpod_feature, footpod_location FROM runs") == [
        (PAIRED, "Footpod", 7, 2)
    ]
    speeds, cadences, distances = zip(
        *live.query("SELECT speed_mps, cadence_spm, distance_m FROM footpod_samples ORDER BY id"), strict=True
    )
    assert set(speeds) == {3.0} and set(cadences) == {172.0}
    assert list(distances) == sorted(distances) and distances[-1] > 5


def test_the_button_works_from_the_first_second_with_no_footpod(bluez, db_path):
    async def story():
        async with live_logger(db_path) as live:
            await live.press()
            await live.until(lambda: live.count("SELECT count(*) FROM symptom_events") == 1, 5, "the onset row")
            return live

    live = asyncio.run(story())
    assert live.query("SELECT kind, t_s < 1.0 FROM symptom_events ORDER BY id")[0] == ("onset", 1)
    assert live.links() == []


def test_the_pod_drops_mid_run_and_returns(bluez, db_path):
    pod = bluez.add_pod(PAIRED, "Footpod")

    async def story():
        async with live_logger(db_path) as live:
            await live.samples_at_least(20)
            await live.fake(bluez.drop, pod)
            await live.until(lambda: live.links() == ["connected", "disconnected"], 5, "the drop")
            await live.press()  # numbness starts during the gap ...
            await live.press()  # ... and gets worse
            back = time.monotonic()
            await live.fake(bluez.set, pod, advertising=True)
            await live.until(lambda: live.links() == ["connected", "disconnected", "connected"], 10, "the reconnect")
            reconnect_s = time.monotonic() - back
            n = live.count("SELECT count(*) FROM footpod_samples")
            await live.samples_at_least(n + 10)
            return live, reconnect_s

    live, reconnect_s = asyncio.run(story())
    assert reconnect_s < 3.0
    assert [k for (k,) in live.query("SELECT kind FROM symptom_events ORDER BY id")] == [
        "onset",
        "worse",
        "unresolved_at_run_end",
    ]
    (down_t,), (up_t,) = live.query("SELECT t_s FROM link_events WHERE state != 'connected' OR id = 3 ORDER BY id")
    presses = [t for (t,) in live.query("SELECT t_s FROM symptom_events WHERE kind IN ('onset', 'worse')")]
    assert all(down_t < t < up_t for t in presses)  # stored although the pod was away
    assert not live.query("SELECT 1 FROM footpod_samples WHERE t_s > ? AND t_s < ?", (down_t, up_t))


def test_a_pod_that_appears_later_is_picked_up(bluez, db_path):
    pod = bluez.add_pod(PAIRED, "Footpod", advertising=False)

    async def story():
        async with live_logger(db_path) as live:
            await asyncio.sleep(1.0)  # a second of scanning with nothing there
            assert live.links() == []
            await live.fake(bluez.set, pod, advertising=True)
            await live.samples_at_least(10)
            return live

    assert asyncio.run(story()).links() == ["connected"]


def test_connect_aborted_by_local_is_retried_by_bleak(bluez, db_path):
    pod = bluez.add_pod(PAIRED, "Footpod")
    pod.connect_errors.append(("org.bluez.Error.Failed", "le-connection-abort-by-local"))

    live = stream(db_path, 10)
    assert pod.connect_calls == 2 and live.links() == ["connected"]


def test_another_connect_error_backs_off_and_tries_again(bluez, db_path, caplog):
    pod = bluez.add_pod(PAIRED, "Footpod")
    pod.connect_errors += [("org.bluez.Error.Failed", "Input/output error")] * 4

    live = stream(db_path, 10, timeout_s=30)
    assert pod.connect_calls == 5 and live.links() == ["connected"]
    assert "trying again in" in caplog.text


def test_a_pod_sending_strides_per_minute_is_normalised_to_steps(bluez, db_path):
    bluez.add_pod(PAIRED, "Footpod", sim=PodSim(speed_mps=3.2, cadence_spm=176, strides_per_min=True))

    live = stream(db_path, 10)
    assert set(live.query("SELECT cadence_raw, cadence_spm FROM footpod_samples")) == {(88, 176.0)}


def test_a_per_pod_override_beats_the_guess(bluez, db_path):
    # Walking slowly at 55 strides/min: the automatic rule cannot tell; the config can.
    bluez.add_pod(PAIRED, "Footpod", sim=PodSim(speed_mps=1.2, cadence_spm=110, strides_per_min=True))
    config = {"feedback": {"led": False}, "footpod": {"cadence_overrides": {PAIRED: "strides"}}}

    live = stream(db_path, 10, config=config)
    assert set(live.query("SELECT cadence_spm FROM footpod_samples")) == {(110.0,)}
    assert live.query("SELECT cadence_convention FROM runs") == [("strides",)]


def test_distance_continues_when_the_pod_restarts_at_zero(bluez, db_path):
    pod = bluez.add_pod(PAIRED, "Footpod", sim=PodSim(speed_mps=4.0))

    async def story():
        async with live_logger(db_path) as live:
            await live.samples_at_least(30)
            await live.fake(bluez.drop, pod, advertising=True)
            await live.fake(bluez.set, pod, pod_distance_m=0.0)  # the pod forgets its total
            await live.until(lambda: live.links().count("connected") == 2, 10, "the reconnect")
            n = live.count("SELECT count(*) FROM footpod_samples")
            await live.samples_at_least(n + 30)
            return live

    live = asyncio.run(story())
    pod_totals, distances = zip(
        *live.query("SELECT pod_distance_m, distance_m FROM footpod_samples ORDER BY id"), strict=True
    )
    assert min(pod_totals[len(pod_totals) // 2 :]) < max(pod_totals)  # the pod really went back to zero
    assert list(distances) == sorted(distances)  # the run's distance never did
    assert distances[-1] > max(pod_totals)


def test_a_pod_without_stride_or_distance_integrates_speed(bluez, db_path):
    bluez.add_pod(PAIRED, "Footpod", sim=PodSim(speed_mps=3.0, stride=False, distance=False))

    live = stream(db_path, 40)
    rows = live.query("SELECT t_s, stride_m, pod_distance_m, distance_m FROM footpod_samples ORDER BY id")
    assert all(stride is None and pod is None for _, stride, pod, _ in rows)
    elapsed_s = rows[-1][0] - rows[0][0]
    assert rows[-1][3] == pytest.approx(3.0 * elapsed_s, rel=0.05)


def test_flags_that_change_per_packet_are_normal(bluez, db_path):
    bluez.add_pod(PAIRED, "Footpod", sim=PodSim(alternate_flags=True))

    live = stream(db_path, 30)
    rows = live.query("SELECT stride_m IS NULL, pod_distance_m IS NULL, distance_m FROM footpod_samples ORDER BY id")
    assert {r[:2] for r in rows} == {(0, 1), (1, 0)}  # alternate packets carry one or the other
    assert live.count("SELECT count(*) FROM rejected_packets") == 0
    distances = [r[2] for r in rows]
    assert distances == sorted(distances)


@pytest.mark.parametrize("when_still", ["repeat", "silent", "zeros"])
def test_what_a_pod_does_when_the_runner_stops_is_stored_as_sent(bluez, db_path, when_still):
    pod = bluez.add_pod(PAIRED, "Footpod", sim=PodSim(speed_mps=3.0))

    async def story():
        async with live_logger(db_path) as live:
            await live.samples_at_least(20)
            await live.fake(bluez.set, pod, when_still=when_still, speed_mps=0.0)
            stopped = live.count("SELECT max(t_s) FROM footpod_samples")
            if when_still == "silent":
                await asyncio.sleep(1.5)  # the runner stands still for 1.5 s: long enough to see silence
            else:
                later = "SELECT count(*) FROM footpod_samples WHERE t_s > ? + 0.2"
                await live.until(lambda: live.count(later, (stopped,)) > 10, 15, "samples while standing still")
            return live, stopped

    live, stopped = asyncio.run(story())
    after = live.query("SELECT speed_mps, pod_distance_m FROM footpod_samples WHERE t_s > ? + 0.2", (stopped,))
    if when_still == "silent":
        assert after == [] and live.links() == ["connected"]  # connected, but quiet
    elif when_still == "repeat":
        assert len(after) > 10 and len(set(after)) == 1 and after[0][0] == 3.0  # same speed, distance stands
    else:
        assert len(after) > 10 and {speed for speed, _ in after} == {0.0}


def test_only_the_paired_pod_is_taken_when_another_is_stronger(bluez, db_path):
    bluez.add_pod(OTHER, "Someone else's pod", rssi=-30)
    bluez.add_pod(PAIRED, "My pod", rssi=-85)
    client = FootpodClient(address=PAIRED, scan_window_s=0.5, backoff_s=(0.2,))

    async def story():
        async with live_logger(db_path, client=client) as live:
            await live.samples_at_least(10)
            return live

    live = asyncio.run(story())
    assert live.query("SELECT DISTINCT address FROM link_events") == [(PAIRED,)]
    assert live.query("SELECT footpod_name FROM runs") == [("My pod",)]


def test_no_bluetooth_at_all_leaves_the_button_working(db_path, tmp_path, monkeypatch, caplog):
    # No BlueZ, not even a D-Bus: the footpod client keeps retrying quietly, the button logs.
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/no-such-bus")

    async def story():
        async with live_logger(db_path) as live:
            await live.until(lambda: "trying again in" in caplog.text, 10, "a retry")
            await live.press()
            await live.until(lambda: live.count("SELECT count(*) FROM symptom_events") == 1, 5, "the onset row")
            return live

    live = asyncio.run(story())
    assert live.links() == [] and "attempt 1" in caplog.text
    assert [k for (k,) in live.query("SELECT kind FROM symptom_events ORDER BY id")] == [
        "onset",
        "unresolved_at_run_end",
    ]

"""A heart-rate strap and a footpod at once, through bleak's real BlueZ backend against the
fake BlueZ (tests/fake_bluez.py): connect, notify, drop, reconnect; and what a watch that
holds a connection of the strap does to the Pi.

The fake is stricter than a laptop's BlueZ in the one way that matters for two sensors in
one process: a second StartDiscovery while one is running is refused (InProgress), as
bluetoothd does for one D-Bus client, so overlapping scans fail here.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from footnote.device.parts.footpod import FootpodClient
from footnote.device.parts.strap import StrapClient, scan_straps
from footnote.device.rules.hrm import SensorContact
from tests.fake_bluez import PodSim, StrapSim
from tests.helpers import PAIRED, live_logger

pytestmark = pytest.mark.slow  # real time against the fake BlueZ

STRAP = "C0:FF:EE:00:00:0A"


def clients():
    return (
        FootpodClient(scan_window_s=0.5, backoff_s=(0.2, 0.5)),
        StrapClient(scan_window_s=0.5, backoff_s=(0.2, 0.5)),
    )


def test_scan_lists_straps_not_pods(bluez):
    bluez.add_pod(PAIRED, "Footpod")
    bluez.add_strap(STRAP, "TICKR 1234")
    assert [(s.name, s.address) for s in asyncio.run(scan_straps(timeout_s=0.6))] == [("TICKR 1234", STRAP)]


def test_a_strap_and_a_pod_connect_notify_drop_and_come_back(bluez, db_path):
    pod = bluez.add_pod(PAIRED, "Footpod", sim=PodSim(speed_mps=3.0))
    strap = bluez.add_strap(STRAP, "HRM-Dual", sim=StrapSim(bpm=152), location=1)
    footpod_client, strap_client = clients()

    async def story():
        async with live_logger(db_path, client=footpod_client, strap=strap_client) as live:
            await live.samples_at_least(10)
            await live.heart_rates_at_least(10)
            await live.fake(bluez.drop, strap, advertising=True)  # out of range for a moment
            await live.until(lambda: live.strap_links() == ["connected", "disconnected", "connected"], 10, "strap back")
            await live.fake(bluez.drop, pod, advertising=True)
            await live.until(lambda: live.links() == ["connected", "disconnected", "connected"], 10, "pod back")
            n_pod = live.count("SELECT count(*) FROM footpod_samples")
            n_hr = live.count("SELECT count(*) FROM heart_rate_samples")
            await live.samples_at_least(n_pod + 10)
            await live.heart_rates_at_least(n_hr + 10)
            return live

    live = asyncio.run(story())
    assert bluez.refused_discoveries == 0  # the two clients never scanned at once
    assert live.query("SELECT strap_address, strap_name, strap_location FROM runs") == [(STRAP, "HRM-Dual", 1)]
    assert set(live.query("SELECT bpm, contact FROM heart_rate_samples")) == {(152, "detected")}
    assert live.query("SELECT DISTINCT address FROM link_events") == [(PAIRED,)]
    (down,), (up,) = live.query("SELECT t_s FROM strap_link_events WHERE id IN (2, 3) ORDER BY id")
    assert not live.query("SELECT 1 FROM heart_rate_samples WHERE t_s > ? AND t_s < ?", (down + 0.05, up))


def test_a_strap_off_the_skin_streams_no_heart_rate(bluez, db_path):
    bluez.add_strap(STRAP, "H10", sim=StrapSim(bpm=0, contact=SensorContact.NOT_DETECTED))
    _, strap_client = clients()

    async def story():
        async with live_logger(db_path, strap=strap_client) as live:
            await live.heart_rates_at_least(10)
            return live

    live = asyncio.run(story())
    assert live.query("SELECT DISTINCT bpm, contact FROM heart_rate_samples") == [(None, "not_detected")]


def test_a_watch_holding_a_two_connection_strap_leaves_one_for_the_pi(bluez, db_path):
    # A strap such as the Wahoo TICKR accepts several centrals: the watch keeps its own.
    strap = bluez.add_strap(STRAP, "TICKR", max_connections=2)
    bluez.watch_connects(strap)
    _, strap_client = clients()

    async def story():
        async with live_logger(db_path, strap=strap_client) as live:
            await live.heart_rates_at_least(10)
            return live

    live = asyncio.run(story())
    assert live.strap_links() == ["connected"] and strap.centrals == 1  # the watch's, after the Pi let go


def test_a_watch_holding_a_one_connection_strap_hides_it_but_the_button_works(bluez, db_path):
    strap = bluez.add_strap(STRAP, "One-link strap", max_connections=1)
    bluez.watch_connects(strap)
    _, strap_client = clients()

    async def story():
        async with live_logger(db_path, strap=strap_client) as live:
            began = time.monotonic()
            await live.press()
            await live.until(lambda: live.count("SELECT count(*) FROM symptom_events") == 1, 5, "the onset row")
            pressed_s = time.monotonic() - began
            await asyncio.sleep(1.5)  # a few scans of nothing
            return live, pressed_s

    live, pressed_s = asyncio.run(story())
    assert live.strap_links() == [] and pressed_s < 2.0
    assert live.count("SELECT count(*) FROM heart_rate_samples") == 0

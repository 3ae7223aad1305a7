"""A footpod drop storm against the fake BlueZ: 100 drops and returns in one run."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from tests.fake_bluez import PodSim
from tests.helpers import PAIRED, live_logger

pytestmark = pytest.mark.slow  # real time against the fake BlueZ

CYCLES = 100


def bus_peers(fake) -> int:
    """Connections on the private bus (the fake's own, bleak's manager, each client)."""

    async def names():
        from dbus_fast import Message

        reply = await fake.bus.call(
            Message(
                destination="org.freedesktop.DBus",
                path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus",
                member="ListNames",
            )
        )
        return [n for n in reply.body[0] if n.startswith(":")]

    return len(fake.call(names))


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_100_drops_and_returns_leak_nothing_and_lose_no_press(bluez, db_path, capsys):
    pod = bluez.add_pod(PAIRED, "Footpod", sim=PodSim(speed_mps=3.0), rate_hz=20)

    async def story():
        async with live_logger(db_path) as live:
            await live.until(lambda: live.links() == ["connected"], 15, "the first connection")
            await live.samples_at_least(5)
            base = (len(asyncio.all_tasks()), bus_peers(bluez), open_fds())
            presses = 0
            reconnect_s = []
            for cycle in range(CYCLES):
                await live.fake(bluez.drop, pod)
                await live.until(lambda n=cycle + 1: live.links().count("disconnected") == n, 10, f"drop {cycle + 1}")
                if cycle % 10 == 0:
                    await live.press()  # pressed while the pod is away
                    presses += 1
                back = time.monotonic()
                await live.fake(bluez.set, pod, advertising=True)
                await live.until(lambda n=cycle + 2: live.links().count("connected") == n, 10, f"return {cycle + 1}")
                reconnect_s.append(time.monotonic() - back)
            await live.samples_at_least(live.count("SELECT count(*) FROM footpod_samples") + 5)
            # bleak tidies a dropped link in the background: give it until a deadline
            # to get back to the starting counts; a real leak never does.
            end = time.monotonic() + 10
            while True:
                after = (len(asyncio.all_tasks()), bus_peers(bluez), open_fds())
                settled = after[0] <= base[0] and after[1] <= base[1] and after[2] <= base[2] + 2
                if settled or time.monotonic() > end:
                    break
                await asyncio.sleep(0.05)
            return live, presses, base, after, reconnect_s

    live, presses, base, after, reconnect_s = asyncio.run(story())
    links = live.links()
    assert links.count("disconnected") == CYCLES and links.count("connected") == CYCLES + 1
    assert links == ["connected", "disconnected"] * CYCLES + ["connected"]
    kinds = [k for (k,) in live.query("SELECT kind FROM symptom_events ORDER BY id")]
    assert kinds.count("onset") + kinds.count("worse") == presses  # every press during a drop stored
    tasks, peers, fds = base
    assert after[0] <= tasks, f"asyncio tasks grew from {tasks} to {after[0]}"
    assert after[1] <= peers, f"D-Bus connections grew from {peers} to {after[1]}"
    assert after[2] <= fds + 2, f"open file descriptors grew from {fds} to {after[2]}"
    with capsys.disabled():
        print(
            f"\n  drop storm: {CYCLES} drops, {CYCLES} returns, {presses} presses during drops stored; "
            f"reconnect median {sorted(reconnect_s)[len(reconnect_s) // 2]:.2f} s, max {max(reconnect_s):.2f} s; "
            f"tasks {tasks}->{after[0]}, D-Bus connections {peers}->{after[1]}, fds {fds}->{after[2]}"
        )

"""The live driver on gpiozero mock pins: feedback after commit, and the same rows as a
replay of the same inputs."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import ClassVar

import pytest
from gpiozero.pins.mock import MockFactory, MockPin

from footnote.device.config import parse_config
from footnote.device.db.store import Store
from footnote.device.live import run_logger
from footnote.device.logger.record_file import read_replay
from footnote.device.logger.replay import replay_file
from tests.helpers import rows
from tests.story_week import story_files

LED_PIN, BUTTON_PIN = 27, 17


class WitnessPin(MockPin):
    """A mock pin that, on the LED pin going high, notes how many symptom events are
    already committed (read through a separate connection, as a crash would see it)."""

    db_path = None
    seen: ClassVar[list[int]] = []

    def _set_state(self, value):
        if value and self._number == LED_PIN and not self.state:
            conn = sqlite3.connect(self.db_path)
            WitnessPin.seen.append(conn.execute("SELECT count(*) FROM symptom_events").fetchone()[0])
            conn.close()
        super()._set_state(value)


async def wait_for(condition, timeout_s=5.0):
    end = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < end, f"timed out; witness saw {WitnessPin.seen}"
        await asyncio.sleep(0.01)


def test_feedback_only_after_the_event_is_committed(db_path):
    WitnessPin.db_path, WitnessPin.seen = db_path, []
    factory = MockFactory(pin_class=WitnessPin)
    button, led = factory.pin(BUTTON_PIN), factory.pin(LED_PIN)
    ready = {}

    async def story():
        task = asyncio.create_task(
            run_logger(
                parse_config({}), db_path=db_path, pin_factory=factory, on_ready=lambda i, lg: ready.update(inputs=i)
            )
        )
        await wait_for(lambda: "inputs" in ready)
        for expected in (1, 2):  # onset, then worse
            button.drive_low()
            await asyncio.sleep(0.2)  # the runner's thumb stays down 0.2 s
            button.drive_high()
            await wait_for(lambda n=expected * 2 - 1: len(WitnessPin.seen) >= n and not led.state)
        ready["inputs"].stop()
        return await task

    run_ids = asyncio.run(story())
    factory.reset()
    assert run_ids == [1]
    # onset blinks once and worse twice; at every rising edge its row was already there
    assert WitnessPin.seen == [1, 2, 2]
    assert rows(db_path, "SELECT kind FROM symptom_events ORDER BY id") == [
        ("onset",),
        ("worse",),
        ("unresolved_at_run_end",),
    ]


def drive_live(path, db_path) -> list[int]:
    """Feed a record file into the live driver: button edges into mock pins, footpod
    bytes and link events into the same queue the BLE client uses, on a fake clock."""
    factory = MockFactory()
    pin = factory.pin(BUTTON_PIN)
    now = [0.0]
    ready = {}

    async def go():
        task = asyncio.create_task(
            run_logger(
                parse_config({"feedback": {"led": False}}),
                db_path=db_path,
                pin_factory=factory,
                clock=lambda: now[0],
                on_ready=lambda i, lg: ready.update(inputs=i),
            )
        )
        await wait_for(lambda: "inputs" in ready)
        inputs = ready["inputs"]
        with open(path) as stream:
            _, items = read_replay(stream)
            for item in items:
                now[0] = item.t
                if item.kind == "button":
                    pin.drive_low() if item.value else pin.drive_high()
                elif item.kind == "rsc":
                    inputs.rsc(item.t, item.value)
                elif item.kind == "footpod":
                    inputs.link(item.value, **item.extra)
                else:
                    inputs.stop()
        return await task

    try:
        return asyncio.run(go())
    finally:
        factory.reset()


EVENT_COLUMNS = "SELECT t_s, kind, episode, severity FROM symptom_events ORDER BY id"
SAMPLE_COLUMNS = "SELECT t_s, raw, speed_mps, cadence_spm, distance_m FROM footpod_samples ORDER BY id"
LINK_COLUMNS = "SELECT t_s, state, address FROM link_events ORDER BY id"
RUN_COLUMNS = "SELECT ended_t_s, end_reason, footpod_address, cadence_convention FROM runs ORDER BY id"


@pytest.mark.parametrize("path", story_files(), ids=lambda p: p.name)
def test_replay_gives_the_same_rows_as_driving_the_pins_live(path, tmp_path):
    live_db, replay_db = tmp_path / "live.db", tmp_path / "replay.db"
    live_runs = drive_live(path, live_db)
    with Store(replay_db) as store:
        replay_runs = replay_file(path, store=store)
    assert live_runs == replay_runs
    for sql in (EVENT_COLUMNS, SAMPLE_COLUMNS, LINK_COLUMNS, RUN_COLUMNS):
        live, replayed = rows(live_db, sql), rows(replay_db, sql)
        assert live == replayed, sql
    assert rows(live_db, "SELECT count(*) FROM footpod_samples")[0][0] > 1000

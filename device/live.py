"""The live driver: real (or mock) pins, the footpod client, and the Logger on one
asyncio loop.

Every input becomes an `(kind, t, ...)` tuple on one queue, stamped with the clock the
moment it arrives (gpiozero's callback thread, bleak's notification callback). One
consumer feeds them to the Logger in order and ticks it at its deadlines, so a press is
never waiting on Bluetooth: the footpod client only ever enqueues.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from footnote.device import __version__
from footnote.device.clock import system_clock_synced
from footnote.device.config import Config
from footnote.device.durability.catchup import open_logger_store, settle_at_stop
from footnote.device.durability.journal import Journal, JournalIndicator
from footnote.device.logger.record_file import ReplayWriter
from footnote.device.logger.recorder import RecorderSettings, RunRecorder
from footnote.device.parts.button import attach_button
from footnote.device.parts.feedback import PinIndicator
from footnote.device.parts.protocols import Clock, FootpodSource, InputLog, Inputs

logger = logging.getLogger(__name__)


class Tee:
    """Every input to two logs: the --record file and the journal."""

    def __init__(self, *logs: InputLog) -> None:
        self.logs = logs

    def button(self, t: float, down: bool) -> None:
        for log in self.logs:
            log.button(t, down)

    def rsc(self, t: float, data: bytes) -> None:
        for log in self.logs:
            log.rsc(t, data)

    def footpod(self, t: float, state: str, **extra: object) -> None:
        for log in self.logs:
            log.footpod(t, state, **extra)

    def hrm(self, t: float, data: bytes) -> None:
        for log in self.logs:
            log.hrm(t, data)

    def strap(self, t: float, state: str, **extra: object) -> None:
        for log in self.logs:
            log.strap(t, state, **extra)

    def tick(self, t: float) -> None:
        for log in self.logs:
            log.tick(t)

    def end(self, t: float) -> None:
        for log in self.logs:
            log.end(t)


async def drive(run_recorder: RunRecorder, inputs: Inputs) -> None:
    """Feed queued inputs to the logger, ticking it at its deadlines, until a stop.

    Inputs already queued are handled before any deadline that lies after them, so a
    busy moment (a slow fsync) cannot turn a released press into a hold.
    """
    clock, queue = inputs.clock, inputs.queue
    while True:
        if queue.empty():
            deadline = run_recorder.next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - clock())
            try:
                item = await asyncio.wait_for(queue.get(), timeout)
            except TimeoutError:
                run_recorder.advance(clock())
                continue
        else:
            item = queue.get_nowait()
        kind, t = item[0], item[1]
        run_recorder.advance(t)
        if kind == "edge":
            run_recorder.on_edge(t, item[2])
        elif kind == "rsc":
            run_recorder.on_rsc(t, item[2])
        elif kind == "link":
            run_recorder.on_link(t, item[2], **item[3])
        elif kind == "hrm":
            run_recorder.on_hrm(t, item[2])
        elif kind == "strap":
            run_recorder.on_strap(t, item[2], **item[3])
        else:
            run_recorder.stop(t)
            return


def settings_from_config(config: Config) -> RecorderSettings:
    return RecorderSettings(
        hold_time_s=config.button.hold_time_s,
        inactivity_timeout_s=config.logger.inactivity_timeout_min * 60,
        cadence_convention=config.footpod.cadence,
        cadence_overrides=config.footpod.cadence_overrides,
        source="live",
        device=f"footnote {__version__} on {socket.gethostname()}",
    )


def build_indicator(config: Config, *, pin_factory=None) -> PinIndicator:
    from gpiozero import LED, Buzzer

    feedback = config.feedback
    led = LED(feedback.led_pin, pin_factory=pin_factory) if feedback.led else None
    buzzer = Buzzer(feedback.buzzer_pin, pin_factory=pin_factory) if feedback.buzzer else None
    return PinIndicator(led=led, buzzer=buzzer)


async def run_logger(
    config: Config,
    *,
    db_path: str | Path,
    record_path: str | Path | None = None,
    pin_factory=None,
    footpod: FootpodSource | None = None,
    strap: FootpodSource | None = None,
    clock: Clock = time.monotonic,
    on_ready: Callable[[Inputs, RunRecorder], None] | None = None,
) -> list[int]:
    """Run the logger until SIGINT/SIGTERM (or `inputs.stop()`); return the run ids.

    `footpod(inputs)` is the footpod client's coroutine (device.parts.footpod), `strap(inputs)`
    the heart-rate strap's (device.parts.strap); each runs as its own task and is
    cancelled at the end. `on_ready` is called once the button is live.

    The database is examined first (a damaged one is set aside) and waiting journals are
    replayed into it; when it cannot be written, at start or later, every input goes to
    the journal instead (device.durability.journal) and presses are still confirmed.
    """
    from gpiozero import Button

    loop = asyncio.get_running_loop()
    inputs = Inputs(loop, clock)
    started_at = datetime.now(UTC)
    synced = system_clock_synced()
    replay_writer = ReplayWriter(record_path, started_at=started_at, clock_synced=synced) if record_path else None
    settings = settings_from_config(config)
    journal = Journal(db_path, started_at=started_at, clock_synced=synced, settings=settings)
    store = open_logger_store(db_path, journal)
    indicator = JournalIndicator(build_indicator(config, pin_factory=pin_factory), store)
    button = Button(config.button.pin, pull_up=True, bounce_time=None, pin_factory=pin_factory)
    run_recorder = RunRecorder(
        store=store,
        indicator=indicator,
        t0=clock(),
        started_at=started_at,
        clock_synced=synced,
        settings=settings,
        replay_writer=Tee(replay_writer, journal) if replay_writer else journal,
    )
    attach_button(button, inputs.edge)
    run_recorder.start()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, inputs.stop)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread (tests): stop through inputs.stop()
    sensor_tasks = [asyncio.create_task(source(inputs)) for source in (footpod, strap) if source]
    if on_ready:
        on_ready(inputs, run_recorder)
    logger.info("logger ready: press the button to mark numbness")
    try:
        await drive(run_recorder, inputs)
    finally:
        for task in sensor_tasks:
            task.cancel()
        await asyncio.gather(*sensor_tasks, return_exceptions=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.remove_signal_handler(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
        button.close()
        indicator.close()
        settle_at_stop(store, journal)
        if replay_writer:
            replay_writer.close()
    return run_recorder.run_ids

"""Replay a record file through the live code path, much faster than real time.

Button edges drive a gpiozero MockFactory pin wired to a real gpiozero Button; footpod
and strap bytes and link events go to the same RunRecorder methods the BLE clients feed. Time is the
file's `t`: before each input the recorder is ticked through every deadline (hold
threshold, sample flush, inactivity) that falls before it, at the deadline's own time.
"""

from __future__ import annotations

from pathlib import Path

from gpiozero import Button
from gpiozero.pins.mock import MockFactory

from footnote.device.errors import ReplayFormatError
from footnote.device.logger.record_file import read_replay
from footnote.device.logger.recorder import RecorderSettings, RunRecorder
from footnote.device.parts.button import attach_button
from footnote.device.parts.feedback import SilentIndicator
from footnote.device.parts.protocols import Indicator, RunStore

REPLAY_BUTTON_PIN = 17


def replay_file(
    path: str | Path,
    *,
    store: RunStore,
    indicator: Indicator | None = None,
    settings: RecorderSettings | None = None,
    start_run: bool = True,
) -> list[int]:
    """Replay one file into `store`; return the ids of the runs it created.

    `start_run=False` opens no run at the file's start (a journal that begins between
    runs, device.durability.journal): the first press or movement opens one, as it did live.

    A bad line raises ReplayFormatError naming its line number, after everything before
    it has been stored and the open run closed at the last good input.
    """
    path = Path(path)
    settings = settings or RecorderSettings(source=f"replay:{path.name}")
    with open(path, encoding="utf-8") as stream:
        header, inputs = read_replay(stream)
        factory = MockFactory()
        button = Button(REPLAY_BUTTON_PIN, pull_up=True, bounce_time=None, pin_factory=factory)
        pin = factory.pin(REPLAY_BUTTON_PIN)
        clock = [0.0]
        run_recorder = RunRecorder(
            store=store,
            indicator=indicator or SilentIndicator(),
            t0=0.0,
            started_at=header.started_at,
            clock_synced=header.clock_synced,
            settings=settings,
        )
        attach_button(button, lambda down: run_recorder.on_edge(clock[0], down))
        if start_run:
            run_recorder.start()
        try:
            for item in inputs:
                run_recorder.advance(item.t)
                clock[0] = item.t
                if item.kind == "button":
                    pin.drive_low() if item.value else pin.drive_high()
                elif item.kind == "rsc" and isinstance(item.value, bytes):
                    run_recorder.on_rsc(item.t, item.value)
                elif item.kind == "hrm" and isinstance(item.value, bytes):
                    run_recorder.on_hrm(item.t, item.value)
                elif item.kind == "footpod":
                    run_recorder.on_link(item.t, str(item.value), **item.extra)
                elif item.kind == "strap":
                    run_recorder.on_strap(item.t, str(item.value), **item.extra)
                elif item.kind == "tick":
                    continue  # the advance above was its whole meaning
                else:
                    run_recorder.stop(item.t)
                    break
            else:
                run_recorder.stop(clock[0], reason="end_of_replay")
        except ReplayFormatError:
            run_recorder.stop(clock[0], reason="end_of_replay")
            raise
        finally:
            store.flush_samples()
            button.close()
            factory.close()
    return run_recorder.run_ids

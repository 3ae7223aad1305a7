"""The parts footnote's logger is built from, as Protocols: what each must do, so a test,
the replay driver or the fallback when the database is unusable can stand in for the
real one. The real parts: `feedback.PinIndicator` (LED/buzzer), `device.db.store.Store` (SQLite),
`footpod.FootpodClient.run` (bleak), `time.monotonic`, and a gpiozero `Button`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from footnote.device.db.rows import HeartRateRow, SampleRow

Clock = Callable[[], float]
"""Seconds on a monotonic clock (time.monotonic); the replay driver uses the file's `t`."""

FootpodSource = Callable[["Inputs"], Coroutine[Any, Any, None]]
"""A coroutine that streams one sensor (the footpod, the strap) into the logger's Inputs
until cancelled (device.parts.sensor.SensorClient.run)."""


class Indicator(Protocol):
    """What the runner sees or hears after an input: `kind` is onset, worse, relief or
    error (feedback.PATTERNS); shown only once the event is durable."""

    def show(self, kind: str, *, event_id: int | None = None) -> None: ...

    def close(self) -> None: ...


class InputLog(Protocol):
    """Where RunRecorder writes every raw input it receives, in the record/replay format
    (`recording.ReplayWriter` for --record, `journal.Journal` beside the database).
    `t` is seconds since the logger started."""

    def button(self, t: float, down: bool) -> None: ...

    def rsc(self, t: float, data: bytes) -> None: ...

    def footpod(self, t: float, state: str, **extra: object) -> None: ...

    def hrm(self, t: float, data: bytes) -> None: ...

    def strap(self, t: float, state: str, **extra: object) -> None: ...

    def tick(self, t: float) -> None: ...

    def end(self, t: float) -> None: ...


class ButtonEvents(Protocol):
    """A push button that calls back on its edges (gpiozero's Button)."""

    when_pressed: Callable[[], None] | None
    when_released: Callable[[], None] | None


class RunStore(Protocol):
    """Where RunRecorder writes runs, events and samples. Every method that stores a symptom
    event returns only once it is durable; any failure raises StoreError. Buffered samples
    are committed by flush_samples and made to survive a power cut, more cheaply if the
    store can, by sync_samples (see recorder.JOURNAL_SYNC_S)."""

    def open_run(
        self, *, started_at: datetime, clock_synced: bool, source: str, device: str, cadence_convention: str
    ) -> int: ...

    def close_run(self, run_id: int, *, t_s: float, reason: str) -> bool:
        """End the run at t_s; an episode still open is stored as unresolved at run end
        (device.db.store.close_open_episode). True when there was one."""
        ...

    def add_symptom_event(
        self, run_id: int, *, t_s: float, kind: str, episode: int | None, severity: int | None
    ) -> int: ...

    def add_link_event(self, run_id: int, *, t_s: float, state: str, address: str | None) -> None: ...

    def add_rejected_packet(self, run_id: int, *, t_s: float, raw: bytes, error: str) -> None: ...

    def set_footpod(
        self,
        run_id: int,
        *,
        address: str | None,
        name: str | None,
        feature: int | None,
        location: int | None,
        cadence_convention: str,
    ) -> None: ...

    def buffer_sample(self, row: SampleRow) -> None: ...

    def buffer_heart_rate(self, row: HeartRateRow) -> None: ...

    def add_strap_link_event(self, run_id: int, *, t_s: float, state: str, address: str | None) -> None: ...

    def set_strap(self, run_id: int, *, address: str | None, name: str | None, location: int | None) -> None: ...

    def flush_samples(self) -> None: ...

    def sync_samples(self) -> None: ...

    def close_interrupted_runs(self) -> list[int]: ...


class Inputs:
    """The queue every input goes through. `put_*` may be called from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, clock: Callable[[], float]) -> None:
        self.loop = loop
        self.clock = clock
        self.queue: asyncio.Queue[tuple] = asyncio.Queue()

    def _put(self, item: tuple) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, item)

    def edge(self, down: bool) -> None:
        self._put(("edge", self.clock(), down))

    def rsc(self, t: float, data: bytes) -> None:
        self._put(("rsc", t, data))

    def link(self, state: str, **info: object) -> None:
        self._put(("link", self.clock(), state, info))

    def hrm(self, t: float, data: bytes) -> None:
        self._put(("hrm", t, data))

    def strap(self, state: str, **info: object) -> None:
        self._put(("strap", self.clock(), state, info))

    def stop(self) -> None:
        self._put(("stop", self.clock()))

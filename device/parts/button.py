"""The one push button: raw edges in, "press" and "hold" out.

gpiozero's Button delivers the edges; the timing is ours. A level only counts once it has
stayed put for GLITCH_S (anything shorter is contact bounce or a glitch, never an event),
and the hold threshold is measured on footnote's own clock rather than gpiozero's
`when_held` thread, so a replay at thousands of times real speed makes the same
decisions as the live button.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from footnote.device.config import HOLD_TIME_S

if TYPE_CHECKING:
    from footnote.device.parts.protocols import ButtonEvents

GLITCH_S = 0.05


@dataclass(frozen=True, slots=True)
class Gesture:
    kind: str  # "press" (released before hold_time) or "hold" (reached hold_time)
    t: float  # clock time the button went down


class PressDetector:
    """Debounces edges and classifies presses. Pure: time comes in as arguments.

    Callers feed edges with `edge(t, down)` and call `tick(now)` at `next_deadline()`;
    both return the gestures decided by then. A press is decided GLITCH_S after release,
    a hold the moment the button has been down for hold_time_s.
    """

    def __init__(self, *, hold_time_s: float = HOLD_TIME_S, glitch_s: float = GLITCH_S) -> None:
        self.hold_time_s = hold_time_s
        self.glitch_s = glitch_s
        self._raw_down = False
        self._raw_t = 0.0
        self._stable_down = False
        self._down_t = 0.0
        self._hold_fired = False

    def edge(self, t: float, down: bool) -> list[Gesture]:
        gestures = self.tick(t)
        if down != self._raw_down:
            self._raw_down = down
            self._raw_t = t
        return gestures

    def next_deadline(self) -> float | None:
        if self._raw_down != self._stable_down:
            return self._raw_t + self.glitch_s
        if self._stable_down and not self._hold_fired:
            return self._down_t + self.hold_time_s
        return None

    def tick(self, now: float) -> list[Gesture]:
        gestures: list[Gesture] = []
        if self._raw_down != self._stable_down and now >= self._raw_t + self.glitch_s:
            self._stable_down = self._raw_down
            if self._stable_down:
                self._down_t = self._raw_t
                self._hold_fired = False
            elif not self._hold_fired:
                held_s = self._raw_t - self._down_t
                kind = "hold" if held_s >= self.hold_time_s else "press"
                gestures.append(Gesture(kind, self._down_t))
        if self._stable_down and self._raw_down and not self._hold_fired and now >= self._down_t + self.hold_time_s:
            self._hold_fired = True
            gestures.append(Gesture("hold", self._down_t))
        return gestures


def attach_button(button: ButtonEvents, on_edge: Callable[[bool], None]) -> None:
    """Route a gpiozero Button's edges to on_edge(down). The callbacks run on gpiozero's
    thread (on mock pins: the thread driving the pin), so on_edge must be thread-safe."""
    button.when_pressed = lambda: on_edge(True)
    button.when_released = lambda: on_edge(False)

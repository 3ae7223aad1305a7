"""What the runner feels or hears after each press: LED blinks and/or buzzer beeps.

onset  = 1 blink          worse = 2 blinks
relief = 1 long blink     error = 3 fast blinks
journaled = 3 long blinks, once: recorded, but in the journal, not the database
"""

from __future__ import annotations

import sys
from typing import TextIO

# kind -> (on seconds, off seconds, count)
PATTERNS: dict[str, tuple[float, float, int]] = {
    "onset": (0.3, 0.2, 1),
    "worse": (0.2, 0.2, 2),
    "relief": (1.0, 0.2, 1),
    "error": (0.08, 0.08, 3),
    "journaled": (0.6, 0.25, 3),
}


class PinIndicator:
    """Shows a pattern on a gpiozero LED and/or Buzzer (either may be None)."""

    def __init__(self, *, led=None, buzzer=None) -> None:
        self.led = led
        self.buzzer = buzzer

    def show(self, kind: str, *, event_id: int | None = None) -> None:
        on_s, off_s, count = PATTERNS[kind]
        if self.led is not None:
            self.led.blink(on_time=on_s, off_time=off_s, n=count, background=True)
        if self.buzzer is not None:
            self.buzzer.beep(on_time=on_s, off_time=off_s, n=count, background=True)

    def close(self) -> None:
        for device in (self.led, self.buzzer):
            if device is not None:
                device.close()


class EchoIndicator:
    """Feedback for a replay: one line per pattern, flushed at once, so a test (or a
    person) watching the replay knows exactly which events were confirmed."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def show(self, kind: str, *, event_id: int | None = None) -> None:
        self.stream.write(f"feedback {kind} event={event_id}\n")
        self.stream.flush()

    def close(self) -> None:
        pass


class SilentIndicator:
    def show(self, kind: str, *, event_id: int | None = None) -> None:
        pass

    def close(self) -> None:
        pass

"""Write a run as a story and get the record file a logger would have written.

    story = Story(started_at="2026-11-20T07:00:00Z")
    story.connect()
    story.run(minutes=12)          # 3 m/s, 170 steps/min
    story.press()                  # numbness starts
    story.stand(minutes=3)
    story.hold()                   # ... and is gone
    story.end()
    story.write("run.jsonl")

Used for the bundled demo runs, the test scenarios and the benchmarks. `Pod` says how the
simulated footpod behaves: its rate, which fields it sends, strides or steps, and what it
does when the runner stands still (zeros, repeats its last packet, or goes silent).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from footnote.device.rules.rsc import encode_rsc_measurement


@dataclass(frozen=True)
class Pod:
    rate_hz: float = 1.0
    stride: bool = True
    distance: bool = True
    strides_per_min: bool = False  # send cadence per foot, as the spec says
    when_still: str = "zeros"  # zeros | repeat | silent
    alternate_flags: bool = False  # stride length and distance in alternate packets
    address: str = "C0:FF:EE:00:00:01"
    name: str = "Footpod"
    jitter: float = 0.1  # irregular arrival, as real pods


class Story:
    def __init__(
        self, *, started_at: str = "2026-11-20T07:00:00Z", pod: Pod = Pod(), seed: int = 1, clock_synced: bool = True
    ) -> None:
        self.started_at = started_at
        self.clock_synced = clock_synced
        self.pod = pod
        self.t = 0.0
        self.pod_distance_m = 0.0
        self.linked = False
        self.lines: list[tuple[float, int, dict]] = []
        self._seq = 0
        self._rng = random.Random(seed)
        self._last_packet: bytes | None = None
        self._n_packets = 0

    def _add(self, t: float, obj: dict) -> None:
        self._seq += 1
        self.lines.append((round(t, 3), self._seq, obj))

    # -- the footpod link --------------------------------------------------------------
    def connect(self) -> Story:
        self.linked = True
        self._add(
            self.t,
            {
                "footpod": "connected",
                "address": self.pod.address,
                "name": self.pod.name,
                "feature": 0x07,
                "location": 1,
            },
        )
        return self

    def disconnect(self) -> Story:
        self.linked = False
        self._add(self.t, {"footpod": "disconnected"})
        return self

    def pod_restarts(self) -> Story:
        """The pod's own total distance starts again from zero (as some do on reconnect)."""
        self.pod_distance_m = 0.0
        return self

    # -- movement ----------------------------------------------------------------------
    def _packet(self, speed_mps: float, cadence_spm: float) -> bytes:
        pod = self.pod
        cadence = cadence_spm / 2 if pod.strides_per_min else cadence_spm
        stride = pod.stride and (not pod.alternate_flags or self._n_packets % 2 == 0)
        dist = pod.distance and (not pod.alternate_flags or self._n_packets % 2 == 1)
        self._n_packets += 1
        stride_m = speed_mps * 60 / cadence_spm * 2 if cadence_spm else 0.0
        return encode_rsc_measurement(
            speed_mps,
            round(cadence),
            running=speed_mps > 2.0,
            stride_m=min(stride_m, 600.0) if stride else None,
            total_distance_m=self.pod_distance_m if dist else None,
        )

    def _move(self, seconds: float, speed_mps: float, cadence_spm: float) -> Story:
        end = self.t + seconds
        step = 1.0 / self.pod.rate_hz
        still = speed_mps == 0
        while self.t < end - 1e-9:
            dt = min(step * (1 + self._rng.uniform(-self.pod.jitter, self.pod.jitter)), end - self.t)
            self.t += dt
            self.pod_distance_m += speed_mps * dt
            if not self.linked:
                continue
            if still and self.pod.when_still == "silent":
                continue
            repeat = still and self.pod.when_still == "repeat" and self._last_packet is not None
            packet = (
                self._last_packet if repeat and self._last_packet is not None else self._packet(speed_mps, cadence_spm)
            )
            self._last_packet = packet
            self._add(self.t, {"rsc": packet.hex()})
        return self

    def run(self, *, minutes: float = 0, seconds: float = 0, speed_mps: float = 3.0, cadence_spm: float = 170) -> Story:
        return self._move(minutes * 60 + seconds, speed_mps, cadence_spm)

    def walk(
        self, *, minutes: float = 0, seconds: float = 0, speed_mps: float = 1.3, cadence_spm: float = 110
    ) -> Story:
        return self._move(minutes * 60 + seconds, speed_mps, cadence_spm)

    def stand(self, *, minutes: float = 0, seconds: float = 0) -> Story:
        return self._move(minutes * 60 + seconds, 0.0, 0)

    def gap(self, *, minutes: float = 0, seconds: float = 0, speed_mps: float = 0.0, cadence_spm: float = 0) -> Story:
        """The link is down for this long while the runner does whatever the speed says."""
        self.disconnect()
        self._move(minutes * 60 + seconds, speed_mps, cadence_spm)
        return self.connect()

    # -- the button --------------------------------------------------------------------
    def press(self, *, held_s: float = 0.3) -> Story:
        """A short press (numbness started, or got worse) at the current moment."""
        self._add(self.t, {"button": "down"})
        self._add(self.t + held_s, {"button": "up"})
        return self

    def hold(self, *, held_s: float = 2.0) -> Story:
        """Held past the hold time: numbness gone."""
        return self.press(held_s=held_s)

    def chatter(self, *, edges: int = 6, spacing_s: float = 0.003) -> Story:
        """Contact bounce: rapid down/up pairs that must never become an event."""
        for i in range(edges):
            self._add(self.t + i * spacing_s, {"button": "down" if i % 2 == 0 else "up"})
        self._add(self.t + edges * spacing_s, {"button": "up"})
        return self

    def end(self) -> Story:
        """The logger stops, a second after the last thing in the story."""
        last = max((t for t, _, _ in self.lines), default=0.0)
        self._add(max(self.t, last) + 1.0, {"end": True})
        return self

    # -- output ------------------------------------------------------------------------
    def text(self) -> str:
        header = {"footnote_replay": 1, "started_at": self.started_at}
        if not self.clock_synced:
            header["clock_synced"] = False
        out = [json.dumps(header)]
        for t, _, obj in sorted(self.lines, key=lambda line: (line[0], line[1])):
            out.append(json.dumps({"t": t, **obj}, separators=(",", ":")))
        return "\n".join(out) + "\n"

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.text(), encoding="utf-8")
        return path

"""Steps or strides: the one rule that says what a pod's cadence counts.

The RSC spec counts strides (one foot) per minute; many pods send steps (both feet).
While walking both readings are plausible (55 strides or 110 steps), while running they
are not: running faster than STRIDES_SPEED_MPS with a cadence under STRIDES_MAX_CADENCE
means strides. The rule, applied packet by packet in arrival order:

- Only running packets are evidence. Each stands for the running time since the packet
  before it (at most CADENCE_STEP_MAX_S; the first of a run for CADENCE_FIRST_PACKET_S) and says "strides" (cadence under the limit) or
  "steps". Packets with no cadence (0) say nothing.
- Until CADENCE_SUSTAINED_S of running has been seen the unit is provisional: what most of
  the running so far said (steps while there is none, or on a tie).
- Once CADENCE_SUSTAINED_S of running has been seen the unit is decided by what most of it
  said. One packet never decides: a pod restarting after a stop sends its speed before its
  cadence catches up (a real SDM4: 2.47 m/s with 90 steps/min), which is outvoted.
- A decided unit changes only when at least CADENCE_TURN_SHARE of the latest
  CADENCE_SUSTAINED_S of running says the other unit (the evidence turned: another pod,
  or a convention changed).
- "steps" or "strides" in the config (or a per-pod override) replaces the rule.

The logger (device.rules.motion.Odometer) applies it live to store cadence_spm; the analysis
(server.analysis.cadence) runs the same rule over the stored raw cadences, so both read every
packet the same way. Pure and small: no clock, no IO.
"""

from __future__ import annotations

from collections import deque
from enum import StrEnum

from footnote.device.rules.thresholds import (
    CADENCE_FIRST_PACKET_S,
    CADENCE_STEP_MAX_S,
    CADENCE_SUSTAINED_S,
    CADENCE_TURN_SHARE,
    STRIDES_MAX_CADENCE,
    STRIDES_SPEED_MPS,
)


class CadenceUnit(StrEnum):
    """What a pod's cadence counts: steps (both feet) or strides (one foot, as the RSC spec says)."""

    STEPS = "steps"
    STRIDES = "strides"


STEPS, STRIDES = CadenceUnit.STEPS, CadenceUnit.STRIDES
CADENCE_CONVENTIONS = ("auto", STEPS, STRIDES)


class CadenceRule:
    """The unit of one run's cadence, fed one packet at a time (see the module docstring)."""

    def __init__(self, convention: str = "auto") -> None:
        self.running_s = 0.0  # running evidence seen, seconds
        self.strides_s = 0.0  # of which said strides
        self.decided_at_s: float | None = None
        self.changes: list[tuple[float, str]] = []  # (t_s, unit) each time the unit changed (it starts as steps)
        self._histogram = [0] * 256  # raw running cadences, for the median (bounded memory)
        self._recent: deque[tuple[float, bool]] = deque()  # (seconds, says strides), latest running
        self._recent_s = 0.0
        self._recent_strides_s = 0.0
        self._last_t_s: float | None = None
        self.unit: CadenceUnit = STEPS
        self.set_convention(convention)

    def set_convention(self, convention: str) -> None:
        """auto (the rule), or steps / strides (the config says; the rule is not used)."""
        if convention not in CADENCE_CONVENTIONS:
            raise ValueError(f"cadence convention must be one of {CADENCE_CONVENTIONS}")
        self.convention = convention
        if convention != "auto":
            self.unit = CadenceUnit(convention)

    @property
    def decided(self) -> bool:
        return self.decided_at_s is not None

    def median_running_cadence(self) -> float | None:
        """The median raw cadence of the running evidence, as the pod sent it."""
        total = sum(self._histogram)
        if not total:
            return None
        seen = 0
        for value, count in enumerate(self._histogram):
            seen += count
            if seen * 2 >= total:
                return float(value)
        return None  # not reached

    def add(self, t_s: float, speed_mps: float, cadence_raw: int) -> str:
        """Take one packet's evidence; return the unit to read this packet's cadence in."""
        last_t_s, self._last_t_s = self._last_t_s, t_s
        if not (speed_mps > STRIDES_SPEED_MPS and cadence_raw > 0):
            return self.unit  # no evidence: nothing to decide or re-decide
        step_s = CADENCE_FIRST_PACKET_S if last_t_s is None else min(max(t_s - last_t_s, 0.0), CADENCE_STEP_MAX_S)
        self._evidence(step_s, cadence_raw < STRIDES_MAX_CADENCE, cadence_raw)
        if self.convention != "auto":
            return self.unit
        if not self.decided:
            unit = STRIDES if self.strides_s * 2 > self.running_s else STEPS
            if self.running_s >= CADENCE_SUSTAINED_S:
                self.decided_at_s = t_s
        else:
            other = STEPS if self.unit == STRIDES else STRIDES
            other_s = self._recent_strides_s if other == STRIDES else self._recent_s - self._recent_strides_s
            full = self._recent_s >= CADENCE_SUSTAINED_S - 1e-9
            unit = other if full and other_s >= CADENCE_TURN_SHARE * self._recent_s else self.unit
        if unit != self.unit:
            self.changes.append((t_s, unit))
            self.unit = unit
        return self.unit

    def _evidence(self, step_s: float, strides: bool, cadence_raw: int) -> None:
        self._histogram[min(cadence_raw, 255)] += 1
        if step_s <= 0:
            return
        self.running_s += step_s
        self.strides_s += step_s if strides else 0.0
        self._recent.append((step_s, strides))
        self._recent_s += step_s
        self._recent_strides_s += step_s if strides else 0.0
        while self._recent and self._recent_s - self._recent[0][0] >= CADENCE_SUSTAINED_S:
            old_s, old_strides = self._recent.popleft()
            self._recent_s -= old_s
            self._recent_strides_s -= old_s if old_strides else 0.0

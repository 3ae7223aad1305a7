"""Turn decoded footpod packets into run values: steps/min, a distance that never goes
backwards, and whether the runner is moving.

The rules, stated once:
- Cadence: steps or strides is decided by footnote.device.rules.steps_or_strides (the one rule, shared
  with the analysis): on sustained running, never on one packet. A strides/min cadence
  is doubled to steps/min, walking included. "strides" or "steps" in the config
  overrides the rule for a given pod.
- Distance: the pod's total distance, rebased so the run starts at 0 and so a pod that
  restarts from zero (after a reconnect) continues where the run was. Packets without a
  distance field add speed x time since the previous packet, with the time step capped
  at MAX_INTEGRATION_STEP_S so a silence is never integrated as running. The run
  distance is never allowed to go backwards.
- Moving: speed above WALKING_FLOOR_MPS or cadence above WALKING_FLOOR_SPM (walking counts
  as moving; only standing still is rest).
"""

from __future__ import annotations

from dataclasses import dataclass

from footnote.device.rules.rsc import RscMeasurement
from footnote.device.rules.steps_or_strides import CADENCE_CONVENTIONS, STRIDES, CadenceRule
from footnote.device.rules.thresholds import WALKING_FLOOR_MPS, WALKING_FLOOR_SPM

__all__ = ["CADENCE_CONVENTIONS", "WALKING_FLOOR_MPS", "WALKING_FLOOR_SPM", "Odometer", "RunValues", "is_moving"]

MAX_INTEGRATION_STEP_S = 2.5
# A pod reset: the reported total went back by more than this.
DISTANCE_RESET_M = 1.0


def is_moving(speed_mps: float | None, cadence_spm: float | None) -> bool:
    """The walking floor: moving when either speed or cadence is above it."""
    return (speed_mps or 0) > WALKING_FLOOR_MPS or (cadence_spm or 0) > WALKING_FLOOR_SPM


@dataclass(frozen=True, slots=True)
class RunValues:
    cadence_spm: float
    distance_m: float


class Odometer:
    """Per-run state that turns a stream of RscMeasurements into RunValues."""

    def __init__(self, *, cadence_convention: str = "auto") -> None:
        self.cadence = CadenceRule(cadence_convention)
        self.cadence_convention = cadence_convention
        self.distance_m = 0.0
        self._base_m: float | None = None
        self._last_raw_m: float | None = None
        self._last_t_s: float | None = None

    def set_convention(self, cadence_convention: str) -> None:
        """Switch convention (a per-pod override learnt on connect); distance is kept."""
        self.cadence.set_convention(cadence_convention)
        self.cadence_convention = cadence_convention

    @property
    def strides_detected(self) -> bool:
        """The pod's cadence is read as strides/min now."""
        return self.cadence.unit == STRIDES

    def link_lost(self) -> None:
        """Forget the last arrival time: the gap must not be integrated as movement."""
        self._last_t_s = None

    def update(self, t_s: float, m: RscMeasurement) -> RunValues:
        unit = self.cadence.add(t_s, m.speed_mps, m.cadence_per_min)
        cadence_spm = float(m.cadence_per_min * (2 if unit == STRIDES else 1))
        return RunValues(cadence_spm=cadence_spm, distance_m=self._distance(t_s, m))

    def _distance(self, t_s: float, m: RscMeasurement) -> float:
        step_s = 0.0 if self._last_t_s is None else min(t_s - self._last_t_s, MAX_INTEGRATION_STEP_S)
        self._last_t_s = t_s
        raw = m.total_distance_m
        if raw is None:
            self.distance_m += m.speed_mps * max(step_s, 0.0)
            return self.distance_m
        if self._base_m is None or (self._last_raw_m is not None and raw < self._last_raw_m - DISTANCE_RESET_M):
            # First total of the run, or the pod restarted: continue from where we are.
            self._base_m = self.distance_m - raw
        self._last_raw_m = raw
        self.distance_m = max(self.distance_m, raw + self._base_m)
        return self.distance_m

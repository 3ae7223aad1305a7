"""The thresholds the Pi side's rules need (device.rules.motion, device.rules.steps_or_strides),
with where each comes from and why. The analysis takes them from here too
(server.analysis.thresholds re-exports them beside its own), so the logger and the
analysis can never disagree on a number.
"""

# -- The walking floor ----------------------------------------------------------------------
WALKING_FLOOR_MPS = 0.5
"""Slow walking is about 0.8 m/s: anything faster than this is moving (walking counts as
moving; only standing still is rest). Also the ground truth's standstill limit."""
WALKING_FLOOR_SPM = 40
"""Slow walking is about 80 steps/min: a cadence above this is moving."""

# -- Cadence: steps or strides (device.rules.steps_or_strides) ---------------------------------------------
STRIDES_SPEED_MPS = 1.7
"""Running evidence for the cadence unit: packets faster than this. Walking cadence fits
both units (55 strides or 110 steps), running cadence does not."""
STRIDES_MAX_CADENCE = 120
"""While running, a cadence under this is strides/min (80-95 is normal strides; 160-190
steps): a pod sending it counts strides, as the RSC spec says."""
CADENCE_SUSTAINED_S = 60.0
"""The unit is decided once this much running has been seen, by what most of it said;
and it changes only when this much of the latest running says the other unit (by
CADENCE_TURN_SHARE). One packet never decides: a pod restarting sends its speed before
its cadence catches up (2.5 m/s with 90 steps/min on a real SDM4)."""
CADENCE_TURN_SHARE = 2 / 3
"""The share of the latest CADENCE_SUSTAINED_S of running that must say the other unit
before a decided unit changes (a pod swapped mid-run, a convention changed)."""
CADENCE_STEP_MAX_S = 5.0
"""One packet stands for the running time since the previous one, at most this long (a
5-s recording interval counts in full; a gap does not count as running)."""
CADENCE_FIRST_PACKET_S = 1.0
"""The first packet of a run stands for this much running (pods notify about once a
second), so a run that starts running reads its first cadence in the right unit."""

# -- Heart rate (device.rules.hrm) -----------------------------------------------------------
HR_MIN_BPM = 25
"""Below this a strap's value is not a heart rate: straps that cannot report their skin
contact send 0 while off the skin, and a runner's heart does not beat this slowly (the
slowest resting rates recorded in athletes are in the high 20s)."""
HR_MAX_BPM = 250
"""Above this a value is not a runner's heart rate (the age-predicted maximum is about
220 minus age); the uint16 format allows 65,535."""

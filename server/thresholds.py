"""Every threshold the analysis uses, in one place, with where it comes from.

Sources (see ../shared/DOMAIN.md):
- Rose/WHO and Edinburgh Claudication Questionnaires: claudication pain is brought on by
  exertion, never begins at rest, and is gone within 10 minutes of standing still.
- Claudication typically eases 2-5 minutes after stopping; relief the very moment the
  runner stops is atypical for it.
- Treadmill studies: within one person the onset (initial claudication) distance varies
  by about 15 % (coefficient of variation) from test to test; more outdoors.
- Lacing pressure on the superficial peroneal nerve: builds up during the run, short
  stops do not clear it; it clears once the shoe is loosened.
"""

from footnote.device.motion import WALKING_FLOOR_MPS, WALKING_FLOOR_SPM  # noqa: F401  (the walking floor)

# Movement state
STALE_S = 3.0
"""A live link with no packet for this long means the pod has gone quiet: some pods stop
notifying when the runner stands still, so silence on a live link is rest."""
MIN_SEGMENT_S = 3.0
"""A moving or rest stretch shorter than this between two stretches of the other state
is a blip (a single zero packet, a shuffle at a light) and takes its neighbours' state.
Unknown stretches are never smoothed away."""

# Episode labels
STANDSTILL_NOT_CLEARING_S = 2 * 60
"""Worsening: the runner stood still this long and moved on still numb."""
RELIEF_WITHIN_REST_S = 10 * 60
"""Rose/WHO, Edinburgh: claudication is gone within 10 minutes of standing still."""
MOVING_WITH_IT_S = 10 * 60
"""Worsening: kept moving with it this long before the standstill that relieved it."""
IMMEDIATE_RELIEF_S = 15.0
"""Relief within this long of stopping is noted as atypical for claudication."""

# Across runs
TYPICAL_ONSET_CV = 0.15
"""Within-person coefficient of variation of the onset distance on a treadmill."""
REPRODUCIBLE_ONSET_CV = 0.25
"""Outdoors varies more than a treadmill: up to this CV the onset counts as reproducible."""
MIN_RUNS_FOR_TREND = 3
MIN_DAYS_FOR_TREND = 7

# The shoe and lacing experiment (server.experiment)
MIN_RUNS_PER_SETUP = 4
"""Fewer runs than this in a setup (or in the others) and no difference is tested. Why 4:
with n runs in each of two setups, the most lopsided result possible (numbness on every
run in one, on none in the other) has a two-sided Fisher exact p of 2 / C(2n, n): 0.33 for
2 runs each, 0.10 for 3, 0.029 for 4. Below 4 runs even a perfect remedy could not be
told from chance at the 5 % level, so the page says "not enough runs yet"."""
SIGNIFICANCE = 0.05
"""The conventional 5 % level: a difference with p below this is "unlikely to be chance
alone"; above it, "could be chance". Counts and p are always shown."""

"""Every threshold the analysis uses, in one place, with where it comes from and why.

A pure constants module. The walking floor and the steps-or-strides thresholds, which the
logger applies too, are defined in footnote.device.rules.thresholds and re-exported here, so
the logger and the analysis can never disagree on a number. Sentences that quote a threshold (footnote.server.words.sentences)
take it from here.

Sources:
- Rose/WHO and Edinburgh Claudication Questionnaires: claudication pain is brought on by
  exertion, never begins at rest, and is gone within 10 minutes of standing still.
- Claudication typically eases 2-5 minutes after stopping; relief the very moment the
  runner stops is atypical for it.
- Treadmill studies: within one person the onset (initial claudication) distance varies
  by about 15 % (coefficient of variation) from test to test; more outdoors.
- Lacing pressure on the superficial peroneal nerve: builds up during the run, short
  stops do not clear it; it clears once the shoe is loosened.
- Real recordings (tests/data, see its README): pods refresh their total distance every
  1-2 s while notifying every second; a Pi's shared Wi-Fi/Bluetooth radio and "smart
  recording" watches leave 4-8 s gaps between packets while running; GPS and foot pods
  drift by up to ~0.3 m/s while the runner stands; a standstill holds shuffles of a few
  metres; a pod restarting after a stop sends its speed before its cadence catches up.
"""

# The logger's thresholds, re-exported: each number is defined once, in device.rules.thresholds.
from footnote.device.rules.thresholds import (  # noqa: F401
    CADENCE_FIRST_PACKET_S,
    CADENCE_STEP_MAX_S,
    CADENCE_SUSTAINED_S,
    CADENCE_TURN_SHARE,
    STRIDES_MAX_CADENCE,
    STRIDES_SPEED_MPS,
    WALKING_FLOOR_MPS,
    WALKING_FLOOR_SPM,
)

SLOW_WALK_MPS = 0.8
"""Slow walking itself (the tests' "plain movement" is this pace over the 5 s before and
after a moment). Between WALKING_FLOOR_MPS and this, a pod's distance may be creeping (GPS
drift, a late refresh) as well as walking, so there the pod's own speed and cadence must
agree before it counts as moving."""

# -- Movement state (server.analysis.movement) ---------------------------------------------------------
MOVING_MIN_MPS = WALKING_FLOOR_MPS
"""The pod's own total distance advancing at this rate or more is moving, whatever the
packets' speed and cadence say; advancing slower is standing still (GPS and foot-pod drift
while standing is 0.05-0.3 m/s on the real recordings)."""
DISTANCE_WINDOW_S = 4.0
"""The distance advance is measured over at least this window, centred on the moment
judged (the ground truth uses +/- 2 s too). Twice the slowest distance refresh seen on real
pods (2 s), so a pod that repeats its total between refreshes never reads as
moving/rest/moving/rest."""
STALE_S = 3.0
"""A packet's evidence holds this long into a silence that nothing later explains (the
link came up and nothing arrived yet; the pod stopped notifying and the run ended): after
that, silence on a live link is rest, because some pods stop notifying when still."""
GAP_BRIDGE_MAX_S = 10.0
"""For pods that send no distance: a silence between packets that both say moving is
bridged as moving when it is no longer than this (the Pi's shared radio and smart-recording
watches leave 4-8 s gaps while running). A longer silence on a live link is rest after
STALE_S: with no distance to say otherwise, a pod quiet that long has most likely stopped
notifying because the runner stopped (the ground truth's shortest standstill is 20 s)."""
DECAY_WINDOW_S = 6.0
"""For pods that send no distance: the packets of this last stretch before a silence show
whether the speed was decaying into a stop."""
DECAY_RATIO = 0.5
"""Decaying into a stop: speeds that never rise over DECAY_WINDOW_S and end at this
fraction of where they started, or lower. A silence after such packets is rest at once."""
STALL_MAX_S = 15.0
"""A pod's total distance that stops advancing while its own speed still says moving is
a stalled distance, not a stop, when the stand lasts at most this long: GPS and
smart-recording watches hold their distance for 3-12 s when a fix drops, at an auto-pause
edge, or when the total is refreshed in steps (issue 23, from other people's recordings;
the FR965 in tests/data stalls for 3-5 s at 2-3 m/s), plus STALE_S of slack for a stand
measured across a blip of advance or a late packet. A longer stand is a stop, whatever the
speed says: a pod repeating its last speed while the runner stands (some do),
or a speed that lags the distance into a stop. The ground truth's shortest standstill is
20 s, above this."""
DISTANCE_LAG_MAX_S = 2.0
"""The other way round: when the speed has decayed below the walking floor and the cadence
has stopped, the runner has stopped even if the pod's total distance still counts for up
to this long (pods refresh their total every 1-2 s, so it can trail the speed by one
refresh). Longer than that, the distance is moving the runner, not lagging."""
MIN_SEGMENT_S = 3.0
"""A moving or rest stretch shorter than this between two stretches of the other state
is a blip (a single zero packet, a GPS glitch) and takes its neighbours' state. Unknown
stretches are never smoothed away."""
SHUFFLE_MAX_S = 15.0
SHUFFLE_MAX_M = 8.0
"""A stretch of moving between two standstills that lasts at most SHUFFLE_MAX_S and covers
at most SHUFFLE_MAX_M is a shuffle (stepping aside, a few metres to a crossing) and does
not restart the standstill, so "standstill to relief" counts from when the runner first
stopped. A longer move ends the standstill, and standstill to relief then counts from the
stop after it.
The metres: 10 s of slow walking (SLOW_WALK_MPS), the span over which a moment counts as
plainly moving (walking pace over the 5 s before it and the 5 s after it): a move shorter
than that can never hold a moment of plain walking, a longer one can, and reading a walk
as "standing still" would turn a relief there into "resolves at rest" and an onset there
into a red flag. Measured from DISTANCE_WINDOW_S / 2 before the move to as long after it
(the slow first and last steps, under the walking floor, are part of it); for a pod that
sends only cadence, its steps at SHUFFLE_STEP_M each. The real shuffles of 4-7 m in the
FR110's city stops stay inside their standstills; the Polar M400's walks of 9 m inside
its stops, at 1-1.4 m/s, end them (the ground truth merges up to 10 m, and 12 s).
The seconds: the ground truth merges shuffles of up to 12 s; a move inside a silence
between packets is placed by estimate (server.analysis.movement, "moved part of the gap"), so its
length gets STALE_S of slack: a real 4-m shuffle in a 9-s silence on a smart-recording
watch came out 12.2 s long."""
SHUFFLE_STEP_M = 0.6
"""One step of slow walking: 0.8 m/s at about 80 steps/min. Only used to size a
shuffle on a pod that sends cadence but neither distance nor speed."""

# -- Episode labels ---------------------------------------------------------------------------
STANDSTILL_NOT_CLEARING_S = 2 * 60
"""Worsening: the runner stood still this long and moved on still numb."""
RELIEF_WITHIN_REST_S = 10 * 60
"""Rose/WHO, Edinburgh: claudication is gone within 10 minutes of standing still."""
MOVING_WITH_IT_S = 10 * 60
"""Worsening: kept moving with it this long before the standstill that relieved it."""
IMMEDIATE_RELIEF_S = 15.0
"""Relief within this long of stopping is noted as atypical for claudication."""

# -- Across runs ------------------------------------------------------------------------------
TYPICAL_ONSET_CV = 0.15
"""Within-person coefficient of variation of the onset distance on a treadmill."""
REPRODUCIBLE_ONSET_CV = 0.25
"""Outdoors varies more than a treadmill: up to this CV the onset counts as reproducible."""
MIN_RUNS_FOR_TREND = 3
MIN_DAYS_FOR_TREND = 7
"""`onset_trend_m_per_week` in the JSON is the least-squares slope from this many runs over
this many days, as it always was; whether it is stated anywhere is the rule below."""
TREND_MIN_RUNS = 4
TREND_MIN_DAYS = 14
TREND_CONFIDENCE = 0.95
"""A trend of the onset distance is stated (on the pages, the PDF, the FHIR narrative) only
from at least TREND_MIN_RUNS runs over at least TREND_MIN_DAYS days, and only when the
TREND_CONFIDENCE confidence interval of the least-squares slope (Student's t on the
runs' scatter around the line) leaves out zero; otherwise "not enough runs yet", or "no
clear trend" when there are enough runs but the change is within their variation. Why:
within one person the onset distance varies by about 15 % from test to test on a
treadmill, more outdoors (the treadmill studies above), so a change over a few runs is
mostly that variation: three runs in a week once read "lengthened by 204 m per week" while
the last of them was the shortest. Four runs are the fewest that leave two degrees of
freedom to judge the scatter by (with three, one, the interval is twelve times the
scatter); two weeks, because one week's runs say how the runner felt that week, not where
things are going."""

# Effort at a press (server.analysis.effort)
GRADE_OVER_M = 100.0
"""The grade at onset is the watch's elevation change over the last 100 m run: short enough
to be the hill the runner is on, long enough that GPS/barometer noise (a metre or two)
is a few percent at most."""
GRADE_WITHIN_S = 180.0
"""...covered within 3 minutes; slower than that the runner was not on a slope but stopping."""
ELEVATION_FRESH_S = 30.0
"""An elevation older than this is not the elevation of the moment (smart recording spaces
records up to about 8 s; a longer gap is a gap)."""
MIN_RUNS_FOR_STEADINESS = 3
"""Whether the onset is steadier in distance, time or heart rate is said from 3 runs with
that value: a coefficient of variation of 2 values is one difference, not a spread (the
treadmill studies' 13-15 % within-person variation is measured over repeated tests)."""

# The shoe and lacing experiment (server.analysis.experiment)
MIN_RUNS_PER_SETUP = 4
"""Fewer runs than this in a setup (or in the others) and no difference is tested. Why 4:
with n runs in each of two setups, the most lopsided result possible (numbness on every
run in one, on none in the other) has a two-sided Fisher exact p of 2 / C(2n, n): 0.33 for
2 runs each, 0.10 for 3, 0.029 for 4. Below 4 runs even a perfect remedy could not be
told from chance at the 5 % level, so the page says "not enough runs yet"."""
SIGNIFICANCE = 0.05
"""The conventional 5 % level: a difference with p below this is "unlikely to be chance
alone"; above it, "could be chance". Counts and p are always shown."""

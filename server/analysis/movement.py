"""Movement state: each run cut into moving / rest / unknown stretches, decided from windows
of evidence rather than packet by packet.

Pure: a `Run` in, `Segment`s out (each with the code of the rule that decided most of it).
Every rule is written where it is applied below; its thresholds live in server.analysis.thresholds.

The evidence, strongest first:
1. The link. Down (before the first `connected`, after a `disconnected`): unknown. A gap
   in the link is never rest, whatever the runner did.
2. The pod's own total distance. Measured over a window of at least DISTANCE_WINDOW_S
   centred on the moment judged (so a pod that refreshes its distance every 2 s while
   notifying every second never flickers), and across a silence from the packet before
   to the packet after it. Advancing at SLOW_WALK_MPS or more: moving. Slower than
   MOVING_MIN_MPS: standing, unless 2b says otherwise (pods repeat their last speed, or
   send zeros, or keep a decaying cadence while the runner stands, so the distance is
   the first witness).
2b. A stop needs agreement: the pod's speed and cadence are read against its distance.
   - Distance stalls but speed says moving: moving. A stand of the distance of at most
     STALL_MAX_S while the pod's speed (for a pod without speed, its cadence; a cadence
     of 0 is no evidence, watches send it while walking) says moving is a stalled
     distance (a GPS fix dropped, an auto-pause edge, a total refreshed in steps), not a
     stop. A longer stand is a stop whatever the speed says.
   - Speed decays to zero and cadence stops: rest, even if the distance lags. Packets
     that say stopped (speed and cadence at or under the walking floor), after one that
     said moving, while the distance still counts for at most DISTANCE_LAG_MAX_S before
     it stands still: the stop begins there.
   - Between MOVING_MIN_MPS and SLOW_WALK_MPS the distance may be creeping or walking: it
     is moving, except for at most DISTANCE_LAG_MAX_S right after a stop while speed and
     cadence still say stopped. At walking pace or faster a restart is moving whatever a
     lagging speed says: a false rest is the worse error.
   Pods that send only distance (no speed or cadence above the walking floor on the
   link) are judged on the distance alone, as before.
3. Speed and cadence, for pods that send no distance: above the walking floor is moving.
   A silence between moving packets is bridged as moving up to GAP_BRIDGE_MAX_S unless the
   speeds before it decayed into a stop.
4. Silence on a live link with nothing later to explain it: the last evidence holds for
   STALE_S, then rest (some pods stop notifying when still). Silence filled with packets
   that could not be decoded is unknown, never rest: the pod was talking, unreadably.
Then blips shorter than MIN_SEGMENT_S take their neighbours' state, and a shuffle between
two standstills joins them into one when it lasts at most SHUFFLE_MAX_S and covers at
most SHUFFLE_MAX_M (by the run distance from DISTANCE_WINDOW_S / 2 before it to as long
after, its slow first and last steps included; for a pod with only cadence, by its steps
at SHUFFLE_STEP_M). A longer move ends the standstill: "standstill to relief" then counts
from the stop after it.
"""

from __future__ import annotations

import bisect
import itertools
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from footnote.device.db.rows import Run, Sample
from footnote.device.rules.motion import is_moving
from footnote.server.analysis import thresholds as th
from footnote.server.analysis.codes import State, Why
from footnote.server.analysis.results import Segment

MOVING, REST, UNKNOWN = State.MOVING, State.REST, State.UNKNOWN


def link_up_intervals(run: Run) -> list[tuple[float, float]]:
    """(start_s, end_s) of each stretch the footpod link was up."""
    out: list[tuple[float, float]] = []
    up_since: float | None = None
    for t, state in run.links:
        if state == "connected" and up_since is None:
            up_since = t
        elif state == "disconnected" and up_since is not None:
            out.append((up_since, t))
            up_since = None
    if up_since is not None:
        out.append((up_since, run.ended_t_s))
    return out


def movement_segments(run: Run, cadence_spm: Sequence[float] | None = None) -> list[Segment]:
    """The run cut into moving / rest / unknown stretches (see the module docstring).

    cadence_spm: the analysis's steps/min for each sample (server.analysis.cadence); the stored
    values when not given."""
    cadence = list(cadence_spm) if cadence_spm is not None else [s.cadence_spm for s in run.samples]
    pieces = _Pieces(run.ended_t_s)
    cursor = 0.0
    times = [s.t_s for s in run.samples]
    for up_start, up_end in link_up_intervals(run):
        pieces.add(cursor, up_start, UNKNOWN, Why.LINK_DOWN)
        lo, hi = bisect.bisect_left(times, up_start), bisect.bisect_right(times, up_end)
        rejected = [t for t in run.rejected_t_s if up_start <= t <= up_end]
        _while_linked(pieces, run.samples[lo:hi], cadence[lo:hi], rejected, up_start, up_end)
        cursor = up_end
    pieces.add(cursor, run.ended_t_s, UNKNOWN, Why.LINK_DOWN)
    segments = _smooth_blips(pieces.segments)
    size = _Distance([(s.t_s, s.distance_m) for s in run.samples])
    if size and size.d[-1] <= size.d[0]:
        size = _steps(run.samples, cadence)  # no distance and no speed: a shuffle is sized by its steps
    return _merge_shuffles(segments, size)


# -- building blocks -------------------------------------------------------------------------


class _Pieces:
    """Stretches in time order; neighbours of one state join, and the rule that decided
    most of the joined stretch is its why."""

    def __init__(self, end_s: float) -> None:
        self.end_s = end_s
        self.segments: list[Segment] = []
        self._parts: dict[Why, float] = {}  # seconds decided by each rule, in the last segment
        self._lead = Why.LINK_DOWN  # the rule of most of the last segment

    def add(self, start: float, end: float, state: State, why: Why) -> None:
        end = min(end, self.end_s)
        if self.segments:
            start = max(start, self.segments[-1].end_s)
        if end - start <= 1e-9:
            return
        last = self.segments[-1] if self.segments else None
        if last is not None and last.state == state and abs(last.end_s - start) < 1e-6:
            last.end_s = end
            parts = self._parts
            parts[why] = parts.get(why, 0.0) + (end - start)
            if why != self._lead and parts[why] > parts[self._lead]:
                last.why = self._lead = why
            return
        self.segments.append(Segment(start, end, state, why))
        self._parts = {why: end - start}
        self._lead = why


class _Distance:
    """A total distance known at some moments, linear in between, flat beyond the ends."""

    def __init__(self, points: list[tuple[float, float]]) -> None:
        self.t = [t for t, _ in points]
        self.d = [d for _, d in points]
        self.first_s = self.t[0] if len(self.t) >= 2 else float("inf")
        self.last_s = self.t[-1] if len(self.t) >= 2 else float("-inf")

    def __bool__(self) -> bool:
        return len(self.t) >= 2

    def at(self, t_s: float) -> float:
        i = bisect.bisect_right(self.t, t_s)
        if i == 0:
            return self.d[0]
        if i == len(self.t):
            return self.d[-1]
        t0, t1 = self.t[i - 1], self.t[i]
        if t1 <= t0:
            return self.d[i]
        return self.d[i - 1] + (self.d[i] - self.d[i - 1]) * (t_s - t0) / (t1 - t0)

    def at_each(self, times: list[float]) -> list[float]:
        """at() for each of these times, in one walk (times in order)."""
        out = []
        i = 0  # the first known moment after t
        for t in times:
            while i < len(self.t) and self.t[i] <= t:
                i += 1
            if i == 0:
                out.append(self.d[0])
            elif i == len(self.t):
                out.append(self.d[-1])
            else:
                t0, t1 = self.t[i - 1], self.t[i]
                out.append(self.d[i - 1] + (self.d[i] - self.d[i - 1]) * (t - t0) / (t1 - t0))
        return out

    def covers(self, a: float, b: float) -> bool:
        return self.first_s <= a and b <= self.last_s


@dataclass(frozen=True)
class _Verdict:
    state: State
    why: Why
    by_distance: bool = False  # judged on the pod's distance (rule 2)


_ADVANCED = _Verdict(MOVING, Why.DISTANCE_ADVANCED, True)
# Advanced, but slower than slow walking: moving unless the pod's speed and cadence both say
# standing (rule 2b); either way it becomes one of the others before any piece is added.
_CREPT = _Verdict(MOVING, Why.DISTANCE_ADVANCED, True)
_STOOD_STILL = _Verdict(REST, Why.DISTANCE_STOOD_STILL, True)
_STALLED = _Verdict(MOVING, Why.DISTANCE_STALLED)
_STOPPED = _Verdict(REST, Why.SPEED_AND_CADENCE_STOPPED, True)
_SPEED_OR_CADENCE = _Verdict(MOVING, Why.SPEED_OR_CADENCE)
_NO_SPEED_OR_CADENCE = _Verdict(REST, Why.NO_SPEED_OR_CADENCE)


def _while_linked(
    pieces: _Pieces, samples: list[Sample], cadence: list[float], rejected: list[float], up_start: float, up_end: float
) -> None:
    """The stretches of one link-up interval."""

    def unreadable(a: float, b: float) -> bool:
        i = bisect.bisect_right(rejected, a)
        return i < len(rejected) and rejected[i] < b

    def silent(a: float, b: float, hold: _Verdict | None = None, why: Why = Why.SILENT_LIVE_LINK) -> None:
        """Rule 4: a silence nothing later explains. The evidence before it (hold) holds
        for STALE_S, then the silence is rest, or unknown if the pod kept sending packets
        that could not be decoded (it was talking, not quiet)."""
        hold_s = th.STALE_S if hold is not None else 0.0
        if hold is not None:
            pieces.add(a, a + hold_s, hold.state, hold.why)
        if unreadable(a, b):
            pieces.add(a + hold_s, b, UNKNOWN, Why.UNREADABLE_PACKETS)
        else:
            pieces.add(a + hold_s, b, REST, why)

    if not samples:
        if rejected:
            pieces.add(up_start, up_end, UNKNOWN, Why.UNREADABLE_PACKETS)
        else:
            pieces.add(up_start, up_start + th.STALE_S, UNKNOWN, Why.NO_PACKET_YET)
            silent(up_start + th.STALE_S, up_end)
        return

    # Between the link coming up and its first packet: unknown, until STALE_S of silence.
    first = samples[0].t_s
    pieces.add(up_start, min(first, up_start + th.STALE_S), UNKNOWN, Why.NO_PACKET_YET)
    if first > up_start + th.STALE_S:
        silent(up_start + th.STALE_S, first)

    distance = _Distance([(s.t_s, s.distance_m) for s in samples if s.pod_distance_m is not None])
    if distance and distance.d[-1] - distance.d[0] <= 0:
        # A pod whose total never moved on this link sends a distance field it does not
        # fill (some cheap pods): only speed and cadence can say anything.
        distance = _Distance([])
    times = [s.t_s for s in samples]
    # Speed and cadence speak only where the distance does not (rule 3): not computed at
    # all when the pod's distance covers the whole link.
    by_distance_only = distance.covers(times[0], times[-1])
    packet_moving = [] if by_distance_only else _packet_verdicts(samples, cadence)
    verdicts, still, crept = _own_verdicts(times, distance, packet_moving)
    if distance:
        _agree(verdicts, still, crept, samples, cadence, times)
    streak_from: float | None = None  # the start of consecutive short stretches of advance
    for k, v in enumerate(verdicts):
        a, b = times[k], times[k + 1]
        if v is _ADVANCED and b - a <= th.STALE_S:
            # The common case, added as one piece when the streak ends.
            streak_from = a if streak_from is None else streak_from
            continue
        if streak_from is not None:
            pieces.add(streak_from, a, MOVING, Why.DISTANCE_ADVANCED)
            streak_from = None
        if v is _STALLED or v is _STOPPED:
            pieces.add(a, b, v.state, v.why)
        elif v.by_distance:
            _distance_interval(pieces, k, times, v, verdicts, distance)
        elif b - a <= th.STALE_S:
            pieces.add(a, b, v.state, v.why)
        else:
            # Rule 3, a silence on a pod without distance: bridged when the packets on
            # both sides say moving, it is no longer than GAP_BRIDGE_MAX_S and the speeds
            # before it did not decay into a stop; otherwise rule 4.
            decayed = _decayed_to_a_stop(samples, k, packet_moving[k])
            if packet_moving[k] and packet_moving[k + 1] and b - a <= th.GAP_BRIDGE_MAX_S and not decayed:
                pieces.add(a, b, MOVING, Why.GAP_BRIDGED)
            elif decayed:
                silent(a, b, why=Why.DECAYED_TO_A_STOP)
            else:
                silent(a, b, v)
    if streak_from is not None:
        pieces.add(streak_from, times[-1], MOVING, Why.DISTANCE_ADVANCED)
    # After the last packet: its evidence holds STALE_S, then a silent live link is rest.
    last = samples[-1]
    if verdicts and (verdicts[-1].by_distance or verdicts[-1] is _STALLED):
        silent(last.t_s, up_end, verdicts[-1])
    elif _decayed_to_a_stop(samples, len(samples) - 1, packet_moving[-1]):
        silent(last.t_s, up_end, why=Why.DECAYED_TO_A_STOP)
    else:
        silent(last.t_s, up_end, _SPEED_OR_CADENCE if packet_moving[-1] else None)


def _packet_verdicts(samples: list[Sample], cadence: list[float]) -> list[bool]:
    """Speed and cadence, packet by packet but judged over a window: a packet says moving
    when most packets within DISTANCE_WINDOW_S / 2 of it are above the walking floor
    (ties: the packet itself)."""
    own = [is_moving(s.speed_mps, c) for s, c in zip(samples, cadence, strict=True)]
    times = [s.t_s for s in samples]
    half = th.DISTANCE_WINDOW_S / 2
    votes_before = list(itertools.accumulate(own, initial=0))  # moving packets before index i
    out = []
    lo = hi = 0  # the window [lo, hi) of packets within `half` of packet i (times only grow)
    for i, t in enumerate(times):
        while times[lo] < t - half:
            lo += 1
        while hi < len(times) and times[hi] <= t + half:
            hi += 1
        votes = votes_before[hi] - votes_before[lo]
        out.append(own[i] if votes * 2 == hi - lo else votes * 2 > hi - lo)
    return out


def _own_verdicts(
    times: list[float], distance: _Distance, packet_moving: list[bool]
) -> tuple[list[_Verdict], list[int], list[int]]:
    """Each stretch from one packet to the next on its own evidence: rule 2 where the
    pod's distance is known on both sides, else rule 3 (the first packet's windowed speed
    and cadence). Also the indexes of the stretches whose distance stood still, and of
    those where it crept (advanced slower than slow walking), for rule 2b."""
    d_at = distance.at_each(times) if distance else []
    half = th.DISTANCE_WINDOW_S / 2
    out: list[_Verdict] = []
    still: list[int] = []
    crept: list[int] = []
    for k in range(len(times) - 1):
        a, b = times[k], times[k + 1]
        if not distance.covers(a, b):
            out.append(_SPEED_OR_CADENCE if packet_moving[k] else _NO_SPEED_OR_CADENCE)
            continue
        span = b - a
        pace = (d_at[k + 1] - d_at[k]) / span if span > 0 else 0.0
        if pace >= th.SLOW_WALK_MPS:
            out.append(_ADVANCED)
        elif pace >= th.MOVING_MIN_MPS:
            crept.append(k)
            out.append(_CREPT)
        elif (
            # A pod that refreshes its total more slowly than it notifies repeats it in
            # between: a short stretch with no advance, with the distance advancing at
            # walking pace within DISTANCE_WINDOW_S / 2 on both sides, is between two
            # refreshes, not a stop.
            span <= half
            and d_at[k] - distance.at(a - half) >= th.MOVING_MIN_MPS * half
            and distance.at(b + half) - d_at[k + 1] >= th.MOVING_MIN_MPS * half
        ):
            out.append(_ADVANCED)
        else:
            still.append(k)
            out.append(_STOOD_STILL)
    return out, still, crept


def _agree(
    verdicts: list[_Verdict],
    still: list[int],
    crept: list[int],
    samples: list[Sample],
    cadence: list[float],
    times: list[float],
) -> None:
    """Rule 2b, in place: the pod's own speed and cadence against its distance. A stop
    needs agreement.

    The evidence of a packet: its speed above the walking floor, or, for a pod that sends
    no speed on this link, its cadence (a cadence of 0 says nothing: watches send 0 while
    walking). "Stopped" is both speed and cadence at or under the walking floor.
    - A stall: a stand of the distance of at most STALL_MAX_S (blips of advance shorter
      than MIN_SEGMENT_S inside it included), during which the packets, by a majority
      within DISTANCE_WINDOW_S / 2, say moving: moving there. A longer stand is a stop
      whatever the speed says (a pod repeating its last speed while the runner stands, a
      speed that lags the distance into a stop). So a stop shorter than STALL_MAX_S on a
      pod that repeats its last packet reads as moving: no repeat test tells it from a
      stall, as real watches repeat their speed through one (the FR965: 1.42 m/s five
      times), and a false rest is the worse error.
    - A lag, before a stop: packets that say stopped, after one that said moving, while
      the distance still advanced, for at most DISTANCE_LAG_MAX_S: rest from there.
    - A creep, after a stop: the distance advancing slower than slow walking while the
      packets at both ends still say stopped, for at most DISTANCE_LAG_MAX_S: still rest
      (drift, a refresh). At walking pace the distance says moving, whatever a lagging
      speed says: a false rest is the worse error.
    Pods that send no speed and no cadence keep the distance's verdicts."""
    speed_says = any(s.speed_mps > th.WALKING_FLOOR_MPS for s in samples)
    either_says = speed_says or any(c > th.WALKING_FLOOR_SPM for c in cadence)
    if either_says and still:

        def stopped(i: int) -> bool:
            return not is_moving(samples[i].speed_mps, cadence[i])

        def says_moving(i: int) -> bool:
            if speed_says:
                return samples[i].speed_mps > th.WALKING_FLOOR_MPS
            return cadence[i] > th.WALKING_FLOOR_SPM

        for first, end in _stands(still, times):
            if (
                times[end] - times[first] <= th.STALL_MAX_S
                and any(says_moving(i) for i in range(first, end + 1))
                and _stalls_in(verdicts, first, end, times, says_moving)
            ):
                left = [k for k in range(first, end) if verdicts[k] is _STOOD_STILL]
                if not left:
                    continue
                first, end = left[0], left[-1] + 1
            _edges_of_stop(verdicts, first, end, times, stopped, says_moving)
    for k in crept:
        if verdicts[k] is _CREPT:
            verdicts[k] = _ADVANCED


def _stands(still: list[int], times: list[float]) -> list[tuple[int, int]]:
    """(first, end) intervals of each stand of the distance: the stood-still intervals
    (indexes in `still`, in order) with less than MIN_SEGMENT_S of advance between them."""
    out: list[tuple[int, int]] = []
    first = last = still[0]
    for k in still[1:]:
        if times[k] - times[last + 1] >= th.MIN_SEGMENT_S:
            out.append((first, last + 1))
            first = k
        last = k
    out.append((first, last + 1))
    return out


def _edges_of_stop(
    verdicts: list[_Verdict],
    first: int,
    end: int,
    times: list[float],
    stopped: Callable[[int], bool],
    says_moving: Callable[[int], bool],
) -> None:
    """The lag before a stop (intervals first..end-1 stood still) and the creep after it
    (see _agree)."""
    k = first
    while (
        k > 0
        and (verdicts[k - 1] is _ADVANCED or verdicts[k - 1] is _CREPT)
        and times[first] - times[k - 1] <= th.DISTANCE_LAG_MAX_S + 1e-6
        and stopped(k - 1)
    ):
        k -= 1
    if k < first and k > 0 and verdicts[k - 1].state is MOVING and says_moving(k - 1):
        verdicts[k:first] = [_STOPPED] * (first - k)
    k = end
    while (
        k < len(verdicts)
        and verdicts[k] is _CREPT
        and times[k + 1] - times[end] <= th.DISTANCE_LAG_MAX_S + 1e-6
        and stopped(k)
        and stopped(k + 1)
    ):
        verdicts[k] = _STOPPED
        k += 1


def _stalls_in(
    verdicts: list[_Verdict], first: int, end: int, times: list[float], says_moving: Callable[[int], bool]
) -> bool:
    """The stalls inside a short stand of the distance, intervals first..end-1 (see
    _agree): the stood-still intervals whose packets, by a majority within
    DISTANCE_WINDOW_S / 2 (ties: the packet itself), say moving; across a silence longer
    than STALE_S the packets at both ends must. True when there was one."""
    half = th.DISTANCE_WINDOW_S / 2
    lo = bisect.bisect_left(times, times[first] - half)
    hi = bisect.bisect_right(times, times[end] + half)
    own = [says_moving(i) for i in range(lo, hi)]
    votes_before = list(itertools.accumulate(own, initial=0))

    def windowed(i: int) -> bool:
        a = bisect.bisect_left(times, times[i] - half, lo, hi) - lo
        b = bisect.bisect_right(times, times[i] + half, lo, hi) - lo
        votes = votes_before[b] - votes_before[a]
        return own[i - lo] if votes * 2 == b - a else votes * 2 > b - a

    moving = [windowed(i) for i in range(first, end + 1)]

    def stalled(k: int) -> bool:
        return (
            verdicts[k] is _STOOD_STILL
            and moving[k - first]
            and (times[k + 1] - times[k] <= th.STALE_S or moving[k + 1 - first])
        )

    found = False
    k = first
    while k < end:
        if not stalled(k):
            k += 1
            continue
        run = k
        while k < end and stalled(k):
            k += 1
        verdicts[run:k] = [_STALLED] * (k - run)
        found = True
    return found


def _distance_interval(
    pieces: _Pieces, k: int, times: list[float], v: _Verdict, verdicts: list[_Verdict], distance: _Distance
) -> None:
    """Rule 2 for the stretch between two packets. Distance advanced at walking pace or
    more: moving (across a silence, that bridges it: a 4-8 s radio gap while running is
    moving). Distance stood still: rest, except that across a silence next to moving
    stretches the runner covered what distance there was at that neighbour's pace, next
    to it, and stood still for the remainder (a stop or a start inside the silence)."""
    a, b = times[k], times[k + 1]
    if v.state is MOVING:
        pieces.add(a, b, MOVING, Why.GAP_BRIDGED if b - a > th.STALE_S else Why.DISTANCE_ADVANCED)
        return
    covered_m = distance.at(b) - distance.at(a)
    before = verdicts[k - 1] if k > 0 and verdicts[k - 1].state is MOVING else None
    after = verdicts[k + 1] if k + 1 < len(verdicts) and verdicts[k + 1].state is MOVING else None
    moved_before = before is not None and before.by_distance
    moved_after = after is not None and after.by_distance
    if b - a <= th.STALE_S or covered_m <= 0 or not (moved_before or moved_after):
        pieces.add(a, b, REST, Why.DISTANCE_STOOD_STILL)
        return
    # The neighbours' pace, over DISTANCE_WINDOW_S on their side of the silence (a window
    # centred on the edge would take in part of the silence and slow it down).
    window = th.DISTANCE_WINDOW_S
    paces = []
    if moved_before:
        lo = max(a - window, distance.first_s)
        paces.append((distance.at(a) - distance.at(lo)) / (a - lo) if a > lo else 0.0)
    if moved_after:
        hi = min(b + window, distance.last_s)
        paces.append((distance.at(hi) - distance.at(b)) / (hi - b) if hi > b else 0.0)
    pace = max(th.MOVING_MIN_MPS, statistics.mean(paces))
    moving_s = min(b - a, covered_m / pace)
    lead = moving_s / len(paces) if moved_before else 0.0
    trail = moving_s / len(paces) if moved_after else 0.0
    pieces.add(a, a + lead, MOVING, Why.MOVED_PART_OF_GAP)
    pieces.add(a + lead, b - trail, REST, Why.DISTANCE_STOOD_STILL)
    pieces.add(b - trail, b, MOVING, Why.MOVED_PART_OF_GAP)


def _decayed_to_a_stop(samples: list[Sample], k: int, k_moving: bool) -> bool:
    """The speeds up to packet k decayed into a stop: over the last DECAY_WINDOW_S they never
    rose and ended at DECAY_RATIO of where they started or lower (or packet k itself says
    standing still)."""
    end = samples[k]
    if not k_moving:
        return True
    window = [s.speed_mps for s in samples[: k + 1] if s.t_s >= end.t_s - th.DECAY_WINDOW_S]
    if len(window) < 3:
        return False
    never_rose = all(b <= a for a, b in itertools.pairwise(window))
    return never_rose and window[-1] <= th.DECAY_RATIO * window[0]


def _smooth_blips(segments: list[Segment]) -> list[Segment]:
    """A moving or rest stretch shorter than MIN_SEGMENT_S between two stretches of the
    other state takes their state, shortest first (so one blip cannot drag a chain of
    others along). Unknown is never smoothed, and never smooths anything."""
    out = [Segment(s.start_s, s.end_s, s.state, s.why) for s in segments]
    while True:
        blips = [
            i
            for i in range(1, len(out) - 1)
            if out[i].state is not UNKNOWN
            and out[i - 1].state == out[i + 1].state != out[i].state
            and out[i - 1].state is not UNKNOWN
            and out[i].duration_s < th.MIN_SEGMENT_S
        ]
        if not blips:
            return out
        i = min(blips, key=lambda j: out[j].duration_s)
        before, after = out[i - 1], out[i + 1]
        if after.duration_s > before.duration_s:
            before.why = after.why
        before.end_s = after.end_s
        del out[i : i + 2]


def _steps(samples: list[Sample], cadence: list[float]) -> _Distance:
    """Steps taken, as metres at SHUFFLE_STEP_M a step: each packet's steps/min over the
    time since the one before (at most STALE_S: a silence is not stepping)."""
    points, total, last = [], 0.0, None
    for s, c in zip(samples, cadence, strict=True):
        if last is not None:
            total += c / 60 * min(s.t_s - last, th.STALE_S) * th.SHUFFLE_STEP_M
        points.append((s.t_s, total))
        last = s.t_s
    return _Distance(points)


def _merge_shuffles(segments: list[Segment], size: _Distance) -> list[Segment]:
    """A moving stretch between two rest stretches, no longer than SHUFFLE_MAX_S and
    covering no more than SHUFFLE_MAX_M, is a shuffle inside one standstill: the three
    become one rest stretch. Its size is the run distance (or, for a pod with neither
    distance nor speed, its steps) from DISTANCE_WINDOW_S / 2 before it to as long after
    it, within the standstills on either side: its slowest first and last steps count."""
    half = th.DISTANCE_WINDOW_S / 2
    out = list(segments)
    i = 1
    while i < len(out) - 1:
        mid = out[i]
        if (
            mid.state is MOVING
            and out[i - 1].state is REST
            and out[i + 1].state is REST
            and mid.duration_s <= th.SHUFFLE_MAX_S
            and (
                not size
                or size.at(min(mid.end_s + half, out[i + 1].end_s))
                - size.at(max(mid.start_s - half, out[i - 1].start_s))
                <= th.SHUFFLE_MAX_M
            )
        ):
            out[i - 1] = Segment(out[i - 1].start_s, out[i + 1].end_s, REST, Why.SHUFFLE_IN_STANDSTILL)
            del out[i : i + 2]
            continue
        i += 1
    return out


def state_at(segments: list[Segment], t_s: float) -> State:
    for seg in segments:
        if seg.start_s <= t_s < seg.end_s:
            return seg.state
    if segments and t_s >= segments[-1].end_s:
        return segments[-1].state
    return UNKNOWN


def segment_at(segments: list[Segment], t_s: float) -> Segment | None:
    for seg in segments:
        if seg.start_s <= t_s < seg.end_s or (seg is segments[-1] and t_s == seg.end_s):
            return seg
    return None

"""Where a watch's recording sits on a footnote run's clock.

A run's `t_s` counts seconds from its start, and its start is the Pi's wall clock then
(device.db.schema). The watch sets its clock from GPS, so its times are right.

- **By the wall clock** (the Pi's clock was synchronised, or the runner has corrected the
  run's start): the watch's first record is at t_s = watch start - run start.
- **By the movement** (the Pi's clock was not synchronised): the offset is proposed, for
  the runner to accept, from what both recorded:
  - the pod's speed against the watch's (`pod_speed`): both as 1-s series, the lag with
    the highest correlation, searched on 10-s means over every lag where they overlap by
    at least MIN_OVERLAP_S (and half the shorter), then to the second within 20 s of it;
  - without a pod, the runner's presses against the watch's stops (`presses_vs_stops`): a
    relief hold is usually made standing still and an onset or "worse" press while
    moving; each lag is scored by the share of presses that agree with the watch's
    movement then (stopped: slower than STOPPED_MPS over the 10 s before the press), and
    among the best lags the one that puts the logger's start nearest the watch's start.
  An alignment says how sure it is: `score` (the correlation, or the share of presses
  that agree) and `runner_up` (the best score at a lag more than 60 s away), so a flat
  or ambiguous match reads as such.

Pure functions over plain data: no IO.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from footnote.device.watch.activity import WatchRecord

MIN_OVERLAP_S = 120.0
"""The least overlap of pod and watch speeds a lag is judged on."""
COARSE_S = 10
"""The step of the first search (10-s means), refined to 1 s around the best."""
STOPPED_MPS = 0.5
"""The walking floor (device.rules.thresholds.WALKING_FLOOR_MPS): slower is standing still."""
DISTINCT_S = 60.0
"""A runner-up lag must be this far from the best to count as another answer."""


@dataclass(frozen=True)
class Alignment:
    """`watch_start_t_s`: the run's t_s of the watch's first record. `method`:
    wall_clock | pod_speed | presses_vs_stops. `score`: 1.0 for the wall clock;
    else as in the module docstring, with `runner_up` and `n` (seconds of overlap, or
    presses judged)."""

    method: str
    watch_start_t_s: float
    score: float = 1.0
    runner_up: float | None = None
    n: int = 0

    def corrected_start(self, watch_start: datetime) -> datetime:
        """The run's start this alignment implies (to store as the run's correction)."""
        from datetime import timedelta

        return watch_start - timedelta(seconds=self.watch_start_t_s)


def by_wall_clock(run_started_at: datetime, watch_start: datetime) -> Alignment:
    return Alignment("wall_clock", (watch_start - run_started_at).total_seconds())


def overlap_s(alignment: Alignment, watch_duration_s: float, run_duration_s: float) -> float:
    """Seconds of the run that the watch's recording covers under this alignment."""
    a, b = alignment.watch_start_t_s, alignment.watch_start_t_s + watch_duration_s
    return max(0.0, min(b, run_duration_s) - max(a, 0.0))


def watch_speed_series(records: Sequence[WatchRecord]) -> list[float | None]:
    """The watch's speed for each second since its first record (None where unknown):
    its own speed field, else the slope of its distance over the neighbouring records."""
    start = records[0].time
    t = [(r.time - start).total_seconds() for r in records]
    speeds: list[float | None] = []
    for i, r in enumerate(records):
        if r.speed_mps is not None:
            speeds.append(r.speed_mps)
            continue
        a, b = max(i - 1, 0), min(i + 1, len(records) - 1)
        da, db = records[a].distance_m, records[b].distance_m
        dt = t[b] - t[a]
        speeds.append(max(0.0, (db - da) / dt) if da is not None and db is not None and dt > 0 else None)
    return _per_second(t, speeds, int(t[-1]) + 1)


def pod_speed_series(samples: Sequence[tuple[float, float]], duration_s: float) -> list[float | None]:
    """(t_s, speed) pairs of a run's pod as one value per second (None where no packet
    arrived within 10 s)."""
    return _per_second([t for t, _ in samples], [v for _, v in samples], int(duration_s) + 1)


def _per_second(t: list[float], v: Sequence[float | None], n: int, hold_s: float = 10.0) -> list[float | None]:
    out: list[float | None] = [None] * n
    j = 0
    for second in range(n):
        while j + 1 < len(t) and t[j + 1] <= second:
            j += 1
        if t and t[j] <= second and second - t[j] <= hold_s:
            out[second] = v[j]
    return out


def _means(series: list[float | None], step: int) -> list[float | None]:
    out: list[float | None] = []
    for i in range(0, len(series), step):
        chunk = [x for x in series[i : i + step] if x is not None]
        out.append(sum(chunk) / len(chunk) if len(chunk) * 2 >= step else None)
    return out


def _correlation(pod: list[float | None], watch: list[float | None], lag: int, min_n: int) -> tuple[float, int]:
    """Pearson correlation of pod[i] with watch[i - lag] over where both are known."""
    xs, ys = [], []
    for i in range(max(0, lag), min(len(pod), lag + len(watch))):
        x, y = pod[i], watch[i - lag]
        if x is not None and y is not None:
            xs.append(x)
            ys.append(y)
    n = len(xs)
    if n < min_n:
        return -2.0, n
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-9 or syy <= 1e-9:
        return -2.0, n  # a flat stretch matches anything: no evidence
    return sxy / math.sqrt(sxx * syy), n


def by_pod_speed(pod: list[float | None], watch: list[float | None]) -> Alignment | None:
    """The lag (run second of the watch's first record) where the speeds agree best; None
    when they never overlap enough to judge."""
    known_pod = sum(x is not None for x in pod)
    known_watch = sum(x is not None for x in watch)
    min_n = max(MIN_OVERLAP_S, min(known_pod, known_watch) / 2)
    cp, cw = _means(pod, COARSE_S), _means(watch, COARSE_S)
    coarse = []
    for lag in range(-len(cw) + 1, len(cp)):
        r, _ = _correlation(cp, cw, lag, int(min_n / COARSE_S))
        coarse.append((r, lag * COARSE_S))
    coarse.sort(reverse=True)
    if not coarse or coarse[0][0] <= -2.0:
        return None
    best_lag = coarse[0][1]
    fine = [(*_correlation(pod, watch, lag, int(min_n)), lag) for lag in range(best_lag - 20, best_lag + 21)]
    r, n, lag = max(fine)
    if r <= -2.0:
        return None
    runner_up = next((c for c, at in coarse if abs(at - lag) > DISTINCT_S and c > -2.0), None)
    return Alignment("pod_speed", float(lag), score=round(r, 3), runner_up=runner_up and round(runner_up, 3), n=n)


def by_presses(
    presses: Sequence[tuple[float, str]], watch: list[float | None], run_duration_s: float
) -> Alignment | None:
    """The lag where the runner's presses agree best with the watch's stops; `presses`
    are (t_s, kind) with kind onset | worse | relief. None without presses."""
    judged = [(t, kind) for t, kind in presses if kind in ("onset", "worse", "relief")]
    if not judged:
        return None
    # stopped[s]: the watch's mean speed over the 10 s before second s is under STOPPED_MPS.
    prefix = [0.0]
    counts = [0]
    for v in watch:
        prefix.append(prefix[-1] + (v or 0.0))
        counts.append(counts[-1] + (v is not None))

    def moving_at(s: int) -> bool | None:
        a, b = max(0, s - 10), max(0, s)
        if b <= a or b > len(watch):
            return None
        n = counts[b] - counts[a]
        if n < 3:
            return None
        return (prefix[b] - prefix[a]) / n >= STOPPED_MPS

    scored = []
    # The logger ran the whole run: only lags that put the run within the watch's span.
    for lag in range(-int(run_duration_s), len(watch)):
        agree = told = 0
        for t, kind in judged:
            moving = moving_at(int(t) - lag)
            if moving is None:
                continue
            told += 1
            agree += moving == (kind != "relief")
        if told * 2 >= len(judged):
            scored.append((agree / told, -abs(lag), lag, told))
    if not scored:
        return None
    scored.sort(reverse=True)
    share, _, lag, told = scored[0]
    runner_up = next((s for s, _, at, _ in scored if abs(at - lag) > DISTINCT_S), None)
    return Alignment("presses_vs_stops", float(lag), score=round(share, 3), runner_up=runner_up, n=told)


def seconds_of(records: Sequence[WatchRecord]) -> list[float]:
    start = records[0].time
    return [(r.time - start).total_seconds() for r in records]


def index_at(times: list[float], t: float) -> int:
    """The index of the last time at or before t (-1 when none)."""
    return bisect.bisect_right(times, t) - 1

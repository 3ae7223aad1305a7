"""Which source wins, per field, when a run has its pod, its strap and the watch's file.

Pure functions over the reader's plain data (device.db.reader calls them), so the
analysis reads one list of samples and one of link events, whatever made them.

- **Speed, distance, cadence (movement)**: the pod, wherever its link is up (silence on a
  live link means something: device/rules and server/analysis/movement.py); else the
  watch, where the pod's link is down or never came up: its records become samples like
  the pod's, inside a link of their own, with the run's distance carried on (never back).
- **Heart rate**: the strap, when its last usable packet is at most HR_FRESH_S old; else
  the watch's heart rate.
- **Elevation**: the watch's (no BLE sensor here sends one).

A stretch the watch feeds is at least WATCH_STRETCH_MIN_S long; each stretch says its
source (`pod`, `watch`) in `sources`.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from footnote.device.db.rows import Sample

HR_FRESH_S = 10.0
"""The heart rate at a moment is the last usable value at or before it, if it is at most
this old: a strap notifies about once a second, a watch on smart recording records every
1-8 s; an older value is not the heart rate of that moment (then: unknown)."""
WATCH_STRETCH_MIN_S = 10.0
"""Shorter holes in the pod's link are left as they are (unknown), not filled."""


@dataclass(frozen=True)
class WatchPoint:
    """One watch record on the run's clock."""

    t_s: float
    distance_m: float | None
    speed_mps: float | None
    cadence_spm: float | None
    heart_rate_bpm: int | None
    altitude_m: float | None


def pod_stretches(links: Sequence[tuple[float, str]], end_s: float) -> list[tuple[float, float]]:
    """Where the pod's link was up: (start_s, end_s) pairs."""
    out, up = [], None
    for t, state in links:
        if state == "connected" and up is None:
            up = t
        elif state == "disconnected" and up is not None:
            out.append((up, t))
            up = None
    if up is not None:
        out.append((up, max(up, end_s)))
    return out


def _holes(covered: list[tuple[float, float]], a: float, b: float) -> list[tuple[float, float]]:
    out, at = [], a
    for s, e in covered:
        if e <= at or s >= b:
            continue
        if s > at:
            out.append((at, s))
        at = max(at, e)
    if at < b:
        out.append((at, b))
    return out


def _speed(points: list[WatchPoint], i: int) -> float:
    p = points[i]
    if p.speed_mps is not None:
        return p.speed_mps
    a, b = points[max(i - 1, 0)], points[min(i + 1, len(points) - 1)]
    if a.distance_m is None or b.distance_m is None or b.t_s <= a.t_s:
        return 0.0
    return max(0.0, (b.distance_m - a.distance_m) / (b.t_s - a.t_s))


def movement(
    samples: list[Sample], links: list[tuple[float, str]], points: list[WatchPoint], end_s: float
) -> tuple[list[Sample], list[tuple[float, str]], list[tuple[float, float, str]]]:
    """The run's samples and link events with the watch's filling the pod's holes, and the
    source of each stretch: (samples, links, [(start_s, end_s, source)])."""
    pods = pod_stretches(links, end_s)
    sources = [(a, b, "pod") for a, b in pods]
    usable = [p for p in points if 0 <= p.t_s <= end_s]
    if len(usable) < 2:
        return samples, links, sources
    holes = [(a, b) for a, b in _holes(pods, usable[0].t_s, usable[-1].t_s) if b - a >= WATCH_STRETCH_MIN_S]
    if not holes:
        return samples, links, sources
    times = [p.t_s for p in usable]
    new_samples: list[Sample] = []
    new_links = list(links)
    added_m: list[tuple[float, float]] = []  # (t_s, metres the watch added up to then)
    total_added = 0.0
    pod_times = [s.t_s for s in samples]
    for a, b in holes:
        i0, i1 = bisect.bisect_left(times, a), bisect.bisect_right(times, b - 1e-3)
        stretch = usable[i0:i1]
        if len(stretch) < 2:
            continue
        j = bisect.bisect_right(pod_times, a) - 1
        base = (samples[j].distance_m if j >= 0 else 0.0) + total_added
        first_d = next((p.distance_m for p in stretch if p.distance_m is not None), None)
        last_d = first_d
        for k, p in enumerate(stretch):
            if p.distance_m is not None and first_d is not None:
                last_d = max(last_d or 0.0, p.distance_m)
            run_d = base + ((last_d or 0.0) - (first_d or 0.0))
            new_samples.append(Sample(p.t_s, _speed(stretch, k), p.cadence_spm or 0.0, run_d, run_d, None, 0))
        total_added += (last_d or 0.0) - (first_d or 0.0)
        added_m.append((b, total_added))
        new_links.append((max(0.0, stretch[0].t_s - 1e-3), "connected"))
        if b < end_s - 1e-6:
            new_links.append((stretch[-1].t_s + 1e-3, "disconnected"))
        sources.append((stretch[0].t_s, stretch[-1].t_s, "watch"))
    if not new_samples:
        return samples, links, sources
    # The pod's distance after a stretch the watch fed continues from the watch's.
    ends = [t for t, _ in added_m]
    shifted = []
    for s in samples:
        k = bisect.bisect_right(ends, s.t_s) - 1
        shifted.append(s if k < 0 else s._replace(distance_m=s.distance_m + added_m[k][1]))
    merged = sorted(shifted + new_samples, key=lambda s: s.t_s)
    return merged, sorted(new_links, key=lambda x: x[0]), sorted(sources)


def heart_rates(strap: Sequence[tuple[float, int]], points: Sequence[WatchPoint]) -> list[tuple[float, int, str]]:
    """(t_s, bpm, source) of every usable heart rate: the strap's, and the watch's where
    the strap had no usable value in the HR_FRESH_S before it."""
    strap_t = [t for t, _ in strap]
    out = [(t, bpm, "strap") for t, bpm in strap]
    for p in points:
        if p.heart_rate_bpm is None:
            continue
        k = bisect.bisect_right(strap_t, p.t_s) - 1
        if k >= 0 and p.t_s - strap_t[k] <= HR_FRESH_S:
            continue
        out.append((p.t_s, p.heart_rate_bpm, "watch"))
    return sorted(out)


def value_at(series: Sequence[tuple], t_s: float, *, fresh_s: float = HR_FRESH_S):
    """The value of the last (t_s, value, ...) at or before t_s if at most fresh_s old, else None."""
    k = bisect.bisect_right(series, (t_s, float("inf"))) - 1
    if k < 0 or t_s - series[k][0] > fresh_s:
        return None
    return series[k][1]

"""Fewer points for a chart, without losing the peaks.

Min-max decimation: the samples are cut into buckets of equal time; each bucket keeps
its first point, its minimum and its maximum (in time order), so a spike or a drop to
zero survives however long the run. A 3-hour run at 4 samples/s (43,200 points)
becomes at most 3 x `buckets` points.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence


def minmax_indices(times: Sequence[float], values: Sequence[float], buckets: int) -> list[int]:
    n = len(times)
    if n <= 3 * buckets or buckets <= 0:
        return list(range(n))
    t0, t1 = times[0], times[-1]
    width = (t1 - t0) / buckets or 1.0
    keep: list[int] = []
    start = 0
    for b in range(buckets):
        # times are in order: the bucket ends where its edge falls (bisect, not a walk)
        end = n if b == buckets - 1 else max(start, bisect_left(times, t0 + (b + 1) * width, start))
        if end > start:
            chunk = values[start:end]
            lo = start + chunk.index(min(chunk))  # the first minimum, as min(key=...) gives
            hi = start + chunk.index(max(chunk))
            keep.extend(sorted({start, lo, hi}))
        start = end
    return keep


def downsample(
    rows: Sequence[tuple], *, time_index: int = 0, value_indexes: Sequence[int] = (1,), buckets: int = 600
) -> list[tuple]:
    """Rows (tuples) reduced to the union of min-max picks over each value column."""
    if len(rows) <= 3 * buckets:
        return list(rows)
    times = [r[time_index] for r in rows]
    keep: set[int] = set()
    for vi in value_indexes:
        keep.update(minmax_indices(times, [r[vi] or 0.0 for r in rows], buckets))
    return [rows[i] for i in sorted(keep)]

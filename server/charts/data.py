"""What the charts show, as plain data, for every renderer (the dashboard's SVG, its run
chart script through the JSON twin, and the PDF's charts): the per-run trend points and
the stretch of a run the run chart zooms to for an episode."""

from __future__ import annotations

import statistics

from footnote.server.analysis.figures import first_numbness, relief_times

ZOOM_PAD_FRACTION = 0.3
"""Zoomed to an episode, the chart shows this much of the episode's length on either
side, so the stop before relief and the running before onset are in view."""
ZOOM_PAD_MIN_S = 60.0


def episode_window(onset_t_s: float, end_t_s: float, run_duration_s: float) -> tuple[float, float]:
    """The run chart's window (from_s, to_s) for an episode: onset to relief or run end,
    padded on both sides and kept inside the run."""
    pad = max(ZOOM_PAD_MIN_S, ZOOM_PAD_FRACTION * (end_t_s - onset_t_s))
    start = max(0.0, onset_t_s - pad)
    end = min(max(run_duration_s, end_t_s), end_t_s + pad)
    return round(start, 1), round(max(end, start + 1.0), 1)


def trend_points(pairs) -> list[dict]:
    """The trends chart's input from (RunRow, RunAnalysis) pairs: per run, the first
    numbness (server.analysis.figures: its first episode, when it began while moving), the
    median standstill-to-relief of its episodes (the figures' rule), and the
    number of episodes."""
    from footnote.device.db.reader import local_time

    points = []
    for row, ra in pairs:
        first = first_numbness(ra)
        reliefs = relief_times(ra.episodes)
        points.append(
            {
                "run_id": row.id,
                "started_at": local_time(row),
                "onset_distance_m": first.distance_m if first else None,
                "onset_time_s": first.t_s if first else None,
                "rest_to_relief_s": statistics.median(reliefs) if reliefs else None,
                "episodes": len(ra.episodes),
            }
        )
    return points

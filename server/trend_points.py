"""Per-run figures over the weeks (the trends page, its JSON twin and both trends charts),
without loading any chart library."""

from __future__ import annotations

from footnote.server.analysis import MOVING, RunAnalysis
from footnote.server.rundata import RunRow, local_time


def trend_points(pairs: list[tuple[RunRow, RunAnalysis]]) -> list[dict]:
    """From (RunRow, RunAnalysis) pairs: per run, the first numbness (when it began while
    moving), the quickest relief after stopping, and the number of episodes."""
    points = []
    for row, ra in pairs:
        first = ra.episodes[0] if ra.episodes and ra.episodes[0].onset_state == MOVING else None
        reliefs = [ep.rest_to_relief_s for ep in ra.episodes if ep.rest_to_relief_s is not None]
        points.append(
            {
                "run_id": row.id,
                "started_at": local_time(row),
                "onset_distance_m": first.onset_distance_m if first else None,
                "onset_time_s": first.onset_t_s if first else None,
                "rest_to_relief_s": min(reliefs) if reliefs else None,
                "episodes": len(ra.episodes),
            }
        )
    return points

"""A watch's recording, as footnote reads it from any of the three formats.

Times are aware datetimes in UTC (every format records UTC; GPS sets the watch's clock,
so the watch's time is the one to trust when the Pi's clock was not synchronised).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from footnote.device.errors import FootnoteError

FORMATS = ("fit", "tcx", "gpx")

# Sports a numbness logger for runners takes: anything on foot. A file that names another
# sport (a ride, a swim) is refused; a file that names none (most GPX) is taken.
ON_FOOT = frozenset(
    {"running", "run", "walking", "walk", "hiking", "hike", "trail_running", "treadmill", "generic", "other"}
)


class WatchFileError(FootnoteError, ValueError):
    """A watch file footnote cannot use: not FIT/TCX/GPX, corrupt, hostile XML, too big,
    another sport, no records with a time. The message is one line for the runner."""


@dataclass(frozen=True, slots=True)
class WatchRecord:
    """One record of the watch. Every value is None when the watch did not record it.

    cadence_spm is steps per minute (FIT and TCX store running cadence per foot, in
    strides/min: it is doubled on reading)."""

    time: datetime
    distance_m: float | None = None
    speed_mps: float | None = None
    cadence_spm: float | None = None
    heart_rate_bpm: int | None = None
    altitude_m: float | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class WatchActivity:
    format: str  # fit | tcx | gpx
    sport: str | None  # as the file names it, lower case; None when it names none
    device: str | None  # the watch, when the file says
    records: list[WatchRecord] = field(default_factory=list)

    @property
    def start(self) -> datetime:
        return self.records[0].time

    @property
    def end(self) -> datetime:
        return self.records[-1].time

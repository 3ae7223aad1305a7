"""Read a watch file whatever its format: the one entry point for `footnote attach` and
the dashboard's upload. The format is told by the content, never by the name alone
(a file called run.fit that holds XML is read as XML and checked as such).

Refused with one line (WatchFileError), and nothing stored: a file over
MAX_WATCH_FILE_BYTES, a format that is none of FIT, TCX and GPX, a damaged file, hostile
XML (xmlsafe), another sport (activity.ON_FOOT), fewer than 2 records with a time, a
recording whose times go back more than a second.
"""

from __future__ import annotations

from footnote.device.watch.activity import ON_FOOT, WatchActivity, WatchFileError

MAX_WATCH_FILE_BYTES = 32 * 2**20
"""The largest watch file taken: a 3-hour run at one record a second is about 1 MB as
FIT and 5-8 MB as TCX; 24 hours of TCX would still fit."""


def sniff(data: bytes) -> str | None:
    """fit | tcx | gpx, from the first bytes; None when it is none of them."""
    if len(data) >= 12 and data[8:12] == b".FIT":
        return "fit"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<"):
        if b"<trainingcenterdatabase" in head:
            return "tcx"
        if b"<gpx" in head:
            return "gpx"
        return "xml"
    return None


def read_watch_file(data: bytes, *, name: str = "the file") -> WatchActivity:
    """The activity in `data`; WatchFileError with one line for the runner otherwise."""
    if len(data) > MAX_WATCH_FILE_BYTES:
        raise WatchFileError(
            f"{name}: {len(data):,} bytes, more than the {MAX_WATCH_FILE_BYTES // 2**20} MB a watch file may have"
        )
    kind = sniff(data)
    if kind == "fit":
        from footnote.device.watch.fit import read_fit

        activity = read_fit(data, what=name)
    elif kind in ("tcx", "xml"):
        from footnote.device.watch.tcx import read_tcx

        activity = read_tcx(data, what=name)
    elif kind == "gpx":
        from footnote.device.watch.gpx import read_gpx

        activity = read_gpx(data, what=name)
    else:
        raise WatchFileError(f"{name}: not a FIT, TCX or GPX file")
    if activity.sport is not None and activity.sport.replace(" ", "_") not in ON_FOOT:
        raise WatchFileError(f"{name}: a recording of {activity.sport}, not of a run or walk")
    records = sorted(activity.records, key=lambda r: r.time)
    if len(records) < 2:
        raise WatchFileError(f"{name}: fewer than 2 records with a time")
    if any(
        (b.time - a.time).total_seconds() < -1 for a, b in zip(activity.records, activity.records[1:], strict=False)
    ):
        raise WatchFileError(f"{name}: its record times go backwards; a damaged file?")
    return WatchActivity(format=activity.format, sport=activity.sport, device=activity.device, records=records)

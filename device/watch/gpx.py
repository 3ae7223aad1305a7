"""GPX tracks through gpxpy (maintained, the reference Python GPX library; handles GPX
1.0 and 1.1, segments, and the Garmin TrackPointExtension), after the hardened pass
(xmlsafe) has refused anything hostile.

GPX has no distance, speed or cadence of its own: distance is summed along the track
(gpxpy's 2-D haversine between points), heart rate and cadence come from the Garmin
TrackPointExtension (`gpxtpx:hr`, `gpxtpx:cad`, strides/min) when present.
"""

from __future__ import annotations

from datetime import UTC

from footnote.device.watch import xmlsafe
from footnote.device.watch.activity import WatchActivity, WatchFileError, WatchRecord


def _extension_values(point) -> dict[str, float]:
    out: dict[str, float] = {}
    for ext in point.extensions or ():
        for el in ext.iter():
            name = xmlsafe.local(el.tag).lower()
            if name in ("hr", "cad", "heartrate", "cadence") and el.text:
                try:
                    out[name] = float(el.text)
                except ValueError:
                    pass
    return out


def read_gpx(data: bytes, *, what: str = "the GPX file") -> WatchActivity:
    import gpxpy
    import gpxpy.gpx

    root = xmlsafe.parse(data, what=what)
    if xmlsafe.local(root.tag) != "gpx":
        raise WatchFileError(f"{what}: not a GPX file (its root is <{xmlsafe.local(root.tag)}>)")
    try:
        doc = gpxpy.parse(data.decode("utf-8-sig", errors="replace"))
    except gpxpy.gpx.GPXException as exc:
        raise WatchFileError(f"{what}: not a usable GPX file ({exc})") from None
    sport = next((str(t.type).strip().lower() for t in doc.tracks if t.type), None)
    records: list[WatchRecord] = []
    total_m = 0.0
    last = None
    for track in doc.tracks:
        for segment in track.segments:
            for point in segment.points:
                if point.time is None:
                    continue
                if last is not None:
                    total_m += point.distance_2d(last) or 0.0
                last = point
                ext = _extension_values(point)
                hr = ext.get("hr", ext.get("heartrate"))
                strides = ext.get("cad", ext.get("cadence"))
                t = point.time if point.time.tzinfo is not None else point.time.replace(tzinfo=UTC)
                records.append(
                    WatchRecord(
                        time=t.astimezone(UTC),
                        distance_m=total_m,
                        cadence_spm=strides * 2 if strides is not None else None,
                        heart_rate_bpm=round(hr) if hr is not None else None,
                        altitude_m=point.elevation,
                        lat=point.latitude,
                        lon=point.longitude,
                    )
                )
    return WatchActivity(format="gpx", sport=sport, device=doc.creator or None, records=records)

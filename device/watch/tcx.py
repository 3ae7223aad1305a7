"""Garmin Training Center XML (TCX) activities, read with the hardened parser (xmlsafe).

No maintained TCX library is worth a dependency: python-tcxparser reads through
lxml.objectify without turning entities off. The format is small: Activity@Sport,
Creator/Name, and per Trackpoint Time, DistanceMeters, AltitudeMeters,
HeartRateBpm/Value, Position, and in the ActivityExtension (TPX) Speed and RunCadence
(strides/min).
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from footnote.device.watch import xmlsafe
from footnote.device.watch.activity import WatchActivity, WatchFileError, WatchRecord


def _children(el: Element) -> dict[str, Element]:
    return {xmlsafe.local(c.tag): c for c in el}


def _float(el: Element | None) -> float | None:
    if el is None or el.text is None or not el.text.strip():
        return None
    try:
        return float(el.text)
    except ValueError:
        return None


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _find(el: Element, name: str) -> Element | None:
    for child in el.iter():
        if xmlsafe.local(child.tag) == name:
            return child
    return None


def read_tcx(data: bytes, *, what: str = "the TCX file") -> WatchActivity:
    root = xmlsafe.parse(data, what=what)
    if xmlsafe.local(root.tag) != "TrainingCenterDatabase":
        raise WatchFileError(f"{what}: not a TCX file (its root is <{xmlsafe.local(root.tag)}>)")
    activities = [el for el in root.iter() if xmlsafe.local(el.tag) == "Activity"]
    if not activities:
        raise WatchFileError(f"{what}: holds no activity")
    sport = (activities[0].get("Sport") or "").strip().lower() or None
    creator = _find(activities[0], "Creator")
    name = _find(creator, "Name") if creator is not None else None
    records = []
    for point in activities[0].iter():
        if xmlsafe.local(point.tag) != "Trackpoint":
            continue
        kids = _children(point)
        t = _time(kids["Time"].text if "Time" in kids else None)
        if t is None:
            continue
        hr = _float(_find(kids["HeartRateBpm"], "Value")) if "HeartRateBpm" in kids else None
        position = _children(kids["Position"]) if "Position" in kids else {}
        strides = _float(_find(point, "RunCadence"))
        records.append(
            WatchRecord(
                time=t,
                distance_m=_float(kids.get("DistanceMeters")),
                speed_mps=_float(_find(point, "Speed")),
                cadence_spm=strides * 2 if strides is not None else None,
                heart_rate_bpm=round(hr) if hr is not None else None,
                altitude_m=_float(kids.get("AltitudeMeters")),
                lat=_float(position.get("LatitudeDegrees")),
                lon=_float(position.get("LongitudeDegrees")),
            )
        )
    return WatchActivity(
        format="tcx",
        sport=sport,
        device=(name.text or "").strip() or None if name is not None else None,
        records=records,
    )

"""Convert a real recording (TCX, GPX, or FIT when fitparse is installed) into footnote's
replay format, the way the real runs in tests/data were made, and derive its ground truth
of standstills and walks without footnote's rules.

    python tools/to_replay.py RECORDING OUT.jsonl [--cadence-as steps|strides]
    python tools/to_replay.py RECORDING OUT.jsonl --ground-truth   # also print the ground truth

How: one RSC Measurement packet per record of the recording, at the record's own time
offset (irregular intervals and pauses kept; no packet where the device recorded nothing).
Speed and total distance are the device's own fields when it has them (GPX has neither:
distance along the track, speed from it). Cadence is read as strides/min, as TCX, GPX and
FIT running files store it, and written as strides/min (the RSC spec) or doubled to
steps/min (as many pods send). The running bit is set at 70 strides/min or more.

Ground truth: ground speed from the device's distance over +/- 2 s; a standstill is under
0.5 m/s for at least 20 s (shuffles of up to 12 s and 10 m merged in); a walk is 0.5-2.0 m/s
for at least 20 s. Check the licence of a recording before you add it to tests/data.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from footnote.device.rules.rsc import encode_rsc_measurement

RUNNING_MIN_STRIDES = 70
STAND_MAX_MPS, WALK_MAX_MPS, MIN_STRETCH_S = 0.5, 2.0, 20
SHUFFLE_MAX_S, SHUFFLE_MAX_M = 12, 10.0
EARTH_RADIUS_M = 6_371_000


@dataclass
class Record:
    time: datetime
    speed_mps: float | None
    distance_m: float | None
    cadence_strides: float | None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(el: ET.Element, name: str) -> str | None:
    for child in el.iter():
        if _local(child.tag) == name and child.text:
            return child.text.strip()
    return None


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _float(text: str | None) -> float | None:
    return float(text) if text not in (None, "") else None


def read_tcx(path: Path) -> list[Record]:
    out = []
    for el in ET.parse(path).iter():
        if _local(el.tag) != "Trackpoint" or _child_text(el, "Time") is None:
            continue
        out.append(
            Record(
                time=_time(_child_text(el, "Time") or ""),
                speed_mps=_float(_child_text(el, "Speed")),
                distance_m=_float(_child_text(el, "DistanceMeters")),
                cadence_strides=_float(_child_text(el, "RunCadence") or _child_text(el, "Cadence")),
            )
        )
    return out


def read_gpx(path: Path) -> list[Record]:
    out: list[Record] = []
    total_m, last = 0.0, None
    for el in ET.parse(path).iter():
        if _local(el.tag) != "trkpt" or _child_text(el, "time") is None:
            continue
        lat, lon = math.radians(float(el.attrib["lat"])), math.radians(float(el.attrib["lon"]))
        if last is not None:
            dlat, dlon = lat - last[0], lon - last[1]
            h = math.sin(dlat / 2) ** 2 + math.cos(lat) * math.cos(last[0]) * math.sin(dlon / 2) ** 2
            total_m += 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))
        last = (lat, lon)
        out.append(Record(_time(_child_text(el, "time") or ""), None, total_m, _float(_child_text(el, "cad"))))
    return out


def read_fit(path: Path) -> list[Record]:
    import fitparse  # optional: pip install fitparse

    out = []
    for msg in fitparse.FitFile(str(path)).get_messages("record"):
        v = msg.get_values()
        if v.get("timestamp") is None:
            continue
        cadence = v.get("cadence")
        if cadence is not None and v.get("fractional_cadence"):
            cadence += v["fractional_cadence"]
        out.append(Record(v["timestamp"], v.get("enhanced_speed", v.get("speed")), v.get("distance"), cadence))
    return out


READERS = {".tcx": read_tcx, ".gpx": read_gpx, ".fit": read_fit}


def recorded(records: list[Record]) -> list[Record]:
    """Records that carry something besides their time (a watch may close a lap or a run
    with a bare timestamp, as a Forerunner 410 does): no packet where nothing was measured."""
    return [r for r in records if (r.speed_mps, r.distance_m, r.cadence_strides) != (None, None, None)]


def with_speed(records: list[Record]) -> list[Record]:
    """Fill a missing speed from the distance (over the neighbouring records)."""
    for i, r in enumerate(records):
        if r.speed_mps is None and r.distance_m is not None:
            a, b = records[max(i - 1, 0)], records[min(i + 1, len(records) - 1)]
            dt = (b.time - a.time).total_seconds()
            if dt > 0 and a.distance_m is not None and b.distance_m is not None:
                r.speed_mps = max(0.0, (b.distance_m - a.distance_m) / dt)
    return records


def to_replay(records: list[Record], name: str, *, cadence_as: str = "strides") -> list[dict]:
    start = records[0].time
    lines: list[dict] = [
        {"footnote_replay": 1, "started_at": start.isoformat().replace("+00:00", "Z")},
        {"t": 0, "footpod": "connected", "name": f"replay of {name}", "feature": 6},
    ]
    t = 0.0
    for r in records:
        t = (r.time - start).total_seconds()
        strides = r.cadence_strides or 0.0
        cadence = round(strides * (2 if cadence_as == "steps" else 1))
        packet = encode_rsc_measurement(
            min(r.speed_mps or 0.0, 255.0),
            min(cadence, 255),
            running=strides >= RUNNING_MIN_STRIDES,
            total_distance_m=r.distance_m,
        )
        lines.append({"t": t, "rsc": packet.hex()})
    lines.append({"t": t, "end": True})
    return lines


def _stretches(flags: list[bool], times: list[int]) -> list[list[int]]:
    out, begin = [], None
    for t, on in zip(times, flags, strict=True):
        if on and begin is None:
            begin = t
        elif not on and begin is not None:
            out.append([begin, t])
            begin = None
    if begin is not None:
        out.append([begin, times[-1]])
    return out


def ground_truth(records: list[Record]) -> dict:
    """Standstills and walks by the rule in the module docstring, in replay seconds."""
    start = records[0].time
    known = [((r.time - start).total_seconds(), r.distance_m) for r in records if r.distance_m is not None]
    kt = [t for t, _ in known]

    def dist_at(t: float) -> float:
        i = max(bisect.bisect_right(kt, t) - 1, 0)
        return known[i][1] or 0.0

    end = int(kt[-1])
    seconds = list(range(end + 1))
    speed = [(dist_at(t + 2) - dist_at(t - 2)) / 4 for t in seconds]
    stands = _stretches([v < STAND_MAX_MPS for v in speed], seconds)
    merged: list[list[int]] = []
    for a, b in stands:  # shuffles of up to 12 s and 10 m between two standstills merge them
        if merged and a - merged[-1][1] <= SHUFFLE_MAX_S and dist_at(a) - dist_at(merged[-1][1]) <= SHUFFLE_MAX_M:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    walks = _stretches([STAND_MAX_MPS <= v < WALK_MAX_MPS for v in speed], seconds)
    return {
        "standstills": [s for s in merged if s[1] - s[0] >= MIN_STRETCH_S],
        "walks": [w for w in walks if w[1] - w[0] >= MIN_STRETCH_S],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Convert a TCX, GPX or FIT recording into a footnote replay file.")
    p.add_argument("recording", type=Path, help="a .tcx, .gpx or .fit file")
    p.add_argument("out", type=Path, help="the replay file to write (.jsonl)")
    p.add_argument("--cadence-as", choices=["steps", "strides"], default="strides", help="unit the packets carry")
    p.add_argument("--ground-truth", action="store_true", help="print the standstills and walks as JSON")
    args = p.parse_args(argv)
    reader = READERS.get(args.recording.suffix.lower())
    if reader is None:
        print(f"{args.recording}: not a .tcx, .gpx or .fit file", file=sys.stderr)
        return 2
    records = with_speed(sorted(recorded(reader(args.recording)), key=lambda r: r.time))
    if len(records) < 2:
        print(f"{args.recording}: fewer than 2 records with a time", file=sys.stderr)
        return 2
    lines = to_replay(records, args.recording.stem, cadence_as=args.cadence_as)
    args.out.write_text("".join(json.dumps(x) + "\n" for x in lines))
    print(f"wrote {len(lines) - 3} packets to {args.out}")
    if args.ground_truth:
        print(json.dumps(ground_truth(records)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

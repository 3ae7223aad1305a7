"""A small FIT activity writer for the tests and benchmarks, from the FIT protocol's
public description (file header with its CRC, definition and data messages, the file
CRC): file_id, sport and record messages, little-endian.

Why one is needed: no real FIT file could be brought into this repository here (the
stored public sources hold no binary files, and none of the PyPI or npm packages
checked ships one), so the FIT attach tests write their files from real recordings
kept as text (tests/data) and read them back through fitdecode, as a watch's file.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
_CRC_TABLE = (
    0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
    0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
)  # fmt: skip
SPORTS = {"generic": 0, "running": 1, "cycling": 2, "walking": 11, "hiking": 17}
FILE_TYPES = {"activity": 4, "settings": 2}


def crc16(data: bytes, crc: int = 0) -> int:
    for byte in data:
        for nibble in (byte & 0xF, byte >> 4):
            tmp = _CRC_TABLE[crc & 0xF]
            crc = (crc >> 4) & 0x0FFF
            crc ^= tmp ^ _CRC_TABLE[nibble]
    return crc


@dataclass
class FitRecord:
    time: datetime
    distance_m: float | None = None
    speed_mps: float | None = None
    heart_rate_bpm: int | None = None
    cadence_strides: int | None = None
    altitude_m: float | None = None


# (field number, base type, struct format, invalid value)
_RECORD_FIELDS = (
    (253, 0x86, "I", 0xFFFFFFFF),  # timestamp, s since FIT_EPOCH
    (5, 0x86, "I", 0xFFFFFFFF),  # distance, 1/100 m
    (6, 0x84, "H", 0xFFFF),  # speed, 1/1000 m/s
    (3, 0x02, "B", 0xFF),  # heart_rate, bpm
    (4, 0x02, "B", 0xFF),  # cadence, rpm (strides/min running)
    (2, 0x84, "H", 0xFFFF),  # altitude, 1/5 m - 500
)


def _definition(local: int, global_num: int, fields: tuple) -> bytes:
    body = struct.pack("<BBHB", 0, 0, global_num, len(fields))
    for num, base, fmt, _ in fields:
        body += struct.pack("<BBB", num, struct.calcsize(fmt), base)
    return bytes([0x40 | local]) + body


def write_fit(
    records: list[FitRecord],
    *,
    sport: str = "running",
    file_type: str = "activity",
    created: datetime | None = None,
) -> bytes:
    """A FIT file holding these records (None values written as FIT's invalid value)."""
    created = created or records[0].time
    file_id_fields = ((0, 0x00, "B", 0xFF), (1, 0x84, "H", 0xFFFF), (2, 0x84, "H", 0xFFFF), (4, 0x86, "I", 0xFFFFFFFF))
    data = _definition(0, 0, file_id_fields)
    data += bytes([0]) + struct.pack(
        "<BHHI", FILE_TYPES[file_type], 1, 1623, int((created - FIT_EPOCH).total_seconds())
    )  # Garmin, a Forerunner
    data += _definition(1, 12, ((0, 0x00, "B", 0xFF),))
    data += bytes([1]) + struct.pack("<B", SPORTS[sport])
    data += _definition(2, 20, _RECORD_FIELDS)
    for r in records:
        values = (
            int((r.time - FIT_EPOCH).total_seconds()),
            None if r.distance_m is None else round(r.distance_m * 100),
            None if r.speed_mps is None else min(round(r.speed_mps * 1000), 0xFFFE),
            r.heart_rate_bpm,
            r.cadence_strides,
            None if r.altitude_m is None else round((r.altitude_m + 500) * 5),
        )
        data += bytes([2]) + b"".join(
            struct.pack("<" + fmt, invalid if v is None else v)
            for (_, _, fmt, invalid), v in zip(_RECORD_FIELDS, values, strict=True)
        )
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(data), b".FIT")
    header += struct.pack("<H", crc16(header))
    body = header + data
    return body + struct.pack("<H", crc16(body))

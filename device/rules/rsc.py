"""Decode one Running Speed and Cadence Measurement (GATT characteristic 0x2A53).

Layout (Bluetooth RSC service 1.0, little-endian):
    flags      uint8   bit0 stride length present, bit1 total distance present,
                       bit2 running (1) / walking (0), bits 3-7 reserved
    speed      uint16  1/256 m/s
    cadence    uint8   1/min (the spec says per foot; many pods send steps/min)
    stride     uint16  1/100 m   (only when bit0)
    distance   uint32  1/10 m    (only when bit1)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from footnote.device.errors import RscDecodeError

RSC_SERVICE_UUID = "00001814-0000-1000-8000-00805f9b34fb"
RSC_MEASUREMENT_UUID = "00002a53-0000-1000-8000-00805f9b34fb"
RSC_FEATURE_UUID = "00002a54-0000-1000-8000-00805f9b34fb"
SENSOR_LOCATION_UUID = "00002a5d-0000-1000-8000-00805f9b34fb"

FLAG_STRIDE = 0x01
FLAG_DISTANCE = 0x02
FLAG_RUNNING = 0x04

_HEAD = struct.Struct("<BHB")
_STRIDE = struct.Struct("<H")
_DISTANCE = struct.Struct("<I")


@dataclass(frozen=True, slots=True)
class RscMeasurement:
    """One decoded notification, in SI units, exactly as the pod sent it."""

    speed_mps: float
    cadence_per_min: int
    """As sent: strides/min or steps/min depending on the pod (see device.rules.motion)."""
    running: bool
    stride_m: float | None
    total_distance_m: float | None
    extra_bytes: int = 0
    """Bytes beyond what the flags need, ignored (a later spec may use a reserved bit)."""


def expected_length(flags: int) -> int:
    """Bytes an RSC Measurement with these flags must have."""
    return _HEAD.size + (2 if flags & FLAG_STRIDE else 0) + (4 if flags & FLAG_DISTANCE else 0)


def decode_rsc_measurement(data: bytes) -> RscMeasurement:
    """Decode one notification; raise RscDecodeError if it is shorter than its flags need.

    Reserved flag bits are ignored, and so are bytes beyond what the known flags need
    (counted in extra_bytes), as most RSC parsers do: a later spec version that uses a
    reserved bit will add fields after the ones we know.
    """
    if len(data) < _HEAD.size:
        raise RscDecodeError(f"RSC measurement too short: {len(data)} bytes, need at least 4")
    flags, speed_raw, cadence = _HEAD.unpack_from(data, 0)
    need = expected_length(flags)
    if len(data) < need:
        raise RscDecodeError(f"RSC measurement has {len(data)} bytes but its flags 0x{flags:02x} need {need}")
    offset = _HEAD.size
    stride_m = None
    if flags & FLAG_STRIDE:
        stride_m = _STRIDE.unpack_from(data, offset)[0] / 100
        offset += _STRIDE.size
    distance_m = None
    if flags & FLAG_DISTANCE:
        distance_m = _DISTANCE.unpack_from(data, offset)[0] / 10
    return RscMeasurement(
        speed_mps=speed_raw / 256,
        cadence_per_min=cadence,
        running=bool(flags & FLAG_RUNNING),
        stride_m=stride_m,
        total_distance_m=distance_m,
        extra_bytes=len(data) - need,
    )


def encode_rsc_measurement(
    speed_mps: float,
    cadence_per_min: int,
    *,
    running: bool = True,
    stride_m: float | None = None,
    total_distance_m: float | None = None,
) -> bytes:
    """The inverse of decode_rsc_measurement: what a footpod would send (used by the
    simulated footpod, the demo sessions and the tests)."""
    flags = FLAG_RUNNING if running else 0
    tail = b""
    if stride_m is not None:
        flags |= FLAG_STRIDE
        tail += _STRIDE.pack(round(stride_m * 100))
    if total_distance_m is not None:
        flags |= FLAG_DISTANCE
        tail += _DISTANCE.pack(round(total_distance_m * 10) & 0xFFFFFFFF)
    return _HEAD.pack(flags, min(round(speed_mps * 256), 0xFFFF), cadence_per_min) + tail

"""Decode one Heart Rate Measurement (GATT characteristic 0x2A37).

Layout (Bluetooth Heart Rate Service 1.0, GATT Specification Supplement 3.113,
little-endian):
    flags        uint8   bit0 heart rate format (0 uint8, 1 uint16);
                         bits 1-2 sensor contact (0b00/0b01 not supported,
                         0b10 supported but not detected, 0b11 detected);
                         bit3 energy expended present; bit4 RR intervals present;
                         bits 5-7 reserved
    heart rate   uint8 or uint16   beats/min
    energy       uint16  kJ           (only when bit3)
    RR intervals uint16 each, 1/1024 s (only when bit4; as many as fit)

Packets are handled as the RSC decoder handles its own (device.rules.rsc): reserved flag
bits are ignored; a packet shorter than its flags need raises HrmDecodeError (the
logger counts it, stores it as a rejected packet and carries on); bytes beyond what the
flags need are ignored and counted in extra_bytes. With RR intervals present every
whole pair of the rest is an interval (the spec fills the packet with them), so only an
odd last byte is extra.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import StrEnum

from footnote.device.errors import HrmDecodeError
from footnote.device.rules.thresholds import HR_MAX_BPM, HR_MIN_BPM

HEART_RATE_SERVICE_UUID = "0000180d-0000-1000-8000-00805f9b34fb"
HEART_RATE_MEASUREMENT_UUID = "00002a37-0000-1000-8000-00805f9b34fb"
BODY_SENSOR_LOCATION_UUID = "00002a38-0000-1000-8000-00805f9b34fb"
HEART_RATE_CONTROL_POINT_UUID = "00002a39-0000-1000-8000-00805f9b34fb"

FLAG_UINT16 = 0x01
FLAG_CONTACT_MASK = 0x06
FLAG_ENERGY = 0x08
FLAG_RR = 0x10

RR_UNITS_PER_S = 1024

_U16 = struct.Struct("<H")

BODY_SENSOR_LOCATIONS = {0: "other", 1: "chest", 2: "wrist", 3: "finger", 4: "hand", 5: "ear_lobe", 6: "foot"}
"""Body Sensor Location (0x2A38) values; anything else is reserved."""


class SensorContact(StrEnum):
    """What the strap says about its contact with the skin (flags bits 1-2)."""

    NOT_SUPPORTED = "not_supported"  # 0b00 or 0b01: the strap cannot tell
    NOT_DETECTED = "not_detected"  # 0b10: off the skin, the value is not a heart rate
    DETECTED = "detected"  # 0b11


_CONTACT = {
    0: SensorContact.NOT_SUPPORTED,
    1: SensorContact.NOT_SUPPORTED,
    2: SensorContact.NOT_DETECTED,
    3: SensorContact.DETECTED,
}


@dataclass(frozen=True, slots=True)
class HrmMeasurement:
    """One decoded notification, exactly as the strap sent it."""

    heart_rate_bpm: int
    """As sent, even when it is not a heart rate (see usable_bpm)."""
    contact: SensorContact
    energy_kj: int | None
    """Energy expended since the strap's last reset (kJ), when sent."""
    rr_1024: tuple[int, ...] = ()
    """RR intervals as sent, in 1/1024 s (rr_s gives seconds)."""
    extra_bytes: int = 0
    """Bytes beyond what the flags need, ignored (a later spec may use a reserved bit)."""

    @property
    def rr_s(self) -> tuple[float, ...]:
        return tuple(rr / RR_UNITS_PER_S for rr in self.rr_1024)

    @property
    def usable_bpm(self) -> int | None:
        """The heart rate, or None when the packet says it is none: no skin contact, or a
        value outside HR_MIN_BPM..HR_MAX_BPM (a strap that cannot tell its contact sends 0
        while it is off). A strap off the skin is "no heart rate", never zero."""
        if self.contact is SensorContact.NOT_DETECTED:
            return None
        if not HR_MIN_BPM <= self.heart_rate_bpm <= HR_MAX_BPM:
            return None
        return self.heart_rate_bpm


def expected_length(flags: int) -> int:
    """The fewest bytes a Heart Rate Measurement with these flags may have (with RR
    intervals present, at least one)."""
    return (
        1
        + (2 if flags & FLAG_UINT16 else 1)
        + (_U16.size if flags & FLAG_ENERGY else 0)
        + (_U16.size if flags & FLAG_RR else 0)
    )


def decode_hrm_measurement(data: bytes) -> HrmMeasurement:
    """Decode one notification; raise HrmDecodeError if it is shorter than its flags need."""
    if len(data) < 2:
        raise HrmDecodeError(f"heart rate measurement too short: {len(data)} bytes, need at least 2")
    flags = data[0]
    need = expected_length(flags)
    if len(data) < need:
        raise HrmDecodeError(f"heart rate measurement has {len(data)} bytes but its flags 0x{flags:02x} need {need}")
    if flags & FLAG_UINT16:
        bpm = _U16.unpack_from(data, 1)[0]
        offset = 3
    else:
        bpm = data[1]
        offset = 2
    energy = None
    if flags & FLAG_ENERGY:
        energy = _U16.unpack_from(data, offset)[0]
        offset += _U16.size
    rr: tuple[int, ...] = ()
    if flags & FLAG_RR:
        pairs = (len(data) - offset) // 2
        rr = struct.unpack_from(f"<{pairs}H", data, offset)
        offset += 2 * pairs
    return HrmMeasurement(
        heart_rate_bpm=bpm,
        contact=_CONTACT[(flags & FLAG_CONTACT_MASK) >> 1],
        energy_kj=energy,
        rr_1024=rr,
        extra_bytes=len(data) - offset,
    )


def encode_hrm_measurement(
    heart_rate_bpm: int,
    *,
    contact: SensorContact = SensorContact.DETECTED,
    energy_kj: int | None = None,
    rr_1024: tuple[int, ...] | list[int] = (),
    uint16: bool = False,
) -> bytes:
    """The inverse of decode_hrm_measurement: what a strap would send (used by the fake
    strap, the demo sessions and the tests). A value over 255 is sent as uint16."""
    flags = {
        SensorContact.NOT_SUPPORTED: 0,
        SensorContact.NOT_DETECTED: 0x04,
        SensorContact.DETECTED: 0x06,
    }[contact]
    uint16 = uint16 or heart_rate_bpm > 0xFF
    body = _U16.pack(heart_rate_bpm) if uint16 else bytes([heart_rate_bpm])
    if uint16:
        flags |= FLAG_UINT16
    if energy_kj is not None:
        flags |= FLAG_ENERGY
        body += _U16.pack(energy_kj)
    if rr_1024:
        flags |= FLAG_RR
        body += struct.pack(f"<{len(rr_1024)}H", *rr_1024)
    return bytes([flags]) + body

"""The Heart Rate Measurement decoder: the spec's layout, real packets from other open
projects' tests, malformed packets, and any bytes.

Where each vector comes from (the bytes and the expected values are theirs; the
expectations here are footnote's own reading of the same spec):
- movisens/SmartGattLib, src/test/java/HeartRateMeasurementTest.java: "16485401EC02",
  72 bpm, worn, no energy, RR 0.33203125 and 0.73046875 s.
- OpenTracksApp/OpenTracks, src/androidTest/.../sensors/BluetoothConnectionManagerHeartRateTest.java:
  {0x02, 0x3C} = 60 bpm (uint8), {0x01, 0x01, 0x01} = 257 bpm (uint16).
- polarofficial/polar-ble-sdk (commit 3f7106a74af7), sources/Android/android-communications/
  library/src/test/java/.../gatt/client/BleHrClientTest.kt: uint8 00FF/007F, uint16
  018080/017F7F, contact 0600/0400 (supported, detected / not detected), 0200/0000 (not
  supported), energy 090000FFFF/08007F80, RR 1000FFFF, 110000FFFF7F80, 1100000000.
- rickosborne/es-js-ts (commit 826364e78ebd), src/packages/bluetools/__test__/heart-rate.test.ts:
  103fe803, 103fc603, 103fd203 (63 bpm with one RR each, 1000/966/978 in 1/1024 s).
- The spec itself (Heart Rate Service 1.0; GATT Specification Supplement 3.113): the flag
  bits and field order, from which the every-flag test below builds its packets.
"""

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from footnote.device.errors import FootnoteError, HrmDecodeError
from footnote.device.rules.hrm import (
    HrmMeasurement,
    SensorContact,
    decode_hrm_measurement,
    encode_hrm_measurement,
    expected_length,
)

NOT_SUPPORTED, NOT_DETECTED, DETECTED = SensorContact.NOT_SUPPORTED, SensorContact.NOT_DETECTED, SensorContact.DETECTED

# (hex, heart rate, contact, energy kJ, RR in 1/1024 s, source)
VECTORS = [
    ("16485401ec02", 72, DETECTED, None, (340, 748), "SmartGattLib HeartRateMeasurementTest"),
    ("023c", 60, NOT_SUPPORTED, None, (), "OpenTracks parseHeartRate_uint8"),
    ("010101", 257, NOT_SUPPORTED, None, (), "OpenTracks parseHeartRate_uint16"),
    ("00ff", 255, NOT_SUPPORTED, None, (), "polar-ble-sdk hr format uint8"),
    ("007f", 127, NOT_SUPPORTED, None, (), "polar-ble-sdk hr format uint8"),
    ("018080", 32896, NOT_SUPPORTED, None, (), "polar-ble-sdk hr format uint16"),
    ("017f7f", 32639, NOT_SUPPORTED, None, (), "polar-ble-sdk hr format uint16"),
    ("0600", 0, DETECTED, None, (), "polar-ble-sdk sensor contact supported"),
    ("0400", 0, NOT_DETECTED, None, (), "polar-ble-sdk sensor contact supported"),
    ("0200", 0, NOT_SUPPORTED, None, (), "polar-ble-sdk sensor contact not supported"),
    ("0000", 0, NOT_SUPPORTED, None, (), "polar-ble-sdk sensor contact not supported"),
    ("090000ffff", 0, NOT_SUPPORTED, 65535, (), "polar-ble-sdk energy expended"),
    ("08007f80", 0, NOT_SUPPORTED, 32895, (), "polar-ble-sdk energy expended"),
    ("1000ffff", 0, NOT_SUPPORTED, None, (65535,), "polar-ble-sdk rr interval"),
    ("110000ffff7f80", 0, NOT_SUPPORTED, None, (65535, 32895), "polar-ble-sdk rr interval"),
    (
        "1100000000",
        0,
        NOT_SUPPORTED,
        None,
        (0,),
        "polar-ble-sdk rr interval (its comment says 10 00 00 00; the bytes sent are these)",
    ),
    ("103fe803", 63, NOT_SUPPORTED, None, (1000,), "es-js-ts heart-rate.test"),
    ("103fc603", 63, NOT_SUPPORTED, None, (966,), "es-js-ts heart-rate.test"),
    ("103fd203", 63, NOT_SUPPORTED, None, (978,), "es-js-ts heart-rate.test"),
]


@pytest.mark.parametrize("packet, bpm, contact, energy, rr, source", VECTORS, ids=[v[0] for v in VECTORS])
def test_real_packets_from_other_projects_tests(packet, bpm, contact, energy, rr, source):
    m = decode_hrm_measurement(bytes.fromhex(packet))
    assert (m.heart_rate_bpm, m.contact, m.energy_kj, m.rr_1024, m.extra_bytes) == (bpm, contact, energy, rr, 0)


def test_rr_intervals_are_in_1024ths_of_a_second():
    # SmartGattLib's expectation, in seconds.
    assert decode_hrm_measurement(bytes.fromhex("16485401ec02")).rr_s == (0.33203125, 0.73046875)


@pytest.mark.parametrize("flags", range(32))
def test_every_flag_combination_decodes(flags):
    body = bytes([flags]) + (struct.pack("<H", 151) if flags & 1 else bytes([151]))
    if flags & 0x08:
        body += struct.pack("<H", 1234)
    if flags & 0x10:
        body += struct.pack("<3H", 410, 420, 405)
    m = decode_hrm_measurement(body)
    assert m.heart_rate_bpm == 151
    assert m.contact == [NOT_SUPPORTED, NOT_SUPPORTED, NOT_DETECTED, DETECTED][(flags >> 1) & 3]
    assert m.energy_kj == (1234 if flags & 0x08 else None)
    assert m.rr_1024 == ((410, 420, 405) if flags & 0x10 else ())
    assert m.extra_bytes == 0


def test_reserved_flag_bits_are_ignored():
    assert decode_hrm_measurement(bytes([0xE6, 140])).heart_rate_bpm == 140


@pytest.mark.parametrize(
    "packet, message",
    [
        (b"", "too short"),
        (bytes([0x06]), "too short"),
        (bytes([0x01, 0x50]), "flags 0x01 need 3"),  # says uint16, has one byte
        (bytes([0x0E, 150, 0x10]), "flags 0x0e need 4"),  # energy cut short
        (bytes([0x16, 150]), "flags 0x16 need 4"),  # says RR, has none
        (bytes([0x16, 150, 0x10]), "flags 0x16 need 4"),  # half an RR interval
    ],
)
def test_malformed_packets_give_a_clear_error(packet, message):
    with pytest.raises(HrmDecodeError, match=message):
        decode_hrm_measurement(packet)


@pytest.mark.parametrize(
    "packet, extra",
    [
        (bytes([0x06, 150, 1, 2]), 2),  # no RR flag: everything after the heart rate is extra
        (bytes([0x0E, 150, 10, 0, 9]), 1),
        (bytes([0x16, 150, 0x10, 0x02, 0x22]), 1),  # RR: whole pairs are intervals, an odd byte is extra
    ],
)
def test_a_packet_longer_than_its_flags_need_is_read_and_the_extra_bytes_counted(packet, extra):
    m = decode_hrm_measurement(packet)
    assert (m.heart_rate_bpm, m.extra_bytes) == (150, extra)


@pytest.mark.parametrize(
    "packet, usable",
    [
        ("16485401ec02", 72),  # contact detected
        ("0400", None),  # supported, not detected: not a heart rate
        ("049c", None),  # not detected, even with a plausible value: the strap says it is none
        ("0200", None),  # contact not supported, and 0: a strap off the skin
        ("023c", 60),  # contact not supported, plausible value
        ("018080", None),  # 32896 bpm is no heart rate
    ],
)
def test_no_skin_contact_is_no_heart_rate_never_zero(packet, usable):
    assert decode_hrm_measurement(bytes.fromhex(packet)).usable_bpm == usable


def test_decode_error_is_a_value_error_and_ours():
    assert issubclass(HrmDecodeError, ValueError) and issubclass(HrmDecodeError, FootnoteError)


@given(st.binary(max_size=24))
def test_any_bytes_give_a_value_or_our_error(data):
    try:
        m = decode_hrm_measurement(data)
    except HrmDecodeError:
        assert len(data) < 2 or len(data) < expected_length(data[0])
        return
    assert isinstance(m, HrmMeasurement)
    flags = data[0]
    fixed = 1 + (2 if flags & 1 else 1) + (2 if flags & 8 else 0)
    assert len(data) == fixed + 2 * len(m.rr_1024) + m.extra_bytes
    assert m.extra_bytes <= 1 if flags & 0x10 else m.extra_bytes == len(data) - fixed
    assert 0 <= m.heart_rate_bpm <= 0xFFFF and all(0 <= rr <= 0xFFFF for rr in m.rr_1024)


@given(
    st.integers(0, 0xFFFF),
    st.sampled_from(list(SensorContact)),
    st.one_of(st.none(), st.integers(0, 0xFFFF)),
    st.lists(st.integers(0, 0xFFFF), max_size=9),
    st.booleans(),
)
def test_encode_then_decode_round_trips(bpm, contact, energy, rr, uint16):
    m = decode_hrm_measurement(
        encode_hrm_measurement(bpm, contact=contact, energy_kj=energy, rr_1024=rr, uint16=uint16)
    )
    assert (m.heart_rate_bpm, m.contact, m.energy_kj, m.rr_1024, m.extra_bytes) == (bpm, contact, energy, tuple(rr), 0)

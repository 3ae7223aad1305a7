"""The RSC Measurement decoder: every flag combination, malformed packets, and any bytes."""

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from footnote.device.errors import FootnoteError, RscDecodeError
from footnote.device.rules.rsc import RscMeasurement, decode_rsc_measurement, encode_rsc_measurement


@pytest.mark.parametrize("flags", range(8))
def test_every_flag_combination_decodes(flags):
    body = struct.pack("<BHB", flags, 3 * 256 + 128, 88)
    if flags & 1:
        body += struct.pack("<H", 123)
    if flags & 2:
        body += struct.pack("<I", 45678)
    m = decode_rsc_measurement(body)
    assert m.speed_mps == pytest.approx(3.5)
    assert m.cadence_per_min == 88
    assert m.running is bool(flags & 4)
    assert m.stride_m == (pytest.approx(1.23) if flags & 1 else None)
    assert m.total_distance_m == (pytest.approx(4567.8) if flags & 2 else None)


def test_reserved_flag_bits_are_ignored():
    assert decode_rsc_measurement(bytes([0xF8, 0, 2, 90])).speed_mps == 2.0


@pytest.mark.parametrize(
    "packet, message",
    [
        (b"", "too short"),
        (bytes([0x00, 0x00, 0x03]), "too short"),
        (bytes([0x01, 0, 3, 80]), "flags 0x01 need 6"),  # says stride, has none
        (bytes([0x02, 0, 3, 80, 1, 2, 3]), "flags 0x02 need 8"),  # distance cut short
    ],
)
def test_malformed_packets_give_a_clear_error(packet, message):
    with pytest.raises(RscDecodeError, match=message):
        decode_rsc_measurement(packet)


@pytest.mark.parametrize("flags, extra", [(0x00, 1), (0x02, 3), (0x0B, 2)])
def test_a_packet_longer_than_its_flags_need_is_read_and_the_extra_bytes_counted(flags, extra):
    # A later spec that uses a reserved bit adds its field after the ones we know.
    packet = encode_rsc_measurement(2.5, 85, total_distance_m=120.0 if flags & 2 else None)
    packet = bytes([flags | packet[0] & 0x04]) + packet[1:]
    if flags & 1:
        packet = packet[:4] + struct.pack("<H", 110) + packet[4:]
    m = decode_rsc_measurement(packet + bytes(range(extra)))
    assert (m.speed_mps, m.cadence_per_min, m.extra_bytes) == (2.5, 85, extra)
    assert m.total_distance_m == (pytest.approx(120.0) if flags & 2 else None)
    assert m.stride_m == (pytest.approx(1.1) if flags & 1 else None)


def test_decode_error_is_a_value_error_and_ours():
    assert issubclass(RscDecodeError, ValueError) and issubclass(RscDecodeError, FootnoteError)


@given(st.binary(max_size=16))
def test_any_bytes_give_a_value_or_our_error(data):
    try:
        m = decode_rsc_measurement(data)
    except RscDecodeError:
        return
    assert isinstance(m, RscMeasurement)
    assert len(data) >= 4 and m.extra_bytes == len(data) - 4 - (2 if data[0] & 1 else 0) - (4 if data[0] & 2 else 0)
    assert 0 <= m.speed_mps < 256 and 0 <= m.cadence_per_min <= 255


@given(
    st.floats(0, 255, allow_nan=False),
    st.integers(0, 255),
    st.booleans(),
    st.one_of(st.none(), st.floats(0, 655, allow_nan=False)),
    st.one_of(st.none(), st.floats(0, 400_000_000, allow_nan=False)),
)
def test_encode_then_decode_round_trips(speed, cadence, running, stride, distance):
    m = decode_rsc_measurement(
        encode_rsc_measurement(speed, cadence, running=running, stride_m=stride, total_distance_m=distance)
    )
    assert m.speed_mps == pytest.approx(speed, abs=1 / 256)
    assert m.cadence_per_min == cadence and m.running is running
    assert (m.stride_m is None) is (stride is None)
    assert (m.total_distance_m is None) is (distance is None)

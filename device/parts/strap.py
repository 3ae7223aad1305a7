"""The BLE heart-rate strap: Heart Rate Service (0x180D) through the one sensor client
(device.parts.sensor: scan, pair by address, retrying connect, reconnect with back-off,
a callback that only queues).

On connect it reads Body Sensor Location (0x2A38) when present and subscribes to Heart
Rate Measurement (0x2A37); notifications go to `inputs.hrm`, link changes to
`inputs.strap`. It runs beside the footpod's client or alone; the two take turns to scan.
"""

from __future__ import annotations

from footnote.device.parts.sensor import (
    FoundSensor,
    InfoRead,
    SensorClient,
    SensorProfile,
    scan_for,
)
from footnote.device.rules.hrm import BODY_SENSOR_LOCATION_UUID, HEART_RATE_MEASUREMENT_UUID, HEART_RATE_SERVICE_UUID

STRAP = SensorProfile(
    label="strap",
    service_uuid=HEART_RATE_SERVICE_UUID,
    measurement_uuid=HEART_RATE_MEASUREMENT_UUID,
    reads=(InfoRead("location", BODY_SENSOR_LOCATION_UUID, 1),),
    notify="hrm",
    link="strap",
)


async def scan_straps(*, timeout_s: float = 8.0) -> list[FoundSensor]:
    """Every device advertising the Heart Rate Service, strongest signal first."""
    return await scan_for(HEART_RATE_SERVICE_UUID, timeout_s=timeout_s)


class StrapClient(SensorClient):
    """Streams one heart-rate strap into a logger's Inputs until cancelled (see SensorClient)."""

    profile = STRAP

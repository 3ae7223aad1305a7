"""The BLE footpod: Running Speed and Cadence (0x1814) through the one sensor client
(device.parts.sensor: scan, pair by address, retrying connect, reconnect with back-off,
a callback that only queues).

On connect it reads RSC Feature (0x2A54) and Sensor Location (0x2A5D) when present and
subscribes to RSC Measurement (0x2A53); notifications go to `inputs.rsc`, link changes
to `inputs.link`. The scan filters on the RSC service, so a Stryd that also offers
Cycling Power is found by its RSC service and plain cycling sensors are not.
"""

from __future__ import annotations

from footnote.device.parts.sensor import (
    FoundSensor,
    InfoRead,
    SensorClient,
    SensorProfile,
    scan_for,
)
from footnote.device.rules.rsc import RSC_FEATURE_UUID, RSC_MEASUREMENT_UUID, RSC_SERVICE_UUID, SENSOR_LOCATION_UUID

FOOTPOD = SensorProfile(
    label="footpod",
    service_uuid=RSC_SERVICE_UUID,
    measurement_uuid=RSC_MEASUREMENT_UUID,
    reads=(InfoRead("feature", RSC_FEATURE_UUID, 2), InfoRead("location", SENSOR_LOCATION_UUID, 1)),
    notify="rsc",
    link="link",
)

FoundPod = FoundSensor


async def scan_footpods(*, timeout_s: float = 8.0) -> list[FoundSensor]:
    """Every device advertising Running Speed and Cadence, strongest signal first."""
    return await scan_for(RSC_SERVICE_UUID, timeout_s=timeout_s)


class FootpodClient(SensorClient):
    """Streams one footpod into a logger's Inputs until cancelled (see SensorClient)."""

    profile = FOOTPOD

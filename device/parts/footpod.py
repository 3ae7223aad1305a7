"""The BLE footpod through bleak: find it, connect, stream RSC notifications, survive drops.

The notification callback does one thing: stamp the bytes with the clock and enqueue
them (device.parts.protocols.Inputs); decoding and storing happen in the logger's consumer. The
link is kept for as long as the logger runs: when it drops, a "disconnected" event is
queued at once, and the client scans and reconnects with a growing back-off (bounded,
so a pod that comes back is picked up within a few seconds). The button never waits on
any of this: it has its own path into the same queue.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError
from bleak_retry_connector import BleakConnectionError, BleakNotFoundError, establish_connection

from footnote.device.rules.rsc import RSC_FEATURE_UUID, RSC_MEASUREMENT_UUID, RSC_SERVICE_UUID, SENSOR_LOCATION_UUID
from footnote.device.rules.text import device_name

logger = logging.getLogger(__name__)

SCAN_WINDOW_S = 3.0  # how long an unpaired scan listens before taking the strongest pod
BACKOFF_S = (0.5, 1.0, 2.0, 4.0)  # between failed connection attempts; the last repeats
CONNECT_ATTEMPTS = 3  # per establish_connection call (bleak-retry-connector's own retries)


@dataclass(frozen=True)
class FoundPod:
    name: str
    address: str
    rssi: int
    device: BLEDevice


async def scan_footpods(*, timeout_s: float = 8.0) -> list[FoundPod]:
    """Every device advertising Running Speed and Cadence, strongest signal first.

    The scan filters on the RSC service (0x1814), so a power meter that also offers
    Cycling Power (Stryd) is listed by its RSC service and plain cycling sensors are not.
    """
    found = await BleakScanner.discover(timeout=timeout_s, service_uuids=[RSC_SERVICE_UUID], return_adv=True)
    pods = [
        FoundPod(
            name=device_name(device.name or adv.local_name) or "(no name)",
            address=device.address,
            rssi=adv.rssi,
            device=device,
        )
        for device, adv in found.values()
        if RSC_SERVICE_UUID in adv.service_uuids
    ]
    return sorted(pods, key=lambda pod: pod.rssi, reverse=True)


class FootpodClient:
    """Streams one footpod into a logger's Inputs until cancelled.

    `address`: the paired pod; only it is taken. Without one, the strongest RSC device
    heard in a SCAN_WINDOW_S scan is taken.
    """

    def __init__(
        self,
        *,
        address: str | None = None,
        scan_window_s: float = SCAN_WINDOW_S,
        backoff_s: tuple[float, ...] = BACKOFF_S,
    ) -> None:
        self.address = address.upper() if address else None
        self.scan_window_s = scan_window_s
        self.backoff_s = backoff_s
        self.connections = 0  # successful connections, for tests and logs

    @classmethod
    def from_config(cls, config) -> FootpodClient:
        return cls(address=config.footpod.address or None)

    async def find(self) -> BLEDevice | None:
        """One scan: the paired pod as soon as it is heard, or the strongest RSC pod."""
        if self.address:
            return await BleakScanner.find_device_by_filter(
                lambda device, adv: device.address.upper() == self.address,
                timeout=self.scan_window_s,
                service_uuids=[RSC_SERVICE_UUID],
            )
        pods = await scan_footpods(timeout_s=self.scan_window_s)
        return pods[0].device if pods else None

    async def run(self, inputs) -> None:
        """Find, connect, stream, and on any drop start again, until cancelled.

        Nothing here may end the task: no adapter, no D-Bus, BlueZ restarting, a pod
        refusing to connect all mean "wait a little and try again" (the button is
        unaffected either way)."""
        failures = 0
        while True:
            where = "scan"
            try:
                device = await self.find()
                if device is None:
                    logger.debug("no footpod heard; scanning again")
                    continue
                where = device.address
                await self._stream(device, inputs)
                failures = 0
            except (BleakError, BleakConnectionError, BleakNotFoundError, TimeoutError, EOFError, OSError) as exc:
                delay = self.backoff_s[min(failures, len(self.backoff_s) - 1)]
                failures += 1
                log = logger.warning if failures <= 3 or failures % 100 == 0 else logger.debug
                log(
                    "footpod %s: %s; trying again in %.1f s (attempt %d)",
                    where,
                    exc or type(exc).__name__,
                    delay,
                    failures,
                )
                await asyncio.sleep(delay)

    async def _stream(self, device: BLEDevice, inputs) -> None:
        dropped = asyncio.Event()
        client = await establish_connection(
            BleakClient,
            device,
            device.name or device.address,
            disconnected_callback=lambda _client: dropped.set(),
            max_attempts=CONNECT_ATTEMPTS,
        )
        linked = False
        try:
            # A connect retried after le-connection-abort-by-local may have fired the
            # disconnected callback before the link finally came up.
            dropped.clear()
            feature = await _read_int(client, RSC_FEATURE_UUID, 2)
            location = await _read_int(client, SENSOR_LOCATION_UUID, 1)
            # A name that is not text (control characters, longer than BLE allows) is no name.
            name = device_name(device.name)
            inputs.link("connected", address=device.address, name=name, feature=feature, location=location)
            linked = True
            self.connections += 1
            logger.info("footpod %s (%s) connected", name, device.address)
            clock = inputs.clock
            await client.start_notify(RSC_MEASUREMENT_UUID, lambda _char, data: inputs.rsc(clock(), bytes(data)))
            await dropped.wait()
            logger.warning("footpod %s dropped the link", device.address)
        finally:
            if linked:
                inputs.link("disconnected")
            # Always: after a drop bleak still holds this client's own D-Bus connection,
            # and only disconnect() releases it (the drop storm test counts them).
            await asyncio.shield(_quietly_disconnect(client))


async def _read_int(client: BleakClient, uuid: str, size: int) -> int | None:
    """Read a small optional characteristic; None when the pod does not have it."""
    if client.services.get_characteristic(uuid) is None:
        return None
    try:
        data = await client.read_gatt_char(uuid)
    except BleakError as exc:
        logger.info("could not read %s: %s", uuid, exc)
        return None
    return int.from_bytes(bytes(data[:size]), "little") if len(data) >= size else None


async def _quietly_disconnect(client: BleakClient) -> None:
    try:
        await client.disconnect()
    except (BleakError, TimeoutError, EOFError, OSError) as exc:
        logger.debug("disconnect: %s", exc)

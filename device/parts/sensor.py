"""One BLE sensor through bleak: find it, connect, stream its notifications, survive drops.

The footpod (device.parts.footpod) and the heart-rate strap (device.parts.strap) are the
same client with a different `SensorProfile`: which service to scan for, which
characteristic to subscribe to, which small characteristics to read on connect, and
which of the logger's Inputs methods a notification and a link change go to.

The notification callback does one thing: stamp the bytes with the clock and enqueue
them (device.parts.protocols.Inputs); decoding and storing happen in the logger's
consumer. The link is kept for as long as the logger runs: when it drops, a
"disconnected" event is queued at once, and the client scans and reconnects with a
growing back-off (bounded, so a sensor that comes back is picked up within a few
seconds). The button never waits on any of this: it has its own path into the queue.

Two sensors share one adapter, and BlueZ keeps one discovery session per D-Bus client:
a second StartDiscovery from the same process is refused ("InProgress"), and a second
SetDiscoveryFilter replaces the first one's service filter. So the clients of one
process take turns to scan (`SCAN_LOCK`, one per event loop); connected sensors do not
scan, so the turns are short and rare.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Self

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError
from bleak_retry_connector import BleakConnectionError, BleakNotFoundError, establish_connection

from footnote.device.rules.text import device_name

logger = logging.getLogger(__name__)

SCAN_WINDOW_S = 3.0  # how long an unpaired scan listens before taking the strongest sensor
BACKOFF_S = (0.5, 1.0, 2.0, 4.0)  # between failed connection attempts; the last repeats
CONNECT_ATTEMPTS = 3  # per establish_connection call (bleak-retry-connector's own retries)


@dataclass(frozen=True)
class InfoRead:
    """A small characteristic read once on connect and passed on with the "connected"
    link event under `key` (None when the sensor does not have it)."""

    key: str
    uuid: str
    size: int


@dataclass(frozen=True)
class SensorProfile:
    """What makes a sensor a footpod or a strap, for the one client below."""

    label: str  # "footpod" | "strap": in logs and messages
    service_uuid: str
    measurement_uuid: str
    reads: tuple[InfoRead, ...]
    notify: str  # the Inputs method a notification goes to: inputs.<notify>(t, data)
    link: str  # the Inputs method a link change goes to: inputs.<link>(state, **info)


@dataclass(frozen=True)
class FoundSensor:
    name: str
    address: str
    rssi: int
    device: BLEDevice


_scan_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def scan_lock() -> asyncio.Lock:
    """The lock every sensor client of this event loop holds while it scans."""
    loop = asyncio.get_running_loop()
    lock = _scan_locks.get(loop)
    if lock is None:
        lock = _scan_locks[loop] = asyncio.Lock()
    return lock


async def scan_for(service_uuid: str, *, timeout_s: float) -> list[FoundSensor]:
    """Every device advertising this service, strongest signal first."""
    async with scan_lock():
        found = await BleakScanner.discover(timeout=timeout_s, service_uuids=[service_uuid], return_adv=True)
    sensors = [
        FoundSensor(
            name=device_name(device.name or adv.local_name) or "(no name)",
            address=device.address,
            rssi=adv.rssi,
            device=device,
        )
        for device, adv in found.values()
        if service_uuid in adv.service_uuids
    ]
    return sorted(sensors, key=lambda s: s.rssi, reverse=True)


class SensorClient:
    """Streams one sensor into a logger's Inputs until cancelled.

    `address`: the paired sensor; only it is taken. Without one, the strongest device
    advertising the profile's service heard in a `scan_window_s` scan is taken.
    """

    profile: ClassVar[SensorProfile]  # what sensor it is: set by each subclass (footpod.py, strap.py)

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
    def from_config(cls, config) -> Self:
        """The sensor paired in the config's section of the profile's name ([footpod],
        [strap]), or, with no address there, the strongest one heard."""
        return cls(address=getattr(config, cls.profile.label).address or None)

    async def find(self) -> BLEDevice | None:
        """One scan: the paired sensor as soon as it is heard, or the strongest one."""
        if self.address:
            async with scan_lock():
                return await BleakScanner.find_device_by_filter(
                    lambda device, adv: device.address.upper() == self.address,
                    timeout=self.scan_window_s,
                    service_uuids=[self.profile.service_uuid],
                )
        found = await scan_for(self.profile.service_uuid, timeout_s=self.scan_window_s)
        return found[0].device if found else None

    async def run(self, inputs) -> None:
        """Find, connect, stream, and on any drop start again, until cancelled.

        Nothing here may end the task: no adapter, no D-Bus, BlueZ restarting, a sensor
        refusing to connect all mean "wait a little and try again" (the button is
        unaffected either way)."""
        failures = 0
        label = self.profile.label
        while True:
            where = "scan"
            try:
                device = await self.find()
                if device is None:
                    logger.debug("no %s heard; scanning again", label)
                    continue  # (SCAN_LOCK is fair: a waiting client scans first)
                where = device.address
                await self._stream(device, inputs)
                failures = 0
            except (BleakError, BleakConnectionError, BleakNotFoundError, TimeoutError, EOFError, OSError) as exc:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    # The logger is stopping: bleak's clean-up on a lost D-Bus raised an OS
                    # error in place of the cancellation, which must not become a retry.
                    raise asyncio.CancelledError from exc
                delay = self.backoff_s[min(failures, len(self.backoff_s) - 1)]
                failures += 1
                log = logger.warning if failures <= 3 or failures % 100 == 0 else logger.debug
                log(
                    "%s %s: %s; trying again in %.1f s (attempt %d)",
                    label,
                    where,
                    exc or type(exc).__name__,
                    delay,
                    failures,
                )
                await asyncio.sleep(delay)

    async def _stream(self, device: BLEDevice, inputs) -> None:
        profile = self.profile
        link: Callable[..., None] = getattr(inputs, profile.link)
        notify: Callable[[float, bytes], None] = getattr(inputs, profile.notify)
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
            info = {read.key: await _read_int(client, read.uuid, read.size) for read in profile.reads}
            # A name that is not text (control characters, longer than BLE allows) is no name.
            name = device_name(device.name)
            link("connected", address=device.address, name=name, **info)
            linked = True
            self.connections += 1
            logger.info("%s %s (%s) connected", profile.label, name, device.address)
            clock = inputs.clock
            await client.start_notify(profile.measurement_uuid, lambda _char, data: notify(clock(), bytes(data)))
            await dropped.wait()
            logger.warning("%s %s dropped the link", profile.label, device.address)
        finally:
            if linked:
                link("disconnected")
            # Always: after a drop bleak still holds this client's own D-Bus connection,
            # and only disconnect() releases it (the drop storm test counts them).
            await asyncio.shield(_quietly_disconnect(client))


async def _read_int(client: BleakClient, uuid: str, size: int) -> int | None:
    """Read a small optional characteristic; None when the sensor does not have it."""
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

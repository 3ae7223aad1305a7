"""A fake BlueZ on a private D-Bus, so bleak's real Linux backend runs unmodified.

`PrivateBus` starts Debian's dbus-daemon on a socket in a temporary folder; tests point
DBUS_SYSTEM_BUS_ADDRESS at it. `FakeBlueZ` owns `org.bluez` on that bus from its own
thread and event loop (like the real bluetoothd, a separate peer) and plays simulated
footpods and heart-rate straps: they advertise while discovery is on, accept or refuse
Connect, notify RSC or Heart Rate Measurements, drop the link and come back, as a test
tells them to. A sensor accepts `max_connections` centrals (a footpod usually one; a
Wahoo TICKR several); `FakeBlueZ.watch_connects` lets a simulated watch hold one.

Like bluetoothd, the adapter keeps one discovery session per client: a second
StartDiscovery while discovering is refused with org.bluez.Error.InProgress, and
SetDiscoveryFilter replaces the filter (only sensors offering one of its UUIDs are
heard), so two scans that overlap in one process fail here as they would on a Pi.

(No `from __future__ import annotations` here: dbus-fast reads the signature strings
in the annotations.)
"""

import asyncio
import shutil
import subprocess
import threading
import time
from pathlib import Path

from dbus_fast import BusType, DBusError
from dbus_fast.aio import MessageBus
from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_property, method

from footnote.device.rules.hrm import (
    BODY_SENSOR_LOCATION_UUID,
    HEART_RATE_MEASUREMENT_UUID,
    HEART_RATE_SERVICE_UUID,
    SensorContact,
    encode_hrm_measurement,
)
from footnote.device.rules.rsc import (
    RSC_FEATURE_UUID,
    RSC_MEASUREMENT_UUID,
    RSC_SERVICE_UUID,
    SENSOR_LOCATION_UUID,
    encode_rsc_measurement,
)

ADAPTER_PATH = "/org/bluez/hci0"
CYCLING_POWER_UUID = "00001818-0000-1000-8000-00805f9b34fb"


class PrivateBus:
    """dbus-daemon on a private socket; reap it with stop()."""

    def __init__(self, folder: Path) -> None:
        daemon = shutil.which("dbus-daemon")
        if daemon is None:
            raise RuntimeError("dbus-daemon is missing: install Debian's dbus-daemon package (make test does)")
        self.socket = folder / "bus.sock"
        self.address = f"unix:path={self.socket}"
        self.proc = subprocess.Popen(
            [daemon, "--session", "--nofork", "--nopidfile", f"--address={self.address}", "--print-address"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.proc.stdout.readline()  # the daemon prints its address once it listens

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


class PodSim:
    """What the simulated runner and pod are doing: the next notification, or None."""

    def __init__(
        self,
        *,
        speed_mps=3.0,
        cadence_spm=170,
        strides_per_min=False,
        stride=True,
        distance=True,
        alternate_flags=False,
    ):
        self.speed_mps = speed_mps
        self.cadence_spm = cadence_spm
        self.strides_per_min = strides_per_min
        self.stride = stride
        self.distance = distance
        self.alternate_flags = alternate_flags
        self.when_still = "zeros"
        self.pod_distance_m = 0.0
        self.last = None
        self.sent = 0

    def packet(self, dt_s: float):
        self.pod_distance_m += self.speed_mps * dt_s
        if self.speed_mps == 0 and self.when_still == "silent":
            return None
        if self.speed_mps == 0 and self.when_still == "repeat" and self.last is not None:
            return self.last
        n = self.sent
        self.sent += 1
        cadence = self.cadence_spm / 2 if self.strides_per_min else self.cadence_spm
        with_stride = self.stride and (not self.alternate_flags or n % 2 == 0)
        with_distance = self.distance and (not self.alternate_flags or n % 2 == 1)
        self.last = encode_rsc_measurement(
            self.speed_mps,
            round(cadence),
            running=self.speed_mps > 2,
            stride_m=1.1 if with_stride else None,
            total_distance_m=self.pod_distance_m if with_distance else None,
        )
        return self.last


class StrapSim:
    """What the simulated heart and strap are doing: the next notification, or None.

    `contact`: a SensorContact; `rr`: send RR intervals (one per beat since the last
    packet); `energy_kj`: send energy expended; `garbage`: send these bytes instead."""

    def __init__(self, *, bpm=150, contact=SensorContact.DETECTED, rr=True, energy_kj=None, uint16=False):
        self.bpm = bpm
        self.contact = contact
        self.rr = rr
        self.energy_kj = energy_kj
        self.uint16 = uint16
        self.garbage = None
        self.sent = 0

    def packet(self, dt_s: float):
        self.sent += 1
        if self.garbage is not None:
            return self.garbage
        rr = [round(60 / self.bpm * 1024)] if self.rr and self.bpm > 0 else []
        return encode_hrm_measurement(
            self.bpm, contact=self.contact, energy_kj=self.energy_kj, rr_1024=rr, uint16=self.uint16
        )


class Adapter(ServiceInterface):
    def __init__(self, bluez):
        super().__init__("org.bluez.Adapter1")
        self.bluez = bluez
        self.discovering = False

    @method()
    def SetDiscoveryFilter(self, filter: "a{sv}"):
        self.bluez.discovery_filters.append(filter)
        uuids = filter.get("UUIDs")
        self.bluez.filter_uuids = {u.lower() for u in uuids.value} if uuids is not None else set()

    @method()
    def StartDiscovery(self):
        if self.discovering:
            # bluetoothd: one discovery session per client; the second is refused.
            self.bluez.refused_discoveries += 1
            raise DBusError("org.bluez.Error.InProgress", "Operation already in progress")
        self.discovering = True
        self.emit_properties_changed({"Discovering": True})

    @method()
    def StopDiscovery(self):
        self.discovering = False
        self.emit_properties_changed({"Discovering": False})

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> "s":  # noqa: F821
        return "00:1A:7D:DA:71:13"

    @dbus_property(access=PropertyAccess.READ)
    def Powered(self) -> "b":  # noqa: F821
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Discovering(self) -> "b":  # noqa: F821
        return self.discovering

    @dbus_property(access=PropertyAccess.READ)
    def Roles(self) -> "as":
        return ["central", "peripheral"]


class Characteristic(ServiceInterface):
    def __init__(self, service_path, uuid, flags, value=b""):
        super().__init__("org.bluez.GattCharacteristic1")
        self.service_path = service_path
        self.uuid = uuid
        self.flags = flags
        self.value = value
        self.notifying = False

    @method()
    def ReadValue(self, options: "a{sv}") -> "ay":  # noqa: F821
        return self.value

    @method()
    def StartNotify(self):
        self.notifying = True
        self.emit_properties_changed({"Notifying": True})

    @method()
    def StopNotify(self):
        self.notifying = False
        self.emit_properties_changed({"Notifying": False})

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> "s":  # noqa: F821
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Service(self) -> "o":  # noqa: F821
        return self.service_path

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> "as":
        return self.flags

    # Declared, or dbus-fast drops it from PropertiesChanged and notifications vanish.
    @dbus_property(access=PropertyAccess.READ)
    def Value(self) -> "ay":  # noqa: F821
        return self.value

    @dbus_property(access=PropertyAccess.READ)
    def Notifying(self) -> "b":  # noqa: F821
        return self.notifying


class Service(ServiceInterface):
    def __init__(self, device_path, uuid):
        super().__init__("org.bluez.GattService1")
        self.device_path = device_path
        self.uuid = uuid

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> "s":  # noqa: F821
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Device(self) -> "o":  # noqa: F821
        return self.device_path

    @dbus_property(access=PropertyAccess.READ)
    def Primary(self) -> "b":  # noqa: F821
        return True


class FakeSensor(ServiceInterface):
    """org.bluez.Device1 of one simulated BLE sensor, and the sensor's own behaviour:
    one GATT service with a notifying measurement and small readable characteristics.

    `max_connections`: how many centrals it accepts at once; while that many hold it
    (the Pi, or a watch through FakeBlueZ.watch_connects), it stops advertising."""

    def __init__(
        self,
        bluez,
        address,
        name,
        *,
        service_uuid,
        measurement_uuid,
        reads,
        sim,
        rssi=-60,
        uuids=None,
        advertising=True,
        rate_hz=20.0,
        max_connections=1,
    ):
        super().__init__("org.bluez.Device1")
        self.bluez = bluez
        self.address = address
        self.pod_name = name  # not self.name: that is the D-Bus interface name
        self.rssi = rssi
        self.uuids = uuids if uuids is not None else [service_uuid]
        self.advertising = advertising
        self.rate_hz = rate_hz
        self.sim = sim
        self.max_connections = max_connections
        self.watches = 0  # other centrals (a watch) holding a connection
        self.connected = False
        self.resolved = False
        self.connect_errors = []  # (error name, message) to answer the next Connects with
        self.connect_calls = 0
        self.path = f"{ADAPTER_PATH}/dev_{address.replace(':', '_')}"
        service_path = f"{self.path}/service000c"
        self.objects = [(service_path, Service(self.path, service_uuid))]
        self.measurement = Characteristic(service_path, measurement_uuid, ["notify"])
        self.objects.append((f"{service_path}/char000d", self.measurement))
        for n, (uuid, value) in enumerate(reads):
            self.objects.append(
                (f"{service_path}/char{0x10 + 2 * n:04x}", Characteristic(service_path, uuid, ["read"], value))
            )
        if CYCLING_POWER_UUID in self.uuids:
            self.objects.append((f"{self.path}/service0020", Service(self.path, CYCLING_POWER_UUID)))

    @property
    def centrals(self):
        return self.watches + (1 if self.connected else 0)

    def heard_by(self, filter_uuids):
        """Whether a scan with this service filter hears it now."""
        if not self.advertising or self.connected or self.centrals >= self.max_connections:
            return False
        return not filter_uuids or bool(filter_uuids & {u.lower() for u in self.uuids})

    def _set(self, **props):
        for key, value in props.items():
            setattr(self, {"Connected": "connected", "ServicesResolved": "resolved", "RSSI": "rssi"}[key], value)
        self.emit_properties_changed(props)

    @method()
    async def Connect(self):
        self.connect_calls += 1
        if self.connect_errors:
            name, message = self.connect_errors.pop(0)
            if message == "le-connection-abort-by-local":
                # BlueZ did connect for a moment before the abort; bleak waits for it.
                self._set(Connected=True)
                await asyncio.sleep(0.01)
                self._set(Connected=False)
            raise DBusError(name, message)
        if not self.advertising or self.centrals >= self.max_connections:
            await asyncio.sleep(0.2)
            raise DBusError("org.bluez.Error.Failed", "Software caused connection abort")
        if self.centrals + 1 >= self.max_connections:
            self.advertising = False  # no connection left: it stops advertising
        self._set(Connected=True)
        await asyncio.sleep(0.01)
        self._set(ServicesResolved=True)

    @method()
    def Disconnect(self):
        self._link_down()

    def _link_down(self):
        self.measurement.notifying = False
        if self.connected:
            self._set(ServicesResolved=False, Connected=False)

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> "s":  # noqa: F821
        return self.address

    @dbus_property(access=PropertyAccess.READ)
    def AddressType(self) -> "s":  # noqa: F821
        return "random"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> "s":  # noqa: F821
        return self.pod_name

    @dbus_property(access=PropertyAccess.READ)
    def Alias(self) -> "s":  # noqa: F821
        return self.pod_name

    @dbus_property(access=PropertyAccess.READ)
    def Adapter(self) -> "o":  # noqa: F821
        return ADAPTER_PATH

    @dbus_property(access=PropertyAccess.READ)
    def UUIDs(self) -> "as":
        return self.uuids

    @dbus_property(access=PropertyAccess.READ)
    def Paired(self) -> "b":  # noqa: F821
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Connected(self) -> "b":  # noqa: F821
        return self.connected

    @dbus_property(access=PropertyAccess.READ)
    def ServicesResolved(self) -> "b":  # noqa: F821
        return self.resolved

    @dbus_property(access=PropertyAccess.READ)
    def RSSI(self) -> "n":  # noqa: F821
        return self.rssi


class FakePod(FakeSensor):
    """A simulated Running Speed and Cadence footpod (one connection, as most pods)."""

    def __init__(self, bluez, address, name, *, sim=None, feature=0x07, location=1, **kwargs):
        reads = [(RSC_FEATURE_UUID, feature.to_bytes(2, "little")), (SENSOR_LOCATION_UUID, bytes([location]))]
        super().__init__(
            bluez,
            address,
            name,
            service_uuid=RSC_SERVICE_UUID,
            measurement_uuid=RSC_MEASUREMENT_UUID,
            reads=reads,
            sim=sim or PodSim(),
            **kwargs,
        )


class FakeStrap(FakeSensor):
    """A simulated heart-rate strap; `max_connections=2` or more plays a strap such as
    the Wahoo TICKR that a watch and the Pi can both hold."""

    def __init__(self, bluez, address, name, *, sim=None, location=1, **kwargs):
        kwargs.setdefault("rate_hz", 10.0)
        super().__init__(
            bluez,
            address,
            name,
            service_uuid=HEART_RATE_SERVICE_UUID,
            measurement_uuid=HEART_RATE_MEASUREMENT_UUID,
            reads=[(BODY_SENSOR_LOCATION_UUID, bytes([location]))],
            sim=sim or StrapSim(),
            **kwargs,
        )


class FakeBlueZ:
    """bluetoothd's D-Bus face, in a thread of its own. Control it from the test thread
    with the methods below; each runs in the fake's loop and waits for it."""

    def __init__(self, bus_address: str) -> None:
        self.bus_address = bus_address
        self.pods: dict[str, FakePod] = {}
        self.discovery_filters = []
        self.filter_uuids = set()
        self.refused_discoveries = 0
        self.notifications = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-bluez", daemon=True)
        self._thread.start()
        self.call(self._start)

    def call(self, fn, *args):
        """Run fn(*args) (a function or coroutine function) in the fake's loop; return its result."""

        async def run():
            result = fn(*args)
            if asyncio.iscoroutine(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=10)

    async def _start(self):
        self.bus = await MessageBus(bus_address=self.bus_address, bus_type=BusType.SYSTEM).connect()
        self.adapter = Adapter(self)
        self.bus.export(ADAPTER_PATH, self.adapter)
        await self.bus.request_name("org.bluez")
        self._tasks = [asyncio.create_task(self._advertise()), asyncio.create_task(self._notify())]

    def add_pod(self, address="C0:FF:EE:00:00:01", name="Footpod", **kwargs) -> FakePod:
        return self._add(FakePod, address, name, kwargs)

    def add_strap(self, address="C0:FF:EE:00:00:0A", name="HRM strap", **kwargs) -> FakeStrap:
        return self._add(FakeStrap, address, name, kwargs)

    def _add(self, cls, address, name, kwargs):
        def add():
            sensor = cls(self, address, name, **kwargs)
            self.bus.export(sensor.path, sensor)
            for path, obj in sensor.objects:
                self.bus.export(path, obj)
            self.pods[address] = sensor
            return sensor

        return self.call(add)

    def watch_connects(self, sensor: FakeSensor):
        """The runner's watch takes one of the sensor's connections (and keeps it)."""

        def go():
            if sensor.centrals >= sensor.max_connections:
                raise RuntimeError(f"{sensor.pod_name} has no connection left for the watch")
            sensor.watches += 1
            if sensor.centrals >= sensor.max_connections:
                sensor.advertising = False

        self.call(go)

    def drop(self, pod: FakePod, *, advertising=False):
        """The link goes (out of range, battery): Connected turns False."""

        def go():
            pod.advertising = advertising
            pod._link_down()

        self.call(go)

    def set(self, pod: FakePod, **attrs):
        """Change the pod or its simulation (speed_mps=0, when_still="silent", ...)."""

        def go():
            for key, value in attrs.items():
                setattr(pod.sim if hasattr(pod.sim, key) else pod, key, value)

        self.call(go)

    async def _advertise(self):
        # bleak reports only devices that show activity while discovery is on.
        while True:
            await asyncio.sleep(0.1)
            if not self.adapter.discovering:
                continue
            for pod in self.pods.values():
                if pod.heard_by(self.filter_uuids):
                    pod._set(RSSI=pod.rssi + (1 if pod.rssi % 2 else -1))

    async def _notify(self):

        due: dict[str, float] = {}
        while True:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            for pod in self.pods.values():
                if not (pod.connected and pod.measurement.notifying):
                    due.pop(pod.address, None)
                    continue
                next_t = due.setdefault(pod.address, now)
                if now >= next_t:
                    due[pod.address] = next_t + 1 / pod.rate_hz
                    packet = pod.sim.packet(1 / pod.rate_hz)
                    if packet is not None:
                        pod.measurement.value = packet
                        pod.measurement.emit_properties_changed({"Value": packet})
                        self.notifications += 1

    def close(self):
        async def stop():
            for task in self._tasks:
                task.cancel()
            self.bus.disconnect()

        try:
            self.call(stop)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

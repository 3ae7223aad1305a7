"""What could not be reached, in words: the GPIO chip or a pin library, the system D-Bus,
BlueZ, a Bluetooth adapter. gpiozero, its pin libraries and bleak raise many kinds of
errors, most of them without naming what is missing (bleak reports a missing D-Bus as a
bare `[Errno 2]`); `footnote check` and `footnote log` say it with these."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SYSTEM_BUS = "unix:path=/run/dbus/system_bus_socket"


def gpio_problem(exc: BaseException) -> str:
    """What could not be reached, for a pin that would not open (gpiozero and its pin
    libraries raise many kinds, most of them without naming the chip or the library)."""
    text = str(exc)
    chips = sorted(str(p) for p in Path("/dev").glob("gpiochip*"))
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        return f"the pin library {exc.name} is not installed (GPIOZERO_PIN_FACTORY asks for it): {text}"
    if isinstance(exc, PermissionError) or "ermission denied" in text:
        return f"not allowed to open the GPIO chip ({', '.join(chips) or 'none found'}): is the user in the gpio group? ({text})"
    if isinstance(exc, FileNotFoundError) and ".lgd-nfy" in text:
        return (
            f"lgpio could not make its notification pipe in {Path.cwd()}: run footnote from a folder "
            f"the user can write, or set LG_WD to one ({text})"
        )
    if not chips:
        return f"no GPIO chip reachable (no /dev/gpiochip*: not a Raspberry Pi, or its GPIO driver is missing): {text}"
    return f"{text or type(exc).__name__} (GPIO chips: {', '.join(chips)})"


def bluetooth_problem(exc: BaseException) -> str:
    """What could not be reached, for a scan or a connection that failed: the system D-Bus,
    BlueZ on it, or an adapter (bleak reports a missing D-Bus as a bare `[Errno 2]`)."""
    text = str(exc) or type(exc).__name__
    bus = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS") or DEFAULT_SYSTEM_BUS
    dbus_error = getattr(exc, "dbus_error", None) or ""
    if isinstance(exc, (FileNotFoundError, ConnectionRefusedError)):
        return f"no system D-Bus at {bus} (is dbus running?): {text}"
    if isinstance(exc, PermissionError):
        return f"not allowed to use the system D-Bus at {bus} (is the user in the bluetooth group?): {text}"
    if dbus_error in ("org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner"):
        return f"BlueZ is not running (nothing answers as org.bluez on {bus}; sudo systemctl start bluetooth): {text}"
    reason = getattr(getattr(exc, "reason", None), "name", "")  # bleak's BleakBluetoothNotAvailableError
    if reason in ("NO_BLUETOOTH", "NO_BLE_CENTRAL_ROLE"):
        return f"no Bluetooth LE adapter (BlueZ answers but has none: is the radio there? rfkill list): {text}"
    if reason == "POWERED_OFF" or dbus_error == "org.bluez.Error.NotReady":
        return f"the Bluetooth adapter is off (rfkill unblock bluetooth; bluetoothctl power on): {text}"
    if reason.startswith("DENIED"):
        return f"not allowed to use Bluetooth (is the user in the bluetooth group?): {text}"
    return text

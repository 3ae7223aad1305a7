"""`footnote check`: the self-test to run after wiring.

One line per check, PASS or FAIL with what was seen, and a non-zero exit when anything
failed: LED and buzzer (the runner confirms by eye and ear), a press and a hold on the
button (timed on footnote's own press detector), the footpod (scan, connect, first
readings), the database (writable), free disk space, and the system clock.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from footnote.device.clock import system_clock_synced
from footnote.device.config import Config, load_config
from footnote.device.errors import RscDecodeError
from footnote.device.parts.button import PressDetector, attach_button
from footnote.device.parts.feedback import PinIndicator
from footnote.device.paths import resolve_db
from footnote.device.rules.rsc import RSC_MEASUREMENT_UUID, decode_rsc_measurement

MIN_FREE_MB = 200  # a 3-hour run at 4 samples/s is about 5 MB; leave room for the system
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


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str


@dataclass
class Checker:
    config: Config
    db_path: Path
    pin_factory: object | None = None
    out: TextIO = sys.stdout
    button_timeout_s: float = 20.0
    footpod_timeout_s: float = 15.0
    on_prompt: Callable[[str], None] | None = None  # tests drive the mock button from here
    pattern_pause_s: float = 1.2  # time to watch each feedback pattern
    results: list[CheckResult] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def record(self, name: str, ok: bool, detail: str) -> None:
        self.results.append(CheckResult(name, ok, detail))
        self.say(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")

    # -- the checks ------------------------------------------------------------------------
    def check_feedback(self) -> None:
        from footnote.device.live import build_indicator

        try:
            indicator: PinIndicator = build_indicator(self.config, pin_factory=self.pin_factory)
        except Exception as exc:  # gpiozero raises many kinds for a bad pin or missing access
            self.record("LED / buzzer", False, f"could not open the pins: {gpio_problem(exc)}")
            return
        parts = []
        try:
            for kind in ("onset", "worse", "relief", "error"):
                indicator.show(kind)
                time.sleep(self.pattern_pause_s * (1.4 if kind == "relief" else 1.0))  # for the runner to see
            if indicator.led is not None:
                parts.append(f"LED on BCM {self.config.feedback.led_pin} blinked 1, 2, long, 3 fast")
            if indicator.buzzer is not None:
                parts.append(f"buzzer on BCM {self.config.feedback.buzzer_pin} beeped the same")
        finally:
            indicator.close()
        ok = bool(parts)
        self.record(
            "LED / buzzer",
            ok,
            "; ".join(parts) + " (did you see/hear it?)"
            if ok
            else "both are disabled in the config: the runner gets no feedback",
        )

    def check_button(self) -> None:
        from gpiozero import Button

        try:
            button = Button(self.config.button.pin, pull_up=True, bounce_time=None, pin_factory=self.pin_factory)
        except Exception as exc:
            self.record("button", False, f"could not open BCM {self.config.button.pin}: {gpio_problem(exc)}")
            return
        detector = PressDetector(hold_time_s=self.config.button.hold_time_s)
        lock = threading.Lock()

        def on_edge(down: bool) -> None:
            with lock:
                gestures.extend(detector.edge(time.monotonic(), down))

        gestures: list = []
        attach_button(button, on_edge)
        try:
            for want, prompt in (
                ("press", "Press the button once, briefly."),
                ("hold", f"Now hold it for {self.config.button.hold_time_s} s."),
            ):
                with lock:
                    gestures.clear()
                self.say(f"      {prompt}")
                if self.on_prompt:
                    self.on_prompt(want)
                end = time.monotonic() + self.button_timeout_s
                seen = None
                while time.monotonic() < end and seen is None:
                    time.sleep(0.01)
                    with lock:
                        gestures.extend(detector.tick(time.monotonic()))
                        seen = gestures[0].kind if gestures else None
                if seen == want:
                    self.record(f"button {want}", True, f"saw a {want} on BCM {self.config.button.pin}")
                elif seen is None:
                    self.record(
                        f"button {want}",
                        False,
                        f"nothing within {self.button_timeout_s:.0f} s: check the wiring to BCM {self.config.button.pin} and ground",
                    )
                else:
                    self.record(f"button {want}", False, f"saw a {seen} instead")
        finally:
            button.close()

    def check_footpod(self) -> None:
        from footnote.device.parts.footpod import scan_footpods

        async def look() -> tuple[str, str]:
            pods = await scan_footpods(timeout_s=min(8.0, self.footpod_timeout_s))
            address = self.config.footpod.address.upper()
            if address:
                pods = [pod for pod in pods if pod.address.upper() == address]
            if not pods:
                where = f"paired footpod {address}" if address else "any Running Speed and Cadence footpod"
                raise LookupError(
                    f"no {where} heard: wake it (walk a few steps), and make sure no watch is connected to it"
                )
            pod = pods[0]
            from bleak import BleakClient

            readings: list[bytes] = []
            async with BleakClient(pod.device) as ble:
                await ble.start_notify(RSC_MEASUREMENT_UUID, lambda _c, data: readings.append(bytes(data)))
                end = time.monotonic() + self.footpod_timeout_s
                while len(readings) < 3 and time.monotonic() < end:
                    await asyncio.sleep(0.05)
            if not readings:
                raise LookupError(
                    f"{pod.name} ({pod.address}) connected but sent nothing: move it (it may sleep when still)"
                )
            decoded, rejected = [], []
            for data in readings:
                try:
                    decoded.append(decode_rsc_measurement(data))
                except RscDecodeError as exc:
                    rejected.append(exc)
            if not decoded:
                # The pod talks but footnote cannot read it: runs would record no movement at all.
                raise LookupError(
                    f"{pod.name} ({pod.address}) sent {len(readings)} readings and none could be read "
                    f"({rejected[-1]}): footnote cannot use this footpod"
                )
            m = decoded[-1]
            unread = f", {len(rejected)} could not be read" if rejected else ""
            return (
                pod.name,
                f"{pod.name} ({pod.address}, {pod.rssi} dBm): {len(readings)} readings{unread}, last {m.speed_mps:.2f} m/s, cadence {m.cadence_per_min}/min",
            )

        try:
            _, detail = asyncio.run(look())
            self.record("footpod", True, detail)
        except LookupError as exc:  # footnote's own finding, already in words
            self.record("footpod", False, str(exc))
        except Exception as exc:  # bleak raises BleakError, D-Bus errors, OS errors, timeouts...
            self.record("footpod", False, bluetooth_problem(exc))

    def check_database(self) -> None:
        from footnote.device.db.notices import open_notices
        from footnote.device.db.store import Store
        from footnote.device.durability.journal import pending_journals

        try:
            with Store(self.db_path) as store:
                ok = store.check()
                notices = open_notices(store.conn)
            self.record(
                "database", ok, f"{self.db_path} is writable" + ("" if ok else " but fails its integrity check")
            )
            for notice in notices:
                self.record("database notice", False, f"{notice.created_at}: {notice.message}")
        except (sqlite3.Error, OSError) as exc:
            self.record("database", False, f"{self.db_path}: {exc}")
        for journal in pending_journals(self.db_path):
            self.record(
                "journal",
                False,
                f"{journal} holds presses recorded while the database could not be written;"
                " the next footnote log adds them to the database",
            )

    def check_disk(self) -> None:
        folder = self.db_path.parent if self.db_path.parent.exists() else Path.home()
        free_mb = shutil.disk_usage(folder).free / 2**20
        self.record(
            "free disk space", free_mb >= MIN_FREE_MB, f"{free_mb:,.0f} MB free in {folder} (need {MIN_FREE_MB} MB)"
        )

    def check_clock(self) -> None:
        synced = system_clock_synced()
        detail = (
            "synchronised"
            if synced
            else "not synchronised (no network yet?): runs will be marked, and their start time can be corrected in the dashboard"
        )
        self.record("system clock", synced, detail)

    def run(self, *, skip: Collection[str] = frozenset()) -> int:
        steps = {
            "feedback": self.check_feedback,
            "button": self.check_button,
            "footpod": self.check_footpod,
            "database": self.check_database,
            "disk": self.check_disk,
            "clock": self.check_clock,
        }
        for name, step in steps.items():
            if name not in skip:
                step()
        failed = [r for r in self.results if not r.ok]
        self.say(f"\n{len(self.results) - len(failed)} passed, {len(failed)} failed")
        return 1 if failed else 0


CHECKS = ("feedback", "button", "footpod", "database", "disk", "clock")


def cmd_check(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    return Checker(config, resolve_db(args.db, config), button_timeout_s=args.button_timeout).run(skip=set(args.skip))


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from footnote.device.paths import add_db_option

    p = sub.add_parser(
        "check",
        parents=[common],
        help="self-test after wiring: LED, buzzer, button, footpod, database, disk, clock",
        description="Self-test after wiring. Prints PASS or FAIL per check; exits 1 if anything failed.",
    )
    add_db_option(p)
    p.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=CHECKS,
        metavar="CHECK",
        help=f"leave out one check (repeatable): {', '.join(CHECKS)}",
    )
    p.add_argument(
        "--button-timeout",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="how long to wait for each press (default 20)",
    )
    p.set_defaults(func=cmd_check)

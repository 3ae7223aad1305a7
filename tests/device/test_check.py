"""`footnote check` against gpiozero mock pins and the fake BlueZ: pass and fail paths."""

from __future__ import annotations

import io
import os
import threading
import time

import pytest
from gpiozero.pins.mock import MockFactory

from footnote.device.check import Checker
from footnote.device.config import parse_config
from tests.fake_bluez import PodSim
from tests.helpers import PAIRED


def thumb(factory, hold_time_s=1.5):
    """A runner's thumb that does what the check asks, in its own thread."""
    pin = factory.pin(17)

    def act(want: str) -> None:
        def go():
            time.sleep(0.1)  # reading the prompt
            pin.drive_low()
            time.sleep(0.3 if want == "press" else hold_time_s + 0.3)
            pin.drive_high()

        threading.Thread(target=go, daemon=True).start()

    return act


def make_checker(tmp_path, factory, config=None, **kwargs) -> Checker:
    return Checker(
        parse_config(config or {}),
        tmp_path / "footnote.db",
        pin_factory=factory,
        out=io.StringIO(),
        pattern_pause_s=0.05,
        footpod_timeout_s=8,
        **kwargs,
    )


@pytest.mark.slow  # real time against the fake BlueZ
def test_everything_passes_on_a_good_build(bluez, tmp_path, monkeypatch):
    bluez.add_pod(PAIRED, "Footpod", sim=PodSim(speed_mps=2.9))
    monkeypatch.setattr("footnote.device.check.system_clock_synced", lambda: True)
    factory = MockFactory()
    checker = make_checker(
        tmp_path, factory, {"feedback": {"buzzer": True}}, on_prompt=thumb(factory), button_timeout_s=10
    )
    assert checker.run() == 0, checker.out.getvalue()
    text = checker.out.getvalue()
    for line in (
        "PASS  LED / buzzer",
        "PASS  button press",
        "PASS  button hold",
        "PASS  footpod",
        "PASS  database",
        "PASS  free disk space",
        "PASS  system clock",
    ):
        assert line in text
    assert "2.90 m/s" in text and "7 passed, 0 failed" in text
    assert any(s.state for s in factory.pin(27).states)  # the LED did light
    assert any(s.state for s in factory.pin(22).states)  # and the buzzer beeped


@pytest.mark.slow  # real time against the fake BlueZ
def test_failures_are_reported_and_make_the_exit_non_zero(bluez, tmp_path, monkeypatch):
    monkeypatch.setattr("footnote.device.check.system_clock_synced", lambda: False)
    factory = MockFactory()
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o500)
    checker = Checker(
        parse_config({"feedback": {"led": False}, "footpod": {"address": PAIRED}}),
        locked / "sub" / "footnote.db",
        pin_factory=factory,
        out=io.StringIO(),
        pattern_pause_s=0.05,
        button_timeout_s=0.5,
        footpod_timeout_s=1,
    )
    try:
        assert checker.run() == 1
    finally:
        os.chmod(locked, 0o700)
    text = checker.out.getvalue()
    assert "FAIL  LED / buzzer: both are disabled" in text
    assert "FAIL  button press: nothing within 0 s" in text or "FAIL  button press: nothing within 1 s" in text
    assert f"FAIL  footpod: no paired footpod {PAIRED} heard" in text
    assert "FAIL  system clock: not synchronised" in text
    if os.geteuid() != 0:  # root can write anywhere, so the database check passes there
        assert "FAIL  database" in text


@pytest.mark.slow  # a real thumb in real time
def test_a_hold_when_a_press_was_asked_is_a_failure(tmp_path):
    factory = MockFactory()
    act = thumb(factory)
    checker = make_checker(tmp_path, factory, on_prompt=lambda want: act("hold"), button_timeout_s=5)
    checker.check_button()
    assert "FAIL  button press: saw a hold instead" in checker.out.getvalue()


class GarbagePod(PodSim):
    """A pod that talks, but in packets no RSC parser can read (too short)."""

    def packet(self, dt_s: float):
        return b"\x03\x00"


@pytest.mark.slow  # real time against the fake BlueZ
def test_a_footpod_whose_every_packet_is_unreadable_fails_the_check(bluez, tmp_path):
    bluez.add_pod(PAIRED, "Footpod", sim=GarbagePod())
    checker = make_checker(tmp_path, MockFactory())
    checker.check_footpod()
    text = checker.out.getvalue()
    assert f"FAIL  footpod: Footpod ({PAIRED}) sent" in text
    assert "none could be read (RSC measurement too short: 2 bytes, need at least 4)" in text


def footpod_detail(tmp_path) -> str:
    checker = make_checker(tmp_path, None)
    assert checker.run(skip={"feedback", "button", "database", "disk", "clock"}) == 1
    (result,) = checker.results
    assert result.name == "footpod" and not result.ok
    return result.detail


def test_a_missing_system_dbus_is_named_with_its_address(tmp_path, monkeypatch):
    address = f"unix:path={tmp_path / 'no-such-bus.sock'}"
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", address)
    detail = footpod_detail(tmp_path)
    assert detail.startswith(f"no system D-Bus at {address}")


def test_a_system_dbus_without_bluez_says_bluez_is_not_running(tmp_path, monkeypatch):
    from tests.fake_bluez import PrivateBus

    bus = PrivateBus(tmp_path)
    try:
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.address)
        assert footpod_detail(tmp_path).startswith("BlueZ is not running")
    finally:
        bus.stop()


def run_check_command(tmp_path, **env) -> str:
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "footnote.device.cli",
            "check",
            "--db",
            str(tmp_path / "f.db"),
            "--button-timeout",
            "0.1",
        ]
        + [arg for skip in ("footpod", "database", "disk", "clock") for arg in ("--skip", skip)],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in {**os.environ, **env}.items() if v is not None},
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_no_gpio_chip_is_named(tmp_path):
    import glob

    if glob.glob("/dev/gpiochip*"):
        pytest.skip("this machine has a GPIO chip")
    out = run_check_command(tmp_path, GPIOZERO_PIN_FACTORY=None)
    assert "FAIL  LED / buzzer: could not open the pins: no GPIO chip reachable" in out
    assert "FAIL  button: could not open BCM 17: no GPIO chip reachable" in out


def test_a_pin_library_that_is_not_installed_is_named(tmp_path):
    import importlib.util

    if importlib.util.find_spec("lgpio") is not None:
        pytest.skip("lgpio is installed here")
    out = run_check_command(tmp_path, GPIOZERO_PIN_FACTORY="lgpio")
    assert "the pin library lgpio is not installed" in out


def test_footnote_log_without_its_pins_says_why_in_one_line_and_touches_nothing(tmp_path):
    import importlib.util
    import subprocess
    import sys

    if importlib.util.find_spec("lgpio") is not None:
        pytest.skip("lgpio is installed here")
    db = tmp_path / "f.db"
    result = subprocess.run(
        [sys.executable, "-m", "footnote.device.cli", "log", "--db", str(db), "--no-footpod"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "GPIOZERO_PIN_FACTORY": "lgpio", "FOOTNOTE_CONFIG": str(tmp_path / "c.toml")},
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "footnote: could not open the feedback pins: the pin library lgpio is not installed" in result.stderr
    assert not db.exists()

"""`footnote scan`, `footnote pair` and `footnote log` as commands, against the fake BlueZ."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

import pytest

from footnote.device.config import load_config
from tests.fake_bluez import PodSim
from tests.helpers import FOOTNOTE, OTHER, PAIRED, rows


@pytest.mark.slow  # real time against the fake BlueZ
def test_scan_prints_name_address_and_signal(bluez):
    bluez.add_pod(PAIRED, "Zephyr pod", rssi=-55)
    result = subprocess.run(
        [*FOOTNOTE, "scan", "--timeout", "0.6"], capture_output=True, text=True, timeout=60, env=os.environ
    )
    assert result.returncode == 0, result.stderr
    assert "Zephyr pod" in result.stdout and PAIRED in result.stdout and "dBm" in result.stdout


@pytest.mark.slow  # real time against the fake BlueZ
def test_scan_with_nothing_around_says_so(bluez):
    result = subprocess.run(
        [*FOOTNOTE, "scan", "--timeout", "0.3"], capture_output=True, text=True, timeout=60, env=os.environ
    )
    assert result.returncode == 1 and "no Running Speed and Cadence footpod found" in result.stdout


def test_pair_remembers_the_address_and_keeps_the_rest(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[button]\nhold_time_s = 2.0\n")
    result = subprocess.run(
        [*FOOTNOTE, "--config", str(config), "pair", PAIRED.lower()], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    loaded = load_config(config)
    assert loaded.footpod.address == PAIRED and loaded.button.hold_time_s == 2.0


def test_pair_refuses_a_malformed_address(tmp_path):
    result = subprocess.run(
        [*FOOTNOTE, "--config", str(tmp_path / "c.toml"), "pair", "not-an-address"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "footpod.address" in result.stderr


def samples_in(db) -> int:
    """Samples stored so far (0 while the logger is still creating the database)."""
    try:
        return rows(db, "SELECT count(*) FROM footpod_samples")[0][0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow  # real time against the fake BlueZ
def test_footnote_log_records_everything_the_pod_sends_and_replays_it(bluez, tmp_path):
    bluez.add_pod(OTHER, "Someone else's pod", rssi=-30)
    bluez.add_pod(PAIRED, "My pod", rssi=-80, sim=PodSim(speed_mps=3.1))
    config = tmp_path / "config.toml"
    config.write_text(f'[footpod]\naddress = "{PAIRED}"\n[feedback]\nled = false\n')
    live_db, record = tmp_path / "live.db", tmp_path / "run.jsonl"
    env = dict(os.environ, GPIOZERO_PIN_FACTORY="mock")
    proc = subprocess.Popen(
        [*FOOTNOTE, "--config", str(config), "log", "--db", str(live_db), "--record", str(record)],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    end = time.monotonic() + 30
    # the logger commits samples every 2 minutes (the journal guards them meanwhile):
    # watch them arrive in the record file, and in the database once it stops
    while (record.read_text().count('"rsc"') if record.exists() else 0) < 20:
        assert time.monotonic() < end and proc.poll() is None, "the logger did not stream the pod"
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert samples_in(live_db) >= 20
    replay_db = tmp_path / "replay.db"
    result = subprocess.run(
        [*FOOTNOTE, "replay", str(record), "--db", str(replay_db)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    sql = "SELECT t_s, raw, speed_mps, cadence_spm, distance_m FROM footpod_samples ORDER BY id"
    assert rows(replay_db, sql) == rows(live_db, sql)
    assert rows(replay_db, "SELECT footpod_address, footpod_name FROM runs") == [(PAIRED, "My pod")]
    assert rows(live_db, "SELECT end_reason FROM runs") == [("stopped",)]


@pytest.mark.slow  # real time: a logger, then the system bus goes away under it
def test_footnote_log_stops_when_asked_even_after_the_system_bus_went_away(tmp_path):
    """Seen in the Pi rehearsal: with D-Bus gone, bleak's clean-up turned the stop's
    cancellation into an OS error and the footpod client went on scanning for ever."""
    from tests.fake_bluez import FakeBlueZ, PrivateBus

    bus = PrivateBus(tmp_path)
    fake = FakeBlueZ(bus.address)
    db = tmp_path / "f.db"
    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": bus.address, "GPIOZERO_PIN_FACTORY": "mock"}
    env["FOOTNOTE_CONFIG"] = str(tmp_path / "config.toml")
    logger = subprocess.Popen([*FOOTNOTE, "log", "--db", db], env=env, stderr=subprocess.PIPE, text=True)
    try:

        def run_opened() -> bool:
            try:
                return rows(db, "SELECT count(*) FROM runs") == [(1,)]
            except sqlite3.Error:  # not made yet
                return False

        deadline = time.monotonic() + 30
        while not run_opened():
            assert logger.poll() is None and time.monotonic() < deadline, "the logger did not open its run"
            time.sleep(0.1)
        fake.close()
        bus.stop()  # D-Bus (and BlueZ with it) gone: the footpod client is retrying
        logger.send_signal(signal.SIGTERM)
        assert logger.wait(timeout=10) == 0
    finally:
        if logger.poll() is None:
            logger.kill()
            logger.wait()
        logger.stderr.close()
    assert rows(db, "SELECT end_reason FROM runs") == [("stopped",)]

"""Footpod figures (issue: BLE footpod).

- CPU time per notification through decode, odometer and store (buffered, flushed every
  second of footpod time as in a live run);
- `footnote log` peak memory with bleak loaded and streaming a (fake BlueZ) footpod.

Run: python benchmarks/bench_footpod.py
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_logger import peak_rss_mb
from benchmarks.report import Figure
from footnote.device.db.store import Store
from footnote.device.logger.recorder import RunRecorder
from footnote.device.parts.feedback import SilentIndicator
from footnote.device.rules.rsc import encode_rsc_measurement


def cpu_per_notification(folder: Path, n: int = 40_000) -> float:
    packets = [
        encode_rsc_measurement(3.0 + (i % 7) / 10, 170, stride_m=1.1, total_distance_m=i * 0.75) for i in range(n)
    ]
    with Store(folder / "bench.db") as store:
        lg = RunRecorder(
            store=store, indicator=SilentIndicator(), t0=0.0, started_at=datetime.now(UTC), clock_synced=True
        )
        lg.start()
        start = time.process_time()
        for i, packet in enumerate(packets):
            t = i * 0.25  # 4 notifications per second
            lg.advance(t)
            lg.on_rsc(t, packet)
        lg.stop(n * 0.25 + 1)
        elapsed = time.process_time() - start
    return elapsed / n


def memory_with_bleak(folder: Path) -> float:
    from tests.fake_bluez import FakeBlueZ, PodSim, PrivateBus

    bus = PrivateBus(folder)
    fake = FakeBlueZ(bus.address)
    fake.add_pod("C0:FF:EE:00:00:01", "Footpod", sim=PodSim(), rate_hz=4.0)
    db = folder / "live.db"
    Store(db).close()
    env = dict(
        os.environ,
        GPIOZERO_PIN_FACTORY="mock",
        DBUS_SYSTEM_BUS_ADDRESS=bus.address,
        FOOTNOTE_CONFIG=str(folder / "none.toml"),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "footnote.device.cli", "log", "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        end = time.monotonic() + 30
        while time.monotonic() < end:
            time.sleep(0.5)
            with sqlite3.connect(db) as conn:
                if conn.execute("SELECT count(*) FROM footpod_samples").fetchone()[0] >= 20:
                    break
        return peak_rss_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        fake.close()
        bus.stop()


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        per_packet_s = cpu_per_notification(folder)
        peak_mb = memory_with_bleak(folder)
    return [
        Figure("CPU per notification: decode + odometer + store", per_packet_s * 1e6, "us", target=50),
        Figure("footnote log peak memory, bleak streaming a footpod", peak_mb, "MB", target=40),
    ]


if __name__ == "__main__":
    from benchmarks.report import print_table

    print_table(run())

"""The strap and the watch's file (issue 24).

- CPU time per Heart Rate Measurement through decode and store (buffered, as live);
- `footnote log` peak memory with bleak streaming a strap and a footpod at once (fake BlueZ);
- time to attach a 3-hour FIT file (one record a second) to a 3-hour run;
- bytes the logger writes per logged hour with both sensors (the 3-hour run at 4
  notifications/s with a strap at 1/s), measured as bench_logger measures the pod alone.

Run: python benchmarks/bench_sensors.py
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_logger import WRITE_BYTES, peak_rss_mb
from benchmarks.realistic import three_hour_story
from benchmarks.report import Figure
from footnote.device.db.connect import open_writer
from footnote.device.db.store import Store
from footnote.device.logger.recorder import RunRecorder
from footnote.device.logger.replay import replay_file
from footnote.device.parts.feedback import SilentIndicator
from footnote.device.rules.hrm import encode_hrm_measurement
from footnote.device.watch.attach import attach_watch_file
from tests.fit_writer import FitRecord, write_fit

STRAP = "C0:FF:EE:00:00:0A"


def cpu_per_heart_rate_packet(folder: Path, n: int = 40_000) -> float:
    packets = [encode_hrm_measurement(120 + i % 60, energy_kj=i // 100, rr_1024=[500, 512]) for i in range(n)]
    with Store(folder / "hr.db") as store:
        lg = RunRecorder(
            store=store, indicator=SilentIndicator(), t0=0.0, started_at=datetime.now(UTC), clock_synced=True
        )
        lg.start()
        start = time.process_time()
        for i, packet in enumerate(packets):
            t = i * 1.0  # straps notify once a second
            lg.advance(t)
            lg.on_hrm(t, packet)
        lg.stop(n + 1.0)
        elapsed = time.process_time() - start
    return elapsed / n


def memory_with_a_strap_and_a_pod(folder: Path) -> float:
    from tests.fake_bluez import FakeBlueZ, PodSim, PrivateBus, StrapSim

    bus = PrivateBus(folder)
    fake = FakeBlueZ(bus.address)
    fake.add_pod("C0:FF:EE:00:00:01", "Footpod", sim=PodSim(), rate_hz=4.0)
    fake.add_strap(STRAP, "Strap", sim=StrapSim(), rate_hz=1.0)
    db = folder / "live.db"
    Store(db).close()
    config = folder / "config.toml"
    config.write_text(f'[strap]\naddress = "{STRAP}"\n')
    env = dict(
        os.environ, GPIOZERO_PIN_FACTORY="mock", DBUS_SYSTEM_BUS_ADDRESS=bus.address, FOOTNOTE_CONFIG=str(config)
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "footnote.device.cli", "log", "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            time.sleep(0.5)
            # The logger commits every 2 minutes: its journal shows what streamed.
            journals = list(folder.glob("live.journal-*.part"))
            text = journals[0].read_text() if journals else ""
            if text.count('"hrm"') >= 10 and text.count('"rsc"') >= 20:
                break
        else:
            raise RuntimeError("the strap and the pod did not both stream")
        return peak_rss_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        fake.close()
        bus.stop()


def attach_three_hours(folder: Path) -> tuple[float, int]:
    """(seconds to attach a 3-hour FIT, its size in bytes) to a 3-hour run."""
    start = datetime(2026, 11, 22, 7, tzinfo=UTC)
    story = folder / "three-hours-buttons.jsonl"
    lines = [{"footnote_replay": 1, "started_at": start.isoformat()}]
    for minute in range(10, 180, 20):  # a press every 20 minutes keeps one run open for 3 hours
        lines += [{"t": minute * 60, "button": "down"}, {"t": minute * 60 + 0.2, "button": "up"}]
    lines.append({"t": 3 * 3600, "end": True})
    story.write_text("".join(json.dumps(x) + "\n" for x in lines))
    db = folder / "attach.db"
    with Store(db) as store:
        (run_id,) = replay_file(story, store=store)
    fit = write_fit(
        [
            FitRecord(start + timedelta(seconds=s), 3.0 * s, 3.0, 130 + s % 40, 86, 100 + (s % 600) / 10)
            for s in range(3 * 3600)
        ]
    )
    conn = open_writer(db)
    try:
        began = time.perf_counter()
        attach_watch_file(conn, run_id, fit, name="three-hours.fit")
        return time.perf_counter() - began, len(fit)
    finally:
        conn.close()


def logged_hour_write_mb_with_a_strap(folder: Path) -> tuple[float, float]:
    """(MB written per logged hour with pod and strap, the same without the strap)."""
    story = three_hour_story()
    pod_only = story.write(folder / "pod.jsonl")
    lines = pod_only.read_text().splitlines()
    header, items = lines[0], [json.loads(x) for x in lines[1:]]
    end_t = max(x["t"] for x in items)
    strap = [{"t": 0.05, "strap": "connected", "address": STRAP, "name": "Strap", "location": 1}]
    strap += [
        {"t": s + 0.5, "hrm": encode_hrm_measurement(140 + s % 20, rr_1024=[440, 436]).hex()} for s in range(int(end_t))
    ]
    both = sorted(items[:-1] + strap, key=lambda x: x["t"]) + [items[-1]]
    both_path = folder / "both.jsonl"
    both_path.write_text(header + "\n" + "".join(json.dumps(x) + "\n" for x in both))
    hours = story.t / 3600
    out = []
    for name, path in (("both", both_path), ("pod", pod_only)):
        done = subprocess.run(
            [sys.executable, "-c", WRITE_BYTES, str(folder / f"{name}.db"), str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        out.append(int(done.stdout) / hours / 1e6)
    with sqlite3.connect(folder / "both.db") as conn:
        assert conn.execute("SELECT count(*) FROM heart_rate_samples").fetchone()[0] > 0.9 * end_t
    return out[0], out[1]


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        per_packet_s = cpu_per_heart_rate_packet(folder)
        peak_mb = memory_with_a_strap_and_a_pod(folder)
        attach_s, fit_bytes = attach_three_hours(folder)
        both_mb, pod_mb = logged_hour_write_mb_with_a_strap(folder)
    return [
        Figure("CPU per heart-rate packet: decode + store", per_packet_s * 1e6, "us", target=50),
        Figure("footnote log peak memory, bleak streaming a strap and a footpod", peak_mb, "MB", target=40),
        Figure(
            "attach a 3-hour FIT file (10,800 records)",
            attach_s,
            "s",
            target=10,
            note=f"{fit_bytes / 1e6:.2f} MB; read, aligned, stored with the original",
        ),
        Figure(
            "bytes the logger writes per logged hour, pod at 4/s and strap at 1/s",
            both_mb,
            "MB",
            target=10,
            note=f"the pod alone, same run: {pod_mb:.1f} MB",
        ),
    ]


if __name__ == "__main__":
    from benchmarks.report import print_table

    print_table(run())

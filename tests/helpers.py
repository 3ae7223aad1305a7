"""Helpers the tests share (fixtures live in conftest.py): reading a database, replaying
a story, a feedback indicator that remembers, the logger running live against the fake
BlueZ, the dashboard served over real HTTP, and the real runs in tests/data."""

from __future__ import annotations

import asyncio
import bisect
import json
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from gpiozero.pins.mock import MockFactory

from footnote.device.config import parse_config
from footnote.device.db.connect import open_reader
from footnote.device.db.reader import list_runs, load_runs
from footnote.device.db.store import Store
from footnote.device.logger.replay import replay_file
from footnote.device.logger.story import Story
from footnote.device.rules.rsc import decode_rsc_measurement
from footnote.server.analysis import RunAnalysis, analyze_run

FOOTNOTE = [sys.executable, "-m", "footnote.device.cli"]
REPO = Path(__file__).resolve().parents[1]  # the checkout: hardware/, tools/, tests/vendor/, the FHIR venv
"""The command line, run as a separate process."""

RUNNER_PASSWORD = "correct horse battery staple"
"""The dashboard password of the locked dashboards (the `password_hash` fixture is its hash)."""

PAIRED = "C0:FF:EE:00:00:01"
OTHER = "C0:FF:EE:00:00:02"


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def replay_story(story: Story, db: Path, tmp_path: Path, name: str = "story.jsonl") -> list[int]:
    """Replay a story through the real replay pipeline into db; return its run ids."""
    path = story.write(tmp_path / name)
    with Store(db) as store:
        return replay_file(path, store=store)


class RecordingIndicator:
    """Feedback that remembers what the runner was shown."""

    def __init__(self) -> None:
        self.shown: list[str] = []

    def show(self, kind: str, *, event_id: int | None = None) -> None:
        self.shown.append(kind)

    def close(self) -> None:
        pass


# -- the logger, live, against the fake BlueZ ----------------------------------------------


class Live:
    """A running logger, and ways to watch what it stored."""

    def __init__(self, db_path, factory, inputs, client):
        self.db_path, self.factory, self.inputs, self.client = db_path, factory, inputs, client
        self.button = factory.pin(17)

    def query(self, sql, params=()):
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def count(self, sql, params=()):
        return self.query(sql, params)[0][0]

    async def until(self, condition, timeout_s=15.0, what="condition"):
        end = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > end:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.05)

    async def samples_at_least(self, n, timeout_s=15.0):
        await self.until(lambda: self.count("SELECT count(*) FROM footpod_samples") >= n, timeout_s, f"{n} samples")

    def links(self):
        return [state for (state,) in self.query("SELECT state FROM link_events ORDER BY id")]

    def strap_links(self):
        return [state for (state,) in self.query("SELECT state FROM strap_link_events ORDER BY id")]

    async def heart_rates_at_least(self, n, timeout_s=15.0):
        await self.until(
            lambda: self.count("SELECT count(*) FROM heart_rate_samples") >= n, timeout_s, f"{n} heart-rate samples"
        )

    async def press(self, held_s=0.2):
        self.button.drive_low()
        await asyncio.sleep(held_s)  # the runner's thumb stays down
        self.button.drive_high()
        await asyncio.sleep(0.2)  # and is off the button a moment before any next press

    async def fake(self, fn, *args, **kwargs):
        """Control the fake BlueZ without blocking the logger's loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)


STORY_SAMPLE_FLUSH_S = 1.0
"""The footpod stories watch samples arrive in the database, which the logger commits
only every recorder.DB_SAMPLE_FLUSH_S (2 minutes; the journal guards them meanwhile):
live_logger commits them every second instead. test_sdcard.py checks the real interval
with a kill -9 of `footnote log`."""


@asynccontextmanager
async def live_logger(db_path, *, config=None, client=None, strap=None):
    """`client`: the footpod's (a FootpodClient by default); `strap`: a StrapClient, or
    None for none."""
    from unittest.mock import patch

    from footnote.device.logger import recorder

    with patch.object(recorder, "DB_SAMPLE_FLUSH_S", STORY_SAMPLE_FLUSH_S):
        async with _live_logger(db_path, config=config, client=client, strap=strap) as live:
            yield live


@asynccontextmanager
async def _live_logger(db_path, *, config, client, strap):
    from footnote.device.live import run_logger
    from footnote.device.parts.footpod import FootpodClient

    factory = MockFactory()
    client = client or FootpodClient(scan_window_s=0.5, backoff_s=(0.2, 0.5))
    ready: dict[str, object] = {}
    task = asyncio.create_task(
        run_logger(
            parse_config(config or {"feedback": {"led": False}}),
            db_path=db_path,
            pin_factory=factory,
            footpod=client.run,
            strap=strap.run if strap else None,
            on_ready=lambda i, rec: ready.update(inputs=i),
        )
    )
    while "inputs" not in ready:
        await asyncio.sleep(0.01)
    live = Live(db_path, factory, ready["inputs"], client)
    try:
        yield live
    finally:
        live.inputs.stop()
        await asyncio.wait_for(task, 15)
        factory.reset()


def stream(db_path, samples: int, *, config=None, timeout_s=15.0) -> Live:
    """Run the whole logger until the pod has sent this many samples; the finished run."""

    async def story():
        async with live_logger(db_path, config=config) as live:
            await live.samples_at_least(samples, timeout_s=timeout_s)
            return live

    return asyncio.run(story())


# -- the dashboard over real HTTP ----------------------------------------------------------


class LiveServer:
    """The real FastAPI app served by uvicorn on a free loopback port, in a thread."""

    def __init__(self, app, **uvicorn_options) -> None:
        """`uvicorn_options` go to uvicorn.Config as they are (ssl_certfile and
        ssl_keyfile serve HTTPS, as `footnote serve --ssl-*` does)."""
        import uvicorn

        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", **uvicorn_options)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        end = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > end or not self.thread.is_alive():
                raise RuntimeError("the dashboard did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        scheme = "https" if uvicorn_options.get("ssl_certfile") else "http"
        self.url = f"{scheme}://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


# -- real runs (tests/data) -------------------------------------------------------------------

REAL_RUNS = REPO / "tests" / "data"
"""Real runs from real watches and footpods, in the replay format (see its README)."""
GROUND_TRUTH = {r["name"]: r for r in json.loads((REAL_RUNS / "ground_truth.json").read_text())}
PLAIN_MPS, PLAIN_WINDOW_S = 0.8, 5.0
HOLD_S = 1.5  # the logger's default hold time


def real_run_packets(name: str) -> list[tuple[float, float, float | None]]:
    """(t_s, speed_mps, pod total distance or None) of every packet of a real run."""
    out = []
    for line in (REAL_RUNS / f"{name}.jsonl").read_text().splitlines():
        item = json.loads(line)
        if "rsc" in item:
            m = decode_rsc_measurement(bytes.fromhex(item["rsc"]))
            out.append((item["t"], m.speed_mps, m.total_distance_m))
    return out


def plainly_moving_seconds(name: str) -> set[int]:
    """The seconds of a real run in which it plainly moves, judged on the device's own fields
    (as the ground truth is): the pod's total distance advanced at PLAIN_MPS or more over the
    PLAIN_WINDOW_S before the second and over the PLAIN_WINDOW_S after it (runs without
    distance: the median packet speed)."""
    rows = real_run_packets(name)
    times = [t for t, _, _ in rows]
    with_distance = [(t, d) for t, _, d in rows if d is not None]
    dist_times = [t for t, _ in with_distance]

    def advanced(a: float, b: float) -> bool:
        if with_distance:
            i, j = bisect.bisect_right(dist_times, a) - 1, bisect.bisect_right(dist_times, b) - 1
            return i >= 0 and j >= 0 and with_distance[j][1] - with_distance[i][1] >= PLAIN_MPS * (b - a)
        speeds = [v for _, v, _ in rows[bisect.bisect_left(times, a) : bisect.bisect_right(times, b)]]
        return bool(speeds) and statistics.median(speeds) >= PLAIN_MPS

    end = int(times[-1])
    return {t for t in range(end) if advanced(t - PLAIN_WINDOW_S, t) and advanced(t, t + PLAIN_WINDOW_S)}


def replay_real_run(name: str, tmp_path: Path, presses: Sequence[tuple[float, str]] = ()) -> RunAnalysis:
    """Replay a real run with the runner's presses ("press" at t, or a "hold" pressed at t)
    merged in at their times; return the run's analysis."""
    lines = [json.loads(line) for line in (REAL_RUNS / f"{name}.jsonl").read_text().splitlines()]
    header, body = lines[0], lines[1:]
    for t, kind in presses:
        up = t + (0.2 if kind == "press" else HOLD_S + 0.5)
        body += [{"t": t, "button": "down"}, {"t": up, "button": "up"}]
    body.sort(key=lambda item: item["t"])  # stable: a press between two packets lands between them
    path = tmp_path / f"{name}.jsonl"
    path.write_text("\n".join(json.dumps(item) for item in [header, *body]) + "\n")
    db = tmp_path / f"{name}.db"
    with Store(db) as store:
        replay_file(path, store=store)
    conn = open_reader(db)
    try:
        (run,) = load_runs(conn, list_runs(conn))
    finally:
        conn.close()
    return analyze_run(run)


def rest_seconds(ra: RunAnalysis) -> set[int]:
    """The whole seconds inside the run's rest segments."""
    return {t for seg in ra.segments if seg.state == "rest" for t in range(int(seg.start_s) + 1, int(seg.end_s))}


def client(server) -> httpx.Client:
    """An HTTP client of a LiveServer that has fetched the CSRF cookie, as a browser would."""
    c = httpx.Client(base_url=server.url, timeout=30)
    c.get("/")
    return c


def csrf(c: httpx.Client) -> dict:
    """The header a form's script sends with a write."""
    return {"X-CSRF-Token": c.cookies["footnote_csrf"]}


def footnote(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """`footnote ARGS` as the runner types it, its output captured as text."""
    return subprocess.run([*FOOTNOTE, *args], capture_output=True, text=True, timeout=120, **kwargs)


def free_port() -> int:
    """A loopback port nothing listens on, for a `footnote serve` the test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

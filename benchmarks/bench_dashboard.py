"""Dashboard figures (issue: dashboard), measured over real HTTP on loopback.

- /api/runs/{id} and the run page for a 3-hour run at 4 samples/s (43,200 samples):
  p95 (target <= 50 ms), and the first, uncached request;
- the runs page with 1,000 runs: p95 (target <= 100 ms);
- the summary over 1,000 runs (target <= 200 ms).

Run: python benchmarks/bench_dashboard.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from benchmarks.report import Figure, percentile
from footnote.device.replay import replay_file
from footnote.device.store import Store
from footnote.device.story import Pod, Story
from footnote.server.app import create_app
from tests.helpers import LiveServer


def three_hour_run(folder: Path) -> Path:
    db = folder / "long.db"
    story = Story(pod=Pod(rate_hz=4.0)).connect()
    for _ in range(6):
        story.run(minutes=25).press().run(minutes=2).stand(minutes=3).hold()
    with Store(db) as store:
        replay_file(story.end().write(folder / "long.jsonl"), store=store)
    return db


def thousand_runs(folder: Path) -> Path:
    db = folder / "many.db"
    with Store(db) as store:
        for i in range(1000):
            day = 1 + i % 28
            story = Story(started_at=f"2026-{1 + i // 90 % 12:02d}-{day:02d}T07:00:00Z", seed=i).connect()
            story.run(minutes=6 + i % 3).press().run(minutes=1).stand(minutes=2).hold().walk(minutes=1)
            replay_file(story.end().write(folder / "one.jsonl"), store=store)
    return db


def timed(client: httpx.Client, path: str, n: int) -> tuple[float, list[float]]:
    start = time.perf_counter()
    client.get(path).raise_for_status()
    first = time.perf_counter() - start
    times = []
    for _ in range(n):
        start = time.perf_counter()
        client.get(path).raise_for_status()
        times.append(time.perf_counter() - start)
    return first, times


def run() -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        server = LiveServer(create_app(three_hour_run(folder)))
        try:
            with httpx.Client(base_url=server.url, timeout=60) as c:
                for name, path in (("/api/runs/{id}", "/api/runs/1"), ("run page", "/runs/1")):
                    first, times = timed(c, path, 60)
                    figures.append(
                        Figure(
                            f"{name}, 3 h run at 4 samples/s, p95",
                            percentile(times, 95) * 1e3,
                            "ms",
                            target=50,
                            note=f"first (uncached) request {first * 1e3:.0f} ms",
                        )
                    )
                first, times = timed(c, "/runs/1/timeline.svg", 20)
                figures.append(
                    Figure(
                        "timeline chart (SVG), 3 h run, p95",
                        percentile(times, 95) * 1e3,
                        "ms",
                        note=f"first render {first * 1e3:.0f} ms, then cached",
                    )
                )
        finally:
            server.stop()
        server = LiveServer(create_app(thousand_runs(folder)))
        try:
            with httpx.Client(base_url=server.url, timeout=120) as c:
                first, times = timed(c, "/", 30)
                figures.append(
                    Figure(
                        "runs page, 1,000 runs, p95",
                        percentile(times, 95) * 1e3,
                        "ms",
                        target=100,
                        note=f"first request {first * 1e3:.0f} ms (analyses every run once)",
                    )
                )
                first, times = timed(c, "/api/summary", 30)
                figures.append(Figure("summary over 1,000 runs, p95", percentile(times, 95) * 1e3, "ms", target=200))
        finally:
            server.stop()
    return figures


if __name__ == "__main__":
    from benchmarks.report import print_table

    print_table(run())

"""Export figures (issue: doctor export): the PDF report for 100 runs, every one with
numbness (so 100 run sections, each with its timeline chart). Target <= 10 s.

Run: python benchmarks/bench_export.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.report import Figure
from footnote.device.replay import replay_file
from footnote.device.store import Store
from footnote.device.story import Story
from footnote.server.exports import FORMATS, collect


def hundred_runs(folder: Path) -> Path:
    db = folder / "hundred.db"
    with Store(db) as store:
        for i in range(100):
            story = Story(started_at=f"2026-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}T07:00:00Z", seed=i).connect()
            story.walk(minutes=2).run(minutes=8 + i % 5).press().run(minutes=1).stand(minutes=3).hold().run(
                minutes=10
            ).walk(minutes=2)
            replay_file(story.end().write(folder / "one.jsonl"), store=store)
    return db


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = hundred_runs(folder)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            with open(folder / "report.pdf", "wb") as out:
                FORMATS["pdf"].write(collect(db, samples_of="with_numbness"), out)
            times.append(time.perf_counter() - start)
        pages = (folder / "report.pdf").read_bytes().count(b"/Type /Page\n") or (
            folder / "report.pdf"
        ).read_bytes().count(b"/Type /Page")
    times.sort()
    return [Figure("PDF export, 100 runs with numbness (median of 3)", times[1], "s", target=10, note=f"{pages} pages")]


if __name__ == "__main__":
    from benchmarks.report import print_table

    print_table(run())

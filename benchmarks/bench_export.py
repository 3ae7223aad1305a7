"""Export figures (issue 15): the PDF report for 100 realistic runs, every one with
numbness (100 run sections, each with its timeline chart as vectors). Target <= 2 s,
when the analyses are kept (server.analysis_cache: the dashboard or an earlier export
has seen the runs); the first export of all, analysing every run, is in the note.

Run: python benchmarks/bench_export.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.realistic import hundred_numb_runs, working_copy
from benchmarks.report import Figure
from footnote.server.exports import FORMATS, collect


def pdf_seconds(db: Path, out: Path) -> float:
    start = time.perf_counter()
    with open(out, "wb") as stream:
        FORMATS["pdf"].write(collect(db, samples_of="with_numbness"), stream)
    return time.perf_counter() - start


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = working_copy(hundred_numb_runs(), folder)
        out = folder / "report.pdf"
        first = pdf_seconds(db, out)
        times = sorted(pdf_seconds(db, out) for _ in range(3))
        body = out.read_bytes()
        pages = body.count(b"/Type /Page\n") or body.count(b"/Type /Page")
        images = body.count(b"/Subtype /Image")
    return [
        Figure(
            "PDF export, 100 realistic runs with numbness (best of 3)",
            times[0],
            "s",
            target=2,
            note=f"median {times[1]:.2f} s; {pages} pages, {images} raster images, {len(body) / 1e6:.1f} MB; first export of all (every run"
            f" analysed): {first:.1f} s",
        )
    ]


if __name__ == "__main__":
    from benchmarks.report import print_table

    print_table(run())

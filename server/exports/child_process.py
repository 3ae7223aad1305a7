"""Downloads built in a child process, so the dashboard stays small.

A download covering every run builds tens of megabytes of Python objects (the FHIR
bundle's resources, the PDF's flowables, reportlab itself); freed, they stay in the
dashboard's heap as fragments for as long as it runs. Built in a short-lived child
(started fresh, `spawn`, never a fork of the threaded server), they leave with it: the
dashboard only holds the finished file for as long as it sends it. The child takes the
analyses from the database's analysis cache file (server.analysis_cache).
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from footnote.server.exports import FORMATS, collect


def build(
    kind: str, db_path: Path, since: date | None, until: date | None, name: str | None, units: str = "km"
) -> bytes:
    """The file of format `kind` for the period, as `footnote export` writes it."""
    fmt = FORMATS[kind]
    data = collect(db_path, since=since, until=until, name=name, samples_of=fmt.samples_of, units=units)
    body = io.BytesIO()
    fmt.write(data, body)
    return body.getvalue()


def build_apart(
    kind: str, db_path: Path, since: date | None, until: date | None, name: str | None, units: str = "km"
) -> bytes:
    """build() in a child process; its errors (NothingToExport, ...) are raised here."""
    import multiprocessing  # here: `footnote serve` starts faster without it
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(build, kind, db_path, since, until, name, units).result()

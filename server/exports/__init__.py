"""The doctor's exports: what an export covers is loaded once (`data.collect`), and each
format's writer only writes it to a binary stream. FORMATS is the registry the command
line and the dashboard's downloads both use; a writer's module (and its heavy packages,
such as reportlab) is imported only when that format is written.

    data = collect(db_path, since=..., until=..., name=..., samples_of=FORMATS["pdf"].samples_of)
    with open(path, "wb") as out:
        FORMATS["pdf"].write(data, out)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, Literal

from footnote.server.exports.data import ExportData, collect, parse_day

__all__ = ["FORMATS", "RUNS_CSV", "SAMPLES_CSV", "ExportData", "Format", "collect", "parse_day"]


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    file_name: str
    """The download's fixed file name (nothing the user types ever names a file)."""
    module: str
    function: str = "write"
    samples_of: Literal["with_numbness"] | tuple[()] = ()
    """Whose footpod samples the writer needs from collect()."""

    @property
    def write(self) -> Callable[[ExportData, BinaryIO], None]:
        return getattr(importlib.import_module(self.module), self.function)


FORMATS = {
    f.name: f
    for f in (
        Format(
            "pdf", "application/pdf", "report.pdf", "footnote.server.exports.pdf_report", samples_of="with_numbness"
        ),
        Format("csv", "text/csv; charset=utf-8", "episodes.csv", "footnote.server.exports.csv_table"),
        Format("fhir", "application/fhir+json", "bundle.fhir.json", "footnote.server.exports.fhir_bundle"),
        Format("runs-csv", "text/csv; charset=utf-8", "runs.csv", "footnote.server.exports.csv_table", "write_runs"),
    )
}
RUNS_CSV = FORMATS["runs-csv"]
"""One row per run, with or without numbness (`footnote export --format runs-csv`, the
dashboard's /export/runs.csv)."""
SAMPLES_CSV = Format(
    "csv-samples", "text/csv; charset=utf-8", "samples.csv", "footnote.server.exports.csv_table", "write_samples"
)
"""The footpod samples of chosen runs (`footnote export --format csv --samples 3,4`)."""

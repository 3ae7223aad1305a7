"""What an export covers: the runs of a period, analysed, with the summary. Shared by
the PDF, CSV and FHIR writers and the dashboard's download buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from footnote.device.errors import FootnoteError
from footnote.server.analysis import RunAnalysis, Summary, analyze_run, summarize
from footnote.server.rundata import RunRow, list_runs, load_run, local_time, open_read_only


class NothingToExport(FootnoteError, LookupError):
    """No runs in the database, or none in the chosen period."""


class BadPeriod(FootnoteError, ValueError):
    """A period that is not one: a malformed date, or an end before the start."""


@dataclass
class ExportData:
    rows: list[RunRow]
    analyses: list[RunAnalysis]
    summary: Summary
    name: str | None
    since: date | None
    until: date | None
    generated_at: datetime
    samples: dict[int, list[tuple[float, float, float]]]  # run id -> (t_s, speed, cadence)
    db_path: Path

    @property
    def first_day(self) -> date:
        return local_time(self.rows[0]).date()

    @property
    def last_day(self) -> date:
        return local_time(self.rows[-1]).date()

    def pairs(self) -> list[tuple[RunRow, RunAnalysis]]:
        return list(zip(self.rows, self.analyses, strict=True))


def parse_day(text: str | None, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadPeriod(f"{what} must be a date like 2026-11-01, not {text!r}") from None


def collect(
    db_path: str | Path,
    *,
    since: date | None = None,
    until: date | None = None,
    name: str | None = None,
    with_samples: bool = False,
) -> ExportData:
    """Runs whose local start day is within [since, until] (both inclusive)."""
    if since and until and until < since:
        raise BadPeriod(f"the period ends ({until}) before it starts ({since})")
    conn = open_read_only(db_path)
    try:
        rows = [
            r
            for r in list_runs(conn)
            if (since is None or local_time(r).date() >= since) and (until is None or local_time(r).date() <= until)
        ]
        if not rows:
            everything = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
            if not everything:
                raise NothingToExport("the database holds no runs yet: nothing to export")
            period = f"{since or 'the start'} to {until or 'now'}"
            raise NothingToExport(f"no runs between {period} ({everything} runs in the database)")
        rows.sort(key=lambda r: r.started_at)
        runs = [load_run(conn, r.id, r) for r in rows]
        samples = {}
        if with_samples:
            for r, run in zip(rows, runs, strict=True):
                if run.events:
                    samples[r.id] = conn.execute(
                        "SELECT t_s, speed_mps, cadence_spm FROM footpod_samples WHERE run_id = ? ORDER BY t_s, id",
                        (r.id,),
                    ).fetchall()
    finally:
        conn.close()
    analyses = [analyze_run(run) for run in runs]
    return ExportData(
        rows=rows,
        analyses=analyses,
        summary=summarize(analyses),
        name=(name or "").strip() or None,
        since=since,
        until=until,
        generated_at=datetime.now(UTC),
        samples=samples,
        db_path=Path(db_path),
    )


def offset_text(row: RunRow) -> str:
    return local_time(row).strftime("UTC%z")


def at(row: RunRow, t_s: float) -> str:
    """A moment of a run in the runner's local time, with its offset."""
    return local_time(row, t_s).isoformat(timespec="seconds")


def write_export(fmt: str, data: ExportData, out: str | Path, *, sample_runs: list[int] | None = None) -> list[Path]:
    """Write one export format to out; return the files written (CSV may add samples)."""
    out = Path(out)
    if fmt == "pdf":
        from footnote.server.export_pdf import write_pdf

        write_pdf(data, out)
    elif fmt == "csv":
        from footnote.server.export_csv import write_csv

        return write_csv(data, out, sample_runs=sample_runs)
    elif fmt == "fhir":
        from footnote.server.export_fhir import write_fhir

        write_fhir(data, out)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return [out]

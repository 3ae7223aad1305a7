"""What an export covers, loaded once: the runs of a period, analysed, with the summary
and the footpod samples a writer needs. The writers (pdf_report, csv_table, fhir_bundle)
only write what is here; none of them opens the database."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from footnote.device.db import reader
from footnote.device.db.connect import open_reader
from footnote.device.db.reader import RunRow, list_runs, local_time
from footnote.device.db.tables import FOOTPOD_SAMPLES
from footnote.device.errors import BadPeriod, NothingToExport
from footnote.server.analysis import RunAnalysis, Summary, summarize
from footnote.server.analysis.questionnaire import Answers, latest_answers
from footnote.server.analysis.setups import Setup, load_setups
from footnote.server.analysis.showable import shown
from footnote.server.analysis_cache import AnalysisCache, analyses_of, cache_path

# The footpod samples' columns an export carries (the PDF's charts, the samples CSV).
SAMPLE_FIELDS = FOOTPOD_SAMPLES.pick("t_s", "speed_mps", "cadence_spm")


@dataclass
class ExportData:
    rows: list[RunRow]
    analyses: list[RunAnalysis]
    summary: Summary
    name: str | None
    since: date | None
    until: date | None
    generated_at: datetime
    samples: dict[int, list[tuple[float, float, float]]]  # run id -> [SAMPLE_FIELDS: (t_s, speed_mps, cadence_spm)]
    # The database's own random id (device.db.reader.database_uuid): FHIR ids derive from
    # it. "" for a database older than its id, which the FHIR export refuses.
    database_id: str = ""
    setups: dict[int, Setup] = field(default_factory=dict)  # run id -> what the runner wore
    answers: Answers | None = None  # the newest Edinburgh questionnaire answering
    not_shown: list[RunRow] = field(default_factory=list)  # runs left out: their times cannot be shown
    units: str = "km"  # dashboard.units: how the PDF and the CSV's words say distances and paces

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
        raise BadPeriod(
            f"{what} must be a date like 2026-11-01, not {text!r}",
            without_value=f"{what}: must be a date like 2026-11-01",
        ) from None


def collect(
    db_path: str | Path,
    *,
    since: date | None = None,
    until: date | None = None,
    name: str | None = None,
    samples_of: Collection[int] | Literal["with_numbness"] = (),
    units: str = "km",
) -> ExportData:
    """Runs whose local start day is within [since, until] (both inclusive), analysed.

    `samples_of` says whose footpod samples to load too: "with_numbness" (the PDF's charts)
    or the ids of chosen runs (the CSV's samples file); a chosen run outside the period is
    NothingToExport. A run whose times cannot be shown (server.analysis.showable) is left
    out, and listed in `not_shown`. The analyses come from the database's analysis cache file
    (server.analysis_cache) where they are kept, else are computed (and kept)."""
    if since and until and until < since:
        raise BadPeriod(f"the period ends ({until}) before it starts ({since})")
    cache = AnalysisCache(cache_path(db_path))
    conn = open_reader(db_path)
    try:
        conn.execute("BEGIN")  # one consistent snapshot while the logger writes
        showable, not_shown = shown(list_runs(conn))
        rows = [
            r
            for r in showable
            if (since is None or local_time(r).date() >= since) and (until is None or local_time(r).date() <= until)
        ]
        if not rows:
            everything = reader.run_count(conn)
            if not everything:
                raise NothingToExport("the database holds no runs yet: nothing to export")
            period = f"{since or 'the start'} to {until or 'now'}"
            raise NothingToExport(f"no runs between {period} ({everything} runs in the database)")
        rows.sort(key=lambda r: r.started_at)
        found = analyses_of(conn, rows, cache)
        analyses = [found[r.id] for r in rows]
        if samples_of == "with_numbness":
            wanted = [ra.run_id for ra in analyses if ra.episodes or ra.ignored_holds]
        else:
            wanted = list(samples_of)
            missing = [run_id for run_id in wanted if run_id not in {r.id for r in rows}]
            if missing:
                raise NothingToExport(f"run {missing[0]} is not in the exported period")
        samples = {run_id: reader.samples_of(conn, run_id, SAMPLE_FIELDS) for run_id in wanted}
        database_id = reader.database_uuid(conn) or ""
        setups = load_setups(conn)
        answers, _ = latest_answers(conn)
    finally:
        conn.close()
        cache.close()
    return ExportData(
        rows=rows,
        analyses=analyses,
        summary=summarize(analyses),
        name=(name or "").strip() or None,
        since=since,
        until=until,
        generated_at=datetime.now(UTC),
        samples=samples,
        database_id=database_id,
        setups=setups,
        answers=answers,
        not_shown=not_shown,
        units=units,
    )


def offset_text(row: RunRow) -> str:
    return local_time(row).strftime("UTC%z")


def at(row: RunRow, t_s: float) -> str:
    """A moment of a run in the runner's local time, with its offset."""
    return local_time(row, t_s).isoformat(timespec="seconds")

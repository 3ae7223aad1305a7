"""Downloads for the doctor: the same exports as `footnote export` (one registry,
footnote.server.exports.FORMATS), built in memory by a child process (server.exports.child_process:
the dashboard stays small) and sent as attachments with a fixed file name (nothing the
user types ever names a file). No runs in the period is a 404; a
malformed date a 422 (handlers in server.dashboard.app)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from footnote.server.dashboard.deps import PageDataDep, SettingsDep
from footnote.server.dashboard.templating import render
from footnote.server.exports import FORMATS, parse_day
from footnote.server.exports.child_process import build_apart

router = APIRouter(tags=["export"])

Day = Annotated[str | None, Query(max_length=10, description="a local date, e.g. 2026-11-01 (inclusive)")]
Name = Annotated[str | None, Query(max_length=100, description="the runner's name for the report (empty: anonymous)")]


@router.get("/export", include_in_schema=False)
def export_page(request: Request, page_data: PageDataDep):
    return render(request, "export.html", {"runs": page_data.runs_page()["runs"]})


def _download(kind: str, settings, since: str | None, until: str | None, name: str | None) -> Response:
    fmt = FORMATS[kind]
    body = build_apart(
        kind, settings.db_path, parse_day(since, "since"), parse_day(until, "until"), name, settings.units
    )
    filename = f"footnote-{date.today().isoformat()}-{fmt.file_name}"
    return Response(
        body,
        media_type=fmt.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/export/report.pdf", summary="The PDF report")
def export_pdf(settings: SettingsDep, since: Day = None, until: Day = None, name: Name = None):
    return _download("pdf", settings, since, until, name)


@router.get("/export/episodes.csv", summary="One CSV row per episode")
def export_csv(settings: SettingsDep, since: Day = None, until: Day = None):
    return _download("csv", settings, since, until, None)


@router.get("/export/runs.csv", summary="One CSV row per run, with or without numbness")
def export_runs_csv(settings: SettingsDep, since: Day = None, until: Day = None):
    return _download("runs-csv", settings, since, until, None)


@router.get("/export/bundle.fhir.json", summary="FHIR R4 document bundle")
def export_fhir(settings: SettingsDep, since: Day = None, until: Day = None, name: Name = None):
    return _download("fhir", settings, since, until, name)

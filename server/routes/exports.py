"""Downloads for the doctor: the same three exports as `footnote export`, built in
memory and sent as attachments (nothing is written on the server)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from server.deps import SettingsDep, ViewsDep
from server.export_data import NothingToExport, collect, parse_day
from server.templating import render

router = APIRouter(tags=["export"])

KINDS = {
    "pdf": ("application/pdf", "report.pdf"),
    "csv": ("text/csv; charset=utf-8", "episodes.csv"),
    "fhir": ("application/fhir+json", "bundle.fhir.json"),
}


@router.get("/export", include_in_schema=False)
def export_page(request: Request, views: ViewsDep):
    return render(request, "export.html", {"runs": views.runs_page()["runs"]})


def _build(kind: str, settings, since: str | None, until: str | None, name: str | None) -> Response:
    data = collect(settings.db_path, since=parse_day(since, "since"), until=parse_day(until, "until"), name=name, with_samples=kind == "pdf")
    media_type, suffix = KINDS[kind]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / suffix
        if kind == "pdf":
            from server.export_pdf import write_pdf

            write_pdf(data, out)
        elif kind == "csv":
            from server.export_csv import write_csv

            write_csv(data, out)
        else:
            from server.export_fhir import write_fhir

            write_fhir(data, out)
        body = out.read_bytes()
    # The file name is ours, never the user's input.
    filename = f"footnote-{date.today().isoformat()}-{suffix}"
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _nothing(request: Request, exc: NothingToExport):
    from fastapi.responses import JSONResponse

    return JSONResponse({"detail": str(exc)}, status_code=404 if "no runs" in str(exc) else 422)


@router.get("/export/report.pdf", summary="The PDF report")
def export_pdf(request: Request, settings: SettingsDep, since: str | None = Query(None, max_length=10), until: str | None = Query(None, max_length=10), name: str | None = Query(None, max_length=100)):
    try:
        return _build("pdf", settings, since, until, name)
    except NothingToExport as exc:
        return _nothing(request, exc)


@router.get("/export/episodes.csv", summary="One CSV row per episode")
def export_csv(request: Request, settings: SettingsDep, since: str | None = Query(None, max_length=10), until: str | None = Query(None, max_length=10)):
    try:
        return _build("csv", settings, since, until, None)
    except NothingToExport as exc:
        return _nothing(request, exc)


@router.get("/export/bundle.fhir.json", summary="FHIR R4 document bundle")
def export_fhir(request: Request, settings: SettingsDep, since: str | None = Query(None, max_length=10), until: str | None = Query(None, max_length=10), name: str | None = Query(None, max_length=100)):
    try:
        return _build("fhir", settings, since, until, name)
    except NothingToExport as exc:
        return _nothing(request, exc)

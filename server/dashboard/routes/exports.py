"""Downloads for the doctor: the same exports as `footnote export` (one registry,
footnote.server.exports.FORMATS), built in memory by a child process (server.exports.child_process:
the dashboard stays small) and sent as attachments with a fixed file name (nothing the
user types ever names a file). No runs in the period is a 404; a
malformed date a 422 (handlers in server.dashboard.app).

One download is built at a time (MAX_DOWNLOADS): each child process holds tens of
megabytes, and 30 at once took 1.4 GB, more than a Pi has. Another asked for meanwhile
is answered 503 with a Retry-After at once, holding nothing."""

from __future__ import annotations

import threading
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import AfterValidator

from footnote.device.rules.text import text_problem
from footnote.server.dashboard.deps import PageDataDep, SettingsDep
from footnote.server.dashboard.templating import render
from footnote.server.exports import FORMATS, parse_day
from footnote.server.exports.child_process import build_apart

router = APIRouter(tags=["export"])

MAX_DOWNLOADS = 1
RETRY_AFTER_S = 5  # a download of every run takes a few seconds on a Pi


def _plain(value: str | None) -> str | None:
    problem = value and text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


Day = Annotated[str | None, Query(max_length=10, description="a local date, e.g. 2026-11-01 (inclusive)")]
Name = Annotated[
    str | None,
    Query(max_length=100, description="the runner's name for the report (empty: anonymous)"),
    AfterValidator(_plain),
]


class DownloadSlots:
    """The downloads being built; at most MAX_DOWNLOADS at once."""

    def __init__(self) -> None:
        self._slots = threading.BoundedSemaphore(MAX_DOWNLOADS)

    def take(self) -> None:
        if not self._slots.acquire(blocking=False):
            raise HTTPException(
                503,
                "Another download is being made: try again in a few seconds.",
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )

    def give_back(self) -> None:
        self._slots.release()


def download_slot(request: Request):
    slots: DownloadSlots = request.app.state.downloads
    slots.take()
    try:
        yield
    finally:
        slots.give_back()


Slot = Depends(download_slot)


@router.get("/export", include_in_schema=False)
def export_page(request: Request, page_data: PageDataDep):
    page = page_data.runs_page()
    return render(request, "export.html", {"runs": page["runs"], "runs_not_shown": page["runs_not_shown"]})


def _download(kind: str, settings, since: str | None, until: str | None, name: str | None) -> Response:
    fmt = FORMATS[kind]
    body = build_apart(kind, settings.db_path, parse_day(since, "since"), parse_day(until, "until"), name)
    filename = f"footnote-{date.today().isoformat()}-{fmt.file_name}"
    return Response(
        body,
        media_type=fmt.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/export/report.pdf", summary="The PDF report", dependencies=[Slot])
def export_pdf(settings: SettingsDep, since: Day = None, until: Day = None, name: Name = None):
    return _download("pdf", settings, since, until, name)


@router.get("/export/episodes.csv", summary="One CSV row per episode", dependencies=[Slot])
def export_csv(settings: SettingsDep, since: Day = None, until: Day = None):
    return _download("csv", settings, since, until, None)


@router.get("/export/bundle.fhir.json", summary="FHIR R4 document bundle", dependencies=[Slot])
def export_fhir(settings: SettingsDep, since: Day = None, until: Day = None, name: Name = None):
    return _download("fhir", settings, since, until, name)

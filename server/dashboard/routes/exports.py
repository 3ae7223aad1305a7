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
from collections.abc import Iterator
from contextlib import contextmanager
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

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a slot while a download is built: HTTPException 503 (Retry-After) when
        none is free. Given back before the answer is sent, so the runner's next download,
        asked right after, finds it free."""
        if not self._slots.acquire(blocking=False):
            raise HTTPException(
                503,
                "Another download is being made: try again in a few seconds.",
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
        try:
            yield
        finally:
            self._slots.release()


async def get_downloads(request: Request) -> DownloadSlots:
    return request.app.state.downloads


DownloadsDep = Annotated[DownloadSlots, Depends(get_downloads)]


@router.get("/export", include_in_schema=False)
def export_page(request: Request, page_data: PageDataDep):
    page = page_data.runs_page()
    return render(request, "export.html", {"runs": page["runs"], "runs_not_shown": page["runs_not_shown"]})


def _download(
    kind: str, settings, downloads: DownloadSlots, since: str | None, until: str | None, name: str | None
) -> Response:
    fmt = FORMATS[kind]
    first, last = parse_day(since, "since"), parse_day(until, "until")
    with downloads.slot():
        body = build_apart(kind, settings.db_path, first, last, name, settings.units)
    filename = f"footnote-{date.today().isoformat()}-{fmt.file_name}"
    return Response(
        body,
        media_type=fmt.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/export/report.pdf", summary="The PDF report")
def export_pdf(settings: SettingsDep, downloads: DownloadsDep, since: Day = None, until: Day = None, name: Name = None):
    return _download("pdf", settings, downloads, since, until, name)


@router.get("/export/episodes.csv", summary="One CSV row per episode")
def export_csv(settings: SettingsDep, downloads: DownloadsDep, since: Day = None, until: Day = None):
    return _download("csv", settings, downloads, since, until, None)


@router.get("/export/runs.csv", summary="One CSV row per run, with or without numbness")
def export_runs_csv(settings: SettingsDep, downloads: DownloadsDep, since: Day = None, until: Day = None):
    return _download("runs-csv", settings, downloads, since, until, None)


@router.get("/export/bundle.fhir.json", summary="FHIR R4 document bundle")
def export_fhir(
    settings: SettingsDep, downloads: DownloadsDep, since: Day = None, until: Day = None, name: Name = None
):
    return _download("fhir", settings, downloads, since, until, name)

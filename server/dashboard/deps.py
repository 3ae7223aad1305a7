"""FastAPI dependencies: the run views, settings and the CSRF check, as Annotated aliases."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request
from starlette.datastructures import FormData

from footnote.server.charts.svg import DEFAULT_WIDTH, MAX_WIDTH, MIN_WIDTH
from footnote.server.dashboard.auth import Auth, require_csrf
from footnote.server.dashboard.pagedata import PageData


@dataclass(frozen=True)
class Settings:
    db_path: FilePath
    password_hash: str | None = None
    title: str = "footnote"
    units: str = "km"  # dashboard.units: distances and paces as the runner reads them


# async: FastAPI would run a plain def in the thread pool, a hop for an attribute read.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_page_data(request: Request) -> PageData:
    return request.app.state.page_data


async def get_auth(request: Request) -> Auth:
    return request.app.state.auth


async def posted_form(request: Request) -> FormData:
    """The posted form, read on the event loop (reading a body waits on the network, never
    on the database), so the handler that takes it can be a plain `def`: FastAPI runs those
    in its thread pool, and a save waiting for the logger's write lock (up to the 5-s busy
    timeout) or an analysis never stalls the other pages."""
    return await request.form()


SettingsDep = Annotated[Settings, Depends(get_settings)]
PostedForm = Annotated[FormData, Depends(posted_form)]
PageDataDep = Annotated[PageData, Depends(get_page_data)]
AuthDep = Annotated[Auth, Depends(get_auth)]
CsrfChecked = Depends(require_csrf)
# SQLite integers are 64-bit: anything larger is refused with a 422, not a crash.
RunId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a run's id, as listed by /api/runs")]
EpisodeNo = Annotated[int, Path(ge=1, le=2**63 - 1, description="an episode's number within its run (1, 2, ...)")]


Seconds = Annotated[
    float | None,
    Query(ge=0, le=10**7, allow_inf_nan=False, description="seconds into the run; give from_s and to_s together"),
]


def chart_window(from_s: Seconds = None, to_s: Seconds = None) -> tuple[float, float] | None:
    """A stretch of a run (from_s, to_s), to 0.1 s; None for the whole run."""
    if from_s is None and to_s is None:
        return None
    if from_s is None or to_s is None:
        raise HTTPException(422, "from_s, to_s: give both (seconds into the run), or neither for the whole run")
    start, end = round(from_s, 1), round(to_s, 1)
    if end <= start:
        raise HTTPException(422, f"to_s: must be after from_s ({start:g} s)")
    return start, end


ChartWindow = Annotated[tuple[float, float] | None, Depends(chart_window)]
ChartWidth = Annotated[int, Query(ge=MIN_WIDTH, le=MAX_WIDTH, description="the width the chart is shown at, in CSS px")]
DEFAULT_CHART_WIDTH = DEFAULT_WIDTH

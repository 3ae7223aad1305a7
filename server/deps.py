"""FastAPI dependencies: the run views, settings and the CSRF check, as Annotated aliases."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import Depends, Path, Request

from footnote.server.auth import Auth, require_csrf
from footnote.server.pagedata import PageData


@dataclass(frozen=True)
class Settings:
    db_path: FilePath
    password_hash: str | None = None
    title: str = "footnote"


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_page_data(request: Request) -> PageData:
    return request.app.state.page_data


def get_auth(request: Request) -> Auth:
    return request.app.state.auth


SettingsDep = Annotated[Settings, Depends(get_settings)]
PageDataDep = Annotated[PageData, Depends(get_page_data)]
AuthDep = Annotated[Auth, Depends(get_auth)]
CsrfChecked = Depends(require_csrf)
# SQLite integers are 64-bit: anything larger is refused with a 422, not a crash.
RunId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a run's id, as listed by /api/runs")]
EpisodeNo = Annotated[int, Path(ge=1, le=2**63 - 1, description="an episode's number within its run (1, 2, ...)")]

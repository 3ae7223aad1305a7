"""The watch's file, uploaded on the run page (or through the API), and the runner's
acceptance of an alignment proposed from the movement.

The size cap is checked before the body is read: the declared Content-Length first (a
form post always declares it; an upload without one is refused), then the bytes as they
arrive, so an oversized upload is refused with one line after at most the cap has been
read, and nothing is stored. Hostile XML is refused by the reader itself
(device.watch.xmlsafe), whatever the browser or the app in front of it did.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse

from footnote.device.watch.activity import WatchFileError
from footnote.device.watch.read import MAX_WATCH_FILE_BYTES
from footnote.server.dashboard.deps import CsrfChecked, RunId, SettingsDep
from footnote.server.dashboard.saves import accept_watch, attach_watch
from footnote.server.dashboard.templating import render

FORM_OVERHEAD_BYTES = 64 * 1024  # the multipart envelope and the CSRF field around the file
TOO_BIG = f"The file is larger than the {MAX_WATCH_FILE_BYTES // 2**20} MB a watch file may have; nothing was stored."

WatchFileId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a watch file's id, as the run page lists it")]

pages = APIRouter(tags=["pages"])
api = APIRouter(prefix="/api", tags=["api"])


def _declared_size(request: Request, *, overhead: int) -> None:
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        raise HTTPException(411, "An upload must say its length (Content-Length).")
    if int(declared) > MAX_WATCH_FILE_BYTES + overhead:
        raise HTTPException(413, TOO_BIG)


def form_size_capped(request: Request) -> None:
    _declared_size(request, overhead=FORM_OVERHEAD_BYTES)


def body_size_capped(request: Request) -> None:
    _declared_size(request, overhead=0)


FormCapped = Depends(form_size_capped)
BodyCapped = Depends(body_size_capped)


async def _body(request: Request) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_WATCH_FILE_BYTES:
            raise HTTPException(413, TOO_BIG)
        chunks.append(chunk)
    return b"".join(chunks)


def _attached(result) -> dict:
    return {
        "watch_file_id": result.watch_file_id,
        "format": result.activity.format,
        "sport": result.activity.sport,
        "records": len(result.activity.records),
        "started_at": result.activity.start.isoformat(),
        "ended_at": result.activity.end.isoformat(),
        "already_attached": result.already,
        "attached": [
            {
                "run_id": a.run_id,
                "method": a.alignment.method,
                "watch_start_t_s": a.alignment.watch_start_t_s,
                "score": a.alignment.score,
                "runner_up": a.alignment.runner_up,
                "accepted": a.accepted,
                "overlap_s": a.overlap_s,
            }
            for a in result.attached
        ],
    }


# Size first: the CSRF check reads the form, which must not happen for an oversized body.
@pages.post("/runs/{run_id}/watch", dependencies=[FormCapped, CsrfChecked])
async def upload_watch_form(request: Request, run_id: RunId, settings: SettingsDep):
    form = await request.form(max_files=1, max_fields=4)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return _refused(request, "Choose the watch's .fit, .tcx or .gpx file first.")
    data = await upload.read(MAX_WATCH_FILE_BYTES + 1)
    if len(data) > MAX_WATCH_FILE_BYTES:
        return _refused(request, TOO_BIG, status=413)
    name = (upload.filename or "watch file")[:120]
    try:
        await _in_thread(attach_watch, settings.db_path, run_id, data, name=name)
    except WatchFileError as exc:
        return _refused(request, str(exc))
    return RedirectResponse(f"/runs/{run_id}#watch", status_code=303)


@pages.post("/runs/{run_id}/watch/{watch_file_id}/accept", dependencies=[CsrfChecked])
def accept_watch_form(run_id: RunId, watch_file_id: WatchFileId, settings: SettingsDep):
    accept_watch(settings.db_path, run_id, watch_file_id)
    return RedirectResponse(f"/runs/{run_id}#watch", status_code=303)


@api.post(
    "/runs/{run_id}/watch-file",
    dependencies=[BodyCapped, CsrfChecked],
    summary="Attach the watch's file (FIT, TCX or GPX) to a run: the body is the file itself",
)
async def upload_watch(
    request: Request,
    run_id: RunId,
    settings: SettingsDep,
    name: Annotated[str, Query(max_length=120, pattern=r"^[\w .()-]+$")] = "watch file",
) -> dict:
    data = await _body(request)
    try:
        result = await _in_thread(attach_watch, settings.db_path, run_id, data, name=name)
    except WatchFileError as exc:
        raise HTTPException(400, str(exc)) from None
    return _attached(result)


@api.put(
    "/runs/{run_id}/watch-files/{watch_file_id}/accept",
    dependencies=[CsrfChecked],
    summary="Accept the alignment proposed for a watch file (the run's start is corrected)",
)
def api_accept_watch(run_id: RunId, watch_file_id: WatchFileId, settings: SettingsDep) -> dict:
    start = accept_watch(settings.db_path, run_id, watch_file_id)
    return {"run_id": run_id, "watch_file_id": watch_file_id, "started_at": start.isoformat()}


async def _in_thread(fn, *args, **kwargs):
    # Reading a 3-hour file and the write lock the logger may hold must not stall every page.
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args, **kwargs)


def _refused(request: Request, message: str, *, status: int = 400):
    return render(request, "message.html", {"title": "Watch file not attached", "message": message}, status_code=status)

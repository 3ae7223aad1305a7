"""The HTML pages. Each shows the same data as its JSON twin in server.dashboard.routes.api."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from footnote.device.db.tables import ANNOTATION_FLAGS
from footnote.server.dashboard.deps import (
    DEFAULT_CHART_WIDTH,
    ChartWidth,
    ChartWindow,
    CsrfChecked,
    EpisodeNo,
    PageDataDep,
    PostedForm,
    RunId,
    SettingsDep,
)
from footnote.server.dashboard.saves import AnnotationIn, BadStartTime, correct_start, save_annotation
from footnote.server.dashboard.templating import render

router = APIRouter(include_in_schema=False)

SVG = "image/svg+xml"


@router.get("/")
def runs_page(request: Request, page_data: PageDataDep):
    return render(request, "runs.html", page_data.runs_page())


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: RunId, page_data: PageDataDep, window: ChartWindow):
    """The run; `?from_s=&to_s=` opens its chart zoomed to that stretch (the episode
    zoom links, which work without JavaScript too)."""
    return render(request, "run.html", {**page_data.run_page(run_id), "window": window})


@router.get("/runs/{run_id}/timeline.svg")
def run_timeline(run_id: RunId, page_data: PageDataDep, window: ChartWindow, width: ChartWidth = DEFAULT_CHART_WIDTH):
    svg = page_data.timeline_svg(run_id, width=width, window=window)
    return Response(svg, media_type=SVG, headers={"Cache-Control": "no-cache"})


@router.get("/trends")
def trends_page(request: Request, page_data: PageDataDep):
    return render(request, "trends.html", {"points": page_data.trend_points(), "summary": page_data.summary()})


@router.get("/trends.svg")
def trends_chart(page_data: PageDataDep, width: ChartWidth = DEFAULT_CHART_WIDTH):
    return Response(page_data.trends_svg(width=width), media_type=SVG, headers={"Cache-Control": "no-cache"})


def _episode(page: dict, number: int) -> dict:
    for ep in page["episodes"]:
        if ep["number"] == number:
            return ep
    from footnote.device.errors import NoSuchEpisode

    raise NoSuchEpisode(f"Run {page['id']} has no episode {number}.")


@router.get("/runs/{run_id}/episodes/{number}/annotate")
def annotate_form(request: Request, run_id: RunId, number: EpisodeNo, page_data: PageDataDep):
    page = page_data.run_page(run_id)
    return render(request, "annotate.html", {"run": page, "episode": _episode(page, number), "errors": []})


@router.post("/runs/{run_id}/episodes/{number}/annotate", dependencies=[CsrfChecked])
def annotate_save(
    request: Request, run_id: RunId, number: EpisodeNo, page_data: PageDataDep, settings: SettingsDep, form: PostedForm
):
    data: dict[str, object] = {k: v for k, v in form.items() if k != "csrf_token"}
    for flag in ANNOTATION_FLAGS:  # a checkbox left unticked is not sent at all
        data[flag] = flag in data
    try:
        note = AnnotationIn.model_validate(data)
    except ValidationError as exc:
        page = page_data.run_page(run_id)
        errors = [f"{'.'.join(map(str, e['loc'])) or 'form'}: {e['msg']}" for e in exc.errors()]
        return render(
            request,
            "annotate.html",
            {"run": page, "episode": _episode(page, number), "errors": errors, "sent": data},
            status_code=400,
        )
    save_annotation(settings.db_path, run_id, number, note)
    return RedirectResponse(f"/runs/{run_id}#episode-{number}", status_code=303)


@router.post("/runs/{run_id}/start", dependencies=[CsrfChecked])
def correct_start_time(
    request: Request, run_id: RunId, page_data: PageDataDep, settings: SettingsDep, form: PostedForm
):
    page = page_data.run_page(run_id)
    value = str(form.get("started_local", ""))
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        return render(
            request,
            "message.html",
            {
                "title": "Start time not changed",
                "message": f"started_local: '{value}' is not a date and time like 2026-11-20T07:30.",
            },
            status_code=400,
        )
    offset = datetime.fromisoformat(page["started_at"]).tzinfo or UTC
    try:
        correct_start(settings.db_path, run_id, local.replace(tzinfo=local.tzinfo or offset))
    except BadStartTime as exc:
        return render(
            request,
            "message.html",
            {"title": "Start time not changed", "message": f"started_local: {exc}"},
            status_code=400,
        )
    return RedirectResponse(f"/runs/{run_id}", status_code=303)

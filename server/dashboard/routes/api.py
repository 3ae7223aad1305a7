"""The JSON twin of every page, documented at /docs."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from footnote.server.dashboard.deps import ChartWindow, CsrfChecked, EpisodeNo, PageDataDep, RunId, SettingsDep
from footnote.server.dashboard.saves import AnnotationIn, BadStartTime, correct_start, save_annotation

router = APIRouter(prefix="/api", tags=["api"])


@router.get("/runs", summary="Every run, newest first, with the summary across runs")
def api_runs(page_data: PageDataDep) -> dict:
    return page_data.runs_page()


@router.get("/runs/{run_id}", summary="One run: episodes with label, evidence and metrics, movement segments")
def api_run(run_id: RunId, page_data: PageDataDep) -> dict:
    return page_data.run_page(run_id)


@router.get(
    "/runs/{run_id}/samples",
    summary="Footpod samples of a run or of a stretch of it (from_s, to_s), optionally downsampled (peaks kept)",
)
def api_samples(
    run_id: RunId,
    page_data: PageDataDep,
    window: ChartWindow,
    max_points: int | None = Query(default=None, ge=3, le=1_000_000),
) -> dict:
    return page_data.samples(run_id, max_points=max_points, window=window)


@router.get("/summary", summary="The summary across all runs: pattern, onset spread, red flags")
def api_summary(page_data: PageDataDep) -> dict:
    return page_data.summary()


@router.get("/trends", summary="Per-run figures over the weeks")
def api_trends(page_data: PageDataDep) -> list[dict]:
    return [{**p, "started_at": p["started_at"].isoformat()} for p in page_data.trend_points()]


@router.put(
    "/runs/{run_id}/episodes/{number}/annotation",
    dependencies=[CsrfChecked],
    summary="Annotate an episode (send the footnote_csrf cookie's value as X-CSRF-Token)",
)
def api_annotate(
    run_id: RunId, number: EpisodeNo, note: AnnotationIn, page_data: PageDataDep, settings: SettingsDep
) -> dict:
    save_annotation(settings.db_path, run_id, number, note)
    page = page_data.run_page(run_id)
    return {
        "episode": next(ep for ep in page["episodes"] if ep["number"] == number),
        "red_flags": page_data.summary()["red_flags"],
    }


class StartIn(BaseModel):
    started_at: datetime


@router.put(
    "/runs/{run_id}/start", dependencies=[CsrfChecked], summary="Correct a run's start time (ISO-8601 with offset)"
)
def api_correct_start(run_id: RunId, body: StartIn, page_data: PageDataDep, settings: SettingsDep) -> dict:
    try:
        correct_start(settings.db_path, run_id, body.started_at)
    except BadStartTime as exc:
        raise HTTPException(422, f"started_at: {exc}") from None
    return page_data.run_page(run_id)

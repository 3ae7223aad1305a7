"""The doctor-and-experiment pages (issue 12) and their JSON twins: a run's setup, the
setup comparison, the Edinburgh questionnaire beside the recordings. Per-place summaries
ride on /api/summary and /api/runs (server.analysis.places)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from footnote.server.analysis.questionnaire import AnswersIn
from footnote.server.analysis.setups import SetupIn
from footnote.server.dashboard.deps import CsrfChecked, PageDataDep, PostedForm, RunId, SettingsDep
from footnote.server.dashboard.saves import save_answers, save_setup
from footnote.server.dashboard.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])


def _field_errors(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(map(str, e['loc'])) or 'form'}: {e['msg']}" for e in exc.errors()]


# -- a run's setup -------------------------------------------------------------------------
@pages.post("/runs/{run_id}/setup", dependencies=[CsrfChecked])
def setup_save(request: Request, run_id: RunId, page_data: PageDataDep, settings: SettingsDep, form: PostedForm):
    data = {k: v for k, v in form.items() if k != "csrf_token"}
    try:
        setup = SetupIn.model_validate(data)
    except ValidationError as exc:
        page = page_data.run_page(run_id)
        return render(request, "run.html", {**page, "setup_errors": _field_errors(exc), "setup_sent": data}, 400)
    save_setup(settings.db_path, run_id, setup)
    return RedirectResponse(f"/runs/{run_id}#setup", status_code=303)


@api.put(
    "/runs/{run_id}/setup",
    dependencies=[CsrfChecked],
    summary="Set what the runner wore on a run: shoes, lacing, orthotics, a note (X-CSRF-Token header)",
)
def api_setup(run_id: RunId, setup: SetupIn, page_data: PageDataDep, settings: SettingsDep) -> dict:
    save_setup(settings.db_path, run_id, setup)
    return {"run_id": run_id, "setup": page_data.run_page(run_id)["setup"]}


# -- the comparison ------------------------------------------------------------------------
@pages.get("/setups")
def setups_page(request: Request, page_data: PageDataDep):
    return render(request, "setups.html", page_data.setups_page())


@api.get("/setups", summary="The shoe and lacing experiment: per setup, runs, hours, numbness and exact tests")
def api_setups(page_data: PageDataDep) -> dict:
    return page_data.setups_page()


# -- the Edinburgh Claudication Questionnaire -----------------------------------------------
@pages.get("/questionnaire")
def questionnaire_page(request: Request, page_data: PageDataDep):
    return render(request, "questionnaire.html", {**page_data.questionnaire_page(), "errors": []})


@pages.post("/questionnaire", dependencies=[CsrfChecked])
def questionnaire_save(request: Request, page_data: PageDataDep, settings: SettingsDep, form: PostedForm):
    data: dict[str, object] = {k: v for k, v in form.items() if k not in ("csrf_token", "where")}
    data["where"] = form.getlist("where")
    try:
        answers = AnswersIn.model_validate(data)
    except ValidationError as exc:
        page = page_data.questionnaire_page()
        return render(request, "questionnaire.html", {**page, "errors": _field_errors(exc), "sent": data}, 400)
    save_answers(settings.db_path, answers)
    return RedirectResponse("/questionnaire#beside", status_code=303)


@api.get("/questionnaire", summary="The Edinburgh questionnaire answers and, beside each item, what the recordings say")
def api_questionnaire(page_data: PageDataDep) -> dict:
    return page_data.questionnaire_page()


@api.put(
    "/questionnaire",
    dependencies=[CsrfChecked],
    summary="Answer the Edinburgh Claudication Questionnaire (kept; the newest is shown)",
)
def api_answer(answers: AnswersIn, page_data: PageDataDep, settings: SettingsDep) -> dict:
    save_answers(settings.db_path, answers)
    return page_data.questionnaire_page()

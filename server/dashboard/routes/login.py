"""Log in and out (only when a password is configured)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from footnote.server.dashboard.auth import SESSION_COOKIE, SESSION_IDLE_S, SESSION_LIFETIME_S, is_https
from footnote.server.dashboard.deps import AuthDep, CsrfChecked
from footnote.server.dashboard.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # Only paths on this site: never an open redirect.
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


SESSION_ENDED = (
    f"Your login ended ({SESSION_IDLE_S // 60} minutes without use, or {SESSION_LIFETIME_S // 3600} hours "
    "after logging in, or the dashboard restarted): log in again."
)


@router.get("/login")
def login_form(request: Request, next: str | None = None, ended: bool = False):
    return render(request, "login.html", {"next": _safe_next(next), "error": SESSION_ENDED if ended else None})


@router.post("/login", dependencies=[CsrfChecked])
async def login(request: Request, auth: AuthDep):
    form = await request.form()
    target = _safe_next(str(form.get("next") or "/"))
    client = request.client.host if request.client else "unknown"
    if not auth.enabled:
        return RedirectResponse(target, status_code=303)
    # The hash takes a moment (0.25-0.5 s on a Pi): off the event loop, so other pages still answer.
    if not await run_in_threadpool(auth.password_ok, str(form.get("password", ""))):
        await asyncio.sleep(auth.failure_delay(client))
        return render(request, "login.html", {"next": target, "error": "Wrong password."}, status_code=401)
    auth.success(client)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        auth.new_session(),
        max_age=SESSION_LIFETIME_S,
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, auth: AuthDep):
    auth.end_session(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict", secure=is_https(request))
    return response

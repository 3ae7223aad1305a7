"""Log in and out (only when a password is configured)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from footnote.server.dashboard.auth import SESSION_COOKIE, SESSION_IDLE_S, SESSION_LIFETIME_S, is_https, require_csrf
from footnote.server.dashboard.deps import AuthDep, CsrfChecked
from footnote.server.dashboard.login_limit import TooManyLogins, client_of
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


def _too_many(request: Request, target: str, refused: TooManyLogins):
    wait = refused.retry_after
    response = render(
        request,
        "login.html",
        {"next": target, "error": f"Too many login attempts: wait {wait} seconds, then try again."},
        status_code=429,
    )
    response.headers["Retry-After"] = wait
    return response


@router.post("/login")
async def login(request: Request, auth: AuthDep):
    """Limited before any password is hashed (server.dashboard.login_limit); the CSRF
    cookie and Origin were checked before the body was read (auth.CsrfFirst)."""
    if not auth.enabled:
        await require_csrf(request)
        return RedirectResponse(_safe_next(str((await request.form()).get("next") or "/")), status_code=303)
    target = _safe_next(request.query_params.get("next"))
    try:
        attempt = auth.limiter.admit(client_of(request.client.host if request.client else None))
    except TooManyLogins as refused:
        return _too_many(request, target, refused)
    with attempt:
        await require_csrf(request)
        form = await request.form()
        target = _safe_next(str(form.get("next") or "/"))
        # The hash takes a moment (0.25-0.5 s on a Pi): off the event loop, so other pages still answer.
        if not await auth.check_password(str(form.get("password", ""))):
            # The answer waits out the delay (holding no thread): one tab never meets a refusal.
            await asyncio.sleep(attempt.failed())
            return render(request, "login.html", {"next": target, "error": "Wrong password."}, status_code=401)
        attempt.succeeded()
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

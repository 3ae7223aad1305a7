"""Privacy for the dashboard: login against the configured password hash, a session
cookie, sessions that expire, slowed brute force, and protection against cross-site
request forgery.

- With no password the dashboard may only listen on loopback (server.dashboard.serve refuses
  anything else); with one, every page, API call and export needs a login, wherever it
  listens. The app only ever gets the password's argon2id hash (server.dashboard.passwords).
- Sessions are random tokens kept in memory (a restart logs everyone out), in an
  HttpOnly, SameSite=Strict cookie, marked Secure when the dashboard is served over
  HTTPS. The server ends a session 30 minutes after its last request or 12 hours after
  the login, whichever comes first, and at logout; the cookie's own max-age is only a
  hint to the browser.
- Logins are limited before any password is hashed (server.dashboard.login_limit): one
  attempt in flight per client, 0.5 s, 1 s, 2 s ... (at most 8 s) after each wrong one,
  and a budget of wrong passwords a minute across all clients; at most
  MAX_CONCURRENT_HASHES hashes run at once, the others wait on the event loop, in no thread.
- Every state-changing request must carry the CSRF token (form field `csrf_token` or
  header `X-CSRF-Token`) equal to the `footnote_csrf` cookie, and an Origin header, if
  sent, must be this dashboard's own origin (scheme, served host and port). A cross-site
  page can neither read the cookie nor set the header, so a forged post is refused.
  Everything that needs no body is checked before the body is read (CsrfFirst), a
  form's token once its (size-capped, server.dashboard.bodies) body is read.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from footnote.device.config import password_hash_problem
from footnote.server.dashboard.login_limit import LoginLimiter

SESSION_COOKIE = "footnote_session"
CSRF_COOKIE = "footnote_csrf"
# How long a login lasts, for a runner reading the dashboard on a phone after a run.
# Idle: 30 minutes covers reading the runs, a shower, and coming back to annotate an
# episode; a phone left unlocked (or lost) on the way home is logged out soon after.
# Absolute: 12 hours, so a cookie that leaks is worth half a day at most, while a
# morning's login still serves the doctor's visit in the afternoon. These are NIST
# SP 800-63B's reauthentication limits for AAL2 (rev. 3, section 4.2.3).
SESSION_IDLE_S = 30 * 60
SESSION_LIFETIME_S = 12 * 3600
PUBLIC_PATHS = ("/login", "/static/")
# Each argon2id check holds 19 MiB for a moment (server.dashboard.passwords): a flood of logins
# waits its turn instead of filling the Pi's memory.
MAX_CONCURRENT_HASHES = 2


@dataclass
class Session:
    started_s: float
    last_seen_s: float


def is_https(request: Request) -> bool:
    """Whether this request came over TLS (uvicorn's --ssl-*): cookies are then Secure."""
    return request.url.scheme == "https"


class Auth:
    """Who is logged in. `password_hash` is an argon2id hash (None: no password, on
    loopback only); `clock` is monotonic seconds (a Pi without a real-time clock steps
    its wall clock when it syncs, which must neither end nor extend a session)."""

    def __init__(self, password_hash: str | None, *, clock: Callable[[], float] = time.monotonic) -> None:
        problem = password_hash_problem(password_hash or "")
        if problem:
            raise ValueError(f"password_hash {problem}")
        self.enabled = bool(password_hash)
        self._hash = password_hash or ""
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self.limiter = LoginLimiter(clock=clock)
        self._hashing: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    def password_ok(self, attempt: str) -> bool:
        """Blocking (an argon2id hash): call it from a worker thread, or await check_password."""
        from footnote.server.dashboard import passwords

        if not self.enabled:
            return False
        return passwords.verify_password(self._hash, attempt)

    async def check_password(self, attempt: str) -> bool:
        """password_ok in the thread pool, at most MAX_CONCURRENT_HASHES at once; the
        others wait here, on the event loop, holding no thread."""
        loop = asyncio.get_running_loop()
        if self._hashing is None or self._hashing[0] is not loop:
            self._hashing = (loop, asyncio.Semaphore(MAX_CONCURRENT_HASHES))
        async with self._hashing[1]:
            return await run_in_threadpool(self.password_ok, attempt)

    def new_session(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            self._sessions = {t: s for t, s in self._sessions.items() if self._alive(s, now)}
            self._sessions[token] = Session(started_s=now, last_seen_s=now)
        return token

    def end_session(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)

    def session_ok(self, token: str | None) -> bool:
        """Whether `token` is a live session; a live one counts this as its latest use."""
        if not self.enabled:
            return True
        with self._lock:
            session = self._sessions.get(token or "")
            if session is None:
                return False
            now = self._clock()
            if not self._alive(session, now):
                del self._sessions[token or ""]
                return False
            session.last_seen_s = now
            return True

    @staticmethod
    def _alive(session: Session, now: float) -> bool:
        return now - session.last_seen_s < SESSION_IDLE_S and now - session.started_s < SESSION_LIFETIME_S

    def failure_delay(self, client: str) -> float:
        """Record a failed login and return how long to make this client wait."""
        return self.limiter.failure_delay(client)

    def success(self, client: str) -> None:
        self.limiter.success(client)

    @staticmethod
    def is_public(path: str) -> bool:
        return any(path == p or (p.endswith("/") and path.startswith(p)) for p in PUBLIC_PATHS)


CROSS_SITE = "Cross-site request refused."
NO_TOKEN = "Missing or wrong CSRF token: reload the page and try again."
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _same(sent: str, cookie: str) -> bool:
    # Bytes: compare_digest refuses str with anything but ASCII (a 500, not a 403).
    return hmac.compare_digest(sent.encode("utf-8", "surrogateescape"), cookie.encode("utf-8", "surrogateescape"))


def refusal_before_body(request: Request) -> str | None:
    """Why a state-changing request is refused, from its headers alone, or None. None
    for a form without the X-CSRF-Token header only means its body's token is still to
    be checked (require_csrf)."""
    origin = request.headers.get("origin")
    if origin is not None and origin.lower() != f"{request.url.scheme}://{request.headers.get('host', '')}".lower():
        return CROSS_SITE
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie:
        return NO_TOKEN
    sent = request.headers.get("x-csrf-token")
    if sent is not None:
        return None if _same(sent, cookie) else NO_TOKEN
    return None if request.headers.get("content-type", "").startswith(FORM_TYPES) else NO_TOKEN


class CsrfFirst:
    """ASGI middleware: every state-changing request is checked for what needs no body
    (Origin, the cookie, the header token) before anything reads its body."""

    def __init__(self, app, *, answer: Callable[[Request, Exception], Awaitable[Response]]) -> None:
        """`answer` turns the refusal into the response (the dashboard's one error handler:
        a page for a browser, JSON under /api/)."""
        self.app = app
        self.answer = answer

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            request = Request(scope)
            problem = refusal_before_body(request)
            if problem:
                request.state.csrf = request.cookies.get(CSRF_COOKIE, "")
                # Connection: close, so the body a refused request still sends is never read.
                refusal = await self.answer(request, HTTPException(403, problem, headers={"Connection": "close"}))
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def require_csrf(request: Request) -> None:
    """Dependency for every state-changing route: the checks of CsrfFirst again, and a
    form's token, read from its body."""
    problem = refusal_before_body(request)
    if problem:
        raise HTTPException(403, problem)
    if request.headers.get("x-csrf-token") is not None:
        return
    field = (await request.form()).get("csrf_token")
    if not isinstance(field, str) or not _same(field, request.cookies[CSRF_COOKIE]):
        raise HTTPException(403, NO_TOKEN)

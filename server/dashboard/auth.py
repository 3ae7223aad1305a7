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
- Failed logins from one client wait 0.5 s, 1 s, 2 s ... (at most 8 s) before the answer.
- Every state-changing request must carry the CSRF token (form field `csrf_token` or
  header `X-CSRF-Token`) equal to the `footnote_csrf` cookie, and an Origin header, if
  sent, must be this host. A cross-site page can neither read the cookie nor set the
  header, so a forged post is refused.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

from footnote.device.config import password_hash_problem

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
MAX_DELAY_S = 8.0
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
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()
        self._hashing = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)

    def password_ok(self, attempt: str) -> bool:
        """Blocking (an argon2id hash): call it from a worker thread."""
        from footnote.server.dashboard.passwords import verify_password

        if not self.enabled:
            return False
        with self._hashing:
            return verify_password(self._hash, attempt)

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
        with self._lock:
            n = self._failures.get(client, 0) + 1
            self._failures[client] = n
        return min(MAX_DELAY_S, 0.5 * 2 ** (n - 1))

    def success(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    @staticmethod
    def is_public(path: str) -> bool:
        return any(path == p or (p.endswith("/") and path.startswith(p)) for p in PUBLIC_PATHS)


async def require_csrf(request: Request) -> None:
    """Dependency for every state-changing route."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(403, "Cross-site request refused.")
    if origin == "null":
        raise HTTPException(403, "Cross-site request refused.")
    cookie = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        field = (await request.form()).get("csrf_token")
        sent = field if isinstance(field, str) else None
    if not cookie or not sent or not hmac.compare_digest(str(sent), cookie):
        raise HTTPException(403, "Missing or wrong CSRF token: reload the page and try again.")

"""Privacy for the dashboard: login with the configured password, a session cookie,
slowed brute force, and protection against cross-site request forgery.

- With no password the dashboard may only listen on loopback (server.serve refuses
  anything else); with one, every page, API call and export needs a login, wherever it
  listens.
- Sessions are random tokens kept in memory (a restart logs everyone out), in an
  HttpOnly, SameSite=Strict cookie.
- Failed logins from one client wait 0.5 s, 1 s, 2 s ... (at most 8 s) before the answer.
- Every state-changing request must carry the CSRF token (form field `csrf_token` or
  header `X-CSRF-Token`) equal to the `footnote_csrf` cookie, and an Origin header, if
  sent, must be this host. A cross-site page can neither read the cookie nor set the
  header, so a forged post is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

SESSION_COOKIE = "footnote_session"
CSRF_COOKIE = "footnote_csrf"
SESSION_S = 12 * 3600
PUBLIC_PATHS = ("/login", "/static/")
MAX_DELAY_S = 8.0


class Auth:
    def __init__(self, password: str | None) -> None:
        self.enabled = bool(password)
        self._digest = hashlib.sha256((password or "").encode()).digest()
        self._sessions: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()

    def password_ok(self, attempt: str) -> bool:
        return hmac.compare_digest(hashlib.sha256(attempt.encode()).digest(), self._digest)

    def new_session(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = time.time()
            self._sessions = {t: exp for t, exp in self._sessions.items() if exp > now}
            self._sessions[token] = now + SESSION_S
        return token

    def end_session(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)

    def session_ok(self, token: str | None) -> bool:
        if not self.enabled:
            return True
        with self._lock:
            expiry = self._sessions.get(token or "")
        return expiry is not None and expiry > time.time()

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

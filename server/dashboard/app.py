"""The dashboard application: `create_app(db_path, ...)` wires settings, routers and the
privacy middleware together. Serve it with `footnote serve` (server.dashboard.serve)."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi import exception_handlers as fastapi_handlers
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from swagger_ui_bundle import swagger_ui_path

from footnote.device.db.connect import advice
from footnote.device.errors import (
    BadPeriod,
    DamagedDatabase,
    DatabaseTooOld,
    NoDatabase,
    NoSuchEpisode,
    NoSuchRun,
    NothingToExport,
    RunCannotBeShown,
)
from footnote.server.dashboard import lan
from footnote.server.dashboard.auth import CSRF_COOKIE, SESSION_COOKIE, Auth, CsrfFirst, is_https
from footnote.server.dashboard.bodies import BodyLimit
from footnote.server.dashboard.deps import Settings
from footnote.server.dashboard.hosts import HostAllowList, served_names
from footnote.server.dashboard.pagedata import PageData
from footnote.server.dashboard.routes import api, doctor, exports, login, pages, watch
from footnote.server.dashboard.templating import render
from footnote.server.words.vocabulary import (
    DATABASE_TOO_OLD,
    DATABASE_UNUSABLE,
    ERROR_WORDS,
    FIELD_ERROR_WORDS,
    RUN_NOT_SHOWN_TITLE,
)

logger = logging.getLogger(__name__)

BACK_HOME = ("/", ERROR_WORDS["back_home"])
BACK_EXPORT = ("/export", ERROR_WORDS["back_to_export"])
# Forms post only here (form-action), no <base> may move relative links elsewhere (base-uri).
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src {scripts}; frame-ancestors 'none';"
    " form-action 'self'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CSP.format(scripts="'self'"),
}
# Health data stays out of every cache (the browser's, a proxy's); the stylesheet, scripts and
# Swagger UI's files may be kept.
NO_STORE = {"Cache-Control": "no-store"}
STATIC_PREFIXES = ("/static/", "/docs-static/")


def _swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="footnote API",
        swagger_js_url="/docs-static/swagger-ui-bundle.js",
        swagger_css_url="/docs-static/swagger-ui.css",
        swagger_favicon_url="/docs-static/favicon-32x32.png",
    )


def _docs_csp(page: HTMLResponse) -> str:
    """The CSP of /docs: Swagger UI starts itself with an inline script, allowed by its hash
    (and nothing else inline)."""
    scripts = re.findall(r"<script>(.*?)</script>", bytes(page.body).decode(), re.S)
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(js.encode()).digest()).decode()}'" for js in scripts)
    return CSP.format(scripts=f"'self' {hashes}")


class PrivacyHeaders:
    """ASGI middleware: the security headers and no-store on every answer, whoever gave
    it (a route, a refusal of the Host or of a body), the docs' own CSP on /docs."""

    def __init__(self, app, *, docs_csp: str) -> None:
        self.app = app
        self._headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
        self._docs = [(k, docs_csp.encode() if k == b"content-security-policy" else v) for k, v in self._headers]
        self._no_store = [(k.lower().encode(), v.encode()) for k, v in NO_STORE.items()]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        ours = self._docs if path == "/docs" else self._headers
        if not path.startswith(STATIC_PREFIXES):
            ours = ours + self._no_store
        names = {k for k, _ in ours}

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + ours}
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(
    db_path: str | Path,
    *,
    password_hash: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    host: str = "127.0.0.1",
    names: Sequence[str] = (),
    units: str = "km",
) -> FastAPI:
    """The dashboard on the database at `db_path`. `password_hash` is the argon2id hash
    from dashboard.password_hash (None: no login, for loopback only); the app never sees
    the password itself. `clock` (monotonic seconds) times the sessions and the login
    limits. `host` is the address it listens on (dashboard.host): it answers to the names
    that serve there (server.dashboard.hosts) and to `names` (a test client's
    "testserver"), any other Host is refused. `units` ("km" or "mi", dashboard.units) is
    how distances and paces are shown; the JSON stays in metres."""
    page_data = PageData(db_path, units=units)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        page_data.close()  # the analysis cache file's connection

    app = FastAPI(
        lifespan=lifespan,
        title="footnote",
        description="Numbness episodes, runs and patterns. footnote shows patterns, not a diagnosis.",
        docs_url=None,  # served below from local files: the dashboard works offline
        redoc_url=None,
    )
    app.state.settings = Settings(db_path=Path(db_path), password_hash=password_hash or None, units=units)
    app.state.page_data = page_data
    app.state.auth = Auth(password_hash or None, clock=clock)
    app.state.downloads = exports.DownloadSlots()
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for module in (pages, api, exports, login):
        app.include_router(module.router)
    app.include_router(doctor.pages)
    app.include_router(doctor.api)
    app.include_router(watch.pages)
    app.include_router(watch.api)
    app.mount("/docs-static", StaticFiles(directory=swagger_ui_path), name="docs-static")
    docs_page = _swagger_ui()

    @app.get("/docs", include_in_schema=False)
    def docs():
        return docs_page

    @app.middleware("http")
    async def privacy(request: Request, call_next):
        request.state.csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        auth: Auth = app.state.auth
        if not auth.is_public(request.url.path) and not auth.session_ok(request.cookies.get(SESSION_COOKIE)):
            if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
                response: Response = JSONResponse({"detail": "Log in first."}, status_code=401)
            else:
                # A session cookie the server no longer knows: the login ended (idle, 12 h, restart).
                ended = "&ended=1" if SESSION_COOKIE in request.cookies else ""
                response = RedirectResponse(f"/login?next={request.url.path}{ended}", status_code=303)
        else:
            response = await call_next(request)
        if CSRF_COOKIE not in request.cookies:
            response.set_cookie(
                CSRF_COOKIE, request.state.csrf, httponly=True, samesite="strict", secure=is_https(request)
            )
        return response

    # Outermost last: the Host first, then the body's size and the CSRF checks that need no
    # body, all before the login check above and any route reads a byte of the body.
    app.add_middleware(CsrfFirst, answer=error_response)
    app.add_middleware(BodyLimit)
    app.add_middleware(
        HostAllowList,
        names=[*served_names(host), *names],
        lan_addresses=lan.lan_addresses if host in lan.WILDCARDS else None,
    )
    app.add_middleware(PrivacyHeaders, docs_csp=_docs_csp(docs_page))

    # Every error, in one place: a page with the site's header and a way back for anything a
    # browser reaches, JSON (FastAPI's own shapes) only under /api/.
    for error in (
        StarletteHTTPException,
        RequestValidationError,
        NoSuchRun,
        NoSuchEpisode,
        RunCannotBeShown,
        NothingToExport,
        BadPeriod,
        DatabaseTooOld,
        DamagedDatabase,
        NoDatabase,
        sqlite3.DatabaseError,
        Exception,
    ):
        app.add_exception_handler(error, error_response)

    return app


async def error_response(request: Request, exc: Exception) -> Response:
    """The answer to an error: JSON under /api/, else the error page (the site's header, what
    happened, and a way back). Never repeats what the request sent (a value, a path)."""
    page = error_page(request, exc)
    if request.url.path.startswith("/api/"):
        if isinstance(exc, RequestValidationError):
            # Which field and why, never the value sent: a 5 MB note does not come back.
            errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
            return JSONResponse({"detail": errors}, status_code=422)
        if isinstance(exc, StarletteHTTPException):
            return await fastapi_handlers.http_exception_handler(request, exc)
        return JSONResponse({"detail": page.message}, status_code=page.status, headers=page.headers)
    return render(
        request,
        "message.html",
        {"title": page.title, "message": page.message, "lines": page.lines, "back": page.back},
        status_code=page.status,
        headers=page.headers,
    )


@dataclass(frozen=True)
class ErrorPage:
    status: int
    title: str
    message: str
    lines: list[str] = field(default_factory=list)
    back: tuple[str, str] = BACK_HOME
    headers: Mapping[str, str] | None = None


def error_page(request: Request, exc: Exception) -> ErrorPage:
    """What an error page says, by the kind of error."""
    if isinstance(exc, (NoSuchRun, NoSuchEpisode)):
        back = BACK_HOME
        run_id = request.path_params.get("run_id")
        if isinstance(exc, NoSuchEpisode) and run_id is not None:
            back = (f"/runs/{run_id}", ERROR_WORDS["back_to_run"])
        return ErrorPage(404, ERROR_WORDS["not_found"], str(exc.args[0]), back=back)
    if isinstance(exc, RunCannotBeShown):
        return ErrorPage(422, RUN_NOT_SHOWN_TITLE, str(exc))
    if isinstance(exc, NothingToExport):
        return ErrorPage(404, ERROR_WORDS["nothing_to_export"], sentence(str(exc)), back=BACK_EXPORT)
    if isinstance(exc, BadPeriod):
        return ErrorPage(422, ERROR_WORDS["bad_period"], exc.without_value + ".", back=BACK_EXPORT)
    if isinstance(exc, RequestValidationError):
        lines = [field_error(e) for e in exc.errors()]
        return ErrorPage(422, ERROR_WORDS["bad_address"], ERROR_WORDS["bad_address_why"], lines=lines)
    if isinstance(exc, DatabaseTooOld):
        # A save (or the FHIR export) needs a table the database does not have yet: the
        # request never migrates it (device.db.dashboard_writes), so the page says who does.
        return ErrorPage(503, DATABASE_TOO_OLD, str(exc))
    if isinstance(exc, (DamagedDatabase, NoDatabase, sqlite3.DatabaseError)):
        db_path = request.app.state.settings.db_path
        # Damage found at open (DamagedDatabase) or mid-query (sqlite3.DatabaseError).
        if isinstance(exc, (DamagedDatabase, NoDatabase)):
            message = str(exc)
        elif isinstance(exc, sqlite3.OperationalError):
            message = f"could not read {db_path}: {exc}"
        else:
            message = advice(db_path, str(exc))
        return ErrorPage(503, DATABASE_UNUSABLE, message)
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 404:
            return ErrorPage(404, ERROR_WORDS["no_such_page"], ERROR_WORDS["no_such_page_why"], headers=exc.headers)
        if exc.status_code == 503:  # busy (a download being made): the page says when to try again
            return ErrorPage(503, ERROR_WORDS["busy"], exc.detail, back=BACK_EXPORT, headers=exc.headers)
        if exc.status_code == 403:
            return ErrorPage(403, ERROR_WORDS["refused"], exc.detail, headers=exc.headers)
        if exc.status_code == 405:
            return ErrorPage(405, ERROR_WORDS["wrong_method"], ERROR_WORDS["wrong_method_why"], headers=exc.headers)
        detail = exc.detail if isinstance(exc.detail, str) else ERROR_WORDS["bad_address_why"]
        return ErrorPage(exc.status_code, ERROR_WORDS["bad_address"], detail, headers=exc.headers)
    logger.error("unexpected error on %s", request.url.path, exc_info=exc)
    return ErrorPage(500, ERROR_WORDS["server_error"], ERROR_WORDS["server_error_why"])


def field_error(error: dict) -> str:
    """One invalid part of a request, named without its value: "run_id: must be a whole number"."""
    where = [str(part) for part in error.get("loc", ()) if part not in ("path", "query", "body")]
    words = FIELD_ERROR_WORDS.get(error.get("type", ""))
    try:
        said = words.format(**error.get("ctx", {})) if words else error.get("msg", "not valid")
    except (KeyError, IndexError):
        said = error.get("msg", "not valid")
    return f"{'.'.join(where) or 'request'}: {said}"


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")

"""Every error a browser can reach is a page: the site's header, what happened, a way back.
JSON only under /api/. No page repeats what the request sent."""

from __future__ import annotations

import httpx
import pytest

from footnote.server.dashboard.app import create_app
from tests.helpers import LiveServer, client, csrf

HTML = {"Accept": "text/html,application/xhtml+xml"}


def is_a_page(response: httpx.Response, status: int, *said: str) -> str:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<header class="top">' in html and 'href="/trends"' in html  # the site's header and its places
    assert 'class="button secondary" href="/"' in html  # a way back
    assert "Not a diagnosis." in html
    for words in said:
        assert words in html, (words, html[:2000])
    return html


@pytest.mark.parametrize("headers", [HTML, {}], ids=["browser", "no-accept-header"])
def test_every_error_a_browser_reaches_is_a_page(dashboard, headers):
    c = client(dashboard)
    is_a_page(c.get("/nope", headers=headers), 404, "Page not found")
    is_a_page(c.get("/runs/99", headers=headers), 404, "There is no run 99.")
    page = is_a_page(c.get("/runs/1/episodes/9/annotate", headers=headers), 404, "Run 1 has no episode 9.")
    assert 'href="/runs/1"' in page  # back to the run
    is_a_page(c.get("/runs/abc", headers=headers), 422, "run_id: must be a whole number")
    is_a_page(c.get("/runs/1", params={"from_s": 5}, headers=headers), 422, "from_s, to_s: give both")
    is_a_page(c.get("/runs/1/timeline.svg", params={"width": 1}, headers=headers), 422, "width: must be")
    # a form (with its token, as every form of the dashboard sends it) to a page that only shows
    is_a_page(c.post("/trends", headers={**headers, **csrf(c)}), 405, "Not possible here")
    # and one without its token: refused before its body is read, as a page too
    is_a_page(c.post("/trends", headers=headers), 403, "Not accepted")


def test_the_downloads_errors_are_pages_that_lead_back_to_the_downloads(dashboard):
    c = client(dashboard)
    for path in ("/export/report.pdf", "/export/episodes.csv", "/export/bundle.fhir.json"):
        page = is_a_page(c.get(path, params={"since": "2030-01-01"}, headers=HTML), 404, "Nothing to export")
        assert "No runs between 2030-01-01 to now (5 runs in the database)." in page and 'href="/export"' in page
        page = is_a_page(
            c.get(path, params={"until": "2026-13-40"}, headers=HTML), 422, "until: must be a date like 2026-11-01."
        )
        assert "2026-13-40" not in page  # never repeats what was typed


def test_an_error_page_never_repeats_the_address(dashboard):
    c = client(dashboard)
    page = is_a_page(c.get("/runs/<b>alert(1)<", headers=HTML), 422)
    assert "alert(1)" not in page
    page = is_a_page(c.get("/no/<b>such</b>/page", headers=HTML), 404)
    assert "such" not in page


def test_under_api_errors_stay_json(dashboard):
    c = client(dashboard)
    assert c.get("/api/runs/99", headers=HTML).json() == {"detail": "There is no run 99."}
    r = c.get("/api/runs/abc", headers=HTML)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path", "run_id"]
    r = c.get("/api/nope", headers=HTML)
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}


def test_an_unusable_database_is_a_503_page(tmp_path):
    db = tmp_path / "footnote.db"
    db.write_bytes(b"this is not a database" * 200)
    server = LiveServer(create_app(db))
    try:
        is_a_page(httpx.get(server.url + "/runs/1"), 503, "cannot be read")
        assert httpx.get(server.url + "/api/runs").status_code == 503
    finally:
        server.stop()


def test_an_unexpected_error_is_a_page_too(fresh_demo_db):
    app = create_app(fresh_demo_db)

    def broken() -> dict:
        raise RuntimeError("a bug, with a secret path /home/runner/x")

    app.state.page_data.runs_page = broken
    server = LiveServer(app)
    try:
        page = is_a_page(httpx.get(server.url + "/", headers=HTML), 500, "Something went wrong")
        assert "secret" not in page and "Traceback" not in page
    finally:
        server.stop()

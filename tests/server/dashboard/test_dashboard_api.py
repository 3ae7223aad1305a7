"""The dashboard's JSON twins and pages over real HTTP, on runs replayed through the
real pipeline."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from footnote.device.logger.story import Pod, Story
from footnote.server.dashboard.app import create_app
from tests.helpers import LiveServer, client, csrf, replay_story, rows


def test_runs_list_with_the_summary(dashboard):
    data = client(dashboard).get("/api/runs").json()
    assert [r["pattern"] for r in data["runs"]] == [
        "none",
        "worsening",
        "resolves_at_rest",
        "resolves_at_rest",
        "resolves_at_rest",
    ]
    assert data["summary"]["pattern"] == "mixed" and "not diagnose" in data["disclaimer"]
    assert data["runs"][1]["clock_synced"] is False


def test_one_run_has_episodes_with_label_evidence_and_metrics(dashboard):
    run = client(dashboard).get("/api/runs/4").json()
    (ep,) = run["episodes"]
    assert ep["label"] == "worsening" and len(ep["escalations"]) == 2
    assert any("moved on still numb" in line for line in ep["evidence"])
    assert ep["onset_distance_m"] == pytest.approx(1440, abs=30)
    assert {s["state"] for s in run["segments"]} >= {"moving", "rest"}


def test_samples_are_downsampled_keeping_peaks(tmp_path, db_path):
    story = Story(pod=Pod(rate_hz=4)).connect().run(minutes=20)
    story.run(seconds=1, speed_mps=9.5)  # one sprint spike
    story.run(minutes=20).end()
    replay_story(story, db_path, tmp_path)
    server = LiveServer(create_app(db_path))
    try:
        c = client(server)
        full = c.get("/api/runs/1/samples").json()
        small = c.get("/api/runs/1/samples", params={"max_points": 300}).json()
    finally:
        server.stop()
    assert full["count"] == full["returned"] > 9000
    assert small["downsampled"] and small["returned"] <= 300
    assert max(s[1] for s in small["samples"]) == max(s[1] for s in full["samples"]) > 9


def test_unknown_run_is_a_clear_404(dashboard):
    c = client(dashboard)
    response = c.get("/api/runs/99")
    assert response.status_code == 404 and response.json() == {"detail": "There is no run 99."}
    page = c.get("/runs/99", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "There is no run 99." in page.text


def test_every_page_says_it_is_not_a_diagnosis_and_what_flags_mean(dashboard):
    c = client(dashboard)
    for path in ("/", "/runs/1", "/trends", "/runs/1/episodes/1/annotate"):
        html = c.get(path).text
        assert "Not a diagnosis." in html and "see a doctor soon" in html and "resolves at rest" in html, path


def test_annotating_through_the_api_updates_hints_and_flags(dashboard):
    c = client(dashboard)
    body = {"location": "calf", "side": "left", "cold_or_pale": True, "note": "went white"}
    response = c.put("/api/runs/2/episodes/1/annotation", json=body, headers=csrf(c))
    assert response.status_code == 200, response.text
    assert any("claudication" in h for h in response.json()["episode"]["hints"])
    assert [f["code"] for f in response.json()["red_flags"]] == ["cold_or_pale"]
    assert c.get("/api/summary").json()["red_flags"][0]["urgency"] == "emergency"


def test_bad_input_names_the_field_and_stores_nothing(dashboard):
    c = client(dashboard)
    before = rows(dashboard.db_path, "SELECT * FROM annotations ORDER BY run_id, episode")
    r = c.put("/api/runs/2/episodes/1/annotation", json={"location": "elbow"}, headers=csrf(c))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "location"
    r = c.put("/api/runs/2/episodes/1/annotation", json={"note": "x" * 2001}, headers=csrf(c))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "note"
    r = c.put("/api/runs/2/episodes/1/annotation", json={"shoe_size": 44}, headers=csrf(c))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "shoe_size"
    form = {"csrf_token": c.cookies["footnote_csrf"], "location": "knee", "side": "left"}
    r = c.post("/runs/2/episodes/1/annotate", data=form)
    assert r.status_code == 400 and "location:" in r.text
    assert c.put("/api/runs/2/episodes/9/annotation", json={}, headers=csrf(c)).status_code == 404
    assert rows(dashboard.db_path, "SELECT * FROM annotations ORDER BY run_id, episode") == before


def test_a_note_with_script_comes_back_escaped(dashboard):
    c = client(dashboard)
    evil = "<script>alert('x')</script> '); DROP TABLE runs; --"
    form = {
        "csrf_token": c.cookies["footnote_csrf"],
        "location": "calf",
        "note": evil,
        "shoes": "<img src=x onerror=alert(1)>",
    }
    assert c.post("/runs/1/episodes/2/annotate", data=form).status_code == 303
    html = c.get("/runs/1").text
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert rows(dashboard.db_path, "SELECT count(*) FROM runs") == [(5,)]
    assert c.get("/api/runs/1").json()["episodes"][1]["annotation"]["note"] == evil


def test_a_forged_cross_site_post_is_refused(dashboard):
    c = client(dashboard)
    body = {"location": "calf", "csrf_token": "guessed"}
    assert c.post("/runs/1/episodes/1/annotate", data=body).status_code == 403
    stranger = httpx.Client(base_url=dashboard.url)  # a page elsewhere: no cookie to copy
    assert stranger.post("/runs/1/episodes/1/annotate", data={"location": "calf"}).status_code == 403
    good = {"location": "calf", "csrf_token": c.cookies["footnote_csrf"]}
    assert (
        c.post("/runs/1/episodes/1/annotate", data=good, headers={"Origin": "http://evil.example"}).status_code == 403
    )
    assert c.put("/api/runs/1/episodes/1/annotation", json={"location": "calf"}).status_code == 403


def test_correcting_the_start_of_an_unsynchronised_run(dashboard):
    c = client(dashboard)
    form = {"csrf_token": c.cookies["footnote_csrf"], "started_local": "2026-11-19T18:05"}
    assert c.post("/runs/4/start", data=form).status_code == 303
    run = c.get("/api/runs/4").json()
    assert run["started_at"].startswith("2026-11-19T18:05") and run["corrected"] is True
    assert "2026-11-19T17:45" in run["recorded_started_at"]
    bad = c.post("/runs/4/start", data={**form, "started_local": "yesterday"})
    assert bad.status_code == 400 and "started_local" in bad.text
    absurd = c.post("/runs/4/start", data={**form, "started_local": "0091-01-25T08:16"})
    assert absurd.status_code == 400 and "between the years 2000 and 2100" in absurd.text
    api = c.put("/api/runs/4/start", json={"started_at": "9999-12-31T23:00:00+00:00"}, headers=csrf(c))
    assert api.status_code == 422 and "started_at" in api.json()["detail"]
    naive = c.put("/api/runs/4/start", json={"started_at": "2026-11-19T18:05:00"}, headers=csrf(c))
    assert naive.status_code == 422 and "time zone offset" in naive.json()["detail"]
    assert c.get("/api/runs/4").json()["started_at"].startswith("2026-11-19T18:05")  # unchanged by the refusals


def test_openapi_docs_are_served_without_a_cdn(dashboard):
    c = client(dashboard)
    html = c.get("/docs").text
    assert "/docs-static/swagger-ui-bundle.js" in html and "cdn" not in html
    assert c.get("/docs-static/swagger-ui-bundle.js").status_code == 200
    paths = c.get("/openapi.json").json()["paths"]
    assert {"/api/runs", "/api/runs/{run_id}", "/api/runs/{run_id}/samples", "/api/summary"} <= set(paths)


# -- with a password ------------------------------------------------------------------------


def flat_routes(routes):
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:  # FastAPI >= 0.16x keeps included routers as one entry
            prefix = getattr(included, "prefix", "")
            for inner in flat_routes(included.routes):
                yield prefix, inner
        else:
            yield "", route


def every_route(app) -> list[tuple[str, str]]:
    out = []
    for prefix, route in flat_routes(app.routes):
        path = getattr(route, "path", "")
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            if method == "HEAD" or path.startswith(("/login", "/static")):
                continue
            path = path if path.startswith(prefix) else prefix + path
            out.append(
                (method, path.replace("{run_id}", "1").replace("{number}", "1").replace("{path:path}", "style.css"))
            )
    return out


def test_nothing_answers_without_login_when_a_password_is_set(locked_dashboard):
    app = create_app(locked_dashboard.db_path, password_hash=locked_dashboard.password_hash)
    routes = every_route(app)
    assert len(routes) >= 15
    c = client(locked_dashboard)
    for method, path in routes:
        response = c.request(method, path, headers={"X-CSRF-Token": c.cookies["footnote_csrf"]})
        assert response.status_code == 401, (method, path, response.status_code)
        assert "run" not in response.text.lower() or "Log in" in response.text
    page = c.get("/runs/1", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/runs/1"


def test_login_gives_an_httponly_samesite_session(locked_dashboard):
    c = client(locked_dashboard)
    token = c.cookies["footnote_csrf"]
    wrong = c.post("/login", data={"password": "guess", "csrf_token": token})
    assert wrong.status_code == 401 and "Wrong password" in wrong.text
    ok = c.post("/login", data={"password": locked_dashboard.password, "csrf_token": token, "next": "/runs/2"})
    assert ok.status_code == 303 and ok.headers["location"] == "/runs/2"
    cookie = ok.headers["set-cookie"].lower()
    assert "footnote_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert c.get("/api/runs").status_code == 200
    assert c.post("/logout", data={"csrf_token": token}).status_code == 303
    assert c.get("/api/runs").status_code == 401


def test_login_refuses_to_redirect_off_site(locked_dashboard):
    c = client(locked_dashboard)
    ok = c.post(
        "/login",
        data={
            "password": locked_dashboard.password,
            "csrf_token": c.cookies["footnote_csrf"],
            "next": "//evil.example/",
        },
    )
    assert ok.headers["location"] == "/"


def test_failed_logins_are_slowed_more_each_time(password_hash):
    from footnote.server.dashboard.auth import Auth

    auth = Auth(password_hash)
    delays = [auth.failure_delay("10.0.0.9") for _ in range(6)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert auth.failure_delay("127.0.0.1") == 0.5  # per client
    auth.success("10.0.0.9")
    assert auth.failure_delay("10.0.0.9") == 0.5


def test_serving_beyond_loopback_needs_a_password(tmp_path, demo_db, password_hash):
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "footnote.device.cli",
            "--config",
            str(tmp_path / "none.toml"),
            "serve",
            "--db",
            str(demo_db),
            "--host",
            "0.0.0.0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "refusing to serve on 0.0.0.0 without a password" in result.stderr
    from footnote.server.dashboard.serve import check_privacy

    check_privacy("127.0.0.1", None)
    check_privacy("::1", None)
    check_privacy("0.0.0.0", password_hash)


def open_handles_on(path) -> int:
    """File descriptors this process holds on the database file (the dashboard runs in a
    thread of the test process)."""
    import os

    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith(str(path))
        except OSError:
            pass
    return count


def test_the_dashboard_closes_every_connection_it_opens(dashboard):
    """A runner browsing after a run: twenty rounds of every page. Each request's
    connection is closed when it is done, so nothing is left open on the database."""
    with httpx.Client(base_url=dashboard.url, timeout=30) as c:
        for _ in range(20):
            for path in ("/", "/runs/1", "/api/runs/2", "/runs/1/timeline.svg", "/trends", "/api/summary"):
                assert c.get(path).status_code == 200
    assert open_handles_on(dashboard.db_path) == 0


def test_the_dashboard_starts_without_its_heavy_libraries(fresh_demo_db):
    """The dashboard draws its charts itself, and reportlab comes with a PDF (built apart): neither
    slows down `footnote serve`'s start or stays in a dashboard that never drew one."""
    code = (
        "import sys; from footnote.server.dashboard.app import create_app;"
        f"from footnote.server.dashboard.pagedata import PageData; create_app({str(fresh_demo_db)!r});"
        f"pd = PageData({str(fresh_demo_db)!r}); pd.runs_page(); pd.run_page(1); pd.trend_points(); pd.close();"
        "print(','.join(m for m in ('matplotlib', 'numpy', 'reportlab') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""

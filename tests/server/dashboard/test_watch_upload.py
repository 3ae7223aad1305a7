"""The watch's file uploaded on the run page and through the API, over real HTTP: the
heart-rate line on the chart, the size cap, the wrong type and hostile XML refused with
one line and nothing stored."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from footnote.server.dashboard.app import create_app
from tests.fit_writer import FitRecord, write_fit
from tests.helpers import LiveServer, client, csrf, rows

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<gpx><trk><name>&b;</name></trk></gpx>"""


@pytest.fixture
def server(fresh_demo_db):
    s = LiveServer(create_app(fresh_demo_db))
    s.db_path = fresh_demo_db
    yield s
    s.stop()


def run_of(db):
    """The first demo run: its id, wall-clock start and length."""
    from datetime import datetime

    run_id, started, ended = rows(db, "SELECT id, started_at, ended_t_s FROM runs ORDER BY id LIMIT 1")[0]
    return run_id, datetime.fromisoformat(started), ended


def watch_fit(db, *, bpm=148) -> bytes:
    _, start, ended = run_of(db)
    return write_fit(
        [FitRecord(start + timedelta(seconds=s), 3.0 * s, 3.0, bpm, 86, 100.0) for s in range(0, int(ended), 5)]
    )


def nothing_stored(db) -> bool:
    return rows(db, "SELECT (SELECT count(*) FROM watch_files), (SELECT count(*) FROM watch_attachments)") == [(0, 0)]


def test_a_file_uploaded_on_the_run_page_draws_a_heart_rate_line(server):
    run_id, _, _ = run_of(server.db_path)
    c = client(server)
    page = c.get(f"/runs/{run_id}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert f'action="/runs/{run_id}/watch"' in page and "swatch line heart-rate" not in page
    sent = c.post(
        f"/runs/{run_id}/watch",
        data={"csrf_token": token},
        files={"file": ("run.fit", watch_fit(server.db_path), "application/octet-stream")},
    )
    assert sent.status_code == 303, sent.text
    page = c.get(f"/runs/{run_id}").text
    assert "run.fit (FIT" in page and "swatch line heart-rate" in page
    svg = c.get(f"/runs/{run_id}/timeline.svg?width=390").text
    assert 'data-field="heart_rate"' in svg
    samples = c.get(f"/api/runs/{run_id}/samples?max_points=300").json()
    assert samples["columns"][-1] == "heart_rate_bpm" and {s[4] for s in samples["samples"]} == {148}
    run = c.get(f"/api/runs/{run_id}").json()
    assert run["heart_rate"]["watch"] > 0 and run["episodes"][0]["hr_onset_bpm"] == 148


@pytest.mark.parametrize(
    "body, status, message",
    [
        (BILLION_LAUGHS, 400, "declares a document type"),
        (b"%PDF-1.7 not a watch file", 400, "not a FIT, TCX or GPX file"),
    ],
)
def test_hostile_or_wrong_files_are_refused_in_one_line_and_nothing_stored(server, body, status, message):
    run_id, _, _ = run_of(server.db_path)
    c = client(server)
    answer = c.post(f"/api/runs/{run_id}/watch-file?name=upload.gpx", content=body, headers=csrf(c))
    assert answer.status_code == status and message in answer.json()["detail"]
    assert "\n" not in answer.json()["detail"] and nothing_stored(server.db_path)


def test_an_upload_over_the_cap_is_refused_before_it_is_read(server, monkeypatch):
    from footnote.server.dashboard.routes import watch

    monkeypatch.setattr(watch, "MAX_WATCH_FILE_BYTES", 10_000)
    run_id, _, _ = run_of(server.db_path)
    c = client(server)
    answer = c.post(f"/api/runs/{run_id}/watch-file", content=b"\0" * 10_001, headers=csrf(c))
    assert answer.status_code == 413 and "nothing was stored" in answer.json()["detail"]
    form = c.post(
        f"/runs/{run_id}/watch",
        data={"csrf_token": c.cookies["footnote_csrf"]},
        files={"file": ("big.fit", b"\0" * 200_000, "application/octet-stream")},
    )
    assert form.status_code == 413 and nothing_stored(server.db_path)


def test_an_upload_without_the_csrf_token_is_refused(server):
    run_id, _, _ = run_of(server.db_path)
    c = client(server)
    answer = c.post(f"/api/runs/{run_id}/watch-file", content=watch_fit(server.db_path))
    assert answer.status_code == 403 and nothing_stored(server.db_path)

"""The smaller holes of issue 22, point 9: argon2 parameters a Pi can afford, nothing
health-related in a cache, only text in what a runner or a device writes, files and
folders for the runner's eyes only, and a Content-Security-Policy on every page, the API
docs included. Over real HTTP on loopback where a page is involved."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from footnote.device.config import parse_config
from footnote.device.errors import ConfigError
from footnote.device.paths import demo_sessions
from tests.helpers import FOOTNOTE, client, csrf

SALT_AND_HASH = "c29tZXNhbHRzYWx0$Z7dD2xhbl2Qz3uTqvM2l6f3t6Cm4r3kG0m9qHj3zv3E"


# -- argon2 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("memory_kib", [65537, 131072, 262144])
def test_a_hash_asking_for_more_than_64_mib_is_refused(memory_kib):
    """Two logins at once at 256 MiB each would take a 512 MB Pi's whole memory."""
    with pytest.raises(ConfigError, match=f"asks for m={memory_kib} KiB"):
        parse_config({"dashboard": {"password_hash": f"$argon2id$v=19$m={memory_kib},t=2,p=1${SALT_AND_HASH}"}})


def test_a_hash_of_64_mib_is_accepted():
    value = f"$argon2id$v=19$m=65536,t=3,p=1${SALT_AND_HASH}"
    assert parse_config({"dashboard": {"password_hash": value}}).dashboard.password_hash == value


# -- caches ---------------------------------------------------------------------------------


def test_nothing_but_the_static_files_may_be_cached(locked_dashboard):
    c = httpx.Client(base_url=locked_dashboard.url, timeout=30)
    port = locked_dashboard.url.rsplit(":", 1)[1]
    refused = [
        c.get("/api/runs"),  # 401
        c.get("/runs/1", headers={"Accept": "text/html"}),  # 303 to the login
        c.post("/runs/1/setup"),  # 403
        c.get("/api/runs", headers={"Host": f"evil.example:{port}"}),  # 421
        c.post("/login", content=b"x" * 20_000),  # 413
    ]
    assert [r.status_code for r in refused] == [401, 303, 403, 421, 413]
    c.get("/login")
    c.post("/login", data={"password": locked_dashboard.password, "csrf_token": c.cookies["footnote_csrf"]})
    answers = refused + [
        c.get(path)
        for path in (
            "/login",
            "/",
            "/runs/1",
            "/api/runs/1",
            "/api/runs/1/samples",
            "/runs/1/timeline.svg",
            "/trends.svg",
            "/export/episodes.csv",
            "/docs",
            "/openapi.json",
        )
    ]
    for answer in answers:
        assert answer.headers.get_list("cache-control") == ["no-store"], answer.url
    for path in ("/static/style.css", "/docs-static/swagger-ui.css"):
        assert "no-store" not in c.get(path).headers.get("cache-control", ""), path


# -- only text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, text",
    [
        ("note", "numb\x00toes"),
        ("note", "numb \x1b[31mred\x1b[0m"),
        ("note", "numb \x85 next line (C1)"),
        ("note", "numb \u202egnissim\u202c"),
        ("note", "\ud800"),
        ("shoes", "Pegasus\n40"),
        ("lacing", "tight\tloose"),
    ],
)
def test_control_characters_are_refused_in_an_annotation(dashboard, field, text):
    c = client(dashboard)
    before = c.get("/api/runs/1").json()["episodes"][0]["annotation"]
    body = json.dumps({"location": "calf", field: text})  # ASCII: "\\ud800" stays an escape
    answer = c.put(
        "/api/runs/1/episodes/1/annotation",
        content=body,
        headers={**csrf(c), "Content-Type": "application/json"},
    )
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", field]
    if "\ud800" not in text:  # a form cannot carry a lone surrogate
        form = {"csrf_token": c.cookies["footnote_csrf"], "location": "calf", field: text}
        assert c.post("/runs/1/episodes/1/annotate", data=form).status_code == 400
    assert c.get("/api/runs/1").json()["episodes"][0]["annotation"] == before


def test_a_note_may_have_lines(dashboard):
    c = client(dashboard)
    note = "Left calf first,\nthen the right.\r\n\tBoth gone after 3 min."
    saved = c.put("/api/runs/1/episodes/1/annotation", json={"location": "calf", "note": note}, headers=csrf(c))
    assert saved.status_code == 200 and saved.json()["episode"]["annotation"]["note"] == note


def test_control_characters_are_refused_in_a_setup_and_a_report_name(dashboard):
    c = client(dashboard)
    for setup in ({"shoes": "Pod\x1b[2J"}, {"note": "a\x00b"}, {"orthotics": "x\u2066y"}):
        assert c.put("/api/runs/1/setup", json=setup, headers=csrf(c)).status_code == 422, setup
    assert c.get("/export/report.pdf", params={"name": "Ada\x00Runner"}).status_code == 422
    assert c.get("/export/bundle.fhir.json", params={"name": "Ada\x1b]0;x\x07"}).status_code == 422
    assert c.get("/export/bundle.fhir.json", params={"name": "Ada Lovelace-Runner"}).status_code == 200


def test_a_footpod_name_that_is_not_text_is_not_kept():
    from footnote.device.rules.text import device_name

    assert device_name("Stryd") == "Stryd" and device_name("é" * 124) == "é" * 124
    assert device_name("Pod\x1b[2J") is None and device_name("n" * 249) is None and device_name(None) is None


# -- files for the runner's eyes only ----------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_logger_keeps_its_folder_and_files_private(tmp_path):
    """`footnote log` at its default place, with the umask most systems have (022): the data
    folder is 0700 and every file in it (database, -wal, -shm, journal) 0600."""
    env = {k: v for k, v in os.environ.items() if k != "FOOTNOTE_DB"}
    env.update(GPIOZERO_PIN_FACTORY="mock", XDG_DATA_HOME=str(tmp_path), FOOTNOTE_CONFIG=str(tmp_path / "none.toml"))
    old = os.umask(0o022)
    try:
        logger = subprocess.Popen(
            [*FOOTNOTE, "log", "--no-footpod"], env=env, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
    finally:
        os.umask(old)
    try:
        assert logger.stderr is not None
        for line in logger.stderr:  # bounded: the logger ends its stderr when it stops
            if "logger ready" in line:
                break
        folder = tmp_path / "footnote"
        files = sorted(p.name for p in folder.rglob("*") if p.is_file())
        assert {"footnote.db", "footnote.db-wal", "footnote.db-shm"} <= set(files), files
        assert any(".journal-" in name for name in files), files
        assert mode(folder) == 0o700
        assert {p.name: oct(mode(p)) for p in folder.rglob("*") if p.is_file()} == {n: "0o600" for n in files}
    finally:
        logger.send_signal(signal.SIGTERM)
        logger.communicate(timeout=30)


def test_a_database_made_by_an_older_footnote_is_made_private(tmp_path):
    """A runner's database from before: 0644 in a 0755 folder. The next replay (or log, or
    serve) makes the folder 0700 and the files 0600; exports and the cache are 0600 too."""
    env = {k: v for k, v in os.environ.items() if k != "FOOTNOTE_DB"}
    env.update(XDG_DATA_HOME=str(tmp_path), FOOTNOTE_CONFIG=str(tmp_path / "none.toml"))
    folder = tmp_path / "footnote"
    folder.mkdir(mode=0o755)
    db = folder / "footnote.db"
    sqlite3.connect(db).close()
    os.chmod(folder, 0o755)
    os.chmod(db, 0o644)
    replayed = subprocess.run(
        [*FOOTNOTE, "replay", str(demo_sessions()[0])], env=env, capture_output=True, text=True, timeout=120
    )
    assert replayed.returncode == 0, replayed.stderr
    assert (mode(folder), mode(db)) == (0o700, 0o600)
    out = tmp_path / "episodes.csv"
    exported = subprocess.run(
        [*FOOTNOTE, "export", "--format", "csv", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert exported.returncode == 0, exported.stderr
    assert mode(out) == 0o600 and mode(folder / "footnote.analysis-cache.db") == 0o600


# -- the Content-Security-Policy --------------------------------------------------------------


def csp(answer: httpx.Response) -> dict[str, str]:
    policy = answer.headers["content-security-policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


def test_every_page_forbids_foreign_forms_and_base_urls(dashboard):
    c = client(dashboard)
    for path in ("/", "/runs/1", "/export", "/login", "/api/runs"):
        policy = csp(c.get(path))
        assert policy["form-action"] == "'self'" and policy["base-uri"] == "'none'", path
        assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'", path


def test_the_api_docs_have_a_policy_that_allows_only_their_own_inline_script(dashboard):
    c = client(dashboard)
    docs = c.get("/docs")
    policy = csp(docs)
    (script,) = re.findall(r"<script>(.*?)</script>", docs.text, re.S)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert policy["default-src"] == "'self'" and policy["form-action"] == "'self'" and policy["base-uri"] == "'none'"


@pytest.mark.browser
@pytest.mark.slow  # headless Chromium
def test_the_api_docs_start_under_their_policy(browser, dashboard):
    """Swagger UI's inline script runs (it draws its own markup into the page) and the
    browser refuses nothing."""
    page = browser.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(dashboard.url + "/docs")
    page.locator("#swagger-ui .swagger-ui").wait_for(timeout=30_000)
    assert not refused, refused


def gpx(creator: str, day: str = "2026-11-09") -> bytes:
    points = "".join(
        f'<trkpt lat="46.{i:04d}" lon="14.0"><time>{day}T06:{30 + i // 6:02d}:{i % 6 * 10:02d}Z</time></trkpt>'
        for i in range(12)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="{creator}">'
        f"<trk><type>running</type><trkseg>{points}</trkseg></trk></gpx>"
    ).encode()


def test_a_watch_file_brings_in_only_text_and_dates_footnote_can_show():
    from footnote.device.watch.activity import WatchFileError
    from footnote.device.watch.read import read_watch_file

    assert read_watch_file(gpx("Forerunner 265")).device == "Forerunner 265"
    assert read_watch_file(gpx("Forerunner\u202e562")).device is None  # a bidi control: not a name
    with pytest.raises(WatchFileError, match="outside the years 2000 to 2100"):
        read_watch_file(gpx("Forerunner 265", day="9999-12-31"))

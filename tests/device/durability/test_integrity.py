"""A damaged database never silences the button and is kept byte for byte: a truncated
file, random bytes, another program's database; every command and the dashboard say in one
line or one page what is wrong and change nothing (device.durability.integrity)."""

from __future__ import annotations

import sqlite3
import subprocess
from datetime import timedelta

import pytest

from footnote.device.db.notices import open_notices
from footnote.device.durability.integrity import examine
from footnote.device.durability.journal import pending_journals
from footnote.device.logger.story import Story
from tests.device.durability.cards import (
    ANALYZE,
    EXPORT,
    RECOVER,
    REPLAY,
    START,
    Session,
    another_programs,
    digest,
    random_bytes,
    stored_kinds,
    truncated,
)
from tests.helpers import FOOTNOTE, rows


@pytest.mark.parametrize("damage", [truncated, random_bytes])
def test_a_damaged_database_is_set_aside_byte_for_byte_and_a_fresh_one_takes_every_press(tmp_path, damage):
    db = damage(tmp_path / "footnote.db")
    before = digest(db)
    s = Session(db)
    s.run(60).press().run(30).press().run(20).hold()
    assert s.feedback.shown == ["onset", "worse", "relief"]  # the fresh database took them: no journal
    s.stop()
    (aside,) = tmp_path.glob("footnote.damaged-*.db")
    assert digest(aside) == before
    assert stored_kinds(db) == ["onset", "worse", "relief"]
    conn = sqlite3.connect(db)
    (notice,) = open_notices(conn)
    conn.close()
    assert str(aside.name) in notice.message and "footnote recover" in notice.message
    assert not pending_journals(db)
    # the next start is clean: the fresh database passes, nothing more is set aside
    assert examine(db).state == "ok"
    Session(db, started_at=START + timedelta(hours=2)).stop()
    assert len(list(tmp_path.glob("footnote.damaged-*.db"))) == 1


def test_another_programs_database_is_left_alone_and_the_presses_go_to_the_journal(tmp_path):
    db = another_programs(tmp_path / "footnote.db")
    before = digest(db)
    s = Session(db)
    s.run(60).press().run(30).press().run(20).hold()
    assert s.feedback.shown == ["journaled", "worse", "relief"]  # the distinct pattern, once
    s.stop()
    assert digest(db) == before
    assert not list(tmp_path.glob("footnote.damaged-*"))
    (journal,) = pending_journals(db)
    # the runner points the logger elsewhere (here: moves the other file away) and starts again
    db.rename(tmp_path / "contacts.db")
    Session(db, started_at=START + timedelta(hours=2)).stop()
    assert stored_kinds(db) == ["onset", "worse", "relief"]
    assert not journal.exists()


def test_the_quick_check_is_bounded_in_time(fresh_demo_db, caplog):
    assert examine(fresh_demo_db).state == "ok"
    assert "taken as passed" not in caplog.text
    assert examine(fresh_demo_db, timeout_s=0.0).state == "ok"  # interrupted at once: taken as passed
    assert "taken as passed" in caplog.text


@pytest.mark.slow  # real time: the button is pressed and the LED watched
def test_footnote_log_itself_answers_the_button_on_a_damaged_card(tmp_path):
    """The real logger (run_logger, gpiozero mock pins, the LED watched) on a file of
    random bytes: it sets the file aside and every press is confirmed and stored."""
    import asyncio
    import time

    from gpiozero.pins.mock import MockFactory

    from footnote.device.config import parse_config
    from footnote.device.live import run_logger

    db = random_bytes(tmp_path / "footnote.db")
    before = digest(db)
    factory = MockFactory()
    button, led = factory.pin(17), factory.pin(27)
    ready: dict = {}

    async def until(condition, what: str) -> None:
        end = time.monotonic() + 10
        while not condition():
            assert time.monotonic() < end, f"timed out waiting for {what}"
            await asyncio.sleep(0.01)

    async def story() -> None:
        task = asyncio.create_task(
            run_logger(parse_config({}), db_path=db, pin_factory=factory, on_ready=lambda i, r: ready.update(i=i))
        )
        await until(lambda: "i" in ready, "the logger to be ready")
        for presses in (1, 2):
            button.drive_low()
            await asyncio.sleep(0.2)
            button.drive_high()
            await until(lambda n=presses: len(rows(db, "SELECT id FROM symptom_events")) == n, f"press {presses}")
            await until(lambda: led.state, "the LED")
            await asyncio.sleep(0.8)  # the pattern plays out before the next press
        ready["i"].stop()
        await asyncio.wait_for(task, 10)

    try:
        asyncio.run(story())
    finally:
        factory.reset()
    (aside,) = tmp_path.glob("footnote.damaged-*.db")
    assert digest(aside) == before
    assert stored_kinds(db) == ["onset", "worse"]
    assert not list(tmp_path.glob("*.jsonl*"))  # a session the database took whole leaves no journal


@pytest.mark.parametrize(
    ("damage", "command"),
    [
        (truncated, ANALYZE),
        (truncated, REPLAY),
        (truncated, RECOVER),
        (random_bytes, EXPORT),
        (random_bytes, RECOVER),
        (another_programs, ANALYZE),
        (another_programs, REPLAY),
    ],
)
def test_every_command_says_in_one_line_what_is_wrong_and_changes_nothing(tmp_path, damage, command):
    db = damage(tmp_path / "footnote.db")
    before = digest(db)
    story = Story(seed=1).connect().run(minutes=1).end().write(tmp_path / "s.jsonl")
    argv = [str(story) if a == "REPLAY" else str(db) if a == "DB" else a for a in command]
    target = ["--db", str(tmp_path / "other.db")] if command[0] == "recover" else ["--db", str(db)]
    result = subprocess.run([*FOOTNOTE, *argv, *target], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    if command[0] == "recover" and damage is truncated:
        assert result.returncode == 0, result.stderr  # the truncated file still has runs to give
        assert "1 runs" in result.stdout
    else:
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert str(db) in line or db.name in line
        assert "footnote recover" in line or "not a footnote database" in line or "nothing could be read" in line
    assert digest(db) == before


def test_the_dashboard_answers_a_damaged_database_with_a_page_that_says_what_to_do(tmp_path):
    import httpx

    from footnote.server.dashboard.app import create_app
    from tests.helpers import LiveServer

    db = random_bytes(tmp_path / "footnote.db")
    server = LiveServer(create_app(db))
    try:
        page = httpx.get(server.url + "/", headers={"accept": "text/html"})
        api = httpx.get(server.url + "/api/runs")
    finally:
        server.stop()
    assert page.status_code == 503 and "footnote recover" in page.text and "cannot be read" in page.text
    assert api.status_code == 503 and "footnote recover" in api.json()["detail"]


def test_the_dashboard_never_writes_into_another_programs_database(tmp_path):
    import httpx

    from footnote.server.dashboard.app import create_app
    from tests.helpers import LiveServer

    db = another_programs(tmp_path / "footnote.db")
    before = digest(db)
    server = LiveServer(create_app(db))
    try:
        with httpx.Client(base_url=server.url) as client:
            client.get("/api/runs")  # for the CSRF cookie
            token = client.cookies.get("footnote_csrf")
            saved = client.put(
                "/api/runs/1/episodes/1/annotation", json={"location": "calf"}, headers={"X-CSRF-Token": token}
            )
    finally:
        server.stop()
    assert saved.status_code == 503 and "not a footnote database" in saved.json()["detail"]
    assert digest(db) == before


def test_the_dashboard_and_footnote_check_show_the_notice_until_the_file_is_recovered(tmp_path):
    import httpx

    from footnote.device.check import Checker
    from footnote.device.config import parse_config
    from footnote.server.dashboard.app import create_app
    from tests.helpers import LiveServer

    db = truncated(tmp_path / "footnote.db")
    Session(db, started_at=START + timedelta(days=1)).stop()
    (aside,) = tmp_path.glob("footnote.damaged-*.db")
    server = LiveServer(create_app(db))
    try:
        banner = httpx.get(server.url + "/", headers={"accept": "text/html"}).text
        notices = httpx.get(server.url + "/api/runs").json()["notices"]
    finally:
        server.stop()
    assert "The SD card needed attention" in banner and aside.name in banner
    assert len(notices) == 1
    out = tmp_path / "check.txt"
    with open(out, "w") as stream:
        status = Checker(parse_config({}), db, out=stream).run(skip={"feedback", "button", "footpod", "disk", "clock"})
    assert status == 1 and "FAIL  database notice" in out.read_text() and aside.name in out.read_text()
    result = subprocess.run([*FOOTNOTE, "recover", str(aside), "--db", str(db)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(db)
    assert open_notices(conn) == []
    conn.close()

"""Fixtures shared by the test files: a database path, mock pins, and stories replayed
through the real pipeline."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from footnote.device.replay import replay_file
from footnote.device.store import Store
from footnote.device.story import Story

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "footnote.db"


@pytest.fixture
def mock_factory():
    factory = MockFactory()
    Device.pin_factory = factory
    yield factory
    factory.reset()
    Device.pin_factory = None


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def replay_story(story: Story, db: Path, tmp_path: Path, name: str = "story.jsonl") -> list[int]:
    """Replay a story through the real replay pipeline into db; return its run ids."""
    path = story.write(tmp_path / name)
    with Store(db) as store:
        return replay_file(path, store=store)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The bundled demo runs, replayed through the real pipeline (with the demo
    runner's annotations), built once for the session; tests that write copy it."""
    from footnote.device.demo import build_demo_db

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo_db(path)
    return path


@pytest.fixture
def fresh_demo_db(demo_db, tmp_path) -> Path:
    import shutil

    target = tmp_path / "demo.db"
    conn = sqlite3.connect(demo_db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    shutil.copy(demo_db, target)
    return target


@pytest.fixture
def dashboard(fresh_demo_db):
    """The real app over HTTP on the demo database, no password (loopback)."""
    from footnote.server.app import create_app
    from tests.live_server import LiveServer

    server = LiveServer(create_app(fresh_demo_db))
    server.db_path = fresh_demo_db
    yield server
    server.stop()


@pytest.fixture
def locked_dashboard(fresh_demo_db):
    """The same, with a password set."""
    from footnote.server.app import create_app
    from tests.live_server import LiveServer

    server = LiveServer(create_app(fresh_demo_db, password="correct horse battery staple"))
    server.db_path = fresh_demo_db
    server.password = "correct horse battery staple"
    yield server
    server.stop()

"""Fixtures shared by the test files: a database path, mock pins, and stories replayed
through the real pipeline."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from device.replay import replay_file
from device.store import Store
from device.story import Story

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

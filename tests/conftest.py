"""Fixtures shared by the test files: a database path, mock pins, the demo database, the
dashboard over real HTTP, and a fake BlueZ on a private D-Bus. Helpers that are not
fixtures live in tests/helpers.py."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The story week (tests/story_week.py: the five synthetic runs the tests state their
    figures on), replayed through the real pipeline with its runner's annotations, built
    once for the session; tests that write copy it."""
    from tests.story_week import build_story_week_db

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_story_week_db(path)
    return path


@pytest.fixture
def fresh_demo_db(demo_db, tmp_path) -> Path:
    target = tmp_path / "demo.db"
    conn = sqlite3.connect(demo_db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    shutil.copy(demo_db, target)
    return target


@pytest.fixture
def dashboard(fresh_demo_db):
    """The real app over HTTP on the demo database, no password (loopback)."""
    from footnote.server.dashboard.app import create_app
    from tests.helpers import LiveServer

    server = LiveServer(create_app(fresh_demo_db))
    server.db_path = fresh_demo_db
    yield server
    server.stop()


@pytest.fixture(scope="session")
def password_hash() -> str:
    """The argon2id hash of RUNNER_PASSWORD, as `footnote password` stores it."""
    from footnote.server.dashboard.passwords import hash_password
    from tests.helpers import RUNNER_PASSWORD

    return hash_password(RUNNER_PASSWORD)


@pytest.fixture
def locked_dashboard(fresh_demo_db, password_hash):
    """The same, with a password set: the app gets only its hash; the test keeps the
    password (`.password`) to log in as the runner would."""
    from footnote.server.dashboard.app import create_app
    from tests.helpers import RUNNER_PASSWORD, LiveServer

    server = LiveServer(create_app(fresh_demo_db, password_hash=password_hash))
    server.db_path = fresh_demo_db
    server.password = RUNNER_PASSWORD
    server.password_hash = password_hash
    yield server
    server.stop()


@pytest.fixture
def browser():
    """Debian's headless Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def bluez(tmp_path, monkeypatch):
    """A fake BlueZ on a private D-Bus bus; bleak's real backend talks to it."""
    from tests.fake_bluez import FakeBlueZ, PrivateBus

    bus = PrivateBus(tmp_path)
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.address)
    fake = FakeBlueZ(bus.address)
    yield fake
    fake.close()
    bus.stop()


@pytest.fixture
def power_cut_card(tmp_path):
    """An SD card whose power the test can pull (tests/powercut): real processes write
    under `.path` while it is mounted; `.disk` is what survives. Whatever happens, every
    process started with `.spawn` is killed and the card unmounted at the end. Skipped
    where FUSE cannot be mounted (not root, no /dev/fuse, no libfuse2), except under CI,
    where that is a failure."""
    import os

    from tests.powercut import PowerCutCard, unavailable

    why = unavailable()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"power-cut tests cannot run: {why}")
        pytest.skip(why)
    card = PowerCutCard(tmp_path / "sd")
    try:
        yield card
    finally:
        card.unmount()

"""The card: a real small file system standing for the SD card."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def card(tmp_path, monkeypatch) -> Iterator[Path]:
    """A real small file system (tmpfs) standing for the SD card, and a per-user data
    folder elsewhere (where the journal goes when the card takes nothing)."""
    mount = tmp_path / "card"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home-data"))
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)

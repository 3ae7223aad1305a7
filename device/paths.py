"""Where footnote keeps its data when not told otherwise."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "footnote"


def default_db() -> Path:
    """$FOOTNOTE_DB, else footnote.db in the per-user data folder."""
    return Path(os.environ["FOOTNOTE_DB"]) if os.environ.get("FOOTNOTE_DB") else data_dir() / "footnote.db"


def demo_sessions() -> list[Path]:
    """The bundled demo record files, in name order."""
    return sorted((Path(__file__).parent / "demo_runs").glob("*.jsonl"))

"""Where footnote keeps its data when not told otherwise, and the one rule that picks the
database every command uses."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from footnote.device.config import Config


def data_dir() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "footnote"


def default_db() -> Path:
    """$FOOTNOTE_DB, else footnote.db in the per-user data folder."""
    return Path(os.environ["FOOTNOTE_DB"]) if os.environ.get("FOOTNOTE_DB") else data_dir() / "footnote.db"


def resolve_db(db: Path | None, config: Config) -> Path:
    """The database a command uses: --db, else logger.db in the config, else
    $FOOTNOTE_DB, else footnote.db in the per-user data folder. Every command that
    reads or writes runs asks here, so the logger, replay, the dashboard and the export
    always agree."""
    if db:
        return Path(db)
    return Path(config.logger.db) if config.logger.db else default_db()


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """The --db option of every command that reads or writes the database."""
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="FILE",
        help="the database (default: logger.db in the config, else $FOOTNOTE_DB, else ~/.local/share/footnote/footnote.db)",
    )


def demo_db() -> Path:
    """The demo's own database, beside the default one: `footnote demo` replaces it, so
    it is never the runner's."""
    return default_db().with_name("demo.db")


def demo_sessions() -> list[Path]:
    """The bundled demo record files, in name order."""
    return sorted((Path(__file__).parent / "demo_runs").glob("*.jsonl"))


def sync_folder(folder: Path) -> None:
    """fsync a folder so a rename in it survives a power cut."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

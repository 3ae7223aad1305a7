"""Where footnote keeps its data when not told otherwise, and the one rule that picks the
database every command uses."""

from __future__ import annotations

import argparse
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from footnote.device.errors import InputFileError, NotADatabaseFile, OutputFileError

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
    path = Path(db) if db else Path(config.logger.db) if config.logger.db else default_db()
    check_db_path(path, given="--db" if db else "logger.db in the config" if config.logger.db else None)
    return path


def check_db_path(path: Path, *, given: str | None = None) -> None:
    """A database path must be a file or nothing yet: a folder, a FIFO, a socket or a device
    is refused in one line naming it (and the option it came from)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # nothing there yet (the logger makes it), or unreadable: the open says which
    if stat.S_ISREG(mode):
        return
    what = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "not a regular file"
    hint = f" (for example {path / 'footnote.db'})" if stat.S_ISDIR(mode) else ""
    source = f" ({given})" if given else ""
    raise NotADatabaseFile(f"{path}{source} is {what}: footnote needs a database file there{hint}")


def check_input_file(path: Path) -> None:
    """A file a command reads (a replay file, a damaged database to recover): one line
    naming it when it is missing, a folder or not readable."""
    if not path.exists():
        raise InputFileError(f"no such file: {path}")
    if path.is_dir():
        raise InputFileError(f"{path} is a folder, not a file")
    if not os.access(path, os.R_OK):
        raise InputFileError(f"cannot read {path}: permission denied")


def check_output_file(path: Path, *, option: str) -> None:
    """A file a command writes (--out, --record): its folder must exist and the path must not
    be a folder, said in one line before any work is done."""
    if path.is_dir():
        raise OutputFileError(f"{option} {path} is a folder: give a file name, for example {path / 'report.pdf'}")
    folder = path.parent
    if not folder.is_dir():
        raise OutputFileError(f"{option} {path}: there is no folder {folder}/ (make it first, or choose another place)")
    if not os.access(folder, os.W_OK):
        raise OutputFileError(f"{option} {path}: the folder {folder}/ cannot be written")


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

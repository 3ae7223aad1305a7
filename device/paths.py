"""Where footnote keeps its data when not told otherwise, and the one rule that picks the
database every command uses."""

from __future__ import annotations

import argparse
import fcntl
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from footnote.device.errors import NotADatabaseFile, OutputFileError, UnusableFile

if TYPE_CHECKING:
    from footnote.device.config import Config


# The runner's health data is for the runner alone: footnote's commands run with this
# umask (device.cli), so every folder they make is 0700 and every file 0600 (the
# database, its -wal and -shm, which SQLite gives the database's own mode, the analysis
# cache, the journals, the exports).
PRIVATE_UMASK = 0o077


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
    """A database path must be a file or nothing yet: a folder, a FIFO (which SQLite would
    wait on forever), a socket or a device is refused in one line naming it (and the option
    it came from). Only stat is asked: opening a FIFO would wait for a writer."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # nothing there yet (the logger makes it), or unreadable: the open says which
    if stat.S_ISREG(mode):
        return
    hint = f" (for example {path / 'footnote.db'})" if stat.S_ISDIR(mode) else ""
    source = f" given as {given}" if given else ""
    raise NotADatabaseFile(
        f"{path}: not a regular file ({_kind(mode)}){source}: footnote needs a database file there{hint}"
    )


def check_input_file(path: Path) -> None:
    """A file a command reads (a replay file, a damaged database to recover), asked before
    any work is done: UnusableFile, naming it, when it is missing, not a regular file or
    not readable (open_regular's rule)."""
    open_regular(path).close()


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


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a file"


def open_regular(path: Path, *, max_bytes: int | None = None) -> BinaryIO:
    """`path` opened for reading (binary), if it is a regular file. Opened without
    blocking and looked at through the open descriptor, so a FIFO (or a file swapped
    for one) is refused at once instead of waiting for a writer; a folder or a device is
    refused too, and with `max_bytes` a file larger than that. UnusableFile names the file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise UnusableFile(f"{path}: no such file") from None
    except OSError as exc:
        raise UnusableFile(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnusableFile(f"{path}: not a regular file ({_kind(info.st_mode)})")
        if max_bytes is not None and info.st_size > max_bytes:
            raise UnusableFile(f"{path}: larger than {max_bytes} bytes: not a file footnote writes")
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def keep_private(db_path: Path) -> None:
    """Make an SQLite database made before footnote set PRIVATE_UMASK private too: the
    file, its -wal, -shm and -journal (0600), and footnote's own data folder when it is
    there (0700). Files of another user, or that cannot be changed, are left as they are."""
    folder = db_path.absolute().parent
    if folder == data_dir().absolute():
        _chmod_own(folder, 0o700)
    for suffix in ("", "-wal", "-shm", "-journal"):
        _chmod_own(Path(f"{db_path}{suffix}"), 0o600)


def _chmod_own(path: Path, mode: int) -> None:
    try:
        info = os.stat(path, follow_symlinks=False)
        if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) & ~mode:
            os.chmod(path, stat.S_IMODE(info.st_mode) & mode, follow_symlinks=False)
    except (OSError, NotImplementedError):
        pass

"""The journal: when the database cannot be written, the button still answers.

Every input the logger receives also goes to a journal file beside the database, in the
record/replay format (device.logger.record_file). While the database works the journal is
context, kept in a `.part` file, started again at every closed run and deleted when the
logger stops: buffered, and fsync'd only to guard footpod samples the database has not
committed yet (at most every recorder.JOURNAL_SYNC_S while samples arrive; the database
commits them every recorder.DB_SAMPLE_FLUSH_S). A `.part` file a
killed logger or a power cut left behind is replayed into the database at the next
start (adopt_stale_context, device.durability.catchup), so a power cut loses at most the last JOURNAL_SYNC_S
of samples. When a write to the database fails (a damaged file, a read-only or full
card, a folder that cannot be made), `JournalingStore` turns the journal durable: the
`.part` file is renamed to its final name, what was buffered is written and fsync'd,
and from then on every button, footpod and tick line is fsync'd before the press is
confirmed. The runner sees the "journaled" pattern once
(recorded, but not in the database), then the usual patterns.

A journal holds the whole run it began in, so it can rebuild that run exactly (same run
start, same decisions). It is replayed into the database at the next start of the
logger, or when the logger stops and the database works again (device.durability.catchup), and
then retired.

Where the journal goes: beside the database; if that folder cannot be written, the
per-user data folder (`journal/`). A small reserve file beside the journal is deleted the
moment the journal turns durable, so a full card still has room for it.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from footnote.device.db.rows import HeartRateRow, SampleRow
from footnote.device.db.store import Store
from footnote.device.errors import StoreError
from footnote.device.logger.recorder import RecorderSettings
from footnote.device.parts.protocols import Indicator
from footnote.device.paths import data_dir, sync_folder

logger = logging.getLogger(__name__)

RESERVE_BYTES = 256 * 1024  # about 2 hours of footpod lines at 1 per second, or thousands of presses
CONTEXT_FLUSH_BYTES = 64 * 1024  # while the database works, the journal is written in chunks this big
MAX_MEMORY_BYTES = 8 * 2**20  # lines kept in memory when no folder takes them (about 14 hours at 4/s)
SAMPLE_SYNC_S = 1.0  # footpod lines are fsync'd at most this long after arrival


def journal_folders(db_path: Path) -> list[Path]:
    """Where journals of this database may be: beside it, else the per-user data folder."""
    folders = [db_path.parent, data_dir() / "journal"]
    return list(dict.fromkeys(f.absolute() for f in folders))


def pending_journals(db_path: str | Path) -> list[Path]:
    """Durable journals of this database waiting to be replayed, oldest first."""
    db_path = Path(db_path)
    found = [p for folder in journal_folders(db_path) for p in folder.glob(f"{db_path.stem}.journal-*.jsonl")]
    return sorted(found, key=lambda p: p.name)


class Journal:
    """Every input of one logger session (an InputLog), context until `make_durable()`."""

    def __init__(
        self,
        db_path: str | Path,
        *,
        started_at: datetime,
        clock_synced: bool,
        settings: RecorderSettings,
        reserve_bytes: int = RESERVE_BYTES,
    ) -> None:
        self.db_path = Path(db_path)
        self._stem = f"{self.db_path.stem}.journal-{started_at:%Y%m%dT%H%M%S%f}"
        self._generation = 0  # a new file each time the database caught up
        self.name = self._stem + ".jsonl"
        self._header: dict[str, object] = {
            "footnote_replay": 1,
            "started_at": started_at.isoformat(),
            "clock_synced": clock_synced,
        }
        self._meta: dict[str, object] = {"db": str(self.db_path.absolute()), "settings": asdict(settings)}
        self.reserve_bytes = reserve_bytes
        self.durable = False
        self.path: Path | None = None  # the file, once it exists
        self._fd: int | None = None
        self._pending: list[str] = []
        self._pending_bytes = 0
        self._complete = True  # False once a line had to be dropped
        self._write_failures = 0
        self._last_t = 0.0
        self._synced_t = 0.0
        self._link_line: dict | None = None  # the footpod's state, repeated after a restart
        self._strap_line: dict | None = None  # the strap's, likewise
        self._reserve: Path | None = None
        self._synced_folder: Path | None = None  # where the file's own name was last made durable
        self._begin(run_open=True)
        self._open_file()
        self._make_reserve()

    # -- InputLog -------------------------------------------------------------------------
    def button(self, t: float, down: bool) -> None:
        self._line({"t": t, "button": "down" if down else "up"}, sync=True)

    def rsc(self, t: float, data: bytes) -> None:
        self._line({"t": t, "rsc": data.hex()}, sync=t - self._synced_t >= SAMPLE_SYNC_S)

    def footpod(self, t: float, state: str, **extra: object) -> None:
        line = {"t": t, "footpod": state, **{k: v for k, v in extra.items() if v is not None}}
        self._link_line = line if state == "connected" else None
        self._line(line, sync=True)

    def hrm(self, t: float, data: bytes) -> None:
        self._line({"t": t, "hrm": data.hex()}, sync=t - self._synced_t >= SAMPLE_SYNC_S)

    def strap(self, t: float, state: str, **extra: object) -> None:
        line = {"t": t, "strap": state, **{k: v for k, v in extra.items() if v is not None}}
        self._strap_line = line if state == "connected" else None
        self._line(line, sync=True)

    def tick(self, t: float) -> None:
        self._line({"t": t, "tick": True}, sync=True)

    def end(self, t: float) -> None:
        self._line({"t": t, "end": True}, sync=True)

    # -- life ---------------------------------------------------------------------------
    def make_durable(self) -> None:
        """From now on every line is on disk before it counts. Raises StoreError when no
        folder takes the journal (the press then gets the error pattern)."""
        if not self.durable:
            self._drop_reserve()
            if self._fd is None:
                self._open_file()
            part = self.path
            if self._fd is None or part is None:
                raise StoreError(
                    f"could not write the journal in {' or '.join(map(str, journal_folders(self.db_path)))}"
                )
            self.durable = True
            try:
                final = part.with_name(self.name)
                os.rename(part, final)
                self.path = final
                sync_folder(final.parent)
            except OSError as exc:
                self._move_elsewhere(exc)
            if not self._complete:
                logger.error(
                    "the journal %s lost lines while the disk was full: its run may replay incompletely", self.path
                )
            logger.error("the database cannot be written: recording to the journal %s", self.path)
        self.sync()

    def sync(self) -> None:
        """Write what is pending and fsync it; StoreError if no folder takes it. A durable
        journal whose folder stops taking writes (a card gone read-only or full) moves,
        whole, to the next folder that does."""
        try:
            self._write_pending()
            if self._fd is not None:
                os.fsync(self._fd)
                if self.path is not None and self._synced_folder != self.path.parent:
                    # A new file's name is in its folder, which a power cut can lose even
                    # when the file's bytes were fsync'd (ext4): once per folder is enough.
                    sync_folder(self.path.parent)
                    self._synced_folder = self.path.parent
        except OSError as exc:
            if not self.durable:
                raise StoreError(f"could not write the journal {self.path}: {exc.strerror or exc}") from exc
            self._move_elsewhere(exc)
        self._synced_t = self._last_t

    def _move_elsewhere(self, why: OSError) -> None:
        """Copy what the journal file holds, and what is pending, into the next folder."""
        failed = self.path
        try:
            written = failed.read_bytes() if failed is not None else b""
        except OSError:
            written = b""
        self._close_fd()
        for folder in journal_folders(self.db_path):
            if failed is not None and folder == failed.parent:
                continue
            target = folder / self.name
            try:
                folder.mkdir(parents=True, exist_ok=True)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            except OSError:
                continue
            self._fd, self.path = fd, target
            try:
                view = memoryview(written)
                while view:
                    view = view[os.write(fd, view) :]
                self._write_pending()
                os.fsync(fd)
            except OSError:
                self._close_fd()
                target.unlink(missing_ok=True)
                continue
            sync_folder(folder)
            logger.error("the journal could not stay in %s (%s): moved to %s", failed, why.strerror or why, target)
            if failed is not None:
                failed.unlink(missing_ok=True)  # may fail on a read-only card: then both are replayed, once
            return
        self.path = failed
        raise StoreError(f"could not write the journal {failed}: {why.strerror or why}") from why

    def restart(self) -> None:
        """A run closed while the database works: what came before is in the database,
        so the context starts afresh (with the footpod's link state, if it is up)."""
        if self.durable:
            return
        self._pending.clear()
        self._pending_bytes = 0
        self._complete = True
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
                os.lseek(self._fd, 0, os.SEEK_SET)
            except OSError:
                self._close_fd()
        self._begin(run_open=False)
        for link_line in (self._link_line, self._strap_line):
            if link_line is not None:
                self._line({**link_line, "t": self._last_t}, sync=False)

    def begin_again(self) -> None:
        """Everything journaled so far is now in the database (device.durability.catchup): go back
        to being context, in a new file."""
        self._close_fd()
        if self.path is not None:
            self.path.unlink(missing_ok=True)
        self.durable = False
        self._generation += 1
        self.name = f"{self._stem}-{self._generation}.jsonl"
        self.path = None
        self._pending.clear()
        self._pending_bytes = 0
        self._complete = True
        self._begin(run_open=False)
        for link_line in (self._link_line, self._strap_line):
            if link_line is not None:
                self._line({**link_line, "t": self._last_t}, sync=False)
        self._open_file()
        self._make_reserve()

    def close(self, *, keep: bool) -> None:
        """Close the file; `keep=False` (a session the database took whole) deletes it."""
        if self.durable:
            try:
                self.sync()
            except StoreError as exc:
                logger.error("%s", exc)
        self._close_fd()
        if not keep and self.path is not None:
            self.path.unlink(missing_ok=True)
        self._drop_reserve()

    # -- inside ---------------------------------------------------------------------------
    def _begin(self, *, run_open: bool) -> None:
        header = {
            **self._header,
            "footnote_journal": {**self._meta, "run_open_at_start": run_open},
        }
        self._pending.append(json.dumps(header, separators=(",", ":")) + "\n")
        self._pending_bytes += len(self._pending[-1])

    def _line(self, obj: dict, *, sync: bool) -> None:
        obj["t"] = self._last_t = max(obj["t"], self._last_t)
        text = json.dumps(obj, separators=(",", ":")) + "\n"
        self._pending.append(text)
        self._pending_bytes += len(text)
        if self.durable:
            # Never raises: an input must reach the recorder whatever the disk does. A
            # press is confirmed only by the store's own sync (JournalingStore), which
            # does raise; lines that could not be written wait in memory for room.
            try:
                if sync:
                    self.sync()
                else:
                    self._write_pending()
            except (StoreError, OSError) as exc:
                if self._write_failures in (0, 100, 10_000):
                    logger.error("could not write the journal: %s", exc)
                self._write_failures += 1
        elif self._pending_bytes >= CONTEXT_FLUSH_BYTES:
            try:
                if self._fd is None:
                    self._open_file()
                self._write_pending()
            except OSError:
                pass  # kept in memory; written when the disk has room again
            if self._pending_bytes > MAX_MEMORY_BYTES:
                while self._pending_bytes > MAX_MEMORY_BYTES // 2 and len(self._pending) > 1:
                    self._pending_bytes -= len(self._pending.pop(1))  # never the header
                self._complete = False

    def _write_pending(self) -> None:
        if self._fd is None:
            raise OSError(f"no folder takes the journal of {self.db_path}")
        while self._pending:
            data = "".join(self._pending).encode()
            written = os.write(self._fd, data)
            if written < len(data):  # a partial write (the disk filled): keep the rest (JSON is ASCII)
                self._pending = [data[written:].decode()]
                self._pending_bytes = len(self._pending[0])
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self._pending.clear()
            self._pending_bytes = 0

    def _open_file(self) -> None:
        for folder in journal_folders(self.db_path):
            path = folder / (self.name + ".part")
            try:
                folder.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            except OSError:
                continue
            self.path = path
            return

    def _make_reserve(self) -> None:
        if self.path is None or self.reserve_bytes <= 0:
            return
        reserve = self.path.with_name(self.name + ".reserve")
        try:
            # Allocated, not written: no SD card wear, and no fsync to wait for at start.
            with open(reserve, "wb") as f:
                try:
                    os.posix_fallocate(f.fileno(), 0, self.reserve_bytes)
                except OSError:  # a file system without fallocate: write the zeros
                    f.write(b"\0" * self.reserve_bytes)
        except OSError:
            reserve.unlink(missing_ok=True)
            return
        self._reserve = reserve

    def _drop_reserve(self) -> None:
        if self._reserve is not None:
            self._reserve.unlink(missing_ok=True)
            self._reserve = None

    def _close_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def adopt_stale_context(db_path: str | Path, *, keep: str) -> list[Path]:
    """Context files a killed logger or a power cut left while the database worked become
    journals waiting to be replayed (renamed to their final names): their last samples,
    up to recorder.DB_SAMPLE_FLUSH_S of them, may not be in the database yet,
    and the replay adds only what is missing (device.durability.catchup). A context file without one
    whole line holds nothing and is deleted, as are stale reserves. `keep` is this
    session's journal name. Returns the journals made."""
    db_path = Path(db_path)
    adopted = []
    for folder in journal_folders(db_path):
        for stale in folder.glob(f"{db_path.stem}.journal-*.jsonl.reserve"):
            if not stale.name.startswith(keep):
                stale.unlink(missing_ok=True)
        for stale in sorted(folder.glob(f"{db_path.stem}.journal-*.jsonl.part")):
            if stale.name.startswith(keep):
                continue
            try:
                with open(stale, "rb") as f:
                    whole_line = f.readline().endswith(b"\n")
                if not whole_line:
                    stale.unlink()
                    continue
                final = stale.with_name(stale.name.removesuffix(".part"))
                os.rename(stale, final)
                sync_folder(folder)
            except OSError as exc:  # a read-only card: it stays, and is tried again next start
                logger.error("could not take up the journal %s left by a stopped logger: %s", stale, exc)
                continue
            logger.warning("the logger before this one did not stop cleanly: replaying %s", final.name)
            adopted.append(final)
    return adopted


class JournalingStore:
    """A RunStore: the database while it can be written, the journal once it cannot.

    `store` is None when the database could not even be opened. Ids handed out while
    journaling are negative, so they never pass for a database row."""

    def __init__(
        self,
        store: Store | None,
        journal: Journal,
        *,
        reason: str = "",
        catch_up: Callable[[JournalingStore], None] | None = None,
    ) -> None:
        self.store = store
        self.journal = journal
        self.journaling = False
        self.reason = reason
        self.catch_up = catch_up  # tried after each run that closed while journaling
        self._next_id = 0
        self._sync_failed = False
        if store is None:
            self._switch(reason or "the database could not be opened")

    @property
    def path(self) -> Path:
        return self.journal.db_path

    def _switch(self, reason: str) -> None:
        self.journaling = True
        self.reason = reason
        if self.store is not None:
            try:
                self.store.close()
            except sqlite3.Error:
                pass
            self.store = None
        logger.error("database unusable (%s)", reason)
        try:
            self.journal.make_durable()
        except (StoreError, OSError) as exc:
            logger.error("%s", exc)

    def _synthetic_id(self) -> int:
        self._next_id -= 1
        return self._next_id

    def _db(self, method: str, *args, **kwargs):
        """Call the database; on failure switch to the journal and return None."""
        if self.store is not None:
            try:
                return getattr(self.store, method)(*args, **kwargs)
            except StoreError as exc:
                self._switch(str(exc))
        return None

    def open_run(self, **kwargs) -> int:
        run_id = self._db("open_run", **kwargs)
        return run_id if run_id is not None else self._synthetic_id()

    def close_run(self, run_id: int, *, t_s: float, reason: str) -> bool:
        closed = False
        if run_id > 0 and self.store is not None:
            closed = bool(self._db("close_run", run_id, t_s=t_s, reason=reason))
            if not self.journaling:
                self.journal.restart()
        if self.journaling and self.catch_up is not None and reason != "stopped":
            self.catch_up(self)  # the logger stopping catches up on its own way out
        return closed

    def resume(self, store: Store) -> None:
        """The database took everything journaled: write to it again."""
        self.store = store
        self.journaling = False
        self.reason = ""
        logger.warning("the database %s works again: writing to it", self.path)

    def add_symptom_event(
        self, run_id: int, *, t_s: float, kind: str, episode: int | None, severity: int | None
    ) -> int:
        if run_id > 0 and self.store is not None:
            event_id = self._db("add_symptom_event", run_id, t_s=t_s, kind=kind, episode=episode, severity=severity)
            if event_id is not None:
                return event_id
        if not self.journal.durable:
            self.journal.make_durable()  # raises StoreError: not confirmed
        self.journal.sync()  # the edge and tick lines that decided it are on disk
        return self._synthetic_id()

    def add_link_event(self, run_id: int, *, t_s: float, state: str, address: str | None) -> None:
        if run_id > 0:
            self._db("add_link_event", run_id, t_s=t_s, state=state, address=address)

    def add_rejected_packet(self, run_id: int, *, t_s: float, raw: bytes, error: str) -> None:
        if run_id > 0:
            self._db("add_rejected_packet", run_id, t_s=t_s, raw=raw, error=error)

    def set_footpod(self, run_id: int, **kwargs) -> None:
        if run_id > 0:
            self._db("set_footpod", run_id, **kwargs)

    def buffer_sample(self, row: SampleRow) -> None:
        if row.run_id > 0 and self.store is not None:
            self.store.buffer_sample(row)

    def buffer_heart_rate(self, row: HeartRateRow) -> None:
        if row.run_id > 0 and self.store is not None:
            self.store.buffer_heart_rate(row)

    def add_strap_link_event(self, run_id: int, *, t_s: float, state: str, address: str | None) -> None:
        if run_id > 0:
            self._db("add_strap_link_event", run_id, t_s=t_s, state=state, address=address)

    def set_strap(self, run_id: int, **kwargs) -> None:
        if run_id > 0:
            self._db("set_strap", run_id, **kwargs)

    def flush_samples(self) -> None:
        self._db("flush_samples")

    def sync_samples(self) -> None:
        """Make the buffered samples survive a power cut (recorder.JOURNAL_SYNC_S). While
        the database works, fsync the journal's context file: its footpod lines hold them,
        and the next start replays it into the database (adopt_stale_context). If the
        journal cannot be written, commit them instead. A durable journal syncs itself."""
        if self.store is None or self.journaling:
            return
        try:
            self.journal.sync()
            return
        except StoreError as exc:
            if not self._sync_failed:
                logger.error("%s: committing footpod samples to the database instead", exc)
            self._sync_failed = True
        self._db("flush_samples")

    def close_interrupted_runs(self) -> list[int]:
        return self._db("close_interrupted_runs") or []

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


class JournalIndicator:
    """The runner's feedback, with the "journaled" pattern shown once, for the first
    event confirmed by the journal rather than the database."""

    def __init__(self, inner: Indicator, store: JournalingStore) -> None:
        self.inner = inner
        self.store = store
        self.announced = False

    def show(self, kind: str, *, event_id: int | None = None) -> None:
        if kind != "error" and event_id is not None and event_id < 0 and not self.announced:
            self.announced = True
            kind = "journaled"
        self.inner.show(kind, event_id=event_id)

    def close(self) -> None:
        self.inner.close()

"""A file system that forgets, at a power cut, everything that was not fsync'd.

Run as a process (`python fs.py BACKING MOUNTPOINT [--cut-at-sync N]`), it mounts a FUSE
file system at MOUNTPOINT whose durable state is the directory BACKING: what the SD card
holds. Everything else lives in this process's memory, as the kernel's page cache would:

- a write, a truncate, a create, a rename, an unlink, a mkdir is seen at once by every
  reader of the mount, and reaches BACKING only when it is made durable:
- `fsync`/`fdatasync` of a file writes that file's data (its content and size) to every
  name it has *on the card*. A new or renamed name is not on the card yet;
- `fsync` of a directory writes its list of names (creates, renames, unlinks), as ext4
  needs for a new or renamed file to survive; a name that appears on the card brings the
  file's data as of that file's last fsync (never-fsync'd data is empty, as on ext4
  after the "zero-length file" crashes).

A cut (the line `cut` on stdin, stdin closing, or the N-th sync with --cut-at-sync)
drops everything not yet durable, and BACKING is the card as it is when the power comes
back. From the cut on, every operation (the sync that brought the cut included) waits,
as if the processes doing it had died with the Pi; the test kills them, then sends
`let go`, and the waiting operations fail with EIO so they can finish dying. The
process serves until it is unmounted (SIGTERM, or `umount`).

Modelled on SQLite's crash simulation (src/test6.c: writes held until xSync, the crash
at the N-th sync) and on LazyFS (Jepsen: a FUSE page cache dropped at a "crash"); unlike
them it never tears a sector or keeps part of the unsynced writes. See docs/sdcard.md, "When
the power is cut", for what that leaves out.

The model (`Card`) is plain Python over paths, so it can be tested without FUSE; `Fuse`
adapts it to fusepy. Lines on stdout: `ready` once mounted, `cut SYNCS DETAIL` at the cut,
`syncs N` in answer to `syncs`.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import sys
import threading
import time
from pathlib import Path

PAGE = 4096  # the unit a changed file is written back to the card in


class Node:
    """A file or a folder: what the mount shows now, and what the card holds."""

    def __init__(self, number: int, mode: int) -> None:
        self.number = number
        self.mode = mode
        self.mtime_ns = time.time_ns()
        # a file: its bytes now, its bytes as of its last fsync, the pages changed since
        self.data = bytearray()
        self.synced = bytearray()
        self.dirty: set[int] = set()
        self.resized = False
        # a folder: its names now, and as of its last fsync
        self.entries: dict[str, Node] = {}
        self.synced_entries: dict[str, Node] = {}

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.mode)

    def touch(self, start: int, end: int) -> None:
        self.dirty.update(range(start // PAGE, (end + PAGE - 1) // PAGE))
        self.mtime_ns = time.time_ns()


def _error(code: int) -> OSError:
    return OSError(code, os.strerror(code))


class Card:
    """The durable store BACKING with a page cache in front of it. Every method takes a
    path inside the mount ("/a/b"); errors are OSError with the errno a kernel would give.
    Not thread-safe: the caller holds a lock."""

    def __init__(self, backing: str | Path, *, cut_at_sync: int | None = None) -> None:
        self.backing = Path(backing)
        self.cut_at_sync = cut_at_sync
        self.syncs = 0  # fsync, fdatasync and directory fsync calls so far
        self.is_cut = False
        self.cut_detail = ""
        self._numbers = 1
        self.root = self._load(self.backing, Node(self._next_number(), stat.S_IFDIR | 0o755))
        self.handles: dict[int, Node] = {}
        self._handles = 0

    # -- loading the card ----------------------------------------------------------------
    def _next_number(self) -> int:
        self._numbers += 1
        return self._numbers

    def _load(self, folder: Path, node: Node) -> Node:
        for entry in sorted(folder.iterdir()):
            info = entry.lstat()
            child = Node(self._next_number(), info.st_mode)
            if stat.S_ISDIR(info.st_mode):
                self._load(entry, child)
            elif stat.S_ISREG(info.st_mode):
                child.data = bytearray(entry.read_bytes())
                child.synced = bytearray(child.data)
            else:
                continue  # the tests put only files and folders on the card
            node.entries[entry.name] = node.synced_entries[entry.name] = child
        return node

    # -- looking up ------------------------------------------------------------------------
    def check(self) -> None:
        if self.is_cut:
            raise _error(errno.EIO)

    def lookup(self, path: str) -> Node:
        node = self.root
        for part in [p for p in path.split("/") if p]:
            if not node.is_dir:
                raise _error(errno.ENOTDIR)
            if part not in node.entries:
                raise _error(errno.ENOENT)
            node = node.entries[part]
        return node

    def _parent(self, path: str) -> tuple[Node, str]:
        head, _, name = path.rstrip("/").rpartition("/")
        parent = self.lookup(head or "/")
        if not parent.is_dir:
            raise _error(errno.ENOTDIR)
        return parent, name

    def node(self, path: str | None, fh: int | None) -> Node:
        if fh:
            return self.handles[fh]
        if path is None:
            raise _error(errno.EBADF)
        return self.lookup(path)

    # -- names -----------------------------------------------------------------------------
    def create(self, path: str, mode: int) -> int:
        parent, name = self._parent(path)
        if name in parent.entries:
            raise _error(errno.EEXIST)
        node = Node(self._next_number(), stat.S_IFREG | stat.S_IMODE(mode))
        parent.entries[name] = node
        parent.mtime_ns = time.time_ns()
        return self._open(node)

    def mkdir(self, path: str, mode: int) -> None:
        parent, name = self._parent(path)
        if name in parent.entries:
            raise _error(errno.EEXIST)
        parent.entries[name] = Node(self._next_number(), stat.S_IFDIR | stat.S_IMODE(mode))

    def unlink(self, path: str) -> None:
        parent, name = self._parent(path)
        if self.lookup(path).is_dir:
            raise _error(errno.EISDIR)
        del parent.entries[name]  # an open file lives on through its handle

    def rmdir(self, path: str) -> None:
        parent, name = self._parent(path)
        node = self.lookup(path)
        if not node.is_dir:
            raise _error(errno.ENOTDIR)
        if node.entries:
            raise _error(errno.ENOTEMPTY)
        del parent.entries[name]

    def rename(self, old: str, new: str) -> None:
        old_parent, old_name = self._parent(old)
        node = self.lookup(old)
        new_parent, new_name = self._parent(new)
        replaced = new_parent.entries.get(new_name)
        if replaced is not None and replaced.is_dir and replaced.entries:
            raise _error(errno.ENOTEMPTY)
        del old_parent.entries[old_name]
        new_parent.entries[new_name] = node

    def listdir(self, path: str) -> list[str]:
        node = self.lookup(path)
        if not node.is_dir:
            raise _error(errno.ENOTDIR)
        return list(node.entries)

    # -- data ------------------------------------------------------------------------------
    def _open(self, node: Node) -> int:
        self._handles += 1
        self.handles[self._handles] = node
        return self._handles

    def open(self, path: str) -> int:
        return self._open(self.lookup(path))

    def release(self, fh: int) -> None:
        self.handles.pop(fh, None)

    def read(self, node: Node, size: int, offset: int) -> bytes:
        return bytes(node.data[offset : offset + size])

    def write(self, node: Node, data: bytes, offset: int) -> int:
        if offset > len(node.data):
            node.data.extend(bytes(offset - len(node.data)))
        node.data[offset : offset + len(data)] = data
        node.touch(offset, offset + len(data))
        return len(data)

    def truncate(self, node: Node, length: int) -> None:
        old = len(node.data)
        if length < old:
            del node.data[length:]
        else:
            node.data.extend(bytes(length - len(node.data)))
        node.resized = True
        node.touch(min(old, length), max(old, length))

    # -- durability ------------------------------------------------------------------------
    def _count_sync(self) -> None:
        self.syncs += 1
        if self.cut_at_sync is not None and self.syncs >= self.cut_at_sync:
            self.cut()
            raise _error(errno.EIO)  # the power went while this sync was under way

    def fsync(self, node: Node) -> None:
        """The file's data (content and size) onto every name it has on the card."""
        self._count_sync()
        if node.is_dir:
            return self.fsync_dir(node)
        for path in self._card_paths(node):
            with open(path, "r+b") as f:
                for page in sorted(node.dirty):
                    if page * PAGE < len(node.data):
                        f.seek(page * PAGE)
                        f.write(node.data[page * PAGE : (page + 1) * PAGE])
                f.truncate(len(node.data))
        node.synced = bytearray(node.data)
        node.dirty.clear()
        node.resized = False

    def fsync_dir(self, node: Node) -> None:
        """The folder's names onto the card: new names bring their file's synced data,
        names gone are removed."""
        old, new = node.synced_entries, dict(node.entries)
        node.synced_entries = new
        for folder in self._card_paths(node):
            for name, child in old.items():
                if new.get(name) is not child:
                    _remove(folder / name)
            for name, child in new.items():
                if old.get(name) is not child:
                    self._write_out(folder / name, child)

    def _write_out(self, path: Path, node: Node) -> None:
        if node.is_dir:
            path.mkdir()
            for name, child in node.synced_entries.items():
                self._write_out(path / name, child)
        else:
            path.write_bytes(node.synced)

    def _card_paths(self, target: Node) -> list[Path]:
        """Where the card holds this node: every path reached through synced names."""
        found = []
        stack = [(self.root, self.backing)]
        while stack:
            node, path = stack.pop()
            if node is target:
                found.append(path)
            for name, child in node.synced_entries.items():
                stack.append((child, path / name))
        return found

    def cut(self) -> None:
        """The power goes: what is not on the card is lost (cut_detail says how much)."""
        if self.is_cut:
            return
        self.is_cut = True
        files = folders = 0
        stack = [self.root, *self.handles.values()]
        seen: set[int] = set()
        while stack:
            node = stack.pop()
            if node.number in seen:
                continue
            seen.add(node.number)
            if node.is_dir:
                folders += node.entries != node.synced_entries
                stack.extend(node.entries.values())
            else:
                files += bool(node.dirty or node.resized)
        self.cut_detail = f"dropped: unsynced data of {files} files, unsynced names in {folders} folders"


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


class Fuse:
    """fusepy's operations over a Card: one lock around every call (fusepy calls from
    several threads). At the cut every call, the one under way included, waits: a
    process cannot do anything on the card after the power went, as on a real Pi,
    where it is dead. `let_go` (once the test has killed those processes) lets the
    waiting calls fail with EIO so the processes can finish dying. File locks are left
    to the kernel (no `lock` operation), which is what SQLite's locking needs."""

    use_ns = True
    flag_nullpath_ok = True  # an unlinked file that is still open is reached by its handle

    def __init__(self, card: Card, out) -> None:
        self.card = card
        self.out = out
        self._mutex = threading.Lock()  # not "lock": fusepy would take that for the lock operation
        self._released = threading.Event()
        self._announced = False

    def __call__(self, op: str, *args):
        from fuse import FuseOSError

        if op in ("init", "destroy"):
            return getattr(self, op)(*args)
        with self._mutex:
            if op in ("flush", "release") or not self.card.is_cut:
                try:
                    return getattr(self, op)(*args)
                except OSError as exc:
                    if not self.card.is_cut:  # the cut came during this call: it waits below
                        raise FuseOSError(exc.errno or errno.EIO) from None
                except KeyError:  # a handle this card never gave
                    raise FuseOSError(errno.EBADF) from None
                finally:
                    self._announce()
        self._released.wait()
        raise FuseOSError(errno.EIO)

    def _announce(self) -> None:
        if self.card.is_cut and not self._announced:
            self._announced = True
            self.say(f"cut {self.card.syncs} {self.card.cut_detail}")

    def say(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def cut(self) -> None:
        with self._mutex:
            self.card.cut()
            self._announce()

    def let_go(self) -> None:
        """The processes on the card are dead: calls still waiting fail with EIO."""
        self._released.set()

    def syncs(self) -> None:
        with self._mutex:
            self.say(f"syncs {self.card.syncs}")

    # -- operations (fusepy's names and arguments) ------------------------------------------
    def init(self, path):
        self.say("ready")

    def destroy(self, path):
        pass

    def getattr(self, path, fh=None):
        node = self.card.node(path, fh)
        return {
            "st_mode": node.mode,
            "st_ino": node.number,
            "st_nlink": 2 if node.is_dir else 1,
            "st_size": len(node.data),
            "st_blocks": (len(node.data) + 511) // 512,
            "st_uid": os.getuid(),
            "st_gid": os.getgid(),
            "st_mtime": node.mtime_ns,
            "st_ctime": node.mtime_ns,
            "st_atime": node.mtime_ns,
        }

    def readdir(self, path, fh):
        return [".", "..", *self.card.listdir(path)]

    def statfs(self, path):
        s = os.statvfs(self.card.backing)
        return {
            k: getattr(s, k)
            for k in (
                "f_bsize",
                "f_frsize",
                "f_blocks",
                "f_bfree",
                "f_bavail",
                "f_files",
                "f_ffree",
                "f_favail",
                "f_namemax",
            )
        }

    def create(self, path, mode, fi=None):
        return self.card.create(path, mode)

    def open(self, path, flags):
        return self.card.open(path)

    def read(self, path, size, offset, fh):
        return self.card.read(self.card.node(path, fh), size, offset)

    def write(self, path, data, offset, fh):
        return self.card.write(self.card.node(path, fh), data, offset)

    def truncate(self, path, length, fh=None):
        self.card.truncate(self.card.node(path, fh), length)

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        self.card.release(fh)

    def fsync(self, path, datasync, fh):
        self.card.fsync(self.card.node(path, fh))

    def fsyncdir(self, path, datasync, fh):
        self.card.fsync(self.card.lookup(path))

    def mkdir(self, path, mode):
        self.card.mkdir(path, mode)

    def rmdir(self, path):
        self.card.rmdir(path)

    def unlink(self, path):
        self.card.unlink(path)

    def rename(self, old, new):
        self.card.rename(old, new)

    def chmod(self, path, mode):
        node = self.card.lookup(path)
        node.mode = stat.S_IFMT(node.mode) | stat.S_IMODE(mode)

    def chown(self, path, uid, gid):
        pass  # one user: root, as in CI

    def utimens(self, path, times=None):
        node = self.card.lookup(path)
        node.mtime_ns = times[1] if times else time.time_ns()


def _control(ops: Fuse) -> None:
    """Commands on stdin; stdin closing (the test died) cuts and unmounts."""
    import signal

    for line in sys.stdin:
        if line.strip() == "cut":
            ops.cut()
        elif line.strip() == "let go":
            ops.let_go()
        elif line.strip() == "syncs":
            ops.syncs()
    ops.cut()
    ops.let_go()
    # libfuse's handler leaves its loop and unmounts; sent to the main thread, which waits
    # for it (fusepy's worker threads block signals)
    signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGTERM)


def main(argv: list[str]) -> int:
    import argparse

    from fuse import FUSE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backing", type=Path)
    parser.add_argument("mountpoint", type=Path)
    parser.add_argument("--cut-at-sync", type=int, default=None, metavar="N", help="cut at the N-th sync call")
    args = parser.parse_args(argv)
    ops = Fuse(Card(args.backing, cut_at_sync=args.cut_at_sync), sys.stdout)
    threading.Thread(target=_control, args=(ops,), daemon=True).start()
    # hard_remove: an unlinked open file stays an open handle (no .fuse_hidden renames);
    # use_ino: SQLite tells files apart by their inode numbers.
    FUSE(ops, str(args.mountpoint), foreground=True, hard_remove=True, use_ino=True, big_writes=True, fsname="powercut")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

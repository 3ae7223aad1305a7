"""Power cuts for tests: an SD card on a file system that keeps every write in memory
until it is fsync'd and loses the rest when the power is pulled (tests/powercut/fs.py).

    card = PowerCutCard(tmp_path)          # the `power_cut_card` fixture in conftest.py
    card.mount()                           # real processes write under card.path
    proc = card.spawn([...footnote...])    # killed at the cut, and at the end whatever happens
    ...
    card.pull_the_plug()                   # cut, kill -9 every spawned process, unmount
    card.disk                              # the card as it is when the power comes back
    card.mount()                           # and the Pi starts again on it

The cut comes first, then the kill. From the instant of the cut every file operation
waits (the sync under way included), so a process can no more act on the card, or say
that something is saved, than a dead one can; once it is killed the waiting operations
fail and it finishes dying. What it printed before is what the runner was told. Every
wait is bounded; a mount that does not come up, or a file system that does not go away,
fails the test with the daemon's own log.
"""

from __future__ import annotations

import ctypes.util
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

FS = Path(__file__).with_name("fs.py")
MOUNT_TIMEOUT_S = 15.0


def unavailable() -> str | None:
    """Why a power-cut file system cannot be mounted here, or None."""
    if os.geteuid() != 0:
        return "mounting FUSE needs root (CI runs as root)"
    if not Path("/dev/fuse").exists():
        return "no /dev/fuse"
    if ctypes.util.find_library("fuse") is None:
        return "libfuse2 is not installed (Debian package libfuse2; make system-packages)"
    try:
        import fuse  # noqa: F401
    except (ImportError, OSError) as exc:
        return f"fusepy cannot be loaded: {exc}"
    return None


class PowerCutCard:
    """An SD card (`disk`, a plain folder) seen through the power-cut file system at
    `path` while mounted. One mount at a time."""

    def __init__(self, root: Path) -> None:
        self.disk = root / "disk"
        self.path = root / "card"
        self.log = root / "powercut.log"
        self.disk.mkdir(parents=True, exist_ok=True)
        self.path.mkdir(parents=True, exist_ok=True)
        self.daemon: subprocess.Popen | None = None
        self.processes: list[subprocess.Popen] = []
        self.cuts = 0
        self.last_cut = ""  # the daemon's account of the last cut: syncs applied, what it dropped
        self._cut_this_mount = False
        self._lines: queue.Queue[str] = queue.Queue()
        self._held: list[str] = []

    # -- mounting ------------------------------------------------------------------------
    def mount(self, *, cut_at_sync: int | None = None) -> PowerCutCard:
        """Mount the card; with `cut_at_sync`, the power goes at that sync call (fsync,
        fdatasync or a folder's fsync, counted from 1 at this mount) before it is done."""
        assert self.daemon is None, "already mounted"
        argv = [sys.executable, str(FS), str(self.disk), str(self.path)]
        if cut_at_sync is not None:
            argv += ["--cut-at-sync", str(cut_at_sync)]
        self._lines = queue.Queue()
        self._held: list[str] = []
        self._cut_this_mount = False
        with open(self.log, "a") as log:
            self.daemon = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1
            )
        threading.Thread(target=self._read, args=(self.daemon,), daemon=True).start()
        self._expect("ready", MOUNT_TIMEOUT_S)
        deadline = time.monotonic() + MOUNT_TIMEOUT_S
        while not os.path.ismount(self.path):
            self._fail_if(time.monotonic() > deadline, "the power-cut file system is not mounted")
            time.sleep(0.01)
        return self

    def _read(self, daemon: subprocess.Popen) -> None:
        assert daemon.stdout is not None
        for line in daemon.stdout:
            self._lines.put(line.rstrip("\n"))

    def _next(self, word: str, timeout_s: float) -> str | None:
        """The daemon's next line starting with `word` (others are kept for their own
        question), or None once `timeout_s` has gone by."""
        for line in self._held:
            if line.startswith(word):
                self._held.remove(line)
                return line
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, min(0.1, deadline - time.monotonic())))
            except queue.Empty:
                assert self.daemon is not None
                self._fail_if(
                    self.daemon.poll() is not None, f"the power-cut file system exited ({self.daemon.returncode})"
                )
                if time.monotonic() >= deadline:
                    return None
                continue
            if line.startswith(word):
                return line
            self._held.append(line)

    def _expect(self, word: str, timeout_s: float) -> str:
        line = self._next(word, timeout_s)
        self._fail_if(line is None, f"the power-cut file system never said {word!r}")
        assert line is not None
        return line

    def _fail_if(self, condition: bool, what: str) -> None:
        if condition:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise AssertionError(f"{what}; its log:\n{log}")

    # -- processes on the card -----------------------------------------------------------
    def spawn(self, argv: list[str], **popen) -> subprocess.Popen:
        """Start a process that uses the card; it dies at the cut (and at the end)."""
        proc = subprocess.Popen(argv, **popen)
        self.processes.append(proc)
        return proc

    def syncs(self) -> int:
        """How many sync calls the card has seen since it was mounted."""
        self._send("syncs")
        return int(self._expect("syncs", 10).split()[1])

    def _send(self, line: str) -> None:
        assert self.daemon is not None and self.daemon.stdin is not None
        self.daemon.stdin.write(line + "\n")
        self.daemon.stdin.flush()

    # -- the power goes ------------------------------------------------------------------
    def cut(self) -> None:
        """The power goes now: from this instant nothing reaches the card."""
        self._send("cut")
        self.wait_for_cut()

    def wait_for_cut(self, timeout_s: float = 60.0) -> None:
        """Wait until the card is cut (by cut() or by mount(cut_at_sync=...))."""
        if not self._cut_this_mount:
            self._cut(self._expect("cut", timeout_s))

    def cut_came(self) -> bool:
        """Whether a cut armed with cut_at_sync has happened yet (without waiting)."""
        if not self._cut_this_mount and (line := self._next("cut", 0.0)) is not None:
            self._cut(line)
        return self._cut_this_mount

    def _cut(self, line: str) -> None:
        self.last_cut = line
        self.cuts += 1
        self._cut_this_mount = True

    def pull_the_plug(self) -> None:
        """Cut (unless a cut_at_sync cut came already), kill -9 every process that uses
        the card, unmount."""
        if self.daemon is not None and not self._cut_this_mount:
            self.cut()
        self.unmount()

    def finish(self, proc: subprocess.Popen, timeout_s: float = 120.0) -> tuple[str, str]:
        """Let a process run to its end, or to the cut (then the plug is pulled: every
        process dies and the card is unmounted); what it printed on stdout and stderr."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return proc.communicate(timeout=0.05)
            except subprocess.TimeoutExpired:
                if self.cut_came():
                    self.pull_the_plug()
                    return proc.communicate(timeout=30)
                self._fail_if(time.monotonic() > deadline, f"{proc.args} neither ended nor was cut")

    def unmount(self) -> None:
        """Kill -9 what still runs on the card and unmount it; safe to call twice."""
        for proc in self.processes:
            if proc.poll() is None:
                proc.kill()
        if self.daemon is not None and self.daemon.poll() is None:
            self._send("let go")  # killed processes waiting in a file operation may now die
        for proc in self.processes:
            proc.wait(timeout=30)
        self.processes = []
        daemon, self.daemon = self.daemon, None
        if daemon is None:
            return
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)  # libfuse unmounts on its way out
            try:
                daemon.wait(timeout=10)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait(timeout=10)
        if daemon.stdin is not None:
            daemon.stdin.close()
        if os.path.ismount(self.path):
            subprocess.run(["umount", "-l", str(self.path)], check=False, capture_output=True, timeout=30)
        self._fail_if(os.path.ismount(self.path), f"{self.path} is still mounted")

    # -- looking at the card -------------------------------------------------------------
    def copy_of_disk(self, to: Path) -> Path:
        """A copy of the card as it is now (to look at without changing it)."""
        if to.exists():
            shutil.rmtree(to)
        shutil.copytree(self.disk, to)
        return to

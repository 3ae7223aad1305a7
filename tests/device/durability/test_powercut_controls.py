"""The power-cut file system proven on plain SQLite before it judges footnote: the
settings SQLite documents as not durable must lose acknowledged commits under a cut,
and the durable ones must not. If these controls could not fail, the harness would be
holding nothing back."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.powercut import PowerCutCard

# Commits one row per transaction, saying so after each commit returns; then waits, as an
# idle device does, until the power goes.
WRITER = """
import sqlite3, sys
db, journal_mode, synchronous, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
conn = sqlite3.connect(db, isolation_level=None)
conn.execute(f"PRAGMA journal_mode={journal_mode}")
conn.execute("PRAGMA synchronous=FULL")
conn.execute("CREATE TABLE IF NOT EXISTS said (n INTEGER PRIMARY KEY)")  # made durable first
conn.execute(f"PRAGMA synchronous={synchronous}")
for i in range(1, n + 1):
    conn.execute("BEGIN")
    conn.execute("INSERT INTO said VALUES (?)", (i,))
    conn.execute("COMMIT")
    print("committed", i, flush=True)
print("idle", flush=True)
sys.stdin.readline()
"""


def write_and_cut(card: PowerCutCard, journal_mode: str, synchronous: str, n: int) -> tuple[list[int], set[int]]:
    """`n` acknowledged commits, then the power goes; the acknowledged rows, and the rows
    the card holds afterwards."""
    card.mount()
    db = card.path / "plain.db"
    proc = card.spawn(
        [sys.executable, "-c", WRITER, str(db), journal_mode, synchronous, str(n)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    acknowledged = []
    for line in proc.stdout:  # bounded: the writer says n lines and "idle", or dies
        if line.startswith("committed"):
            acknowledged.append(int(line.split()[1]))
        elif line.startswith("idle"):
            break
    assert len(acknowledged) == n, f"the writer stopped early ({proc.wait(timeout=30)})"
    card.pull_the_plug()
    conn = sqlite3.connect(card.copy_of_disk(card.disk.parent / "after") / "plain.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {n for (n,) in conn.execute("SELECT n FROM said")}
    finally:
        conn.close()
    return acknowledged, stored


@pytest.mark.parametrize(
    ("journal_mode", "synchronous", "lost"),
    [
        ("WAL", "OFF", 50),  # nothing is fsync'd: every commit since the table was made is gone
        ("WAL", "NORMAL", 50),  # the WAL is fsync'd only at a checkpoint: not durable until then
        ("WAL", "FULL", 0),  # the WAL is fsync'd at every commit
        ("DELETE", "FULL", 1),  # the journal's unlink is not durable: the last commit rolls back
        ("DELETE", "EXTRA", 0),  # EXTRA fsyncs the folder after the unlink
    ],
)
def test_sqlite_loses_exactly_what_its_documentation_says_under_a_cut(
    power_cut_card, capsys, journal_mode, synchronous, lost
):
    acknowledged, stored = write_and_cut(power_cut_card, journal_mode, synchronous, 50)
    missing = sorted(set(acknowledged) - stored)
    assert len(missing) == lost, f"lost {missing}"
    assert missing == acknowledged[len(acknowledged) - lost :]  # always the newest ones
    with capsys.disabled():
        print(f"\n  control {journal_mode} synchronous={synchronous}: 50 acknowledged, {len(missing)} lost at the cut")


WAL_STREAM = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("PRAGMA synchronous=FULL")
conn.execute("CREATE TABLE IF NOT EXISTS said (n INTEGER PRIMARY KEY, pad BLOB)")
i = conn.execute("SELECT coalesce(max(n), 0) FROM said").fetchone()[0]
while True:  # until the power goes (the test kills it)
    i += 1
    conn.execute("INSERT INTO said VALUES (?, randomblob(3000))", (i,))
    print("committed", i, flush=True)
"""


@pytest.mark.slow  # cuts at moments of real time
def test_wal_full_keeps_every_acknowledged_commit_when_cut_mid_stream(power_cut_card, capsys):
    """A writer committing as fast as it can, cut while commits (and checkpoints: a 3 KB
    row is a WAL page, so the WAL's 1000 pages are checkpointed every ~1000 commits) are
    under way, 6 times on the same card."""
    card = power_cut_card
    acknowledged: list[int] = []
    for k in range(6):
        card.mount()
        proc = card.spawn(
            [sys.executable, "-c", WAL_STREAM, str(card.path / "stream.db")], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        target = 200 + 300 * k  # a different moment of the commit and checkpoint cycle each time
        deadline = time.monotonic() + 60
        seen = 0
        for line in proc.stdout:
            acknowledged.append(int(line.split()[1]))
            seen += 1
            if seen >= target or time.monotonic() > deadline:
                break
        card.pull_the_plug()
        rest, _ = proc.communicate(timeout=30)  # what it said before it died: acknowledged too
        acknowledged += [int(line.split()[1]) for line in rest.splitlines() if line.startswith("committed")]
        assert seen >= target, "the writer was too slow to be cut where intended"
    conn = sqlite3.connect(card.copy_of_disk(card.disk.parent / "after") / "stream.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {n for (n,) in conn.execute("SELECT n FROM said")}
    finally:
        conn.close()
    assert set(acknowledged) <= stored
    with capsys.disabled():
        print(f"\n  control WAL FULL streaming: 6 cuts, {len(acknowledged)} acknowledged, 0 lost")


def test_the_model_holds_names_until_their_folder_is_synced(tmp_path):
    """The file system's model without FUSE: data needs its file's fsync, a new or
    renamed name its folder's fsync; a cut leaves the card as it was at the last sync."""
    from tests.powercut.fs import Card

    disk = tmp_path / "disk"
    disk.mkdir()
    (disk / "old.txt").write_bytes(b"old")
    card = Card(disk)
    root = card.lookup("/")

    def write(path: str, data: bytes) -> int:
        fh = card.create(path, 0o644)
        card.write(card.handles[fh], data, 0)
        return fh

    synced = write("/synced.part", b"all of it")
    card.fsync(card.handles[synced])
    assert not (disk / "synced.part").exists()  # its data is safe, its name is not
    card.rename("/synced.part", "/synced.txt")
    card.fsync(root)
    assert (disk / "synced.txt").read_bytes() == b"all of it"
    write("/unsynced.txt", b"lost")
    card.write(card.handles[synced], b"ALL", 0)  # not fsync'd
    card.unlink("/old.txt")
    card.mkdir("/folder", 0o755)
    card.fsync(card.lookup("/folder"))  # a folder's own fsync does not make its name durable
    card.cut()
    assert sorted(os.listdir(disk)) == ["old.txt", "synced.txt"]
    assert (disk / "synced.txt").read_bytes() == b"all of it"
    assert "unsynced data of 2 files" in card.cut_detail
    with pytest.raises(OSError):
        card.check()


def test_a_name_synced_before_its_data_is_an_empty_file(tmp_path):
    """As on ext4 after a cut: the folder's fsync made the name durable, the data never was."""
    from tests.powercut.fs import Card

    (tmp_path / "disk").mkdir()
    card = Card(tmp_path / "disk")
    fh = card.create("/a", 0o644)
    card.write(card.handles[fh], b"x" * 10_000, 0)
    card.fsync(card.lookup("/"))
    assert (tmp_path / "disk" / "a").read_bytes() == b""
    card.truncate(card.handles[fh], 5000)
    card.fsync(card.handles[fh])
    assert (tmp_path / "disk" / "a").read_bytes() == b"x" * 5000

"""A runner's worst day: killed processes, power loss, a full disk, garbage from the
footpod and the record file, and the dashboard busy while the logger writes.
Each test is bounded in time and prints what it checked."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from footnote.device.db.store import Store
from footnote.device.errors import ReplayFormatError, RscDecodeError
from footnote.device.logger.record_file import parse_line
from footnote.device.logger.recorder import RunRecorder
from footnote.device.logger.story import Pod, Story
from footnote.device.rules.rsc import decode_rsc_measurement, encode_rsc_measurement
from tests.helpers import FOOTNOTE, RecordingIndicator, rows

pytestmark = pytest.mark.slow  # kill -9 loops, power loss, a real full disk, fuzzing


def long_session(tmp_path: Path, presses: int = 150) -> Path:
    story = Story(seed=5).connect()
    for _ in range(presses // 3):
        story.run(minutes=1).press().run(seconds=20).press().stand(seconds=40).hold()
    return story.end().write(tmp_path / "long.jsonl")


def kill_partway(path: Path, db: Path, rng: random.Random) -> tuple[list[int], int]:
    """Replay in a subprocess and SIGKILL it at a random point: after a random number of
    confirmed events, and sometimes a random extra moment later (mid-flush)."""
    proc = subprocess.Popen(
        [*FOOTNOTE, "replay", str(path), "--db", str(db), "--echo-feedback"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    target = rng.randint(1, 140)
    confirmed: list[int] = []
    for line in proc.stdout:
        if line.startswith("feedback "):
            event = line.split("event=")[1].strip()
            if event != "None":
                confirmed.append(int(event))
            if len(confirmed) >= target:
                if rng.random() < 0.5:
                    # let it run on for a moment so the kill lands between confirmations
                    for _ in range(rng.randint(0, 3)):
                        extra = proc.stdout.readline()
                        if extra.startswith("feedback ") and "event=None" not in extra:
                            confirmed.append(int(extra.split("event=")[1]))
                break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    return confirmed, proc.returncode


def test_kill_9_at_50_random_points_loses_no_confirmed_event(tmp_path, capsys):
    path = long_session(tmp_path)
    db = tmp_path / "crash.db"
    rng = random.Random(2026)
    checked_events = killed = 0
    for _ in range(50):
        confirmed, code = kill_partway(path, db, rng)
        killed += code == -signal.SIGKILL
        stored = {r[0] for r in rows(db, "SELECT id FROM symptom_events")}
        assert set(confirmed) <= stored
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]
        checked_events += len(confirmed)
    # a new logger starts cleanly: every interrupted run is closed, a fresh one follows
    result = subprocess.run(
        [*FOOTNOTE, "replay", str(path), "--db", str(db)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert rows(db, "SELECT count(*) FROM runs WHERE ended_t_s IS NULL") == [(0,)]
    assert rows(db, "SELECT count(*) FROM runs WHERE end_reason = 'interrupted'")[0][0] >= killed - 1
    with capsys.disabled():
        print(
            f"\n  crash safety: {killed} of 50 kill -9 points landed mid-replay; {checked_events} confirmed events checked, all stored"
        )
    assert killed >= 45


def test_power_loss_with_a_torn_wal_recovers(tmp_path, capsys):
    """Power loss: what was fsync'd survives, the WAL may end in a half-written frame and
    the shared-memory index is gone. Emulated on a copy taken after a kill -9, with
    garbage appended to the WAL and the -shm file removed."""
    path = long_session(tmp_path, presses=60)
    db = tmp_path / "power.db"
    rng = random.Random(7)
    checks = 0
    for i in range(10):
        confirmed, _ = kill_partway(path, db, rng)
        wal = Path(f"{db}-wal")
        snapshot = tmp_path / f"snap{i}.db"
        shutil.copy(db, snapshot)
        if wal.exists():
            data = wal.read_bytes()
            Path(f"{snapshot}-wal").write_bytes(data + os.urandom(rng.randint(1, 4096)))
        Path(f"{snapshot}-shm").unlink(missing_ok=True)
        with Store(snapshot) as store:  # reopening recovers the WAL
            assert store.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            stored = {r[0] for r in store.conn.execute("SELECT id FROM symptom_events")}
        assert set(confirmed) <= stored
        checks += len(confirmed)
    with capsys.disabled():
        print(f"\n  power loss: 10 torn-WAL recoveries, {checks} confirmed events checked")


@pytest.fixture
def tiny_fs(tmp_path):
    """A real, tiny file system (a size-limited tmpfs) that can be grown again."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.skip(
            f"cannot mount a tmpfs here ({result.stderr.strip()}); test_store.py covers a full database with max_page_count"
        )
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_answers_with_the_error_pattern_and_recovers(tiny_fs, caplog):
    db = tiny_fs / "footnote.db"
    store = Store(db)
    indicator = RecordingIndicator()
    lg = RunRecorder(
        store=store, indicator=indicator, t0=0.0, started_at=datetime(2026, 11, 20, 7, tzinfo=UTC), clock_synced=True
    )
    lg.start()
    packet = encode_rsc_measurement(3.0, 170, stride_m=1.1, total_distance_m=0)
    t = 0.0
    presses = 0
    while indicator.shown.count("error") < 3 and t < 20_000:
        for _ in range(40):
            t += 0.25
            lg.advance(t)
            lg.on_rsc(t, packet)
        lg.on_edge(t, True)
        lg.on_edge(t + 0.2, False)
        lg.advance(t + 0.3)
        presses += 1
    assert indicator.shown.count("error") >= 3, "the disk never filled"
    assert "could not write" in caplog.text
    confirmed = indicator.shown.count("onset") + indicator.shown.count("worse")
    check = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert check.execute("SELECT count(*) FROM symptom_events").fetchone()[0] == confirmed  # every blink is on disk
    check.close()
    # space returns
    subprocess.run(["mount", "-o", "remount,size=8m", str(tiny_fs)], check=True)
    lg.on_edge(t + 5, True)
    lg.on_edge(t + 5.2, False)
    lg.advance(t + 6)
    assert indicator.shown[-1] in ("onset", "worse")
    lg.stop(t + 7)
    store.close()
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert rows(db, "SELECT count(*) FROM symptom_events WHERE kind IN ('onset', 'worse')")[0][0] == confirmed + 1
    assert rows(db, "SELECT end_reason FROM runs") == [("stopped",)]


def mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        if op < 0.4 and b:
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op < 0.7:
            b.insert(rng.randrange(len(b) + 1), rng.randrange(256))
        elif b:
            del b[rng.randrange(len(b))]
    return bytes(b)


def test_fuzz_100k_rsc_packets_through_decoder_and_logger(tmp_path, capsys):
    rng = random.Random(1)
    seeds = [
        encode_rsc_measurement(3.1, 171, stride_m=1.2, total_distance_m=1234.5),
        encode_rsc_measurement(0, 0),
        encode_rsc_measurement(2.0, 80, total_distance_m=9.9),
    ]
    store = Store(tmp_path / "fuzz.db")
    lg = RunRecorder(
        store=store,
        indicator=RecordingIndicator(),
        t0=0.0,
        started_at=datetime(2026, 11, 20, 7, tzinfo=UTC),
        clock_synced=True,
    )
    lg.start()
    accepted = rejected = 0
    for i in range(100_000):
        packet = (
            bytes(rng.randrange(256) for _ in range(rng.randint(0, 14))) if i % 2 else mutate(rng, rng.choice(seeds))
        )
        try:
            decode_rsc_measurement(packet)
            accepted += 1
        except RscDecodeError:
            rejected += 1
        t = i * 0.01
        lg.advance(t)
        lg.on_rsc(t, packet)  # must never raise
    lg.stop(100_000 * 0.01 + 1)
    store.close()
    db = tmp_path / "fuzz.db"
    samples = rows(db, "SELECT count(*) FROM footpod_samples")[0][0]
    assert rows(db, "SELECT count(*) FROM rejected_packets")[0][0] == rejected == lg.bad_packets
    assert samples <= accepted  # nothing from a rejected packet became a sample
    assert rows(db, "SELECT count(*) FROM footpod_samples WHERE speed_mps IS NULL OR cadence_spm IS NULL") == [(0,)]
    with capsys.disabled():
        print(
            f"\n  fuzz: 100000 packets, {accepted} decoded, {rejected} rejected with RscDecodeError, {samples} samples stored"
        )


def test_fuzz_10k_mutated_replay_lines(tmp_path, capsys):
    rng = random.Random(3)
    good = Story().connect().run(minutes=1).press().stand(seconds=30).hold().end().text().splitlines()[1:]
    bad = ok = 0
    for _ in range(10_000):
        line = rng.choice(good)
        chars = list(line)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(chars) + 1)
            if rng.random() < 0.5 and chars:
                del chars[min(pos, len(chars) - 1)]
            else:
                chars.insert(pos, rng.choice('{}[]":,0123456789.-eE tnrufalsbdowpc\\\x00é'))
        try:
            parse_line(7, "".join(chars), 0.0)
            ok += 1
        except ReplayFormatError as exc:
            assert str(exc).startswith("line 7: ")
            bad += 1
    # and whole files: a mutated line stops the replay, naming it; nothing after it is stored
    db = tmp_path / "f.db"
    for k in range(20):
        lines = Story(seed=k).connect().run(minutes=1).press().run(seconds=20).end().text().splitlines()
        victim = rng.randrange(2, len(lines))
        lines[victim] = lines[victim][: rng.randrange(len(lines[victim]))] + "\x00"
        path = tmp_path / f"m{k}.jsonl"
        path.write_text("\n".join(lines) + "\n")
        result = subprocess.run(
            [*FOOTNOTE, "replay", str(path), "--db", str(db)], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 2 and f"line {victim + 1}:" in result.stderr, result.stderr
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    with capsys.disabled():
        print(
            f"\n  fuzz: 10000 mutated replay lines: {bad} rejected with a line number, {ok} still valid; 20 broken files stopped at the right line"
        )


def test_dashboard_and_logger_write_the_same_database_at_once(fresh_demo_db, tmp_path):
    from footnote.server.dashboard.app import create_app
    from tests.helpers import LiveServer

    story = Story(seed=9, pod=Pod(rate_hz=4)).connect()
    for _ in range(120):
        story.run(minutes=2).press().run(seconds=30).press().stand(minutes=1).hold()
    path = story.end().write(tmp_path / "busy.jsonl")
    server = LiveServer(create_app(fresh_demo_db))
    errors: list[str] = []
    saved: list[tuple[int, int, str]] = []
    during_replay = [0, 0]  # saves that began and ended while the replay was writing, per worker
    replay = subprocess.Popen(
        [*FOOTNOTE, "replay", str(path), "--db", str(fresh_demo_db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def hammer(worker: int) -> None:
        c = httpx.Client(base_url=server.url, timeout=30)
        c.get("/")
        token = c.cookies["footnote_csrf"]
        for i in range(1, 26):
            run_id, episode = (1, 1 + i % 2) if worker == 0 else (2, 1 + i % 2)
            note = f"w{worker} note {i}"
            running_before = replay.poll() is None
            r = c.put(
                f"/api/runs/{run_id}/episodes/{episode}/annotation",
                json={"location": "calf", "note": note},
                headers={"X-CSRF-Token": token},
            )
            if running_before and replay.poll() is None:
                during_replay[worker] += 1
            if r.status_code != 200:
                errors.append(f"{r.status_code} {r.text[:200]}")
            else:
                saved.append((run_id, episode, note))
            for page in ("/", "/api/runs/3", "/api/summary"):
                r = c.get(page)
                if r.status_code != 200:
                    errors.append(f"{page}: {r.status_code} {r.text[:200]}")

    workers = [threading.Thread(target=hammer, args=(w,)) for w in range(2)]
    for w in workers:
        w.start()
    _, replay_err = replay.communicate(timeout=300)
    for w in workers:
        w.join(timeout=120)
    server.stop()
    assert replay.returncode == 0, replay_err
    assert "locked" not in replay_err and not errors, errors[:3]
    assert len(saved) == 50
    assert min(during_replay) >= 1, during_replay  # both workers wrote while the logger was writing
    last = {}
    for run_id, episode, note in saved:
        last[(run_id, episode)] = note
    for (run_id, episode), note in last.items():  # the last write of each is what is stored
        assert rows(
            fresh_demo_db, "SELECT note FROM annotations WHERE run_id = ? AND episode = ?", (run_id, episode)
        ) == [(note,)]

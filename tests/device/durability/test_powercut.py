"""The runner pulls the plug: footnote on an SD card whose power is cut (tests/powercut).

A Pi worn on the body is switched off by pulling its power, so a cut is the normal end
of a run. Each story runs the real commands on a card that keeps every write in memory
until it is fsync'd (and every new or renamed name until its folder is), cuts the power
at a chosen sync or moment, and looks at what the card holds when the power comes back:
a database footnote accepts, every run a replay reported, every press the runner felt,
the footpod samples but the last 5 s, every save the dashboard answered 200 to.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from unittest.mock import patch

import httpx
import pytest

from footnote.device.db import schema
from footnote.device.db.store import Store
from footnote.device.durability.integrity import examine
from footnote.device.errors import FootnoteError
from footnote.device.logger.replay import replay_file
from footnote.device.logger.story import Story
from tests.helpers import FOOTNOTE, csrf, free_port, rows
from tests.powercut import PowerCutCard
from tests.story_week import story_files

pytestmark = pytest.mark.slow  # every story mounts a card and runs real processes on it


def footnote_env(card: PowerCutCard, tmp_path: Path) -> dict[str, str]:
    """The environment of a footnote process on the card: mock pins, no config, and the
    per-user data folder (the journal's fallback) on the card too, so nothing escapes the cut."""
    return {
        **os.environ,
        "GPIOZERO_PIN_FACTORY": "mock",
        "XDG_DATA_HOME": str(card.path / "data"),
        "FOOTNOTE_CONFIG": str(tmp_path / "no-config.toml"),
    }


REFUSED = ("foreign", "damaged", "not_sqlite")  # examine's verdicts on which the logger stops using the file


def accepted(db: Path) -> sqlite3.Connection:
    """The database as the logger finds it at the next start: examined, opened, migrated.
    Fails the test if footnote would refuse it (set it aside as damaged, or journal
    forever beside "another program's" database). A hot rollback journal (a cut during
    SQLite's switch to WAL) makes the read-only examination "unreadable"; the logger then
    opens the file, which rolls it back, so that is accepted."""
    health = examine(db)
    assert health.state not in REFUSED, f"footnote refuses the card's database: {health.state}: {health.detail}"
    try:
        store = Store(db)
    except (FootnoteError, sqlite3.Error) as exc:
        raise AssertionError(f"footnote cannot open the card's database ({health.state}): {exc}") from None
    assert {name for (name,) in store.conn.execute("SELECT name FROM _migrations")} == {
        name for name, _ in schema.MIGRATIONS
    }
    assert store.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    return store.conn


def run_shapes(db: Path) -> dict[int, tuple]:
    """Per run: its source, whether it is closed, its events and its sample count."""
    found = {}
    for run_id, source, ended in rows(db, "SELECT id, source, ended_t_s IS NOT NULL FROM runs"):
        events = tuple(
            rows(db, "SELECT kind, round(t_s, 3) FROM symptom_events WHERE run_id = ? ORDER BY id", (run_id,))
        )
        samples = rows(db, "SELECT count(*) FROM footpod_samples WHERE run_id = ?", (run_id,))[0][0]
        found[run_id] = (source, bool(ended), events, samples)
    return found


def reported_runs(stdout: str) -> list[tuple[int, str]]:
    """(run id, file) of every "run N from FILE" line `footnote replay` printed."""
    return [
        (int(line.split()[1]), line.split(" from ", 1)[1]) for line in stdout.splitlines() if line.startswith("run ")
    ]


def acknowledged_events(stdout: str) -> list[int]:
    """The event ids whose feedback `footnote replay --echo-feedback` printed."""
    return [int(line.split("event=")[1]) for line in stdout.splitlines() if line.startswith("feedback ")]


def replay_on_the_card(card: PowerCutCard, files: list[Path], tmp_path: Path) -> str:
    """`footnote replay FILES --echo-feedback` on the card, to its end or its cut; its stdout."""
    cuts_before = card.cuts
    proc = card.spawn(
        [*FOOTNOTE, "replay", *map(str, files), "--db", str(card.path / "footnote.db"), "--echo-feedback"],
        env=footnote_env(card, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = card.finish(proc)
    assert proc.returncode == 0 or card.cuts > cuts_before, err  # only the cut may stop it
    return out


def empty_card(card: PowerCutCard) -> None:
    shutil.rmtree(card.disk)
    card.disk.mkdir()


# -- a database footnote began is footnote's ------------------------------------------------------


def test_a_database_cut_at_every_step_of_its_creation_is_accepted_and_completed(power_cut_card, tmp_path, capsys):
    """The very first start on a new card: `footnote replay` creates the database, applies
    every migration and stores a run. The power goes at each of its syncs in turn; each
    time the next start accepts the card's file (never "a database of another program"),
    completes it, and the run is there if the replay had said so."""
    card = power_cut_card
    story = Story(seed=5).connect().run(minutes=1).press().run(seconds=30).hold().end().write(tmp_path / "first.jsonl")
    card.mount()
    replay_on_the_card(card, [story], tmp_path)
    steps = card.syncs()
    card.pull_the_plug()
    refused = []
    for n in range(1, steps + 1):
        empty_card(card)
        card.mount(cut_at_sync=n)
        out = replay_on_the_card(card, [story], tmp_path)
        card.pull_the_plug()
        copy = card.copy_of_disk(tmp_path / "after") / "footnote.db"
        try:
            accepted(copy).close()
        except AssertionError as exc:
            refused.append(f"cut at sync {n}: {exc}")
            continue
        for run_id, _ in reported_runs(out):
            _, closed, events, _ = run_shapes(copy)[run_id]
            assert closed and [kind for kind, _ in events] == ["onset", "relief"], f"cut at sync {n}"
    with capsys.disabled():
        print(f"\n  creation: {steps} cuts, one at each sync; {len(refused)} left a database footnote refuses")
    assert not refused, "\n".join(refused)


def old_database(path: Path, tmp_path: Path) -> Path:
    """A database from before every migration but the first, holding one run."""
    story = Story(seed=6, started_at="2026-10-01T07:00:00Z").connect().run(minutes=2).press().run(minutes=1).end()
    with patch.object(schema, "MIGRATIONS", schema.MIGRATIONS[:1]), Store(path) as store:
        replay_file(story.write(tmp_path / "old.jsonl"), store=store)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def test_a_database_cut_at_every_step_of_its_upgrade_keeps_its_runs_and_is_accepted(power_cut_card, tmp_path, capsys):
    """A card from an older footnote: the next replay upgrades the database first. Cut at
    each of its syncs, the file is footnote's afterwards, upgraded by the next start, with
    the old run whole."""
    card = power_cut_card
    old = old_database(tmp_path / "old.db", tmp_path)
    before = run_shapes(old)
    story = Story(seed=7).connect().run(minutes=1).press().end().write(tmp_path / "new.jsonl")

    def old_card() -> None:
        empty_card(card)
        shutil.copy(old, card.disk / "footnote.db")

    old_card()
    card.mount()
    replay_on_the_card(card, [story], tmp_path)
    steps = card.syncs()
    card.pull_the_plug()
    refused = []
    for n in range(1, steps + 1):
        old_card()
        card.mount(cut_at_sync=n)
        replay_on_the_card(card, [story], tmp_path)
        card.pull_the_plug()
        copy = card.copy_of_disk(tmp_path / "after") / "footnote.db"
        try:
            accepted(copy).close()
        except AssertionError as exc:
            refused.append(f"cut at sync {n}: {exc}")
            continue
        assert run_shapes(copy)[1] == before[1], f"cut at sync {n}: the old run changed"
    with capsys.disabled():
        print(f"\n  upgrade: {steps} cuts, one at each sync; {len(refused)} left a database footnote refuses")
    assert not refused, "\n".join(refused)


# -- replays ------------------------------------------------------------------------------------


def test_replays_cut_at_many_points_keep_every_run_they_reported(power_cut_card, tmp_path, capsys):
    """Three demo sessions replayed again and again into one database on the card, the
    power cut at a different sync each time. After every cut the database is footnote's,
    every run any replay reported is there whole (as a replay off the card stores it), and
    every event whose feedback was echoed is there."""
    card = power_cut_card
    files = story_files()[:3]
    reference = {}
    for path in files:
        with Store(tmp_path / f"ref-{path.name}.db") as store:
            replay_file(path, store=store)
        ((source, closed, events, samples),) = run_shapes(tmp_path / f"ref-{path.name}.db").values()
        reference[str(path)] = (source, closed, events, samples)
    card.mount()
    replay_on_the_card(card, files, tmp_path)
    steps = card.syncs()
    card.pull_the_plug()
    empty_card(card)
    reported: list[tuple[int, str]] = []
    events: list[int] = []
    points = sorted(random.Random(19).sample(range(1, steps + 1), 14))
    for n in points:
        card.mount(cut_at_sync=n)
        out = replay_on_the_card(card, files, tmp_path)
        card.pull_the_plug()
        reported += reported_runs(out)
        events += acknowledged_events(out)
        copy = card.copy_of_disk(tmp_path / "after") / "footnote.db"
        accepted(copy).close()
        stored = run_shapes(copy)
        for run_id, path in reported:
            assert stored.get(run_id) == reference[path], f"cut at sync {n}: run {run_id} ({Path(path).name})"
        stored_events = {e for (e,) in rows(copy, "SELECT id FROM symptom_events")}
        assert set(events) <= stored_events, f"cut at sync {n}: events {sorted(set(events) - stored_events)} lost"
    with capsys.disabled():
        print(
            f"\n  replays: {len(points)} cuts (syncs {points[0]}..{points[-1]} of {steps}),"
            f" {len(reported)} runs and {len(events)} events reported, 0 lost"
        )


# -- the live logger ----------------------------------------------------------------------------

# One start of the logger as on the Pi (run_logger, gpiozero mock pins, the LED), with a
# footpod streaming 4 notifications a second and the runner pressing (onset, worse, then a
# hold for relief) until the power goes. It says "run ID" once the button is live, "pod T"
# (the run's t_s) for each notification handed to the logger, and "feedback KIND" the
# moment the LED starts a pattern: what the runner was told.
LIVE_SESSION = """
import asyncio, itertools, sys
from gpiozero.pins.mock import MockFactory
from footnote.device.parts import feedback
from footnote.device.config import parse_config
from footnote.device.live import run_logger
from footnote.device.rules.rsc import encode_rsc_measurement

PACKET = encode_rsc_measurement(3.0, 170, stride_m=1.1)
shown = []
led_show = feedback.PinIndicator.show

def show(self, kind, *, event_id=None):
    led_show(self, kind, event_id=event_id)
    shown.append(kind)
    print("feedback", kind, flush=True)

feedback.PinIndicator.show = show

async def main():
    factory = MockFactory()
    ready = {}

    async def pod(inputs):
        while True:
            t = inputs.clock()
            inputs.rsc(t, PACKET)
            print("pod", repr(t - ready["t0"]), flush=True)
            await asyncio.sleep(0.25)

    def on_ready(inputs, recorder):
        ready.update(t0=recorder.t0)
        print("run", recorder.run_id, flush=True)

    task = asyncio.create_task(
        run_logger(parse_config({}), db_path=sys.argv[1], pin_factory=factory, footpod=pod, on_ready=on_ready)
    )
    while "t0" not in ready:
        await asyncio.sleep(0.01)
    button = factory.pin(17)
    for n, gesture in enumerate(itertools.cycle(["press", "press", "hold"])):
        # the runner's pace: a moment between gestures, 8 s of plain running after a relief
        await asyncio.sleep(8.0 if n and gesture == "press" and n % 3 == 0 else 0.6)
        before = len(shown)
        button.drive_low()
        await asyncio.sleep(0.2 if gesture == "press" else 1.7)
        button.drive_high()
        for _ in range(1000):  # 10 s at most
            if len(shown) > before:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(1.0)  # the pattern plays out
    await task

asyncio.run(main())
"""

TOLD = ("onset", "worse", "relief", "journaled")  # feedback that says "recorded"
SLACK_S = 0.5  # the logger's loop and a sync on the card, on top of JOURNAL_SYNC_S


class Said:
    """What a process prints, line by line, read as it goes (a thread), so the test can
    note what had been said at the moment it cut the power."""

    def __init__(self, stream) -> None:
        import threading

        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, start: str, timeout_s: float, card: PowerCutCard | None = None) -> str | None:
        """The first line starting with `start`; None if the card was cut first."""
        deadline = time.monotonic() + timeout_s
        while True:
            for line in list(self.lines):
                if line.startswith(start):
                    return line
            if card is not None and card.cut_came():
                return None
            assert time.monotonic() < deadline, f"never said {start!r}; said: {self.lines[-5:]}"
            time.sleep(0.01)

    def rest(self) -> list[str]:
        """Everything, once the process is dead."""
        self._thread.join(timeout=30)
        return self.lines


def start_and_stop_the_logger(card: PowerCutCard, tmp_path: Path) -> None:
    """The Pi starts again: `footnote log` takes up what the cut left, is ready, and is
    stopped cleanly."""
    proc = card.spawn(
        [*FOOTNOTE, "log", "--no-footpod", "--db", str(card.path / "footnote.db")],
        env=footnote_env(card, tmp_path),
        stderr=subprocess.PIPE,
        text=True,
    )
    said = Said(proc.stderr)
    deadline = time.monotonic() + 60
    while not any("logger ready" in line for line in list(said.lines)):
        assert proc.poll() is None and time.monotonic() < deadline, f"the logger did not start: {said.lines[-5:]}"
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert proc.returncode == 0, said.rest()[-5:]


# (cut after SECONDS of running) or (cut at the logger's N-th sync, during its start)
SESSIONS = [("s", 7.3), ("s", 14.2), ("sync", 3), ("s", 6.4), ("sync", 9), ("s", 12.9)]


def test_the_live_logger_cut_and_restarted_keeps_every_press_it_confirmed(power_cut_card, tmp_path, capsys):
    """Six starts of the logger on one card, each ended by a cut: four while the runner
    runs and presses (6-14 s in: during the gestures, and 5-7 s into a stretch of plain
    running, when only the journal guards the samples), two during the start itself
    (catching up on the run before). Then the Pi starts again and stops cleanly. Every press whose feedback the
    runner saw is stored, every run's footpod samples are there but at most the last
    JOURNAL_SYNC_S before the cut, none twice, and every run is closed."""
    from footnote.device.logger.recorder import JOURNAL_SYNC_S

    card = power_cut_card
    db = card.path / "footnote.db"
    runs: list[tuple[int, list[str], list[float]]] = []  # run id, feedback told, samples handed over before the cut
    for kind, value in SESSIONS:
        card.mount(cut_at_sync=int(value) if kind == "sync" else None)
        proc = card.spawn(
            [sys.executable, "-c", LIVE_SESSION, str(db)],
            env=footnote_env(card, tmp_path),
            stdout=subprocess.PIPE,
            text=True,
        )
        said = Said(proc.stdout)
        line = said.wait_for("run ", 60, card if kind == "sync" else None)
        if kind == "s":
            time.sleep(value)  # the runner runs on: the cut comes this long after the start
        else:
            card.wait_for_cut(timeout_s=60)
        before_cut = list(said.lines)
        card.pull_the_plug()
        lines = said.rest()
        if line is None:
            continue  # cut before the run was opened
        told = [w.split()[1] for w in lines if w.startswith("feedback ") and w.split()[1] in TOLD]
        pods = [float(w.split()[1]) for w in before_cut if w.startswith("pod ")]
        runs.append((int(line.split()[1]), told, pods))
    card.mount()
    start_and_stop_the_logger(card, tmp_path)
    card.pull_the_plug()

    copy = card.copy_of_disk(tmp_path / "after") / "footnote.db"
    accepted(copy).close()
    lost_s, told_count = [], 0
    for run_id, told, pods in runs:
        kinds = [
            k
            for (k,) in rows(
                copy,
                "SELECT kind FROM symptom_events WHERE run_id = ? AND kind != 'unresolved_at_run_end' ORDER BY t_s, id",
                (run_id,),
            )
        ]
        assert kinds[: len(told)] == told, f"run {run_id}: told {told}, stored {kinds}"
        told_count += len(told)
        stored = [t for (t,) in rows(copy, "SELECT t_s FROM footpod_samples WHERE run_id = ? ORDER BY t_s", (run_id,))]
        assert len(stored) == len({round(t, 6) for t in stored}), f"run {run_id}: a sample stored twice"
        if pods:
            must_have = {round(t, 6) for t in pods if t <= pods[-1] - JOURNAL_SYNC_S - SLACK_S}
            assert must_have <= {round(t, 6) for t in stored}, f"run {run_id}: samples lost before the last 5 s"
            lost_s.append(max(0.0, pods[-1] - (stored[-1] if stored else 0.0)))
        (closed,) = rows(copy, "SELECT end_reason FROM runs WHERE id = ?", (run_id,))
        assert closed == ("interrupted",), f"run {run_id} was not closed at the restart"
    assert max(lost_s) <= JOURNAL_SYNC_S + SLACK_S
    # Journals retired by that start come back if their unlink was not followed by a
    # folder fsync before the cut; the next start replays them again and adds nothing.
    leftovers = len(list((tmp_path / "after").rglob("footnote.journal-*")))
    card.mount()
    start_and_stop_the_logger(card, tmp_path)
    card.pull_the_plug()
    again = card.copy_of_disk(tmp_path / "again") / "footnote.db"
    last_run = rows(copy, "SELECT max(id) FROM runs")[0]  # the second start adds a run of its own
    for sql in (  # (an interrupted run's end is derived again, under a new id)
        "SELECT id, ended_t_s, end_reason FROM runs WHERE id <= ? ORDER BY id",
        "SELECT run_id, t_s, kind, episode, severity FROM symptom_events WHERE run_id <= ? ORDER BY run_id, t_s, kind",
        "SELECT run_id, t_s, raw FROM footpod_samples WHERE run_id <= ? ORDER BY run_id, t_s",
    ):
        assert rows(again, sql, last_run) == rows(copy, sql, last_run), sql
    with capsys.disabled():
        print(
            f"\n  live logger: {len(SESSIONS)} cuts, {len(runs)} runs, {told_count} presses confirmed, 0 lost;"
            f" footpod samples lost at the cut: at most {max(lost_s):.2f} s (promised {JOURNAL_SYNC_S:.0f} s);"
            f" {leftovers} retired journal files back after the cut, replayed again: nothing added"
        )


# The journal by itself: the logger's context journal with 10 s of footpod lines, synced
# once (as the logger does every 5 s), and no database opened beside it.
JOURNAL_ALONE = """
import sys
from datetime import UTC, datetime
from footnote.device.durability.journal import Journal
from footnote.device.logger.recorder import RecorderSettings
from footnote.device.rules.rsc import encode_rsc_measurement

journal = Journal(sys.argv[1], started_at=datetime.now(UTC), clock_synced=True, settings=RecorderSettings(source="live"))
packet = encode_rsc_measurement(3.0, 170, stride_m=1.1)
for i in range(40):
    journal.rsc(i * 0.25, packet)
journal.sync()
print("synced", flush=True)
sys.stdin.readline()
"""


def test_the_journal_keeps_what_it_synced_without_help_from_the_database(power_cut_card, tmp_path, capsys):
    """The journal guards the samples the database has not committed yet, so its own sync
    must make them durable: its file is new, and a new name needs its folder's fsync. (In
    the logger SQLite's first WAL sync happens to fsync that folder too; this does not
    lean on it.) After the cut the next start replays the journal: all 40 samples."""
    card = power_cut_card
    card.mount()
    proc = card.spawn(
        [sys.executable, "-c", JOURNAL_ALONE, str(card.path / "footnote.db")],
        env=footnote_env(card, tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    Said(proc.stdout).wait_for("synced", 60)
    card.pull_the_plug()
    on_card = [p.name for p in card.disk.glob("footnote.journal-*")]
    card.mount()
    start_and_stop_the_logger(card, tmp_path)
    card.pull_the_plug()
    copy = card.copy_of_disk(tmp_path / "after") / "footnote.db"
    samples = rows(copy, "SELECT count(*) FROM footpod_samples")[0][0]
    with capsys.disabled():
        print(
            f"\n  journal alone: 40 samples synced, cut; on the card: {on_card}; replayed at the next start: {samples}"
        )
    assert samples == 40


# -- dashboard saves --------------------------------------------------------------------------------

QUESTIONNAIRE = {"pain_when_walking": "yes", "begins_at_rest": "no", "when_standing_still": "gone_within_10_min"}

# what the runner saves: (what, the request, how the card shows it was kept)
SAVES = {
    "an episode's notes": (
        "/api/runs/2/episodes/1/annotation",
        lambda tag: {"location": "calf", "note": tag},
        lambda db, tag: rows(db, "SELECT note FROM annotations WHERE run_id = 2 AND episode = 1") == [(tag,)],
    ),
    "a run's setup": (
        "/api/runs/5/setup",
        lambda tag: {"shoes": tag, "lacing": "skip 2nd eyelet"},
        lambda db, tag: rows(db, "SELECT shoes FROM run_setups WHERE run_id = 5") == [(tag,)],
    ),
    "a questionnaire answer": (
        "/api/questionnaire",
        lambda tag: QUESTIONNAIRE,
        lambda db, tag: rows(db, "SELECT count(*) FROM claudication_answers WHERE answered_at > ?", (tag,))[0][0] == 1,
    ),
}


def serve_with_the_logger_running(card: PowerCutCard, tmp_path: Path) -> str:
    """`footnote log` and `footnote serve` on the card's database, as on the Pi; the
    dashboard's address once both are up."""
    db, env = card.path / "footnote.db", footnote_env(card, tmp_path)
    port = free_port()
    logger = card.spawn([*FOOTNOTE, "log", "--no-footpod", "--db", str(db)], env=env, stderr=subprocess.PIPE, text=True)
    card.spawn([*FOOTNOTE, "serve", "--db", str(db), "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
    said = Said(logger.stderr)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline, f"the logger or the dashboard did not start: {said.lines[-5:]}"
        if any("logger ready" in line for line in list(said.lines)):
            try:
                if httpx.get(url + "/api/runs", timeout=5).status_code == 200:
                    return url
            except httpx.TransportError:
                pass
        time.sleep(0.05)


@pytest.mark.parametrize("delay_s", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("what", list(SAVES))
def test_a_dashboard_save_survives_a_cut_right_after_its_answer(power_cut_card, fresh_demo_db, tmp_path, what, delay_s):
    """The runner saves on the dashboard while the logger runs on the same database (it
    always does on the Pi), gets the 200, and pulls the plug `delay_s` later: the save is
    on the card."""
    from datetime import UTC, datetime

    card = power_cut_card
    shutil.copy(fresh_demo_db, card.disk / "footnote.db")
    card.mount()
    url = serve_with_the_logger_running(card, tmp_path)
    path, body, kept = SAVES[what]
    tag = datetime.now(UTC).isoformat()
    with httpx.Client(base_url=url, timeout=30) as c:
        c.get("/")  # the CSRF cookie, as a browser gets it
        answer = c.put(path, json=body(tag), headers=csrf(c))
    assert answer.status_code == 200, answer.text
    time.sleep(delay_s)  # the runner puts the phone away; then the power goes
    card.pull_the_plug()
    copy = card.copy_of_disk(tmp_path / "after") / "footnote.db"
    accepted(copy).close()
    assert kept(copy, tag), f"{what} answered 200, then was lost in a cut {delay_s} s later"

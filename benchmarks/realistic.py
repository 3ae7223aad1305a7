"""Realistic runs for the benchmarks, as runners record them: 35-55 minutes at 1-4
notifications/s (a warm-up walk, running at varying pace, traffic-light stops, now and
then a footpod gap, numbness in most runs with a stop until it clears, a cool-down
walk), and 3-hour runs at 4/s.

Every run goes through the real path (Story -> record file -> replay -> RunRecorder ->
Store). The 1,000-run database replays TEMPLATES distinct runs and copies their rows
(with their own dates) to reach 1,000 runs: replaying 750 hours would take minutes on
every benchmark run. The databases are built once and kept in CACHE_DIR
(~/.cache/footnote-benchmarks, or $FOOTNOTE_BENCH_DATA), named after GENERATOR_VERSION;
a benchmark works on a copy, so the dashboard's own files start fresh.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from footnote.device.db.store import Store
from footnote.device.logger.replay import replay_file
from footnote.device.logger.story import Pod, Story

GENERATOR_VERSION = 1
CACHE_DIR = Path(os.environ.get("FOOTNOTE_BENCH_DATA", Path.home() / ".cache" / "footnote-benchmarks"))
TEMPLATES = 24
FIRST_DAY = datetime(2023, 3, 1, 6, 30, tzinfo=UTC)


def realistic_story(seed: int, started_at: datetime, *, numbness: bool | None = None) -> Story:
    """One 35-55 minute run at 1-4 notifications/s; `numbness` forces an episode (True) or
    none (False); None lets the seed decide (about three runs in four)."""
    rng = random.Random(seed)
    rate = rng.choice((1.0, 2.0, 3.0, 4.0))
    pod = Pod(rate_hz=rate, when_still=rng.choice(("zeros", "repeat", "silent")))
    story = Story(started_at=started_at.isoformat().replace("+00:00", "Z"), pod=pod, seed=seed).connect()
    total_min = rng.uniform(35, 55)
    story.walk(minutes=rng.uniform(1.5, 3.0))
    numb = numbness if numbness is not None else rng.random() < 0.75
    onset_min = rng.uniform(14, 26)
    episode_done = not numb
    while story.t / 60 < total_min - 3:
        left = total_min - 3 - story.t / 60
        story.run(
            minutes=min(rng.uniform(3, 8), left), speed_mps=rng.uniform(2.6, 3.6), cadence_spm=rng.uniform(160, 182)
        )
        if not episode_done and story.t / 60 >= onset_min:
            story.press().run(minutes=rng.uniform(0.5, 3), speed_mps=rng.uniform(2.5, 3.2))
            if rng.random() < 0.4:
                story.press()  # it got worse
            story.run(minutes=rng.uniform(0.2, 1.0)).stand(minutes=rng.uniform(1.5, 5)).hold()
            episode_done = True
        elif rng.random() < 0.2:
            story.stand(seconds=rng.uniform(20, 70))  # traffic lights
        elif rng.random() < 0.08:
            story.gap(seconds=rng.uniform(10, 40), speed_mps=3.0, cadence_spm=170)
    story.walk(minutes=rng.uniform(2, 3))
    return story.end()


def three_hour_story(seed: int = 7, started_at: datetime = FIRST_DAY) -> Story:
    """A 3-hour run at 4 notifications/s: six stretches, each with numbness that clears
    after a stop, a traffic-light stop and, twice, a footpod gap."""
    rng = random.Random(seed)
    story = Story(started_at=started_at.isoformat().replace("+00:00", "Z"), pod=Pod(rate_hz=4.0), seed=seed)
    story.connect().walk(minutes=3)
    for i in range(6):
        story.run(minutes=rng.uniform(10, 14), speed_mps=rng.uniform(2.7, 3.4))
        story.stand(seconds=rng.uniform(30, 60)).run(minutes=rng.uniform(4, 6))
        story.press().run(minutes=2).stand(minutes=rng.uniform(2, 4)).hold()
        if i % 3 == 1:
            story.gap(seconds=30, speed_mps=3.0, cadence_spm=170)
        story.run(minutes=rng.uniform(3, 5))
    story.walk(minutes=3)
    return story.end()


def _cached(name: str, build: Callable[[Path, Path], None]) -> Path:
    path = CACHE_DIR / f"{name}-g{GENERATOR_VERSION}.db"
    if path.exists():
        return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE_DIR) as tmp:
        db = Path(tmp) / "build.db"
        build(db, Path(tmp))
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        os.replace(db, path)
    return path


def _replay(db: Path, folder: Path, stories: list[Story]) -> None:
    with Store(db, fsync_samples=False) as store:
        for story in stories:
            replay_file(story.write(folder / "one.jsonl"), store=store)


def _clone_runs(db: Path, total: int) -> None:
    """Copy the replayed runs (rows and all) until there are `total`, one a day or so."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous=OFF")  # a benchmark fixture, built once
    templates = [r[0] for r in conn.execute("SELECT id FROM runs ORDER BY id")]
    cols = (
        "utc_offset_s, clock_synced, ended_t_s, end_reason, source, device, footpod_address, footpod_name,"
        " footpod_feature, footpod_location, cadence_convention"
    )
    sample_cols = "t_s, raw, speed_mps, cadence_raw, cadence_spm, stride_m, pod_distance_m, distance_m, running"
    with conn:
        for k in range(len(templates), total):
            src = templates[k % len(templates)]
            start = _day(k).astimezone()
            new_id = conn.execute(
                f"INSERT INTO runs (started_at, {cols}) SELECT ?, {cols} FROM runs WHERE id = ?",
                (start.isoformat(timespec="milliseconds"), src),
            ).lastrowid
            conn.execute(
                f"INSERT INTO footpod_samples (run_id, {sample_cols}) SELECT ?, {sample_cols}"
                " FROM footpod_samples WHERE run_id = ? ORDER BY id",
                (new_id, src),
            )
            for table, c in (
                ("symptom_events", "t_s, kind, episode, severity"),
                ("link_events", "t_s, state, address"),
            ):
                conn.execute(
                    f"INSERT INTO {table} (run_id, {c}) SELECT ?, {c} FROM {table} WHERE run_id = ? ORDER BY id",
                    (new_id, src),
                )
    conn.close()


def _day(k: int) -> datetime:
    """Run k's start: roughly one run a day, mornings and evenings."""
    return FIRST_DAY + timedelta(days=k * 1.1, hours=(k % 3) * 5)


def thousand_runs() -> Path:
    """1,000 realistic runs (TEMPLATES replayed, the rest copies of them)."""

    def build(db: Path, folder: Path) -> None:
        _replay(db, folder, [realistic_story(seed, _day(seed)) for seed in range(TEMPLATES)])
        _clone_runs(db, 1000)

    return _cached("thousand", build)


def hundred_numb_runs() -> Path:
    """100 realistic runs, every one with numbness, all replayed."""
    return _cached(
        "hundred-numb",
        lambda db, folder: _replay(
            db, folder, [realistic_story(seed, _day(seed), numbness=True) for seed in range(100)]
        ),
    )


def three_hour_run() -> Path:
    return _cached("three-hour", lambda db, folder: _replay(db, folder, [three_hour_story()]))


def working_copy(db: Path, folder: Path) -> Path:
    """A copy of a cached database to work on (the dashboard keeps its files beside it)."""
    out = folder / db.name
    shutil.copyfile(db, out)
    return out

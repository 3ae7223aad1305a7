"""The story week: five synthetic runs written as stories, the runs most tests assert their
numbers on (the dashboard, the exports, the analysis across runs, the replay and power-cut
tests). They were footnote's demo before the demo was made from real recordings
(footnote.device.demo); kept here unchanged, so every figure a test states (2.13 km to
first numbness, 24.23 km in all, 6 episodes that resolve at rest) still holds.

- three runs where calf numbness starts at a similar distance and clears a few minutes
  after each stop (the "resolves at rest" pattern);
- a run where foot numbness builds up with "worse" presses, a 2-minute stop at a traffic
  light does not clear it, and it is still there at the end (the "worsening" pattern;
  its Pi clock was not synchronised);
- a run without numbness.

The files in tests/story_week/ are generated from the stories below
(`python -m tests.story_week`; a test checks they are in step).
"""

from __future__ import annotations

from pathlib import Path

from footnote.device.logger.story import Pod, Story

FOLDER = Path(__file__).parent / "story_week"


def _resolving(day: str, onset_min: float, seed: int) -> Story:
    s = Story(started_at=f"2026-11-{day}T06:30:00Z", seed=seed).connect()
    s.walk(minutes=2).run(minutes=onset_min)
    s.press()  # calf numbness starts
    s.run(minutes=1.5).stand(minutes=2 + seed % 3 * 0.5).hold()  # gone a few minutes after stopping
    s.walk(minutes=1).run(minutes=onset_min * 0.8)
    s.press()
    s.run(minutes=1).stand(minutes=3).hold()
    s.walk(minutes=5).stand(minutes=1)
    return s.end()


def _worsening() -> Story:
    s = Story(started_at="2026-11-19T17:45:00Z", clock_synced=False, pod=Pod(strides_per_min=True), seed=7).connect()
    s.run(minutes=8).press()  # top of the foot goes numb
    s.run(minutes=6).press()  # worse
    s.run(minutes=3).stand(minutes=2.5)  # traffic light: does not clear it
    s.run(minutes=5).press()  # worse again
    s.run(minutes=6).walk(minutes=3).stand(minutes=1)
    return s.end()  # still numb when the run ends


def _no_numbness() -> Story:
    s = Story(started_at="2026-11-21T07:10:00Z", seed=11).connect()
    s.walk(minutes=3).run(minutes=25).walk(minutes=4).stand(minutes=1)
    return s.end()


STORIES = {
    "2026-11-09-calf-clears-at-rest.jsonl": lambda: _resolving("09", 11.0, 1),
    "2026-11-12-calf-clears-at-rest.jsonl": lambda: _resolving("12", 10.0, 2),
    "2026-11-16-calf-clears-at-rest.jsonl": lambda: _resolving("16", 12.0, 3),
    "2026-11-19-foot-builds-up.jsonl": _worsening,
    "2026-11-21-no-numbness.jsonl": _no_numbness,
}

# Where the story week's runner said it was felt, as entered in the dashboard.
ANNOTATIONS = {
    # (What was worn is a run's setup, entered on the run: the story week has none, so the
    # tests of the shoe and lacing comparison start from an empty one.)
    "calf-clears-at-rest": {"location": "calf", "side": "left"},
    "foot-builds-up": {"location": "top_of_foot", "side": "right", "note": "Laces felt tight from the start."},
}


def story_files() -> list[Path]:
    """The story week's record files, in name (and day) order."""
    return sorted(FOLDER.glob("*.jsonl"))


def build_story_week_db(db_path: str | Path) -> str:
    """Replay the story week into a fresh database at db_path, add its runner's annotations,
    and return a line per run of what was stored."""
    from footnote.device.db.reader import events_of
    from footnote.device.db.store import Store
    from footnote.device.logger.replay import replay_file

    db_path = Path(db_path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    lines = []
    with Store(db_path, fsync_samples=False) as store:
        for path in story_files():
            for run_id in replay_file(path, store=store):
                kinds = ", ".join(kind for _, kind, _, _ in events_of(store.conn, run_id)) or "no numbness marked"
                lines.append(f"run {run_id} from {path.name}: {kinds}")
                _annotate(store.conn, run_id, path.name)
    return "\n".join(lines)


def _annotate(conn, run_id: int, file_name: str) -> None:
    from footnote.device.db.dashboard_writes import put_annotation
    from footnote.device.db.reader import events_of
    from footnote.device.db.rows import Annotation

    for key, values in ANNOTATIONS.items():
        if key in file_name:
            episodes = sorted({episode for _, _, episode, _ in events_of(conn, run_id) if episode is not None})
            with conn:
                for episode in episodes:
                    put_annotation(conn, run_id, episode, Annotation(**values))


if __name__ == "__main__":
    for name, story in STORIES.items():
        story().write(FOLDER / name)

"""The demo: five real runs recorded by real watches and foot pods, with a runner's presses
placed where the demo's story needs them, so the charts show what real pods send.

The recordings are the real runs of tests/data/ (see its README: converted from other
projects' test files, MIT and BSD-2-Clause; the notices travel with the demo files, in
device/demo_runs/NOTICE.md). Each bundled file in device/demo_runs/ is its recording line
for line (one footpod packet per record, at the record's own time, gaps and stops kept),
with three changes: the header's start is the demo's day, the footpod is named after the
watch or pod that recorded it, and the runner's button edges are merged in at the times
below. `python -m footnote.device.demo tests/data` writes them again; a test checks
they are in step.

The presses sit inside the recordings' own standstills and moving stretches as the ground
truth (tests/data/ground_truth.json) gives them, well clear of their edges, so the story
does not hang on how the movement rules read a standstill's first or last seconds:

- two runs in new racing flats laced tight over every eyelet: numbness on the top of the
  foot that gets worse as the run goes on and is still there at its end (walking breaks
  do not clear it): the "worsening" pattern;
- a run in the same flats with the 2nd eyelet skipped: no numbness;
- two runs in daily trainers: calf numbness that clears two or three minutes after the
  runner stops: the "resolves at rest" pattern. The latest run is one of these.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from footnote.device.errors import NotADemoDatabase, UnusableFile
from footnote.device.paths import demo_sessions, open_regular

# What marks a database as the demo's own (SQLite's application_id, in the file's header,
# "FNdm"): `footnote demo` replaces only a database carrying it, or makes a new one.
DEMO_APPLICATION_ID = 0x464E646D
_SQLITE_MAGIC = b"SQLite format 3\x00"

HOLD_HELD_S = 2.0  # a hold held past the logger's default hold time (1.5 s): numbness gone
PRESS_HELD_S = 0.3


@dataclass(frozen=True)
class DemoRun:
    """One demo run: which recording, when, and what the runner pressed and noted."""

    file: str  # the bundled file in device/demo_runs/
    recording: str  # the real run it is made from (tests/data/<recording>.jsonl)
    started_at: str
    pod: str  # the footpod's name as the dashboard shows it
    presses: tuple[tuple[float, str], ...]  # (seconds into the recording, "press" or "hold")
    setup: dict[str, str]  # what the runner wore (the run's setup)
    annotation: dict[str, Any] = field(default_factory=dict)  # where it was felt (every episode)
    clock_synced: bool = True
    story: str = ""


FLATS_TIGHT = {"shoes": "New racing flats", "lacing": "Tight, all eyelets", "orthotics": "none"}
FLATS_SKIPPED = {"shoes": "New racing flats", "lacing": "Skip the 2nd eyelet", "orthotics": "none"}
TRAINERS = {"shoes": "Daily trainers", "lacing": "Standard", "orthotics": "none"}
TOP_OF_FOOT = {"location": "top_of_foot", "side": "right"}
CALF = {"location": "calf", "side": "left"}

DEMO_RUNS: tuple[DemoRun, ...] = (
    DemoRun(
        file="2026-11-07-foot-builds-up.jsonl",
        recording="fenix2_walk_breaks",
        started_at="2026-11-07T08:10:00Z",
        pod="Garmin fenix 2",
        # top of the foot at 2.9 km, worse at 5.0 and 7.6 km; the walking breaks from 33 min
        # on do not clear it; still numb at the end
        presses=((905.0, "press"), (1510.0, "press"), (2200.0, "press")),
        setup={**FLATS_TIGHT, "note": "First run in the new flats."},
        annotation={**TOP_OF_FOOT, "note": "Laces felt tight from the start."},
        story="worsening: onset, worse, worse, still numb at the end",
    ),
    DemoRun(
        file="2026-11-10-foot-builds-up.jsonl",
        recording="fr410_smart_recording",
        started_at="2026-11-10T18:40:00Z",
        pod="Garmin Forerunner 410",
        # no cadence and a packet every 5-9 s; the Pi's clock had not found the network
        presses=((640.0, "press"), (1380.0, "press")),
        setup=FLATS_TIGHT,
        annotation=TOP_OF_FOOT,
        clock_synced=False,
        story="worsening again, in the same lacing",
    ),
    DemoRun(
        file="2026-11-12-no-numbness.jsonl",
        recording="stryd_slow_steady",
        started_at="2026-11-12T07:05:00Z",
        pod="Stryd",
        presses=(),
        setup={**FLATS_SKIPPED, "note": "Skipped the eyelet over the sore spot."},
        story="no numbness with the 2nd eyelet skipped",
    ),
    DemoRun(
        file="2026-11-16-calf-clears-at-rest.jsonl",
        recording="fr70_sdm4_footpod",
        started_at="2026-11-16T07:00:00Z",
        pod="Garmin SDM4 foot pod (Forerunner 70)",
        # calf at 0.9 km; the runner stops at 10 min (600-794 s standing) and it clears
        # 2 min 40 s later
        presses=((520.0, "press"), (760.0, "hold")),
        setup=TRAINERS,
        annotation=CALF,
        story="resolves at rest: cleared 2-3 minutes into a stop",
    ),
    DemoRun(
        file="2026-11-19-calf-clears-at-rest.jsonl",
        recording="fr110_city_stops",
        started_at="2026-11-19T12:15:00Z",
        pod="Garmin Forerunner 110",
        # city run: calf at 1.8 km, stops at a crossing at 20 min (1215-1337 s standing),
        # clear about 1.5 min later
        presses=((1120.0, "press"), (1310.0, "hold")),
        setup=TRAINERS,
        annotation={**CALF, "note": "Same tightness in the calf as on Monday."},
        story="resolves at rest again, the latest run",
    ),
)


def demo_file_text(run: DemoRun, recording_text: str) -> str:
    """A bundled demo file: the recording's lines with the demo's header, the pod's name and
    the runner's button edges merged in (after any line of the same time)."""
    lines = [json.loads(line) for line in recording_text.splitlines() if line.strip()]
    header, body = lines[0], lines[1:]
    header = {"footnote_replay": 1, "started_at": run.started_at}
    if not run.clock_synced:
        header["clock_synced"] = False
    for line in body:
        if line.get("footpod") == "connected":
            line["name"] = run.pod
    edges = []
    for t, kind in run.presses:
        up = t + (HOLD_HELD_S if kind == "hold" else PRESS_HELD_S)
        edges += [{"t": t, "button": "down"}, {"t": up, "button": "up"}]
    merged = sorted(body + edges, key=lambda line: line["t"])  # stable: a press after its packet
    return "\n".join(json.dumps(line, separators=(",", ":")) for line in [header, *merged]) + "\n"


def write_demo_files(recordings: Path, folder: Path | None = None) -> None:
    """Write device/demo_runs/ again from the recordings (tests/data/ of the repository)."""
    folder = folder or Path(__file__).parent / "demo_runs"
    for run in DEMO_RUNS:
        text = demo_file_text(run, (recordings / f"{run.recording}.jsonl").read_text(encoding="utf-8"))
        (folder / run.file).write_text(text, encoding="utf-8")


def is_demo_db(db_path: Path) -> bool:
    """Whether the file at db_path is a database `footnote demo` made (read from its
    header; UnusableFile when it is not a regular file)."""
    with open_regular(db_path) as f:
        header = f.read(100)
    return header[:16] == _SQLITE_MAGIC and int.from_bytes(header[68:72], "big") == DEMO_APPLICATION_ID


def _check_replaceable(db_path: Path) -> None:
    if os.path.lexists(db_path):
        try:
            ours = is_demo_db(db_path)
        except UnusableFile as exc:
            raise NotADemoDatabase(
                f"{exc}: footnote demo writes only to a new file or to its own demo database"
            ) from None
        if not ours:
            raise NotADemoDatabase(
                f"{db_path} exists and footnote demo did not make it: it writes only to a new file or to its own demo "
                "database (choose another --db; delete an old demo database yourself)"
            )
    elif os.path.lexists(f"{db_path}-wal"):
        raise NotADemoDatabase(
            f"{db_path}-wal exists (it may hold another database's last runs): footnote demo writes only to a new "
            "file or to its own demo database"
        )


def build_demo_db(db_path: str | Path) -> str:
    """Replay every bundled demo file into a fresh database at db_path, add the demo
    runner's notes (where it was felt) and setups (what was worn), and return a line per
    run of what was stored.

    Only a path that does not exist or a database made here before (DEMO_APPLICATION_ID)
    is written to, anything else raises NotADemoDatabase and stays as it is. The database
    is built beside db_path under a temporary name and renamed over it when complete."""
    db_path = Path(db_path)
    _check_replaceable(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=db_path.parent, prefix=f".{db_path.name}.") as folder:
        building = Path(folder) / db_path.name
        summary = _build(building)
        _check_replaceable(db_path)  # asked again: nothing else may have appeared there meanwhile
        for suffix in ("-wal", "-shm"):  # the old demo's: never paired with the new file
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        os.replace(building, db_path)
    return summary


def _build(db_path: Path) -> str:
    from footnote.device.db.reader import events_of
    from footnote.device.db.store import Store
    from footnote.device.logger.replay import replay_file

    by_file = {run.file: run for run in DEMO_RUNS}
    lines = []
    with Store(db_path, fsync_samples=False) as store:
        with store.conn:
            store.conn.execute(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
        for path in demo_sessions():
            run = by_file[path.name]
            for run_id in replay_file(path, store=store):
                kinds = ", ".join(kind for _, kind, _, _ in events_of(store.conn, run_id)) or "no numbness marked"
                lines.append(f"run {run_id} from {path.name} ({run.pod}): {kinds}")
                _add_notes(store.conn, run_id, run)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the file itself before it is renamed
    return "\n".join(lines)


def _add_notes(conn, run_id: int, run: DemoRun) -> None:
    """What the demo runner entered in the dashboard: the run's setup, and where each
    episode was felt (through the database owner's own writes)."""
    from footnote.device.db.dashboard_writes import put_annotation, put_setup
    from footnote.device.db.reader import events_of
    from footnote.device.db.rows import Annotation, RunSetup

    with conn:
        put_setup(conn, run_id, RunSetup(**run.setup))
        if run.annotation:
            for episode in sorted({episode for _, _, episode, _ in events_of(conn, run_id) if episode is not None}):
                put_annotation(conn, run_id, episode, Annotation(**run.annotation))


if __name__ == "__main__":
    write_demo_files(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("tests/data"))

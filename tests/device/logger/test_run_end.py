"""One rule for a run that ends mid-episode (device.db.store.close_open_episode), told the
same way by all four that end runs: the logger stopping (the recorder), the next start
after a killed logger (close_interrupted_runs), the journal replayed at the next start
(the catch-up), and `footnote recover` bringing back a run from a damaged card."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from footnote.device.db.store import Store
from footnote.device.durability.catchup import replay_journal
from footnote.device.durability.journal import Journal, JournalingStore, pending_journals
from footnote.device.durability.recover import recover
from footnote.device.logger.recorder import RecorderSettings, RunRecorder
from footnote.device.parts.feedback import SilentIndicator
from footnote.device.parts.protocols import InputLog, RunStore
from footnote.device.rules.rsc import encode_rsc_measurement
from tests.helpers import rows

START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SETTINGS = RecorderSettings(source="live", device="footnote test")
PACKET = encode_rsc_measurement(3.0, 170, stride_m=1.1)


class Runner:
    """The runner and the logger, on the logger's own clock: a footpod packet every
    quarter second while running, a press held 0.2 s."""

    def __init__(self, store: RunStore, journal: InputLog | None = None) -> None:
        self.recorder = RunRecorder(
            store=store,
            indicator=SilentIndicator(),
            t0=0.0,
            started_at=START,
            clock_synced=True,
            settings=SETTINGS,
            replay_writer=journal,
        )
        self.recorder.start()
        self.t = 0.0

    def run(self, seconds: float) -> Runner:
        end = self.t + seconds
        while self.t < end:
            self.t += 0.25
            self.recorder.advance(self.t)
            self.recorder.on_rsc(self.t, PACKET)
        return self

    def press(self) -> Runner:
        self.t += 0.5
        self.recorder.advance(self.t)
        self.recorder.on_edge(self.t, True)
        self.recorder.advance(self.t + 0.2)
        self.recorder.on_edge(self.t + 0.2, False)
        self.t += 0.4
        self.recorder.advance(self.t)
        return self


def still_numb_at_the_end(runner: Runner) -> Runner:
    """Numb at a minute, worse at two, and still numb when the run ends at three."""
    return runner.run(60).press().run(60).press().run(60)


def story(db: Path) -> tuple[list[tuple], float, str]:
    """The run's events (kind, episode, severity, t_s), its end and why it ended."""
    ((run_id, ended_t_s, end_reason),) = rows(db, "SELECT id, ended_t_s, end_reason FROM runs")
    events = rows(
        db, "SELECT kind, episode, severity, round(t_s, 3) FROM symptom_events WHERE run_id = ? ORDER BY id", (run_id,)
    )
    return events, round(ended_t_s, 3), end_reason


def the_logger_stops(tmp_path: Path) -> Path:
    db = tmp_path / "stopped.db"
    with Store(db) as store:
        runner = still_numb_at_the_end(Runner(store))
        runner.recorder.stop(runner.t)
    return db


def killed_right_after_a_commit(db: Path) -> Path:
    store = Store(db)
    still_numb_at_the_end(Runner(store))
    store.flush_samples()  # the last commit before the power went
    store.close()
    return db


def the_next_start_closes_it(tmp_path: Path) -> Path:
    db = killed_right_after_a_commit(tmp_path / "killed.db")
    with Store(db) as store:
        assert store.close_interrupted_runs() == [1]
    return db


def the_journal_is_replayed(tmp_path: Path) -> Path:
    card = tmp_path / "card"
    card.mkdir()
    journal = Journal(card / "footnote.db", started_at=START, clock_synced=True, settings=SETTINGS)
    store = JournalingStore(None, journal, reason="the card is read-only")  # every input journaled
    still_numb_at_the_end(Runner(store, journal))
    journal.close(keep=True)  # the power goes: synced, but no end line
    db = tmp_path / "replayed.db"
    (path,) = pending_journals(card / "footnote.db")
    with Store(db) as fresh:
        replay_journal(path, fresh)
    return db


def recovered_from_a_damaged_card(tmp_path: Path) -> Path:
    damaged = killed_right_after_a_commit(tmp_path / "open.db")
    aside = tmp_path / "footnote.damaged-20261120T123000.db"
    shutil.copyfile(damaged, aside)
    db = tmp_path / "recovered.db"
    assert recover(aside, db).runs == 1
    return db


@pytest.mark.parametrize(
    ("ending", "reason"),
    [
        (the_next_start_closes_it, "interrupted"),
        (the_journal_is_replayed, "interrupted"),
        (recovered_from_a_damaged_card, "interrupted"),
    ],
)
def test_a_run_that_ends_mid_episode_is_told_the_same_way_however_it_ended(tmp_path, ending, reason):
    stopped_events, stopped_end, stopped_reason = story(the_logger_stops(tmp_path))
    assert stopped_reason == "stopped"
    onset, worse, unresolved = stopped_events
    assert (onset[:3], worse[:3]) == (("onset", 1, 1), ("worse", 1, 2))
    # the episode still open is stored at the run's end, with its number and its severity then
    assert unresolved == ("unresolved_at_run_end", 1, 2, stopped_end)

    events, end, why = story(ending(tmp_path))
    assert (events, end, why) == (stopped_events, stopped_end, reason)


def test_an_episode_already_closed_gets_no_second_end(tmp_path):
    """A run closed as interrupted, closed again (a second start, a second recovery): one
    unresolved_at_run_end, never two."""
    db = the_next_start_closes_it(tmp_path)
    with Store(db) as store:
        store.close_run(1, t_s=story(db)[1], reason="interrupted")
    kinds = [kind for kind, *_ in story(db)[0]]
    assert kinds == ["onset", "worse", "unresolved_at_run_end"]

"""The database: one schema with recorded migrations, WAL, and failing writes."""

from __future__ import annotations

from datetime import UTC, datetime

from footnote.device.db import schema
from footnote.device.db.connect import connect
from footnote.device.db.store import Store
from footnote.device.logger.recorder import JOURNAL_SYNC_S, RunRecorder
from footnote.device.parts.feedback import PATTERNS
from footnote.device.rules.rsc import encode_rsc_measurement
from tests.helpers import RecordingIndicator, rows


def test_migrations_are_recorded_in_the_database_and_applied_once(db_path):
    with Store(db_path):
        pass
    assert [name for (name,) in rows(db_path, "SELECT name FROM _migrations")] == [n for n, _ in schema.MIGRATIONS]
    conn = connect(db_path)
    assert schema.migrate(conn) == []
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_symptom_events_and_sample_batches_are_fsynced(db_path):
    with Store(db_path) as store:
        store.buffer_sample((None,) * 10)
        store._samples.clear()
        store.flush_samples()
        assert store.conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
        run_id = store.open_run(
            started_at=datetime.now(UTC), clock_synced=True, source="test", device="t", cadence_convention="auto"
        )
        store.buffer_sample((run_id, 1.0, b"\x00\x00\x03\x50", 3.0, 80, 160.0, None, None, 0.0, 1))
        assert rows(db_path, "SELECT count(*) FROM footpod_samples") == [(0,)]  # buffered
        store.flush_samples()
        assert store.conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL for samples too
        assert rows(db_path, "SELECT count(*) FROM footpod_samples") == [(1,)]
        store.add_symptom_event(run_id, t_s=2.0, kind="onset", episode=1, severity=1)
        assert store.conn.execute("PRAGMA synchronous").fetchone() == (2,)


def test_a_replay_store_commits_samples_without_waiting_for_the_disk(db_path):
    with Store(db_path, fsync_samples=False) as store:
        run_id = store.open_run(
            started_at=datetime.now(UTC), clock_synced=True, source="test", device="t", cadence_convention="auto"
        )
        store.buffer_sample((run_id, 1.0, b"\x00\x00\x03\x50", 3.0, 80, 160.0, None, None, 0.0, 1))
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        store.flush_samples()
        store.conn.set_trace_callback(None)
        assert statements[0] == "PRAGMA synchronous=NORMAL" and statements[-1] == "PRAGMA synchronous=FULL"
        assert store.conn.execute("PRAGMA synchronous").fetchone() == (2,)  # presses stay fsync'd
        assert rows(db_path, "SELECT count(*) FROM footpod_samples") == [(1,)]


def test_samples_wait_at_most_five_seconds_for_their_commit(db_path):
    """A Store with no journal guards its samples by committing them: a power cut loses
    at most the samples of the last JOURNAL_SYNC_S (5 s). (The logger's own store guards
    them in the journal and commits less often: tests/device/durability/.)"""
    store = Store(db_path)
    lg = RunRecorder(
        store=store,
        indicator=RecordingIndicator(),
        t0=0.0,
        started_at=datetime(2026, 11, 20, 7, tzinfo=UTC),
        clock_synced=True,
    )
    lg.start()
    packet = encode_rsc_measurement(3.0, 170, running=True)  # 4 a second, for a minute
    committed_by = []
    t = 0.0
    while t < 60:
        lg.on_rsc(t, packet)
        t += 0.25
        lg.advance(t)
        stored = rows(db_path, "SELECT max(t_s) FROM footpod_samples")[0][0]
        committed_by.append(t - (stored if stored is not None else 0.0))
    lg.stop(60.0)
    store.close()
    assert max(committed_by) <= JOURNAL_SYNC_S + 0.25
    assert rows(db_path, "SELECT count(*) FROM footpod_samples") == [(240,)]


def test_a_full_disk_answers_with_the_error_pattern_and_recovers(db_path):
    store = Store(db_path)
    indicator = RecordingIndicator()
    lg = RunRecorder(
        store=store, indicator=indicator, t0=0.0, started_at=datetime(2026, 11, 20, 7, tzinfo=UTC), clock_synced=True
    )
    lg.start()
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count={pages}")  # the disk is now full
    for t in range(10, 600):  # enough presses to need a new page
        lg.on_edge(float(t), True)
        lg.on_edge(t + 0.2, False)
        lg.advance(t + 0.5)
    assert indicator.shown[-1] == "error"
    stored = rows(db_path, "SELECT count(*) FROM symptom_events")[0][0]
    assert indicator.shown.count("onset") + indicator.shown.count("worse") == stored  # never told "recorded" falsely
    store.conn.execute("PRAGMA max_page_count=1073741823")  # space returns
    lg.on_edge(1000.0, True)
    lg.on_edge(1000.2, False)
    lg.advance(1001.0)
    assert indicator.shown[-1] in ("onset", "worse")
    assert rows(db_path, "SELECT count(*) FROM symptom_events")[0][0] == stored + 1
    lg.stop(1002.0)
    store.close()
    assert rows(db_path, "PRAGMA integrity_check") == [("ok",)]


def test_every_feedback_kind_has_a_pattern():
    assert set(PATTERNS) == {"onset", "worse", "relief", "error", "journaled"}
    assert PATTERNS["worse"][2] == 2 and PATTERNS["error"][2] == 3
    assert PATTERNS["relief"][0] > PATTERNS["onset"][0]


def test_a_pod_sending_garbage_is_stored_in_batches_never_one_fsync_per_packet(db_path):
    store = Store(db_path)
    durable_commits = []
    store.conn.set_trace_callback(lambda sql: durable_commits.append(sql) if sql == "COMMIT" else None)
    lg = RunRecorder(
        store=store,
        indicator=RecordingIndicator(),
        t0=0.0,
        started_at=datetime(2026, 11, 20, 7, tzinfo=UTC),
        clock_synced=True,
    )
    lg.start()
    durable_commits.clear()
    for k in range(240):  # a minute of garbage at 4 packets a second
        t = 1.0 + k / 4
        lg.advance(t)
        lg.on_rsc(t, b"\x03\x00")
    lg.stop(62.0)
    store.close()
    assert rows(db_path, "SELECT count(*), min(error) FROM rejected_packets")[0] == (
        240,
        "RSC measurement too short: 2 bytes, need at least 4",
    )
    assert 0 < len(durable_commits) <= 62 / JOURNAL_SYNC_S + 1  # a batch every 5 s and the run's close

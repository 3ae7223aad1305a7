"""The database: one schema with recorded migrations, WAL, and failing writes."""

from __future__ import annotations

from datetime import UTC, datetime

from footnote.device import schema
from footnote.device.feedback import PATTERNS
from footnote.device.recorder import RunRecorder
from footnote.device.store import Store
from tests.helpers import RecordingIndicator, rows


def test_migrations_are_recorded_in_the_database_and_applied_once(db_path):
    with Store(db_path):
        pass
    assert [name for (name,) in rows(db_path, "SELECT name FROM _migrations")] == [n for n, _ in schema.MIGRATIONS]
    conn = schema.connect(db_path)
    assert schema.migrate(conn) == []
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_symptom_events_are_fsynced_and_samples_are_not(db_path):
    with Store(db_path) as store:
        store.buffer_sample((None,) * 10)
        store._samples.clear()
        store.flush_samples()
        assert store.conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL until a sample flush
        run_id = store.open_run(
            started_at=datetime.now(UTC), clock_synced=True, source="test", device="t", cadence_convention="auto"
        )
        store.buffer_sample((run_id, 1.0, b"\x00\x00\x03\x50", 3.0, 80, 160.0, None, None, 0.0, 1))
        store.flush_samples()
        assert store.conn.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL for samples
        store.add_symptom_event(run_id, t_s=2.0, kind="onset", episode=1, severity=1)
        assert store.conn.execute("PRAGMA synchronous").fetchone() == (2,)


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
    store.conn.set_trace_callback(
        lambda sql: durable_commits.append(sql) if sql == "COMMIT" and store._durable else None
    )
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
    assert len(durable_commits) <= 1  # closing the run; the packets rode along with unsynced flushes

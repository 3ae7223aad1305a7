"""The heart-rate strap in the logger: stored like footpod samples, recorded and replayed,
garbage never fsync'd per packet, and the journal guarding it like the pod's."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

from footnote.device.db.store import Store
from footnote.device.logger.record_file import ReplayWriter, read_replay
from footnote.device.logger.recorder import JOURNAL_SYNC_S, RecorderSettings, RunRecorder
from footnote.device.logger.replay import replay_file
from footnote.device.rules.hrm import SensorContact, encode_hrm_measurement
from footnote.device.rules.rsc import encode_rsc_measurement
from tests.helpers import RecordingIndicator, rows

START = datetime(2026, 11, 20, 7, tzinfo=UTC)
STRAP = "C0:FF:EE:00:00:0A"


def recorder(store, **kwargs) -> RunRecorder:
    return RunRecorder(
        store=store, indicator=RecordingIndicator(), t0=0.0, started_at=START, clock_synced=True, **kwargs
    )


def test_a_strap_and_a_pod_stream_into_one_run(db_path):
    with Store(db_path) as store:
        lg = recorder(store)
        lg.start()
        lg.on_link(0.5, "connected", address="C0:FF:EE:00:00:01", name="Pod")
        lg.on_strap(0.6, "connected", address=STRAP, name="TICKR", location=1)
        for k in range(60):
            t = 1.0 + k
            lg.advance(t)
            lg.on_rsc(t, encode_rsc_measurement(3.0, 170, total_distance_m=3.0 * k))
            lg.on_hrm(t + 0.3, encode_hrm_measurement(140 + k // 10, rr_1024=[438]))
        lg.on_strap(61.5, "disconnected")
        lg.stop(62.0)
    assert rows(db_path, "SELECT strap_address, strap_name, strap_location FROM runs") == [(STRAP, "TICKR", 1)]
    assert rows(db_path, "SELECT state FROM strap_link_events ORDER BY id") == [("connected",), ("disconnected",)]
    assert rows(db_path, "SELECT state FROM link_events ORDER BY id") == [("connected",)]  # the pod's, unmixed
    hr = rows(db_path, "SELECT t_s, bpm, contact, rr_count FROM heart_rate_samples ORDER BY id")
    assert len(hr) == 60 and hr[0] == (1.3, 140, "detected", 1) and hr[-1][1] == 145


def test_no_skin_contact_is_stored_as_no_heart_rate_never_zero(db_path):
    with Store(db_path) as store:
        lg = recorder(store)
        lg.start()
        lg.on_hrm(1.0, encode_hrm_measurement(0, contact=SensorContact.NOT_DETECTED))
        lg.on_hrm(2.0, encode_hrm_measurement(0, contact=SensorContact.NOT_SUPPORTED))
        lg.on_hrm(3.0, encode_hrm_measurement(151))
        lg.stop(4.0)
    assert rows(db_path, "SELECT bpm, contact FROM heart_rate_samples ORDER BY id") == [
        (None, "not_detected"),
        (None, "not_supported"),
        (151, "detected"),
    ]


def test_heart_rate_neither_opens_nor_keeps_open_a_run(db_path):
    with Store(db_path) as store:
        lg = recorder(store, settings=RecorderSettings(inactivity_timeout_s=60))
        lg.start()
        for k in range(200):  # the runner stands with the strap on for 200 s
            lg.advance(1.0 + k)
            lg.on_hrm(1.0 + k, encode_hrm_measurement(90))
        lg.stop(201.0)
    assert rows(db_path, "SELECT count(*), max(end_reason) FROM runs") == [(1, "inactivity")]
    assert rows(db_path, "SELECT max(t_s) < 61 FROM heart_rate_samples") == [(1,)]


def test_a_strap_sending_garbage_is_stored_in_batches_never_one_fsync_per_packet(db_path):
    store = Store(db_path)
    commits = []
    store.conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    lg = recorder(store)
    lg.start()
    commits.clear()
    rng = random.Random(3)
    for k in range(240):  # a minute of garbage at 4 packets a second
        t = 1.0 + k / 4
        lg.advance(t)
        lg.on_hrm(t, bytes([0x16, rng.randrange(256)]))  # says RR, has none
    lg.stop(62.0)
    store.close()
    assert rows(db_path, "SELECT count(*), min(error), max(bpm) FROM heart_rate_samples") == [
        (240, "heart rate measurement has 2 bytes but its flags 0x16 need 4", None)
    ]
    assert lg.bad_hrm_packets == 240
    assert 0 < len(commits) <= 62 / JOURNAL_SYNC_S + 1
    assert rows(db_path, "SELECT count(*) FROM rejected_packets") == [(0,)]  # the pod's table stays the pod's


def test_a_recording_with_a_strap_replays_to_the_same_rows(tmp_path):
    recorded = tmp_path / "rec.jsonl"
    live_db, replay_db = tmp_path / "live.db", tmp_path / "replay.db"
    writer = ReplayWriter(recorded, started_at=START, clock_synced=True)
    with Store(live_db) as store:
        lg = recorder(store, replay_writer=writer)
        lg.start()
        lg.on_strap(0.2, "connected", address=STRAP, name="H10", location=1)
        for k in range(30):
            lg.advance(1.0 + k)
            lg.on_hrm(1.0 + k, encode_hrm_measurement(120 + k, energy_kj=k, rr_1024=[500, 498]))
        lg.on_hrm(31.0, b"\x11\x50")  # one bad packet
        lg.on_strap(32.0, "disconnected")
        lg.stop(33.0)
    writer.close()
    lines = [json.loads(line) for line in recorded.read_text().splitlines()]
    assert lines[1] == {"t": 0.2, "strap": "connected", "address": STRAP, "name": "H10", "location": 1}
    assert {"t": 31.0, "hrm": "1150"} in lines
    with open(recorded, encoding="utf-8") as stream:
        _, inputs = read_replay(stream)
        assert sum(i.kind == "hrm" for i in inputs) == 31
    with Store(replay_db) as store:
        replay_file(recorded, store=store)
    query = "SELECT t_s, raw, bpm, contact, energy_kj, rr_count, error FROM heart_rate_samples ORDER BY id"
    assert rows(replay_db, query) == rows(live_db, query) and len(rows(live_db, query)) == 31
    links = "SELECT t_s, state, address FROM strap_link_events ORDER BY id"
    assert rows(replay_db, links) == rows(live_db, links)


def test_a_strap_sending_garbage_leaves_a_trace_on_the_run_page(db_path):
    from footnote.device.db.connect import open_reader
    from footnote.device.db.reader import strap_packets_of
    from footnote.server.words.sentences import strap_packets

    with Store(db_path) as store:
        lg = recorder(store)
        lg.start()
        for k in range(20):
            lg.on_hrm(1.0 + k, b"\x01")
        lg.on_hrm(30.0, encode_hrm_measurement(0, contact=SensorContact.NOT_DETECTED))
        lg.stop(31.0)
    conn = open_reader(db_path)
    try:
        counts = strap_packets_of(conn, 1)
    finally:
        conn.close()
    assert counts == {"decoded": 1, "rejected": 20, "no_heart_rate": 1}
    said = strap_packets(counts)
    assert said[0].startswith("The heart-rate strap sent 20 packets that could not be read")
    assert "never had skin contact" in said[1]


def test_a_journal_with_strap_lines_replays_into_the_database_once(tmp_path):
    # What the next start does with a journal a power cut left: the database already holds
    # part of the run; the replay adds only what is missing, and a second replay nothing.
    from footnote.device.durability.catchup import replay_journal

    recorded = tmp_path / "journal.jsonl"
    writer = ReplayWriter(recorded, started_at=START, clock_synced=True)
    db = tmp_path / "footnote.db"
    with Store(db) as store:
        lg = recorder(store, replay_writer=writer)
        lg.start()
        lg.on_strap(0.2, "connected", address=STRAP)
        for k in range(40):
            lg.advance(1.0 + k)
            lg.on_hrm(1.0 + k, encode_hrm_measurement(130 + k))
            if k == 19:
                store.flush_samples()  # the first 20 reached the database before the cut
                store._heart_rates.clear()  # the rest were lost with the power
                break
    writer.close()
    assert rows(db, "SELECT count(*) FROM heart_rate_samples") == [(20,)]
    lines = recorded.read_text().splitlines()
    more = [json.dumps({"t": 21.0 + k, "hrm": encode_hrm_measurement(150 + k).hex()}) for k in range(20)]
    recorded.write_text("\n".join(lines + more) + "\n")
    with Store(db) as store:
        replay_journal(recorded, store)
        replay_journal(recorded, store)
    assert rows(db, "SELECT count(*), min(bpm), max(bpm) FROM heart_rate_samples") == [(40, 130, 169)]
    assert rows(db, "SELECT count(*) FROM strap_link_events") == [(1,)]

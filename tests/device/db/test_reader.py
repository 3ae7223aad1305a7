"""What the dashboard and the exports read back from a run: the stored packets' extra
bytes are counted in SQL, exactly as the decoder's expected_length counts them."""

from __future__ import annotations

from datetime import UTC, datetime

from footnote.device.db.connect import open_reader
from footnote.device.db.reader import load_run
from footnote.device.db.store import SampleRow, Store
from footnote.device.rules.rsc import expected_length


def test_extra_bytes_are_counted_for_every_flag_combination(db_path):
    # Every low nibble of the flags byte (stride, distance, running and a reserved bit),
    # with high reserved bits set on some, and 0-3 bytes beyond what the flags need.
    packets = []
    for flags in range(16):
        for high in (0x00, 0xF0):
            for extra in range(4):
                packets.append(bytes([flags | high]) + bytes(expected_length(flags) - 1 + extra))
    with Store(db_path) as store:
        run_id = store.open_run(
            started_at=datetime(2026, 11, 1, 7, tzinfo=UTC),
            clock_synced=True,
            source="test",
            device="test",
            cadence_convention="steps",
        )
        for i, raw in enumerate(packets):
            store.buffer_sample(SampleRow(run_id, float(i), raw, 3.0, 170, 170.0, None, None, 3.0 * i, 1))
        store.flush_samples()
    conn = open_reader(db_path)
    run = load_run(conn, run_id)
    conn.close()
    assert [s.extra_bytes for s in run.samples] == [len(raw) - expected_length(raw[0]) for raw in packets]
    assert sum(1 for s in run.samples if s.extra_bytes) == 16 * 2 * 3
    assert [s.t_s for s in run.samples] == [float(i) for i in range(len(packets))]

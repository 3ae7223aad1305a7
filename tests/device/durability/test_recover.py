"""`footnote recover` (device.durability.recover, device.durability.sqlite_pages): every run
whose pages survive a cut comes back, with or without the sqlite3 command."""

from __future__ import annotations

import pytest

from tests.device.durability.cards import build_runs, digest, run_contents


@pytest.mark.slow
def test_recovery_of_a_database_truncated_at_10_points_brings_back_every_run_whose_pages_survive(tmp_path, capsys):
    from footnote.device.durability.recover import recover

    db = tmp_path / "runs.db"
    sizes = build_runs(db, tmp_path, 8)
    whole = run_contents(db)
    order = sorted(whole)
    report = []
    for k in range(10):
        cut = sizes[-1] * (k + 1) // 11 + 517 * k  # not on a page boundary
        damaged = tmp_path / f"cut{k}.db"
        damaged.write_bytes(db.read_bytes()[:cut])
        before = digest(damaged)
        into = tmp_path / f"recovered{k}.db"
        result = recover(damaged, into)
        assert digest(damaged) == before
        back = run_contents(into)
        survivors = [order[i] for i, size in enumerate(sizes) if size <= cut]
        for started_at in survivors:
            assert back.get(started_at) == whole[started_at], f"cut at {cut}: run {started_at} did not come back whole"
        assert set(back) <= set(whole)
        report.append(f"{cut // 1024} KiB: {len(survivors)} whole / {result.runs} back")
    with capsys.disabled():
        print(
            f"\n  recovery ({result.method}) of {len(whole)} runs, {sizes[-1] // 1024} KiB, cut at: "
            + "; ".join(report)
        )


def test_recovery_without_the_sqlite3_command_reads_the_pages_itself(tmp_path, monkeypatch, caplog):
    import shutil

    from footnote.device.durability.recover import recover

    db = tmp_path / "runs.db"
    sizes = build_runs(db, tmp_path, 2)
    whole = run_contents(db)
    damaged = tmp_path / "cut.db"
    damaged.write_bytes(db.read_bytes()[: sizes[0] + 100])
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = recover(damaged, tmp_path / "into.db")
    assert "the sqlite3 command is not installed" in caplog.text
    first = min(whole)
    assert run_contents(tmp_path / "into.db")[first] == whole[first]
    assert result.runs >= 1 and "page by page" in result.method

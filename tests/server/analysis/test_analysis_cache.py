"""The analyses kept between starts (server.analysis_cache): used only while everything
they depend on is unchanged, never trusted when damaged, ignored from another analysis
version, and safe with two dashboards on one database."""

from __future__ import annotations

import io
import os
import pickle
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from footnote.device.db.connect import open_reader
from footnote.device.db.reader import list_runs, load_run
from footnote.server import analysis_cache
from footnote.server.analysis import analyze_run
from footnote.server.analysis_cache import AnalysisCache, cache_path
from footnote.server.dashboard.pagedata import PageData
from footnote.server.dashboard.saves import AnnotationIn, correct_start, save_annotation


@pytest.fixture
def counted(monkeypatch) -> list[int]:
    """The ids of the runs the real analysis is run on."""
    calls: list[int] = []

    def counting(run):
        calls.append(run.id)
        return analyze_run(run)

    monkeypatch.setattr(analysis_cache, "analyze_run", counting)
    return calls


def fresh_pages(db: Path) -> dict:
    """The runs page as a dashboard started afresh shows it, closing what it opened."""
    pd = PageData(db)
    try:
        return pd.runs_page()
    finally:
        pd.close()


def computed_without_cache(db: Path) -> list:
    conn = open_reader(db)
    try:
        return [analyze_run(load_run(conn, r.id, r)) for r in list_runs(conn)]
    finally:
        conn.close()


def kept_analyses(db: Path) -> list:
    pd = PageData(db)
    try:
        with pd.connect() as conn:
            return [ra for _, ra in pd.all_analyses(conn)]
    finally:
        pd.close()


def test_a_restarted_dashboard_uses_the_analyses_an_earlier_start_kept(fresh_demo_db, counted):
    first = fresh_pages(fresh_demo_db)
    assert sorted(counted) == [1, 2, 3, 4, 5] and cache_path(fresh_demo_db).exists()
    counted.clear()
    again = fresh_pages(fresh_demo_db)
    assert counted == [] and again == first  # nothing analysed again, same page
    assert kept_analyses(fresh_demo_db) == computed_without_cache(fresh_demo_db)


def test_an_annotation_or_a_corrected_start_analyses_that_run_again(fresh_demo_db, counted):
    fresh_pages(fresh_demo_db)
    counted.clear()
    save_annotation(fresh_demo_db, 4, 1, AnnotationIn(location="calf", weakness=True))
    page = fresh_pages(fresh_demo_db)
    assert counted == [4]
    assert any(f["code"] == "weakness_or_foot_drop" for f in page["summary"]["red_flags"])
    counted.clear()
    correct_start(fresh_demo_db, 2, datetime.fromisoformat("2026-11-11T18:00:00+00:00"))
    fresh_pages(fresh_demo_db)
    assert counted == [2]
    assert kept_analyses(fresh_demo_db) == computed_without_cache(fresh_demo_db)


def test_an_unreadable_cache_file_is_rebuilt(fresh_demo_db, counted):
    expected = fresh_pages(fresh_demo_db)
    path = cache_path(fresh_demo_db)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.write_bytes(b"this is not a database, it is what a bad SD card gave back" * 100)
    counted.clear()
    assert fresh_pages(fresh_demo_db) == expected
    assert sorted(counted) == [1, 2, 3, 4, 5]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM analyses").fetchone()[0] == 5
    conn.close()


def test_a_damaged_entry_is_recomputed_not_trusted(fresh_demo_db, counted):
    expected = fresh_pages(fresh_demo_db)
    conn = sqlite3.connect(cache_path(fresh_demo_db))
    blob = conn.execute("SELECT result FROM analyses WHERE run_id = 3").fetchone()[0]
    # A distance changed by one flipped bit still unpickles: only the digest catches it.
    damaged = bytearray(blob)
    damaged[len(damaged) // 2] ^= 0x01
    with conn:
        conn.execute("UPDATE analyses SET result = ? WHERE run_id = 3", (bytes(damaged),))
    conn.close()
    counted.clear()
    assert fresh_pages(fresh_demo_db) == expected
    assert counted == [3]


class _Boom:
    def __reduce__(self):
        return (os.system, ("echo tampered > /dev/null",))


def test_an_entry_that_would_run_code_is_refused(fresh_demo_db, counted, caplog):
    expected = fresh_pages(fresh_demo_db)
    conn = sqlite3.connect(cache_path(fresh_demo_db))
    key = conn.execute("SELECT key FROM analyses WHERE run_id = 2").fetchone()[0]
    evil = pickle.dumps(_Boom())
    with conn:  # the digest is right: only the loader stands in the way
        conn.execute(
            "UPDATE analyses SET result = ?, digest = ? WHERE run_id = 2", (evil, analysis_cache._digest(key, evil))
        )
    conn.close()
    counted.clear()
    assert fresh_pages(fresh_demo_db) == expected
    assert counted == [2] and "posix.system is not part of an analysis" in caplog.text
    with pytest.raises(pickle.UnpicklingError):
        analysis_cache._AnalysisUnpickler(io.BytesIO(evil)).load()


def test_a_cache_from_another_analysis_version_is_ignored(fresh_demo_db, counted, monkeypatch):
    fresh_pages(fresh_demo_db)
    monkeypatch.setattr(analysis_cache, "ANALYSIS_VERSION", analysis_cache.ANALYSIS_VERSION + 1)
    counted.clear()
    fresh_pages(fresh_demo_db)
    assert sorted(counted) == [1, 2, 3, 4, 5]  # every run analysed by the new version
    conn = sqlite3.connect(cache_path(fresh_demo_db))
    version = conn.execute("SELECT value FROM meta WHERE name = 'analysis_version'").fetchone()[0]
    conn.close()
    assert version == str(analysis_cache.ANALYSIS_VERSION)
    counted.clear()
    fresh_pages(fresh_demo_db)
    assert counted == []


def test_a_run_still_being_recorded_is_never_kept(fresh_demo_db, counted):
    conn = sqlite3.connect(fresh_demo_db)
    with conn:
        conn.execute("UPDATE runs SET ended_t_s = NULL, end_reason = NULL WHERE id = 5")
    conn.close()
    fresh_pages(fresh_demo_db)
    counted.clear()
    fresh_pages(fresh_demo_db)
    assert counted == [5]
    cache = sqlite3.connect(cache_path(fresh_demo_db))
    assert [r[0] for r in cache.execute("SELECT run_id FROM analyses ORDER BY run_id")] == [1, 2, 3, 4]
    cache.close()


def test_without_a_writable_place_the_analyses_are_computed(fresh_demo_db, counted):
    pd = PageData(fresh_demo_db, cache=AnalysisCache(fresh_demo_db.parent / "missing" / "cache.db"))
    try:
        page = pd.runs_page()
    finally:
        pd.close()
    assert sorted(counted) == [1, 2, 3, 4, 5]
    assert page == fresh_pages(fresh_demo_db)


DASHBOARD = """
import sys
from pathlib import Path
from footnote.server.dashboard.saves import AnnotationIn, save_annotation
from footnote.server.dashboard.pagedata import PageData

db, me = Path(sys.argv[1]), int(sys.argv[2])
for i in range(25):
    pd = PageData(db)  # a start: the cache file opened afresh
    pd.runs_page()
    pd.run_page(1 + (i + me) % 5)
    save_annotation(db, 1 + i % 4, 1, AnnotationIn(note=f"dashboard {me} save {i}", shoes=f"pair {i % 3}"))
    pd.close()
"""


def test_two_dashboards_on_one_database_corrupt_neither_file(fresh_demo_db):
    procs = [
        subprocess.Popen([sys.executable, "-c", DASHBOARD, str(fresh_demo_db), str(me)], stderr=subprocess.PIPE)
        for me in (0, 1)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    for path in (fresh_demo_db, cache_path(fresh_demo_db)):
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    assert kept_analyses(fresh_demo_db) == computed_without_cache(fresh_demo_db)


def test_the_key_follows_the_run_data(fresh_demo_db):
    """A closed run whose rows change (a relief stored later, say) gets a new key."""
    conn = open_reader(fresh_demo_db)
    before = analysis_cache.run_keys(conn)
    conn.close()
    writer = sqlite3.connect(fresh_demo_db)
    with writer:
        writer.execute(
            "INSERT INTO link_events (run_id, t_s, state) VALUES (3, 60, 'disconnected'), (3, 90, 'connected')"
        )
    writer.close()
    conn = open_reader(fresh_demo_db)
    after = analysis_cache.run_keys(conn)
    conn.close()
    assert [run_id for run_id in before if before[run_id] != after[run_id]] == [3]
    assert all(isinstance(k, str) for k in after.values())


def test_a_changed_threshold_analyses_every_run_again(fresh_demo_db, counted):
    """A new footnote with another threshold value must not serve decisions made with the old one."""
    fresh_pages(fresh_demo_db)  # every run kept, made with today's thresholds
    code = (
        "import sys; from footnote.server.analysis import thresholds as th;"
        "th.RELIEF_WITHIN_REST_S = 11 * 60;"  # as if a release had changed it
        "from footnote.server import analysis_cache; from footnote.server.dashboard.pagedata import PageData;"
        "calls = []; real = analysis_cache.analyze_run;"
        "analysis_cache.analyze_run = lambda run: calls.append(run.id) or real(run);"
        f"pd = PageData({str(fresh_demo_db)!r}); pd.runs_page(); pd.close(); print(sorted(calls))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[1, 2, 3, 4, 5]"
    counted.clear()
    fresh_pages(fresh_demo_db)  # and back to today's values: analysed once more, then kept
    assert sorted(counted) == [1, 2, 3, 4, 5]


def test_the_cache_keeps_decisions_not_sentences(fresh_demo_db):
    """Every piece of text in a kept analysis is a code (an enum member); the runner's own
    notes travel in its annotations. A sentence is written where it is shown."""
    import dataclasses
    import enum

    from footnote.device.db.rows import Annotation

    def texts(value):
        if isinstance(value, (enum.Enum, Annotation)):
            return
        if isinstance(value, str):
            yield value
        elif dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                yield from texts(getattr(value, f.name))
        elif isinstance(value, dict):  # a fact's values, by name
            for v in value.values():
                yield from texts(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                yield from texts(v)

    kept = kept_analyses(fresh_demo_db)
    assert kept and not [t for ra in kept for t in texts(ra)]

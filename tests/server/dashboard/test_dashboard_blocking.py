"""A busy database never stalls the dashboard: a save waiting for the logger's write lock
runs in the thread pool, and the other pages answer meanwhile."""

from __future__ import annotations

import sqlite3
import threading

import httpx

from tests.helpers import client


def test_pages_answer_while_a_save_waits_for_the_loggers_write_lock(dashboard):
    c = client(dashboard)
    token = c.cookies["footnote_csrf"]
    logger = sqlite3.connect(dashboard.db_path, isolation_level=None)
    logger.execute("BEGIN IMMEDIATE")  # the logger holds the write lock (a commit under way)
    saved: dict[str, int] = {}

    def save() -> None:
        form = {"csrf_token": token, "location": "calf", "note": "saved while the logger wrote"}
        saved["status"] = c.post("/runs/1/episodes/1/annotate", data=form).status_code

    saving = threading.Thread(target=save)
    try:
        saving.start()
        # The save now waits on SQLite's busy timeout (5 s). The pages must not wait with it:
        # each answers well before that timeout could have let the save through.
        with httpx.Client(base_url=dashboard.url, timeout=4) as other:
            for path in ("/", "/runs/2", "/api/runs", "/trends"):
                assert other.get(path).status_code == 200, path
        assert saving.is_alive(), "the save did not wait for the lock: nothing was tested"
    finally:
        logger.execute("ROLLBACK")
        logger.close()
        saving.join(timeout=30)
    assert saved["status"] == 303
    stored = sqlite3.connect(dashboard.db_path).execute(
        "SELECT location, note FROM annotations WHERE run_id = 1 AND episode = 1"
    )
    assert stored.fetchall() == [("calf", "saved while the logger wrote")]

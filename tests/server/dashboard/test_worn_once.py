"""What was worn is entered once, on the run (issue 21): the episode form keeps what belongs
to an episode; older annotations' shoes and lacing become their run's setup in a migration
(setup_1_worn_on_the_run), and nothing anyone wrote is lost."""

from __future__ import annotations

import sqlite3

import pytest

from footnote.device.db.connect import bring_up_to_date
from footnote.device.db.store import Store
from tests.helpers import client, csrf, replay_story, rows

MIGRATION = "setup_1_worn_on_the_run"


@pytest.fixture
def older_database(tmp_path, db_path):
    """Three runs with two episodes each, annotated as footnote did before the move: shoes
    and lacing on each episode's notes; run 3 already has a setup of its own."""
    from footnote.device.logger.story import Story

    for day in ("09", "12", "16"):
        story = Story(started_at=f"2026-11-{day}T06:30:00Z").connect()
        story.run(minutes=10).press().run(minutes=1).stand(minutes=3).hold()
        story.run(minutes=8).press().run(minutes=1).stand(minutes=3).hold().end()
        replay_story(story, db_path, tmp_path, name=f"{day}.jsonl")
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("DELETE FROM _migrations WHERE name = ?", (MIGRATION,))
        said = [
            (1, 1, "Daily trainers", "Standard"),
            (1, 2, "Daily trainers", "Standard"),
            (2, 1, "Daily trainers", "Standard"),
            (2, 2, "Racing flats", None),  # changed shoes mid-run
            (3, 1, "Old trainers", "Loose"),
        ]
        for run_id, episode, shoes, lacing in said:
            conn.execute(
                "INSERT INTO annotations (run_id, episode, location, shoes, lacing, updated_at)"
                " VALUES (?, ?, 'calf', ?, ?, '2026-11-20T00:00:00+00:00')",
                (run_id, episode, shoes, lacing),
            )
        conn.execute(
            "INSERT INTO run_setups (run_id, shoes, lacing, orthotics, note, updated_at)"
            " VALUES (3, 'Pegasus 40', NULL, 'none', 'new pair', '2026-11-20T00:00:00+00:00')"
        )
    conn.close()
    return db_path


def test_the_annotations_shoes_and_lacing_become_the_runs_setup(older_database):
    assert MIGRATION in bring_up_to_date(older_database)
    setups = rows(older_database, "SELECT run_id, shoes, lacing, orthotics, note FROM run_setups ORDER BY run_id")
    assert setups == [
        (1, "Daily trainers", "Standard", None, None),
        (2, "Daily trainers", "Standard", None, "From the episode notes: episode 2: shoes Racing flats."),
        # the run's own setup keeps its values; an empty field takes the episode's
        (3, "Pegasus 40", "Loose", "none", "new pair From the episode notes: episode 1: shoes Old trainers."),
    ]
    assert rows(older_database, "SELECT count(*) FROM annotations WHERE shoes IS NOT NULL OR lacing IS NOT NULL") == [
        (0,)
    ]
    assert rows(older_database, "SELECT count(*) FROM annotations WHERE location = 'calf'") == [(5,)]
    assert bring_up_to_date(older_database) == []  # once


def test_before_the_move_a_reader_sees_the_same(older_database):
    """A database not yet brought up to date reads as it will after: the run's setup first."""
    from footnote.device.db.connect import open_reader
    from footnote.device.db.reader import annotations_of

    conn = open_reader(older_database)
    try:
        before = {run_id: annotations_of(conn, run_id) for run_id in (1, 2, 3)}
    finally:
        conn.close()
    bring_up_to_date(older_database)
    conn = open_reader(older_database)
    try:
        after = {run_id: annotations_of(conn, run_id) for run_id in (1, 2, 3)}
    finally:
        conn.close()
    assert before[1] == after[1] and before[3] == after[3]
    assert after[2][2].shoes == "Daily trainers"  # one place: the run's setup
    assert after[3][1].shoes == "Pegasus 40"


def test_the_setups_page_sees_what_the_episodes_said(older_database):
    from footnote.server.dashboard.pagedata import PageData

    bring_up_to_date(older_database)
    pages = PageData(older_database)
    try:
        page = pages.setups_page()
    finally:
        pages.close()
    assert page["runs_with_setup"] == 3
    shoes = sorted(g["setup"]["shoes"] for g in page["setups"] if g["setup"])
    assert shoes == ["Daily trainers", "Pegasus 40"]


def test_the_episode_form_no_longer_asks_what_was_worn(dashboard):
    c = client(dashboard)
    form = c.get("/runs/1/episodes/1/annotate").text
    assert 'name="shoes"' not in form and 'name="lacing"' not in form
    assert 'href="/runs/1#setup"' in form  # it points to the run's own form
    assert 'name="shoes"' in c.get("/runs/1").text  # which is there


def test_shoes_sent_with_an_annotation_are_saved_as_the_runs_setup(dashboard):
    c = client(dashboard)
    c.put("/api/runs/2/setup", json={"orthotics": "moved back", "note": "kept"}, headers=csrf(c))
    body = {"location": "calf", "shoes": "Trail shoes", "lacing": "skip 2nd eyelet"}
    assert c.put("/api/runs/2/episodes/1/annotation", json=body, headers=csrf(c)).status_code == 200
    assert c.get("/api/runs/2").json()["setup"] == {
        "shoes": "Trail shoes",
        "lacing": "skip 2nd eyelet",
        "orthotics": "moved back",  # what the annotation did not say is kept
        "note": "kept",
    }
    episodes = c.get("/api/runs/2").json()["episodes"]
    assert episodes[0]["annotation"]["shoes"] == "Trail shoes"  # the JSON keeps its fields
    assert rows(dashboard.db_path, "SELECT DISTINCT shoes FROM annotations WHERE run_id = 2") == [(None,)]
    # a note without shoes leaves the run's setup alone
    assert c.put("/api/runs/2/episodes/1/annotation", json={"location": "calf"}, headers=csrf(c)).status_code == 200
    assert c.get("/api/runs/2").json()["setup"]["shoes"] == "Trail shoes"


def test_a_fresh_database_made_by_the_logger_has_the_move_recorded(db_path):
    Store(db_path).close()
    assert (MIGRATION,) in rows(db_path, "SELECT name FROM _migrations")

"""The runner's side of the doctor's questions, over real HTTP on the demo runs: what was
worn on each run and the comparison, the Edinburgh questionnaire beside the recordings,
and the summaries per place. Bad input is a 4xx naming the field and stores nothing."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from footnote.server.analysis.places import relief_distribution
from tests.helpers import client, csrf, rows

SETUP = {"shoes": "Pegasus 40, size 43", "lacing": "criss-cross", "orthotics": "none", "note": "new laces"}


def stored(db, table: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
            return []
        return conn.execute(f"SELECT * FROM {table}").fetchall()
    finally:
        conn.close()


def test_a_run_without_numbness_gets_its_setup_and_the_next_run_is_offered_it(dashboard):
    c = client(dashboard)
    # run 5 (21 Nov) had no numbness; the runner still says what she wore
    r = c.put("/api/runs/5/setup", json=SETUP, headers=csrf(c))
    assert r.status_code == 200 and r.json()["setup"] == SETUP
    assert c.get("/api/runs/5").json()["setup"] == SETUP
    # run 4 is earlier: nothing before it has a setup, nothing is offered
    assert c.get("/api/runs/4").json()["setup_offered"] is None
    c.put("/api/runs/3/setup", json={"shoes": "Old trainers"}, headers=csrf(c))
    offered = c.get("/api/runs/4").json()["setup_offered"]
    assert offered["shoes"] == "Old trainers" and offered["note"] is None
    page = c.get("/runs/4", headers={"accept": "text/html"}).text
    assert 'value="Old trainers"' in page and "previous run" in page
    # the form on the run page saves it for good
    form = {
        "csrf_token": c.cookies["footnote_csrf"],
        "shoes": "Old trainers",
        "lacing": "",
        "orthotics": "",
        "note": "",
    }
    assert c.post("/runs/4/setup", data=form).status_code == 303
    assert c.get("/api/runs/4").json()["setup"] == {
        "shoes": "Old trainers",
        "lacing": None,
        "orthotics": None,
        "note": None,
    }


def test_bad_setups_name_the_field_and_store_nothing(dashboard):
    c = client(dashboard)
    c.put("/api/runs/2/setup", json=SETUP, headers=csrf(c))
    before = stored(dashboard.db_path, "run_setups")
    for body, field in [
        ({"shoes": "x" * 10_000}, "shoes"),
        ({"lacing": "<script>alert(1)</script>"}, "lacing"),
        ({"note": "fine\x00"}, "note"),
        ({"shoe_size": 44}, "shoe_size"),
    ]:
        r = c.put("/api/runs/2/setup", json=body, headers=csrf(c))
        assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == field, body
    form = {"csrf_token": c.cookies["footnote_csrf"], "shoes": "<img src=x onerror=alert(1)>"}
    r = c.post("/runs/2/setup", data=form, headers={"accept": "text/html"})
    assert r.status_code == 400 and "shoes:" in r.text and "<img src=x" not in r.text
    assert c.put("/api/runs/99/setup", json=SETUP, headers=csrf(c)).status_code == 404
    assert c.put("/api/runs/2/setup", json=SETUP).status_code == 403  # no CSRF token
    assert stored(dashboard.db_path, "run_setups") == before


def test_the_comparison_page_counts_runs_and_says_when_there_are_too_few(dashboard):
    c = client(dashboard)
    for run_id in (1, 2, 3):
        c.put("/api/runs/" + str(run_id) + "/setup", json=SETUP, headers=csrf(c))
    c.put("/api/runs/5/setup", json={**SETUP, "lacing": "skip 2nd eyelet"}, headers=csrf(c))
    data = c.get("/api/setups").json()
    assert data["runs"] == 5 and data["runs_with_setup"] == 4 and data["minimum_runs"] == 4
    criss, skip, unsaid = data["setups"]
    assert (criss["runs"], criss["runs_with_numbness"], criss["episodes"]) == (3, 3, 6)
    assert (skip["runs"], skip["runs_with_numbness"], skip["episodes"]) == (1, 0, 0)
    assert unsaid["setup"] is None and unsaid["run_ids"] == [4]
    assert criss["comparison"]["enough_runs"] is False
    page = c.get("/setups", headers={"accept": "text/html"}).text
    assert "Not enough runs yet" in page and "half a size up" in page and "does not diagnose" in page


def test_the_questionnaire_sits_beside_what_the_recordings_say(dashboard):
    c = client(dashboard)
    before = c.get("/api/questionnaire").json()
    assert before["answers"] is None and before["items"][0]["answer"] == "not answered"
    assert c.get("/api/runs").json()["summary"]["questionnaire"] is None
    answers = {
        "pain_when_walking": "yes",
        "begins_at_rest": "no",
        "uphill_or_hurrying": "yes",
        "ordinary_pace_level": "no",
        "when_standing_still": "gone_within_10_min",
        "where": ["calf", "foot"],
    }
    page = c.put("/api/questionnaire", json=answers, headers=csrf(c)).json()
    beside = {row["item"]: row for row in page["items"]}
    # the demo: 7 episodes, all began while running; 6 of the 7 during which she stood still cleared within 10 min
    assert beside["begins_at_rest"]["answer"] == "no"
    assert beside["begins_at_rest"]["counts"] == {"code": "began_while_standing_still", "n": 0, "of": 7}
    assert beside["when_standing_still"]["answer"] == "usually disappears in 10 minutes or less"
    assert (beside["when_standing_still"]["counts"]["n"], beside["when_standing_still"]["counts"]["of"]) == (6, 7)
    assert beside["where"]["counts"]["places"] == {"calf": 6, "top_of_foot": 1}
    assert beside["where"]["answer"] == "calf, foot"
    html = c.get("/questionnaire", headers={"accept": "text/html"}).text
    assert "in 6 of 7 episodes" in html and "positive" not in html.lower()
    summary = c.get("/api/runs").json()["summary"]["questionnaire"]  # the summary shows it too
    assert summary["items"] == page["items"] and summary["answers"]["where"] == ["calf", "foot"]
    assert "in 6 of 7 episodes" in c.get("/", headers={"accept": "text/html"}).text
    # answering again keeps both; the newest is shown
    form = {"csrf_token": c.cookies["footnote_csrf"], "pain_when_walking": "no", "where": ["thigh"]}
    assert c.post("/questionnaire", data=form).status_code == 303
    again = c.get("/api/questionnaire").json()
    assert again["times_answered"] == 2 and again["answers"]["where"] == ["thigh"]


def test_an_answer_outside_its_choices_names_the_field_and_stores_nothing(dashboard):
    c = client(dashboard)
    good = {"pain_when_walking": "yes"}
    for body, field in [
        ({**good, "when_standing_still": "sometimes"}, "when_standing_still"),
        ({**good, "where": ["elbow"]}, "where"),
        ({"pain_when_walking": "<script>"}, "pain_when_walking"),
        ({**good, "score": "positive"}, "score"),
        ({}, "pain_when_walking"),
    ]:
        r = c.put("/api/questionnaire", json=body, headers=csrf(c))
        assert r.status_code == 422 and field in r.json()["detail"][0]["loc"], body
    form = {"csrf_token": c.cookies["footnote_csrf"], "pain_when_walking": "maybe"}
    r = c.post("/questionnaire", data=form, headers={"accept": "text/html"})
    assert r.status_code == 400 and "pain_when_walking:" in r.text
    assert stored(dashboard.db_path, "claudication_answers") == []


def test_summaries_per_place_with_not_said_as_its_own_group(dashboard):
    conn = sqlite3.connect(dashboard.db_path)
    with conn:
        conn.execute("UPDATE annotations SET location = NULL WHERE run_id = 1 AND episode = 2")
    conn.close()
    c = client(dashboard)
    c.put("/api/runs/1/episodes/1/annotation", json={"location": "calf", "side": "left"}, headers=csrf(c))
    places = {p["place"]: p for p in c.get("/api/summary").json()["places"]}
    assert list(places) == ["calf", "top_of_foot", "not_said"]
    calf, foot = places["calf"], places["top_of_foot"]
    assert (calf["episodes"], calf["pattern"], foot["episodes"], foot["pattern"]) == (
        5,
        "resolves_at_rest",
        1,
        "worsening",
    )
    assert foot["rest_to_relief_s"]["n"] == 0 and foot["onset_distance_m"]["n"] == 1
    assert sum(r["count"] for r in calf["relief_distribution"]) == calf["rest_to_relief_s"]["n"] == 5
    assert places["not_said"]["episodes"] == 1
    assert c.get("/api/runs").json()["summary"]["places"] == list(places.values())
    for path in ("/", "/trends"):
        html = c.get(path, headers={"accept": "text/html"}).text
        assert 'id="place-calf"' in html and 'id="place-not_said"' in html and "2-5 minutes is typical" in html


@pytest.mark.parametrize(
    ("seconds", "range_code"),
    [
        (0, "within_1_min"),
        (59.9, "within_1_min"),
        (60, "1_to_2_min"),
        (120, "2_to_5_min"),
        (299, "2_to_5_min"),
        (300, "5_to_10_min"),
        (600, "over_10_min"),
        (3600, "over_10_min"),
    ],
)
def test_each_relief_time_falls_in_one_range(seconds, range_code):
    counts = {r["range"]: r["count"] for r in relief_distribution([seconds])}
    assert counts[range_code] == 1 and sum(counts.values()) == 1


def test_without_any_place_said_there_is_no_per_place_section(fresh_demo_db):
    from footnote.server.dashboard.pagedata import PageData

    conn = sqlite3.connect(fresh_demo_db)
    with conn:
        conn.execute("UPDATE annotations SET location = NULL")
    conn.close()
    assert PageData(fresh_demo_db).summary()["places"] == []
    assert rows(fresh_demo_db, "SELECT count(*) FROM annotations") == [(7,)]


def test_an_older_database_is_read_as_it_is_and_brought_up_to_date_by_footnote_serve_not_by_a_save(
    db_path, monkeypatch
):
    """A database last opened by a logger from before these tables: the pages read it as it
    is (no setups, no answers); a save that needs a newer table is refused and changes
    nothing (requests never migrate the logger's database), and footnote serve's start
    brings it up to date, after which the setup is saved."""
    from footnote.device.db import schema
    from footnote.device.db.connect import bring_up_to_date
    from footnote.device.db.store import Store
    from footnote.device.errors import DatabaseTooOld
    from footnote.server.analysis.setups import SetupIn
    from footnote.server.dashboard.pagedata import PageData
    from footnote.server.dashboard.saves import save_setup
    from footnote.server.exports import collect

    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])  # the logger knew only 001
    with Store(db_path) as store:
        store.open_run(
            started_at=datetime(2026, 11, 20, 7, tzinfo=UTC),
            clock_synced=True,
            source="live",
            device="test",
            cadence_convention="auto",
        )
    monkeypatch.undo()
    assert rows(db_path, "SELECT name FROM _migrations") == [("001_initial",)]
    pages = PageData(db_path)
    assert pages.setups_page()["runs_with_setup"] == 0 and pages.questionnaire_page()["answers"] is None
    assert pages.run_page(1)["setup"] is None
    with pytest.raises(DatabaseTooOld, match="run_setups"):
        save_setup(db_path, 1, SetupIn(shoes="Pegasus 40"))
    assert rows(db_path, "SELECT name FROM _migrations") == [("001_initial",)]
    assert bring_up_to_date(db_path) == [name for name, _ in schema.MIGRATIONS[1:]]  # footnote serve's start
    save_setup(db_path, 1, SetupIn(shoes="Pegasus 40"))
    assert pages.run_page(1)["setup"]["shoes"] == "Pegasus 40"
    assert len(rows(db_path, "SELECT name FROM _migrations")) == len(schema.MIGRATIONS)
    assert len(collect(db_path).database_id) == 36  # the export finds the database's own id

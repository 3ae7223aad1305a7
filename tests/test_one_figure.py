"""One definition per figure: the distance and time to first numbness, standstill-to-relief
and the trend are computed once (server.analysis.figures), and every surface says the same
for the same runs: the home page, the trends and setups pages, their JSON twins, `footnote
analyze --json`, the PDF, both CSVs and the FHIR cover."""

from __future__ import annotations

import csv
import html
import json
import re
import subprocess

import pytest
from pypdf import PdfReader

from footnote.device.db.connect import open_reader
from footnote.device.db.reader import list_runs, load_runs
from footnote.server.analysis import analyze_run, figures, summarize
from footnote.server.analysis.setups import SetupIn
from footnote.server.dashboard.saves import save_setup
from footnote.server.words import sentences
from footnote.server.words.vocabulary import distance, duration, variation
from tests.helpers import FOOTNOTE, client

pytestmark = pytest.mark.slow  # every export through the command line


def footnote(*args: str) -> str:
    done = subprocess.run([*FOOTNOTE, *args], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return done.stdout


def flat(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def test_every_surface_states_the_same_figures(dashboard, tmp_path):
    db = dashboard.db_path
    for run_id in (1, 2):
        save_setup(db, run_id, SetupIn(shoes="Daily trainers", lacing="Standard"))
    for run_id in (3, 4, 5):
        save_setup(db, run_id, SetupIn(shoes="New racing flats", lacing="Tight"))
    conn = open_reader(db)
    try:
        analyses = [analyze_run(run) for run in load_runs(conn, list_runs(conn))]
    finally:
        conn.close()
    summary = summarize(analyses)
    onset, relief = summary.onset_distance_m, summary.rest_to_relief_s
    # the definition: each run's first numbness, measured on the runs where it cleared at rest
    firsts = [f for f in figures.first_numbness_of(analyses) if f.episode.label == "resolves_at_rest"]
    assert onset == figures.onset_distance(firsts) and onset.n == 3
    calf = figures.onset_distance(figures.first_numbness_of(analyses, "calf"))
    said_onset = f"{distance(onset.median)} (median); {variation(onset.cv, onset.n)}"
    said_relief = f"{duration(relief.median)} (median); {variation(relief.cv, relief.n, 'episode')}"

    c = client(dashboard)
    # the JSON twins and footnote analyze --json
    api = c.get("/api/summary").json()
    cli = json.loads(footnote("analyze", "--db", str(db), "--json"))["summary"]
    for twin in (api, cli):
        # (the JSON rounds to what a reader needs: 0.1 m, a tenth of a percent)
        assert twin["onset_distance_m"] == {
            "n": onset.n,
            "median": pytest.approx(onset.median, abs=0.1),
            "cv": pytest.approx(onset.cv, abs=0.001),
        }
        assert twin["rest_to_relief_s"]["median"] == pytest.approx(relief.median, abs=0.1)
        assert twin["onset_trend"]["stated"] is False and twin["onset_trend"]["code"] == "not_enough_runs"
    (calf_place,) = [pl for pl in api["places"] if pl["place"] == "calf"]
    assert calf_place["onset_distance_m"]["median"] == pytest.approx(calf.median, abs=0.1)
    assert calf_place["onset_distance_m"]["n"] == calf.n
    # the pages
    home = flat(c.get("/").text)
    assert f"after {distance(onset.median)}" in home and variation(onset.cv, onset.n) in home
    assert f"after {distance(calf.median)}, " in home and sentences.summary_trend(summary) in home
    trends = c.get("/api/trends").json()
    by_run = {ra.run_id: figures.first_numbness(ra) for ra in analyses}
    for point in trends:
        first = by_run[point["run_id"]]
        assert point["onset_distance_m"] == (pytest.approx(first.distance_m, abs=0.1) if first else None)
    setups = {g["setup"]["lacing"]: g for g in c.get("/api/setups").json()["setups"] if g["setup"]}
    trainers = [by_run[1], by_run[2]]
    assert setups["Standard"]["median_onset_distance_m"] == pytest.approx(
        figures.onset_distance(trainers).median, abs=0.1
    )
    # the PDF's page 1
    pdf = tmp_path / "r.pdf"
    footnote("export", "--db", str(db), "--format", "pdf", "--out", str(pdf))
    first_page = flat(PdfReader(pdf).pages[0].extract_text())
    assert f"Distance to first numbness {said_onset}" in first_page
    assert f"Stopping to relief {said_relief}" in first_page
    assert f"calf 6 (3 runs) resolves at rest {distance(calf.median)} (median); {variation(calf.cv, calf.n)}" in (
        first_page
    )
    # the runs CSV: each run's first numbness; the FHIR cover
    runs_csv = tmp_path / "runs.csv"
    footnote("export", "--db", str(db), "--format", "runs-csv", "--out", str(runs_csv))
    with open(runs_csv, newline="") as f:
        for row in csv.DictReader(f):
            first = by_run[int(row["run_id"])]
            assert row["first_numbness_distance_m"] == ("" if first is None else str(round(first.distance_m, 1)))
    bundle = tmp_path / "b.json"
    footnote("export", "--db", str(db), "--format", "fhir", "--out", str(bundle))
    cover = json.loads(bundle.read_text())["entry"][0]["resource"]["section"][0]["text"]["div"]
    assert f"Distance to first numbness: {distance(onset.median)} (median), {variation(onset.cv, onset.n)}." in cover

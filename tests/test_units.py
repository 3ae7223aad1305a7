"""Pace and distance in the runner's units (dashboard.units: km or mi); the JSON stays SI."""

from __future__ import annotations

import subprocess

import httpx
import pytest
from pypdf import PdfReader

from footnote.device.config import parse_config
from footnote.device.errors import ConfigError
from footnote.server.dashboard.app import create_app
from footnote.server.words.vocabulary import distance, pace
from tests.helpers import FOOTNOTE, LiveServer


def test_pace_reads_as_minutes_per_unit_and_never_for_standing():
    assert pace(3.0) == "5:33 /km" and pace(3.0, "mi") == "8:56 /mi"
    assert pace(0.2) == "-" and pace(None) == "-"
    assert distance(2134.8) == "2.13 km" and distance(2134.8, "mi") == "1.33 mi"


def test_the_config_takes_km_or_mi_and_names_anything_else():
    assert parse_config({"dashboard": {"units": "mi"}}).dashboard.units == "mi"
    assert parse_config({}).dashboard.units == "km"
    with pytest.raises(ConfigError, match=r"dashboard\.units must be one of km, mi"):
        parse_config({"dashboard": {"units": "furlongs"}})


def test_in_miles_the_pages_say_miles_and_the_json_stays_in_metres(fresh_demo_db):
    server = LiveServer(create_app(fresh_demo_db, units="mi"))
    try:
        home = httpx.get(server.url + "/").text
        run = httpx.get(server.url + "/runs/1").text
        api = httpx.get(server.url + "/api/runs/1").json()
    finally:
        server.stop()
    assert " mi" in home and "/mi" in home and " km" not in home
    assert "/mi" in run and '"km": "mi"' in run  # the chart's script reads miles too
    assert api["distance_m"] > 4000 and api["episodes"][0]["onset_distance_m"] > 2000  # metres


@pytest.mark.slow  # a whole PDF through the command line
def test_the_pdf_follows_the_config(demo_db, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[dashboard]\nunits = "mi"\n')
    out = tmp_path / "r.pdf"
    done = subprocess.run(
        [*FOOTNOTE, "--config", str(config), "export", "--db", str(demo_db), "--format", "pdf", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    first = " ".join(PdfReader(out).pages[0].extract_text().split())
    assert "1.33 mi (median)" in first and "15.05 mi" in first

"""The dashboard's charts as the server draws them (SVG without matplotlib), over real
HTTP, on a run replayed through the real pipeline: a stop that brings relief, a footpod
gap, and an episode that gets worse and is still there at the end.

What a browser does with them (tap, zoom, text on a phone) is in test_dashboard_phone.py."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import httpx
import pytest

from footnote.device.logger.story import Story
from footnote.server.charts.data import ZOOM_PAD_MIN_S, episode_window
from footnote.server.charts.svg import FONT_PX, MIN_WIDTH
from footnote.server.dashboard.app import create_app
from tests.helpers import LiveServer, replay_story

NS = {"svg": "http://www.w3.org/2000/svg"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Ten minutes' running, numbness, a three-minute stop that clears it, a walk; the
    footpod's link drops for two minutes; running again, numbness that gets worse and is
    still there when the run ends."""
    tmp = tmp_path_factory.mktemp("charts")
    story = Story().connect().run(minutes=10).press().run(minutes=1).stand(minutes=3).hold().walk(minutes=2)
    story.gap(minutes=2, speed_mps=3.0, cadence_spm=170).run(minutes=5).press().run(minutes=3).press()
    story.run(minutes=2).end()
    replay_story(story, tmp / "run.db", tmp)
    live = LiveServer(create_app(tmp / "run.db"))
    yield live
    live.stop()


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def run(http) -> dict:
    return http.get("/api/runs/1").json()


def chart(http, path: str, **params) -> ET.Element:
    response = http.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    return ET.fromstring(response.text)


def font_sizes(root: ET.Element) -> list[float]:
    """The font size each text of the chart is drawn at (inherited from its ancestors)."""
    sizes = []

    def walk(node: ET.Element, inherited: float | None) -> None:
        size = float(node.get("font-size", inherited or 0))
        if node.tag == f"{{{NS['svg']}}}text":
            sizes.append(size)
        for child in node:
            walk(child, size)

    walk(root, None)
    return sizes


def test_the_run_chart_is_drawn_for_a_phone_with_text_a_runner_can_read(http, run):
    svg = chart(http, "/runs/1/timeline.svg", width=360)
    # Drawn for 360 CSS px: one unit of the drawing is one pixel on the phone ...
    assert svg.get("viewBox").split()[2] == svg.get("width") == "360"
    # ... so every label is FONT_PX (13) pixels high there, never smaller.
    sizes = font_sizes(svg)
    assert len(sizes) > 10 and min(sizes) == FONT_PX >= 12
    texts = [t.text for t in svg.iter(f"{{{NS['svg']}}}text")]
    assert "speed (m/s)" in texts and "cadence (steps/min)" in texts and "time into the run" in texts
    assert "10:00" in texts  # the time axis reads as run time


def test_episodes_stops_and_footpod_gaps_are_all_on_the_run_chart(http, run):
    svg = chart(http, "/runs/1/timeline.svg", width=360)
    bars = svg.findall(".//svg:g[@class='episode-bar']", NS)
    assert [(b.get("data-episode"), b.get("data-label")) for b in bars] == [
        (str(ep["number"]), ep["label"]) for ep in run["episodes"]
    ]
    assert [ep["label"] for ep in run["episodes"]] == ["resolves_at_rest", "worsening"]
    for bar, ep in zip(bars, run["episodes"], strict=True):
        assert float(bar.get("data-onset-s")) == pytest.approx(ep["onset_t_s"], abs=0.1)
        assert float(bar.get("data-end-s")) == pytest.approx(ep["end_t_s"], abs=0.1)
        (hit,) = bar.findall("svg:rect[@class='hit']", NS)
        assert float(hit.get("width")) >= 44 and float(hit.get("height")) >= 44  # a thumb can hit it
    # the second episode got worse: its bar carries the mark; the first was relieved: a ring
    assert len(bars[1].findall("svg:path", NS)) == 1 and not bars[1].findall("svg:circle", NS)
    assert len(bars[0].findall("svg:circle", NS)) == 1
    # the stop (in both panels) in grey, the link drop hatched
    stops = [s for s in run["segments"] if s["state"] == "rest"]
    gaps = [s for s in run["segments"] if s["state"] == "unknown" and s["end_s"] - s["start_s"] > 60]
    assert stops and gaps
    assert len(svg.findall(".//svg:rect[@class='span rest']", NS)) == 2 * len(stops)
    hatched = svg.findall(".//svg:rect[@class='span unknown']", NS)
    assert len(hatched) >= 2 and all(r.get("fill") == "url(#fn-hatch)" for r in hatched)
    # no line is drawn across the gap: the speed line is lifted there
    (speed,) = svg.findall(".//svg:path[@class='series speed']", NS)
    assert speed.get("d").count("M") >= 2


def test_zoomed_to_an_episode_the_chart_shows_that_stretch(http, run):
    ep = run["episodes"][0]
    start, end = episode_window(ep["onset_t_s"], ep["end_t_s"], run["duration_s"])
    assert start == pytest.approx(
        ep["onset_t_s"] - max(ZOOM_PAD_MIN_S, 0.3 * (ep["end_t_s"] - ep["onset_t_s"])), abs=0.1
    )
    svg = chart(http, "/runs/1/timeline.svg", width=360, from_s=start, to_s=end)
    assert (float(svg.get("data-t0")), float(svg.get("data-t1"))) == (start, end)
    (bar,) = svg.findall(".//svg:g[@class='episode-bar']", NS)  # only the episode in view
    assert bar.get("data-episode") == "1"
    width = float(bar.find("svg:rect[@class='bar']", NS).get("width"))
    assert width > 0.5 * float(svg.get("data-plot-width"))  # it fills the chart
    assert min(font_sizes(svg)) == FONT_PX
    # the values the script reads are those of the same stretch, downsampled as drawn
    samples = http.get(
        "/api/runs/1/samples", params={"from_s": start, "to_s": end, "max_points": svg.get("data-max-points")}
    ).json()
    assert (samples["from_s"], samples["to_s"]) == (start, end)
    assert samples["samples"] and all(start <= s[0] <= end for s in samples["samples"])
    assert samples["returned"] <= int(svg.get("data-max-points"))


def test_the_run_page_links_each_episode_to_its_zoom(http, run):
    page = http.get("/runs/1").text
    for ep in run["episodes"]:
        start, end = episode_window(ep["onset_t_s"], ep["end_t_s"], run["duration_s"])
        assert f'href="/runs/1?from_s={start}&amp;to_s={end}#chart"' in page
    zoomed = http.get("/runs/1", params={"from_s": start, "to_s": end}).text
    assert f"/runs/1/timeline.svg?width=360&amp;from_s={start}&amp;to_s={end}" in zoomed  # without JavaScript too
    assert 'aria-current="true">episode 2<' in zoomed


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"from_s": 5}, "from_s, to_s: give both"),
        ({"from_s": 50, "to_s": 10}, "to_s: must be after from_s"),
        ({"from_s": "nan", "to_s": 10}, "from_s"),
        ({"from_s": -1, "to_s": 10}, "from_s"),
        ({"width": MIN_WIDTH - 1}, "width"),
    ],
)
def test_a_bad_chart_window_or_width_is_a_clear_422(http, params, names):
    for path in ("/runs/1/timeline.svg", "/runs/1", "/api/runs/1/samples"):
        if "width" in params and path != "/runs/1/timeline.svg":
            continue
        response = http.get(path, params=params)
        assert response.status_code == 422 and names in response.text, (path, response.text)


def test_the_charts_obey_the_pages_content_security_policy(http):
    """Inlined into the page by its script, a chart may carry no style, script or outside
    reference: the CSP (style-src 'self'; script-src 'self') would block them."""
    for path, params in (("/runs/1/timeline.svg", {"width": 390}), ("/trends.svg", {"width": 390})):
        text = http.get(path, params=params).text
        assert "<style" not in text and "style=" not in text and "<script" not in text and " on" not in text
        root = ET.fromstring(text)
        refs = [v for e in root.iter() for k, v in e.attrib.items() if k.endswith("href") or v.startswith("url(")]
        assert all(r in ("url(#fn-hatch)", "#fn-hatch") for r in refs), refs


def test_the_trends_chart_stacks_its_panels_on_a_phone(http):
    phone = chart(http, "/trends.svg", width=360)
    wide = chart(http, "/trends.svg", width=1000)
    assert min(font_sizes(phone)) == FONT_PX
    assert float(phone.get("height")) > 1.8 * float(wide.get("height"))  # one column, not two
    assert len(phone.findall(".//svg:g[@class='panel']", NS)) == 4


def test_the_dashboard_serves_every_page_without_matplotlib(server):
    """Charts are drawn as SVG text: the dashboard never loads matplotlib (memory on a Pi);
    only the PDF export does."""
    code = (
        "import sys; from fastapi.testclient import TestClient;"
        "from footnote.server.dashboard.app import create_app;"
        f"c = TestClient(create_app({str(server_db(server))!r}, names=['testserver']));"
        "paths = ['/', '/runs/1', '/runs/1/timeline.svg?width=390', '/runs/1?from_s=500&to_s=900',"
        " '/runs/1/timeline.svg?width=390&from_s=500&to_s=900', '/api/runs/1/samples?max_points=300',"
        " '/trends', '/trends.svg?width=390', '/export', '/runs/1/episodes/1/annotate', '/api/trends'];"
        "bad = [p for p in paths if c.get(p).status_code != 200];"
        "print(bad, [m for m in ('matplotlib', 'reportlab', 'numpy') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] []"


def server_db(server: LiveServer):
    return server.server.config.app.state.settings.db_path


def test_zoomed_into_a_footpod_gap_the_chart_says_there_is_no_data(http, run):
    (gap,) = [s for s in run["segments"] if s["state"] == "unknown" and s["end_s"] - s["start_s"] > 60]
    svg = chart(http, "/runs/1/timeline.svg", width=360, from_s=gap["start_s"] + 10, to_s=gap["end_s"] - 10)
    assert "no footpod data here" in [t.text for t in svg.iter(f"{{{NS['svg']}}}text")]


def test_a_chart_story_is_told_in_its_accessible_name(http, run):
    svg = chart(http, "/runs/1/timeline.svg", width=360)
    assert svg.get("role") == "img"
    label = svg.get("aria-label")
    assert "Episode 1 (resolves at rest)" in label and "Episode 2 (steadily worsening)" in label


def test_a_narrow_episode_at_the_right_edge_keeps_its_number_on_the_chart(http, run):
    onset = run["episodes"][0]["onset_t_s"]
    svg = chart(http, "/runs/1/timeline.svg", width=360, from_s=0, to_s=round(onset + 5, 1))
    (bar,) = svg.findall(".//svg:g[@class='episode-bar']", NS)
    (number,) = bar.findall("svg:text", NS)
    assert number.text == "1"
    x = float(number.get("x"))
    if number.get("text-anchor") == "end":
        assert 0 < x - 0.7 * FONT_PX <= x <= float(bar.find("svg:rect[@class='bar']", NS).get("x"))
    else:
        assert x + 0.7 * FONT_PX <= 360

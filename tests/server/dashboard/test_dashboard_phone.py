"""The dashboard on a phone, after a run: a real headless Chromium (Debian's, driven by
Playwright) at 390 x 844 CSS px with a touch screen, on the demo runs.

Every page is checked by axe-core (vendored for the tests only, tests/vendor/axe-core)
against WCAG 2 A/AA, for text a runner can read (nothing under 12 px), for targets a
thumb can hit (44 x 44 px; a link inside a sentence excepted, as WCAG 2.5.8 does) and
for nothing wider than the screen. The run chart is
tapped, zoomed and read as a runner would. Screenshots are kept in tests/artifacts/."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from footnote.device.db.connect import open_writer
from footnote.device.watch.attach import attach_watch_file
from footnote.server.words.vocabulary import CHART_WORDS, LABEL_WORDS, STATE_WORDS, cadence, clock, km, speed
from tests.fit_writer import FitRecord, write_fit
from tests.helpers import REPO, rows

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # headless Chromium

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
AXE = (REPO / "tests" / "vendor" / "axe-core" / "axe.min.js").read_text()
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SMALLEST_TEXT_PX = 12
THUMB_PX = 44

# -- what the browser measures (run with Playwright's evaluate, which the CSP allows) -------
SMALLEST_TEXT = """() => {
  let smallest = [1e9, ''];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const node = walk.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || el.closest('title, script')) continue;
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
    let px = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest('svg');  // SVG text is scaled with its drawing
    if (svg) px *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    if (px < smallest[0]) smallest = [px, el.tagName + ': ' + node.textContent.trim().slice(0, 40)];
  }
  return smallest;
}"""
SMALL_TARGETS = """(thumb) => [...document.querySelectorAll(
    'a[href], button, select, textarea, input:not([type=hidden]), [tabindex]')]
  .filter(el => !(el.tagName === 'A' && getComputedStyle(el).display === 'inline'
                  && el.parentElement.textContent.trim() !== el.textContent.trim()))  // a link in a sentence
  .map(el => {
    const target = ['checkbox', 'radio'].includes(el.type) && el.closest('label') ? el.closest('label') : el;
    const box = target.getBoundingClientRect();
    return {what: el.tagName + ' ' + (el.textContent || el.name || '').trim().slice(0, 30),
            width: Math.round(box.width), height: Math.round(box.height)};
  })
  .filter(t => t.width && t.height && (t.width < thumb || t.height < thumb))"""
AXE_RUN = """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                     nodes: v.nodes.map(n => n.target.join(' '))})))"""


class Phone:
    """A page on the phone that remembers what a runner would never want to see: a
    request leaving the dashboard (it works offline), a script error, a CSP refusal, a
    part of the page (style, script, icon, chart, its data) that failed to load."""

    def __init__(self, browser, base_url: str, **options) -> None:
        self.base_url = base_url
        self.context = browser.new_context(**{**PHONE, **options})
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", self._request)
        self.page.on("pageerror", lambda error: self.errors.append(f"script error: {error}"))
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def _request(self, request) -> None:
        if not request.url.startswith(self.base_url):
            self.outside.append(request.url)

    def _console(self, message) -> None:
        # a CSP refusal is reported here; failed loads are judged by _response
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(message.text)

    def _response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.errors.append(f"{response.status} for {response.url}")

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def chart_ready(self, selector: str = "#chart") -> None:
        self.page.locator(f"{selector}[data-state=ready] svg").wait_for()

    def clean(self) -> None:
        assert not self.outside, f"requests left the dashboard: {self.outside}"
        assert not self.errors, self.errors

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def phone(browser, dashboard):
    p = Phone(browser, dashboard.url)
    yield p
    p.close()


def axe_violations(page) -> list[dict]:
    page.evaluate(AXE)
    return page.evaluate(AXE_RUN, WCAG_A_AA)


def comfortable_on_a_phone(page, where: str, *, axe: bool = True) -> None:
    """What every page owes a runner on a 390-px phone in the sun. (axe-core needs
    the page's JavaScript: a page seen without it is checked for the rest.)"""
    if axe:
        violations = axe_violations(page)
        assert violations == [], f"{where}: axe-core finds {violations}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{where}: wider than the phone"
    px, text = page.evaluate(SMALLEST_TEXT)
    assert px >= SMALLEST_TEXT_PX, f"{where}: text {px:.1f} px high ({text})"
    assert page.evaluate(SMALL_TARGETS, THUMB_PX) == [], f"{where}: targets smaller than a thumb"


# -- the run chart ------------------------------------------------------------------------


def geometry(page) -> dict:
    """Where the run chart draws what: its data attributes, and its box on the screen."""
    g = page.eval_on_selector(
        "#timeline",
        """svg => { const b = svg.getBoundingClientRect(), d = svg.dataset,
                    speed = svg.querySelector('.panel[data-field=speed]').dataset;
          return {t0: +d.t0, t1: +d.t1, width: +d.width, left: +d.plotLeft, plotWidth: +d.plotWidth,
                  maxPoints: +d.maxPoints, speedTop: +speed.top, panelHeight: +speed.height,
                  x: b.x, y: b.y, scale: b.width / +d.width}; }""",
    )
    return g


def screen_point(g: dict, t_s: float) -> tuple[float, float]:
    """On the screen, the middle of the speed panel at t_s into the run."""
    x_view = g["left"] + (t_s - g["t0"]) / (g["t1"] - g["t0"]) * g["plotWidth"]
    y_view = g["speedTop"] + g["panelHeight"] / 2
    return g["x"] + x_view * g["scale"], g["y"] + y_view * g["scale"]


def readout(page) -> dict[str, str]:
    return {dd.get_attribute("data-field"): dd.inner_text() for dd in page.locator("#chart-readout [data-field]").all()}


def state_at(segments: list[dict], t_s: float) -> str:
    for seg in segments:
        if seg["start_s"] <= t_s < seg["end_s"]:
            return seg["state"]
    return segments[-1]["state"] if segments and t_s >= segments[-1]["end_s"] else "unknown"


def expect_point_readout(page, base_url: str, run: dict, g: dict, tapped_t_s: float, window=None) -> float:
    """The readout after a tap at tapped_t_s shows the nearest sample the chart drew, in
    the dashboard's own words and units (the same as the Python side writes them)."""
    page.locator("#chart-readout[data-kind=point]").wait_for()
    t_s = float(page.get_attribute("#chart-readout dl", "data-t-s"))
    seconds_per_px = (g["t1"] - g["t0"]) / (g["plotWidth"] * g["scale"])
    params: dict = {"max_points": g["maxPoints"]}
    if window:
        params |= {"from_s": window[0], "to_s": window[1]}
    samples = httpx.get(f"{base_url}/api/runs/{run['id']}/samples", params=params).json()["samples"]
    nearest = min(samples, key=lambda s: abs(s[0] - tapped_t_s))
    assert abs(t_s - tapped_t_s) <= abs(nearest[0] - tapped_t_s) + 2 * seconds_per_px
    (sample,) = [s for s in samples if s[0] == t_s]
    assert readout(page) == {
        "time": f"{clock(t_s)} {CHART_WORDS['in']}",
        "distance": km(sample[3]),
        "speed": speed(sample[1]),
        "cadence": cadence(sample[2]),
        "state": STATE_WORDS[state_at(run["segments"], t_s)],
    }
    return t_s


def test_on_a_phone_the_run_chart_is_readable_and_shows_episodes_and_stops(phone, dashboard, artifacts):
    phone.goto("/runs/1")
    phone.chart_ready()
    page = phone.page
    run = httpx.get(f"{dashboard.url}/api/runs/1").json()
    g = geometry(page)
    # drawn for this screen: as wide as the frame, never shrunk (so 13-px labels stay 13 px)
    assert 330 <= g["width"] <= 360 and g["scale"] >= 1
    chart_text = page.eval_on_selector_all(
        "#timeline text", "ts => ts.map(t => parseFloat(getComputedStyle(t).fontSize))"
    )
    assert len(chart_text) > 10 and min(chart_text) * g["scale"] >= SMALLEST_TEXT_PX + 1
    # every episode has a bar a thumb can hit; every stop is shaded where it is seen
    for ep in run["episodes"]:
        bar = page.locator(f"#timeline .episode-bar[data-episode='{ep['number']}']")
        box, hit = bar.locator(".bar").bounding_box(), bar.locator(".hit").bounding_box()
        assert box["height"] >= 24 and box["width"] >= 4
        assert hit["height"] >= THUMB_PX and hit["width"] >= THUMB_PX
    stops = [s for s in run["segments"] if s["state"] == "rest"]
    shaded = page.locator("#timeline .panel[data-field=speed] rect.span.rest").all()
    assert len(shaded) == len(stops) and all(r.bounding_box()["width"] >= 3 for r in shaded)
    page.locator("#chart").screenshot(path=artifacts / "phone-run-chart.png")
    comfortable_on_a_phone(page, "/runs/1")
    phone.clean()


def test_tapping_the_run_chart_reads_time_distance_speed_cadence_and_state(phone, dashboard, artifacts):
    phone.goto("/runs/1")
    phone.chart_ready()
    page = phone.page
    run = httpx.get(f"{dashboard.url}/api/runs/1").json()
    g = geometry(page)
    # ten minutes in, running
    page.touchscreen.tap(*screen_point(g, 600))
    t_s = expect_point_readout(page, dashboard.url, run, g, 600)
    assert readout(page)["state"] == STATE_WORDS["moving"] and readout(page)["speed"] == "3.0 m/s"
    assert page.locator("#timeline .cursor circle").count() == 2  # the point marked on speed and cadence
    page.locator("#chart").screenshot(path=artifacts / "phone-run-tap-point.png")
    # in the first stop: standing still
    stop = next(s for s in run["segments"] if s["state"] == "rest")
    middle = (stop["start_s"] + stop["end_s"]) / 2
    page.touchscreen.tap(*screen_point(g, middle))
    page.locator(f"#chart-readout dl:not([data-t-s='{t_s}'])").wait_for()
    expect_point_readout(page, dashboard.url, run, g, middle)
    assert readout(page)["state"] == STATE_WORDS["rest"] and readout(page)["speed"] == "0.0 m/s"
    comfortable_on_a_phone(page, "/runs/1 with a point read")

    # tapping an episode's bar shows the episode: when it began, where, how fast, and relief
    ep = run["episodes"][1]
    hit = page.locator("#timeline .episode-bar[data-episode='2'] .hit").bounding_box()
    page.touchscreen.tap(hit["x"] + hit["width"] / 2, hit["y"] + hit["height"] / 2)
    page.locator("#chart-readout[data-kind=episode][data-episode='2']").wait_for()
    shown = page.inner_text("#chart-readout")
    assert f"{CHART_WORDS['episode']} 2: {LABEL_WORDS[ep['label']]}" in shown
    assert readout(page) == {
        "time": f"{clock(ep['onset_t_s'])} {CHART_WORDS['in']}",
        "distance": km(ep["onset_distance_m"]),
        "speed": speed(ep["onset_speed_mps"]),
        "cadence": cadence(ep["onset_cadence_spm"]),
        "state": STATE_WORDS[ep["onset_state"]],
        "end": f"{CHART_WORDS['relief']}: {clock(ep['end_t_s'])} {CHART_WORDS['in']}, {STATE_WORDS[ep['end_state']]}",
    }
    assert page.locator("#timeline .episode-bar.selected").get_attribute("data-episode") == "2"
    page.locator("#chart").screenshot(path=artifacts / "phone-run-tap-episode.png")
    comfortable_on_a_phone(page, "/runs/1 with an episode read")
    phone.clean()


def test_zooming_to_an_episode_and_back(phone, dashboard, artifacts):
    phone.goto("/runs/1")
    phone.chart_ready()
    page = phone.page
    run = httpx.get(f"{dashboard.url}/api/runs/1").json()
    ep = run["episodes"][0]
    link = page.locator(".chart-zoom a[data-episode='1']")
    start, end = float(link.get_attribute("data-from-s")), float(link.get_attribute("data-to-s"))
    assert start < ep["onset_t_s"] < ep["end_t_s"] < end

    # the runner has scrolled down to the zoom links, below the chart, and taps one
    page.eval_on_selector(".chart-zoom", "nav => window.scrollBy(0, nav.getBoundingClientRect().top - 8)")
    assert page.eval_on_selector("#chart", "f => f.getBoundingClientRect().top") < 0
    link.tap()
    page.locator(f"#chart[data-state=ready] svg#timeline[data-t0='{start:.1f}'][data-t1='{end:.1f}']").wait_for()
    assert page.eval_on_selector("#chart", "f => f.getBoundingClientRect().top") > -1  # the chart is back in view
    assert parse_qs(urlparse(page.url).query) == {"from_s": [str(start)], "to_s": [str(end)]}  # a link to share
    assert link.get_attribute("aria-current") == "true"
    g = geometry(page)
    bar = page.locator("#timeline .episode-bar[data-episode='1'] .bar").bounding_box()
    assert bar["width"] >= 0.5 * g["plotWidth"] * g["scale"]  # the episode fills the chart
    assert page.locator("#timeline .episode-bar").count() == 1
    labels = page.eval_on_selector_all("#timeline text[text-anchor]", "ts => ts.map(t => t.textContent)")
    ticks = [int(m) * 60 + int(s) for m, s in (re.fullmatch(r"(\d+):(\d\d)", t).groups() for t in labels if ":" in t)]
    assert len(ticks) >= 3 and all(start <= t <= end for t in ticks)  # the time axis is the episode's stretch
    assert max(b - a for a, b in itertools.pairwise(ticks)) <= 120  # read to the minute or two
    # a tap reads the zoomed chart's own points
    page.touchscreen.tap(*screen_point(g, ep["onset_t_s"] + 30))
    expect_point_readout(page, dashboard.url, run, g, ep["onset_t_s"] + 30, window=(start, end))
    page.screenshot(path=artifacts / "phone-run-zoomed.png", full_page=True)
    comfortable_on_a_phone(page, "/runs/1 zoomed")

    # the back button and the whole-run link both return to the whole run
    page.go_back()
    page.locator("#chart[data-state=ready] svg#timeline[data-t0='0.0']").wait_for()
    assert urlparse(page.url).query == ""
    page.locator(".chart-zoom a[data-episode='2']").tap()
    page.locator("#chart[data-state=ready] svg#timeline:not([data-t0='0.0'])").wait_for()
    page.locator(".chart-zoom a.whole").tap()
    page.locator("#chart[data-state=ready] svg#timeline[data-t0='0.0']").wait_for()
    assert page.locator("#timeline .episode-bar").count() == len(run["episodes"])

    # a zoomed address opens zoomed
    phone.goto(f"/runs/1?from_s={start}&to_s={end}")
    page.locator(f"#chart[data-state=ready] svg#timeline[data-t0='{start:.1f}']").wait_for()
    phone.clean()


def test_the_run_chart_reads_with_a_mouse_and_with_the_keyboard(browser, dashboard):
    laptop = Phone(browser, dashboard.url, viewport={"width": 1100, "height": 900}, is_mobile=False, has_touch=False)
    try:
        page = laptop.page
        laptop.goto("/runs/1")
        laptop.chart_ready()
        run = httpx.get(f"{dashboard.url}/api/runs/1").json()
        g = geometry(page)
        assert g["width"] > 900  # drawn for the wide screen
        page.mouse.move(*screen_point(g, 1200))  # hovering is enough
        expect_point_readout(page, dashboard.url, run, g, 1200)
        page.focus("#chart .chart-frame")
        page.keyboard.press("Home")
        page.locator("#chart-readout dl[data-t-s]").wait_for()
        first = float(page.get_attribute("#chart-readout dl", "data-t-s"))
        page.keyboard.press("ArrowRight")
        page.locator(f"#chart-readout dl:not([data-t-s='{first}'])").wait_for()
        assert float(page.get_attribute("#chart-readout dl", "data-t-s")) > first
        laptop.clean()
    finally:
        laptop.close()


def test_without_javascript_the_phone_gets_a_chart_drawn_for_it_and_zoom_links(browser, dashboard, artifacts):
    phone = Phone(browser, dashboard.url, java_script_enabled=False)
    try:
        page = phone.page
        phone.goto("/runs/1")
        page.locator("#timeline").wait_for()
        page.wait_for_load_state("load")
        src = page.eval_on_selector("#timeline", "img => img.currentSrc")
        assert "width=360" in src and page.eval_on_selector("#timeline", "img => img.naturalWidth") == 360
        with page.expect_navigation(wait_until="load"):
            page.locator(".chart-zoom a[data-episode='1']").tap()
        assert "from_s=" in page.eval_on_selector("#timeline", "img => img.currentSrc")
        assert not page.locator("#chart-readout").is_visible()  # nothing promises a tap that cannot work
        page.screenshot(path=artifacts / "phone-run-no-javascript.png", full_page=True)
        comfortable_on_a_phone(page, "/runs/1 without JavaScript", axe=False)
        phone.clean()
    finally:
        phone.close()


# -- every page -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "shot"),
    [
        ("/", "phone-runs"),
        ("/runs/4", "phone-run-clock-note"),  # the unsynchronised clock's form
        ("/runs/1/episodes/1/annotate", "phone-annotate"),
        ("/trends", "phone-trends"),
        ("/export", "phone-export"),
        ("/setups", "phone-setups"),
        ("/questionnaire", "phone-questionnaire"),
        ("/runs/999", "phone-not-found"),
    ],
)
def test_every_page_is_comfortable_on_a_phone(phone, path, shot, artifacts):
    phone.goto(path)
    page = phone.page
    page.wait_for_load_state("load")
    if page.locator("figure.chart[data-svg]").count():
        phone.chart_ready("figure.chart")
    page.screenshot(path=artifacts / f"{shot}.png", full_page=True)
    comfortable_on_a_phone(page, path)
    phone.clean()


def test_a_form_sent_back_with_errors_is_comfortable_too(phone, artifacts):
    phone.goto("/runs/1/episodes/1/annotate")
    page = phone.page
    # a location no form offers (as a hand-made request could send)
    page.eval_on_selector("input[name=location][value=other]", "input => { input.value = 'elbow'; }")
    page.check("input[name=location][value=elbow]")
    with page.expect_navigation(wait_until="load"):
        page.locator("form.annotate button[type=submit]").tap()
    assert "location" in page.inner_text(".errors")
    page.screenshot(path=artifacts / "phone-annotate-errors.png", full_page=True)
    comfortable_on_a_phone(page, "annotate, sent back")
    phone.clean()


def test_logging_in_on_a_phone(browser, locked_dashboard, artifacts):
    phone = Phone(browser, locked_dashboard.url)
    try:
        page = phone.page
        phone.goto("/")
        assert "/login" in page.url
        page.screenshot(path=artifacts / "phone-login.png", full_page=True)
        comfortable_on_a_phone(page, "/login")
        page.fill("input[name=password]", "wrong")
        with page.expect_navigation(wait_until="load"):
            page.locator("form.login button").tap()
        comfortable_on_a_phone(page, "/login, wrong password")
        page.fill("input[name=password]", locked_dashboard.password)
        with page.expect_navigation(wait_until="load"):
            page.locator("form.login button").tap()
        comfortable_on_a_phone(page, "/ logged in (with the log-out button)")
        phone.clean()
    finally:
        phone.close()


def test_setting_what_was_worn_on_a_phone_then_comparing(phone, artifacts):
    """The setups page with setups in it (the demo has none): two runs' shoes saved from
    the run page's form, by thumb, then the comparison."""
    page = phone.page
    for run_id, shoes in ((1, "Pegasus 40"), (2, "Trail shoes, wide")):
        phone.goto(f"/runs/{run_id}")
        page.fill("form.setup-form input[name=shoes]", shoes)
        page.fill("form.setup-form input[name=lacing]", "skip the 2nd eyelet")
        with page.expect_navigation(wait_until="load"):
            page.locator("#save-setup").tap()
        assert shoes in page.inner_text("#setup")
        comfortable_on_a_phone(page, f"/runs/{run_id} with its setup")
    phone.goto("/setups")
    assert "Pegasus 40" in page.inner_text("main") and "Trail shoes, wide" in page.inner_text("main")
    page.screenshot(path=artifacts / "phone-setups-compared.png", full_page=True)
    comfortable_on_a_phone(page, "/setups with setups")
    phone.clean()


# -- back from a run (issue 21): what happened first, the forms after --------------------


def first_screen_bottom(page) -> float:
    return page.evaluate("window.innerHeight")


def bottom_of(page, selector: str) -> float:
    return page.eval_on_selector(selector, "el => el.getBoundingClientRect().bottom + window.scrollY")


@pytest.fixture
def real_demo(tmp_path):
    """The dashboard on `footnote demo`'s own runs (real recordings), as `make demo` shows it."""
    from footnote.device.demo import build_demo_db
    from footnote.server.dashboard.app import create_app
    from tests.helpers import LiveServer

    db = tmp_path / "demo.db"
    build_demo_db(db)
    server = LiveServer(create_app(db))
    yield server
    server.stop()


def test_the_latest_run_is_on_the_first_screen_with_its_verdict_and_onset(browser, real_demo, artifacts):
    phone = Phone(browser, real_demo.url)
    try:
        page = phone.page
        phone.goto("/")
        runs = httpx.get(f"{real_demo.url}/api/runs").json()["runs"]
        latest = runs[0]
        (ep,) = latest["episode_list"]
        card = page.locator("#latest")
        assert latest["date"] in card.inner_text() and latest["time"] in card.inner_text()
        assert LABEL_WORDS[ep["label"]] in page.inner_text("#latest .badge")
        assert page.inner_text("#latest .onset-distance") == km(ep["onset_distance_m"])
        assert "Calf, left" in card.inner_text() and "cleared" in card.inner_text()
        for part in ("#latest .badge", "#latest .onset-distance", "#latest a.button"):
            assert bottom_of(page, part) <= first_screen_bottom(page), f"{part} is below the first screen"
        assert page.eval_on_selector("#latest a.button", "a => a.getAttribute('href')") == f"/runs/{latest['id']}"
        # the runs follow, the summary across runs after them
        assert bottom_of(page, "#latest") < bottom_of(page, "#runs") < bottom_of(page, "#summary")
        page.screenshot(path=artifacts / "phone-home-real-demo.png")
        comfortable_on_a_phone(page, "/ (the real demo)")
        phone.goto(f"/runs/{latest['id']}")
        phone.chart_ready()
        comfortable_on_a_phone(page, "a real run's page")
        page.screenshot(path=artifacts / "phone-run-real-demo.png", full_page=True)
        phone.clean()
    finally:
        phone.close()


def test_a_latest_run_without_numbness_says_so_on_the_first_screen(phone):
    phone.goto("/")
    page = phone.page
    assert "No numbness was marked on this run." in page.inner_text("#latest")
    assert bottom_of(phone.page, "#latest .badge") <= first_screen_bottom(page)


@pytest.mark.parametrize("run_id", [1, 4])
def test_on_a_run_page_what_happened_comes_before_every_form(phone, run_id):
    phone.goto(f"/runs/{run_id}")
    page = phone.page
    evidence = page.eval_on_selector("#episode-1 ul.evidence", "el => el.getBoundingClientRect().bottom + scrollY")
    forms = page.eval_on_selector_all("main form", "fs => fs.map(f => f.getBoundingClientRect().top + scrollY)")
    assert forms and evidence < min(forms)
    assert page.locator(".run-nav a").count() >= 1  # previous / next run


def test_every_error_page_is_a_page_with_the_sites_header(phone, artifacts):
    page = phone.page
    for path, status in (("/nope", 404), ("/runs/abc", 422), ("/export/report.pdf?since=2030-01-01", 404)):
        response = page.goto(phone.base_url + path)
        assert response.status == status and response.headers["content-type"].startswith("text/html")
        assert page.locator("header.top nav.site a[href='/trends']").is_visible()
        assert page.locator("main a.button.secondary[href='/']").is_visible()
        page.screenshot(path=artifacts / f"phone-error-{status}-{path.strip('/').split('/')[0].split('?')[0]}.png")
        comfortable_on_a_phone(page, path)


# -- the heart-rate line (issue 24) ----------------------------------------------------------


@pytest.fixture
def run_with_heart_rate(dashboard):
    run_id, started, ended = rows(dashboard.db_path, "SELECT id, started_at, ended_t_s FROM runs ORDER BY id")[0]
    start = datetime.fromisoformat(started)
    fit = write_fit(
        [
            FitRecord(start + timedelta(seconds=s), 3.0 * s, 3.0, 120 + s // 60, 86, 100.0)
            for s in range(0, int(ended), 2)
        ]
    )
    conn = open_writer(dashboard.db_path)
    try:
        attach_watch_file(conn, run_id, fit, name="run.fit")
    finally:
        conn.close()
    return run_id


def test_on_a_phone_the_heart_rate_line_reads_and_passes_axe(browser, dashboard, run_with_heart_rate, artifacts):
    phone = Phone(browser, dashboard.url)
    try:
        phone.goto(f"/runs/{run_with_heart_rate}")
        phone.chart_ready()
        page = phone.page
        panel = page.locator("#timeline .panel[data-field=heart_rate]")
        assert panel.count() == 1 and page.locator("#timeline path.series.heart_rate").count() == 1
        comfortable_on_a_phone(page, "run page with a heart rate")
        box = page.eval_on_selector(
            "#timeline",
            """svg => { const b = svg.getBoundingClientRect(), d = svg.dataset,
                    p = svg.querySelector('.panel[data-field=heart_rate]').dataset;
              return {x: b.x, y: b.y, scale: b.width / +d.width, left: +d.plotLeft, plotWidth: +d.plotWidth,
                      top: +p.top, height: +p.height}; }""",
        )
        x = box["x"] + (box["left"] + box["plotWidth"] / 2) * box["scale"]
        y = box["y"] + (box["top"] + box["height"] / 2) * box["scale"]
        page.touchscreen.tap(x, y)
        page.locator("#chart-readout[data-kind=point]").wait_for()
        t_s = float(page.get_attribute("#chart-readout dl", "data-t-s"))
        shown = page.locator("#chart-readout [data-field=heart_rate]").inner_text()
        samples = httpx.get(f"{dashboard.url}/api/runs/{run_with_heart_rate}/samples").json()["samples"]
        (sample,) = [s for s in samples if s[0] == t_s] or [min(samples, key=lambda s: abs(s[0] - t_s))]
        assert shown == f"{sample[4]} bpm"
        comfortable_on_a_phone(page, "run page with a heart rate, a point read")
        page.screenshot(path=str(artifacts / "phone-run-heart-rate.png"), full_page=True)
        phone.clean()
    finally:
        phone.close()

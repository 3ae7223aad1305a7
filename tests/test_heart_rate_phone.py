"""The heart-rate line of the run chart on a phone (390 x 844 CSS px, touch, Debian's
Chromium through Playwright), after the watch's file was attached: axe-core's WCAG 2 A/AA
rules find nothing, text stays readable, targets are thumb-sized, nothing is wider than
the screen, and tapping the heart-rate panel reads the heart rate the JSON twin has."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from footnote.device.db.connect import open_writer
from footnote.device.watch.attach import attach_watch_file
from tests.fit_writer import FitRecord, write_fit
from tests.helpers import rows
from tests.test_dashboard_phone import Phone, comfortable_on_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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

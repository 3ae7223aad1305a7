"""The dashboard in a real headless Chromium (Debian's, driven by Playwright).
Screenshots of each page are kept in tests/artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # headless Chromium


def chart_is_drawn(page, selector: str) -> None:
    """The chart's script replaces the server-drawn <img> with the same SVG drawn at the
    screen's width, inline (same id): wait for it, then check it is a real picture."""
    page.locator(f"figure.chart[data-state=ready] svg{selector}").wait_for()
    assert page.eval_on_selector(selector, "svg => svg.getBoundingClientRect().width") > 100
    svg = page.eval_on_selector(selector, "svg => svg.outerHTML")
    assert svg.count("<path") + svg.count("<rect") + svg.count("<line") > 20  # lines, shaded spans, axes: not empty


def test_runs_run_chart_annotate_and_reload(browser, dashboard, artifacts):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(dashboard.url + "/")
    assert "Across 5 runs" in page.inner_text("#summary h2")  # the latest run is the h1 now
    page.screenshot(path=artifacts / "dashboard-runs.png", full_page=True)

    with page.expect_navigation(url=re.compile(r"/runs/1$"), wait_until="load"):
        page.click("text=Mon 09 Nov 2026")
    chart_is_drawn(page, "#timeline")
    assert page.locator("article.episode").count() == 2
    page.screenshot(path=artifacts / "dashboard-run.png", full_page=True)

    # what was worn is the run's, set on the run page (the episode form no longer asks)
    page.fill("form.setup-form input[name=shoes]", "Trail shoes")
    with page.expect_navigation(wait_until="load"):
        page.click("#save-setup")
    with page.expect_navigation(wait_until="load"):
        page.locator("#episode-1 a.button").click()
    page.check("input[name=location][value=sole_heel]")
    page.check("input[name=side][value=both]")
    page.fill("textarea[name=note]", "Tingling under the heel <b>not bold</b>")
    page.check("input[name=weakness]")
    page.screenshot(path=artifacts / "dashboard-annotate.png", full_page=True)
    with page.expect_navigation(url=re.compile(r"/runs/1#episode-1$"), wait_until="load"):
        page.click("form.annotate button[type=submit]")

    # What was saved, seen from a fresh tab (not this page's own form state).
    page.close()
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(dashboard.url + "/runs/1")
    episode = page.locator("#episode-1")
    assert "sole / heel" in episode.inner_text() and "Trail shoes" in episode.inner_text()
    assert "tarsal tunnel" in episode.inner_text()
    assert "Tingling under the heel <b>not bold</b>" in episode.inner_text()  # shown as text, not markup

    page.goto(dashboard.url + "/")
    assert "weakness or foot drop" in page.inner_text(".redflags")
    page.goto(dashboard.url + "/trends")
    chart_is_drawn(page, "#trends")
    page.screenshot(path=artifacts / "dashboard-trends.png", full_page=True)


def test_unsynchronised_clock_note_and_correction(browser, dashboard, artifacts):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(dashboard.url + "/runs/4")
    assert "was not synchronised" in page.inner_text(".clocknote")
    page.fill("input[name=started_local]", "2026-11-19T18:05")
    with page.expect_navigation(wait_until="load"):
        page.click(".clocknote button")
    expect(page.locator(".clocknote")).to_contain_text("corrected to 2026-11-19T18:05")


def test_phone_sized_screen(browser, dashboard, artifacts):
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.goto(dashboard.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # nothing wider than the phone
    page.screenshot(path=artifacts / "dashboard-phone.png", full_page=True)


def test_log_in_when_a_password_is_set(browser, locked_dashboard, artifacts):
    page = browser.new_page()
    page.goto(locked_dashboard.url + "/runs/2")
    assert "/login" in page.url
    page.fill("input[name=password]", "wrong")
    with page.expect_navigation(wait_until="load"):
        page.click("form.login button")
    expect(page.locator("main")).to_contain_text("Wrong password")
    page.fill("input[name=password]", locked_dashboard.password)
    page.screenshot(path=artifacts / "dashboard-login.png")
    with page.expect_navigation(url=re.compile(r"/runs/2$"), wait_until="load"):
        page.click("form.login button")
    chart_is_drawn(page, "#timeline")


def test_setups_questionnaire_and_places_on_a_phone(browser, dashboard, artifacts):
    """Issue 12's pages at 390 px: the runner says what she wore on a run, answers the
    Edinburgh questionnaire, and reads both beside the recordings; nothing is wider than
    the phone."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.goto(dashboard.url + "/runs/5")
    page.fill("input[name=shoes]", "Pegasus 40, size 43")
    page.fill("input[name=lacing]", "skip 2nd eyelet")
    page.click("#save-setup")
    expect(page.locator("#setup")).to_contain_text("skip 2nd eyelet")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.screenshot(path=artifacts / "run-setup-phone.png", full_page=True)

    page.goto(dashboard.url + "/questionnaire")
    page.check("input[name=pain_when_walking][value=yes]")
    page.check("input[name=begins_at_rest][value=no]")
    page.check("input[name=when_standing_still][value=gone_within_10_min]")
    page.check("input[name=where][value=calf]")
    page.click("#save-answers")
    expect(page.locator("#item-when_standing_still")).to_contain_text("usually disappears in 10 minutes or less")
    expect(page.locator("#item-when_standing_still")).to_contain_text("in 6 of 7 episodes")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.screenshot(path=artifacts / "questionnaire-phone.png", full_page=True)

    for path, name in (("/setups", "setups"), ("/", "places"), ("/trends", "trends-places")):
        page.goto(dashboard.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1, path
        page.screenshot(path=artifacts / f"{name}-phone.png", full_page=True)
    expect(page.locator("#place-calf")).to_contain_text("2-5 minutes")

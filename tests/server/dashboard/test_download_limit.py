"""Thirty downloads asked for at once (issue 22, point 4): one is built at a time (each
in a child process of tens of megabytes); the others are told at once to come back.
Over real HTTP on loopback."""

from __future__ import annotations

import threading

import httpx

from footnote.server.dashboard.routes import exports
from tests.helpers import client


def test_a_flood_of_downloads_builds_one_at_a_time(dashboard, monkeypatch):
    """The first download is held half-built while 29 more come: each of those is a 503
    with Retry-After, answered without waiting and without a child process; once the
    first is done, the next one is built."""
    building = threading.Event()
    finish = threading.Event()
    built = []
    real = exports.build_apart

    def held_build(kind, *args):
        built.append(kind)
        building.set()
        assert finish.wait(timeout=60), "the test never let the first download finish"
        return real(kind, *args)

    monkeypatch.setattr(exports, "build_apart", held_build)
    first: dict[str, httpx.Response] = {}
    holder = threading.Thread(target=lambda: first.update(pdf=client(dashboard).get("/export/report.pdf")))
    holder.start()
    assert building.wait(timeout=60)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def another(path: str) -> None:
        with httpx.Client(base_url=dashboard.url, timeout=10) as c:
            answer = c.get(path)
        with lock:
            answers.append(answer)

    paths = ["/export/report.pdf", "/export/episodes.csv", "/export/bundle.fhir.json"] * 10
    others = [threading.Thread(target=another, args=(path,)) for path in paths[:29]]
    for t in others:
        t.start()
    for t in others:
        t.join(timeout=30)
    finish.set()
    holder.join(timeout=120)
    assert len(answers) == 29 and {a.status_code for a in answers} == {503}
    assert all(int(a.headers["Retry-After"]) >= 1 for a in answers)
    assert "try again" in answers[0].text  # a page that says so (the downloads are browser links)
    assert built == ["pdf"]  # none of the 29 started a build
    assert first["pdf"].status_code == 200 and first["pdf"].content.startswith(b"%PDF")
    again = client(dashboard).get("/export/episodes.csv")  # the slot is free again
    assert again.status_code == 200 and built == ["pdf", "csv"]


def test_downloads_one_after_another_are_all_built(dashboard):
    """The runner downloads the CSV, then the FHIR bundle, then the PDF, each as soon as the
    last one arrived: the slot is free again by then (it is given back before the answer)."""
    c = client(dashboard)
    for path in ("/export/episodes.csv", "/export/bundle.fhir.json", "/export/episodes.csv", "/export/report.pdf"):
        assert c.get(path).status_code == 200, path

"""The doctor's PDF read back as a doctor would: page 1 tells the whole story in the doctor's
voice, nothing is too small to read, a run without numbness is a row, and any name prints
as typed. The CSV carries the clock's state, what was worn, and every run."""

from __future__ import annotations

import csv
import subprocess

import pytest
from pypdf import PdfReader

from footnote.server.analysis.questionnaire import AnswersIn
from footnote.server.dashboard.saves import AnnotationIn, save_annotation, save_answers
from tests.helpers import FOOTNOTE

pytestmark = pytest.mark.slow  # renders whole PDFs through the command line

NAME = "Zoë Łukasz Привет Ελένη"


def export(db, fmt, out, *extra) -> None:
    done = subprocess.run(
        [*FOOTNOTE, "export", "--db", str(db), "--format", fmt, "--out", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr


def text_sizes(reader: PdfReader) -> list[tuple[int, float, bool, str]]:
    """(page, size in points, drawn inside a chart, text) of every piece of text. Charts are
    reportlab drawings, placed with a transformation of their own; body text is not."""
    found = []
    for number, page in enumerate(reader.pages, 1):

        def visit(text, cm, tm, font, size, number=number):
            if text.strip():
                scale = abs(tm[0] * tm[3] - tm[1] * tm[2]) ** 0.5 * abs(cm[0] * cm[3] - cm[1] * cm[2]) ** 0.5
                in_chart = (cm[4], cm[5]) != (0, 0)
                found.append((number, size * scale, in_chart, text.strip()))

        page.extract_text(visitor_text=visit)
    return found


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def report(demo_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.pdf"
    export(demo_db, "pdf", out, "--name", NAME)
    return PdfReader(out)


def test_page_one_tells_the_whole_story_in_the_doctors_voice(report):
    first = flat(report.pages[0].extract_text())
    assert f"For: {NAME}." in first  # the name exactly as typed: Ł, ë, Cyrillic, Greek
    assert "Red flags: none reported." in first
    assert "Edinburgh Claudication Questionnaire: not answered." in first
    for figure in ("Distance to first numbness", "Time to first numbness", "Stopping to relief", "Per place"):
        assert figure in first
    assert "2.13 km (median); varies by 8 % between 3 runs where it cleared at rest" in first
    assert "not enough runs yet" in first  # 3 runs in a week: no trend is stated
    everything = flat(" ".join(page.extract_text() for page in report.pages))
    assert "See a doctor soon" not in everything and "You noted" not in everything  # the runner's words
    assert "±" not in everything and "per week" not in everything
    assert "diagnosed" not in everything.lower()


def test_body_text_is_at_least_9_pt_and_chart_labels_at_least_8(report):
    sizes = text_sizes(report)
    body = [s for s in sizes if not s[2]]
    charts = [s for s in sizes if s[2]]
    assert body and charts
    assert min(size for _, size, _, _ in body) >= 9, min(body, key=lambda s: s[1])
    assert min(size for _, size, _, _ in charts) >= 8, min(charts, key=lambda s: s[1])


def test_a_run_without_numbness_is_a_row_not_a_page(report):
    everything = flat(" ".join(page.extract_text() for page in report.pages))
    assert "Sat 21 Nov 2026, 07:10" in everything  # its row in the runs table
    assert "Run of Sat 21 Nov" not in everything  # and no section of its own
    assert len(report.pages) <= 6  # was 7 for these 5 runs, mostly white


def test_times_into_the_run_and_times_of_day_cannot_be_confused(report):
    run_4 = flat(" ".join(page.extract_text() for page in report.pages))
    assert "8:00 in (at 17:53), after 1.44 km" in run_4  # began: time into the run, and the time of day
    assert "14:00 in (at 17:59)" in run_4  # got worse, the same way


def test_a_red_flag_is_reported_to_the_doctor_in_the_doctors_voice(fresh_demo_db, tmp_path):
    save_annotation(fresh_demo_db, 2, 1, AnnotationIn(location="calf", weakness=True, cold_or_pale=True))
    save_answers(fresh_demo_db, AnswersIn(pain_when_walking="yes", when_standing_still="gone_within_10_min"))
    out = tmp_path / "r.pdf"
    export(fresh_demo_db, "pdf", out)
    first = flat(PdfReader(out).pages[0].extract_text())
    assert "Red flags, for prompt review" in first
    assert (
        "The runner reported weakness or foot drop (run of 12 Nov 2026, episode 1): flagged for prompt review." in first
    )
    assert "EMERGENCY: The runner reported a cold or pale leg or foot" in first
    assert "none reported" not in first and "not answered." not in first
    assert "Edinburgh Claudication Questionnaire (answered" in first


def test_the_csv_has_the_clock_the_setup_and_every_run(demo_db, fresh_demo_db, tmp_path):
    from footnote.server.analysis.setups import SetupIn
    from footnote.server.dashboard.saves import save_setup

    save_setup(fresh_demo_db, 4, SetupIn(shoes="New racing flats", lacing="Tight, all eyelets"))
    save_setup(fresh_demo_db, 5, SetupIn(shoes="New racing flats", lacing="=skip 2nd eyelet"))
    episodes, runs = tmp_path / "e.csv", tmp_path / "runs.csv"
    export(fresh_demo_db, "csv", episodes)
    export(fresh_demo_db, "runs-csv", runs)
    with open(episodes, newline="") as f:
        by_run = {row["run_id"]: row for row in csv.DictReader(f)}
    assert by_run["4"]["run_clock"] == "not_synchronised" and by_run["1"]["run_clock"] == "synchronised"
    assert by_run["4"]["setup_lacing"] == "Tight, all eyelets"
    with open(runs, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["run_id"] for r in rows] == ["1", "2", "3", "4", "5"]  # the run without numbness too
    none = rows[4]
    assert none["episodes"] == "0" and none["pattern"] == "none" and none["first_numbness_distance_m"] == ""
    assert none["setup_lacing"] == "'=skip 2nd eyelet"  # never a formula
    assert rows[3]["run_clock"] == "not_synchronised" and rows[3]["average_pace"].endswith("/km")

"""The doctor's PDF carries the per-place summary, the Edinburgh questionnaire beside the
recordings (page 1) and the shoe and lacing comparison, from the demo runs."""

from __future__ import annotations

import subprocess

import pytest
from pypdf import PdfReader

from footnote.server.analysis.questionnaire import AnswersIn
from footnote.server.analysis.setups import SetupIn
from footnote.server.dashboard.saves import save_answers, save_setup
from tests.helpers import FOOTNOTE

pytestmark = pytest.mark.slow  # renders whole PDFs through the command line (~4 s each): kept out of make check


def pdf_text(db, out) -> tuple[str, str]:
    done = subprocess.run(
        [*FOOTNOTE, "export", "--db", str(db), "--format", "pdf", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(out).pages]  # cells wrap lines
    return pages[0], "\n".join(pages)


def test_page_one_has_places_and_the_questionnaire_beside_the_recordings(fresh_demo_db, tmp_path):
    save_answers(
        fresh_demo_db, AnswersIn(pain_when_walking="yes", when_standing_still="gone_within_10_min", where=["calf"])
    )
    for run_id in (1, 2, 3):
        save_setup(fresh_demo_db, run_id, SetupIn(shoes="Pegasus 40", lacing="criss-cross", orthotics="none"))
    save_setup(fresh_demo_db, 5, SetupIn(shoes="Pegasus 40 half size up", lacing="skip 2nd eyelet"))
    first, everything = pdf_text(fresh_demo_db, tmp_path / "report.pdf")
    assert "Per place" in first and "top of the foot" in first and "calf: stopping to relief" in first
    assert "Edinburgh Claudication Questionnaire" in first
    assert "usually disappears in 10 minutes or less" in first and "in 6 of 7" in first
    assert "positive" not in everything.lower()  # never scored
    assert "Shoes and lacing" in everything and "Pegasus 40 · criss-cross · none" in everything
    assert "not enough runs yet" in everything and "setup not said" in everything


def test_without_answers_or_setups_those_sections_are_left_out(fresh_demo_db, tmp_path):
    first, everything = pdf_text(fresh_demo_db, tmp_path / "report.pdf")
    assert "Per place" in first  # the demo runner said where she felt it
    assert "Edinburgh Claudication Questionnaire (answered" not in everything and "Shoes and lacing" not in everything

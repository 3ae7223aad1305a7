"""CSV for the doctor: one row per episode with every metric and label, and one row per run
(with or without numbness: its clock, what was worn, its first numbness), ISO-8601 local
times with offset, units in the column names; optionally the samples of chosen runs.

Text is written as text: every text field is quoted, and a formula start (= + - @) is
prefixed with an apostrophe wherever a spreadsheet could see a cell begin: at the
field's start, and after any comma, semicolon, tab, newline or quote inside it, since
Excel in a locale whose list separator is ";" (de, fr, nl) splits the line there and
ignores the quoting. A field starting with a tab or carriage return is prefixed too.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from footnote.device.db.rows import Annotation
from footnote.device.db.tables import ANNOTATION_FIELDS, ANNOTATION_FLAGS
from footnote.server.analysis.figures import first_numbness
from footnote.server.exports.data import SAMPLE_FIELDS, ExportData, at
from footnote.server.words import sentences
from footnote.server.words.vocabulary import pace

EPISODE_COLUMNS = [
    "run_id",
    "run_start_local",
    "episode",
    "label",
    "indeterminate_reason",
    "onset_local",
    "onset_t_s",
    "onset_distance_m",
    "onset_state",
    "onset_speed_mps",
    "onset_cadence_spm",
    "worse_count",
    "worse_t_s",
    "max_severity",
    "ended_by",
    "end_local",
    "end_t_s",
    "end_state",
    "rest_to_relief_s",
    "moving_before_relief_s",
    "rest_periods_count",
    *ANNOTATION_FIELDS,  # the annotations table's: what the runner said
    "evidence",
    # Effort (issue 24): empty when unknown, never 0.
    "hr_onset_bpm",
    "hr_worse_bpm",
    "hr_relief_bpm",
    "hr_fall_at_relief_bpm",
    "grade_at_onset_pct",
    # the run's, on each of its episodes (issue 21)
    "run_clock",
    "setup_shoes",
    "setup_lacing",
    "setup_orthotics",
]
RUN_COLUMNS = [
    "run_id",
    "run_start_local",
    "run_clock",
    "recorded_start_local",
    "duration_s",
    "distance_m",
    "average_speed_mps",
    "average_pace",
    "episodes",
    "pattern",
    "labels",
    "first_numbness_distance_m",
    "first_numbness_t_s",
    "setup_shoes",
    "setup_lacing",
    "setup_orthotics",
    "setup_note",
    "footpod",
]
# The samples' columns as the database names them (SAMPLE_FIELDS), with the local time beside t_s.
SAMPLE_COLUMNS = ["run_id", SAMPLE_FIELDS[0], "time_local", *SAMPLE_FIELDS[1:]]


# A formula start at the field's start, or after anything a spreadsheet may split a line
# at (and after a quote, which may open a cell there).
_FORMULA_START = re.compile(r"(?:^|(?<=[,;\t\r\n\"]))(?=[=+\-@])|^(?=[\t\r])")


def safe(value):
    """A text field as it is written: formula starts neutralised (see the module's docstring)."""
    return _FORMULA_START.sub("'", value) if isinstance(value, str) else value


def _num(value, digits: int = 1):
    return "" if value is None else round(value, digits)


def _int(value: int | None) -> str:
    return "" if value is None else str(value)


def run_clock(row) -> str:
    """The state of the Pi's clock at the run's start: synchronised, not_synchronised, or
    corrected (not synchronised, the start corrected by the runner)."""
    return "synchronised" if row.clock_synced else "corrected" if row.corrected else "not_synchronised"


def _setup(data: ExportData, run_id: int) -> dict:
    setup = data.setups.get(run_id)
    fields = ("shoes", "lacing", "orthotics", "note")
    return {f"setup_{f}": safe(getattr(setup, f) or "") if setup else "" for f in fields}


def episode_rows(data: ExportData) -> list[dict]:
    out = []
    for row, ra in data.pairs():
        worn = _setup(data, row.id)
        for ep in ra.episodes:
            out.append(
                {
                    "run_id": row.id,
                    "run_start_local": at(row, 0),
                    "episode": ep.number,
                    "label": ep.label,
                    "indeterminate_reason": sentences.episode_reason(ep) or "",
                    "onset_local": at(row, ep.onset_t_s),
                    "onset_t_s": _num(ep.onset_t_s),
                    "onset_distance_m": _num(ep.onset_distance_m),
                    "onset_state": ep.onset_state,
                    "onset_speed_mps": _num(ep.onset_speed_mps, 2),
                    "onset_cadence_spm": _num(ep.onset_cadence_spm, 0),
                    "worse_count": len(ep.escalations),
                    "worse_t_s": ";".join(str(round(e.t_s, 1)) for e in ep.escalations),
                    "max_severity": ep.max_severity,
                    "ended_by": ep.ended_by,
                    "end_local": at(row, ep.end_t_s),
                    "end_t_s": _num(ep.end_t_s),
                    "end_state": ep.end_state,
                    "rest_to_relief_s": _num(ep.rest_to_relief_s),
                    "moving_before_relief_s": _num(ep.moving_before_relief_s),
                    "rest_periods_count": len(ep.rest_periods),
                    **_annotation_cells(ep.annotation),
                    "evidence": " | ".join(sentences.episode_evidence(ep, data.units)),
                    "hr_onset_bpm": _int(ep.hr_onset_bpm),
                    "hr_worse_bpm": ";".join(_int(v) for v in ep.hr_worse_bpm),
                    "hr_relief_bpm": _int(ep.hr_relief_bpm),
                    "hr_fall_at_relief_bpm": _int(ep.hr_fall_at_relief_bpm),
                    "grade_at_onset_pct": _num(ep.grade_at_onset_pct),
                    "run_clock": run_clock(row),
                    "setup_shoes": worn["setup_shoes"],
                    "setup_lacing": worn["setup_lacing"],
                    "setup_orthotics": worn["setup_orthotics"],
                }
            )
    return out


def _annotation_cells(a: Annotation | None) -> dict[str, object]:
    """The runner's notes: a flag as 0 or 1, text as text (made safe with every text field, in write)."""
    return {
        name: int(bool(a and getattr(a, name))) if name in ANNOTATION_FLAGS else (a and getattr(a, name)) or ""
        for name in ANNOTATION_FIELDS
    }


def run_rows(data: ExportData) -> list[dict]:
    """One row per run in the period, with or without numbness."""
    out = []
    for row, ra in data.pairs():
        first = first_numbness(ra)
        speed = ra.distance_m / ra.duration_s if ra.duration_s > 0 and ra.distance_m else None
        out.append(
            {
                "run_id": row.id,
                "run_start_local": at(row, 0),
                "run_clock": run_clock(row),
                "recorded_start_local": row.recorded_started_at.isoformat(timespec="seconds"),
                "duration_s": _num(ra.duration_s),
                "distance_m": _num(ra.distance_m),
                "average_speed_mps": _num(speed, 2),
                "average_pace": pace(speed, data.units),
                "episodes": len(ra.episodes),
                "pattern": ra.pattern,
                "labels": ";".join(ep.label for ep in ra.episodes),
                "first_numbness_distance_m": _num(first.distance_m) if first else "",
                "first_numbness_t_s": _num(first.t_s) if first else "",
                **_setup(data, row.id),
                "footpod": safe(row.footpod_name or row.footpod_address or ""),
            }
        )
    return out


def write_runs(data: ExportData, out: BinaryIO) -> None:
    """The runs table: one row per run, with or without numbness."""
    with _text(out) as f:
        writer = csv.DictWriter(f, fieldnames=RUN_COLUMNS)
        writer.writeheader()
        writer.writerows(run_rows(data))


def write(data: ExportData, out: BinaryIO) -> None:
    """The episodes table: one row per episode."""
    with _text(out) as f:
        writer = csv.DictWriter(f, fieldnames=EPISODE_COLUMNS, quoting=csv.QUOTE_NONNUMERIC)
        writer.writeheader()
        writer.writerows({k: safe(v) for k, v in row.items()} for row in episode_rows(data))


def write_samples(data: ExportData, out: BinaryIO) -> None:
    """The footpod samples of the runs whose samples were collected (collect(samples_of=...))."""
    rows = {r.id: r for r in data.rows}
    with _text(out) as f:
        writer = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(SAMPLE_COLUMNS)
        for run_id, samples in data.samples.items():
            for t_s, speed, cadence in samples:
                writer.writerow([run_id, round(t_s, 3), at(rows[run_id], t_s), round(speed, 3), cadence])


@contextmanager
def _text(out: BinaryIO) -> Iterator[io.TextIOWrapper]:
    """CSV text (UTF-8, the csv module's own line endings) over a binary stream, left open."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    try:
        yield text
    finally:
        text.flush()
        text.detach()

"""Which runs the pages and exports can show. A run whose times cannot be computed (a
start so late that adding its offset or its length overflows what a datetime holds, an
offset of a day or more, a length of more than MAX_T_S) is left out of everything that
lists, analyses or draws runs, and named instead: one bad row never breaks every page.

Replay refuses such runs (device.logger.record_file); one stored before that, or by
another program, is still in the database and still shown for what it is."""

from __future__ import annotations

from footnote.device.db.reader import RunRow, local_time
from footnote.device.logger.record_file import MAX_T_S

TIMES_OUT_OF_RANGE = "times_out_of_range"


def why_not_shown(row: RunRow) -> str | None:
    """A reason code when the run cannot be shown, else None."""
    if row.ended_t_s is not None and not 0 <= row.ended_t_s <= MAX_T_S:
        return TIMES_OUT_OF_RANGE
    try:
        local_time(row)
        local_time(row, row.ended_t_s or 0.0)
    except (OverflowError, ValueError):
        return TIMES_OUT_OF_RANGE
    return None


def shown(rows: list[RunRow]) -> tuple[list[RunRow], list[RunRow]]:
    """(the rows that can be shown, the rows that cannot), each in the given order."""
    bad = {row.id for row in rows if why_not_shown(row)}
    return [row for row in rows if row.id not in bad], [row for row in rows if row.id in bad]

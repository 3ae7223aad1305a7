"""What each page shows, computed once for both the HTML page and its JSON twin.

`PageData` reads the database read-only, each request in one read transaction (one
consistent snapshot while the logger writes). Each closed run's analysis is kept in
memory and, between starts, in the analysis cache file beside the database
(server.analysis_cache), both keyed by everything the analysis depends on; a run that is
still open is analysed afresh on every request.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from footnote.device.db.connect import open_reader
from footnote.device.db.reader import (
    RunRow,
    chart_samples_of,
    get_run_row,
    list_runs,
    local_time,
    rejected_count,
    strap_packets_of,
    watch_files_of,
)
from footnote.device.db.tables import FOOTPOD_SAMPLES
from footnote.device.errors import RunCannotBeShown
from footnote.device.watch.read import MAX_WATCH_FILE_BYTES
from footnote.server.analysis import RunAnalysis, experiment, places, questionnaire, summarize
from footnote.server.analysis import thresholds as th
from footnote.server.analysis.jsonable import jsonable
from footnote.server.analysis.setups import Setup, default_setup, load_setups
from footnote.server.analysis.showable import shown, why_not_shown
from footnote.server.analysis_cache import AnalysisCache, analyses_of, cache_path, run_keys
from footnote.server.charts import svg as svgcharts
from footnote.server.charts.data import trend_points
from footnote.server.charts.downsample import downsample
from footnote.server.dashboard import heap as memory
from footnote.server.words import present
from footnote.server.words import sentences as wording
from footnote.server.words.vocabulary import DISCLAIMER, JOURNAL_WAITING, LABEL_MEANING, RUN_NOT_SHOWN, time_of_day

CACHE_RUNS = 2000  # analyses kept in memory (the cache file keeps them all)
CACHE_CHARTS = 16
# The footpod samples' columns a run chart and its samples API draw from.
CHART_SAMPLE_FIELDS = FOOTPOD_SAMPLES.pick("t_s", "speed_mps", "cadence_spm", "distance_m")


class PageData:
    def __init__(self, db_path: str | Path, *, cache: AnalysisCache | None = None, units: str = "km") -> None:
        self.db_path = Path(db_path)
        self.units = units  # how the sentences on the pages say distances and paces
        self.cache = cache if cache is not None else AnalysisCache(cache_path(self.db_path))
        self._analyses: OrderedDict[int, tuple[str, RunAnalysis]] = OrderedDict()
        self._charts: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()

    def close(self) -> None:
        self.cache.close()

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection for one request, in one read transaction (a consistent
        snapshot), closed when the request is done."""
        conn = open_reader(self.db_path)
        try:
            conn.execute("BEGIN")
            yield conn
        finally:
            conn.close()

    # -- cached analysis ------------------------------------------------------------------
    def analyses(
        self, conn: sqlite3.Connection, rows: list[RunRow], keys: dict[int, str | None] | None = None
    ) -> list[RunAnalysis]:
        """The analysis of each row: from memory, else the cache file, else computed."""
        if keys is None:
            keys = run_keys(conn, rows[0].id if len(rows) == 1 else None)
        found: dict[int, RunAnalysis] = {}
        with self._lock:
            for row in rows:
                hit = self._analyses.get(row.id)
                if hit is not None and hit[0] == keys.get(row.id):
                    self._analyses.move_to_end(row.id)
                    found[row.id] = hit[1]
        missing = [row for row in rows if row.id not in found]
        if missing:
            computed = analyses_of(conn, missing, self.cache, keys)
            memory.give_back()  # the samples just analysed are garbage now
            found.update(computed)
            with self._lock:
                for run_id, ra in computed.items():
                    key = keys.get(run_id)
                    if key is not None:
                        self._analyses[run_id] = (key, ra)
                        self._analyses.move_to_end(run_id)
                while len(self._analyses) > CACHE_RUNS:
                    self._analyses.popitem(last=False)
        return [found[row.id] for row in rows]

    def analysis(self, conn: sqlite3.Connection, row: RunRow) -> RunAnalysis:
        return self.analyses(conn, [row])[0]

    def all_analyses(self, conn: sqlite3.Connection) -> list[tuple[RunRow, RunAnalysis]]:
        """Every run that can be shown (server.analysis.showable), with its analysis."""
        rows, _ = shown(list_runs(conn))
        return list(zip(rows, self.analyses(conn, rows), strict=True))

    @staticmethod
    def shown_row(conn: sqlite3.Connection, run_id: int) -> RunRow:
        """A run's row; RunCannotBeShown when its times cannot be shown."""
        row = get_run_row(conn, run_id)
        if why_not_shown(row):
            raise RunCannotBeShown(_not_shown(row))
        return row

    # -- pages ------------------------------------------------------------------------------
    def runs_page(self) -> dict:
        with self.connect() as conn:
            pairs = self.all_analyses(conn)
            answers, _ = questionnaire.latest_answers(conn)
            notices = self.notices(conn)
            not_shown = self.not_shown(conn)
        analyses = [ra for _, ra in pairs]
        summary = summarize(analyses)
        runs = [_run_card(row, ra) for row, ra in reversed(pairs)]
        beside = present.beside_rows(answers, questionnaire.recorded_beside(analyses)) if answers else None
        return {
            "runs": runs,
            "summary": {
                **present.summary(summary, self.units),
                "places": places.per_place(analyses),
                "questionnaire": None if answers is None else {"answers": answers.as_dict(), "items": beside},
            },
            "disclaimer": DISCLAIMER,
            "label_meaning": LABEL_MEANING,
            "notices": notices,
            "runs_not_shown": not_shown,
        }

    def notices(self, conn: sqlite3.Connection) -> list[dict[str, str | None]]:
        """What the logger had to do about the SD card, for the banner: stored notices not
        yet resolved (a damaged database set aside) and journals waiting to be replayed."""
        from footnote.device.db.notices import open_notices
        from footnote.device.durability.journal import pending_journals

        told: list[dict[str, str | None]] = [
            {"created_at": n.created_at, "kind": n.kind, "message": n.message} for n in open_notices(conn)
        ]
        waiting = pending_journals(self.db_path)
        if waiting:
            told.append(
                {"created_at": None, "kind": "journal_waiting", "message": JOURNAL_WAITING.format(count=len(waiting))}
            )
        return told

    @staticmethod
    def not_shown(conn: sqlite3.Connection) -> list[dict]:
        """The runs that cannot be shown, each with the sentence that says so."""
        _, unshown = shown(list_runs(conn))
        return [{"id": row.id, "message": _not_shown(row)} for row in unshown]

    def run_page(self, run_id: int) -> dict:
        with self.connect() as conn:
            row = self.shown_row(conn, run_id)
            ra = self.analysis(conn, row)
            ignored = len(ra.ignored_holds)
            rejected = rejected_count(conn, run_id)
            setups = load_setups(conn)
            order = [r.id for r in list_runs(conn)]
            watch_files = watch_files_of(conn, run_id)
            strap_packets = strap_packets_of(conn, run_id)
        card = _run_card(row, ra)
        episodes = []
        for ep in ra.episodes:
            e = present.episode(ep, self.units)
            e["onset_local"] = local_time(row, ep.onset_t_s).isoformat(timespec="seconds")
            e["end_local"] = local_time(row, ep.end_t_s).isoformat(timespec="seconds")
            # Clock times of the episode's moments, with the day when it is not the run's start day.
            e["onset_clock"] = _clock_time(row, ep.onset_t_s)
            e["end_clock"] = _clock_time(row, ep.end_t_s)
            e["escalation_clocks"] = [_clock_time(row, esc.t_s) for esc in ep.escalations]
            episodes.append(e)
        at = order.index(run_id)
        return {
            **card,
            "previous_run_id": order[at - 1] if at > 0 else None,
            "next_run_id": order[at + 1] if at + 1 < len(order) else None,
            "episodes": episodes,
            "segments": jsonable(ra.segments),
            "ignored_holds": ignored,
            "rejected_packets": rejected,
            # What the footpod sent, and how its cadence was read (steps or strides, and why):
            "packets": jsonable(ra.packets),
            "footpod_warnings": wording.packets(ra.packets) if ra.packets is not None else [],
            "cadence": jsonable(ra.cadence),
            "cadence_text": wording.cadence_decision(ra.cadence) if ra.cadence is not None else None,
            "footpod": {
                "name": row.footpod_name,
                "address": row.footpod_address,
                "feature": row.footpod_feature,
                "location": row.footpod_location,
                "cadence_convention": row.cadence_convention,
            },
            "recorded_started_at": row.recorded_started_at.isoformat(),
            "corrected": row.corrected,
            "device": row.device,
            "end_reason": row.end_reason,
            "setup": setups[run_id].as_dict() if run_id in setups else None,
            "setup_offered": None if run_id in setups else _offered(default_setup(setups, order, run_id)),
            "disclaimer": DISCLAIMER,
            "label_meaning": LABEL_MEANING,
            # The strap and the watch's file (issue 24):
            "heart_rate": jsonable(ra.heart_rate),
            "strap_packets": strap_packets,
            "strap_warnings": wording.strap_packets(strap_packets),
            "movement_sources": jsonable(ra.movement_sources),
            "watch_files": watch_files,
            "watch_file_max_mb": MAX_WATCH_FILE_BYTES // 2**20,
        }

    def samples(self, run_id: int, *, max_points: int | None = None, window: tuple[float, float] | None = None) -> dict:
        """Footpod samples (t_s, speed_mps, cadence_spm, distance_m), those of a window
        (from_s, to_s) only when given, min-max downsampled to about max_points. The run
        chart asks for its window with its `data-max-points`: the same points it drew."""
        with self.connect() as conn:
            get_run_row(conn, run_id)
            rows = _window_samples(conn, run_id, window)
        total = len(rows)
        heart_rate = bool(rows) and len(rows[0]) > 4
        if max_points:
            rows = downsample(rows, value_indexes=(1, 2, 4) if heart_rate else (1, 2), buckets=max(1, max_points // 3))
        out = {
            "run_id": run_id,
            "count": total,
            "returned": len(rows),
            "downsampled": len(rows) < total,
            "columns": ["t_s", "speed_mps", "cadence_spm", "distance_m"] + (["heart_rate_bpm"] if heart_rate else []),
            "samples": [list(r) for r in rows],
        }
        if window is not None:
            out["from_s"], out["to_s"] = window
        return out

    def summary(self) -> dict:
        with self.connect() as conn:
            analyses = [ra for _, ra in self.all_analyses(conn)]
        return {
            **present.summary(summarize(analyses), self.units),
            "places": places.per_place(analyses),
            "disclaimer": DISCLAIMER,
        }

    def setups_page(self) -> dict:
        """The shoe and lacing experiment: per setup, runs, hours, numbness, and the exact tests."""
        with self.connect() as conn:
            pairs = self.all_analyses(conn)
            setups = load_setups(conn)
        return {
            "setups": experiment.comparison_table([(ra, setups.get(row.id)) for row, ra in pairs]),
            "runs": len(pairs),
            "runs_with_setup": sum(row.id in setups for row, _ in pairs),
            "minimum_runs": th.MIN_RUNS_PER_SETUP,
            "significance": th.SIGNIFICANCE,
            "disclaimer": DISCLAIMER,
        }

    def questionnaire_page(self) -> dict:
        """The runner's newest Edinburgh answers, and beside each item what the recordings say."""
        with self.connect() as conn:
            analyses = [ra for _, ra in self.all_analyses(conn)]
            answers, times = questionnaire.latest_answers(conn)
        rows = present.beside_rows(answers, questionnaire.recorded_beside(analyses))
        return {
            "answers": answers.as_dict() if answers else None,
            "times_answered": times,
            "items": rows,
            "choices": {k: list(v) for k, v in questionnaire.CHOICES.items()},
            "disclaimer": DISCLAIMER,
        }

    def trend_points(self) -> list[dict]:
        with self.connect() as conn:
            return trend_points(self.all_analyses(conn))

    # -- charts -----------------------------------------------------------------------------
    def _cached_chart(self, key: tuple | None, draw) -> str:
        if key is not None:
            with self._lock:
                if key in self._charts:
                    self._charts.move_to_end(key)
                    return self._charts[key]
        data = draw()
        if key is not None:
            with self._lock:
                self._charts[key] = data
                while len(self._charts) > CACHE_CHARTS:
                    self._charts.popitem(last=False)
        return data

    def timeline_svg(self, run_id: int, *, width: int, window: tuple[float, float] | None = None) -> str:
        """The run chart drawn `width` px wide, for a window (from_s, to_s) or the whole run."""
        with self.connect() as conn:
            row = self.shown_row(conn, run_id)
            keys = run_keys(conn, run_id)
            ra = self.analyses(conn, [row], keys)[0]
            key = keys.get(run_id)

            def draw() -> str:
                rows = _window_samples(conn, run_id, window)
                indexes = (1, 2, 4) if rows and len(rows[0]) > 4 else (1, 2)
                points = downsample(rows, value_indexes=indexes, buckets=svgcharts.timeline_buckets(width))
                return svgcharts.timeline(ra, points, width=width, window=window)

            return self._cached_chart(None if key is None else ("timeline", run_id, width, window, key), draw)

    def trends_svg(self, *, width: int) -> str:
        return svgcharts.trends(self.trend_points(), width=width)


def _window_samples(conn: sqlite3.Connection, run_id: int, window: tuple[float, float] | None) -> list[tuple]:
    """What the run chart draws: CHART_SAMPLE_FIELDS, and heart_rate_bpm fifth for a run
    with a heart rate; a run with the watch's file or a strap as the analysis read it
    (device.db.reader.chart_samples_of)."""
    return chart_samples_of(conn, run_id, CHART_SAMPLE_FIELDS, window)


def _not_shown(row: RunRow) -> str:
    return RUN_NOT_SHOWN.format(run_id=row.id, started=row.started_at.isoformat())


def _offered(setup: Setup | None) -> dict | None:
    """The setup offered on a run without one (the previous run's), without its note."""
    return None if setup is None else {**setup.as_dict(), "note": None}


def _clock_time(row: RunRow, t_s: float) -> str:
    """A moment of a run as clock time: 17:53, or Fri 20 Nov 00:10 past midnight."""
    moment, start = local_time(row, t_s), local_time(row)
    return time_of_day(moment, with_day=moment.date() != start.date())


def _run_card(row: RunRow, ra: RunAnalysis) -> dict:
    """A run as the runs list shows it: when, how far and long, and each episode in brief
    (its label, where it was felt, how far and long in it began, how it ended)."""
    start = local_time(row)
    return {
        "id": row.id,
        "started_at": start.isoformat(timespec="seconds"),
        "date": start.strftime("%a %d %b %Y"),
        "time": start.strftime("%H:%M"),
        "utc_offset": start.strftime("%z"),
        "clock_synced": row.clock_synced,
        "duration_s": ra.duration_s,
        "distance_m": round(ra.distance_m, 1),
        "episodes": len(ra.episodes),
        "pattern": ra.pattern,
        "open": row.end_reason is None,
        "average_speed_mps": round(ra.distance_m / ra.duration_s, 2) if ra.duration_s > 0 and ra.distance_m else None,
        "episode_list": [
            {
                "number": ep.number,
                "label": ep.label,
                "location": ep.annotation.location if ep.annotation else None,
                "side": ep.annotation.side if ep.annotation else None,
                "onset_t_s": ep.onset_t_s,
                "onset_distance_m": ep.onset_distance_m,
                "onset_state": ep.onset_state,
                "ended_by": ep.ended_by,
                "rest_to_relief_s": ep.rest_to_relief_s,
            }
            for ep in ra.episodes
        ],
    }

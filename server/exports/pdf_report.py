"""The PDF report a clinician can read in two minutes (reportlab; its charts are vectors
drawn by reportlab's own graphics, server.exports.pdf_charts: sharp at any zoom, and no
matplotlib to load).

Page 1 tells the whole story in the doctor's voice: who and which period, the red flags or
"none reported", the figures across runs (each as server.analysis.figures defines it, its
spread in words with its n), per place the pattern, the first numbness and
standstill-to-relief, and the Edinburgh questionnaire or "not answered". Then every run in
one table (a run without numbness is a row, never a page), the trends, what was worn, one
section per run with numbness (its chart and episodes, flowing, not a page each), and last
how the flags are computed, the devices and the clocks.

Text is at least 9 pt, chart labels at least 8 pt, in DejaVu Sans embedded
(server.exports.fonts), so any name or note prints as typed. A time into the run reads as
one ("8:00 in"), a time of day as one ("at 17:53"), with the runner's UTC offset. Every
piece of text that came from the runner is escaped before reportlab's paragraph markup
sees it. Each part is its own function returning flowables, so a new sensor's section (a
heart-rate line, a column) slots in without reshaping the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import BinaryIO
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from footnote.device.db.reader import local_time
from footnote.server.analysis import Spread
from footnote.server.analysis import thresholds as th
from footnote.server.analysis.codes import Label, OnsetBasis, Urgency
from footnote.server.analysis.experiment import comparison_table
from footnote.server.analysis.places import per_place
from footnote.server.analysis.questionnaire import recorded_beside
from footnote.server.charts.data import trend_points
from footnote.server.exports import pdf_charts
from footnote.server.exports.data import ExportData, offset_text
from footnote.server.exports.fonts import report_fonts
from footnote.server.words import present, sentences
from footnote.server.words.vocabulary import (
    BESIDE_NOTE,
    DISCLAIMER_FOR_DOCTOR,
    EDINBURGH_NAME,
    EDINBURGH_SOURCE,
    ENDED_BY_WORDS,
    EPISODE_RATE_WORDS,
    LABEL_MEANING,
    LABEL_WORDS,
    NO_SETUP,
    NOT_ENOUGH_RUNS,
    PATTERN_WORDS,
    RELIEF_CONTEXT,
    RELIEF_RANGE_MEANING,
    RELIEF_RANGE_WORDS,
    REMEDIES,
    RUN_NOT_SHOWN,
    SETUP_DIFFERENCE_WORDS,
    STATE_WHILE,
    STATE_WORDS,
    clock,
    distance,
    duration,
    location,
    pace,
    time_of_day,
    variation,
)

WIDTH = A4[0] - 36 * mm
FONT, BOLD = report_fonts()
BODY_PT = 9.5
SMALLEST_PT = 9.0  # body text never smaller (chart labels: pdf_charts.LABEL_PT)

BODY = ParagraphStyle("body", fontName=FONT, fontSize=BODY_PT, leading=12.5, spaceAfter=2)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=SMALLEST_PT, leading=11.5, textColor=colors.HexColor("#333333"))
CELL = ParagraphStyle("cell", parent=BODY, fontSize=SMALLEST_PT, leading=11, spaceAfter=0)
CELL_BOLD = ParagraphStyle("cell-bold", parent=CELL, fontName=BOLD)
H1 = ParagraphStyle("h1", parent=BODY, fontName=BOLD, fontSize=16, leading=19, spaceAfter=4)
H2 = ParagraphStyle("h2", parent=BODY, fontName=BOLD, fontSize=12, leading=15, spaceBefore=9, spaceAfter=4)
H3 = ParagraphStyle("h3", parent=BODY, fontName=BOLD, fontSize=10.5, leading=13, spaceBefore=5, spaceAfter=2)
FLAG = ParagraphStyle("flag", parent=BODY, textColor=colors.HexColor("#8f0000"))
LINE = colors.HexColor("#cccccc")


def p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (escaped: never markup)."""
    return Paragraph(escape(text), style)


def bullets(lines: list[str], style: ParagraphStyle = BODY) -> list[Paragraph]:
    return [Paragraph("&bull; " + escape(line), style) for line in lines]


def grid(rows: list[list], widths: list[float], header: bool = True) -> Table:
    cells = [
        [c if isinstance(c, Paragraph) else p(str(c), CELL_BOLD if header and i == 0 else CELL) for c in row]
        for i, row in enumerate(rows)
    ]
    table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.25, LINE)]
    if header:
        style += [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]
    table.setStyle(TableStyle(style))
    return table


def _spread(sp: Spread, fmt: Callable[[float], str], what: str = "run") -> str:
    """A figure as the report states it: its median, then its spread in words with its n."""
    if sp.median is None:
        return "-"
    if sp.n == 1:
        return f"{fmt(sp.median)} ({variation(sp.cv, sp.n, what)})"
    return f"{fmt(sp.median)} (median); {variation(sp.cv, sp.n, what)}"


def _spread_dict(sp: dict, fmt: Callable[[float], str], what: str = "run") -> str:
    return _spread(Spread(sp["n"], sp["median"], sp["cv"]), fmt, what)


def _in(t_s: float) -> str:
    return f"{clock(t_s)} into the run"


# -- page 1 --------------------------------------------------------------------------------


def summary_page(data: ExportData) -> list:
    s, u = data.summary, data.units
    story: list = [p("footnote: runner-recorded numbness log", H1)]
    who = data.name or "not given"
    story.append(
        p(
            f"For: {who}. Period: {data.first_day:%d %b %Y} to {data.last_day:%d %b %Y}. Times are the runner's local "
            f"time ({offset_text(data.rows[-1])}). Generated {data.generated_at:%Y-%m-%d %H:%M} UTC.",
            SMALL,
        )
    )
    story.append(
        Paragraph(
            f"<b>Not a diagnosis.</b> {escape(DISCLAIMER_FOR_DOCTOR)} These are patterns in what the runner recorded "
            "with a button (numbness began, got worse, was gone) and a running footpod (speed, cadence, distance).",
            BODY,
        )
    )
    story += red_flags(data)
    story += [Spacer(1, 4), figures_table(data)]
    story += places_table(data)
    story += questionnaire_table(data)
    story += [p("Evidence", H2), *bullets(sentences.summary_evidence(s, u))]
    if s.hint_codes:
        story += [p("What the places are consistent with", H2), *bullets(sentences.hints_for_doctor(s.hint_codes))]
    return story


def red_flags(data: ExportData) -> list:
    """The red flags in the doctor's voice, boxed; or one line: none reported."""
    flags = data.summary.red_flags
    if not flags:
        episodes = [ep for ra in data.analyses for ep in ra.episodes]
        checked = sentences.no_red_flags(sum(ep.annotation is not None for ep in episodes), len(episodes))
        return [Paragraph(f"<b>Red flags: none reported.</b> {escape(checked)}", BODY)]
    rows = [[Paragraph("<b>Red flags, for prompt review</b>", FLAG)]] + [
        [p(("EMERGENCY: " if f.urgency == Urgency.EMERGENCY else "") + sentences.red_flag_for_doctor(f), FLAG)]
        for f in flags
    ]
    box = Table(rows, colWidths=[WIDTH])
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, colors.HexColor("#8f0000")),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fff0f0")),
            ]
        )
    )
    return [Spacer(1, 4), box, Spacer(1, 4)]


def figures_table(data: ExportData) -> Table:
    """The figures across runs, as server.analysis.figures defines them."""
    s, u = data.summary, data.units
    locations = Counter(
        location(ep.annotation.location)
        for ra in data.analyses
        for ep in ra.episodes
        if ep.annotation and ep.annotation.location
    )
    felt = ", ".join(f"{where} ({n})" for where, n in locations.most_common()) or "not recorded"
    basis = " where it cleared at rest" if s.onset_basis == OnsetBasis.RUNS_CLEARED_AT_REST else ""
    trend = sentences.summary_trend(s, u)
    rows = [
        ["Pattern across runs", PATTERN_WORDS[s.pattern]],
        ["Runs / total distance", f"{s.runs} runs, {distance(s.total_distance_m, u)}"],
        [
            "Numbness episodes",
            f"{s.episodes}: " + ", ".join(f"{s.label_counts[k]} {LABEL_WORDS[Label(k)]}" for k in s.label_counts),
        ],
        ["Distance to first numbness", _spread(s.onset_distance_m, lambda m: distance(m, u)) + basis],
        ["Time to first numbness", _spread(s.onset_time_s, _in) + basis],
        ["Trend of onset distance", trend],
        ["Stopping to relief", _spread(s.rest_to_relief_s, duration, "episode")],
        ["Where it is felt", felt],
    ]
    hr = s.onset_steadiness.get("heart_rate") if s.onset_steadiness else None
    if hr and hr["n"]:
        rows.insert(5, ["Heart rate at first numbness", _spread_dict(hr, lambda v: f"{v:.0f} bpm")])
        rows.insert(6, ["Steadiest across runs", sentences.onset_steadiness(s.onset_steadiness)])
    return grid([[p(a, CELL_BOLD), p(b, CELL)] for a, b in rows], [50 * mm, WIDTH - 50 * mm], header=False)


def places_table(data: ExportData) -> list:
    """Per place (calf and top of the foot are different questions), "not said" its own row."""
    rows = per_place(data.analyses)
    if not rows:
        return []
    u = data.units
    table = [["Place", "Episodes", "Pattern", "First numbness", "Stopping to relief"]]
    for pl in rows:
        first = _spread_dict(pl["onset_distance_m"], lambda m: distance(m, u))
        if pl["onset_time_s"]["median"] is not None:
            first += f"; {clock(pl['onset_time_s']['median'])} in"
        table.append(
            [
                location(None if pl["place"] == "not_said" else pl["place"]),
                f"{pl['episodes']} ({pl['runs']} run{'s' if pl['runs'] != 1 else ''})",
                PATTERN_WORDS[pl["pattern"]],
                first,
                _spread_dict(pl["rest_to_relief_s"], duration, "episode"),
            ]
        )
    widths = [28 * mm, 22 * mm, 30 * mm, 52 * mm, WIDTH - 132 * mm]
    charts_row = [relief_chart(pl) for pl in rows if pl["rest_to_relief_s"]["n"]]
    story: list = [p("Per place", H2), grid(table, widths)]
    if charts_row:
        strip = Table([charts_row], colWidths=[WIDTH / max(3, len(charts_row))] * len(charts_row), hAlign="LEFT")
        story += [Spacer(1, 3), strip]
    meanings = " ".join(m for m in RELIEF_RANGE_MEANING.values() if m)
    return story + [p(RELIEF_CONTEXT + " " + meanings, SMALL)]


def relief_chart(place: dict, width: float = 62 * mm) -> Drawing:
    """Standstill-to-relief for one place: one bar per range, its count beside it."""
    label_pt = pdf_charts.LABEL_PT
    bins = place["relief_distribution"]
    row_h, label_w = 4.4 * mm, 34 * mm
    height = row_h * (len(bins) + 1)
    d = Drawing(width, height)
    title = f"{location(None if place['place'] == 'not_said' else place['place'])}: stopping to relief"
    d.add(String(0, height - row_h + 1.5, title, fontSize=label_pt, fontName=BOLD))
    most = max(b["count"] for b in bins) or 1
    bar_w = width - label_w - 8 * mm
    for i, b in enumerate(bins):
        y = height - row_h * (i + 2) + 1
        d.add(String(0, y + 1, RELIEF_RANGE_WORDS[b["range"]], fontSize=label_pt, fontName=FONT))
        if b["count"]:
            bar = Rect(label_w, y, bar_w * b["count"] / most, row_h - 2)
            bar.fillColor, bar.strokeColor = colors.HexColor("#2b8cbe"), None
            d.add(bar)
        d.add(String(label_w + bar_w * b["count"] / most + 2, y + 1, str(b["count"]), fontSize=label_pt, fontName=FONT))
    return d


def questionnaire_table(data: ExportData) -> list:
    """The runner's Edinburgh answers beside what the recordings say (never scored), or one
    line saying it was not answered."""
    if data.answers is None:
        return [
            Paragraph(
                f"<b>{escape(EDINBURGH_NAME)}: not answered.</b> The runner has not filled it in; the recordings "
                "alone are above.",
                BODY,
            )
        ]
    rows = present.beside_rows(data.answers, recorded_beside(data.analyses))
    table = [["Question", "Runner's answer", "The recordings"]] + [
        [r["question"], r["answer"], r["recorded"]] for r in rows
    ]
    return [
        p(f"{EDINBURGH_NAME} (answered {data.answers.answered_at:%d %b %Y})", H2),
        grid(table, [62 * mm, 38 * mm, WIDTH - 100 * mm]),
        p(BESIDE_NOTE + " " + EDINBURGH_SOURCE, SMALL),
    ]


# -- after page 1 ----------------------------------------------------------------------------


def runs_table(data: ExportData) -> list:
    """Every run in the period in one table; a run without numbness is a row, not a page."""
    u = data.units
    table = [["Run (local time)", "Duration, distance, pace", "Numbness", "Clock", "What was worn"]]
    for row, ra in data.pairs():
        start = local_time(row)
        labels = Counter(LABEL_WORDS[ep.label] for ep in ra.episodes)
        numbness = ", ".join(f"{n} {label}" for label, n in labels.items()) or "none"
        speed = ra.distance_m / ra.duration_s if ra.duration_s > 0 else None
        clock_state = "synchronised" if row.clock_synced else "corrected" if row.corrected else "not synchronised"
        setup = data.setups.get(row.id)
        worn = " · ".join(v or "-" for v in (setup.shoes, setup.lacing, setup.orthotics)) if setup else "-"
        table.append(
            [
                f"{start:%a %d %b %Y}, {start:%H:%M}",
                f"{duration(ra.duration_s)} · {distance(ra.distance_m, u)} · {pace(speed, u)}",
                numbness,
                clock_state,
                worn,
            ]
        )
    widths = [38 * mm, 46 * mm, 34 * mm, 28 * mm, WIDTH - 146 * mm]
    return [CondPageBreak(40 * mm), p(f"Runs ({len(data.rows)})", H2), grid(table, widths)]


def trends_section(data: ExportData) -> list:
    if len(data.rows) < 2:
        return []
    chart = pdf_charts.trends(trend_points(data.pairs()), width=WIDTH, height=230, units=data.units)
    words = sentences.summary_trend(data.summary, data.units)
    return [KeepTogether([p("Trends over the weeks", H2), p(f"Distance to first numbness: {words}.", SMALL), chart])]


def setups_section(data: ExportData) -> list:
    """The shoe and lacing experiment, when the runner recorded setups."""
    if not data.setups:
        return []
    u = data.units
    groups = comparison_table([(ra, data.setups.get(row.id)) for row, ra in data.pairs()])
    table = [
        [
            "Setup (shoes · lacing · orthotics)",
            "Runs (h)",
            "With numbness",
            "Episodes / h",
            "First numbness",
            "Worsening",
            "Against the others",
        ]
    ]
    for g in groups:
        s = g["setup"]
        name = " · ".join(v or "-" for v in (s["shoes"], s["lacing"], s["orthotics"])) if s else NO_SETUP
        c = g["comparison"]
        if c is None:
            verdict = "-"
        elif not c["enough_runs"]:
            verdict = f"{NOT_ENOUGH_RUNS} (at least {c['minimum_runs']} runs each)"
        else:
            verdict = (
                f"{SETUP_DIFFERENCE_WORDS[c['runs_with_numbness']]} (p = {c['runs_with_numbness_p']}); "
                f"{EPISODE_RATE_WORDS[c['episodes_per_hour']]} (p = {c['episodes_per_hour_p']})"
            )
        first = (
            "-"
            if g["median_onset_time_s"] is None
            else f"{clock(g['median_onset_time_s'])} in, {distance(g['median_onset_distance_m'], u)}"
        )
        table.append(
            [
                name,
                f"{g['runs']} ({g['hours']:.1f})",
                f"{g['runs_with_numbness']} of {g['runs']}",
                "-" if g["episodes_per_hour"] is None else f"{g['episodes_per_hour']:.2f}",
                first,
                str(g["worsening_episodes"]),
                verdict,
            ]
        )
    widths = [38 * mm, 17 * mm, 19 * mm, 18 * mm, 26 * mm, 19 * mm, WIDTH - 137 * mm]
    return [
        CondPageBreak(50 * mm),
        p("Shoes and lacing: what the runner wore, compared", H2),
        p(REMEDIES.replace("Record what you wore", "The runner records what was worn"), SMALL),
        grid(table, widths),
        p(
            f"Exact tests against the runs of the other setups (Fisher's exact test for runs with numbness, the "
            f"conditional binomial test for episodes per hour); below {th.MIN_RUNS_PER_SETUP} runs on either side no "
            f"test is made. {DISCLAIMER_FOR_DOCTOR}",
            SMALL,
        ),
    ]


def run_section(data: ExportData, row, ra) -> list:
    u = data.units
    start = local_time(row)
    title = (
        f"Run of {start:%a %d %b %Y, %H:%M} ({offset_text(row)}): {duration(ra.duration_s)}, "
        f"{distance(ra.distance_m, u)}, {PATTERN_WORDS[ra.pattern]}"
    )
    head: list = [p(title, H2)]
    if not row.clock_synced:
        head.append(
            p(
                "The logger's clock was not synchronised at the start of this run"
                + (
                    " (start time corrected by the runner)."
                    if row.corrected
                    else ": the date and time of day may be off; times into the run are right."
                ),
                SMALL,
            )
        )
    samples = data.samples.get(row.id, [])
    head.append(pdf_charts.timeline(ra, samples, width=WIDTH, height=150))

    def at(t_s: float) -> str:
        moment = local_time(row, t_s)
        return time_of_day(moment, with_day=moment.date() != start.date())

    header = ["#", "Began", "Got worse", "Ended", "Stopping to relief", "Label"]
    table_rows: list[list] = [header]
    for ep in ra.episodes:
        esc = (
            "; ".join(
                f"{clock(e.t_s)} in (at {at(e.t_s)}), {distance(e.distance_m, u)}, {STATE_WORDS[e.state]}"
                for e in ep.escalations
            )
            or "-"
        )
        ended = (
            f"{ENDED_BY_WORDS[ep.ended_by]}, {clock(ep.end_t_s)} in (at {at(ep.end_t_s)}), {STATE_WORDS[ep.end_state]}"
        )
        table_rows.append(
            [
                str(ep.number),
                f"{clock(ep.onset_t_s)} in (at {at(ep.onset_t_s)}), after {distance(ep.onset_distance_m, u)}, "
                f"{STATE_WHILE[ep.onset_state]}",
                esc,
                ended,
                duration(ep.rest_to_relief_s) if ep.rest_to_relief_s is not None else "-",
                LABEL_WORDS[ep.label],
            ]
        )
    head.append(grid(table_rows, [7 * mm, 44 * mm, 40 * mm, 40 * mm, 21 * mm, WIDTH - 152 * mm]))
    story: list = [CondPageBreak(80 * mm), KeepTogether(head)]
    for ep in ra.episodes:
        lines = sentences.episode_evidence(ep, u)
        effort = sentences.episode_effort(ep)
        if effort:
            lines.append(effort)
        if ep.annotation is not None:
            a = ep.annotation
            parts = [f"felt in the {location(a.location)}" + (f" ({a.side})" if a.side else "")]
            parts += [f"shoes: {a.shoes}"] if a.shoes else []
            parts += [f"lacing: {a.lacing}"] if a.lacing else []
            parts += [f"note: {a.note.rstrip('.')}"] if a.note else []
            lines.append("The runner noted: " + "; ".join(parts) + ".")
        story.append(KeepTogether([p(f"Episode {ep.number}: {LABEL_WORDS[ep.label]}", H3), *bullets(lines, SMALL)]))
    return story


def method_section(data: ExportData) -> list:
    story: list = [CondPageBreak(60 * mm), p("How the flags are computed", H2)]
    for label, meaning in LABEL_MEANING.items():
        story.append(Paragraph(f"<b>{escape(LABEL_WORDS[label])}</b>: {escape(meaning)}", BODY))
    story += bullets(sentences.method(), SMALL)
    story.append(p("Devices", H2))
    devices = sorted({(r.device or "footnote logger") for r in data.rows})
    pods = sorted(
        {
            f"{r.footpod_name or 'footpod'} ({r.footpod_address}), cadence convention {r.cadence_convention}"
            if r.footpod_address
            else f"{r.footpod_name}, cadence convention {r.cadence_convention}"
            for r in data.rows
            if r.footpod_address or r.footpod_name
        }
    )
    story += bullets(
        [f"Logger: {d}" for d in devices] + [f"Footpod: {pod}" for pod in pods] or ["No footpod recorded."], SMALL
    )
    unsynced = [r for r in data.rows if not r.clock_synced]
    story.append(p("Clocks", H2))
    if unsynced:
        story += bullets(
            [
                f"Run of {local_time(r):%d %b %Y %H:%M}: clock not synchronised at the start"
                + (
                    f"; recorded {r.recorded_started_at:%d %b %Y %H:%M}, corrected by the runner."
                    if r.corrected
                    else "; the date and time of day may be off."
                )
                for r in unsynced
            ],
            SMALL,
        )
    else:
        story.append(p("The logger's clock was synchronised at the start of every run in this report.", SMALL))
    if data.not_shown:
        story += bullets(
            [RUN_NOT_SHOWN.format(run_id=r.id, started=r.started_at.isoformat()) for r in data.not_shown], SMALL
        )
    return story


def _footer(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(FONT, SMALLEST_PT)
    canvas.setFillColor(colors.HexColor("#444444"))
    canvas.drawString(18 * mm, 10 * mm, "footnote: runner-recorded patterns, not a diagnosis.")
    canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"page {doc.page}")
    canvas.restoreState()


def write(data: ExportData, out: BinaryIO) -> None:
    """The report: page 1 the whole story, then the runs, trends, setups, each run with
    numbness, and how the flags are computed."""
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=15 * mm,
        bottomMargin=17 * mm,
        title="footnote numbness log",
        author=data.name or "anonymous runner",
        subject="Runner-recorded numbness patterns (not a diagnosis)",
    )
    story = summary_page(data)
    story += runs_table(data)
    story += trends_section(data)
    story += setups_section(data)
    for row, ra in data.pairs():
        if ra.episodes:
            story += run_section(data, row, ra)
    story += method_section(data)
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)

"""The PDF report a clinician can read in two minutes (reportlab; its charts are vectors
drawn by reportlab's own graphics, server.exports.pdf_charts: sharp at any zoom, and no
matplotlib to load).

Page 1 is the summary; then one section per run with numbness (timeline chart and
episode table); last, how the flags are computed, the devices, and unsynchronised
clocks. Times are the runner's local time with its UTC offset. Every piece of text that
came from the runner is escaped before reportlab's paragraph markup sees it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import BinaryIO
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from footnote.device.db.reader import local_time
from footnote.server.analysis import Spread
from footnote.server.analysis import thresholds as th
from footnote.server.analysis.codes import Label
from footnote.server.analysis.experiment import comparison_table
from footnote.server.analysis.places import per_place
from footnote.server.analysis.questionnaire import recorded_beside
from footnote.server.charts.data import trend_points
from footnote.server.exports import pdf_charts
from footnote.server.exports.data import ExportData, at, offset_text
from footnote.server.words import present, sentences
from footnote.server.words import sentences as wording
from footnote.server.words.vocabulary import (
    BESIDE_NOTE,
    DISCLAIMER,
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
    STATE_WORDS,
    clock,
    duration,
    km,
    location,
)

WIDTH = A4[0] - 36 * mm

_styles = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=_styles["BodyText"], fontSize=9.5, leading=12.5)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10, textColor=colors.HexColor("#444444"))
H1 = ParagraphStyle("h1", parent=_styles["Heading1"], fontSize=16, spaceAfter=4)
H2 = ParagraphStyle("h2", parent=_styles["Heading2"], fontSize=12.5, spaceBefore=8, spaceAfter=4)
H3 = ParagraphStyle("h3", parent=_styles["Heading3"], fontSize=10.5, spaceBefore=6, spaceAfter=2)
FLAG = ParagraphStyle("flag", parent=BODY, textColor=colors.HexColor("#9b0000"))
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=10.5)


def p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (escaped: never markup)."""
    return Paragraph(escape(text), style)


def bullets(lines: list[str], style: ParagraphStyle = BODY) -> list[Paragraph]:
    return [Paragraph("&bull; " + escape(line), style) for line in lines]


def grid(rows: list[list], widths: list[float], header: bool = True) -> Table:
    cells = [[c if isinstance(c, Paragraph) else p(str(c), CELL) for c in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc"))]
    if header:
        style += [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]
    table.setStyle(TableStyle(style))
    return table


def _spread(sp: Spread, fmt: Callable[[float], str]) -> str:
    if sp.median is None:
        return "-"
    return fmt(sp.median) + (f" (variation {sp.cv:.0%}, n = {sp.n})" if sp.cv is not None else f" (n = {sp.n})")


def summary_page(data: ExportData) -> list:
    s = data.summary
    story: list = [p("footnote: runner-recorded numbness log", H1)]
    who = data.name or "not given"
    story.append(
        p(
            (
                f"For: {who}. Period: {data.first_day:%d %b %Y} to {data.last_day:%d %b %Y}. Times are the runner's "
                f"local time ({offset_text(data.rows[-1])}). Generated {data.generated_at:%Y-%m-%d %H:%M} UTC."
            ),
            SMALL,
        )
    )
    story.append(Spacer(1, 4))
    if s.red_flags:
        flag_rows = [[Paragraph("<b>See a doctor soon</b>", FLAG)]] + [
            [p(("EMERGENCY: " if f.urgency == "emergency" else "") + sentences.red_flag(f), FLAG)] for f in s.red_flags
        ]
        box = Table(flag_rows, colWidths=[WIDTH])
        box.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 1.2, colors.HexColor("#9b0000")),
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fff0f0")),
                ]
            )
        )
        story += [box, Spacer(1, 6)]
    story.append(
        Paragraph(
            "<b>Not a diagnosis.</b> "
            + escape(DISCLAIMER)
            + " These are patterns in what the runner recorded with a button and a footpod.",
            BODY,
        )
    )
    locations = Counter(
        location(ep.annotation.location)
        for ra in data.analyses
        for ep in ra.episodes
        if ep.annotation and ep.annotation.location
    )
    felt = ", ".join(f"{where} ({n})" for where, n in locations.most_common()) or "not recorded"
    trend = "-" if s.onset_trend_m_per_week is None else f"{s.onset_trend_m_per_week:+.0f} m per week"
    rows = [
        ["Pattern across runs", PATTERN_WORDS[s.pattern]],
        ["Runs / total distance", f"{s.runs} runs, {km(s.total_distance_m)}"],
        [
            "Numbness episodes",
            f"{s.episodes}: " + ", ".join(f"{s.label_counts[k]} {LABEL_WORDS[Label(k)]}" for k in s.label_counts),
        ],
        ["Distance to first numbness", _spread(s.onset_distance_m, km)],
        ["Time to first numbness", _spread(s.onset_time_s, clock)],
        ["Trend of onset distance", trend],
        ["Stopping to relief", _spread(s.rest_to_relief_s, duration)],
        ["Where it is felt", felt],
    ]
    hr = s.onset_steadiness.get("heart_rate") if s.onset_steadiness else None
    if hr and hr["n"]:
        rows.insert(5, ["Heart rate at first numbness", _spread_dict(hr, lambda v: f"{v:.0f} bpm")])
        rows.insert(6, ["Steadiest across runs", sentences.onset_steadiness(s.onset_steadiness)])
    story += [Spacer(1, 6), grid([[p(a, CELL), p(b, CELL)] for a, b in rows], [55 * mm, WIDTH - 55 * mm], header=False)]
    story += places_table(data)
    story += questionnaire_table(data)
    story += [p("Evidence", H2), *bullets(sentences.summary_evidence(s))]
    if s.hint_codes:
        story += [p("Hints from where it is felt", H2), *bullets(sentences.summary_hints(s))]
    story.append(Spacer(1, 6))
    return story


def _spread_dict(sp: dict, fmt: Callable[[float], str]) -> str:
    return _spread(Spread(sp["n"], sp["median"], sp["cv"]), fmt)


def places_table(data: ExportData) -> list:
    """Per place (calf and top of the foot are different questions), "not said" its own row."""
    rows = per_place(data.analyses)
    if not rows:
        return []
    table = [
        ["Place", "Episodes", "Pattern", "Onset distance", "Onset time", "Stopping to relief", "Relief after stopping"]
    ]
    for pl in rows:
        ranges = ", ".join(
            f"{RELIEF_RANGE_WORDS[r['range']]}: {r['count']}" for r in pl["relief_distribution"] if r["count"]
        )
        table.append(
            [
                location(None if pl["place"] == "not_said" else pl["place"]),
                f"{pl['episodes']} ({pl['runs']} runs)",
                PATTERN_WORDS[pl["pattern"]],
                _spread_dict(pl["onset_distance_m"], km),
                _spread_dict(pl["onset_time_s"], clock),
                _spread_dict(pl["rest_to_relief_s"], duration),
                ranges or "-",
            ]
        )
    widths = [24 * mm, 18 * mm, 24 * mm, 27 * mm, 25 * mm, 27 * mm, WIDTH - 145 * mm]
    charts_row = [relief_chart(pl) for pl in rows if pl["rest_to_relief_s"]["n"]]
    story: list = [p("Per place", H2), grid(table, widths)]
    if charts_row:
        strip = Table([charts_row], colWidths=[WIDTH / max(3, len(charts_row))] * len(charts_row), hAlign="LEFT")
        story += [Spacer(1, 4), strip]
    meanings = " ".join(m for m in RELIEF_RANGE_MEANING.values() if m)
    return story + [p(RELIEF_CONTEXT + " " + meanings, SMALL)]


def relief_chart(place: dict, width: float = 58 * mm) -> Drawing:
    """Standstill-to-relief for one place: one bar per range, its count beside it."""
    bins = place["relief_distribution"]
    row_h, label_w = 4.2 * mm, 26 * mm
    height = row_h * (len(bins) + 1)
    d = Drawing(width, height)
    title = f"{location(None if place['place'] == 'not_said' else place['place'])}: stopping to relief"
    d.add(String(0, height - row_h + 1.5, title, fontSize=7, fontName="Helvetica-Bold"))
    most = max(b["count"] for b in bins) or 1
    bar_w = width - label_w - 8 * mm
    for i, b in enumerate(bins):
        y = height - row_h * (i + 2) + 1
        d.add(String(0, y + 1, RELIEF_RANGE_WORDS[b["range"]], fontSize=6.5))
        if b["count"]:
            bar = Rect(label_w, y, bar_w * b["count"] / most, row_h - 2)
            bar.fillColor, bar.strokeColor = colors.HexColor("#2b8cbe"), None
            d.add(bar)
        d.add(String(label_w + bar_w * b["count"] / most + 2, y + 1, str(b["count"]), fontSize=6.5))
    return d


def questionnaire_table(data: ExportData) -> list:
    """The runner's Edinburgh answers beside what the recordings say (never scored)."""
    if data.answers is None:
        return []
    rows = present.beside_rows(data.answers, recorded_beside(data.analyses))
    table = [["Question", "Runner's answer", "The recordings"]] + [
        [r["question"], r["answer"], r["recorded"]] for r in rows
    ]
    return [
        p(f"{EDINBURGH_NAME} (answered {data.answers.answered_at:%d %b %Y})", H2),
        grid(table, [62 * mm, 38 * mm, WIDTH - 100 * mm]),
        p(BESIDE_NOTE + " " + EDINBURGH_SOURCE, SMALL),
    ]


def setups_section(data: ExportData) -> list:
    """The shoe and lacing experiment, when the runner recorded setups."""
    if not data.setups:
        return []
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
            else f"{clock(g['median_onset_time_s'])}, {km(g['median_onset_distance_m'])}"
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
    widths = [36 * mm, 16 * mm, 20 * mm, 18 * mm, 24 * mm, 20 * mm, WIDTH - 134 * mm]
    return [
        p("Shoes and lacing: what the runner wore, compared", H2),
        p(REMEDIES, SMALL),
        grid(table, widths),
        p(
            f"Exact tests against the runs of the other setups (Fisher's exact test for runs with numbness, the "
            f"conditional binomial test for episodes per hour); below {th.MIN_RUNS_PER_SETUP} runs on either side no "
            f"test is made. {DISCLAIMER}",
            SMALL,
        ),
    ]


def run_section(data: ExportData, row, ra) -> list:
    title = f"Run of {local_time(row):%a %d %b %Y, %H:%M} ({offset_text(row)}): {clock(ra.duration_s)}, {km(ra.distance_m)}, {PATTERN_WORDS[ra.pattern]}"
    story: list = [p(title, H2)]
    if not row.clock_synced:
        story.append(
            p(
                "The logger's clock was not synchronised at the start of this run"
                + (
                    " (start time corrected by the runner)."
                    if row.corrected
                    else ": the date and time may be off; times within the run are right."
                ),
                SMALL,
            )
        )
    samples = data.samples.get(row.id, [])
    story.append(pdf_charts.timeline(ra, samples, width=WIDTH))
    header = ["#", "Started", "Got worse", "Ended", "Stopping to relief", "Label"]
    table_rows: list[list] = [header]
    for ep in ra.episodes:
        esc = "; ".join(f"{clock(e.t_s)} ({km(e.distance_m)}, {STATE_WORDS[e.state]})" for e in ep.escalations) or "-"
        ended = f"{ENDED_BY_WORDS[ep.ended_by]} {at(row, ep.end_t_s)[11:16]} ({clock(ep.end_t_s)} in), {STATE_WORDS[ep.end_state]}"
        table_rows.append(
            [
                str(ep.number),
                f"{at(row, ep.onset_t_s)[11:16]} ({clock(ep.onset_t_s)} in), {km(ep.onset_distance_m)}, {STATE_WORDS[ep.onset_state]}",
                esc,
                ended,
                duration(ep.rest_to_relief_s) if ep.rest_to_relief_s is not None else "-",
                LABEL_WORDS[ep.label],
            ]
        )
    story.append(grid(table_rows, [8 * mm, 42 * mm, 38 * mm, 42 * mm, 22 * mm, WIDTH - 152 * mm]))
    for ep in ra.episodes:
        lines = sentences.episode_evidence(ep)
        effort = sentences.episode_effort(ep)
        if effort:
            lines.append(effort)
        if ep.annotation is not None:
            a = ep.annotation
            parts = [f"felt in: {location(a.location)}" + (f", {a.side}" if a.side else "")]
            parts += [f"shoes: {a.shoes}"] if a.shoes else []
            parts += [f"lacing: {a.lacing}"] if a.lacing else []
            parts += [f"runner's note: {a.note}"] if a.note else []
            lines.append("Runner's notes: " + "; ".join(parts) + ".")
        lines += sentences.hints(ep.hint_codes)
        story.append(KeepTogether([p(f"Episode {ep.number}: {LABEL_WORDS[ep.label]}", H3), *bullets(lines, SMALL)]))
    return story


def method_section(data: ExportData) -> list:
    story: list = [PageBreak(), p("How the flags are computed", H2)]
    for label, meaning in LABEL_MEANING.items():
        story.append(Paragraph(f"<b>{escape(LABEL_WORDS[label])}</b>: {escape(meaning)}", BODY))
    story += bullets(wording.method(), SMALL)
    story.append(p("Devices", H2))
    devices = sorted({(r.device or "footnote logger") for r in data.rows})
    pods = sorted(
        {
            f"{r.footpod_name or 'footpod'} ({r.footpod_address}), cadence convention {r.cadence_convention}"
            for r in data.rows
            if r.footpod_address
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
                    else "; the date and time may be off."
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
    canvas.setFont("Helvetica", 7.5)
    canvas.setFillColor(colors.HexColor("#555555"))
    canvas.drawString(18 * mm, 10 * mm, "footnote: runner-recorded patterns, not a diagnosis.")
    canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"page {doc.page}")
    canvas.restoreState()


def write(data: ExportData, out: BinaryIO) -> None:
    """The report: page 1 the summary, then one section per run with numbness, then how
    the flags are computed."""
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title="footnote numbness log",
        author=data.name or "anonymous runner",
        subject="Runner-recorded numbness patterns (not a diagnosis)",
    )
    story = summary_page(data)
    with_numbness = [(row, ra) for row, ra in data.pairs() if ra.episodes]
    if len(data.rows) >= 2:
        trends = pdf_charts.trends(trend_points(data.pairs()), width=WIDTH)
        story.append(KeepTogether([p("Trends over the weeks", H2), trends]))
    story += setups_section(data)
    for row, ra in with_numbness:
        story += [PageBreak(), *run_section(data, row, ra)]
    story += method_section(data)
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)

"""The PDF's charts as vectors, drawn with reportlab's own graphics (no matplotlib, no
raster): the run timeline and the trends over the weeks. They show what the dashboard's
charts show (speed and cadence; each episode shaded from onset to relief with its
escalations; stops in grey; footpod gaps hatched), sized in points for an A4 page.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta

from reportlab import rl_config
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from footnote.server.analysis import REST, UNKNOWN, RunAnalysis
from footnote.server.analysis.codes import State
from footnote.server.charts.downsample import downsample
from footnote.server.exports.fonts import report_fonts
from footnote.server.words.vocabulary import LABEL_WORDS, METRES_PER, STATE_WORDS

LABEL_COLOURS = {"resolves_at_rest": "#2b8cbe", "worsening": "#d7301f", "indeterminate": "#969696"}
CHART_POINTS = 160  # min-max buckets: up to 480 points across a chart 480 pt wide, peaks kept
GREY = colors.HexColor("#636363")
REST_GREY = colors.HexColor("#bdbdbd")
FONT, BOLD_FONT = report_fonts()
LABEL_PT = 8.0  # every word and number on a chart: readable on paper (issue 21: at least 8 pt)

# The shapes here are built by this module from numbers, never from input: checking
# every attribute as it is set costs a third of the report's time.
rl_config.shapeChecking = 0


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least `top`."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    step = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * step:
            step *= m
            break
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def _tick_text(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:g}"


class Panel:
    """One plot area inside a drawing: data coordinates to points."""

    def __init__(self, x: float, y: float, w: float, h: float, x_max: float, y_max: float) -> None:
        self.x, self.y, self.w, self.h = x, y, w, h
        self.x_max = x_max or 1.0
        self.yticks = nice_ticks(y_max)
        self.y_max = self.yticks[-1]

    def px(self, v: float) -> float:
        return self.x + self.w * min(max(v / self.x_max, 0.0), 1.0)

    def py(self, v: float) -> float:
        return self.y + self.h * min(max(v / self.y_max, 0.0), 1.0)

    def axes(self, g: Group, ylabel: str, *, x_ticks: list[tuple[float, str]] | None) -> None:
        g.add(Line(self.x, self.y, self.x + self.w, self.y, strokeColor=colors.black, strokeWidth=0.6))
        g.add(Line(self.x, self.y, self.x, self.y + self.h, strokeColor=colors.black, strokeWidth=0.6))
        for v in self.yticks:
            yy = self.py(v)
            g.add(Line(self.x - 2.5, yy, self.x, yy, strokeColor=colors.black, strokeWidth=0.5))
            g.add(String(self.x - 4, yy - 3, _tick_text(v), fontName=FONT, fontSize=LABEL_PT, textAnchor="end"))
        g.add(String(self.x + 2, self.y + self.h + 3, ylabel, fontName=FONT, fontSize=LABEL_PT, fillColor=GREY))
        for v, text in x_ticks or []:
            xx = self.px(v)
            g.add(Line(xx, self.y, xx, self.y - 2.5, strokeColor=colors.black, strokeWidth=0.5))
            g.add(String(xx, self.y - 10, text, fontName=FONT, fontSize=LABEL_PT, textAnchor="middle"))

    def span(self, g: Group, start: float, end: float, colour: colors.Color, opacity: float) -> None:
        x0, x1 = self.px(start), self.px(end)
        g.add(Rect(x0, self.y, max(x1 - x0, 0.4), self.h, fillColor=colour, fillOpacity=opacity, strokeColor=None))

    def hatch(self, g: Group, start: float, end: float, spacing: float = 4.0) -> None:
        """Diagonal hatching over [start, end]: no data there (a footpod gap)."""
        x0, x1 = self.px(start), self.px(end)
        y0, y1 = self.y, self.y + self.h
        k = x0 - (y1 - y0)
        while k < x1:
            # the line x = k + (y - y0), clipped to the rectangle
            ya = max(y0, y0 + (x0 - k))
            yb = min(y1, y0 + (x1 - k))
            if yb > ya:
                g.add(Line(k + (ya - y0), ya, k + (yb - y0), yb, strokeColor=GREY, strokeWidth=0.4))
            k += spacing

    def vline(self, g: Group, v: float, colour: colors.Color, width: float, dashed: bool = False) -> None:
        xx = self.px(v)
        g.add(
            Line(
                xx,
                self.y,
                xx,
                self.y + self.h,
                strokeColor=colour,
                strokeWidth=width,
                strokeDashArray=[3, 2] if dashed else None,
            )
        )

    def line(self, g: Group, xs: list[float], ys: list[float], colour: colors.Color) -> None:
        if len(xs) < 2:
            return
        points: list[float] = []
        for x, y in zip(xs, ys, strict=True):
            points += [self.px(x), self.py(y)]
        g.add(PolyLine(points, strokeColor=colour, strokeWidth=0.7, strokeLineJoin=1))


def _minute_ticks(end_min: float) -> list[tuple[float, str]]:
    step = next((s for s in (1, 2, 5, 10, 15, 30, 60) if end_min / s <= 10), 120)
    return [(float(m), str(m)) for m in range(0, int(end_min) + 1, step)]


def _legend(g: Group, x: float, y: float, items: list[tuple[str, Callable[[Group, float, float], None]]]) -> None:
    for text, swatch in items:
        swatch(g, x, y)
        s = String(x + 12, y + 1, text, fontName=FONT, fontSize=LABEL_PT)
        g.add(s)
        x += 12 + stringWidth(text, FONT, LABEL_PT) + 12


def timeline(
    ra: RunAnalysis, samples: list[tuple[float, float, float]], *, width: float, height: float = 190
) -> Drawing:
    """Speed and cadence over the run with episodes, stops and gaps, `width` points wide.
    samples: (t_s, speed_mps, cadence_spm), downsampled here (min-max, peaks kept)."""
    d = Drawing(width, height)
    g = Group()
    points = downsample(samples, value_indexes=(1, 2), buckets=CHART_POINTS)
    minutes = [t / 60 for t, _, _ in points]
    end_min = max(ra.duration_s / 60, minutes[-1] if minutes else 0.0, 0.1)
    left, right, bottom, top_pad, gap = 38.0, 6.0, 26.0, 30.0, 14.0
    panel_h = (height - bottom - top_pad - gap) / 2
    speed = Panel(
        left, bottom + panel_h + gap, width - left - right, panel_h, end_min, max([s for _, s, _ in points] + [1.0])
    )
    cadence = Panel(left, bottom, width - left - right, panel_h, end_min, max([c for _, _, c in points] + [1.0]))
    for panel in (speed, cadence):
        for seg in ra.segments:
            if seg.state == REST:
                panel.span(g, seg.start_s / 60, seg.end_s / 60, REST_GREY, 0.45)
            elif seg.state == UNKNOWN:
                panel.hatch(g, seg.start_s / 60, seg.end_s / 60)
        for ep in ra.episodes:
            colour = colors.HexColor(LABEL_COLOURS[ep.label])
            panel.span(g, ep.onset_t_s / 60, ep.end_t_s / 60, colour, 0.18)
            panel.vline(g, ep.onset_t_s / 60, colour, 1.0)
            for esc in ep.escalations:
                panel.vline(g, esc.t_s / 60, colour, 0.8, dashed=True)
    speed.line(g, minutes, [s for _, s, _ in points], colors.HexColor("#238b45"))
    cadence.line(g, minutes, [c for _, _, c in points], colors.HexColor("#6a51a3"))
    speed.axes(g, "speed (m/s)", x_ticks=None)
    cadence.axes(g, "cadence (steps/min)", x_ticks=_minute_ticks(end_min))
    g.add(
        String(left + cadence.w / 2, 3, "minutes into the run", fontName=FONT, fontSize=LABEL_PT, textAnchor="middle")
    )
    marker_y = speed.y + speed.h * 0.92
    for ep in ra.episodes:
        colour = colors.HexColor(LABEL_COLOURS[ep.label])
        g.add(
            String(
                speed.px(ep.onset_t_s / 60) + 2,
                speed.y + speed.h - 8,
                f"#{ep.number}",
                fontName=FONT,
                fontSize=LABEL_PT,
                fillColor=colour,
            )
        )
        for esc in ep.escalations:
            x = speed.px(esc.t_s / 60)
            g.add(
                Polygon([x - 3, marker_y + 3, x + 3, marker_y + 3, x, marker_y - 3], fillColor=colour, strokeColor=None)
            )
        if ep.ended_by == "relief":
            g.add(Circle(speed.px(ep.end_t_s / 60), marker_y, 2.5, fillColor=None, strokeColor=colour, strokeWidth=0.9))
    items = [
        (f"numbness: {LABEL_WORDS[label]}", _box(LABEL_COLOURS[label], 0.35))
        for label in sorted({e.label for e in ra.episodes})
    ]
    items += [(STATE_WORDS[State.REST], _box("#bdbdbd", 0.6)), ("footpod gap / no data", _hatch_box)]
    _legend(g, left, height - 10, items)
    g.add(
        String(
            width - right,
            height - 22,
            "dashed line / triangle: got worse; circle: relief",
            fontName=FONT,
            fontSize=LABEL_PT,
            fillColor=GREY,
            textAnchor="end",
        )
    )
    d.add(g)
    return d


def _box(colour: str, opacity: float) -> Callable[[Group, float, float], None]:
    def draw(g: Group, x: float, y: float) -> None:
        g.add(Rect(x, y, 9, 7, fillColor=colors.HexColor(colour), fillOpacity=opacity, strokeColor=None))

    return draw


def _hatch_box(g: Group, x: float, y: float) -> None:
    g.add(Rect(x, y, 9, 7, fillColor=None, strokeColor=GREY, strokeWidth=0.4))
    for k in (0, 3, 6):
        g.add(Line(x + k, y, x + min(k + 7, 9), y + min(7, 9 - k), strokeColor=GREY, strokeWidth=0.4))


def _date_ticks(first: datetime, days: float, pad: float) -> list[tuple[float, str]]:
    """Date ticks as (days since the first run + pad, label): weeks over a short period,
    month starts (every few months) over a long one."""
    ticks = []
    if days <= 70:
        for week in range(0, int(days) + 1, 7 if days > 10 else 2):
            ticks.append((week + pad, f"{first + timedelta(days=week):%d %b}"))
        return ticks
    step = max(1, math.ceil(days / 30.5 / 5))
    year, month = first.year, first.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        day = datetime(year, month, 1, tzinfo=first.tzinfo)
        offset = (day - first).total_seconds() / 86400
        if offset > days:
            break
        if (year * 12 + month) % step == 0:
            ticks.append((offset + pad, f"{day:%b %Y}" if days > 300 else f"{day:%d %b}"))
    return ticks


def trends(points: list[dict], *, width: float, height: float = 300, units: str = "km") -> Drawing:
    """Onset distance, onset time, stopping to relief and episodes per run over the weeks."""
    d = Drawing(width, height)
    g = Group()
    first = min(p["started_at"] for p in points)
    days = [(p["started_at"] - first).total_seconds() / 86400 for p in points]
    pad = max(max(days), 1.0) * 0.04  # room for the first and last bar
    days = [day + pad for day in days]
    span = max(days) + pad
    ticks = _date_ticks(first, span - 2 * pad, pad)
    panels = [
        ("onset_distance_m", f"first numbness: distance ({units})", 1 / METRES_PER[units], "#2b8cbe"),
        ("onset_time_s", "first numbness: time (min)", 1 / 60, "#2b8cbe"),
        ("rest_to_relief_s", "stopping to relief (min)", 1 / 60, "#41ab5d"),
        ("episodes", "numbness episodes per run", 1, "#fd8d3c"),
    ]
    col_w, row_h = width / 2, height / 2
    for i, (key, title, scale, colour) in enumerate(panels):
        x0, y0 = (i % 2) * col_w, (1 - i // 2) * row_h
        xs = [day for day, p in zip(days, points, strict=True) if p[key] is not None]
        ys = [p[key] * scale for p in points if p[key] is not None]
        panel = Panel(x0 + 34, y0 + 22, col_w - 44, row_h - 40, span, max(ys + [1.0]))
        fill = colors.HexColor(colour)
        if key == "episodes":
            bar = max(panel.w / max(len(xs), 1) * 0.6, 0.6)
            for x, y in zip(xs, ys, strict=True):
                g.add(
                    Rect(panel.px(x) - bar / 2, panel.y, bar, panel.py(y) - panel.y, fillColor=fill, strokeColor=None)
                )
        else:
            panel.line(g, xs, ys, fill)
            for x, y in zip(xs, ys, strict=True):
                g.add(Circle(panel.px(x), panel.py(y), 1.6, fillColor=fill, strokeColor=None))
        panel.axes(g, title, x_ticks=ticks)
    d.add(g)
    return d

"""The dashboard's charts as SVG text, drawn without matplotlib.

Each chart is drawn for the width it is shown at, in CSS pixels, so its text is
`FONT_PX` high on a 390-px phone as on a laptop: the run page's script
(static/chart.js) asks for the exact width and a zoom window; without JavaScript the
page picks a phone or a desktop drawing with <picture>.

Only presentation attributes (fill, stroke, font-size), never a style attribute or a
<style> element: the dashboard's Content-Security-Policy forbids inline styles, and an
SVG shown as an <img> does not see the page's stylesheet. The label colours are the
badges' colours in static/style.css.

The run chart carries its geometry in data attributes (`data-t0`, `data-plot-left`, ...)
so the script can turn a tap into a time and a time into a point; the values it shows
come from the JSON twin (`/api/runs/{id}/samples` with the same window and
`data-max-points`), which downsamples exactly as the drawing does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape

from footnote.server.analysis import REST, UNKNOWN, RunAnalysis
from footnote.server.analysis import thresholds as th
from footnote.server.words.vocabulary import CHART_WORDS, LABEL_WORDS, TREND_WORDS, clock, km

FONT_PX = 13
"""Every text in a chart, in CSS px at the width it was drawn for (>= 12 px on a phone)."""
MIN_WIDTH, MAX_WIDTH, DEFAULT_WIDTH = 240, 2400, 1000
PHONE_WIDTH = 360
"""The drawing a page without JavaScript shows on a phone (390 px less the margins)."""

INK, MUTED, GRID = "#1d1d1f", "#4d4d4d", "#d0d0d0"
LABEL_COLOURS = {"resolves_at_rest": "#0b5d8c", "worsening": "#b5311a", "indeterminate": "#595959"}
SPEED_COLOUR, CADENCE_COLOUR = "#17663a", "#6b4c9a"
HEART_RATE_COLOUR = "#b0253a"  # 6.2:1 on white (WCAG AA for the line and its labels)
REST_FILL, GAP_INK, GAP_FILL = "#d9d9d9", "#595959", "#f2f2f2"
TREND_COLOURS = {"onset": "#0b5d8c", "relief": "#17663a", "episodes": "#a6500a"}

LEFT, RIGHT = 44.0, 12.0  # room for the y tick labels; the last x label's overhang
LANE_H = 44.0  # the episode lane: a bar a thumb can hit (44 px)
BAR_TOP, BAR_H = 8.0, 28.0

ChartPoint = tuple
"""A sample as the run chart reads it: (t_s, speed_mps, cadence_spm, distance_m) and, for a
run with a heart rate, heart_rate_bpm fifth (None where it is unknown)."""


def timeline_buckets(width: int) -> int:
    """Min-max buckets for a run chart drawn `width` px wide: one per 2 px of plot, so a
    view holds a few hundred points however long the run (3 per bucket at most)."""
    return max(40, int((width - LEFT - RIGHT) // 2))


def _timeline_rows(width: int, heart_rate: bool = False) -> tuple[float, float, float, float, float]:
    """(lane_top, speed_top, cadence_top, panel_h, height) of a run chart this wide; a run
    with a heart rate has a third panel, below the cadence's."""
    panel_h = 110.0 if width < 600 else 140.0
    lane_top = 2.0
    speed_top = lane_top + LANE_H + 28
    cadence_top = speed_top + panel_h + 34
    last_top = cadence_top + (panel_h + 34 if heart_rate else 0)
    return lane_top, speed_top, cadence_top, panel_h, last_top + panel_h + 46


def timeline_height(width: int, heart_rate: bool = False) -> int:
    return int(_timeline_rows(width, heart_rate)[-1])


def trends_height(width: int) -> int:
    return int(_trends_rows(width)[-1])


def _trends_rows(width: int) -> tuple[int, float, float]:
    """(columns, cell_h, height) of a trends chart this wide."""
    columns = 1 if width < 640 else 2
    cell_h = 26 + TREND_PLOT_H + 34
    return columns, cell_h, math.ceil(4 / columns) * cell_h + 4


TREND_PLOT_H = 120.0


def _n(v: float) -> str:
    """A coordinate, short."""
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attrs(attrs: dict[str, object]) -> str:
    out = []
    for key, value in attrs.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        text = _n(value) if isinstance(value, float) else str(value)
        out.append(f' {name}="{escape(text, quote=True)}"')
    return "".join(out)


class _Svg:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def el(self, tag: str, text: str | None = None, **attrs: object) -> None:
        if text is None:
            self.parts.append(f"<{tag}{_attrs(attrs)}/>")
        else:
            self.parts.append(f"<{tag}{_attrs(attrs)}>{escape(text, quote=False)}</{tag}>")

    def open(self, tag: str, **attrs: object) -> None:
        self.parts.append(f"<{tag}{_attrs(attrs)}>")

    def close(self, tag: str) -> None:
        self.parts.append(f"</{tag}>")

    def text(self) -> str:
        return "".join(self.parts)


def _root(svg: _Svg, width: int, height: float, label: str, **data: object) -> None:
    svg.open(
        "svg",
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width} {_n(height)}",
        width=width,
        height=_n(height),
        role="img",
        aria_label=label,
        font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        font_size=FONT_PX,
        fill=INK,
        **data,
    )
    svg.el("title", label)


def nice_ticks(v_max: float, max_ticks: int) -> tuple[float, float]:
    """(top, step) for an axis from 0 to at least v_max with at most max_ticks steps of
    1, 2, 2.5 or 5 times a power of ten."""
    v_max = max(v_max, 1e-9)
    raw = v_max / max(1, max_ticks)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw - 1e-12)
    return math.ceil(v_max / step - 1e-9) * step, step


def _tick_label(value: float, step: float) -> str:
    decimals = 0 if step >= 1 else (1 if step * 10 >= 1 - 1e-9 else 2)
    return f"{value:.{decimals}f}"


TIME_STEPS_S = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 5400, 7200, 10800, 21600)


def _time_step(span_s: float, plot_w: float) -> float:
    fit = max(1, int(plot_w // 72))  # a label like 1:00:00 needs about 50 px
    return next((s for s in TIME_STEPS_S if span_s / s <= fit), TIME_STEPS_S[-1])


def _y_axis(
    svg: _Svg, top: float, height: float, left: float, right: float, v_top: float, step: float, title: str
) -> None:
    svg.el("text", title, x=left, y=top - 8)
    v = 0.0
    while v <= v_top + 1e-9:
        y = top + height - v / v_top * height
        svg.el("line", x1=left, x2=right, y1=y, y2=y, stroke=GRID, stroke_width=1)
        svg.el("text", _tick_label(v, step), x=left - 6, y=y + 4.5, text_anchor="end", fill=MUTED)
        v += step


def timeline(
    ra: RunAnalysis,
    points: Sequence[ChartPoint],
    *,
    width: int = DEFAULT_WIDTH,
    window: tuple[float, float] | None = None,
) -> str:
    """The run chart: an episode lane on top (one bar per episode, onset to relief or run
    end, escalations marked), then speed and cadence, with stops shaded grey, footpod gaps
    hatched and each episode shaded in its label's colour.

    points: (t_s, speed_mps, cadence_spm, ...) in time order, already downsampled for
    this width and window (`timeline_buckets`). window: (from_s, to_s), the whole run
    when None.
    """
    width = min(MAX_WIDTH, max(MIN_WIDTH, int(width)))
    end_s = max(ra.duration_s, points[-1][0] if points else 0.0, 1.0)
    t0, t1 = window if window else (0.0, end_s)
    span = max(t1 - t0, 1.0)
    left, right = LEFT, width - RIGHT
    plot_w = right - left
    heart_rate = ra.heart_rate is not None
    lane_top, speed_top, cadence_top, panel_h, height = _timeline_rows(width, heart_rate)
    hr_top = cadence_top + panel_h + 34
    axis_y = (hr_top if heart_rate else cadence_top) + panel_h

    def x(t: float) -> float:
        return left + (min(max(t, t0), t1) - t0) / span * plot_w

    in_view = [p for p in points if t0 <= p[0] <= t1]
    speed_max = max((p[1] or 0.0 for p in in_view), default=0.0)
    cadence_max = max((p[2] or 0.0 for p in in_view), default=0.0)
    speed_top_v, speed_step = nice_ticks(max(speed_max, 1.0), 3 if panel_h < 130 else 4)
    cadence_top_v, cadence_step = nice_ticks(max(cadence_max, 60.0), 3 if panel_h < 130 else 4)
    hr_max = max((p[4] or 0.0 for p in in_view if len(p) > 4), default=0.0)
    hr_top_v, hr_step = nice_ticks(max(hr_max, 100.0), 3 if panel_h < 130 else 4)
    gap_s = max(th.STALE_S, 2 * span / timeline_buckets(width))

    label = _timeline_description(ra, t0, t1)
    svg = _Svg()
    _root(
        svg,
        width,
        height,
        label,
        class_="timeline",
        data_t0=f"{t0:.1f}",
        data_t1=f"{t1:.1f}",
        data_width=width,
        data_plot_left=_n(left),
        data_plot_width=_n(plot_w),
        data_lane_top=_n(lane_top),
        data_lane_height=_n(LANE_H),
        data_gap_s=f"{gap_s:.2f}",
        data_max_points=3 * timeline_buckets(width),
    )
    svg.open("defs")
    svg.open(
        "pattern",
        id="fn-hatch",
        width=8,
        height=8,
        patternUnits="userSpaceOnUse",
        patternTransform="rotate(45)",
    )
    svg.el("rect", width=8, height=8, fill=GAP_FILL)
    svg.el("line", x1=0, y1=0, x2=0, y2=8, stroke=GAP_INK, stroke_width=3)
    svg.close("pattern")
    svg.close("defs")

    panels: tuple[tuple[str, float, int, float, float, str, str], ...] = (
        ("speed", speed_top, 1, speed_top_v, speed_step, SPEED_COLOUR, CHART_WORDS["speed"]),
        ("cadence", cadence_top, 2, cadence_top_v, cadence_step, CADENCE_COLOUR, CHART_WORDS["cadence"]),
    )
    if heart_rate:
        panels += (("heart_rate", hr_top, 4, hr_top_v, hr_step, HEART_RATE_COLOUR, CHART_WORDS["heart_rate"]),)
    for field, top, index, v_top, step, colour, title in panels:
        svg.open(
            "g",
            class_="panel",
            data_field=field,
            data_index=index,
            data_top=_n(top),
            data_height=_n(panel_h),
            data_max=_n(v_top),
        )
        for seg in ra.segments:
            if seg.end_s <= t0 or seg.start_s >= t1 or seg.state not in (REST, UNKNOWN):
                continue
            svg.el(
                "rect",
                class_=f"span {seg.state}",
                x=x(seg.start_s),
                y=top,
                width=max(1.0, x(seg.end_s) - x(seg.start_s)),
                height=panel_h,
                fill=REST_FILL if seg.state == REST else "url(#fn-hatch)",
            )
        _y_axis(svg, top, panel_h, left, right, v_top, step, title)
        for ep in ra.episodes:
            if ep.end_t_s < t0 or ep.onset_t_s > t1:
                continue
            ep_colour = LABEL_COLOURS[ep.label]
            svg.el(
                "rect",
                x=x(ep.onset_t_s),
                y=top,
                width=max(1.0, x(ep.end_t_s) - x(ep.onset_t_s)),
                height=panel_h,
                fill=ep_colour,
                fill_opacity="0.16",
            )
            if t0 <= ep.onset_t_s <= t1:
                xo = x(ep.onset_t_s)
                svg.el("line", x1=xo, x2=xo, y1=top, y2=top + panel_h, stroke=ep_colour, stroke_width=2)
            for esc in ep.escalations:
                if t0 <= esc.t_s <= t1:
                    xe = x(esc.t_s)
                    svg.el(
                        "line",
                        x1=xe,
                        x2=xe,
                        y1=top,
                        y2=top + panel_h,
                        stroke=ep_colour,
                        stroke_width=2,
                        stroke_dasharray="5 4",
                    )
        svg.el(
            "path",
            class_=f"series {field}",
            d=_series_path(in_view, index, x, top, panel_h, v_top, gap_s),
            fill="none",
            stroke=colour,
            stroke_width=2,
            stroke_linejoin="round",
        )
        svg.el("line", x1=left, x2=right, y1=top + panel_h, y2=top + panel_h, stroke=INK, stroke_width=1)
        svg.close("g")
    if not in_view:
        svg.el(
            "text",
            CHART_WORDS["no_samples"],
            x=left + plot_w / 2,
            y=speed_top + panel_h / 2,
            text_anchor="middle",
            fill=MUTED,
        )

    _episode_lane(svg, ra, x, t0, t1, lane_top, right)

    step = _time_step(span, plot_w)
    tick = math.ceil(t0 / step) * step
    while tick <= t1 + 1e-6:
        xt = x(tick)
        svg.el("line", x1=xt, x2=xt, y1=axis_y, y2=axis_y + 5, stroke=INK, stroke_width=1)
        anchor = "start" if xt - left < 20 else ("end" if right - xt < 20 else "middle")
        svg.el("text", clock(tick), x=xt, y=axis_y + 20, text_anchor=anchor, fill=MUTED)
        tick += step
    svg.el("text", CHART_WORDS["time_axis"], x=left + plot_w / 2, y=axis_y + 40, text_anchor="middle")
    svg.close("svg")
    return svg.text()


def _series_path(
    points: Sequence[ChartPoint], index: int, x, top: float, height: float, v_top: float, gap_s: float
) -> str:
    """An SVG path through the points, lifted where the footpod was silent for longer
    than gap_s (a gap is no data, never a straight line)."""
    parts: list[str] = []
    last_t: float | None = None
    for p in points:
        value = p[index] if index < len(p) else None
        if value is None:
            last_t = None
            continue
        y = top + height - min(value, v_top) / v_top * height
        move = last_t is None or p[0] - last_t > gap_s
        parts.append(f"{'M' if move else 'L'}{_n(x(p[0]))} {_n(y)}")
        last_t = p[0]
    return "".join(parts) or "M0 0"


def _episode_lane(svg: _Svg, ra: RunAnalysis, x, t0: float, t1: float, lane_top: float, right: float) -> None:
    for ep in ra.episodes:
        if ep.end_t_s < t0 or ep.onset_t_s > t1:
            continue
        colour = LABEL_COLOURS[ep.label]
        x0, x1 = x(ep.onset_t_s), x(ep.end_t_s)
        bar_w = max(4.0, x1 - x0)
        svg.open(
            "g",
            class_="episode-bar",
            data_episode=ep.number,
            data_label=ep.label,
            data_onset_s=f"{ep.onset_t_s:.1f}",
            data_end_s=f"{ep.end_t_s:.1f}",
        )
        svg.el("title", f"{CHART_WORDS['episode']} {ep.number}: {LABEL_WORDS[ep.label]}")
        svg.el("rect", class_="bar", x=x0, y=lane_top + BAR_TOP, width=bar_w, height=BAR_H, rx=4, fill=colour)
        for esc in ep.escalations:
            if t0 <= esc.t_s <= t1:
                xe = x(esc.t_s)
                top = lane_top + BAR_TOP + 3
                svg.el("path", d=f"M{_n(xe - 6)} {_n(top)}h12l-6 9z", fill="#fff")
        if ep.relieved and t0 <= ep.end_t_s <= t1:
            svg.el("circle", cx=x1, cy=lane_top + BAR_TOP + BAR_H / 2, r=6, fill="#fff", stroke=colour, stroke_width=3)
        number = str(ep.number)
        if bar_w >= 24:
            svg.el("text", number, x=x0 + 8, y=lane_top + BAR_TOP + 18, fill="#fff", font_weight="700")
        else:  # beside a narrow bar (past its relief ring), or before it at the right edge
            after = x0 + bar_w + (11 if ep.relieved else 5)
            if after + 0.7 * FONT_PX * len(number) <= right:
                svg.el("text", number, x=after, y=lane_top + BAR_TOP + 18, fill=colour, font_weight="700")
            else:
                svg.el(
                    "text",
                    number,
                    x=x0 - 4,
                    y=lane_top + BAR_TOP + 18,
                    fill=colour,
                    font_weight="700",
                    text_anchor="end",
                )
        # The tap target: the whole lane's height, and at least 44 px wide.
        hit_w = max(44.0, bar_w)
        svg.el(
            "rect",
            class_="hit",
            x=x0 + bar_w / 2 - hit_w / 2,
            y=lane_top,
            width=hit_w,
            height=LANE_H,
            fill="#fff",
            fill_opacity="0",
        )
        svg.close("g")


def _timeline_description(ra: RunAnalysis, t0: float, t1: float) -> str:
    words = [f"{CHART_WORDS['speed']} / {CHART_WORDS['cadence']}, {clock(t0)}–{clock(t1)}"]
    for ep in ra.episodes:
        if ep.end_t_s >= t0 and ep.onset_t_s <= t1:
            words.append(
                f"{CHART_WORDS['episode']} {ep.number} ({LABEL_WORDS[ep.label]}): "
                f"{clock(ep.onset_t_s)}–{clock(ep.end_t_s)}"
            )
    return "; ".join(words)


# -- trends ---------------------------------------------------------------------------------


def trends(points: list[dict], *, width: int = DEFAULT_WIDTH) -> str:
    """Per run over the weeks: onset distance, onset time, time from stopping to relief
    (dots, joined), and episodes per run (bars). One column below 640 px, two above.
    points: dicts with started_at (aware datetime), onset_distance_m, onset_time_s,
    rest_to_relief_s (each may be None) and episodes (chartdata.trend_points)."""
    width = min(MAX_WIDTH, max(MIN_WIDTH, int(width)))
    columns, cell_h, height = _trends_rows(width)
    gutter = 32.0
    cell_w = (width - gutter * (columns - 1)) / columns
    plot_h = TREND_PLOT_H
    svg = _Svg()
    title = "; ".join(TREND_WORDS[k] for k in ("onset_distance", "onset_time", "rest_to_relief", "episodes"))
    _root(svg, width, height, title, class_="trends")
    if not points:
        svg.el("text", TREND_WORDS["no_runs"], x=width / 2, y=height / 2, text_anchor="middle", fill=MUTED)
        svg.close("svg")
        return svg.text()

    stamps = [p["started_at"].timestamp() for p in points]
    first, last = min(stamps), max(stamps)
    pad = max(12 * 3600, 0.04 * (last - first))
    d0, d1 = first - pad, last + pad
    panels = (
        ("onset_distance_m", TREND_WORDS["onset_distance"], 1 / 1000, TREND_COLOURS["onset"], False),
        ("onset_time_s", TREND_WORDS["onset_time"], 1 / 60, TREND_COLOURS["onset"], False),
        ("rest_to_relief_s", TREND_WORDS["rest_to_relief"], 1 / 60, TREND_COLOURS["relief"], False),
        ("episodes", TREND_WORDS["episodes"], 1.0, TREND_COLOURS["episodes"], True),
    )
    for i, (key, panel_title, scale, colour, bars) in enumerate(panels):
        col, row = i % columns, i // columns
        left = col * (cell_w + gutter) + LEFT
        right = col * (cell_w + gutter) + cell_w - RIGHT
        top = row * cell_h + 26
        plot_w = right - left

        def x(stamp: float, left: float = left, plot_w: float = plot_w) -> float:
            return left + (stamp - d0) / (d1 - d0) * plot_w

        values = [(s, p[key] * scale) for s, p in zip(stamps, points, strict=True) if p[key] is not None]
        v_top, step = nice_ticks(max([v for _, v in values] + [1.0]), 4)
        svg.open("g", class_="panel", data_field=key)
        _y_axis(svg, top, plot_h, left, right, v_top, step, panel_title)
        svg.el("line", x1=left, x2=right, y1=top + plot_h, y2=top + plot_h, stroke=INK, stroke_width=1)
        _date_ticks(svg, points[0]["started_at"], d0, d1, x, top + plot_h, plot_w, left, right)

        def y(v: float, top: float = top, v_top: float = v_top) -> float:
            return top + plot_h - v / v_top * plot_h

        by_stamp = dict(zip(stamps, points, strict=True))
        if bars:
            bar_w = max(4.0, min(18.0, plot_w / max(1, len(points)) * 0.6))
            for s, v in values:
                svg.open("g", class_="point")
                svg.el("title", f"{by_stamp[s]['started_at']:%a %d %b %Y}: {v:.0f}")
                svg.el(
                    "rect", x=x(s) - bar_w / 2, y=y(v), width=bar_w, height=max(0.0, top + plot_h - y(v)), fill=colour
                )
                svg.close("g")
        else:
            if len(values) > 1:
                d = "".join(f"{'M' if j == 0 else 'L'}{_n(x(s))} {_n(y(v))}" for j, (s, v) in enumerate(values))
                svg.el("path", d=d, fill="none", stroke=colour, stroke_width=2)
            for s, v in values:
                raw = by_stamp[s][key]
                shown = km(raw) if key == "onset_distance_m" else clock(raw)
                svg.open("g", class_="point")
                svg.el("title", f"{by_stamp[s]['started_at']:%a %d %b %Y}: {shown}")
                svg.el("circle", cx=x(s), cy=y(v), r=5, fill=colour, stroke="#fff", stroke_width=1.5)
                svg.close("g")
        svg.close("g")
    svg.close("svg")
    return svg.text()


DAY_STEPS = (1, 2, 3, 7, 14, 28, 56, 91, 182, 364)


def _date_ticks(
    svg: _Svg, sample: datetime, d0: float, d1: float, x, axis_y: float, plot_w: float, left, right
) -> None:
    """Day ticks at local midnight, as many as fit (a label like "09 Nov" needs ~50 px)."""
    fit = max(1, int(plot_w // 64))
    span_days = (d1 - d0) / 86400
    step = next((s for s in DAY_STEPS if span_days / s <= fit), DAY_STEPS[-1])
    tz = sample.tzinfo
    day = datetime.fromtimestamp(d0, tz).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    while day.timestamp() <= d1:
        xt = x(day.timestamp())
        svg.el("line", x1=xt, x2=xt, y1=axis_y, y2=axis_y + 5, stroke=INK, stroke_width=1)
        anchor = "start" if xt - left < 22 else ("end" if right - xt < 22 else "middle")
        svg.el("text", f"{day:%d %b}", x=xt, y=axis_y + 20, text_anchor=anchor, fill=MUTED)
        day += timedelta(days=step)

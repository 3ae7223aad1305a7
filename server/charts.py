"""Charts drawn by matplotlib, as PNG for the PDF report (and SVG on request).

The dashboard no longer uses this module: its charts are SVG built without matplotlib
(server.svgcharts), so the dashboard stays lean; the PDF keeps these until it draws its
own vector charts. matplotlib's object API (Figure + canvas, no pyplot state) is used,
behind a lock because its text layout is not thread-safe.
"""

from __future__ import annotations

import io
import threading
from datetime import datetime

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from footnote.server.analysis import REST, UNKNOWN, RunAnalysis
from footnote.server.chartdata import trend_points
from footnote.server.downsample import downsample
from footnote.server.vocabulary import LABEL_WORDS, STATE_WORDS

LABEL_COLOURS = {"resolves_at_rest": "#2b8cbe", "worsening": "#d7301f", "indeterminate": "#969696"}
__all__ = ["timeline", "trend_points", "trends"]  # trend_points lives in chartdata; kept here for the PDF

CHART_POINTS = 600  # buckets for the timeline: enough for a wide screen

_lock = threading.Lock()
matplotlib.rcParams.update(
    {"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}
)


def _render(fig: Figure, fmt: str, dpi: int = 110) -> bytes:
    buf = io.BytesIO()
    # Fixed margins rather than bbox_inches="tight", which draws every figure twice.
    fig.savefig(buf, format=fmt, dpi=dpi, metadata={"Date": None} if fmt == "svg" else None)
    return buf.getvalue()


def timeline(
    ra: RunAnalysis, samples: list[tuple[float, float, float]], *, fmt: str = "svg", width_in: float = 10.0
) -> bytes:
    """Speed and cadence over the run, each episode shaded from onset to relief with its
    escalations marked, rest stretches and footpod gaps visible.

    samples: (t_s, speed_mps, cadence_spm), downsampled here (min-max, peaks kept).
    """
    points = downsample(samples, value_indexes=(1, 2), buckets=CHART_POINTS)
    with _lock:
        fig = Figure(figsize=(width_in, 4.4))
        ax_speed, ax_cad = fig.subplots(2, 1, sharex=True, gridspec_kw={"hspace": 0.08})
        fig.subplots_adjust(left=0.9 / width_in, right=1 - 0.15 / width_in, top=0.84, bottom=0.14)
        minutes = [t / 60 for t, _, _ in points]
        ax_speed.plot(minutes, [s for _, s, _ in points], color="#238b45", linewidth=0.9)
        ax_cad.plot(minutes, [c for _, _, c in points], color="#6a51a3", linewidth=0.9)
        ax_speed.set_ylabel("speed (m/s)")
        ax_cad.set_ylabel("cadence (steps/min)")
        ax_cad.set_xlabel("minutes into the run")
        end_min = max(ra.duration_s / 60, minutes[-1] if minutes else 0.0, 0.1)
        for ax in (ax_speed, ax_cad):
            ax.set_xlim(0, end_min)
            for seg in ra.segments:
                if seg.state == REST:
                    ax.axvspan(seg.start_s / 60, seg.end_s / 60, color="#bdbdbd", alpha=0.45, linewidth=0)
                elif seg.state == UNKNOWN:
                    ax.axvspan(
                        seg.start_s / 60,
                        seg.end_s / 60,
                        facecolor="none",
                        edgecolor="#636363",
                        hatch="///",
                        linewidth=0,
                    )
            for ep in ra.episodes:
                colour = LABEL_COLOURS[ep.label]
                ax.axvspan(ep.onset_t_s / 60, ep.end_t_s / 60, color=colour, alpha=0.18, linewidth=0)
                ax.axvline(ep.onset_t_s / 60, color=colour, linewidth=1.2)
                for esc in ep.escalations:
                    ax.axvline(esc.t_s / 60, color=colour, linewidth=1.0, linestyle="--")
        top = ax_speed.get_ylim()[1]
        for ep in ra.episodes:
            colour = LABEL_COLOURS[ep.label]
            ax_speed.annotate(
                f"#{ep.number}",
                (ep.onset_t_s / 60, top),
                color=colour,
                fontsize=8,
                ha="left",
                va="top",
                xytext=(2, -2),
                textcoords="offset points",
            )
            for esc in ep.escalations:
                ax_speed.plot([esc.t_s / 60], [top * 0.92], marker="v", color=colour, markersize=6)
            if ep.ended_by == "relief":
                ax_speed.plot([ep.end_t_s / 60], [top * 0.92], marker="o", color=colour, markersize=5, fillstyle="none")
        handles = [
            Patch(color=LABEL_COLOURS[label], alpha=0.35, label=f"numbness: {LABEL_WORDS[label]}")
            for label in sorted({e.label for e in ra.episodes})
        ]
        handles += [
            Patch(color="#bdbdbd", alpha=0.6, label=STATE_WORDS["rest"]),
            Patch(facecolor="none", edgecolor="#636363", hatch="///", label="footpod gap / no data"),
        ]
        ax_speed.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, 1.02),
            ncol=min(len(handles), 4),
            frameon=False,
            fontsize=8,
        )
        fig.text(0.01, 0.005, "dashed line / triangle: got worse; circle: relief", fontsize=7, color="#636363")
        return _render(fig, fmt)


def trends(points: list[dict], *, fmt: str = "svg", width_in: float = 10.0, height_in: float = 6.0) -> bytes:
    """Per run over the weeks: onset distance, onset time, time from stopping to relief,
    episodes per run. points: dicts with started_at (datetime), onset_distance_m,
    onset_time_s, rest_to_relief_s (each may be None) and episodes."""
    with _lock:
        fig = Figure(figsize=(width_in, height_in))
        axes = fig.subplots(2, 2, sharex=True, gridspec_kw={"hspace": 0.3, "wspace": 0.25})
        fig.subplots_adjust(left=0.07, right=0.98, top=0.94, bottom=0.16)
        dates: list[datetime] = [p["started_at"] for p in points]
        panels = [
            (axes[0][0], "onset_distance_m", "first numbness: distance (km)", 1 / 1000, "#2b8cbe"),
            (axes[0][1], "onset_time_s", "first numbness: time (min)", 1 / 60, "#2b8cbe"),
            (axes[1][0], "rest_to_relief_s", "stopping to relief (min)", 1 / 60, "#41ab5d"),
        ]
        for ax, key, title, scale, colour in panels:
            xs = [d for d, p in zip(dates, points, strict=True) if p[key] is not None]
            ys = [p[key] * scale for p in points if p[key] is not None]
            ax.plot(xs, ys, marker="o", color=colour, linewidth=1)
            ax.set_title(title, fontsize=9, loc="left")
            ax.set_ylim(bottom=0)
        ax = axes[1][1]
        ax.bar(dates, [p["episodes"] for p in points], color="#fd8d3c", width=0.8)
        ax.set_title("numbness episodes per run", fontsize=9, loc="left")
        for ax in axes[1]:
            for label in ax.get_xticklabels():
                label.set_rotation(30)
                label.set_ha("right")
        return _render(fig, fmt)

"""Jinja2 templates (autoescaped: every piece of user text is escaped) and the filters
that turn numbers into what a runner reads."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from footnote.server.charts import svg as svgcharts
from footnote.server.charts.data import episode_window
from footnote.server.words import vocabulary as words

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
env = templates.env
env.filters["clock"] = words.clock
env.filters["duration"] = lambda s: "-" if s is None else words.duration(s)
env.filters["km"] = words.km
env.filters["label_words"] = lambda label: words.LABEL_WORDS.get(label, label)
env.filters["pattern_words"] = lambda p: words.PATTERN_WORDS.get(p, p)
env.filters["state_words"] = lambda s: words.STATE_WORDS.get(s, s)
env.filters["state_while"] = lambda s: words.STATE_WHILE.get(s, s)
env.filters["location_words"] = words.location
env.filters["pct"] = lambda v: "-" if v is None else f"{v:.0%}"


# Distances and paces in the runner's units (dashboard.units, handed to every page by render).
@pass_context
def _distance(context, distance_m: float | None) -> str:
    return words.distance(distance_m, context.get("units", "km"))


@pass_context
def _pace(context, speed_mps: float | None) -> str:
    return words.pace(speed_mps, context.get("units", "km"))


@pass_context
def _variation(context, figure: dict, what: str = "run") -> str:
    return words.variation(figure.get("cv"), figure.get("n", 0), what)


env.filters["distance"] = _distance
env.filters["pace"] = _pace
env.filters["variation"] = _variation
env.globals["words"] = words
env.globals["episode_window"] = episode_window
env.globals["timeline_height"] = svgcharts.timeline_height
env.globals["trends_height"] = svgcharts.trends_height
env.globals["chart_widths"] = {"phone": svgcharts.PHONE_WIDTH, "desktop": svgcharts.DEFAULT_WIDTH}


def chart_words(units: str) -> dict:
    """The words the run chart's script shows, handed over as a JSON data block (never run)."""
    return {
        "chart": words.CHART_WORDS,
        "states": words.STATE_WORDS,
        "labels": words.LABEL_WORDS,
        "units": {**words.UNIT_WORDS, "km": units, "metres": words.METRES_PER[units], "pace": f"/{units}"},
        "pace_slowest_mps": words.PACE_SLOWEST_MPS,
    }


def render(request, name: str, context: dict, status_code: int = 200, headers: Mapping[str, str] | None = None):
    from footnote.server.dashboard.auth import SESSION_COOKIE

    auth = request.app.state.auth
    logged_in = auth.enabled and auth.session_ok(request.cookies.get(SESSION_COOKIE))
    units = request.app.state.settings.units
    shown = {**context, "logged_in": logged_in, "units": units, "chart_words": chart_words(units)}
    return templates.TemplateResponse(request, name, shown, status_code=status_code, headers=headers)

"""Jinja2 templates (autoescaped: every piece of user text is escaped) and the filters
that turn numbers into what a runner reads."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from footnote.server.analysis import clock, duration, km
from footnote.server.charts import LABEL_WORDS

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
env = templates.env
env.filters["clock"] = clock
env.filters["duration"] = lambda s: "-" if s is None else duration(s)
env.filters["km"] = km
env.filters["label_words"] = lambda label: LABEL_WORDS.get(label, label)
env.filters["pattern_words"] = lambda p: {"resolves_at_rest": "resolves at rest", "worsening": "steadily worsening", "mixed": "mixed", "indeterminate": "indeterminate", "none": "no numbness"}.get(p, p)
env.filters["pct"] = lambda v: "-" if v is None else f"{v:.0%}"
env.globals["LOCATION_WORDS"] = {
    "calf": "calf",
    "top_of_foot": "top of the foot",
    "sole_heel": "sole / heel",
    "toes_3_4_ball": "between 3rd and 4th toes / ball of the foot",
    "other": "other",
}


def render(request, name: str, context: dict, status_code: int = 200):
    from footnote.server.auth import SESSION_COOKIE

    auth = request.app.state.auth
    logged_in = auth.enabled and auth.session_ok(request.cookies.get(SESSION_COOKIE))
    return templates.TemplateResponse(request, name, {**context, "logged_in": logged_in}, status_code=status_code)

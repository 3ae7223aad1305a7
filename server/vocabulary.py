"""Every word footnote shows for one of its codes, in one place.

The analysis decides in codes (`resolves_at_rest`, `top_of_foot`, `rest`, ...); the
dashboard, the PDF, the CSV and the FHIR export show them through these tables and
formatters, so a word changed here changes everywhere and nothing disagrees. Nothing
decides by reading one of these words back.

Sentences built from codes and numbers (evidence, red-flag texts) live in
footnote.server.wording; this module holds the words they are built from.
"""

from __future__ import annotations

from footnote.server import thresholds as th

# -- what footnote is and is not --------------------------------------------------------
DISCLAIMER = (
    "footnote shows patterns in what you recorded, and the evidence behind them. "
    "It does not diagnose anything: only a doctor can say what causes your numbness."
)
NOT_A_DIAGNOSIS = "Not a diagnosis."

# -- an episode's label, and the pattern across runs -------------------------------------
LABEL_WORDS = {
    "resolves_at_rest": "resolves at rest",
    "worsening": "steadily worsening",
    "indeterminate": "indeterminate",
}
LABEL_MEANING = {
    "resolves_at_rest": f"Started while moving and cleared within {th.RELIEF_WITHIN_REST_S // 60} minutes of standing "
    "still, without moving in between. "
    "Doctors check this pattern for circulation problems in the leg (claudication), and in young runners also for "
    "exertional compartment syndrome or popliteal artery entrapment.",
    "worsening": "Started while moving, got worse while moving, and rest did not clear it. "
    "This pattern is typical of pressure on a nerve, for example from tight lacing over the top of the foot.",
    "indeterminate": "The recording does not show either pattern clearly; the evidence says why.",
}
PATTERN_WORDS = {
    **LABEL_WORDS,
    "mixed": "mixed (both patterns)",
    "none": "no numbness recorded",
}

# -- movement states ---------------------------------------------------------------------
STATE_WORDS = {"moving": "moving", "rest": "standing still", "unknown": "no footpod data"}
STATE_WHILE = {
    "moving": "while moving",
    "rest": "while standing still",
    "unknown": "while the footpod link was down or had too little data",
}

# -- where it was felt, and on which side ------------------------------------------------
LOCATION_WORDS = {
    "calf": "calf",
    "top_of_foot": "top of the foot",
    "sole_heel": "sole / heel",
    "toes_3_4_ball": "between the 3rd and 4th toes / ball of the foot",
    "other": "other",
}
NOT_SAID = "not said"
SIDE_WORDS = {"left": "left", "right": "right", "both": "both"}

# -- red flags ---------------------------------------------------------------------------
URGENCY_WORDS = {"soon": "See a doctor soon", "emergency": "Emergency: seek urgent medical care now"}
RED_FLAG_WORDS = {
    "onset_at_rest": "numbness that started while standing still",
    "rest_no_longer_relieves": "rest no longer bringing relief where it used to",
    "symptoms_at_rest_or_night": "symptoms at rest or at night",
    "weakness_or_foot_drop": "weakness or foot drop",
    "sudden_severe_pain": "sudden severe pain with the numbness",
    "cold_or_pale": "a cold or pale leg or foot",
}

RED_FLAG_LIST = (
    "Numbness that starts at rest, symptoms at rest or at night, rest no longer bringing relief, weakness or "
    "foot drop, sudden severe pain. A cold or pale leg is an emergency."
)

# -- how an episode ended ----------------------------------------------------------------
ENDED_BY_WORDS = {"relief": "relief", "unresolved_at_run_end": "still numb at the end"}


# -- numbers as a runner reads them ------------------------------------------------------
def clock(t_s: float) -> str:
    """Run time as a runner reads it: 12:04 or 1:02:30."""
    t = round(t_s)
    h, rest = divmod(t, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def duration(seconds: float) -> str:
    """A stretch of time: 45 s, 3 min 05 s, 1 h 02 min."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    m, s = divmod(seconds, 60)
    if m < 60:
        return f"{m} min {s:02d} s" if s else f"{m} min"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"


def km(distance_m: float | None) -> str:
    return "an unknown distance" if distance_m is None else f"{distance_m / 1000:.2f} km"


def speed(speed_mps: float) -> str:
    return f"{speed_mps:.1f} m/s"


def cadence(cadence_spm: float) -> str:
    return f"{cadence_spm:.0f} steps/min"


def location(code: str | None) -> str:
    """Where it was felt, or "not said"."""
    return LOCATION_WORDS.get(code, code) if code else NOT_SAID

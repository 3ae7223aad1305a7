"""Every word footnote shows for one of its codes, in one place.

The analysis decides in codes (`resolves_at_rest`, `top_of_foot`, `rest`, ...); the
dashboard, the PDF, the CSV and the FHIR export show them through these tables and
formatters, so a word changed here changes everywhere and nothing disagrees. Nothing
decides by reading one of these words back.

Sentences built from codes and numbers (evidence, red-flag texts) live in
footnote.server.words.sentences; this module holds the words they are built from.
"""

from __future__ import annotations

from datetime import datetime

from footnote.server.analysis import thresholds as th
from footnote.server.analysis.codes import EndedBy, Label, Location, Pattern, RedFlagCode, State, Urgency

# -- what footnote is and is not --------------------------------------------------------
DISCLAIMER = (
    "footnote shows patterns in what you recorded, and the evidence behind them. "
    "It does not diagnose anything: only a doctor can say what causes your numbness."
)
NOT_A_DIAGNOSIS = "Not a diagnosis."
DISCLAIMER_FOR_DOCTOR = (
    "footnote shows patterns in what the runner recorded, and the evidence behind them. It does not diagnose: "
    "what causes the numbness is for the doctor to judge."
)

# -- an episode's label, and the pattern across runs -------------------------------------
LABEL_WORDS: dict[Label, str] = {
    Label.RESOLVES_AT_REST: "resolves at rest",
    Label.WORSENING: "steadily worsening",
    Label.INDETERMINATE: "indeterminate",
}
LABEL_MEANING: dict[Label, str] = {
    Label.RESOLVES_AT_REST: f"Started while moving and cleared within {th.RELIEF_WITHIN_REST_S // 60} minutes of standing "
    "still, without moving in between. "
    "Doctors check this pattern for circulation problems in the leg (claudication), and in young runners also for "
    "exertional compartment syndrome or popliteal artery entrapment.",
    Label.WORSENING: "Started while moving, got worse while moving, and rest did not clear it. "
    "This pattern is typical of pressure on a nerve, for example from tight lacing over the top of the foot.",
    Label.INDETERMINATE: "The recording does not show either pattern clearly; the evidence says why.",
}
PATTERN_WORDS: dict[Pattern, str] = {
    Pattern.RESOLVES_AT_REST: LABEL_WORDS[Label.RESOLVES_AT_REST],
    Pattern.WORSENING: LABEL_WORDS[Label.WORSENING],
    Pattern.INDETERMINATE: LABEL_WORDS[Label.INDETERMINATE],
    Pattern.MIXED: "mixed (both patterns)",
    Pattern.NONE: "no numbness recorded",
}

# -- movement states ---------------------------------------------------------------------
STATE_WORDS: dict[State, str] = {State.MOVING: "moving", State.REST: "standing still", State.UNKNOWN: "no footpod data"}
STATE_WHILE: dict[State, str] = {
    State.MOVING: "while moving",
    State.REST: "while standing still",
    State.UNKNOWN: "while the footpod link was down or had too little data",
}

# -- where it was felt, and on which side ------------------------------------------------
LOCATION_WORDS: dict[Location, str] = {
    Location.CALF: "calf",
    Location.TOP_OF_FOOT: "top of the foot",
    Location.SOLE_HEEL: "sole / heel",
    Location.TOES_3_4_BALL: "between the 3rd and 4th toes / ball of the foot",
    Location.OTHER: "other",
}
NOT_SAID = "not said"
WHERE_NOT_SAID = "Where: not said"
SIDE_WORDS = {"left": "left", "right": "right", "both": "both"}

# -- red flags ---------------------------------------------------------------------------
URGENCY_WORDS: dict[Urgency, str] = {
    Urgency.SOON: "See a doctor soon",
    Urgency.EMERGENCY: "Emergency: seek urgent medical care now",
}
RED_FLAG_WORDS: dict[RedFlagCode, str] = {
    RedFlagCode.ONSET_AT_REST: "numbness that started while standing still",
    RedFlagCode.REST_NO_LONGER_RELIEVES: "rest no longer bringing relief where it used to",
    RedFlagCode.SYMPTOMS_AT_REST_OR_NIGHT: "symptoms at rest or at night",
    RedFlagCode.WEAKNESS_OR_FOOT_DROP: "weakness or foot drop",
    RedFlagCode.SUDDEN_SEVERE_PAIN: "sudden severe pain with the numbness",
    RedFlagCode.COLD_OR_PALE: "a cold or pale leg or foot",
}

RED_FLAG_LIST = (
    "Numbness that starts at rest, symptoms at rest or at night, rest no longer bringing relief, weakness or "
    "foot drop, sudden severe pain. A cold or pale leg is an emergency."
)

# -- how an episode ended ----------------------------------------------------------------
ENDED_BY_WORDS: dict[EndedBy, str] = {EndedBy.RELIEF: "relief", EndedBy.UNRESOLVED_AT_RUN_END: "still numb at the end"}


# -- units ------------------------------------------------------------------------------
UNIT_WORDS = {"km": "km", "speed": "m/s", "cadence": "steps/min"}
UNKNOWN_DISTANCE = "an unknown distance"

# -- the charts (the server-drawn SVG and the run chart's script) -------------------------
CHART_WORDS = {
    "speed": f"speed ({UNIT_WORDS['speed']})",
    "cadence": f"cadence ({UNIT_WORDS['cadence']})",
    "time_axis": "time into the run",
    "numbness": "numbness",
    "episode": "Episode",
    "started": "started",
    "got_worse": "got worse",
    "relief": ENDED_BY_WORDS[EndedBy.RELIEF],
    "still_numb": ENDED_BY_WORDS[EndedBy.UNRESOLVED_AT_RUN_END],
    "stops": STATE_WORDS[State.REST],
    "gap": "footpod gap (no data)",
    "no_samples": "no footpod data here",
    "in": "in",
    "time": "time",
    "distance": "distance",
    "speed_word": "speed",
    "pace_word": "pace",
    "cadence_word": "cadence",
    "heart_rate": "heart rate (bpm)",
    "heart_rate_word": "heart rate",
    "bpm": "bpm",
    "state": "state",
    "unknown_distance": UNKNOWN_DISTANCE,
    "hint": "Tap or hover over the chart to read time, distance, speed, cadence and state; "
    "tap an episode's bar for the episode.",
    "zoom_to": "Zoom to episode",
    "zoom_nav": "Zoom the chart to",
    "zoom_episode": "episode",
    "whole_run": "the whole run",
    "showing": "Showing",
    "keys": "Run chart: left and right arrow keys read the values point by point",
}
TREND_WORDS = {
    "onset_distance": f"first numbness: distance ({UNIT_WORDS['km']})",
    "onset_time": "first numbness: time (min)",
    "rest_to_relief": "stopping to relief (min)",
    "episodes": "numbness episodes per run",
    "no_runs": "No runs yet",
}


# -- numbers as a runner reads them ------------------------------------------------------
def clock(t_s: float) -> str:
    """Time into the run: 12:04 or 1:02:30. Always shown with "in", "into the run" or under
    an axis that says so, never bare beside a time of day (time_of_day)."""
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
    return distance(distance_m, "km")


METRES_PER: dict[str, float] = {"km": 1000.0, "mi": 1609.344}
"""Distance units a runner reads (dashboard.units in the config): the data stay in metres."""


def distance(distance_m: float | None, units: str = "km") -> str:
    """A distance in the runner's units: 2.13 km, or 1.32 mi."""
    if distance_m is None:
        return UNKNOWN_DISTANCE
    return f"{distance_m / METRES_PER[units]:.2f} {units}"


def speed(speed_mps: float) -> str:
    return f"{speed_mps:.1f} {UNIT_WORDS['speed']}"


PACE_SLOWEST_MPS = th.WALKING_FLOOR_MPS
"""Slower than this the runner is standing: no pace is shown (it would read hours per km)."""


def pace(speed_mps: float | None, units: str = "km") -> str:
    """Speed as a runner reads it: 5:33 /km (minutes and seconds per km or mile)."""
    if speed_mps is None or speed_mps < PACE_SLOWEST_MPS:
        return "-"
    seconds = round(METRES_PER[units] / speed_mps)
    return f"{seconds // 60}:{seconds % 60:02d} /{units}"


def time_of_day(moment: datetime, *, with_day: bool = False) -> str:
    """A moment as clock time: 17:53, or with its day (Thu 19 Nov 17:53) where it could be
    another day's."""
    return f"{moment:%a %d %b %H:%M}" if with_day else f"{moment:%H:%M}"


def variation(cv: float | None, n: int, what: str = "run") -> str:
    """How much a figure varies, in words with its n: "varies by 8 % between 3 runs"."""
    things = f"{n} {what}{'s' if n != 1 else ''}"
    if cv is None:
        return f"from {things}" if n else f"no {what}s yet"
    return f"varies by {cv:.0%} between {things}".replace("%", " %")


def cadence(cadence_spm: float) -> str:
    return f"{cadence_spm:.0f} {UNIT_WORDS['cadence']}"


def location(code: str | None) -> str:
    """Where it was felt, or "not said"."""
    if not code:
        return NOT_SAID
    return LOCATION_WORDS[Location(code)] if code in LOCATION_WORDS else code


# -- the shoe and lacing experiment (server.analysis.experiment) ------------------------------------
SETUP_FIELD_WORDS = {"shoes": "shoes", "lacing": "lacing pattern", "orthotics": "orthotics / insoles", "note": "note"}
NO_SETUP = "setup not said"
REMEDIES = (
    "Runners' guides name three things to try when numbness comes from shoes or laces: half a size up, a different "
    "lacing pattern (for example skipping the eyelet over the sore spot), and repositioning or removing orthotics. "
    "Record what you wore on each run, with or without numbness, and compare here."
)
NOT_ENOUGH_RUNS = "not enough runs yet"
SETUP_DIFFERENCE_WORDS = {
    "not_enough_runs": "not enough runs yet to tell a difference from chance",
    "no_clear_difference": "no clear difference from the other setups (could be chance)",
    "fewer_with_numbness": "fewer runs with numbness than with the other setups, unlikely to be chance alone",
    "more_with_numbness": "more runs with numbness than with the other setups, unlikely to be chance alone",
}
EPISODE_RATE_WORDS = {
    "not_enough_runs": "not enough runs yet",
    "no_clear_difference": "episodes per hour: no clear difference (could be chance)",
    "lower_rate": "fewer episodes per hour than the other setups, unlikely to be chance alone",
    "higher_rate": "more episodes per hour than the other setups, unlikely to be chance alone",
}

# -- the Edinburgh Claudication Questionnaire (server.analysis.questionnaire) ----------------------
EDINBURGH_NAME = "Edinburgh Claudication Questionnaire"
EDINBURGH_SOURCE = "Leng GC, Fowkes FGR. J Clin Epidemiol 1992;45:1101-9."
EDINBURGH_QUESTIONS = {
    "pain_when_walking": "Do you get a pain or discomfort in your leg(s) when you walk (or run)?",
    "begins_at_rest": "Does this pain ever begin when you are standing still or sitting?",
    "uphill_or_hurrying": "Do you get it if you walk uphill or hurry?",
    "ordinary_pace_level": "Do you get it if you walk at an ordinary pace on the level?",
    "when_standing_still": "What happens to it if you stand still?",
    "where": "Where do you get this pain or discomfort?",
}
EDINBURGH_ANSWER_WORDS = {
    "yes": "yes",
    "no": "no",
    "unable_to_walk": "I am unable to walk",
    "continues_over_10_min": "usually continues more than 10 minutes",
    "gone_within_10_min": "usually disappears in 10 minutes or less",
}
LEG_PLACE_WORDS = {  # the questionnaire's leg diagram
    "buttock": "buttock",
    "thigh": "thigh",
    "calf": "calf",
    "shin": "shin",
    "ankle": "ankle",
    "foot": "foot",
}
NOT_ANSWERED = "not answered"
BESIDE_NOTE = (
    "Your answers and what the recordings show, side by side. footnote does not score the questionnaire or turn "
    "either into a diagnosis: a doctor reads the two together."
)

# -- standstill to relief, per place (server.analysis.places) -------------------------------------
RELIEF_RANGE_WORDS = {
    "within_1_min": "within a minute",
    "1_to_2_min": "1-2 minutes",
    "2_to_5_min": "2-5 minutes",
    "5_to_10_min": "5-10 minutes",
    "over_10_min": "more than 10 minutes",
}
RELIEF_RANGE_MEANING = {
    "within_1_min": "Relief within seconds to a minute of stopping is unusual for the exertional pattern doctors check.",
    "1_to_2_min": "",
    "2_to_5_min": "2-5 minutes is typical for the exertional pattern doctors check.",
    "5_to_10_min": "",
    "over_10_min": "Relief more than 10 minutes after stopping is not that pattern.",
}
RELIEF_CONTEXT = "What each range is known for is evidence to show a doctor, never a diagnosis."
BESIDE_WORDS = {  # what the recordings say beside an item; {n} of {of} are counts
    "began_while_moving": "began while moving in {n} of {of} episodes",
    "began_while_standing_still": "began while standing still in {n} of {of} episodes",
    "not_recorded": "footnote does not record slope or effort",
    "cleared_within_10_min_of_standstill": "cleared within 10 minutes of standing still in {n} of {of} episodes "
    "where the runner stood still",
    "episodes_per_place": "where it was felt, in {of} episodes",
}

# The SD card (device.durability.integrity, device.durability.journal): the dashboard's banner and error page.
DATABASE_UNUSABLE = "The database cannot be read"
DATABASE_TOO_OLD = "Not saved: the database needs bringing up to date"
NOTICE_HEADING = "The SD card needed attention"
JOURNAL_WAITING = (
    "{count} journal file(s) hold presses recorded while the database could not be written. "
    "The next start of the logger adds them to the database."
)

# A run whose times cannot be computed (server.analysis.showable): named, never drawn.
RUN_NOT_SHOWN_TITLE = "This run cannot be shown"
RUN_NOT_SHOWN = (
    "Run {run_id} (recorded as starting {started}) cannot be shown: its times are outside what footnote can show. "
    "It stays in the database; the pages, the trends and the downloads leave it out."
)
# The dashboard's error pages (server.dashboard.app): what happened, and a way back.
ERROR_WORDS = {
    "not_found": "Not found",
    "no_such_page": "Page not found",
    "no_such_page_why": "footnote has no page at this address. The runs are on the home page.",
    "bad_address": "This address cannot be shown",
    "bad_address_why": "Part of the address is not something footnote understands:",
    "refused": "Not accepted",
    "busy": "Busy for a moment",
    "wrong_method": "Not possible here",
    "wrong_method_why": "This address does not take that kind of request (a form sent to a page that only shows).",
    "nothing_to_export": "Nothing to export",
    "bad_period": "Dates not understood",
    "server_error": "Something went wrong",
    "server_error_why": "footnote could not show this page. Nothing was changed; the dashboard's log has the details.",
    "back_home": "Back to the runs",
    "back_to_run": "Back to the run",
    "back_to_export": "Back to the downloads",
}
# What is wrong with a part of a request, by pydantic's error type (its ctx fills the braces).
FIELD_ERROR_WORDS = {
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "greater_than_equal": "must be {ge} or more",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be {le} or less",
    "less_than": "must be less than {lt}",
    "string_too_long": "is too long (at most {max_length} characters)",
    "missing": "is missing",
}

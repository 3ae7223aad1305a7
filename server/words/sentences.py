"""Every sentence footnote writes about an analysis: codes and numbers in, sentences out.

The analysis decides in codes (footnote.server.analysis.codes) and leaves the numbers next to them;
this module is the only place that turns them into sentences, from the words in
footnote.server.words.vocabulary, quoting thresholds from footnote.server.analysis.thresholds. Nothing
decides by reading a sentence back. The words describe patterns to show a doctor; they
never name a diagnosis.
"""

from __future__ import annotations

from collections.abc import Callable

from footnote.device.config import HOLD_TIME_S
from footnote.device.rules.steps_or_strides import CadenceUnit
from footnote.server.analysis import thresholds as th
from footnote.server.analysis.codes import (
    CadenceBasis,
    Evidence,
    Hint,
    Indeterminate,
    NotCleared,
    OnsetBasis,
    Pattern,
    RedFlagCode,
    SummaryEvidence,
    TrendCode,
    Urgency,
)
from footnote.server.analysis.results import CadenceDecision, Episode, Fact, PacketCounts, RedFlag, Summary, Trend
from footnote.server.words.vocabulary import STATE_WHILE, clock, distance, duration, pace, variation


def minutes(seconds: float) -> str:
    """A threshold in whole minutes: "2 minutes"."""
    m = round(seconds / 60)
    return f"{m} minute{'s' if m != 1 else ''}"


def _plural(n: int, word: str) -> str:
    return f"{word}{'s' if n != 1 else ''}"


# -- episodes -------------------------------------------------------------------------------

NOT_CLEARED_WORDS: dict[NotCleared, str] = {
    NotCleared.OUTLASTED_STANDSTILL: f"it outlasted a standstill of {minutes(th.STANDSTILL_NOT_CLEARING_S)} or more",
    NotCleared.STILL_THERE_AT_RUN_END: "it was still there when the run ended",
    NotCleared.RELIEF_LONG_AFTER_STOPPING: f"relief came more than {minutes(th.RELIEF_WITHIN_REST_S)} after stopping",
    NotCleared.KEPT_MOVING_WITH_IT: (
        f"the runner kept moving with it for {minutes(th.MOVING_WITH_IT_S)} or more before the stop that relieved it"
    ),
}

INDETERMINATE_WORDS: dict[Indeterminate, str] = {
    Indeterminate.ONSET_AT_REST: "it started while standing still",
    Indeterminate.ONSET_UNKNOWN: "the footpod link was down or had too little data when it started",
    Indeterminate.CLEARED_WHILE_MOVING: (
        "it cleared while the runner was still moving (a walking break counts as moving, not rest)"
    ),
    Indeterminate.CLEARED_IN_GAP: (
        "it cleared during a footpod gap, so nobody knows whether the runner was standing still"
    ),
    Indeterminate.UNRESOLVED_WITHOUT_BUILD_UP: (
        "it was still there at the end of the run, but without any build-up while moving"
    ),
    Indeterminate.NOT_CLEARED_WITHOUT_BUILD_UP: "rest did not clear it, but it never got worse while moving",
    Indeterminate.UNCLEAR: "the recording does not show either pattern clearly",
}

HINT_WORDS: dict[Hint, str] = {
    Hint.CALF_CLEARS_AT_REST: (
        "Calf numbness that clears at rest is consistent with the exertional pattern doctors check for "
        "claudication (reduced blood flow); in young runners they also consider chronic exertional compartment "
        "syndrome and popliteal artery entrapment. Worth showing to a doctor."
    ),
    Hint.TOP_OF_FOOT_BUILDS_UP: (
        "Numbness on the top of the foot that builds up during the run is consistent with lacing pressure on a "
        "nerve. Things to try: loosen the laces over the top of the foot, skip an eyelet where it hurts, half a "
        "size up, or reposition orthotics."
    ),
    Hint.SOLE_HEEL: "Numbness in the sole or heel: tarsal tunnel syndrome is worth mentioning to a doctor.",
    Hint.TOES_3_4_BALL: (
        "Numbness between the 3rd and 4th toes or at the ball of the foot: Morton's neuroma is worth mentioning "
        "to a doctor, especially if tight shoes make it worse."
    ),
}


def _onset(v: dict, units: str) -> str:
    text = (
        f"Numbness started {clock(v['t_s'])} into the run, after {distance(v['distance_m'], units)}, "
        f"{STATE_WHILE[v['state']]}"
    )
    if v.get("speed_mps") is not None:
        # A pod with no cadence sends 0 while running: say only what it measured.
        cadence = f", {v['cadence_spm']:.0f} steps/min" if v.get("cadence_spm") else ""
        shown_pace = pace(v["speed_mps"], units)
        at_pace = f"{shown_pace}, " if shown_pace != "-" else ""
        text += f" ({at_pace}{v['speed_mps']:.1f} m/s{cadence})"
    return text + "."


def _got_worse(v: dict, units: str) -> str:
    parts = "; ".join(
        f"{clock(s['t_s'])} into the run, after {distance(s['distance_m'], units)}, {STATE_WHILE[s['state']]}"
        for s in v["steps"]
    )
    times = "time" + ("s" if v["count"] > 1 else "")
    return f"It got worse {v['count']} {times} (severity up to {v['max_severity']}): {parts}."


def _short_stops(v: dict, units: str) -> str:
    n = v["count"]
    return f"{n} shorter stop{'s' if n > 1 else ''} (under {duration(th.STANDSTILL_NOT_CLEARING_S)}) did not clear it."


EVIDENCE_SENTENCES: dict[Evidence, Callable[[dict, str], str]] = {
    Evidence.ONSET: _onset,
    Evidence.GOT_WORSE: _got_worse,
    Evidence.STOOD_STILL_MOVED_ON: lambda v, u: (
        f"The runner stood still for {duration(v['duration_s'])} from {clock(v['start_s'])} into the run and moved "
        "on still numb."
    ),
    Evidence.SHORT_STOPS_DID_NOT_CLEAR: _short_stops,
    Evidence.STILL_THERE_AT_RUN_END: lambda v, u: f"It was still there when the run ended, {clock(v['t_s'])} in.",
    Evidence.CLEARED_AFTER_STANDSTILL: lambda v, u: (
        f"It cleared {duration(v['rest_to_relief_s'])} after the runner came to a standstill, without moving in between."
    ),
    Evidence.KEPT_MOVING_WITH_IT: lambda v, u: (
        f"Before that the runner kept moving with it for {duration(v['moving_s'])}."
    ),
    Evidence.RELIEF_THE_MOMENT_IT_STOPPED: lambda v, u: (
        "Relief came the moment the runner stopped, which is unusual for the exertional pattern doctors check."
    ),
    Evidence.CLEARED_AT: lambda v, u: f"It cleared {clock(v['t_s'])} into the run, {STATE_WHILE[v['state']]}.",
    Evidence.REST_DID_NOT_CLEAR: lambda v, u: (
        "Rest did not clear it: " + "; ".join(NOT_CLEARED_WORDS[c] for c in v["not_cleared"]) + "."
    ),
    Evidence.NOT_LABELLED: lambda v, u: f"Not labelled: {INDETERMINATE_WORDS[v['why']]}.",
}


def evidence(fact: Fact, units: str = "km") -> str:
    return EVIDENCE_SENTENCES[Evidence(fact.code)](fact.values, units)


def episode_evidence(ep: Episode, units: str = "km") -> list[str]:
    """The evidence for an episode's label, one sentence per fact (distances in `units`)."""
    return [evidence(f, units) for f in ep.facts]


def episode_reason(ep: Episode) -> str | None:
    """Why an episode is indeterminate (None when it has a pattern)."""
    return INDETERMINATE_WORDS[ep.why] if ep.why is not None else None


# The same hints in the doctor's report: what the location and the label are consistent
# with, for the doctor to weigh (never a diagnosis, never advice to the reader).
HINT_FOR_DOCTOR: dict[Hint, str] = {
    Hint.CALF_CLEARS_AT_REST: (
        "Calf numbness that clears at rest: consistent with the exertional pattern of intermittent claudication; in "
        "young runners chronic exertional compartment syndrome and popliteal artery entrapment clear at rest too."
    ),
    Hint.TOP_OF_FOOT_BUILDS_UP: (
        "Numbness over the top of the foot that builds up during the run: consistent with lacing pressure on the "
        "superficial peroneal nerve. The runner was shown the usual remedies (looser lacing over the sore spot, "
        "half a size up, orthotics repositioned)."
    ),
    Hint.SOLE_HEEL: "Numbness in the sole or heel: the location of tarsal tunnel syndrome.",
    Hint.TOES_3_4_BALL: (
        "Numbness between the 3rd and 4th toes or at the ball of the foot: the location of Morton's neuroma."
    ),
}


def hints_for_doctor(codes: list[Hint]) -> list[str]:
    """The location hints in the doctor's voice, each once, in the order first seen."""
    return [HINT_FOR_DOCTOR[h] for h in dict.fromkeys(codes)]


def hints(codes: list[Hint]) -> list[str]:
    """What where it was felt hints at, read with the label: never a diagnosis."""
    return [HINT_WORDS[h] for h in codes]


# -- red flags ------------------------------------------------------------------------------

RED_FLAG_SENTENCES: dict[RedFlagCode, str] = {
    RedFlagCode.ONSET_AT_REST: "Numbness started while standing still ({where}, {at}). Numbness that starts at rest "
    "should be seen by a doctor soon.",
    RedFlagCode.REST_NO_LONGER_RELIEVES: "Rest no longer brought relief where it used to ({where}). See a doctor soon.",
    RedFlagCode.SYMPTOMS_AT_REST_OR_NIGHT: "You noted symptoms at rest or at night ({where}). See a doctor soon.",
    RedFlagCode.WEAKNESS_OR_FOOT_DROP: "You noted weakness or foot drop ({where}). See a doctor soon.",
    RedFlagCode.SUDDEN_SEVERE_PAIN: "You noted sudden severe pain with the numbness ({where}). See a doctor soon.",
    RedFlagCode.COLD_OR_PALE: "You noted a cold or pale leg or foot ({where}). This can be an emergency: seek urgent "
    "medical care now.",
}
# The same flags in the doctor's report: what the recording or the runner said, and that
# footnote raised it for prompt review (the doctor decides; footnote never names a cause).
RED_FLAG_FOR_DOCTOR: dict[RedFlagCode, str] = {
    RedFlagCode.ONSET_AT_REST: "Numbness began while the runner was standing still ({where}, {at}).",
    RedFlagCode.REST_NO_LONGER_RELIEVES: "Rest no longer brought relief where it used to ({where}).",
    RedFlagCode.SYMPTOMS_AT_REST_OR_NIGHT: "The runner reported symptoms at rest or at night ({where}).",
    RedFlagCode.WEAKNESS_OR_FOOT_DROP: "The runner reported weakness or foot drop ({where}).",
    RedFlagCode.SUDDEN_SEVERE_PAIN: "The runner reported sudden severe pain with the numbness ({where}).",
    RedFlagCode.COLD_OR_PALE: "The runner reported a cold or pale leg or foot ({where}).",
}
URGENCY_FOR_DOCTOR = {
    Urgency.SOON: "flagged for prompt review",
    Urgency.EMERGENCY: "flagged as a possible emergency; the runner was told to seek urgent care",
}


def no_red_flags(annotated: int, episodes: int) -> str:
    """What was checked when no red flag was found (the doctor's report)."""
    notes = (
        f"from the runner's notes on {annotated} of {episodes} {_plural(episodes, 'episode')}"
        if episodes
        else "from the runner's notes (no episode to note)"
    )
    return (
        "Checked from the recordings: numbness starting at rest, rest no longer bringing relief where it used to; "
        f"{notes}: symptoms at rest or at night, weakness or foot drop, sudden severe pain, a cold or pale leg."
    )


def _flag_where(flag: RedFlag) -> tuple[str, str]:
    day = f"{flag.run_started_at:%d %b %Y}" if flag.run_started_at is not None else "a run"
    at = f"{clock(flag.t_s)} into the run" if flag.t_s is not None else ""
    return f"run of {day}, episode {flag.episode}", at


def red_flag(flag: RedFlag) -> str:
    """A red flag as the runner reads it: what happened, and to see a doctor."""
    where, at = _flag_where(flag)
    return RED_FLAG_SENTENCES[RedFlagCode(flag.code)].format(where=where, at=at)


def red_flag_for_doctor(flag: RedFlag) -> str:
    """A red flag in the doctor's report, in the doctor's voice."""
    where, at = _flag_where(flag)
    said = RED_FLAG_FOR_DOCTOR[RedFlagCode(flag.code)].format(where=where, at=at)
    return f"{said[:-1]}: {URGENCY_FOR_DOCTOR[Urgency(flag.urgency)]}."


# -- across runs ----------------------------------------------------------------------------

ONSET_BASIS_WORDS = {OnsetBasis.RUNS: "runs", OnsetBasis.RUNS_CLEARED_AT_REST: "runs where it cleared at rest"}


def _episode_counts(v: dict, units: str) -> str:
    n, counts = v["episodes"], v["label_counts"]
    parts = ", ".join(f"{counts[label]} {label.replace('_', ' ')}" for label in counts if counts[label])
    return f"{n} {_plural(n, 'episode')} in {v['runs_with_episodes']} of {v['runs']} runs: {parts}."


def _onset_spread(v: dict, units: str) -> str:
    basis = ONSET_BASIS_WORDS[v["basis"]] if v["n"] != 1 else "run"
    text = (
        f"The first numbness of a run came after a median of {distance(v['median_m'], units)} "
        f"({clock(v['median_s'])} into the run) over {v['n']} {basis}"
    )
    if v["cv"] is not None:
        text += f"; the distance {variation(v['cv'], v['n'])}"
        if v["reproducible"]:
            text += (
                f", close to the ~{th.TYPICAL_ONSET_CV:.0%} doctors see from test to test in one person: the onset "
                "is reproducible"
            )
            if v["pattern"] == Pattern.RESOLVES_AT_REST:
                text += ", which strengthens the resolves-at-rest pattern"
        else:
            text += f", more than the ~{th.TYPICAL_ONSET_CV:.0%} typical within one person"
    return text.replace("%", " %").replace("  %", " %") + "."


def short_distance(distance_m: float, units: str = "km") -> str:
    """A few hundred metres as a runner reads them: 100 m, or 110 yd."""
    return f"{distance_m:.0f} m" if units == "km" else f"{distance_m / 0.9144:.0f} yd"


def _onset_trend(v: dict, units: str) -> str:
    trend = v["m_per_week"]
    direction = "shortened" if trend < 0 else "lengthened"
    return f"Over the weeks, the distance before numbness {direction} by about {short_distance(abs(trend), units)} per week."


SUMMARY_SENTENCES: dict[SummaryEvidence, Callable[[dict, str], str]] = {
    SummaryEvidence.NO_NUMBNESS: lambda v, u: f"No numbness was marked in {v['runs']} {_plural(v['runs'], 'run')}.",
    SummaryEvidence.EPISODE_COUNTS: _episode_counts,
    SummaryEvidence.ONSET_SPREAD: _onset_spread,
    SummaryEvidence.RELIEF_SPREAD: lambda v, u: (
        f"Numbness cleared a median of {duration(v['median_s'])} after the runner came to a standstill "
        f"({v['n']} {_plural(v['n'], 'episode')})."
    ),
    SummaryEvidence.ONSET_TREND: _onset_trend,
}


def summary_fact(fact: Fact, units: str = "km") -> str:
    return SUMMARY_SENTENCES[SummaryEvidence(fact.code)](fact.values, units)


def summary_evidence(summary: Summary, units: str = "km") -> list[str]:
    """The evidence across runs, one sentence per fact."""
    return [summary_fact(f, units) for f in summary.facts]


def summary_hints(summary: Summary) -> list[str]:
    """Every episode's hints, each once, in alphabetical order."""
    return sorted(set(hints(summary.hint_codes)))


TREND_WORDS: dict[TrendCode, str] = {
    TrendCode.NOT_ENOUGH_RUNS: (
        f"not enough runs yet: a trend needs {th.TREND_MIN_RUNS} runs over {th.TREND_MIN_DAYS} days or more "
        "({runs} {run_word}{basis} over {days:.0f} days so far)"
    ),
    TrendCode.NO_CLEAR_TREND: (
        "no clear trend over {runs} runs{basis} and {days:.0f} days: the change is within how much the distance "
        "varies from run to run"
    ),
    TrendCode.SHORTENING: "shortening by about {change} per week over {runs} runs{basis} and {days:.0f} days",
    TrendCode.LENGTHENING: "lengthening by about {change} per week over {runs} runs{basis} and {days:.0f} days",
}
TREND_BASIS_WORDS = {OnsetBasis.RUNS: "", OnsetBasis.RUNS_CLEARED_AT_REST: " where it cleared at rest"}


def trend(t: Trend, units: str = "km", basis: OnsetBasis = OnsetBasis.RUNS) -> str:
    """The onset distance's trend over the weeks, or why none is stated; `basis` says which
    runs it is measured on (the same as the distance to first numbness)."""
    change = short_distance(abs(t.m_per_week), units) if t.m_per_week is not None else ""
    return TREND_WORDS[TrendCode(t.code)].format(
        runs=t.runs, run_word=_plural(t.runs, "run"), days=t.days, change=change, basis=TREND_BASIS_WORDS[basis]
    )


def summary_trend(summary: Summary, units: str = "km") -> str:
    """The summary's trend sentence (over the runs its onset figure is measured on)."""
    if summary.onset_trend is None:
        return "-"
    return trend(summary.onset_trend, units, OnsetBasis(summary.onset_basis))


# -- the footpod: cadence and packets ---------------------------------------------------------

UNIT_WORDS = {CadenceUnit.STEPS: "steps/min", CadenceUnit.STRIDES: "strides/min"}


def cadence_decision(d: CadenceDecision) -> str:
    """How the run's cadence was read, and on what evidence."""
    unit = UNIT_WORDS[d.unit]
    if d.basis == CadenceBasis.CONFIG:
        return f"Cadence read as {unit}, as the config says for this footpod."
    if d.basis == CadenceBasis.NO_CADENCE:
        return "The footpod sent no cadence while running."
    running = duration(d.running_s)
    median = f"{d.median_running_cadence_raw:.0f}/min" if d.median_running_cadence_raw is not None else "no cadence"
    strides_share = d.strides_s / d.running_s if d.running_s else 0.0
    if d.basis == CadenceBasis.TOO_LITTLE_RUNNING:
        return (
            f"Cadence read as {unit} for now: only {running} of running (faster than {th.STRIDES_SPEED_MPS} m/s) was "
            f"seen, and the unit is decided on {duration(th.CADENCE_SUSTAINED_S)} or more."
        )
    text = (
        f"Cadence read as {unit}: over {running} of running (faster than {th.STRIDES_SPEED_MPS} m/s) the footpod "
        f"sent a median of {median}, {strides_share:.0%} of that time under {th.STRIDES_MAX_CADENCE}/min"
    )
    if d.decided_at_s is not None:
        text += f"; decided {clock(d.decided_at_s)} into the run"
    changes = len(d.stretches) - 1
    if changes > 0:
        text += f"; re-decided {changes} {_plural(changes, 'time')} as the evidence turned"
    return text + "."


def packets(p: PacketCounts) -> list[str]:
    """What the footpod sent that the run page and `footnote analyze` should say."""
    out = []
    if p.rejected and not p.decoded:
        out.append(
            f"The footpod sent {p.rejected} {_plural(p.rejected, 'packet')} and none could be read: movement is "
            "unknown for this run (see footnote check)."
        )
    elif p.rejected:
        out.append(f"{p.rejected} malformed footpod {_plural(p.rejected, 'packet')} skipped.")
    if p.with_extra_bytes:
        out.append(
            f"{p.with_extra_bytes} footpod {_plural(p.with_extra_bytes, 'packet')} carried bytes beyond what "
            "their flags need (read, and the extra bytes ignored)."
        )
    return out


# -- how the flags are computed (the PDF's method page) ---------------------------------------


def method() -> list[str]:
    """How footnote decides, with the thresholds it uses, for a reader of the report."""
    return [
        (
            f"Movement: decided from windows of evidence. The footpod's own total distance comes first: advancing "
            f"at {th.MOVING_MIN_MPS} m/s or more over at least {th.DISTANCE_WINDOW_S:.0f} s is moving (walking "
            "counts as moving), slower is standing still; across a gap between packets the distance before and "
            "after decides, so a notification gap while running stays moving. A stop needs agreement: a distance "
            f"that stands still for up to {th.STALL_MAX_S:.0f} s while the pod's own speed says moving is a stalled "
            "distance, not a stop; speed and cadence that fall to zero start the stop even if the distance lags "
            f"by up to {th.DISTANCE_LAG_MAX_S:.0f} s. Pods without distance are judged on "
            f"speed above {th.WALKING_FLOOR_MPS} m/s or cadence above {th.WALKING_FLOOR_SPM} steps/min, and a gap "
            f"of up to {th.GAP_BRIDGE_MAX_S:.0f} s between moving packets is bridged unless the speed decayed into "
            f"a stop. A live link that stays silent is standing still after {th.STALE_S:.0f} s; a shuffle of up to "
            f"{th.SHUFFLE_MAX_S:.0f} s and {th.SHUFFLE_MAX_M:.0f} m does not break a standstill (a longer move ends "
            "it, and standstill to relief counts from the stop after it); the time the link "
            "is down, or the pod's packets cannot be read, is unknown (a gap is never counted as rest)."
        ),
        (
            f"Cadence: steps or strides per minute is decided per run on {duration(th.CADENCE_SUSTAINED_S)} or more "
            f"of running (faster than {th.STRIDES_SPEED_MPS} m/s; under {th.STRIDES_MAX_CADENCE}/min means strides), "
            "never on one packet, and re-decided if the evidence turns."
        ),
        (
            "Worsening: began while moving, got worse while moving, and rest did not clear it (outlasted a standstill "
            f"of {th.STANDSTILL_NOT_CLEARING_S // 60} min or more, still present at the end, relief more than "
            f"{th.RELIEF_WITHIN_REST_S // 60} min after stopping, or {th.MOVING_WITH_IT_S // 60} min or more of "
            "moving with it before the stop that relieved it)."
        ),
        (
            f"Resolves at rest: began while moving and cleared while standing still within {th.RELIEF_WITHIN_REST_S // 60} "
            "minutes of stopping, without moving in between (Rose/WHO and Edinburgh Claudication Questionnaires: "
            f"gone within {th.RELIEF_WITHIN_REST_S // 60} minutes of standing still)."
        ),
        (
            "Onset distance: distance from the start of the run to the first press. Within one person it varies "
            f"about {th.TYPICAL_ONSET_CV:.0%} between treadmill tests, more outdoors; up to {th.REPRODUCIBLE_ONSET_CV:.0%} "
            "is reported as reproducible."
        ),
        (
            "Red flags (shown apart, as 'see a doctor soon'): numbness starting at rest; rest no longer bringing "
            "relief where it used to; and, from the runner's notes, symptoms at rest or at night, weakness or "
            "foot drop, sudden severe pain, or a cold or pale leg (an emergency)."
        ),
        (
            "Button: a short press marks onset, another short press 'worse' (severity +1), a "
            f"{HOLD_TIME_S:g} s hold (the default) relief; each confirmed by the logger only after it was written to disk."
        ),
    ]


# -- effort: heart rate and grade (server.analysis.effort) ----------------------------------


def bpm(value: int | None) -> str:
    return "unknown" if value is None else f"{value} bpm"


def episode_effort(ep: Episode) -> str | None:
    """The heart rate at the episode's presses and the grade at onset, as one sentence;
    None when none of them is known."""
    worse = [v for v in ep.hr_worse_bpm if v is not None]
    known = [ep.hr_onset_bpm, ep.hr_relief_bpm, ep.grade_at_onset_pct, *worse]
    if all(v is None for v in known):
        return None
    parts = [f"Heart rate at onset {bpm(ep.hr_onset_bpm)}"]
    if ep.hr_worse_bpm:
        parts.append("when it got worse " + ", ".join(bpm(v) for v in ep.hr_worse_bpm))
    if ep.relieved:
        relief = f"at relief {bpm(ep.hr_relief_bpm)}"
        if ep.hr_fall_at_relief_bpm is not None:
            relief += f" ({ep.hr_fall_at_relief_bpm} bpm below the episode's highest)"
        parts.append(relief)
    sentence = "; ".join(parts) + "."
    if ep.grade_at_onset_pct is not None:
        sentence += f" Grade at onset {ep.grade_at_onset_pct:+.1f} % over the last {th.GRADE_OVER_M:.0f} m."
    return sentence


_STEADY_WORDS = {"distance": "distance", "time": "time into the run", "heart_rate": "heart rate"}


def onset_steadiness(s: dict) -> str:
    """Whether the first numbness of a run comes at a steadier distance, time or heart
    rate across runs: evidence, never a diagnosis."""
    if not s or not s.get("enough_runs"):
        return (
            f"Not enough runs yet to say whether numbness starts at a similar distance, time or heart rate "
            f"(it needs {th.MIN_RUNS_FOR_STEADINESS} runs with numbness that began while moving)."
        )

    def one(key: str) -> str:
        v = s[key]
        if v["cv"] is None or v["n"] < th.MIN_RUNS_FOR_STEADINESS:
            return f"{_STEADY_WORDS[key]}: not enough runs ({v['n']})"
        return f"{_STEADY_WORDS[key]} varies {v['cv'] * 100:.0f} % (n={v['n']})"

    steadiest = _STEADY_WORDS[s["steadiest"]]
    return (
        f"Across runs, numbness starts at the steadiest {steadiest}: "
        + "; ".join(one(k) for k in ("distance", "time", "heart_rate"))
        + "."
    )


def strap_packets(counts: dict[str, int]) -> list[str]:
    """What the run page warns about the strap's packets (device.db.reader.strap_packets_of)."""
    out = []
    if counts.get("rejected"):
        out.append(
            f"The heart-rate strap sent {counts['rejected']} {_plural(counts['rejected'], 'packet')} that could not "
            "be read; they are kept with the reason, and count as no heart rate."
        )
    if counts.get("no_heart_rate") and counts["no_heart_rate"] == counts.get("decoded"):
        out.append(
            "The heart-rate strap never had skin contact on this run: no heart rate was recorded (moisten its electrodes)."
        )
    return out

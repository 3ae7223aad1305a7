"""Red flags: "see a doctor soon" (or now) signs, kept apart from the patterns.

Decided from codes and numbers only (an episode's onset state, the ways rest failed to
clear it, the runner's answers); footnote.server.words.sentences writes each flag's sentence.
"""

from __future__ import annotations

from footnote.server.analysis.codes import Label, NotCleared, RedFlagCode, State, Urgency
from footnote.server.analysis.results import Episode, RedFlag, RunAnalysis

# Rest failing to clear it where rest used to: it outlasted a standstill, or relief came
# long after stopping. (Still numb at the end of a run, or moving on with it, is not rest
# failing.)
REST_FAILED = {NotCleared.OUTLASTED_STANDSTILL, NotCleared.RELIEF_LONG_AFTER_STOPPING}


def _location(ep: Episode) -> str | None:
    return ep.annotation.location if ep.annotation is not None else None


def red_flags(analyses: list[RunAnalysis]) -> list[RedFlag]:
    """Every red flag across the runs, oldest run first."""
    flags: list[RedFlag] = []
    resolved_at: set[str | None] = set()  # where earlier resolves_at_rest episodes were felt (None: not said)

    def flag(code: RedFlagCode, urgency: Urgency, ra: RunAnalysis, ep: Episode, t_s: float | None = None) -> None:
        flags.append(RedFlag(code, urgency, ra.run_id, ep.number, run_started_at=ra.started_at, t_s=t_s))

    for ra in sorted(analyses, key=lambda r: r.started_at):
        for ep in ra.episodes:
            if ep.onset_state == State.REST:
                flag(RedFlagCode.ONSET_AT_REST, Urgency.SOON, ra, ep, ep.onset_t_s)
            rest_failed = bool(REST_FAILED.intersection(ep.not_cleared))
            # Compare like with like: when both episodes say where they were felt, only
            # the same place counts (calf numbness clearing does not speak for the foot).
            comparable = bool(resolved_at) and (
                _location(ep) is None or None in resolved_at or _location(ep) in resolved_at
            )
            if rest_failed and comparable:
                flag(RedFlagCode.REST_NO_LONGER_RELIEVES, Urgency.SOON, ra, ep)
            a = ep.annotation
            if a is not None:
                if a.rest_or_night:
                    flag(RedFlagCode.SYMPTOMS_AT_REST_OR_NIGHT, Urgency.SOON, ra, ep)
                if a.weakness:
                    flag(RedFlagCode.WEAKNESS_OR_FOOT_DROP, Urgency.SOON, ra, ep)
                if a.sudden_pain:
                    flag(RedFlagCode.SUDDEN_SEVERE_PAIN, Urgency.SOON, ra, ep)
                if a.cold_or_pale:
                    flag(RedFlagCode.COLD_OR_PALE, Urgency.EMERGENCY, ra, ep)
            if ep.label == Label.RESOLVES_AT_REST:
                resolved_at.add(_location(ep))
    return flags

"""Steps or strides for a run, and its cadence in steps/min, by the one rule in
footnote.device.rules.steps_or_strides (the logger applies the same rule live when it stores cadence_spm).

Pure: a `Run` in, a `CadenceDecision` (the unit, how it was decided, and the evidence) and
each sample's cadence in steps/min out.
"""

from __future__ import annotations

from footnote.device.db.rows import Run
from footnote.device.rules.steps_or_strides import STRIDES, CadenceRule, CadenceUnit
from footnote.server.analysis import thresholds as th
from footnote.server.analysis.codes import CadenceBasis
from footnote.server.analysis.results import CadenceDecision, CadenceStretch


def cadence_of(run: Run) -> tuple[CadenceDecision, list[float]]:
    """The run's cadence decision, and each sample's cadence in steps/min.

    Samples that do not carry the raw cadence (recorded before it was stored, or built by
    hand) keep their stored cadence_spm; the decision then says too little running."""
    convention = run.cadence_convention if run.cadence_convention in ("steps", "strides") else "auto"
    rule = CadenceRule(convention)
    cadence_spm: list[float] = []
    running_without_cadence = False
    for s in run.samples:
        if s.cadence_raw is None:
            cadence_spm.append(s.cadence_spm)
            continue
        unit = rule.add(s.t_s, s.speed_mps, s.cadence_raw)
        cadence_spm.append(float(s.cadence_raw * (2 if unit == STRIDES else 1)))
        running_without_cadence |= s.cadence_raw == 0 and s.speed_mps > th.STRIDES_SPEED_MPS
    if convention != "auto":
        basis = CadenceBasis.CONFIG
    elif rule.decided:
        basis = CadenceBasis.SUSTAINED_RUNNING
    elif rule.running_s == 0 and running_without_cadence:
        basis = CadenceBasis.NO_CADENCE
    else:
        basis = CadenceBasis.TOO_LITTLE_RUNNING
    start = run.samples[0].t_s if run.samples else 0.0
    first = CadenceUnit(convention if convention != "auto" else "steps")
    stretches = [CadenceStretch(start, first)] + [CadenceStretch(t, CadenceUnit(u)) for t, u in rule.changes]
    decision = CadenceDecision(
        unit=CadenceUnit(rule.unit),
        basis=basis,
        running_s=rule.running_s,
        strides_s=rule.strides_s,
        median_running_cadence_raw=rule.median_running_cadence(),
        decided_at_s=rule.decided_at_s if convention == "auto" else None,
        stretches=stretches,
    )
    return decision, cadence_spm

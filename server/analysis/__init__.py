"""Episode analysis: what happened when, one label per episode, a pattern across runs.

Pure: plain data in (a `Run` per run, as device.db.reader loads it), plain data out, no IO.
The dashboard, the export, `footnote analyze` and the tests all call this module. It puts
together the modules that decide, each named after what it does:

- server.analysis.movement: the run cut into moving / rest / unknown segments (windows of evidence);
- server.analysis.cadence: steps or strides for the run, on sustained running;
- server.analysis.episodes: each episode's facts and its label, as codes;
- server.analysis.redflags and server.analysis.summary: across runs, with the figures of
  server.analysis.figures (each figure defined once);
and returns codes and numbers only: server.words says them (sentences), where they are
shown (server.words.present gives the JSON with its sentences).

Labels (exactly these words): `worsening`, `resolves_at_rest`, `indeterminate`.
Patterns across runs: `resolves_at_rest`, `worsening`, `mixed`, `indeterminate`, `none`.
Every label comes with evidence sentences carrying the numbers. The words describe
patterns to show a doctor; they never name a diagnosis.
"""

from __future__ import annotations

from footnote.device.db.rows import Annotation, Run, Sample
from footnote.server.analysis.cadence import cadence_of
from footnote.server.analysis.codes import Label, Location, Pattern, State
from footnote.server.analysis.effort import add_effort, heart_rate_summary, sources_of
from footnote.server.analysis.episodes import distance_at, episodes_of, label_episode, location_hints
from footnote.server.analysis.figures import spread
from footnote.server.analysis.movement import movement_segments, state_at
from footnote.server.analysis.redflags import red_flags
from footnote.server.analysis.results import (
    CadenceDecision,
    Episode,
    Escalation,
    PacketCounts,
    RedFlag,
    RunAnalysis,
    Segment,
    Spread,
    Summary,
)
from footnote.server.analysis.summary import pattern_of, summarize

# Bump when a change makes analyze_run give a different result for the same run: the
# analyses kept between starts (server.analysis_cache) from another version are ignored.
# 2: the windowed movement estimator, sustained cadence decision and reason codes (issue 11).
# 3: a stop needs agreement of the pod's distance, speed and cadence; shuffles of at most
#    8 m (issue 23).
# 4: heart rate, grade and movement sources (issue 24).
ANALYSIS_VERSION = 4

MOVING, REST, UNKNOWN = State.MOVING, State.REST, State.UNKNOWN
LABELS = tuple(Label)
PATTERNS = tuple(Pattern)
LOCATIONS = tuple(Location)

__all__ = [
    "ANALYSIS_VERSION",
    "LABELS",
    "LOCATIONS",
    "MOVING",
    "PATTERNS",
    "REST",
    "UNKNOWN",
    "Annotation",
    "CadenceDecision",
    "Episode",
    "Escalation",
    "RedFlag",
    "Run",
    "RunAnalysis",
    "Sample",
    "Segment",
    "Spread",
    "Summary",
    "analyze_run",
    "distance_at",
    "movement_segments",
    "pattern_of",
    "red_flags",
    "spread",
    "state_at",
    "summarize",
]


def analyze_run(run: Run) -> RunAnalysis:
    """One run: its cadence decision, movement segments, labelled episodes and packet counts."""
    cadence, cadence_spm = cadence_of(run)
    segments = movement_segments(run, cadence_spm)
    episodes = episodes_of(run, segments, cadence_spm)
    for ep in episodes:
        label_episode(ep, segments)
        ep.hint_codes = location_hints(ep)
    add_effort(run, episodes)
    sources = sources_of(run, segments)
    watch_samples = sum(
        1 for s in run.samples for st in sources if st.source == "watch" and st.start_s <= s.t_s <= st.end_s
    )
    last = run.samples[-1].distance_m if run.samples else 0.0
    return RunAnalysis(
        run_id=run.id,
        started_at=run.started_at,
        clock_synced=run.clock_synced,
        duration_s=run.ended_t_s,
        distance_m=last,
        segments=segments,
        episodes=episodes,
        ignored_holds=[t for t, kind, _, _ in run.events if kind == "ignored_hold"],
        pattern=pattern_of([ep.label for ep in episodes]),
        cadence=cadence,
        packets=PacketCounts(
            decoded=len(run.samples) - watch_samples,  # the pod's: the watch's records are no packets
            rejected=len(run.rejected_t_s),
            with_extra_bytes=sum(1 for s in run.samples if s.extra_bytes),
        ),
        movement_sources=sources,
        heart_rate=heart_rate_summary(run),
        watch_files=list(run.watch_files),
        proposed_watch_files=list(run.proposed_watch_files),
    )

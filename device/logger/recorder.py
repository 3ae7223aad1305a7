"""RunRecorder: where a button press becomes a row, and footpod and strap bytes become samples.

It is the heart of `footnote log` (the logger process): a state machine with no threads and no clock of its own: every input arrives
with its time `t` (seconds on the monotonic clock), and the driver calls `tick(t)` at
`next_deadline()`. The live driver (device.live) and the replay driver (device.logger.replay)
are the only two drivers, so a replay makes exactly the decisions a live run made.

Feedback is shown only after the event's row is committed (Store fsyncs each symptom
event, with every sample buffered before it); if the write fails the runner gets the
error pattern and nothing is pretended. Samples wait for their commit longer (see
DB_SAMPLE_FLUSH_S): the journal guards them meanwhile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from footnote.device.config import HOLD_TIME_S, INACTIVITY_TIMEOUT_MIN
from footnote.device.db.rows import HeartRateRow, SampleRow
from footnote.device.errors import HrmDecodeError, RscDecodeError, StoreError
from footnote.device.parts.button import Gesture, PressDetector
from footnote.device.parts.protocols import Indicator, InputLog, RunStore
from footnote.device.rules.hrm import decode_hrm_measurement
from footnote.device.rules.motion import Odometer, is_moving
from footnote.device.rules.rsc import decode_rsc_measurement

logger = logging.getLogger(__name__)

# Footpod samples (and rejected packets) are made durable in two steps. At most
# JOURNAL_SYNC_S after one arrives they are guarded: the store's sync_samples() (the
# logger's JournalingStore fsyncs the journal, whose lines hold every input; a Store with
# no journal commits them), so a power cut loses at most the last 5 s of samples, and the
# next start replays the journal into the database (device.durability.catchup). At most
# DB_SAMPLE_FLUSH_S after one arrives they are committed to SQLite (flush_samples), and
# with every symptom event, link event and run close before that (a confirmed press is
# never lost). On an SD card a commit costs whole 4 KiB pages whatever it holds, so the
# commits are what this interval buys: at 4 notifications/s, per logged hour, commits
# every 5 s wrote 19.8 MB; with the journal synced every 5 s, commits every 60 s write
# 9.2 MB, every 120 s 7.8 MB, every 180 s 7.3 MB (benchmarks/bench_logger.py; storing
# the samples at all, written to the WAL and again at checkpoints, is about 3.5 MB, the
# journal's syncs about 3). The price: the dashboard sees a run's samples up to 2 minutes
# late, and a press commits up to 2 minutes of samples with its event (about 2 ms here).
JOURNAL_SYNC_S = 5.0
DB_SAMPLE_FLUSH_S = 120.0
# A tick line is written this much after the moment a gesture or a run's end was decided,
# so that a replay that ends on it (a killed logger) is sure to reach that decision again.
TICK_SLACK_S = 1e-6


@dataclass(frozen=True, slots=True)
class RecorderSettings:
    hold_time_s: float = HOLD_TIME_S
    inactivity_timeout_s: float = INACTIVITY_TIMEOUT_MIN * 60
    cadence_convention: str = "auto"
    cadence_overrides: dict[str, str] = field(default_factory=dict)  # address -> steps|strides
    source: str = "live"
    device: str = "footnote"


class RunRecorder:
    """Runs, symptom events and footpod samples, written through `store`.

    `t0` is the clock reading when the logger process started and `started_at` the wall clock
    at that moment; a run opened at clock time t starts at started_at + (t - t0).
    """

    def __init__(
        self,
        *,
        store: RunStore,
        indicator: Indicator,
        t0: float,
        started_at: datetime,
        clock_synced: bool,
        settings: RecorderSettings = RecorderSettings(),
        replay_writer: InputLog | None = None,
    ) -> None:
        self.store = store
        self.indicator = indicator
        self.settings = settings
        self.replay_writer = replay_writer
        self.t0 = t0
        self.started_at = started_at
        self.clock_synced = clock_synced
        self.presses = PressDetector(hold_time_s=settings.hold_time_s)
        self.run_id: int | None = None
        self.run_ids: list[int] = []
        self.bad_packets = 0
        self.bad_hrm_packets = 0
        self.link_up = False
        self._link_info: dict = {}
        self.strap_up = False
        self._strap_info: dict = {}
        self._run_t0 = 0.0
        self._episode = 0
        self._severity = 0  # 0 when no episode is open
        self._last_activity = t0
        self._sync_due: float | None = None  # samples waiting to be guarded (sync_samples)
        self._flush_due: float | None = None  # samples waiting to be committed (flush_samples)
        self._convention = settings.cadence_convention
        self._odometer = Odometer(cadence_convention=self._convention)
        self._last_pod_distance: float | None = None

    # -- inputs ---------------------------------------------------------------------

    def on_edge(self, t: float, down: bool) -> None:
        if self.replay_writer:
            self.replay_writer.button(t - self.t0, down)
        for gesture in self.presses.edge(t, down):
            self._on_gesture(gesture, t)

    def on_rsc(self, t: float, data: bytes) -> None:
        if self.replay_writer:
            self.replay_writer.rsc(t - self.t0, data)
        try:
            m = decode_rsc_measurement(data)
        except RscDecodeError as exc:
            self.bad_packets += 1
            logger.warning("footpod packet rejected (%d so far): %s", self.bad_packets, exc)
            if self.run_id is not None:
                self._try(self.store.add_rejected_packet, self.run_id, t_s=t - self._run_t0, raw=data, error=str(exc))
                self._sample_waiting(t)
            return
        run_id = self.run_id
        if run_id is None:
            # Between runs only movement matters: it opens the next run.
            if not is_moving(m.speed_mps, m.cadence_per_min):
                return
            run_id = self._open_run(t)
        values = self._odometer.update(t, m)
        moving = is_moving(m.speed_mps, values.cadence_spm) and (
            m.total_distance_m is None
            or self._last_pod_distance is None
            or m.total_distance_m != self._last_pod_distance
        )
        self._last_pod_distance = m.total_distance_m
        if moving:
            self._last_activity = t
        self.store.buffer_sample(
            SampleRow(
                run_id=run_id,
                t_s=t - self._run_t0,
                raw=data,
                speed_mps=m.speed_mps,
                cadence_raw=m.cadence_per_min,
                cadence_spm=values.cadence_spm,
                stride_m=m.stride_m,
                pod_distance_m=m.total_distance_m,
                distance_m=values.distance_m,
                running=int(m.running),
            )
        )
        self._sample_waiting(t)

    def on_hrm(self, t: float, data: bytes) -> None:
        """One Heart Rate Measurement from the strap. Stored like a footpod sample (batched,
        guarded by the journal); a packet the decoder rejects is stored too, with its
        reason, never one fsync each. Heart rate neither opens a run nor keeps one open:
        a strap notifies while the runner stands, and a heart rate is not movement."""
        if self.replay_writer:
            self.replay_writer.hrm(t - self.t0, data)
        run_id = self.run_id
        if run_id is None:
            return
        t_s = t - self._run_t0
        try:
            m = decode_hrm_measurement(data)
        except HrmDecodeError as exc:
            self.bad_hrm_packets += 1
            if self.bad_hrm_packets in (1, 10, 100) or self.bad_hrm_packets % 1000 == 0:
                logger.warning("strap packet rejected (%d so far): %s", self.bad_hrm_packets, exc)
            row = HeartRateRow(run_id, t_s, data, None, None, None, None, str(exc))
        else:
            row = HeartRateRow(run_id, t_s, data, m.usable_bpm, m.contact.value, m.energy_kj, len(m.rr_1024))
        self.store.buffer_heart_rate(row)
        self._sample_waiting(t)

    def on_strap(self, t: float, state: str, **info) -> None:
        """The strap's link went up ("connected", with address/name/location when known) or down."""
        if self.replay_writer:
            self.replay_writer.strap(t - self.t0, state, **info)
        self.strap_up = state == "connected"
        if self.strap_up:
            self._strap_info = info
        if self.run_id is not None:
            self._record_strap(t, state)

    def _record_strap(self, t: float, state: str) -> None:
        info = self._strap_info
        if state == "connected":
            self._try(
                self.store.set_strap,
                self.run_id,
                address=info.get("address"),
                name=info.get("name"),
                location=info.get("location"),
            )
        self._try(
            self.store.add_strap_link_event,
            self.run_id,
            t_s=t - self._run_t0,
            state=state,
            address=info.get("address"),
        )

    def _sample_waiting(self, t: float) -> None:
        if self._sync_due is None:
            self._sync_due = t + JOURNAL_SYNC_S
        if self._flush_due is None:
            self._flush_due = t + DB_SAMPLE_FLUSH_S

    def on_link(self, t: float, state: str, **info) -> None:
        """The footpod link went up ("connected", with address/name/feature/location
        when known) or down ("disconnected")."""
        if self.replay_writer:
            self.replay_writer.footpod(t - self.t0, state, **info)
        self.link_up = state == "connected"
        if self.link_up:
            self._link_info = info
            address = str(info.get("address") or "").upper()
            convention = self.settings.cadence_overrides.get(address, self.settings.cadence_convention)
            if convention != self._convention:
                self._convention = convention
                self._odometer.set_convention(convention)
        else:
            self._odometer.link_lost()
            self._last_pod_distance = None
        if self.run_id is not None:
            self._record_link(t, state)

    def stop(self, t: float, reason: str = "stopped") -> None:
        """The logger is stopping: close the open run (storing an open episode as
        unresolved at run end)."""
        if self.replay_writer:
            self.replay_writer.end(t - self.t0)
        self.advance(t)
        if self.run_id is not None:
            self._close_run(t, reason)

    # -- time -----------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        deadlines = [self.presses.next_deadline(), self._sync_due, self._flush_due]
        if self.run_id is not None:
            deadlines.append(self._last_activity + self.settings.inactivity_timeout_s)
        return min((d for d in deadlines if d is not None), default=None)

    def advance(self, until: float) -> None:
        """Tick through every deadline up to `until`, each at its own time, so decisions
        do not depend on how late the driver got round to them."""
        while (deadline := self.next_deadline()) is not None and deadline <= until:
            self.tick(deadline)

    def tick(self, now: float) -> None:
        for gesture in self.presses.tick(now):
            self._on_gesture(gesture, now)
        if self._flush_due is not None and now >= self._flush_due:
            self._flush_due = self._sync_due = None  # a commit guards them too
            self._try(self.store.flush_samples)
        elif self._sync_due is not None and now >= self._sync_due:
            self._sync_due = None
            self._try(self.store.sync_samples)
        if self.run_id is not None and now >= self._last_activity + self.settings.inactivity_timeout_s:
            logger.info(
                "no movement or press for %.0f s: closing run %d", self.settings.inactivity_timeout_s, self.run_id
            )
            self._close_run(now, "inactivity")

    # -- the rest ---------------------------------------------------------------------

    def start(self) -> int:
        """Close runs an earlier, killed logger left open; open the first run at the
        logger's start; return its id."""
        self.store.close_interrupted_runs()
        return self._open_run(self.t0)

    def _open_run(self, t: float) -> int:
        started_at = self.started_at + timedelta(seconds=t - self.t0)
        self.run_id = self.store.open_run(
            started_at=started_at,
            clock_synced=self.clock_synced,
            source=self.settings.source,
            device=self.settings.device,
            cadence_convention=self._convention,
        )
        self.run_ids.append(self.run_id)
        self._run_t0 = t
        self._last_activity = t
        self._episode = 0
        self._severity = 0
        self._odometer = Odometer(cadence_convention=self._convention)
        self._last_pod_distance = None
        if self.link_up:
            self._record_link(t, "connected")
        if self.strap_up:
            self._record_strap(t, "connected")
        logger.info("run %d opened", self.run_id)
        return self.run_id

    def _close_run(self, t: float, reason: str) -> None:
        if self.replay_writer:  # so a replay of the inputs closes the run at the same moment
            self.replay_writer.tick(t - self.t0 + TICK_SLACK_S)
        run_t_s = t - self._run_t0
        self._severity = 0
        self._flush_due = self._sync_due = None  # closing the run commits them
        # The store closes an episode still open as unresolved at run end, from what it
        # holds (device.db.store.close_open_episode): the one rule the catch-up and
        # footnote recover follow too.
        self._try(self.store.close_run, self.run_id, t_s=run_t_s, reason=reason)
        logger.info("run %d closed (%s) after %.0f s", self.run_id, reason, run_t_s)
        self.run_id = None

    def _record_link(self, t: float, state: str) -> None:
        t_s = t - self._run_t0
        info = self._link_info
        if state == "connected":
            self._try(
                self.store.set_footpod,
                self.run_id,
                address=info.get("address"),
                name=info.get("name"),
                feature=info.get("feature"),
                location=info.get("location"),
                cadence_convention=self._convention,
            )
        self._try(self.store.add_link_event, self.run_id, t_s=t_s, state=state, address=info.get("address"))

    def _on_gesture(self, gesture: Gesture, decided_t: float) -> None:
        if self.replay_writer:
            self.replay_writer.tick(decided_t - self.t0 + TICK_SLACK_S)
        run_id = self.run_id if self.run_id is not None else self._open_run(gesture.t)
        self._last_activity = max(self._last_activity, gesture.t)
        kind: str
        episode: int | None
        severity: int | None
        if gesture.kind == "press":
            if self._severity:
                kind, episode, severity = "worse", self._episode, self._severity + 1
            else:
                kind, episode, severity = "onset", self._episode + 1, 1
        elif self._severity:
            kind, episode, severity = "relief", self._episode, self._severity
        else:
            kind, episode, severity = "ignored_hold", None, None
        try:
            event_id = self.store.add_symptom_event(
                run_id, t_s=gesture.t - self._run_t0, kind=kind, episode=episode, severity=severity
            )
        except StoreError as exc:
            logger.error("could not record %s: %s", kind, exc)
            self.indicator.show("error")
            return
        if (kind == "onset" or kind == "worse") and episode is not None and severity is not None:
            self._episode, self._severity = episode, severity
        elif kind == "relief":
            self._severity = 0
        self.indicator.show("error" if kind == "ignored_hold" else kind, event_id=event_id)

    def _try(self, write, *args, **kwargs) -> None:
        """A write whose failure must not stop the logger (it is logged)."""
        try:
            write(*args, **kwargs)
        except StoreError as exc:
            logger.error("%s", exc)

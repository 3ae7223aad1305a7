"""The movement estimator (server/analysis/movement.py) on what real pods do, one story each:
the run is built sample by sample and cut into moving / rest / unknown."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from footnote.server.analysis import Run, Sample, analyze_run, movement_segments
from footnote.server.analysis import thresholds as th


class Pod:
    """A pod's packets, written as the runner moves: speed, cadence and its total distance.
    The run distance follows the pod's total as the logger's does (server.rundata), or,
    for a pod without distance, the speed integrated."""

    def __init__(self, *, distance: bool = True, refresh_s: float = 1.0) -> None:
        self.samples: list[Sample] = []
        self.t_s = 0.0
        self.total_m = 0.0  # what the runner covered
        self.counted_m = 0.0  # what the pod's total counts (it can lose some, at an auto-pause)
        self.shown_m = 0.0  # the total as last refreshed by the pod
        self.distance = distance
        self.refresh_s = refresh_s
        self._refreshed_at = 0.0

    def _packet(self, speed_mps: float, cadence: int) -> None:
        pod_m = self.shown_m if self.distance else None
        run_m = self.shown_m if self.distance else self.total_m
        self.samples.append(Sample(self.t_s, speed_mps, cadence if speed_mps else 0, run_m, pod_m))

    def move(self, seconds: float, speed_mps: float, cadence: int = 170, every_s: float = 1.0) -> Pod:
        end = self.t_s + seconds
        while self.t_s < end - 1e-9:
            self.t_s += every_s
            self.total_m += speed_mps * every_s
            self.counted_m += speed_mps * every_s
            if self.t_s - self._refreshed_at >= self.refresh_s - 1e-9:
                self.shown_m, self._refreshed_at = self.counted_m, self.t_s
            self._packet(speed_mps, cadence)
        return self

    def stall(self, seconds: float, speed_mps: float, cadence: int = 170, *, caught_up: bool = True) -> Pod:
        """The runner keeps going and the pod's speed and cadence say so, but its total
        distance stands still (a GPS fix dropped, a total refreshed in steps): caught up at
        the next refresh, or lost (an auto-pause edge)."""
        end = self.t_s + seconds
        while self.t_s < end - 1e-9:
            self.t_s += 1.0
            self.total_m += speed_mps
            self.counted_m += speed_mps if caught_up else 0.0
            self._packet(speed_mps, cadence)
        return self

    def stop_with_lagging_distance(self, lag_s: int, pace_mps: float) -> Pod:
        """The runner stops: speed and cadence read 0 from the next packet on, while the
        pod's total goes on counting at the last pace until lag_s seconds after it."""
        for _ in range(lag_s + 1):
            self.t_s += 1.0
            self.counted_m += pace_mps
            self.shown_m = self.counted_m
            self._packet(0.0, 0)
        return self

    def silent(self, seconds: float, covering_m: float = 0.0) -> Pod:
        self.t_s += seconds
        self.total_m += covering_m
        self.counted_m += covering_m
        self.shown_m = self.counted_m
        return self

    def run(self, links: list[tuple[float, str]] | None = None, events: list | None = None) -> Run:
        return Run(
            id=1,
            started_at=datetime(2026, 11, 20, 7, tzinfo=UTC),
            clock_synced=True,
            ended_t_s=self.t_s,
            samples=self.samples,
            links=links or [(0.0, "connected")],
            events=events or [],
        )


def rest_s(run: Run) -> float:
    return sum(s.duration_s for s in movement_segments(run) if s.state == "rest")


def states(run: Run) -> list[str]:
    return [s.state for s in movement_segments(run) if s.duration_s > 1]


def test_a_pod_that_refreshes_its_distance_every_2_s_while_notifying_every_second_walks_steadily():
    run = Pod(refresh_s=2.0).move(600, 1.2, cadence=110).run()
    assert states(run) == ["moving"] and rest_s(run) == 0


def test_notification_gaps_of_4_to_8_s_while_running_are_moving():
    pod = Pod().move(60, 3.0)
    for gap in (4, 6, 8, 5, 7):
        pod.silent(gap, covering_m=3.0 * gap).move(10, 3.0)
    assert rest_s(pod.run()) == 0


def test_a_pod_without_distance_bridges_a_short_gap_but_not_a_decay_into_a_stop():
    pod = Pod(distance=False).move(60, 3.0).silent(6).move(60, 3.0)
    assert rest_s(pod.run()) == 0
    pod.move(4, 2.0).move(1, 1.2).move(1, 0.7).silent(60)  # slows to a stop, then goes quiet
    segments = movement_segments(pod.run())
    assert segments[-1].state == "rest" and segments[-1].why == "decayed_to_a_stop"
    assert segments[-1].duration_s >= 59


def test_a_live_link_that_stays_silent_is_rest_after_stale_s():
    pod = Pod().move(60, 3.0).silent(120)
    last = movement_segments(pod.run())[-1]
    assert (last.state, last.why) == ("rest", "silent_live_link")
    assert last.duration_s == 120 - th.STALE_S


def test_a_silence_with_a_stop_inside_is_split_at_the_runners_pace():
    # 40 s without a packet, 15 m covered (under the walking floor on average): 5 s of
    # running at 3 m/s next to the running, then standing.
    pod = Pod().move(60, 3.0).silent(40, covering_m=15.0).move(60, 0.0)
    rest = [s for s in movement_segments(pod.run()) if s.state == "rest"]
    assert len(rest) == 1 and abs(rest[0].start_s - 65) <= 1


def test_a_silence_that_covered_walking_distance_is_moving():
    # Faster than the walking floor on average across the silence: never rest (a stop
    # inside it, if any, cannot be told from walking, and a false rest is the worse error).
    pod = Pod().move(60, 3.0).silent(40, covering_m=30.0).move(60, 3.0)
    assert rest_s(pod.run()) == 0


def test_a_shuffle_of_a_few_metres_does_not_restart_a_standstill():
    pod = Pod().move(120, 3.0).move(60, 0.0).move(6, 0.9, cadence=60).move(90, 0.0).move(60, 3.0)
    rest = [s for s in movement_segments(pod.run()) if s.state == "rest"]
    assert len(rest) == 1 and abs(rest[0].start_s - 120) <= 1 and rest[0].why == "shuffle_in_standstill"


def test_a_walk_between_two_stops_is_not_a_shuffle():
    pod = Pod().move(120, 3.0).move(60, 0.0).move(30, 1.2, cadence=110).move(90, 0.0)
    assert states(pod.run()) == ["moving", "rest", "moving", "rest"]


def test_a_link_gap_is_unknown_never_rest():
    pod = Pod().move(60, 3.0).silent(120).move(60, 3.0)
    run = pod.run(links=[(0.0, "connected"), (61.0, "disconnected"), (180.0, "connected")])
    segments = movement_segments(run)
    gap = [s for s in segments if s.state == "unknown" and s.start_s >= 60]
    assert gap and gap[0].why == "link_down" and rest_s(run) == 0


# -- when the pod's fields disagree (issue 23): a stop needs agreement ------------------------


def rest_stretches(run: Run) -> list:
    return [s for s in movement_segments(run) if s.state == "rest"]


@pytest.mark.parametrize("stall_s, speed_mps, cadence", [(3, 4.0, 174), (6, 3.0, 168), (12, 2.0, 150)])
@pytest.mark.parametrize("caught_up", [True, False])
def test_a_distance_that_stalls_while_speed_and_cadence_say_running_is_moving(stall_s, speed_mps, cadence, caught_up):
    # A GPS watch holds its total for a few seconds (a fix dropped, a refresh in steps; or,
    # at an auto-pause edge, the distance is lost for good) while its own speed and cadence
    # go on saying running: the runner never stopped, so no second of it is rest.
    pod = Pod().move(300, speed_mps, cadence).stall(stall_s, speed_mps, cadence, caught_up=caught_up)
    run = pod.move(300, speed_mps, cadence).run()
    assert states(run) == ["moving"] and rest_s(run) == 0


def test_a_pod_that_repeats_its_last_packet_through_a_stop_has_stopped():
    # The other side of a stall: the distance stands still for a minute while the pod sends
    # its last speed and cadence over and over (some pods do): that is a standstill.
    pod = Pod().move(300, 3.0).stall(60, 3.0, caught_up=False).move(300, 3.0)
    rest = rest_stretches(pod.run())
    assert len(rest) == 1 and rest[0].duration_s >= 59 and rest[0].start_s == 300


def test_speed_and_cadence_that_drop_to_zero_stop_the_runner_though_the_distance_lags_2_s():
    # Speed and cadence read 0 from 121 s; the pod's total goes on counting until 123 s.
    pod = Pod().move(120, 3.0).stop_with_lagging_distance(2, 3.0).move(90, 0.0).move(120, 3.0)
    (rest,) = rest_stretches(pod.run())
    assert rest.start_s == 121 and rest.end_s >= 213
    # A distance that goes on for 5 s is no lag: the runner was still moving.
    pod = Pod().move(120, 3.0).stop_with_lagging_distance(5, 3.0).move(90, 0.0).move(120, 3.0)
    (rest,) = rest_stretches(pod.run())
    assert rest.start_s == 126


def test_walking_at_0_8_m_s_with_cadence_0_is_moving_even_where_the_distance_stalls():
    # Watches report cadence 0 on slow walks (a real Forerunner 965 does at 0.8-0.9 m/s);
    # the speed still says walking, and a stall of the distance inside the walk is no stop.
    for distance in (True, False):
        pod = Pod(distance=distance).move(120, 3.0).move(120, 0.8, cadence=0)
        run = pod.stall(6, 0.8, cadence=0).move(120, 0.8, cadence=0).move(60, 3.0).run()
        assert states(run) == ["moving"] and rest_s(run) == 0


def test_a_12_m_shuffle_with_stepping_cadence_ends_the_standstill():
    # 12 m in 13 s with cadence 78-100: a slow first and last few steps (0.45 m/s, under
    # the walking floor) around 8 s at 1.2 m/s. More than SHUFFLE_MAX_M: the runner
    # walked on to another spot, so standstill to relief counts from the second stop.
    pod = Pod().move(300, 3.0).move(60, 0.0)
    for speed, cadence in [(0.45, 78), (0.45, 84)] + [(1.2, 100)] * 8 + [(0.45, 90), (0.45, 84), (0.45, 78)]:
        pod.move(1, speed, cadence)
    shuffle_end = pod.t_s
    pod.move(120, 0.0).move(120, 3.0)
    first, second = rest_stretches(pod.run())
    assert first.start_s == 300 and first.why != "shuffle_in_standstill"
    assert abs(second.start_s - shuffle_end) <= 3
    (ep,) = analyze_run(pod.run(events=[(250.0, "onset", 1, 1), (shuffle_end + 60, "relief", 1, None)])).episodes
    assert ep.label == "resolves_at_rest"
    assert abs(ep.rest_to_relief_s - 60) <= 3  # not the 73 s since the first stop


def test_a_shuffle_of_a_few_metres_with_stepping_cadence_keeps_the_standstill():
    # 5 m in 6 s, cadence 90: stepping aside at a crossing. Standstill to relief counts
    # from the first stop.
    pod = Pod().move(300, 3.0).move(60, 0.0).move(1, 0.45, 80).move(4, 1.0, 90).move(1, 0.45, 80)
    pod.move(120, 0.0).move(120, 3.0)
    (rest,) = rest_stretches(pod.run())
    assert rest.start_s == 300 and rest.why == "shuffle_in_standstill"
    relief_s = pod.t_s - 150
    (ep,) = analyze_run(pod.run(events=[(250.0, "onset", 1, 1), (relief_s, "relief", 1, None)])).episodes
    assert ep.label == "resolves_at_rest" and ep.rest_to_relief_s == pytest.approx(relief_s - 300)


def test_a_pod_that_sends_only_cadence_sizes_a_shuffle_by_its_steps():
    # Neither distance nor speed (the speed field reads 0): 15 s at 100 steps/min (25 steps,
    # 15 m at slow-walking steps) end a standstill; 5 s of it (8 steps, 5 m) do not.
    def story(stepping_s: int) -> Run:
        pod = Pod(distance=False)
        for seconds, cadence in ((300, 170), (60, 0), (stepping_s, 100), (120, 0), (60, 170)):
            for _ in range(seconds):
                pod.t_s += 1
                pod.samples.append(Sample(pod.t_s, 0.0, cadence, 0.0, None))
        return pod.run()

    first, second = rest_stretches(story(15))
    assert abs(first.start_s - 300) <= 1 and abs(second.start_s - 375) <= 1
    (rest,) = rest_stretches(story(5))
    assert abs(rest.start_s - 300) <= 1 and rest.why == "shuffle_in_standstill"

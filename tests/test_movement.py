"""The movement estimator (server/analysis/movement.py) on what real pods do, one story each:
the run is built sample by sample and cut into moving / rest / unknown."""

from __future__ import annotations

from datetime import UTC, datetime

from footnote.server.analysis import Run, Sample, movement_segments
from footnote.server.analysis import thresholds as th


class Pod:
    """A pod's packets, written as the runner moves: speed, cadence and its total distance."""

    def __init__(self, *, distance: bool = True, refresh_s: float = 1.0) -> None:
        self.samples: list[Sample] = []
        self.t_s = 0.0
        self.total_m = 0.0
        self.shown_m = 0.0  # the total as last refreshed by the pod
        self.distance = distance
        self.refresh_s = refresh_s
        self._refreshed_at = 0.0

    def move(self, seconds: float, speed_mps: float, cadence: int = 170, every_s: float = 1.0) -> Pod:
        end = self.t_s + seconds
        while self.t_s < end - 1e-9:
            self.t_s += every_s
            self.total_m += speed_mps * every_s
            if self.t_s - self._refreshed_at >= self.refresh_s - 1e-9:
                self.shown_m, self._refreshed_at = self.total_m, self.t_s
            pod_m = self.shown_m if self.distance else None
            self.samples.append(Sample(self.t_s, speed_mps, cadence if speed_mps else 0, self.total_m, pod_m))
        return self

    def silent(self, seconds: float, covering_m: float = 0.0) -> Pod:
        self.t_s += seconds
        self.total_m += covering_m
        self.shown_m = self.total_m
        return self

    def run(self, links: list[tuple[float, str]] | None = None) -> Run:
        return Run(
            id=1,
            started_at=datetime(2026, 11, 20, 7, tzinfo=UTC),
            clock_synced=True,
            ended_t_s=self.t_s,
            samples=self.samples,
            links=links or [(0.0, "connected")],
            events=[],
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

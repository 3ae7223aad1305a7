"""The odometer's rules: steps per minute, a distance that never goes backwards."""

import pytest

from footnote.device.rules.motion import MAX_INTEGRATION_STEP_S, Odometer, is_moving
from footnote.device.rules.rsc import RscMeasurement


def m(speed=3.0, cadence=170, distance=None):
    return RscMeasurement(
        speed_mps=speed, cadence_per_min=cadence, running=True, stride_m=None, total_distance_m=distance
    )


def test_strides_are_detected_while_running_and_kept_for_walking():
    odo = Odometer()
    assert odo.update(0, m(speed=1.3, cadence=55)).cadence_spm == 55  # walking: cannot tell yet
    assert odo.update(1, m(speed=3.0, cadence=85)).cadence_spm == 170  # running at 85: strides
    assert odo.update(2, m(speed=1.3, cadence=55)).cadence_spm == 110  # the same pod, walking


def test_a_steps_pod_is_left_alone():
    odo = Odometer()
    assert [odo.update(t, m(cadence=c)).cadence_spm for t, c in enumerate([172, 168, 0])] == [172, 168, 0]


@pytest.mark.parametrize("convention, expected", [("steps", 85), ("strides", 170)])
def test_the_config_overrides_the_rule(convention, expected):
    assert Odometer(cadence_convention=convention).update(0, m(cadence=85)).cadence_spm == expected


def test_unknown_convention_is_refused():
    with pytest.raises(ValueError):
        Odometer(cadence_convention="hops")


def test_distance_starts_at_zero_and_survives_a_pod_restart():
    odo = Odometer()
    assert odo.update(0, m(distance=1000.0)).distance_m == 0
    assert odo.update(1, m(distance=1003.0)).distance_m == 3
    assert odo.update(2, m(distance=0.0)).distance_m == 3  # the pod restarted
    assert odo.update(3, m(distance=2.5)).distance_m == 5.5


def test_without_distance_speed_is_integrated_but_not_across_a_gap():
    odo = Odometer()
    odo.update(0, m(speed=3.0))
    assert odo.update(1, m(speed=3.0)).distance_m == pytest.approx(3.0)
    odo.link_lost()
    assert odo.update(60, m(speed=3.0)).distance_m == pytest.approx(3.0)  # no jump over the gap
    assert odo.update(120, m(speed=3.0)).distance_m == pytest.approx(3.0 + 3.0 * MAX_INTEGRATION_STEP_S)


def test_walking_is_moving_and_standing_is_not():
    assert is_moving(1.2, 100) and is_moving(0.0, 90) and not is_moving(0.0, 0) and not is_moving(None, None)


def test_one_packet_from_a_pod_restarting_never_flips_a_steps_pod_to_strides():
    # A real SDM4 restarting after a stop: speed comes back before cadence (2.5 m/s at 90).
    odo = Odometer()
    for t in range(120):  # two minutes of running at 172 steps/min: decided
        odo.update(t, m(cadence=172))
    assert odo.cadence.decided and not odo.strides_detected
    assert odo.update(120, m(speed=2.5, cadence=90)).cadence_spm == 90  # not doubled to 180
    assert odo.update(121, m(cadence=174)).cadence_spm == 174  # and never 348


def test_the_unit_is_decided_again_when_the_evidence_turns():
    odo = Odometer()
    for t in range(90):
        odo.update(t, m(cadence=172))
    spm = [odo.update(90 + t, m(cadence=86)).cadence_spm for t in range(60)]
    assert spm[0] == 86  # one packet is not enough
    assert spm[-1] == 172  # two thirds of the latest minute of running said strides
    assert odo.strides_detected and [u for _, u in odo.cadence.changes] == ["strides"]

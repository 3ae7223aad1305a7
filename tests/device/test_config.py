"""The config file: defaults, every bad case stopped with the key named, before any pin."""

from __future__ import annotations

import subprocess
import sys

import pytest

from footnote.device.config import load_config, parse_config, render_config, save_config
from footnote.device.errors import ConfigError


def test_defaults_match_the_wiring_table():
    c = parse_config({})
    assert (c.button.pin, c.feedback.led_pin, c.feedback.buzzer_pin) == (17, 27, 22)
    assert c.button.hold_time_s == 1.5 and c.logger.inactivity_timeout_min == 30.0
    assert c.dashboard.host == "127.0.0.1" and c.dashboard.password_hash == ""


def test_a_written_config_reads_back_the_same(tmp_path):
    c = parse_config(
        {
            "button": {"hold_time_s": 2},
            "footpod": {"address": "C0:FF:EE:00:00:09", "cadence_overrides": {"C0:FF:EE:00:00:09": "strides"}},
        }
    )
    save_config(c, tmp_path / "c.toml")
    again = load_config(tmp_path / "c.toml")
    assert again == c and again.footpod.cadence_overrides == {"C0:FF:EE:00:00:09": "strides"}
    assert "[footpod.cadence_overrides]" in render_config(c)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"buttons": {}}, "unknown section [buttons]"),
        ({"button": {"pinn": 17}}, "unknown key button.pinn"),
        ({"button": {"pin": "17"}}, "button.pin must be a int"),
        ({"button": {"pin": True}}, "button.pin must be a int"),
        ({"button": {"pin": 40}}, "button.pin must be a BCM GPIO number from 2 to 27"),
        ({"button": {"hold_time_s": 0.1}}, "button.hold_time_s must be between 0.3 and 10.0"),
        ({"feedback": {"led": "yes"}}, "feedback.led must be a bool"),
        ({"feedback": {"led_pin": 17}}, "feedback.led_pin uses BCM 17, already used by button.pin"),
        (
            {"feedback": {"buzzer": True, "buzzer_pin": 27}},
            "feedback.buzzer_pin uses BCM 27, already used by feedback.led_pin",
        ),
        ({"footpod": {"address": "pod-1"}}, "footpod.address must be a Bluetooth address"),
        ({"footpod": {"cadence": "hops"}}, "footpod.cadence must be one of auto, steps, strides"),
        (
            {"footpod": {"cadence_overrides": {"C0:FF:EE:00:00:01": "hops"}}},
            'footpod.cadence_overrides.C0:FF:EE:00:00:01 must be "steps" or "strides"',
        ),
        (
            {"footpod": {"cadence_overrides": {"pod": "steps"}}},
            "footpod.cadence_overrides.pod: the key must be a Bluetooth address",
        ),
        ({"logger": {"inactivity_timeout_min": 0}}, "logger.inactivity_timeout_min must be between 1.0"),
        ({"dashboard": {"port": 0}}, "dashboard.port must be a TCP port"),
        ({"dashboard": "loopback"}, "[dashboard] must be a table"),
    ],
)
def test_every_bad_value_names_its_key(data, message):
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    assert message in str(err.value)


def test_a_disabled_buzzer_may_share_its_default_pin():
    assert parse_config({"feedback": {"buzzer": False, "buzzer_pin": 27}}).feedback.buzzer_pin == 27


def test_not_toml_is_a_clear_error(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[button\npin = 17\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(path)


def test_the_logger_refuses_a_bad_config_before_touching_anything(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[feedback]\nled_pin = 17\n")
    db = tmp_path / "never.db"
    result = subprocess.run(
        [sys.executable, "-m", "footnote.device.cli", "--config", str(path), "log", "--db", str(db), "--no-footpod"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "feedback.led_pin uses BCM 17, already used by button.pin" in result.stderr
    assert not db.exists()

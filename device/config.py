"""footnote's one config file (TOML). Every key, its type, default and limits live in
SPEC below; `load_config` rejects an unknown key, a wrong type, an impossible value or a
pin used twice with a ConfigError naming the key, before any hardware is touched.

Found at --config, else $FOOTNOTE_CONFIG, else ~/.config/footnote/config.toml (a missing
file means all defaults).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from footnote.device.errors import ConfigError
from footnote.device.motion import CADENCE_CONVENTIONS

# BCM numbers a Pi brings out on its 40-pin header.
VALID_BCM = range(2, 28)


def _pin(value: object) -> str | None:
    return None if value in VALID_BCM else "must be a BCM GPIO number from 2 to 27"


def _between(lo: float, hi: float):
    def check(value: float) -> str | None:
        return None if lo <= value <= hi else f"must be between {lo} and {hi}"
    return check


def _one_of(*choices: str):
    def check(value: str) -> str | None:
        return None if value in choices else f"must be one of {', '.join(choices)}"
    return check


def _address(value: str) -> str | None:
    parts = value.split(":")
    ok = value == "" or (len(parts) == 6 and all(len(p) == 2 and all(c in "0123456789abcdefABCDEF" for c in p) for p in parts))
    return None if ok else 'must be a Bluetooth address like "C0:FF:EE:00:00:01" (or "")'


def _port(value: int) -> str | None:
    return None if 1 <= value <= 65535 else "must be a TCP port from 1 to 65535"


# section -> key -> (type, default, check)
SPEC: dict[str, dict[str, tuple[type, object, object]]] = {
    "button": {
        "pin": (int, 17, _pin),
        "hold_time_s": (float, 1.5, _between(0.3, 10.0)),
    },
    "feedback": {
        "led": (bool, True, None),
        "led_pin": (int, 27, _pin),
        "buzzer": (bool, False, None),
        "buzzer_pin": (int, 22, _pin),
    },
    "footpod": {
        "address": (str, "", _address),
        "cadence": (str, "auto", _one_of(*CADENCE_CONVENTIONS)),
    },
    "logger": {
        "inactivity_timeout_min": (float, 30.0, _between(1.0, 24 * 60.0)),
        "db": (str, "", None),
    },
    "dashboard": {
        "host": (str, "127.0.0.1", None),
        "port": (int, 8765, _port),
        "password": (str, "", None),
    },
}
# [footpod.cadence_overrides] maps a pod's address to "steps" or "strides".


@dataclass(frozen=True)
class Config:
    values: dict[str, dict[str, object]]
    cadence_overrides: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    def __getitem__(self, dotted: str) -> object:
        section, key = dotted.split(".")
        return self.values[section][key]


def default_config_path() -> Path:
    if os.environ.get("FOOTNOTE_CONFIG"):
        return Path(os.environ["FOOTNOTE_CONFIG"])
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "footnote" / "config.toml"


def parse_config(data: dict, path: Path | None = None) -> Config:
    values: dict[str, dict[str, object]] = {s: {k: d for k, (_, d, _) in keys.items()} for s, keys in SPEC.items()}
    overrides: dict[str, str] = {}
    for section, table in data.items():
        if section not in SPEC:
            raise ConfigError(f"unknown section [{section}] (known: {', '.join(SPEC)})")
        if not isinstance(table, dict):
            raise ConfigError(f"[{section}] must be a table")
        for key, value in table.items():
            name = f"{section}.{key}"
            if section == "footpod" and key == "cadence_overrides":
                overrides = _parse_overrides(value)
                continue
            if key not in SPEC[section]:
                raise ConfigError(f"unknown key {name} (known in [{section}]: {', '.join(SPEC[section])})")
            type_, _, check = SPEC[section][key]
            if type_ is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, type_) or (type_ is not bool and isinstance(value, bool)):
                raise ConfigError(f"{name} must be a {type_.__name__}, not {value!r}")
            problem = check(value) if check else None
            if problem:
                raise ConfigError(f"{name} {problem} (got {value!r})")
            values[section][key] = value
    _check_pins(values)
    return Config(values=values, cadence_overrides=overrides, path=path)


def _parse_overrides(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError("footpod.cadence_overrides must be a table of address = \"steps\"|\"strides\"")
    for address, convention in value.items():
        name = f"footpod.cadence_overrides.{address}"
        if _address(address) or address == "":
            raise ConfigError(f"{name}: the key must be a Bluetooth address")
        if convention not in ("steps", "strides"):
            raise ConfigError(f'{name} must be "steps" or "strides" (got {convention!r})')
    return {a.upper(): c for a, c in value.items()}


def _check_pins(values: dict[str, dict[str, object]]) -> None:
    used = {values["button"]["pin"]: "button.pin"}
    for enabled, key in (("led", "led_pin"), ("buzzer", "buzzer_pin")):
        if not values["feedback"][enabled]:
            continue
        pin = values["feedback"][key]
        if pin in used:
            raise ConfigError(f"feedback.{key} uses BCM {pin}, already used by {used[pin]}")
        used[pin] = f"feedback.{key}"


def load_config(path: str | Path | None = None) -> Config:
    path = Path(path) if path else default_config_path()
    if not path.exists():
        return parse_config({}, path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    return parse_config(data, path)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_config(config: Config) -> str:
    """The config as TOML text (every key, defaults included, so the file documents itself)."""
    lines = ["# footnote configuration: see hardware/README.md for every key.", ""]
    for section, keys in config.values.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in keys.items()]
        lines.append("")
    if config.cadence_overrides:
        lines.append("[footpod.cadence_overrides]")
        lines += [f'"{a}" = "{c}"' for a, c in config.cadence_overrides.items()]
        lines.append("")
    return "\n".join(lines)


def save_config(config: Config, path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(render_config(config), encoding="utf-8")
    os.replace(tmp, path)

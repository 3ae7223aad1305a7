"""footnote's one config file (TOML), as typed dataclasses.

Each [section] is a frozen dataclass below; each key is a field with its type, default
and check. `load_config` rejects an unknown key, a wrong type, an impossible value or a
pin used twice with a ConfigError naming the key, before any hardware is touched.

Found at --config, else $FOOTNOTE_CONFIG, else ~/.config/footnote/config.toml (a missing
file means all defaults).
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from footnote.device.errors import ConfigError, UnusableFile
from footnote.device.paths import open_regular, sync_folder
from footnote.device.rules.motion import CADENCE_CONVENTIONS

# Distances and paces as the runner reads them: kilometres (min/km) or miles (min/mi). The
# stored data and every JSON stay in metres and m/s.
DISTANCE_UNITS = ("km", "mi")

# BCM numbers a Pi brings out on its 40-pin header.
VALID_BCM = range(2, 28)

Check = Callable[[typing.Any], "str | None"]


def _pin(value: int) -> str | None:
    return None if value in VALID_BCM else "must be a BCM GPIO number from 2 to 27"


def _between(lo: float, hi: float) -> Check:
    def check(value: float) -> str | None:
        return None if lo <= value <= hi else f"must be between {lo} and {hi}"

    return check


def _one_of(*choices: str) -> Check:
    def check(value: str) -> str | None:
        return None if value in choices else f"must be one of {', '.join(choices)}"

    return check


def _address(value: str) -> str | None:
    parts = value.split(":")
    ok = value == "" or (
        len(parts) == 6 and all(len(p) == 2 and all(c in "0123456789abcdefABCDEF" for c in p) for p in parts)
    )
    return None if ok else 'must be a Bluetooth address like "C0:FF:EE:00:00:01" (or "")'


def _port(value: int) -> str | None:
    return None if 1 <= value <= 65535 else "must be a TCP port from 1 to 65535"


# An argon2id hash in the PHC string format, as `footnote password` writes it:
# $argon2id$v=19$m=KiB,t=passes,p=lanes$salt$hash (salt and hash in unpadded base64).
_ARGON2ID = re.compile(
    r"\$argon2id\$v=19\$m=(?P<m>\d{1,10}),t=(?P<t>\d{1,3}),p=(?P<p>\d{1,3})"
    r"\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{22,}"
)
# A hand-edited hash must not make a login exhaust the Pi's 512 MB or take minutes.
# Two logins at once (server.dashboard.auth.MAX_CONCURRENT_HASHES) at 64 MiB each leave
# the logger most of a 512 MB Pi; footnote's own setting is 19 MiB.
MAX_HASH_MEMORY_KIB = 64 * 1024
MAX_HASH_PASSES = 10
MAX_HASH_LANES = 4


def password_hash_problem(value: str) -> str | None:
    """Why this is not a usable dashboard.password_hash ("" means no password), or None."""
    if value == "":
        return None
    match = _ARGON2ID.fullmatch(value)
    if not match:
        return "must be an argon2id hash as `footnote password` writes it ($argon2id$v=19$m=...,t=...,p=...$salt$hash)"
    m, t, p = int(match["m"]), int(match["t"]), int(match["p"])
    if not (1 <= p <= MAX_HASH_LANES and 1 <= t <= MAX_HASH_PASSES and 8 * p <= m <= MAX_HASH_MEMORY_KIB):
        return (
            f"asks for m={m} KiB, t={t}, p={p}: a login on the Pi needs m at most {MAX_HASH_MEMORY_KIB} KiB, "
            f"t at most {MAX_HASH_PASSES} and p at most {MAX_HASH_LANES} (set it again with `footnote password`)"
        )
    return None


def key(default: object, check: Check | None = None, *, secret: bool = False) -> typing.Any:
    """A config key: its default, the check its value must pass, and whether it is a
    secret (an error about it never repeats its value)."""
    return field(default=default, metadata={"check": check, "secret": secret})


# Defaults the logger's parts take too (device.parts.button, device.logger.recorder): one
# place for each.
HOLD_TIME_S = 1.5  # a hold this long is relief (the gpiozero Button's own hold_time is not used)
INACTIVITY_TIMEOUT_MIN = 30.0  # a run closes after this long with neither movement nor presses


@dataclass(frozen=True)
class ButtonConfig:
    pin: int = key(17, _pin)
    hold_time_s: float = key(HOLD_TIME_S, _between(0.3, 10.0))


@dataclass(frozen=True)
class FeedbackConfig:
    led: bool = key(True)
    led_pin: int = key(27, _pin)
    buzzer: bool = key(False)
    buzzer_pin: int = key(22, _pin)


@dataclass(frozen=True)
class FootpodConfig:
    address: str = key("", _address)
    cadence: str = key("auto", _one_of(*CADENCE_CONVENTIONS))
    # [footpod.cadence_overrides]: a pod's address -> "steps" or "strides".
    cadence_overrides: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StrapConfig:
    # A heart-rate strap is looked for when one is paired (`footnote pair --strap`) or
    # `enabled`; otherwise the footpod's client scans alone.
    address: str = key("", _address)
    enabled: bool = key(False)


@dataclass(frozen=True)
class LoggerConfig:
    inactivity_timeout_min: float = key(INACTIVITY_TIMEOUT_MIN, _between(1.0, 24 * 60.0))
    db: str = key("")


@dataclass(frozen=True)
class DashboardConfig:
    host: str = key("127.0.0.1")
    port: int = key(8765, _port)
    # Set by `footnote password`; never a plain password (see LEGACY_PASSWORD_KEY).
    password_hash: str = key("", password_hash_problem, secret=True)
    # HTTPS with the runner's own certificate (PEM files; "" = plain HTTP).
    ssl_certfile: str = key("")
    ssl_keyfile: str = key("")
    units: str = key("km", _one_of(*DISTANCE_UNITS))  # what the dashboard and the exports show a runner


# Older configs had a plain-text dashboard.password. An empty one (as every default
# config was written) is dropped silently; a set one is refused, never used.
LEGACY_PASSWORD_KEY = "password"
PLAIN_PASSWORD_REFUSED = (
    "dashboard.password holds a plain-text password, which footnote no longer reads: run `footnote password` "
    "to store it as a hash instead (it removes the plain one from the config)"
)


@dataclass(frozen=True)
class Config:
    button: ButtonConfig = field(default_factory=ButtonConfig)
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)
    footpod: FootpodConfig = field(default_factory=FootpodConfig)
    strap: StrapConfig = field(default_factory=StrapConfig)
    logger: LoggerConfig = field(default_factory=LoggerConfig)
    dashboard: DashboardConfig = field(default_factory=DashboardConfig)
    path: Path | None = field(default=None, compare=False)


SECTIONS: dict[str, type] = {f.name: f.default_factory for f in dataclasses.fields(Config) if f.name != "path"}  # type: ignore[misc]


def _keys(section: type) -> dict[str, tuple[type, Check | None, bool]]:
    """A section's plain keys (not sub-tables): name -> (type, check, secret)."""
    hints = typing.get_type_hints(section)
    return {
        f.name: (hints[f.name], f.metadata.get("check"), f.metadata.get("secret", False))
        for f in dataclasses.fields(section)
        if "check" in f.metadata
    }


def default_config_path() -> Path:
    if os.environ.get("FOOTNOTE_CONFIG"):
        return Path(os.environ["FOOTNOTE_CONFIG"])
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "footnote" / "config.toml"


def parse_config(data: dict, path: Path | None = None) -> Config:
    sections: dict[str, object] = {}
    for section, table in data.items():
        if section not in SECTIONS:
            raise ConfigError(f"unknown section [{section}] (known: {', '.join(SECTIONS)})")
        if not isinstance(table, dict):
            raise ConfigError(f"[{section}] must be a table")
        known = _keys(SECTIONS[section])
        values: dict[str, object] = {}
        for name, value in table.items():
            dotted = f"{section}.{name}"
            if section == "footpod" and name == "cadence_overrides":
                values[name] = _parse_overrides(value)
                continue
            if section == "dashboard" and name == LEGACY_PASSWORD_KEY:
                if value != "":
                    raise ConfigError(PLAIN_PASSWORD_REFUSED)
                continue
            if name not in known:
                raise ConfigError(f"unknown key {dotted} (known in [{section}]: {', '.join(known)})")
            type_, check, secret = known[name]
            if type_ is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, type_) or (type_ is not bool and isinstance(value, bool)):
                raise ConfigError(f"{dotted} must be a {type_.__name__}" + ("" if secret else f", not {value!r}"))
            problem = check(value) if check else None
            if problem:
                raise ConfigError(f"{dotted} {problem}" + ("" if secret else f" (got {value!r})"))
            values[name] = value
        sections[section] = SECTIONS[section](**values)
    config = Config(**sections, path=path)  # type: ignore[arg-type]
    _check_pins(config)
    return config


def _parse_overrides(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError('footpod.cadence_overrides must be a table of address = "steps"|"strides"')
    for address, convention in value.items():
        name = f"footpod.cadence_overrides.{address}"
        if _address(address) or address == "":
            raise ConfigError(f"{name}: the key must be a Bluetooth address")
        if convention not in ("steps", "strides"):
            raise ConfigError(f'{name} must be "steps" or "strides" (got {convention!r})')
    return {a.upper(): c for a, c in value.items()}


def _check_pins(config: Config) -> None:
    used = {config.button.pin: "button.pin"}
    feedback = config.feedback
    for enabled, name, pin in (
        (feedback.led, "led_pin", feedback.led_pin),
        (feedback.buzzer, "buzzer_pin", feedback.buzzer_pin),
    ):
        if not enabled:
            continue
        if pin in used:
            raise ConfigError(f"feedback.{name} uses BCM {pin}, already used by {used[pin]}")
        used[pin] = f"feedback.{name}"


# A config is a few hundred bytes; this leaves room for comments and refuses /dev/zero.
MAX_CONFIG_BYTES = 64 * 1024
_TOML_AT = re.compile(r"^(?P<what>.*) \(at line (?P<line>\d+), column \d+\)$", re.S)


def _read_toml(path: Path) -> tuple[str, dict]:
    """The config file's text and its TOML. Missing: ("", {}). Anything footnote cannot
    read (not a regular file, larger than MAX_CONFIG_BYTES, not UTF-8, not TOML, nested
    too deeply) is one ConfigError naming the file (and the line, where TOML says)."""
    try:
        with open_regular(path, max_bytes=MAX_CONFIG_BYTES) as f:
            raw = f.read(MAX_CONFIG_BYTES + 1)
    except UnusableFile as exc:
        if not os.path.exists(path):
            return "", {}
        raise ConfigError(str(exc)) from None
    if len(raw) > MAX_CONFIG_BYTES:  # it grew since it was looked at
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes: not a file footnote writes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}: line {line}: not UTF-8 text") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_AT.match(str(exc))
        where = f"line {found['line']}: " if found else ""
        raise ConfigError(f"{path}: {where}this is not valid TOML ({found['what'] if found else exc})") from None
    except RecursionError:
        raise ConfigError(f"{path}: this is not valid TOML footnote writes (nested too deeply)") from None


def load_config(path: str | Path | None = None) -> Config:
    path = Path(path) if path else default_config_path()
    text, data = _read_toml(path)
    if not text:
        return parse_config({}, path)
    try:
        return parse_config(data, path)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_config(config: Config) -> str:
    """The config as TOML text (every key, defaults included, so the file documents itself)."""
    lines = ["# footnote configuration: see hardware/README.md for every key.", ""]
    for section, cls in SECTIONS.items():
        values = getattr(config, section)
        lines.append(f"[{section}]")
        lines += [f"{name} = {_toml_value(getattr(values, name))}" for name in _keys(cls)]
        lines.append("")
    if config.footpod.cadence_overrides:
        lines.append("[footpod.cadence_overrides]")
        lines += [f'"{a}" = "{c}"' for a, c in config.footpod.cadence_overrides.items()]
        lines.append("")
    return "\n".join(lines)


def save_config(config: Config, path: str | Path) -> None:
    _write_privately(Path(path), render_config(config))


def _write_privately(path: Path, text: str) -> None:
    """Write a config atomically, readable by its owner only (it may hold the
    dashboard's password hash)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a left-over .tmp keeps its old mode otherwise
    if path.exists() and os.geteuid() == 0:
        # `sudo footnote password` on the runner's config: it stays the runner's, or
        # the dashboard (running as the runner) could no longer read it.
        owner = path.stat()
        os.fchown(fd, owner.st_uid, owner.st_gid)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    sync_folder(path.parent)  # the new name survives a power cut too (ext4)


_SECTION_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\"-]+?)\s*\]\s*(#.*)?$")
_PASSWORD_LINE = re.compile(rf"^\s*(?:{LEGACY_PASSWORD_KEY}|password_hash)\s*=")


def _with_password_hash(text: str, password_hash: str) -> str:
    """`text` (a config file) with its [dashboard] password lines replaced by one
    password_hash line; every other line, comments included, is kept as it was."""
    lines = text.splitlines()
    header = next(
        (i for i, line in enumerate(lines) if (m := _SECTION_HEADER.match(line)) and m[1] == "dashboard"), None
    )
    new_line = f"password_hash = {_toml_value(password_hash)}"
    if header is None:
        return text + ("" if text.endswith("\n") or not text else "\n") + f"\n[dashboard]\n{new_line}\n"
    end = next((i for i in range(header + 1, len(lines)) if _SECTION_HEADER.match(lines[i])), len(lines))
    body = [line for line in lines[header + 1 : end] if not _PASSWORD_LINE.match(line)]
    return "\n".join([*lines[: header + 1], new_line, *body, *lines[end:]]) + "\n"


def set_password_hash(path: str | Path, password_hash: str) -> Config:
    """Store a new dashboard.password_hash in the config file at `path`, keeping every
    other key and comment, and drop a plain-text dashboard.password if the file still
    has one. Returns the config as saved."""
    path = Path(path)
    text, data = _read_toml(path)
    dashboard = data.get("dashboard")
    if isinstance(dashboard, dict):
        dashboard.pop(LEGACY_PASSWORD_KEY, None)
    config = parse_config(data, path)
    wanted = dataclasses.replace(config, dashboard=dataclasses.replace(config.dashboard, password_hash=password_hash))
    # The runner's file with only the password lines changed, if it reads back as
    # exactly the config wanted (a layout this edit does not understand, such as a
    # dotted `dashboard.port = ...` key, falls back to writing every key afresh).
    # No file yet: every key at its default, as install-pi.sh writes it.
    edited = _with_password_hash(text, password_hash) if text.strip() else ""
    try:
        kept = bool(edited) and parse_config(tomllib.loads(edited), path) == wanted
    except (tomllib.TOMLDecodeError, ConfigError):
        kept = False
    if not kept:
        edited = render_config(wanted)
    # Checked as the saved file will be read back: a malformed hash is refused here.
    saved = parse_config(tomllib.loads(edited), path)
    _write_privately(path, edited)
    return saved

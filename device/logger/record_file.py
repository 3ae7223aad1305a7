"""The record/replay file: a public JSON Lines format (docs/recording.md, "Record and replay").

    {"footnote_replay": 1, "started_at": "2026-11-20T07:00:00Z"}
    {"t": 0.0, "footpod": "connected", "address": "C0:FF:EE:00:00:01", "name": "Pod"}
    {"t": 1.02, "rsc": "0400030a"}
    {"t": 1.10, "strap": "connected", "address": "C0:FF:EE:00:00:02", "name": "Strap", "location": 1}
    {"t": 1.35, "hrm": "16485401ec02"}
    {"t": 5.5, "button": "down"}
    {"t": 5.8, "button": "up"}
    {"t": 9.0, "footpod": "disconnected"}
    {"t": 10.5, "tick": true}
    {"t": 12.0, "end": true}

`t` is seconds since the logger started, never decreasing. Optional header keys:
`clock_synced` (bool, default true). Optional keys on a "connected" line: `address`,
`name`, `feature` (RSC Feature bits), `location` (Sensor Location). "hrm" is one Heart
Rate Measurement notification (0x2A37) byte for byte, and "strap" the heart-rate strap's
link, whose "connected" line may carry `address`, `name`, `location` (Body Sensor
Location). A "tick" line says
the logger was still running at `t` with nothing else happening: the logger writes one
when it confirms a press or hold, so a file that ends there (a killed logger, a power
cut) still replays that hold.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from footnote.device.errors import ReplayFormatError

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Header:
    started_at: datetime
    clock_synced: bool = True


@dataclass(frozen=True, slots=True)
class Input:
    """One raw input: kind is button | rsc | hrm | footpod | strap | tick | end."""

    line_no: int
    t: float
    kind: str
    value: bool | bytes | str  # True/False for button down/up; bytes for rsc and hrm; state str for footpod and strap
    extra: dict


class ReplayWriter:
    """Writes every raw input the logger receives. One line per input, flushed at once,
    so a crash loses at most the line being written."""

    def __init__(self, path: str | Path, *, started_at: datetime, clock_synced: bool) -> None:
        self._file: TextIO = open(path, "w", encoding="utf-8")  # noqa: SIM115  (open for the writer's life; close() closes it)
        self._last_t = 0.0
        self._write(
            {
                "footnote_replay": FORMAT_VERSION,
                "started_at": started_at.isoformat(),
                "clock_synced": clock_synced,
            }
        )

    def _write(self, obj: dict) -> None:
        if "t" in obj:  # a tick carries a microsecond of slack: never let t go back
            obj["t"] = self._last_t = max(obj["t"], self._last_t)
        self._file.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self._file.flush()

    def button(self, t: float, down: bool) -> None:
        self._write({"t": t, "button": "down" if down else "up"})

    def rsc(self, t: float, data: bytes) -> None:
        self._write({"t": t, "rsc": data.hex()})

    def footpod(self, t: float, state: str, **extra: object) -> None:
        self._write({"t": t, "footpod": state, **{k: v for k, v in extra.items() if v is not None}})

    def hrm(self, t: float, data: bytes) -> None:
        self._write({"t": t, "hrm": data.hex()})

    def strap(self, t: float, state: str, **extra: object) -> None:
        self._write({"t": t, "strap": state, **{k: v for k, v in extra.items() if v is not None}})

    def tick(self, t: float) -> None:
        self._write({"t": t, "tick": True})

    def end(self, t: float) -> None:
        self._write({"t": t, "end": True})

    def close(self) -> None:
        self._file.close()


_OPTIONAL_LINK_KEYS = {
    "footpod": {"address": str, "name": str, "feature": int, "location": int},
    "strap": {"address": str, "name": str, "location": int},
}
KINDS = ("button", "rsc", "hrm", "footpod", "strap", "tick", "end")


def _fail(line_no: int, message: str) -> ReplayFormatError:
    return ReplayFormatError(f"line {line_no}: {message}")


def parse_header(line: str) -> Header:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _fail(1, f"not JSON ({exc.msg})") from None
    if not isinstance(obj, dict) or obj.get("footnote_replay") != FORMAT_VERSION:
        raise _fail(1, 'expected a header like {"footnote_replay": 1, "started_at": "..."}')
    try:
        started_at = datetime.fromisoformat(obj["started_at"])
    except (KeyError, TypeError, ValueError):
        raise _fail(1, "started_at must be an ISO-8601 date and time") from None
    if started_at.tzinfo is None:
        raise _fail(1, "started_at needs a time zone (for example a trailing Z)")
    synced = obj.get("clock_synced", True)
    if not isinstance(synced, bool):
        raise _fail(1, "clock_synced must be true or false")
    return Header(started_at=started_at, clock_synced=synced)


def parse_line(line_no: int, line: str, previous_t: float) -> Input:
    """Parse one input line; raise ReplayFormatError naming line_no if it is invalid."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _fail(line_no, f"not JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise _fail(line_no, "expected a JSON object")
    t = obj.get("t")
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t < 0:
        raise _fail(line_no, '"t" must be a number of seconds >= 0')
    if t < previous_t:
        raise _fail(line_no, f'"t" went backwards ({t} after {previous_t})')
    kinds = [k for k in KINDS if k in obj]
    if len(kinds) != 1:
        raise _fail(line_no, "expected exactly one of " + ", ".join(f'"{k}"' for k in KINDS))
    kind = kinds[0]
    value = obj[kind]
    extra: dict = {}
    if kind == "button":
        if value not in ("down", "up"):
            raise _fail(line_no, '"button" must be "down" or "up"')
        value = value == "down"
    elif kind in ("rsc", "hrm"):
        if not isinstance(value, str):
            raise _fail(line_no, f'"{kind}" must be a hex string')
        try:
            value = bytes.fromhex(value)
        except ValueError:
            raise _fail(line_no, f'"{kind}" is not valid hex') from None
    elif kind in ("footpod", "strap"):
        if value not in ("connected", "disconnected"):
            raise _fail(line_no, f'"{kind}" must be "connected" or "disconnected"')
        for key, type_ in _OPTIONAL_LINK_KEYS[kind].items():
            if key in obj:
                if not isinstance(obj[key], type_) or isinstance(obj[key], bool):
                    raise _fail(line_no, f'"{key}" must be a {type_.__name__}')
                extra[key] = obj[key]
    elif value is not True:
        raise _fail(line_no, f'"{kind}" must be true')
    return Input(line_no=line_no, t=float(t), kind=kind, value=value, extra=extra)


def read_replay(stream: TextIO) -> tuple[Header, Iterator[Input]]:
    """The header, and an iterator over the inputs that raises ReplayFormatError at the
    first bad line (after yielding every good line before it)."""
    first = stream.readline()
    if not first:
        raise _fail(1, "the file is empty")
    header = parse_header(first)

    def inputs() -> Iterator[Input]:
        previous_t = 0.0
        for line_no, line in enumerate(stream, start=2):
            if not line.strip():
                continue
            item = parse_line(line_no, line, previous_t)
            previous_t = item.t
            yield item

    return header, inputs()

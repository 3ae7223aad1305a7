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

`t` is seconds since the logger started, never decreasing, at most MAX_T_S. Optional header keys:
`clock_synced` (bool, default true). Optional keys on a "connected" line: `address`,
`name`, `feature` (RSC Feature bits), `location` (Sensor Location). "hrm" is one Heart
Rate Measurement notification (0x2A37) byte for byte, and "strap" the heart-rate strap's
link, whose "connected" line may carry `address`, `name`, `location` (Body Sensor
Location). A "tick" line says
the logger was still running at `t` with nothing else happening: the logger writes one
when it confirms a press or hold, so a file that ends there (a killed logger, a power
cut) still replays that hold.

A file is read line by line, each at most MAX_LINE_BYTES of UTF-8: anything else (a
line nested too deeply, a number too long to convert, a lone surrogate, bytes that are not
UTF-8, a start outside EARLIEST_YEAR-LATEST_YEAR, a packet longer than a BLE attribute,
a name longer than a BLE name) is a ReplayFormatError naming the line.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, TextIO

from footnote.device.clock import EARLIEST_YEAR, LATEST_YEAR
from footnote.device.errors import ReplayFormatError
from footnote.device.rules.text import MAX_DEVICE_NAME_BYTES, text_problem

FORMAT_VERSION = 1
MAX_LINE_BYTES = 64 * 1024  # a line is at most a packet's hex or a pod's name: ~1.5 KB
MAX_T_S = 10 * 365.25 * 86400.0  # ten years of a logger running without a restart
MAX_PACKET_BYTES = 512  # the longest value a BLE attribute can have (Core Specification, ATT)


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


def _json(line_no: int, line: str) -> object:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise _fail(line_no, f"not JSON ({exc.msg})") from None
    except RecursionError:
        raise _fail(line_no, "not JSON footnote writes (nested too deeply)") from None
    except ValueError as exc:  # an integer of more digits than Python converts
        raise _fail(line_no, f"not JSON footnote writes ({str(exc).split(':')[0]})") from None


def parse_header(line: str) -> Header:
    obj = _json(1, line)
    if not isinstance(obj, dict) or obj.get("footnote_replay") != FORMAT_VERSION:
        raise _fail(1, 'expected a header like {"footnote_replay": 1, "started_at": "..."}')
    try:
        started_at = datetime.fromisoformat(obj["started_at"])
    except (KeyError, TypeError, ValueError):
        raise _fail(1, "started_at must be an ISO-8601 date and time") from None
    if started_at.tzinfo is None:
        raise _fail(1, "started_at needs a time zone (for example a trailing Z)")
    if not EARLIEST_YEAR <= started_at.year <= LATEST_YEAR:
        raise _fail(1, f"started_at must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}, not {started_at.year}")
    synced = obj.get("clock_synced", True)
    if not isinstance(synced, bool):
        raise _fail(1, "clock_synced must be true or false")
    return Header(started_at=started_at, clock_synced=synced)


def parse_line(line_no: int, line: str, previous_t: float) -> Input:
    """Parse one input line; raise ReplayFormatError naming line_no if it is invalid."""
    obj = _json(line_no, line)
    if not isinstance(obj, dict):
        raise _fail(line_no, "expected a JSON object")
    t = obj.get("t")
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t < 0:
        raise _fail(line_no, '"t" must be a number of seconds >= 0')
    if t > MAX_T_S:
        raise _fail(line_no, f'"t" must be at most {MAX_T_S:.0f} seconds (ten years), not {t:.6g}')
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
        if len(value) > 2 * MAX_PACKET_BYTES:
            raise _fail(line_no, f'"{kind}" is longer than a BLE packet can be ({MAX_PACKET_BYTES} bytes)')
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
                if isinstance(obj[key], str):
                    _check_text(line_no, key, obj[key])
                elif not 0 <= obj[key] <= 0xFFFF_FFFF:
                    raise _fail(line_no, f'"{key}" must be between 0 and {0xFFFF_FFFF}')
                extra[key] = obj[key]
    elif value is not True:
        raise _fail(line_no, f'"{kind}" must be true')
    return Input(line_no=line_no, t=float(t), kind=kind, value=value, extra=extra)


def _check_text(line_no: int, key: str, value: str) -> None:
    problem = text_problem(value)
    if problem:
        raise _fail(line_no, f'"{key}" {problem}')
    if len(value.encode("utf-8")) > MAX_DEVICE_NAME_BYTES:
        raise _fail(line_no, f'"{key}" is longer than a BLE name can be ({MAX_DEVICE_NAME_BYTES} bytes)')


def _lines(stream: TextIO | BinaryIO) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line, each read with a bound: a file without line
    breaks (or /dev/zero) is refused at MAX_LINE_BYTES, not read into memory."""
    line_no = 0
    while True:
        line_no += 1
        try:
            line = stream.readline(MAX_LINE_BYTES + 1)
        except UnicodeDecodeError:  # a text stream
            raise _fail(line_no, "not UTF-8 text") from None
        if not line:
            return
        if len(line) > MAX_LINE_BYTES:
            raise _fail(line_no, f"longer than {MAX_LINE_BYTES} bytes: not a line footnote writes")
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError:
                raise _fail(line_no, "not UTF-8 text") from None
        yield line_no, line


def read_replay(stream: TextIO | BinaryIO) -> tuple[Header, Iterator[Input]]:
    """The header, and an iterator over the inputs that raises ReplayFormatError at the
    first bad line (after yielding every good line before it). `stream` is the file
    opened in binary (as replay_file does) or as UTF-8 text."""
    lines = _lines(stream)
    first = next(lines, None)
    if first is None:
        raise _fail(1, "the file is empty")
    header = parse_header(first[1])

    def inputs() -> Iterator[Input]:
        previous_t = 0.0
        for line_no, line in lines:
            if not line.strip():
                continue
            item = parse_line(line_no, line, previous_t)
            previous_t = item.t
            yield item

    return header, inputs()

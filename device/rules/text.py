"""The one check for text that a runner or a device writes into footnote: an episode's
note, a run's setup, the runner's name on a report, a footpod's name. The dashboard's
forms and API (their pydantic models) and the logger (a pod's name, a replayed line) all
ask here, so the database, the CSV, the HTML and the FHIR narrative only ever hold text.

Refused:
- control characters: C0 (NUL, ESC, ...), DEL and C1. Tab, newline and carriage return
  only where the text may have lines (a note); an ESC in a pod's name would drive the
  terminal of `footnote scan`, a NUL ends a string in C and makes the FHIR XHTML
  narrative unparsable;
- lone surrogates (a JSON "\\ud800"): not text, and not writable as UTF-8;
- the invisible bidirectional controls (U+202A-U+202E, U+2066-U+2069), which make a note
  read differently from what it holds.
"""

from __future__ import annotations

import re

# Bytes a Bluetooth LE device name may have (Core Specification, GAP: Device Name, 248 octets).
MAX_DEVICE_NAME_BYTES = 248

_ALWAYS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_ONE_LINE = re.compile(f"[\t\n\r{_ALWAYS}]")
_LINES = re.compile(f"[{_ALWAYS}]")


def text_problem(value: str, *, lines: bool = False) -> str | None:
    """Why `value` cannot be stored as text (a short phrase to follow a field's name), or
    None when it can. `lines`: tab, newline and carriage return are allowed (a note)."""
    found = (_LINES if lines else _ONE_LINE).search(value)
    if found is None:
        return None
    return f"must be plain text (it holds the control character U+{ord(found.group()):04X})"


def device_name(name: str | None) -> str | None:
    """A footpod's advertised name as footnote keeps it: None (no name) when the device
    sent something that is not a name (control characters, longer than a BLE name can be)."""
    if name is None or text_problem(name) or len(name.encode("utf-8", "surrogatepass")) > MAX_DEVICE_NAME_BYTES:
        return None
    return name

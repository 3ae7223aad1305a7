"""The wall clock's trustworthiness. A Pi has no real-time clock: until NTP (or a GPS, or
an RTC hat) sets it, the time is whatever was saved at the last shutdown. Runs record
whether the clock was synchronised when they started, so the dashboard can flag them
and let the runner correct the start time."""

from __future__ import annotations

import ctypes
import ctypes.util
import os

# The years a run may start in: anything outside is a typo or a clock gone wrong, not a run
# (replay refuses such a header, the dashboard such a corrected start time).
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100

_TIME_ERROR = 5  # adjtimex() return value: "clock not synchronised"


class _Timex(ctypes.Structure):
    # struct timex from <sys/timex.h>: modes first, then fields we never read; the
    # kernel writes up to 208 bytes, so reserve plenty.
    _fields_ = [("modes", ctypes.c_uint), ("_rest", ctypes.c_byte * 256)]


def system_clock_synced() -> bool:
    """True when the kernel says the system clock is synchronised (adjtimex), which is
    what timedatectl's "System clock synchronized" reports."""
    if os.path.exists("/run/systemd/timesync/synchronized"):
        return True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        state = libc.adjtimex(ctypes.byref(_Timex()))
    except (OSError, AttributeError):
        return False
    return state not in (-1, _TIME_ERROR)

"""Keeping the dashboard's resident memory small on a 512 MB Pi (glibc only; elsewhere
these do nothing).

glibc keeps freed heap for reuse, per thread arena: after a one-off big request (a
download covering every run, a first start that analyses them all) the dashboard would
carry that peak for as long as it runs, once per worker thread that served one.
"""

from __future__ import annotations

import ctypes
import logging

logger = logging.getLogger(__name__)

_M_ARENA_MAX = -8  # mallopt parameter, from glibc's malloc.h


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None)
        libc.malloc_trim  # noqa: B018  (glibc has it; musl and macOS do not)
    except (OSError, AttributeError):
        return None
    return libc


def limit_arenas(count: int = 2) -> None:
    """At most `count` malloc arenas for the threads started from now on (the thread pool
    that runs the handlers), so freed memory is shared rather than kept per thread."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, count)


def give_back() -> None:
    """Return the freed heap to the system (after a request that needed a lot)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)

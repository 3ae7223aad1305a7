"""The dashboard's password, stored only as an argon2id hash (argon2-cffi).

Parameters: argon2id, 19 MiB of memory, 2 passes, 1 lane: the first of OWASP's
recommended argon2id configurations (Password Storage Cheat Sheet), chosen because it
is the one that fits a Pi Zero 2 W. Each hash holds 19 MiB only while it runs: the
512 MB the logger and the dashboard share is not strained, and at most
MAX_CONCURRENT_HASHES logins hash at once (server.dashboard.auth), so a flood of logins costs at
most 38 MiB. Time: 19 ms here with argon2-cffi's SSE2 build (25 ms with the portable
build that ARM gets), on one core of a 2-core x86 server; a 1 GHz Cortex-A53 with LPDDR2
is taken to be 10-20 times slower at memory-hard hashing, so 0.25-0.5 s per login on
the Pi (benchmarks/bench_access.py measures it here). OWASP's larger settings (scrypt
with N=2^17 needs 128 MiB; argon2id with 46 MiB and 1 pass costs as much time) buy
nothing the Pi can afford.

Why argon2-cffi rather than the standard library's hashlib.scrypt: scrypt would save a
dependency, but at OWASP's minimum (N=2^17, r=8, p=1) each login holds 128 MiB, a
quarter of the Pi's memory, and any smaller N is below what OWASP recommends; argon2id
meets OWASP's recommendation with 19 MiB. argon2-cffi is maintained (Hynek Schlawack),
wraps the reference implementation, and installs as a wheel on the Pi (PyPI's aarch64
wheels for 64-bit Raspberry Pi OS, piwheels for 32-bit).

The parameters are written into the hash itself (PHC string format), so a stronger
setting later still verifies the hashes written before it.

Verification is constant-time: argon2-cffi's `verify` recomputes the hash and compares
it in libargon2 (`argon2_verify`, whose comparison does not stop at the first byte
that differs).
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import TextIO

from footnote.device.errors import PasswordError

TIME_COST = 2
MEMORY_COST_KIB = 19 * 1024
PARALLELISM = 1
# NIST SP 800-63B: at least 8 characters for a secret the user chooses. The upper
# bound keeps one login from hashing megabytes.
MIN_LENGTH = 8
MAX_LENGTH = 1024


def _hasher():
    try:
        from argon2 import PasswordHasher
    except ImportError:
        raise PasswordError("the dashboard is not installed here (pip install 'footnote[server]')") from None

    return PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM)


def hash_password(password: str) -> str:
    """The argon2id hash of a new password, in PHC string format ($argon2id$v=19$...)."""
    check_new_password(password)
    return _hasher().hash(password)


def verify_password(password_hash: str, attempt: str) -> bool:
    """Whether `attempt` is the password behind `password_hash` (constant-time)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    if not attempt or len(attempt) > MAX_LENGTH:
        return False
    try:
        return _hasher().verify(password_hash, attempt)
    except (VerificationError, InvalidHashError):
        return False


def check_new_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"the password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordError(f"the password may have at most {MAX_LENGTH} characters")


def read_new_password(
    *, from_stdin: bool, stdin: TextIO | None = None, ask: Callable[[str], str] = getpass.getpass
) -> str:
    """The new password: one line of standard input (for scripts), or asked twice on
    the terminal without echo."""
    stdin = stdin or sys.stdin
    if from_stdin:
        line = stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
        check_new_password(password)
        return password
    if not stdin.isatty():
        raise PasswordError("no terminal to ask the password on: pass --stdin to read it from standard input")
    password = ask("New dashboard password: ")
    check_new_password(password)
    if ask("The same again: ") != password:
        raise PasswordError("the two passwords differ: nothing was changed")
    return password

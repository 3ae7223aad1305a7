"""How fast anyone may try passwords: decided before a password is hashed.

- **A client** is the address the connection comes from, as the kernel gives it: an IPv4
  address, or an IPv6 address's /64 network (a machine on a LAN may take any address of
  its /64 whenever it likes). `X-Forwarded-For` is never read (`footnote serve` turns
  uvicorn's proxy headers off): on a home or club Wi-Fi each phone and laptop is then a
  client of its own, two browsers on one phone are one client, and the Pi itself is
  127.0.0.1. A machine that takes many addresses (IPv4 aliases, or 127.x on the Pi) is
  many clients: the global budget is what holds it.
- **Per client**: one attempt in flight; after a wrong password the next attempt waits
  failure_delay() (0.5 s, doubling each time, at most MAX_DELAY_S), and is refused at
  once until then (TooManyLogins: 429 with Retry-After), without a hash. A right password
  forgets the client's failures; so does an hour without one.
- **The global budget**: GLOBAL_FAILURES_PER_MINUTE wrong passwords a minute across all
  clients (a bucket of that many, refilled evenly). Each admitted attempt takes one,
  given back when the password was right. With the bucket empty every login waits, a
  right password too: an attacker who changes address guesses no faster than the
  budget. The price: while such an attack goes on, the runner cannot log in either
  (sessions already open stay open).

Nothing here sleeps; the login route (server.dashboard.routes.login) answers a wrong
password only once its delay has passed, with an asyncio sleep that holds no thread, so
a runner in one tab never sees a refusal.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_DELAY_S = 8.0
GLOBAL_FAILURES_PER_MINUTE = 10
FORGET_AFTER_S = 3600.0  # a client's failures, an hour after its last delay ended
_PRUNE_ABOVE = 256  # clients kept before the forgotten ones are looked for


class TooManyLogins(Exception):
    """A login refused before its password is checked; `retry_after_s` says when to try again."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"try again in {retry_after_s:.1f} s")
        self.retry_after_s = retry_after_s

    @property
    def retry_after(self) -> str:
        """The Retry-After header: whole seconds, at least 1."""
        return str(max(1, math.ceil(self.retry_after_s)))


def client_of(address: str | None) -> str:
    """The client a connection from `address` counts as (see the module's docstring)."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


@dataclass
class _Client:
    failures: int = 0
    wait_until_s: float = 0.0
    in_flight: bool = False


class LoginLimiter:
    """The limits above, on `clock` (monotonic seconds; the tests turn their own)."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, failures_per_minute: int = GLOBAL_FAILURES_PER_MINUTE
    ) -> None:
        self._clock = clock
        self._capacity = float(failures_per_minute)
        self._rate_per_s = failures_per_minute / 60.0
        self._tokens = self._capacity
        self._filled_at = clock()
        self._clients: dict[str, _Client] = {}
        self._lock = threading.Lock()

    def admit(self, client: str) -> Attempt:
        """Start a login attempt of `client`, or raise TooManyLogins."""
        with self._lock:
            now = self._clock()
            state = self._clients.get(client)
            if state is None:
                if len(self._clients) > _PRUNE_ABOVE:
                    self._forget(now)
                state = self._clients[client] = _Client()
            if state.failures and now - state.wait_until_s > FORGET_AFTER_S:
                state.failures = 0
            if state.in_flight:
                raise TooManyLogins(1.0)
            if now < state.wait_until_s:
                raise TooManyLogins(state.wait_until_s - now)
            self._tokens = min(self._capacity, self._tokens + (now - self._filled_at) * self._rate_per_s)
            self._filled_at = now
            if self._tokens < 1.0:
                raise TooManyLogins((1.0 - self._tokens) / self._rate_per_s)
            self._tokens -= 1.0
            state.in_flight = True
        return Attempt(self, client)

    def failure_delay(self, client: str) -> float:
        """Record a wrong password of `client`; how long its next attempt must wait."""
        with self._lock:
            state = self._clients.setdefault(client, _Client())
            state.failures += 1
            delay = min(MAX_DELAY_S, 0.5 * 2 ** (state.failures - 1))
            state.wait_until_s = self._clock() + delay
        return delay

    def success(self, client: str) -> None:
        with self._lock:
            state = self._clients.get(client)
            if state is not None:
                state.failures, state.wait_until_s = 0, 0.0

    def _end(self, client: str, *, refund: bool) -> None:
        with self._lock:
            state = self._clients.get(client)
            if state is not None:
                state.in_flight = False
                if state.failures == 0:
                    del self._clients[client]
            if refund:
                self._tokens = min(self._capacity, self._tokens + 1.0)

    def _forget(self, now: float) -> None:
        for client, state in list(self._clients.items()):
            if not state.in_flight and now - state.wait_until_s > FORGET_AFTER_S:
                del self._clients[client]


class Attempt:
    """One admitted login attempt: say how it went (failed() or succeeded()), then end it
    (a context manager). Ended without either, it costs no budget."""

    def __init__(self, limiter: LoginLimiter, client: str) -> None:
        self._limiter = limiter
        self._client = client
        self._failed = False

    def failed(self) -> float:
        """A wrong password: the delay before this client may try again, in seconds."""
        self._failed = True
        return self._limiter.failure_delay(self._client)

    def succeeded(self) -> None:
        self._limiter.success(self._client)

    def __enter__(self) -> Attempt:
        return self

    def __exit__(self, *exc: object) -> None:
        self._limiter._end(self._client, refund=not self._failed)

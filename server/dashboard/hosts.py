"""The names the dashboard answers to, and the refusal of every other `Host` before routing.

This is what stops DNS rebinding: a web page whose own name is made to point at
127.0.0.1 (or at the Pi's address) would otherwise read the dashboard as its own
origin, since the browser sends the attacker's name as the Host. The names served:

- 127.0.0.1, localhost and [::1];
- the configured host (dashboard.host), unless it is a wildcard;
- beyond loopback, the Pi's `.local` name (server.dashboard.lan.local_name);
- listening on a wildcard, the Pi's LAN addresses: asked of the kernel again when an
  address not yet known comes (at most every ADDRESS_REFRESH_S), so a new DHCP lease is
  served without a restart.

The port must be the one the request came in on (the ASGI scope's `server`): a Host
without a port only on the scheme's own port (80, 443). A name is compared without case,
nothing else is tolerated (no trailing dot, no other port). The refusal is 421 with a
plain line, naming none of what was sent.
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Callable, Iterable

from footnote.server.dashboard import lan

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
ADDRESS_REFRESH_S = 10.0
_HOST = re.compile(r"(?P<name>\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
REFUSAL = (
    b"This dashboard answers only to its own names: 127.0.0.1, localhost, the Pi's .local name and its "
    b"network addresses. Open it by one of those.\n"
)


def _literal(name: str) -> str:
    return f"[{name}]" if ":" in name else name


def served_names(host: str, *, hostname: str | None = None) -> frozenset[str]:
    """The fixed names served when listening on `host` (LAN addresses come on top, see
    HostAllowList)."""
    names = set(LOOPBACK_NAMES)
    if host not in lan.WILDCARDS:
        names.add(_literal(host.lower()))
    if not lan.is_loopback(host):
        names.add(lan.local_name(hostname).lower())
    return frozenset(names)


class HostAllowList:
    """ASGI middleware: refuse a request whose Host is not a served name on the port it
    came in on (HTTP and WebSocket); the lifespan passes through."""

    def __init__(
        self,
        app,
        *,
        names: Iterable[str],
        lan_addresses: Callable[[], Iterable[str]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`lan_addresses`: where the machine's current addresses come from (None: only
        `names`, as on loopback or on one configured address)."""
        self.app = app
        self.names = frozenset(n.lower() for n in names)
        self._lan_addresses = lan_addresses
        self._clock = clock
        self._addresses: frozenset[str] = frozenset()
        self._asked_at: float | None = None

    def _is_own_address(self, name: str) -> bool:
        if self._lan_addresses is None:
            return False
        try:
            ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            return False  # a name, not an address: only the fixed names
        now = self._clock()
        if name not in self._addresses and (self._asked_at is None or now - self._asked_at >= ADDRESS_REFRESH_S):
            self._asked_at = now
            self._addresses = frozenset(_literal(a) for a in self._lan_addresses())
        return name in self._addresses

    def allowed(self, host: str | None, scheme: str, server: tuple[str, int | None] | None) -> bool:
        if not host:
            return False
        found = _HOST.fullmatch(host.lower())
        if found is None:
            return False
        name = found["name"]
        if server is not None and server[1] is not None:
            port = int(found["port"]) if found["port"] else _DEFAULT_PORTS.get(scheme)
            if port != server[1]:
                return False
        return name in self.names or self._is_own_address(name)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
            if not self.allowed(host, scope.get("scheme", "http"), scope.get("server")):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                await send(
                    {
                        "type": "http.response.start",
                        "status": 421,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(REFUSAL)).encode()),
                            (b"cache-control", b"no-store"),
                            (b"x-content-type-options", b"nosniff"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": REFUSAL})
                return
        await self.app(scope, receive, send)

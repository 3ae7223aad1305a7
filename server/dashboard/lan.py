"""How a phone finds the dashboard after a run: the Pi's addresses on the local
network, its `.local` name, and a QR code of the address to open, for the terminal.

Everything here works without the internet: the addresses come from the kernel (the
source address it would use towards a private network, and each interface's address),
and the `.local` name is the host name that avahi (installed and running on Raspberry
Pi OS) announces on the network.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass

# Destinations only used to ask the kernel which source address it would pick: a UDP
# socket's connect() chooses a route and sends nothing.
_PROBES = ("10.255.255.254", "192.168.255.254", "172.31.255.254")
_SIOCGIFADDR = 0x8915  # Linux: an interface's IPv4 address
WILDCARDS = ("0.0.0.0", "::", "")

_BLOCKS = {(1, 1): "█", (1, 0): "▀", (0, 1): "▄", (0, 0): " "}  # (top light, bottom light)
_LIGHT_ON_DARK = "\x1b[97;40m"  # bright white blocks on black
_RESET = "\x1b[0m"


def is_loopback(host: str) -> bool:
    """Whether `footnote serve --host HOST` stays on this machine (localhost or a loopback address)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _route_source(destination: str) -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect((destination, 9))
            return s.getsockname()[0]
    except OSError:  # no route to that network
        return None


def _interface_addresses() -> list[str]:
    try:
        import fcntl
    except ImportError:  # not Linux
        return []
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _, name in socket.if_nameindex():
            try:
                answer = fcntl.ioctl(s.fileno(), _SIOCGIFADDR, struct.pack("256s", name.encode()[:15]))
            except OSError:  # this interface has no IPv4 address
                continue
            found.append(socket.inet_ntoa(answer[20:24]))
    return found


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses a phone on the same network could reach, the one
    the kernel routes by first; never loopback. Empty when there is no network (Wi-Fi
    blocked for a run, say)."""
    candidates = [_route_source(probe) for probe in _PROBES] + _interface_addresses()
    found: list[str] = []
    for address in candidates:
        if address and address not in found and not ipaddress.ip_address(address).is_loopback:
            found.append(address)
    return found


def local_name(hostname: str | None = None) -> str:
    """The name avahi announces for this machine: its host name (first label) + .local."""
    name = (hostname or socket.gethostname()).split(".")[0]
    return f"{name}.local"


def url(scheme: str, host: str, port: int) -> str:
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}/"


@dataclass(frozen=True)
class Reach:
    """The URLs to print: `main` is typed or scanned; `others` also lead there."""

    main: str
    local_name_url: str
    others: tuple[str, ...]
    found_network: bool


def reach(*, host: str, port: int, https: bool, addresses: Iterable[str], hostname: str | None = None) -> Reach:
    """What to tell the runner for a dashboard listening on `host`. With HTTPS the main
    URL is the `.local` name, which the runner's certificate names (an address may
    change); otherwise the first address, which every phone can open."""
    scheme = "https" if https else "http"
    named = url(scheme, local_name(hostname), port)
    listed = list(addresses) if host in WILDCARDS else [host]
    by_address = [url(scheme, a, port) for a in listed]
    if https or not by_address:
        return Reach(named, named, tuple(by_address), bool(by_address))
    return Reach(by_address[0], named, tuple(by_address[1:]), True)


def qr_text(text: str, *, color: bool) -> str:
    """`text` as a QR code drawn with half-block characters (two modules a line), with
    the standard 4-module quiet zone. Light modules are the blocks: with `color` the
    terminal is told to draw them white on black, so the code reads the same on light
    and dark terminals; without (a log, a pipe) it assumes light text on dark."""
    import segno

    # make_qr: never a Micro QR code, which phone cameras do not read.
    matrix = [[not dark for dark in row] for row in segno.make_qr(text, error="l", boost_error=True).matrix]
    border = 4
    width = len(matrix[0]) + 2 * border
    rows = [[True] * width for _ in range(border)]
    rows += [[True] * border + row + [True] * border for row in matrix]
    rows += [[True] * width for _ in range(border + (len(rows) + border) % 2)]
    lines = []
    for top, bottom in zip(rows[0::2], rows[1::2], strict=True):
        drawn = "".join(_BLOCKS[int(t), int(b)] for t, b in zip(top, bottom, strict=True))
        lines.append(f"{_LIGHT_ON_DARK}{drawn}{_RESET}" if color else drawn)
    return "\n".join(lines)


def banner(where: Reach, *, color: bool) -> str:
    """What `footnote serve` prints on the local network."""
    lines = ["footnote dashboard, for your phone on the same network (Ctrl-C to stop):"]
    if not where.found_network:
        lines.append("  no network address yet: is Wi-Fi on? (sudo rfkill unblock wlan, then restart footnote serve)")
    lines.append(f"  open  {where.main}")
    if where.local_name_url != where.main:
        lines.append(f"  or    {where.local_name_url}  (the Pi's name, where the phone knows .local names)")
    lines += [f"  or    {other}" for other in where.others]
    lines.append(f"  or scan this code with the phone's camera ({where.main}):")
    lines.append(qr_text(where.main, color=color))
    return "\n".join(lines)

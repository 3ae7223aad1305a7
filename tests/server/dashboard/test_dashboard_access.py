"""Getting to the dashboard from the phone after a run, and keeping it private on the way:
sessions that end (idle and absolute, on a clock the test turns), HTTPS with the runner's
own certificate and Secure cookies, and the address, `.local` name and QR code that
`footnote serve` prints on the local network."""

from __future__ import annotations

import os
import re
import select
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from footnote.device.errors import CertificateError
from footnote.server.dashboard import lan
from footnote.server.dashboard.app import create_app
from footnote.server.dashboard.auth import SESSION_IDLE_S, SESSION_LIFETIME_S
from footnote.server.dashboard.serve import tls_files
from tests.helpers import FOOTNOTE, REPO, RUNNER_PASSWORD, LiveServer, free_port

HARDWARE = REPO / "hardware"
MINUTE_S = 60.0
HOUR_S = 3600.0


class TurnedClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now_s = 5_000.0

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> None:
        self.now_s += seconds


def logged_in(server, password: str, **client_options) -> httpx.Client:
    c = httpx.Client(base_url=server.url, timeout=30, **client_options)
    c.get("/login")  # picks up the CSRF cookie, as a browser would
    ok = c.post("/login", data={"password": password, "csrf_token": c.cookies["footnote_csrf"]})
    assert ok.status_code == 303, ok.text
    assert c.get("/api/runs").status_code == 200
    return c


@pytest.fixture
def clocked_dashboard(fresh_demo_db, password_hash):
    """The locked dashboard with its sessions timed by a clock the test turns."""
    clock = TurnedClock()
    server = LiveServer(create_app(fresh_demo_db, password_hash=password_hash, clock=clock))
    server.clock = clock
    server.password = RUNNER_PASSWORD
    yield server
    server.stop()


# -- sessions end ---------------------------------------------------------------------------


def test_a_phone_left_alone_for_half_an_hour_is_logged_out(clocked_dashboard):
    """Runner logs in at home, reads the runs, showers (25 min), annotates an episode;
    then leaves the phone on the table. 30 minutes after the last page, the session is over."""
    server, clock = clocked_dashboard, clocked_dashboard.clock
    phone = logged_in(server, server.password)
    clock.advance(25 * MINUTE_S)
    assert phone.get("/api/runs").status_code == 200  # back from the shower: still in
    clock.advance(SESSION_IDLE_S - 1)
    assert phone.get("/api/runs/1").status_code == 200  # each use restarts the idle time
    clock.advance(SESSION_IDLE_S)
    assert phone.get("/api/runs").status_code == 401
    page = phone.get("/runs/1", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/runs/1&ended=1"
    told = phone.get(page.headers["location"]).text
    assert "Your login ended (30 minutes without use, or 12 hours after logging in" in told
    # Logging in again is all it takes.
    assert logged_in(server, server.password).get("/api/runs").status_code == 200


def test_a_login_lasts_twelve_hours_however_busy(clocked_dashboard):
    """A page every 20 minutes from morning on: the idle limit never bites, but twelve
    hours after the login the session ends anyway."""
    server, clock = clocked_dashboard, clocked_dashboard.clock
    phone = logged_in(server, server.password)
    used_s = 0.0
    while used_s + 20 * MINUTE_S < SESSION_LIFETIME_S:
        clock.advance(20 * MINUTE_S)
        used_s += 20 * MINUTE_S
        assert phone.get("/api/runs").status_code == 200, f"logged out after {used_s / HOUR_S:.2f} h"
    clock.advance(SESSION_LIFETIME_S - used_s)
    assert phone.get("/api/runs").status_code == 401


def test_one_expired_phone_does_not_end_anothers_session(clocked_dashboard):
    server, clock = clocked_dashboard, clocked_dashboard.clock
    old_phone = logged_in(server, server.password)
    clock.advance(SESSION_IDLE_S - 5 * MINUTE_S)
    laptop = logged_in(server, server.password)
    clock.advance(10 * MINUTE_S)
    assert old_phone.get("/api/runs").status_code == 401
    assert laptop.get("/api/runs").status_code == 200


def test_logging_out_ends_the_session_at_once(clocked_dashboard):
    server = clocked_dashboard
    phone = logged_in(server, server.password)
    stolen = dict(phone.cookies)
    assert phone.post("/logout", data={"csrf_token": phone.cookies["footnote_csrf"]}).status_code == 303
    replayed = httpx.Client(base_url=server.url, cookies=stolen, timeout=30)
    assert replayed.get("/api/runs").status_code == 401  # the old cookie is worth nothing


# -- HTTPS with the runner's own certificate --------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> Path:
    """hardware/make-certificate.sh run as the README says, for a Pi at 127.0.0.1."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    out = tmp_path_factory.mktemp("tls")
    result = subprocess.run(
        [
            str(HARDWARE / "make-certificate.sh"),
            "--name",
            "footnote-test.local",
            "--address",
            "127.0.0.1",
            "--out",
            out,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "dashboard.crt" in result.stdout and "footnote-ca.crt" in result.stdout
    return out


def test_the_certificate_script_makes_a_ca_the_phone_can_trust_and_keeps_it(certificate):
    assert (certificate / "footnote-ca.key").stat().st_mode & 0o077 == 0  # the keys are the runner's alone
    assert (certificate / "dashboard.key").stat().st_mode & 0o077 == 0
    ca_before = (certificate / "footnote-ca.crt").read_bytes()
    again = subprocess.run(
        [str(HARDWARE / "make-certificate.sh"), "--name", "footnote-test.local", "--address", "127.0.0.1"]
        + ["--out", str(certificate)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0 and "keeping your CA" in again.stdout
    assert (certificate / "footnote-ca.crt").read_bytes() == ca_before  # the phone keeps trusting it
    shown = subprocess.run(
        ["openssl", "x509", "-in", str(certificate / "dashboard.crt"), "-noout", "-ext", "subjectAltName"],
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    assert "DNS:footnote-test.local" in shown and "IP Address:127.0.0.1" in shown


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed (make test installs it)")
def test_the_certificate_script_passes_shellcheck():
    result = subprocess.run(
        ["shellcheck", str(HARDWARE / "make-certificate.sh")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout


def test_over_https_every_cookie_is_secure(certificate, fresh_demo_db, password_hash):
    server = LiveServer(
        create_app(fresh_demo_db, password_hash=password_hash),
        ssl_certfile=str(certificate / "dashboard.crt"),
        ssl_keyfile=str(certificate / "dashboard.key"),
    )
    try:
        assert server.url.startswith("https://")
        # The phone trusts the runner's CA, and nothing else: the certificate checks out.
        trusting = ssl.create_default_context(cafile=certificate / "footnote-ca.crt")
        first = httpx.get(f"{server.url}/login", verify=trusting, timeout=30)
        assert first.status_code == 200
        assert re.search(r"footnote_csrf=[^;]+;.*\bsecure\b", first.headers["set-cookie"], re.I | re.S)
        phone = logged_in(server, RUNNER_PASSWORD, verify=trusting)
        login = phone.post(
            "/login", data={"password": RUNNER_PASSWORD, "csrf_token": phone.cookies["footnote_csrf"]}
        ).headers["set-cookie"]
        assert "footnote_session=" in login
        assert {"secure", "httponly", "samesite=strict"} <= {p.strip().lower() for p in login.split(";")}
        phone.close()
        with pytest.raises(httpx.ConnectError):  # a device that does not trust the CA is warned off
            httpx.get(f"{server.url}/login", timeout=30)
    finally:
        server.stop()


def test_over_plain_http_the_cookies_are_not_marked_secure(locked_dashboard):
    """Over HTTP a Secure cookie would never come back, and the runner could not log in."""
    c = httpx.Client(base_url=locked_dashboard.url, timeout=30)
    first = c.get("/login")
    assert "footnote_csrf=" in first.headers["set-cookie"] and "secure" not in first.headers["set-cookie"].lower()
    ok = c.post("/login", data={"password": locked_dashboard.password, "csrf_token": c.cookies["footnote_csrf"]})
    assert "secure" not in ok.headers["set-cookie"].lower()
    assert c.get("/api/runs").status_code == 200


def test_a_certificate_footnote_cannot_use_is_one_clear_line(certificate, tmp_path):
    with pytest.raises(CertificateError, match="no such certificate or key file"):
        tls_files(tmp_path / "missing.crt", None)
    with pytest.raises(CertificateError, match="needs --ssl-certfile"):
        tls_files(None, certificate / "dashboard.key")
    with pytest.raises(CertificateError, match="cannot serve HTTPS with"):  # the CA's key is not the server's
        tls_files(certificate / "dashboard.crt", certificate / "footnote-ca.key")
    tls = tls_files(certificate / "dashboard.crt", certificate / "dashboard.key")
    assert tls is not None and tls.certfile.name == "dashboard.crt"


def test_footnote_serve_refuses_a_missing_certificate_before_it_starts(tmp_path, demo_db):
    result = subprocess.run(
        [*FOOTNOTE, "--config", str(tmp_path / "none.toml"), "serve", "--db", str(demo_db)]
        + ["--ssl-certfile", str(tmp_path / "dashboard.crt"), "--ssl-keyfile", str(tmp_path / "dashboard.key")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "footnote: no such certificate or key file" in result.stderr
    assert "Traceback" not in result.stderr


# -- the address to type, the .local name and the QR code --------------------------------------

_MODULES = {"█": (1, 1), "▀": (1, 0), "▄": (0, 1), " ": (0, 0)}  # (top light, bottom light)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def read_terminal_qr(lines: list[str]) -> list[str]:
    """What a phone camera reads from a QR code drawn with half blocks: each character
    is two modules, a block is light. Returns every code found."""
    import zxingcpp

    light = []
    for line in lines:
        pairs = [_MODULES[c] for c in _ANSI.sub("", line)]
        light += [[top for top, _ in pairs], [bottom for _, bottom in pairs]]
    image = np.kron(np.array(light, dtype=np.uint8) * 255, np.ones((6, 6), dtype=np.uint8))
    return [found.text for found in zxingcpp.read_barcodes(image)]


def qr_lines(banner: str) -> list[str]:
    return [line for line in banner.splitlines() if line and set(_ANSI.sub("", line)) <= set(_MODULES)]


def test_on_the_lan_the_banner_gives_the_address_the_local_name_and_a_code_of_the_address():
    where = lan.reach(host="0.0.0.0", port=8765, https=False, addresses=["192.168.1.23"], hostname="footnote-pi")
    banner = lan.banner(where, color=False)
    assert "open  http://192.168.1.23:8765/" in banner
    assert "http://footnote-pi.local:8765/" in banner
    assert read_terminal_qr(qr_lines(banner)) == ["http://192.168.1.23:8765/"]
    # Coloured for a terminal (white blocks on black, whatever the terminal's theme): the same code.
    coloured = lan.banner(where, color=True)
    assert "\x1b[" in coloured and read_terminal_qr(qr_lines(coloured)) == ["http://192.168.1.23:8765/"]


def test_over_https_the_code_is_the_local_name_the_certificate_names():
    where = lan.reach(host="0.0.0.0", port=8443, https=True, addresses=["10.0.0.7"], hostname="footnote-pi.home")
    assert where.main == "https://footnote-pi.local:8443/"
    assert where.others == ("https://10.0.0.7:8443/",)
    assert read_terminal_qr(qr_lines(lan.banner(where, color=False))) == ["https://footnote-pi.local:8443/"]


def test_without_a_network_it_says_so_and_still_gives_the_name():
    where = lan.reach(host="0.0.0.0", port=8765, https=False, addresses=[], hostname="footnote-pi")
    banner = lan.banner(where, color=False)
    assert "no network address yet" in banner and "open  http://footnote-pi.local:8765/" in banner


def test_listening_on_one_address_gives_that_address():
    where = lan.reach(host="192.168.1.40", port=8765, https=False, addresses=["192.168.1.23"], hostname="pi")
    assert where.main == "http://192.168.1.40:8765/" and where.others == ()


def test_the_machines_own_lan_addresses_are_never_loopback():
    for address in lan.lan_addresses():
        assert not address.startswith("127.") and address.count(".") == 3


@pytest.mark.slow
def test_footnote_serve_on_the_lan_prints_what_to_open_and_it_opens(tmp_path, demo_db, password_hash):
    """The runner back home runs `footnote serve` on the LAN and points the phone at what it prints."""
    config = tmp_path / "config.toml"
    port = free_port()
    config.write_text(f'[dashboard]\nhost = "0.0.0.0"\nport = {port}\npassword_hash = "{password_hash}"\n')
    served = subprocess.Popen(
        [*FOOTNOTE, "--config", str(config), "serve", "--db", str(demo_db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert served.stdout is not None
        printed: list[str] = []
        pending = b""
        deadline = time.monotonic() + 30
        # The banner ends with the code's bottom quiet zone: two full-block lines in a row.
        while len(printed) < 3 or not (printed[-1] == printed[-2] and set(printed[-1]) == {"█"}):
            ready, _, _ = select.select([served.stdout], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(served.stdout.fileno(), 65536) if ready else b""
            assert chunk, f"footnote serve printed no banner; so far: {printed}"
            pending += chunk
            *lines, pending = pending.split(b"\n")
            printed += [line.decode() for line in lines]
        banner = "\n".join(printed)
        opened = re.search(r"^  open  (\S+)$", banner, re.M)
        assert opened, banner
        address = opened.group(1)
        assert f"{socket.gethostname().split('.')[0]}.local:{port}/" in banner
        assert read_terminal_qr(qr_lines(banner)) == [address]
        # What it says to open opens: the login page, since the dashboard is locked.
        deadline = time.monotonic() + 20
        while True:
            try:
                page = httpx.get(f"{address}login", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the printed address never answered"
                time.sleep(0.05)
        assert page.status_code == 200 and "password" in page.text.lower()
        assert httpx.get(f"{address}api/runs", timeout=5).status_code == 401
    finally:
        served.terminate()
        served.wait(timeout=20)

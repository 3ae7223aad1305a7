"""Big bodies without a login (issue 22, point 5): every body has a cap checked before
anything parses it, the CSRF cookie and header are checked before a body is read, and a
422 names the field without sending its value back. Over real HTTP on loopback, with
raw sockets where the test must control what is sent and when."""

from __future__ import annotations

import socket

import httpx

from footnote.server.dashboard.bodies import BODY_BYTES, LOGIN_BODY_BYTES
from tests.helpers import client, csrf

GIB = 1 << 30


def address(server) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def send_head(server, head: str) -> socket.socket:
    """A connection that has sent the request line and headers, and no body yet."""
    sock = socket.create_connection(address(server), timeout=10)
    host, port = address(server)
    sock.sendall(f"{head}\r\nHost: {host}:{port}\r\n\r\n".encode())
    return sock


def status_of(sock: socket.socket) -> int:
    """The answer's status; raises socket.timeout if there is none within 10 s."""
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1])


def test_a_one_gigabyte_login_is_refused_before_a_byte_of_it_is_read(locked_dashboard):
    """Declared 1 GiB and not sent: the answer comes at once (today it waits for the
    body, spooling what comes to the SD card)."""
    sock = send_head(
        locked_dashboard,
        f"POST /login HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {GIB}",
    )
    with sock:
        assert status_of(sock) == 413


def test_a_body_without_a_length_is_cut_off_at_the_cap(locked_dashboard):
    """Chunked, so no length to look at: counted as it comes, refused once past the cap,
    long before the 4 MiB this sends (with a CSRF cookie, so only the size refuses it)."""
    sock = send_head(
        locked_dashboard,
        "POST /login HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked"
        "\r\nCookie: footnote_csrf=abc",
    )
    with sock:
        chunk = b"password=" + b"x" * 4087
        try:
            for _ in range(1024):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:  # the dashboard answered and closed the connection
            pass
        assert status_of(sock) == 413


def test_a_write_without_its_csrf_token_is_refused_before_its_body(dashboard):
    """A JSON PUT announcing a body (within the cap) but without the token: 403 at once,
    not after reading (today the 200 MB body of the issue was read whole first)."""
    for cookie in ("", "\r\nCookie: footnote_csrf=abc"):
        sock = send_head(
            dashboard,
            "PUT /api/runs/1/setup HTTP/1.1\r\nContent-Type: application/json"
            f"\r\nContent-Length: {BODY_BYTES - 1}{cookie}",
        )
        with sock:
            assert status_of(sock) == 403


def test_a_form_without_the_csrf_cookie_is_refused_before_its_body(dashboard):
    sock = send_head(
        dashboard,
        "POST /runs/1/episodes/1/annotate HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded"
        f"\r\nContent-Length: {BODY_BYTES - 1}",
    )
    with sock:
        assert status_of(sock) == 403


def test_what_a_runner_sends_fits_the_caps(locked_dashboard, dashboard):
    """The longest password (1,024 characters, each 4 bytes of UTF-8, percent-encoded) and
    the longest annotation note (2,000 characters, JSON-escaped) are within the caps."""
    c = httpx.Client(base_url=locked_dashboard.url, timeout=30)
    c.get("/login")
    longest = "\U0001f9b6" * 1024
    answer = c.post("/login", data={"password": longest, "csrf_token": c.cookies["footnote_csrf"]})
    assert answer.status_code == 401  # checked (and wrong), not refused for its size
    c = client(dashboard)
    note = "\U0001f9b6" * 2000
    saved = c.put("/api/runs/1/episodes/1/annotation", json={"location": "calf", "note": note}, headers=csrf(c))
    assert saved.status_code == 200
    assert LOGIN_BODY_BYTES < BODY_BYTES


def test_a_422_names_the_field_and_never_echoes_it(dashboard):
    c = client(dashboard)
    refused = c.put("/api/runs/1/episodes/1/annotation", json={"note": "Z" * 5000}, headers=csrf(c))
    assert refused.status_code == 422
    (error,) = refused.json()["detail"]
    assert error["loc"] == ["body", "note"] and "2000 characters" in error["msg"]
    assert "ZZZZ" not in refused.text and len(refused.content) < 1000
    big = c.put("/api/runs/1/episodes/1/annotation", json={"note": "Z" * 500_000}, headers=csrf(c))
    assert big.status_code == 413 and len(big.content) < 1000  # over the cap: not even parsed

"""A web page in the runner's own browser that rebinds its name to the dashboard's
address (issue 22, point 2): the dashboard answers only to its own names, and a write's
Origin must be the dashboard's own, scheme included. Over real HTTP on loopback."""

from __future__ import annotations

import httpx
import pytest

from footnote.server.dashboard import hosts, lan
from footnote.server.dashboard.app import create_app
from tests.helpers import LiveServer, client, csrf, rows

SETUP = {"shoes": "Pegasus 40", "lacing": "standard"}


def port_of(server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def test_a_rebound_name_reads_nothing(dashboard):
    """evil.example resolves to 127.0.0.1: the browser sends `Host: evil.example:PORT`.
    Refused before any route, with a plain line that shows none of the runner's data."""
    port = port_of(dashboard)
    with httpx.Client(base_url=dashboard.url, timeout=30) as c:
        for path in ("/api/runs", "/", "/export/bundle.fhir.json", "/docs", "/static/style.css", "/no/such/page"):
            answer = c.get(path, headers={"Host": f"evil.example:{port}"})
            assert answer.status_code == 421, path
            assert answer.headers["content-type"].startswith("text/plain") and "run" not in answer.text.lower()
            assert "evil" not in answer.text  # nothing that was sent comes back
        assert c.get("/api/runs").status_code == 200  # as 127.0.0.1:PORT it answers


def test_a_rebound_page_cannot_write_a_setup(dashboard):
    """The rebinding page's own Origin and Host agree (both evil.example): the write is
    refused at the Host, and nothing is stored."""
    port = port_of(dashboard)
    c = client(dashboard)
    answer = c.put(
        "/api/runs/1/setup",
        json=SETUP,
        headers={**csrf(c), "Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"},
    )
    assert answer.status_code == 421
    assert rows(dashboard.db_path, "SELECT count(*) FROM run_setups") == [(0,)]


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}", "[::1]:{port}"],
)
def test_the_loopback_names_are_served_on_their_port(dashboard, host):
    port = port_of(dashboard)
    with httpx.Client(base_url=dashboard.url, timeout=30) as c:
        assert c.get("/api/summary", headers={"Host": host.format(port=port)}).status_code == 200


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:1", "127.0.0.1", "localhost.:{port}", "127.0.0.1:{port}:1", "127.0.0.2:{port}", "", "a b:{port}"],
)
def test_anything_else_is_refused(dashboard, host):
    port = port_of(dashboard)
    with httpx.Client(base_url=dashboard.url, timeout=30) as c:
        assert c.get("/api/summary", headers={"Host": host.format(port=port)}).status_code == 421


def test_on_the_lan_the_local_name_and_the_pis_addresses_are_served(fresh_demo_db, monkeypatch):
    """Listening on 0.0.0.0 (for the phone): the Pi's .local name and its LAN addresses,
    asked of the kernel again when a new one comes (a new DHCP lease)."""
    addresses = ["192.168.1.23"]
    monkeypatch.setattr(lan, "lan_addresses", lambda: list(addresses))
    server = LiveServer(create_app(fresh_demo_db, host="0.0.0.0"))
    port = port_of(server)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:

            def status(host: str) -> int:
                return c.get("/api/summary", headers={"Host": host}).status_code

            assert status(f"{lan.local_name()}:{port}") == 200
            assert status(f"192.168.1.23:{port}") == 200
            assert status(f"192.168.1.99:{port}") == 421
            addresses.append("192.168.1.99")  # the Pi got a new address; no restart
            monkeypatch.setattr(hosts, "ADDRESS_REFRESH_S", 0.0)
            assert status(f"192.168.1.99:{port}") == 200
            assert status(f"other-pi.local:{port}") == 421
    finally:
        server.stop()


def test_a_configured_address_is_served_and_its_lan_neighbours_are_not(fresh_demo_db, monkeypatch):
    monkeypatch.setattr(lan, "lan_addresses", lambda: ["192.168.1.23", "10.0.0.5"])
    server = LiveServer(create_app(fresh_demo_db, host="192.168.1.23"))
    port = port_of(server)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            assert c.get("/api/summary", headers={"Host": f"192.168.1.23:{port}"}).status_code == 200
            assert c.get("/api/summary", headers={"Host": f"10.0.0.5:{port}"}).status_code == 421
    finally:
        server.stop()


def test_the_origin_must_be_the_served_origin_scheme_included(dashboard):
    c = client(dashboard)
    host = dashboard.url.removeprefix("http://")
    ok = c.put("/api/runs/1/setup", json=SETUP, headers={**csrf(c), "Origin": f"http://{host}"})
    assert ok.status_code == 200
    for origin in (f"https://{host}", f"http://{host}.evil.example", "null", f"http://localhost:{port_of(dashboard)}"):
        refused = c.put("/api/runs/1/setup", json={"shoes": "x"}, headers={**csrf(c), "Origin": origin})
        assert refused.status_code == 403, origin
    assert c.get("/api/runs/1").json()["setup"]["shoes"] == "Pegasus 40"

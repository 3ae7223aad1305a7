"""A guesser on the club Wi-Fi against the runner's locked dashboard (issue 22, point 1):
logins are limited before any password is hashed. Over real HTTP on loopback, with the
limits timed by a clock the test turns; 127.0.0.2, .3, ... play other devices."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import Counter

import httpx
import pytest

from footnote.server.dashboard import passwords
from footnote.server.dashboard.app import create_app
from footnote.server.dashboard.auth import MAX_CONCURRENT_HASHES
from footnote.server.dashboard.login_limit import GLOBAL_FAILURES_PER_MINUTE, client_of
from tests.helpers import FOOTNOTE, RUNNER_PASSWORD, LiveServer, free_port


class TurnedClock:
    def __init__(self) -> None:
        self.now_s = 1_000.0

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> None:
        self.now_s += seconds


@pytest.fixture
def limited(fresh_demo_db, password_hash):
    clock = TurnedClock()
    server = LiveServer(create_app(fresh_demo_db, password_hash=password_hash, clock=clock))
    server.clock = clock
    yield server
    server.stop()


def device(server, address: str | None = None) -> httpx.Client:
    """A phone or laptop at `address` (None: 127.0.0.1) with the login page's CSRF cookie."""
    transport = httpx.HTTPTransport(local_address=address) if address else None
    c = httpx.Client(base_url=server.url, timeout=30, transport=transport)
    c.get("/login")
    return c


def log_in(c: httpx.Client, password: str) -> httpx.Response:
    return c.post("/login", data={"password": password, "csrf_token": c.cookies["footnote_csrf"]})


@pytest.fixture
def counted_checks(monkeypatch) -> list[str]:
    """Every password the dashboard hashes."""
    checked: list[str] = []
    real = passwords.verify_password

    def counting(password_hash: str, attempt: str) -> bool:
        checked.append(attempt)
        return real(password_hash, attempt)

    monkeypatch.setattr(passwords, "verify_password", counting)
    return checked


def in_parallel(calls) -> list:
    """Run the calls at once (threads released together); their results in order."""
    results: list = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        start.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_twenty_parallel_guesses_from_one_laptop_get_one_password_check(limited, counted_checks):
    """The issue's attack: 20 guesses at once from one address. One is hashed (and
    answered once its delay has passed); the other 19 are refused at once, unhashed."""
    laptops = [device(limited) for _ in range(20)]
    answers = in_parallel([lambda c=c, i=i: log_in(c, f"guess {i}") for i, c in enumerate(laptops)])
    assert Counter(a.status_code for a in answers) == {401: 1, 429: 19}
    assert len(counted_checks) == 1
    refused = [a for a in answers if a.status_code == 429]
    assert all(int(a.headers["Retry-After"]) >= 1 for a in refused)
    assert "Too many login attempts" in refused[0].text


def test_a_right_password_inside_the_delay_still_waits(limited, counted_checks):
    """The runner mistypes, then types it right at once from another tab: that waits its
    turn too (a guesser learns nothing from a quick answer); after the delay it logs in."""
    phone = device(limited)
    assert log_in(phone, "wrong password").status_code == 401
    early = log_in(phone, RUNNER_PASSWORD)
    assert early.status_code == 429 and early.headers["Retry-After"] == "1"  # 0.5 s, in whole seconds
    assert counted_checks == ["wrong password"]  # refused before its hash
    limited.clock.advance(0.5)
    assert log_in(phone, RUNNER_PASSWORD).status_code == 303
    # A right password forgets the failures: the next mistake waits 0.5 s again, not 1 s.
    assert log_in(phone, "wrong again").status_code == 401
    limited.clock.advance(0.5)
    assert log_in(phone, RUNNER_PASSWORD).status_code == 303


def test_a_guesser_who_changes_address_meets_the_global_budget(limited, counted_checks):
    """Ten devices (or one taking ten addresses) fail once each: the minute's budget is
    spent, so the runner's phone waits too, right password and all, until it refills."""
    guessers = [device(limited, f"127.0.0.{2 + i}") for i in range(GLOBAL_FAILURES_PER_MINUTE)]
    answers = in_parallel([lambda c=c: log_in(c, "password1") for c in guessers])
    assert [a.status_code for a in answers] == [401] * GLOBAL_FAILURES_PER_MINUTE
    runner = device(limited, "127.0.0.100")
    waited = log_in(runner, RUNNER_PASSWORD)
    assert waited.status_code == 429
    retry_after_s = int(waited.headers["Retry-After"])
    assert retry_after_s == 60 // GLOBAL_FAILURES_PER_MINUTE  # one failure's worth of the minute
    assert len(counted_checks) == GLOBAL_FAILURES_PER_MINUTE
    limited.clock.advance(retry_after_s)
    assert log_in(runner, RUNNER_PASSWORD).status_code == 303


def test_logins_waiting_for_a_hash_hold_no_thread(limited, monkeypatch):
    """Twenty devices log in at once with a hash as slow as a Pi's: at most
    MAX_CONCURRENT_HASHES threads hash; the others wait on the event loop, so the thread
    pool (which every page uses) is not filled by logins."""
    real = passwords.verify_password

    def as_slow_as_a_pi(password_hash: str, attempt: str) -> bool:
        time.sleep(0.3)
        return real(password_hash, attempt)

    monkeypatch.setattr(passwords, "verify_password", as_slow_as_a_pi)
    runner = device(limited)
    assert log_in(runner, RUNNER_PASSWORD).status_code == 303
    assert runner.get("/api/summary").status_code == 200  # the pool's first thread, for the pages

    def workers() -> int:
        return sum(t.name == "AnyIO worker thread" for t in threading.enumerate())

    devices = [device(limited, f"127.0.0.{2 + i}") for i in range(20)]
    before = workers()
    answers = in_parallel([lambda c=c: log_in(c, "not it") for c in devices])
    assert {a.status_code for a in answers} <= {401, 429}
    # Idle workers live on for 10 s: the count after is the most that ran at once.
    assert workers() - before <= MAX_CONCURRENT_HASHES


def test_a_client_is_an_address_or_an_ipv6_network():
    assert client_of("192.168.1.23") == "192.168.1.23"
    assert client_of("::ffff:192.168.1.23") == "192.168.1.23"
    # One machine may take any address of its /64: it is one client.
    assert client_of("2001:db8:1:2::1") == client_of("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64"
    assert client_of("2001:db8:1:3::1") != client_of("2001:db8:1:2::1")


@pytest.mark.slow  # starts `footnote serve`
def test_footnote_serve_ignores_x_forwarded_for(tmp_path, demo_db, password_hash):
    """A guesser on the Pi itself (or anyone, through 127.0.0.1) cannot claim to be a new
    client with X-Forwarded-For: two guesses at once with different claims are one
    client, so one of them is refused."""
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(f'[dashboard]\nport = {port}\npassword_hash = "{password_hash}"\n')
    served = subprocess.Popen(
        [*FOOTNOTE, "--config", str(config), "serve", "--db", str(demo_db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/login", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and served.poll() is None, "footnote serve did not start"
                time.sleep(0.05)
        clients = []
        for claimed in ("10.9.9.1", "10.9.9.2"):
            c = httpx.Client(base_url=url, timeout=30, headers={"X-Forwarded-For": claimed})
            c.get("/login")
            clients.append(c)
        answers = in_parallel([lambda c=c: log_in(c, "guess") for c in clients])
        assert sorted(a.status_code for a in answers) == [401, 429]
    finally:
        served.send_signal(signal.SIGINT)
        try:
            served.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(served.pid, signal.SIGKILL)
            served.wait()

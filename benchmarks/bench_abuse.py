"""What an attacker on the same network gets from the dashboard (issue 22), against
`footnote serve` started as the runner starts it (a new process) and asked over HTTP on
loopback:

- password guesses per second for 20 parallel clients sending wrong logins (each request
  abandoned after 0.5 s, a refusal retried at once), counted where the server checks a
  password (every call of passwords.verify_password, in the served process), over
  GUESS_S seconds: 20 clients on one address, and 20 clients on 20 addresses
  (127.0.0.2-21: an attacker who changes address; the global budget is what holds it);
  with the p95 of a logged-in page meanwhile;
- the peak resident memory of the dashboard and its child processes while 30 PDF
  downloads are asked for at once;
- the bytes spooled to the temporary folder (the SD card) while a 1 GB multipart body
  is posted to /login without a login, a CSRF cookie or a token: once with its
  Content-Length, once chunked.

Run: python benchmarks/bench_abuse.py
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from benchmarks.report import Figure, percentile

PASSWORD = "long run, cold feet"
CLIENTS = 20
GUESS_S = 20.0
DOWNLOADS = 30
BODY_BYTES = 1 << 30

# `footnote serve` with every password check counted: the count goes to a file, which
# the benchmark reads at the end. passwords.verify_password is looked up at each login.
_COUNTING_SERVE = textwrap.dedent(
    """
    import sys, threading
    import footnote.server.dashboard.passwords as passwords
    from footnote.device.cli import main

    real, lock, count = passwords.verify_password, threading.Lock(), [0]

    def counted(password_hash, attempt):
        with lock:
            count[0] += 1
            with open(sys.argv[1], "w") as f:
                f.write(str(count[0]))
        return real(password_hash, attempt)

    passwords.verify_password = counted
    sys.exit(main(sys.argv[2:]))
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def footnote_serve(
    db: Path, folder: Path, *, password_hash: str = "", env: dict | None = None, counted: Path | None = None
) -> Iterator[tuple[subprocess.Popen, str]]:
    port = free_port()
    config = folder / "config.toml"
    config.write_text(f'[dashboard]\nport = {port}\npassword_hash = "{password_hash}"\n')
    argv = ["--config", str(config), "serve", "--db", str(db)]
    command = [sys.executable, "-c", _COUNTING_SERVE, str(counted), *argv] if counted else None
    proc = subprocess.Popen(
        command or [sys.executable, "-m", "footnote.device.cli", *argv],
        stdout=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/static/style.css", timeout=5).raise_for_status()
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("footnote serve did not answer") from None
                time.sleep(0.01)
        yield proc, url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- guesses per second ---------------------------------------------------------------------


def guesser(url: str, local_address: str | None, stop_at: float, answers: dict[str, int], lock) -> None:
    transport = httpx.HTTPTransport(local_address=local_address) if local_address else None
    with httpx.Client(base_url=url, timeout=0.5, transport=transport) as c:
        c.get("/login")
        token = c.cookies["footnote_csrf"]
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            try:
                status = str(c.post("/login", data={"password": f"guess {n}", "csrf_token": token}).status_code)
            except httpx.TimeoutException:
                status = "abandoned"
            except httpx.TransportError:
                status = "refused"
            with lock:
                answers[status] = answers.get(status, 0) + 1
            if status in ("429", "503"):
                time.sleep(0.02)  # a refusal: ask again at once (not a busy loop)


def guesses_per_second(url: str, counted: Path, addresses: list[str | None]) -> tuple[float, dict, list[float]]:
    """(guesses checked per second, the answers the attackers got, a logged-in page's times)."""
    runner = httpx.Client(base_url=url, timeout=30)
    runner.get("/login")
    assert (
        runner.post("/login", data={"password": PASSWORD, "csrf_token": runner.cookies["footnote_csrf"]}).status_code
        == 303
    )
    before = int(counted.read_text()) if counted.exists() else 0
    answers: dict[str, int] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + GUESS_S
    threads = [
        threading.Thread(target=guesser, args=(url, address, stop_at, answers, lock), daemon=True)
        for address in addresses
    ]
    start = time.monotonic()
    for t in threads:
        t.start()
    page_s = []
    while time.monotonic() < stop_at:
        t0 = time.perf_counter()
        runner.get("/api/summary").raise_for_status()
        page_s.append(time.perf_counter() - t0)
        time.sleep(0.2)
    for t in threads:
        t.join(timeout=30)
    elapsed = time.monotonic() - start
    runner.close()
    checked = int(counted.read_text()) - before
    return checked / elapsed, answers, page_s


# -- memory of concurrent downloads ----------------------------------------------------------


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants (KiB)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def concurrent_downloads(proc: subprocess.Popen, url: str) -> tuple[float, dict[str, int]]:
    answers: dict[str, int] = {}
    lock = threading.Lock()

    def download() -> None:
        try:
            status = str(httpx.get(f"{url}/export/report.pdf", timeout=300).status_code)
        except httpx.TransportError as exc:
            status = type(exc).__name__
        with lock:
            answers[status] = answers.get(status, 0) + 1

    threads = [threading.Thread(target=download, daemon=True) for _ in range(DOWNLOADS)]
    peak = tree_rss_kib(proc.pid)
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        peak = max(peak, tree_rss_kib(proc.pid))
        time.sleep(0.02)
    return peak / 1024, answers


# -- bytes spooled for a big unauthenticated body ------------------------------------------


def spooled_bytes(pid: int, folder: Path) -> int:
    """Bytes in the files under `folder` the process holds open (spooled uploads are
    unlinked at once, so they are found through the process's descriptors)."""
    total = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith(str(folder)):
                total += os.stat(f"/proc/{pid}/fd/{fd}").st_size
        except OSError:
            pass
    return total


def post_big_login(proc: subprocess.Popen, url: str, tmp: Path, *, chunked: bool) -> tuple[int, str, float]:
    """(the most bytes spooled at once, the answer's status line, seconds until the answer)."""
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="password"; filename="p.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + BODY_BYTES + len(tail)
    host = url.removeprefix("http://")
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
    request = (
        f"POST /login HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
        f"{framing}\r\n\r\n"
    ).encode()
    peak = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, spooled_bytes(proc.pid, tmp))
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    block = b"x" * (1 << 20)
    start = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", int(host.rsplit(":", 1)[1])))
    sock.settimeout(120)
    try:
        sock.sendall(request)
        parts = [head] + [block] * (BODY_BYTES // len(block)) + [tail]
        for part in parts:
            sock.sendall(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
    except OSError:  # the server answered and closed before the body was all sent
        pass
    try:
        answer = sock.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
    except OSError as exc:
        answer = type(exc).__name__
    took = time.monotonic() - start
    sock.close()
    time.sleep(0.2)
    done.set()
    watcher.join()
    return peak, answer, took


def run() -> list[Figure]:
    from footnote.device.demo import build_demo_db
    from footnote.server.dashboard.passwords import hash_password

    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "demo.db"
        build_demo_db(db)
        password_hash = hash_password(PASSWORD)

        counted = folder / "checks"
        rates = {}
        attackers: list[tuple[str, list[str | None]]] = [
            ("one address", [None] * CLIENTS),
            ("20 addresses", [f"127.0.0.{2 + i}" for i in range(CLIENTS)]),
        ]
        for label, addresses in attackers:
            with footnote_serve(db, folder, password_hash=password_hash, counted=counted) as (_, url):
                rates[label] = guesses_per_second(url, counted, addresses)
        for label, (rate, answers, page_s) in rates.items():
            figures.append(
                Figure(
                    f"password guesses per second, {CLIENTS} parallel clients, {label}",
                    rate,
                    "/s",
                    target=1,
                    note=f"over {GUESS_S:g} s; answers: {dict(sorted(answers.items()))}; a logged-in page meanwhile:"
                    f" p50 {statistics.median(page_s) * 1e3:.0f} ms, p95 {percentile(page_s, 95) * 1e3:.0f} ms",
                )
            )

        with footnote_serve(db, folder) as (proc, url):
            idle_mb = tree_rss_kib(proc.pid) / 1024
            peak_mb, answers = concurrent_downloads(proc, url)
        figures.append(
            Figure(
                f"peak memory of {DOWNLOADS} concurrent PDF downloads (dashboard + children)",
                peak_mb,
                "MB",
                target=250,
                note=f"idle dashboard {idle_mb:.0f} MB; answers: {dict(sorted(answers.items()))}",
            )
        )

        spool = folder / "spool"
        spool.mkdir()
        with footnote_serve(db, folder, password_hash=password_hash, env={"TMPDIR": str(spool)}) as (proc, url):
            for chunked in (False, True):
                peak, answer, took = post_big_login(proc, url, spool, chunked=chunked)
                figures.append(
                    Figure(
                        f"bytes spooled for a 1 GB unauthenticated POST /login ({'chunked' if chunked else 'Content-Length'})",
                        peak / 1e6,
                        "MB",
                        target=0.1,
                        note=f"answer: {answer!r} after {took:.1f} s",
                    )
                )
    return figures


if __name__ == "__main__":
    from benchmarks.report import print_table

    print_table(run())

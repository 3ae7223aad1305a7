"""footnote as a runner has it: a regular (not editable) install of the wheel.

`make test` builds the wheel and the sdist, installs the wheel into a clean virtual
environment made with Debian's own Python (/usr/bin/python3, as on Raspberry Pi OS) and
runs every test there, so the tests import footnote from site-packages and a package
folder left out of the wheel fails them. These tests say so and check it."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import httpx
import pytest

import footnote.device
import footnote.server
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[1]
TOPS = ("device", "server")


def installed_as_wheel() -> bool:
    return os.environ.get("FOOTNOTE_TEST_INSTALLED") == "wheel"


def tree_files() -> set[str]:
    """Every file a regular install must carry, under its installed name."""
    found = set()
    for top in TOPS:
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                found.add(f"footnote/{path.relative_to(ROOT).as_posix()}")
    return found


def test_the_wheel_carries_every_package_and_file_of_the_tree(tmp_path):
    wheels = sorted((ROOT / "dist").glob("footnote-*.whl")) if installed_as_wheel() else []
    if not wheels:  # the fast loop, on an editable install: build one here
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "-w",
                tmp_path,
                ROOT,
            ],
            check=True,
            capture_output=True,
            timeout=120,
            cwd=tmp_path,
        )
        wheels = sorted(tmp_path.glob("footnote-*.whl"))
    names = set(zipfile.ZipFile(wheels[-1]).namelist())
    missing = sorted(tree_files() - names)
    assert not missing, f"left out of the wheel: {missing}"


@pytest.mark.skipif(not installed_as_wheel(), reason="make test runs this against the installed wheel")
def test_footnote_is_imported_from_the_installed_wheel_with_debians_python():
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    for package in (footnote.device, footnote.server):
        where = Path(package.__file__).resolve()
        assert where.is_relative_to(site), f"{package.__name__} came from {where}, not from {site}"
        assert not where.is_relative_to(ROOT / TOPS[0]) and not where.is_relative_to(ROOT / TOPS[1])
    assert not list(site.glob("__editable__*")), "an editable install is in this environment"
    if Path("/usr/bin/python3").exists():
        debian = subprocess.run(
            ["/usr/bin/python3", "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert sys.version.split()[0] == debian.stdout.strip(), "the tests run on another Python than Debian's"


def every_get_route() -> list[str]:
    """Every GET address the dashboard has, with run 1 and episode 1 where one is asked."""
    from footnote.server.dashboard.app import create_app

    def get_paths(routes):
        for route in routes:
            if "GET" in (getattr(route, "methods", None) or ()):
                yield route.path
            included = getattr(route, "original_router", None)  # FastAPI 0.16x keeps an included router whole
            if included is not None:
                yield from get_paths(included.routes)

    paths = set(get_paths(create_app(ROOT / "no-such.db").routes))
    return sorted(p.replace("{run_id}", "1").replace("{number}", "1") for p in paths)


@pytest.mark.slow  # a real `footnote serve` process
def test_the_installed_footnote_serve_answers_every_page_and_every_export(demo_db, tmp_path):
    db = tmp_path / "demo.db"
    db.write_bytes(demo_db.read_bytes())
    port = free_port()
    command = Path(sys.executable).with_name("footnote")  # the installed console script
    server = subprocess.Popen(
        [command, "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        env={**os.environ, "FOOTNOTE_CONFIG": str(tmp_path / "config.toml")},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "footnote serve did not answer within 60 s"
                time.sleep(0.1)
        routes = every_get_route()
        assert {"/", "/runs/1", "/export/report.pdf", "/export/episodes.csv", "/export/bundle.fhir.json"} <= set(routes)
        with httpx.Client(base_url=base, timeout=60, follow_redirects=True) as client:
            for path in routes:
                answer = client.get(path)
                assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:300]}"
                assert answer.content, path
            for path, kind, start in (
                ("/export/report.pdf", "application/pdf", b"%PDF-"),
                ("/export/episodes.csv", "text/csv", b""),
                ("/export/bundle.fhir.json", "application/fhir+json", b"{"),
            ):
                answer = client.get(path)
                assert answer.headers["content-type"].startswith(kind) and answer.content.startswith(start), path
    finally:
        server.terminate()
        server.wait(timeout=15)


@pytest.mark.slow  # a real `footnote serve` process
def test_footnote_serve_starts_before_the_logger_has_made_the_database(tmp_path):
    """On a Pi the dashboard's service can start first: it must not die (and restart every
    5 s) but say what is missing, and show the runs once the logger has made the file."""
    from footnote.device.db.store import Store

    db = tmp_path / "footnote.db"
    port = free_port()
    server = subprocess.Popen(
        [Path(sys.executable).with_name("footnote"), "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        env={**os.environ, "FOOTNOTE_CONFIG": str(tmp_path / "config.toml")},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                first = httpx.get(base + "/api/runs", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "footnote serve did not answer within 60 s"
                time.sleep(0.1)
        assert first.status_code == 503 and "no footnote database" in first.text
        Store(db).close()  # the logger's first start
        assert httpx.get(base + "/api/runs", timeout=5).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=15)

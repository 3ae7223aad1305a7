"""`make pi-rehearsal`: footnote installed and run on an emulated Raspberry Pi.

An arm64 Debian 12 (bookworm) root filesystem, built with mmdebstrap and run through
qemu-user-static, is booted with its own systemd (systemd-nspawn --boot). In it,
`hardware/install-pi.sh` runs as written, as a runner runs it (`sudo` from the checkout,
as the user `pi`), and then the rehearsal checks what a runner would find:

- the logger and the dashboard start and stay up (no restart for a minute), each in a
  folder its user can write, with umask 0077;
- the logger records a run: gpiozero's mock pins (a drop-in sets GPIOZERO_PIN_FACTORY=mock)
  and the fake BlueZ of tests/fake_bluez.py on the container's system D-Bus, so bleak
  finds, connects to and streams a footpod;
- the dashboard serves every page and every export over HTTP;
- a second run of the install script, with the network cut, exits 0 and changes nothing.

It also times footnote's start-up, a run page and the PDF, emulated and native. What it
cannot cover is in hardware/README.md ("Rehearsing on an emulated Pi").

Run as root (it mounts, boots a container and sets up a veth with NAT for apt and pip).
The base root filesystem is cached in .pi-rehearsal/; --fresh builds it anew.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Not under build/: `make dist` empties that, and the cached image should outlive it.
BUILD = REPO / ".pi-rehearsal"
ROOT = BUILD / "root"
MACHINE = "footnote-pi"
VETH = "ve-" + MACHINE  # the host's end of the container's veth (systemd-nspawn names it)
HOST_IP, PI_IP = "10.231.7.1", "10.231.7.2"  # a /30 of our own on that veth
NFT_TABLE = "footnote_rehearsal"
SOURCES = Path("/etc/apt/sources.list.d/debian.sources")  # this machine's mirror, used inside too
# What a fresh Raspberry Pi OS Lite has that the install script counts on.
BASE_PACKAGES = ["systemd-sysv", "dbus", "sudo", "ca-certificates", "python3"]
BASE_HOOKS = [
    'chroot "$1" useradd --create-home --shell /bin/bash pi',
    # Raspberry Pi OS gives its first user sudo without a password.
    "echo 'pi ALL=(ALL) NOPASSWD: ALL' > \"$1/etc/sudoers.d/010_pi-nopasswd\"",
    'chmod 0440 "$1/etc/sudoers.d/010_pi-nopasswd"',
]
PI_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CHECKOUT = "/home/pi/footnote"
VENV = "/opt/footnote/venv"
CONFIG = "/home/pi/.config/footnote/config.toml"
DB = "/home/pi/.local/share/footnote/footnote.db"
UNITS = ("footnote-logger.service", "footnote-dashboard.service")
DASHBOARD = "http://127.0.0.1:8765"
FAKE_POD = "C0:FF:EE:00:00:01"  # tools/pi_rehearsal_footpod.py
STAY_UP_S = 60


class RehearsalFailed(Exception):
    pass


def host(*cmd: str | Path, check: bool = True, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], check=check, timeout=timeout, text=True, **kwargs)


def wait_until(what: str, condition: Callable[[], object], timeout_s: float, every_s: float = 0.5):
    """condition()'s first true value, or RehearsalFailed after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RehearsalFailed(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(every_s)


class Stages:
    """Times each stage and prints the table at the end."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float]] = []

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        print(f"\n== {name}", flush=True)
        start = time.monotonic()
        try:
            yield
        finally:
            took = time.monotonic() - start
            self.times.append((name, took))
            print(f"   ({took:.1f} s)", flush=True)

    def table(self) -> str:
        lines = [f"  {name:<58} {took:7.1f} s" for name, took in self.times]
        lines.append(f"  {'total':<58} {sum(t for _, t in self.times):7.1f} s")
        return "\n".join(lines)


# ---------------------------------------------------------------- the root filesystem


# qemu-aarch64 as Debian registers it, plus C (and O, which C needs): a setuid arm64
# program then runs with its owner's rights, so the Pi's sudo works. Registered under a
# name of our own, which comes first while it exists, and removed at the end.
BINFMT = Path("/proc/sys/fs/binfmt_misc")
BINFMT_NAME = "footnote-rehearsal-aarch64"


def enable_arm64_emulation() -> None:
    if not (BINFMT / "register").exists():
        host("mount", "-t", "binfmt_misc", "binfmt_misc", BINFMT)
    if not (BINFMT / "qemu-aarch64").exists():
        host("update-binfmts", "--enable", "qemu-aarch64")
    debian = dict(
        line.split(" ", 1) for line in (BINFMT / "qemu-aarch64").read_text().splitlines() if " " in line
    )  # interpreter, flags:, offset, magic, mask
    if not (BINFMT / BINFMT_NAME).exists():
        magic, mask = (bytes.fromhex(debian[key]) for key in ("magic", "mask"))
        escape = lambda data: "".join(f"\\x{byte:02x}" for byte in data)
        entry = f":{BINFMT_NAME}:M:{debian['offset']}:{escape(magic)}:{escape(mask)}:{debian['interpreter']}:POCF"
        (BINFMT / "register").write_text(entry)


def disable_arm64_emulation() -> None:
    if (BINFMT / BINFMT_NAME).exists():
        (BINFMT / BINFMT_NAME).write_text("-1")


def base_tarball(fresh: bool) -> tuple[Path, bool]:
    """The cached base root filesystem (built if missing); and whether it was built now.
    Its name carries a hash of everything it is made from, so a change rebuilds it."""
    recipe = json.dumps([BASE_PACKAGES, BASE_HOOKS, SOURCES.read_text(), "bookworm", "arm64"])
    tarball = BUILD / f"bookworm-arm64-{hashlib.sha256(recipe.encode()).hexdigest()[:12]}.tar"
    if tarball.exists() and not fresh:
        return tarball, False
    BUILD.mkdir(parents=True, exist_ok=True)
    for old in BUILD.glob("bookworm-arm64-*.tar*"):
        old.unlink()
    partial = tarball.with_suffix(".tar.partial")
    hooks = [f"--customize-hook={hook}" for hook in BASE_HOOKS]
    with open(BUILD / "mmdebstrap.log", "w") as log:
        result = host(
            "mmdebstrap", "--arch=arm64", "--variant=apt", "--format=tar", "--include=" + ",".join(BASE_PACKAGES),
            *hooks, "bookworm", partial, SOURCES,
            stdout=log, stderr=subprocess.STDOUT, check=False, timeout=1800,
        )  # fmt: skip
    if result.returncode != 0:
        raise RehearsalFailed(f"mmdebstrap failed: see {BUILD / 'mmdebstrap.log'}")
    partial.rename(tarball)
    return tarball, True


def checkout_files() -> list[str]:
    """The checkout as it stands, uncommitted changes included, without what git ignores."""
    out = host("git", "-C", REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard", capture_output=True)
    return [name for name in out.stdout.split("\0") if name and (REPO / name).is_file()]


def prepare_root(tarball: Path) -> None:
    if ROOT.exists():
        shutil.rmtree(ROOT)
    ROOT.mkdir(parents=True)
    host("tar", "-xf", tarball, "-C", ROOT)
    # The checkout, owned by pi as after `git clone`.
    target = ROOT / CHECKOUT.lstrip("/")
    with tempfile.NamedTemporaryFile("w") as names:
        names.write("\0".join(checkout_files()))
        names.flush()
        host("tar", "-C", REPO, "--null", "-T", names.name, "-cf", BUILD / "checkout.tar")
    target.mkdir(parents=True)
    host("tar", "-xf", BUILD / "checkout.tar", "-C", target)
    uid, gid = pi_ids()
    for path in [target, *target.rglob("*")]:
        os.lchown(path, uid, gid)
    # A Pi's name, and the name resolving (sudo looks it up).
    (ROOT / "etc/hostname").write_text(f"{MACHINE}\n")
    (ROOT / "etc/hosts").write_text(f"127.0.0.1\tlocalhost\n127.0.1.1\t{MACHINE}\n::1\t\tlocalhost ip6-localhost\n")
    # This machine reaches the registries through a TLS-inspecting proxy whose CA only it
    # trusts (pip in the Pi failed: "self-signed certificate in certificate chain"): the Pi
    # trusts the same, as update-ca-certificates would add them.
    local_cas = sorted(Path("/usr/local/share/ca-certificates").glob("*.crt"))
    with open(ROOT / "etc/ssl/certs/ca-certificates.crt", "a") as bundle:
        for ca in local_cas:
            shutil.copy(ca, ROOT / "usr/local/share/ca-certificates" / ca.name)
            bundle.write(ca.read_text())
    # Under qemu-user, systemd cannot set up unit credentials here ("Failed to set up
    # credentials: Invalid argument", status 243/CREDENTIALS): these boot units ask for
    # optional ones, so the rehearsal drops the request. footnote's units use none.
    for unit in ROOT.joinpath("lib/systemd/system").glob("*.service"):
        if "LoadCredential=" in unit.read_text():
            dropin = ROOT / "etc/systemd/system" / f"{unit.name}.d" / "rehearsal-no-credentials.conf"
            dropin.parent.mkdir(parents=True, exist_ok=True)
            dropin.write_text("[Service]\nLoadCredential=\n")


def pi_ids() -> tuple[int, int]:
    for line in (ROOT / "etc/passwd").read_text().splitlines():
        name, _, uid, gid, *_ = line.split(":")
        if name == "pi":
            return int(uid), int(gid)
    raise RehearsalFailed("no user pi in the root filesystem")


# ---------------------------------------------------------------- the running Pi


class Pi:
    """The booted container. run() executes a command inside it, as root, with a clean
    environment, like a login on the Pi (in every namespace of its systemd)."""

    def __init__(self) -> None:
        self.log = open(BUILD / "boot.log", "w")  # noqa: SIM115 (closed by poweroff(), at the end)
        self.nspawn = subprocess.Popen(
            ["systemd-nspawn", "--boot", "--register=no", "--keep-unit", f"--machine={MACHINE}",
             f"--directory={ROOT}", "--network-veth", "--resolv-conf=copy-host"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.leader = wait_until("the container's init", self._leader, 60)

    def _leader(self) -> int | None:
        if self.nspawn.poll() is not None:
            raise RehearsalFailed(f"systemd-nspawn exited ({self.nspawn.returncode}): see {BUILD / 'boot.log'}")
        children = Path(f"/proc/{self.nspawn.pid}/task/{self.nspawn.pid}/children").read_text().split()
        return int(children[0]) if children else None

    def command(self, *cmd: str, cwd: str = "/") -> list[str]:
        return ["nsenter", f"--target={self.leader}", "--all",
                "env", "-i", f"--chdir={cwd}", f"PATH={PI_PATH}", "HOME=/root", "LANG=C.UTF-8", *cmd]  # fmt: skip

    def run(self, *cmd: str, check: bool = True, timeout: float = 300, cwd: str = "/") -> subprocess.CompletedProcess:
        result = subprocess.run(self.command(*cmd, cwd=cwd), capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise RehearsalFailed(f"{' '.join(cmd)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
        return result

    def curl(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """This machine's curl in the container's network (its loopback is the Pi's)."""
        return host(
            "nsenter", f"--target={self.leader}", "--net", "curl", "--silent", "--max-time", str(timeout), *args,
            capture_output=True, check=False, timeout=timeout + 10,
        )  # fmt: skip

    def show(self, unit: str, *props: str) -> dict[str, str]:
        out = self.run("systemctl", "show", unit, "-p", ",".join(props)).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def write(self, path: str, text: str) -> None:
        target = ROOT / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def journal(self, unit: str) -> str:
        return self.run("journalctl", "--no-pager", "-o", "cat", "-u", unit, check=False).stdout

    def boot_finished(self) -> str:
        state = self.run("systemctl", "is-system-running", "--wait", check=False, timeout=300).stdout.strip()
        return state if state in ("running", "degraded") else ""

    def poweroff(self) -> None:
        if self.nspawn.poll() is None:
            try:
                if self.run("systemctl", "poweroff", check=False, timeout=30).returncode != 0:
                    raise subprocess.TimeoutExpired("systemctl poweroff", 0)
                self.nspawn.wait(timeout=120)
            except subprocess.TimeoutExpired:
                # Under qemu-user the first SIGTERM's halt signal arrives renumbered; the
                # second one makes systemd-nspawn end the container at once.
                for _ in range(2):
                    self.nspawn.send_signal(signal.SIGTERM)
                    time.sleep(1)
                try:
                    self.nspawn.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.nspawn.kill()
                    self.nspawn.wait()
        self.log.close()


@contextlib.contextmanager
def internet_for(pi: Pi) -> Iterator[Callable[[], None]]:
    """NAT from the container's veth out through this machine, for apt and pip; yields
    the function that cuts it again (it is cut at the end in any case). The Pi's side is
    set up with this machine's `ip` in the Pi's network namespace: systemd-networkd
    cannot run under qemu-user ("Could not setup manager: Protocol not supported")."""
    wait_until(f"the veth {VETH}", lambda: Path(f"/sys/class/net/{VETH}").exists(), 30)
    host("ip", "address", "replace", f"{HOST_IP}/30", "dev", VETH)
    host("ip", "link", "set", VETH, "up")
    in_pi = ["nsenter", f"--target={pi.leader}", "--net", "ip"]
    host(*in_pi, "address", "replace", f"{PI_IP}/30", "dev", "host0")
    host(*in_pi, "link", "set", "host0", "up")
    host(*in_pi, "route", "replace", "default", "via", HOST_IP)
    forward = Path("/proc/sys/net/ipv4/ip_forward")
    was = forward.read_text().strip()
    forward.write_text("1")
    host("nft", "-f", "-", input=(
        f"table ip {NFT_TABLE} {{\n"
        f"  chain postrouting {{ type nat hook postrouting priority srcnat; ip saddr {PI_IP} masquerade; }}\n"
        "}\n"
    ))  # fmt: skip
    cut = False

    def cut_it() -> None:
        nonlocal cut
        if not cut:
            host("nft", "delete", "table", "ip", NFT_TABLE, check=False)
            forward.write_text(was)
            cut = True

    try:
        yield cut_it
    finally:
        cut_it()


# ---------------------------------------------------------------- the checks


def install(pi: Pi, log_name: str) -> str:
    """install-pi.sh as the README says: `sudo ./hardware/install-pi.sh`, as pi, from the checkout."""
    command = pi.command("runuser", "-u", "pi", "--", "sudo", "./hardware/install-pi.sh", cwd=CHECKOUT)
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1800)
    (BUILD / log_name).write_text(result.stdout)
    lines = result.stdout.splitlines()
    if result.returncode != 0:
        print("   " + "\n   ".join(lines[-25:]))
        raise RehearsalFailed(f"install-pi.sh exited {result.returncode}: see {BUILD / log_name}")
    # Each step's heading and the script's first word on it (the whole output is in the log).
    apt = ("Get:", "Hit:", "Ign:", "Fetched", "Reading")
    for i, heading in enumerate(lines):
        if heading.startswith("== "):
            said = next((line for line in lines[i + 1 :] if not line.startswith(apt)), "")
            print(f"   {heading}: {said}")
    return result.stdout


def restarts_after_install(pi: Pi) -> None:
    """How the services fared in their first seconds, before the rehearsal touches them:
    reported, not failed on (a restart loop fails the later stage)."""
    for unit in UNITS:
        restarts = pi.show(unit, "NRestarts")["NRestarts"]
        print(f"   {unit} restarted {restarts} times since the install started it")
        if unit == UNITS[1] and restarts != "0":
            why = [line for line in pi.journal(unit).splitlines() if line.startswith("footnote:")]
            print(f"   NOTE: the dashboard failed before the logger had made the database: {why[:1]}")


def first_start_with_lgpio(pi: Pi) -> None:
    """The units as installed (GPIOZERO_PIN_FACTORY=lgpio). This is no Pi, so the logger
    fails, but it must fail past `import lgpio`, which makes lgpio's notification pipe in
    LG_WD (in / that failed: "xCreatePipe: Can't set permissions"): at gpiozero's lgpio
    factory looking for the Pi's revision or its GPIO chip."""

    def outcome() -> str | None:
        log = pi.journal(UNITS[0])
        if "xCreatePipe" in log or ".lgd-nfy" in log:
            raise RehearsalFailed(f"lgpio could not make its notification pipe:\n{log[-2000:]}")
        if "gpiozero/pins/lgpio.py" not in log:
            return None  # not that far yet
        errors = [line for line in log.splitlines() if line.startswith(("gpiozero.exc.", "lgpio.error"))]
        return errors[-1] if errors else None

    line = wait_until("the logger to reach gpiozero's lgpio factory", outcome, 180, every_s=2)
    print(f"   logger with lgpio, as expected with no Pi here: {line.strip()}")
    pi.run("systemctl", "stop", UNITS[0])


def rehearsal_dropins(pi: Pi) -> None:
    """Mock pins for the logger, and the fake BlueZ in bluetoothd's place."""
    pi.write(
        "/etc/systemd/system/rehearsal-footpod.service",
        "[Unit]\nDescription=rehearsal: fake BlueZ with one footpod (tests/fake_bluez.py), in place of bluetoothd\n"
        "After=dbus.service\n"
        "[Service]\nType=dbus\nBusName=org.bluez\n"
        f"ExecStart={VENV}/bin/python {CHECKOUT}/tools/pi_rehearsal_footpod.py\n",
    )
    pi.write(
        f"/etc/systemd/system/{UNITS[0]}.d/rehearsal.conf",
        "# The rehearsal has no GPIO chip and no radio.\n"
        "[Unit]\nWants=rehearsal-footpod.service\nAfter=rehearsal-footpod.service\n"
        "[Service]\nEnvironment=GPIOZERO_PIN_FACTORY=mock\n",
    )
    # No Bluetooth adapter here, so bluetoothd would not start anyway; masked so that
    # nothing but the fake can own org.bluez.
    pi.run("systemctl", "mask", "bluetooth.service")
    pi.run("systemctl", "daemon-reload")
    pi.run("systemctl", "restart", *UNITS)


def stay_up(pi: Pi) -> None:
    """Both services active, same process, no restart, for STAY_UP_S; and each runs in a
    folder its user can write, with LG_WD there and umask 0077."""
    props = ("ActiveState", "SubState", "MainPID", "NRestarts")
    first = {unit: wait_until(f"{unit} active", lambda u=unit: active(pi, u), 60) for unit in UNITS}
    for unit, state in first.items():
        pid = state["MainPID"]
        cwd = pi.run("readlink", f"/proc/{pid}/cwd").stdout.strip()
        env = proc_environ(pi, pid)
        user = pi.show(unit, "User")["User"]
        status = pi.run("cat", f"/proc/{pid}/status").stdout
        umask = next(line.split()[1] for line in status.splitlines() if line.startswith("Umask:"))
        writable = pi.run("runuser", "-u", user, "--", "test", "-w", cwd, check=False).returncode == 0
        print(f"   {unit}: pid {pid} as {user}, cwd {cwd} (writable by {user}: {writable}), "
              f"LG_WD={env.get('LG_WD')}, umask {umask}")  # fmt: skip
        if not writable or env.get("LG_WD") != cwd or umask != "0077":
            raise RehearsalFailed(f"{unit}: its user cannot write where it runs, or LG_WD/UMask are not set")
    deadline = time.monotonic() + STAY_UP_S
    while time.monotonic() < deadline:
        time.sleep(5)
        for unit in UNITS:
            now = pi.show(unit, *props)
            if now != first[unit]:
                raise RehearsalFailed(f"{unit} did not stay up: {first[unit]} -> {now}\n{pi.journal(unit)[-3000:]}")
    for unit in UNITS:
        print(f"   {unit}: up {STAY_UP_S} s, NRestarts={first[unit]['NRestarts']}, same pid {first[unit]['MainPID']}")


def active(pi: Pi, unit: str) -> dict[str, str] | None:
    state = pi.show(unit, "ActiveState", "SubState", "MainPID", "NRestarts")
    return state if state["ActiveState"] == "active" and state["SubState"] == "running" else None


def proc_environ(pi: Pi, pid: str) -> dict[str, str]:
    raw = pi.run("cat", f"/proc/{pid}/environ").stdout
    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)


def query(sql: str) -> list[tuple]:
    """Read the Pi's database from this side (the same file; nothing is written)."""
    path = ROOT / DB.lstrip("/")
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []  # no tables yet
    finally:
        conn.close()


def run_recorded(pi: Pi) -> int:
    """The logger, on mock pins and the fake footpod, records a run that ends cleanly."""
    samples = "SELECT run_id, count(*) FROM footpod_samples GROUP BY run_id ORDER BY run_id DESC LIMIT 1"
    run_id, count = wait_until("footpod samples in the database", lambda: next(iter(query(samples)), None), 120, 2)
    print(f"   run {run_id}: footpod samples arriving ({count} so far)")
    wait_until("20 footpod samples", lambda: query(samples)[0][1] >= 20, 120, 2)
    pi.run("systemctl", "stop", UNITS[0])  # SIGTERM: the run is closed cleanly
    run = query(f"SELECT ended_t_s, end_reason, footpod_address FROM runs WHERE id = {run_id}")[0]
    links = query(f"SELECT state FROM link_events WHERE run_id = {run_id} ORDER BY id")
    count = query(f"SELECT count(*) FROM footpod_samples WHERE run_id = {run_id}")[0][0]
    print(f"   run {run_id}: ended at {run[0]:.1f} s ({run[1]}), footpod {run[2]}, {count} samples, links {links}")
    if run[0] is None or run[2] != FAKE_POD or not count:
        raise RehearsalFailed(f"run {run_id} was not recorded as expected: {run}")
    return run_id


def replay_demo_runs(pi: Pi) -> None:
    """The bundled demo runs, replayed into the runner's database (the logger stopped),
    so that pages and exports have episodes to show."""
    site = pi.run(f"{VENV}/bin/python", "-c", "import footnote.device.paths as p; print(p.demo_sessions()[0].parent)")
    files = sorted(p.name for p in (ROOT / site.stdout.strip().lstrip("/")).glob("*.jsonl"))
    folder = site.stdout.strip()
    result = pi.run(
        "runuser", "-u", "pi", "--", "env", f"FOOTNOTE_CONFIG={CONFIG}", f"{VENV}/bin/footnote", "replay",
        *[f"{folder}/{name}" for name in files], cwd="/home/pi", timeout=900,
    )  # fmt: skip
    print("   " + "\n   ".join(result.stdout.strip().splitlines()))
    pi.run("systemctl", "start", UNITS[0])


def dashboard_urls(pi: Pi, logger_run: int) -> list[str]:
    """Every page and export (server/routes), and every GET of the API from its schema."""
    runs = [row[0] for row in query("SELECT id FROM runs ORDER BY id")]
    with_episode = query("SELECT run_id, min(episode) FROM symptom_events WHERE episode IS NOT NULL GROUP BY run_id")
    urls = ["/", f"/runs/{logger_run}", f"/runs/{logger_run}/timeline.svg", "/trends", "/trends.svg", "/setups",
            "/questionnaire", "/export", "/export/report.pdf", "/export/episodes.csv", "/export/bundle.fhir.json",
            "/login", "/docs", "/openapi.json"]  # fmt: skip
    if with_episode:
        run_id, number = with_episode[0]
        urls += [f"/runs/{run_id}", f"/runs/{run_id}/episodes/{number}/annotate"]
    schema = json.loads(pi.curl("--fail", f"{DASHBOARD}/openapi.json").stdout)
    for path, ops in schema["paths"].items():
        if "get" in ops and path.startswith("/api/"):
            urls.append(path.replace("{run_id}", str(runs[-1])))
    return urls


def serves_everything(pi: Pi, logger_run: int) -> None:
    wait_until("the dashboard to answer", lambda: pi.curl("--fail", f"{DASHBOARD}/", timeout=30).returncode == 0, 120)
    failures = []
    for url in dashboard_urls(pi, logger_run):
        out = BUILD / "pages" / (url.strip("/").replace("/", "_") or "index")
        out.parent.mkdir(exist_ok=True)
        result = pi.curl(
            "--output", str(out), "--write-out", "%{http_code}|%{time_total}|%{content_type}", DASHBOARD + url
        )
        status, took, ctype = (result.stdout.split("|") + ["", "", ""])[:3]
        body = out.read_bytes() if out.exists() else b""
        problem = status != "200" or not body or content_problem(url, body)
        print(
            f"   {status} {float(took or 0):6.2f} s {len(body):8d} B  {url}  {ctype}{'  <- ' + str(problem) if problem else ''}"
        )
        if problem:
            failures.append(url)
    if failures:
        raise RehearsalFailed(f"the dashboard failed on {failures}:\n{pi.journal(UNITS[1])[-3000:]}")


def content_problem(url: str, body: bytes) -> str | None:
    if url.endswith(".pdf"):
        return None if body.startswith(b"%PDF-") else "not a PDF"
    if url.endswith(".fhir.json"):
        bundle = json.loads(body)
        return None if bundle.get("resourceType") == "Bundle" and bundle.get("entry") else "not a FHIR Bundle"
    if url.endswith(".csv"):
        return None if b"," in body.splitlines()[0] else "no CSV header"
    return None


def snapshot(pi: Pi) -> str:
    """What a rerun of the install script could change, in a form to compare."""
    script = (
        "dpkg-query -W -f='${Package} ${Version} ${Status}\\n';"
        "find /opt/footnote /etc/systemd/system /home/pi -path /home/pi/.local/share -prune -o "
        "-printf '%p %s %m %u %T@\\n' | sort;"
        "cat /etc/group;"
        "for u in footnote-logger footnote-dashboard; do systemctl show $u -p MainPID,NRestarts,UnitFileState; done"
    )
    return pi.run("sh", "-c", script).stdout


def rerun_is_clean(pi: Pi) -> None:
    before = snapshot(pi)
    output = install(pi, "install-rerun.log")
    after = snapshot(pi)
    if before != after:
        import difflib

        diff = "\n".join(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
        raise RehearsalFailed(f"the second install changed things:\n{diff[:4000]}")
    for line in ("all present", "installed already", "kept (it is valid)"):
        if line not in output:
            raise RehearsalFailed(f"the second install did not say {line!r}")
    print("   exit 0, offline, nothing changed (packages, /opt/footnote, units, config, groups, services' pids)")


def checkout_untouched(pi: Pi) -> None:
    stray = pi.run("find", CHECKOUT, "!", "-user", "pi").stdout.split()
    if stray:
        raise RehearsalFailed(f"the install left files in the checkout that pi does not own: {stray[:10]}")
    print(f"   every file in {CHECKOUT} is still pi's (no root-owned build/ or egg-info)")


# ---------------------------------------------------------------- emulated against native


def timed(fn: Callable[[], object], times: int = 3) -> float:
    took = []
    for _ in range(times):
        start = time.monotonic()
        fn()
        took.append(time.monotonic() - start)
    return statistics.median(took)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def until_answer(get: Callable[[], bool], start: float, timeout_s: float = 180) -> float:
    wait_until("footnote serve's first answer", get, timeout_s, every_s=0.05)
    return time.monotonic() - start


def compare_speeds(pi: Pi, logger_run: int) -> list[tuple[str, float, float]]:
    """Median of 3 for each (start-up once), on the Pi's database copied to this side."""
    native_db = BUILD / "native.db"
    # The database and the dashboard's analysis cache beside it, so both sides start warm.
    pi_db = ROOT / DB.lstrip("/")
    for src_path, dst_path in (
        (pi_db, native_db),
        (pi_db.with_suffix(".analysis-cache.db"), native_db.with_suffix(".analysis-cache.db")),
    ):
        dst_path.unlink(missing_ok=True)
        if src_path.exists():
            src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True)
            dst = sqlite3.connect(dst_path)
            src.backup(dst)
            src.close()
            dst.close()
    native = REPO / ".venv" / "bin" / "footnote"
    rows = []
    pi_help = timed(lambda: pi.run("runuser", "-u", "pi", "--", f"{VENV}/bin/footnote", "--help"))
    here_help = timed(lambda: host(native, "--help", capture_output=True))
    rows.append(("footnote --help", pi_help, here_help))

    # footnote serve, from the command to its first answer of /.
    start = time.monotonic()
    pi.run("systemd-run", "--unit=rehearsal-serve", "--uid=pi", f"--setenv=FOOTNOTE_CONFIG={CONFIG}",
           "--working-directory=/home/pi", f"{VENV}/bin/footnote", "serve", "--port", "8766")  # fmt: skip
    try:
        pi_serve = until_answer(
            lambda: pi.curl("--fail", "-o", "/dev/null", "http://127.0.0.1:8766/").returncode == 0, start
        )
    finally:
        pi.run("systemctl", "stop", "rehearsal-serve", check=False)
    port = free_port()
    native_url = f"http://127.0.0.1:{port}"
    start = time.monotonic()
    native_env = {**os.environ, "FOOTNOTE_CONFIG": str(BUILD / "no-config.toml")}  # the defaults
    server = subprocess.Popen(
        [native, "serve", "--db", native_db, "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=native_env,
    )  # fmt: skip
    try:
        here_serve = until_answer(
            lambda: host("curl", "-sf", "-o", "/dev/null", native_url + "/", check=False).returncode == 0, start
        )
        rows.append(("footnote serve to its first answer", pi_serve, here_serve))
        with_episodes = query("SELECT min(run_id) FROM symptom_events WHERE episode IS NOT NULL")[0][0] or logger_run
        for name, url in (
            (f"run page /runs/{with_episodes}", f"/runs/{with_episodes}"),
            ("PDF /export/report.pdf", "/export/report.pdf"),
        ):
            pi.curl("-o", "/dev/null", DASHBOARD + url)  # once first: the analysis cache is filled
            host("curl", "-s", "-o", "/dev/null", native_url + url, check=False)
            rows.append((name, timed(lambda u=url: pi.curl("--fail", "-o", "/dev/null", DASHBOARD + u)),
                         timed(lambda u=url: host("curl", "-sf", "-o", "/dev/null", native_url + u))))  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


# ---------------------------------------------------------------- the whole rehearsal


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh", action="store_true", help="build the base root filesystem anew")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("run me as root (make pi-rehearsal does)", file=sys.stderr)
        return 1
    stages = Stages()
    speeds: list[tuple[str, float, float]] = []
    pi = None
    try:
        with stages("arm64 emulation (binfmt_misc, qemu-aarch64)"):
            enable_arm64_emulation()
        with stages("base root filesystem (mmdebstrap, cached)"):
            tarball, built = base_tarball(args.fresh)
            print(
                f"   {tarball.name}: {'built now' if built else 'from the cache'}, {tarball.stat().st_size >> 20} MiB"
            )
        with stages("unpack it, copy the checkout in"):
            prepare_root(tarball)
        with stages("boot (systemd-nspawn --boot)"):
            pi = Pi()
            state = wait_until("systemd to finish booting", pi.boot_finished, 300, every_s=1)
            print(f"   {state}; failed units: "
                  f"{pi.run('systemctl', '--failed', '--plain', '--no-legend').stdout.split() or 'none'}")  # fmt: skip
        with internet_for(pi) as cut_internet:
            with stages("install-pi.sh as written (sudo, as pi)"):
                install(pi, "install.log")
                checkout_untouched(pi)
            cut_internet()
        with stages("first start as installed (lgpio, no GPIO chip here)"):
            first_start_with_lgpio(pi)
            restarts_after_install(pi)
        with stages(f"mock pins + fake BlueZ; both services up {STAY_UP_S} s"):
            rehearsal_dropins(pi)
            stay_up(pi)
        with stages("the logger records a run from the fake footpod"):
            logger_run = run_recorded(pi)
        with stages("replay the bundled demo runs into the runner's database"):
            replay_demo_runs(pi)
        with stages("the dashboard serves every page and export"):
            serves_everything(pi, logger_run)
        with stages("install-pi.sh again, offline: exit 0, no change"):
            rerun_is_clean(pi)
        with stages("emulated against native timings"):
            speeds = compare_speeds(pi, logger_run)
    except RehearsalFailed as failure:
        print(f"\nFAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        if pi is not None:
            with stages("power off"):
                pi.poweroff()
        disable_arm64_emulation()
        print("\nstages:\n" + stages.table())
        if speeds:
            print("\nemulated arm64 (qemu-user) against native x86-64, median of 3:")
            for name, emulated, native in speeds:
                print(f"  {name:<40} {emulated:7.2f} s  {native:6.2f} s  x{emulated / native:.0f}")
    print("\npi rehearsal: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

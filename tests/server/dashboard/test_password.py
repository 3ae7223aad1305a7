"""The dashboard's password: set with `footnote password`, stored only as an argon2id
hash in the config, and a plain-text password in the config refused."""

from __future__ import annotations

import os
import pty
import select
import signal
import stat
import subprocess
import time
import tomllib

import pytest

from footnote.device.config import load_config, parse_config
from footnote.device.errors import ConfigError
from tests.helpers import FOOTNOTE

NEW_PASSWORD = "long run, cold feet"

A_RUNNERS_CONFIG = """\
[button]
pin = 5
hold_time_s = 2.0

[footpod]
address = "C0:FF:EE:00:00:09"

[footpod.cadence_overrides]
"C0:FF:EE:00:00:09" = "strides"

[logger]
db = "/home/runner/footnote.db"

[dashboard]
host = "0.0.0.0"   # the phone reads it over the home Wi-Fi
port = 8080
"""


def set_password(config, text: str | None = NEW_PASSWORD + "\n", *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*FOOTNOTE, "--config", str(config), "password", *extra],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
    )


def in_a_terminal(argv: list[str], answers: list[str], timeout_s: float = 30.0) -> tuple[int, str]:
    """Run argv with a pseudo-terminal as its terminal, as the runner at the Pi's
    console would; type each answer only once its prompt (a line ending in ': ') shows,
    since getpass discards anything typed ahead. Returns the exit status and everything
    the terminal displayed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: its stdin, stdout, stderr and /dev/tty are the terminal
        os.execvp(argv[0], argv)
    shown = b""
    deadline = time.monotonic() + timeout_s

    def read_some() -> bytes:
        """What the terminal shows next; b"" once the child has closed it."""
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"the command stopped answering; the terminal showed: {shown!r}")
        try:
            return os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            return b""

    finished = False
    try:
        for asked, answer in enumerate(answers, start=1):
            while shown.count(b": ") < asked:
                chunk = read_some()
                if not chunk:
                    raise AssertionError(f"no prompt for answer {asked}; the terminal showed: {shown!r}")
                shown += chunk
            os.write(fd, answer.encode() + b"\n")
        while chunk := read_some():
            shown += chunk
        finished = True
    finally:
        os.close(fd)
        if not finished:  # it may still be waiting for input: do not leave it behind
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_footnote_password_stores_only_a_hash_and_keeps_every_other_key(tmp_path):
    from footnote.server.dashboard.passwords import verify_password

    config = tmp_path / "config.toml"
    config.write_text(A_RUNNERS_CONFIG)
    before = load_config(config)
    result = set_password(config, NEW_PASSWORD + "\n", "--stdin")
    assert result.returncode == 0, result.stderr
    assert "dashboard.password_hash" in result.stdout and NEW_PASSWORD not in result.stdout

    text = config.read_text()
    assert NEW_PASSWORD not in text
    after = load_config(config)
    assert after.dashboard.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(after.dashboard.password_hash, NEW_PASSWORD)
    assert not verify_password(after.dashboard.password_hash, NEW_PASSWORD.upper())
    # Everything else the runner set is still there.
    assert after.button == before.button and after.footpod == before.footpod and after.logger == before.logger
    assert (after.dashboard.host, after.dashboard.port) == ("0.0.0.0", 8080)
    # ... and the file is the runner's own, with one line added: comments and order stay.
    assert [line for line in text.splitlines() if not line.startswith("password_hash = ")] == (
        A_RUNNERS_CONFIG.splitlines()
    )
    assert stat.S_IMODE(config.stat().st_mode) == 0o600  # the hash is for the owner's eyes only


def test_a_second_password_replaces_the_first(tmp_path):
    from footnote.server.dashboard.passwords import verify_password

    config = tmp_path / "config.toml"
    assert set_password(config, "first password\n", "--stdin").returncode == 0
    assert set_password(config, "second password\n", "--stdin").returncode == 0
    saved = load_config(config).dashboard.password_hash
    assert verify_password(saved, "second password") and not verify_password(saved, "first password")
    assert tomllib.loads(config.read_text())["dashboard"].keys() >= {"password_hash", "host", "port"}


def test_asked_twice_on_the_terminal_without_echo(tmp_path):
    config = tmp_path / "config.toml"
    status, shown = in_a_terminal(
        [*FOOTNOTE, "--config", str(config), "password"], answers=[NEW_PASSWORD, NEW_PASSWORD]
    )
    assert status == 0, shown
    assert "New dashboard password: " in shown and "The same again: " in shown
    assert NEW_PASSWORD not in shown  # never echoed to the screen
    assert load_config(config).dashboard.password_hash.startswith("$argon2id$")


def test_two_different_answers_change_nothing(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(A_RUNNERS_CONFIG)
    before = config.read_text()
    status, shown = in_a_terminal(
        [*FOOTNOTE, "--config", str(config), "password"], answers=[NEW_PASSWORD, NEW_PASSWORD + "!"]
    )
    assert status == 2 and "footnote: the two passwords differ: nothing was changed" in shown
    assert "Traceback" not in shown and config.read_text() == before


@pytest.mark.parametrize(
    "typed, message",
    [
        ("short\n", "the password needs at least 8 characters"),
        ("\n", "the password needs at least 8 characters"),
        ("x" * 2000 + "\n", "the password may have at most 1024 characters"),
    ],
)
def test_an_unusable_password_is_refused_and_nothing_is_written(tmp_path, typed, message):
    config = tmp_path / "config.toml"
    result = set_password(config, typed, "--stdin")
    assert result.returncode == 2 and f"footnote: {message}" in result.stderr
    assert "Traceback" not in result.stderr and not config.exists()


def test_without_a_terminal_it_asks_for_stdin_rather_than_hang(tmp_path):
    result = set_password(tmp_path / "config.toml", NEW_PASSWORD + "\n")  # piped, but no --stdin
    assert result.returncode == 2 and "pass --stdin" in result.stderr


def test_the_config_refuses_a_plain_text_password_naming_the_command(tmp_path, demo_db):
    with pytest.raises(ConfigError) as err:
        parse_config({"dashboard": {"password": "hunter22"}})
    assert "dashboard.password" in str(err.value) and "`footnote password`" in str(err.value)
    assert "hunter22" not in str(err.value)

    config = tmp_path / "config.toml"
    config.write_text(A_RUNNERS_CONFIG + 'password = "hunter22"\n')
    refused = subprocess.run(
        [*FOOTNOTE, "--config", str(config), "serve", "--db", str(demo_db)], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2 and "run `footnote password`" in refused.stderr
    assert "hunter22" not in refused.stderr and "Traceback" not in refused.stderr

    # The command it names is the way out: it replaces the plain password with a hash.
    result = set_password(config, NEW_PASSWORD + "\n", "--stdin")
    assert result.returncode == 0, result.stderr
    assert "hunter22" not in config.read_text()
    assert "# the phone reads it over the home Wi-Fi" in config.read_text()
    assert load_config(config).dashboard.password_hash.startswith("$argon2id$")


def test_an_empty_password_line_from_an_older_config_is_harmless():
    """Every config written before hashes had `password = ""`; it means no password."""
    config = parse_config({"dashboard": {"host": "127.0.0.1", "password": ""}})
    assert config.dashboard.password_hash == ""


@pytest.mark.parametrize(
    "value, message",
    [
        ("hunter22", "dashboard.password_hash must be an argon2id hash as `footnote password` writes it"),
        (
            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",  # bcrypt
            "dashboard.password_hash must be an argon2id hash",
        ),
        (
            "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHRzYWx0$Z7dD2xhbl2Qz3uTqvM2l6f3t6Cm4r3kG0m9qHj3zv3E",
            "dashboard.password_hash must be an argon2id hash",
        ),
        (
            "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHRzYWx0$Z7dD2xhbl2Qz3uTqvM2l6f3t6Cm4r3kG0m9qHj3zv3E",
            "dashboard.password_hash asks for m=4194304 KiB",
        ),
    ],
)
def test_a_hash_footnote_cannot_use_names_the_key_and_never_shows_the_value(value, message):
    with pytest.raises(ConfigError) as err:
        parse_config({"dashboard": {"password_hash": value}})
    assert message in str(err.value) and value not in str(err.value)


def test_every_hash_footnote_writes_passes_the_configs_check():
    from footnote.server.dashboard.passwords import MEMORY_COST_KIB, PARALLELISM, TIME_COST, hash_password

    hashed = hash_password(NEW_PASSWORD)
    assert f"m={MEMORY_COST_KIB},t={TIME_COST},p={PARALLELISM}" in hashed
    assert parse_config({"dashboard": {"password_hash": hashed}}).dashboard.password_hash == hashed
    assert hash_password(NEW_PASSWORD) != hashed  # a fresh salt each time


def test_the_app_is_given_the_hash_and_never_the_password():
    import inspect

    from footnote.server.dashboard.app import create_app
    from footnote.server.dashboard.auth import Auth

    assert "password" not in inspect.signature(create_app).parameters
    assert "password_hash" in inspect.signature(create_app).parameters
    with pytest.raises(ValueError, match="argon2id"):
        Auth("a plain password")  # a password where the hash belongs is refused, not compared


def test_a_config_laid_out_unusually_is_rewritten_whole_rather_than_misread(tmp_path):
    """Dotted keys instead of a [dashboard] table: the password still lands in the right place."""
    from footnote.server.dashboard.passwords import verify_password

    config = tmp_path / "config.toml"
    config.write_text('dashboard.port = 8080\ndashboard.password = "hunter22"\nbutton.pin = 5\n')
    assert set_password(config, NEW_PASSWORD + "\n", "--stdin").returncode == 0
    after = load_config(config)
    assert (after.dashboard.port, after.button.pin) == (8080, 5)
    assert verify_password(after.dashboard.password_hash, NEW_PASSWORD) and "hunter22" not in config.read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can run footnote password on another user's config")
def test_sudo_footnote_password_leaves_the_config_with_its_owner(tmp_path):
    """The dashboard runs as the runner: a config that became root's would stop it."""
    config = tmp_path / "config.toml"
    config.write_text(A_RUNNERS_CONFIG)
    os.chown(config, 1234, 1234)
    assert set_password(config, NEW_PASSWORD + "\n", "--stdin").returncode == 0
    assert (config.stat().st_uid, config.stat().st_gid) == (1234, 1234)
    assert stat.S_IMODE(config.stat().st_mode) == 0o600

"""hardware/: the systemd units, the install script and the wiring diagram."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

HARDWARE = Path(__file__).parents[1] / "hardware"


def render_units(folder: Path) -> list[Path]:
    """The units as install-pi.sh writes them, pointing at this checkout's environment."""
    venv = Path(sys.executable).parent.parent
    out = []
    for unit in sorted((HARDWARE / "systemd").glob("*.service")):
        text = unit.read_text()
        for key, value in {
            "@USER@": "root",
            "@VENV@": str(venv),
            "@CONFIG@": str(folder / "config.toml"),
            "@DOCS@": str(HARDWARE / "README.md"),
        }.items():
            text = text.replace(key, value)
        assert "@" not in text.replace("@", "", 0) or not re.search(r"@[A-Z]+@", text)
        target = folder / unit.name
        target.write_text(text)
        out.append(target)
    return out


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed (make test installs it)"
)
def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    units = render_units(tmp_path)
    assert [u.name for u in units] == ["footnote-dashboard.service", "footnote-logger.service"]
    result = subprocess.run(
        ["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    logger = (tmp_path / "footnote-logger.service").read_text()
    assert (
        "After=bluetooth.target" in logger and "Restart=on-failure" in logger and "GPIOZERO_PIN_FACTORY=lgpio" in logger
    )


def service_settings(unit: Path) -> dict[str, list[str]]:
    """The [Service] section of a unit: every key with its values in order."""
    settings: dict[str, list[str]] = {}
    section = None
    for line in unit.read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


@pytest.mark.parametrize("name", ["footnote-logger.service", "footnote-dashboard.service"])
def test_each_unit_runs_in_a_folder_systemd_makes_for_its_user_with_lgpio_pointed_there(tmp_path, name):
    # Started in / as the user, lgpio could not make its notification pipe and the logger
    # died at every start. systemd creates a RuntimeDirectory owned by User= (mode below)
    # before it changes into WorkingDirectory; make pi-rehearsal checks it on a booted system.
    unit = tmp_path / name
    render_units(tmp_path)
    service = service_settings(unit)
    (runtime,) = service["RuntimeDirectory"]
    assert service["WorkingDirectory"] == [f"/run/{runtime}"]
    assert service["RuntimeDirectoryMode"] == ["0700"]
    environment = dict(item.split("=", 1) for item in service["Environment"])
    assert environment["LG_WD"] == f"/run/{runtime}"


@pytest.mark.parametrize("name", ["footnote-logger.service", "footnote-dashboard.service"])
def test_each_unit_keeps_what_it_writes_to_its_user(tmp_path, name):
    render_units(tmp_path)
    assert service_settings(tmp_path / name)["UMask"] == ["0077"]


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed (make test installs it)")
def test_install_script_passes_shellcheck():
    result = subprocess.run(["shellcheck", str(HARDWARE / "install-pi.sh")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout


def test_install_script_builds_footnote_from_everything_the_build_reads():
    # install-pi.sh builds from a copy of these (and skips the install when they are
    # unchanged): one left out would be missing from the Pi's footnote, or not noticed.
    import tomllib

    script = (HARDWARE / "install-pi.sh").read_text()
    sources = set(re.search(r"^sources=\((.*)\)$", script, re.MULTILINE).group(1).split())
    root = HARDWARE.parent
    project = tomllib.loads((root / "pyproject.toml").read_text())
    needed = {"pyproject.toml", project["project"]["readme"], *project["tool"]["setuptools"]["package-dir"].values()}
    if (root / "setup.py").exists():
        needed.add("setup.py")
    assert needed <= sources
    assert all((root / name).exists() for name in sources)


def test_install_script_refuses_to_run_without_root():
    if subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip() == "0":
        result = subprocess.run(
            ["bash", str(HARDWARE / "install-pi.sh"), "--user", "no-such-user-xyz"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1 and "--user NAME" in result.stderr
    else:
        result = subprocess.run(["bash", str(HARDWARE / "install-pi.sh")], capture_output=True, text=True, timeout=60)
        assert result.returncode == 1 and "sudo" in result.stderr


def wiring_table() -> list[str]:
    text = (HARDWARE / "README.md").read_text()
    table = text.split("## Wiring", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
    rows = [
        line
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith("| BCM |") and "---" not in line
    ]
    assert len(rows) >= 7
    return rows


def test_wiring_diagram_is_well_formed_and_names_every_pin_in_the_table():
    tree = ET.parse(HARDWARE / "wiring.svg")
    svg_text = " ".join(t.strip() for t in tree.getroot().itertext())
    for row in wiring_table():
        cells = [c.strip() for c in row.strip("|").split("|")]
        signal, pin = cells[0], cells[1]
        number = pin.split()[-1]
        if signal.startswith("BCM"):
            assert f"{signal} (pin {number})" in svg_text, row
        else:
            assert f"{signal} (pin {number})" in svg_text or f"{number} {signal}" in svg_text, row


def test_wiring_table_matches_the_config_defaults():
    from footnote.device.config import parse_config

    c = parse_config({})
    rows = "\n".join(wiring_table())
    assert f"BCM {c.button.pin} | pin 11" in rows
    assert f"BCM {c.feedback.led_pin} | pin 13" in rows
    assert f"BCM {c.feedback.buzzer_pin} | pin 15" in rows

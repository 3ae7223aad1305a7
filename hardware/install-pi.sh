#!/usr/bin/env bash
# Install footnote on a Raspberry Pi (Raspberry Pi OS Bookworm, or plain Debian 12 arm64).
# Safe to run again: every step checks before it changes anything, and a second run
# with nothing new changes nothing.
#
#   sudo ./hardware/install-pi.sh [--user NAME] [--prefix /opt/footnote] [--no-start]
#
# What it does: installs the Debian packages, creates a virtual environment that also
# sees the system's packages, installs footnote into it (a regular install, built from
# this checkout), writes a default config for the user if there is none, adds the user
# to the gpio and bluetooth groups, and installs and enables two systemd units: the
# logger (starts at boot after Bluetooth, restarts on failure) and the dashboard
# (loopback unless the config says otherwise).
#
# gpiozero and lgpio: Raspberry Pi OS's archive has python3-gpiozero 2.x and
# python3-lgpio (with the Pi 5 fixes), and they are used. Plain Debian 12 has no
# python3-lgpio and its python3-gpiozero is 1.6.2 (footnote needs 2.0), so there both
# come from PyPI into the environment (lgpio's aarch64 wheel); on a plain Debian other
# than arm64 there is no lgpio wheel, and the script stops before changing anything.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run_user="${SUDO_USER:-}"
prefix="/opt/footnote"
start_now=1
units_dir="/etc/systemd/system"

while [ $# -gt 0 ]; do
  case "$1" in
    --user) run_user="$2"; shift 2 ;;
    --prefix) prefix="$2"; shift 2 ;;
    --no-start) start_now=0; shift ;;
    --units-dir) units_dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "run me with sudo: sudo $0" >&2
  exit 1
fi
if [ -z "$run_user" ] || ! id "$run_user" >/dev/null 2>&1; then
  echo "which user runs footnote? pass --user NAME" >&2
  exit 1
fi
home_dir="$(getent passwd "$run_user" | cut -d: -f6)"
config="$home_dir/.config/footnote/config.toml"
venv="$prefix/venv"

echo "== Debian packages"
# avahi-daemon announces NAME.local for the phone; openssl makes the HTTPS certificate;
# fonts-dejavu-core is the PDF report's font (any name or note prints as typed).
packages=(python3-venv python3-dev bluez sqlite3 avahi-daemon openssl fonts-dejavu-core)
pypi_gpio=()
updated=0
# What the archive offers is known only from its package lists, which a fresh image lacks.
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  apt-get update
  updated=1
fi
if apt-cache show python3-lgpio >/dev/null 2>&1; then
  packages+=(python3-gpiozero python3-lgpio)
  echo "gpiozero and lgpio: this system's python3-gpiozero and python3-lgpio (Raspberry Pi OS)"
elif [ "$(dpkg --print-architecture)" = arm64 ]; then
  pypi_gpio=(lgpio)  # gpiozero>=2.0 then comes from PyPI as footnote's own requirement
  echo "gpiozero and lgpio: from PyPI into $venv (this archive has no python3-lgpio, and its"
  echo "python3-gpiozero, 1.6.2 on Debian 12, is older than the 2.0 footnote needs)"
else
  echo "this archive has no python3-lgpio, and PyPI has lgpio wheels for arm64 only, not" >&2
  echo "$(dpkg --print-architecture): use Raspberry Pi OS, or 64-bit Debian on the Pi. Nothing was changed." >&2
  exit 1
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$updated" -eq 1 ] || apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
else
  echo "all present"
fi

echo "== virtual environment in $venv"
if [ ! -x "$venv/bin/python" ]; then
  mkdir -p "$prefix"
  python3 -m venv --system-site-packages "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
fi
# What the package is built from (tests/test_hardware_files.py keeps this in step with
# pyproject.toml). A rerun with these unchanged installs nothing.
sources=(pyproject.toml setup.py README.md device server)
fingerprint="$(cd "$repo" && find "${sources[@]}" -type f ! -path '*/__pycache__/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
stamp="$prefix/installed-from.sha256"
restart=0
if [ -x "$venv/bin/footnote" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$fingerprint" ]; then
  echo "footnote from this checkout is installed already"
else
  # Built from a copy, so no root-owned build/ or *.egg-info is left in the checkout
  # (and no stale build/lib from an earlier build ends up in the wheel).
  build_dir="$(mktemp -d)"
  trap 'rm -rf "$build_dir"' EXIT
  (cd "$repo" && cp -r "${sources[@]}" "$build_dir/")
  "$venv/bin/pip" install --quiet "${pypi_gpio[@]}" "${build_dir}[server]"
  echo "$fingerprint" > "$stamp"
  restart=1
  echo "installed footnote $("$venv/bin/python" -c 'from importlib.metadata import version; print(version("footnote"))')"
fi

echo "== config $config"
if [ ! -f "$config" ]; then
  runuser -u "$run_user" -- mkdir -p "$(dirname "$config")"
  runuser -u "$run_user" -- "$venv/bin/python" -c \
    'import sys; from footnote.device.config import parse_config, save_config; save_config(parse_config({}), sys.argv[1])' "$config"
  echo "written with the defaults (edit it, then: sudo systemctl restart footnote-logger)"
else
  # Refuse to go on with a config the logger would refuse.
  runuser -u "$run_user" -- "$venv/bin/python" -c \
    'import sys; from footnote.device.config import load_config; load_config(sys.argv[1])' "$config"
  echo "kept (it is valid)"
fi

echo "== groups"
for group in gpio bluetooth; do
  getent group "$group" >/dev/null || groupadd --system "$group"
  if id -nG "$run_user" | tr ' ' '\n' | grep -qx "$group"; then
    echo "$run_user is in $group"
  else
    usermod -aG "$group" "$run_user"
    echo "added $run_user to $group"
  fi
done

echo "== systemd units in $units_dir"
render_unit() {
  sed -e "s|@USER@|$run_user|g" -e "s|@VENV@|$venv|g" -e "s|@CONFIG@|$config|g" -e "s|@DOCS@|$repo/hardware/README.md|g" \
    "$repo/hardware/systemd/$1"
}
for unit in footnote-logger.service footnote-dashboard.service; do
  # Compared before anything is written, so an unchanged unit leaves the folder untouched.
  if render_unit "$unit" | cmp -s - "$units_dir/$unit"; then
    echo "$unit unchanged"
  else
    render_unit "$unit" > "$units_dir/$unit.new"
    mv "$units_dir/$unit.new" "$units_dir/$unit"
    echo "installed $unit"
    restart=1
  fi
done
if [ "$start_now" -eq 1 ] && command -v systemctl >/dev/null; then
  if [ "$restart" -eq 1 ]; then
    systemctl daemon-reload
    # A service already running goes on with its old code and settings until restarted.
    systemctl try-restart footnote-logger.service footnote-dashboard.service
  fi
  systemctl enable --now footnote-logger.service footnote-dashboard.service
fi

cat <<DONE

footnote is installed. Next:
  $venv/bin/footnote check          # blink, beep, press, hold, footpod, disk, clock
  $venv/bin/footnote scan           # find your footpod, then:
  $venv/bin/footnote pair ADDRESS && sudo systemctl restart footnote-logger
  $venv/bin/footnote password       # before the dashboard may listen beyond the Pi (hardware/README.md)
DONE

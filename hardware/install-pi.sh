#!/usr/bin/env bash
# Install footnote on a Raspberry Pi (Raspberry Pi OS Bookworm). Safe to run again:
# every step checks before it changes anything.
#
#   sudo ./hardware/install-pi.sh [--user NAME] [--prefix /opt/footnote] [--no-start]
#
# What it does: installs the Debian packages, creates a virtual environment that also
# sees Debian's python3-gpiozero and python3-lgpio (they carry the Pi 5 fixes), installs
# footnote into it, writes a default config for the user if there is none, adds the user
# to the gpio and bluetooth groups, and installs and enables two systemd units: the
# logger (starts at boot after Bluetooth, restarts on failure) and the dashboard
# (loopback unless the config says otherwise).
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
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
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
packages=(python3-venv python3-dev python3-gpiozero python3-lgpio bluez sqlite3 avahi-daemon openssl fonts-dejavu-core)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
else
  echo "all present"
fi

echo "== virtual environment in $venv"
if [ ! -x "$venv/bin/python" ]; then
  mkdir -p "$prefix"
  python3 -m venv --system-site-packages "$venv"
fi
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet "${repo}[server]"

echo "== config $config"
if [ ! -f "$config" ]; then
  sudo -u "$run_user" mkdir -p "$(dirname "$config")"
  sudo -u "$run_user" "$venv/bin/python" -c \
    'import sys; from footnote.device.config import parse_config, save_config; save_config(parse_config({}), sys.argv[1])' "$config"
  echo "written with the defaults (edit it, then: sudo systemctl restart footnote-logger)"
else
  # Refuse to go on with a config the logger would refuse.
  sudo -u "$run_user" "$venv/bin/python" -c \
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
for unit in footnote-logger.service footnote-dashboard.service; do
  sed -e "s|@USER@|$run_user|g" -e "s|@VENV@|$venv|g" -e "s|@CONFIG@|$config|g" -e "s|@DOCS@|$repo/hardware/README.md|g" \
    "$repo/hardware/systemd/$unit" > "$units_dir/$unit.new"
  if cmp -s "$units_dir/$unit.new" "$units_dir/$unit"; then
    rm "$units_dir/$unit.new"
  else
    mv "$units_dir/$unit.new" "$units_dir/$unit"
    echo "installed $unit"
  fi
done
if [ "$start_now" -eq 1 ] && command -v systemctl >/dev/null; then
  systemctl daemon-reload
  systemctl enable --now footnote-logger.service footnote-dashboard.service
fi

cat <<DONE

footnote is installed. Next:
  $venv/bin/footnote check          # blink, beep, press, hold, footpod, disk, clock
  $venv/bin/footnote scan           # find your footpod, then:
  $venv/bin/footnote pair ADDRESS && sudo systemctl restart footnote-logger
  $venv/bin/footnote password       # before the dashboard may listen beyond the Pi (hardware/README.md)
DONE

#!/usr/bin/env bash
# Make the dashboard's HTTPS certificate, signed by your own small certificate
# authority (CA) that your phone is told to trust once. Safe to run again: the CA is
# kept (so the phone keeps trusting it); the dashboard's certificate is made anew (for
# a new address, say).
#
#   ./hardware/make-certificate.sh [--name NAME.local] [--address IP] [--out DIR] [--days N]
#
# Writes into DIR (default ~/.config/footnote/tls), readable only by you:
#   footnote-ca.crt                  your CA's certificate: this one goes on the phone (it holds no secret)
#   footnote-ca.key                  the CA's key: it never leaves the Pi
#   dashboard.crt, dashboard.key     for footnote serve (dashboard.ssl_certfile, dashboard.ssl_keyfile)
# The certificate names the Pi's .local name (default: this host's name + .local) and,
# if there is one, its current address (default: the first one `hostname -I` lists).
# Keys are ECDSA P-256: quick to make on a Pi Zero, and every current phone takes them.
set -euo pipefail

host="$(hostname)"
name="${host%%.*}.local"
address="$(hostname -I 2>/dev/null | awk '{print $1}' || true)"
out="${XDG_CONFIG_HOME:-$HOME/.config}/footnote/tls"
days=825  # the longest a phone (iOS) accepts for a server certificate

while [ $# -gt 0 ]; do
  case "$1" in
    --name) name="$2"; shift 2 ;;
    --address) address="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --days) days="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
command -v openssl >/dev/null || { echo "openssl is missing: sudo apt-get install openssl" >&2; exit 1; }

# openssl's chatter is shown only when it fails.
quietly() {
  local log status=0
  log="$(mktemp)"
  "$@" 2>"$log" || status=$?
  if [ "$status" -ne 0 ]; then cat "$log" >&2; fi
  rm -f "$log"
  return "$status"
}

umask 077
mkdir -p "$out"
ca_crt="$out/footnote-ca.crt"
ca_key="$out/footnote-ca.key"

if [ -f "$ca_key" ] && [ -f "$ca_crt" ]; then
  echo "keeping your CA: $ca_crt"
else
  quietly openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
    -keyout "$ca_key" -out "$ca_crt" \
    -subj "/CN=footnote dashboard CA ($name)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
  chmod 644 "$ca_crt"
  echo "made your CA: $ca_crt"
fi

san="DNS:$name"
if [ -n "$address" ]; then
  san="$san,IP:$address"
fi
request="$out/dashboard.csr"
extensions="$out/dashboard.ext"
trap 'rm -f "$request" "$extensions"' EXIT
quietly openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
  -keyout "$out/dashboard.key" -out "$request" -subj "/CN=$name"
printf '%s\n' \
  "subjectAltName=$san" \
  "basicConstraints=critical,CA:FALSE" \
  "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=serverAuth" >"$extensions"
quietly openssl x509 -req -in "$request" -CA "$ca_crt" -CAkey "$ca_key" \
  -set_serial "0x$(openssl rand -hex 16)" -days "$days" -sha256 \
  -extfile "$extensions" -out "$out/dashboard.crt"

cat <<DONE
made the dashboard's certificate for $san (valid $days days):
  $out/dashboard.crt
  $out/dashboard.key

Next:
  1. In the config ([dashboard]):
       ssl_certfile = "$out/dashboard.crt"
       ssl_keyfile = "$out/dashboard.key"
     then: sudo systemctl restart footnote-dashboard   (or: footnote serve --ssl-certfile ... --ssl-keyfile ...)
  2. Put $ca_crt (only that file) on your phone and trust it: see hardware/README.md, "HTTPS".
DONE

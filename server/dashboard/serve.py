"""`footnote serve`: the dashboard on loopback, or elsewhere only with a password hash;
over HTTPS when given the runner's own certificate. At its start, before it serves, it
brings the database up to date (device.db.connect.bring_up_to_date), as the logger does
at its own: the dashboard's requests never migrate the database."""

from __future__ import annotations

import errno
import logging
import socket
import sqlite3
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path

from footnote.device.config import load_config
from footnote.device.db.connect import bring_up_to_date
from footnote.device.errors import CertificateError, ConfigError, PortInUse
from footnote.server.dashboard.lan import is_loopback

logger = logging.getLogger(__name__)


def check_privacy(host: str, password_hash: str | None) -> None:
    """Health data stays private: anything but loopback needs a password."""
    if not is_loopback(host) and not password_hash:
        raise ConfigError(
            f"refusing to serve on {host} without a password: set one with `footnote password` (or listen on 127.0.0.1)"
        )


def check_port(host: str, port: int) -> None:
    """The port can be listened on, or one line naming it and --port (before the address is
    printed: uvicorn's own refusal comes after it, as a log line and exit 3)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror:
        raise ConfigError(f"cannot listen on {host}: not an address or name this machine knows (--host)") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(
                    f"port {port} on {host} is already in use (another footnote serve or footnote demo?): "
                    f"stop it, or choose another port with --port"
                ) from None
            if exc.errno == errno.EACCES:
                raise PortInUse(
                    f"not allowed to listen on port {port} (ports below 1024 need root): choose another with --port"
                ) from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise ConfigError(f"cannot listen on {host}: it is not an address of this machine (--host)") from None
            raise PortInUse(f"cannot listen on {host} port {port}: {exc.strerror} (--host, --port)") from None


@dataclass(frozen=True)
class Tls:
    certfile: Path
    keyfile: Path | None


def tls_files(certfile: str | Path | None, keyfile: str | Path | None) -> Tls | None:
    """The certificate and key to serve HTTPS with, checked before anything starts: a
    missing file or a key that does not match the certificate is one clear line."""
    if not certfile:
        if keyfile:
            raise CertificateError("--ssl-keyfile needs --ssl-certfile (dashboard.ssl_certfile) too")
        return None
    cert = Path(certfile).expanduser()
    key = Path(keyfile).expanduser() if keyfile else None
    for path in (cert, key):
        if path is not None and not path.is_file():
            raise CertificateError(f"no such certificate or key file: {path}")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (ssl.SSLError, OSError) as exc:
        raise CertificateError(
            f"cannot serve HTTPS with {cert}" + (f" and {key}" if key else "") + f": {exc.strerror or exc}"
        ) from None
    return Tls(cert, key)


def serve(
    *,
    db_path: str | Path,
    host: str | None = None,
    port: int | None = None,
    config_path: str | Path | None = None,
    ssl_certfile: str | Path | None = None,
    ssl_keyfile: str | Path | None = None,
) -> int:
    config = load_config(config_path)
    host = host or config.dashboard.host
    port = port or config.dashboard.port
    password_hash = config.dashboard.password_hash or None
    check_privacy(host, password_hash)
    # Files named on the command line replace the config's pair as a whole.
    given = (ssl_certfile, ssl_keyfile) if ssl_certfile or ssl_keyfile else None
    tls = tls_files(*(given or (config.dashboard.ssl_certfile, config.dashboard.ssl_keyfile)))
    if not Path(db_path).exists():
        # Served anyway: on a Pi the dashboard's service may start before the logger has
        # made the database, and the pages say what is missing until it exists.
        logger.warning("no footnote database at %s yet: the dashboard says so until footnote log makes it", db_path)
    check_port(host, port)  # before anything is changed or printed
    try:
        applied = bring_up_to_date(db_path)
    except sqlite3.OperationalError as exc:  # read-only card, or the logger held the lock too long
        logger.warning("could not bring %s up to date (%s): saves that need a newer table are refused", db_path, exc)
    else:
        if applied:
            logger.info("%s brought up to date: %s", db_path, ", ".join(applied))
    # Everything above fails in a moment with one clear line; the dashboard's packages load only now.
    import uvicorn

    from footnote.device.paths import keep_private
    from footnote.server.analysis_cache import cache_path
    from footnote.server.dashboard import heap as memory
    from footnote.server.dashboard import lan
    from footnote.server.dashboard.app import create_app

    for made_before in (Path(db_path), cache_path(db_path)):  # by an older footnote, with wider modes
        keep_private(made_before)
    app = create_app(db_path, password_hash=password_hash, host=host, units=config.dashboard.units)
    scheme = "https" if tls else "http"
    if is_loopback(host):
        print(f"footnote dashboard: {lan.url(scheme, host, port)}  (Ctrl-C to stop)", flush=True)
    else:
        where = lan.reach(host=host, port=port, https=tls is not None, addresses=lan.lan_addresses())
        print(lan.banner(where, color=sys.stdout.isatty()), flush=True)
    memory.limit_arenas()  # before uvicorn starts the handlers' threads
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        # The client is the connection's own address: a X-Forwarded-For header (from anyone,
        # 127.0.0.1 included) would let a guesser be a new client at every try.
        proxy_headers=False,
        forwarded_allow_ips=[],
        ssl_certfile=str(tls.certfile) if tls else None,
        ssl_keyfile=str(tls.keyfile) if tls and tls.keyfile else None,
    )
    return 0

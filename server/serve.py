"""`footnote serve`: the dashboard on loopback, or elsewhere only with a password."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path

from footnote.device.config import load_config
from footnote.device.errors import ConfigError

logger = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_privacy(host: str, password: str | None) -> None:
    """Health data stays private: anything but loopback needs a password."""
    if not is_loopback(host) and not password:
        raise ConfigError(
            f"refusing to serve on {host} without a password: set dashboard.password in the config "
            "(or listen on 127.0.0.1)"
        )


def serve(
    *, db_path: str | Path, host: str | None = None, port: int | None = None, config_path: str | Path | None = None
) -> int:
    import uvicorn

    from footnote.server.app import create_app

    config = load_config(config_path)
    host = host or config.dashboard.host
    port = port or config.dashboard.port
    password = config.dashboard.password or None
    check_privacy(host, password)
    if not Path(db_path).exists():
        raise ConfigError(f"no footnote database at {db_path}: record a run (footnote log) or try footnote demo")
    print(f"footnote dashboard: http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    from footnote.server import memory

    memory.limit_arenas()  # before uvicorn starts the handlers' threads
    uvicorn.run(create_app(db_path, password=password), host=host, port=port, log_level="warning")
    return 0

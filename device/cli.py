"""The `footnote` command. Thin: parse arguments, build the real parts, call the library,
and turn footnote's own errors into one clean line and exit status 2.

The device subcommands import only what they need, so `footnote log` starts fast on a
Pi Zero 2 W; the dashboard and export modules load only for their own subcommands.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from footnote.device.errors import FootnoteError
from footnote.device.paths import default_db


def _db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, default=None, help="database file (default: $FOOTNOTE_DB or the per-user data folder)")


def cmd_replay(args: argparse.Namespace) -> int:
    from footnote.device.feedback import EchoIndicator, SilentIndicator
    from footnote.device.replay import replay_file
    from footnote.device.store import Store

    indicator = EchoIndicator() if args.echo_feedback else SilentIndicator()
    with Store(args.db or default_db()) as store:
        for path in args.files:
            run_ids = replay_file(path, store=store, indicator=indicator)
            for run_id in run_ids:
                print(f"run {run_id} from {path}", flush=True)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from footnote.device.demo import build_demo_db

    db_path = args.db or default_db().with_name("demo.db")
    summary = build_demo_db(db_path)
    print(f"demo database: {db_path}")
    print(summary)
    if args.no_serve:
        return 0
    try:
        from footnote.server.serve import serve
    except ImportError:
        print("the dashboard is not installed (pip install 'footnote[server]')")
        return 0
    return serve(db_path=db_path, host=args.host, port=args.port, config_path=args.config)


def cmd_log(args: argparse.Namespace) -> int:
    import asyncio

    from footnote.device.config import load_config
    from footnote.device.live import run_logger

    config = load_config(args.config)
    db_path = args.db or (Path(str(config["logger.db"])) if config["logger.db"] else default_db())
    footpod = None
    if not args.no_footpod:
        from footnote.device.footpod import FootpodClient

        footpod = FootpodClient.from_config(config).run
    run_ids = asyncio.run(run_logger(config, db_path=db_path, record_path=args.record, footpod=footpod))
    print("runs recorded: " + ", ".join(map(str, run_ids)))
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    import asyncio

    from footnote.device.footpod import scan_footpods

    found = asyncio.run(scan_footpods(timeout_s=args.timeout))
    if not found:
        print("no Running Speed and Cadence footpod found (is it awake, and not connected to a watch?)")
        return 1
    print(f"{'name':24} {'address':17}  signal")
    for pod in found:
        print(f"{pod.name:24} {pod.address:17}  {pod.rssi} dBm")
    return 0


def cmd_pair(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from footnote.device.config import default_config_path, load_config, parse_config, save_config

    path = Path(args.config) if args.config else default_config_path()
    config = load_config(path)
    values = {s: dict(keys) for s, keys in config.values.items()}
    values["footpod"]["address"] = args.address.upper()
    checked = parse_config(values | {"footpod": values["footpod"] | {"cadence_overrides": config.cadence_overrides}}, path)
    save_config(replace(checked, path=path), path)
    print(f"footpod {args.address.upper()} paired; saved in {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="footnote", description="A wearable numbness logger for runners.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    parser.add_argument("--config", type=Path, default=None, help="config file (default: $FOOTNOTE_CONFIG or ~/.config/footnote/config.toml)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("log", help="run the logger: button, feedback, footpod, store")
    _db_arg(p)
    p.add_argument("--record", type=Path, help="also write every raw input to this replay file")
    p.add_argument("--no-footpod", action="store_true", help="button only; do not look for a footpod")
    p.set_defaults(func=cmd_log)

    p = sub.add_parser("replay", help="feed record files through the logger, faster than real time")
    p.add_argument("files", nargs="+", type=Path)
    _db_arg(p)
    p.add_argument("--echo-feedback", action="store_true", help="print a line for each feedback pattern given")
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("demo", help="replay the bundled demo runs into a fresh database and serve the dashboard")
    _db_arg(p)
    p.add_argument("--host", default=None, help="default: dashboard.host in the config, 127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="default: dashboard.port in the config, 8765")
    p.add_argument("--no-serve", action="store_true", help="build the demo database only")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("scan", help="list nearby Running Speed and Cadence footpods")
    p.add_argument("--timeout", type=float, default=8.0, help="seconds to listen (default 8)")
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("pair", help="remember one footpod by its address")
    p.add_argument("address")
    p.set_defaults(func=cmd_pair)

    for name, help_text in LAZY_HELP.items():
        sub.add_parser(name, help=f"{help_text} (see footnote {name} --help)", add_help=False)
    return parser


# Subcommands whose module parses its own arguments. They are imported only when used,
# so the logger never loads the dashboard's packages.
LAZY = {"serve": "footnote.server.cli", "analyze": "footnote.server.cli", "export": "footnote.server.cli", "check": "footnote.device.check"}
LAZY_HELP = {
    "serve": "serve the dashboard",
    "analyze": "label each numbness episode and summarise across runs",
    "export": "export for the doctor: PDF, CSV or FHIR",
    "check": "self-test after wiring",
}


def _split_common(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """The options before the subcommand, and the subcommand with everything after it."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] == "--config" else 1
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true")
    common.add_argument("--config", type=Path, default=None)
    return common.parse_args(argv[:i]), argv[i:]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    common, rest = _split_common(argv)
    if rest and rest[0] in LAZY:
        args = argparse.Namespace(verbose=common.verbose, config=common.config, lazy=(LAZY[rest[0]], rest))
    else:
        args = build_parser().parse_args(argv)
    # The logger's own progress (runs opened and closed) matters in its journal; for the
    # other commands it is noise unless asked for with -v.
    quiet = logging.INFO if getattr(args, "command", None) == "log" else logging.WARNING
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else quiet,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        if getattr(args, "lazy", None):
            import importlib

            module, rest = args.lazy
            return importlib.import_module(module).main(rest, config=args.config)
        return args.func(args)
    except FootnoteError as exc:
        print(f"footnote: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""The `footnote` command: one parser, thin handlers.

Each command module registers its own subcommands with `register(subparsers, common)`
(this one, then COMMAND_MODULES, then the modules installed under the entry-point group
"footnote.commands") and imports its heavy packages inside the handler, so `footnote log`
on a Pi Zero 2 W never loads the dashboard's. The dashboard's commands come through that
entry point (pyproject.toml), so the Pi side never imports the server side. A handler
takes the parsed arguments and returns the exit status; footnote's own errors
(FootnoteError) become one line on stderr and exit status 2.

This module registers the logger's commands: log, replay, scan, pair, attach.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sqlite3
import sys
from pathlib import Path

from footnote.device import __version__
from footnote.device.db.connect import advice
from footnote.device.errors import DamagedDatabase, FootnoteError, NoDatabase
from footnote.device.paths import (
    PRIVATE_UMASK,
    add_db_option,
    check_input_file,
    check_output_file,
    demo_db,
    keep_private,
    resolve_db,
)

# The Pi side's command modules besides this one, in the order `footnote --help` lists them.
COMMAND_MODULES = (
    "footnote.device.check",
    "footnote.device.durability.recover",
)
COMMAND_GROUP = "footnote.commands"  # entry points of installed command modules (the dashboard's)


def installed_command_modules() -> list[str]:
    """Command modules other packages install (entry-point group COMMAND_GROUP), by name."""
    from importlib.metadata import entry_points

    return [ep.value for ep in sorted(entry_points(group=COMMAND_GROUP), key=lambda ep: ep.name)]


def cmd_log(args: argparse.Namespace) -> int:
    import asyncio

    from footnote.device.config import load_config
    from footnote.device.live import run_logger

    config = load_config(args.config)
    db_path = resolve_db(args.db, config)
    keep_private(db_path)
    if args.record:
        check_output_file(args.record, option="--record")
    footpod = None
    if not args.no_footpod:
        from footnote.device.parts.footpod import FootpodClient

        footpod = FootpodClient.from_config(config).run
    strap = None
    if not args.no_strap and (config.strap.address or config.strap.enabled):
        from footnote.device.parts.strap import StrapClient

        strap = StrapClient.from_config(config).run
    run_ids = asyncio.run(run_logger(config, db_path=db_path, record_path=args.record, footpod=footpod, strap=strap))
    print("runs recorded: " + ", ".join(map(str, run_ids)))
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from footnote.device.config import load_config
    from footnote.device.db.store import Store
    from footnote.device.durability.integrity import examine
    from footnote.device.logger.replay import replay_file
    from footnote.device.parts.feedback import EchoIndicator, SilentIndicator

    indicator = EchoIndicator() if args.echo_feedback else SilentIndicator()
    for path in args.files:
        check_input_file(path)
    db_path = resolve_db(args.db, load_config(args.config))
    keep_private(db_path)
    health = examine(db_path)
    if health.set_aside_needed:
        raise DamagedDatabase(advice(db_path, health.detail, foreign=health.state == "foreign"))
    with Store(db_path, fsync_samples=False) as store:
        for path in args.files:  # a bad line raises ReplayFormatError naming the file and the line
            for run_id in replay_file(path, store=store, indicator=indicator):
                print(f"run {run_id} from {path}", flush=True)
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    import asyncio

    if args.strap:
        from footnote.device.parts.strap import scan_straps

        found = asyncio.run(scan_straps(timeout_s=args.timeout))
        if not found:
            print("no heart-rate strap found (is it on, moist at the electrodes, and not held by a watch?)")
            return 1
    else:
        from footnote.device.parts.footpod import scan_footpods

        found = asyncio.run(scan_footpods(timeout_s=args.timeout))
        if not found:
            print("no Running Speed and Cadence footpod found (is it awake, and not connected to a watch?)")
            return 1
    print(f"{'name':24} {'address':17}  signal")
    for pod in found:
        print(f"{pod.name:24} {pod.address:17}  {pod.rssi} dBm")
    return 0


def cmd_pair(args: argparse.Namespace) -> int:
    import tomllib
    from dataclasses import replace

    from footnote.device.config import default_config_path, load_config, parse_config, render_config, save_config

    path = Path(args.config) if args.config else default_config_path()
    config = load_config(path)
    if args.strap:
        paired = replace(config, strap=replace(config.strap, address=args.address.upper()))
    else:
        paired = replace(config, footpod=replace(config.footpod, address=args.address.upper()))
    # Checked as the saved file will be read back: a bad address is refused here.
    save_config(parse_config(tomllib.loads(render_config(paired)), path), path)
    print(f"{'strap' if args.strap else 'footpod'} {args.address.upper()} paired; saved in {path}")
    return 0


def cmd_attach(args: argparse.Namespace) -> int:
    from footnote.device.config import load_config
    from footnote.device.db.connect import open_writer
    from footnote.device.watch.attach import attach_watch_file
    from footnote.device.watch.read import MAX_WATCH_FILE_BYTES

    path: Path = args.file
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_WATCH_FILE_BYTES + 1)  # one byte over is enough for the reader to refuse it
    except OSError as exc:
        raise FootnoteError(f"cannot read {path}: {exc.strerror or exc}") from None
    conn = open_writer(resolve_db(args.db, load_config(args.config)))
    try:
        result = attach_watch_file(conn, args.run, data, name=path.name, accept=args.accept)
    finally:
        conn.close()
    activity = result.activity
    print(
        f"{path.name}: {activity.format.upper()}, {activity.sport or 'sport not named'}, "
        f"{len(activity.records)} records, {activity.start:%Y-%m-%d %H:%M:%S} to {activity.end:%H:%M:%S} UTC"
    )
    if result.already:
        print("attached before: nothing changed")
    for done in result.attached:
        a = done.alignment
        if a.method == "wall_clock":
            print(f"run {done.run_id}: attached by the wall clock, covering {done.overlap_s / 60:.0f} min of it")
        elif done.accepted:
            print(f"run {done.run_id}: attached by {a.method.replace('_', ' ')} (score {a.score}); its start corrected")
        else:
            print(
                f"run {done.run_id}: the Pi's clock was not synchronised; proposed from {a.method.replace('_', ' ')}: "
                f"the watch starts {a.watch_start_t_s:+.0f} s into the run (score {a.score}"
                + (f", next best {a.runner_up}" if a.runner_up is not None else "")
                + f"). Accept it with: footnote attach {done.run_id} {path} --accept"
            )
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "log",
        parents=[common],
        help="run the logger: button, feedback, footpod, store",
        description="Run the logger until stopped (Ctrl-C or SIGTERM): button presses, LED/buzzer feedback, the footpod, all into the database.",
    )
    add_db_option(p)
    p.add_argument("--record", type=Path, metavar="FILE", help="also write every raw input to this replay file")
    p.add_argument("--no-footpod", action="store_true", help="do not look for a footpod")
    p.add_argument("--no-strap", action="store_true", help="do not look for a heart-rate strap even when one is paired")
    p.set_defaults(func=cmd_log)

    p = sub.add_parser(
        "replay",
        parents=[common],
        help="feed record files through the logger, faster than real time",
        description="Replay record files (JSON Lines, see docs/recording.md) through the logger's own code path into the database.",
    )
    p.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="a record file written by footnote log --record (or by hand)",
    )
    add_db_option(p)
    p.add_argument(
        "--echo-feedback", action="store_true", help="print a line for each feedback pattern the runner would have seen"
    )
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser(
        "scan",
        parents=[common],
        help="list nearby Running Speed and Cadence footpods",
        description="Listen for footpods advertising Running Speed and Cadence (0x1814), strongest first.",
    )
    p.add_argument("--timeout", type=float, default=8.0, metavar="SECONDS", help="how long to listen (default 8)")
    p.add_argument("--strap", action="store_true", help="list heart-rate straps (Heart Rate Service 0x180D) instead")
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser(
        "pair",
        parents=[common],
        help="remember one footpod by its address",
        description="Save a footpod's address in the config: the logger then takes only that pod.",
    )
    p.add_argument(
        "address", help='the pod\'s Bluetooth address, as footnote scan prints it (e.g. "C0:FF:EE:00:00:01")'
    )
    p.add_argument("--strap", action="store_true", help="the address is a heart-rate strap's (footnote scan --strap)")
    p.set_defaults(func=cmd_pair)

    p = sub.add_parser(
        "attach",
        parents=[common],
        help="attach the watch's recording (FIT, TCX, GPX) to a run",
        description="Attach the watch's own file of a run: aligned by the wall clock, or, when the Pi's clock was "
        "not synchronised, by the movement (proposed; --accept takes it). The original file is kept.",
    )
    p.add_argument("run", type=int, metavar="RUN", help="the run's id, as footnote replay or the dashboard shows it")
    p.add_argument("file", type=Path, metavar="FILE", help="the watch's .fit, .tcx or .gpx file of that run")
    add_db_option(p)
    p.add_argument("--accept", action="store_true", help="accept the alignment proposed from the movement")
    p.set_defaults(func=cmd_attach)


def build_parser() -> argparse.ArgumentParser:
    # Options every command accepts, before or after its name. SUPPRESS keeps a value
    # given before the command from being reset by the subcommand's own default.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log more detail")
    common.add_argument(
        "--config",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="FILE",
        help="config file (default: $FOOTNOTE_CONFIG, else ~/.config/footnote/config.toml)",
    )
    parser = argparse.ArgumentParser(
        prog="footnote",
        description="footnote: a wearable numbness logger for runners, its dashboard and the doctor's export.",
        epilog="footnote COMMAND --help tells more about each command.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"footnote {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")
    register(sub, common)
    for name in (*COMMAND_MODULES, *installed_command_modules()):
        importlib.import_module(name).register(sub, common)
    return parser


def database_error(args: argparse.Namespace, exc: sqlite3.DatabaseError) -> str:
    """One line for an SQLite error no command expected: which file, and what to do."""

    try:
        from footnote.device.config import load_config

        path: Path | str = resolve_db(getattr(args, "db", None), load_config(args.config))
    except Exception:  # the config itself may be what is broken: still say something useful
        path = "the database"
    if isinstance(exc, sqlite3.OperationalError):
        return f"could not use {path}: {exc} (is the card full, read-only or missing?)"
    return advice(path, str(exc))


def demo_hint(args: argparse.Namespace, exc: FootnoteError) -> str:
    """After `footnote demo`, a command without --db finds no database of the runner's own:
    name the demo's, so `footnote analyze` right after `make demo` says where to look."""
    if not isinstance(exc, NoDatabase) or getattr(args, "db", None) or not demo_db().exists():
        return ""
    return f"; the demo's runs are in {demo_db()}: footnote {args.command} --db {demo_db()}"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    args.verbose = getattr(args, "verbose", False)
    args.config = getattr(args, "config", None)
    os.umask(PRIVATE_UMASK)  # health data: every file footnote makes is the runner's alone
    # The logger's own progress (runs opened and closed) matters in its journal; for the
    # other commands it is noise unless asked for with -v.
    quiet = logging.INFO if args.command == "log" else logging.WARNING
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else quiet,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return args.func(args)
    except FootnoteError as exc:
        print(f"footnote: {exc}{demo_hint(args, exc)}", file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as exc:  # a damaged file found mid-query, a full or read-only card
        print(f"footnote: {database_error(args, exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

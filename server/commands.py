"""`footnote demo`, `footnote serve`, `footnote password`, `footnote analyze` and `footnote
export`: thin handlers over the server library. Registered by footnote.device.cli through
the entry point "footnote.commands" (pyproject.toml); each handler
imports the dashboard's packages itself, so the logger's commands never load them."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from footnote.device.config import default_config_path, load_config
from footnote.device.db.connect import open_reader
from footnote.device.paths import check_output_file, resolve_db


def _run_ids(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected run ids separated by commas, like 3,4 (got {text!r})") from None


def cmd_analyze(args: argparse.Namespace) -> int:
    from footnote.device.db.reader import get_run_row, list_runs, load_runs
    from footnote.server.analysis import analyze_run, summarize
    from footnote.server.words import present
    from footnote.server.words import sentences as wording
    from footnote.server.words.vocabulary import DISCLAIMER, clock, km

    conn = open_reader(resolve_db(args.db, load_config(args.config)))
    try:
        rows = [get_run_row(conn, args.run)] if args.run is not None else list_runs(conn)
        analyses = [analyze_run(run) for run in load_runs(conn, rows)]
    finally:
        conn.close()
    summary = summarize(analyses)
    if args.json:
        print(
            json.dumps(
                {
                    # Segments are many (one per stop and start): only on request.
                    "runs": [present.run(a, segments=args.segments) for a in analyses],
                    "summary": present.summary(summary),
                    "disclaimer": DISCLAIMER,
                },
                indent=2,
            )
        )
        return 0
    for ra in analyses:
        print(
            f"run {ra.run_id}  {ra.started_at:%Y-%m-%d %H:%M}  {clock(ra.duration_s)}  {km(ra.distance_m)}  pattern: {ra.pattern}"
        )
        if ra.packets is not None:
            for warning in wording.packets(ra.packets):
                print(f"  ! {warning}")
        if ra.cadence is not None and ra.packets is not None and ra.packets.decoded:
            print(f"  {wording.cadence_decision(ra.cadence)}")
        for ep in ra.episodes:
            print(f"  episode {ep.number}: {ep.label}")
            for line in wording.episode_evidence(ep):
                print(f"    - {line}")
    print()
    print(f"across {summary.runs} runs: {summary.pattern}")
    for line in wording.summary_evidence(summary):
        print(f"  - {line}")
    for flag in summary.red_flags:
        print(f"  ! {wording.red_flag(flag)}")
    print()
    print(DISCLAIMER)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from footnote.server.dashboard.serve import serve

    return serve(
        db_path=resolve_db(args.db, load_config(args.config)),
        host=args.host,
        port=args.port,
        config_path=args.config,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
    )


def cmd_password(args: argparse.Namespace) -> int:
    from footnote.device.config import set_password_hash
    from footnote.server.dashboard.passwords import hash_password, read_new_password

    path = Path(args.config) if args.config else default_config_path()
    password = read_new_password(from_stdin=args.stdin)
    set_password_hash(path, hash_password(password))
    print(f"dashboard password set: its argon2id hash is saved in {path} (dashboard.password_hash)")
    print("restart the dashboard to use it (this logs everyone out): sudo systemctl restart footnote-dashboard")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from footnote.server.exports import FORMATS, SAMPLES_CSV, collect, parse_day
    from footnote.server.words.vocabulary import RUN_NOT_SHOWN

    fmt = FORMATS[args.format]
    written = [(fmt, args.out)]
    if args.samples:
        written.append((SAMPLES_CSV, args.out.with_name(args.out.stem + "-samples.csv")))
    for _, path in written:
        check_output_file(path, option="--out")
    config = load_config(args.config)
    data = collect(
        resolve_db(args.db, config),
        since=parse_day(args.since, "--since"),
        until=parse_day(args.until, "--until"),
        name=args.name,
        samples_of=args.samples or fmt.samples_of,
        units=config.dashboard.units,
    )
    for each, path in written:
        with open(path, "wb") as out:
            each.write(data, out)
    episodes = sum(len(ra.episodes) for ra in data.analyses)
    print(f"exported {len(data.rows)} runs, {episodes} episodes: " + ", ".join(str(path) for _, path in written))
    for row in data.not_shown:
        print(RUN_NOT_SHOWN.format(run_id=row.id, started=row.started_at.isoformat()))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from footnote.device.demo import build_demo_db
    from footnote.device.paths import demo_db

    db_path = args.db or demo_db()
    if not args.no_serve:  # a busy port is said before the demo is built, not after
        from footnote.server.dashboard.serve import check_port

        dashboard = load_config(args.config).dashboard
        check_port(args.host or dashboard.host, args.port or dashboard.port)
    summary = build_demo_db(db_path)
    print(f"demo database: {db_path}")
    print(summary)
    if args.no_serve:
        return 0
    try:
        from footnote.server.dashboard.serve import serve
    except ImportError:
        print("the dashboard is not installed (pip install 'footnote[server]')")
        return 0
    return serve(db_path=db_path, host=args.host, port=args.port, config_path=args.config)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from footnote.device.paths import add_db_option

    p = sub.add_parser(
        "demo",
        parents=[common],
        help="replay the bundled demo runs into a fresh database and serve the dashboard",
        description="Replay the bundled demo runs into a fresh demo database (never your own) and serve the dashboard on it.",
    )
    p.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="FILE",
        help="the demo database: a new file, or one footnote demo made, which it replaces (default: demo.db beside the default database)",
    )
    p.add_argument(
        "--host", default=None, help="address to listen on (default: dashboard.host in the config, 127.0.0.1)"
    )
    p.add_argument(
        "--port", type=int, default=None, help="port to listen on (default: dashboard.port in the config, 8765)"
    )
    p.add_argument("--no-serve", action="store_true", help="build the demo database only")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "serve",
        parents=[common],
        help="serve the dashboard (127.0.0.1 unless the config says otherwise)",
        description=(
            "Serve the dashboard. Anything but loopback needs a password (footnote password); on the local network "
            "it prints the address to open on your phone, the Pi's .local name and a QR code."
        ),
    )
    add_db_option(p)
    p.add_argument("--host", help="address to listen on (default: dashboard.host in the config, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default: dashboard.port in the config, 8765)")
    p.add_argument(
        "--ssl-certfile",
        type=Path,
        metavar="FILE",
        help="serve HTTPS with this PEM certificate (default: dashboard.ssl_certfile in the config; see docs/dashboard.md)",
    )
    p.add_argument(
        "--ssl-keyfile",
        type=Path,
        metavar="FILE",
        help="the certificate's private key, PEM (default: dashboard.ssl_keyfile in the config)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "password",
        parents=[common],
        help="set the dashboard's password (stored as an argon2id hash, never as text)",
        description=(
            "Set the dashboard's password: asked twice without echo, hashed with argon2id and saved in the config "
            "as dashboard.password_hash (every other line is kept; a plain-text dashboard.password is removed)."
        ),
    )
    p.add_argument(
        "--stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of asking (for scripts)",
    )
    p.set_defaults(func=cmd_password)

    p = sub.add_parser(
        "analyze",
        parents=[common],
        help="label each numbness episode with its evidence, and summarise across runs",
        description=(
            "Label each numbness episode (resolves at rest, steadily worsening, indeterminate) with its evidence; "
            "summarise across runs; list red flags."
        ),
    )
    add_db_option(p)
    p.add_argument("--run", type=int, metavar="ID", help="one run only")
    p.add_argument("--json", action="store_true", help="machine-readable output (a stable interface, see docs/json.md)")
    p.add_argument(
        "--segments",
        action="store_true",
        help="with --json: add each run's movement segments (start_s, end_s, state, why)",
    )
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser(
        "export",
        parents=[common],
        help="export for the doctor: PDF report, CSV or FHIR R4 bundle",
        description="Write the doctor's export: a PDF report, a CSV of episodes, or a FHIR R4 document bundle.",
    )
    add_db_option(p)
    p.add_argument(
        "--format",
        required=True,
        choices=["pdf", "csv", "runs-csv", "fhir"],
        help="pdf report, csv table (one row per episode), runs-csv (one row per run, with or without numbness), "
        "or fhir R4 bundle",
    )
    p.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="FILE",
        help="the file to write",
    )
    p.add_argument("--since", metavar="DAY", help="first day, e.g. 2026-11-01 (local dates, inclusive)")
    p.add_argument("--until", metavar="DAY", help="last day, inclusive")
    p.add_argument("--name", help="the runner's name for the report (default: anonymous)")
    p.add_argument(
        "--samples",
        type=_run_ids,
        metavar="IDS",
        help="CSV only: also write OUT-samples.csv with the footpod samples of these runs, e.g. 3,4",
    )
    p.set_defaults(func=cmd_export)

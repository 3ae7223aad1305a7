"""`footnote analyze`, `footnote serve` and `footnote export`: thin wrappers over the
server library (device/cli.py hands these subcommands over)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from footnote.device.errors import FootnoteError
from footnote.device.paths import default_db


def _db(args) -> Path:
    """--db, else logger.db in the config, else $FOOTNOTE_DB or the per-user default."""
    if args.db:
        return args.db
    from footnote.device.config import load_config

    configured = str(load_config(args.config)["logger.db"])
    return Path(configured) if configured else default_db()


def cmd_analyze(args) -> int:
    from footnote.server.analysis import DISCLAIMER, analyze_run, clock, km, summarize
    from footnote.server.jsonable import jsonable
    from footnote.server.rundata import get_run_row, list_runs, load_runs, open_read_only

    conn = open_read_only(_db(args))
    rows = [get_run_row(conn, args.run)] if args.run is not None else list_runs(conn)
    analyses = [analyze_run(run) for run in load_runs(conn, rows)]
    summary = summarize(analyses)
    if args.json:
        print(json.dumps({"runs": jsonable([{**jsonable(a), "segments": None} for a in analyses]), "summary": jsonable(summary), "disclaimer": DISCLAIMER}, indent=2))
        return 0
    for ra in analyses:
        print(f"run {ra.run_id}  {ra.started_at:%Y-%m-%d %H:%M}  {clock(ra.duration_s)}  {km(ra.distance_m)}  pattern: {ra.pattern}")
        for ep in ra.episodes:
            print(f"  episode {ep.number}: {ep.label}")
            for line in ep.evidence:
                print(f"    - {line}")
    print()
    print(f"across {summary.runs} runs: {summary.pattern}")
    for line in summary.evidence:
        print(f"  - {line}")
    for flag in summary.red_flags:
        print(f"  ! {flag.text}")
    print()
    print(DISCLAIMER)
    return 0


def cmd_serve(args) -> int:
    from footnote.server.serve import serve

    return serve(db_path=_db(args), host=args.host, port=args.port, config_path=args.config)


def cmd_export(args) -> int:
    from footnote.server.export_data import collect, parse_day, write_export

    since, until = parse_day(args.since, "--since"), parse_day(args.until, "--until")
    sample_runs = [int(r) for r in args.samples.split(",")] if args.samples else None
    data = collect(_db(args), since=since, until=until, name=args.name, with_samples=args.format == "pdf")
    written = write_export(args.format, data, args.out, sample_runs=sample_runs)
    episodes = sum(len(ra.episodes) for ra in data.analyses)
    print(f"exported {len(data.rows)} runs, {episodes} episodes: " + ", ".join(map(str, written)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="footnote")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="serve the dashboard (127.0.0.1 unless the config says otherwise)")
    p.add_argument("--db", type=Path)
    p.add_argument("--host", help="address to listen on (default: dashboard.host, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: dashboard.port, 8765)")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("analyze", help="per-episode labels with evidence, and the summary across runs")
    p.add_argument("--db", type=Path)
    p.add_argument("--run", type=int, help="one run only")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_analyze)
    p = sub.add_parser("export", help="export for the doctor: PDF report, CSV or FHIR R4 bundle")
    p.add_argument("--db", type=Path)
    p.add_argument("--format", required=True, choices=["pdf", "csv", "fhir"], help="pdf report, csv table, or fhir R4 bundle")
    p.add_argument("--out", required=True, help="file to write")
    p.add_argument("--since", help="first day, e.g. 2026-11-01 (local dates, inclusive)")
    p.add_argument("--until", help="last day, inclusive")
    p.add_argument("--name", help="the runner's name for the report (default: anonymous)")
    p.add_argument("--samples", help="CSV only: also write OUT-samples.csv with the footpod samples of these runs, e.g. 3,4")
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str], *, config: Path | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.config = config
    try:
        return args.func(args)
    except FootnoteError as exc:
        print(f"footnote: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"footnote: {exc}", file=sys.stderr)
        return 2
    except LookupError as exc:
        print(f"footnote: {exc.args[0]}", file=sys.stderr)
        return 2

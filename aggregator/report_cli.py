"""`ambient report ...`: hand-hygiene, mobility, falls, home and model-version (live vs shadow)
reports from the roll-ups.

    ambient report hand-hygiene --from 2026-01-01 --to 2026-02-01 --unit hosp1/4west \
        --redis redis://127.0.0.1:6379/0 --out reports/ [--catch-up] [--no-pdf]
    ambient report rollup --redis URL        # bring the roll-ups up to date, then exit

``--to`` is the first day not included. Imports nothing heavy until a command runs.
"""

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

REPORTS = ("hand-hygiene", "mobility", "falls", "home", "models")


def _unit(text: str) -> tuple[str, str]:
    site, _, unit = text.partition("/")
    if not site or not unit:
        raise argparse.ArgumentTypeError(f"expected SITE/UNIT, got {text!r}")
    return site, unit


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    parser = commands.add_parser("report", help="analytics reports (HTML, CSV, PDF)")
    sub = parser.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    for name in REPORTS:
        one = sub.add_parser(name, help=f"{name} report for one unit")
        one.add_argument("--from", dest="start", type=date.fromisoformat, required=True)
        one.add_argument(
            "--to", dest="end", type=date.fromisoformat, required=True, help="first day NOT in"
        )
        one.add_argument("--unit", type=_unit, required=True, help="SITE/UNIT")
        one.add_argument("--redis", required=True, help="redis://HOST:PORT/DB")
        one.add_argument("--out", type=Path, required=True, help="directory for the files")
        one.add_argument("--no-pdf", action="store_true", help="HTML and CSV only")
        one.add_argument(
            "--catch-up", action="store_true", help="apply new stream entries to the roll-ups first"
        )
        one.set_defaults(handler=_report, report=name)
    rollup = sub.add_parser("rollup", help="apply every new stream entry to the roll-ups")
    rollup.add_argument("--redis", required=True, help="redis://HOST:PORT/DB")
    rollup.set_defaults(handler=_rollup)


def _catch_up(url: str) -> str:
    import time

    import redis

    from aggregator.analytics.consumer import AnalyticsConsumer

    began = time.perf_counter()
    client = redis.Redis.from_url(url, protocol=2)
    try:
        done = AnalyticsConsumer(client).catch_up()
    finally:
        client.close()
    took = time.perf_counter() - began
    return f"roll-ups: {done.entries} entries applied ({done.events} events) in {took:.1f} s"


def _rollup(args: argparse.Namespace) -> int:
    print(_catch_up(args.redis))
    return 0


def _report(args: argparse.Namespace) -> int:
    import time

    import redis

    from aggregator.analytics.query import ReportQuery
    from aggregator.reports.build import build_report, write_report
    from aggregator.reports.outcomes import StoredOutcomes

    if args.end <= args.start:
        print("error: --to must be after --from", file=sys.stderr)
        return 2
    if args.catch_up:
        print(_catch_up(args.redis))
    site, unit = args.unit
    query = ReportQuery(site, unit, args.start, args.end)
    client = redis.Redis.from_url(args.redis)
    began = time.perf_counter()
    report = build_report(
        client,
        args.report,
        query,
        now_ms=int(time.time() * 1000),
        outcomes=StoredOutcomes(client),
    )
    paths = write_report(report, args.out, pdf=not args.no_pdf)
    client.close()
    took = time.perf_counter() - began
    print(f"{args.report} {site}/{unit} {args.start}..{args.end}: {took:.2f} s")
    for path in paths:
        print(f"  {path}")
    return 0

"""`ambient models evaluate` arguments (nothing heavy imported here)."""

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: "argparse._SubParsersAction[Any]") -> None:
    parser = sub.add_parser(
        "evaluate",
        help="evaluate on held-out data, write a report (and, when asked, the model cards)",
        description="Run the edge pipeline on a simulated dataset's held-out clips and days "
        "and/or on a folder of labelled real thermal recordings, score it against the labels "
        "and write an HTML report and metrics.json; with --write-cards also the evaluation "
        "section of the model cards.",
    )
    parser.add_argument("--dataset", type=Path, default=None, help="simulated dataset dir")
    parser.add_argument(
        "--real",
        type=Path,
        default=None,
        help="folder of labelled real thermal recordings with an index.csv",
    )
    parser.add_argument(
        "--real-folds",
        type=Path,
        default=None,
        help="fold directories of a held-out protocol (each clip is run by the fold that never "
        "saw it); default: --models-dir, for every clip its models never saw",
    )
    parser.add_argument(
        "--real-sets",
        default="",
        help="comma-separated sets of the real index (default: all)",
    )
    parser.add_argument("--split", default="test", help="split to evaluate (default: test)")
    parser.add_argument("--days", type=int, default=None, help="at most this many days")
    parser.add_argument(
        "--all-days",
        action="store_true",
        help="use every day of the dataset, not only the split's (days are normal activity; "
        "training reads clips only)",
    )
    parser.add_argument(
        "--day-hours", type=float, default=None, help="run only the first H hours of each day"
    )
    parser.add_argument(
        "--day-fps", type=int, default=None, help="render days at this frame rate (default: spec)"
    )
    parser.add_argument(
        "--thermal", type=Path, default=None, help="dir of thermal .npz clips with labels"
    )
    parser.add_argument("--out", type=Path, default=Path("report"), help="report dir")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument(
        "--models-dir",
        type=Path,
        default=None,
        help="the models that run the real clips, and where the cards are (default: the "
        "shipped ones)",
    )
    parser.add_argument(
        "--write-cards",
        action="store_true",
        help="replace the evaluation sections of each CARD.md under --models-dir with this "
        "run's figures (simulated: every model; --real: the thermal models' real-recordings "
        "section) (off by default: the shipped cards change only when asked)",
    )
    parser.add_argument("--limit", type=int, default=None, help="at most N clips (quick look)")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from models.evaluate.evaluate import EvaluationError, Options, evaluate

    if args.workers < 1:
        print(f"error: --workers must be at least 1, got {args.workers}", file=sys.stderr)
        return 2
    if args.write_cards and args.limit is not None:
        print("error: --write-cards needs a whole evaluation, not --limit", file=sys.stderr)
        return 2
    if args.dataset is None and args.real is None:
        print("error: give --dataset (simulated) and/or --real (real recordings)", file=sys.stderr)
        return 2
    options = Options(
        dataset=args.dataset,
        out=args.out,
        split=args.split,
        days=args.days,
        day_hours=args.day_hours,
        day_fps=args.day_fps,
        thermal=args.thermal,
        all_days=args.all_days,
        workers=args.workers,
        models_dir=args.models_dir,
        cards=args.write_cards,
        limit=args.limit,
        real=args.real,
        real_folds=args.real_folds,
        real_sets=tuple(s for s in args.real_sets.split(",") if s),
    )
    try:
        summary = evaluate(options)
    except EvaluationError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for target in summary["targets"] + summary.get("real", {}).get("targets", []):
        value = target["value"]
        shown = "–" if value is None else f"{value:.3g}"
        task = target.get("task") or f"real {target['set']}"
        print(
            f"{task:>14} | {target['what']:<38} | {shown:>7} "
            f"({target['direction']} {target['target']:g}) {target['verdict']}"
        )
    print(f"report: {args.out / 'index.html'}")
    for card in summary["run"].get("cards", []):
        print(f"card: {card}")
    return 0

"""`ambient models train` arguments (nothing heavy imported here: torch loads when it runs)."""

import argparse
import logging
from pathlib import Path
from typing import Any

TASK_CHOICES = ("posture", "fall", "dispenser", "thermal", "all")
"""`all`: the depth models and the thermal activity model."""


def register(sub: "argparse._SubParsersAction[Any]") -> None:
    parser = sub.add_parser(
        "train",
        help="train the depth and thermal models on simulator data, export ONNX + sidecar",
        description="Runs the edge pipeline over the dataset's train and val clips (rows "
        "cached per item), trains a tiny window classifier per task on train, picks "
        "thresholds on val, and writes <out>/<task>/model.onnx, model.json and CARD.md. "
        "Needs the 'train' extra (torch, onnx). The test split is never read. --task thermal "
        "renders (or reuses) its own thermal clips under the cache and trains "
        "<out>/thermal-activity.",
    )
    parser.add_argument("--dataset", type=Path, required=True, help="dataset directory")
    parser.add_argument("--task", choices=TASK_CHOICES, default="all", help="which model")
    parser.add_argument("--out", type=Path, default=Path("models"), help="models directory")
    parser.add_argument("--seed", type=int, default=0, help="training seed")
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="where pipeline rows are cached (default: the features/ folder of `ambient cache`)",
    )
    parser.add_argument("--max-items", type=int, default=None, help="use only N train clips")
    parser.add_argument(
        "--extra-clips",
        type=int,
        default=16,
        help="staff visits and assisted walks rendered beside the dataset (its clips hold few "
        "hand rubs and little walking); every 4th is held out for validation; cached",
    )
    parser.add_argument("--epochs", type=int, default=40, help="training epochs")
    parser.add_argument("--version", default="1.0.0", help="semantic version of the models")
    parser.set_defaults(handler=_train)


def _train(args: argparse.Namespace) -> int:
    try:
        from models.training.run import RunOptions, run
    except ImportError as e:  # torch or onnx missing
        raise SystemExit(f"ambient models train needs the 'train' extra: {e}") from e

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("edge_agent").setLevel(logging.WARNING)  # per-event lines while extracting
    depth_tasks = ("posture", "fall", "dispenser")
    tasks = depth_tasks if args.task == "all" else tuple({args.task} & set(depth_tasks))
    if args.task in ("thermal", "all"):
        from models.thermal.train import main as train_thermal

        code = train_thermal(None, args.out / "thermal-activity", args.seed)
        if code or not tasks:
            return code
    written = run(
        RunOptions(
            dataset=args.dataset.expanduser(),
            out=args.out,
            tasks=tasks,
            seed=args.seed,
            cache_dir=args.cache.expanduser() if args.cache else None,
            max_items=args.max_items,
            extra_clips=args.extra_clips,
            epochs=args.epochs,
            version=args.version,
        )
    )
    for name, side in written.items():
        print(f"{name} {side.version}: {side.metrics}")
    return 0

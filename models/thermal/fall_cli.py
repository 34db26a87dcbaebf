"""`ambient models train-thermal-fall`: the fall model from real clips (and simulated ones),
under a held-out protocol (nothing heavy imported here: torch loads when it runs)."""

import argparse
import logging
import shutil
import sys
from pathlib import Path
from typing import Any


def register(sub: "argparse._SubParsersAction[Any]") -> None:
    parser = sub.add_parser(
        "train-thermal-fall",
        help="train the thermal fall model from labelled real clips, per fold of a protocol",
        description="Replays every clip through the on-device thermal perception (cached), "
        "trains the descent model on clip labels and writes <out>/thermal-fall (protocol "
        "none: the model to ship) or one models directory per fold, <out>/<fold>/, each with "
        "a thermal-fall that never saw the fold's held-out (set, group)s and a copy of the "
        "shipped thermal-activity, ready for 'ambient models evaluate --real DIR "
        "--real-folds <out>'. Needs the 'train' extra (torch, onnx).",
    )
    parser.add_argument("--real", type=Path, default=None, help="real folder (index.csv)")
    parser.add_argument(
        "--sim",
        type=Path,
        default=None,
        help="a simulated thermal dataset ('ambient sim dataset --thermal'): its train and "
        "val clips join every fold's training",
    )
    parser.add_argument(
        "--protocol",
        choices=("groups", "loso", "none"),
        default="groups",
        help="groups: 5 folds by session/person/scene within every set; loso: one fold per "
        "set; none: train on everything (default: groups)",
    )
    parser.add_argument("--sets", default="", help="comma-separated real sets (default: all)")
    parser.add_argument("--out", type=Path, required=True, help="models or folds directory")
    parser.add_argument("--epochs", type=int, default=24, help="training epochs")
    parser.add_argument("--seed", type=int, default=0, help="training seed")
    parser.add_argument("--version", default="1.0.0", help="semantic version of the model")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        from models.thermal.fall_train import TrainOptions, train_fold
    except ImportError as e:  # torch or onnx missing
        print(f"error: training needs the 'train' extra: {e}", file=sys.stderr)
        return 2
    from edge_agent.inference.runtime import MODELS_DIR
    from models.evaluate.real.index import RealIndexError
    from models.thermal.fall_bags import plan_folds, real_bags
    from models.thermal.fall_sim import sim_bags

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("edge_agent").setLevel(logging.ERROR)
    if args.real is None and args.sim is None:
        print("error: give --real DIR and/or --sim DATASET", file=sys.stderr)
        return 2
    if args.real is None and args.protocol != "none":
        print(
            "error: without --real there is nothing to hold out: --protocol none", file=sys.stderr
        )
        return 2
    bags = []
    sim_info: dict[str, Any] = {}
    try:
        if args.real is not None:
            bags += real_bags(args.real, tuple(s for s in args.sets.split(",") if s))
        if args.sim is not None:
            simulated, sim_info = sim_bags(args.sim)
            bags += simulated
    except (RealIndexError, OSError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    options = TrainOptions(epochs=args.epochs, seed=args.seed, version=args.version, sim=sim_info)
    for fold in plan_folds(bags, args.protocol):
        out = args.out if args.protocol == "none" else args.out / fold.name
        side = train_fold(bags, fold, out, options)
        if args.protocol != "none":
            activity = out / "thermal-activity"
            shutil.rmtree(activity, ignore_errors=True)
            shutil.copytree(MODELS_DIR / "thermal-activity", activity)
        print(f"{fold.name}: thresholds {side.thresholds} {side.metrics}")
    return 0

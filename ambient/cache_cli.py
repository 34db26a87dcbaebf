"""`ambient cache`: what the project keeps in its cache folder, and clearing it."""

import argparse
from typing import Any


def register(commands: "argparse._SubParsersAction[Any]") -> None:
    parser = commands.add_parser(
        "cache",
        help="show (or --clear) the cache of rendered recordings, features and clips",
        description="Everything is kept under $XDG_CACHE_HOME/ambient (~/.cache/ambient); "
        "it is rendered again when next needed.",
    )
    parser.add_argument(
        "--clear", action="store_true", help="delete it all (not while tests or the demo run)"
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from ambient import cache

    root = cache.cache_root()
    if args.clear:
        print(f"cache: deleted {root} ({cache.human(cache.clear(root))} freed)")
        return 0
    parts = cache.usage(root)
    total = sum(u.bytes for u in parts)
    print(f"cache: {root}: {cache.human(total)} (clear with: ambient cache --clear)")
    for u in parts:
        print(
            f"  {u.path.name + '/' if u.path.is_dir() else u.path.name:<16} {u.files:>6} files"
            f" {cache.human(u.bytes):>10}"
        )
    return 0

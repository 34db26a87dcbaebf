"""`python -m aggregator run --config central.yaml`: same as `ambient aggregator run`."""

import sys

from ambient.cli import main

if __name__ == "__main__":
    sys.exit(main(["aggregator", *sys.argv[1:]]))

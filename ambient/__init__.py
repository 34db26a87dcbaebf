"""The `ambient` command and the demo that wires every part together on one machine."""

__version__ = "0.1.0"

"""Synthetic rooms, people and sensors: real RealSense recordings with ground truth.

Importing this package is cheap (no numpy, no camera SDK), so `ambient --help` stays fast;
the heavy modules are imported by the commands that use them.
"""

SIMULATOR_VERSION = "7"
"""Bumped whenever rendering or scenarios change, so cached recordings are rebuilt."""

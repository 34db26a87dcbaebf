"""Frame sources behind one protocol: RealSense live and recorded, thermal arrays, simulator."""

from edge_agent.sources.base import DepthFrame, FrameSource, Intrinsics, SourceError

__all__ = ["DepthFrame", "FrameSource", "Intrinsics", "SourceError"]

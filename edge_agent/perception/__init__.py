"""Perception: depth frames → background/foreground → room points → people blobs → tracks."""

from edge_agent.perception.config import PerceptionConfig

__all__ = ["PerceptionConfig"]

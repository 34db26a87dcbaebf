"""Synthetic rooms, people and sensors: RealSense recordings with ground truth."""

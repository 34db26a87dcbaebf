"""Evaluation of the edge pipeline and its models on held-out simulated data."""

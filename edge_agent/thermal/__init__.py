"""Thermal arrays (8×8 Grid-EYE up to 160×120 Lepton): people as warm blobs, falls from a
frame-window model, occupancy and sensor health. `ThermalPipeline` is the entry point."""

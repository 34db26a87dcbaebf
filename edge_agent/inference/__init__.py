"""On-device inference: ONNX models loaded by their sidecars, per-track feature windows.

The model files live in the `models/` folder (artefacts, training and evaluation); nothing
here imports that package's code, so a sensor box never loads training code or torch.
"""

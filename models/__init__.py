"""Activity models: ONNX files with JSON sidecars, and the code that trains them."""

"""Training the depth models: dataset → pipeline rows → labelled windows → torch → ONNX.

Only `train` imports torch; everything else here is numpy and the edge pipeline, so the
extraction can be tested and cached without the ``train`` extra.
"""

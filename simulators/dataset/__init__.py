"""Datasets of simulated recordings: randomised clips with labels, long days as specs.

`ambient sim dataset` (see `simulators.dataset.cli`) builds them; `ItemSpec` describes one
item so it can be rendered again anywhere, and `simulators.dataset.frames` is the one render
loop shared by recordings and `simulators.source.SimulatedSource`. Importing this
package is cheap; its modules import numpy and the renderer.
"""

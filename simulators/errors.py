"""The simulators' root error (see ``ambient.errors``)."""

from ambient.errors import AmbientError


class SimulatorError(AmbientError):
    """A scene, a dataset or a fleet cannot be made as asked."""

"""The edge agent's root error (see ``ambient.errors``)."""

from ambient.errors import AmbientError


class EdgeError(AmbientError):
    """An edge agent cannot do what it was asked: camera, outbox, link, models, config."""

"""The aggregator's root error (see ``ambient.errors``)."""

from ambient.errors import AmbientError


class AggregatorError(AmbientError):
    """The aggregator refuses an action or cannot reach what it needs."""

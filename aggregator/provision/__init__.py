"""Device identities: the project's own CA, broker password lines, and the ACL per device.

Used by `ambient aggregator ca init` and `ambient aggregator provision-device`, and by tests
that need a TLS broker with real credentials.
"""

from aggregator.errors import AggregatorError


class ProvisionError(AggregatorError):
    """A device or certificate that cannot be issued (bad id, collision, missing CA)."""

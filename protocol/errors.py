"""The wire contract's root error (see ``ambient.errors``)."""

from ambient.errors import AmbientError


class WireError(AmbientError):
    """A topic or payload is not what the contract says (pydantic's ValidationError aside)."""

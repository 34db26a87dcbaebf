"""The models package's root error (see ``ambient.errors``)."""

from ambient.errors import AmbientError


class ModelsError(AmbientError):
    """Training or evaluation cannot run as asked (data, folds, protocol)."""

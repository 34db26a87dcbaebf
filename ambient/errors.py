"""The root of every error the project raises on purpose.

Each package has its own root (``EdgeError``, ``AggregatorError``, ``SimulatorError``,
``ModelsError``, ``WireError``) under this one, and each error also keeps the built-in
base it always had (``ValueError``, ``RuntimeError``...), so older ``except`` clauses still
catch it. The ``ambient`` command turns any of them that reaches it into one line on stderr
and exit status 1: a traceback is for a bug, not for a missing file or a bad setting.
"""


class AmbientError(Exception):
    """Something the user can act on: its message says what and where, in one line."""

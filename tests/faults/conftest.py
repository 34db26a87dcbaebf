"""The fault tier: each test marked ``faults``; the matrix printed at the end of the run."""

import pytest

from tests.faults.rig import RESULTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not RESULTS:
        return
    terminalreporter.section("fault matrix (events sent / stored / duplicated / lost)")
    for result in RESULTS:
        terminalreporter.write_line(result.line())

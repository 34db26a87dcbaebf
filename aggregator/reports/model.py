"""What a report is, independent of how it is shown."""

from dataclasses import asdict, dataclass, field
from typing import Literal

Cell = str | int | float | None


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list[Cell]]


@dataclass(frozen=True, slots=True)
class Chart:
    """A bar chart (categories) or a line chart (a trend); one value list per series."""

    title: str
    kind: Literal["bar", "line"]
    labels: list[str]
    series: dict[str, list[float | None]]
    unit: str = ""


@dataclass(slots=True)
class Report:
    kind: str
    title: str
    site: str
    unit: str
    start: str
    end: str
    """First day not included."""
    figures: dict[str, Cell] = field(default_factory=dict)
    """The headline numbers, label -> value."""
    notes: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    def table(self, title: str) -> Table:
        for table in self.tables:
            if table.title == title:
                return table
        raise KeyError(title)


def pct(num: int, den: int) -> float | None:
    """A percentage with one decimal, None when there is nothing to divide by."""
    return round(100.0 * num / den, 1) if den else None


def ratio(num: float, den: float, digits: int = 2) -> float | None:
    return round(num / den, digits) if den else None

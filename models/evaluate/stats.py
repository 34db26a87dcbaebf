"""Small statistics for the report: Wilson intervals, medians, reliability and calibration."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """95% Wilson score interval for k successes in n trials (None when n is 0).

    Unlike the normal approximation it stays inside [0, 1] and is honest at 0/n and n/n,
    which is where small simulated subgroups sit.
    """
    if n <= 0:
        return None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(k: int, n: int) -> float | None:
    return k / n if n > 0 else None


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def poisson_upper(count: int, exposure: float) -> float | None:
    """Upper end of the 95% one-sided interval of a rate (count per unit of exposure).

    Exact for 0 (the rule of three: 3.0 / exposure); for more, the Wilson-Hilferty
    approximation of the chi-square quantile, good to a few percent.
    """
    if exposure <= 0:
        return None
    if count == 0:
        return -math.log(0.05) / exposure
    k = count + 1
    z = 1.6448536269514722
    q = k * (1 - 1 / (9 * k) + z / (3 * math.sqrt(k))) ** 3
    return q / exposure


@dataclass(frozen=True, slots=True)
class Bin:
    lo: float
    hi: float
    n: int
    confidence: float | None
    """Mean confidence of the events in the bin."""
    accuracy: float | None
    """Share of them that were right."""


def reliability(pairs: Sequence[tuple[float, bool]], bins: int = 10) -> list[Bin]:
    """Events binned by confidence, each bin with its mean confidence and hit rate."""
    counts = [0] * bins
    confs = [0.0] * bins
    hits_ = [0] * bins
    for confidence, correct in pairs:
        i = min(bins - 1, max(0, int(confidence * bins)))
        counts[i] += 1
        confs[i] += confidence
        hits_[i] += int(correct)
    out = []
    for i, (n, conf, hits) in enumerate(zip(counts, confs, hits_, strict=True)):
        out.append(
            Bin(
                i / bins,
                (i + 1) / bins,
                n,
                conf / n if n else None,
                hits / n if n else None,
            )
        )
    return out


def expected_calibration_error(table: Sequence[Bin]) -> float | None:
    """Mean |accuracy − confidence| over bins, weighted by their share of events."""
    total = sum(b.n for b in table)
    if total == 0:
        return None
    return sum(b.n / total * abs((b.accuracy or 0.0) - (b.confidence or 0.0)) for b in table if b.n)

"""The statistics that say whether a thermal array looks real, computed the same way for both.

Real recordings (`simulators.thermal.calibration`) and simulated ones
(`simulators.thermal.simcheck`) go through these functions and nothing else, so a
difference between the two tables is a difference between the sensors, never between two
ways of measuring. All of them take frames as (N, H, W) °C and are vectorised.

Why these and not others:

- **contrast** is the hottest pixel minus an empty-room reference of the same pixel
  (`peak_excess`): the only absolute figure a detector can lean on. It is biased upward by
  noise (the maximum of 64 noisy pixels is above zero even in an empty room), and so is the
  simulator's, because both are measured alike.
- **pixel noise** is the temporal σ of each pixel in a quiet stretch after a slow moving mean
  and the frame-wide common mode are taken out (`quiet_noise`). Lag-1 differences are
  reported too, but not used as the noise: an array that low-pass filters its output has
  small frame-to-frame differences and a larger σ, and the ratio of the two shows the filter.
- **flicker** is the frame-wide common mode that remains after the slow trend, corrected for
  the part of it that is just the pixels' own noise averaged.
"""

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Stats = dict[str, float | int]


def summary(values: npt.ArrayLike, digits: int = 3) -> Stats:
    """n, mean, p10, p50, p90 of `values` (NaNs dropped); n = 0 and nothing else when empty."""
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        return {"n": 0}
    p10, p50, p90 = np.percentile(x, [10, 50, 90])
    return {
        "n": int(x.size),
        "mean": rnd(x.mean(), digits),
        "p10": rnd(p10, digits),
        "p50": rnd(p50, digits),
        "p90": rnd(p90, digits),
    }


def rnd(value: float | np.floating, digits: int = 3) -> float:
    """A float for JSON: rounded, and -0.0 written as 0.0."""
    return float(round(float(value), digits)) + 0.0


def peak_excess(frames: Array, reference: Array) -> Array:
    """Per frame, the hottest pixel's excess over the reference (H, W) or references (N, H, W)."""
    excess: Array = (frames - reference).reshape(len(frames), -1).max(axis=1)
    return excess


def blob_px(frames: Array, reference: Array, threshold_c: float) -> npt.NDArray[np.int64]:
    """Per frame, how many pixels stand `threshold_c` or more above the reference."""
    counts: npt.NDArray[np.int64] = (
        (frames - reference >= threshold_c).reshape(len(frames), -1).sum(axis=1)
    )
    return counts


def binned(values: Array, keys: Array, edges: list[float]) -> list[dict[str, float | int]]:
    """`summary` of `values` in each [lo, hi) bin of `keys`."""
    out: list[dict[str, float | int]] = []
    for lo, hi in itertools.pairwise(edges):
        inside = (keys >= lo) & (keys < hi)
        out.append({"lo": lo, "hi": hi} | summary(values[inside]))
    return out


def moving_mean(x: Array, window: int) -> Array:
    """Centred moving mean along axis 0 with edge padding (same length as `x`)."""
    window = max(1, min(window, len(x)))
    before, after = window // 2, window - window // 2 - 1
    padded = np.pad(x, [(before, after)] + [(0, 0)] * (x.ndim - 1), mode="edge")
    c = np.cumsum(padded, axis=0, dtype=np.float64)
    c = np.concatenate([np.zeros((1, *x.shape[1:])), c])
    mean: Array = (c[window:] - c[:-window]) / window
    return mean


@dataclass(frozen=True, slots=True)
class Noise:
    """Temporal noise of one quiet stretch (°C), pixels pooled."""

    frames: int
    sigma_c: float
    """Temporal σ per pixel (median over pixels), slow trend and common mode removed."""
    lag1_sigma_c: float
    """σ of frame-to-frame differences / √2: equals sigma_c for white noise, less if filtered."""
    lag1_autocorr: float
    """Lag-1 autocorrelation of a pixel's noise (0 white; a first-order filter 1 − α)."""
    flicker_c: float
    """σ of the frame-wide common mode, with the pixels' averaged noise taken out."""
    max_of_pixels_c: float
    """Median over frames of the largest pixel deviation from its own mean (the empty-room
    'peak' a detector sees from noise alone)."""


def quiet_noise(frames: Array, fps: float, detrend_s: float = 5.0) -> Noise:
    """Noise figures of a stretch in which nothing moves (an empty room, background pixels)."""
    window = max(3, round(detrend_s * fps))
    residual = frames - moving_mean(frames, window)
    common = residual.reshape(len(frames), -1).mean(axis=1)
    pixel = residual - common[:, None, None]
    flat = pixel.reshape(len(frames), -1)
    # The moving mean takes 1/window of each pixel's own variance with it: put it back.
    keep = 1.0 - 1.0 / window
    sigma = float(np.median(flat.std(axis=0))) / np.sqrt(keep)
    lag1 = float(np.median(np.diff(flat, axis=0).std(axis=0))) / np.sqrt(2.0)
    a, b = flat[:-1] - flat[:-1].mean(axis=0), flat[1:] - flat[1:].mean(axis=0)
    denom = np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    ok = denom > 0
    ac1 = float(np.median((a * b).sum(axis=0)[ok] / denom[ok])) if ok.any() else 0.0
    n_pix = flat.shape[1]
    flicker_var = float(common.var()) / keep - sigma**2 / n_pix
    deviation = frames - frames.mean(axis=0)
    return Noise(
        frames=len(frames),
        sigma_c=rnd(sigma),
        lag1_sigma_c=rnd(lag1),
        lag1_autocorr=rnd(ac1),
        flicker_c=rnd(np.sqrt(max(flicker_var, 0.0))),
        max_of_pixels_c=rnd(np.median(deviation.reshape(len(frames), -1).max(axis=1))),
    )


def pooled(stretches: list[Noise]) -> dict[str, float | int]:
    """Frame-weighted pool of several stretches' figures (variances for σs, means otherwise)."""
    if not stretches:
        return {"stretches": 0}
    w = np.array([s.frames for s in stretches], dtype=np.float64)
    w /= w.sum()

    def rms(values: list[float]) -> float:
        return rnd(np.sqrt((w * np.square(values)).sum()))

    def mean(values: list[float]) -> float:
        return rnd((w * np.asarray(values)).sum())

    return {
        "stretches": len(stretches),
        "frames": int(sum(s.frames for s in stretches)),
        "sigma_c": rms([s.sigma_c for s in stretches]),
        "lag1_sigma_c": rms([s.lag1_sigma_c for s in stretches]),
        "lag1_autocorr": mean([s.lag1_autocorr for s in stretches]),
        "flicker_c": rms([s.flicker_c for s in stretches]),
        "max_of_pixels_c": mean([s.max_of_pixels_c for s in stretches]),
    }


def quantum(frames: Array) -> float:
    """The output step (°C per count): the most common gap between neighbouring values."""
    values = np.unique(np.round(np.asarray(frames, dtype=np.float64).ravel(), 4))
    steps = np.round(np.diff(values), 3)
    steps = steps[steps > 0]
    if steps.size == 0:
        return 0.0
    found, counts = np.unique(steps, return_counts=True)
    return rnd(found[np.argmax(counts)])


def intervals(t: Array) -> dict[str, float]:
    """Frame intervals relative to their median: percentiles and the share of long gaps."""
    dt = np.diff(np.asarray(t, dtype=np.float64))
    if dt.size == 0:
        return {}
    median = float(np.median(dt))
    rel = dt / median
    p1, p5, p95, p99 = np.percentile(rel, [1, 5, 95, 99])
    return {
        "median_s": rnd(median, 4),
        "rel_p1": rnd(p1),
        "rel_p5": rnd(p5),
        "rel_p95": rnd(p95),
        "rel_p99": rnd(p99),
        "rel_sd": rnd(rel[rel < 1.5].std()),
        "gaps_over_1_5x": rnd((rel >= 1.5).mean()),
    }


def start_offset(frames: Array, t: Array, first_s: float = 1.0, settled_s: float = 5.0) -> float:
    """Median frame level in the first `first_s` seconds minus the level after `settled_s`.

    Negative when the array reads low as it starts (a power-up ramp); the frame median, not
    the mean, so a person in view does not count.
    """
    level = np.median(frames.reshape(len(frames), -1), axis=1)
    early, late = level[t - t[0] < first_s], level[t - t[0] >= settled_s]
    if early.size == 0 or late.size == 0:
        return float("nan")
    return rnd(np.median(early) - np.median(late))


def runs(mask: npt.NDArray[np.bool_], min_len: int) -> list[tuple[int, int]]:
    """[start, stop) of every run of True at least `min_len` long."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [
        (int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= min_len
    ]

"""Small, well-known interval and multiple-testing formulas shared by the engine's modules.

- mean: Student t interval (ratings are bounded and, from 30 answers on, their mean is close
  to normal; below that the t interval is the usual, slightly optimistic, choice — the minimum
  sample of each indicator is there to keep n from being tiny);
- proportion: Wilson score interval (well behaved near 0 and 1 and for small n, unlike Wald);
- difference of two means: Welch's t interval (unequal variances and sizes);
- Benjamini–Hochberg adjusted p-values (q-values).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import stats

from .results import Interval


def _quantile(confidence_level: float, df: float | None = None) -> float:
    upper = 0.5 + confidence_level / 2
    if df is None:
        return float(stats.norm.ppf(upper))
    return float(stats.t.ppf(upper, df))


def t_interval(values: npt.NDArray[np.float64], confidence_level: float) -> Interval | None:
    if values.size < 2:  # one answer has no spread to speak of
        return None
    mean = float(values.mean())
    sem = float(values.std(ddof=1)) / math.sqrt(values.size)
    half = _quantile(confidence_level, values.size - 1) * sem
    return Interval(mean - half, mean + half)


def wilson_interval(successes: int, n: int, confidence_level: float) -> Interval:
    if n == 0:
        return Interval(0.0, 1.0)
    z = _quantile(confidence_level)
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def welch_interval(
    first: npt.NDArray[np.float64], second: npt.NDArray[np.float64], confidence_level: float
) -> Interval | None:
    """Interval for mean(second) − mean(first)."""
    if first.size < 2 or second.size < 2:
        return None
    v1 = float(first.var(ddof=1)) / first.size
    v2 = float(second.var(ddof=1)) / second.size
    if v1 + v2 == 0:
        return None
    df = (v1 + v2) ** 2 / (v1**2 / (first.size - 1) + v2**2 / (second.size - 1))
    difference = float(second.mean() - first.mean())
    half = _quantile(confidence_level, df) * math.sqrt(v1 + v2)
    return Interval(difference - half, difference + half)


def benjamini_hochberg(p_values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Adjusted p-values: reject at FDR q exactly where adjusted ≤ q."""
    n = p_values.size
    if n == 0:
        return p_values
    order = np.argsort(p_values)
    ranked = p_values[order] * n / np.arange(1, n + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(adjusted, 1.0)
    return out

"""Segments: where along the line residents report problems.

Rules
- Ratings that carry a position along the current line (metres from its start, computed by the
  caller in a projected CRS) are binned into consecutive segments of `segment_length_m`
  (the last one may be shorter); only the current period's ratings count, since positions on
  an older geometry do not match today's line.
- Each perception indicator is analysed on its own: one resident gives one rating per
  indicator, so ratings within a segment and indicator are independent answers.
- A segment is a *hot spot* for an indicator when its share of negative ratings is significantly
  above the rest of the line's.

Test
- One-sided Fisher exact test of the 2×2 table (this segment / rest of the line) × (negative /
  not), i.e. P(X ≥ k) for X hypergeometric. Comparing with the *rest* of the line rather than
  with the overall share avoids testing a segment against a baseline it is part of, and an
  exact test stays valid for the small counts a segment typically holds. Segments with fewer
  than `min_segment_ratings` ratings are not tested.
- The p-values of every tested (indicator, segment) pair of the arrangement are adjusted
  together with Benjamini–Hochberg at `hot_spot_fdr` (5 %). Hot spots are leads for a site
  visit, so controlling the share of false leads (FDR) is the right target and keeps power
  with many segments; when no segment truly differs, BH controls the chance of *any* false hot
  spot at 5 % too, and the discreteness of the exact test makes it lower in practice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .inputs import IndicatorSpec, Rating
from .intervals import benjamini_hochberg
from .parameters import Parameters
from .perception import is_negative
from .results import SegmentStat


def segment_bounds(length_m: float, segment_length_m: float) -> list[tuple[float, float]]:
    count = max(1, math.ceil(length_m / segment_length_m))
    return [(i * segment_length_m, min((i + 1) * segment_length_m, length_m)) for i in range(count)]


@dataclass(slots=True)
class _Cell:
    indicator: str
    index: int
    start: float
    end: float
    n: int
    negatives: int
    rest_share: float | None
    p_value: float | None = None
    q_value: float | None = None


def segment_stats(
    ratings: Sequence[Rating],
    indicators: Sequence[IndicatorSpec],
    *,
    line_length_m: float | None,
    parameters: Parameters,
) -> tuple[SegmentStat, ...]:
    """Per indicator and segment: counts, shares, p- and q-values, hot-spot flag."""
    placed = [r for r in ratings if r.position_m is not None]
    if not placed:
        return ()
    length = line_length_m or max(float(r.position_m or 0.0) for r in placed) or 1.0
    bounds = segment_bounds(length, parameters.segment_length_m)
    cells: list[_Cell] = []
    for indicator in indicators:
        own = [r for r in placed if r.indicator_code == indicator.code]
        if not own:
            continue
        positions = np.array([r.position_m for r in own], dtype=float)
        # Points snapped at the very end of the line (or past it by rounding) go to the last.
        index = np.minimum(positions // parameters.segment_length_m, len(bounds) - 1)
        index = index.astype(np.int64)
        negative = np.array([is_negative(r.value, indicator) for r in own], dtype=np.int64)
        n_by = np.bincount(index, minlength=len(bounds))
        k_by = np.bincount(index, weights=negative, minlength=len(bounds)).astype(np.int64)
        total, total_negative = len(own), int(negative.sum())
        for i, (start, end) in enumerate(bounds):
            n, k = int(n_by[i]), int(k_by[i])
            cell = _Cell(
                indicator=indicator.code,
                index=i,
                start=start,
                end=end,
                n=n,
                negatives=k,
                rest_share=(total_negative - k) / (total - n) if total > n else None,
            )
            if parameters.min_segment_ratings <= n < total:
                # P(X >= k), X ~ hypergeometric: the one-sided Fisher exact test.
                cell.p_value = float(stats.hypergeom.sf(k - 1, total, total_negative, n))
            cells.append(cell)
    tested = [cell for cell in cells if cell.p_value is not None]
    q_values = benjamini_hochberg(np.array([cell.p_value for cell in tested], dtype=float))
    for cell, q in zip(tested, q_values, strict=True):
        cell.q_value = float(q)
    return tuple(_segment(cell, parameters.hot_spot_fdr) for cell in cells)


def _segment(cell: _Cell, fdr: float) -> SegmentStat:
    share = cell.negatives / cell.n if cell.n else None
    hot = (
        cell.q_value is not None
        and cell.q_value <= fdr
        and share is not None
        and cell.rest_share is not None
        and share > cell.rest_share
    )
    return SegmentStat(
        indicator_code=cell.indicator,
        index=cell.index,
        start_m=cell.start,
        end_m=cell.end,
        n=cell.n,
        negatives=cell.negatives,
        negative_share=share,
        p_value=cell.p_value,
        q_value=cell.q_value,
        hot_spot=hot,
    )

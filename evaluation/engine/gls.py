"""Usage: fitting the log-count model of `did.py` and its uncertainty.

Design
    Per-counter cycle effects (day of week, or month of year) and, when there are controls, one
    effect per period (day or month), plus the treatment dummy whose coefficient is the effect.

Uncertainty
    The noise of a counter is persistent from one day to the next (weather streaks, events,
    holidays of schools), and with 1–3 treated counters the usual "errors clustered by counter"
    have far too few clusters to be trusted (one treated counter: the clustered variance is
    badly biased, see MacKinnon & Webb 2017). The information about b is in *time*: the
    treated-minus-control contrast over ~100 days. So:
    1. errors are modelled as AR(1) within each counter; ρ is the lag-1 autocorrelation of the
       OLS residuals, pooled across counters, with Kendall's small-sample correction
       ρ + (1 + 3ρ)/T, clipped to [0, `ar_max`];
    2. the model is fitted by GLS: each counter's series is whitened exactly, gaps included
       (for an AR(1) seen at irregular times, u_t − ρ^k·u_{t−k} scaled by (1 − ρ^{2k})^{-1/2}),
       so holidays, outages and the gap between windows are handled without imputation;
    3. standard errors are clustered by date on the whitened model (robust to counters having
       different noise levels and to the remaining correlation between counters on a day);
    4. the interval uses a t reference with (number of weeks − 1) degrees of freedom (months
       − 1 for monthly data) rather than (dates − 1): real noise is AR(1) only approximately
       (counting noise on top of persistent swings, for one), the whitened scores of nearby
       days stay correlated, and the variance estimate then carries about as much
       information as there are weeks. This widens the interval by ~7 % and is what brings
       coverage back to nominal with persistent noise.
    Alternatives tried on the simulator at AR 0.7 and rejected: errors clustered by counter
    (≈ 75 % coverage with one treated counter, at any AR), CR2/Bell–McCaffrey by date (≈ 91–92
    %), equal-weighted-cosine HAC (≈ 88–91 %), GLSAR on the treated-minus-control series
    (≈ 82 %), week or fortnight clusters after Prais–Winsten (≈ 91–93 %).
    Measured on tests/evaluation/engine/simulate.py (seasonality, weekday patterns, lognormal ×
    Poisson noise, a lockdown common to all counters, 1 treated counter and 4 controls, 400
    runs each): coverage of the 95 % interval ≈ 97.5 % with independent noise, ≈ 95 % with
    AR(1) noise of 0.7 (1 or 2 treated counters), ≈ 92.5 % at 0.85; the mean estimate of a
    +30 % effect is within ±0.2 point of the truth.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import statsmodels.api as sm
from scipy import stats

from .results import EffectEstimate, Interval

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _one_hot(codes: IntArray) -> FloatArray:
    _, inverse = np.unique(codes, return_inverse=True)
    matrix = np.zeros((codes.size, int(inverse.max()) + 1))
    matrix[np.arange(codes.size), inverse] = 1.0
    return matrix


def _ar1_whiten(values: FloatArray, counters: IntArray, times: IntArray, rho: float) -> FloatArray:
    """Exact AR(1) whitening of each counter's rows (rows sorted by counter, then time).

    For an AR(1) observed at irregular times the process is Markov, so the Cholesky factor of
    ρ^|t−s| reduces to one step per row: (u_t − ρ^k u_prev) / sqrt(1 − ρ^{2k}), k the gap.
    """
    if rho == 0.0:
        return values
    out = values.copy()
    same = np.r_[False, counters[1:] == counters[:-1]]
    gaps = np.r_[0, np.diff(times)]
    rows = np.flatnonzero(same)
    factor = rho ** gaps[rows].astype(float)
    scale = 1.0 / np.sqrt(1.0 - factor**2)
    if values.ndim == 1:
        out[rows] = (values[rows] - factor * values[rows - 1]) * scale
    else:
        out[rows] = (values[rows] - factor[:, None] * values[rows - 1]) * scale[:, None]
    return out


def _lag1_autocorrelation(residuals: FloatArray, counters: IntArray, times: IntArray) -> float:
    pairs = np.flatnonzero((counters[1:] == counters[:-1]) & (np.diff(times) == 1)) + 1
    if pairs.size < 2:
        return 0.0
    current, previous = residuals[pairs], residuals[pairs - 1]
    denominator = math.sqrt(float(current @ current) * float(previous @ previous))
    return float(current @ previous) / denominator if denominator > 0 else 0.0


def fit_log_effect(
    log_counts: FloatArray,
    *,
    counters: IntArray,
    times: IntArray,
    cycles: IntArray,
    treatment: FloatArray,
    period_effects: bool,
    confidence_level: float,
    ar_max: float,
    block_length: int = 1,
) -> EffectEstimate | None:
    """GLS with AR(1) errors of log counts on counter×cycle effects (+ period effects) and the
    treatment dummy; errors clustered by period, t reference on (number of blocks of
    `block_length` periods − 1) degrees of freedom. Rows sorted by counter, then time.

    Returns None when the treatment effect is not identified or no degree of freedom is left.
    """
    blocks = [_one_hot(counters * 100 + cycles)]
    if period_effects:
        # The period effects span the constant, so one counter's cycle effects are redundant.
        reference = counters == counters.min()
        blocks[0] = blocks[0][:, np.any(blocks[0][~reference] != 0, axis=0)]
        blocks.append(_one_hot(times))
    design = np.column_stack([*blocks, treatment])
    n_obs, n_columns = design.shape
    if n_obs - n_columns < 2:
        return None
    ols, _, rank, _ = np.linalg.lstsq(design, log_counts, rcond=None)
    if rank < n_columns:
        return None
    residuals = log_counts - design @ ols
    raw = _lag1_autocorrelation(residuals, counters, times)
    per_counter = n_obs / np.unique(counters).size
    rho = float(np.clip(raw + (1 + 3 * raw) / per_counter, 0.0, ar_max))
    whitened_y = _ar1_whiten(log_counts, counters, times, rho)
    whitened_x = _ar1_whiten(design, counters, times, rho)
    _, clusters = np.unique(times, return_inverse=True)
    n_clusters = int(clusters.max()) + 1
    if n_clusters < 3:
        return None
    # The one-hot blocks span the constant: saying so spares statsmodels its own search for
    # a constant column (a quarter of the fit's time with ~1,000 columns; same estimates).
    fit = sm.OLS(whitened_y, whitened_x, hasconst=True).fit(
        method="qr", cov_type="cluster", cov_kwds={"groups": clusters}, use_t=True
    )
    beta = float(fit.params[-1])
    std_error = float(fit.bse[-1])
    if not math.isfinite(std_error) or std_error <= 0:
        return None
    # The date-clustered variance is worth fewer independent pieces than there are dates when
    # the AR(1) model only approximates the noise: count weeks, not days (see module doc).
    df = float(np.unique(times // block_length).size - 1)
    if df < 1:
        return None
    half_width = float(stats.t.ppf(0.5 + confidence_level / 2, df)) * std_error
    low, high = beta - half_width, beta + half_width
    return EffectEstimate(
        log_ratio=beta,
        log_interval=Interval(low, high),
        std_error=std_error,
        degrees_of_freedom=df,
        autocorrelation=rho,
        percent=100 * math.expm1(beta),
        percent_interval=Interval(100 * math.expm1(low), 100 * math.expm1(high)),
    )

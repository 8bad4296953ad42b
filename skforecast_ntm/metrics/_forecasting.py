"""Forecast accuracy metrics for panels (Amazon Forecast's set, vectorised).

All functions take arrays of shape ``(n_series, horizon)`` (a 1-D array is one
series); training histories are 2-D arrays padded with NaN, so a whole panel
is scored in a few array operations. Points where ``y_true`` is NaN (e.g.
filled values) are excluded from every metric.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "weighted_quantile_loss",
    "mean_weighted_quantile_loss",
    "panel_matrix",
    "wape",
    "rmse",
    "mape",
    "mase",
    "interval_coverage",
    "seasonal_naive",
    "seasonal_naive_quantiles",
    "stack_histories",
]


def _as2d(a) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    return a[None, :] if a.ndim == 1 else a


def _pair(y_true, y_pred, what: str = "y_pred") -> tuple[np.ndarray, np.ndarray]:
    """Truth and forecast as 2-D arrays of one shape, the forecast finite
    wherever the truth is observed (no broadcasting, no NaN scored)."""
    y, p = _as2d(y_true), _as2d(y_pred)
    if y.shape != p.shape:
        raise ValueError(
            f"y_true has shape {y.shape} but {what} has shape {p.shape}; pass "
            "arrays of the same (n_series, horizon) shape."
        )
    bad = ~np.isnan(y) & ~np.isfinite(p)
    if bad.any():
        raise ValueError(
            f"{what} has {int(bad.sum())} NaN or infinite value(s) where y_true "
            f"is observed (first at position {tuple(np.argwhere(bad)[0])}); a "
            "missing forecast cannot be scored."
        )
    return y, p


def _check_quantile(quantile: float) -> None:
    if not 0.0 < float(quantile) < 1.0:
        raise ValueError(f"quantile must lie in (0, 1), got {quantile}.")


def weighted_quantile_loss(y_true, y_quantile, quantile: float) -> float:
    """Amazon Forecast's wQL at one quantile.

    ``2 * sum(tau * max(y - q, 0) + (1 - tau) * max(q - y, 0)) / sum(|y|)``.

    Examples
    --------
    >>> from skforecast_ntm.metrics import weighted_quantile_loss
    >>> weighted_quantile_loss([10.0, 20.0], [12.0, 18.0], 0.5)
    0.1333...
    """
    _check_quantile(quantile)
    y, q = _pair(y_true, y_quantile, "y_quantile")
    ok = ~np.isnan(y)
    diff = np.where(ok, y - q, 0.0)
    loss = np.maximum(quantile * diff, (quantile - 1.0) * diff)
    denom = np.abs(np.where(ok, y, 0.0)).sum()
    return float(2.0 * loss.sum() / denom) if denom > 0 else float("nan")


def mean_weighted_quantile_loss(
    y_true, quantile_forecasts: dict | np.ndarray,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
) -> dict:
    """wQL at each quantile and their mean.

    Parameters
    ----------
    y_true : array of shape (n_series, horizon)
    quantile_forecasts : dict quantile -> array, or array (..., n_quantiles)
    quantiles : the quantile levels (when an array is given)

    Returns
    -------
    dict with keys ``"wQL[0.1]"``, ... and ``"mean_wQL"``.
    """
    if not isinstance(quantile_forecasts, dict):
        arr = np.asarray(quantile_forecasts, dtype=np.float64)
        quantile_forecasts = {q: arr[..., i] for i, q in enumerate(quantiles)}
    out = {f"wQL[{q:g}]": weighted_quantile_loss(y_true, f, q)
           for q, f in quantile_forecasts.items()}
    out["mean_wQL"] = float(np.mean(list(out.values())))
    return out


def wape(y_true, y_pred) -> float:
    """Weighted absolute percentage error: ``sum|y - yhat| / sum|y|``."""
    y, p = _pair(y_true, y_pred)
    ok = ~np.isnan(y)
    return float(np.abs(y - p)[ok].sum() / np.abs(y[ok]).sum())


def rmse(y_true, y_pred) -> float:
    """Root mean squared error over all observed points."""
    y, p = _pair(y_true, y_pred)
    ok = ~np.isnan(y)
    return float(np.sqrt(np.mean((y - p)[ok] ** 2)))


def mape(y_true, y_pred) -> float:
    """Mean absolute percentage error over observed, non-zero points."""
    y, p = _pair(y_true, y_pred)
    ok = ~np.isnan(y) & (y != 0)
    return float(np.mean(np.abs((y - p)[ok] / y[ok])))


def stack_histories(histories: Sequence) -> np.ndarray:
    """Right-align series of unequal length in a NaN-padded 2-D array."""
    lengths = np.array([len(h) for h in histories])
    out = np.full((len(histories), lengths.max()), np.nan)
    flat = np.concatenate([np.asarray(h, dtype=np.float64) for h in histories])
    rows = np.repeat(np.arange(len(histories)), lengths)
    cols = np.concatenate([np.arange(n) for n in lengths]) + np.repeat(
        lengths.max() - lengths, lengths)
    out[rows, cols] = flat
    return out


def _seasonal_scale(y_train: np.ndarray, m: int) -> np.ndarray:
    """Mean absolute seasonal difference of each (NaN-padded) history."""
    m = m if y_train.shape[1] > m else 1
    d = np.abs(y_train[:, m:] - y_train[:, :-m])
    with np.errstate(invalid="ignore"):
        return np.nanmean(np.where(np.isnan(d), np.nan, d), axis=1)


def mase(y_true, y_pred, y_train, seasonal_period: int = 1,
         per_series: bool = False):
    """Mean absolute scaled error (M4 definition), averaged over series.

    Parameters
    ----------
    y_true, y_pred : array of shape (n_series, horizon)
    y_train : array of shape (n_series, n_train)
        Histories, NaN-padded (see :func:`stack_histories`).
    seasonal_period : int
        Lag of the in-sample naive forecast that scales the error.
    per_series : bool
        Return the per-series values instead of their mean.

    Examples
    --------
    >>> import numpy as np
    >>> from skforecast_ntm.metrics import mase
    >>> mase([[4.0, 5.0]], [[4.0, 4.0]], [[1.0, 2.0, 3.0]])
    0.5
    """
    if isinstance(seasonal_period, bool) or int(seasonal_period) != \
            seasonal_period or seasonal_period < 1:
        raise ValueError(
            f"seasonal_period must be a positive integer, got {seasonal_period!r}.")
    y, p = _pair(y_true, y_pred)
    tr = _as2d(y_train)
    if tr.shape[0] != y.shape[0]:
        raise ValueError(f"y_train has {tr.shape[0]} series but y_true has "
                         f"{y.shape[0]}.")
    scale = _seasonal_scale(tr, int(seasonal_period))
    err = np.nanmean(np.abs(y - p), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = err / scale
    values = np.where(scale > 0, values, np.nan)
    return values if per_series else float(np.nanmean(values))


def interval_coverage(y_true, lower, upper) -> float:
    """Share of observed points inside ``[lower, upper]``."""
    y, lo = _pair(y_true, lower, "lower")
    _, hi = _pair(y_true, upper, "upper")
    ok = ~np.isnan(y)
    return float(((y >= lo) & (y <= hi))[ok].mean())


def seasonal_naive(y_train, horizon: int, seasonal_period: int = 1) -> np.ndarray:
    """Repeat the last season of each (right-aligned, NaN-padded) history.

    Falls back to the last value for histories shorter than a season.

    Examples
    --------
    >>> from skforecast_ntm.metrics import seasonal_naive
    >>> seasonal_naive([[1.0, 2.0, 3.0, 4.0]], 3, seasonal_period=2)
    array([[3., 4., 3.]])
    """
    tr = _as2d(y_train)
    m = int(seasonal_period)
    n_obs = (~np.isnan(tr)).sum(1)
    m_eff = np.where(n_obs >= m, m, 1)
    h = np.arange(horizon)
    cols = tr.shape[1] - m_eff[:, None] + (h[None, :] % m_eff[:, None])
    return tr[np.arange(tr.shape[0])[:, None], cols]


def seasonal_naive_quantiles(y_train, horizon: int, seasonal_period: int = 1,
                             quantiles: Sequence[float] = (0.1, 0.5, 0.9)
                             ) -> np.ndarray:
    """Seasonal-naive quantile forecasts from in-sample seasonal residuals.

    Each quantile is the seasonal-naive forecast plus the empirical quantile
    of the series' own seasonal differences ``y_t - y_{t-m}``, widened by
    ``sqrt(k)`` for the ``k``-th season ahead (the random-walk rule).

    Returns
    -------
    ndarray of shape (n_series, horizon, n_quantiles)
    """
    tr = _as2d(y_train)
    point = seasonal_naive(tr, horizon, seasonal_period)
    m = int(seasonal_period) if tr.shape[1] > seasonal_period else 1
    resid = tr[:, m:] - tr[:, :-m]
    with np.errstate(invalid="ignore"):
        qs = np.nanquantile(resid, list(quantiles), axis=1).T  # (N, Q)
    qs = np.nan_to_num(qs)
    k = np.sqrt(np.arange(horizon) // m + 1.0)
    return point[..., None] + k[None, :, None] * qs[:, None, :]


def panel_matrix(y) -> tuple:
    """Right-aligned NaN-padded matrix of a ``pd-multiindex`` panel.

    Parameters
    ----------
    y : pandas.DataFrame or Series
        Index ``(series, time)`` sorted by series then time; one value column.

    Returns
    -------
    ids : pandas.Index
        Series ids in row order (a MultiIndex of the instance levels for a
        hierarchical panel).
    matrix : ndarray of shape (n_series, max_length)

    Examples
    --------
    >>> import pandas as pd
    >>> from skforecast_ntm.metrics import panel_matrix
    >>> idx = pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)])
    >>> ids, m = panel_matrix(pd.Series([1.0, 2.0, 5.0], index=idx))
    >>> m
    array([[ 1.,  2.],
           [nan,  5.]])
    """
    import pandas as pd

    values = np.asarray(y, dtype=np.float64).reshape(len(y), -1)[:, 0]
    # a series is every level but the last (time): hierarchical panels keep
    # (store, item) pairs apart
    keys = (y.index.get_level_values(0) if y.index.nlevels == 2
            else y.index.droplevel(-1))
    codes, ids = pd.factorize(keys, sort=True)
    lengths = np.bincount(codes, minlength=len(ids))
    pos = pd.Series(codes).groupby(codes).cumcount().to_numpy()
    out = np.full((len(ids), lengths.max()), np.nan)
    out[codes, lengths.max() - lengths[codes] + pos] = values
    return pd.Index(ids), out

"""An ETS baseline: additive exponential smoothing chosen by AIC, per series."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._forecasting import _as2d

__all__ = ["ets_quantiles"]


def ets_quantiles(y_train, horizon: int, seasonal_period: int = 1,
                  quantiles: Sequence[float] = (0.1, 0.5, 0.9)) -> np.ndarray:
    """Quantile forecasts of additive ETS models, one per series.

    For each history (a row, NaN-padded; inner gaps are forward-filled) the
    additive-error models with no or damped additive trend, and no or
    additive seasonality of ``seasonal_period`` (when the history has two
    full seasons), are fitted with statsmodels' ``ETSModel``; the one with
    the lowest AIC forecasts, and the quantiles are Gaussian around its mean
    with its analytic forecast variance. A history of fewer than 4 values,
    or one where no model converges, gets its last value with the spread of
    its first differences. A local model: one fit per series (as any ETS).

    Parameters
    ----------
    y_train : array of shape (n_series, n_train)
    horizon : int
    seasonal_period : int, default=1
    quantiles : sequence of float in (0, 1)

    Returns
    -------
    ndarray of shape (n_series, horizon, n_quantiles)

    Examples
    --------
    >>> import numpy as np
    >>> from skforecast_ntm.metrics import ets_quantiles
    >>> t = np.arange(60)
    >>> y = 10 + 0.5 * t + np.sin(2 * np.pi * t / 7)
    >>> q = ets_quantiles(y[None], 7, seasonal_period=7, quantiles=[0.1, 0.5, 0.9])
    >>> q.shape
    (1, 7, 3)
    >>> bool(abs(q[0, 0, 1] - (10 + 0.5 * 60 + np.sin(2 * np.pi * 60 / 7))) < 1)
    True
    """
    from scipy.stats import norm
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    tr = _as2d(y_train)
    z = norm.ppf(np.asarray(quantiles, dtype=float))
    out = np.empty((len(tr), int(horizon), len(z)))
    for i, row in enumerate(tr):
        y = pd.Series(row).ffill().dropna().reset_index(drop=True)
        mean, var = _best_ets(ETSModel, y, int(horizon), int(seasonal_period))
        out[i] = mean[:, None] + np.sqrt(np.maximum(var, 0.0))[:, None] * z
    return out


def _best_ets(model_cls, y: pd.Series, h: int, m: int):
    n = len(y)
    if n < 4:
        last = float(y.iloc[-1]) if n else 0.0
        spread = float(np.var(np.diff(y))) if n > 2 else 0.0
        return np.full(h, last), spread * np.arange(1, h + 1)
    specs = [(None, None), ("add", None)]
    if m > 1 and n >= 2 * m + 2:
        specs += [(None, "add"), ("add", "add")]
    best = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for trend, seasonal in specs:
            try:
                res = model_cls(
                    y, error="add", trend=trend, damped_trend=trend is not None,
                    seasonal=seasonal, seasonal_periods=m if seasonal else None,
                ).fit(disp=False)
            except (ValueError, np.linalg.LinAlgError):
                continue
            if np.isfinite(res.aic) and (best is None or res.aic < best.aic):
                best = res
        if best is not None:
            pred = best.get_prediction(start=n, end=n + h - 1)
            mean = np.asarray(pred.predicted_mean, dtype=float)
            var = np.asarray(pred.forecast_variance, dtype=float)
            if np.isfinite(mean).all() and np.isfinite(var).all():
                return mean, var
    spread = float(np.var(np.diff(y)))
    return np.full(h, float(y.iloc[-1])), spread * np.arange(1, h + 1)

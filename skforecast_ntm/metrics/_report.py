"""Amazon Forecast's accuracy report: every metric, per series and overall."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._forecasting import _as2d, _seasonal_scale

__all__ = ["forecast_report"]


def forecast_report(
    y_true,
    quantile_forecasts,
    quantiles: Sequence[float],
    y_train,
    seasonal_period: int = 1,
    point=None,
    ids: Sequence | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """wQL per quantile and their mean, WAPE, RMSE, MAPE, MASE and coverage.

    Computed for each series and over the whole panel in a few array
    operations. Points where ``y_true`` is NaN are left out of every metric.
    The overall wQL and WAPE are ratios of panel sums (Amazon Forecast's
    definition, so large series weigh more); RMSE and MAPE are over all
    points; MASE is the mean of the series' MASE values.

    Parameters
    ----------
    y_true : array of shape (n_series, horizon)
    quantile_forecasts : array of shape (n_series, horizon, n_quantiles)
    quantiles : sequence of float
        The levels of the last axis of ``quantile_forecasts``, in (0, 1).
    y_train : array of shape (n_series, n_train)
        Histories (NaN-padded) that scale MASE.
    seasonal_period : int, default=1
        Lag of the in-sample naive forecast of MASE.
    point : array of shape (n_series, horizon), optional
        Point forecast for WAPE, RMSE, MAPE and MASE; default the median
        quantile (0.5 must then be among ``quantiles``).
    ids : sequence, optional
        Series ids (the index of the per-series table).

    Returns
    -------
    per_series : pandas.DataFrame
        One row per series: ``wQL[q]`` for each quantile, ``mean_wQL``,
        ``WAPE``, ``RMSE``, ``MAPE``, ``MASE`` and ``coverage`` (the share of
        points inside the outermost quantiles, nominally ``max(q) - min(q)``).
    overall : pandas.Series
        The same metrics over the panel.

    Examples
    --------
    >>> import numpy as np
    >>> from skforecast_ntm.metrics import forecast_report
    >>> y = np.array([[10.0, 20.0]])
    >>> q = np.array([[[8.0, 12.0, 14.0], [15.0, 18.0, 25.0]]])
    >>> per, overall = forecast_report(y, q, [0.1, 0.5, 0.9], [[9.0, 11.0, 10.0]])
    >>> print(round(overall["WAPE"], 4), overall["coverage"])
    0.1333 1.0
    """
    quantiles = [float(q) for q in quantiles]
    bad = [q for q in quantiles if not 0.0 < q < 1.0]
    if bad:
        raise ValueError(f"quantiles must lie in (0, 1), got {bad}.")
    y = _as2d(y_true)
    qf = np.asarray(quantile_forecasts, dtype=np.float64)
    if qf.ndim == 2:
        qf = qf[None]
    if qf.shape != (*y.shape, len(quantiles)):
        expected = (*y.shape, len(quantiles))
        raise ValueError(
            f"quantile_forecasts has shape {qf.shape}; expected {expected} "
            "(series, horizon, quantiles) to match y_true and quantiles."
        )
    if point is None:
        if 0.5 not in quantiles:
            raise ValueError("point is required when 0.5 is not among quantiles.")
        point = qf[..., quantiles.index(0.5)]
    p = _as2d(point)
    if p.shape != y.shape:
        raise ValueError(f"point has shape {p.shape}; expected {y.shape}.")
    ok = ~np.isnan(y)
    y0 = np.where(ok, y, 0.0)
    abs_y = np.abs(y0).sum(1)
    err = np.where(ok, y - p, 0.0)
    n_ok = ok.sum(1)
    per: dict[str, np.ndarray] = {}
    overall: dict[str, float] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        wql_sums = []
        for i, q in enumerate(quantiles):
            d = np.where(ok, y - qf[..., i], 0.0)
            loss = np.maximum(q * d, (q - 1.0) * d).sum(1)
            wql_sums.append(loss)
            per[f"wQL[{q:g}]"] = np.where(abs_y > 0, 2 * loss / abs_y, np.nan)
            overall[f"wQL[{q:g}]"] = _ratio(2 * loss.sum(), abs_y.sum())
        per["mean_wQL"] = np.mean([per[f"wQL[{q:g}]"] for q in quantiles], axis=0)
        overall["mean_wQL"] = float(np.mean(
            [overall[f"wQL[{q:g}]"] for q in quantiles]))
        per["WAPE"] = np.where(abs_y > 0, np.abs(err).sum(1) / abs_y, np.nan)
        overall["WAPE"] = _ratio(np.abs(err).sum(), abs_y.sum())
        per["RMSE"] = np.where(n_ok > 0, np.sqrt((err**2).sum(1) / n_ok), np.nan)
        overall["RMSE"] = float(np.sqrt((err**2).sum() / max(n_ok.sum(), 1)))
        nz = ok & (y0 != 0)
        ape = np.where(nz, np.abs(err) / np.where(nz, np.abs(y0), 1.0), 0.0)
        per["MAPE"] = np.where(nz.sum(1) > 0, ape.sum(1) / nz.sum(1), np.nan)
        overall["MAPE"] = _ratio(ape.sum(), nz.sum())
        scale = _seasonal_scale(_as2d(y_train), int(seasonal_period))
        mae = np.where(n_ok > 0, np.abs(err).sum(1) / n_ok, np.nan)
        per["MASE"] = np.where(scale > 0, mae / scale, np.nan)
        overall["MASE"] = float(np.nanmean(per["MASE"])) if np.isfinite(
            per["MASE"]).any() else float("nan")
        lo = qf[..., int(np.argmin(quantiles))]
        hi = qf[..., int(np.argmax(quantiles))]
        inside = ok & (y >= lo) & (y <= hi)
        per["coverage"] = np.where(n_ok > 0, inside.sum(1) / n_ok, np.nan)
        overall["coverage"] = _ratio(inside.sum(), n_ok.sum())
    index = pd.Index(ids if ids is not None else np.arange(len(y)), name="item_id")
    return pd.DataFrame(per, index=index), pd.Series(overall)


def _ratio(num, den) -> float:
    return float(num / den) if den > 0 else float("nan")

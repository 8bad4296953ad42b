"""Metrics: forecast accuracy (Amazon Forecast's set) and topic quality."""

from ._forecasting import (
    interval_coverage,
    mape,
    mase,
    mean_weighted_quantile_loss,
    panel_matrix,
    rmse,
    seasonal_naive,
    seasonal_naive_quantiles,
    stack_histories,
    wape,
    weighted_quantile_loss,
)

__all__ = [
    "interval_coverage",
    "mape",
    "mase",
    "mean_weighted_quantile_loss",
    "panel_matrix",
    "rmse",
    "seasonal_naive",
    "seasonal_naive_quantiles",
    "stack_histories",
    "wape",
    "weighted_quantile_loss",
]

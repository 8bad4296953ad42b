"""Metrics: forecast accuracy (Amazon Forecast's set) and topic quality."""

from ._ets import ets_quantiles
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
from ._report import forecast_report
from ._topics import (
    npmi_coherence,
    perplexity,
    top_word_indices,
    topic_diversity,
    topic_uniqueness,
)

__all__ = [
    "npmi_coherence",
    "perplexity",
    "top_word_indices",
    "topic_diversity",
    "topic_uniqueness",
    "ets_quantiles",
    "forecast_report",
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

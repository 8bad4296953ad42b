"""Model selection: backtests, calibrated intervals and AutoPredictor-style
ensembles.

- :func:`backtest` -- Amazon Forecast's backtest windows and metrics for any
  sktime forecaster with ``predict_quantiles``;
- :class:`CalibratedForecaster` -- conformal calibration of a forecaster's
  quantiles from its own backtest residuals, per horizon step;
- :class:`AutoForecaster` -- candidates through the same backtest, then a
  greedy ensemble (or the best model) overall, per segment or per series.
"""

from ._auto import CANDIDATES, AutoForecaster, greedy_ensemble_weights
from ._backtest import BacktestError, BacktestResult, backtest
from ._baselines import (
    ARIMAForecaster,
    ETSForecaster,
    SeasonalNaiveForecaster,
    ThetaForecaster,
    is_seasonal,
)
from ._calibration import DEFAULT_LEVELS, CalibratedForecaster, ConformalCalibrator

__all__ = [
    "ARIMAForecaster",
    "AutoForecaster",
    "BacktestError",
    "BacktestResult",
    "CANDIDATES",
    "CalibratedForecaster",
    "ConformalCalibrator",
    "DEFAULT_LEVELS",
    "ETSForecaster",
    "SeasonalNaiveForecaster",
    "ThetaForecaster",
    "backtest",
    "greedy_ensemble_weights",
    "is_seasonal",
]

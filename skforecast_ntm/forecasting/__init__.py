"""Forecasters: the sktime ``DeepARForecaster``, its scikit-learn face, and a
gradient-boosted tabular forecaster."""

from ._core import DeepARConfig, DeepARCore
from ._deepar_forecaster import DeepARForecaster
from ._deepar_regressor import DeepARRegressor
from ._gradient_boosting import GradientBoostingForecaster

__all__ = [
    "DeepARConfig",
    "DeepARCore",
    "DeepARForecaster",
    "DeepARRegressor",
    "GradientBoostingForecaster",
]

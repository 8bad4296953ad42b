"""Forecasters: the sktime ``DeepARForecaster`` and its scikit-learn face."""

from ._core import DeepARConfig, DeepARCore
from ._deepar_forecaster import DeepARForecaster
from ._deepar_regressor import DeepARRegressor

__all__ = ["DeepARConfig", "DeepARCore", "DeepARForecaster", "DeepARRegressor"]

"""Forecasters: the sktime ``DeepARForecaster``, its scikit-learn face, and a
gradient-boosted tabular forecaster."""

from .._distributed import get_rank, get_world_size, is_main_process
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
    "get_rank",
    "get_world_size",
    "is_main_process",
]

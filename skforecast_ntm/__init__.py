"""skforecast_ntm: global probabilistic forecasting and neural topic models.

DeepAR-style forecasting for sktime and scikit-learn, and neural topic models
that turn text into covariates.
"""

from .forecasting import DeepARForecaster, DeepARRegressor, GradientBoostingForecaster
from .model_selection import AutoForecaster, CalibratedForecaster, backtest
from .topics import (
    CorpusStatistics,
    NeuralTopicModel,
    TopicVectorizer,
    build_vocabulary,
)
from .transformations import (
    ABCXYZSegmenter,
    CalendarFeatures,
    HolidayFeatures,
    MissingValueFiller,
    OutlierTreatment,
    TopicCovariates,
    abc_xyz_segments,
    aggregate_transactions,
    future_index,
    segment_summary,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "ABCXYZSegmenter",
    "AutoForecaster",
    "CalendarFeatures",
    "CalibratedForecaster",
    "CorpusStatistics",
    "DeepARForecaster",
    "DeepARRegressor",
    "GradientBoostingForecaster",
    "HolidayFeatures",
    "MissingValueFiller",
    "NeuralTopicModel",
    "OutlierTreatment",
    "TopicCovariates",
    "TopicVectorizer",
    "__version__",
    "abc_xyz_segments",
    "aggregate_transactions",
    "backtest",
    "build_vocabulary",
    "future_index",
    "segment_summary",
]

"""skforecast_ntm: global probabilistic forecasting and neural topic models.

DeepAR-style forecasting for sktime and scikit-learn, and neural topic models
that turn text into covariates.
"""

from .forecasting import DeepARForecaster, DeepARRegressor
from .topics import NeuralTopicModel, TopicVectorizer
from .transformations import TopicCovariates

__version__ = "0.1.0.dev0"

__all__ = [
    "DeepARForecaster",
    "DeepARRegressor",
    "NeuralTopicModel",
    "TopicCovariates",
    "TopicVectorizer",
    "__version__",
]

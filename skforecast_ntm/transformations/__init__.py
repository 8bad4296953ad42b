"""Transformers between raw data and the forecaster's inputs.

- :class:`TopicCovariates`: documents -> topic covariates aligned with the
  target panel (static per series, or the topic mix of each period, known
  into the future or past-only).
"""

from ._topic_covariates import TopicCovariates

__all__ = ["TopicCovariates"]

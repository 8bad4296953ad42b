"""Transformers between raw data and the forecaster's inputs.

- :class:`TopicCovariates`: documents -> topic covariates aligned with the
  target panel (static per series, or the topic mix of each period, known
  into the future or past-only).
- :func:`aggregate_transactions`: transaction rows -> a regular panel
  (Amazon Forecast's sum, mean, first, min, max).
- :class:`MissingValueFiller`: Amazon Forecast's middle, back and future
  fill, with a record of what was filled.
- :class:`OutlierTreatment`: Hampel / IQR detection per series; clip,
  NaN or interpolate.
- :class:`ABCXYZSegmenter`, :func:`abc_xyz_segments`,
  :func:`segment_summary`: ABC-XYZ segments per series.
- :class:`CalendarFeatures`, :class:`HolidayFeatures`: known-future
  calendar and holiday covariates.
"""

from ._aggregate import AGGREGATION_METHODS, aggregate_transactions
from ._calendar import (
    CALENDAR_FEATURES,
    CalendarFeatures,
    HolidayFeatures,
    future_index,
)
from ._fill import FILL_METHODS, MissingValueFiller
from ._outliers import OutlierTreatment
from ._segments import SEGMENTS, ABCXYZSegmenter, abc_xyz_segments, segment_summary
from ._topic_covariates import TopicCovariates

__all__ = [
    "AGGREGATION_METHODS",
    "CALENDAR_FEATURES",
    "FILL_METHODS",
    "SEGMENTS",
    "ABCXYZSegmenter",
    "CalendarFeatures",
    "HolidayFeatures",
    "MissingValueFiller",
    "OutlierTreatment",
    "TopicCovariates",
    "abc_xyz_segments",
    "aggregate_transactions",
    "future_index",
    "segment_summary",
]

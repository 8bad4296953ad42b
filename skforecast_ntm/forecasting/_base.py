"""The base class of the package's sktime forecasters."""

from __future__ import annotations

from sktime.forecasting.base import BaseForecaster

__all__ = ["OwnHistoryForecaster"]


class OwnHistoryForecaster(BaseForecaster):
    """A sktime forecaster that keeps its own history, not sktime's data memory.

    Every forecaster of the package stores what it needs to predict itself
    (a bounded history, right-aligned arrays), so the base class need not
    remember ``y`` and ``X``: ``remember_data=False``, the default of sktime
    1.3 (whose change warns on each construction before it). ``_y`` and
    ``_X`` are class attributes (None): ``__init__`` writes neither, and
    sktime's conformance check of the data memory (``test__y_remember_data``)
    finds them unset, as it expects with ``remember_data=False``.

    Examples
    --------
    >>> import pandas as pd
    >>> from skforecast_ntm.model_selection import SeasonalNaiveForecaster
    >>> f = SeasonalNaiveForecaster(sp=2).fit(pd.Series([1.0, 2.0, 1.0, 2.0]),
    ...                                       fh=[1, 2])
    >>> f.get_config()["remember_data"], f._y is None
    (False, True)
    """

    _config = {"remember_data": False}
    _y = None
    _X = None

"""Calendar and holiday covariates, known into the future.

:class:`CalendarFeatures` adds the calendar features that fit the
frequency (day of week for daily data, week of year for weekly data, ...);
:class:`HolidayFeatures` adds holiday flags of a chosen country from the
maintained ``holidays`` package. Both only read the time index, so they
produce covariates for any dates, the forecast horizon included: in a
``ForecastingPipeline`` they build ``X`` for the horizon at ``predict`` time
without being given any ``X``. :func:`future_index` gives the rows of a
horizon for every series of a panel.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sktime.transformations.base import BaseTransformer

from ..forecasting._features import FrequencyInfo, extend_grid, infer_frequency
from ..forecasting._panel import _instance_keys, as_multiindex

__all__ = ["CalendarFeatures", "HolidayFeatures", "future_index",
           "CALENDAR_FEATURES"]

_MTYPES = ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"]

#: feature -> (number of distinct values, first value)
CALENDAR_FEATURES = {
    "hour_of_day": (24, 0),
    "day_of_week": (7, 0),
    "day_of_month": (31, 1),
    "day_of_year": (366, 1),
    "week_of_year": (53, 1),
    "month_of_year": (12, 1),
    "quarter_of_year": (4, 1),
    "is_weekend": (2, 0),
    "is_month_start": (2, 0),
    "is_month_end": (2, 0),
}

#: default features per frequency base code (FrequencyInfo.base)
_DEFAULTS = {
    "min": ["hour_of_day", "day_of_week"],
    "s": ["hour_of_day", "day_of_week"],
    "h": ["hour_of_day", "day_of_week", "is_weekend"],
    "D": ["day_of_week", "is_weekend", "day_of_month", "week_of_year",
          "month_of_year"],
    "B": ["day_of_week", "day_of_month", "week_of_year", "month_of_year"],
    "W": ["week_of_year", "month_of_year"],
    "M": ["month_of_year", "quarter_of_year"],
    "Q": ["quarter_of_year"],
    "Y": [],
}
_ENCODINGS = ("ordinal", "cyclical", "onehot")


def _info_of(times: pd.Index, codes=None, freq=None) -> FrequencyInfo:
    if isinstance(times, pd.PeriodIndex) or isinstance(times, pd.DatetimeIndex):
        return infer_frequency(times, codes, freq=freq)
    raise TypeError(
        "Calendar and holiday features need dates: the time index is "
        f"{type(times).__name__} with dtype {times.dtype}. Use a PeriodIndex or "
        "DatetimeIndex (e.g. y.index = pd.period_range('2020-01', periods=len(y),"
        " freq='M'))."
    )


def _period_bounds(times: pd.Index, info: FrequencyInfo):
    """First and last day (midnight timestamps) covered by each row."""
    if isinstance(times, pd.PeriodIndex):
        start = times.to_timestamp(how="start").normalize()
        end = times.to_timestamp(how="end").normalize()
        return pd.DatetimeIndex(start), pd.DatetimeIndex(end)
    times = pd.DatetimeIndex(times)
    if times.tz is not None:
        times = times.tz_localize(None)
    if info.base in ("D", "B", "h", "min", "s") and info.multiple == 1 or \
            info.base in ("h", "min", "s"):
        day = times.normalize()
        return day, day
    probe = pd.date_range("2000-01-01", periods=2, freq=info.freq).to_period()
    per = times.to_period(probe.freq)
    return (pd.DatetimeIndex(per.to_timestamp(how="start")).normalize(),
            pd.DatetimeIndex(per.to_timestamp(how="end")).normalize())


def future_index(y: pd.DataFrame | pd.Series, fh: Sequence[int] | int,
                 freq: str | None = None) -> pd.Index:
    """Rows of the forecast horizon ``fh`` for every series of ``y``.

    Parameters
    ----------
    y : pandas.DataFrame or Series
        Single series or panel; the horizon starts after the last time of
        the whole panel (sktime's cutoff).
    fh : int or sequence of int
        Steps ahead (relative, >= 1); an int ``h`` means ``1..h``.
    freq : str, optional
        Frequency when it cannot be inferred from ``y``.

    Returns
    -------
    pandas.Index
        Time index (single series) or MultiIndex ``(series..., time)``; pass
        ``pd.DataFrame(index=future_index(y, fh))`` to a calendar transformer.

    Examples
    --------
    >>> import pandas as pd
    >>> from skforecast_ntm.transformations._calendar import future_index
    >>> y = pd.DataFrame({"y": range(3)},
    ...                  index=pd.period_range("2024-01", periods=3, freq="M"))
    >>> list(future_index(y, 2).astype(str))
    ['2024-04', '2024-05']
    """
    steps = np.arange(1, int(fh) + 1) if np.isscalar(fh) else np.asarray(fh, int)
    if not len(steps) or (steps < 1).any():
        raise ValueError(f"future_index: fh must hold steps >= 1, got {fh!r}.")
    frame, single = as_multiindex(y if isinstance(y, pd.DataFrame) else
                                  pd.DataFrame(y))
    times = frame.index.get_level_values(-1)
    info = infer_frequency(times, freq=freq) if not pd.api.types.is_integer_dtype(
        times.dtype) else infer_frequency(times)
    cutoff = times.max()
    grid = extend_grid(times[times == cutoff][:1], int(steps.max()), info)
    fut = grid[steps]
    if single:
        return pd.Index(fut, name=frame.index.names[-1])
    keys = _instance_keys(frame.index).unique().sort_values()
    if isinstance(keys, pd.MultiIndex):
        arrays = [np.repeat(keys.get_level_values(i), len(fut))
                  for i in range(keys.nlevels)]
    else:
        arrays = [np.repeat(keys, len(fut))]
    return pd.MultiIndex.from_arrays([*arrays, np.tile(fut, len(keys))],
                                     names=frame.index.names)


class _TimeCovariates(BaseTransformer):
    """Covariates computed from the time index only (shared machinery)."""

    _tags = {
        "authors": ["skforecast_ntm developers"],
        "maintainers": ["skforecast_ntm developers"],
        "scitype:transform-input": "Series",
        "scitype:transform-output": "Series",
        "scitype:instancewise": True,
        "X_inner_mtype": _MTYPES,
        "y_inner_mtype": _MTYPES,
        "requires_y": True,
        "requires_X": False,
        "fit_is_empty": False,
        "capability:missing_values": True,
        "capability:multivariate": True,
        "capability:inverse_transform": False,
        "transform-returns-same-time-index": True,
    }

    def _fit(self, X, y=None):
        base = X if X is not None else y
        if base is None:
            raise ValueError(f"{type(self).__name__}.fit needs X or y (their time "
                             "index gives the dates).")
        frame, _ = as_multiindex(base)
        times = frame.index.get_level_values(-1)
        codes = pd.factorize(_instance_keys(frame.index))[0]
        self._info = _info_of(times, codes, getattr(self, "freq", None))
        self._setup(times)
        return self

    def _setup(self, times: pd.Index) -> None:  # pragma: no cover - overridden
        pass

    def _transform(self, X, y=None):
        base = X if X is not None else y
        if base is None:
            raise ValueError(f"{type(self).__name__}.transform needs X or y: their "
                             "index gives the rows (e.g. pd.DataFrame(index="
                             "future_index(y, fh))).")
        index = base.index
        times = index.get_level_values(-1) if isinstance(index, pd.MultiIndex) \
            else index
        _info_of(times)  # type check
        values, names = self._features(times)
        out = pd.DataFrame(values, index=index, columns=names)
        if X is None:
            return out
        clash = [c for c in names if c in X.columns]
        if clash:
            raise ValueError(f"{type(self).__name__}: X already has column(s) "
                             f"{clash}; set prefix= to avoid the clash.")
        return pd.concat([X, out], axis=1)


class CalendarFeatures(_TimeCovariates):
    """Calendar features chosen by the frequency, for any dates.

    Default features by frequency: hourly ``hour_of_day``, ``day_of_week``,
    ``is_weekend``; daily ``day_of_week``, ``is_weekend``, ``day_of_month``,
    ``week_of_year``, ``month_of_year``; business-daily the same without
    ``is_weekend``; weekly ``week_of_year``, ``month_of_year``; monthly
    ``month_of_year``, ``quarter_of_year``; quarterly ``quarter_of_year``;
    yearly none. Periods (weeks, months) are described by their first day.

    Covariates known into the future: in a ``ForecastingPipeline`` put it
    before the forecaster and it builds ``X`` for the horizon at ``predict``
    time (it reads the index of the frame sktime makes from ``fh``). With
    ``X`` given, the features are appended to it; else they are built on
    ``y``'s index (``fit_transform(X=None, y=y)``).

    Parameters
    ----------
    features : list of str or None, default=None
        Features to compute (keys of ``CALENDAR_FEATURES``); None: the
        frequency's defaults.
    encoding : {"ordinal", "cyclical", "onehot"}, default="ordinal"
        ``"ordinal"``: the integer (day of week 0-6, month 1-12, ...; good
        for trees); ``"cyclical"``: ``sin`` and ``cos`` of the position in
        the cycle (``_sin`` / ``_cos`` columns; good for neural networks);
        ``"onehot"``: one 0/1 column per value (``month_of_year_1`` ...).
        Flags (``is_*``) are always 0/1.
    prefix : str, default=""
        Prefix of the column names.
    freq : str or None, default=None
        Frequency of a datetime index that cannot be inferred.

    Attributes
    ----------
    features_ : list of str
        The features computed.
    feature_names_out_ : list of str
        The columns added.

    Examples
    --------
    >>> import pandas as pd
    >>> from skforecast_ntm.transformations._calendar import (
    ...     CalendarFeatures, future_index)
    >>> y = pd.DataFrame({"y": range(10)},
    ...                  index=pd.date_range("2024-01-01", periods=10, freq="D"))
    >>> cal = CalendarFeatures(features=["day_of_week", "is_weekend"])
    >>> cal.fit_transform(X=None, y=y).iloc[:7]["day_of_week"].tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    >>> future = pd.DataFrame(index=future_index(y, 3))
    >>> cal.transform(X=None, y=future)["is_weekend"].tolist()  # Thu 11 - Sat 13
    [0.0, 0.0, 1.0]
    """

    def __init__(self, features: list | None = None, encoding: str = "ordinal",
                 prefix: str = "", freq: str | None = None) -> None:
        self.features = features
        self.encoding = encoding
        self.prefix = prefix
        self.freq = freq
        super().__init__()

    def _setup(self, times: pd.Index) -> None:
        if self.encoding not in _ENCODINGS:
            raise ValueError(f"CalendarFeatures: encoding={self.encoding!r} is not "
                             f"one of {list(_ENCODINGS)}.")
        if self.features is None:
            feats = list(_DEFAULTS.get(self._info.base, []))
        else:
            feats = [self.features] if isinstance(self.features, str) else list(
                self.features)
            bad = [f for f in feats if f not in CALENDAR_FEATURES]
            if bad:
                raise ValueError(f"CalendarFeatures: unknown feature(s) {bad}; valid "
                                 f"features are {list(CALENDAR_FEATURES)}.")
        self.features_ = feats
        self.feature_names_out_ = self._names()

    def _names(self) -> list:
        names = []
        for f in self.features_:
            card, first = CALENDAR_FEATURES[f]
            if f.startswith("is_") or self.encoding == "ordinal":
                names.append(f)
            elif self.encoding == "cyclical":
                names += [f"{f}_sin", f"{f}_cos"]
            else:
                names += [f"{f}_{v}" for v in range(first, first + card)]
        return [f"{self.prefix}{n}" for n in names]

    def _features(self, times: pd.Index):
        ts = times.to_timestamp(how="start") if isinstance(times, pd.PeriodIndex) \
            else pd.DatetimeIndex(times)
        cols = []
        for f in self.features_:
            card, first = CALENDAR_FEATURES[f]
            if f == "hour_of_day":
                v = ts.hour
            elif f == "day_of_week":
                v = ts.dayofweek
            elif f == "day_of_month":
                v = ts.day
            elif f == "day_of_year":
                v = ts.dayofyear
            elif f == "week_of_year":
                v = ts.isocalendar().week.to_numpy()
            elif f == "month_of_year":
                v = ts.month
            elif f == "quarter_of_year":
                v = ts.quarter
            elif f == "is_weekend":
                v = ts.dayofweek >= 5
            elif f == "is_month_start":
                v = ts.is_month_start
            else:
                v = ts.is_month_end
            v = np.asarray(v, dtype=np.float64)
            if f.startswith("is_") or self.encoding == "ordinal":
                cols.append(v[:, None])
            elif self.encoding == "cyclical":
                angle = 2 * np.pi * (v - first) / card
                cols.append(np.column_stack([np.sin(angle), np.cos(angle)]))
            else:
                levels = np.arange(first, first + card)
                cols.append((v[:, None] == levels[None, :]).astype(np.float64))
        values = np.hstack(cols) if cols else np.zeros((len(ts), 0))
        return values, self.feature_names_out_

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        """Frequency defaults, and cyclical / one-hot encodings."""
        return [{}, {"features": ["month_of_year", "is_month_end"],
                     "encoding": "cyclical"},
                {"features": ["quarter_of_year"], "encoding": "onehot"}]


def _slug(name: str) -> str:
    name = re.sub(r"\s*\((observed|estimated)\)", "", name, flags=re.I)
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


class HolidayFeatures(_TimeCovariates):
    """Holiday flags of a country from the ``holidays`` package.

    For each row, ``holiday`` is 1.0 when a public holiday of ``country``
    (and ``subdiv``) falls in the period (that day for daily data, any day
    of the week or month for weekly or monthly data), and ``n_holidays``
    counts the holiday days in the period. With ``per_holiday=True`` there
    is also one 0/1 column per holiday (``holiday_christmas_day``, ...;
    "(observed)" days count for their holiday). ``days_before`` and
    ``days_after`` widen each holiday to the days around it (pre-holiday
    shopping). Holidays come from the maintained ``holidays`` package, never
    from a hand-written list, and are known for any future date, so the
    covariates reach over the forecast horizon (see
    :class:`CalendarFeatures` for the pipeline use).

    Parameters
    ----------
    country : str, default="US"
        ISO 3166-1 alpha-2 code of a country supported by ``holidays``
        (``holidays.list_supported_countries()``).
    subdiv : str or None, default=None
        A subdivision (state, province) of the country, e.g. ``"CA"``.
    per_holiday : bool, default=False
        Add one column per holiday.
    days_before, days_after : int, default=0
        Also flag this many days before / after each holiday.
    observed : bool, default=True
        Include "observed" days (a holiday moved off a weekend).
    prefix : str, default=""
        Prefix of the column names.
    freq : str or None, default=None
        Frequency of a datetime index that cannot be inferred.

    Attributes
    ----------
    holiday_names_ : list of str
        Holidays of the country in the fitted years and the next five (the
        per-holiday columns; holidays first appearing later are counted in
        ``holiday`` only).
    feature_names_out_ : list of str
        The columns added.

    Raises
    ------
    ValueError
        Unknown ``country`` or ``subdiv`` (the message lists the valid ones).
    ImportError
        If ``holidays`` is not installed (``pip install holidays``).

    Examples
    --------
    >>> import pandas as pd
    >>> from skforecast_ntm.transformations._calendar import HolidayFeatures
    >>> weeks = pd.period_range("2024-12-16", periods=3, freq="W-SUN")
    >>> y = pd.DataFrame({"y": [1.0, 2.0, 3.0]}, index=weeks)
    >>> hf = HolidayFeatures(country="US")
    >>> hf.fit_transform(X=None, y=y)["holiday"].tolist()  # Christmas week
    [0.0, 1.0, 1.0]
    """

    def __init__(self, country: str = "US", subdiv: str | None = None,
                 per_holiday: bool = False, days_before: int = 0,
                 days_after: int = 0, observed: bool = True, prefix: str = "",
                 freq: str | None = None) -> None:
        self.country = country
        self.subdiv = subdiv
        self.per_holiday = per_holiday
        self.days_before = days_before
        self.days_after = days_after
        self.observed = observed
        self.prefix = prefix
        self.freq = freq
        super().__init__()

    def _check(self) -> None:
        try:
            import holidays
        except ImportError as exc:  # pragma: no cover - installed in the venv
            raise ImportError("HolidayFeatures needs the `holidays` package: "
                              "pip install holidays") from exc
        supported = holidays.list_supported_countries()
        if self.country not in supported:
            raise ValueError(
                f"HolidayFeatures: country={self.country!r} is not supported by the "
                "holidays package; valid ISO codes are "
                f"{sorted(supported)}.")
        subs = list(supported[self.country])
        if self.subdiv is not None and self.subdiv not in subs:
            raise ValueError(
                f"HolidayFeatures: subdiv={self.subdiv!r} is not a subdivision of "
                f"{self.country}; valid ones are {subs}.")
        for name in ("days_before", "days_after"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(f"HolidayFeatures: {name} must be an int >= 0, got "
                                 f"{v!r}.")

    def _calendar(self, first_year: int, last_year: int) -> pd.Series:
        """Holiday days (sorted, with duplicates per name) -> slugged name."""
        import holidays

        cal = holidays.country_holidays(
            self.country, subdiv=self.subdiv, observed=self.observed,
            years=range(first_year, last_year + 1))
        days, names = [], []
        for day, label in sorted(cal.items()):
            for part in str(label).split(";"):
                days.append(day)
                names.append(_slug(part))
        return pd.Series(names, index=pd.DatetimeIndex(days), dtype=object)

    def _setup(self, times: pd.Index) -> None:
        self._check()
        start, end = _period_bounds(times, self._info)
        cal = self._calendar(start.min().year - 1, end.max().year + 5)
        self.holiday_names_ = sorted(set(cal.tolist()))
        names = ["holiday", "n_holidays"]
        if self.per_holiday:
            names += [f"holiday_{n}" for n in self.holiday_names_]
        self.feature_names_out_ = [f"{self.prefix}{n}" for n in names]

    def _features(self, times: pd.Index):
        start, end = _period_bounds(times, self._info)
        if not len(times):
            return np.zeros((0, len(self.feature_names_out_))), \
                self.feature_names_out_
        cal = self._calendar(start.min().year - 1, end.max().year + 1)
        lo = (start - pd.Timedelta(days=self.days_after)).asi8
        hi = (end + pd.Timedelta(days=self.days_before)).asi8

        def count(days: pd.DatetimeIndex) -> np.ndarray:
            d = np.unique(days.asi8)
            return (np.searchsorted(d, hi, side="right")
                    - np.searchsorted(d, lo, side="left")).astype(np.float64)

        cal.index = cal.index.as_unit(start.unit) if hasattr(cal.index, "as_unit") \
            else cal.index
        n = count(cal.index)
        cols = [(n > 0).astype(np.float64), n]
        if self.per_holiday:
            for name in self.holiday_names_:
                cols.append((count(cal.index[cal.to_numpy() == name]) > 0).astype(
                    np.float64))
        return np.column_stack(cols), self.feature_names_out_

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        """US flags, and German per-holiday columns with a window."""
        return [{}, {"country": "DE", "per_holiday": True, "days_before": 2}]

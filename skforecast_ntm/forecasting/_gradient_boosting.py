"""Gradient-boosted tabular forecaster: :class:`GradientBoostingForecaster`.

A global LightGBM model on lag, rolling, calendar and covariate features,
direct multi-horizon (one model for all steps, the step is a feature), one
booster per quantile level (pinball objective), forecasting every series from
its own end as :class:`DeepARForecaster` does. Written after AutoGluon's
``DirectTabular`` and MLForecast; see ``docs/gradient_boosting.md``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy.stats import norm
from sktime.datatypes import update_data

from ._base import OwnHistoryForecaster
from ._panel import (
    _numeric_values,
    ended_before,
    forecast_index,
    format_ids,
    warn_own_end,
)

__all__ = ["GradientBoostingForecaster"]

_MTYPES = ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"]
_SINGLE = "__series__"

# base code -> (seasonal period, lags, rolling windows, calendar features,
# default horizon). Lags count back from the first forecast period: lag 1 is
# the value at the forecast origin (the cutoff). The recent steps plus one
# and two seasons, as in MLForecast / AutoGluon's tabular models.
_FREQ_TABLE: dict[str, tuple] = {
    "Y": (1, [1, 2, 3], [3], [], 6),
    "Q": (4, [1, 2, 3, 4, 8], [4], ["quarter"], 8),
    "M": (12, [1, 2, 3, 6, 12, 24], [3, 12], ["month"], 18),
    "W": (52, [1, 2, 3, 4, 8, 13, 26, 52], [4, 13, 52],
          ["week_of_year", "month"], 13),
    "D": (7, [1, 2, 3, 4, 5, 6, 7, 14, 21, 28, 364], [7, 28],
          ["day_of_week", "day_of_month", "week_of_year", "month"], 14),
    "B": (5, [1, 2, 3, 4, 5, 10, 15, 20, 260], [5, 20],
          ["day_of_week", "day_of_month", "week_of_year", "month"], 10),
    "h": (24, [1, 2, 3, 4, 5, 6, 12, 24, 48, 168], [24, 168],
          ["hour", "day_of_week"], 48),
    "min": (60, [1, 2, 3, 4, 5, 10, 15, 30, 60], [15, 60],
            ["minute", "hour", "day_of_week"], 60),
    "s": (60, [1, 2, 3, 4, 5, 10, 30, 60], [10, 60],
          ["second", "minute", "hour"], 60),
    "int": (1, [1, 2, 3, 4, 5, 6, 7], [3, 7], [], 10),
}

# pandas offset class name -> base code of _FREQ_TABLE
_OFFSET_BASE = {
    "Day": "D", "BusinessDay": "B", "CustomBusinessDay": "B", "Week": "W",
    "MonthEnd": "M", "MonthBegin": "M", "BusinessMonthEnd": "M",
    "BusinessMonthBegin": "M", "SemiMonthEnd": "M", "SemiMonthBegin": "M",
    "CustomBusinessMonthEnd": "M", "CustomBusinessMonthBegin": "M",
    "QuarterEnd": "Q", "QuarterBegin": "Q", "BQuarterEnd": "Q",
    "BQuarterBegin": "Q", "YearEnd": "Y", "YearBegin": "Y", "BYearEnd": "Y",
    "BYearBegin": "Y", "Hour": "h", "BusinessHour": "h",
    "CustomBusinessHour": "h", "Minute": "min", "Second": "s", "Milli": "s",
    "Micro": "s", "Nano": "s",
}

#: seasonal lags aligned on the target date (one and two seasons back)
_N_SEASON_LAGS = 2


# ------------------------------------------------------------------ time grid
class _Grid:
    """Integer positions of time stamps on a regular grid starting at ``start``."""

    def __init__(self, times: pd.Index, freq=None):
        times = pd.Index(times)
        if isinstance(times, pd.PeriodIndex):
            self.kind, self.freq = "period", times.freq
            self.start = int(times.asi8.min())
        elif isinstance(times, pd.DatetimeIndex):
            self.kind = "datetime"
            self.freq = _datetime_freq(times, freq)
            self.start = times.min()
        elif pd.api.types.is_integer_dtype(times):
            self.kind, self.freq = "int", None
            values = np.unique(times.to_numpy(dtype=np.int64))
            self.start = int(values[0])
            diffs = np.diff(values)
            self.step = int(np.gcd.reduce(diffs)) if len(diffs) else 1
        else:
            raise TypeError(
                f"The time index must be a PeriodIndex, DatetimeIndex or integer "
                f"index, got {type(times).__name__} of dtype {times.dtype}."
            )
        if self.kind == "int":
            self.base, self.multiple = "int", 1
        else:
            self.base = _OFFSET_BASE.get(type(self.freq).__name__, "int")
            self.multiple = int(getattr(self.freq, "n", 1))

    def positions(self, times: pd.Index) -> np.ndarray:
        times = pd.Index(times)
        if self.kind == "period":
            if not isinstance(times, pd.PeriodIndex) or times.freq != self.freq:
                raise TypeError(
                    f"Time stamps must be periods of frequency {self.freq.freqstr}, "
                    f"got {type(times).__name__} ({getattr(times, 'dtype', '')})."
                )
            return times.asi8 - self.start
        if self.kind == "int":
            vals = times.to_numpy(dtype=np.int64) - self.start
            if (vals % self.step).any():
                raise ValueError(
                    f"Integer time stamps are not on the grid of step {self.step}."
                )
            return vals // self.step
        end = max(times.max(), self.start)
        grid = pd.date_range(self.start, end, freq=self.freq)
        pos = grid.get_indexer(times)
        if (pos < 0).any():
            bad = times[pos < 0][:3]
            raise ValueError(
                f"Time stamps {[str(b) for b in bad]} are not on the regular grid "
                f"of frequency {self.freq.freqstr!r} starting at {self.start}; "
                "resample the series to a regular frequency or pass `freq=`."
            )
        return pos.astype(np.int64)

    def times(self, n: int) -> pd.Index:
        """The first ``n`` grid stamps."""
        if self.kind == "period":
            return pd.PeriodIndex.from_ordinals(self.start + np.arange(n),
                                                freq=self.freq)
        if self.kind == "int":
            return pd.Index(self.start + self.step * np.arange(n))
        return pd.date_range(self.start, periods=n, freq=self.freq)

    def calendar(self, n: int, names: Sequence[str]) -> np.ndarray:
        """Calendar features ``(n, len(names))`` of the first ``n`` stamps."""
        if not names or self.kind == "int":
            return np.zeros((n, 0))
        stamps = self.times(n)
        if self.kind == "period":
            stamps = stamps.to_timestamp(how="start")
        iso = stamps.isocalendar()
        get = {
            "quarter": lambda: stamps.quarter,
            "month": lambda: stamps.month,
            "week_of_year": lambda: iso["week"].to_numpy(),
            "day_of_week": lambda: stamps.dayofweek,
            "day_of_month": lambda: stamps.day,
            "hour": lambda: stamps.hour,
            "minute": lambda: stamps.minute,
            "second": lambda: stamps.second,
        }
        return np.column_stack(
            [np.asarray(get[c](), dtype=np.float64) for c in names])


def _datetime_freq(times: pd.DatetimeIndex, freq):
    from pandas.tseries.frequencies import to_offset

    if freq is not None:
        return to_offset(freq)
    if times.freq is not None:
        return times.freq
    uniq = times.unique().sort_values()
    if len(uniq) >= 3:
        inferred = pd.infer_freq(uniq)
        if inferred is not None:
            return to_offset(inferred)
    if len(uniq) >= 2:
        step = pd.Series(uniq[1:] - uniq[:-1]).mode().iloc[0]
        day = pd.Timedelta(days=1)
        if step % day == pd.Timedelta(0):
            return to_offset(f"{step // day}D")
        return to_offset(step)
    raise ValueError(
        "Cannot infer the frequency of the time index (fewer than two distinct "
        "time stamps); pass `freq=` (e.g. freq='D')."
    )


# -------------------------------------------------------------------- panel
class _Panel:
    """A panel on a regular grid: ``y (N, T)``, ``X (N, T, F)``, presence mask."""

    def __init__(self, y: pd.DataFrame, X: pd.DataFrame | None, freq=None,
                 extra_times: pd.Index | None = None):
        self.single = not isinstance(y.index, pd.MultiIndex)
        y_keys, y_times = _split_index(y.index)
        all_times = y_times
        if X is not None:
            if isinstance(X.index, pd.MultiIndex) == self.single:
                raise ValueError(
                    "X and y must both be single series or both panels (with "
                    "the same instance levels)."
                )
            x_keys, x_times = _split_index(X.index)
            all_times = all_times.append(x_times)
        if extra_times is not None and len(extra_times):
            all_times = all_times.append(pd.Index(extra_times))
        if freq is None and isinstance(y_times, pd.DatetimeIndex):
            freq = y_times.freq  # the union of stamps may have lost it
        self.grid = _Grid(all_times, freq=freq)
        codes, keys = _factorize(y_keys)
        self.keys = keys
        n = len(keys)
        ypos = self.grid.positions(y_times)
        _check_duplicates(codes, ypos, keys, "y")
        t = int(self.grid.positions(all_times).max()) + 1
        self.T = t
        values = _numeric(y, "y")[:, 0]
        with np.errstate(invalid="ignore"):
            if np.isinf(values).any():
                bad = pd.unique(np.asarray(keys)[codes[np.isinf(values)]])
                raise ValueError(
                    f"y has infinite values in series {format_ids(bad)}; replace "
                    "them by NaN (a missing value) first."
                )
        self.y = np.full((n, t), np.nan)
        self.y[codes, ypos] = values
        self.first = np.full(n, t, dtype=np.int64)
        np.minimum.at(self.first, codes, ypos)
        self.last = np.full(n, -1, dtype=np.int64)
        np.maximum.at(self.last, codes, ypos)
        obs = ~np.isnan(self.y)
        self.first_obs = np.where(obs.any(1), obs.argmax(1), t)
        self.X = None
        self.x_present = None
        self.x_columns: list = []
        if X is not None and X.shape[1]:
            xcodes = keys.get_indexer(x_keys) if not self.single else \
                np.zeros(len(X), dtype=np.int64)
            if (xcodes < 0).any():
                bad = pd.unique(np.asarray(x_keys)[xcodes < 0])
                raise ValueError(
                    f"X has rows for series {format_ids(bad)} that are not in y."
                )
            xpos = self.grid.positions(x_times)
            _check_duplicates(xcodes, xpos, keys, "X")
            self.x_columns = [str(c) for c in X.columns]
            self.X = np.full((n, t, X.shape[1]), np.nan, dtype=np.float32)
            self.X[xcodes, xpos] = _numeric(X, "X")
            self.x_present = np.zeros((n, t), dtype=bool)
            self.x_present[xcodes, xpos] = True

    def pos_of(self, times) -> np.ndarray:
        return self.grid.positions(pd.Index(times))


def _split_index(index: pd.Index) -> tuple:
    if not isinstance(index, pd.MultiIndex):
        return pd.Index(np.full(len(index), _SINGLE, dtype=object)), index
    time = index.get_level_values(-1)
    keys = index.get_level_values(0) if index.nlevels == 2 else index.droplevel(-1)
    return keys, time


def _factorize(keys: pd.Index) -> tuple[np.ndarray, pd.Index]:
    try:
        codes, uniques = pd.factorize(keys, sort=True)
    except TypeError:  # ids of mixed types: keep order of appearance
        codes, uniques = pd.factorize(keys, sort=False)
    if not isinstance(uniques, pd.Index):
        uniques = pd.Index(uniques)
    return codes.astype(np.int64), uniques


def _check_duplicates(codes, pos, keys, what: str) -> None:
    flat = codes * (int(pos.max()) + 1 if len(pos) else 1) + pos
    dup = pd.Index(flat).duplicated()
    if dup.any():
        bad = pd.unique(np.asarray(keys)[codes[dup]])
        raise ValueError(
            f"Duplicate time stamps within series {format_ids(bad)} of {what}; "
            "each (series, time) pair must appear once: aggregate duplicates "
            "first, e.g. df.groupby([id, time]).sum()."
        )


def _numeric(frame: pd.DataFrame, what: str) -> np.ndarray:
    return _numeric_values(frame, what, fix="Encode them as numbers first "
                           "(e.g. category codes or one-hot columns).")


# ---------------------------------------------------------------- features
class _Features:
    """Vectorised feature rows for (series, origin, step) triples of a panel."""

    def __init__(self, panel: _Panel, spec: dict):
        self.p, self.spec = panel, spec
        y = panel.y
        obs = ~np.isnan(y)
        z = np.where(obs, y, 0.0)
        pad = np.zeros((y.shape[0], 1))
        self.cs_cnt = np.hstack([pad, np.cumsum(obs, axis=1)])
        self.cs_abs = np.hstack([pad, np.cumsum(np.abs(z), axis=1)])
        self.cs_y = np.hstack([pad, np.cumsum(z, axis=1)])
        self.cs_y2 = np.hstack([pad, np.cumsum(z * z, axis=1)])
        self.cal = panel.grid.calendar(panel.T, spec["calendar"])

    def _window(self, cs, i, t, w):
        lo = np.maximum(t + 1 - w, 0)
        return cs[i, t + 1] - cs[i, lo]

    def scale(self, i: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Mean |y| over the scale window ending at ``t`` (expanding if empty)."""
        w = self.spec["scale_window"]
        cnt = self._window(self.cs_cnt, i, t, w)
        tot = self._window(self.cs_abs, i, t, w)
        e_cnt, e_tot = self.cs_cnt[i, t + 1], self.cs_abs[i, t + 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.where(cnt > 0, tot / cnt, e_tot / e_cnt)
        s = np.where(s == 0, 1.0, s)  # all-zero context: unit scale
        return s  # NaN where nothing was observed up to t

    def origin_block(self, i, t, s) -> np.ndarray:
        """Features known at the origin: lags, rolling stats, log scale."""
        y = self.p.y
        cols = []
        for k in self.spec["lags"]:
            pos = t + 1 - k
            ok = pos >= 0
            v = np.full(len(i), np.nan)
            v[ok] = y[i[ok], pos[ok]]
            cols.append(v / s)
        for w in self.spec["windows"]:
            cnt = self._window(self.cs_cnt, i, t, w)
            sm = self._window(self.cs_y, i, t, w)
            sq = self._window(self.cs_y2, i, t, w)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = sm / cnt
                var = np.maximum(sq / cnt - mean * mean, 0.0) * cnt / (cnt - 1)
            mean[cnt < 1] = np.nan
            var[cnt < 2] = np.nan
            cols.append(mean / s)
            cols.append(np.sqrt(var) / s)
        cols.append(np.log(s))
        return np.column_stack(cols)

    def step_block(self, i, t, s, h) -> np.ndarray:
        """Features of the target date ``t + h``: seasonal lags, step,
        calendar, covariates and the series id. ``h``: one step for every
        row, or one per row."""
        y, spec = self.p.y, self.spec
        h = np.broadcast_to(np.asarray(h, dtype=np.int64), np.shape(i))
        tgt = t + h
        cols = []
        m = spec["season"]
        if m > 1:
            back = m * (-(-h // m))  # m * ceil(h / m)
            for j in range(_N_SEASON_LAGS):
                pos = tgt - back - j * m
                ok = pos >= 0
                v = np.full(len(i), np.nan)
                v[ok] = y[i[ok], pos[ok]]
                cols.append(v / s)
        cols.append(h.astype(np.float64))
        parts = [np.column_stack(cols), self.cal[tgt]]
        if self.p.X is not None:
            parts.append(self.p.X[i, tgt].astype(np.float64))
        if spec["use_series_id"]:
            parts.append(spec["id_codes"][i][:, None].astype(np.float64))
        return np.hstack(parts)

    def names(self) -> list[str]:
        spec = self.spec
        names = [f"lag_{k}" for k in spec["lags"]]
        for w in spec["windows"]:
            names += [f"rolling_mean_{w}", f"rolling_std_{w}"]
        names.append("log_scale")
        if spec["season"] > 1:
            names += [f"season_lag_{j + 1}" for j in range(_N_SEASON_LAGS)]
        names.append("step")
        names += [f"calendar_{c}" for c in spec["calendar"]]
        names += [f"X_{c}" for c in self.p.x_columns]
        if spec["use_series_id"]:
            names.append("series_id")
        return names


# -------------------------------------------------------------- forecaster
class GradientBoostingForecaster(OwnHistoryForecaster):
    """Global gradient-boosted (LightGBM) quantile forecaster for sktime.

    One model is trained across every series of a panel (``pd-multiindex`` or
    hierarchical ``pd_multiindex_hier``; a single series works too) on
    tabular rows, one per (series, forecast origin, step) with an observed
    target (AutoGluon's ``DirectTabular`` design). Each row's features are

    - the target lags at the origin (lag 1 is the last observed period),
      rolling means and standard deviations over recent windows, and the log
      of the series scale;
    - for the *target date* (origin + step): the values one and two seasons
      back (so that every step sees "the same period last year" without
      having to learn an interaction between the step and the lags), the
      step itself, calendar features derived from the frequency (month,
      week of year, day of week, ...), the known-future covariates of ``X``
      (price, promotion, holiday flags) and, optionally, the series id as a
      categorical feature.

    Targets and lag features are divided by the series scale (the mean
    absolute value over the scale window ending at the origin), so that one
    model fits series of very different levels; forecasts are rescaled.

    Direct multi-horizon: **one model for all steps, the step is a feature**
    (AutoGluon's choice; MLForecast trains one model per step). With ``Q``
    quantile levels this trains ``Q`` boosters instead of ``Q x H``, and
    each booster sees the rows of all steps (``H`` times more data), which
    matters for short series (M3: 48-126 points); the target-date seasonal
    lags give each step its own seasonal anchor.

    Quantiles: one booster per level of ``quantiles`` (LightGBM's pinball
    ``objective="quantile"``, ``alpha=q``), plus the median if absent, all
    on one binned ``lightgbm.Dataset``; ``predict`` returns the median. The
    levels other than the median take a third of the rounds at three times
    the learning rate (``n_estimators_outer``). At prediction no level
    crosses another: from the median outward, each level above it is at
    least the one below and each level below at most the one above (a P10
    booster above the median is clipped to the median, which stays the
    median booster's forecast).
    ``predict_quantiles`` returns trained levels exactly and
    **interpolates** other levels linearly in normal-score space
    (``scipy.stats.norm.ppf(alpha)``) between the two nearest trained
    levels, extrapolating the outer segments beyond the outermost levels
    (exact for Gaussian forecast distributions); nothing is trained at
    prediction time.

    Missing targets: lag features may be missing (LightGBM learns a branch
    for missing values); rows whose target is missing are not trained on.
    Forecasts are for the periods after the panel's cutoff (its latest
    period). A series whose rows end ``g`` periods earlier is warned about,
    by id, and forecast from its own end, as :class:`DeepARForecaster` does:
    its value at cutoff + ``k`` is the model's step ``g + k`` from its last
    row, whose lags are its own last values (a period more than the trained
    horizon after that row is forecast from the latest trained origin
    before it, the lags in between missing).

    Parameters
    ----------
    quantiles : sequence of float, default=(0.1, 0.5, 0.9)
        Quantile levels in (0, 1) with one booster each (Amazon Forecast's
        P10/P50/P90). The median is always trained (``predict``).
    prediction_length : int or None, default=None
        Number of steps the model is trained for. ``None``: the largest step
        of ``fh`` given to ``fit``, else a default for the frequency
        (yearly 6, quarterly 8, monthly 18, weekly 13, daily 14, hourly 48,
        otherwise 10). Predicting further raises an error.
    lags : sequence of int or None, default=None
        Target lags (1 = the origin). ``None``: from the frequency (daily
        1-7, 14, 21, 28, 364; weekly 1-4, 8, 13, 26, 52; monthly 1-3, 6, 12,
        24; quarterly 1-4, 8; yearly 1-3; integer index 1-7), capped by the
        length of the longest series.
    windows : sequence of int or None, default=None
        Rolling-window lengths of the mean and standard deviation features.
        ``None``: from the frequency (monthly 3 and 12, weekly 4, 13 and 52,
        daily 7 and 28), capped by the longest series.
    seasonal_period : int or None, default=None
        Season of the target-date seasonal lags; ``None``: from the
        frequency (12 monthly, 52 weekly, 7 daily, 1 for an integer index).
        1 disables them.
    freq : str or None, default=None
        Frequency of a ``DatetimeIndex`` whose frequency cannot be inferred.
    calendar : bool, default=True
        Whether to add calendar features of the target date.
    use_series_id : bool, default=False
        Whether to add the series id as a categorical feature. Off by
        default: the scaled lags already tell series apart, and an id with
        thousands of levels overfits short series.
    scale_window : int or None, default=None
        Length of the window of the mean-absolute scale; ``None``: the
        longest rolling window (a season). A window without observations
        falls back to the whole history up to the origin.
    n_estimators : int, default=300
        Boosting rounds of the median booster (the point forecast).
    n_estimators_outer : int or None, default=None
        Boosting rounds of each booster of the other levels (P10, P90, ...).
        ``None``: a third of ``n_estimators`` (rounded up). Their learning
        rate is scaled by ``n_estimators / n_estimators_outer`` (capped at
        1, or at ``learning_rate`` if that is larger) so that every booster
        gets the same budget, rounds x rate; a ``learning_rate`` in
        ``lgbm_params`` overrides it for every booster. Fewer, larger steps
        cost the outer levels no accuracy (M3 monthly mean wQL 0.0783 ->
        0.0784, Walmart and a synthetic retail panel level within noise) and
        cut the fit time by 40% (``docs/gradient_boosting.md``);
        ``n_estimators_outer=n_estimators`` trains every level alike.
    learning_rate : float, default=0.05
        Learning rate of the median booster (see ``n_estimators_outer``).
    num_leaves : int, default=31
    min_child_samples : int, default=20
        LightGBM's ``min_data_in_leaf``.
    max_train_windows : int or None, default=None
        Forecast origins per series used for training: the most recent ones.
        ``None``: every origin.
    max_train_rows : int, default=1_000_000
        Training rows cap for big panels: when ``origins x steps`` exceeds
        it, a random subset of origins (seeded by ``random_state``) is kept.
    lgbm_params : dict or None, default=None
        Further LightGBM parameters (``feature_fraction``, ``lambda_l2``,
        ``max_bin``, ...); they override the defaults.
    n_jobs : int or None, default=1
        LightGBM threads (``None`` or 1: one; -1: all cores). One by default,
        as in scikit-learn: backtests and model selection parallelise at the
        outer level, and one thread never oversubscribes shared machines.
        Results are identical for any value (``deterministic=True``).
    random_state : int or None, default=None
        Seeds LightGBM and the row subsampling (``max_train_rows``); with a
        fixed seed the same data give the same forecast. ``None``: LightGBM's
        seed 0 (its training is then still deterministic) and an unseeded
        subsampling. The global NumPy RNG is untouched.

    Attributes
    ----------
    boosters_ : dict of float -> lightgbm.Booster
        One booster per trained quantile level.
    quantiles_ : ndarray
        Trained quantile levels, sorted.
    horizon_ : int
        Number of steps the model was trained for.
    lags_, windows_ : list of int
        Lags and rolling windows used (after the automatic choice and cap).
    seasonal_period_ : int
    feature_names_ : list of str
    feature_importances_ : pandas.Series
        Total gain of each feature in the median booster.
    n_train_rows_ : int

    See Also
    --------
    DeepARForecaster : the autoregressive RNN with sample paths.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skforecast_ntm import GradientBoostingForecaster
    >>> idx = pd.MultiIndex.from_product(
    ...     [["a", "b"], pd.period_range("2020-01", periods=36, freq="M")],
    ...     names=["id", "time"])
    >>> rng = np.random.default_rng(0)
    >>> price = pd.DataFrame({"price": rng.uniform(1, 2, len(idx))}, index=idx)
    >>> y = pd.DataFrame({"y": 10 - 3 * price["price"].to_numpy()}, index=idx)
    >>> train = idx.get_level_values("time") < pd.Period("2022-07", "M")
    >>> f = GradientBoostingForecaster(n_estimators=20, min_child_samples=5,
    ...                                random_state=0)
    >>> f = f.fit(y[train], X=price[train], fh=[1, 2, 3])
    >>> f.predict(X=price[~train]).shape
    (6, 1)
    >>> q = f.predict_quantiles(X=price[~train], alpha=[0.1, 0.5, 0.9])
    >>> q.shape
    (6, 3)
    >>> bool((np.diff(q.to_numpy(), axis=1) >= 0).all())
    True
    """

    _tags = {
        "authors": ["skforecast_ntm developers"],
        "maintainers": ["skforecast_ntm developers"],
        "python_dependencies": ["lightgbm"],
        "y_inner_mtype": _MTYPES,
        "X_inner_mtype": _MTYPES,
        "capability:multivariate": False,
        "capability:exogenous": True,
        "capability:insample": False,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        "capability:missing_values": True,
        "capability:unequal_length": True,
        "capability:update": True,
        "requires-fh-in-fit": False,
        "X-y-must-have-same-index": False,
        "fit_is_empty": False,
        "capability:categorical_in_X": False,
        "capability:random_state": True,
        # covariates are read at the target dates only
        "capability:non_contiguous_X": True,
    }

    def __init__(
        self,
        quantiles=(0.1, 0.5, 0.9),
        prediction_length=None,
        lags=None,
        windows=None,
        seasonal_period=None,
        freq=None,
        calendar=True,
        use_series_id=False,
        scale_window=None,
        n_estimators=300,
        n_estimators_outer=None,
        learning_rate=0.05,
        num_leaves=31,
        min_child_samples=20,
        max_train_windows=None,
        max_train_rows=1_000_000,
        lgbm_params=None,
        n_jobs=1,
        random_state=None,
    ):
        self.quantiles = quantiles
        self.prediction_length = prediction_length
        self.lags = lags
        self.windows = windows
        self.seasonal_period = seasonal_period
        self.freq = freq
        self.calendar = calendar
        self.use_series_id = use_series_id
        self.scale_window = scale_window
        self.n_estimators = n_estimators
        self.n_estimators_outer = n_estimators_outer
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.max_train_windows = max_train_windows
        self.max_train_rows = max_train_rows
        self.lgbm_params = lgbm_params
        self.n_jobs = n_jobs
        self.random_state = random_state
        super().__init__()
        self._y = None
        self._X = None

    # ------------------------------------------------------- validation
    def _validate(self) -> np.ndarray:
        qs = np.atleast_1d(np.asarray(self.quantiles, dtype=np.float64))
        if qs.size == 0 or not ((qs > 0) & (qs < 1)).all():
            raise ValueError(
                f"quantiles must be levels in the open interval (0, 1), got "
                f"{self.quantiles!r}."
            )
        _check_int("prediction_length", self.prediction_length, 1, none=True)
        _check_int("seasonal_period", self.seasonal_period, 1, none=True)
        _check_int("scale_window", self.scale_window, 1, none=True)
        _check_int("n_estimators", self.n_estimators, 1)
        _check_int("n_estimators_outer", self.n_estimators_outer, 1, none=True)
        _check_int("num_leaves", self.num_leaves, 2)
        _check_int("min_child_samples", self.min_child_samples, 1)
        _check_int("max_train_windows", self.max_train_windows, 1, none=True)
        _check_int("max_train_rows", self.max_train_rows, 1)
        _check_int("n_jobs", self.n_jobs, -1, none=True)
        _check_int("random_state", self.random_state, 0, none=True)
        if self.n_jobs == 0:
            raise ValueError("n_jobs must be None, -1 or a positive integer, got 0.")
        if not isinstance(self.learning_rate, Real) or not self.learning_rate > 0:
            raise ValueError(
                f"learning_rate must be a positive number, got {self.learning_rate!r}.")
        for name in ("lags", "windows"):
            value = getattr(self, name)
            if value is None:
                continue
            arr = list(np.atleast_1d(value))
            if not arr or not all(isinstance(v, Integral | np.integer) and v >= 1
                                  for v in arr):
                raise ValueError(
                    f"{name} must be None or a non-empty sequence of positive "
                    f"integers, got {value!r}."
                )
        if self.windows is not None and min(np.atleast_1d(self.windows)) < 2:
            raise ValueError(
                f"windows must be at least 2 (a standard deviation needs two "
                f"points), got {self.windows!r}.")
        if self.lgbm_params is not None and not isinstance(self.lgbm_params, dict):
            raise TypeError(
                f"lgbm_params must be a dict or None, got {type(self.lgbm_params)}.")
        return np.unique(np.append(qs, 0.5))

    def _spec(self, panel: _Panel) -> dict:
        base = panel.grid.base
        m0, lags0, win0, cal0, _ = _FREQ_TABLE.get(base, _FREQ_TABLE["int"])
        mult = panel.grid.multiple
        if mult > 1:  # e.g. "2D": the season counts in multiples
            m0 = m0 // mult if m0 % mult == 0 else 1
        lengths = panel.last - panel.first_obs + 1
        max_len = int(lengths.max()) if len(lengths) else 1
        cap = max(max_len - 1, 1)
        if self.lags is None:
            lags = [k for k in lags0 if k <= cap] or [1]
        else:
            lags = sorted({int(k) for k in np.atleast_1d(self.lags)})
        if self.windows is None:
            windows = [w for w in win0 if w <= cap and w >= 2]
        else:
            windows = sorted({int(w) for w in np.atleast_1d(self.windows)})
        m = int(self.seasonal_period) if self.seasonal_period is not None else m0
        if self.seasonal_period is None and m >= max_len:
            m = 1
        scale_window = self.scale_window or max(windows + [m, 1])
        return {
            "lags": lags, "windows": windows, "season": m,
            "calendar": list(cal0) if self.calendar else [],
            "scale_window": int(scale_window),
            "use_series_id": bool(self.use_series_id),
            "id_codes": np.arange(len(panel.keys)),
        }

    def _horizon(self, fh, panel: _Panel) -> int:
        if self.prediction_length is not None:
            return int(self.prediction_length)
        if fh is not None:
            steps = np.asarray(fh.to_relative(self.cutoff), dtype=np.int64)
            if len(steps) and steps.max() >= 1:
                return int(steps.max())
        return int(_FREQ_TABLE.get(panel.grid.base, _FREQ_TABLE["int"])[4])

    # ---------------------------------------------------------- training
    def _fit(self, y, X=None, fh=None):
        self._hist_y, self._hist_X = y, X
        self._train(y, X, fh)
        return self

    def _lgb_params(self, q: float) -> dict:
        threads = 1 if self.n_jobs is None else (0 if self.n_jobs == -1
                                                 else int(self.n_jobs))
        params = {
            "objective": "quantile", "alpha": float(q),
            "learning_rate": float(self.learning_rate),
            "num_leaves": int(self.num_leaves),
            "min_data_in_leaf": int(self.min_child_samples),
            "num_threads": threads, "deterministic": True,
            "force_row_wise": True, "verbosity": -1,
            "seed": 0 if self.random_state is None else int(self.random_state),
        }
        params.update(self.lgbm_params or {})
        return params

    def _train(self, y, X, fh, horizon=None):
        import lightgbm as lgb

        levels = self._validate()
        panel = _Panel(y, X, freq=self.freq)
        self._check_no_history(panel)
        spec = self._spec(panel)
        if horizon is None:
            horizon = self._horizon(fh, panel)
        self._warn_short(panel, spec)
        rows, target, feats = self._training_rows(panel, spec, horizon)
        if len(target) == 0:
            raise ValueError(
                "No training rows: every series needs at least two observed "
                "values (an origin and a later target)."
            )
        names = feats.names()
        cat = ["series_id"] if spec["use_series_id"] else "auto"
        dataset = lgb.Dataset(rows, label=target, feature_name=names,
                              categorical_feature=cat, free_raw_data=True,
                              params=self._lgb_params(0.5))
        self.boosters_ = self._boost(lgb, dataset, levels)
        spec.pop("id_codes")
        self._spec_ = spec
        self._keys_fit = panel.keys
        self._grid = panel.grid  # forecast periods are counted on it
        self._x_columns = panel.x_columns
        self._x_had_nan = (
            set() if panel.X is None else {
                c for c, bad in zip(panel.x_columns,
                                    np.isnan(panel.X[panel.x_present]).any(0))
                if bad})
        self.quantiles_ = levels
        self.horizon_ = horizon
        self.lags_, self.windows_ = spec["lags"], spec["windows"]
        self.seasonal_period_ = spec["season"]
        self.feature_names_ = names
        self.n_train_rows_ = int(len(target))
        gain = self.boosters_[0.5].feature_importance(importance_type="gain")
        self.feature_importances_ = pd.Series(gain, index=names, name="gain")

    def _outer_schedule(self) -> tuple[int, float]:
        """Rounds and learning rate of the boosters of the other levels."""
        n = int(self.n_estimators)
        outer = self.n_estimators_outer
        outer = max(math.ceil(n / 3), 1) if outer is None else int(outer)
        lr = min(float(self.learning_rate) * n / outer,
                 max(float(self.learning_rate), 1.0))
        return outer, lr

    def _boost(self, lgb, dataset, levels: np.ndarray) -> dict:
        """One booster per level on the shared binned ``dataset``: the
        median with ``n_estimators`` rounds, the other levels with the
        schedule of :meth:`_outer_schedule`."""
        outer_rounds, outer_lr = self._outer_schedule()
        boosters = {}
        for q in levels:
            params = self._lgb_params(float(q))
            rounds = int(self.n_estimators)
            if q != 0.5:
                rounds = outer_rounds
                params["learning_rate"] = outer_lr
                params.update(self.lgbm_params or {})  # the user's rate wins
            boosters[float(q)] = lgb.train(params, dataset, num_boost_round=rounds)
        return boosters

    def _training_rows(self, panel: _Panel, spec: dict, horizon: int):
        n = len(panel.keys)
        lo = panel.first_obs.copy()
        hi = panel.last - 1
        if self.max_train_windows is not None:
            lo = np.maximum(lo, panel.last - int(self.max_train_windows))
        counts = np.maximum(hi - lo + 1, 0)
        oi = np.repeat(np.arange(n), counts)
        starts = np.cumsum(counts) - counts
        ot = lo[oi] + (np.arange(counts.sum()) - np.repeat(starts, counts))
        if len(oi) * horizon > self.max_train_rows:
            rng = np.random.default_rng(self.random_state)
            keep = max(int(self.max_train_rows) // horizon, 1)
            sel = np.sort(rng.choice(len(oi), size=min(keep, len(oi)),
                                     replace=False))
            oi, ot = oi[sel], ot[sel]
        feats = _Features(panel, spec)
        s = feats.scale(oi, ot)
        ok = np.isfinite(s)
        oi, ot, s = oi[ok], ot[ok], s[ok]
        base = feats.origin_block(oi, ot, s)
        blocks, targets = [], []
        for h in range(1, horizon + 1):
            tgt = ot + h
            valid = tgt < panel.T
            valid[valid] = ~np.isnan(panel.y[oi[valid], tgt[valid]])
            if not valid.any():
                continue
            i, t, sv = oi[valid], ot[valid], s[valid]
            blocks.append(np.hstack([base[valid], feats.step_block(i, t, sv, h)])
                          .astype(np.float32))
            targets.append(panel.y[i, t + h] / sv)
        n_feat = len(feats.names())
        if not blocks:
            return np.zeros((0, n_feat), np.float32), np.zeros(0), feats
        return np.vstack(blocks), np.concatenate(targets), feats

    def _check_no_history(self, panel: _Panel) -> None:
        empty = panel.keys[panel.first_obs >= panel.T]
        if len(empty):
            raise ValueError(
                f"Series {format_ids(empty)} have no observed target value; a "
                "tabular model needs at least one to scale and lag on. Drop "
                "them or fill them first."
            )

    def _warn_short(self, panel: _Panel, spec: dict) -> None:
        need = max(spec["lags"] + spec["windows"] + [spec["season"]])
        cut = int(panel.pos_of(self.cutoff)[0])
        n_obs = (~np.isnan(panel.y[:, : cut + 1])).sum(1)
        short = panel.keys[n_obs < need]
        if len(short):
            warnings.warn(
                f"Series {format_ids(short)} have fewer observations than the "
                f"longest lag/window/season ({need}); their unavailable lags "
                "are missing values (LightGBM's learnt missing-value branches) "
                "and they are still forecast.",
                UserWarning, stacklevel=4,
            )

    def _update(self, y, X=None, update_params=True):
        self._hist_y = update_data(self._hist_y, y)
        if X is not None:
            self._hist_X = X if self._hist_X is None else update_data(self._hist_X, X)
        if update_params:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                self._train(self._hist_y, self._hist_X, None,
                            horizon=self.horizon_)
        return self

    # -------------------------------------------------------- prediction
    def _quantile_grid(self, fh, X):
        """Sorted trained-quantile forecasts ``(N, S, Q)`` and the index."""
        # steps and periods on the model's own grid (as DeepARForecaster),
        # so that panels whose cutoff carries no freq work too
        cut_pos = int(self._grid.positions(self.cutoff)[0])
        if fh.is_relative:
            steps = np.asarray(fh.to_pandas(), dtype=np.int64)
        else:
            steps = self._grid.positions(fh.to_pandas()) - cut_pos
        if (steps < 1).any():
            raise ValueError(
                f"fh contains steps {sorted(set(steps[steps < 1].tolist()))} at or "
                "before the cutoff; GradientBoostingForecaster forecasts only "
                "after the cutoff (in-sample prediction is not supported)."
            )
        if steps.max() > self.horizon_:
            raise ValueError(
                f"fh reaches step {int(steps.max())} but the model was trained for "
                f"{self.horizon_} steps; set prediction_length (or pass the "
                "longer fh to fit) and refit."
            )
        times = self._grid.times(cut_pos + int(steps.max()) + 1)[cut_pos + steps]
        if self._x_columns and X is None and self._hist_X is None:
            raise ValueError(
                f"The forecaster was fitted with covariates {self._x_columns}; "
                "pass X with rows for every forecast period."
            )
        X_all = self._hist_X
        if X is not None:
            have = [str(c) for c in X.columns]
            missing = [c for c in self._x_columns if c not in have]
            if missing:
                raise ValueError(
                    f"X lacks the column(s) {missing} the forecaster was fitted "
                    f"with (X columns: {list(X.columns)})."
                )
            X_all = X if X_all is None else update_data(X_all, X)
        if X_all is not None:  # the fitted covariates, in the fitted order
            by_name = {str(c): c for c in X_all.columns}
            X_all = X_all[[by_name[c] for c in self._x_columns if c in by_name]]
        panel = _Panel(self._hist_y, X_all, freq=self.freq, extra_times=times)
        cut = int(panel.pos_of(self.cutoff)[0])
        origin, step = self._origins(panel, cut, steps)
        n = len(panel.keys)
        spec = dict(self._spec_)
        codes = self._keys_fit.get_indexer(panel.keys).astype(np.float64)
        codes[codes < 0] = np.nan  # unseen series: missing category
        spec["id_codes"] = codes
        feats = _Features(panel, spec)
        i = np.arange(n)
        s = feats.scale(np.repeat(i, len(steps)), origin.ravel()).reshape(
            origin.shape)
        no_hist = ~np.isfinite(s).any(1)
        if no_hist.any():
            fallback = float(np.nanmedian(s)) if (~no_hist).any() else 1.0
            warnings.warn(
                f"Series {format_ids(panel.keys[no_hist])} have no observed "
                f"value up to the cutoff; they are forecast on the panel's median "
                f"scale ({fallback:g}) from their covariates and calendar only.",
                UserWarning, stacklevel=4,
            )
            s = np.where(np.isfinite(s), s, fallback)
        if self._x_columns:
            self._check_future_X(panel, cut + steps)
        out = np.empty((n, len(steps), len(self.quantiles_)))
        base, base_t = None, None
        for j in range(len(steps)):
            t, sj = origin[:, j], s[:, j]
            if base is None or not np.array_equal(t, base_t):
                base, base_t = feats.origin_block(i, t, sj), t
            rows = np.hstack([base, feats.step_block(i, t, sj, step[:, j])])
            threads = self._lgb_params(0.5)["num_threads"]
            for k, q in enumerate(self.quantiles_):
                out[:, j, k] = self.boosters_[float(q)].predict(
                    rows, num_threads=threads) * sj
        _uncross(out, self.quantiles_)  # no crossing; the median kept
        return out, self._index(panel, times)

    def _origins(self, panel: _Panel, cut: int, steps: np.ndarray):
        """Forecast origin and model step of every (series, requested step).

        As :class:`DeepARForecaster`: every series is forecast for the
        periods after the panel's cutoff, a series whose rows end ``g``
        periods earlier from its own end (its value at cutoff + ``k`` is the
        model's step ``g + k`` from its last row, its lags are its own last
        values). A period more than ``horizon_`` steps after that last row is
        forecast from the latest origin the model was trained for
        (``horizon_`` steps before it), the lags after the last row missing.
        """
        own = np.minimum(panel.last, cut)  # (N,)
        early = ended_before(panel.last, cut)
        target = cut + steps  # (S,)
        origin = np.maximum(own[:, None], target[None, :] - self.horizon_)
        beyond = origin > own[:, None]
        if early.any():
            msg = (
                "its values at the requested periods after the cutoff are the "
                "model's steps that reach them from its last row (its lags are "
                "its own last values), as DeepARForecaster does."
            )
            if beyond.any():
                msg += (
                    f" Periods more than the trained horizon ({self.horizon_} "
                    "steps) after the last row of series "
                    f"{format_ids(panel.keys[beyond.any(1)])} are forecast "
                    f"from {self.horizon_} steps before them, with the lags "
                    "after the last row missing; set prediction_length to reach "
                    "them from the last row."
                )
            warn_own_end(panel.keys, early, self.cutoff[0], msg, stacklevel=5)
        return origin, target[None, :] - origin

    def _check_future_X(self, panel: _Panel, tpos: np.ndarray) -> None:
        absent = ~panel.x_present[:, tpos]
        grid_times = panel.grid.times(panel.T)
        if absent.any():
            dates = grid_times[tpos[absent.any(0)]]
            raise ValueError(
                f"X has no rows for the forecast periods "
                f"{[str(d) for d in dates[:10]]} of series "
                f"{format_ids(panel.keys[absent.any(1)])}; the covariates "
                f"{self._x_columns} are read at each target date: pass X rows "
                "for every period of fh."
            )
        for c, col in enumerate(self._x_columns):
            if col in self._x_had_nan:
                continue
            bad = np.isnan(panel.X[:, tpos, c])
            if bad.any():
                dates = grid_times[tpos[bad.any(0)]]
                raise ValueError(
                    f"X column {col!r} is missing (NaN) at the forecast periods "
                    f"{[str(d) for d in dates[:10]]} of series "
                    f"{format_ids(panel.keys[bad.any(1)])}, and it had no "
                    "missing values in training; fill it (e.g. the planned "
                    "price) before predicting."
                )

    def _index(self, panel: _Panel, times: pd.Index) -> pd.Index:
        return forecast_index(panel.keys, times, list(self._hist_y.index.names),
                              panel.single)

    @property
    def _varname(self):
        return self._hist_y.columns[0]

    def _predict(self, fh, X=None):
        values, index = self._quantile_grid(fh, X)
        k = int(np.flatnonzero(self.quantiles_ == 0.5)[0])
        return pd.DataFrame(values[:, :, k].reshape(-1, 1), index=index,
                            columns=[self._varname])

    def _predict_quantiles(self, fh, X, alpha):
        alpha = [float(a) for a in alpha]
        bad = [a for a in alpha if not 0 < a < 1]
        if bad:
            raise ValueError(
                f"alpha must be quantile levels in the open interval (0, 1), "
                f"got {bad}.")
        values, index = self._quantile_grid(fh, X)
        flat = values.reshape(-1, values.shape[-1])
        q = _interpolate_quantiles(self.quantiles_, flat, np.asarray(alpha))
        cols = pd.MultiIndex.from_product([[self._varname], alpha])
        return pd.DataFrame(q, index=index, columns=cols)

    # ------------------------------------------------------------- tests
    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Tiny configurations for sktime's conformance suite."""
        base = {"n_estimators": 5, "num_leaves": 4, "min_child_samples": 2,
                "random_state": 0}
        return [
            base,
            {**base, "lags": [1, 2], "windows": [2], "use_series_id": True,
             "quantiles": (0.25, 0.75), "calendar": False},
        ]


def _check_int(name: str, value, low: int, none: bool = False) -> None:
    if value is None and none:
        return
    if isinstance(value, bool) or not isinstance(value, Integral | np.integer) \
            or value < low:
        raise ValueError(
            f"{name} must be an integer >= {low}{' or None' if none else ''}, "
            f"got {value!r}."
        )


def _uncross(values: np.ndarray, levels: np.ndarray) -> None:
    """No crossing quantiles, the median kept (in place, last axis).

    Levels above the median take the running maximum outward from it,
    levels below the running minimum, so a P10 or P90 booster that crosses
    the median is clipped to it and never moves the point forecast.
    """
    k = int(np.flatnonzero(levels == 0.5)[0])
    np.maximum.accumulate(values[..., k:], axis=-1, out=values[..., k:])
    low = values[..., k::-1]  # median first, then downwards
    values[..., k::-1] = np.minimum.accumulate(low, axis=-1)


def _interpolate_quantiles(levels: np.ndarray, values: np.ndarray,
                           alpha: np.ndarray) -> np.ndarray:
    """Quantiles at ``alpha`` from sorted ``values (R, K)`` at ``levels (K,)``.

    Piecewise linear in normal-score space, extrapolated with the outer
    segments; trained levels are returned exactly.
    """
    if len(levels) == 1:
        return np.repeat(values, len(alpha), axis=1)
    z, za = norm.ppf(levels), norm.ppf(alpha)
    j = np.clip(np.searchsorted(z, za) - 1, 0, len(levels) - 2)
    w = (za - z[j]) / (z[j + 1] - z[j])
    out = values[:, j] + w[None, :] * (values[:, j + 1] - values[:, j])
    exact = np.isclose(alpha[:, None], levels[None, :], rtol=0, atol=1e-12)
    hit = exact.any(1)
    out[:, hit] = values[:, exact[hit].argmax(1)]
    return out

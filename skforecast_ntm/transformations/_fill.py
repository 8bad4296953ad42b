"""Missing-value filling with Amazon Forecast's semantics.

:class:`MissingValueFiller` completes every series of a panel on its regular
time grid and fills the missing points by *zone*, as Amazon Forecast's
``filling`` featurization does:

- front (before a series' first observation): never filled;
- middle (between a series' first and last observation): ``middlefill``;
- back (after a series' last observation up to the global end date):
  ``backfill``;
- future (after the global end date, related series only): ``futurefill``.

Statistics (median, mean, min, max) are taken over the last ``window`` (64)
observed values before the missing point. The module also holds the panel
helpers shared by the other retail transformers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sktime.transformations.base import BaseTransformer

from ..forecasting._features import FrequencyInfo, infer_frequency, make_grid
from ..forecasting._panel import (
    _instance_keys,
    _numeric_values,
    as_multiindex,
    format_ids,
)

__all__ = ["MissingValueFiller", "FILL_METHODS"]

_MTYPES = ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"]

#: Amazon Forecast's fill methods (``None``: leave the zone as it is)
FILL_METHODS = ("zero", "nan", "value", "median", "mean", "min", "max")
_STATS = ("median", "mean", "min", "max")


# --------------------------------------------------------------- helpers
class _Layout:
    """Rows of a (panel) frame as integer codes: series code, grid position."""

    def __init__(self, frame: pd.DataFrame, info: FrequencyInfo | None = None,
                 freq=None, extra_times: tuple = ()) -> None:
        frame, self.single = as_multiindex(frame)
        self.frame = frame
        index = frame.index
        self.index_names = list(index.names)
        keys = _instance_keys(index)
        self.codes, self.keys = pd.factorize(keys, sort=True)
        self.times = index.get_level_values(-1)
        if info is None:
            info = infer_frequency(self.times, self.codes, freq=freq)
        self.info = info
        lo, hi = self.times.min(), self.times.max()
        for t in extra_times:
            if t is not None and len(self.times):
                hi = max(hi, t)
        self.grid = make_grid(lo, hi, info) if len(self.times) else self.times[:0]
        self.pos = np.asarray(self.grid.get_indexer(self.times), dtype=np.int64)
        off = self.pos < 0
        if off.any():
            rows = np.flatnonzero(off)
            raise ValueError(
                f"Time stamps {list(self.times[rows[:3]].astype(str))} of series "
                f"{format_ids(pd.unique(self.keys[self.codes[rows]]))} are not on "
                f"the regular {self.info.freq or 'integer'} grid. Resample the "
                "data to one frequency first (e.g. aggregate_transactions or "
                "y.resample(...).sum()), or pass freq=."
            )

    @property
    def n_series(self) -> int:
        return len(self.keys)

    def position_of(self, t) -> int:
        """Grid position of ``t``; -1 when it is before the grid."""
        if t is None or not len(self.grid):
            return -1
        if t < self.grid[0]:
            return -1
        p = self.grid.get_indexer([t])[0]
        if p < 0:  # pragma: no cover - t between grid points
            p = int(np.searchsorted(self.grid, t, side="right")) - 1
        return int(p)

    def make_index(self, codes: np.ndarray, pos: np.ndarray) -> pd.Index:
        """Index of rows (series code, grid position), single or panel."""
        times = self.grid[pos]
        if self.single:
            return pd.Index(times, name=self.index_names[-1])
        keys = self.keys[codes]
        if isinstance(keys, pd.MultiIndex):
            arrays = [keys.get_level_values(i) for i in range(keys.nlevels)]
        else:
            arrays = [keys]
        return pd.MultiIndex.from_arrays([*arrays, times], names=self.index_names)


def _time_key(times: pd.Index) -> np.ndarray:
    """Sortable integers of a time index (no boxing of Period objects)."""
    if hasattr(times, "asi8") and times.asi8 is not None:
        return np.asarray(times.asi8)
    return pd.factorize(times, sort=True)[0]


def _numeric_frame(frame: pd.DataFrame, who: str) -> np.ndarray:
    return _numeric_values(frame, who, fix="Convert them first (pd.to_numeric) "
                           "or select the numeric columns.")


def _rolling_stat(values: np.ndarray, codes: np.ndarray, window: int,
                  how: str) -> np.ndarray:
    """Per-series trailing ``how`` over the last ``window`` values (no NaN)."""
    s = pd.Series(values)
    roll = s.groupby(codes, sort=False).rolling(window, min_periods=1)
    out = getattr(roll, how)()
    return out.droplevel(0).sort_index().to_numpy(dtype=np.float64)


# ---------------------------------------------------------------- filler
class MissingValueFiller(BaseTransformer):
    """Fill missing values as Amazon Forecast does (middle, back, future).

    Each series is put on its regular time grid (absent rows inside the
    series are added), and missing points are filled according to where they
    lie:

    - **front**, before the series' first observation: never filled (Amazon
      Forecast accepts no ``frontfill`` either: a series starts when it
      starts);
    - **middle**, between the series' first and last observation:
      ``middlefill``;
    - **back**, after the series' last observation up to the global end date
      (the last time of the data seen in ``fit``, or ``end``): ``backfill``.
      Series ending early get rows up to the global end date;
    - **future**, after the global end date: ``futurefill``. Only related
      series (``X``) have values there, e.g. the ``X`` rows passed at
      ``predict`` time in a ``ForecastingPipeline``. Rows are never invented
      past the last row given.

    Methods: ``"zero"``; ``"nan"`` (the point stays missing but the row
    exists, so the model sees it as missing); ``"value"`` (the matching
    ``*_value``); ``"median"``, ``"mean"``, ``"min"``, ``"max"`` of the last
    ``window`` observed values of the series before the point (for future
    fill: before the global end date); ``None`` leaves the zone untouched.
    The defaults are Amazon Forecast's for a target series (zero middle and
    back fill). For related series Amazon Forecast has no defaults: set, for
    instance, ``MissingValueFiller(middlefill="median", backfill="median",
    futurefill="max")`` in a ``ForecastingPipeline``.

    Which points were filled: :meth:`filled_mask` returns, for any input, a
    boolean frame indexed like the output of ``transform`` that is True
    where the output value did not come from the input (filled, including
    rows added by the grid and points "filled" with NaN); ``filled_mask_``
    holds it for the data seen in ``fit``. With ``indicator=True`` the output
    also gets one 0/1 column ``{column}{indicator_suffix}`` per column (use it
    on ``X``: a target must stay univariate). Backtests should exclude
    filled target points from scoring, as Amazon Forecast does.

    Parameters
    ----------
    middlefill : str or None, default="zero"
        Method for missing points between a series' first and last
        observation. One of ``FILL_METHODS`` or None.
    backfill : str or None, default="zero"
        Method for points after a series' last observation up to the global
        end date. None also adds no rows.
    futurefill : str or None, default=None
        Method for missing points after the global end date (related series).
    middlefill_value, backfill_value, futurefill_value : float or None
        The value for method ``"value"`` (required then).
    window : int, default=64
        Number of most recent observed values the statistics use.
    indicator : bool, default=False
        Add one 0/1 ``{column}{indicator_suffix}`` column per column.
    indicator_suffix : str, default="_filled"
        Suffix of the indicator columns.
    end : scalar or None, default=None
        The global end date. None: the last time of the data seen in ``fit``
        (extended by ``update``).
    freq : str or None, default=None
        Frequency of a datetime index when it cannot be inferred (gaps).

    Attributes
    ----------
    end_ : scalar
        The global end date used.
    freq_ : pandas offset or None
        The grid's frequency (None for an integer index).
    filled_mask_ : pandas.DataFrame of bool
        :meth:`filled_mask` of the data seen in ``fit``.
    future_stats_ : pandas.DataFrame
        Per series (rows) and column, the future-fill statistic computed on
        the last ``window`` observations up to ``end_`` in ``fit`` (NaN
        unless ``futurefill`` is a statistic); used when the data given to
        ``transform`` has no observation before its future rows.

    See Also
    --------
    OutlierTreatment : detect and treat outliers; compose it before this.

    Notes
    -----
    Differences from Amazon Forecast: Amazon Forecast fills at training time
    only and has no "nan" for related series; here ``"nan"`` is accepted
    everywhere and filling is a transformer, so it also runs on the ``X``
    passed to ``predict``. Only numeric columns are accepted. A point whose
    statistic cannot be computed (no earlier observation) stays missing and
    is not flagged.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skforecast_ntm.transformations._fill import MissingValueFiller
    >>> idx = pd.MultiIndex.from_tuples(
    ...     [("a", 0), ("a", 1), ("a", 3), ("b", 1), ("b", 2)],
    ...     names=["item_id", "time"])
    >>> y = pd.DataFrame({"y": [np.nan, 2.0, 4.0, 5.0, np.nan]}, index=idx)
    >>> filler = MissingValueFiller()
    >>> yt = filler.fit_transform(y)
    >>> yt["y"].tolist()  # a: front stays NaN, middle 0; b: back 0 to time 3
    [nan, 2.0, 0.0, 4.0, 5.0, 0.0, 0.0]
    >>> filler.filled_mask(y)["y"].tolist()
    [False, False, True, False, False, True, True]
    """

    _tags = {
        "authors": ["skforecast_ntm developers"],
        "maintainers": ["skforecast_ntm developers"],
        "scitype:transform-input": "Series",
        "scitype:transform-output": "Series",
        "scitype:instancewise": True,
        "X_inner_mtype": _MTYPES,
        "y_inner_mtype": "None",
        "requires_y": False,
        "fit_is_empty": False,
        "capability:missing_values": True,
        "capability:multivariate": True,
        "capability:categorical_in_X": False,  # numbers only
        "capability:inverse_transform": False,
        "skip-inverse-transform": True,
        "transform-returns-same-time-index": False,
    }

    def __init__(
        self,
        middlefill: str | None = "zero",
        backfill: str | None = "zero",
        futurefill: str | None = None,
        middlefill_value: float | None = None,
        backfill_value: float | None = None,
        futurefill_value: float | None = None,
        window: int = 64,
        indicator: bool = False,
        indicator_suffix: str = "_filled",
        end: Any = None,
        freq: str | None = None,
    ) -> None:
        self.middlefill = middlefill
        self.backfill = backfill
        self.futurefill = futurefill
        self.middlefill_value = middlefill_value
        self.backfill_value = backfill_value
        self.futurefill_value = futurefill_value
        self.window = window
        self.indicator = indicator
        self.indicator_suffix = indicator_suffix
        self.end = end
        self.freq = freq
        super().__init__()

    # ------------------------------------------------------------ checks
    def _check_params(self) -> None:
        for zone in ("middlefill", "backfill", "futurefill"):
            method = getattr(self, zone)
            if method is not None and method not in FILL_METHODS:
                raise ValueError(
                    f"MissingValueFiller: {zone}={method!r} is not a fill method; "
                    f"valid methods are {list(FILL_METHODS)} or None (no fill)."
                )
            if method == "value":
                value = getattr(self, f"{zone}_value")
                if value is None or isinstance(value, bool) or not np.isscalar(
                        value) or not np.isfinite(float(value)):
                    raise ValueError(
                        f"MissingValueFiller: {zone}='value' needs a finite number "
                        f"in {zone}_value, got {value!r}."
                    )
        w = self.window
        if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1:
            raise ValueError(f"MissingValueFiller: window must be a positive int, "
                             f"got {w!r}.")

    # --------------------------------------------------------------- fit
    def _fit(self, X, y=None):
        self._check_params()
        lay = _Layout(X, freq=self.freq)
        self._info = lay.info
        self.freq_ = lay.info.freq
        self.end_ = self.end if self.end is not None else lay.times.max()
        out, mask, stats = self._fill(X, return_stats=True)
        self.filled_mask_ = mask
        self.future_stats_ = stats
        return self

    def _update(self, X, y=None, update_params=True):
        if self.end is None and X is not None and len(X):
            times = X.index.get_level_values(-1)
            self.end_ = max(self.end_, times.max())
        return self

    # --------------------------------------------------------- transform
    def _transform(self, X, y=None):
        out, mask, _ = self._fill(X)
        if self.indicator:
            flags = mask.astype(float)
            flags.columns = [f"{c}{self.indicator_suffix}" for c in mask.columns]
            clash = [c for c in flags.columns if c in out.columns]
            if clash:
                raise ValueError(f"MissingValueFiller: X already has column(s) "
                                 f"{clash}; set indicator_suffix= to avoid them.")
            out = pd.concat([out, flags], axis=1)
        return out

    def filled_mask(self, X: pd.DataFrame | pd.Series) -> pd.DataFrame:
        """Which points ``transform(X)`` fills.

        Parameters
        ----------
        X : pandas.DataFrame or Series
            Data as given to ``transform`` (single series or panel).

        Returns
        -------
        pandas.DataFrame of bool
            Indexed like ``transform(X)`` (including the rows it adds), one
            column per column of ``X``: True where the output value does not
            come from ``X`` (a filled point, a NaN-filled point or an added
            row), False for observed points and points left missing (front
            rows, zones whose method is None).
        """
        self.check_is_fitted()
        if isinstance(X, pd.Series):
            X = X.to_frame()
        return self._fill(X)[1]

    def _fill(self, X: pd.DataFrame, return_stats: bool = False):
        lay = _Layout(X, info=self._info, extra_times=(
            self.end_ if self.backfill is not None else None,))
        values = _numeric_frame(lay.frame, "MissingValueFiller")
        n, ncol = lay.n_series, values.shape[1]
        g = lay.position_of(self.end_)
        # each series' span: its first row to its last row (or the end date)
        first_row = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(first_row, lay.codes, lay.pos)
        last_row = np.full(n, -1)
        np.maximum.at(last_row, lay.codes, lay.pos)
        if self.backfill is not None:
            last_row = np.maximum(last_row, g)
        lengths = last_row - first_row + 1
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        m = int(lengths.sum())
        codes = np.repeat(np.arange(n), lengths)
        pos = first_row[codes] + (np.arange(m) - starts[codes])
        dest = starts[lay.codes] + lay.pos - first_row[lay.codes]
        hits = np.bincount(dest, minlength=m)
        if (hits > 1).any():
            dup = np.unique(codes[hits > 1])
            raise ValueError(
                f"Duplicate time stamps within series {format_ids(lay.keys[dup])}. "
                "Each (series, time) pair must appear once: aggregate duplicates "
                "first (aggregate_transactions or df.groupby([id, time]).sum())."
            )
        V = np.full((m, ncol), np.nan)
        V[dest] = values
        obs = ~np.isnan(V)
        r = np.arange(m)[:, None]
        if m:
            first = np.minimum.reduceat(np.where(obs, r, m), starts, axis=0)
            last = np.maximum.reduceat(np.where(obs, r, -1), starts, axis=0)
        else:
            first = last = np.zeros((0, ncol), dtype=np.int64)
        # rows after the end date are future even in a frame holding only
        # future rows (what a ForecastingPipeline passes to predict)
        after_end = (pos > g)[:, None]
        front = (r < first[codes]) & ~after_end
        future = after_end & ~front
        middle = ~front & ~future & (r <= last[codes])
        back = ~front & ~future & ~middle
        missing = ~obs
        last_obs = np.maximum.accumulate(np.where(obs, r, -1), axis=0) if m else \
            np.zeros((0, ncol), dtype=np.int64)
        out = V.copy()
        mask = np.zeros_like(obs)
        stat_cache: dict = {}

        def stat(how: str, j: int) -> np.ndarray:
            if (how, j) not in stat_cache:
                col = np.full(m, np.nan)
                rows = obs[:, j]
                if rows.any():
                    col[rows] = _rolling_stat(V[rows, j], codes[rows], self.window,
                                              how)
                stat_cache[how, j] = col
            return stat_cache[how, j]

        # future fill statistics: the last observation up to the end date
        fut_stats = np.full((n, ncol), np.nan)
        if self.futurefill in _STATS and m:
            upto = np.where(obs & (pos <= g)[:, None], r, -1)
            last_g = np.maximum.reduceat(upto, starts, axis=0)
            for j in range(ncol):
                s = stat(self.futurefill, j)
                ok = last_g[:, j] >= 0
                fut_stats[ok, j] = s[last_g[ok, j]]
            fitted = getattr(self, "future_stats_", None)
            if fitted is not None and not return_stats:
                known = fitted.reindex(index=lay.keys, columns=lay.frame.columns)
                fut_stats = np.where(np.isnan(fut_stats), known.to_numpy(float),
                                     fut_stats)

        for zone, where in (("middlefill", middle), ("backfill", back),
                            ("futurefill", future)):
            method = getattr(self, zone)
            if method is None:
                continue
            target = missing & where
            if not target.any():
                continue
            if method == "zero":
                fill = np.zeros((m, ncol))
            elif method == "nan":
                fill = np.full((m, ncol), np.nan)
            elif method == "value":
                fill = np.full((m, ncol), float(getattr(self, f"{zone}_value")))
            elif zone == "futurefill":
                fill = fut_stats[codes]
            else:
                fill = np.full((m, ncol), np.nan)
                for j in range(ncol):
                    if target[:, j].any():
                        src = last_obs[:, j]
                        fill[:, j] = np.where(src >= 0, stat(method, j)[
                            np.maximum(src, 0)], np.nan)
            if method != "nan":
                target &= ~np.isnan(fill)
            out[target] = fill[target]
            mask |= target
        index = lay.make_index(codes, pos)
        out_frame = pd.DataFrame(out, index=index, columns=lay.frame.columns)
        mask_frame = pd.DataFrame(mask, index=index, columns=lay.frame.columns)
        stats = pd.DataFrame(fut_stats, index=lay.keys, columns=lay.frame.columns)
        return out_frame, mask_frame, stats

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        """Default (target) filling, and related-series statistics."""
        return [
            {},
            {"middlefill": "median", "backfill": "value", "backfill_value": 2.0,
             "futurefill": "max", "window": 5, "indicator": True},
        ]

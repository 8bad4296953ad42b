"""Amazon Forecast-style backtests of any sktime forecaster.

:func:`backtest` refits a clone of a forecaster on an expanding window of
history for each of 1-5 backtest windows, forecasts the next ``horizon``
periods with ``predict_quantiles`` and scores them with
:func:`skforecast_ntm.metrics.forecast_report` (one source of truth for the
metrics). The work per window is one fit and one forecast of the whole panel;
scoring is vectorised over series.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..forecasting._panel import format_ids
from ..metrics import forecast_report

__all__ = ["BacktestError", "BacktestResult", "backtest"]

MAX_WINDOWS = 5


class BacktestError(ValueError):
    """The data cannot be backtested with these windows (too short series,
    bad settings): a ValueError naming what to change.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sktime.forecasting.naive import NaiveForecaster
    >>> from skforecast_ntm.model_selection import BacktestError, backtest
    >>> y = pd.Series(np.arange(10.0), index=pd.period_range("2020-01", periods=10,
    ...                                                      freq="M"))
    >>> try:
    ...     backtest(NaiveForecaster(), y, horizon=6)
    ... except BacktestError as err:
    ...     print("half" in str(err))
    True
    """


def check_quantiles(quantiles, name: str = "quantiles") -> tuple:
    """Sorted unique floats strictly inside (0, 1), or a ValueError."""
    try:
        qs = [float(q) for q in np.atleast_1d(np.asarray(quantiles, dtype=object))]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers in (0, 1), got {quantiles!r}.") \
            from None
    bad = [q for q in qs if not (np.isfinite(q) and 0.0 < q < 1.0)]
    if not qs or bad:
        raise ValueError(
            f"{name} must lie strictly between 0 and 1, got {bad or quantiles!r}; "
            "pass levels such as (0.1, 0.5, 0.9).")
    return tuple(sorted(set(qs)))


def quantile_name(q: float) -> str:
    """Column name of a quantile level: 0.1 -> ``p10``, 0.025 -> ``p2.5``."""
    return f"p{100 * float(q):.10g}"


# ------------------------------------------------------------------- panels
@dataclass
class PanelMatrix:
    """A series or panel on its time grid: ``values[i, t]`` (NaN = missing).

    ``single`` marks a single series (not a panel); ``ids`` are the series
    keys (a MultiIndex of the instance levels for hierarchical panels).
    """

    ids: pd.Index
    times: pd.Index
    values: np.ndarray
    single: bool
    index_names: list
    column: object

    @classmethod
    def from_y(cls, y, what: str = "y") -> PanelMatrix:
        if isinstance(y, pd.DataFrame):
            if y.shape[1] != 1:
                raise ValueError(
                    f"{what} must have one value column, got {list(y.columns)}.")
            column, s = y.columns[0], y.iloc[:, 0]
        elif isinstance(y, pd.Series):
            column, s = (y.name if y.name is not None else "y"), y
        else:
            raise TypeError(f"{what} must be a pandas Series or DataFrame, got "
                            f"{type(y).__name__}.")
        if s.index.duplicated().any():
            dup = s.index[s.index.duplicated()]
            raise ValueError(f"{what} has duplicate index entries, e.g. "
                             f"{dup[:3].tolist()}; aggregate them first.")
        s = pd.to_numeric(s, errors="raise").astype(float)
        names = list(s.index.names)
        if isinstance(s.index, pd.MultiIndex):
            # unstack orders by the level's codes, not by time: sort both axes
            wide = s.unstack(level=-1).sort_index(axis=1).sort_index(axis=0)
            ids = wide.index
            if not isinstance(ids, pd.MultiIndex):
                ids = pd.Index(ids)
            return cls(ids, pd.Index(wide.columns), wide.to_numpy(float), False,
                       names, column)
        s = s.sort_index()
        return cls(pd.Index([column]), pd.Index(s.index), s.to_numpy(float)[None],
                   True, names, column)

    def align(self, other, what: str) -> np.ndarray:
        """A same-indexed mask/series (e.g. ``exclude``) as a matrix."""
        if isinstance(other, pd.DataFrame):
            other = other.iloc[:, 0]
        if not isinstance(other, pd.Series):
            raise TypeError(f"{what} must be a pandas Series indexed like y.")
        mat = PanelMatrix.from_y(other.astype(float), what)
        out = np.full(self.values.shape, np.nan)
        rows = self.ids.get_indexer(mat.ids) if not self.single else np.array([0])
        cols = self.times.get_indexer(mat.times)
        if (rows < 0).any() or (cols < 0).any():
            raise ValueError(f"{what} has index entries that are not in y; index it "
                             "exactly like y.")
        out[np.ix_(rows, cols)] = mat.values
        return out

    def first_pos(self) -> np.ndarray:
        ok = ~np.isnan(self.values)
        return np.where(ok.any(1), ok.argmax(1), self.values.shape[1])

    def full_index(self, rows: np.ndarray, times: pd.Index) -> pd.Index:
        """Index of the forecasts of series ``rows`` at ``times``."""
        n_t = len(times)
        t = times.take(np.tile(np.arange(n_t), len(rows)))
        if self.single:
            return pd.Index(t, name=self.index_names[-1])
        keys = self.ids.take(rows)
        if isinstance(keys, pd.MultiIndex):
            levels = [keys.get_level_values(i).take(np.repeat(np.arange(len(rows)),
                                                              n_t))
                      for i in range(keys.nlevels)]
        else:
            levels = [keys.take(np.repeat(np.arange(len(rows)), n_t))]
        return pd.MultiIndex.from_arrays([*levels, t], names=self.index_names)


def future_times(times: pd.Index, steps) -> pd.Index:
    """The times ``steps`` (1-based) periods after the last of ``times``.

    Works without a ``freq`` on the index: periods step by one, datetimes by
    their inferred frequency (else their median spacing), integers by their
    median spacing.
    """
    steps = np.asarray(steps, dtype=int)
    times = pd.Index(times).unique().sort_values()
    last = times[-1]
    if isinstance(times, pd.PeriodIndex):
        return pd.PeriodIndex([last + int(k) for k in steps], freq=times.freq)
    if isinstance(times, pd.DatetimeIndex):
        freq = times.freq or (pd.infer_freq(times) if len(times) >= 3 else None)
        if freq is not None:
            off = pd.tseries.frequencies.to_offset(freq)
            return pd.DatetimeIndex([last + int(k) * off for k in steps])
        delta = pd.Series(times).diff().median() if len(times) > 1 else \
            pd.Timedelta(days=1)
        return pd.DatetimeIndex([last + int(k) * delta for k in steps])
    values = times.to_numpy()
    delta = np.median(np.diff(values)) if len(times) > 1 else 1
    if np.issubdtype(values.dtype, np.integer):
        delta = max(int(round(delta)), 1)
    return pd.Index(last + steps * delta)


def infer_seasonal_period(times: pd.Index) -> int:
    """Seasonal period from the time index's frequency (1 when unknown)."""
    freq = None
    if isinstance(times, pd.PeriodIndex):
        freq = times.freqstr
    elif isinstance(times, pd.DatetimeIndex) and len(times) > 2:
        freq = times.freqstr or pd.infer_freq(times[: min(len(times), 50)])
    if not freq:
        return 1
    base = "".join(ch for ch in str(freq).split("-")[0] if ch.isalpha()).upper()
    table = {"M": 12, "ME": 12, "MS": 12, "Q": 4, "QE": 4, "QS": 4, "W": 52,
             "D": 7, "B": 5, "H": 24, "BH": 24, "T": 60, "MIN": 60}
    return int(table.get(base, 1))


# ------------------------------------------------------------------ results
@dataclass
class BacktestResult:
    """What :func:`backtest` measured.

    Attributes
    ----------
    metrics : pandas.DataFrame
        Overall metrics: one row per window (``window`` 1 is the most recent)
        and, with several windows, a ``"mean"`` row (their average, as Amazon
        Forecast reports). Columns ``wQL[q]`` per requested quantile,
        ``mean_wQL``, ``WAPE``, ``RMSE``, ``MAPE``, ``MASE``, ``coverage``
        (share of actuals inside the outermost requested quantiles) and
        ``nominal_coverage``.
    metrics_per_series : pandas.DataFrame
        The same per series and window (plus ``"mean"`` over windows).
    metrics_per_segment : pandas.DataFrame or None
        The same per segment and window, when ``segments`` was given.
    forecasts : pandas.DataFrame
        One row per series, window and forecast period: ``window``,
        ``cutoff``, the series id level(s), the time, ``actual``,
        ``scored`` and one ``pXX`` column per requested quantile.
    actual : ndarray of shape (windows, n_series, horizon)
        The scored actuals (NaN where not scored: missing, excluded, or a
        series left out of the window).
    quantile_forecasts : ndarray of shape (windows, n_series, horizon, levels)
        Forecasts at every level of ``levels``.
    levels : tuple of float
        The forecast levels (requested quantiles, 0.5 and extras).
    scale : ndarray of shape (windows, n_series)
        Each series' in-sample mean absolute seasonal difference at each
        window's cutoff (the MASE scale).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sktime.forecasting.naive import NaiveForecaster
    >>> from skforecast_ntm.model_selection import backtest
    >>> t = pd.period_range("2020-01", periods=36, freq="M")
    >>> y = pd.Series(np.arange(36.0) + 1, index=t)
    >>> res = backtest(NaiveForecaster(), y, horizon=3, windows=2)
    >>> res.windows, res.actual.shape, res.quantile_forecasts.shape[-1]
    (2, (2, 1, 3), 3)
    >>> [str(c) for c in res.cutoffs]
    ['2022-09', '2022-06']
    """

    metrics: pd.DataFrame
    metrics_per_series: pd.DataFrame
    metrics_per_segment: pd.DataFrame | None
    forecasts: pd.DataFrame
    quantiles: tuple
    levels: tuple
    horizon: int
    step: int
    seasonal_period: int
    cutoffs: list
    series_ids: pd.Index
    actual: np.ndarray = field(repr=False)
    quantile_forecasts: np.ndarray = field(repr=False)
    scale: np.ndarray = field(repr=False)
    fit_seconds: float = 0.0

    @property
    def windows(self) -> int:
        return len(self.cutoffs)

    def summary(self) -> pd.Series:
        """Overall metrics: the mean over windows (or the single window)."""
        key = "mean" if (self.metrics["window"] == "mean").any() else "1"
        return self.metrics.set_index("window").loc[key]

    def to_csv(self, path: str | Path, what: str = "forecasts") -> Path:
        """Write ``forecasts`` (default), ``metrics``, ``metrics_per_series``
        or ``metrics_per_segment`` to a CSV file."""
        table = getattr(self, what, None)
        if what not in {"forecasts", "metrics", "metrics_per_series",
                        "metrics_per_segment"} or table is None:
            raise ValueError(f"Nothing to write for {what!r}; choose forecasts, "
                             "metrics, metrics_per_series or metrics_per_segment "
                             "(the last needs segments).")
        path = Path(path)
        table.to_csv(path, index=False)
        return path


# ----------------------------------------------------------------- backtest
def _check_int(value, name: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or \
            value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    return int(value)


def _time_mask(index: pd.Index, lo, hi) -> np.ndarray:
    t = index.get_level_values(-1)
    mask = np.ones(len(index), dtype=bool)
    if lo is not None:
        mask &= np.asarray(t > lo)
    if hi is not None:
        mask &= np.asarray(t <= hi)
    return mask


def _select_rows(obj, series_keep, pm: PanelMatrix):
    """Rows of a panel ``obj`` whose series are in ``series_keep``."""
    if pm.single or series_keep is None:
        return obj
    if obj.index.nlevels == 2:
        keys = obj.index.get_level_values(0)
    else:
        keys = obj.index.droplevel(-1)
    return obj[np.asarray(keys.isin(series_keep))]


def _quantile_array(qdf: pd.DataFrame, index: pd.Index, levels: Sequence[float],
                    shape: tuple) -> np.ndarray:
    """``predict_quantiles`` output as (rows, horizon, levels) on ``index``."""
    got = np.asarray(qdf.columns.get_level_values(-1), dtype=float)
    order = []
    for q in levels:
        hit = np.flatnonzero(np.isclose(got, q))
        if not len(hit):
            raise ValueError(f"predict_quantiles returned levels {got.tolist()}, "
                             f"not {q}.")
        order.append(hit[0])
    values = qdf.iloc[:, order]
    values = values.reindex(index)
    return values.to_numpy(float).reshape(shape)


def backtest(
    forecaster,
    y,
    X=None,
    *,
    horizon: int,
    windows: int = 1,
    step: int | None = None,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    segments: pd.Series | None = None,
    exclude=None,
    seasonal_period: int | None = None,
    extra_quantiles: Sequence[float] = (),
    strict: bool = True,
) -> BacktestResult:
    """Backtest a probabilistic sktime forecaster as Amazon Forecast does.

    For each backtest window the forecaster is cloned, fitted on every
    period up to the window's cutoff (an expanding window) and forecasts the
    next ``horizon`` periods with ``predict_quantiles``. The most recent
    window ends at the last period; earlier windows start ``step`` periods
    apart. Every series of a panel shares the cutoffs.

    Parameters
    ----------
    forecaster : sktime forecaster
        Any forecaster with ``predict_quantiles`` (``DeepARForecaster``,
        sktime baselines, ...). It is cloned per window, never fitted itself.
    y : pandas.Series or DataFrame
        A single series, or a ``pd-multiindex`` / hierarchical panel (last
        index level the time), one value column.
    X : pandas.DataFrame, optional
        Exogenous data indexed like ``y`` and covering the last window's
        horizon; each window's fit gets the rows up to its cutoff and its
        forecast the rows of its horizon.
    horizon : int
        Periods forecast in each window.
    windows : int, default=1
        Number of backtest windows, 1-5.
    step : int, optional
        Periods between consecutive cutoffs; default ``horizon``
        (non-overlapping windows).
    quantiles : sequence of float, default=(0.1, 0.5, 0.9)
        Levels scored by wQL, strictly inside (0, 1). Point metrics (WAPE,
        RMSE, MAPE, MASE) use the median, which is always forecast.
    segments : pandas.Series, optional
        Series id -> segment label (e.g. an ABC-XYZ class): adds
        ``metrics_per_segment``.
    exclude : pandas.Series of bool, optional
        Indexed like ``y``; True marks points left out of the scoring (e.g.
        filled values). They stay in the training history.
    seasonal_period : int, optional
        Lag of the naive forecast scaling MASE; inferred from the frequency
        of the time index when omitted (12 monthly, 4 quarterly, 52 weekly,
        7 daily, 1 otherwise).
    extra_quantiles : sequence of float
        Levels also forecast (kept in ``quantile_forecasts``) but not scored.
    strict : bool, default=True
        Apply Amazon Forecast's rule: a backtest span (``horizon +
        (windows - 1) * step``) longer than half of a series is an error
        naming it. With False, a series with fewer than ``horizon`` observed
        values before a window's cutoff is left out of that window (not
        fitted, not scored): for internal model selection.

    Returns
    -------
    BacktestResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sktime.forecasting.naive import NaiveForecaster
    >>> from skforecast_ntm.model_selection import backtest
    >>> t = pd.period_range("2020-01", periods=48, freq="M")
    >>> y = pd.Series(10 + np.sin(np.arange(48) * np.pi / 6), index=t)
    >>> res = backtest(NaiveForecaster(strategy="last", sp=12), y, horizon=6,
    ...                windows=2)
    >>> res.metrics["window"].tolist()
    ['1', '2', 'mean']
    >>> res.forecasts.columns.tolist()
    ['window', 'cutoff', 'item_id', 'time', 'actual', 'scored', 'p10', 'p50', 'p90']
    >>> float(res.summary()["wQL[0.5]"]) < 1e-9  # seasonal naive is exact here
    True
    """
    horizon = _check_int(horizon, "horizon")
    windows = _check_int(windows, "windows")
    if windows > MAX_WINDOWS:
        raise BacktestError(f"windows must be 1-{MAX_WINDOWS} (as Amazon Forecast), "
                            f"got {windows}.")
    step = horizon if step is None else _check_int(step, "step")
    quantiles = check_quantiles(quantiles)
    extra = check_quantiles(extra_quantiles, "extra_quantiles") if len(
        extra_quantiles) else ()
    levels = tuple(sorted(set(quantiles) | {0.5} | set(extra)))
    pm = PanelMatrix.from_y(y)
    sp = infer_seasonal_period(pm.times) if seasonal_period is None else \
        _check_int(seasonal_period, "seasonal_period")
    n, T = pm.values.shape
    span = horizon + (windows - 1) * step
    cut_pos = [T - 1 - horizon - (k - 1) * step for k in range(1, windows + 1)]
    if cut_pos[-1] < 1:
        raise BacktestError(
            f"{windows} backtest window(s) of horizon {horizon} (step {step}) need "
            f"more than {span + 1} periods; y has {T}. Use fewer windows or a "
            "shorter horizon.")
    observed = ~np.isnan(pm.values)
    if not observed.any(1).all():
        empty = pm.ids[~observed.any(1)]
        raise BacktestError(f"Series {format_ids(empty)} have no observed value.")
    length = T - pm.first_pos()
    if strict:
        short = np.flatnonzero(span > length / 2)
        if len(short):
            raise BacktestError(
                f"The backtest span ({span} periods: horizon {horizon} + "
                f"{windows - 1} x step {step}) is longer than half of series "
                f"{format_ids(pm.ids[short])} (lengths "
                f"{length[short][:10].tolist()}); Amazon Forecast's rule. Use "
                "fewer windows, a shorter horizon, or leave those series out.")
    scored = observed.copy()
    if exclude is not None:
        ex = pm.align(exclude, "exclude")
        scored &= ~(np.nan_to_num(ex, nan=0.0) > 0)
    seg = None
    if segments is not None:
        if not isinstance(segments, pd.Series):
            raise TypeError("segments must be a pandas Series: series id -> label.")
        seg = segments.reindex(pm.ids)
        if seg.isna().any():
            raise ValueError(
                f"segments has no label for series {format_ids(pm.ids[seg.isna()])};"
                " give every series a segment.")

    W, H, L = windows, horizon, len(levels)
    actual = np.full((W, n, H), np.nan)
    qf = np.full((W, n, H, L), np.nan)
    scale = np.full((W, n), np.nan)
    fh = np.arange(1, H + 1)
    frames, per_rows, overall_rows, seg_rows = [], [], [], []
    qi = [levels.index(q) for q in quantiles]
    med = levels.index(0.5)
    t0 = time.perf_counter()
    for k, c in enumerate(cut_pos):
        cutoff = pm.times[c]
        hist_obs = observed[:, : c + 1].sum(1)
        keep = hist_obs >= (horizon if not strict else 1)
        keep &= hist_obs >= 1
        rows = np.flatnonzero(keep)
        keys = None if pm.single else pm.ids[rows]
        y_hist = _select_rows(y, keys, pm)
        y_hist = y_hist[_time_mask(y_hist.index, None, cutoff)]
        x_hist = x_fut = None
        if X is not None:
            X_k = _select_rows(X, keys, pm)
            x_hist = X_k[_time_mask(X_k.index, None, cutoff)]
            x_fut = X_k[_time_mask(X_k.index, cutoff, pm.times[c + H])]
        est = forecaster.clone()
        est.fit(y_hist, X=x_hist, fh=fh)
        qdf = est.predict_quantiles(fh=fh, X=x_fut, alpha=list(levels))
        wtimes = pm.times[c + 1: c + H + 1]
        index = pm.full_index(rows, wtimes)
        qk = _quantile_array(qdf, index, levels, (len(rows), H, L))
        truth = np.where(scored[rows, c + 1: c + H + 1],
                         pm.values[rows, c + 1: c + H + 1], np.nan)
        missing = ~np.isnan(truth) & ~np.isfinite(qk).all(-1)
        if missing.any():
            bad = pm.ids[rows[missing.any(1)]]
            raise ValueError(
                f"{type(forecaster).__name__} returned no forecast for series "
                f"{format_ids(bad)} in backtest window {k + 1} (cutoff {cutoff}).")
        qk = np.sort(qk, axis=-1)  # no crossing quantiles
        actual[k, rows], qf[k, rows] = truth, qk
        train = pm.values[rows, : c + 1]
        per, overall = forecast_report(truth, qk[..., qi], quantiles, train, sp,
                                       point=qk[..., med], ids=np.arange(len(rows)))
        scale[k, rows] = _scale(train, sp)
        per.index = pm.ids[rows]
        per_rows.append(per.assign(window=str(k + 1)))
        overall_rows.append(overall.to_frame().T.assign(window=str(k + 1)))
        if seg is not None:
            lab = seg.to_numpy()[rows]
            for s in pd.unique(seg.to_numpy()):
                sel = lab == s
                if not sel.any():
                    continue
                _, o = forecast_report(truth[sel], qk[sel][..., qi], quantiles,
                                       train[sel], sp, point=qk[sel][..., med])
                seg_rows.append(o.to_frame().T.assign(
                    segment=s, window=str(k + 1), n_series=int(sel.sum())))
        frames.append(_forecast_frame(pm, rows, wtimes, k + 1, cutoff,
                                      pm.values[rows, c + 1: c + H + 1],
                                      ~np.isnan(truth), qk[..., qi], quantiles))
    nominal = max(quantiles) - min(quantiles)
    metrics = _with_mean(pd.concat(overall_rows, ignore_index=True), [])
    metrics["nominal_coverage"] = nominal
    per_series = pd.concat(per_rows)
    id_names = _id_names(pm)
    per_series.index = _named(per_series.index, id_names)
    per_series = _with_mean(per_series.reset_index(), id_names)
    segment_table = None
    if seg is not None:
        segment_table = _with_mean(pd.concat(seg_rows, ignore_index=True),
                                   ["segment"], extra=["n_series"])
    return BacktestResult(
        metrics=metrics, metrics_per_series=per_series,
        metrics_per_segment=segment_table,
        forecasts=pd.concat(frames, ignore_index=True), quantiles=quantiles,
        levels=levels, horizon=H, step=step, seasonal_period=sp,
        cutoffs=[pm.times[c] for c in cut_pos], series_ids=pm.ids,
        actual=actual, quantile_forecasts=qf, scale=scale,
        fit_seconds=time.perf_counter() - t0,
    )


def _scale(train: np.ndarray, sp: int) -> np.ndarray:
    from ..metrics._forecasting import _seasonal_scale

    with np.errstate(all="ignore"):
        return _seasonal_scale(train, sp)


def _id_names(pm: PanelMatrix) -> list:
    if pm.single:
        return ["item_id"]
    names = pm.index_names[:-1]
    return [nm if nm is not None else f"level_{i}" for i, nm in enumerate(names)]


def _named(index: pd.Index, names: list) -> pd.Index:
    index = index.copy()
    if isinstance(index, pd.MultiIndex):
        index.names = names
    else:
        index.name = names[0]
    return index


def _with_mean(table: pd.DataFrame, keys: list, extra: Sequence[str] = ()
               ) -> pd.DataFrame:
    """Append the mean over windows (per ``keys``) when there are several."""
    metric_cols = [c for c in table.columns
                   if c not in {"window", *keys, *extra}]
    table[metric_cols] = table[metric_cols].astype(float)
    if table["window"].nunique() > 1:
        if keys:
            mean = table.groupby(keys, sort=False)[metric_cols + list(extra)].mean()
            mean = mean.reset_index()
        else:
            mean = table[metric_cols].mean().to_frame().T
        table = pd.concat([table, mean.assign(window="mean")], ignore_index=True)
    return table[[*keys, "window", *extra, *metric_cols]]


def _forecast_frame(pm: PanelMatrix, rows, wtimes, window: int, cutoff, actual,
                    scored, q, quantiles) -> pd.DataFrame:
    index = pm.full_index(rows, wtimes)
    frame = pd.DataFrame(index=index).reset_index()
    if pm.single:
        frame.insert(0, "item_id", pm.ids[0])
    frame.columns = [*_id_names(pm), pm.index_names[-1] or "time"]
    frame.insert(0, "cutoff", cutoff)
    frame.insert(0, "window", window)
    frame["actual"] = actual.ravel()
    frame["scored"] = scored.ravel()
    for i, qv in enumerate(quantiles):
        frame[quantile_name(qv)] = q[..., i].ravel()
    return frame

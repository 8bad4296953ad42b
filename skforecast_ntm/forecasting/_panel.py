"""Long-format panels <-> regular ``(series, time)`` grids.

A :class:`Panel` holds every series of a panel on one regular time grid, so
that windows, scaling and features are plain array operations. Conversions
validate the input and raise errors that name the offending series/columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._features import FrequencyInfo, extend_grid, infer_frequency, make_grid

__all__ = ["Panel", "build_panel", "as_multiindex", "format_ids"]

SINGLE_KEY = "__series__"


def format_ids(ids: Sequence, limit: int = 10) -> str:
    """Readable, truncated list of series ids for messages."""
    ids = list(ids)
    shown = ", ".join(repr(i) for i in ids[:limit])
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return f"[{shown}{more}]"


@dataclass
class Panel:
    """A panel of series on a regular grid.

    Attributes
    ----------
    keys : pd.Index
        Series identifiers (``N``), a MultiIndex for hierarchical panels.
    grid : pd.Index
        Regular time grid (``T``).
    info : FrequencyInfo
    y : ndarray of shape (N, T)
        Target, NaN where missing or outside the series.
    first, last : ndarray of shape (N,)
        Grid positions of each series' first and last row (``last = -1`` for
        series that have only covariate rows).
    X : ndarray of shape (N, T, F) or None
        Dynamic covariates, NaN where not given.
    x_columns : list of str
    static : pd.DataFrame
        Static columns, one row per series (index aligned with ``keys``).
    """

    keys: pd.Index
    grid: pd.Index
    info: FrequencyInfo
    y: np.ndarray
    first: np.ndarray
    last: np.ndarray
    X: np.ndarray | None = None
    x_columns: list = field(default_factory=list)
    static: pd.DataFrame | None = None
    single: bool = False

    @property
    def n_series(self) -> int:
        return len(self.keys)

    def observed(self) -> np.ndarray:
        return ~np.isnan(self.y)


def as_multiindex(frame: pd.DataFrame | pd.Series) -> tuple[pd.DataFrame, bool]:
    """Ensure a (instance..., time) MultiIndex; returns (frame, was_single)."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if isinstance(frame.index, pd.MultiIndex):
        return frame, False
    out = frame.copy()
    out.index = pd.MultiIndex.from_arrays(
        [np.full(len(frame), SINGLE_KEY, dtype=object), frame.index],
        names=["__instance__", frame.index.name],
    )
    return out, True


def _instance_keys(index: pd.MultiIndex) -> pd.Index:
    if index.nlevels == 2:
        return index.get_level_values(0)
    return index.droplevel(-1)


def _check_order(codes: np.ndarray, pos: np.ndarray, uniques: pd.Index, what: str):
    """Duplicate or unsorted stamps within a series -> ValueError."""
    if len(codes) < 2:
        return
    lex = np.lexsort((pos, codes))
    c, p = codes[lex], pos[lex]
    dup = (c[1:] == c[:-1]) & (p[1:] == p[:-1])
    if dup.any():
        bad = uniques[np.unique(c[1:][dup])]
        raise ValueError(
            f"Duplicate time stamps within series {format_ids(bad)} of {what}. "
            "Each (series, time) pair must appear once: aggregate duplicates "
            "first, e.g. df.groupby([id, time]).sum()."
        )
    order = np.argsort(codes, kind="stable")
    c, p = codes[order], pos[order]
    same = c[1:] == c[:-1]
    unsorted = same & (p[1:] < p[:-1])
    if unsorted.any():
        bad = uniques[np.unique(c[1:][unsorted])]
        raise ValueError(
            f"Time stamps of series {format_ids(bad)} of {what} are not sorted. "
            "Sort the rows by series and time first, e.g. df.sort_index()."
        )


def _grid_positions(times: pd.Index, grid: pd.Index, info: FrequencyInfo,
                    what: str, fitted: bool) -> np.ndarray:
    """Positions of ``times`` on ``grid``; off-grid stamps -> ValueError.

    ``fitted``: the frequency is the model's (from fit or pretrain), so
    ``freq=`` cannot change it; the hint says to resample instead.
    """
    pos = grid.get_indexer(times)
    if (pos < 0).any():
        bad = times[pos < 0][:3]
        freq = info.freq or info.step
        hint = (
            f"The model was fitted on frequency {freq!r}: resample the series "
            "to it, or fit a new model for another frequency (freq= applies "
            "only when the frequency is inferred, at the first fit)."
            if fitted else
            "Resample the series to a regular frequency, or pass `freq=`."
        )
        raise ValueError(
            f"Time stamps {list(map(str, bad))} of {what} are not on the regular "
            f"grid of frequency {freq!r}. {hint}"
        )
    return pos


#: largest magnitude accepted in y and X: the network computes in float32
#: (largest 3.4e38), and squares and sums of scaled values must stay finite
MAX_ABS_VALUE = 1e30


def _check_finite(values: np.ndarray, keys: pd.Index, times: pd.Index,
                  what: str) -> None:
    """Infinite or float32-overflowing values -> ValueError naming series."""
    with np.errstate(invalid="ignore"):
        bad = np.isinf(values) | (np.abs(values) > MAX_ABS_VALUE)
    if bad.ndim > 1:
        bad = bad.any(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise ValueError(
            f"{what} has infinite or huge values (|value| > {MAX_ABS_VALUE:g}) "
            f"in series {format_ids(pd.unique(keys[rows]))} (first at "
            f"{times[rows[0]]}). Replace infinities by NaN (a missing value) and "
            "rescale huge values (e.g. divide by 1e6) before fitting."
        )


def _numeric_values(
    frame: pd.DataFrame, what: str,
    fix: str = "Encode them as numbers first (e.g. one-hot), or declare them in "
               "static_categorical_columns.",
) -> np.ndarray:
    """``frame`` as float64 (NaN for missing), or a TypeError naming the
    non-numeric columns: numbers stored as text get ``pd.to_numeric`` as the
    fix, other columns ``fix``."""
    bad = [
        c for c in frame.columns
        if not (pd.api.types.is_numeric_dtype(frame[c]) or
                pd.api.types.is_bool_dtype(frame[c]))
    ]
    numeric_text = [c for c in bad if frame[c].dtype == object and pd.to_numeric(
        frame[c], errors="coerce").notna().sum() == frame[c].notna().sum()]
    if numeric_text:
        raise TypeError(
            f"{what} column(s) {numeric_text} hold numbers with dtype object; "
            "convert them first, e.g. frame[col] = pd.to_numeric(frame[col])."
        )
    if bad:
        raise TypeError(
            f"{what} column(s) {bad} are not numeric (dtypes "
            f"{[str(frame[c].dtype) for c in bad]}). {fix}"
        )
    return frame.to_numpy(dtype=np.float64, na_value=np.nan)


def forecast_index(keys: pd.Index, times, names: list, single: bool) -> pd.Index:
    """Index of a forecast frame: every series (``keys``) at every time.

    A single series gets the time index alone (named ``names[-1]``); a panel
    a MultiIndex ``(series levels..., time)`` in series-then-time order, the
    row order of every forecast frame of the package.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.period_range("2020-01", periods=2, freq="M")
    >>> forecast_index(pd.Index(["a", "b"]), t, ["id", "time"], False).tolist()
    [('a', Period('2020-01', 'M')), ('a', Period('2020-02', 'M')), \
('b', Period('2020-01', 'M')), ('b', Period('2020-02', 'M'))]
    """
    if single:
        return pd.Index(times, name=names[-1])
    n_t = len(times)
    if isinstance(keys, pd.MultiIndex):
        levels = [np.repeat(keys.get_level_values(i), n_t)
                  for i in range(keys.nlevels)]
    else:
        levels = [np.repeat(np.asarray(keys, dtype=object), n_t)]
    time = pd.Index(times).take(np.tile(np.arange(n_t), len(keys)))
    return pd.MultiIndex.from_arrays([*levels, time], names=names)


def check_target_frame(y, what: str = "y") -> None:
    """Checks sktime's input conversion would answer with a generic message.

    sktime rejects a panel whose time stamps are unsorted within a series
    with a 2 KB message about compatible formats, and calls an object-dtype
    column of numbers "categorical"; these errors name the series or column
    and the fix instead. Anything else is left to sktime's own checks.
    """
    if not isinstance(y, (pd.Series, pd.DataFrame)):
        return
    frame = y.to_frame() if isinstance(y, pd.Series) else y
    numeric_text = [
        c for c in frame.columns if frame[c].dtype == object
        and pd.to_numeric(frame[c], errors="coerce").notna().sum()
        == frame[c].notna().sum()
    ]
    if numeric_text:  # real categories are sktime's to reject
        _numeric_values(frame[numeric_text], what)
    index = frame.index
    if index.is_monotonic_increasing or len(index) < 2:
        return
    if isinstance(index, pd.MultiIndex):
        keys = _instance_keys(index)
        codes, uniques = pd.factorize(keys)
        times = index.get_level_values(-1)
    else:
        codes, uniques = np.zeros(len(index), dtype=np.int64), pd.Index([what])
        times = index
    try:
        pos = pd.factorize(times, sort=True)[0]
    except TypeError:  # times of mixed kinds: sktime's message says so
        return
    _check_order(codes, pos, uniques, what)


def build_panel(
    y: pd.DataFrame,
    X: pd.DataFrame | None = None,
    *,
    info: FrequencyInfo | None = None,
    freq=None,
    static_columns: Sequence[str] = (),
    keys: pd.Index | None = None,
    grid_start=None,
    min_end=None,
    extra_steps: int = 0,
    check_order: bool = True,
) -> Panel:
    """Build a :class:`Panel` from sktime-style frames.

    Parameters
    ----------
    y : pd.DataFrame
        One numeric column, index ``(instance..., time)`` or a plain time index
        (single series).
    X : pd.DataFrame, optional
        Covariates with the same kind of index; rows may extend beyond ``y``
        (future periods).
    info : FrequencyInfo, optional
        Known frequency (from fit); inferred when None.
    static_columns : sequence of str
        Columns of ``X`` that are static per series; they are moved to
        ``Panel.static`` (first non-missing value of each series).
    keys : pd.Index, optional
        Order of series; defaults to sorted unique instance keys of ``y``.
    grid_start : scalar, optional
        Force the grid to start at this time (default: earliest row).
    min_end : scalar, optional
        The grid reaches at least this time (e.g. the last forecast period).
    extra_steps : int
        Extend the grid this many steps past the last row.
    """
    y, single = as_multiindex(y)
    if y.shape[1] != 1:
        raise ValueError(
            f"y must have exactly one target column, got {list(y.columns)}; "
            "the forecaster is univariate per series (stack several targets "
            "as separate series)."
        )
    y_vals = _numeric_values(y, "Target")[:, 0]
    y_keys = _instance_keys(y.index)
    y_times = y.index.get_level_values(-1)
    _check_finite(y_vals, y_keys, y_times, "The target")
    if X is not None:
        X, _ = as_multiindex(X)
        x_keys = _instance_keys(X.index)
        x_times = X.index.get_level_values(-1)
        all_times = y_times.append(x_times)
    else:
        all_times = y_times

    if keys is None:
        try:
            keys = y_keys.unique().sort_values()
        except TypeError:
            kinds = sorted({type(k).__name__ for k in y_keys.unique()})
            raise TypeError(
                f"Series ids mix types ({', '.join(kinds)}) and cannot be sorted; "
                "use one type, e.g. y.index = y.index.set_levels("
                "y.index.levels[0].astype(str), level=0)."
            ) from None
    else:
        extra = y_keys.unique().difference(keys)
        if len(extra):
            keys = keys.append(extra)
    y_codes = keys.get_indexer(y_keys)

    fitted = info is not None
    if info is None:
        info = infer_frequency(y_times, y_codes, freq=freq)
    else:
        _check_time_kind(all_times, info)
        if min_end is not None:
            _check_time_kind(pd.Index([min_end]), info)
    start = all_times.min() if grid_start is None else grid_start
    end = all_times.max() if min_end is None else max(all_times.max(), min_end)
    grid = make_grid(start, end, info)
    grid = extend_grid(grid, extra_steps, info)
    y_pos = _grid_positions(y_times, grid, info, "y", fitted)
    if check_order:
        _check_order(y_codes, y_pos, keys, "y")
    if not fitted and freq is None and info.kind != "period":
        _check_one_frequency(y_codes, y_pos, y_times, keys, info)

    n, t = len(keys), len(grid)
    yg = np.full((n, t), np.nan)
    yg[y_codes, y_pos] = y_vals
    first = np.full(n, t, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    np.minimum.at(first, y_codes, y_pos)
    np.maximum.at(last, y_codes, y_pos)

    static = pd.DataFrame(index=keys)
    xg, x_columns = None, []
    if X is None and len(static_columns):
        raise ValueError(
            f"Static column(s) {list(static_columns)} were declared "
            "(static_categorical_columns / static_real_columns) but X is None; "
            "pass X with those columns on the rows of y."
        )
    if X is not None:
        x_codes = keys.get_indexer(x_keys)
        unknown = x_codes < 0
        if unknown.any():
            raise ValueError(
                f"X has rows for series {format_ids(pd.unique(x_keys[unknown]))} "
                "that are not in y."
            )
        missing_static = [c for c in static_columns if c not in X.columns]
        if missing_static:
            raise ValueError(
                f"Static column(s) {missing_static} are not columns of X "
                f"(columns: {list(X.columns)})."
            )
        if static_columns:
            static = _static_from(X[list(static_columns)], x_codes, keys)
            _check_static_given(static, last >= 0)
        dyn = X.drop(columns=list(static_columns))
        x_columns = [str(c) for c in dyn.columns]
        if x_columns:
            x_pos = _grid_positions(x_times, grid, info, "X", fitted)
            if check_order:
                _check_order(x_codes, x_pos, keys, "X")
            xg = np.full((n, t, len(x_columns)), np.nan)
            x_vals = _numeric_values(dyn, "X")
            _check_finite(x_vals, x_keys, x_times, f"X (columns {x_columns})")
            xg[x_codes, x_pos] = x_vals
            _check_covariates_cover_history(xg, first, last, keys, grid,
                                            x_columns)
    return Panel(
        keys=keys, grid=grid, info=info, y=yg, first=first, last=last, X=xg,
        x_columns=x_columns, static=static, single=single,
    )


def _time_kind(times: pd.Index) -> str:
    if isinstance(times, pd.PeriodIndex):
        return "period"
    if isinstance(times, pd.DatetimeIndex):
        return "datetime"
    if pd.api.types.is_integer_dtype(times.dtype):
        return "int"
    return type(times).__name__


_KIND_NAMES = {"period": "a PeriodIndex (pandas Period values)",
               "datetime": "a DatetimeIndex (time stamps)",
               "int": "an integer index"}


def _check_time_kind(times: pd.Index, info: FrequencyInfo) -> None:
    """Times of another kind than the model's grid -> TypeError with a fix."""
    kind = _time_kind(times)
    if kind == info.kind:
        return
    freq = info.freq.freqstr if info.freq is not None else None
    if info.kind == "datetime" and kind == "period":
        fix = ("convert the periods to time stamps on that grid, e.g. "
               "index.to_timestamp() for period starts, or "
               "index.to_timestamp(how='end').normalize() for period ends")
    elif info.kind == "period" and kind == "datetime":
        fix = f"convert the time stamps to periods, e.g. index.to_period({freq!r})"
    else:
        fix = "use the kind of time index the model was fitted on"
    got = _KIND_NAMES.get(kind, kind)
    raise TypeError(
        "The time index changed type: the model was fitted on "
        f"{_KIND_NAMES[info.kind]}" + (f" of frequency {freq!r}" if freq else "")
        + f" but got {got}; {fix}."
    )


def _check_one_frequency(codes: np.ndarray, pos: np.ndarray, times: pd.Index,
                         keys: pd.Index, info: FrequencyInfo) -> None:
    """Series of a coarser frequency than the inferred grid -> ValueError.

    A series with three rows or more none of which are consecutive periods
    of the grid (a month-end series next to daily ones) has its own,
    coarser frequency: one model forecasts on one grid, so forcing it onto
    the finer one would forecast it at the wrong periods.
    """
    if len(codes) < 3:
        return
    order = np.lexsort((pos, codes))
    c, p = codes[order], pos[order]
    same = c[1:] == c[:-1]
    n = len(keys)
    step = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(step, c[1:][same], (p[1:] - p[:-1])[same])
    rows = np.bincount(codes, minlength=n)
    coarse = (rows >= 3) & (step > 1)
    if not coarse.any() or coarse[rows >= 3].all():
        return
    grid_freq = info.freq.freqstr if info.freq is not None else f"step {info.step}"
    bad = np.flatnonzero(coarse)
    own = []
    for code in bad[:3]:  # the error message only: at most three series
        stamps = times[codes == code].sort_values()
        try:
            guess = pd.infer_freq(stamps) if info.kind == "datetime" else None
        except (TypeError, ValueError):
            guess = None
        own.append(f"{keys[code]!r}: "
                   + (repr(guess) if guess else f"every {step[code]}+ periods"))
    fine = keys[(rows >= 3) & ~coarse]
    freq_arg = repr(grid_freq) if info.freq is not None else "..."
    raise ValueError(
        f"Series {format_ids(keys[bad])} have a coarser frequency than the "
        f"panel's grid {grid_freq!r} inferred from series such as "
        f"{format_ids(fine, limit=3)}: none of their rows are consecutive "
        f"periods (own frequency {', '.join(own)}). One model forecasts on one "
        "grid: fit one model per frequency, or resample the series to a common "
        "frequency first (e.g. with pandas' resample on each series). "
        f"If they are series of the {grid_freq!r} grid with rows only on some "
        f"periods, pass freq={freq_arg} to say so (the periods without a row "
        "count as missing values)."
    )


def _check_static_given(static: pd.DataFrame, has_rows: np.ndarray) -> None:
    """Every series with rows has a value of each static column."""
    na = static.isna().to_numpy() & has_rows[:, None]
    if not na.any():
        return
    cols = [str(c) for c in static.columns[na.any(0)]]
    raise ValueError(
        f"Static column(s) {cols} have no value for series "
        f"{format_ids(static.index[na.any(1)])} (missing on every row of X of "
        "those series). A static column holds one value per series, read from "
        "any of its rows: give each series its value, e.g. "
        "X[col] = X[col].fillna('unknown') for a categorical column (a level of "
        "its own) or a typical value for a real one."
    )


def _check_covariates_cover_history(xg: np.ndarray, first: np.ndarray,
                                    last: np.ndarray, keys: pd.Index,
                                    grid: pd.Index, columns: list) -> None:
    """Dynamic covariates at every period of each series' history.

    The network reads covariates at every step, so a period between a
    series' first and last row of ``y`` with no ``X`` row is an error, as a
    NaN in ``X`` is (neither is filled silently).
    """
    t = np.arange(xg.shape[1])
    inside = (t >= first[:, None]) & (t <= last[:, None])
    gap = np.isnan(xg).any(-1) & inside
    if not gap.any():
        return
    periods = grid[np.flatnonzero(gap.any(0))]
    raise ValueError(
        f"X has no covariate values (no row, or a NaN in {columns}) for the "
        f"periods {[str(p) for p in periods[:5]]}"
        + (f" and {len(periods) - 5} more" if len(periods) > 5 else "")
        + f" of series {format_ids(keys[gap.any(1)])}, inside their history "
        "(from their first to their last row of y). DeepAR reads covariates at "
        "every step, so X needs a row with values for every period of each "
        "series: add the missing rows and fill them, e.g. with "
        "skforecast_ntm.MissingValueFiller, or sktime's Imputer."
    )


def _static_from(frame: pd.DataFrame, codes: np.ndarray, keys: pd.Index):
    """One row per series: the first non-missing value; errors if not static."""
    grouped = frame.groupby(codes, sort=True)
    varying = grouped.nunique(dropna=True).max()
    varying = list(varying[varying > 1].index)
    if varying:
        raise ValueError(
            f"Static column(s) {varying} change value within a series; a static "
            "feature must be constant per series (use it as a dynamic "
            "covariate instead)."
        )
    first = grouped.first()
    out = pd.DataFrame(index=keys, columns=frame.columns, dtype=object)
    out.iloc[first.index.to_numpy()] = first.to_numpy()
    return out.infer_objects()

"""Long-format panels <-> regular ``(series, time)`` grids.

A :class:`Panel` holds every series of a panel on one regular time grid, so
that windows, scaling and features are plain array operations. Conversions
validate the input and raise errors that name the offending series/columns.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._features import FrequencyInfo, extend_grid, infer_frequency, make_grid

__all__ = ["Panel", "build_panel", "as_multiindex", "ended_before",
           "format_ids", "warn_own_end"]

SINGLE_KEY = "__series__"

#: cells of a (series, time) array processed together (padded arrays, the
#: bounded history): bounds the temporaries of large panels
ARRAY_CHUNK_CELLS = 1 << 22


def format_ids(ids: Sequence, limit: int = 10) -> str:
    """Readable, truncated list of series ids for messages."""
    ids = list(ids)
    shown = ", ".join(repr(i) for i in ids[:limit])
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return f"[{shown}{more}]"


def ended_before(last: np.ndarray, cut: int) -> np.ndarray:
    """Series whose last observed row is before grid position ``cut``.

    The rule both forecasters (DeepAR and LightGBM) forecast by: such a
    series is forecast from its own end, through the periods up to the
    cutoff, rather than from the panel's cutoff. ``last = -1`` (no target row)
    is not one of them.
    """
    last = np.asarray(last)
    return (last >= 0) & (last < cut)


def warn_own_end(keys: Sequence, early: np.ndarray, cutoff, how: str,
                 stacklevel: int) -> None:
    """The one warning for the series of :func:`ended_before`.

    ``how`` says what the model's values at the requested periods are
    (model-specific); ``stacklevel`` counts from the caller.
    """
    warnings.warn(
        f"Series {format_ids(np.asarray(keys, dtype=object)[early])} end "
        f"before the cutoff {cutoff}; each is forecast from its own end: {how}",
        UserWarning, stacklevel=stacklevel + 1,
    )


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

    def rows(self, chunk: slice) -> Panel:
        """The series ``chunk`` (a slice: the arrays are views)."""
        return Panel(
            keys=self.keys[chunk], grid=self.grid, info=self.info,
            y=self.y[chunk], first=self.first[chunk], last=self.last[chunk],
            X=None if self.X is None else self.X[chunk],
            x_columns=self.x_columns,
            static=None if self.static is None else self.static.iloc[chunk],
            single=self.single,
        )


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


class RowIndex:
    """Series and time of each row of a ``(instance..., time)`` MultiIndex.

    The positions of the rows' series among ``keys`` and of their times on a
    grid, looked up once per distinct value through the MultiIndex's level
    codes (one hash lookup per series and per period, not per row: a panel
    of 100,000 daily series has 73 million rows). The per-row keys and times
    are materialised only when asked for (error messages, hierarchical
    panels, frequency inference from time stamps).
    """

    def __init__(self, index: pd.MultiIndex) -> None:
        self.index = index
        # the fast path: two levels without missing codes
        self._fast = index.nlevels == 2 and not any(
            (c < 0).any() for c in index.codes)

    def __len__(self) -> int:
        return len(self.index)

    @property
    def keys(self) -> pd.Index:
        return _instance_keys(self.index)

    @property
    def times(self) -> pd.Index:
        return self.index.get_level_values(-1)

    def _used(self, level: int) -> pd.Index:
        lev = self.index.levels[level]
        used = np.zeros(len(lev), dtype=bool)
        used[self.index.codes[level]] = True
        return lev[used]

    def unique_keys(self) -> pd.Index:
        """The distinct series keys, in order of first appearance (fast path:
        level order)."""
        return self._used(0) if self._fast else self.keys.unique()

    def time_values(self) -> pd.Index:
        """The distinct times (fast path), else every row's time."""
        return self._used(-1) if self._fast else self.times

    def codes_in(self, keys: pd.Index) -> np.ndarray:
        """Position of each row's series in ``keys`` (-1 where absent)."""
        if not self._fast:
            return keys.get_indexer(self.keys)
        return _compact(keys.get_indexer(self.index.levels[0]))[
            self.index.codes[0]]

    def positions_on(self, grid: pd.Index) -> np.ndarray:
        """Position of each row's time on ``grid`` (-1 where off it)."""
        if not self._fast:
            return grid.get_indexer(self.times)
        return _compact(grid.get_indexer(self.index.levels[-1]))[
            self.index.codes[-1]]


def _compact(lookup: np.ndarray) -> np.ndarray:
    """``lookup`` as int32 when it fits: per-row arrays of large panels take
    half the memory (they are indices, never multiplied without a cast)."""
    if len(lookup) and int(np.abs(lookup).max()) < 2**31 - 1:
        return lookup.astype(np.int32)
    return lookup


def _strictly_sorted(codes: np.ndarray, pos: np.ndarray) -> bool:
    """Rows ordered by series then time, without a repeated (series, time):
    the common case, checked in one pass instead of a sort."""
    if len(codes) < 2:
        return True
    width = int(pos.max()) + 2
    step = 1 << 22  # in blocks: no int64 copy of every row at once
    for lo in range(0, len(codes) - 1, step):
        block = slice(lo, min(lo + step + 1, len(codes)))
        flat = codes[block].astype(np.int64) * width + pos[block]
        if not (flat[1:] > flat[:-1]).all():
            return False
    return True


def _check_order(codes: np.ndarray, pos: np.ndarray, uniques: pd.Index, what: str):
    """Duplicate or unsorted stamps within a series -> ValueError."""
    if len(codes) < 2:
        return
    if _strictly_sorted(codes, pos):
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


def _grid_positions(rows: RowIndex, grid: pd.Index, info: FrequencyInfo,
                    what: str, fitted: bool) -> np.ndarray:
    """Positions of the rows' times on ``grid``; off-grid stamps -> ValueError.

    ``fitted``: the frequency is the model's (from fit or pretrain), so
    ``freq=`` cannot change it; the hint says to resample instead.
    """
    pos = rows.positions_on(grid)
    if (pos < 0).any():
        bad = rows.times[np.flatnonzero(pos < 0)[:3]]
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


def _check_finite(values: np.ndarray, rows: RowIndex, what: str) -> None:
    """Infinite or float32-overflowing values -> ValueError naming series."""
    if values.size:
        # the common case, without a temporary the size of the data (NaN,
        # a missing value, is ignored; all-NaN gives NaN, not out of range)
        top = np.fmax.reduce(values, axis=None)
        bottom = np.fmin.reduce(values, axis=None)
        if not (top > MAX_ABS_VALUE or bottom < -MAX_ABS_VALUE):
            return
    with np.errstate(invalid="ignore"):
        bad = np.isinf(values) | (np.abs(values) > MAX_ABS_VALUE)
    if bad.ndim > 1:
        bad = bad.any(axis=1)
    if bad.any():
        at = np.flatnonzero(bad)
        raise ValueError(
            f"{what} has infinite or huge values (|value| > {MAX_ABS_VALUE:g}) "
            f"in series {format_ids(pd.unique(rows.keys[at]))} (first at "
            f"{rows.times[at[0]]}). Replace infinities by NaN (a missing value) and "
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
    X : pd.DataFrame or sequence of pd.DataFrame, optional
        Covariates with the same kind of index; rows may extend beyond ``y``
        (future periods). Several frames (e.g. the stored history and the
        future rows) are read in order, a later frame's row replacing an
        earlier one's at the same (series, time), as
        :func:`sktime.datatypes.update_data` would, without concatenating
        them.
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
    y_rows = RowIndex(y.index)
    _check_finite(y_vals, y_rows, "The target")
    all_times = y_rows.time_values()
    frames = [] if X is None else [
        as_multiindex(f)[0] for f in (X if isinstance(X, (list, tuple)) else [X])
        if f is not None]
    x_rows = [RowIndex(f.index) for f in frames]
    for rows in x_rows:
        all_times = all_times.append(rows.time_values())

    if keys is None:
        try:
            keys = y_rows.unique_keys().sort_values()
        except TypeError:
            kinds = sorted({type(k).__name__ for k in y_rows.unique_keys()})
            raise TypeError(
                f"Series ids mix types ({', '.join(kinds)}) and cannot be sorted; "
                "use one type, e.g. y.index = y.index.set_levels("
                "y.index.levels[0].astype(str), level=0)."
            ) from None
    else:
        extra = y_rows.unique_keys().difference(keys)
        if len(extra):
            keys = keys.append(extra)
    y_codes = y_rows.codes_in(keys)

    fitted = info is not None
    if info is None:
        # a PeriodIndex carries its frequency: its distinct values suffice
        info = infer_frequency(
            y_rows.time_values() if isinstance(all_times, pd.PeriodIndex)
            else y_rows.times, y_codes, freq=freq)
    else:
        _check_time_kind(all_times, info)
        if min_end is not None:
            _check_time_kind(pd.Index([min_end]), info)
    start = all_times.min() if grid_start is None else grid_start
    end = all_times.max() if min_end is None else max(all_times.max(), min_end)
    grid = make_grid(start, end, info)
    grid = extend_grid(grid, extra_steps, info)
    y_pos = _grid_positions(y_rows, grid, info, "y", fitted)
    if check_order:
        _check_order(y_codes, y_pos, keys, "y")
    if not fitted and freq is None and info.kind != "period":
        _check_one_frequency(y_codes, y_pos, y_rows.times, keys, info)

    n, t = len(keys), len(grid)
    yg = np.full((n, t), np.nan)
    yg[y_codes, y_pos] = y_vals
    first = np.full(n, t, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    np.minimum.at(first, y_codes, y_pos)
    np.maximum.at(last, y_codes, y_pos)
    del y_codes, y_pos  # per-row arrays: free them before X's

    static = pd.DataFrame(index=keys)
    xg, x_columns = None, []
    if not frames and len(static_columns):
        raise ValueError(
            f"Static column(s) {list(static_columns)} were declared "
            "(static_categorical_columns / static_real_columns) but X is None; "
            "pass X with those columns on the rows of y."
        )
    if frames:
        # the columns of every frame, in order of first appearance
        columns = pd.Index(frames[0].columns)
        for f in frames[1:]:
            columns = columns.append(pd.Index(f.columns).difference(columns))
        frames = [f if f.columns.equals(columns) else f.reindex(columns=columns)
                  for f in frames]
        x_codes = [rows.codes_in(keys) for rows in x_rows]
        for rows, codes in zip(x_rows, x_codes, strict=True):
            unknown = codes < 0
            if unknown.any():
                bad = format_ids(pd.unique(rows.keys[unknown]))
                raise ValueError(f"X has rows for series {bad} that are not in y.")
        missing_static = [c for c in static_columns if c not in columns]
        if missing_static:
            raise ValueError(
                f"Static column(s) {missing_static} are not columns of X "
                f"(columns: {list(columns)})."
            )
        if static_columns:
            cols = list(static_columns)
            values = frames[0][cols] if len(frames) == 1 else pd.concat(
                [f[cols].reset_index(drop=True) for f in frames], ignore_index=True)
            static = _static_from(values, np.concatenate(x_codes), keys)
            _check_static_given(static, last >= 0)
        dynamic = [c for c in columns if c not in set(static_columns)]
        x_columns = [str(c) for c in dynamic]
        if x_columns:
            xg = np.full((n, t, len(x_columns)), np.nan)
            for f, rows, codes in zip(frames, x_rows, x_codes, strict=True):
                pos = _grid_positions(rows, grid, info, "X", fitted)
                if check_order:
                    _check_order(codes, pos, keys, "X")
                x_vals = _numeric_values(f[dynamic], "X")
                _check_finite(x_vals, rows, f"X (columns {x_columns})")
                xg[codes, pos] = x_vals  # a later frame's rows replace
                del pos
            del x_codes
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
    order = (np.arange(len(codes)) if _strictly_sorted(codes, pos)
             else np.lexsort((pos, codes)))
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


_NONE = np.iinfo(np.int32).max


def _static_from(frame: pd.DataFrame, codes: np.ndarray, keys: pd.Index):
    """One row per series: the first non-missing value; errors if not static.

    Vectorised over the rows with integer codes of the values (a
    categorical's own codes, else :func:`pandas.factorize`): the smallest
    and largest code of each series agree when the column is static.
    """
    n = len(keys)
    out = pd.DataFrame(index=keys, columns=frame.columns, dtype=object)
    varying = []
    for col in frame.columns:
        values = frame[col]
        if isinstance(values.dtype, pd.CategoricalDtype):
            vcodes, uniques = values.cat.codes.to_numpy(), values.cat.categories
        else:
            vcodes, uniques = pd.factorize(values, use_na_sentinel=True)
        v = vcodes.astype(np.int32)  # -1: missing, below every value
        hi = np.full(n, -1, dtype=np.int32)
        np.maximum.at(hi, codes, v)
        v[v < 0] = _NONE  # above every value
        lo = np.full(n, _NONE, dtype=np.int32)
        np.minimum.at(lo, codes, v)
        if (hi > lo).any():
            varying.append(col)
            continue
        has = hi >= 0
        column = np.full(n, np.nan, dtype=object)
        column[has] = np.asarray(uniques, dtype=object)[hi[has]]
        out[col] = column
    if varying:
        raise ValueError(
            f"Static column(s) {varying} change value within a series; a static "
            "feature must be constant per series (use it as a dynamic "
            "covariate instead)."
        )
    return out.infer_objects()

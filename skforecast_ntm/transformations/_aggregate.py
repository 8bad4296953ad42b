"""Transaction rows -> a regular panel, with Amazon Forecast's aggregations.

Point-of-sale data comes as one row per transaction (item, store, time,
quantity). Forecasting needs one value per series and period:
:func:`aggregate_transactions` groups the rows by series and period of the
chosen frequency with Amazon Forecast's aggregation methods (``sum`` by
default; ``mean`` (Amazon Forecast's ``avg``), ``first``, ``min``, ``max``)
and returns a ``pd-multiindex`` panel on a regular grid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["aggregate_transactions", "AGGREGATION_METHODS"]

#: Amazon Forecast's aggregation methods (``"avg"`` is accepted for "mean")
AGGREGATION_METHODS = ("sum", "mean", "first", "min", "max")
_ALIASES = {"avg": "mean"}


def _method(name: str, what: str) -> str:
    m = _ALIASES.get(name, name)
    if m not in AGGREGATION_METHODS:
        raise ValueError(
            f"aggregate_transactions: {what}={name!r} is not an aggregation method; "
            f"valid methods are {list(AGGREGATION_METHODS)} (or 'avg' for 'mean')."
        )
    return m


def _period_freq(freq):
    """The pandas period frequency of ``freq`` ("M" and "ME" both work)."""
    try:
        return pd.Period("2000-01-01", freq=freq).freq
    except (TypeError, ValueError):
        pass
    try:
        probe = pd.date_range("2000-01-01", periods=2, freq=freq)
        return probe.to_period().freq
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValueError(
            f"aggregate_transactions: freq={freq!r} is not a pandas period "
            f"frequency ({exc}); use e.g. 'D', 'W', 'W-SAT', 'M'.") from None


def _bad_rows(frame: pd.DataFrame, bad: np.ndarray, column: str, what: str,
              how: str) -> ValueError:
    pos = np.flatnonzero(bad)
    shown = ", ".join(
        f"row {p} (index {frame.index[p]!r}): {frame[column].iloc[p]!r}"
        for p in pos[:5])
    more = f" and {len(pos) - 5} more" if len(pos) > 5 else ""
    return ValueError(
        f"aggregate_transactions: column {column!r} has {len(pos)} value(s) that "
        f"are not {what}: {shown}{more}. {how}"
    )


def aggregate_transactions(
    transactions: pd.DataFrame,
    freq: str = "D",
    *,
    id_columns: str | Sequence[str] = ("item_id", "store_id"),
    time_column: str = "timestamp",
    target_column: str = "quantity",
    method: str = "sum",
    other_columns: Mapping[str, str] | None = None,
    fill_value: float | None = None,
    time_format: str | None = None,
    as_period: bool = True,
) -> pd.DataFrame:
    """Aggregate transaction rows to a regular panel of one row per period.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction with the ``id_columns``, ``time_column`` and
        ``target_column`` (and any ``other_columns``).
    freq : str, default="D"
        Pandas frequency of the periods: ``"D"`` (daily), ``"W"`` (weeks
        ending Sunday; ``"W-SAT"`` etc. for other week ends), ``"M"``
        (monthly), ``"h"``, ...
    id_columns : str or sequence of str, default=("item_id", "store_id")
        Column(s) naming a series; they become the instance levels of the
        index, in this order (e.g. ``["store_id", "item_id"]`` for a
        hierarchical store > item panel).
    time_column : str, default="timestamp"
        Time of each transaction: timestamps, or strings pandas can parse
        (``time_format`` for a fixed format). Time-zone aware stamps are
        bucketed in their own local time.
    target_column : str, default="quantity"
        The quantity to aggregate (numbers, or strings of numbers).
    method : {"sum", "mean", "first", "min", "max"}, default="sum"
        Amazon Forecast's aggregation of the target within a period
        (``"avg"`` is accepted for ``"mean"``). ``"first"`` is the earliest
        transaction of the period.
    other_columns : mapping of str to str, optional
        Further numeric columns and their aggregation, e.g.
        ``{"price": "mean"}``; the same methods.
    fill_value : float or None, default=None
        Value of the periods without any transaction inside a series' span
        (between its first and last transaction). ``None`` leaves them NaN so
        that :class:`MissingValueFiller` fills them and records which points
        were filled, as Amazon Forecast does; ``0`` when no row means no
        sale.
    time_format : str or None, default=None
        ``strftime`` format of ``time_column`` strings, e.g. ``"%d/%m/%Y"``.
    as_period : bool, default=True
        Time level as a ``PeriodIndex`` (True) or as the start timestamp of
        each period (False).

    Returns
    -------
    pandas.DataFrame
        ``pd-multiindex`` (one id column) or ``pd_multiindex_hier`` (several)
        panel indexed ``(*id_columns, time_column)``, sorted, each series on
        a regular grid from its first to its last period; columns
        ``target_column`` then ``other_columns`` (float).

    Raises
    ------
    ValueError
        A missing column; an unknown method; a timestamp or quantity that
        cannot be parsed, or a missing id (the message names the rows and
        the column).

    See Also
    --------
    MissingValueFiller : fill the empty periods with Amazon Forecast's rules.

    Examples
    --------
    >>> import pandas as pd
    >>> from skforecast_ntm.transformations._aggregate import aggregate_transactions
    >>> tx = pd.DataFrame({
    ...     "item_id": ["a", "a", "a", "b"],
    ...     "store_id": ["s1", "s1", "s1", "s1"],
    ...     "timestamp": ["2024-01-01 09:00", "2024-01-01 17:30",
    ...                   "2024-01-03 10:00", "2024-01-02 12:00"],
    ...     "quantity": [2, 1, 4, 3]})
    >>> y = aggregate_transactions(tx, freq="D")
    >>> y["quantity"].tolist()  # a: 3 on Jan 1, nothing on Jan 2, 4 on Jan 3
    [3.0, nan, 4.0, 3.0]
    >>> list(y.index.names)
    ['item_id', 'store_id', 'timestamp']
    """
    if not isinstance(transactions, pd.DataFrame):
        raise TypeError("aggregate_transactions needs a pandas DataFrame of "
                        f"transactions, got {type(transactions).__name__}.")
    ids = [id_columns] if isinstance(id_columns, str) else list(id_columns)
    if not ids:
        raise ValueError("aggregate_transactions: id_columns is empty; name the "
                         "column(s) identifying a series.")
    other = dict(other_columns or {})
    needed = [*ids, time_column, target_column, *other]
    missing = [c for c in needed if c not in transactions.columns]
    if missing:
        raise ValueError(
            f"aggregate_transactions: transactions lack the column(s) {missing} "
            f"(columns: {list(transactions.columns)}); set id_columns / "
            "time_column / target_column / other_columns to your names."
        )
    methods = {target_column: _method(method, "method")}
    for col, how in other.items():
        methods[col] = _method(how, f"other_columns[{col!r}]")
    period_freq = _period_freq(freq)

    frame = transactions
    for col in ids:
        bad = frame[col].isna().to_numpy()
        if bad.any():
            raise _bad_rows(frame, bad, col, "ids (missing)",
                            "Every transaction needs its series id.")

    raw_time = frame[time_column]
    if isinstance(raw_time.dtype, pd.DatetimeTZDtype):
        stamps = raw_time.dt.tz_localize(None)
    else:
        stamps = pd.to_datetime(raw_time, errors="coerce", format=time_format)
        if isinstance(stamps.dtype, pd.DatetimeTZDtype):
            stamps = stamps.dt.tz_localize(None)
    bad = stamps.isna().to_numpy()
    if bad.any() and time_format is None:  # e.g. dates mixed with date-times
        retry = pd.to_datetime(raw_time[bad], errors="coerce", format="ISO8601")
        if isinstance(retry.dtype, pd.DatetimeTZDtype):
            retry = retry.dt.tz_localize(None)
        stamps = stamps.copy()
        stamps[bad] = retry.astype(stamps.dtype)
        bad = stamps.isna().to_numpy()
    if bad.any():
        raise _bad_rows(
            frame, bad, time_column, "timestamps",
            "Fix or drop those rows (time_format= for a fixed format such as "
            "'%d/%m/%Y').")

    values = {}
    for col in methods:
        raw = frame[col]
        num = pd.to_numeric(raw, errors="coerce") if not (
            pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw)
        ) else raw
        num = num.astype(float)
        bad = num.isna().to_numpy() | np.isinf(num.to_numpy())
        if bad.any():
            raise _bad_rows(
                frame, bad, col, "numbers",
                "Fix or drop those rows (a missing quantity is not a zero: "
                "write 0 if nothing was sold).")
        values[col] = num.to_numpy()

    periods = stamps.dt.to_period(period_freq)
    # group on integer codes (ids) and ordinals (periods): no boxed objects
    work = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    id_levels = []
    for i, c in enumerate(ids):
        codes_i, uniques_i = pd.factorize(frame[c], sort=True)
        work[f"__id{i}"] = codes_i
        id_levels.append(pd.Index(uniques_i, name=c))
    work["__period"] = periods.array.asi8
    for col, v in values.items():
        work[col] = v
    keys = [f"__id{i}" for i in range(len(ids))]
    if "first" in methods.values():  # earliest transaction first
        work = work.iloc[np.argsort(stamps.to_numpy(), kind="stable")]
    agg = work.groupby([*keys, "__period"], sort=True)[list(methods)].agg(methods)

    # complete each series' span (first..last period) on the regular grid
    flat = agg.index.to_frame(index=False)
    codes = flat.groupby(keys, sort=True).ngroup().to_numpy()
    ordinal = flat["__period"].to_numpy()
    n_series = int(codes.max()) + 1 if len(codes) else 0
    first_row = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    series_ids = flat.iloc[first_row][keys].to_numpy()  # (n_series, n_ids)
    lo = np.full(n_series, np.iinfo(np.int64).max)
    hi = np.full(n_series, np.iinfo(np.int64).min)
    np.minimum.at(lo, codes, ordinal)
    np.maximum.at(hi, codes, ordinal)
    lengths = hi - lo + 1
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    n = int(lengths.sum())
    new_codes = np.repeat(np.arange(n_series), lengths)
    new_ord = lo[new_codes] + (np.arange(n) - starts[new_codes])
    out = np.full((n, len(methods)), np.nan if fill_value is None else
                  float(fill_value))
    out[starts[codes] + ordinal - lo[codes]] = agg.to_numpy(dtype=float)
    first_ord = int(new_ord.min()) if n else 0
    time = pd.PeriodIndex.from_ordinals(
        np.arange(first_ord, int(new_ord.max()) + 1 if n else 0), freq=period_freq)
    if not as_period:
        time = time.to_timestamp(how="start")
    index = pd.MultiIndex(
        levels=[*id_levels, time.rename(time_column)],
        codes=[*(series_ids[new_codes, i] for i in range(len(ids))),
               new_ord - first_ord],
        names=[*ids, time_column], verify_integrity=False).remove_unused_levels()
    return pd.DataFrame(out, index=index, columns=list(methods))

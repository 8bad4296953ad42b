"""ABC-XYZ segmentation of a panel of demand series.

- ABC ranks series by their share of the panel's total volume (or revenue,
  with a price): the series making up the first ``a_share`` (80%) of the
  total are A, up to ``b_share`` (95%) B, the rest C.
- XYZ classes series by the coefficient of variation (CV = standard
  deviation / mean) of their demand per period: X below ``x_cv`` (0.5,
  steady), Y below ``y_cv`` (1.0, variable), Z otherwise (erratic or
  intermittent).

:func:`abc_xyz_segments` returns the segment of each series,
:func:`segment_summary` a table per segment, :class:`ABCXYZSegmenter` wraps
both as an sktime transformer (series -> one row per series).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sktime.transformations.base import BaseTransformer

from ..forecasting._panel import _instance_keys, as_multiindex
from ._fill import _time_key

__all__ = ["abc_xyz_segments", "segment_summary", "ABCXYZSegmenter", "SEGMENTS"]

_MTYPES = ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"]
#: the nine segments, most valuable and steadiest first
SEGMENTS = tuple(a + x for a in "ABC" for x in "XYZ")


def _check_thresholds(a_share, b_share, x_cv, y_cv) -> None:
    for name, v in (("a_share", a_share), ("b_share", b_share), ("x_cv", x_cv),
                    ("y_cv", y_cv)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) \
                or not np.isfinite(v) or v <= 0:
            raise ValueError(f"abc_xyz_segments: {name} must be a positive number, "
                             f"got {v!r}.")
    if not a_share < b_share <= 1:
        raise ValueError("abc_xyz_segments: need 0 < a_share < b_share <= 1, got "
                         f"a_share={a_share}, b_share={b_share}.")
    if not x_cv < y_cv:
        raise ValueError(f"abc_xyz_segments: need x_cv < y_cv, got x_cv={x_cv}, "
                         f"y_cv={y_cv}.")


def abc_xyz_segments(
    y: pd.DataFrame | pd.Series,
    *,
    by: str = "volume",
    target_column: str | None = None,
    price: pd.DataFrame | pd.Series | str | None = None,
    a_share: float = 0.8,
    b_share: float = 0.95,
    x_cv: float = 0.5,
    y_cv: float = 1.0,
    window: int | None = None,
) -> pd.DataFrame:
    """The ABC and XYZ class of every series of a panel.

    Parameters
    ----------
    y : pandas.DataFrame or Series
        Demand, a single series or a ``pd-multiindex`` / hierarchical panel
        (one row per series and period). Missing values are ignored.
    by : {"volume", "revenue"}, default="volume"
        ABC basis: total demand, or total demand x price (needs ``price``).
    target_column : str or None, default=None
        The demand column of ``y``; None: the first column.
    price : str, pandas.DataFrame, Series or None, default=None
        Unit price per row: the name of a column of ``y``, or a frame /
        series indexed like ``y`` (first column). Rows without a price do not
        count towards revenue.
    a_share : float, default=0.8
        Series whose preceding cumulative share of the total is below this
        are A (the top 80%, the usual Pareto cut).
    b_share : float, default=0.95
        ... below this B (the next 15%), the rest C (the last 5%).
    x_cv : float, default=0.5
        CV below this is X (steady demand).
    y_cv : float, default=1.0
        CV below this is Y (variable), otherwise Z (erratic, intermittent).
    window : int or None, default=None
        Use only the last ``window`` periods of each series (recent demand).

    Returns
    -------
    pandas.DataFrame
        One row per series, indexed by the series key (the instance levels
        of ``y``'s index; a one-row ``"__series__"`` key for a single
        series), sorted by key, with columns ``volume``, ``revenue`` (with a
        price), ``share`` and ``cum_share`` (of the ABC basis, cumulated in
        decreasing order), ``mean``, ``std``, ``cv``, ``n_periods``, ``abc``,
        ``xyz`` and ``segment`` (e.g. ``"AX"``).

    Notes
    -----
    A series joins the class in which its share *starts*: the largest series
    is always A even when it alone exceeds ``a_share``. CV uses the sample
    standard deviation (``ddof=1``) of the observed periods; a series with a
    mean of 0 or below, or fewer than two observations, is Z. Amazon
    Forecast has no segmentation; the thresholds are the common supply-chain
    defaults.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skforecast_ntm.transformations._segments import abc_xyz_segments
    >>> idx = pd.MultiIndex.from_product([["big", "mid", "small"], range(4)])
    >>> y = pd.DataFrame({"y": [100, 100, 100, 100, 10, 30, 10, 30, 0, 0, 5, 0]},
    ...                  index=idx)
    >>> seg = abc_xyz_segments(y)
    >>> seg["segment"].tolist()
    ['AX', 'BY', 'CZ']
    """
    _check_thresholds(a_share, b_share, x_cv, y_cv)
    if by not in ("volume", "revenue"):
        raise ValueError(f"abc_xyz_segments: by={by!r} is not one of "
                         "['volume', 'revenue'].")
    if window is not None and (isinstance(window, bool) or not isinstance(
            window, (int, np.integer)) or window < 2):
        raise ValueError(f"abc_xyz_segments: window must be an int >= 2 or None, "
                         f"got {window!r}.")
    frame, single = as_multiindex(y)
    if target_column is None:
        target_column = frame.columns[0]
    if target_column not in frame.columns:
        raise ValueError(f"abc_xyz_segments: target_column={target_column!r} is not "
                         f"a column of y (columns: {list(frame.columns)}).")
    demand = pd.to_numeric(frame[target_column], errors="raise").astype(float)
    price_values = None
    if by == "revenue":
        if price is None:
            raise ValueError(
                "abc_xyz_segments: by='revenue' needs a price: price='column' of "
                "y, or a frame/series of unit prices indexed like y.")
        if isinstance(price, str):
            if price not in frame.columns:
                raise ValueError(f"abc_xyz_segments: price={price!r} is not a "
                                 f"column of y (columns: {list(frame.columns)}).")
            price_values = frame[price].astype(float)
        else:
            p = price.to_frame() if isinstance(price, pd.Series) else price
            p, _ = as_multiindex(p)
            price_values = p.iloc[:, 0].reindex(frame.index).astype(float)
    keys = _instance_keys(frame.index)
    codes, uniq = pd.factorize(keys, sort=True)
    use = pd.Series(True, index=frame.index)
    if window is not None:
        order = np.lexsort((_time_key(frame.index.get_level_values(-1)), codes))
        rank = np.empty(len(codes), dtype=np.int64)
        counts = np.bincount(codes, minlength=len(uniq))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rank[order] = np.arange(len(codes)) - starts[codes[order]]
        use = pd.Series(rank >= counts[codes] - window, index=frame.index)
    d = demand.where(use.to_numpy())
    grp = d.groupby(codes)
    out = pd.DataFrame({
        "volume": grp.sum(),
        "mean": grp.mean(),
        "std": grp.std(ddof=1),
        "n_periods": grp.count().astype(int),
    }).reindex(range(len(uniq)))
    if price_values is not None:
        rev = (d * price_values.to_numpy()).groupby(codes).sum(min_count=1)
        out["revenue"] = rev.reindex(range(len(uniq))).fillna(0.0)
    basis = out["revenue" if by == "revenue" else "volume"].fillna(0.0).to_numpy()
    total = basis.sum()
    share = basis / total if total > 0 else np.zeros_like(basis)
    order = np.lexsort((np.arange(len(basis)), -basis))  # value desc, then key
    cum = np.empty_like(share)
    cum[order] = np.cumsum(share[order])
    before = cum - share
    abc = np.where(total <= 0, "C",
                   np.where(before < a_share - 1e-12, "A",
                            np.where(before < b_share - 1e-12, "B", "C")))
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(out["mean"].to_numpy() > 0,
                      out["std"].to_numpy() / out["mean"].to_numpy(), np.inf)
    cv = np.where(np.isnan(cv), np.inf, cv)
    xyz = np.where(cv < x_cv, "X", np.where(cv < y_cv, "Y", "Z"))
    out["share"], out["cum_share"], out["cv"] = share, cum, cv
    out["abc"], out["xyz"] = abc, xyz
    out["segment"] = np.char.add(abc.astype(str), xyz.astype(str))
    cols = ["volume", *(["revenue"] if "revenue" in out else []), "share",
            "cum_share", "mean", "std", "cv", "n_periods", "abc", "xyz", "segment"]
    out = out[cols]
    out.index = uniq
    if isinstance(uniq, pd.MultiIndex):
        out.index.names = frame.index.names[:-1]
    else:
        out.index.name = frame.index.names[0]
    return out


def segment_summary(segments: pd.DataFrame) -> pd.DataFrame:
    """One row per ABC-XYZ segment: how many series and how much demand.

    Parameters
    ----------
    segments : pandas.DataFrame
        The output of :func:`abc_xyz_segments`.

    Returns
    -------
    pandas.DataFrame
        Indexed by the nine segments ``AX`` ... ``CZ`` (empty ones
        included), columns ``n_series``, ``series_share``, ``volume``,
        ``volume_share`` (and ``revenue``, ``revenue_share`` with a
        price), ``mean_cv`` (of its series with a finite CV).

    Examples
    --------
    >>> import pandas as pd
    >>> from skforecast_ntm.transformations._segments import (
    ...     abc_xyz_segments, segment_summary)
    >>> idx = pd.MultiIndex.from_product([["big", "small"], range(4)])
    >>> y = pd.DataFrame({"y": [100.0, 90, 110, 100, 0, 0, 5, 0]}, index=idx)
    >>> summary = segment_summary(abc_xyz_segments(y))
    >>> summary.loc[["AX", "CZ"], "n_series"].tolist()
    [1, 1]
    """
    need = {"segment", "volume", "cv"}
    if not isinstance(segments, pd.DataFrame) or not need <= set(segments.columns):
        raise ValueError("segment_summary needs the DataFrame returned by "
                         "abc_xyz_segments (columns segment, volume, cv).")
    grp = segments.groupby("segment")
    out = pd.DataFrame(index=pd.Index(SEGMENTS, name="segment"))
    out["n_series"] = grp.size().reindex(SEGMENTS, fill_value=0).astype(int)
    n = max(len(segments), 1)
    out["series_share"] = out["n_series"] / n
    for col in ("volume", "revenue"):
        if col in segments:
            tot = segments[col].sum()
            out[col] = grp[col].sum().reindex(SEGMENTS, fill_value=0.0)
            out[f"{col}_share"] = out[col] / tot if tot > 0 else 0.0
    finite = segments["cv"].where(np.isfinite(segments["cv"]))
    out["mean_cv"] = finite.groupby(segments["segment"]).mean().reindex(SEGMENTS)
    return out


class ABCXYZSegmenter(BaseTransformer):
    """ABC-XYZ segments of a panel as an sktime transformer.

    ``fit`` computes the segment of every series of the panel
    (:func:`abc_xyz_segments`) into ``segments_`` and the per-segment table
    (:func:`segment_summary`) into ``summary_``; ``transform(X)`` returns
    the segments of ``X``'s series (one row per series, computed on ``X``:
    ABC shares are relative to the series given).

    Parameters
    ----------
    by, target_column, price, a_share, b_share, x_cv, y_cv, window
        As in :func:`abc_xyz_segments` (``price`` as a column name).

    Attributes
    ----------
    segments_ : pandas.DataFrame
        One row per series of the fitted panel; ``segments_["segment"]`` is
        the segment per series (index: the series key).
    summary_ : pandas.DataFrame
        One row per segment.

    Examples
    --------
    >>> import pandas as pd
    >>> from skforecast_ntm.transformations._segments import ABCXYZSegmenter
    >>> idx = pd.MultiIndex.from_product([["big", "small"], range(4)],
    ...                                  names=["item_id", "time"])
    >>> y = pd.DataFrame({"y": [100.0, 90, 110, 100, 0, 0, 5, 0]}, index=idx)
    >>> seg = ABCXYZSegmenter().fit(y)
    >>> seg.segments_["segment"].to_dict()
    {'big': 'AX', 'small': 'CZ'}
    """

    _tags = {
        "authors": ["skforecast_ntm developers"],
        "maintainers": ["skforecast_ntm developers"],
        "scitype:transform-input": "Series",
        "scitype:transform-output": "Primitives",
        "scitype:instancewise": False,
        "X_inner_mtype": _MTYPES,
        "y_inner_mtype": "None",
        "requires_y": False,
        "fit_is_empty": False,
        "capability:missing_values": True,
        "capability:multivariate": True,
        "capability:inverse_transform": False,
    }

    def __init__(self, by: str = "volume", target_column: str | None = None,
                 price: str | None = None, a_share: float = 0.8,
                 b_share: float = 0.95, x_cv: float = 0.5, y_cv: float = 1.0,
                 window: int | None = None) -> None:
        self.by = by
        self.target_column = target_column
        self.price = price
        self.a_share = a_share
        self.b_share = b_share
        self.x_cv = x_cv
        self.y_cv = y_cv
        self.window = window
        super().__init__()

    def _segments(self, X) -> pd.DataFrame:
        return abc_xyz_segments(
            X, by=self.by, target_column=self.target_column, price=self.price,
            a_share=self.a_share, b_share=self.b_share, x_cv=self.x_cv,
            y_cv=self.y_cv, window=self.window)

    def _fit(self, X, y=None):
        self.segments_ = self._segments(X)
        self.summary_ = segment_summary(self.segments_)
        return self

    def _transform(self, X, y=None):
        seg = self._segments(X)
        if not isinstance(X.index, pd.MultiIndex):
            seg = seg.reset_index(drop=True)
        return seg

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        """Default thresholds, and a short recent window."""
        return [{}, {"window": 3, "a_share": 0.5, "b_share": 0.9}]

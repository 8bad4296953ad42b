"""Per-series outlier detection (Hampel / rolling MAD, IQR) and treatment.

:class:`OutlierTreatment` flags the points of each series that lie outside
robust bounds and replaces them by NaN, clips them to the bounds or
interpolates them from their neighbours. All series are processed at once:
windows are cut from one padded array, so no window ever crosses from one
series into the next.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from sktime.transformations.base import BaseTransformer

from ..forecasting._panel import _instance_keys, as_multiindex
from ._fill import _numeric_frame, _time_key

__all__ = ["OutlierTreatment"]

_MTYPES = ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"]
_METHODS = ("hampel", "iqr")
_TREATMENTS = ("nan", "clip", "interpolate")
#: MAD -> standard deviation of a normal distribution
_MAD_TO_SIGMA = 1.4826


def _windows(values: np.ndarray, codes: np.ndarray, half: int) -> np.ndarray:
    """Centred windows (2 * half + 1) of each row, NaN outside its series.

    ``values`` are sorted by series code; each series is padded with
    ``half`` NaNs on both sides, so windows stay inside their series.
    """
    m = len(values)
    n = int(codes.max()) + 1 if m else 0
    padded = np.arange(m) + half * (2 * codes + 1)
    buf = np.full(m + 2 * half * n, np.nan)
    buf[padded] = values
    return sliding_window_view(buf, 2 * half + 1)[padded - half]


def _row_quantile(win: np.ndarray, q: float) -> np.ndarray:
    """Linear-interpolated ``q`` quantile of each row, ignoring NaN.

    Equals ``np.nanquantile(win, q, axis=1)`` (NaN for all-NaN rows), with
    one sort instead of numpy's slower NaN path.
    """
    srt = np.sort(win, axis=1)  # NaN sort last
    k = (~np.isnan(win)).sum(axis=1)
    pos = q * np.maximum(k - 1, 0)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(k - 1, 0))
    rows = np.arange(len(win))
    a, b = srt[rows, lo], srt[rows, hi]
    out = a + (pos - lo) * (b - a)
    out[k == 0] = np.nan
    return out


class OutlierTreatment(BaseTransformer):
    """Detect outliers per series and replace, clip or interpolate them.

    Detection (``method``), on each series and column separately:

    - ``"hampel"`` (rolling MAD): a point is an outlier when it is more
      than ``n_sigma`` robust standard deviations (1.4826 x the median
      absolute deviation) from the median of the centred window of
      ``window_length`` points around it (Hampel filter; Pearson 2002).
    - ``"iqr"``: a point is an outlier when it is below ``Q1 - k * IQR`` or
      above ``Q3 + k * IQR`` (Tukey's fences, ``k = iqr_multiplier``), the
      quartiles of the whole series or, with ``window_length``, of the
      centred window.

    Treatment (``treatment``): ``"nan"`` (missing: follow with
    :class:`MissingValueFiller`, or let DeepAR skip them), ``"clip"`` (to the
    nearest bound), ``"interpolate"`` (linear between the nearest
    non-outlier observations of the series; the nearest one at its ends).
    Missing values are never flagged and never used in the statistics.

    Which points were changed: :meth:`outlier_mask` returns a boolean frame
    indexed like the input, True at the outliers; with ``indicator=True``
    the output also gets a 0/1 ``{column}_outlier`` column per column (for
    ``X``; a target must stay univariate).

    Parameters
    ----------
    method : {"hampel", "iqr"}, default="hampel"
        Detection rule.
    window_length : int or None, default=None
        Points in the centred window (odd; an even number is rounded up).
        None: 7 for ``"hampel"``, the whole series for ``"iqr"``.
    n_sigma : float, default=3.0
        Hampel threshold in robust standard deviations.
    iqr_multiplier : float, default=1.5
        Tukey's ``k`` of the IQR fences.
    treatment : {"nan", "clip", "interpolate"}, default="clip"
        What replaces an outlier.
    ignore_zeros : bool, default=False
        For intermittent demand: zeros are neither flagged nor used in the
        statistics, so outliers are judged among the non-zero demand sizes
        (with mostly-zero series the MAD and IQR are 0 and every sale would
        otherwise be an outlier).
    indicator : bool, default=False
        Add a 0/1 ``{column}_outlier`` column per column.
    protect : str or None, default=None
        Name of a column of the exogenous data whose non-zero rows are never
        flagged, e.g. ``"IsHoliday"`` or :class:`HolidayFeatures`'
        ``"holiday"``: holiday peaks are demand, not errors. Inside a
        ``TransformedTargetForecaster`` sktime passes ``X`` to the target's
        transformers as their ``y``, so the forecaster's ``X`` must hold the
        column; standalone, pass it as ``transform(X=sales, y=flags)``.

    See Also
    --------
    MissingValueFiller : fill the NaNs that ``treatment="nan"`` leaves.

    Notes
    -----
    A window whose MAD (or IQR) is 0, a constant stretch, flags every point
    that differs from it, as the classic Hampel filter does; use
    ``ignore_zeros=True`` for series that are mostly zeros. Detection runs
    on the data given to ``transform`` (``fit`` learns nothing), like
    sktime's ``HampelFilter``, so in a forecasting pipeline it never touches
    forecasts.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skforecast_ntm.transformations._outliers import OutlierTreatment
    >>> y = pd.DataFrame({"y": [10.0, 11, 9, 10, 95, 10, 11, 9, 10]})
    >>> ot = OutlierTreatment(treatment="interpolate")
    >>> ot.fit_transform(y)["y"].tolist()
    [10.0, 11.0, 9.0, 10.0, 10.0, 10.0, 11.0, 9.0, 10.0]
    >>> ot.outlier_mask(y)["y"].tolist()
    [False, False, False, False, True, False, False, False, False]
    """

    _tags = {
        "authors": ["skforecast_ntm developers"],
        "maintainers": ["skforecast_ntm developers"],
        "scitype:transform-input": "Series",
        "scitype:transform-output": "Series",
        "scitype:instancewise": True,
        "X_inner_mtype": _MTYPES,
        "y_inner_mtype": _MTYPES,
        "requires_y": False,
        "fit_is_empty": True,
        "capability:missing_values": True,
        "capability:multivariate": True,
        "capability:categorical_in_X": False,  # numbers only
        "capability:inverse_transform": False,
        "skip-inverse-transform": True,
        "transform-returns-same-time-index": True,
    }

    def __init__(
        self,
        method: str = "hampel",
        window_length: int | None = None,
        n_sigma: float = 3.0,
        iqr_multiplier: float = 1.5,
        treatment: str = "clip",
        ignore_zeros: bool = False,
        indicator: bool = False,
        protect: str | None = None,
    ) -> None:
        self.method = method
        self.window_length = window_length
        self.n_sigma = n_sigma
        self.iqr_multiplier = iqr_multiplier
        self.treatment = treatment
        self.ignore_zeros = ignore_zeros
        self.indicator = indicator
        self.protect = protect
        super().__init__()

    def _check_params(self) -> None:
        for name, value, options in (("method", self.method, _METHODS),
                                     ("treatment", self.treatment, _TREATMENTS)):
            if value not in options:
                raise ValueError(f"OutlierTreatment: {name}={value!r} is not one of "
                                 f"{list(options)}.")
        w = self.window_length
        if w is not None and (isinstance(w, bool) or not isinstance(
                w, (int, np.integer)) or w < 3):
            raise ValueError("OutlierTreatment: window_length must be an int >= 3 "
                             f"or None, got {w!r}.")
        for name in ("n_sigma", "iqr_multiplier"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
                raise ValueError(f"OutlierTreatment: {name} must be a positive "
                                 f"number, got {v!r}.")

    def _transform(self, X, y=None):
        out, mask = self._treat(X, y)
        if self.indicator:
            flags = mask.astype(float)
            flags.columns = [f"{c}_outlier" for c in mask.columns]
            out = pd.concat([out, flags], axis=1)
        return out

    def outlier_mask(self, X: pd.DataFrame | pd.Series,
                     y: pd.DataFrame | None = None) -> pd.DataFrame:
        """Which points of ``X`` are outliers (what ``transform`` changes).

        Parameters
        ----------
        X : pandas.DataFrame or Series
            A single series or a panel, as given to ``transform``.
        y : pandas.DataFrame or None
            The frame holding the ``protect`` column, if any.

        Returns
        -------
        pandas.DataFrame of bool
            Same index and columns as ``X``.
        """
        if isinstance(X, pd.Series):
            X = X.to_frame()
        return self._treat(X, y)[1]

    def _bounds(self, v: np.ndarray, codes: np.ndarray) -> tuple:
        """Lower and upper bound of each row (NaN: no decision)."""
        stats = np.where(v == 0, np.nan, v) if self.ignore_zeros else v
        w = self.window_length
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows
            if self.method == "hampel":
                half = (w if w is not None else 7) // 2
                win = _windows(stats, codes, half)
                med = _row_quantile(win, 0.5)
                mad = _row_quantile(np.abs(win - med[:, None]), 0.5)
                spread = self.n_sigma * _MAD_TO_SIGMA * mad
                return med - spread, med + spread
            if w is None:
                s = pd.Series(stats)
                grp = s.groupby(codes, sort=True)
                q1 = grp.quantile(0.25).reindex(range(int(codes.max()) + 1))
                q3 = grp.quantile(0.75).reindex(range(int(codes.max()) + 1))
                q1, q3 = q1.to_numpy()[codes], q3.to_numpy()[codes]
            else:
                win = _windows(stats, codes, w // 2)
                q1 = _row_quantile(win, 0.25)
                q3 = _row_quantile(win, 0.75)
        k = self.iqr_multiplier * (q3 - q1)
        return q1 - k, q3 + k

    def _protected(self, X: pd.DataFrame, y) -> np.ndarray | None:
        if self.protect is None:
            return None
        if y is None or not isinstance(y, pd.DataFrame) or \
                self.protect not in y.columns:
            have = list(y.columns) if isinstance(y, pd.DataFrame) else None
            raise ValueError(
                f"OutlierTreatment(protect={self.protect!r}) needs the exogenous "
                f"data with column {self.protect!r} (got columns {have}): in a "
                "TransformedTargetForecaster pass it in the forecaster's X; "
                "standalone call transform(X=series, y=frame_with_the_column).")
        flags = pd.to_numeric(y[self.protect], errors="coerce").reindex(X.index)
        return (flags.fillna(0).to_numpy() != 0)

    def _treat(self, X: pd.DataFrame, y=None):
        self._check_params()
        protected = self._protected(X, y)
        frame, single = as_multiindex(X)
        index = frame.index
        values = _numeric_frame(frame, "OutlierTreatment")
        m = len(frame)
        codes, _ = pd.factorize(_instance_keys(index), sort=True)
        codes = np.asarray(codes, dtype=np.int64)
        times = index.get_level_values(-1)
        order = np.lexsort((_time_key(times), codes))
        codes_s = codes[order]
        out = values.copy()
        mask = np.zeros(values.shape, dtype=bool)
        r = np.arange(m)
        for j in range(values.shape[1]):
            v = values[order, j]
            if not m:
                continue
            lo, hi = self._bounds(v, codes_s)
            flag = ~np.isnan(v) & ((v < lo) | (v > hi))
            if self.ignore_zeros:
                flag &= v != 0
            if protected is not None:
                flag &= ~protected[order]
            new = v.copy()
            if self.treatment == "nan":
                new[flag] = np.nan
            elif self.treatment == "clip":
                new[flag] = np.clip(v[flag], lo[flag], hi[flag])
            else:
                good = ~np.isnan(v) & ~flag
                prev = np.maximum.accumulate(np.where(good, r, -1))
                nxt = np.minimum.accumulate(np.where(good, r, m)[::-1])[::-1]
                has_p = (prev >= 0) & (codes_s[np.maximum(prev, 0)] == codes_s)
                has_n = (nxt < m) & (codes_s[np.minimum(nxt, m - 1)] == codes_s)
                vp = v[np.maximum(prev, 0)]
                vn = v[np.minimum(nxt, m - 1)]
                span = np.where(has_p & has_n & (nxt > prev), nxt - prev, 1)
                frac = (r - prev) / span
                interp = np.where(has_p & has_n, vp + frac * (vn - vp),
                                  np.where(has_p, vp, np.where(has_n, vn, np.nan)))
                new[flag] = interp[flag]
            out[order, j] = new
            mask[order, j] = flag
        out_frame = pd.DataFrame(out, index=X.index, columns=X.columns)
        mask_frame = pd.DataFrame(mask, index=X.index, columns=X.columns)
        return out_frame, mask_frame

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        """Hampel clipping, and windowed IQR interpolation with an indicator."""
        return [
            {},
            {"method": "iqr", "window_length": 5, "treatment": "interpolate",
             "indicator": True},
        ]

"""Local statistical candidates of :class:`AutoForecaster` as panel forecasters.

Each takes a whole panel at once (NaN-padded matrix of the histories) and
returns quantiles for every series: seasonal naive is fully vectorised; ETS
(statsmodels, via :func:`skforecast_ntm.metrics.ets_quantiles`), Theta and
AutoARIMA (sktime's own, one fit per series) loop over series. sktime's
``AutoETS.predict_quantiles`` fails with statsmodels 0.14, which is why ETS
goes through ``ets_quantiles``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.stats import norm
from sktime.datatypes import update_data

from ..forecasting._base import OwnHistoryForecaster
from ..metrics import ets_quantiles, seasonal_naive_quantiles
from ._backtest import future_times, infer_seasonal_period

__all__ = ["ARIMAForecaster", "ETSForecaster", "SeasonalNaiveForecaster",
           "ThetaForecaster", "is_seasonal"]

#: one-sided z of the seasonality test (90%, as the M4 competition's benchmarks)
SEASONALITY_Z = 1.645


def is_seasonal(v: np.ndarray, sp: int) -> bool:
    """Whether a history's autocorrelation at lag ``sp`` is significant.

    The test of the M3/M4 competitions' Theta benchmark: the lag-``sp``
    autocorrelation ``r_sp`` against its 90% limit ``1.645 * sqrt((1 + 2 *
    sum_{k<sp} r_k**2) / n)`` (Bartlett's variance). A history shorter than
    three seasons, or ``sp <= 1``, is not seasonal.

    Parameters
    ----------
    v : array of shape (n,)
        One history without missing values.
    sp : int
        Seasonal period.

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> from skforecast_ntm.model_selection import is_seasonal
    >>> t = np.arange(60)
    >>> is_seasonal(10 + np.sin(2 * np.pi * t / 12), 12)
    True
    >>> is_seasonal(np.random.default_rng(0).normal(10, 1, 60), 12)
    False
    """
    v = np.asarray(v, dtype=float)
    n = len(v)
    if sp <= 1 or n < 3 * sp:
        return False
    x = v - v.mean()
    denom = float(np.dot(x, x))
    if denom == 0.0:
        return False
    acf = np.array([np.dot(x[:-k], x[k:]) for k in range(1, sp + 1)]) / denom
    limit = SEASONALITY_Z * np.sqrt((1.0 + 2.0 * np.sum(acf[:-1] ** 2)) / n)
    return bool(abs(acf[-1]) > limit)

_MTYPES = ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"]


def _right_aligned(y: pd.DataFrame):
    """Series keys and right-aligned, forward-filled histories."""
    if isinstance(y.index, pd.MultiIndex):
        # unstack orders by the level's codes, not by time: sort the columns
        wide = y.iloc[:, 0].unstack(level=-1).sort_index(axis=1)
        keys, m = wide.index, wide.to_numpy(float)
    else:
        keys, m = None, y.iloc[:, 0].to_numpy(float)[None]
    ok = ~np.isnan(m)
    pos = np.where(ok, np.arange(m.shape[1]), -1)
    np.maximum.accumulate(pos, axis=1, out=pos)
    filled = np.where(pos >= 0, m[np.arange(len(m))[:, None], np.maximum(pos, 0)],
                      np.nan)
    # right-align: each row's last observed value in the last column
    last = np.where(ok.any(1), m.shape[1] - 1 - ok[:, ::-1].argmax(1), -1)
    shift = m.shape[1] - 1 - last
    cols = (np.arange(m.shape[1])[None, :] - shift[:, None])
    out = np.where(cols >= 0, filled[np.arange(len(m))[:, None],
                                     np.clip(cols, 0, None)], np.nan)
    return keys, out


def _sktime_quantiles(forecaster, v, h, z, fh, levels) -> np.ndarray:
    """Quantiles (h, L) of an sktime forecaster fitted to one series ``v``;
    the Gaussian fallback where it fails or returns non-finite values."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            forecaster.fit(pd.Series(v), fh=fh)
            q = forecaster.predict_quantiles(alpha=list(levels)).to_numpy(float)
    except (ValueError, np.linalg.LinAlgError):
        return _fallback(v, h, z)
    return q if np.isfinite(q).all() else _fallback(v, h, z)


class _PanelQuantileForecaster(OwnHistoryForecaster):
    """Base: quantiles of every series from its NaN-padded history."""

    _tags = {
        "authors": ["skforecast_ntm developers"],
        "maintainers": ["skforecast_ntm developers"],
        "y_inner_mtype": _MTYPES,
        "X_inner_mtype": _MTYPES,
        "capability:multivariate": False,
        "capability:exogenous": False,
        "capability:insample": False,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        "capability:missing_values": True,
        "capability:unequal_length": True,
        "requires-fh-in-fit": False,
        "fit_is_empty": False,
    }

    def __init__(self, sp=None):
        self.sp = sp
        super().__init__()

    def _fit(self, y, X=None, fh=None):
        self._history = y
        self._keys, self._train = _right_aligned(y)
        times = y.index.get_level_values(-1).unique().sort_values()
        self._times = times
        self._sp = int(self.sp) if self.sp else infer_seasonal_period(times)
        self._names = list(y.index.names)
        self._var = y.columns[0]
        self._cache = None
        return self

    def _update(self, y, X=None, update_params=True):
        # a local model of the latest history: the forecast origin moves with
        # the data either way (as sktime's NaiveForecaster)
        return self._fit(update_data(self._history, y), X=None)

    #: quantiles are Gaussian around a mean: fitted once per horizon, cached
    _gaussian = False

    def _quantiles(self, train, h, sp, levels) -> np.ndarray:  # (N, h, L)
        raise NotImplementedError

    def _all_quantiles(self, h: int, levels) -> np.ndarray:
        if not self._gaussian:
            return self._quantiles(self._train, h, self._sp, levels)
        if self._cache is None or self._cache[0].shape[1] < h:
            lo, mid = self._quantiles(self._train, h, self._sp,
                                      [float(norm.cdf(-1.0)), 0.5]).transpose(2, 0, 1)
            self._cache = (mid, np.maximum(mid - lo, 0.0))
        mean, sd = (a[:, :h] for a in self._cache)
        return mean[..., None] + sd[..., None] * norm.ppf(levels)[None, None, :]

    def _frame(self, fh, alpha):
        rel = np.asarray(fh.to_relative(self.cutoff).to_numpy(), dtype=int)
        if (rel < 1).any():
            raise ValueError(f"{type(self).__name__} forecasts only after the cutoff; "
                             f"fh has steps {rel[rel < 1].tolist()}.")
        q = self._all_quantiles(int(rel.max()), list(alpha))
        q = np.sort(q[:, rel - 1, :], axis=-1)
        times = future_times(self._times, rel)
        n_t = len(times)
        t = times.take(np.tile(np.arange(n_t), q.shape[0]))
        if self._keys is None:
            index = pd.Index(t, name=self._names[-1])
        else:
            rep = np.repeat(np.arange(len(self._keys)), n_t)
            if isinstance(self._keys, pd.MultiIndex):
                lv = [self._keys.get_level_values(i).take(rep)
                      for i in range(self._keys.nlevels)]
            else:
                lv = [self._keys.take(rep)]
            index = pd.MultiIndex.from_arrays([*lv, t], names=self._names)
        return q.reshape(-1, len(alpha)), index

    def _predict(self, fh, X=None):
        values, index = self._frame(fh, [0.5])
        return pd.DataFrame(values, index=index, columns=[self._var])

    def _predict_quantiles(self, fh, X, alpha):
        values, index = self._frame(fh, alpha)
        return pd.DataFrame(values, index=index,
                            columns=pd.MultiIndex.from_product([[self._var], alpha]))

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        return [{"sp": 1}, {"sp": 2}]


class SeasonalNaiveForecaster(_PanelQuantileForecaster):
    """Seasonal naive with empirical quantiles of the seasonal differences.

    :func:`skforecast_ntm.metrics.seasonal_naive_quantiles` on every series
    of a panel at once (vectorised).

    Parameters
    ----------
    sp : int, optional
        Seasonal period; inferred from the index frequency when omitted.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skforecast_ntm.model_selection import SeasonalNaiveForecaster
    >>> y = pd.Series(np.tile([1.0, 2.0, 3.0, 4.0], 6))
    >>> f = SeasonalNaiveForecaster(sp=4).fit(y)
    >>> f.predict(fh=[1, 2, 5]).to_numpy().ravel()
    array([1., 2., 1.])
    """

    def _quantiles(self, train, h, sp, levels):
        return seasonal_naive_quantiles(train, h, sp, levels)


class ETSForecaster(_PanelQuantileForecaster):
    """Additive ETS chosen by AIC per series, Gaussian quantiles.

    :func:`skforecast_ntm.metrics.ets_quantiles` (statsmodels ``ETSModel``,
    one fit per series and candidate specification).

    Parameters
    ----------
    sp : int, optional
        Seasonal period; inferred from the index frequency when omitted.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skforecast_ntm.model_selection import ETSForecaster
    >>> y = pd.Series(10 + 0.5 * np.arange(40.0))
    >>> q = ETSForecaster(sp=1).fit(y).predict_quantiles(fh=[1], alpha=[0.5])
    >>> bool(abs(q.iloc[0, 0] - 30.0) < 1.0)
    True
    """

    _gaussian = True

    def _quantiles(self, train, h, sp, levels):
        return ets_quantiles(train, h, sp, levels)


def _per_series(train, h, fit_one):
    out = []
    for row in train:
        v = row[~np.isnan(row)]
        out.append(fit_one(v, h))
    return np.stack(out)


def _fallback(v, h, z):
    """Last value, random-walk spread: for histories too short to fit."""
    last = v[-1] if len(v) else 0.0
    sd = np.std(np.diff(v)) if len(v) > 2 else 0.0
    return last + sd * np.sqrt(np.arange(1, h + 1))[:, None] * z[None, :]


class ThetaForecaster(_PanelQuantileForecaster):
    """The Theta method (sktime's ``ThetaForecaster``) per series.

    Seasonally adjusted (classical multiplicative decomposition) when the
    series is positive and :func:`is_seasonal` finds its seasonality
    significant, as in the M3/M4 competitions' Theta; otherwise not (adjusting
    a series that has no seasonality only adds noise: on M3 monthly the test
    lowers Theta's MASE from 0.882 to 0.860). One fit per series.

    Parameters
    ----------
    sp : int, optional
        Seasonal period; inferred from the index frequency when omitted.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skforecast_ntm.model_selection import ThetaForecaster
    >>> y = pd.Series(10 + np.arange(30.0))
    >>> f = ThetaForecaster(sp=1).fit(y)
    >>> f.predict_quantiles(fh=[1, 2], alpha=[0.1, 0.9]).shape
    (2, 2)
    """

    _gaussian = True

    def _quantiles(self, train, h, sp, levels):
        from sktime.forecasting.theta import ThetaForecaster as _Theta

        z = norm.ppf(levels)
        fh = np.arange(1, h + 1)

        def one(v, h):
            if len(v) < 4 or np.ptp(v) == 0:
                return _fallback(v, h, z)
            seasonal = bool((v > 0).all() and is_seasonal(v, sp))
            f = _Theta(sp=sp if seasonal else 1, deseasonalize=seasonal)
            return _sktime_quantiles(f, v, h, z, fh, levels)

        return _per_series(train, h, one)


class ARIMAForecaster(_PanelQuantileForecaster):
    """sktime's ``AutoARIMA`` (pmdarima) per series, stepwise, small orders.

    Needs ``pip install pmdarima`` (statsforecast's faster AutoARIMA pins
    pandas < 3 and is not used). Slow: seconds per series.

    Parameters
    ----------
    sp : int, optional
        Seasonal period; inferred from the index frequency when omitted.

    Examples
    --------
    >>> from skforecast_ntm.model_selection import ARIMAForecaster
    >>> ARIMAForecaster(sp=12).get_params()["sp"]
    12
    """

    _gaussian = True

    def _quantiles(self, train, h, sp, levels):
        try:
            import pmdarima  # noqa: F401
            from sktime.forecasting.arima import AutoARIMA
        except ImportError as exc:
            raise ImportError("ARIMAForecaster needs pmdarima: pip install "
                              "pmdarima") from exc
        z = norm.ppf(levels)
        fh = np.arange(1, h + 1)

        def one(v, h):
            if len(v) < 8 or np.ptp(v) == 0:
                return _fallback(v, h, z)
            seasonal = bool(sp > 1 and len(v) >= 2 * sp + 2)
            f = AutoARIMA(sp=sp if seasonal else 1, seasonal=seasonal,
                          suppress_warnings=True, max_p=2, max_q=2, max_P=1,
                          max_Q=1, maxiter=20, error_action="ignore")
            return _sktime_quantiles(f, v, h, z, fh, levels)

        return _per_series(train, h, one)

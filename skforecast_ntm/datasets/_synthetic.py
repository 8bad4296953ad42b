"""Synthetic panels with a known data-generating process, for tests and demos."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

__all__ = ["make_retail_panel"]

_START = "2020-01-01"
_CATEGORIES = ("food", "household", "electronics")
_CATEGORY_EFFECT = (3.0, 1.0, 0.3)  # multiplies the level
_SEASONAL_PERIODS = {
    "D": 7,
    "B": 5,
    "W": 52,
    "M": 12,
    "ME": 12,
    "Q": 4,
    "h": 24,
    "H": 24,
}
_PROMO_EFFECT = 1.5
_PROMO_RATE = 0.15
_PRICE_ELASTICITY = 1.0
_DISPERSION = 10.0  # negative binomial size: variance = mu + mu**2 / size
_TREND_GROWTH = 0.3  # log growth of the shared trend over the whole grid
_LATE_START_SHARE = 0.3


def make_retail_panel(
    n_series: int = 20,
    n_periods: int = 120,
    freq: str = "D",
    horizon: int = 14,
    missing_rate: float = 0.0,
    random_state: int | np.random.Generator | None = 0,
) -> Bunch:
    """Generate a panel of related retail demand series with a known truth.

    Every value is drawn from a negative binomial distribution whose mean is

    .. code-block:: text

        mean[i, t] = level[i] * trend[t] * exp(amplitude[i] * profile[t % m])
                     * promo_effect ** promo[i, t]
                     * (price[i, t] / base_price[i]) ** (-price_elasticity)

    with ``level[i] = lognormal draw * category_effect[category[i]] *
    store_effect[store[i]]`` (levels span several orders of magnitude), a
    trend shared by all series, a seasonal profile of period ``m`` (7 for
    daily data, see ``truth["seasonal_period"]``) scaled per series, a binary
    promotion that multiplies demand by ``promo_effect = 1.5`` (each series is
    on promotion on 15% of the grid's periods, drawn at random) and a price
    that fluctuates by about 5% around a per-series base price, with
    elasticity 1. The variance is ``mean + mean**2 / dispersion``
    (``dispersion = 10``), so the values are non-negative integers (stored as
    floats). About 30% of the series start later than the others (up to
    ``n_periods // 2`` periods), giving a ragged panel; all series share the
    cutoff (the last of the ``n_periods`` periods) and are observed over the
    following ``horizon`` periods in ``y_future``.

    Everything is vectorised numpy; the same ``random_state`` gives the same
    panel, and ``missing_rate`` only changes which values are ``NaN``.

    Parameters
    ----------
    n_series : int, default=20
        Number of series.
    n_periods : int, default=120
        Length of the time grid up to the cutoff (series that start late are
        shorter).
    freq : str, default="D"
        pandas period frequency of the time level (e.g. ``"D"``, ``"W"``,
        ``"M"``, ``"h"``). The grid starts on 2020-01-01.
    horizon : int, default=14
        Number of future periods in ``X`` and ``y_future``.
    missing_rate : float, default=0.0
        Probability, in ``[0, 1)``, that an observed value of ``y`` is
        replaced by ``NaN`` (the row is kept). ``y_future`` is never masked.
    random_state : int, numpy.random.Generator or None, default=0
        Seed or generator for :func:`numpy.random.default_rng`.

    Returns
    -------
    sklearn.utils.Bunch
        With fields

        y : pandas.DataFrame
            ``pd-multiindex`` panel, index ``(series_id, time)`` with
            ``series_id`` ``"s00"``, ``"s01"``, ... and ``time`` a
            ``PeriodIndex`` level; one float column ``"y"``.
        X : pandas.DataFrame
            Covariates on the rows of ``y`` and of ``y_future``: ``promo``
            (0/1) and ``price``; both are known in advance.
        static : pandas.DataFrame
            Indexed by ``series_id``: ``store`` and ``category``
            (categoricals).
        y_future : pandas.DataFrame
            The true next ``horizon`` values of every series (same format).
        horizon : int
            ``horizon``.
        freq : str
            ``freqstr`` of the time level.
        truth : dict
            The generating parameters: ``level``, ``seasonal_amplitude``,
            ``base_price``, ``start`` (Series by ``series_id``),
            ``store_effect`` (Series by store), ``category_effect`` (dict),
            ``seasonal_profile`` (array of length ``seasonal_period``),
            ``seasonal_period``, ``trend`` (Series by period),
            ``promo_effect``, ``price_elasticity``, ``dispersion`` (floats)
            and ``mean`` (the expected value of ``y``, Series on the index
            of ``X``).

    Raises
    ------
    ValueError
        For a non-positive size, ``n_periods < 2`` or ``missing_rate``
        outside ``[0, 1)``.

    Examples
    --------
    >>> from sktime.datatypes import check_is_mtype
    >>> from skforecast_ntm.datasets import make_retail_panel
    >>> data = make_retail_panel(n_series=5, n_periods=30, horizon=7)
    >>> data.y_future.shape
    (35, 1)
    >>> data.X.columns.tolist()
    ['promo', 'price']
    >>> check_is_mtype(data.y, "pd-multiindex")
    True
    >>> bool((data.y["y"] >= 0).all())
    True
    >>> data.truth["promo_effect"]
    1.5
    """
    if n_series < 1 or horizon < 1:
        raise ValueError("n_series and horizon must be positive integers")
    if n_periods < 2:
        raise ValueError(f"n_periods must be at least 2, got {n_periods}")
    if not 0.0 <= missing_rate < 1.0:
        raise ValueError(f"missing_rate must be in [0, 1), got {missing_rate}")
    rng = np.random.default_rng(random_state)
    n, n_total = int(n_series), int(n_periods) + int(horizon)
    periods = pd.period_range(_START, periods=n_total, freq=freq, name="time")
    m = _SEASONAL_PERIODS.get(periods.freqstr.split("-")[0], 1)
    steps = np.arange(n_total)

    # static structure and levels
    n_stores = max(1, min(5, n // 4))
    store = rng.integers(n_stores, size=n)
    category = rng.integers(len(_CATEGORIES), size=n)
    store_effect = np.exp(rng.normal(0.0, 0.2, size=n_stores))
    level = (
        np.exp(rng.normal(np.log(20.0), 1.3, size=n))
        * np.asarray(_CATEGORY_EFFECT)[category]
        * store_effect[store]
    )
    # seasonality, shared trend
    profile = rng.normal(0.0, 0.3, size=m) if m > 1 else np.zeros(1)
    profile -= profile.mean()
    amplitude = rng.uniform(0.5, 1.5, size=n)
    trend = np.exp(_TREND_GROWTH * steps / (n_total - 1))
    # covariates: promotion (binary) and price around a per-series base price
    # every series is on promotion on the same number of (random) periods
    n_promo = max(1, round(_PROMO_RATE * n_total))
    promo_rank = rng.random((n, n_total)).argsort(axis=1).argsort(axis=1)
    promo = (promo_rank < n_promo).astype(float)
    base_price = np.round(np.exp(rng.normal(1.5, 0.6, size=n)), 2)
    price = np.round(
        base_price[:, None] * np.exp(rng.normal(0.0, 0.05, (n, n_total))), 2
    )
    mean = (
        level[:, None]
        * trend[None, :]
        * np.exp(amplitude[:, None] * profile[steps % m][None, :])
        * _PROMO_EFFECT**promo
        * (price / base_price[:, None]) ** (-_PRICE_ELASTICITY)
    )
    values = rng.negative_binomial(_DISPERSION, _DISPERSION / (_DISPERSION + mean))
    values = values.astype(float)
    # ragged starts and missing values
    late = rng.random(n) < _LATE_START_SHARE
    start = np.where(late, rng.integers(1, n_periods // 2 + 1, size=n), 0)
    nan_mask = rng.random((n, n_total)) < missing_rate

    observed = (steps[None, :] >= start[:, None]).ravel()
    in_train = np.broadcast_to(steps < n_periods, (n, n_total)).ravel()
    width = len(str(n - 1))
    ids = np.char.add("s", np.char.zfill(np.arange(n).astype(str), width))
    full_index = pd.MultiIndex.from_product([ids, periods], names=["series_id", "time"])
    flat = values.ravel()
    y_values = np.where(nan_mask.ravel(), np.nan, flat)

    train_rows = observed & in_train
    future_rows = observed & ~in_train
    y = pd.DataFrame({"y": y_values[train_rows]}, index=full_index[train_rows])
    y_future = pd.DataFrame({"y": flat[future_rows]}, index=full_index[future_rows])
    X = pd.DataFrame(
        {"promo": promo.ravel()[observed], "price": price.ravel()[observed]},
        index=full_index[observed],
    )
    sid = pd.Index(ids, name="series_id")
    store_labels = [f"store_{k}" for k in range(n_stores)]
    static = pd.DataFrame(
        {
            "store": pd.Categorical.from_codes(store, categories=store_labels),
            "category": pd.Categorical.from_codes(category, categories=_CATEGORIES),
        },
        index=sid,
    )
    truth = {
        "level": pd.Series(level, index=sid, name="level"),
        "seasonal_amplitude": pd.Series(amplitude, index=sid, name="amplitude"),
        "base_price": pd.Series(base_price, index=sid, name="base_price"),
        "start": pd.Series(periods[start], index=sid, name="start"),
        "store_effect": pd.Series(store_effect, index=pd.Index(store_labels)),
        "category_effect": dict(zip(_CATEGORIES, _CATEGORY_EFFECT)),
        "seasonal_profile": profile,
        "seasonal_period": m,
        "trend": pd.Series(trend, index=periods, name="trend"),
        "promo_effect": _PROMO_EFFECT,
        "price_elasticity": _PRICE_ELASTICITY,
        "dispersion": _DISPERSION,
        "mean": pd.Series(mean.ravel()[observed], index=X.index, name="mean"),
    }
    return Bunch(
        y=y,
        X=X,
        static=static,
        y_future=y_future,
        horizon=int(horizon),
        freq=periods.freqstr,
        seasonal_period=m,
        truth=truth,
    )

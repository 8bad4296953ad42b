"""The seasonality test Theta uses to decide whether to deseasonalise."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.stattools import acf

from skforecast_ntm.model_selection import ThetaForecaster, is_seasonal


def _reference(v, sp):
    # statsmodels' ACF and the limit written out by hand (Bartlett, 90%)
    r = acf(v, nlags=sp, fft=False)[1:]
    limit = 1.645 * np.sqrt((1 + 2 * np.sum(r[:-1] ** 2)) / len(v))
    return abs(r[-1]) > limit


@pytest.mark.parametrize("seed", range(20))
def test_agrees_with_statsmodels_acf_and_the_bartlett_limit(seed):
    rng = np.random.default_rng(seed)
    t = np.arange(72)
    # a range of seasonal strengths, around the threshold
    v = 50 + 0.2 * t + (seed / 10) * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 72)
    assert is_seasonal(v, 12) == _reference(v, 12)


def test_short_or_non_seasonal_histories():
    t = np.arange(72)
    seasonal = 10 + np.sin(2 * np.pi * t / 12)
    assert is_seasonal(seasonal, 12)
    assert not is_seasonal(seasonal[:35], 12)  # under three seasons
    assert not is_seasonal(seasonal, 1)
    assert not is_seasonal(np.full(48, 3.0), 12)  # constant: no autocorrelation


def test_theta_leaves_a_non_seasonal_series_unadjusted():
    # a positive random walk with no seasonality: the test says no, so the
    # forecast is the non-seasonal Theta (sktime with sp=1), not a seasonal one
    rng = np.random.default_rng(3)
    v = 100 + np.cumsum(rng.normal(0, 1, 60))
    assert not is_seasonal(v, 12)
    from sktime.forecasting.theta import ThetaForecaster as SktimeTheta

    y = pd.Series(v, index=pd.period_range("2000-01", periods=60, freq="M"))
    ours = ThetaForecaster(sp=12).fit(y).predict(fh=np.arange(1, 13))
    ref = SktimeTheta(sp=1, deseasonalize=False).fit(pd.Series(v)).predict(
        fh=np.arange(1, 13))
    np.testing.assert_allclose(ours.to_numpy().ravel(), ref.to_numpy().ravel(),
                               rtol=1e-6)
    seasonal_ref = SktimeTheta(sp=12, deseasonalize=True).fit(pd.Series(v)).predict(
        fh=np.arange(1, 13))
    assert not np.allclose(ours.to_numpy().ravel(), seasonal_ref.to_numpy().ravel())

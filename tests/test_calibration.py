"""Conformal calibration: too-narrow intervals widened, right ones kept."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sktime.forecasting.base import BaseForecaster
from sktime.forecasting.naive import NaiveForecaster

from skforecast_ntm.model_selection import CalibratedForecaster, ConformalCalibrator


class _Gaussian(BaseForecaster):
    """Per-series N(mean, (width * sd)^2) from the history: width < 1 is too
    narrow, width = 1 is right for iid Gaussian data."""

    _tags = {"y_inner_mtype": ["pd-multiindex", "pd.DataFrame"],
             "capability:pred_int": True, "requires-fh-in-fit": False,
             "capability:exogenous": False}

    def __init__(self, width=1.0):
        self.width = width
        super().__init__()

    def _fit(self, y, X=None, fh=None):
        g = y.iloc[:, 0].groupby(level=0)
        self.mu_, self.sd_ = g.mean(), g.std()
        self.var_ = y.columns[0]
        return self

    def _predict_quantiles(self, fh, X, alpha):
        times = fh.to_absolute_index(self.cutoff)
        idx = pd.MultiIndex.from_product([self.mu_.index, times])
        mu = np.repeat(self.mu_.to_numpy(), len(times))[:, None]
        sd = np.repeat(self.sd_.to_numpy(), len(times))[:, None]
        vals = mu + self.width * sd * norm.ppf(alpha)[None, :]
        return pd.DataFrame(vals, index=idx,
                            columns=pd.MultiIndex.from_product([[self.var_], alpha]))

    def _predict(self, fh, X=None):
        q = self._predict_quantiles(fh, X, [0.5])
        return pd.DataFrame(q.to_numpy(), index=q.index, columns=[self.var_])


def _iid_panel(n_series=40, n_periods=100, seed=0):
    rng = np.random.default_rng(seed)
    level = np.exp(rng.normal(3, 1, n_series))  # scales over orders of magnitude
    sd = level * rng.uniform(0.05, 0.3, n_series)
    vals = level[:, None] + sd[:, None] * rng.standard_normal((n_series, n_periods))
    idx = pd.MultiIndex.from_product(
        [[f"s{i:02d}" for i in range(n_series)],
         pd.period_range("2000-01", periods=n_periods, freq="M")])
    return pd.DataFrame({"y": vals.ravel()}, index=idx)


def _coverage(f, y_train, y_test, h):
    iv = f.predict_interval(fh=np.arange(1, h + 1), coverage=0.8)
    truth = y_test["y"].reindex(iv.index).to_numpy()
    lo, hi = iv.iloc[:, 0].to_numpy(), iv.iloc[:, 1].to_numpy()
    return float(np.mean((truth >= lo) & (truth <= hi))), hi - lo


def _split(y, h):
    t = y.index.get_level_values(1)
    cut = t.unique().sort_values()[-h - 1]
    return y[t <= cut], y[t > cut]


def test_too_narrow_intervals_reach_nominal_coverage_on_held_out_data():
    y = _iid_panel()
    h = 6
    train, test = _split(y, h)
    base = _Gaussian(width=0.5).fit(train)
    before, _ = _coverage(base, train, test, h)
    cal = CalibratedForecaster(_Gaussian(width=0.5), windows=3).fit(
        train, fh=range(1, h + 1))
    after, _ = _coverage(cal, train, test, h)
    # independent reference: +-0.5 * z_0.9 sd covers 2 * Phi(0.64) - 1 = 0.48
    assert before == pytest.approx(2 * norm.cdf(0.5 * norm.ppf(0.9)) - 1, abs=0.07)
    assert after == pytest.approx(0.8, abs=0.06)
    # the learnt factors are about 1 / width at every step
    f = cal.calibrator_.factors_for([0.1, 0.9], np.arange(1, h + 1))
    assert np.all(np.abs(f - 2.0) < 0.35)


def test_well_calibrated_intervals_barely_change():
    y = _iid_panel(seed=1)
    h = 6
    train, test = _split(y, h)
    base = _Gaussian(width=1.0).fit(train)
    cal = CalibratedForecaster(_Gaussian(width=1.0), windows=3).fit(
        train, fh=range(1, h + 1))
    _, width_base = _coverage(base, train, test, h)
    cov, width_cal = _coverage(cal, train, test, h)
    assert np.median(width_cal / width_base) == pytest.approx(1.0, abs=0.12)
    assert cov == pytest.approx(0.8, abs=0.07)
    # the median (point forecast) is never moved
    pd.testing.assert_frame_equal(cal.predict(fh=[1, 2]), base.predict(fh=[1, 2]))


def test_conformal_factor_is_the_ceil_n_plus_1_q_order_statistic():
    n = 99
    r = np.random.default_rng(0).permutation(np.arange(1.0, n + 1))  # 1..99
    y = r.reshape(1, n, 1)  # median 0, upper quantile distance 1 -> r = y
    q = np.zeros((1, n, 1, 2))
    q[..., 1] = 1.0
    cal = ConformalCalibrator(min_samples=10, max_factor=1e3).fit(
        y, q, [0.5, 0.9], np.ones(n))
    assert cal.factors_[0, 0] == 90.0  # ceil(100 * 0.9) = 90th smallest
    # transform: distance to the median times the factor, median untouched
    out = cal.transform(np.array([[5.0, 7.0]]), [0.5, 0.9], [1], [1.0], [5.0])
    np.testing.assert_allclose(out, [[5.0, 5.0 + 90.0 * 2.0]])


def test_interpolated_levels_and_steps_past_the_horizon():
    cal = ConformalCalibrator()
    cal.levels_ = np.array([0.1, 0.2, 0.8, 0.9])
    cal.factors_ = np.array([[1.0, 2.0, 3.0, 4.0], [1.5, 2.5, 3.5, 4.5]])
    f = cal.factors_for([0.15, 0.5, 0.85, 0.95, 0.05], [1, 2, 7])
    np.testing.assert_allclose(f[0], [1.5, 1.0, 3.5, 4.0, 1.0])
    np.testing.assert_allclose(f[2], f[1])  # step 7 uses the last step (2)


def test_short_history_warns_and_leaves_quantiles_unchanged():
    t = pd.period_range("2000-01", periods=8, freq="M")
    y = pd.Series(np.arange(8.0), index=t)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        cal = CalibratedForecaster(NaiveForecaster(), windows=2).fit(y, fh=[1, 2, 3, 4])
    assert any("too short" in str(w.message) for w in rec)
    base = NaiveForecaster().fit(y, fh=[1, 2, 3, 4])
    np.testing.assert_allclose(cal.predict_quantiles(alpha=[0.1, 0.9]).to_numpy(),
                               base.predict_quantiles(alpha=[0.1, 0.9]).to_numpy())


def test_bad_levels():
    y = _iid_panel(n_series=2, n_periods=30)
    with pytest.raises(ValueError, match="between 0 and 1"):
        CalibratedForecaster(NaiveForecaster(), levels=[0.1, 1.2]).fit(y, fh=[1])


def test_too_wide_intervals_are_narrowed_only_on_request():
    y = _iid_panel(seed=2)
    h = 6
    train, test = _split(y, h)
    base = _Gaussian(width=2.0).fit(train)
    before, width_base = _coverage(base, train, test, h)
    kept = CalibratedForecaster(_Gaussian(width=2.0), windows=3).fit(
        train, fh=range(1, h + 1))
    _, width_kept = _coverage(kept, train, test, h)
    np.testing.assert_allclose(width_kept, width_base)  # never narrowed by default
    narrowed = CalibratedForecaster(_Gaussian(width=2.0), windows=3,
                                    allow_narrowing=True).fit(train, fh=range(1, h + 1))
    after, width_after = _coverage(narrowed, train, test, h)
    assert before > 0.95
    assert after == pytest.approx(0.8, abs=0.06)
    assert np.median(width_after / width_base) == pytest.approx(0.5, abs=0.08)

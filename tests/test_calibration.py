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
    y = _iid_panel(n_series=150)
    h = 6
    train, test = _split(y, h)
    base = _Gaussian(width=0.5).fit(train)
    before, _ = _coverage(base, train, test, h)
    # independent reference: +-0.5 * z_0.9 sd covers 2 * Phi(0.64) - 1 = 0.48
    assert before == pytest.approx(2 * norm.cdf(0.5 * norm.ppf(0.9)) - 1, abs=0.07)
    # the wQL-optimal factor itself (tolerance=None) is about 1 / width at
    # every step and brings the interval to nominal coverage
    point = CalibratedForecaster(_Gaussian(width=0.5), windows=3, tolerance=None
                                 ).fit(train, fh=range(1, h + 1))
    after, _ = _coverage(point, train, test, h)
    assert after == pytest.approx(0.8, abs=0.06)
    f = point.calibrator_.factors_for([0.1, 0.9], np.arange(1, h + 1))
    assert np.all(np.abs(f - 2.0) < 0.35)
    # the default takes the end of its confidence interval nearest 1: most
    # of the way (the scales spread over orders of magnitude, so wQL's
    # weights leave ~1/3 of the 450 series x windows effective), never past
    cal = CalibratedForecaster(_Gaussian(width=0.5), windows=3).fit(
        train, fh=range(1, h + 1))
    after, _ = _coverage(cal, train, test, h)
    fd = cal.calibrator_.factors_for([0.1, 0.9], np.arange(1, h + 1))
    assert 0.68 <= after <= 0.84
    assert np.all((fd >= 1.5) & (fd <= f + 1e-12))


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
    cal = ConformalCalibrator(min_samples=10, max_factor=1e3, method="coverage").fit(
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
    with pytest.raises(ValueError, match="method must be 'pinball' or 'coverage'"):
        CalibratedForecaster(NaiveForecaster(), windows=1, method="cqr").fit(
            y, fh=[1])


def test_too_wide_intervals_are_narrowed_only_on_request():
    y = _iid_panel(n_series=150, seed=2)
    h = 6
    train, test = _split(y, h)
    base = _Gaussian(width=2.0).fit(train)
    before, width_base = _coverage(base, train, test, h)
    kept = CalibratedForecaster(_Gaussian(width=2.0), windows=3).fit(
        train, fh=range(1, h + 1))
    _, width_kept = _coverage(kept, train, test, h)
    np.testing.assert_allclose(width_kept, width_base)  # never narrowed by default
    assert before > 0.95
    point = CalibratedForecaster(_Gaussian(width=2.0), windows=3, tolerance=None,
                                 allow_narrowing=True).fit(train, fh=range(1, h + 1))
    after, width_after = _coverage(point, train, test, h)
    assert after == pytest.approx(0.8, abs=0.06)
    assert np.median(width_after / width_base) == pytest.approx(0.5, abs=0.08)
    # the default tolerance narrows too, less far (the end of the confidence
    # interval nearest 1)
    narrowed = CalibratedForecaster(_Gaussian(width=2.0), windows=3,
                                    allow_narrowing=True).fit(train, fh=range(1, h + 1))
    cov, width_n = _coverage(narrowed, train, test, h)
    ratio = np.median(width_n / width_base)
    assert 0.8 <= cov <= 0.94
    assert np.median(width_after / width_base) <= ratio < 0.8


def _pinball(y, q, level):
    e = y - q
    return np.maximum(level * e, (level - 1.0) * e)


def test_pinball_factor_minimises_the_weighted_loss_of_the_pair():
    # hand-made backtest: 2 windows x 50 series x 1 step, median 0, quantile
    # distances varying per point; the factor must minimise the pair's wQL
    # sum_w sum_i rho(y - lambda Q) / sum_i |y|, found here by a grid search
    rng = np.random.default_rng(3)
    y = rng.standard_t(4, size=(2, 50, 1)) * 3.0 + 0.5
    d_hi = rng.uniform(0.5, 2.0, size=y.shape)
    d_lo = rng.uniform(0.5, 2.0, size=y.shape)
    q = np.stack([-d_lo, np.zeros_like(y), d_hi], axis=-1)
    cal = ConformalCalibrator(tolerance=None, min_samples=10, max_factor=50).fit(
        y, q, [0.1, 0.5, 0.9], np.ones(50))
    grid = np.linspace(0.5, 6.0, 5501)
    den = np.abs(y).sum(axis=(1, 2))[:, None, None, None]
    loss = ((_pinball(y[..., None], -grid * d_lo[..., None], 0.1)
             + _pinball(y[..., None], grid * d_hi[..., None], 0.9)) / den
            ).sum(axis=(0, 1, 2))
    best = grid[np.argmin(loss)]
    assert best > 1.3  # the case needs widening
    np.testing.assert_allclose(cal.factors_[0], [best, best], atol=0.02)
    lam = cal.factors_[0, 0]
    at = ((_pinball(y, -lam * d_lo, 0.1) + _pinball(y, lam * d_hi, 0.9))
          / den[..., 0]).sum()
    assert at <= loss.min() + 1e-9


def _backtest_wql(bt, factors):
    """Mean wQL over 0.1/0.5/0.9 of the backtest quantiles scaled by
    ``factors`` (per step) around the median: panel sums, as in the report."""
    lv = list(bt.levels)
    y = bt.actual
    med = bt.quantile_forecasts[..., lv.index(0.5)]
    ok = np.isfinite(y)
    out = []
    for k, level in enumerate([0.1, 0.5, 0.9]):
        qf = bt.quantile_forecasts[..., lv.index(level)]
        qf = med + factors[None, None, :, k] * (qf - med)
        out.append(2 * _pinball(y, qf, level)[ok].sum() / np.abs(y[ok]).sum())
    return float(np.mean(out))


@pytest.mark.parametrize("width", [1.0, 1.2])
def test_calibration_does_not_increase_backtest_wql_of_right_or_wide_models(width):
    y = _iid_panel(n_series=60, seed=4)
    h = 6
    train, _ = _split(y, h)
    for tolerance in (2.0, None):
        cal = CalibratedForecaster(_Gaussian(width=width), windows=3,
                                   tolerance=tolerance).fit(train, fh=range(1, h + 1))
        bt = cal.backtest_
        f = cal.calibrator_.factors_for([0.1, 0.5, 0.9], np.arange(1, h + 1))
        raw = _backtest_wql(bt, np.ones_like(f))
        # the factors minimise the backtest wQL (tolerance=None) or sit between
        # that minimiser and 1 (convex loss): never above the raw loss
        assert _backtest_wql(bt, f) <= raw + 1e-12
    # by default a right or too-wide model is left as forecast
    assert np.all(f >= 1.0)
    cal = CalibratedForecaster(_Gaussian(width=width), windows=3).fit(
        train, fh=range(1, h + 1))
    np.testing.assert_array_equal(
        cal.calibrator_.factors_for([0.1, 0.9], np.arange(1, h + 1)), 1.0)

"""AutoForecaster's per-segment calibration (``segments`` + ``calibrate``): a
segment whose intervals are too narrow is widened without widening a segment
whose intervals were right; without segments the calibration is pooled, as
``CalibratedForecaster``'s with the same rule."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from skforecast_ntm import ABCXYZSegmenter, abc_xyz_segments
from skforecast_ntm.model_selection import (
    AutoForecaster,
    CalibratedForecaster,
    SeasonalNaiveForecaster,
)

H = 6
FH = range(1, H + 1)
N_PER_GROUP = 40
T_TRAIN = 96
JUMP = 60  # the "narrow" series' noise sd goes from 1 to HI_SD here
HI_SD = 3.0


def _panel(seed=0):
    """Monthly panel, a sine season plus Gaussian noise: 40 series "n..."
    whose noise sd jumps from 1 to 3 at period 60 (their seasonal-naive
    intervals, from all past seasonal differences, are too narrow) and 40
    series "r..." of constant sd 1 (intervals right). Returns the training
    panel (96 periods), the next 6 periods, and the group of each series."""
    rng = np.random.default_rng(seed)
    n, T = 2 * N_PER_GROUP, T_TRAIN + H
    sd = np.ones((n, T))
    sd[:N_PER_GROUP, JUMP:] = HI_SD
    vals = (100 + 10 * np.sin(np.arange(T) * np.pi / 6)
            + sd * rng.standard_normal((n, T)))
    ids = ([f"n{i:03d}" for i in range(N_PER_GROUP)]
           + [f"r{i:03d}" for i in range(N_PER_GROUP)])
    times = pd.period_range("2000-01", periods=T, freq="M")
    y = pd.DataFrame({"y": vals.ravel()},
                     index=pd.MultiIndex.from_product([ids, times]))
    train = y[y.index.get_level_values(1) <= times[T_TRAIN - 1]]
    test = y[y.index.get_level_values(1) > times[T_TRAIN - 1]]
    groups = pd.Series(np.where(pd.Index(ids).str.startswith("n"), "narrow",
                                "right"), index=ids)
    return train, test, groups


def _mixture_q90(n_periods):
    """0.9 quantile of the seasonal differences y_t - y_{t-12} of a "narrow"
    series up to period ``n_periods`` (a Gaussian mixture: variance 2 before
    the jump, 1 + 9 across it, 18 after)."""
    parts = [(JUMP - 12, 2.0), (12, 1.0 + HI_SD ** 2),
             (n_periods - JUMP - 12, 2 * HI_SD ** 2)]
    tot = sum(w for w, _ in parts)
    return brentq(lambda x: sum(w * norm.cdf(x / np.sqrt(v)) for w, v in parts)
                  / tot - 0.9, 0.0, 50.0)


def _fit(train, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return AutoForecaster(candidates=["seasonal_naive"], windows=3,
                              **kw).fit(train, fh=FH)


def _coverage_and_width(f, test):
    """Held-out coverage and mean width of the P10-P90 interval, narrow then
    right series."""
    q = f.predict_quantiles(alpha=[0.1, 0.9])
    lo, hi = q.iloc[:, 0].to_numpy(), q.iloc[:, 1].to_numpy()
    truth = test["y"].reindex(q.index).to_numpy()
    inside = (truth >= lo) & (truth <= hi)
    narrow = q.index.get_level_values(0).str.startswith("n")
    return {"cov": (inside[narrow].mean(), inside[~narrow].mean()),
            "width": ((hi - lo)[narrow].mean(), (hi - lo)[~narrow].mean())}


def _f90(cal, group=None):
    if group is None:
        return cal.factors_[:, list(cal.levels_).index(0.9)]
    tab = cal.group_factors_
    return tab[(tab["group"] == group) & np.isclose(tab["level"], 0.9)
               ].sort_values("step")["factor"].to_numpy()


@pytest.fixture(scope="module")
def two_groups():
    train, test, groups = _panel()
    fits = {"raw": _fit(train, calibrate=False), "pooled": _fit(train),
            "segment": _fit(train, segments=groups)}
    return train, test, groups, fits


def test_segment_calibration_widens_only_the_narrow_segment(two_groups):
    _, test, groups, fits = two_groups
    raw, pooled, seg = (_coverage_and_width(fits[k], test)
                        for k in ("raw", "pooled", "segment"))
    # the construction: raw 80% coverage of the narrow series as theory says,
    # 2 Phi(q_mix / sqrt(18)) - 1 = 0.53 (q_mix from 84 seasonal differences)
    theory = 2 * norm.cdf(_mixture_q90(T_TRAIN) / np.sqrt(2 * HI_SD ** 2)) - 1
    assert abs(raw["cov"][0] - theory) < 0.08
    assert abs(raw["cov"][1] - 0.8) < 0.08
    # per segment: the narrow segment widens, the right one stays as forecast
    assert seg["width"][0] > 1.3 * raw["width"][0]
    assert seg["cov"][0] > raw["cov"][0] + 0.15
    assert seg["width"][1] == pytest.approx(raw["width"][1], rel=1e-12)
    assert seg["cov"][1] == raw["cov"][1]
    # pooled: both widen, the right series past nominal, the narrow ones less
    assert pooled["width"][1] > 1.15 * raw["width"][1]
    assert pooled["cov"][1] > 0.85
    assert raw["width"][0] < pooled["width"][0] < seg["width"][0]
    assert seg["cov"][0] > pooled["cov"][0]


def test_segment_factors_vs_the_needed_widening(two_groups):
    train, _, groups, fits = two_groups
    cal = fits["segment"].calibrator_
    assert list(cal.group_labels_) == ["narrow", "right"]
    pd.testing.assert_series_equal(fits["segment"].segments_,
                                   groups.rename("segment"), check_names=False)
    # the factor that would make the backtest windows' 0.9 quantile right:
    # sqrt(18) z_0.9 / q_mix at the three cutoffs (periods 78, 84, 90)
    need = [np.sqrt(2 * HI_SD ** 2) * norm.ppf(0.9) / _mixture_q90(c)
            for c in (78, 84, 90)]
    narrow = _f90(cal, "narrow")
    assert np.all(narrow > 1.25) and np.all(narrow <= 1.15 * max(need))
    np.testing.assert_array_equal(_f90(cal, "right"), 1.0)
    # the pooled factors are the pooled fit's (groups never change them),
    # between the two segments'
    np.testing.assert_array_equal(cal.factors_, fits["pooled"].calibrator_.factors_)
    assert 1.0 < _f90(cal).mean() < narrow.mean()


def test_leaderboard_calibrated_row_uses_the_segment_factors(two_groups):
    _, _, _, fits = two_groups
    f = fits["segment"]
    bt = f.backtests_["seasonal_naive"]
    lv = list(bt.levels)
    Q = bt.quantile_forecasts  # (windows, series, steps, levels)
    med = Q[..., lv.index(0.5)][..., None]
    tab = f.calibrator_.group_factors_
    lab = f.segments_.reindex(bt.series_ids).to_numpy()
    # each series' segment factor per step and level (1 at the median)
    fac = np.ones(Q.shape[1:])
    for j, q in enumerate(lv):
        if q != 0.5:
            t = tab[np.isclose(tab["level"], q)].pivot(index="group", columns="step",
                                                       values="factor")
            fac[..., j] = t.loc[lab].to_numpy()
    cal = np.sort(med + fac[None] * (Q - med), axis=-1)  # quantiles never cross
    lo_c, hi_c = cal[..., lv.index(0.1)], cal[..., lv.index(0.9)]
    ok = ~np.isnan(bt.actual)
    inside = (bt.actual >= lo_c) & (bt.actual <= hi_c)
    expected = np.mean([inside[k][ok[k]].mean() for k in range(bt.windows)])
    lb = f.leaderboard_.set_index("model")
    assert lb.loc["ensemble (calibrated)", "coverage"] == pytest.approx(expected)
    pooled = fits["pooled"].leaderboard_.set_index("model")
    assert lb.loc["ensemble (calibrated)", "coverage"] != pytest.approx(
        pooled.loc["ensemble (calibrated)", "coverage"])
    assert lb.loc["ensemble", "coverage"] == pooled.loc["ensemble", "coverage"]


def test_without_segments_the_calibration_is_calibrated_forecasters(two_groups):
    train, _, _, fits = two_groups
    f = fits["pooled"]
    assert f.segments_ is None and f.calibrator_.group_factors_ is None
    # the same backtest windows and rule (the default: coverage, narrowing
    # allowed) through CalibratedForecaster (pooled): one candidate, so the
    # ensemble is that candidate
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = CalibratedForecaster(SeasonalNaiveForecaster(sp=12), windows=3,
                                   method="coverage", allow_narrowing=True
                                   ).fit(train, fh=FH)
    alpha = [0.05, 0.1, 0.5, 0.9, 0.95]
    np.testing.assert_array_equal(f.calibrator_.factors_, ref.calibrator_.factors_)
    np.testing.assert_allclose(f.predict_quantiles(alpha=alpha).to_numpy(),
                               ref.predict_quantiles(alpha=alpha).to_numpy(),
                               rtol=0, atol=1e-12)
    # one segment holding every series: its factors are the pooled ones
    ids = train.index.get_level_values(0).unique()
    one = _fit(train, segments=pd.Series("x", index=ids))
    np.testing.assert_array_equal(one.predict_quantiles(alpha=alpha).to_numpy(),
                                  f.predict_quantiles(alpha=alpha).to_numpy())
    pd.testing.assert_frame_equal(one.leaderboard_.drop(columns="backtest_seconds"),
                                  f.leaderboard_.drop(columns="backtest_seconds"))


def _abc_panel():
    """Series of very different volume and regularity (several ABC-XYZ
    segments)."""
    rng = np.random.default_rng(3)
    t = pd.period_range("2000-01", periods=60, freq="M")
    means = np.array([200.0, 150.0, 20.0, 15.0, 2.0, 1.0])
    shape = np.array([50.0, 1.0, 50.0, 1.0, 50.0, 1.0])  # steady / erratic
    vals = rng.gamma(shape[:, None], (means / shape)[:, None], (6, 60))
    ids = [f"s{i}" for i in range(6)]
    return pd.DataFrame({"y": vals.ravel()},
                        index=pd.MultiIndex.from_product([ids, t]))


@pytest.mark.parametrize("how", ["abc_xyz", "segmenter", "table", "dict"])
def test_abc_xyz_segments(how):
    y = _abc_panel()
    expected = abc_xyz_segments(y)["segment"]
    segments = {"abc_xyz": "abc_xyz", "segmenter": ABCXYZSegmenter(),
                "table": abc_xyz_segments(y), "dict": expected.to_dict()}[how]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = AutoForecaster(candidates=["seasonal_naive"], per="segment",
                           segments=segments, windows=2).fit(y, fh=[1, 2, 3])
    assert f.segments_.to_dict() == expected.to_dict()
    assert expected.nunique() >= 3
    assert list(f.weights_.index) == sorted(expected.unique())
    assert list(f.calibrator_.group_labels_) == sorted(expected.unique())
    seg_table = f.backtests_["seasonal_naive"].metrics_per_segment
    assert set(seg_table["segment"]) == set(expected)
    assert f.predict_quantiles(alpha=[0.1, 0.9]).shape == (18, 2)


def test_single_series_is_one_segment():
    y = _abc_panel().loc["s0"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = AutoForecaster(candidates=["seasonal_naive"], per="segment",
                           segments="abc_xyz", windows=2).fit(y, fh=[1, 2])
        g = AutoForecaster(candidates=["seasonal_naive"], windows=2
                           ).fit(y, fh=[1, 2])
    assert f.segments_ is None
    assert list(f.weights_.index) == ["all"]
    np.testing.assert_array_equal(f.predict_quantiles(alpha=[0.1, 0.9]).to_numpy(),
                                  g.predict_quantiles(alpha=[0.1, 0.9]).to_numpy())


@pytest.mark.parametrize("segments, error, match", [
    (3, TypeError, "segments must be None, 'abc_xyz'"),
    (["A", "B"], TypeError, "segments must be None"),
    ("abcxyz", ValueError, "segments='abcxyz' is not understood"),
    (pd.Series({"s0": "A", "s1": "B"}), ValueError,
     "segments has no label for series"),
    (pd.Series({"zz": "A"}), ValueError, "segments names none of the series"),
])
def test_bad_segments(segments, error, match):
    y = _abc_panel()
    with pytest.raises(error, match=match):
        AutoForecaster(candidates=["seasonal_naive"], segments=segments
                       ).fit(y, fh=[1, 2])

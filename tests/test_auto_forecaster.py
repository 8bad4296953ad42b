"""AutoForecaster: greedy ensemble weights, selection granularity, predictions."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, make_panel
from sktime.forecasting.naive import NaiveForecaster

from skforecast_ntm.model_selection import (
    AutoForecaster,
    SeasonalNaiveForecaster,
    greedy_ensemble_weights,
)


def test_greedy_weights_find_the_mixture_by_hand():
    y = np.ones((1, 1, 5))
    low, high = np.zeros((1, 1, 5, 1)), np.full((1, 1, 5, 1), 2.0)
    worse = np.full((1, 1, 5, 1), 5.0)
    # the average of low and high is exact; picks alternate between them
    w = greedy_ensemble_weights(y, np.stack([low, high, worse]), [0.5], size=10)
    np.testing.assert_allclose(w, [[0.5, 0.5, 0.0]])
    # size 1: the single best (low and high tie: the first)
    w1 = greedy_ensemble_weights(y, np.stack([worse, high]), [0.5], size=1)
    np.testing.assert_allclose(w1, [[0.0, 1.0]])


def test_greedy_weights_per_group_and_never_worse_than_the_best_single():
    rng = np.random.default_rng(0)
    y = rng.normal(10, 1, size=(2, 6, 4))
    a = y[..., None] + rng.normal(0, 0.1, y.shape)[..., None]  # right on 0..2
    b = y[..., None] + 3.0
    a[:, 3:] += 3.0  # a is wrong on series 3..5, b wrong everywhere else
    b[:, 3:] = y[:, 3:, :, None]
    F = np.stack([a, b])
    groups = np.array([0, 0, 0, 1, 1, 1])
    w = greedy_ensemble_weights(y, F, [0.5], groups, size=20)
    assert w[0, 0] > 0.9 and w[1, 1] > 0.9
    wg = greedy_ensemble_weights(y, F, [0.5], None, size=20)[0]

    def loss(f):
        return np.abs(y - f[..., 0]).sum()

    assert loss(wg[0] * a + wg[1] * b) <= min(loss(a), loss(b)) + 1e-9


@pytest.fixture(scope="module")
def fitted():
    y = make_panel(n_series=3, n_periods=50)
    f = AutoForecaster(candidates=["seasonal_naive", "ets", "theta"], windows=2,
                       random_state=0)
    return y, f.fit(y, fh=np.arange(1, 7))


def test_auto_forecaster_predicts_every_series_with_ordered_quantiles(fitted):
    y, f = fitted
    q = f.predict_quantiles(alpha=[0.1, 0.5, 0.9])
    assert q.shape == (3 * 6, 3)
    assert list(q.index.get_level_values(0).unique()) == ["s00", "s01", "s02"]
    v = q.to_numpy()
    assert np.isfinite(v).all() and (np.diff(v, axis=1) >= 0).all()
    point = f.predict()
    np.testing.assert_allclose(point.to_numpy()[:, 0], v[:, 1])
    iv = f.predict_interval(coverage=0.8)
    np.testing.assert_allclose(iv.to_numpy(), v[:, [0, 2]])
    assert np.isclose(f.weights_.to_numpy().sum(), 1.0)


def test_ensemble_combines_the_refitted_candidates_with_its_weights(fitted):
    y, f = fitted
    raw = AutoForecaster(candidates=["seasonal_naive", "theta"], windows=2,
                         calibrate=False).fit(y, fh=np.arange(1, 7))
    q = raw.predict_quantiles(alpha=[0.5])
    expected = 0
    for name, weight in raw.weights_.iloc[0].items():
        if weight > 0:
            expected = expected + weight * raw.forecasters_[name].predict_quantiles(
                alpha=[0.5]).to_numpy()
    np.testing.assert_allclose(q.to_numpy(), expected)


def test_reports(fitted):
    _, f = fitted
    lb = f.leaderboard_.set_index("model")
    assert {"seasonal_naive", "ets", "theta", "ensemble",
            "ensemble (calibrated)"} == set(lb.index)
    rep = f.selection_report_
    assert rep.loc["all", "n_series"] == 3
    assert rep.loc["all", "mean_wQL[ensemble]"] <= min(
        rep.loc["all", f"mean_wQL[{n}]"] for n in ["seasonal_naive", "ets", "theta"]
    ) + 1e-12
    assert set(f.backtests_) == {"seasonal_naive", "ets", "theta"}


def test_best_per_series_and_per_segment():
    y = make_panel(n_series=4, n_periods=60)
    seg = pd.Series(["A", "A", "B", "B"], index=["s00", "s01", "s02", "s03"])
    cands = [("naive", NaiveForecaster(strategy="last")),
             ("snaive", SeasonalNaiveForecaster(sp=12))]
    per_series = AutoForecaster(candidates=cands, selection="best", per="series",
                                metric="MASE", calibrate=False).fit(y, fh=[1, 2, 3])
    w = per_series.weights_
    assert list(w.index) == ["s00", "s01", "s02", "s03"]
    assert set(np.unique(w.to_numpy())) <= {0.0, 1.0}
    # per series, the choice is the candidate with the lower backtest MASE
    for sid in w.index:
        scores = {n: r.metrics_per_series.set_index("id").loc[sid, "MASE"]
                  for n, r in per_series.backtests_.items()}
        assert w.loc[sid].idxmax() == min(scores, key=scores.get)
    per_seg = AutoForecaster(candidates=cands, per="segment", segments=seg,
                             calibrate=False).fit(y, fh=[1, 2, 3])
    assert list(per_seg.weights_.index) == ["A", "B"]
    assert per_seg.selection_report_["n_series"].tolist() == [2, 2]
    assert per_seg.predict_quantiles(alpha=[0.1, 0.9]).shape == (12, 2)


def test_deepar_candidate_on_a_panel_and_single_series():
    y = make_panel(n_series=3, n_periods=48)
    f = AutoForecaster(candidates=["seasonal_naive", "deepar"], windows=1,
                       deepar_params=dict(TINY, max_epochs=1, batches_per_epoch=2)
                       ).fit(y, fh=[1, 2, 3])
    assert "deepar" in f.leaderboard_["model"].tolist()
    assert f.predict_quantiles(alpha=[0.1, 0.9]).shape == (9, 2)
    single = y.loc["s00"]
    g = AutoForecaster(candidates=["seasonal_naive", "theta"]).fit(single, fh=[1, 2])
    assert g.predict().shape == (2, 1)


@pytest.mark.parametrize("kwargs, match", [
    (dict(candidates=["prophet"]), "Unknown candidate"),
    (dict(per="segment"), "needs segments"),
    (dict(selection="vote"), "selection"),
    (dict(quantiles=(0.1, 1.5)), "between 0 and 1"),
])
def test_bad_settings(kwargs, match):
    y = make_panel(n_series=2, n_periods=40)
    with pytest.raises(ValueError, match=match):
        AutoForecaster(**kwargs).fit(y, fh=[1, 2])


def test_too_short_history():
    y = make_panel(n_series=2, n_periods=8)
    with pytest.raises(ValueError, match="too short"):
        AutoForecaster(candidates=["seasonal_naive"]).fit(y, fh=np.arange(1, 7))


def test_arima_candidate_when_pmdarima_is_installed():
    pytest.importorskip("pmdarima")
    from skforecast_ntm.model_selection import ARIMAForecaster

    rng = np.random.default_rng(0)
    t = pd.period_range("2000-01", periods=40, freq="M")
    e = rng.normal(size=40)
    y = pd.Series(10 + np.convolve(e, [1.0, 0.6])[:40], index=t)  # an MA(1)
    q = ARIMAForecaster(sp=1).fit(y).predict_quantiles(fh=[1, 2, 3],
                                                        alpha=[0.1, 0.5, 0.9])
    v = q.to_numpy()
    assert v.shape == (3, 3) and (np.diff(v, axis=1) > 0).all()
    assert abs(v[-1, 1] - y.mean()) < 2.0  # an MA(1) reverts to its mean


def _calming_panel(n_series=40, n_periods=96, seed=0):
    """Monthly seasonal series whose noise falls 10-fold over the history:
    seasonal naive's quantiles (from the whole history's seasonal
    differences) are far too wide for the recent backtest window."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_periods)
    sd = np.where(t < n_periods // 2, 5.0, 0.5)
    rows = []
    for i in range(n_series):
        y = 50 + 10 * np.sin(2 * np.pi * t / 12) + sd * rng.standard_normal(
            n_periods)
        rows.append(pd.DataFrame({"y": y}, index=pd.MultiIndex.from_product(
            [[f"s{i:02d}"], pd.period_range("2000-01", periods=n_periods,
                                            freq="M")])))
    return pd.concat(rows)


@pytest.mark.parametrize("rule", ["default", "coverage", True, "pinball"])
def test_calibrate_coverage_narrows_an_over_covering_ensemble(rule):
    y = _calming_panel()
    kw = {} if rule == "default" else {"calibrate": rule}
    f = AutoForecaster(candidates=["seasonal_naive"], random_state=0,
                       **kw).fit(y, fh=np.arange(1, 7))
    board = f.leaderboard_.set_index("model")["coverage"]
    assert board["ensemble"] > 0.95  # the backtest: far too wide
    iv = f.predict_interval(coverage=0.8).to_numpy()
    f.calibrator_, cal = None, f.calibrator_
    raw = f.predict_interval(coverage=0.8).to_numpy()
    f.calibrator_ = cal
    width, raw_width = (iv[:, 1] - iv[:, 0]).mean(), (raw[:, 1] - raw[:, 0]).mean()
    if rule != "pinball":  # "coverage", True and the default
        # matched to the backtest: narrower, and the backtest coverage near 0.8
        assert width < 0.6 * raw_width
        assert abs(board["ensemble (calibrated)"] - 0.8) < 0.1
    else:  # the pinball rule never narrows
        assert width == pytest.approx(raw_width, rel=1e-12)


def test_calibrate_rejects_an_unknown_rule():
    with pytest.raises(ValueError, match="calibrate must be"):
        AutoForecaster(candidates=["seasonal_naive"], calibrate="wide").fit(
            make_panel(n_series=2, n_periods=40), fh=[1, 2])

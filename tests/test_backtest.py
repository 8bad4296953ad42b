"""backtest(): windows, metrics against hand computations, rules, exports."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, make_panel
from sktime.forecasting.naive import NaiveForecaster

from skforecast_ntm.model_selection import backtest


def _series(n=40, seed=0):
    rng = np.random.default_rng(seed)
    t = pd.period_range("2020-01", periods=n, freq="M")
    return pd.Series(20 + rng.normal(size=n).cumsum(), index=t, name="sales")


def test_windows_and_metrics_match_hand_computation():
    y = _series()
    res = backtest(NaiveForecaster(strategy="last"), y, horizon=3, windows=2,
                   seasonal_period=1)
    v = y.to_numpy()
    for w, cut in [(1, 36), (2, 33)]:  # window 1 is the latest
        truth, last = v[cut + 1: cut + 4], v[cut]
        rows = res.forecasts[res.forecasts.window == w]
        assert rows["cutoff"].iloc[0] == y.index[cut]
        np.testing.assert_allclose(rows["actual"], truth)
        np.testing.assert_allclose(rows["p50"], last)
        m = res.metrics.set_index("window").loc[str(w)]
        np.testing.assert_allclose(m["wQL[0.5]"],
                                   np.abs(truth - last).sum() / np.abs(truth).sum())
        np.testing.assert_allclose(m["WAPE"],
                                   np.abs(truth - last).sum() / np.abs(truth).sum())
        np.testing.assert_allclose(
            m["MASE"],
            np.abs(truth - last).mean() / np.abs(np.diff(v[:cut + 1])).mean())
        lo, hi = rows["p10"].to_numpy(), rows["p90"].to_numpy()
        assert m["coverage"] == np.mean((truth >= lo) & (truth <= hi))
    mean = res.metrics.set_index("window").loc["mean"]
    np.testing.assert_allclose(
        mean["RMSE"], res.metrics.set_index("window").loc[["1", "2"], "RMSE"].mean())
    assert res.metrics["nominal_coverage"].iloc[0] == pytest.approx(0.8)
    assert res.quantile_forecasts.shape == (2, 1, 3, 3)


def test_panel_per_series_segments_and_csv_round_trip(tmp_path):
    y = make_panel(n_series=4, n_periods=48)
    ids = y.index.get_level_values(0).unique()
    seg = pd.Series(["AX", "AX", "BY", "CZ"], index=ids)
    res = backtest(NaiveForecaster(strategy="last", sp=12), y, horizon=6, windows=2,
                   segments=seg)
    per = res.metrics_per_series
    assert set(per["window"]) == {"1", "2", "mean"}
    assert sorted(per.loc[per.window == "mean", "id"]) == list(ids)
    seg_tab = res.metrics_per_segment.set_index(["segment", "window"])
    assert seg_tab.loc[("AX", "1"), "n_series"] == 2
    assert len(seg_tab) == 3 * 3
    # the segment's wQL is the ratio of its sums (hand computation)
    f = res.forecasts[(res.forecasts.window == 1) & res.forecasts.id.isin(["s00",
                                                                          "s01"])]
    d = f.actual - f.p90
    loss = np.maximum(0.9 * d, -0.1 * d).sum()
    np.testing.assert_allclose(seg_tab.loc[("AX", "1"), "wQL[0.9]"],
                               2 * loss / f.actual.abs().sum())
    path = res.to_csv(tmp_path / "bt.csv")
    back = pd.read_csv(path)
    assert len(back) == 4 * 6 * 2
    np.testing.assert_allclose(back["p50"], res.forecasts["p50"])
    res.to_csv(tmp_path / "seg.csv", what="metrics_per_segment")
    assert len(pd.read_csv(tmp_path / "seg.csv")) == 9


def test_excluded_points_are_not_scored():
    y = _series()
    exclude = pd.Series(False, index=y.index)
    exclude.iloc[-2] = True  # e.g. a filled value
    res = backtest(NaiveForecaster(), y, horizon=3, exclude=exclude)
    f = res.forecasts
    assert f["scored"].tolist() == [True, False, True]
    keep = f[f.scored]
    np.testing.assert_allclose(res.summary()["WAPE"],
                               (keep.actual - keep.p50).abs().sum()
                               / keep.actual.abs().sum())
    assert np.isnan(res.actual[0, 0, 1])


def test_span_longer_than_half_a_series_names_it():
    y = make_panel(n_series=3, n_periods=30)
    short = pd.concat([y.loc[["s00", "s02"]], y.loc[["s01"]].iloc[12:]]).sort_index()
    with pytest.raises(ValueError, match=r"half of series \['s01'\]"):
        backtest(NaiveForecaster(), short, horizon=5, windows=2)
    # non-strict (internal model selection): the series is kept where it can be
    res = backtest(NaiveForecaster(), short, horizon=5, windows=2, strict=False)
    assert res.actual.shape == (2, 3, 5)


@pytest.mark.parametrize("kwargs, match", [
    (dict(quantiles=(0.1, 1.0)), "strictly between 0 and 1"),
    (dict(quantiles=(-0.2, 0.5)), "strictly between 0 and 1"),
    (dict(windows=6), "1-5"),
    (dict(windows=0), "windows"),
    (dict(horizon=0), "horizon"),
    (dict(horizon=30), "fewer windows"),
])
def test_bad_arguments(kwargs, match):
    args = dict(horizon=3, windows=1) | kwargs
    with pytest.raises(ValueError, match=match):
        backtest(NaiveForecaster(), _series(), **args)


def test_segments_must_cover_every_series():
    y = make_panel(n_series=3, n_periods=36)
    seg = pd.Series(["A", "B"], index=["s00", "s01"])
    with pytest.raises(ValueError, match=r"no label for series \['s02'\]"):
        backtest(NaiveForecaster(), y, horizon=3, segments=seg)


def test_hierarchical_panel():
    from sktime.utils._testing.hierarchical import _make_hierarchical

    y = _make_hierarchical(hierarchy_levels=(2, 2), min_timepoints=30,
                           max_timepoints=30, random_state=0)
    res = backtest(NaiveForecaster(), y, horizon=4, windows=2)
    assert res.quantile_forecasts.shape[1] == 4
    assert {"h0", "h1"} <= set(res.forecasts.columns)
    assert len(res.metrics_per_series) == 4 * 3


def test_deepar_with_covariates_on_a_panel():
    from skforecast_ntm import DeepARForecaster

    y = make_panel(n_series=3, n_periods=40)
    times = pd.period_range("2010-01", periods=43, freq="M")
    X = pd.DataFrame(
        {"promo": np.tile((np.arange(43) % 4 == 0).astype(float), 3)},
        index=pd.MultiIndex.from_product([["s00", "s01", "s02"], times],
                                         names=["id", "time"]))
    res = backtest(DeepARForecaster(prediction_length=3, **TINY), y,
                   X=X.loc[X.index.get_level_values(1) <= y.index.levels[1].max()],
                   horizon=3, windows=2)
    assert np.isfinite(res.quantile_forecasts).all()
    assert (np.diff(res.quantile_forecasts, axis=-1) >= 0).all()
    assert res.metrics.shape[0] == 3


def test_time_level_in_unsorted_order_gives_the_same_windows():
    # e.g. M3 as loaded: the time level's values are not stored in time order
    y = make_panel(n_series=2, n_periods=30)
    times = y.index.get_level_values(1)
    late = y[~((y.index.get_level_values(0) == "s00") & (times < times[5]))]
    tuples = list(late.index)
    order = sorted(set(t for _, t in tuples), key=lambda p: (p < times[5], p))
    mi = pd.MultiIndex(levels=[["s00", "s01"], pd.PeriodIndex(order)],
                       codes=[[0 if s == "s00" else 1 for s, _ in tuples],
                              [order.index(t) for _, t in tuples]],
                       names=["id", "time"])
    assert list(mi.levels[1]) != sorted(mi.levels[1])
    shuffled = pd.DataFrame({"y": late["y"].to_numpy()}, index=mi)
    a = backtest(NaiveForecaster(), late, horizon=4, windows=2)
    b = backtest(NaiveForecaster(), shuffled, horizon=4, windows=2)
    pd.testing.assert_frame_equal(a.forecasts, b.forecasts)
    assert b.cutoffs == [times[-5], times[-9]]

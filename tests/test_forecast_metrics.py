"""Forecast metrics on hand-checkable values."""

import numpy as np
import pytest

from skforecast_ntm.metrics import (
    interval_coverage,
    mape,
    mase,
    mean_weighted_quantile_loss,
    rmse,
    seasonal_naive,
    seasonal_naive_quantiles,
    stack_histories,
    wape,
    weighted_quantile_loss,
)


def test_weighted_quantile_loss_by_hand():
    y = np.array([[10.0, 20.0]])
    q = np.array([[12.0, 18.0]])
    # tau=0.9: under-forecast 2 costs 0.9*2, over-forecast 2 costs 0.1*2
    assert weighted_quantile_loss(y, q, 0.9) == pytest.approx(2 * (0.2 + 1.8) / 30)
    assert weighted_quantile_loss(y, y, 0.5) == 0.0
    # a different forecast per level: P10 [8, 15] under-forecasts by 2 and 5
    # (cost 0.1 * 7), P50 is exact, P90 [13, 24] over-forecasts by 3 and 4
    # (cost 0.1 * 7); wQL = 2 * cost / sum|y| = 1.4 / 30, 0, 1.4 / 30
    levels = np.stack([[[8.0, 15.0]], [[10.0, 20.0]], [[13.0, 24.0]]], -1)
    out = mean_weighted_quantile_loss(y, levels, (0.1, 0.5, 0.9))
    assert out == pytest.approx({"wQL[0.1]": 1.4 / 30, "wQL[0.5]": 0.0,
                                 "wQL[0.9]": 1.4 / 30, "mean_wQL": 2.8 / 90})
    # the same from a dict of quantile -> forecast
    as_dict = mean_weighted_quantile_loss(
        y, {0.1: levels[..., 0], 0.5: levels[..., 1], 0.9: levels[..., 2]})
    assert as_dict == pytest.approx(out)


def test_missing_truth_is_excluded():
    y = np.array([[10.0, np.nan]])
    p = np.array([[11.0, 1e9]])
    assert wape(y, p) == pytest.approx(0.1)
    assert rmse(y, p) == pytest.approx(1.0)
    assert mape(y, p) == pytest.approx(0.1)
    assert interval_coverage(y, p - 2, p) == 1.0


def test_mase_and_seasonal_naive():
    train = stack_histories([[1.0, 2.0, 3.0, 4.0], [5.0, 7.0]])
    assert np.isnan(train[1, 0]) and train[1, -1] == 7.0
    # scale of series 0 is mean |diff| = 1; error mean |[5,6]-[4,4]| = 1.5
    per = mase([[5.0, 6.0], [9.0, 9.0]], [[4.0, 4.0], [7.0, 7.0]], train, 1,
               per_series=True)
    np.testing.assert_allclose(per, [1.5, 1.0])
    np.testing.assert_allclose(
        seasonal_naive([[1.0, 2.0, 3.0, 4.0]], 5, 2), [[3.0, 4.0, 3.0, 4.0, 3.0]])
    # shorter than a season: last value
    np.testing.assert_allclose(seasonal_naive(stack_histories([[1, 2, 3], [8]]),
                                              2, 2), [[2, 3], [8, 8]])


def test_seasonal_naive_quantiles_bracket_the_point():
    rng = np.random.default_rng(0)
    train = rng.normal(10, 1, (3, 48))
    q = seasonal_naive_quantiles(train, 24, 12, (0.1, 0.5, 0.9))
    assert q.shape == (3, 24, 3)
    assert (q[..., 0] <= q[..., 1]).all() and (q[..., 1] <= q[..., 2]).all()
    # the second season ahead is wider by sqrt(2)
    w1 = q[:, 0, 2] - q[:, 0, 0]
    w2 = q[:, 12, 2] - q[:, 12, 0]
    np.testing.assert_allclose(w2, np.sqrt(2) * w1)


def test_panel_matrix_matches_stack_histories():
    import pandas as pd

    from skforecast_ntm.metrics import panel_matrix

    idx = pd.MultiIndex.from_tuples(
        [("b", 1), ("b", 2), ("b", 3), ("a", 7), ("a", 8)])
    y = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0]}, index=idx).sort_index()
    ids, m = panel_matrix(y)
    assert list(ids) == ["a", "b"]
    np.testing.assert_array_equal(
        m, stack_histories([[4.0, 5.0], [1.0, 2.0, 3.0]]))


@pytest.mark.parametrize("metric", [wape, rmse, mape])
def test_metrics_refuse_mismatched_shapes_and_missing_forecasts(metric):
    y = np.array([[10.0, 20.0, 30.0]])
    with pytest.raises(ValueError, match="shape"):
        metric(y, np.array([[10.0, 20.0]]))
    with pytest.raises(ValueError, match="NaN or infinite"):
        metric(y, np.array([[10.0, np.nan, 30.0]]))
    # a NaN forecast where the truth is missing is fine (not scored)
    assert np.isfinite(metric(np.array([[10.0, np.nan]]),
                              np.array([[11.0, np.nan]])))


def test_mase_nan_forecast_and_bad_seasonal_period():
    y, train = np.array([[4.0, 5.0]]), np.array([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="NaN or infinite"):
        mase(y, np.array([[np.nan, np.nan]]), train)
    for sp in (0, -1, 1.5):
        with pytest.raises(ValueError, match="seasonal_period"):
            mase(y, y, train, seasonal_period=sp)


def test_quantile_losses_refuse_levels_outside_0_1():
    y = np.array([[10.0, 20.0]])
    for q in (0.0, 1.0, 1.5, -0.1):
        with pytest.raises(ValueError, match=r"\(0, 1\)"):
            weighted_quantile_loss(y, y, q)
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        mean_weighted_quantile_loss(y, np.stack([y, y], -1), (0.5, 1.2))


def test_panel_matrix_keeps_hierarchical_series_apart():
    import pandas as pd

    from skforecast_ntm.metrics import panel_matrix

    idx = pd.MultiIndex.from_tuples([("s1", "a", 1), ("s1", "a", 2),
                                     ("s1", "b", 1), ("s2", "a", 1)])
    ids, m = panel_matrix(pd.Series([1.0, 2.0, 3.0, 4.0], index=idx))
    assert list(ids) == [("s1", "a"), ("s1", "b"), ("s2", "a")]
    np.testing.assert_array_equal(m, [[1.0, 2.0], [np.nan, 3.0], [np.nan, 4.0]])

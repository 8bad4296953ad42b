"""GradientBoostingForecaster: global LightGBM quantile forecaster."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

pytest.importorskip("lightgbm")

from sktime.utils.estimator_checks import (  # noqa: E402
    check_estimator,
    parametrize_with_checks,
)

from skforecast_ntm.forecasting._gradient_boosting import (  # noqa: E402
    GradientBoostingForecaster,
    _Features,
    _Panel,
    _uncross,
)

FAST = dict(n_estimators=30, learning_rate=0.1, num_leaves=8,
            min_child_samples=5, random_state=0)


# ------------------------------------------------------------ conformance
# every check of sktime's suite, no skips, on the first configuration of
# get_test_params (both pass: `check_estimator(GradientBoostingForecaster)`;
# the second, series-id configuration is covered by the hierarchical test
# below, which keeps the suite's run time down)
@parametrize_with_checks(GradientBoostingForecaster(
    **GradientBoostingForecaster.get_test_params()[0]))
def test_sktime_conformance(obj, test_name):
    check_estimator(obj, tests_to_run=test_name, raise_exceptions=True)


# ------------------------------------------------------------- fixtures
def _retail(n_series=6, n_days=150, seed=0, price_effect=2.0):
    """Daily panel: level x weekly profile x price response, with noise.

    Price moves at random every day, so a model that does not see it cannot
    predict the demand swings it causes.
    """
    rng = np.random.default_rng(seed)
    days = pd.date_range("2021-01-04", periods=n_days, freq="D")
    idx = pd.MultiIndex.from_product(
        [[f"item{i}" for i in range(n_series)], days], names=["item", "date"])
    level = np.exp(rng.normal(3, 1, n_series))[:, None]
    weekly = np.array([1.0, 0.8, 0.8, 0.9, 1.2, 1.8, 1.5])[days.dayofweek][None]
    price = rng.uniform(0.7, 1.3, (n_series, n_days))
    demand = level * weekly * np.exp(-price_effect * (price - 1.0))
    demand *= np.exp(0.03 * rng.standard_normal((n_series, n_days)))
    y = pd.DataFrame({"sales": demand.ravel()}, index=idx)
    X = pd.DataFrame({"price": price.ravel()}, index=idx)
    return y, X


def _split(frame, cut):
    t = frame.index.get_level_values(-1)
    return frame[t <= cut], frame[t > cut]


def _matrix(frame):
    return frame.iloc[:, 0].unstack(0).to_numpy().T  # (series, time)


@pytest.fixture(scope="module")
def retail():
    y, X = _retail()
    cut = y.index.get_level_values(-1)[-15]  # 14 test days
    y_tr, y_te = _split(y, cut)
    X_tr, X_te = _split(X, cut)
    return y_tr, y_te, X_tr, X_te


@pytest.fixture(scope="module")
def fitted(retail):
    y_tr, _, X_tr, _ = retail
    return GradientBoostingForecaster(**FAST).fit(y_tr, X=X_tr, fh=range(1, 15))


# ------------------------------------------------------------- accuracy
def test_price_covariate_beats_naive_and_the_model_without_it(retail, fitted):
    y_tr, y_te, X_tr, X_te = retail
    truth = _matrix(y_te)
    with_x = _matrix(fitted.predict(X=X_te))
    without = GradientBoostingForecaster(**FAST).fit(y_tr, fh=range(1, 15))
    no_x = _matrix(without.predict())
    hist = _matrix(y_tr)
    snaive = np.tile(hist[:, -7:], 2)  # last week, twice
    mae = {k: np.mean(np.abs(v - truth) / truth.mean(1, keepdims=True))
           for k, v in {"x": with_x, "no_x": no_x, "snaive": snaive}.items()}
    assert mae["x"] < 0.5 * mae["snaive"], mae
    assert mae["x"] < 0.6 * mae["no_x"], mae
    # the model found the price: the most useful feature of the median booster
    assert fitted.feature_importances_.idxmax() == "X_price"


def test_features_match_pandas_shift_and_rolling():
    """Lags, rolling mean/std and scale against pandas, by hand."""
    rng = np.random.default_rng(3)
    months = pd.period_range("2015-01", periods=40, freq="M")
    vals = rng.gamma(2.0, 10.0, 40)
    vals[[5, 17]] = np.nan
    y = pd.DataFrame({"y": vals}, index=months)
    panel = _Panel(y, None)
    spec = {"lags": [1, 3, 12], "windows": [4], "season": 12, "calendar": ["month"],
            "scale_window": 6, "use_series_id": False, "id_codes": np.arange(1)}
    feats = _Features(panel, spec)
    t = np.array([20, 30, 39])
    i = np.zeros(3, dtype=int)
    s = feats.scale(i, t)
    ser = pd.Series(vals)
    exp_scale = ser.abs().rolling(6, min_periods=1).mean().to_numpy()[t]
    np.testing.assert_allclose(s, exp_scale)
    block = feats.origin_block(i, t, s)
    exp = np.column_stack([
        ser.shift(0).to_numpy()[t] / s,   # lag 1: the origin itself
        ser.shift(2).to_numpy()[t] / s,   # lag 3
        ser.shift(11).to_numpy()[t] / s,  # lag 12
        ser.rolling(4, min_periods=1).mean().to_numpy()[t] / s,
        ser.rolling(4, min_periods=2).std().to_numpy()[t] / s,
        np.log(s),
    ])
    np.testing.assert_allclose(block, exp, rtol=1e-10)
    t2, i2 = np.array([26, 30]), np.zeros(2, dtype=int)
    s2 = feats.scale(i2, t2)
    step = feats.step_block(i2, t2, s2, 5)
    # step 5 of a monthly season: target t+5, one season back = t+5-12
    np.testing.assert_allclose(step[:, 0], vals[t2 + 5 - 12] / s2)
    np.testing.assert_allclose(step[:, 1], vals[t2 + 5 - 24] / s2)
    assert (step[:, 2] == 5).all()
    np.testing.assert_array_equal(step[:, 3], months[t2 + 5].month)
    # step 14: more than a season ahead, anchored two seasons back
    s20 = feats.scale(i2[:1], np.array([20]))
    step14 = feats.step_block(i2[:1], np.array([20]), s20, 14)
    np.testing.assert_allclose(step14[:, 0], vals[20 + 14 - 24] / s20)


def test_training_rows_skip_missing_targets():
    rng = np.random.default_rng(0)
    vals = rng.uniform(5, 10, 30)
    vals[[4, 11, 12, 25]] = np.nan
    y = pd.DataFrame({"y": vals}, index=pd.RangeIndex(30))
    f = GradientBoostingForecaster(prediction_length=3, lags=[1, 2], windows=[3],
                                   **FAST).fit(y)
    obs = ~np.isnan(vals)
    expected = sum(obs[t + h] for t in range(30) for h in (1, 2, 3)
                   if t + h < 30 and t >= 0)
    assert f.n_train_rows_ == expected
    f2 = GradientBoostingForecaster(prediction_length=3, max_train_windows=5,
                                    **FAST).fit(y)
    # origins 24..28 only: targets at 25..29 within 3 steps, 25 missing
    expected2 = sum(obs[t + h] for t in range(24, 29) for h in (1, 2, 3)
                    if t + h < 30)
    assert f2.n_train_rows_ == expected2
    assert np.isfinite(f.predict(fh=[1, 2, 3]).to_numpy()).all()


# ------------------------------------------------------------ quantiles
def test_quantiles_ordered_exact_and_interpolated(fitted, retail):
    X_te = retail[3]
    alpha = [0.01, 0.1, 0.3, 0.5, 0.75, 0.9, 0.99]
    q = fitted.predict_quantiles(X=X_te, alpha=alpha)
    assert q.shape == (6 * 14, len(alpha))
    assert list(q.columns) == [("sales", a) for a in alpha]
    vals = q.to_numpy()
    assert (np.diff(vals, axis=1) >= 0).all()
    # trained levels are returned exactly; predict is the trained median
    point = fitted.predict(X=X_te).to_numpy()[:, 0]
    np.testing.assert_array_equal(vals[:, 3], point)
    trained = fitted.predict_quantiles(X=X_te, alpha=[0.1, 0.5, 0.9]).to_numpy()
    np.testing.assert_array_equal(vals[:, [1, 3, 5]], trained)
    # 0.3 and 0.75: linear in normal scores between the trained neighbours
    z = norm.ppf([0.1, 0.5, 0.9])
    for col, a in ((2, 0.3), (4, 0.75)):
        expect = [np.interp(norm.ppf(a), z, row) for row in trained]
        np.testing.assert_allclose(vals[:, col], expect, rtol=1e-10)
    # 0.99: the outer segment extended
    w = (norm.ppf(0.99) - z[1]) / (z[2] - z[1])
    np.testing.assert_allclose(
        vals[:, 6], trained[:, 1] + w * (trained[:, 2] - trained[:, 1]))
    # the 80% interval is a real interval around the median
    assert (trained[:, 2] - trained[:, 0]).mean() > 0


def test_crossing_levels_are_clipped_to_the_median_which_stays():
    levels = np.array([0.05, 0.1, 0.5, 0.9, 0.95])
    vals = np.array([[[2.0, 1.0, 3.0, 5.0, 4.0],    # outer pair swapped
                      [4.0, 5.0, 3.0, 2.0, 6.0],    # P10 and P90 cross P50
                      [1.0, 2.0, 3.0, 4.0, 5.0]]])  # already ordered
    _uncross(vals, levels)
    np.testing.assert_array_equal(vals[0], [[1, 1, 3, 5, 5],
                                            [3, 3, 3, 3, 6],
                                            [1, 2, 3, 4, 5]])


def test_pinball_models_bracket_the_truth(retail, fitted):
    """P10/P90 of the trained quantile models cover most test points."""
    y_te, X_te = retail[1], retail[3]
    q = fitted.predict_quantiles(X=X_te, alpha=[0.1, 0.9]).to_numpy()
    truth = y_te.to_numpy()[:, 0]
    inside = ((truth >= q[:, 0]) & (truth <= q[:, 1])).mean()
    assert 0.5 < inside <= 1.0


def test_bad_quantiles_are_errors(retail):
    y_tr, _, X_tr, X_te = retail
    for bad in [(0.1, 1.0), (0.0, 0.5), (-0.2,), ()]:
        with pytest.raises(ValueError, match="quantiles must be levels"):
            GradientBoostingForecaster(quantiles=bad, **FAST).fit(y_tr, fh=[1])
    f = GradientBoostingForecaster(**FAST).fit(y_tr, X=X_tr, fh=[1, 2])
    with pytest.raises(ValueError, match="alpha"):
        f.predict_quantiles(X=X_te, alpha=[0.5, 1.5])


# ----------------------------------------------------- panels and series
def test_single_series_and_hierarchical_panel():
    y, X = _retail(n_series=4, n_days=80, seed=1)
    single = y.loc["item0"]
    f = GradientBoostingForecaster(**FAST).fit(single.iloc[:-5], fh=[1, 2, 3])
    pred = f.predict()
    assert isinstance(pred.index, pd.DatetimeIndex)
    assert list(pred.index) == list(single.index[-5:-2])
    assert "calendar_day_of_week" in f.feature_names_
    assert f.lags_ == [1, 2, 3, 4, 5, 6, 7, 14, 21, 28]  # 364 capped by 75 days

    stores = np.array(["s1", "s1", "s2", "s2"])
    items = y.index.get_level_values("item")
    codes = items.str[-1].astype(int)
    hier = y.copy()
    # sktime infers no frequency for datetime stamps in 3-level panels: periods
    hier.index = pd.MultiIndex.from_arrays(
        [stores[codes], items, y.index.get_level_values("date").to_period("D")],
        names=["store", "item", "date"])
    Xh = X.set_axis(hier.index)
    cut = hier.index.get_level_values(-1)[-4]
    y_tr, _ = _split(hier, cut)
    X_tr, X_te = _split(Xh, cut)
    fh = GradientBoostingForecaster(use_series_id=True, **FAST).fit(
        y_tr, X=X_tr, fh=[1, 2, 3])
    assert fh.feature_names_[-1] == "series_id"
    q = fh.predict_quantiles(X=X_te, alpha=[0.1, 0.9])
    assert q.index.names == ["store", "item", "date"]
    assert q.shape == (4 * 3, 2)
    assert ("s2", "item3") in q.index.droplevel(-1)


def test_series_of_different_levels_get_forecasts_on_their_own_scale():
    y, _ = _retail(n_series=4, n_days=100, seed=2, price_effect=0.0)
    big = y.copy()
    scale = np.where(big.index.get_level_values(0) == "item0", 1000.0, 1.0)
    big["sales"] *= scale
    f = GradientBoostingForecaster(**FAST).fit(big, fh=[1, 2])
    pred = f.predict().groupby(level=0).mean()["sales"]
    last = big.groupby(level=0)["sales"].apply(lambda s: s.iloc[-28:].mean())
    np.testing.assert_allclose(pred, last[pred.index], rtol=0.5)


def test_short_series_warn_by_name_and_are_still_forecast():
    y, _ = _retail(n_series=3, n_days=60, seed=4, price_effect=0.0)
    t = y.index.get_level_values(-1)
    short = y[(y.index.get_level_values(0) != "item2") | (t >= t[-4])]
    with pytest.warns(UserWarning, match=r"Series \['item2'\] have fewer"):
        f = GradientBoostingForecaster(**FAST).fit(short, fh=[1, 2])
    pred = f.predict()
    assert np.isfinite(pred.loc["item2"].to_numpy()).all()


def test_series_without_observation_is_an_error():
    y, _ = _retail(n_series=2, n_days=30, seed=5)
    y.loc["item1", "sales"] = np.nan
    with pytest.raises(ValueError, match=r"Series \['item1'\] have no observed"):
        GradientBoostingForecaster(**FAST).fit(y, fh=[1])


# ----------------------------------------------------------------- X
def test_X_is_required_over_the_horizon(retail):
    y_tr, _, X_tr, X_te = retail
    f = GradientBoostingForecaster(**FAST).fit(y_tr, X=X_tr, fh=[1, 2, 3])
    with pytest.raises(ValueError, match="no rows for the forecast periods"):
        f.predict()
    gap = X_te.drop(index=X_te.index[X_te.index.get_level_values(-1)
                                     == pd.Timestamp("2021-05-20")])
    with pytest.raises(ValueError, match=r"no rows for the forecast periods "
                                         r"\['2021-05-20"):
        f.predict(X=gap)
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['price'\]"):
        f.predict(X=X_te.rename(columns={"price": "cost"}))
    holed = X_te.copy()
    holed.iloc[1, 0] = np.nan
    with pytest.raises(ValueError, match="X column 'price' is missing"):
        f.predict(X=holed)
    # X given in fit for the future periods too: predict needs no X
    X_all = pd.concat([X_tr, X_te]).sort_index()
    g = GradientBoostingForecaster(**FAST).fit(y_tr, X=X_all, fh=[1, 2, 3])
    pd.testing.assert_frame_equal(g.predict(), f.predict(X=X_te))


def test_fh_beyond_the_trained_horizon_is_an_error(retail):
    y_tr = retail[0]
    f = GradientBoostingForecaster(prediction_length=2, **FAST).fit(y_tr)
    assert f.horizon_ == 2
    with pytest.raises(ValueError, match="trained for 2 steps"):
        f.predict(fh=[1, 2, 3])
    with pytest.raises(ValueError, match="integer >= 1"):
        GradientBoostingForecaster(prediction_length=0).fit(y_tr)


# -------------------------------------------------- reproducibility, update
def test_same_seed_same_forecast_any_thread_count(retail):
    y_tr, _, X_tr, X_te = retail
    kw = dict(FAST, max_train_rows=2000, lgbm_params={"feature_fraction": 0.7})
    a = GradientBoostingForecaster(**kw).fit(y_tr, X=X_tr, fh=[1, 2, 3])
    a2 = GradientBoostingForecaster(**kw).fit(y_tr, X=X_tr, fh=[1, 2, 3])
    c = GradientBoostingForecaster(**{**kw, "random_state": 1}).fit(
        y_tr, X=X_tr, fh=[1, 2, 3])
    pa, pa2, pc = (m.predict_quantiles(X=X_te) for m in (a, a2, c))
    pd.testing.assert_frame_equal(pa, pa2)
    assert a.n_train_rows_ <= 2000
    assert not np.allclose(pa.to_numpy(), pc.to_numpy())
    # two threads give the same model (deterministic=True); kept tiny, as
    # OpenMP threads crawl on a machine whose cores are busy
    tiny = dict(kw, quantiles=(0.5,), n_estimators=5, max_train_rows=500)
    one = GradientBoostingForecaster(**tiny).fit(y_tr, X=X_tr, fh=[1])
    two = GradientBoostingForecaster(**{**tiny, "n_jobs": 2}).fit(
        y_tr, X=X_tr, fh=[1])
    pd.testing.assert_frame_equal(one.predict(X=X_te), two.predict(X=X_te))
    state = np.random.get_state()[1].copy()  # noqa: NPY002 - the global RNG
    GradientBoostingForecaster(**kw).fit(y_tr, X=X_tr, fh=[1])
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_update_moves_the_origin(retail):
    y_tr, y_te, X_tr, X_te = retail
    f = GradientBoostingForecaster(**FAST).fit(y_tr, X=X_tr, fh=[1, 2])
    boosters = f.boosters_
    first_test = y_te.index.get_level_values(-1)[0]
    new_y = y_te[y_te.index.get_level_values(-1) == first_test]
    new_X = X_te[X_te.index.get_level_values(-1) == first_test]
    f.update(new_y, X=new_X, update_params=False)
    assert f.boosters_ is boosters
    pred = f.predict(X=X_te)
    assert pred.index.get_level_values(-1)[0] == first_test + pd.Timedelta("1D")
    second = first_test + pd.Timedelta("1D")
    f.update(y_te[y_te.index.get_level_values(-1) == second],
             X=X_te[X_te.index.get_level_values(-1) == second], update_params=True)
    assert f.boosters_ is not boosters and f.horizon_ == 2
    assert f.n_train_rows_ > 0
    assert f.predict(X=X_te).index.get_level_values(-1)[0] == second + \
        pd.Timedelta("1D")


def test_outer_levels_take_a_third_of_the_rounds_at_three_times_the_rate(retail):
    y_tr, _, X_tr, _ = retail
    f = GradientBoostingForecaster(**FAST).fit(y_tr, X=X_tr, fh=[1, 2])
    assert f.boosters_[0.5].num_trees() == 30
    assert f.boosters_[0.1].num_trees() == f.boosters_[0.9].num_trees() == 10
    assert f._outer_schedule() == (10, pytest.approx(0.3))
    # every level alike on request; a rate in lgbm_params applies to all
    same = GradientBoostingForecaster(**{**FAST, "n_estimators_outer": 30})
    assert same._outer_schedule() == (30, pytest.approx(0.1))
    same.fit(y_tr, X=X_tr, fh=[1, 2])
    assert same.boosters_[0.9].num_trees() == 30
    big = GradientBoostingForecaster(**{**FAST, "learning_rate": 0.6})
    assert big._outer_schedule() == (10, 1.0)  # capped
    # the median booster is the same whatever the outer schedule
    assert (f.boosters_[0.5].dump_model()["tree_info"]
            == same.boosters_[0.5].dump_model()["tree_info"])


@pytest.mark.parametrize("kwargs, match", [
    ({"n_estimators_outer": 0}, "n_estimators_outer must be an integer >= 1"),
    ({"lags": [0, 1]}, "lags must be None or a non-empty sequence"),
    ({"windows": [1]}, "windows must be at least 2"),
    ({"n_jobs": 0}, "n_jobs must be None, -1"),
    ({"random_state": "seed"}, "random_state must be an integer"),
    ({"learning_rate": -0.1}, "learning_rate must be a positive"),
    ({"lgbm_params": [("max_bin", 63)]}, "lgbm_params must be a dict"),
])
def test_bad_parameters_name_themselves(kwargs, match):
    y = pd.DataFrame({"y": np.arange(30.0)}, index=pd.RangeIndex(30))
    params = {**FAST, **kwargs}
    with pytest.raises((ValueError, TypeError), match=match):
        GradientBoostingForecaster(**params).fit(y, fh=[1])

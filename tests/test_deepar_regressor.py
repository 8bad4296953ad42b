"""DeepARRegressor: the scikit-learn face on long-format panels."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skforecast_ntm import DeepARRegressor
from skforecast_ntm.datasets import make_retail_panel


def long_frame(n_series=4, n_periods=60, horizon=5, seed=0):
    """Long-format rows sorted by time, then series (as TimeSeriesSplit needs)."""
    data = make_retail_panel(n_series=n_series, n_periods=n_periods,
                             horizon=horizon, random_state=seed)
    X = data.X.join(data.static, on="series_id").reset_index()
    X = X.rename(columns={"time": "timestamp"})
    y = data.y["y"].reindex(pd.MultiIndex.from_frame(
        X[["series_id", "timestamp"]].rename(columns={"timestamp": "time"})))
    X = X.assign(y=y.to_numpy()).sort_values(["timestamp", "series_id"])
    past = X[X["y"].notna()].reset_index(drop=True)
    future = X[X["y"].isna()].drop(columns="y").reset_index(drop=True)
    return past.drop(columns="y"), past["y"], future, data


@pytest.fixture
def frames():
    return long_frame()


def test_fit_predict_rows_and_quantiles(frames, tiny):
    X, y, future, data = frames
    reg = DeepARRegressor(prediction_length=5, likelihood="negative_binomial",
                          static_categorical_columns=["store", "category"], **tiny)
    assert reg.fit(X, y) is reg
    assert reg.n_features_in_ == X.shape[1]
    pred = reg.predict(future)
    assert pred.shape == (len(future),) and (pred >= 0).all()
    q = reg.predict_quantiles(future, quantiles=[0.1, 0.5, 0.9])
    assert q.shape == (len(future), 3)
    assert (np.diff(q, axis=1) >= 0).all()
    np.testing.assert_allclose(q[:, 1], pred)
    paths = reg.sample_paths(future, num_samples=7)
    assert paths.shape == (len(future), 7)
    # row order of the answer follows the rows asked for
    rev = reg.predict(future.iloc[::-1])
    np.testing.assert_allclose(rev[::-1], pred)


def test_agrees_with_the_sktime_face(frames, tiny):
    """Both faces share one core: same data and seed, same forecast."""
    from skforecast_ntm import DeepARForecaster

    X, y, future, data = frames
    X = X.drop(columns=["store", "category"])
    future = future.drop(columns=["store", "category"])
    reg = DeepARRegressor(prediction_length=5, **tiny).fit(X, y)
    f = DeepARForecaster(prediction_length=5, **tiny)
    Xs = data.X
    f.fit(data.y, X=Xs.loc[data.y.index])
    fh = np.arange(1, 6)
    sk = f.predict(fh=fh, X=Xs)["y"]
    ours = pd.Series(reg.predict(future), index=pd.MultiIndex.from_frame(
        future[["series_id", "timestamp"]])).sort_index()
    np.testing.assert_allclose(ours.to_numpy(), sk.to_numpy(), rtol=1e-5)


def test_pipeline_with_column_transformer(frames, tiny):
    X, y, future, _ = frames
    enc = ColumnTransformer(
        [("scale", StandardScaler(), ["price"])],
        remainder="passthrough", verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    pipe = Pipeline([("encode", enc), ("deepar", DeepARRegressor(
        prediction_length=5, static_categorical_columns=["store", "category"],
        **tiny))])
    pipe.fit(X, y)
    pred = pipe.predict(future)
    assert pred.shape == (len(future),) and np.isfinite(pred).all()


def test_grid_search_with_time_ordered_split(frames, tiny):
    X, y, _, _ = frames
    tiny["max_epochs"] = 1
    gs = GridSearchCV(
        DeepARRegressor(prediction_length=5, early_stopping=False,
                        static_categorical_columns=["store", "category"], **tiny),
        param_grid={"hidden_size": [4, 8]},
        cv=TimeSeriesSplit(n_splits=2, test_size=4 * 5),
        scoring="neg_mean_absolute_error",
    )
    gs.fit(X, y)
    assert gs.best_params_["hidden_size"] in (4, 8)
    assert np.isfinite(gs.cv_results_["mean_test_score"]).all()


def test_clone_pickle_and_reproducible(frames, tiny):
    X, y, future, _ = frames
    reg = DeepARRegressor(prediction_length=5, **tiny,
                          static_categorical_columns=["store", "category"])
    reg.fit(X, y)
    again = clone(reg).fit(X, y)
    np.testing.assert_array_equal(reg.predict(future), again.predict(future))
    restored = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(reg.predict(future), restored.predict(future))


def test_bad_input(frames, tiny):
    X, y, future, _ = frames
    reg = DeepARRegressor(prediction_length=5, **tiny,
                          static_categorical_columns=["store", "category"])
    with pytest.raises(NotFittedError):
        reg.predict(future)
    with pytest.raises(TypeError, match="pandas DataFrame"):
        reg.fit(X.to_numpy(), y)
    with pytest.raises(ValueError, match=r"no column\(s\) \['series_id'\]"):
        reg.fit(X.drop(columns="series_id"), y)
    with pytest.raises(TypeError, match=r"\['store', 'category'\] are not numeric"):
        DeepARRegressor(**tiny).fit(X, y)
    with pytest.raises(ValueError, match="one value per row"):
        reg.fit(X, y[:-1])
    with pytest.raises(TypeError, match="y must be numeric"):
        reg.fit(X, np.array(["a"] * len(X)))
    reg.fit(X, y)
    with pytest.raises(ValueError, match="have no history"):
        reg.predict(future.assign(series_id="new"))
    with pytest.raises(ValueError, match="at or before the last training period"):
        reg.predict(X.head(3))
    with pytest.raises(ValueError, match="quantiles"):
        reg.predict_quantiles(future, quantiles=[0.5, 1.5])
    later = future[future["timestamp"] == future["timestamp"].max()]
    with pytest.raises(ValueError, match="misses covariate rows"):
        reg.predict(later)
    # the same future row twice: fine with the same covariates, an error with
    # different ones (the last one silently won)
    twice = pd.concat([future, future.head(1)], ignore_index=True)
    assert reg.predict(twice).shape == (len(twice),)
    cov = [c for c in future.columns if c not in ("series_id", "timestamp",
                                                   "store", "category")][0]
    twice.loc[len(twice) - 1, cov] = twice.loc[len(twice) - 1, cov] + 1.0
    with pytest.raises(ValueError, match="same series and period with different"):
        reg.predict(twice)


def test_a_series_that_ended_early_is_forecast_from_its_own_end(tiny):
    # s00 ends 4 periods before s01; asking only for s00, up to 6 steps after
    # its own end, reaches past the training grid (an IndexError before)
    t = pd.period_range("2020-01", periods=30, freq="M")
    rows = pd.DataFrame({"series_id": np.repeat(["s00", "s01"], 30),
                         "timestamp": np.tile(t, 2),
                         "y": np.tile(10 + np.sin(np.arange(30)), 2)})
    rows = rows[~((rows.series_id == "s00") & (rows.timestamp > t[-5]))]
    reg = DeepARRegressor(prediction_length=3, **tiny).fit(
        rows[["series_id", "timestamp"]], rows["y"])
    one = reg.predict(pd.DataFrame({"series_id": ["s00"],
                                    "timestamp": [t[-4]]}))
    six = reg.predict(pd.DataFrame({"series_id": ["s00"] * 6,
                                    "timestamp": pd.period_range(t[-4], periods=6)}))
    assert one.shape == (1,) and six.shape == (6,) and np.isfinite(six).all()
    # the first step is drawn first, whatever the horizon: the same value
    assert one[0] == six[0]
    with pytest.raises(ValueError, match=r"at or before the last training period"):
        reg.predict(pd.DataFrame({"series_id": ["s00"], "timestamp": [t[-5]]}))

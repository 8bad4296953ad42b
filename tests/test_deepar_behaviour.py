"""Behaviour of the DeepAR estimators through their public API (tiny configs).

Early stopping, unknown static categories, series that end at different
times, static real features and their errors, ``use_series_embedding`` and
``window_weighting``.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import make_panel

from skforecast_ntm import DeepARForecaster, DeepARRegressor

KW = dict(prediction_length=3, max_epochs=1, batches_per_epoch=2, batch_size=8,
          hidden_size=4, num_layers=1, num_samples=10, random_state=0)

# names that issue 10 may change (one naming scheme per ecosystem): use the
# one the estimator has
ALIASES = {"lr": ("lr", "learning_rate"), "patience": ("patience", "n_iter_no_change")}


def params(cls, **kw):
    names = set(cls().get_params())
    out = {}
    for key, value in kw.items():
        name = next((n for n in ALIASES.get(key, (key,)) if n in names), key)
        out[name] = value
    return {**KW, **out}


def long_format(y, X=None):
    """sktime panel (+ X) -> the regressor's long-format (X, y)."""
    frame = y.reset_index()
    frame.columns = ["series_id", "timestamp", "y"]
    if X is not None:
        frame = pd.concat([frame, X.reset_index(drop=True)], axis=1)
    return frame.drop(columns="y"), frame["y"].to_numpy()


# ------------------------------------------------------------ early stopping
def test_early_stopping_stops_and_restores_the_best_weights():
    y = make_panel(n_series=4, n_periods=36)
    # a large learning rate: the validation loss improves, then stops improving
    kw = params(DeepARForecaster, max_epochs=25, lr=0.2, patience=2,
                early_stopping=True)
    f = DeepARForecaster(**kw).fit(y)
    hist = f.training_history_
    losses = hist["valid_loss"].to_numpy()
    assert np.isfinite(losses).all()
    best = int(np.argmin(losses))
    # stopped `patience` epochs after the best one, long before max_epochs
    assert len(hist) == best + 1 + 2 < 25
    assert (losses[best + 1 :] > losses[best]).all()
    # the kept weights are those of the best epoch: the same as a run
    # (same seed) that ends at that epoch
    short = DeepARForecaster(**{**kw, "max_epochs": best + 1}).fit(y)
    np.testing.assert_array_equal(short.training_history_["valid_loss"],
                                  losses[: best + 1])
    # (without the restore, f would hold the weights of 2 epochs later)
    pd.testing.assert_frame_equal(f.predict(fh=[1, 2, 3]),
                                  short.predict(fh=[1, 2, 3]))


def _auto_panel():
    """3 series, horizon 3: 27 + 7 + 0 = 34 distinct training windows.

    ``a``: 30 days (one missing value inside: the span counts), ``b``: 10
    days starting later, ``c``: one observation (no window).
    """
    days = pd.date_range("2024-01-01", periods=30, freq="D")
    a = np.arange(30, dtype=float) % 7 + 5
    a[12] = np.nan
    parts = [("a", days, a), ("b", days[-10:], np.arange(10.0) + 3),
             ("c", days[-1:], np.array([4.0]))]
    index = pd.MultiIndex.from_tuples(
        [(k, t) for k, ts, _ in parts for t in ts], names=["series", "time"])
    return pd.DataFrame({"y": np.concatenate([v for *_, v in parts])},
                        index=index)


@pytest.mark.parametrize("batch_size, expected", [(17, True), (16, False)])
def test_early_stopping_auto_switches_at_10_draws_per_window(batch_size,
                                                             expected):
    # 1 epoch x 20 batches x batch_size windows against 10 x 34 windows
    y = _auto_panel()
    kw = params(DeepARForecaster, batches_per_epoch=20, batch_size=batch_size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "c" is too short to train on
        f = DeepARForecaster(**kw).fit(y)
    assert f.get_params()["early_stopping"] == "auto"
    assert f.core_.early_stopping_ is expected
    # validated (a finite validation loss) exactly when on
    assert bool(f.training_history_["valid_loss"].notna().all()) is expected
    # a forced value is kept whatever the budget
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forced = DeepARForecaster(**{**kw, "early_stopping": not expected}
                                  ).fit(y)
    assert forced.core_.early_stopping_ is (not expected)


def test_early_stopping_rejects_other_strings():
    with pytest.raises(ValueError, match="early_stopping"):
        DeepARForecaster(**{**KW, "early_stopping": "sometimes"}).fit(
            make_panel(n_series=2, n_periods=20))


# ------------------------------------------------------- unknown categories
def _store_panel():
    y = make_panel(n_series=4, n_periods=36)
    ids = y.index.get_level_values(0)
    X = pd.DataFrame({"store": np.where(ids.isin(["s00", "s01"]), "A", "B")},
                     index=y.index)
    return y, X


def test_unknown_static_category_at_predict_is_the_unknown_level():
    """A level unseen in training maps to the shared "unknown" code 0
    (documented: "Unknown series and categories map to code 0"): no error,
    and every unseen level gives the same forecast."""
    y, X = _store_panel()
    f = DeepARForecaster(static_categorical_columns=["store"], **KW)
    f.pretrain(y, X=X)
    new = y.loc[["s00"]].rename(index={"s00": "new"}, level=0)
    pred = {}
    for store in ["A", "C", "D"]:
        f.fit(new, X=pd.DataFrame({"store": store}, index=new.index))
        pred[store] = f.predict(fh=[1, 2, 3])["y"].to_numpy()
        assert np.isfinite(pred[store]).all()
    np.testing.assert_array_equal(pred["C"], pred["D"])
    assert not np.array_equal(pred["A"], pred["C"])


def test_regressor_rejects_a_new_static_level_for_a_known_series():
    """The regressor forecasts the series it was fitted on, whose static
    levels are known: a future row with another level is an error naming
    the column, not a silent switch to the unknown level."""
    y, X = _store_panel()
    Xl, target = long_format(y, X)
    reg = DeepARRegressor(static_categorical_columns=["store"], **KW).fit(Xl, target)
    t = pd.period_range(y.index.get_level_values(-1).max() + 1, periods=2)
    future = pd.DataFrame({"series_id": np.repeat(["s00", "s02"], 2),
                           "timestamp": np.tile(t, 2), "store": ["A", "A", "B", "B"]})
    assert np.isfinite(reg.predict(future)).all()
    future["store"] = ["A", "A", "Z", "Z"]
    with pytest.raises(ValueError, match=r"\['store'\] change value within a series"):
        reg.predict(future)


# --------------------------------------------- series that end at other times
def test_forecaster_warns_about_a_series_that_ends_before_the_cutoff():
    y = make_panel(n_series=3, n_periods=36)
    y = y.drop(y.loc[["s01"]].index[-4:])
    f = DeepARForecaster(**KW).fit(y)
    with pytest.warns(UserWarning, match=r"Series \['s01'\] end before the cutoff"):
        pred = f.predict(fh=[1, 2])
    # every series is forecast at the periods after the common cutoff
    cutoff = y.index.get_level_values(-1).max()
    for key in ["s00", "s01", "s02"]:
        assert list(pred.loc[key].index) == [cutoff + 1, cutoff + 2]


def test_regressor_predicts_only_a_series_that_ended_early():
    y = make_panel(n_series=2, n_periods=30)
    y = y.drop(y.loc[["s00"]].index[-4:])
    X, target = long_format(y)
    reg = DeepARRegressor(**KW).fit(X, target)
    last_a = y.loc["s00"].index[-1]
    pred = reg.predict(pd.DataFrame({"series_id": ["s00"],
                                     "timestamp": [last_a + 1]}))
    assert pred.shape == (1,) and np.isfinite(pred).all()


def test_full_length_series_get_the_same_forecast_from_both_estimators():
    """Same data, parameters and seed: the same network and the same draws,
    so the forecaster and the regressor agree exactly on a series that ends
    at the cutoff, also when another series of the panel ended earlier."""
    y = make_panel(n_series=3, n_periods=36)
    y = y.drop(y.loc[["s01"]].index[-4:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # s01 ends early
        f_pred = DeepARForecaster(**KW).fit(y).predict(fh=[1, 2, 3])
    X, target = long_format(y)
    reg = DeepARRegressor(**KW).fit(X, target)
    cutoff = y.index.get_level_values(-1).max()
    # every series asked 7 steps past its own end (the IndexError otherwise)
    t = pd.period_range(cutoff + 1, periods=7, freq=cutoff.freq)
    t01 = pd.period_range(y.loc["s01"].index[-1] + 1, periods=7, freq=cutoff.freq)
    future = pd.DataFrame({
        "series_id": ["s00"] * 7 + ["s01"] * 7 + ["s02"] * 7,
        "timestamp": list(t) + list(t01) + list(t)})
    r_pred = reg.predict(future)
    np.testing.assert_allclose(r_pred[:3], f_pred.loc["s00"]["y"], rtol=1e-6)
    np.testing.assert_allclose(r_pred[14:17], f_pred.loc["s02"]["y"], rtol=1e-6)


# ------------------------------------------------------- static real columns
def _sized_panel():
    y = make_panel(n_series=4, n_periods=36)
    ids = y.index.get_level_values(0)
    size = pd.Series(ids).map({"s00": 1.0, "s01": 2.0, "s02": 5.0, "s03": 9.0})
    X = pd.DataFrame({"size": size.to_numpy(), "promo": 0.0}, index=y.index)
    return y, X


def test_static_real_columns_are_used():
    y, X = _sized_panel()
    with_size = DeepARForecaster(static_real_columns=["size"], **KW)
    without = DeepARForecaster(**KW)
    X_future = pd.DataFrame(
        {"size": np.repeat([1.0, 2.0, 5.0, 9.0], 3), "promo": 0.0},
        index=pd.MultiIndex.from_product(
            [["s00", "s01", "s02", "s03"],
             pd.period_range(y.index.get_level_values(-1).max() + 1, periods=3)],
            names=y.index.names))
    a = with_size.fit(y, X=X).predict(fh=[1, 2, 3], X=X_future)
    b = without.fit(y, X=X.drop(columns="size")).predict(
        fh=[1, 2, 3], X=X_future.drop(columns="size"))
    assert a.shape == b.shape == (12, 1) and np.isfinite(a.to_numpy()).all()
    assert not np.allclose(a.to_numpy(), b.to_numpy())
    # the regressor takes the same column from its long-format X
    Xl, target = long_format(y, X)
    future = X_future.reset_index()
    future.columns = ["series_id", "timestamp", "size", "promo"]
    ra = DeepARRegressor(static_real_columns=["size"], **KW).fit(Xl, target)
    rb = DeepARRegressor(**KW).fit(Xl.drop(columns="size"), target)
    pa, pb = ra.predict(future), rb.predict(future.drop(columns="size"))
    assert np.isfinite(pa).all() and not np.allclose(pa, pb)


STATIC_REAL_ERRORS = {
    "missing": (ValueError, r"Static column\(s\) \['weight'\] are not columns of X"),
    "text": (TypeError, r"static_real_columns \['size'\] must be numeric"),
    "varying": (ValueError, r"\['size'\] change value within a series"),
    "nan": (ValueError, r"\['size'\]"),
    "no X": (ValueError, r"\['size'\] were declared .* but X is None"),
}


@pytest.mark.parametrize("cls, case", [
    (cls, case) for cls in (DeepARForecaster, DeepARRegressor)
    for case in STATIC_REAL_ERRORS
    # the regressor's X always exists (it holds the id and time columns)
    if not (cls is DeepARRegressor and case == "no X")])
def test_static_real_columns_errors(cls, case):
    error, match = STATIC_REAL_ERRORS[case]
    y, X = _sized_panel()
    columns = ["weight"] if case == "missing" else ["size"]
    if case == "text":
        X["size"] = X["size"].map({1.0: "S", 2.0: "M", 5.0: "L", 9.0: "XL"})
    elif case == "varying":
        X["size"] = np.arange(len(X), dtype=float)
    elif case == "nan":
        X.loc["s02", "size"] = np.nan
    est = cls(static_real_columns=columns, **KW)
    with pytest.raises(error, match=match):
        if cls is DeepARForecaster:
            est.fit(y, X=None if case == "no X" else X)
        else:
            est.fit(*long_format(y, X))


# ----------------------------------------------------- use_series_embedding
@pytest.mark.parametrize("use", [True, False])
def test_use_series_embedding(use):
    """Without the series embedding a forecast depends on the history only,
    not on the series id; with it, a known id and a new id differ."""
    y = make_panel(n_series=4, n_periods=36)
    f = DeepARForecaster(use_series_embedding=use, **KW).pretrain(y)
    known = y.loc[["s01"]]
    renamed = known.rename(index={"s01": "brand_new"}, level=0)
    a = f.fit(known).predict(fh=[1, 2, 3])["y"].to_numpy()
    b = f.fit(renamed).predict(fh=[1, 2, 3])["y"].to_numpy()
    assert np.isfinite(a).all() and np.isfinite(b).all()
    assert np.array_equal(a, b) is (not use)


def test_use_series_embedding_false_trains_another_network():
    y = make_panel(n_series=4, n_periods=36)
    on = DeepARForecaster(**KW).fit(y).predict(fh=[1, 2, 3])
    off = DeepARForecaster(use_series_embedding=False, **KW).fit(y).predict(
        fh=[1, 2, 3])
    assert on.index.equals(off.index) and np.isfinite(off.to_numpy()).all()
    assert not np.allclose(on.to_numpy(), off.to_numpy())


# -------------------------------------------------------- window weighting
@pytest.mark.parametrize("cls", [DeepARForecaster, DeepARRegressor])
def test_window_weighting_uniform_works_and_differs_from_scale(cls):
    y = make_panel(n_series=4, n_periods=36)
    preds = {}
    for weighting in ["scale", "uniform"]:
        est = cls(window_weighting=weighting, **KW)
        if cls is DeepARForecaster:
            preds[weighting] = est.fit(y).predict(fh=[1, 2, 3]).to_numpy().ravel()
        else:
            X, target = long_format(y)
            est.fit(X, target)
            t = pd.period_range(y.index.get_level_values(-1).max() + 1, periods=3)
            future = pd.DataFrame({"series_id": np.repeat(["s00", "s03"], 3),
                                   "timestamp": np.tile(t, 2)})
            preds[weighting] = est.predict(future)
    assert np.isfinite(preds["uniform"]).all()
    assert not np.allclose(preds["scale"], preds["uniform"])
    with pytest.raises(ValueError, match="window_weighting"):
        cls(window_weighting="by_length", **KW).fit(
            *((y,) if cls is DeepARForecaster else long_format(y)))

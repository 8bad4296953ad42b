"""Bad input a new user may give DeepAR: clear errors or documented behaviour.

Each case of issue 10's bad-input table that is not covered elsewhere: a
panel that mixes frequencies, a time index of another kind than the model's,
values at the network's scale floor, missing covariates (a missing row and a
NaN alike), ``freq=`` after ``pretrain`` and a static column with no value.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from skforecast_ntm import DeepARForecaster, DeepARRegressor

KW = dict(prediction_length=3, max_epochs=1, batches_per_epoch=2, hidden_size=4,
          num_layers=1, random_state=0)
T = pd.date_range("2020-01-01", periods=30)


def two_series(t=T, values=None):
    values = np.tile(np.arange(len(t)) % 7 + 1.0, 2) if values is None else values
    return pd.DataFrame({"y": values},
                        index=pd.MultiIndex.from_product([["a", "b"], t]))


def long_format(y, X=None):
    frame = y.reset_index()
    frame.columns = ["series_id", "timestamp", "y"]
    if X is not None:
        frame = frame.join(X.reset_index(drop=True))
    return frame.drop(columns="y"), frame["y"].to_numpy()


# ------------------------------------------------------------ frequencies
def _daily_and_month_end():
    daily = pd.DataFrame({"y": np.arange(30.0) + 1}, index=T)
    m = pd.date_range("2020-01-31", periods=12, freq="ME")
    monthly = pd.DataFrame({"y": np.arange(12.0) + 1}, index=m)
    return pd.concat({"daily": daily, "monthly": monthly})


def test_a_daily_and_a_month_end_series_in_one_panel_is_an_error():
    y = _daily_and_month_end()
    msg = (r"Series \['monthly'\] have a coarser frequency than the panel's grid "
           r"'D' .*\['daily'\].*own frequency 'monthly': 'ME'.*one model per "
           r"frequency.*freq='D'")
    with pytest.raises(ValueError, match=msg):
        DeepARForecaster(**KW).fit(y)
    X, target = long_format(y)
    with pytest.raises(ValueError, match=msg):
        DeepARRegressor(**KW).fit(X, target)


def test_freq_given_puts_sparse_rows_on_the_grid_as_missing_periods():
    # the documented way out: freq= says the month-end rows are days of a
    # daily grid with the other days missing
    y = _daily_and_month_end()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # monthly ends early
        f = DeepARForecaster(freq="D", **KW).fit(y)
        pred = f.predict(fh=[1])
    cutoff = pd.Timestamp("2020-12-31")
    assert list(pred.index) == [("daily", cutoff + pd.Timedelta(days=1)),
                                ("monthly", cutoff + pd.Timedelta(days=1))]


def test_a_daily_series_with_missing_days_is_not_a_mixed_frequency():
    y = two_series()
    y = y.drop(y.index[[3, 4, 10, 45]])  # gaps, but consecutive days elsewhere
    f = DeepARForecaster(**KW).fit(y)
    assert f.get_fitted_params()["freq"] == pd.tseries.frequencies.to_offset("D")


def _daily_pretrained(**kw):
    return DeepARForecaster(**KW, **kw).pretrain(two_series())


def test_a_period_index_after_datetime_pretraining_is_a_clear_error():
    f = _daily_pretrained()
    p = pd.period_range("2021-01-01", periods=20, freq="D")
    y_new = pd.DataFrame({"y": np.arange(20.0) + 1},
                         index=pd.MultiIndex.from_product([["c"], p]))
    with pytest.raises(TypeError, match=r"fitted on a DatetimeIndex .* of "
                                        r"frequency 'D' but got a PeriodIndex.*"
                                        r"to_timestamp\(\)"):
        f.fit(y_new)
    # the suggested conversion works
    y_new.index = y_new.index.set_levels(y_new.index.levels[-1].to_timestamp(),
                                         level=-1)
    pred = f.fit(y_new).predict(fh=[1])
    assert list(pred.index) == [("c", pd.Timestamp("2021-01-21"))]


def test_regressor_predict_with_periods_on_a_datetime_model_is_a_clear_error():
    X, target = long_format(two_series())
    reg = DeepARRegressor(**KW).fit(X, target)
    future = pd.DataFrame({"series_id": ["a"],
                           "timestamp": [pd.Period("2020-01-31", "D")]})
    with pytest.raises(TypeError, match=r"fitted on a DatetimeIndex .* but got a "
                                        r"PeriodIndex"):
        reg.predict(future)
    future["timestamp"] = future["timestamp"].dt.to_timestamp()
    assert np.isfinite(reg.predict(future)).all()


def test_freq_after_pretraining_is_rejected_unless_it_is_the_models():
    w = pd.date_range("2021-01-03", periods=20, freq="W")
    y_w = pd.DataFrame({"y": np.arange(20.0) + 1},
                       index=pd.MultiIndex.from_product([["c"], w]))
    f = _daily_pretrained(freq="D")
    f.freq = "W"  # changed behind sktime's back: the pretrained grid is daily
    with pytest.raises(ValueError, match=r"freq='W' differs from the frequency "
                                         r"'D' of the pretrained model.*"
                                         r"pretrain a new model with freq='W'"):
        f.fit(y_w)
    # set_params resets the forecaster (sktime): fit then trains a weekly model
    f = _daily_pretrained(freq="D").set_params(freq="W")
    assert f.state == "new"
    pred = f.fit(y_w).predict(fh=[1])
    assert list(pred.index) == [("c", w[-1] + pd.Timedelta(weeks=1))]


# ------------------------------------------------------------------ scale
def test_values_at_the_scale_floor_are_warned_about_with_the_fix():
    y = two_series()
    y.loc["b", "y"] = y.loc["b", "y"].to_numpy() * 1e-14
    with pytest.warns(UserWarning, match=r"Series \['b'\] have values of magnitude "
                                         r"3\.8e-14 .*scale floor 1e-10.*"
                                         r"y \* 1e14"):
        DeepARForecaster(**KW).fit(y)
    X, target = long_format(y)
    with pytest.warns(UserWarning, match=r"Series \['b'\] .*scale floor"):
        DeepARRegressor(**KW).fit(X, target)


def test_small_values_well_above_the_floor_are_not_warned_about():
    y = two_series()
    y["y"] *= 1e-6
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        DeepARForecaster(**KW).fit(y)
    assert not [w for w in caught if "scale floor" in str(w.message)]


# ------------------------------------------------------------- covariates
def _with_price():
    y = two_series()
    X = pd.DataFrame({"price": np.linspace(1.0, 2.0, len(y))}, index=y.index)
    return y, X


def test_a_missing_covariate_row_at_fit_is_an_error_naming_series_and_period():
    y, X = _with_price()
    msg = (r"X has no covariate values \(no row, or a NaN in \['price'\]\) for "
           r"the periods \['2020-01-06 00:00:00'\] of series \['a'\].*"
           r"MissingValueFiller")
    with pytest.raises(ValueError, match=msg):
        DeepARForecaster(**KW).fit(y, X=X.drop(X.index[5]))
    # the regressor: a (series, period) without a row has no covariates
    Xl, target = long_format(y, X)
    with pytest.raises(ValueError, match=msg):
        DeepARRegressor(**KW).fit(Xl.drop(index=5), np.delete(target, 5))


def test_a_nan_covariate_at_fit_is_the_same_error_kind():
    y, X = _with_price()
    X.iloc[5, 0] = np.nan
    msg = (r"X column\(s\) \['price'\] have missing values \(series \['a'\], "
           r"first at 2020-01-06.*MissingValueFiller")
    with pytest.raises(ValueError, match=msg):
        DeepARForecaster(**KW).fit(y, X=X)
    Xl, target = long_format(y, X)
    with pytest.raises(ValueError, match=msg):
        DeepARRegressor(**KW).fit(Xl, target)


def test_a_series_that_ended_early_needs_covariates_through_its_gap():
    # forecast from its own end, series b steps through the periods between
    # its last row and the cutoff, so X must cover them
    y, X = _with_price()
    y = y.drop(y.loc[["b"]].index[-3:])
    X_fit = X.drop(X.loc[["b"]].index[-3:])
    f = DeepARForecaster(**KW).fit(y, X=X_fit)
    future_t = pd.date_range(T[-1] + pd.Timedelta(days=1), periods=2)
    future = pd.DataFrame({"price": 2.0},
                          index=pd.MultiIndex.from_product([["a", "b"], future_t]))
    with pytest.warns(UserWarning, match=r"Series \['b'\] end before the cutoff"), \
            pytest.raises(ValueError, match=r"X misses covariate rows for the "
                                            r"forecast periods \['2020-01-28"):
        f.predict(fh=[1, 2], X=future)
    gap = X.loc[["b"]].iloc[-3:]
    with pytest.warns(UserWarning, match=r"forecast from its own end"):
        pred = f.predict(fh=[1, 2], X=pd.concat([gap, future]).sort_index())
    assert list(pred.loc["b"].index) == list(future_t)


# ------------------------------------------------------------------ static
def _with_store():
    y = two_series()
    X = pd.DataFrame({"store": np.repeat(["A", "B"], len(T))}, index=y.index)
    return y, X


def test_a_static_column_without_a_value_for_a_series_is_named_as_static():
    y, X = _with_store()
    X.loc["b", "store"] = None
    msg = (r"Static column\(s\) \['store'\] have no value for series \['b'\].*"
           r"fillna\('unknown'\)")
    with pytest.raises(ValueError, match=msg):
        DeepARForecaster(static_categorical_columns=["store"], **KW).fit(y, X=X)
    Xl, target = long_format(y, X)
    with pytest.raises(ValueError, match=msg):
        DeepARRegressor(static_categorical_columns=["store"], **KW).fit(Xl, target)


def test_a_static_value_missing_on_some_rows_is_read_from_the_others():
    y, X = _with_store()
    full = DeepARForecaster(static_categorical_columns=["store"], **KW).fit(y, X=X)
    X.iloc[[3, 40]] = None  # one row of each series
    holes = DeepARForecaster(static_categorical_columns=["store"], **KW).fit(y, X=X)
    pd.testing.assert_frame_equal(holes.predict(fh=[1, 2]), full.predict(fh=[1, 2]))


# ------------------------------------------- errors before sktime's checks
def test_unsorted_target_names_the_series_and_the_fix():
    y = two_series()
    # series "b" has two stamps swapped; "a" is in order
    shuffled = y.iloc[[*range(30), 31, 30, *range(32, 60)]]
    with pytest.raises(ValueError, match=r"series \['b'\] of y are not sorted"
                       r".*sort_index"):
        DeepARForecaster(**KW).fit(shuffled, fh=[1, 2, 3])
    # the suggested fix works
    f = DeepARForecaster(**KW).fit(shuffled.sort_index(), fh=[1, 2, 3])
    assert f.predict().shape == (6, 1)


def test_unsorted_update_is_caught_too():
    y = two_series()
    f = DeepARForecaster(**KW).fit(y.loc[(slice(None), T[:25]), :], fh=[1, 2, 3])
    new = y.loc[(slice(None), T[25:]), :]
    with pytest.raises(ValueError, match="not sorted"):
        f.update(new.iloc[::-1], update_params=False)


def test_numbers_with_object_dtype_are_not_called_categorical():
    y = two_series()
    y["y"] = y["y"].astype(object)
    with pytest.raises(TypeError, match=r"\['y'\] hold numbers with dtype "
                       r"object.*pd.to_numeric"):
        DeepARForecaster(**KW).fit(y, fh=[1, 2, 3])


def test_a_panel_of_tiny_values_gets_intervals_of_its_own_size():
    """The scale floor is relative to the data: a whole panel at 1e-14 is
    forecast like the same panel at 1 (an absolute floor of 1e-10 made its
    intervals about 1,500 times too wide)."""
    y = two_series()

    def width(data):
        f = DeepARForecaster(**KW).fit(data, fh=[1, 2, 3])
        q = f.predict_quantiles(alpha=[0.1, 0.9])
        return float((q.iloc[:, 1] - q.iloc[:, 0]).mean())

    ratio = width(y * 1e-14) / 1e-14 / width(y)
    # log(scale) is a network input, so not exactly equivariant
    assert 0.5 < ratio < 2.0

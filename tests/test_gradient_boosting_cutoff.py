"""GradientBoostingForecaster on panels whose series end before the cutoff.

Same semantics as DeepARForecaster: the output covers the periods after the
panel's cutoff for every series, and a series that ended ``g`` periods
earlier is forecast from its own end (step ``g + k`` for cutoff + ``k``).
"""

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("lightgbm")

from skforecast_ntm import DeepARForecaster, GradientBoostingForecaster  # noqa: E402

FAST = dict(n_estimators=30, learning_rate=0.1, num_leaves=8,
            min_child_samples=3, random_state=0)
OWN_END = r"Series \['b'\] end before the cutoff .*forecast from its own end"


def _ragged(n=30, b_len=25):
    t = pd.date_range("2020-01-01", periods=n)
    rng = np.random.default_rng(0)
    y = pd.concat({"a": pd.DataFrame({"y": 10 + rng.gamma(2, 1, n)}, index=t),
                   "b": pd.DataFrame({"y": 50 + rng.gamma(2, 5, b_len)},
                                     index=t[:b_len])})
    return y.rename_axis(["id", "time"]), t


class _Recorder:
    """Stands in for a booster: records the rows it is asked about."""

    def __init__(self):
        self.rows = []

    def predict(self, rows, num_threads=1):
        self.rows.append(np.array(rows))
        return np.zeros(len(rows))


def test_same_forecast_index_as_deepar_when_a_series_ends_early():
    y, t = _ragged()
    gbm = GradientBoostingForecaster(prediction_length=8, lags=[1, 2, 7],
                                     windows=[7], **FAST).fit(y)
    deepar = DeepARForecaster(prediction_length=3, max_epochs=1,
                              batches_per_epoch=2, hidden_size=4, num_layers=1,
                              random_state=0).fit(y)
    fh = [1, 2, 3]
    with pytest.warns(UserWarning, match=OWN_END):
        g = gbm.predict(fh=fh)
    with pytest.warns(UserWarning, match=OWN_END):
        d = deepar.predict(fh=fh)
    assert g.index.equals(d.index)
    assert g.index.names == d.index.names == ["id", "time"]
    assert list(g.loc["b"].index) == list(t[-1] + pd.to_timedelta(fh, "D"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the same warning
        gq = gbm.predict_quantiles(fh=fh, alpha=[0.1, 0.9])
        dq = deepar.predict_quantiles(fh=fh, alpha=[0.1, 0.9])
    assert gq.index.equals(dq.index)
    assert np.isfinite(g.to_numpy()).all()


def test_lag_features_of_an_early_series_are_its_own_last_values():
    y, _ = _ragged()  # b ends 5 periods before the cutoff
    f = GradientBoostingForecaster(prediction_length=8, lags=[1, 2, 3],
                                   windows=[3], calendar=False, **FAST).fit(y)
    rec = {q: _Recorder() for q in f.boosters_}
    f.boosters_ = rec
    with pytest.warns(UserWarning, match=OWN_END):
        f.predict(fh=[1, 2, 3])
    names = f.feature_names_
    col = {n: names.index(n) for n in names}
    b_vals = y.loc["b", "y"].to_numpy()
    a_vals = y.loc["a", "y"].to_numpy()
    for j, rows in enumerate(rec[0.5].rows):  # one call per requested step
        a, b = rows  # series in sorted order
        scale_b = np.exp(b[col["log_scale"]])
        # scale window: the daily season (7), ending at b's own last row
        np.testing.assert_allclose(scale_b, np.abs(b_vals[-7:]).mean())
        for k in (1, 2, 3):  # lag k = y[last + 1 - k]
            np.testing.assert_allclose(b[col[f"lag_{k}"]] * scale_b,
                                       b_vals[-k], rtol=1e-12)
            np.testing.assert_allclose(
                a[col[f"lag_{k}"]] * np.exp(a[col["log_scale"]]), a_vals[-k],
                rtol=1e-12)
        np.testing.assert_allclose(b[col["rolling_mean_3"]] * scale_b,
                                   b_vals[-3:].mean())
        assert b[col["step"]] == 5 + j + 1  # gap 5 + requested step
        assert a[col["step"]] == j + 1


def test_a_known_pattern_is_continued_from_the_series_own_end():
    """An alternating series that stopped 3 periods early: from its own end
    the next values are known; from the common cutoff its lags and seasonal
    lags would all be missing."""
    n = 60
    t = pd.RangeIndex(n)
    pattern = 10 + 5 * (-1.0) ** np.arange(n)  # 15, 5, 15, ...
    levels = {"a": 1.0, "b": 3.0, "c": 7.0}
    ends = {"a": n, "b": n - 3, "c": n}
    y = pd.concat({k: pd.DataFrame({"y": lv * pattern[: ends[k]]},
                                   index=t[: ends[k]])
                   for k, lv in levels.items()})
    # period-2 seasonal lags of the target date carry the answer: the value
    # of the same parity at or before the origin (b's own last two rows)
    f = GradientBoostingForecaster(prediction_length=8, lags=[1, 2],
                                   windows=[2], seasonal_period=2,
                                   **{**FAST, "n_estimators": 60,
                                      "learning_rate": 0.3}).fit(y)
    with pytest.warns(UserWarning, match=OWN_END):
        pred = f.predict(fh=[1, 2, 3, 4])
    ahead = 10 + 5 * (-1.0) ** np.arange(n, n + 4)  # periods after the cutoff
    np.testing.assert_allclose(pred.loc["b", "y"].to_numpy(), 3.0 * ahead,
                               rtol=0.02)
    np.testing.assert_allclose(pred.loc["a", "y"].to_numpy(), ahead, rtol=0.02)


def test_periods_past_the_trained_horizon_from_the_last_row_still_forecast():
    y, _ = _ragged()  # gap of 5 periods, 3 trained steps
    f = GradientBoostingForecaster(prediction_length=3, **FAST).fit(y)
    with pytest.warns(UserWarning, match=r"more than the trained horizon \(3 "
                                         r"steps\) after the last row of series "
                                         r"\['b'\]"):
        pred = f.predict(fh=[1, 2, 3])
    assert np.isfinite(pred.to_numpy()).all()
    assert pred.shape == (6, 1)

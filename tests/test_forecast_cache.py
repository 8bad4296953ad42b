"""DeepARForecaster draws once per (cutoff, fh, X) and keeps a bounded history."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import make_panel

from skforecast_ntm import DeepARForecaster
from skforecast_ntm.datasets import make_retail_panel
from skforecast_ntm.forecasting._panel import build_panel


def _count_draws(monkeypatch, f):
    calls = []
    sample = f.core_.sample

    def counting(*args, **kwargs):
        calls.append(1)
        return sample(*args, **kwargs)

    monkeypatch.setattr(f.core_, "sample", counting)
    return calls


@pytest.fixture
def fitted(tiny):
    panel = make_panel(n_series=3, n_periods=30)
    return DeepARForecaster(prediction_length=3, **tiny).fit(panel), panel


def test_every_summary_of_one_horizon_costs_one_draw(monkeypatch, fitted):
    f, _ = fitted
    calls = _count_draws(monkeypatch, f)
    fh = [1, 2, 3]
    q = f.predict_quantiles(fh=fh, alpha=[0.1, 0.5, 0.9])
    itv = f.predict_interval(fh=fh, coverage=0.8)
    point = f.predict(fh=fh)
    f.predict_var(fh=fh)
    f.predict_proba(fh=fh)
    f.predict_summary(fh=fh)
    assert len(calls) == 1
    # mutually consistent: the 80% interval is the 10% and 90% quantiles (of
    # the same paths; sktime computes 0.1 as (1 - 0.8) / 2), and the point
    # forecast (median) is the 50% quantile
    np.testing.assert_allclose(itv.to_numpy(), q.to_numpy()[:, [0, 2]],
                               rtol=1e-6)
    np.testing.assert_allclose(point.to_numpy()[:, 0], q.to_numpy()[:, 1],
                               rtol=1e-6)
    # another horizon is another draw
    f.predict(fh=[1, 2])
    assert len(calls) == 2


def test_a_second_call_gives_the_same_answer_even_if_the_first_was_changed(
        fitted):
    f, _ = fitted
    first = f.predict_quantiles(fh=[1, 2], alpha=[0.25, 0.75])
    expected = first.to_numpy().copy()
    first.iloc[:, :] = 0.0  # what a caller does with its result
    np.testing.assert_array_equal(
        f.predict_quantiles(fh=[1, 2], alpha=[0.25, 0.75]).to_numpy(), expected)


def test_new_covariates_fit_and_update_draw_again(monkeypatch, tiny):
    data = make_retail_panel(n_series=3, n_periods=40, horizon=4, random_state=0)
    cut = data.y.index.get_level_values(-1).max()
    t = data.X.index.get_level_values(-1)
    f = DeepARForecaster(prediction_length=2, **tiny).fit(data.y, X=data.X[t <= cut])
    calls = _count_draws(monkeypatch, f)
    a = f.predict(fh=[1, 2], X=data.X)
    f.predict(fh=[1, 2], X=data.X.copy())  # equal content: the cached draw
    assert len(calls) == 1
    X2 = data.X.copy()
    X2["promo"] = 1.0
    b = f.predict(fh=[1, 2], X=X2)
    assert len(calls) == 2 and not np.array_equal(a.to_numpy(), b.to_numpy())
    f.update(data.y_future[data.y_future.index.get_level_values(-1) == cut + 1],
             X=data.X[t == cut + 1], update_params=False)
    calls = _count_draws(monkeypatch, f)
    c = f.predict(fh=[1], X=data.X)
    assert len(calls) == 1
    assert c.index.get_level_values(-1)[0] == cut + 2


def test_pickled_model_draws_the_same_paths(fitted):
    f, _ = fitted
    before = f.predict_quantiles(fh=[1, 2, 3], alpha=[0.1, 0.9])
    g = pickle.loads(pickle.dumps(f))
    assert len(g._draws) == 0  # the cache is not pickled
    np.testing.assert_array_equal(
        g.predict_quantiles(fh=[1, 2, 3], alpha=[0.1, 0.9]).to_numpy(),
        before.to_numpy())


# ----------------------------------------------------------- bounded history
def _ragged_data():
    """Covariates, a static category, missing values, a series that ends early
    and one whose last observed value lies far before the cutoff."""
    data = make_retail_panel(n_series=4, n_periods=40, horizon=30,
                             missing_rate=0.2, random_state=2)
    y = pd.concat([data.y, data.y_future]).sort_index()
    X = data.X.join(data.static[["store"]], on="series_id")
    X["store"] = X["store"].astype(str)
    t = y.index.get_level_values(-1)
    sid = y.index.get_level_values(0)
    cut0 = data.y.index.get_level_values(-1).max()
    y = y[~((sid == "s1") & (t > cut0 + 5))].copy()  # ends early
    t, sid = y.index.get_level_values(-1), y.index.get_level_values(0)
    y.loc[(sid == "s2") & (t > cut0 - 3), "y"] = np.nan  # long missing tail
    return y, X, cut0


def test_update_keeps_a_bounded_history_with_the_whole_history_forecast(tiny):
    y, X, cut0 = _ragged_data()
    t, tx = y.index.get_level_values(-1), X.index.get_level_values(-1)
    kw = dict(tiny, prediction_length=3, context_length=4, lags=[1, 2, 3],
              static_categorical_columns=["store"])
    f = DeepARForecaster(**kw).fit(y[t <= cut0], X=X[tx <= cut0])
    lengths = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # s1 ends before the cutoff
        for k in range(1, 26):
            f.update(y[t == cut0 + k], X=X[tx == cut0 + k], update_params=False)
            lengths.append(f.get_fitted_params()["history_length"])
        pred = f.predict(fh=[1, 2, 3], X=X)
    # at most context_length + max(lags) = 7 rows per series, however many
    # updates
    assert max(lengths) <= 4 * 7
    assert lengths[-1] == lengths[-10]
    # the reference: the same network sampled from the whole history
    core = f.core_
    cut = cut0 + 25
    full = build_panel(y[t <= cut], X, info=core.enc.info,
                       static_columns=["store"])
    cut_pos = int(full.grid.get_loc(cut))
    origin = np.minimum(full.last, cut_pos) + 1
    gap = cut_pos + 1 - origin
    paths = core.sample(full, origin, int(gap.max()) + 3)
    steps = gap[:, None] + np.arange(3)
    paths = np.take_along_axis(paths, steps[:, None, :], axis=2)
    np.testing.assert_array_equal(pred.to_numpy()[:, 0],
                                  np.median(paths, axis=1).ravel())


def test_retraining_updates_keep_the_whole_history(tiny):
    panel = make_panel(n_series=2, n_periods=40)
    t = panel.index.get_level_values(-1)
    cut = t.unique()[29]
    f = DeepARForecaster(prediction_length=2, context_length=3, lags=[1],
                         update_epochs=1, **tiny).fit(panel[t <= cut])
    f.update(panel[(t > cut) & (t <= cut + 5)])
    assert f.get_fitted_params()["history_length"] == 2 * 35


def test_update_with_rows_older_than_the_kept_history_warns(tiny):
    panel = make_panel(n_series=2, n_periods=40)
    t = panel.index.get_level_values(-1)
    cut = t.unique()[29]
    f = DeepARForecaster(prediction_length=2, context_length=3, lags=[1],
                         **tiny).fit(panel[t <= cut])
    with pytest.warns(UserWarning, match="older than the history"):
        f.update(panel[t <= cut + 1], update_params=False)
    assert f.cutoff[0] == cut + 1

"""DeepARForecaster: sktime conformance, behaviour, bad input, compositions."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import make_panel
from sktime.utils.estimator_checks import check_estimator, parametrize_with_checks

from skforecast_ntm import DeepARForecaster
from skforecast_ntm.datasets import make_retail_panel


# ------------------------------------------------------------ conformance
@parametrize_with_checks(DeepARForecaster)
def test_sktime_conformance(obj, test_name):
    # every check of sktime's suite, no skips
    check_estimator(obj, tests_to_run=test_name, raise_exceptions=True)


# ------------------------------------------------------------- behaviour
def test_panel_forecast_shapes_and_quantiles(panel, tiny):
    f = DeepARForecaster(prediction_length=6, **tiny).fit(panel)
    fh = [1, 2, 3, 4, 5, 6]
    y_pred = f.predict(fh=fh)
    assert y_pred.shape == (6 * 6, 1)
    assert list(y_pred.index.names) == ["id", "time"]
    first = y_pred.loc["s00"].index
    assert first[0] == pd.Period("2014-01", "M") and len(first) == 6
    q = f.predict_quantiles(fh=fh, alpha=[0.1, 0.5, 0.9])
    assert q.shape == (36, 3)
    vals = q.to_numpy()
    assert (np.diff(vals, axis=1) >= 0).all()  # quantiles are ordered
    # predict is the median of the sample paths
    np.testing.assert_allclose(
        q.iloc[:, 1].to_numpy(), y_pred.iloc[:, 0].to_numpy(), rtol=1e-5)
    var = f.predict_var(fh=fh)
    assert (var.to_numpy() > 0).all()
    itv = f.predict_interval(fh=fh, coverage=0.8)
    assert (itv.iloc[:, 0] <= itv.iloc[:, 1]).all()
    dist = f.predict_proba(fh=[1, 2])
    assert dist.shape == (12, 1)
    # same seed, same sample paths: the empirical mean is the "mean" forecast
    g = DeepARForecaster(prediction_length=6, point_forecast="mean", **tiny)
    np.testing.assert_allclose(
        dist.mean().to_numpy(), g.fit(panel).predict(fh=[1, 2]).to_numpy(),
        rtol=1e-5)


def test_num_samples_controls_paths(panel, tiny):
    tiny["num_samples"] = 7
    f = DeepARForecaster(prediction_length=3, **tiny).fit(panel)
    dist = f.predict_proba(fh=[1, 2, 3])
    assert dist.spl.index.get_level_values("sample").nunique() == 7


def test_same_seed_same_forecast_different_seed_differs(panel, tiny):
    a = DeepARForecaster(prediction_length=4, **tiny).fit(panel).predict(fh=[1, 2])
    b = DeepARForecaster(prediction_length=4, **tiny).fit(panel).predict(fh=[1, 2])
    pd.testing.assert_frame_equal(a, b)
    tiny["random_state"] = 1
    c = DeepARForecaster(prediction_length=4, **tiny).fit(panel).predict(fh=[1, 2])
    assert not np.allclose(a.to_numpy(), c.to_numpy())


def test_dropout_between_layers_is_seeded(panel, tiny):
    """Two layers with dropout: the masks come from the seeded torch RNG."""
    tiny.update(num_layers=2, dropout=0.3)
    a = DeepARForecaster(prediction_length=4, **tiny).fit(panel).predict(fh=[1, 2])
    b = DeepARForecaster(prediction_length=4, **tiny).fit(panel).predict(fh=[1, 2])
    pd.testing.assert_frame_equal(a, b)
    tiny["dropout"] = 0.0
    c = DeepARForecaster(prediction_length=4, **tiny).fit(panel).predict(fh=[1, 2])
    assert not np.allclose(a.to_numpy(), c.to_numpy())


def test_gradient_is_clipped_to_gradient_clip(panel, tiny):
    import torch

    clip = 1e-4
    f = DeepARForecaster(prediction_length=4, gradient_clip=clip, **tiny).fit(panel)
    grads = [p.grad for p in f.core_.net_.module_.parameters() if p.grad is not None]
    assert grads  # the last step's gradients are kept
    norm = torch.linalg.vector_norm(torch.stack(
        [torch.linalg.vector_norm(g) for g in grads]))
    assert 0 < float(norm) <= clip * (1 + 1e-4)


def test_bfloat16_precision_is_reproducible_and_close_to_float32(panel, tiny):
    import torch

    tiny.update(num_layers=2, dropout=0.1, max_epochs=3)
    fh = [1, 2, 3]
    f = DeepARForecaster(prediction_length=4, precision="bfloat16", **tiny).fit(panel)
    assert f.core_.net_.module_.lstm_dtype == torch.bfloat16
    a = f.predict(fh=fh)
    b = DeepARForecaster(prediction_length=4, precision="bfloat16",
                         **tiny).fit(panel).predict(fh=fh)
    pd.testing.assert_frame_equal(a, b)
    c = DeepARForecaster(prediction_length=4, **tiny).fit(panel).predict(fh=fh)
    assert not a.equals(c)
    # the same training in another precision: forecasts within a few percent
    np.testing.assert_allclose(a.to_numpy(), c.to_numpy(), rtol=0.1)
    with pytest.raises(ValueError, match="precision"):
        DeepARForecaster(precision="float16", **tiny).fit(panel)


def test_predict_twice_identical_and_global_rng_untouched(panel, tiny):
    import torch

    f = DeepARForecaster(prediction_length=4, **tiny).fit(panel)
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    a = f.predict(fh=[1, 2])
    b = f.predict(fh=[1, 2])
    pd.testing.assert_frame_equal(a, b)
    assert torch.rand(1) == expected  # the user's RNG stream is not consumed


def test_single_series_and_unequal_lengths(tiny):
    y = make_panel(unequal=True)
    f = DeepARForecaster(prediction_length=3, **tiny).fit(y)
    pred = f.predict(fh=[1, 2, 3])
    assert pred.shape == (18, 1) and np.isfinite(pred.to_numpy()).all()
    single = y.loc["s01"]
    f1 = DeepARForecaster(prediction_length=3, **tiny).fit(single)
    p1 = f1.predict(fh=[1, 2, 3])
    assert p1.shape == (3, 1)
    assert isinstance(p1.index, pd.PeriodIndex)


def test_missing_values_are_masked(tiny):
    y = make_panel()
    y.iloc[[3, 10, 50, 51, 52]] = np.nan
    f = DeepARForecaster(prediction_length=3, **tiny).fit(y)
    assert np.isfinite(f.predict(fh=[1, 2, 3]).to_numpy()).all()
    assert np.isfinite(f.training_history_["train_loss"]).all()


def test_learns_seasonal_panel_better_than_naive():
    y = make_panel(n_series=8, n_periods=72)
    train = y.groupby(level=0).head(60)
    test = y.groupby(level=0).tail(12)
    f = DeepARForecaster(
        prediction_length=12, max_epochs=15, batches_per_epoch=20,
        hidden_size=16, num_samples=50, random_state=0, early_stopping=False,
    ).fit(train)
    pred = f.predict(fh=np.arange(1, 13))
    last = train.groupby(level=0).tail(1)["y"].to_numpy().repeat(12)
    err_model = np.abs(pred["y"].to_numpy() - test["y"].to_numpy()).mean()
    err_naive = np.abs(last - test["y"].to_numpy()).mean()
    assert err_model < 0.8 * err_naive


def test_covariates_and_static_features_are_used():
    data = make_retail_panel(n_series=8, n_periods=100, horizon=7, random_state=0)
    X = data.X.join(data.static, on="series_id")
    f = DeepARForecaster(
        prediction_length=7, likelihood="negative_binomial", max_epochs=2,
        batches_per_epoch=4, batch_size=16, hidden_size=8, num_samples=20,
        static_categorical_columns=["store", "category"], random_state=0,
    ).fit(data.y, X=X.loc[data.y.index])
    pred = f.predict(fh=np.arange(1, 8), X=X)
    assert pred.shape == (8 * 7, 1)
    assert (pred.to_numpy() >= 0).all()
    assert f.core_.enc.x_columns == ["promo", "price"]
    assert [len(level) for level in f.core_.enc.cat_levels] == [
        data.static["store"].nunique(), data.static["category"].nunique()]


# ------------------------------------------------------------ cold start
def test_pretrain_then_fit_unseen_series_without_retraining(tiny):
    y = make_panel(n_series=6)
    pre, new = y.loc[["s00", "s01", "s02", "s03"]], y.loc[["s04", "s05"]]
    f = DeepARForecaster(prediction_length=3, **tiny)
    f.pretrain(pre)
    assert f.state == "pretrained"
    weights = {k: v.clone() for k, v in
               f.pretrained_core_.net_.module_.state_dict().items()}
    f.fit(new)
    after = f.core_.net_.module_.state_dict()
    assert all((weights[k] == after[k]).all() for k in weights)
    # the new series are scaled by their own history: the last input of the
    # network (log scale) is the mean absolute value of each context
    net = f.core_.net_.module_
    seen = []
    hook = net.rnn.register_forward_hook(lambda m, a, o: seen.append(a[0]))
    try:
        pred = f.predict(fh=[1, 2, 3])  # the first draw runs the network
    finally:
        hook.remove()
    assert sorted(pred.index.get_level_values(0).unique()) == ["s04", "s05"]
    expected = [new.loc[k]["y"].tail(net.context_length).abs().mean()
                for k in ["s04", "s05"]]
    np.testing.assert_allclose(seen[0][0, :, -1].exp().numpy(), expected,
                               rtol=1e-5)


def test_update_conditions_without_retraining(panel, tiny):
    train = panel.groupby(level=0).head(40)
    new = panel.groupby(level=0).tail(8)
    f = DeepARForecaster(prediction_length=3, **tiny).fit(train)
    before = {k: v.clone() for k, v in f.core_.net_.module_.state_dict().items()}
    p0 = f.predict(fh=[1])
    f.update(new)
    after = f.core_.net_.module_.state_dict()
    assert all((before[k] == after[k]).all() for k in before)
    p1 = f.predict(fh=[1])
    assert p1.index.get_level_values(-1)[0] == pd.Period("2014-01", "M")
    assert p0.index.get_level_values(-1)[0] == pd.Period("2013-05", "M")
    # with update_epochs the network is trained further
    g = DeepARForecaster(prediction_length=3, update_epochs=1, **tiny).fit(train)
    g.update(new)
    changed = g.core_.net_.module_.state_dict()
    assert any((before[k] != changed[k]).any() for k in before)


def test_pickle_round_trip_and_clone(panel, tiny):
    f = DeepARForecaster(prediction_length=3, **tiny).fit(panel)
    g = pickle.loads(pickle.dumps(f))
    pd.testing.assert_frame_equal(f.predict(fh=[1, 2]), g.predict(fh=[1, 2]))
    pd.testing.assert_frame_equal(
        f.predict_quantiles(fh=[1, 2]), g.predict_quantiles(fh=[1, 2]))
    c = f.clone()
    assert c.get_params() == f.get_params() and not c.is_fitted


# ------------------------------------------------------------- bad input
def test_negative_binomial_rejects_negative_targets(panel, tiny):
    y = panel.copy()
    y.iloc[5, 0] = -1.0
    with pytest.raises(ValueError, match=r"non-negative.*'s00'"):
        DeepARForecaster(likelihood="negative_binomial", **tiny).fit(y)


def test_unknown_likelihood_is_rejected(panel, tiny):
    with pytest.raises(ValueError, match="likelihood"):
        DeepARForecaster(likelihood="poisson", **tiny).fit(panel)


def test_all_missing_series_is_an_error(panel, tiny):
    y = panel.copy()
    y.loc["s03", "y"] = np.nan
    with pytest.raises(ValueError, match=r"'s03'.*no observed"):
        DeepARForecaster(**tiny).fit(y)


def test_short_series_warns_with_ids_and_is_still_forecast(tiny):
    y = make_panel(n_series=4, n_periods=40)
    short = y.loc[["s03"]].tail(1)
    y = pd.concat([y.drop(index="s03", level=0), short])
    with pytest.warns(UserWarning, match=r"'s03'.*too short"):
        f = DeepARForecaster(prediction_length=3, **tiny).fit(y)
    pred = f.predict(fh=[1, 2])
    assert np.isfinite(pred.loc["s03"].to_numpy()).all()


def test_shorter_than_context_warns(tiny):
    y = make_panel(n_series=3, n_periods=30)
    y = pd.concat([y.drop(index="s02", level=0), y.loc[["s02"]].tail(6)])
    with pytest.warns(UserWarning, match=r"'s02'.*shorter than context_length=12"):
        DeepARForecaster(prediction_length=3, context_length=12, **tiny).fit(y)


def test_duplicate_and_unsorted_timestamps(tiny):
    from skforecast_ntm.forecasting._panel import build_panel

    y = make_panel(n_series=2, n_periods=20)
    dup = pd.concat([y, y.iloc[[3]]])
    # checked before sktime's conversion, so the error names the series
    with pytest.raises(ValueError, match=r"Duplicate time stamps.*'s00'"):
        DeepARForecaster(**tiny).fit(dup)
    with pytest.raises(ValueError, match=r"Duplicate time stamps.*'s00'"):
        build_panel(dup)
    unsorted = y.iloc[[1, 0, *range(2, len(y))]]
    with pytest.raises(ValueError, match=r"not sorted"):
        build_panel(unsorted)


def test_irregular_index_without_frequency(tiny):
    times = pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-04", "2020-01-09",
                            "2020-01-10", "2020-01-20"])
    y = pd.DataFrame({"y": np.arange(6.0)}, index=times)
    with pytest.raises(ValueError, match="infer a regular frequency"):
        DeepARForecaster(**tiny).fit(y)


def test_non_numeric_target(tiny):
    from skforecast_ntm.forecasting._panel import build_panel

    y = pd.DataFrame({"y": list("abcdef")},
                     index=pd.period_range("2020-01", periods=6, freq="M"))
    with pytest.raises(TypeError, match=r"not numeric"):
        build_panel(y)
    with pytest.raises((TypeError, ValueError)):
        DeepARForecaster(**tiny).fit(y)


def test_X_missing_forecast_periods_named(tiny):
    data = make_retail_panel(n_series=3, n_periods=60, horizon=5, random_state=1)
    X = data.X
    f = DeepARForecaster(prediction_length=5, **tiny).fit(
        data.y, X=X.loc[data.y.index])
    short_X = X.groupby(level=0).head(60 + 2)  # two of five future periods
    with pytest.raises(ValueError, match=r"forecast periods \['.*'\]"):
        f.predict(fh=[1, 2, 3, 4, 5], X=short_X)
    with pytest.raises(ValueError, match=r"fitted with covariates"):
        f.predict(fh=[1])


def test_fh_in_the_past_is_rejected(panel, tiny):
    f = DeepARForecaster(prediction_length=3, **tiny).fit(panel)
    # sktime itself rejects in-sample horizons of a forecaster without the
    # capability; an absolute fh at the cutoff reaches our own check
    with pytest.raises(NotImplementedError, match="in-sample"):
        f.predict(fh=[-1, 0, 1])
    cutoff = f.cutoff[0]
    with pytest.raises((ValueError, NotImplementedError), match="in.sample"):
        f.predict(fh=pd.PeriodIndex([cutoff - 1, cutoff + 1]))


def test_cuda_requested_without_gpu(panel, tiny):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present: the CUDA path is exercised instead")
    with pytest.raises(ValueError, match="CUDA is not available"):
        DeepARForecaster(device="cuda", **tiny).fit(panel)


# ----------------------------------------------------------- compositions
def test_grid_search_with_expanding_window(tiny):
    from sktime.forecasting.model_selection import ForecastingGridSearchCV
    from sktime.split import ExpandingWindowSplitter

    y = make_panel(n_series=3, n_periods=36)
    tiny["max_epochs"] = 1
    cv = ExpandingWindowSplitter(initial_window=24, step_length=6, fh=[1, 2, 3])
    gs = ForecastingGridSearchCV(
        DeepARForecaster(prediction_length=3, **tiny), cv=cv,
        param_grid={"hidden_size": [4, 8]},
    )
    gs.fit(y)
    assert gs.best_params_["hidden_size"] in (4, 8)
    assert gs.predict(fh=[1, 2, 3]).shape == (9, 1)


def test_evaluate_with_pinball_and_crps(tiny):
    from sktime.forecasting.model_evaluation import evaluate
    from sktime.performance_metrics.forecasting.probabilistic import CRPS, PinballLoss
    from sktime.split import ExpandingWindowSplitter

    y = make_panel(n_series=3, n_periods=36)
    cv = ExpandingWindowSplitter(initial_window=28, step_length=4, fh=[1, 2, 3])
    res = evaluate(DeepARForecaster(prediction_length=3, **tiny), cv=cv, y=y,
                   scoring=[PinballLoss(), CRPS()])
    assert len(res) == 2
    assert (res["test_PinballLoss"] > 0).all() and (res["test_CRPS"] > 0).all()


def test_transformed_target_with_imputer_and_hampel(tiny):
    from sktime.forecasting.compose import TransformedTargetForecaster
    from sktime.transformations.series.impute import Imputer
    from sktime.transformations.series.outlier_detection import HampelFilter

    y = make_panel(n_series=3, n_periods=40)
    y.iloc[[4, 50]] = np.nan
    y.iloc[35, 0] = 1e4  # an outlier of s00, inside the forecast's context
    pipe = TransformedTargetForecaster([
        ("impute1", Imputer(method="linear")),
        ("hampel", HampelFilter(window_length=7)),
        ("impute2", Imputer(method="linear")),
        ("deepar", DeepARForecaster(prediction_length=3, **tiny)),
    ])
    pipe.fit(y)
    net = pipe.forecaster_.core_.net_.module_
    assert net.context_length >= 40 - 35  # the outlier's period is in it
    seen = []
    hook = net.rnn.register_forward_hook(lambda m, a, o: seen.append(a[0]))
    try:
        pred = pipe.predict(fh=[1, 2, 3])
    finally:
        hook.remove()
    assert pred.shape == (9, 1) and np.isfinite(pred.to_numpy()).all()
    # the outlier was removed before the network saw it: the scale of s00
    # (the exp of the last input) is near the mean of its other context
    # values (with the outlier it would be about 40 times larger)
    s00 = y.loc["s00"]["y"]
    clean = s00.drop(s00.index[35]).tail(net.context_length - 1).mean()
    assert float(seen[0][0, 0, -1].exp()) < 2 * clean


def test_progress_output_when_verbose(panel, tiny, capsys):
    tiny["verbose"] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        DeepARForecaster(prediction_length=3, **tiny).fit(panel)
    out = capsys.readouterr()
    # one bar over the epochs with the losses, no epoch table
    assert "training DeepAR" in out.err and "train_loss=" in out.err
    assert f"{tiny['max_epochs']}/{tiny['max_epochs']}" in out.err
    assert "dur" not in out.out and "train_loss" not in out.out


def test_tiny_defaults_are_the_documented_ones():
    f = DeepARForecaster()
    assert (f.likelihood, f.hidden_size, f.num_layers, f.lr, f.num_samples,
            f.early_stopping) == ("student_t", 40, 2, 3e-3, 100, "auto")


@pytest.mark.parametrize("bad", [np.inf, -np.inf, 1e39])
def test_infinite_or_huge_targets_are_an_error_naming_the_series(bad):
    t = pd.date_range("2020-01-01", periods=30)
    idx = pd.MultiIndex.from_product([["a", "b"], t])
    y = pd.DataFrame({"y": np.arange(60.0)}, index=idx)
    y.iloc[40] = bad
    f = DeepARForecaster(prediction_length=3, max_epochs=1, batches_per_epoch=2,
                         hidden_size=4, num_layers=1, random_state=0)
    with pytest.raises(ValueError, match=r"series \['b'\].*NaN"):
        f.fit(y)
    X = pd.DataFrame({"promo": np.ones(60)}, index=idx)
    X.iloc[5] = np.inf
    y.iloc[40] = 1.0
    with pytest.raises(ValueError, match=r"X \(columns \['promo'\]\).*\['a'\]"):
        f.fit(y, X=X)


def test_unclear_inputs_get_errors_that_name_the_problem():
    t = pd.date_range("2020-01-01", periods=30)
    kw = dict(prediction_length=3, max_epochs=1, batches_per_epoch=2,
              hidden_size=4, num_layers=1, random_state=0)
    idx = pd.MultiIndex.from_product([["a", "b"], t])
    y = pd.DataFrame({"y": np.arange(60.0)}, index=idx)
    with pytest.raises(ValueError, match=r"\['store'\] were declared.*X is None"):
        DeepARForecaster(static_categorical_columns=["store"], **kw).fit(y)
    mixed = y.copy()
    mixed.index = pd.MultiIndex.from_arrays(
        [np.repeat(np.array([1, "a"], dtype=object), 30), np.tile(t, 2)])
    with pytest.raises(TypeError, match="mix types"):
        DeepARForecaster(**kw).fit(mixed)
    from skforecast_ntm.forecasting._panel import build_panel

    # numbers stored as objects (sktime itself rejects an object y first)
    X_obj = pd.DataFrame({"promo": np.ones(60).astype(object)}, index=idx)
    with pytest.raises(TypeError, match="dtype object.*to_numeric"):
        build_panel(y, X=X_obj)
    X = pd.DataFrame({"promo": np.ones(60), "price": np.ones(60)}, index=idx)
    f = DeepARForecaster(**kw).fit(y, X=X)
    fut = pd.MultiIndex.from_product(
        [["a", "b"], pd.date_range("2020-01-31", periods=3)])
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['price'\]"):
        f.predict(fh=[1, 2, 3], X=pd.DataFrame({"promo": np.ones(6)}, index=fut))


def test_a_non_finite_training_loss_stops_training_with_advice(monkeypatch):
    from skforecast_ntm.networks import DeepARNetwork

    calls = {"n": 0}
    original = DeepARNetwork.log_likelihood

    def poisoned(self, raw, scale, target):
        calls["n"] += 1
        ll = original(self, raw, scale, target)
        return ll * np.nan if calls["n"] > 8 else ll

    monkeypatch.setattr(DeepARNetwork, "log_likelihood", poisoned)
    y = make_panel(n_series=3, n_periods=40)
    f = DeepARForecaster(prediction_length=3, max_epochs=5, batches_per_epoch=2,
                         hidden_size=4, num_layers=1, early_stopping=True,
                         random_state=0)
    with pytest.raises(ValueError, match=r"became nan in epoch .*best epoch.*lower l"):
        f.fit(y)


def test_series_ending_before_the_cutoff_are_warned_and_forecast_from_their_end():
    t = pd.date_range("2020-01-01", periods=30)
    y = pd.concat({"a": pd.DataFrame({"y": np.arange(30.0)}, index=t),
                   "b": pd.DataFrame({"y": np.arange(25.0)}, index=t[:25])})
    f = DeepARForecaster(prediction_length=3, max_epochs=1, batches_per_epoch=2,
                         hidden_size=4, num_layers=1, random_state=0).fit(y)
    with pytest.warns(UserWarning, match=r"Series \['b'\] end before the cutoff"):
        pred = f.predict(fh=[1, 2, 3])
    assert pred.loc["b"].index[0] == t[-1] + pd.Timedelta(days=1)


def _daily_pretrained(tiny):
    t = pd.date_range("2020-01-01", periods=40, freq="D")
    y = pd.DataFrame({"y": np.tile(np.arange(40.0) % 7 + 1, 2)},
                     index=pd.MultiIndex.from_product([["a", "b"], t]))
    return DeepARForecaster(prediction_length=3, lags=[1], **tiny).pretrain(y)


def test_a_coarser_series_after_daily_pretraining_is_warned_about(tiny):
    f = _daily_pretrained(tiny)
    w = pd.date_range("2021-01-03", periods=20, freq="W")
    yw = pd.DataFrame({"y": np.arange(20.0) + 1},
                      index=pd.MultiIndex.from_product([["c"], w]))
    with pytest.warns(UserWarning, match=r"frequency 'W-SUN' but the pretrained "
                                         r"model works on 'D'"):
        f.fit(yw)
    # the documented behaviour: the forecast is for the model's daily periods
    pred = f.predict(fh=[1, 2])
    assert list(pred.index.get_level_values(-1)) == [w[-1] + pd.Timedelta(days=d)
                                                     for d in (1, 2)]


def test_off_grid_stamps_after_pretraining_do_not_suggest_freq(tiny):
    f = _daily_pretrained(tiny)
    t = pd.date_range("2021-01-01", periods=10, freq="D")
    t = t.append(pd.DatetimeIndex(["2021-01-10 12:00"]))  # between two days
    y = pd.DataFrame({"y": np.arange(11.0) + 1},
                     index=pd.MultiIndex.from_product([["c"], t]))
    with pytest.raises(ValueError, match="fitted on frequency") as err:
        f.fit(y)
    assert "pass `freq=`" not in str(err.value)

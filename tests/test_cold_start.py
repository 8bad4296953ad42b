"""Cold start of DeepARForecaster: new items with one or no observation.

Synthetic catalogue: item ``i`` has mean ``c_i * exp(-age / 4)`` (Poisson
counts), indexed by age (a ``RangeIndex`` from 0). Old items are observed for
1-24 periods and used to ``pretrain``; new items are observed at age 0 only
(or not at all: one row at age 0 with a missing target) and forecast for ages
1-12 without retraining.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from skforecast_ntm import DeepARForecaster
from skforecast_ntm.forecasting import DeepARConfig, DeepARCore
from skforecast_ntm.forecasting._panel import build_panel
from skforecast_ntm.metrics import mean_weighted_quantile_loss

H = 12
AGES = np.arange(1, H + 1)
QUANTILES = (0.1, 0.5, 0.9)


def _catalogue(n, lengths, level, rng, prefix, observe=True):
    rows = []
    for i in range(n):
        age = np.arange(lengths[i])
        y = rng.poisson(level[i] * np.exp(-age / 4)).astype(float)
        if not observe:
            y[:] = np.nan
        rows.append(pd.DataFrame({"y": y}, index=pd.MultiIndex.from_arrays(
            [np.full(len(age), f"{prefix}{i:04d}"), age], names=["item", "age"])))
    return pd.concat(rows)


def _static(y, z, prefix):
    codes = y.index.get_level_values("item").str.slice(len(prefix)).astype(int)
    return pd.DataFrame({"z": z[codes]}, index=y.index)


def _make_case(n_old, n_new, seed, observe_new=True, metadata=False):
    rng = np.random.default_rng(seed)
    z_old, z_new = rng.normal(size=n_old), rng.normal(size=n_new)
    if metadata:  # the static feature z drives the level
        c_old, c_new = np.exp(1.5 + 0.8 * z_old), np.exp(1.5 + 0.8 * z_new)
    else:
        c_old, c_new = rng.lognormal(1.5, 0.8, n_old), rng.lognormal(1.5, 0.8, n_new)
    y_old = _catalogue(n_old, rng.integers(1, 25, n_old), c_old, rng, "o")
    y_new = _catalogue(n_new, np.ones(n_new, int), c_new, rng, "n", observe_new)
    truth = c_new[:, None] * np.exp(-AGES / 4)
    realised = rng.poisson(truth).astype(float)
    X_old, X_new = _static(y_old, z_old, "o"), _static(y_new, z_new, "n")
    return y_old, y_new, X_old, X_new, truth, realised


def _forecaster(**kw):
    params = dict(prediction_length=H, likelihood="negative_binomial",
                  hidden_size=20, max_epochs=30, batch_size=64,
                  early_stopping=False, random_state=0)
    params.update(kw)
    return DeepARForecaster(**params)


def _summary(f, n_new):
    s = f.predict_summary(fh=AGES, quantiles=QUANTILES)
    mean = s["mean"].to_numpy().reshape(n_new, H)
    q = {qq: s[f"p{round(100 * qq)}"].to_numpy().reshape(n_new, H)
         for qq in QUANTILES}
    return mean, q


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_one_observation_cold_start_is_unbiased_and_beats_the_age_curve():
    # the case as stated: 2,000 old items, the forecaster's defaults
    n_old, n_new = 2000, 200
    y_old, y_new, _, _, truth, realised = _make_case(n_old, n_new, seed=0)
    f = DeepARForecaster(prediction_length=H, likelihood="negative_binomial",
                         random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        f.pretrain(y_old)
    f.fit(y_new)
    mean, q = _summary(f, n_new)
    # bias against the true means, over ages 1-12 together and at each age
    assert mean.sum() / truth.sum() == pytest.approx(1.0, abs=0.15)
    ratio_by_age = mean.mean(0) / truth.mean(0)
    assert np.all(np.abs(ratio_by_age - 1.0) < 0.25), ratio_by_age
    # the forecast decays with age like the truth
    assert mean[:, :3].mean() > 2.0 * mean[:, -3:].mean()
    # the average-by-age curve of the training items (its quantiles by age)
    by_age = y_old.reset_index().groupby("age")["y"]
    curve = {qq: np.tile(by_age.quantile(qq).reindex(AGES).to_numpy(), (n_new, 1))
             for qq in QUANTILES}
    wql = mean_weighted_quantile_loss(realised, q)["mean_wQL"]
    wql_curve = mean_weighted_quantile_loss(realised, curve)["mean_wQL"]
    assert wql < 0.9 * wql_curve


def test_zero_observation_cold_start_from_static_metadata():
    n_old, n_new = 800, 150
    y_old, y_new, X_old, X_new, truth, _ = _make_case(
        n_old, n_new, seed=1, observe_new=False, metadata=True)
    assert y_new["y"].isna().all()
    errors = {}
    for meta in (True, False):
        f = _forecaster(static_real_columns=["z"] if meta else None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            f.pretrain(y_old, X=X_old if meta else None)
        f.fit(y_new, X=X_new if meta else None)
        mean, _ = _summary(f, n_new)
        assert np.isfinite(mean).all() and (mean >= 0).all()
        errors[meta] = np.abs(mean - truth).sum() / truth.sum()
        if meta:
            # level from metadata: unbiased overall, ranked like the truth
            assert mean.sum() / truth.sum() == pytest.approx(1.0, abs=0.3)
            assert np.corrcoef(np.log(mean[:, 0]), np.log(truth[:, 0]))[0, 1] > 0.8
            # a brand-new series is scaled by the training panel's global scale
            assert f.core_.enc.global_scale > 0
    assert errors[True] < 0.3
    assert errors[True] < 0.7 * errors[False]


def test_scale_of_a_window_never_uses_the_values_it_forecasts():
    y = pd.DataFrame({"y": [0.0, 0.0, 50.0, 60.0]}, index=pd.MultiIndex.from_arrays(
        [["a"] * 4, np.arange(4)]))
    y2 = pd.DataFrame({"y": np.full(30, 5.0)}, index=pd.MultiIndex.from_arrays(
        [["b"] * 30, np.arange(30)]))
    panel = build_panel(pd.concat([y, y2]))
    core = DeepARCore(DeepARConfig(prediction_length=2, max_epochs=1,
                                   batches_per_epoch=1, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        core.fit(panel)
    arr = core.arrays(panel)
    pad = core.pad
    idx = np.array([0, 0, 1])
    # before the 50: only zeros observed -> the panel's global scale; after
    # it: the mean of what precedes the window's forecast part
    fb = arr.fallback_scale(idx, np.array([pad + 2, pad + 3, pad + 5]))
    assert fb[0] == pytest.approx(core.enc.global_scale)
    assert fb[1] == pytest.approx(50.0 / 3)
    assert fb[2] == pytest.approx(5.0)
    # the median of the series' mean absolute values
    assert core.enc.global_scale == pytest.approx(np.median([110.0 / 4, 5.0]))


def test_training_windows_end_context_at_an_observation():
    from skforecast_ntm.forecasting._windows import _TrainWindows, window_origins

    y_old, *_ = _make_case(60, 1, seed=0)
    panel = build_panel(y_old)
    core = DeepARCore(DeepARConfig(prediction_length=H, likelihood="negative_binomial",
                                   max_epochs=1, batches_per_epoch=1,
                                   early_stopping=False, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        core.fit(panel)
    arr = core.arrays(panel, pad_right=H)
    c, p = core.context_length, core.max_lag
    series = np.flatnonzero(arr.n_obs >= 2)
    lo, hi = window_origins(arr.first_obs[series], arr.last_obs[series] + 1, H)
    tw = _TrainWindows(arr, series, lo, hi, arr.last_obs[series] + 1, None, 256, 1,
                       p, c, H, seed=0, empty_rate=0.0)
    x, y = tw[0]
    # every context ends at or after the first observation, and at least one
    # context value is observed; no forecast step after the series' end counts
    assert (x["observed"][:, p : p + c].sum(1) >= 1).all()
    assert y["mask"][:, c:].sum() > 0
    # a series shorter than the horizon has its window right after its
    # first value: the context holds exactly that one observation
    one_obs = x["observed"][:, p : p + c].sum(1) == 1
    assert one_obs.any()
    assert (x["observed"][one_obs, p + c - 1] == 1).all()


def test_too_short_series_are_warned_by_id_and_forecast_from_their_value():
    y_old, *_ = _make_case(200, 1, seed=2)
    one = pd.DataFrame({"y": [7.0]}, index=pd.MultiIndex.from_arrays(
        [["single"], [0]], names=["item", "age"]))
    y = pd.concat([y_old, one])
    f = _forecaster(max_epochs=2, batches_per_epoch=5, hidden_size=8)
    with pytest.warns(UserWarning, match=r"'single'.*too short to train on"):
        f.fit(y)
    pred = f.predict_summary(fh=[1, 2])["mean"].loc["single"].to_numpy()
    assert np.isfinite(pred).all() and (pred >= 0).all()


def test_cold_start_is_reproducible_and_leaves_the_global_rng_alone():
    y_old, y_new, *_ = _make_case(100, 5, seed=3)
    preds = []
    for _ in range(2):
        torch.manual_seed(123)
        np.random.seed(123)  # noqa: NPY002 (the global RNG must stay untouched)
        state_t = torch.get_rng_state()
        state_np = np.random.get_state()[1].copy()  # noqa: NPY002
        f = _forecaster(max_epochs=2, batches_per_epoch=5, hidden_size=8,
                        early_stopping=True, random_state=7)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            f.pretrain(y_old)
        f.fit(y_new)
        preds.append(f.predict_summary(fh=[1, 2, 3])["mean"].to_numpy())
        assert torch.equal(torch.get_rng_state(), state_t)
        assert (np.random.get_state()[1] == state_np).all()  # noqa: NPY002
    np.testing.assert_array_equal(preds[0], preds[1])

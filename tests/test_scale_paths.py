"""The large-panel code paths give the results of the direct computations.

Panels of 100,000+ series take paths that avoid one array per row or per
window (level codes instead of per-row lookups, two-stage weighted window
draws, chunked arrays, a capped validation set); each is checked here
against the straightforward computation on small data.
"""

import numpy as np
import pandas as pd
import pytest
from conftest import make_panel

from skforecast_ntm.forecasting import DeepARConfig, DeepARCore
from skforecast_ntm.forecasting import _windows as W
from skforecast_ntm.forecasting._encoders import Encoders
from skforecast_ntm.forecasting._history import HistoryPrefix
from skforecast_ntm.forecasting._panel import RowIndex, _static_from, build_panel


def _core_arrays(y, X=None, pad_right=3, prefix=None, **panel_kw):
    panel = build_panel(y, X, **panel_kw)
    core = DeepARCore(DeepARConfig(prediction_length=3, context_length=6))
    core.enc = Encoders().fit(panel, core.config)
    return core, panel, core.arrays(panel, pad_right=pad_right, prefix=prefix)


# ------------------------------------------------------------- row lookups
def test_row_index_lookups_equal_per_row_lookups():
    y = make_panel(n_series=5, n_periods=20)
    y = y.iloc[::-1]  # rows in any order
    y = y[y.index.get_level_values(0) != "s02"]  # an unused level value
    rows = RowIndex(y.index)
    keys = pd.Index(["s04", "zz", "s00", "s01", "s03"])
    grid = pd.period_range("2010-03", periods=40, freq="M")  # some off grid
    np.testing.assert_array_equal(
        rows.codes_in(keys), keys.get_indexer(y.index.get_level_values(0)))
    np.testing.assert_array_equal(
        rows.positions_on(grid), grid.get_indexer(y.index.get_level_values(1)))
    assert sorted(rows.unique_keys()) == ["s00", "s01", "s03", "s04"]
    assert set(rows.time_values()) == set(y.index.get_level_values(1))


def test_row_index_of_a_hierarchical_panel_uses_the_row_keys():
    idx = pd.MultiIndex.from_product(
        [["a", "b"], ["x", "y"], pd.period_range("2020-01", periods=3, freq="M")])
    rows = RowIndex(idx)
    keys = idx.droplevel(-1).unique()[::-1]
    np.testing.assert_array_equal(rows.codes_in(keys),
                                  keys.get_indexer(idx.droplevel(-1)))


def test_unsorted_rows_are_still_rejected_after_the_one_pass_check():
    y = make_panel(n_series=3, n_periods=12)
    swapped = y.index[[0, 2, 1] + list(range(3, len(y)))]
    with pytest.raises(ValueError, match=r"\['s00'\] of y are not sorted"):
        build_panel(y.set_axis(swapped))


def test_static_values_per_series_and_missing_ones():
    codes = np.array([0, 0, 1, 1, 2, 0])
    frame = pd.DataFrame({
        "cat": pd.Categorical(["u", "u", None, "v", None, None]),
        "num": [1.5, 1.5, 2.0, np.nan, np.nan, 1.5],
        "txt": ["p", None, "q", "q", None, "p"],
    })
    out = _static_from(frame, codes, pd.Index(["a", "b", "c"]))
    assert out.loc["a"].tolist() == ["u", 1.5, "p"]
    assert out.loc["b"].tolist() == ["v", 2.0, "q"]
    assert out.loc["c"].isna().all()
    frame.loc[5, "num"] = 9.0  # series "a" now has two values
    with pytest.raises(ValueError, match=r"\['num'\] change value"):
        _static_from(frame, codes, pd.Index(["a", "b", "c"]))


# ----------------------------------------------------------- padded arrays
def test_chunked_arrays_equal_the_arrays_built_at_once(monkeypatch):
    y = make_panel(n_series=7, n_periods=30, unequal=True)
    y.iloc[[3, 40, 41, 100]] = np.nan
    X = pd.DataFrame({"x": np.arange(len(y), dtype=float) % 5}, index=y.index)
    prefix = HistoryPrefix(keys=pd.Index(["s01", "s04"]), fill=np.array([2.0, 3.0]),
                           abs_sum=np.array([10.0, 20.0]), n_obs=np.array([4, 5]),
                           age_offset=np.array([4, 5]))
    _, _, whole = _core_arrays(y, X, prefix=prefix)
    monkeypatch.setattr(W, "ARRAY_CHUNK_CELLS", 31)  # one series per chunk
    _, _, chunked = _core_arrays(y, X, prefix=prefix)
    for name in ("target", "observed", "cum_abs", "cum_obs", "first_obs",
                 "last_obs", "age_origin", "n_obs"):
        np.testing.assert_array_equal(getattr(chunked, name), getattr(whole, name))
    # the prefix's series continue from its summaries
    s1 = 1
    assert whole.cum_abs[s1, 0] == 10.0 and whole.cum_obs[s1, 0] == 4
    # the observed count equals the hand count
    np.testing.assert_array_equal(whole.n_obs, y.groupby(level=0)["y"].count())


def test_covariates_are_standardised_at_gather_and_zero_outside_the_grid():
    y = make_panel(n_series=2, n_periods=20)
    X = pd.DataFrame({"x": np.arange(40.0)}, index=y.index)
    core, panel, arr = _core_arrays(y, X)
    x = panel.X[..., 0]
    mean, std = np.nanmean(x), np.nanstd(x)
    pad = arr.pad
    dpos = np.array([[pad - 1, pad, pad + 19, pad + 20]] * 2)
    got = arr._covariates(np.array([[0], [1]]), dpos)[..., 0]
    expected = np.array([[0.0, (0 - mean) / std, (19 - mean) / std, 0.0],
                         [0.0, (20 - mean) / std, (39 - mean) / std, 0.0]])
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    with pytest.raises(IndexError):
        arr._covariates(np.array([[0]]), np.array([[arr.width]]))


# ------------------------------------------------------- weighted windows
def _weighted_windows():
    y = make_panel(n_series=5, n_periods=40, unequal=True)
    core, panel, arr = _core_arrays(y)
    stop = arr.last_obs + 1
    lo, hi = W.window_origins(arr.first_obs, stop, 3)

    def weights(j, t):  # varies across series and within each series
        return (j + 1.0) * (1.0 + (t % 4))

    ds = W._TrainWindows(arr, np.arange(5), lo, hi, stop, weights, 8, 2,
                         core.max_lag, core.context_length, 3, seed=0)
    return ds, lo, hi, weights


def test_two_stage_draw_is_the_one_stage_draw_over_all_windows():
    ds, lo, hi, weights = _weighted_windows()
    # the reference: one weight per window of the panel, one inverse-CDF draw
    j = np.repeat(np.arange(5), hi - lo + 1)
    t = np.concatenate([np.arange(a, b + 1) for a, b in zip(lo, hi, strict=True)])
    cdf = np.cumsum(weights(j, t))
    u = np.random.default_rng(1).random(5000)
    k = np.searchsorted(cdf, u * cdf[-1], side="right")
    pick, origin = ds._weighted(u)
    np.testing.assert_array_equal(pick, j[k])
    np.testing.assert_array_equal(origin, t[k])
    assert ds.total_weight == pytest.approx(cdf[-1])


def test_series_totals_do_not_depend_on_the_chunk(monkeypatch):
    ds, lo, hi, weights = _weighted_windows()
    monkeypatch.setattr(W, "WEIGHT_CHUNK_WINDOWS", 7)
    small = W._series_totals(weights, lo, hi - lo + 1)
    expected = [weights(np.full(b - a + 1, i), np.arange(a, b + 1)).sum()
                for i, (a, b) in enumerate(zip(lo, hi, strict=True))]
    np.testing.assert_allclose(small, expected)
    np.testing.assert_allclose(np.diff(ds.series_cdf, prepend=0.0), expected)


# ------------------------------------------------------ capped validation
def test_validation_is_a_subset_of_series_beyond_the_cap(monkeypatch):
    monkeypatch.setattr(W, "VALIDATION_SERIES_MAX", 20)
    y = make_panel(n_series=200, n_periods=30)
    core, panel, arr = _core_arrays(y)
    split = W.split_series(arr, 6, 3, True, seed=5)
    n_val = int(split.validate.sum())
    assert 5 <= n_val <= 40  # about 20 of 200 (binomial, p = 0.1)
    # the others train on their whole history
    full = arr.last_obs + 1
    np.testing.assert_array_equal(split.train_hi[~split.validate],
                                  full[~split.validate])
    # a shard (with its series' codes) selects the same series
    shard = np.arange(0, 200, 3)
    _, _, arr_shard = _core_arrays(
        y[y.index.get_level_values(0).isin(panel.keys[shard])])
    part = W.split_series(arr_shard, 6, 3, True, seed=5, codes=shard, n_codes=200)
    np.testing.assert_array_equal(part.validate, split.validate[shard])


def test_small_panels_validate_every_long_series():
    y = make_panel(n_series=30, n_periods=30)
    _, _, arr = _core_arrays(y)
    assert W.split_series(arr, 6, 3, True, seed=5).validate.all()


def test_bounded_history_in_chunks_keeps_the_same_summaries(monkeypatch):
    from skforecast_ntm import DeepARForecaster
    from skforecast_ntm.forecasting import _history

    y = make_panel(n_series=5, n_periods=60, unequal=True)
    y.iloc[[7, 70]] = np.nan

    def fitted():
        f = DeepARForecaster(prediction_length=3, context_length=6,
                             hidden_size=4, max_epochs=1, batches_per_epoch=1,
                             num_samples=4, random_state=0)
        return f.fit(y, fh=[1, 2, 3])

    whole = fitted()
    monkeypatch.setattr(_history, "ARRAY_CHUNK_CELLS", 1)  # a series a chunk
    chunked = fitted()
    a, b = whole._hist_prefix, chunked._hist_prefix
    assert len(a) >= 3  # series with more history than a forecast reads
    assert a.keys.equals(b.keys)
    for name in ("fill", "abs_sum", "n_obs", "age_offset"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    pd.testing.assert_frame_equal(whole.predict(), chunked.predict())


def test_covariate_frames_read_in_order_equal_their_update():
    from sktime.datatypes import update_data

    y = make_panel(n_series=3, n_periods=12)
    X = pd.DataFrame({"x": np.arange(36.0), "s": ["a"] * 12 + ["b"] * 24},
                     index=y.index)
    later = X.iloc[[5, 6, 20]].assign(x=[-1.0, -2.0, -3.0])
    update = build_panel(y, update_data(X, later), static_columns=["s"])
    ordered = build_panel(y, [X, later], static_columns=["s"])
    np.testing.assert_array_equal(ordered.X, update.X)
    assert ordered.X[0, 5, 0] == -1.0 and ordered.X[1, 8, 0] == -3.0
    pd.testing.assert_frame_equal(ordered.static, update.static)

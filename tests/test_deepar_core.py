"""The training core's pieces: presampled windows (the flat gradient buffer:
``tests/test_flat_buffer.py``)."""

import numpy as np
import pytest
import torch
from conftest import make_panel

from skforecast_ntm.forecasting import DeepARConfig, DeepARCore
from skforecast_ntm.forecasting._encoders import Encoders
from skforecast_ntm.forecasting._panel import build_panel
from skforecast_ntm.forecasting._windows import (
    PRESAMPLED_WINDOWS,
    _TrainWindows,
    window_origins,
)


def _windows(batch_size, n_batches, seed=0, weights=(1, 1, 1, 1, 1, 5.0),
             empty_rate=0.0):
    panel = build_panel(make_panel(n_series=6, n_periods=48))
    core = DeepARCore(DeepARConfig(prediction_length=3, context_length=6))
    core.enc = Encoders().fit(panel, core.config)
    arr = core.arrays(panel, pad_right=3)
    stop = arr.last_obs + 1
    lo, hi = window_origins(arr.first_obs, stop, 3)
    # each series' weight on every one of its windows
    per_series = np.asarray(weights, dtype=float)
    ds = _TrainWindows(arr, np.arange(6), lo, hi, stop,
                       lambda j, t: per_series[j], batch_size,
                       n_batches, core.max_lag, core.context_length, 3, seed,
                       empty_rate=empty_rate)
    return ds, arr


def _items(ds, order):
    return [ds[k] for k in order]


def test_presampled_windows_are_batches_of_the_configured_shape():
    ds, arr = _windows(batch_size=16, n_batches=5)
    assert ds.run_batches == 5  # the whole epoch in one run
    x, y = ds[0]
    p, w = ds.max_lag, ds.context + ds.horizon
    assert x["target"].shape == (16, p + w) and x["dynamic"].shape[:2] == (16, w)
    torch.testing.assert_close(y["target"], x["target"][:, p:])
    torch.testing.assert_close(y["mask"], x["observed"][:, p:])  # no holdout
    # the five batches of an epoch are different windows
    epoch = _items(ds, range(5))
    assert not any(torch.equal(epoch[0][0]["target"], b[0]["target"])
                   for b in epoch[1:])


def test_presampled_runs_are_reproducible_and_redrawn_each_epoch():
    a, _ = _windows(batch_size=8, n_batches=4, seed=3)
    b, _ = _windows(batch_size=8, n_batches=4, seed=3)
    first = _items(a, range(4))
    for (xa, _), (xb, _) in zip(first, _items(b, range(4)), strict=True):
        torch.testing.assert_close(xa["target"], xb["target"])
    second = _items(a, range(4))  # item 0 starts a new epoch: new windows
    assert not torch.equal(first[0][0]["target"], second[0][0]["target"])
    c, _ = _windows(batch_size=8, n_batches=4, seed=4)
    assert not torch.equal(first[0][0]["target"], c[0][0]["target"])


def test_runs_are_capped_and_any_item_can_be_asked_for():
    bs = PRESAMPLED_WINDOWS // 4
    ds, _ = _windows(batch_size=bs, n_batches=10)
    assert ds.run_batches == 4  # at most PRESAMPLED_WINDOWS windows at once
    x, _ = ds[7]  # outside the current run: a run starting at item 7
    assert x["target"].shape[0] == bs and ds._run[:2] == (7, 10)
    x, _ = ds[9]
    assert x["target"].shape[0] == bs


def test_series_are_drawn_in_proportion_to_their_weight():
    ds, arr = _windows(batch_size=512, n_batches=8)
    codes = torch.cat([ds[k][0]["static_cat"][:, 0] for k in range(8)]).numpy()
    codes = codes[codes > 0]  # series code + 1; 0: masked as "unknown"
    share = np.mean(codes == 6)
    # all series have the same number of windows: weight 5 of 10 in total
    assert share == pytest.approx(0.5, abs=0.03)


def test_blanked_contexts_have_nothing_observed_and_the_global_scale():
    ds, arr = _windows(batch_size=2000, n_batches=1, empty_rate=0.3)
    x, y = ds[0]
    p, c = ds.max_lag, ds.context
    blank = x["observed"][:, : p + c].sum(1) == 0
    assert 0.25 < float(blank.float().mean()) < 0.35
    assert (x["target"][blank, : p + c] == 0).all()
    torch.testing.assert_close(
        x["fallback_scale"][blank],
        torch.full((int(blank.sum()),), arr.global_scale))
    # the forecast part of a blanked window is still scored
    assert (y["mask"][blank][:, c:].sum(1) > 0).all()


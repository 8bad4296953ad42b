"""Lag alignment of the DeepAR inputs against an integer ramp.

As GluonTS's ``test_rnn_input``: the target is ``0, 1, 2, ...`` so that the
value fed as lag ``l`` at window step ``t`` is the number ``t - l`` (in
padded positions), and every expectation is built here with ``arange``, not
with the code under test.

Two probes:

* a forward hook on ``DeepARNetwork.rnn`` records the LSTM input of the
  teacher-forced pass (the layout documented in
  ``skforecast_ntm.networks._deepar``: scaled lags in increasing lag order,
  the lag-1 observed flag, dynamic features, static embeddings, static reals,
  ``log(scale)``);
* a hand-wired "copy" network whose forecast distribution is centred on the
  scaled input of one lag ``L`` with a tiny spread. Its teacher-forced output
  is then the lag-``L`` value itself, and its sample paths are the seasonal
  naive forecast of period ``L`` from the last observed values: the sampling
  path must feed the last observed value as lag 1 of the first forecast step
  and its own draws afterwards.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from skforecast_ntm import DeepARForecaster, DeepARRegressor
from skforecast_ntm.networks import DeepARNetwork

GAIN = 1e-3  # the copy network's LSTM runs in its (almost) linear range


def make_copy_network(net: DeepARNetwork, lag: int) -> DeepARNetwork:
    """Wire a Gaussian DeepARNetwork so that its location is the lag-``lag`` input.

    One LSTM cell: input gate and output gate open (bias +30), forget gate
    shut (bias -30), cell input ``tanh(GAIN * x_lag)``; so ``h =
    tanh(tanh(GAIN * x_lag))`` ~ ``GAIN * x_lag``, and the head divides by
    ``GAIN``. The scale parameter's raw value is -30: ``sigma`` ~ 1e-6 on the
    scaled axis, so draws equal the location to about 1e-6.
    """
    assert net.rnn.num_layers == 1
    lags = net.lags.tolist()
    col = lags.index(lag)
    hid = net.rnn.hidden_size
    with torch.no_grad():
        for p in net.parameters():
            p.zero_()
        b = net.rnn.bias_ih_l0.view(4, hid)  # PyTorch gate order: i, f, g, o
        b[0], b[1], b[3] = 30.0, -30.0, 30.0
        net.rnn.weight_ih_l0.view(4, hid, -1)[2, 0, col] = GAIN
        net.head.proj.weight[0, 0] = 1.0 / GAIN
        net.head.proj.bias[1] = -30.0
    return net


def ramp_batch(b, p, w, offsets, observed=None):
    """Target ``offset + arange(p + w)`` per row, all observed by default."""
    target = torch.arange(p + w, dtype=torch.float32)[None] + torch.tensor(
        offsets, dtype=torch.float32)[:, None]
    return dict(
        target=target,
        observed=torch.ones(b, p + w) if observed is None else observed,
        dynamic=torch.zeros(b, w, 1),
        static_cat=torch.zeros(b, 0, dtype=torch.long),
        static_real=torch.zeros(b, 0),
        fallback_scale=torch.ones(b),
    )


def capture_rnn_inputs(net):
    seen = []
    handle = net.rnn.register_forward_hook(
        lambda module, args, out: seen.append(args[0].detach().clone()))
    return seen, handle


# (prediction_length, context_length, lags): GluonTS's cases, with lag 1
# added (DeepARNetwork requires it)
CASES = [
    (1, 5, [1, 10, 15]),
    (1, 5, [1, 3, 6, 9, 10]),
    (2, 5, [1, 2, 7]),
    (2, 5, [1, 2, 3, 4, 6]),
    (4, 5, [1, 5, 9, 11]),
    (4, 5, [1, 7, 8, 13, 14]),
]


@pytest.mark.parametrize("horizon, context, lags", CASES)
def test_teacher_forced_lags_of_an_integer_ramp(horizon, context, lags):
    p, w = max(lags), context + horizon
    offsets = [0.0, 100.0]
    net = DeepARNetwork(lags=lags, context_length=context, n_dynamic=1,
                        hidden_size=3, num_layers=1).eval()
    seen, handle = capture_rnn_inputs(net)
    x = ramp_batch(2, p, w, offsets)
    with torch.no_grad():
        _, scale = net(**x)
    handle.remove()
    inputs = seen[0]  # time-major (W, B, F)
    assert inputs.shape[:2] == (w, 2)
    steps = np.arange(p, p + w)  # padded positions of the window steps
    for b, off in enumerate(offsets):
        # scale: mean |y| over the context positions p .. p + C - 1
        expected_scale = off + (p + (p + context - 1)) / 2.0
        assert scale[b].item() == pytest.approx(expected_scale, rel=1e-6)
        for j, lag in enumerate(sorted(lags)):
            ref = (off + steps - lag) / expected_scale
            np.testing.assert_allclose(inputs[:, b, j].numpy(), ref, rtol=1e-6)
            # undo the scale: the raw ramp value ``t - lag``
            np.testing.assert_allclose(
                inputs[:, b, j].numpy() * expected_scale - off, steps - lag,
                atol=1e-4)
        # lag-1 observed flag, then the dynamic feature, then log(scale)
        np.testing.assert_array_equal(inputs[:, b, len(lags)].numpy(), np.ones(w))
        np.testing.assert_allclose(inputs[:, b, -1].numpy(),
                                   np.full(w, np.log(expected_scale)), rtol=1e-6)


def test_observed_flag_and_scale_follow_the_missing_values():
    p, c, h = 3, 4, 2
    w = c + h
    observed = torch.ones(1, p + w)
    observed[0, [2, p + 1, p + 4]] = 0.0  # missing: before, in and after context
    x = ramp_batch(1, p, w, [1.0], observed=observed)
    net = DeepARNetwork(lags=[1, 3], context_length=c, n_dynamic=1,
                        hidden_size=2, num_layers=1).eval()
    seen, handle = capture_rnn_inputs(net)
    with torch.no_grad():
        _, scale = net(**x)
    handle.remove()
    # scale over the observed context values 1 + (3, 5, 6) (position 4 missing)
    assert scale.item() == pytest.approx(np.mean([4.0, 6.0, 7.0]))
    flag = seen[0][:, 0, 2].numpy()
    # the flag at step t is whether position p + t - 1 was observed
    expected = observed[0, p - 1 : p - 1 + w].numpy()
    np.testing.assert_array_equal(flag, expected)
    np.testing.assert_array_equal(expected, [0, 1, 0, 1, 1, 0])


@pytest.mark.parametrize("mode", ["eval", "train"])
@pytest.mark.parametrize("lag", [1, 2, 5])
def test_copy_network_reproduces_the_lagged_ramp(lag, mode):
    """The distribution at step t is centred on y[t - lag], in both modes."""
    lags, c, h = [1, 2, 5], 4, 3
    p, w = max(lags), c + h
    net = make_copy_network(
        DeepARNetwork(lags=lags, context_length=c, n_dynamic=1, hidden_size=1,
                      num_layers=1, likelihood="gaussian"), lag)
    net.train(mode == "train")
    x = ramp_batch(2, p, w, [0.0, 50.0])
    with torch.no_grad():
        raw, scale = net(**x)
    loc = raw[..., 0] * scale[:, None]  # the location on the data axis
    steps = np.arange(p, p + w)
    np.testing.assert_allclose(loc[0].numpy(), steps - lag, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(loc[1].numpy(), 50 + steps - lag, rtol=1e-4,
                               atol=1e-3)


def seasonal_naive(history, period, horizon):
    """Repeat the last ``period`` values of ``history`` (a 1D array)."""
    last = np.asarray(history)[-period:]
    return np.array([last[k % period] for k in range(horizon)])


@pytest.mark.parametrize("lag", [1, 2, 3])
def test_sampling_feeds_the_last_observation_then_its_own_draws(lag):
    lags, c, horizon = [1, 2, 3], 4, 7
    p = max(lags)
    net = make_copy_network(
        DeepARNetwork(lags=lags, context_length=c, n_dynamic=1, hidden_size=1,
                      num_layers=1, likelihood="gaussian"), lag).eval()
    offsets = [0.0, 1000.0]
    x = ramp_batch(2, p, c, offsets)
    x["dynamic"] = torch.zeros(2, c + horizon, 1)
    torch.manual_seed(0)
    paths = net.sample(**x, horizon=horizon, num_samples=3)
    assert paths.shape == (2, 3, horizon)
    for b, off in enumerate(offsets):
        history = off + np.arange(p + c)  # last observed value: off + p + c - 1
        ref = seasonal_naive(history, lag, horizon)
        for s in range(3):
            np.testing.assert_allclose(paths[b, s].numpy(), ref, rtol=1e-4,
                                       atol=2e-2)
    if lag == 1:  # the first lag at forecast time is the last observed value
        np.testing.assert_allclose(paths[:, :, 0].numpy(),
                                   [[p + c - 1] * 3, [1000 + p + c - 1] * 3],
                                   rtol=1e-5)


# ----------------------------------------------------------- the estimators
N_PERIODS = 30
KW = dict(prediction_length=3, context_length=5, lags=[1, 2, 4],
          likelihood="gaussian", max_epochs=1, batches_per_epoch=2,
          hidden_size=1, num_layers=1, num_samples=5, early_stopping=False,
          random_state=0)


def ramp_panel(ends=(N_PERIODS, N_PERIODS)):
    """Series ``a`` = 1, 2, ... and ``b`` = 101, 102, ... (monthly)."""
    t = pd.period_range("2020-01", periods=N_PERIODS, freq="M")
    frames = []
    for key, off, end in zip(["a", "b"], [0.0, 100.0], ends, strict=True):
        idx = pd.MultiIndex.from_product([[key], t[:end]], names=["id", "time"])
        frames.append(pd.DataFrame({"y": off + np.arange(1.0, end + 1)}, index=idx))
    return pd.concat(frames)


def as_long(y):
    frame = y.reset_index()
    return (frame.rename(columns={"id": "series_id", "time": "timestamp"})
            [["series_id", "timestamp"]], frame["y"].to_numpy())


def test_forecaster_context_inputs_are_the_last_observed_ramp_values():
    y = ramp_panel()
    f = DeepARForecaster(**KW).fit(y)
    seen, handle = capture_rnn_inputs(f.core_.net_.module_)
    f.predict(fh=[1, 2, 3])
    handle.remove()
    ctx = seen[0]  # the context unrolled once per series: (C, B, F)
    assert ctx.shape[:2] == (5, 2)
    for b, off in enumerate([0.0, 100.0]):
        values = off + np.arange(N_PERIODS - 4, N_PERIODS + 1)  # last 5 values
        scale = values.mean()
        for j, lag in enumerate([1, 2, 4]):
            np.testing.assert_allclose(ctx[:, b, j].numpy() * scale,
                                       values - lag, rtol=1e-5)
        np.testing.assert_allclose(ctx[:, b, -1].exp().numpy(), scale, rtol=1e-5)


@pytest.mark.parametrize("lag", [1, 2, 4])
def test_forecaster_and_regressor_sample_from_the_last_observation(lag):
    y = ramp_panel()
    f = DeepARForecaster(**KW).fit(y)
    make_copy_network(f.core_.net_.module_, lag)
    pred = f.predict(fh=[1, 2, 3, 4, 5])
    X, target = as_long(y)
    reg = DeepARRegressor(**KW).fit(X, target)
    make_copy_network(reg.core_.net_.module_, lag)
    future_t = pd.period_range("2022-07", periods=5, freq="M")
    future = pd.DataFrame({"series_id": np.repeat(["a", "b"], 5),
                           "timestamp": np.tile(future_t, 2)})
    reg_pred = reg.predict(future)
    for i, (key, off) in enumerate([("a", 0.0), ("b", 100.0)]):
        ref = seasonal_naive(off + np.arange(1.0, N_PERIODS + 1), lag, 5)
        np.testing.assert_allclose(pred.loc[key]["y"].to_numpy(), ref, rtol=1e-4)
        np.testing.assert_allclose(reg_pred[5 * i : 5 * i + 5], ref, rtol=1e-4)


def test_regressor_forecasts_a_series_that_ended_early_from_its_own_end():
    """Series ``a`` ends 4 periods before ``b``: its forecast starts after its
    own last row (the regressor's documented behaviour). Both series are
    asked for 7 steps after their own ends (see
    test_deepar_behaviour.py for the crash when they are not)."""
    y = ramp_panel(ends=(N_PERIODS - 4, N_PERIODS))
    X, target = as_long(y)
    reg = DeepARRegressor(**KW).fit(X, target)
    make_copy_network(reg.core_.net_.module_, 2)
    t = pd.period_range("2020-01", periods=N_PERIODS + 7, freq="M")
    future = pd.DataFrame({"series_id": ["a"] * 7 + ["b"] * 7,
                           "timestamp": list(t[N_PERIODS - 4 : N_PERIODS + 3])
                           + list(t[N_PERIODS:])})
    pred = reg.predict(future)
    np.testing.assert_allclose(
        pred[:7], seasonal_naive(np.arange(1.0, N_PERIODS - 3), 2, 7), rtol=1e-4)
    np.testing.assert_allclose(
        pred[7:], seasonal_naive(100 + np.arange(1.0, N_PERIODS + 1), 2, 7),
        rtol=1e-4)


def test_forecaster_and_regressor_agree_for_a_series_that_ended_early():
    """The same periods of the same series get the same forecast from both.

    Both forecast series ``a`` from its own end (period 27): the forecaster's
    values at the three periods after the common cutoff (period 31) are
    steps 5-7 of paths started there, so a lag-2 copy network gives the
    seasonal naive continuation of a's own last values, as the regressor
    does (forecasting from the common cutoff with a's periods 27-30 as
    missing values gave a's last value for every period instead).
    """
    y = ramp_panel(ends=(N_PERIODS - 4, N_PERIODS))
    f = DeepARForecaster(**KW).fit(y)
    make_copy_network(f.core_.net_.module_, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "end before the cutoff"
        pred = f.predict(fh=[1, 2, 3]).loc["a"]["y"].to_numpy()
    X, target = as_long(y)
    reg = DeepARRegressor(**KW).fit(X, target)
    make_copy_network(reg.core_.net_.module_, 2)
    t = pd.period_range("2020-01", periods=N_PERIODS + 7, freq="M")
    # b's rows up to 7 steps ahead as well (the IndexError otherwise: see
    # test_deepar_behaviour.py)
    future = pd.DataFrame({"series_id": ["a"] * 3 + ["b"] * 7,
                           "timestamp": list(t[N_PERIODS : N_PERIODS + 3])
                           + list(t[N_PERIODS:])})
    # seasonal naive (lag 2) from a's own end, not a's last value repeated
    np.testing.assert_allclose(pred, [25, 26, 25], rtol=1e-4)
    np.testing.assert_allclose(pred, reg.predict(future)[:3], rtol=1e-4)

"""The pure-torch DeepAR network and likelihood heads."""

import numpy as np
import pytest
import torch

from skforecast_ntm.networks import (
    DeepARNetwork,
    MaskedNegativeLogLikelihood,
    NegativeBinomialHead,
    StudentTHead,
    dropout_mask,
    embedding_dim_for,
    make_likelihood_head,
)


def batch(b=4, p=3, w=6, f=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    target = torch.rand(b, p + w, generator=g) * 100
    return dict(
        target=target,
        observed=torch.ones(b, p + w),
        dynamic=torch.rand(b, w, f, generator=g),
        static_cat=torch.tensor([[1], [2], [0], [1]])[:b],
        static_real=torch.zeros(b, 0),
        fallback_scale=torch.ones(b),
    )


def test_forward_shapes_and_scale():
    net = DeepARNetwork(lags=[1, 2, 3], context_length=4, n_dynamic=2,
                        cardinalities=[3], hidden_size=5, num_layers=2)
    x = batch()
    raw, scale = net(**x)
    assert raw.shape == (4, 6, 3)  # Student-t: 3 parameters per step
    expected = x["target"][:, 3:7].abs().mean(1)
    torch.testing.assert_close(scale, expected)


def test_scale_ignores_unobserved_and_falls_back():
    net = DeepARNetwork(lags=[1], context_length=2, n_dynamic=0)
    target = torch.tensor([[0.0, 4.0, 100.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    observed = torch.tensor([[1.0, 1.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]])
    scale = net.compute_scale(target, observed, torch.tensor([1.0, 7.0]))
    torch.testing.assert_close(scale, torch.tensor([4.0, 7.0]))


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_dropout_mask_rate_values_and_seed(p):
    shape = (3, 200, 7, 50)
    m = dropout_mask(shape, p, generator=torch.Generator().manual_seed(1))
    assert m.shape == shape and m.dtype == torch.float32
    values = m.unique()
    assert values.numel() == 2 and values[0] == 0.0
    keep = 1.0 - round(p * 65536) / 65536  # p rounded to 16 bits
    assert values[1].item() == pytest.approx(1.0 / keep, rel=1e-6)
    drop_rate = (m == 0).float().mean().item()
    assert abs(drop_rate - p) < 4 * np.sqrt(p * (1 - p) / m.numel())
    assert m.mean().item() == pytest.approx(1.0, abs=0.01)
    again = dropout_mask(shape, p, generator=torch.Generator().manual_seed(1))
    assert torch.equal(m, again)
    other = dropout_mask(shape, p, generator=torch.Generator().manual_seed(2))
    assert not torch.equal(m, other)
    # masks of neighbouring elements are independent (no shared 16-bit field)
    flat = (m.reshape(-1) == 0).float()
    both = (flat[:-1] * flat[1:]).mean().item()
    assert both == pytest.approx(p * p, abs=0.01)
    assert torch.equal(dropout_mask((5, 3), 0.0), torch.ones(5, 3))


def test_dropout_mask_uses_every_16_bit_field_and_any_dtype():
    m = dropout_mask((4096, 64), 0.25, generator=torch.Generator().manual_seed(0))
    # element i uses field i % 4 of a 64-bit draw: each field is unbiased
    rates = (m.reshape(-1, 4) == 0).float().mean(0)
    torch.testing.assert_close(rates, torch.full((4,), 0.25), atol=0.01, rtol=0)
    b = dropout_mask((10, 8), 0.5, dtype=torch.bfloat16,
                     generator=torch.Generator().manual_seed(0))
    assert b.dtype == torch.bfloat16
    assert set(b.unique().tolist()) == {0.0, 2.0}


def test_bfloat16_lstm_in_training_float32_in_evaluation():
    kw = dict(lags=[1, 2, 3], context_length=4, n_dynamic=2, cardinalities=[3],
              hidden_size=5, num_layers=2, dropout=0.3)
    torch.manual_seed(0)
    ref = DeepARNetwork(**kw)
    net = DeepARNetwork(**kw, lstm_dtype=torch.bfloat16)
    net.load_state_dict(ref.state_dict())
    x = batch()
    ref.train(), net.train()
    masks = ref.dropout_masks(4, 6)
    assert net.dropout_masks(4, 6).dtype == torch.bfloat16
    raw, _ = net(**x, dropout_masks=masks)
    expected, _ = ref(**x, dropout_masks=masks)
    assert raw.dtype == torch.float32 and not torch.equal(raw, expected)
    torch.testing.assert_close(raw, expected, atol=0.03, rtol=0.03)
    # float32 gradients for the float32 weights, close to float32 training
    grads = torch.autograd.grad(raw.square().sum(), list(net.parameters()))
    grads_ref = torch.autograd.grad(expected.square().sum(), list(ref.parameters()))
    flat = torch.cat([g.reshape(-1) for g in grads])
    flat_ref = torch.cat([g.reshape(-1) for g in grads_ref])
    assert all(g.dtype == torch.float32 for g in grads)
    assert float(torch.nn.functional.cosine_similarity(flat, flat_ref, 0)) > 0.99
    # evaluation and sampling are float32: identical to the float32 network
    ref.eval(), net.eval()
    torch.testing.assert_close(net(**x)[0], ref(**x)[0], atol=0, rtol=0)
    xs = batch(w=4 + 3)
    xs["target"], xs["observed"] = xs["target"][:, :7], xs["observed"][:, :7]
    torch.manual_seed(1)
    a = net.sample(**xs, horizon=3, num_samples=5)
    torch.manual_seed(1)
    torch.testing.assert_close(a, ref.sample(**xs, horizon=3, num_samples=5))
    with pytest.raises(ValueError, match="lstm_dtype"):
        DeepARNetwork(**kw, lstm_dtype=torch.float16)


def test_training_lstm_matches_nn_lstm_when_nothing_is_dropped():
    """The layer-by-layer training path is nn.LSTM, values and gradients."""
    torch.manual_seed(0)
    net = DeepARNetwork(lags=[1, 2, 3], context_length=4, n_dynamic=2,
                        cardinalities=[3], hidden_size=5, num_layers=3,
                        dropout=0.3)
    x = batch()
    net.train()
    ones = torch.ones(2, 6, 4, 5)
    raw, _ = net(**x, dropout_masks=ones)
    g = torch.autograd.grad(raw.sum(), list(net.parameters()))
    net.rnn.dropout = 0.0  # nn.LSTM itself, without dropout
    ref, _ = net(**x)
    g_ref = torch.autograd.grad(ref.sum(), list(net.parameters()))
    torch.testing.assert_close(raw, ref)
    for a, b in zip(g, g_ref, strict=True):
        torch.testing.assert_close(a, b)


def test_training_dropout_uses_the_masks():
    net = DeepARNetwork(lags=[1, 2, 3], context_length=4, n_dynamic=2,
                        cardinalities=[3], hidden_size=5, dropout=0.5).train()
    x = batch()
    masks = dropout_mask((1, 6, 4, 5), 0.5, generator=torch.Generator().manual_seed(0))
    a, _ = net(**x, dropout_masks=masks)
    b, _ = net(**x, dropout_masks=masks)
    c, _ = net(**x, dropout_masks=torch.ones_like(masks))
    torch.testing.assert_close(a, b)
    assert not torch.allclose(a, c)
    # drawn by the network from torch's RNG when not given
    torch.manual_seed(3)
    d, _ = net(**x)
    torch.manual_seed(3)
    e, _ = net(**x)
    torch.testing.assert_close(d, e)
    assert net.dropout_masks(4, 6).shape == (1, 6, 4, 5)
    assert DeepARNetwork(lags=[1], context_length=2, n_dynamic=0,
                         num_layers=1).dropout_masks(4, 6) is None


def test_sample_shapes_and_determinism():
    net = DeepARNetwork(lags=[1, 2, 3], context_length=4, n_dynamic=2,
                        cardinalities=[3], hidden_size=5).eval()
    x = batch(w=4 + 5)
    x["target"], x["observed"] = x["target"][:, :7], x["observed"][:, :7]
    torch.manual_seed(0)
    a = net.sample(**x, horizon=5, num_samples=11)
    torch.manual_seed(0)
    b = net.sample(**x, horizon=5, num_samples=11)
    assert a.shape == (4, 11, 5)
    torch.testing.assert_close(a, b)


def test_negative_binomial_rescaling_keeps_mean_and_support():
    head = NegativeBinomialHead(3)
    raw = torch.tensor([[0.5, -1.0]])
    d1 = head.distribution(raw, torch.tensor([1.0]))
    d10 = head.distribution(raw, torch.tensor([10.0]))
    torch.testing.assert_close(d10.mean, 10 * d1.mean)
    assert (d10.sample((200,)) >= 0).all()


def test_student_t_rescaling():
    head = StudentTHead(3)
    raw = torch.tensor([[1.0, 0.0, 0.0]])
    d = head.distribution(raw, torch.tensor([5.0]))
    torch.testing.assert_close(d.loc, torch.tensor([5.0]))
    assert (d.df > 2).all()


def test_masked_loss_ignores_missing_even_if_not_finite():
    ll = torch.tensor([[-1.0, float("nan"), -3.0]])
    mask = torch.tensor([[1.0, 0.0, 1.0]])
    loss = MaskedNegativeLogLikelihood()(ll, mask)
    assert loss.item() == pytest.approx(2.0)


def test_bad_configuration():
    with pytest.raises(ValueError, match="include 1"):
        DeepARNetwork(lags=[2, 3], context_length=2, n_dynamic=0)
    with pytest.raises(ValueError, match="likelihood='poisson'"):
        make_likelihood_head("poisson", 4)
    assert embedding_dim_for(1000) == 50 and embedding_dim_for(3) == 2
    assert np.isclose(embedding_dim_for(1), 1)


def _reference_paths(net, x, horizon):
    """Autoregressive unrolling with nn.LSTM itself, each draw = the loc."""
    p, c = net.max_lag, net.context_length
    raw, scale, (h, cs) = net._unroll(
        x["target"], x["observed"], x["dynamic"][:, :c], x["static_cat"],
        x["static_real"], x["fallback_scale"])
    b = x["target"].shape[0]
    seq = torch.cat([x["target"], torch.zeros(b, horizon)], 1)
    obs = torch.cat([x["observed"], torch.ones(b, horizon)], 1)
    static = net.static_features(x["static_cat"], x["static_real"], scale)
    state = (h, cs)
    for k in range(horizon):
        t = p + c + k
        lagged = seq[:, t - net.lags] / scale[:, None]
        inp = torch.cat([lagged, obs[:, t - 1 : t], x["dynamic"][:, c + k],
                         static], -1).unsqueeze(1)
        out, state = net.rnn(inp.transpose(0, 1), state)  # time-major
        seq[:, t] = net.head(out[0])[:, 0] * scale
    return seq[:, p + c :]


@pytest.mark.parametrize("num_layers", [1, 2])
def test_fast_sampler_matches_plain_lstm_unrolling(num_layers):
    torch.manual_seed(0)
    net = DeepARNetwork(lags=[1, 2, 5], context_length=4, n_dynamic=2,
                        cardinalities=[3], n_static_real=1, hidden_size=6,
                        num_layers=num_layers).eval()
    b, horizon = 3, 6
    g = torch.Generator().manual_seed(1)
    x = dict(
        target=torch.rand(b, 5 + 4, generator=g) * 50,
        observed=(torch.rand(b, 9, generator=g) > 0.2).float(),
        dynamic=torch.rand(b, 4 + horizon, 2, generator=g),
        static_cat=torch.tensor([[0], [1], [2]]),
        static_real=torch.rand(b, 1, generator=g),
        fallback_scale=torch.ones(b),
    )
    # deterministic "draws": the location on the scaled axis
    net.head.sample_scaled = lambda raw, scale: raw[..., 0]
    with torch.no_grad():
        fast = net.sample(**x, horizon=horizon, num_samples=2)
        ref = _reference_paths(net, x, horizon)
    torch.testing.assert_close(fast[:, 0], ref, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(fast[:, 1], ref, rtol=1e-4, atol=1e-4)

"""The torch networks of the neural topic models."""

import math

import pytest
import torch

from skforecast_ntm.networks._topic_vae import (
    NVDM,
    ProdLDA,
    laplace_dirichlet_prior,
    make_topic_vae,
)


def _counts(n_docs=16, n_words=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.poisson(torch.full((n_docs, n_words), 1.5), generator=g)


@pytest.mark.parametrize(
    ("k", "alpha", "var"),
    [
        (2, 1.0, 0.5),  # (1 - 2/2) + 2/4
        (10, 1.0, 0.9),  # (1 - 2/10) + 10/100
        (4, 0.5, 2.0 * 0.5 + 4 * 2.0 / 16),
    ],
)
def test_laplace_dirichlet_prior(k, alpha, var):
    mean, v = laplace_dirichlet_prior(k, alpha)
    assert torch.allclose(mean, torch.zeros(k))
    assert torch.allclose(v, torch.full((k,), var))


def test_laplace_prior_single_topic_is_standard_normal():
    mean, var = laplace_dirichlet_prior(1, 0.5)
    assert torch.equal(mean, torch.zeros(1)) and torch.equal(var, torch.ones(1))
    net = ProdLDA(n_words=6, n_topics=1, hidden_sizes=(4,))
    nll, kl = net(_counts(n_words=6))
    assert torch.isfinite(nll).all() and torch.isfinite(kl).all()


def test_laplace_prior_errors():
    with pytest.raises(ValueError, match="n_topics"):
        laplace_dirichlet_prior(0)
    with pytest.raises(ValueError, match="alpha"):
        laplace_dirichlet_prior(3, 0.0)


@pytest.mark.parametrize("cls", [ProdLDA, NVDM])
def test_forward_shapes_and_normalised_decoder(cls):
    torch.manual_seed(0)
    net = cls(n_words=12, n_topics=3, hidden_sizes=(8, 8))
    x = _counts()
    nll, kl = net(x)
    assert nll.shape == (16,) and kl.shape == (16,)
    assert torch.all(nll > 0) and torch.all(kl >= 0)
    net.eval()
    theta = net.topic_proportions(x)
    assert theta.shape == (16, 3)
    assert torch.allclose(theta.sum(dim=1), torch.ones(16))
    log_proba = net.decode(theta)
    assert torch.allclose(log_proba.exp().sum(dim=1), torch.ones(16), atol=1e-5)
    # eval mode is deterministic
    assert torch.equal(theta, net.topic_proportions(x))


def test_kl_is_zero_at_the_prior_and_positive_elsewhere():
    net = ProdLDA(n_words=5, n_topics=4, hidden_sizes=())
    mean = net.prior_mean.expand(3, 4)
    logvar = net.prior_var.log().expand(3, 4)
    assert torch.allclose(net.kl_divergence(mean, logvar), torch.zeros(3), atol=1e-6)
    kl = net.kl_divergence(mean + 1.0, logvar)
    # 0.5 * sum(diff^2 / var) with var = 1 - 2/4 + 4/16 = 0.75
    assert torch.allclose(kl, torch.full((3,), 0.5 * 4 / 0.75))


def test_nvdm_prior_is_standard_normal():
    net = NVDM(n_words=5, n_topics=3, hidden_sizes=())
    assert torch.equal(net.prior_mean, torch.zeros(3))
    assert torch.equal(net.prior_var, torch.ones(3))
    counts = torch.tensor([3.0, 1.0, 0.0, 0.0, 0.0])
    net.init_background(counts)
    freq = (counts + 1) / (counts + 1).sum()
    assert torch.allclose(net.background.exp(), freq)


def test_generator_makes_forward_reproducible():
    torch.manual_seed(0)
    net = ProdLDA(n_words=12, n_topics=3, hidden_sizes=(8,)).eval()
    x = _counts()
    a = net(x, generator=torch.Generator().manual_seed(5), n_samples=3)
    b = net(x, generator=torch.Generator().manual_seed(5), n_samples=3)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


@pytest.mark.parametrize("model", ["prodlda", "nvdm"])
def test_training_lowers_the_loss(model):
    torch.manual_seed(0)
    net = make_topic_vae(model, n_words=12, n_topics=3, hidden_sizes=(16,))
    x = _counts(n_docs=64)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    losses = []
    for _ in range(60):
        nll, kl = net(x)
        loss = (nll + kl).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5
    assert all(math.isfinite(v) for v in losses)


def test_options_and_errors():
    net = ProdLDA(n_words=6, n_topics=2, hidden_sizes=(), batch_norm=False)
    assert isinstance(net.decoder_bn, torch.nn.Identity)
    assert isinstance(net.mean_bn, torch.nn.Identity)
    assert len(net.encoder) == 0
    split = NVDM(n_words=6, n_topics=2, dropout=0.3, theta_dropout=0.1)
    assert split.encoder_dropout.p == 0.3 and split.theta_dropout.p == 0.1
    assert ProdLDA(n_words=6, n_topics=2, dropout=0.3).theta_dropout.p == 0.3
    relu = ProdLDA(n_words=6, n_topics=2, hidden_sizes=(4,), activation="relu")
    assert isinstance(relu.encoder[1], torch.nn.ReLU)
    assert net.topic_word_logits().shape == (2, 6)
    with pytest.raises(ValueError, match="activation"):
        ProdLDA(n_words=6, n_topics=2, activation="gelu")
    with pytest.raises(ValueError, match="n_words and n_topics"):
        NVDM(n_words=0, n_topics=2)
    with pytest.raises(ValueError, match="model must be"):
        make_topic_vae("lda", n_words=6, n_topics=2)


def test_sparse_input_linear_matches_a_dense_product():
    from skforecast_ntm.networks._topic_vae import SparseInputLinear

    torch.manual_seed(0)
    layer = SparseInputLinear(7, 3)
    x = _counts(n_docs=5, n_words=7) * (torch.rand(5, 7) < 0.4)
    x[2] = 0  # an empty row
    dense = x @ layer.weight + layer.bias  # the reference: a plain product
    out = layer(x.to_sparse())
    assert torch.allclose(out, dense, atol=1e-6)
    assert torch.allclose(out[2], layer.bias)
    (grad_sparse,) = torch.autograd.grad(out.sum(), layer.weight)
    (grad_dense,) = torch.autograd.grad(dense.sum(), layer.weight)
    assert torch.allclose(grad_sparse, grad_dense, atol=1e-6)
    # initialised as torch.nn.Linear: within +-1/sqrt(in_features)
    assert layer.weight.abs().max() <= 7 ** -0.5


@pytest.mark.parametrize("cls", [ProdLDA, NVDM])
def test_decoder_words_and_sparse_input(cls):
    torch.manual_seed(0)
    words = [1, 4, 5, 9]
    net = cls(n_words=12, n_topics=3, hidden_sizes=(8,), decoder_words=words,
              sparse_input=True).eval()
    x = _counts()
    assert net.n_decoder_words == 4
    assert net.decode(net.topic_proportions(x)).shape == (16, 4)
    assert net.topic_word_logits().shape == (3, 4)
    assert torch.equal(net.decoder_target(x), x[:, words])
    g = torch.Generator().manual_seed(3)
    nll, kl = net(x, generator=g)
    g = torch.Generator().manual_seed(3)
    nll_s, kl_s = net(x.to_sparse(), generator=g)
    assert torch.allclose(nll, nll_s, atol=1e-4) and torch.allclose(kl, kl_s, atol=1e-5)
    # the reconstruction term is the multinomial NLL of the decoded counts
    net.theta_dropout.p = 0.0
    mean, _ = net.encode(x)
    log_proba = net.decode(torch.softmax(mean, dim=1))
    expected = -(x[:, words] * log_proba).sum(dim=1)
    net.logvar_bn = torch.nn.Identity()
    net.logvar_head.weight.data.zero_()
    net.logvar_head.bias.data.fill_(-1e4)  # no sampling noise left
    assert torch.allclose(net(x)[0], expected, atol=1e-3)
    with pytest.raises(ValueError, match="decoder_words"):
        cls(n_words=12, n_topics=3, decoder_words=[1, 1, 2])
    with pytest.raises(ValueError, match="decoder_words"):
        cls(n_words=12, n_topics=3, decoder_words=[12])

"""The likelihood heads against torch.distributions and closed-form formulas.

The network predicts the parameters of a distribution over the *scaled*
target ``y / s`` (DeepAR mean scaling, Salinas et al. 2020); the heads map
raw outputs to constrained parameters (softplus, documented in
``skforecast_ntm.networks._likelihoods``) and rescale to the original axis:

* Student-t and Gaussian: ``loc * s`` and ``sigma * s``, i.e. the density of
  ``y`` is ``p(y / s) / s``: ``log p(y) = log p_scaled(y / s) - log s``;
* negative binomial (DeepAR paper, eq. for count data): mean ``mu * s`` and
  shape ``alpha / sqrt(s)``, variance ``mean + alpha * mean**2``.

Every reference below is computed here from the raw parameters with numpy or
``torch.distributions`` (never with the heads), and sample moments are
compared within a Monte Carlo tolerance derived from the number of draws.
"""

import math

import numpy as np
import pytest
import torch
from scipy import stats
from torch.distributions import NegativeBinomial, Normal, StudentT

from skforecast_ntm.networks import (
    LIKELIHOODS,
    DeepARNetwork,
    GaussianHead,
    NegativeBinomialHead,
    StudentTHead,
    make_likelihood_head,
)

MIN_SCALE = 1e-6  # the documented floor added to every softplus'ed scale


def softplus(x):
    """log(1 + exp(x)), computed in numpy (independent of torch's softplus)."""
    x = np.asarray(x, dtype=np.float64)
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0)


def t64(a):
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


# a grid of raw parameters, scales and targets (broadcast against each other)
RAW = np.array([-3.0, -0.7, 0.0, 0.4, 2.5])
SCALES = np.array([0.01, 1.0, 37.5, 1e4])
Z = np.array([-40.0, -3.0, -0.5, 0.0, 0.2, 1.7, 8.0])  # standardised targets


def _continuous_grid(n_params):
    """Every combination of raw parameters, scale and target, flattened."""
    grids = np.meshgrid(*([RAW] * n_params), SCALES, Z, indexing="ij")
    raw = np.stack([g.ravel() for g in grids[:n_params]], -1)
    return raw, grids[n_params].ravel(), grids[n_params + 1].ravel()


# ------------------------------------------------------------------ Student-t
def test_student_t_log_prob_matches_torch_and_the_scale_rule():
    raw, s, z = _continuous_grid(3)
    loc, sigma = raw[:, 0], softplus(raw[:, 1]) + MIN_SCALE
    df = 2.0 + softplus(raw[:, 2])
    y = (loc + z * sigma) * s  # targets around the location, on the data axis
    head = StudentTHead(4).double()
    got = head.log_prob(t64(raw), t64(s), t64(y))
    # torch.distributions on the data axis ...
    ref = StudentT(t64(df), t64(loc * s), t64(sigma * s)).log_prob(t64(y))
    torch.testing.assert_close(got, ref, rtol=1e-10, atol=1e-10)
    # ... equals the scaled-axis density minus log s
    scaled = StudentT(t64(df), t64(loc), t64(sigma)).log_prob(t64(y / s))
    torch.testing.assert_close(got, scaled - torch.log(t64(s)),
                               rtol=1e-10, atol=1e-10)
    # and the closed form of the Student-t density (scipy)
    torch.testing.assert_close(
        got, t64(stats.t.logpdf(y, df, loc * s, sigma * s)), rtol=1e-9, atol=1e-9)


def test_student_t_distribution_parameters():
    raw, s, _ = _continuous_grid(3)
    d = StudentTHead(4).double().distribution(t64(raw), t64(s))
    np.testing.assert_allclose(d.loc.numpy(), raw[:, 0] * s, rtol=1e-12)
    np.testing.assert_allclose(
        d.scale.numpy(), (softplus(raw[:, 1]) + MIN_SCALE) * s, rtol=1e-12)
    np.testing.assert_allclose(d.df.numpy(), 2.0 + softplus(raw[:, 2]), rtol=1e-12)
    assert (d.df > 2).all()  # finite variance
    # log_prob of the distribution object = the head's fast log_prob
    y = t64(raw[:, 0] * s + 0.3 * s)
    torch.testing.assert_close(d.log_prob(y), StudentTHead(4).double().log_prob(
        t64(raw), t64(s), y), rtol=1e-10, atol=1e-10)


def test_student_t_log_prob_float32_stays_close_to_float64():
    raw, s, z = _continuous_grid(3)
    y = (raw[:, 0] + z * (softplus(raw[:, 1]) + MIN_SCALE)) * s
    head = StudentTHead(4)
    got = head.log_prob(torch.tensor(raw, dtype=torch.float32),
                        torch.tensor(s, dtype=torch.float32),
                        torch.tensor(y, dtype=torch.float32))
    ref = stats.t.logpdf(y, 2.0 + softplus(raw[:, 2]), raw[:, 0] * s,
                         (softplus(raw[:, 1]) + MIN_SCALE) * s)
    np.testing.assert_allclose(got.numpy(), ref, rtol=2e-4, atol=2e-3)


def _mc_check_mean_var(x, mean, var, kurtosis, n_sigma=5.0):
    """Sample mean/variance within ``n_sigma`` standard errors.

    Standard errors from the number of draws: ``sqrt(var / n)`` for the mean
    and ``var * sqrt((kurtosis - 1) / n)`` for the variance (``kurtosis`` is
    the non-excess fourth standardised moment of the distribution).
    """
    n = x.shape[0]
    m, v = x.mean(0), x.var(0, ddof=1)
    np.testing.assert_array_less(np.abs(m - mean), n_sigma * np.sqrt(var / n))
    np.testing.assert_array_less(np.abs(v - var),
                                 n_sigma * var * np.sqrt((kurtosis - 1) / n))


@pytest.mark.parametrize("scale", [1.0, 37.5])
def test_student_t_samples_have_the_moments_of_the_distribution(scale):
    # df = 2 + softplus(8) ~ 10: kurtosis 3 + 6 / (df - 4) finite
    raw = torch.tensor([[0.5, -0.3, 8.0], [-2.0, 1.2, 10.0]], dtype=torch.float64)
    loc = raw[:, 0].numpy()
    sigma = softplus(raw[:, 1].numpy()) + MIN_SCALE
    df = 2.0 + softplus(raw[:, 2].numpy())
    var = sigma**2 * df / (df - 2.0)
    kurt = 3.0 + 6.0 / (df - 4.0)
    n = 200_000
    head = StudentTHead(4).double()
    s = torch.full((n, 2), scale, dtype=torch.float64)
    torch.manual_seed(0)
    # the sampler's draw on the scaled axis (fed back as the next lag)
    x = head.sample_scaled(raw.expand(n, 2, 3), s).numpy()
    _mc_check_mean_var(x, loc, var, kurt)
    # its distribution is the Student-t: Kolmogorov-Smirnov against scipy
    for j in range(2):
        ks = stats.kstest(x[:20_000, j], stats.t(df[j], loc[j], sigma[j]).cdf)
        assert ks.pvalue > 1e-3, ks
    # draws of the distribution object live on the data axis
    torch.manual_seed(1)
    d = head.distribution(raw, torch.full((2,), scale, dtype=torch.float64))
    _mc_check_mean_var(d.sample((n,)).numpy(), loc * scale, var * scale**2, kurt)


# ------------------------------------------------------------------- Gaussian
def test_gaussian_log_prob_matches_torch_and_the_closed_form():
    raw, s, z = _continuous_grid(2)
    loc, sigma = raw[:, 0], softplus(raw[:, 1]) + MIN_SCALE
    y = (loc + z * sigma) * s
    head = GaussianHead(4).double()
    got = head.log_prob(t64(raw), t64(s), t64(y))
    ref = Normal(t64(loc * s), t64(sigma * s)).log_prob(t64(y))
    torch.testing.assert_close(got, ref, rtol=1e-10, atol=1e-10)
    scaled = Normal(t64(loc), t64(sigma)).log_prob(t64(y / s))
    torch.testing.assert_close(got, scaled - torch.log(t64(s)),
                               rtol=1e-10, atol=1e-10)
    closed = (-0.5 * np.log(2 * np.pi) - np.log(sigma * s)
              - 0.5 * ((y - loc * s) / (sigma * s)) ** 2)
    np.testing.assert_allclose(got.numpy(), closed, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("scale", [1.0, 0.01, 250.0])
def test_gaussian_samples_have_the_moments_of_the_distribution(scale):
    raw = torch.tensor([[0.5, -0.3], [-2.0, 1.2], [3.0, -5.0]], dtype=torch.float64)
    loc = raw[:, 0].numpy()
    sigma = softplus(raw[:, 1].numpy()) + MIN_SCALE
    n = 100_000
    head = GaussianHead(4).double()
    torch.manual_seed(0)
    x = head.sample_scaled(raw.expand(n, 3, 2),
                           torch.full((n, 3), scale, dtype=torch.float64)).numpy()
    _mc_check_mean_var(x, loc, sigma**2, 3.0)
    ks = stats.kstest(x[:20_000, 0], stats.norm(loc[0], sigma[0]).cdf)
    assert ks.pvalue > 1e-3, ks
    torch.manual_seed(1)
    d = head.distribution(raw, torch.full((3,), scale, dtype=torch.float64))
    np.testing.assert_allclose(d.mean.numpy(), loc * scale, rtol=1e-12)
    np.testing.assert_allclose(d.stddev.numpy(), sigma * scale, rtol=1e-12)
    _mc_check_mean_var(d.sample((n,)).numpy(), loc * scale, (sigma * scale) ** 2,
                       3.0)


# ------------------------------------------------------- negative binomial
def nb_log_pmf(y, mean, alpha):
    """The DeepAR paper's negative binomial, mean ``mean``, shape ``alpha``.

    ``P(y) = G(y + 1/a) / (G(y + 1) G(1/a)) (1 / (1 + a m))**(1/a)
    (a m / (1 + a m))**y``, written with ``math.lgamma`` element by element.
    """
    out = []
    for yi, m, a in zip(np.ravel(y), np.ravel(mean), np.ravel(alpha), strict=True):
        r = 1.0 / a
        out.append(math.lgamma(yi + r) - math.lgamma(yi + 1.0) - math.lgamma(r)
                   - r * math.log1p(a * m) + yi * (math.log(a * m)
                                                   - math.log1p(a * m)))
    return np.array(out)


def _nb_grid():
    counts = np.array([0.0, 1.0, 3.0, 17.0, 250.0])
    grids = np.meshgrid(RAW, RAW, SCALES[1:], counts, indexing="ij")
    raw = np.stack([grids[0].ravel(), grids[1].ravel()], -1)
    return raw, grids[2].ravel(), grids[3].ravel()


def test_negative_binomial_log_prob_matches_the_deepar_parametrisation():
    raw, s, y = _nb_grid()
    mean = (softplus(raw[:, 0]) + MIN_SCALE) * s  # mu * nu
    alpha = (softplus(raw[:, 1]) + MIN_SCALE) / np.sqrt(s)  # alpha / sqrt(nu)
    head = NegativeBinomialHead(4).double()
    got = head.log_prob(t64(raw), t64(s), t64(y))
    np.testing.assert_allclose(got.numpy(), nb_log_pmf(y, mean, alpha),
                               rtol=1e-9, atol=1e-9)
    # torch's NegativeBinomial(total_count=1/alpha, probs=a m / (1 + a m))
    ref = NegativeBinomial(total_count=t64(1.0 / alpha),
                           probs=t64(alpha * mean / (1.0 + alpha * mean)))
    torch.testing.assert_close(got, ref.log_prob(t64(y)), rtol=1e-9, atol=1e-9)
    # scipy's nbinom(n, p) with n = 1/alpha successes, p = 1 / (1 + a m)
    np.testing.assert_allclose(
        got.numpy(), stats.nbinom.logpmf(y, 1.0 / alpha, 1.0 / (1.0 + alpha * mean)),
        rtol=1e-8, atol=1e-8)


def test_negative_binomial_mean_and_variance_under_rescaling():
    raw, s, _ = _nb_grid()
    d = NegativeBinomialHead(4).double().distribution(t64(raw), t64(s))
    mu = softplus(raw[:, 0]) + MIN_SCALE
    alpha = softplus(raw[:, 1]) + MIN_SCALE
    mean = mu * s
    np.testing.assert_allclose(d.mean.numpy(), mean, rtol=1e-10)
    # variance mean + (alpha / sqrt(s)) mean**2 = s mu + alpha s**1.5 mu**2
    np.testing.assert_allclose(d.variance.numpy(),
                               s * mu + alpha * s**1.5 * mu**2, rtol=1e-10)


@pytest.mark.parametrize("scale", [1.0, 20.0])
def test_negative_binomial_samples_have_the_moments_and_support(scale):
    raw = torch.tensor([[0.5, -1.0], [2.0, 0.3]], dtype=torch.float64)
    mean = (softplus(raw[:, 0].numpy()) + MIN_SCALE) * scale
    alpha = (softplus(raw[:, 1].numpy()) + MIN_SCALE) / np.sqrt(scale)
    var = mean + alpha * mean**2
    # kurtosis (non-excess) of the NB, for the Monte Carlo tolerance: scipy's
    # nbinom(n=1/alpha, p=1/(1 + alpha mean))
    kurt = 3.0 + np.array([
        float(stats.nbinom(1.0 / a, 1.0 / (1.0 + a * m)).stats(moments="k"))
        for m, a in zip(mean, alpha, strict=True)])
    n = 200_000
    head = NegativeBinomialHead(4).double()
    torch.manual_seed(0)
    s = torch.full((n, 2), scale, dtype=torch.float64)
    scaled = head.sample_scaled(raw.expand(n, 2, 2), s)
    counts = (scaled * s).numpy()
    # draws are non-negative integers on the data axis
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-6)
    assert counts.min() >= 0
    _mc_check_mean_var(counts, mean, var, kurt)
    # the frequency of zero matches the pmf at 0 (binomial standard error)
    p0 = np.exp(nb_log_pmf(np.zeros(2), mean, alpha))
    np.testing.assert_array_less(np.abs((counts == 0).mean(0) - p0),
                                 5 * np.sqrt(p0 * (1 - p0) / n) + 1e-12)


# ----------------------------------------------------------- the network
@pytest.mark.parametrize("likelihood", sorted(LIKELIHOODS))
def test_network_log_likelihood_is_the_heads_log_prob_per_step(likelihood):
    """``DeepARNetwork.log_likelihood`` (time-major inside) per window step."""
    torch.manual_seed(0)
    net = DeepARNetwork(lags=[1, 2], context_length=3, n_dynamic=1,
                        hidden_size=5, num_layers=1, likelihood=likelihood).double()
    b, p, w = 4, 2, 3 + 2
    g = torch.Generator().manual_seed(1)
    target = torch.randint(0, 30, (b, p + w), generator=g).double()
    x = dict(target=target, observed=torch.ones(b, p + w, dtype=torch.float64),
             dynamic=torch.rand(b, w, 1, generator=g, dtype=torch.float64),
             static_cat=torch.zeros(b, 0, dtype=torch.long),
             static_real=torch.zeros(b, 0, dtype=torch.float64),
             fallback_scale=torch.ones(b, dtype=torch.float64))
    net.eval()
    with torch.no_grad():
        raw, scale = net(**x)
        ll = net.log_likelihood(raw, scale, target[:, p:])
    assert ll.shape == (b, w)
    np.testing.assert_allclose(scale.numpy(), target[:, p : p + 3].mean(1).numpy())
    raw_np, s = raw.numpy(), scale.numpy()[:, None]
    y = target[:, p:].numpy()
    if likelihood == "student_t":
        ref = stats.t.logpdf(y, 2.0 + softplus(raw_np[..., 2]), raw_np[..., 0] * s,
                             (softplus(raw_np[..., 1]) + MIN_SCALE) * s)
    elif likelihood == "gaussian":
        ref = stats.norm.logpdf(y, raw_np[..., 0] * s,
                                (softplus(raw_np[..., 1]) + MIN_SCALE) * s)
    else:
        mean = (softplus(raw_np[..., 0]) + MIN_SCALE) * s
        alpha = (softplus(raw_np[..., 1]) + MIN_SCALE) / np.sqrt(s)
        ref = nb_log_pmf(y, mean, alpha).reshape(y.shape)
    np.testing.assert_allclose(ll.numpy(), ref, rtol=1e-8, atol=1e-8)


def test_make_likelihood_head_builds_each_registered_head():
    # parameters per step: Student-t (loc, scale, df), Gaussian (loc, scale),
    # negative binomial (mean, shape)
    expected = {"student_t": (StudentTHead, 3), "gaussian": (GaussianHead, 2),
                "negative_binomial": (NegativeBinomialHead, 2)}
    assert sorted(LIKELIHOODS) == sorted(expected)
    for name, (cls, n_params) in expected.items():
        head = make_likelihood_head(name, 6)
        assert type(head) is cls
        assert head(torch.zeros(2, 6)).shape == (2, n_params)

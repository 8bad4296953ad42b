"""Likelihood heads: project hidden states to the parameters of a distribution.

Each head maps the RNN output to the parameters of a distribution over the
*scaled* target and knows how to rescale that distribution to the original
scale of the series (DeepAR mean scaling, Salinas et al. 2020):

* Student-t and Gaussian: ``loc * scale`` and ``sigma * scale``.
* Negative binomial: ``mu * scale`` and ``alpha / sqrt(scale)`` (the
  parametrisation of the DeepAR paper, variance ``mu + alpha * mu**2``).

Pure torch, no pandas.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.distributions import Distribution, NegativeBinomial, Normal, StudentT
from torch.nn.functional import softplus

__all__ = [
    "LikelihoodHead",
    "StudentTHead",
    "GaussianHead",
    "NegativeBinomialHead",
    "make_likelihood_head",
    "LIKELIHOODS",
    "MaskedNegativeLogLikelihood",
]

_MIN_SCALE = 1e-6


def _positive(x: torch.Tensor) -> torch.Tensor:
    return softplus(x) + _MIN_SCALE


class LikelihoodHead(nn.Module):
    """Base class: a linear projection to distribution parameters.

    Parameters
    ----------
    in_features : int
        Size of the hidden state fed to the head.

    Examples
    --------
    >>> import torch
    >>> from skforecast_ntm.networks import make_likelihood_head
    >>> head = make_likelihood_head("student_t", in_features=8)
    >>> raw = head(torch.zeros(4, 8))          # (4, 3): loc, scale, df
    >>> d = head.distribution(raw, torch.full((4,), 10.0))
    >>> tuple(d.sample().shape)
    (4,)
    """

    #: number of distribution parameters produced per time step
    n_params: int = 0
    #: whether the distribution only supports non-negative (count) targets
    non_negative: bool = False

    def __init__(self, in_features: int) -> None:
        super().__init__()
        self.proj = nn.Linear(in_features, self.n_params)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """Raw (unconstrained) parameters, shape ``hidden.shape[:-1] + (n_params,)``."""
        return self.proj(hidden)

    def distribution(self, raw: torch.Tensor, scale: torch.Tensor) -> Distribution:
        """Distribution on the original scale.

        Parameters
        ----------
        raw : torch.Tensor
            Output of :meth:`forward`, shape ``(..., n_params)``.
        scale : torch.Tensor
            Per-series scale, broadcastable to ``raw.shape[:-1]``.
        """
        raise NotImplementedError

    def log_prob(self, raw: torch.Tensor, scale: torch.Tensor,
                 target: torch.Tensor) -> torch.Tensor:
        """Log-density of ``target`` under :meth:`distribution`."""
        return self.distribution(raw, scale).log_prob(target)

    def sample_scaled(self, raw: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        """One draw of :meth:`distribution`, divided by ``scale``.

        The autoregressive sampler feeds scaled values back as lags; heads
        whose distribution is a location-scale family override this to draw
        directly on the scaled axis (no ``torch.distributions`` objects, which
        dominate the cost of a sampling step for large batches).
        """
        return self.distribution(raw, scale).sample() / scale


class StudentTHead(LikelihoodHead):
    """Student-t likelihood (DeepAR's default for real-valued data).

    Examples
    --------
    >>> import torch
    >>> from skforecast_ntm.networks import StudentTHead
    >>> head = StudentTHead(4)
    >>> d = head.distribution(torch.tensor([[1.0, 0.0, 0.0]]), torch.tensor([5.0]))
    >>> float(d.loc[0])  # the location is rescaled
    5.0
    """

    n_params = 3

    def distribution(self, raw: torch.Tensor, scale: torch.Tensor) -> Distribution:
        loc, sigma, df = raw.unbind(-1)
        df = 2.0 + softplus(df)  # df > 2: finite variance
        return StudentT(
            df, loc * scale, _positive(sigma) * scale, validate_args=False
        )

    def log_prob(self, raw: torch.Tensor, scale: torch.Tensor,
                 target: torch.Tensor) -> torch.Tensor:
        # torch's StudentT.log_prob written on the scaled axis, with fewer
        # operations (it runs on every training batch)
        loc, sigma, df = raw.unbind(-1)
        half = 0.5 * (2.0 + softplus(df))
        sigma = _positive(sigma)
        z = (target / scale - loc) / sigma
        return (torch.lgamma(half + 0.5) - torch.lgamma(half)
                - 0.5 * torch.log(half * (2.0 * math.pi))
                - torch.log(sigma * scale)
                - (half + 0.5) * torch.log1p(z * z / (2.0 * half)))

    def sample_scaled(self, raw: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        # the draw of torch's StudentT.rsample (normal, then chi2 = 2 * gamma)
        loc, sigma, df = raw.unbind(-1)
        df = softplus(df).add_(2.0)
        z = torch.randn_like(loc)
        chi2 = torch._standard_gamma(df * 0.5).mul_(2.0)
        chi2.clamp_(min=torch.finfo(chi2.dtype).tiny)
        return z.mul_(torch.rsqrt(chi2.div_(df))).mul_(_positive(sigma)).add_(loc)


class GaussianHead(LikelihoodHead):
    """Gaussian likelihood.

    Examples
    --------
    >>> import torch
    >>> from skforecast_ntm.networks import GaussianHead
    >>> d = GaussianHead(4).distribution(torch.tensor([[2.0, 0.0]]),
    ...                                  torch.tensor([3.0]))
    >>> float(d.mean[0])
    6.0
    """

    n_params = 2

    def distribution(self, raw: torch.Tensor, scale: torch.Tensor) -> Distribution:
        loc, sigma = raw.unbind(-1)
        return Normal(loc * scale, _positive(sigma) * scale, validate_args=False)

    def sample_scaled(self, raw: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        loc, sigma = raw.unbind(-1)
        return torch.randn_like(loc).mul_(_positive(sigma)).add_(loc)


class NegativeBinomialHead(LikelihoodHead):
    """Negative binomial likelihood for non-negative counts.

    Mean ``mu`` and shape ``alpha`` (variance ``mu + alpha mu^2``); with scale
    ``nu`` the head uses ``mu * nu`` and ``alpha / sqrt(nu)``.

    Examples
    --------
    >>> import torch
    >>> from skforecast_ntm.networks import NegativeBinomialHead
    >>> head = NegativeBinomialHead(4)
    >>> raw = torch.tensor([[0.5, -1.0]])
    >>> d1 = head.distribution(raw, torch.tensor([1.0]))
    >>> d10 = head.distribution(raw, torch.tensor([10.0]))
    >>> bool(torch.isclose(d10.mean, 10 * d1.mean))
    True
    """

    n_params = 2
    non_negative = True

    def distribution(self, raw: torch.Tensor, scale: torch.Tensor) -> Distribution:
        mu_raw, alpha_raw = raw.unbind(-1)
        mu = _positive(mu_raw) * scale
        alpha = _positive(alpha_raw) / torch.sqrt(scale)
        total_count = 1.0 / alpha
        # mean of torch's NB is total_count * exp(logits)
        logits = torch.log(mu) - torch.log(total_count)
        return NegativeBinomial(
            total_count=total_count, logits=logits, validate_args=False
        )


LIKELIHOODS: dict[str, type[LikelihoodHead]] = {
    "student_t": StudentTHead,
    "gaussian": GaussianHead,
    "negative_binomial": NegativeBinomialHead,
}


def make_likelihood_head(name: str, in_features: int) -> LikelihoodHead:
    """Build the head named ``name`` (one of :data:`LIKELIHOODS`)."""
    try:
        cls = LIKELIHOODS[name]
    except KeyError:
        raise ValueError(
            f"likelihood={name!r} is not supported; choose one of "
            f"{sorted(LIKELIHOODS)}."
        ) from None
    return cls(in_features)


class MaskedNegativeLogLikelihood(nn.Module):
    """Mean negative log-likelihood over the steps where ``mask`` is 1.

    Missing targets (mask 0) contribute nothing, even if their log-density is
    not finite.

    Examples
    --------
    >>> import torch
    >>> from skforecast_ntm.networks import MaskedNegativeLogLikelihood
    >>> ll = torch.tensor([[-1.0, float("nan"), -3.0]])
    >>> MaskedNegativeLogLikelihood()(ll, torch.tensor([[1.0, 0.0, 1.0]])).item()
    2.0
    """

    def forward(self, log_likelihood: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = mask > 0
        ll = torch.where(keep, log_likelihood, torch.zeros_like(log_likelihood))
        return -ll.sum() / keep.sum().clamp(min=1)

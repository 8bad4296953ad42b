"""Pure ``torch.nn.Module`` networks (no pandas, no sklearn)."""

from ._deepar import DeepARNetwork, embedding_dim_for
from ._likelihoods import (
    LIKELIHOODS,
    GaussianHead,
    LikelihoodHead,
    MaskedNegativeLogLikelihood,
    NegativeBinomialHead,
    StudentTHead,
    make_likelihood_head,
)

__all__ = [
    "DeepARNetwork",
    "embedding_dim_for",
    "LIKELIHOODS",
    "GaussianHead",
    "LikelihoodHead",
    "MaskedNegativeLogLikelihood",
    "NegativeBinomialHead",
    "StudentTHead",
    "make_likelihood_head",
]

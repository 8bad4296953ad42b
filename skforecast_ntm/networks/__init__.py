"""Pure ``torch.nn.Module`` networks (no pandas, no sklearn)."""

from ._deepar import DeepARNetwork, dropout_mask, embedding_dim_for
from ._likelihoods import (
    LIKELIHOODS,
    GaussianHead,
    LikelihoodHead,
    MaskedNegativeLogLikelihood,
    NegativeBinomialHead,
    StudentTHead,
    make_likelihood_head,
)
from ._topic_vae import (
    NVDM,
    ProdLDA,
    TopicVAE,
    laplace_dirichlet_prior,
    make_topic_vae,
    sinkhorn_plan,
)

__all__ = [
    "DeepARNetwork",
    "dropout_mask",
    "embedding_dim_for",
    "LIKELIHOODS",
    "GaussianHead",
    "LikelihoodHead",
    "MaskedNegativeLogLikelihood",
    "NegativeBinomialHead",
    "StudentTHead",
    "make_likelihood_head",
    "NVDM",
    "ProdLDA",
    "TopicVAE",
    "laplace_dirichlet_prior",
    "make_topic_vae",
    "sinkhorn_plan",
]

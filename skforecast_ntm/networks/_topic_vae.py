"""Variational neural topic models as pure ``torch.nn.Module`` objects.

Two networks share one encoder (an MLP from ``log1p`` of the bag-of-words
counts to the mean and log-variance of a Gaussian over ``K`` topic logits) and
differ in prior and decoder:

``ProdLDA`` (Srivastava & Sutton, 2017)
    Logistic-normal prior: the Laplace approximation (in the softmax basis) of a
    symmetric Dirichlet(``alpha``) prior. The topic proportions are
    ``theta = softmax(z)`` and the decoder is a *product of experts*: the word
    distribution of a document is ``softmax(BN(theta @ beta))``, where the rows
    of ``beta`` are unnormalised topic-word log-weights and ``BN`` is a batch
    normalisation without affine parameters. With word embeddings ``rho``
    and topic embeddings ``alpha``, ``beta`` is each word's soft assignment
    to the topics, ``softmax`` over topics of ``alpha @ rho.T / T`` (ECRTM).

``NVDM`` (Miao et al., 2016/2017; the flavour of SageMaker's NTM)
    Standard Gaussian prior ``N(0, I)`` on ``z``, ``theta = softmax(z)`` and a
    softmax decoder with a background bias: ``softmax(theta @ beta + b)``.

Tensors: ``x`` is a ``(B, V)`` float tensor of word counts (``V`` the
vocabulary size, ``B`` the batch size), dense or, for a network built with
``sparse_input=True``, a sparse COO tensor (the encoder's first layer is
then a weighted sum of embedding rows: its cost follows the non-zero
counts, not ``V``). With ``decoder_words`` (indices of ``D <= V``
words) the decoder reconstructs only those words' counts, so its cost is
``D`` per document whatever the vocabulary; the encoder still reads all
``V`` words. ``forward`` returns the per-document
negative log-likelihood (reconstruction term) and the KL divergence to the
prior, both of shape ``(B,)``; their sum is the negative evidence lower bound
(ELBO). No pandas and no scikit-learn here: the estimator lives in
``skforecast_ntm.topics``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = [
    "ProdLDA",
    "NVDM",
    "SparseInputLinear",
    "TopicVAE",
    "laplace_dirichlet_prior",
    "make_topic_vae",
    "sinkhorn_plan",
]

#: temperature ``T`` of ProdLDA's embedded decoder (see
#: ``ProdLDA.decoder_weights``). The topic embeddings are free, so it only
#: sets their scale relative to their initialisation and Adam's steps; 2 was
#: the best of 0.2, 1, 2, 3 and 5 on 20 Newsgroups (``docs/topics.md``).
WORD_TOPIC_TEMPERATURE = 2.0

#: ``eps`` of the encoder's output batch normalisations (torch's default is
#: 1e-5). The KL term rewards logits that vary less across documents, and
#: a batch norm with a non-negligible ``eps`` lets the encoder get there by
#: shrinking its pre-normalisation variance towards ``eps`` (it saturated
#: the second softplus layer: variance 1e-5 after 3 epochs on short
#: documents); the running mean then lags the training batches by many of
#: those tiny standard deviations, and in eval mode one topic's logit sat
#: ~6 above the others for every document (``docs/topics.md``, "Short
#: documents"). Far below float32 resolution of a unit variance, this
#: ``eps`` makes the normalisation scale-invariant, so nothing is gained
#: by shrinking, while still guarding a constant column.
ENCODER_BN_EPS = 1e-10

_ACTIVATIONS = {
    "softplus": nn.Softplus,
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}


class SparseInputLinear(nn.Module):
    """``x @ weight + bias`` for dense or sparse COO ``x`` (wide inputs).

    The weight is stored ``(in_features, out_features)``, one row per input
    word, so that a sparse batch is a weighted sum of rows
    (``torch.nn.functional.embedding_bag``): forward and backward cost what
    the non-zero entries cost, not ``in_features``. Initialised as
    ``torch.nn.Linear``: uniform in ``+-1 / sqrt(in_features)``.

    Examples
    --------
    >>> import torch
    >>> layer = SparseInputLinear(5, 2)
    >>> x = torch.tensor([[0.0, 2.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    >>> torch.allclose(layer(x.to_sparse()), layer(x))
    True
    """

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        bound = 1.0 / float(in_features) ** 0.5
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = nn.Parameter(
            torch.empty(in_features, out_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(out_features).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.is_sparse:
            x = x.coalesce()  # a no-op on a coalesced tensor
            rows, cols = x.indices()
            counts = torch.bincount(rows, minlength=x.shape[0])
            offsets = torch.cumsum(counts, 0) - counts
            return nn.functional.embedding_bag(
                cols, self.weight, offsets, mode="sum",
                per_sample_weights=x.values(),
            ) + self.bias
        return x @ self.weight + self.bias


def laplace_dirichlet_prior(n_topics: int, alpha: float = 1.0) -> tuple[
    torch.Tensor, torch.Tensor
]:
    """Mean and variance of the Laplace approximation of a Dirichlet prior.

    For a symmetric Dirichlet(``alpha``) on ``K`` topics, the logistic-normal
    approximation in the softmax basis (MacKay, 1998) has mean
    ``log(alpha) - mean(log(alpha)) = 0`` and variance
    ``(1 / alpha) * (1 - 2 / K) + sum(1 / alpha) / K**2``. With one topic the
    variance formula degenerates to 0; ``N(0, 1)`` is returned instead (the
    topic proportion is 1 whatever the logit).

    Parameters
    ----------
    n_topics : int
        Number of topics ``K`` (at least 1).
    alpha : float, default=1.0
        Concentration of the symmetric Dirichlet (positive).

    Returns
    -------
    mean, var : torch.Tensor of shape (n_topics,)
    """
    if n_topics < 1:
        raise ValueError(f"n_topics must be >= 1, got {n_topics}.")
    if not alpha > 0:
        raise ValueError(f"alpha must be > 0, got {alpha}.")
    a = torch.full((n_topics,), float(alpha), dtype=torch.float32)
    mean = a.log() - a.log().mean()
    if n_topics == 1:
        # theta = softmax(z) = 1 whatever z: any prior will do, N(0, 1) is used
        return mean, torch.ones(1)
    var = (1.0 / a) * (1.0 - 2.0 / n_topics) + (1.0 / a).sum() / n_topics**2
    return mean, var


class TopicVAE(nn.Module):
    """Shared encoder and training objective of the topic VAEs.

    Parameters
    ----------
    n_words : int
        Vocabulary size ``V``.
    n_topics : int
        Number of topics ``K``.
    hidden_sizes : sequence of int, default=(100, 100)
        Sizes of the encoder's hidden layers (may be empty: a linear encoder).
    activation : {"softplus", "relu", "tanh", "sigmoid"}, default="softplus"
        Activation of the encoder's hidden layers.
    dropout : float, default=0.2
        Dropout on the last hidden layer of the encoder (training only).
    batch_norm : bool, default=True
        Batch-normalise (no affine parameters) the encoder's mean and
        log-variance (with ``eps`` = ``ENCODER_BN_EPS``, so that the
        normalisation is scale-invariant) and, for ProdLDA, the decoder's
        logits.
    theta_dropout : float or None, default=None
        Dropout on the topic proportions ``theta`` before decoding (training
        only); ``None`` uses ``dropout``. It makes each topic explain its
        words on its own, which keeps the rows of ``beta`` interpretable in a
        product-of-experts decoder.
    word_embeddings : torch.Tensor of shape (V, E), optional
        Fixed word embeddings ``rho`` (rows scaled to unit length here; a
        zero row stays zero). The topic-word log-weights are then
        ``beta = alpha @ rho.T`` with learnt topic embeddings ``alpha``
        (``topic_embeddings``, ``(K, E)``), as in the embedded topic model
        (Dieng et al. 2020), instead of a free ``(K, V)`` parameter (ProdLDA
        normalises it over the topics: ``ProdLDA.decoder_weights``). With
        ``decoder_words``, one row per decoded word, shape ``(D, E)``.
    decoder_words : sequence of int, optional
        Indices (into the ``V`` input words) of the ``D`` words the decoder
        reconstructs; ``None``: all ``V``. The topics are distributions over
        these words.
    sparse_input : bool, default=False
        Make the first hidden layer a :class:`SparseInputLinear`, which
        also reads sparse COO counts at a cost proportional to their
        non-zeros (for wide vocabularies).

    Examples
    --------
    The base class is used through its subclasses, which share its encoder:

    >>> import torch
    >>> from skforecast_ntm.networks import ProdLDA, TopicVAE
    >>> net = ProdLDA(n_words=20, n_topics=3, hidden_sizes=(8,))
    >>> isinstance(net, TopicVAE)
    True
    >>> nll, kl = net(torch.ones(4, 20))
    >>> tuple(nll.shape)
    (4,)
    """

    def __init__(
        self,
        n_words: int,
        n_topics: int,
        hidden_sizes: Sequence[int] = (100, 100),
        activation: str = "softplus",
        dropout: float = 0.2,
        batch_norm: bool = True,
        theta_dropout: float | None = None,
        *,
        word_embeddings: torch.Tensor | None = None,
        decoder_words: Sequence[int] | torch.Tensor | None = None,
        sparse_input: bool = False,
    ) -> None:
        super().__init__()
        if n_words < 1 or n_topics < 1:
            raise ValueError(
                f"n_words and n_topics must be >= 1, got {n_words}, {n_topics}."
            )
        if decoder_words is None:
            self.decoder_index: torch.Tensor | None = None
            n_decoded = int(n_words)
        else:
            index = torch.as_tensor(decoder_words, dtype=torch.long).ravel()
            if index.numel() < 1 or int(index.min()) < 0 \
                    or int(index.max()) >= n_words \
                    or index.unique().numel() != index.numel():
                raise ValueError(
                    "decoder_words must be distinct indices in [0, n_words="
                    f"{n_words}), at least one; got {index.tolist()[:10]}..."
                )
            self.register_buffer("decoder_index", index)
            n_decoded = int(index.numel())
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(_ACTIVATIONS)}, got "
                f"{activation!r}."
            )
        self.n_words = int(n_words)
        #: number of words the decoder reconstructs (``V`` without
        #: ``decoder_words``)
        self.n_decoder_words = n_decoded
        self.n_topics = int(n_topics)
        layers: list[nn.Module] = []
        size_in = self.n_words
        for size in hidden_sizes:
            linear = SparseInputLinear if sparse_input and not layers else nn.Linear
            layers += [linear(size_in, int(size)), _ACTIVATIONS[activation]()]
            size_in = int(size)
        self.encoder = nn.Sequential(*layers)
        self.encoder_dropout = nn.Dropout(dropout)
        self.mean_head = nn.Linear(size_in, self.n_topics)
        self.logvar_head = nn.Linear(size_in, self.n_topics)
        if batch_norm:
            self.mean_bn: nn.Module = nn.BatchNorm1d(
                self.n_topics, affine=False, eps=ENCODER_BN_EPS)
            self.logvar_bn: nn.Module = nn.BatchNorm1d(
                self.n_topics, affine=False, eps=ENCODER_BN_EPS)
        else:
            self.mean_bn = nn.Identity()
            self.logvar_bn = nn.Identity()
        self.theta_dropout = nn.Dropout(
            dropout if theta_dropout is None else theta_dropout
        )
        if word_embeddings is None:
            # unnormalised topic-word log-weights, (K, V)
            self.beta = nn.Parameter(
                torch.empty(self.n_topics, self.n_decoder_words))
            nn.init.xavier_uniform_(self.beta)
        else:
            rho = torch.as_tensor(word_embeddings, dtype=torch.float32)
            if rho.ndim != 2 or rho.shape[0] != self.n_decoder_words:
                raise ValueError(
                    "word_embeddings must have shape (n_decoder_words="
                    f"{self.n_decoder_words}, dim), got {tuple(rho.shape)}."
                )
            # unit rows: cosine geometry for the regulariser, computed once
            rho = rho / rho.norm(dim=1, keepdim=True).clamp(min=1e-12)
            self.register_buffer("word_embeddings", rho)
            self.topic_embeddings = nn.Parameter(
                0.1 * torch.randn(self.n_topics, rho.shape[1]))
            # Sinkhorn scaling of the words, kept between training steps
            self.register_buffer("_sinkhorn_v", torch.full(
                (self.n_decoder_words,), 1.0 / self.n_decoder_words),
                persistent=False)
        self.register_buffer("prior_mean", torch.zeros(self.n_topics))
        self.register_buffer("prior_var", torch.ones(self.n_topics))

    # ------------------------------------------------------------------ encoder
    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance of ``q(z | x)``, each ``(B, K)``.

        The encoder sees ``log1p(x)``: compressing the counts keeps long
        documents and bursty words from saturating the first layer. A sparse
        (COO) ``x`` goes through the first hidden layer as a sparse product.
        """
        if x.is_sparse:
            x = x.coalesce()
            x = torch.sparse_coo_tensor(
                x.indices(), torch.log1p(x.values()), x.shape,
                is_coalesced=True, check_invariants=False)
            h = self.encoder(x) if len(self.encoder) else x.to_dense()
        else:
            h = self.encoder(torch.log1p(x))
        h = self.encoder_dropout(h)
        mean = self.mean_bn(self.mean_head(h))
        logvar = self.logvar_bn(self.logvar_head(h))
        return mean, logvar

    def decoder_target(self, x: torch.Tensor) -> torch.Tensor:
        """The counts the decoder reconstructs: ``x`` at ``decoder_words``."""
        if x.layout != torch.strided:
            x = x.to_dense()
        return x if self.decoder_index is None else x[:, self.decoder_index]

    def topic_proportions(self, x: torch.Tensor) -> torch.Tensor:
        """Deterministic topic proportions ``softmax(mean)``, ``(B, K)``."""
        mean, _ = self.encode(x)
        return torch.softmax(mean, dim=1)

    # ------------------------------------------------------------------ decoder
    def decode(self, theta: torch.Tensor) -> torch.Tensor:
        """Log word probabilities ``(B, V)`` given topic proportions."""
        raise NotImplementedError

    def topic_word_logits(self) -> torch.Tensor:
        """Unnormalised topic-word log-weights ``beta``, ``(K, V)``."""
        if hasattr(self, "topic_embeddings"):
            return self.topic_embeddings @ self.word_embeddings.T
        return self.beta

    def embedding_clustering_loss(self, epsilon: float = 0.05,
                                  n_iter: int = 5) -> torch.Tensor:
        """Embedding-clustering regulariser (ECRTM, Wu et al. 2023).

        The topic embeddings are cluster centres of the word embeddings under
        a balanced assignment: the entropic optimal transport plan between
        the topics (mass ``1/K`` each) and the words (``1/V`` each) for the
        cosine distance, and the loss is its transport cost. Balanced
        clusters keep topics from crowding into the same region of the
        embedding space (topics sharing their top words). The Sinkhorn
        scaling is warm-started from the previous call, so a few iterations
        per training step suffice; the plan is not differentiated through.
        Needs ``word_embeddings``.
        """
        alpha = self.topic_embeddings
        alpha = alpha / alpha.norm(dim=1, keepdim=True).clamp(min=1e-12)
        cost = 1.0 - alpha @ self.word_embeddings.T  # cosine distance, (K, V)
        plan = sinkhorn_plan(cost.detach(), epsilon, n_iter, self._sinkhorn_v)
        return (plan * cost).sum()

    # ------------------------------------------------------------------ objective
    def kl_divergence(self, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """``KL(q(z|x) || p(z))`` per document, ``(B,)``."""
        prior_var = self.prior_var
        var_ratio = torch.exp(logvar) / prior_var
        diff = mean - self.prior_mean
        return 0.5 * (
            var_ratio + diff * diff / prior_var - 1.0 + prior_var.log() - logvar
        ).sum(dim=1)

    def forward(
        self,
        x: torch.Tensor,
        generator: torch.Generator | None = None,
        n_samples: int = 1,
        target: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Reconstruction NLL and KL divergence per document.

        Parameters
        ----------
        x : torch.Tensor of shape (B, V)
            Word counts (dense, or sparse COO: see ``sparse_input``).
        generator : torch.Generator, optional
            Source of the reparameterisation noise (the global generator when
            ``None``).
        n_samples : int, default=1
            Monte Carlo samples of ``z`` averaged for the reconstruction term.
        target : torch.Tensor of shape (B, n_decoder_words), optional
            The dense counts to reconstruct, when the caller has them
            (``decoder_target(x)`` otherwise).

        Returns
        -------
        nll, kl : torch.Tensor of shape (B,)
        """
        if target is None:
            target = self.decoder_target(x)
        x_dtype = target.dtype
        mean, logvar = self.encode(x)
        std = torch.exp(0.5 * logvar)
        nll = torch.zeros(target.shape[0], dtype=x_dtype, device=target.device)
        for _ in range(n_samples):
            eps = torch.randn(
                mean.shape, generator=generator, dtype=mean.dtype, device=mean.device
            )
            theta = self.theta_dropout(torch.softmax(mean + std * eps, dim=1))
            log_proba = self.decode(theta)
            nll = nll - (target * log_proba).sum(dim=1)
        return nll / n_samples, self.kl_divergence(mean, logvar)


class ProdLDA(TopicVAE):
    """ProdLDA: logistic-normal prior and product-of-experts decoder.

    Parameters
    ----------
    n_words, n_topics, hidden_sizes, activation, dropout, batch_norm, \
theta_dropout
        See :class:`TopicVAE`.
    alpha : float, default=1.0
        Concentration of the symmetric Dirichlet prior approximated by the
        logistic normal.

    Examples
    --------
    >>> import torch
    >>> net = ProdLDA(n_words=30, n_topics=4, hidden_sizes=(16,))
    >>> nll, kl = net(torch.ones(5, 30))
    >>> tuple(nll.shape), tuple(kl.shape)
    ((5,), (5,))
    """

    def __init__(
        self,
        n_words: int,
        n_topics: int,
        hidden_sizes: Sequence[int] = (100, 100),
        activation: str = "softplus",
        dropout: float = 0.2,
        batch_norm: bool = True,
        alpha: float = 1.0,
        theta_dropout: float | None = None,
        *,
        word_embeddings: torch.Tensor | None = None,
        decoder_words: Sequence[int] | torch.Tensor | None = None,
        sparse_input: bool = False,
    ) -> None:
        super().__init__(
            n_words,
            n_topics,
            hidden_sizes,
            activation,
            dropout,
            batch_norm,
            theta_dropout,
            word_embeddings=word_embeddings,
            decoder_words=decoder_words,
            sparse_input=sparse_input,
        )
        mean, var = laplace_dirichlet_prior(self.n_topics, alpha)
        self.prior_mean.copy_(mean)
        self.prior_var.copy_(var)
        if batch_norm:
            self.decoder_bn: nn.Module = nn.BatchNorm1d(
                self.n_decoder_words, affine=False)
        else:
            self.decoder_bn = nn.Identity()

    def topic_word_logits(self) -> torch.Tensor:
        """Topic-word log-weights, ``(K, V)``.

        The free ``beta``; with word embeddings, ``log p(topic | word)``:
        the log of :meth:`decoder_weights`.
        """
        if hasattr(self, "topic_embeddings"):
            return torch.log_softmax(self._embedding_scores(), dim=0)
        return self.beta

    def decoder_weights(self) -> torch.Tensor:
        """The ``(K, V)`` matrix the decoder multiplies ``theta`` by.

        The free ``beta``; with word embeddings, each word's soft assignment
        to the topics (ECRTM, Wu et al. 2023): ``softmax`` over the topics
        of ``alpha @ rho.T / T`` (columns sum to 1). A word can then weigh
        heavily in one topic only, so topics do not share their top words,
        and a word common to many topics weighs little in each.
        """
        if hasattr(self, "topic_embeddings"):
            return torch.softmax(self._embedding_scores(), dim=0)
        return self.beta

    def _embedding_scores(self) -> torch.Tensor:
        return (self.topic_embeddings @ self.word_embeddings.T) \
            / WORD_TOPIC_TEMPERATURE

    def decode(self, theta: torch.Tensor) -> torch.Tensor:
        return torch.log_softmax(
            self.decoder_bn(theta @ self.decoder_weights()), dim=1)


class NVDM(TopicVAE):
    """Gaussian-prior topic VAE (NVDM / Gaussian softmax, as in SageMaker NTM).

    Parameters
    ----------
    n_words, n_topics, hidden_sizes, activation, dropout, batch_norm, \
theta_dropout
        See :class:`TopicVAE`; ``batch_norm`` acts on the encoder only.

    Examples
    --------
    >>> import torch
    >>> net = NVDM(n_words=30, n_topics=4, hidden_sizes=(16,))
    >>> nll, kl = net(torch.ones(5, 30))
    >>> bool((kl >= 0).all())
    True
    """

    def __init__(
        self,
        n_words: int,
        n_topics: int,
        hidden_sizes: Sequence[int] = (100, 100),
        activation: str = "softplus",
        dropout: float = 0.2,
        batch_norm: bool = True,
        theta_dropout: float | None = None,
        *,
        word_embeddings: torch.Tensor | None = None,
        decoder_words: Sequence[int] | torch.Tensor | None = None,
        sparse_input: bool = False,
    ) -> None:
        super().__init__(
            n_words,
            n_topics,
            hidden_sizes,
            activation,
            dropout,
            batch_norm,
            theta_dropout,
            word_embeddings=word_embeddings,
            decoder_words=decoder_words,
            sparse_input=sparse_input,
        )
        # background log-frequency of words, shared by all documents
        self.background = nn.Parameter(torch.zeros(self.n_decoder_words))

    def decode(self, theta: torch.Tensor) -> torch.Tensor:
        beta = self.topic_word_logits()
        return torch.log_softmax(theta @ beta + self.background, dim=1)

    def init_background(self, word_counts: torch.Tensor) -> None:
        """Set the background bias to the log of smoothed word frequencies.

        ``word_counts`` has one entry per decoded word.
        """
        freq = (word_counts.to(self.background) + 1.0).log()
        with torch.no_grad():
            self.background.copy_(freq - torch.logsumexp(freq, dim=0))


def make_topic_vae(
    model: str,
    n_words: int,
    n_topics: int,
    hidden_sizes: Sequence[int] = (100, 100),
    activation: str = "softplus",
    dropout: float = 0.2,
    batch_norm: bool = True,
    alpha: float = 1.0,
    theta_dropout: float | None = None,
    word_embeddings: torch.Tensor | None = None,
    decoder_words: Sequence[int] | torch.Tensor | None = None,
    sparse_input: bool = False,
) -> TopicVAE:
    """Build ``ProdLDA`` (``model="prodlda"``) or ``NVDM`` (``model="nvdm"``).

    Examples
    --------
    >>> type(make_topic_vae("nvdm", n_words=10, n_topics=2)).__name__
    'NVDM'
    """
    if model == "prodlda":
        return ProdLDA(
            n_words,
            n_topics,
            hidden_sizes,
            activation,
            dropout,
            batch_norm,
            alpha,
            theta_dropout,
            word_embeddings=word_embeddings,
            decoder_words=decoder_words,
            sparse_input=sparse_input,
        )
    if model == "nvdm":
        return NVDM(
            n_words,
            n_topics,
            hidden_sizes,
            activation,
            dropout,
            batch_norm,
            theta_dropout,
            word_embeddings=word_embeddings,
            decoder_words=decoder_words,
            sparse_input=sparse_input,
        )
    raise ValueError(f"model must be 'prodlda' or 'nvdm', got {model!r}.")



def sinkhorn_plan(cost: torch.Tensor, epsilon: float, n_iter: int,
                  v: torch.Tensor | None = None) -> torch.Tensor:
    """Entropic optimal transport plan with uniform marginals.

    Rows carry mass ``1 / n_rows`` each and columns ``1 / n_cols``; ``v`` (the
    column scaling, ``(n_cols,)``) is a warm start and is updated in place.

    Examples
    --------
    >>> import torch
    >>> from skforecast_ntm.networks import sinkhorn_plan
    >>> plan = sinkhorn_plan(torch.tensor([[0.0, 1.0], [1.0, 0.0]]), 0.1, 50)
    >>> [round(x, 4) for x in plan.sum(1).tolist() + plan.sum(0).tolist()]
    [0.5, 0.5, 0.5, 0.5]
    >>> bool(plan[0, 0] > 0.49)
    True
    """
    n, m = cost.shape
    # shift each row by its minimum: the same plan, no underflow of exp
    kern = torch.exp(-(cost - cost.min(dim=1, keepdim=True).values) / epsilon)
    col = torch.full((m,), 1.0 / m, dtype=cost.dtype, device=cost.device) \
        if v is None else v
    for _ in range(n_iter):
        row = (1.0 / n) / (kern @ col)
        col = (1.0 / m) / (kern.T @ row)
    if v is not None:
        v.copy_(col)
    row = (1.0 / n) / (kern @ col)
    return row[:, None] * kern * col[None, :]

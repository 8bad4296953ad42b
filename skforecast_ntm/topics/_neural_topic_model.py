"""Neural topic model: document-term counts -> topic proportions.

A scikit-learn transformer around the variational networks of
:mod:`skforecast_ntm.networks._topic_vae`, modelled on scikit-learn's
``LatentDirichletAllocation`` (same input, same ``components_`` layout, same
``fit`` / ``partial_fit`` / ``transform`` / ``perplexity`` / ``score``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from numbers import Integral, Real
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    check_non_negative,
    validate_data,
)

from .._distributed import DistributedContext, data_parallel
from ..networks._topic_vae import TopicVAE, make_topic_vae
from ._embeddings import (
    MAX_COOCCURRENCE_PAIRS,
    centre_and_normalise,
    ppmi_word_embeddings,
)
from ._streaming import (
    CorpusStatistics,
    _statistics_from_counts,
    chunk_source,
    rank_random_state,
)
from ._training import (
    EVAL_CHUNK,
    batch_inputs,
    draw_seed,
    make_optimizer,
    neg_elbo,
    resolve_device,
    row_sums,
    seeded_torch,
    train_epoch,
    train_epoch_parallel,
    train_epochs,
)

__all__ = ["NeuralTopicModel"]

#: from this many input words on, the encoder's first layer reads sparse
#: batches (its dense cost grows with the vocabulary, the sparse one with the
#: non-zero counts). A training step on 20 Newsgroups (128 documents, one
#: thread) is as fast either way at about 500 words and 20 % faster sparse
#: at 2,000; below 500 words dense is faster (``docs/topics.md``, "Session
#: 8: fit time")
SPARSE_ENCODER_MIN_WORDS = 512

#: pseudo-documents of the shrinkage of ``p(topic | word)`` towards ``1 / K``
#: in ProdLDA's embedded ``components_``: a word seen in few documents cannot
#: outrank the frequent words of a topic on an assignment learnt from a
#: handful of co-occurrences (``docs/topics.md``, "Vocabulary size")
TOP_WORD_PRIOR_DOCUMENTS = 10.0

def _check_statistics_type(corpus_statistics) -> None:
    if corpus_statistics is not None and \
            not isinstance(corpus_statistics, CorpusStatistics):
        raise TypeError(
            "corpus_statistics must be a CorpusStatistics (from "
            "build_vocabulary or CorpusStatistics.from_counts), got "
            f"{type(corpus_statistics).__name__}.")


class NeuralTopicModel(TransformerMixin, BaseEstimator):
    """Variational neural topic model (ProdLDA or NVDM) for count data.

    Learns ``n_components`` topics from a document-term count matrix with an
    amortised variational autoencoder: an MLP encoder maps the counts of a
    document to a Gaussian over topic logits and a decoder reconstructs the
    counts from the topic proportions ``theta = softmax(z)``. After fitting,
    :meth:`transform` is one deterministic forward pass of the encoder (no
    per-document optimisation, unlike LDA), returning ``softmax`` of the
    encoder mean: non-negative topic weights that sum to 1.

    - ``model="prodlda"`` (default): ProdLDA (Srivastava & Sutton, 2017), a
      logistic-normal approximation of a Dirichlet prior and a
      product-of-experts decoder ``softmax(BN(theta @ beta))``.
    - ``model="nvdm"``: a Gaussian ``N(0, I)`` prior and a softmax decoder with
      a background word-frequency bias, in the style of NVDM and SageMaker's
      Neural Topic Model.

    Read more in ``docs/topics.md``.

    Parameters
    ----------
    n_components : int, default=10
        Number of topics.
    model : {"prodlda", "nvdm"}, default="prodlda"
        Prior and decoder (see above).
    hidden_layer_sizes : array-like of int, default=(100, 100)
        Sizes of the encoder's hidden layers (SageMaker: ``encoder_layers``).
    activation : {"softplus", "relu", "tanh", "sigmoid"}, default="softplus"
        Activation of the encoder's hidden layers.
    dropout : float in [0, 1), default=0.0
        Dropout on the encoder's last hidden layer during training.
    theta_dropout : float in [0, 1), default=0.05
        Dropout on the topic proportions ``theta`` before decoding, during
        training. A little of it makes each topic explain its words on its
        own, which keeps ``components_`` interpretable (the ProdLDA paper
        uses 0.2 for both dropouts, with many more epochs).
    batch_norm : bool, default=True
        Batch normalisation (without affine parameters) of the encoder's
        outputs and, for ProdLDA, of the decoder's logits.
    doc_topic_prior : float, default=1.0
        Concentration ``alpha`` of the symmetric Dirichlet prior approximated
        by ProdLDA's logistic-normal prior (ignored by ``"nvdm"``). Smaller
        values favour documents with fewer topics.
    learning_rate : float, default=5e-3
        Adam's step size.
    beta1 : float in [0, 1), default=0.9
        Adam's first-moment decay (the ProdLDA paper uses a high 0.99).
    max_epochs : int, default=25
        Maximum number of passes over the training documents (SageMaker:
        ``epochs``). Coherence, diversity and downstream accuracy level off
        by 25 epochs on 20 Newsgroups and Reuters R8 (``docs/topics.md``,
        "Session 8: fit time").
    batch_size : int, default=128
        Documents per gradient step (SageMaker: ``mini_batch_size``). The
        documents of an epoch are split in ``max(1, n // batch_size)`` nearly
        equal batches, so no batch is much smaller than ``batch_size``.
    weight_decay : float, default=0.0
        L2 penalty of Adam.
    clip_gradient : float or None, default=None
        Maximum L2 norm of the gradient (``None``: no clipping).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the documents and stop when the
        held-out loss (negative ELBO per word) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; the best weights are restored. Without
        early stopping, all ``max_epochs`` epochs run.
    validation_fraction : float in (0, 1), default=0.1
        Share of documents held out for early stopping.
    tol : float, default=1e-3
        Minimum improvement of the held-out loss (SageMaker: ``tolerance``).
    n_iter_no_change : int, default=3
        Epochs without improvement before stopping (SageMaker:
        ``num_patience_epochs``).
    sub_sample : float in (0, 1], default=1.0
        Share of the training documents drawn (without replacement) for each
        epoch (SageMaker: ``sub_sample``).
    word_embeddings : "ppmi", None or array-like of shape (n_features, dim), \
default="ppmi"
        With word embeddings the topic-word weights come from
        ``alpha @ rho.T`` (the embedded topic model): fixed word embeddings
        ``rho`` and learnt topic embeddings ``alpha``, so that a topic's
        words are neighbours in the embedding space, which makes topics more
        coherent. ProdLDA normalises them over the topics (each word's soft
        assignment to the topics, as in ECRTM), so topics rarely share top
        words; NVDM uses them as logits.
        ``"ppmi"`` computes ``rho`` from the training documents themselves
        (:func:`ppmi_word_embeddings`: no pretrained vectors needed); an
        array gives your own vectors, one row per feature (centred and
        scaled to unit length here). ``None``: ``beta`` is a free ``(K, V)``
        parameter (plain ProdLDA / NVDM). With ``"ppmi"``, a corpus of fewer
        than 3 words, or whose words never co-occur more than chance, has no
        usable embedding: a free ``beta`` is used, with a warning.
    embedding_dim : int, default=40
        Dimension of the ``"ppmi"`` embeddings. Smaller values give more
        distinct topics, larger ones more coherent topics (see
        ``docs/topics.md``).
    max_decoder_words : int or None, default=2000
        The decoder reconstructs the counts of at most this many words, those
        in the most training documents (ties: the lower column); the encoder
        reads every word. Topics are distributions over these words, so
        their top words are words a reader meets often enough to recognise
        them, whatever the vocabulary size, and a training step costs the
        same at 5,000 or 50,000 words. ``None``: every word is decoded
        (which lets rare words take over the top words of large
        vocabularies; ``docs/topics.md``, "Vocabulary size").
    cluster_regularization : float, default=300.0
        Weight of the embedding-clustering regulariser (Wu et al. 2023) used
        with ``word_embeddings``: the topic embeddings are pulled towards
        balanced, distinct clusters of word embeddings (an entropic optimal
        transport assignment), which keeps topics from sharing their top
        words. 0 disables it.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, sampling and shuffling (numpy and
        torch). Pass an int for reproducible results: same seed, same
        ``components_`` and same :meth:`transform`.
    device : str or torch.device, default="cpu"
        Torch device, e.g. ``"cuda"``; a GPU is never required.
    verbose : int, default=0
        ``> 0`` shows a progress bar over epochs with the loss.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Topic-word weights (rows sum to 1); rank a row to get the topic's
        top words. Row ``k`` is ``softmax(beta_k)``, the decoder's word
        weights of topic ``k``. With ProdLDA's embedded decoder (the
        default) it is proportional to the share of each word that goes to
        topic ``k``, ``p(topic k | word)``, shrunk towards ``1 / K`` for
        words seen in few training documents,
        ``(df * p + c / K) / (df + c)`` with ``c`` =
        ``TOP_WORD_PRIOR_DOCUMENTS`` (10): a word of two documents does not
        outrank a topic's frequent words. Words outside
        ``decoder_words_`` weigh 0.
    network_ : torch.nn.Module
        The fitted network (``ProdLDA`` or ``NVDM``), in eval mode.
    n_iter_ : int
        Number of epochs run (including those of ``partial_fit`` calls).
    word_embeddings_ : ndarray of shape (n_decoder_words, dim) or None
        The decoder's fixed word embeddings, one row per word of
        ``decoder_words_`` (None without ``word_embeddings``).
    decoder_words_ : ndarray of int
        Columns of ``X`` the decoder reconstructs (sorted): the
        ``max_decoder_words`` in the most training documents, or all.
    loss_curve_ : list of float
        Training loss (negative ELBO per word) of each epoch.
    validation_loss_curve_ : list of float or None
        Held-out loss of each epoch when ``early_stopping=True``.
    best_validation_loss_ : float or None
        Best held-out loss when ``early_stopping=True``.
    n_features_in_ : int
        Number of words (columns) seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` when it has string column names.

    See Also
    --------
    skforecast_ntm.topics.TopicVectorizer : Raw text -> topic weights.
    sklearn.decomposition.LatentDirichletAllocation : Variational Bayes LDA.

    Notes
    -----
    A document without words (an all-zero row) has no evidence, so its topic
    weights are the prior mean: the uniform vector ``1 / n_components``. Such
    rows add nothing to :meth:`score` and :meth:`perplexity` (their likelihood
    is exactly 1).

    :meth:`perplexity` and :meth:`score` use the evidence lower bound (ELBO),
    estimated with fixed-seed noise so they are deterministic: compare them
    only between models of this class, not with LDA's bound.

    Large vocabularies: the decoder reconstructs only the
    ``max_decoder_words`` (2,000) words in the most documents, and from
    ``SPARSE_ENCODER_MIN_WORDS`` (512) words on the encoder reads sparse
    batches, so a training step costs about the same at 5,000 or 50,000
    words. The ELBO (:meth:`score`, :meth:`perplexity`, ``loss_curve_``)
    is then that of the decoded words' counts. Decoding every word
    (``max_decoder_words=None``) lets rare words take over the top words:
    on 20 Newsgroups with 5,000 words their NPMI falls from 0.30 to under
    0.05 (``docs/topics.md``, "Vocabulary size").

    Corpora larger than memory: call :meth:`partial_fit` once per chunk of
    counts, for as many passes as wanted, passing corpus-wide
    ``corpus_statistics`` (:meth:`CorpusStatistics.from_counts`, one pass)
    to the first call so that the decoded words and word embeddings are the
    corpus', and :meth:`transform_stream` for one array per chunk;
    ``TopicVectorizer.fit_stream`` does all of it for raw text
    (``docs/topics.md``, "Streaming / large corpora").

    References
    ----------
    Srivastava, A. and Sutton, C. (2017). Autoencoding Variational Inference
    for Topic Models. ICLR.

    Miao, Y., Yu, L. and Blunsom, P. (2016). Neural Variational Inference for
    Text Processing. ICML.

    Examples
    --------
    >>> import numpy as np
    >>> from skforecast_ntm.topics import NeuralTopicModel
    >>> rng = np.random.RandomState(0)
    >>> X = rng.poisson(1.0, size=(40, 12))
    >>> ntm = NeuralTopicModel(n_components=3, hidden_layer_sizes=(16,),
    ...                        max_epochs=5, batch_size=16, random_state=0)
    >>> theta = ntm.fit_transform(X)
    >>> theta.shape
    (40, 3)
    >>> np.allclose(theta.sum(axis=1), 1.0)
    True
    >>> ntm.components_.shape
    (3, 12)
    >>> ntm.get_feature_names_out()
    array(['topic_0', 'topic_1', 'topic_2'], dtype=object)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "model": [StrOptions({"prodlda", "nvdm"})],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"softplus", "relu", "tanh", "sigmoid"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "theta_dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "doc_topic_prior": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "beta1": [Interval(Real, 0, 1, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "clip_gradient": [None, Interval(Real, 0, None, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "sub_sample": [Interval(Real, 0, 1, closed="right")],
        "word_embeddings": [None, StrOptions({"ppmi"}), "array-like"],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "cluster_regularization": [Interval(Real, 0, None, closed="left")],
        "max_decoder_words": [None, Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "device": [str, torch.device],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_components: int = 10,
        *,
        model: str = "prodlda",
        hidden_layer_sizes: Any = (100, 100),
        activation: str = "softplus",
        dropout: float = 0.0,
        theta_dropout: float = 0.05,
        batch_norm: bool = True,
        doc_topic_prior: float = 1.0,
        learning_rate: float = 5e-3,
        beta1: float = 0.9,
        max_epochs: int = 25,
        batch_size: int = 128,
        weight_decay: float = 0.0,
        clip_gradient: float | None = None,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        tol: float = 1e-3,
        n_iter_no_change: int = 3,
        sub_sample: float = 1.0,
        word_embeddings: Any = "ppmi",
        embedding_dim: int = 40,
        cluster_regularization: float = 300.0,
        max_decoder_words: int | None = 2000,
        random_state: Any = None,
        device: str | torch.device = "cpu",
        verbose: int = 0,
    ) -> None:
        self.n_components = n_components
        self.model = model
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.theta_dropout = theta_dropout
        self.batch_norm = batch_norm
        self.doc_topic_prior = doc_topic_prior
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.clip_gradient = clip_gradient
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.sub_sample = sub_sample
        self.word_embeddings = word_embeddings
        self.embedding_dim = embedding_dim
        self.cluster_regularization = cluster_regularization
        self.max_decoder_words = max_decoder_words
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    # ------------------------------------------------------------------ helpers
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags

    def _validate_X(self, X: Any, *, reset: bool, whom: str):
        X = validate_data(
            self, X, reset=reset, accept_sparse="csr", dtype=np.float32
        )
        check_non_negative(X, whom)
        return X

    def _hidden_sizes(self) -> tuple[int, ...]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, Integral) and not isinstance(sizes, bool):
            sizes = (sizes,)
        sizes = tuple(np.asarray(sizes, dtype=object).ravel().tolist())
        for size in sizes:
            if isinstance(size, bool) or not isinstance(size, Integral) or size < 1:
                raise ValueError(
                    "hidden_layer_sizes must contain positive integers, got "
                    f"{self.hidden_layer_sizes!r}."
                )
        return tuple(int(s) for s in sizes)

    def _init_network(self, X, rng: np.random.RandomState,
                      statistics: CorpusStatistics | None = None,
                      dist: DistributedContext | None = None,
                      fixed: bool | None = None) -> None:
        """Build network and optimiser (seeded from ``rng``) for the words of X.

        The word statistics (decoded words, document frequencies, NVDM's
        background, ``"ppmi"`` embeddings) come from ``X``, or from
        ``statistics`` (a streamed corpus, or every rank's documents) when
        given; ``fixed``: whether later ``partial_fit`` calls leave the
        document frequencies alone (default: when ``statistics`` is given).
        With ``dist`` (data-parallel; ``rng`` then the same on every rank),
        rank 0 computes the embeddings and its network is broadcast.
        """
        device = resolve_device(self.device)
        self._device = device
        n_words = X.shape[1]
        if statistics is None:
            df = np.asarray((X > 0).sum(axis=0)).ravel()
            sample = X
        else:
            statistics.check(n_words, f"{type(self).__name__}.partial_fit")
            df = np.asarray(statistics.document_frequency)
            sample = statistics.sample
        self._decoder_index = self._select_decoder_words(df)
        self.decoder_words_ = np.arange(n_words) if self._decoder_index is None \
            else self._decoder_index
        self._sparse = n_words >= SPARSE_ENCODER_MIN_WORDS
        dec = slice(None) if self._decoder_index is None else self._decoder_index
        # with corpus statistics, the document frequencies are the corpus'
        # and later partial_fit calls do not add to them
        self._fixed_statistics = statistics is not None if fixed is None else fixed
        if statistics is None:
            self._document_frequency = np.zeros(df[dec].shape[0])
            self._count_documents(X)
        else:
            self._document_frequency = df[dec].astype(np.float64)
        if dist is None:
            self.word_embeddings_ = self._word_embeddings(sample[:, dec], n_words)
        else:  # rank 0's (one eigendecomposition, bitwise the same everywhere)
            self.word_embeddings_ = dist.all_gather_object(dist.agree(
                lambda: self._word_embeddings(sample[:, dec], n_words)
                if dist.is_main else None))[0]
        with seeded_torch(draw_seed(rng), device):
            net = make_topic_vae(
                self.model,
                n_words=X.shape[1],
                n_topics=self.n_components,
                hidden_sizes=self._hidden_sizes(),
                activation=self.activation,
                dropout=self.dropout,
                theta_dropout=self.theta_dropout,
                batch_norm=self.batch_norm,
                alpha=self.doc_topic_prior,
                word_embeddings=None if self.word_embeddings_ is None
                else torch.from_numpy(self.word_embeddings_),
                decoder_words=None if self._decoder_index is None
                else torch.from_numpy(self._decoder_index),
                sparse_input=self._sparse,
            )
        if self.model == "nvdm":
            frequency = np.asarray(X[:, dec].sum(axis=0)).ravel() \
                if statistics is None \
                else np.asarray(statistics.term_frequency, np.float64)[dec]
            net.init_background(torch.from_numpy(frequency))
        self.network_: TopicVAE = net.to(device)
        if dist is not None:
            dist.broadcast_module_(self.network_)
        self._optimizer = make_optimizer(
            self.network_, self.learning_rate, self.beta1, self.weight_decay, device)
        self.n_iter_ = 0
        self.loss_curve_: list[float] = []

    def _count_documents(self, X, dist: DistributedContext | None = None) -> None:
        """Add the documents of ``X`` (of every rank's ``X``, with ``dist``)
        that hold each decoded word."""
        X_dec = X if self._decoder_index is None else X[:, self._decoder_index]
        counts = np.asarray((X_dec > 0).sum(axis=0)).ravel()
        if dist is not None:
            both = torch.from_numpy(counts.astype(np.float64)).to(self._device)
            counts = dist.all_reduce_(both).cpu().numpy()
        self._document_frequency += counts

    def _select_decoder_words(self, df: np.ndarray) -> np.ndarray | None:
        """Columns the decoder reconstructs (sorted), or None for all.

        ``df``: the documents holding each column.
        """
        limit = self.max_decoder_words
        if limit is None or limit >= df.shape[0]:
            return None
        return np.sort(np.argsort(-df, kind="stable")[:limit])

    def _word_embeddings(self, X, n_features: int) -> np.ndarray | None:
        """The fixed embeddings of the decoded words (None: a free ``beta``).

        ``X`` holds the decoded words' columns; a user array has one row per
        feature (``n_features``), of which the decoded rows are kept.
        """
        emb = self.word_embeddings
        if emb is None:
            return None
        if isinstance(emb, str):  # "ppmi"
            rho = None
            if X.shape[1] >= 3:
                rho = ppmi_word_embeddings(X, self.embedding_dim,
                                           random_state=self.random_state)
            if rho is None or not rho.any():
                warnings.warn(
                    f"word_embeddings='ppmi': the {X.shape[1]} words of X have "
                    "no usable co-occurrence structure (fewer than 3 words, or "
                    "none co-occurring more than chance); using a free "
                    "topic-word matrix (word_embeddings=None) instead.",
                    UserWarning, stacklevel=4,
                )
                return None
            return rho
        emb = np.asarray(emb, dtype=np.float64)
        if emb.ndim != 2 or emb.shape[0] != n_features:
            raise ValueError(
                f"word_embeddings must have one row per feature, shape "
                f"({n_features}, dim); got {emb.shape}."
            )
        if self._decoder_index is not None:
            emb = emb[self._decoder_index]
        if not np.isfinite(emb).all():
            raise ValueError("word_embeddings contains NaN or infinite values.")
        return centre_and_normalise(emb)  # as the "ppmi" vectors

    def _set_components(self) -> None:
        net = self.network_
        with torch.no_grad():
            beta = net.topic_word_logits().detach().double()
            if self.model == "prodlda" and hasattr(net, "topic_embeddings"):
                # beta = log p(topic | word): shrink each word's assignment
                # towards 1/K by TOP_WORD_PRIOR_DOCUMENTS pseudo-documents
                df = torch.from_numpy(self._document_frequency).to(beta)
                c = TOP_WORD_PRIOR_DOCUMENTS
                shrunk = (df * beta.exp() + c / beta.shape[0]) / (df + c)
                weights = (shrunk / shrunk.sum(dim=1, keepdim=True)).cpu().numpy()
            else:
                weights = torch.softmax(beta, dim=1).cpu().numpy()
        if self._decoder_index is None:
            self.components_ = weights
        else:  # words the decoder does not model weigh 0 in every topic
            self.components_ = np.zeros((weights.shape[0], self.n_features_in_))
            self.components_[:, self._decoder_index] = weights

    def _training_options(self) -> dict:
        """Keyword arguments of the training functions (``_training``)."""
        return dict(
            batch_size=self.batch_size,
            cluster_regularization=float(self.cluster_regularization)
            if self.word_embeddings_ is not None else 0.0,
            clip_gradient=self.clip_gradient,
            sparse=self._sparse,
            decoder_index=self._decoder_index,
        )

    def _eval_options(self) -> dict:
        return dict(sparse=self._sparse, decoder_index=self._decoder_index)

    def _progress(self, iterable, dist: DistributedContext | None = None):
        if not self.verbose or (dist is not None and not dist.is_main):
            return iterable
        from tqdm.auto import tqdm

        return tqdm(iterable, desc=type(self).__name__, unit="epoch")

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> NeuralTopicModel:
        """Learn the topics of the document-term matrix ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Document-term counts (non-negative).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : NeuralTopicModel
            Fitted estimator.

        Notes
        -----
        Under ``torchrun`` (or in a ``torch.distributed`` process group of
        several processes), every rank calls ``fit`` with its shard of the
        documents (rows, same columns) and one model is trained on all of
        them; every rank ends with the same weights (``docs/scale_out.md``,
        "Topic model").
        """
        with data_parallel(self.device) as dist:
            if dist is not None:
                return self._fit_parallel(X, dist)
        X = self._validate_X(X, reset=True, whom="NeuralTopicModel.fit")
        n_samples = X.shape[0]
        rng = check_random_state(self.random_state)
        order = rng.permutation(n_samples)
        if self.early_stopping:
            n_val = int(math.ceil(self.validation_fraction * n_samples))
            if n_samples - n_val < 1:
                raise ValueError(
                    "early_stopping needs at least one training document after "
                    f"holding out validation_fraction={self.validation_fraction} "
                    f"of n_samples={n_samples}."
                )
            val_idx, train_idx = np.sort(order[:n_val]), order[n_val:]
        else:
            val_idx, train_idx = None, order
        self._init_network(X, rng)
        history = train_epochs(
            self.network_, self._optimizer, X, train_idx, rng, self._device,
            max_epochs=self.max_epochs, sub_sample=self.sub_sample,
            X_val=X[val_idx] if val_idx is not None else None,
            tol=self.tol, n_iter_no_change=self.n_iter_no_change,
            progress=self._progress, **self._training_options(),
        )
        self.loss_curve_ = history.loss_curve
        self.n_iter_ = history.n_epochs
        self.validation_loss_curve_: list[float] | None = \
            history.validation_loss_curve
        self.best_validation_loss_: float | None = history.best_validation_loss
        self._rng = rng
        self._set_components()
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: Any, y: Any = None, *,
                    corpus_statistics: CorpusStatistics | None = None
                    ) -> NeuralTopicModel:
        """Update the model with one epoch over a batch of documents.

        The first call initialises the network (its vocabulary size is fixed
        from then on); later calls continue training with the same optimiser
        state, so a corpus that arrives in batches (or does not fit in
        memory) can be learnt batch by batch, for as many passes as wanted.
        Early stopping and ``sub_sample`` do not apply.

        The word statistics the network is built from (the decoded words
        ``decoder_words_``, the ``"ppmi"`` word embeddings, NVDM's
        background frequencies, the document frequencies of the top-word
        ranking) come from ``corpus_statistics`` when given: corpus-wide
        statistics of a streaming pass (:func:`build_vocabulary` for text,
        :meth:`CorpusStatistics.from_counts` for counts). Without it they
        come from the first call's documents (the document frequencies then
        add up the documents of every call): make that batch
        representative.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Document-term counts (non-negative).
        y : Ignored
            Not used, present for API consistency.
        corpus_statistics : CorpusStatistics or None, default=None
            Statistics of the whole corpus, with ``n_features`` features.
            Used by the first call; later calls may pass the same object
            (it is only checked against ``n_features``).

        Returns
        -------
        self : NeuralTopicModel
            Updated estimator.

        Notes
        -----
        Under ``torchrun`` (or in a ``torch.distributed`` process group of
        several processes), every rank calls ``partial_fit`` the same
        number of times, each with its own chunk (same columns); each call
        is one epoch over the union of the ranks' chunks, and
        ``corpus_statistics`` must then be the whole corpus' (what
        :meth:`CorpusStatistics.from_counts` and :func:`build_vocabulary`
        return there), the same on every rank (``docs/scale_out.md``,
        "Topic model").
        """
        with data_parallel(self.device) as dist:
            if dist is not None:
                return self._partial_fit_parallel(X, corpus_statistics, dist)
        first_time = not hasattr(self, "network_")
        X = self._validate_X(X, reset=first_time, whom="NeuralTopicModel.partial_fit")
        _check_statistics_type(corpus_statistics)
        if first_time:
            self._rng = check_random_state(self.random_state)
            self._init_network(X, self._rng, corpus_statistics)
            self.validation_loss_curve_ = None
            self.best_validation_loss_ = None
        else:
            if corpus_statistics is not None:
                corpus_statistics.check(X.shape[1], "NeuralTopicModel.partial_fit")
            if not getattr(self, "_fixed_statistics", False):
                self._count_documents(X)
        rng = self._rng
        idx = rng.permutation(X.shape[0])
        loss = train_epoch(self.network_, self._optimizer, X, idx, draw_seed(rng),
                           self._device, **self._training_options())
        self.loss_curve_.append(loss)
        self.n_iter_ += 1
        self._set_components()
        return self

    # ------------------------------------------------------------ data parallel
    def _agree_columns(self, X, dist: DistributedContext, whom: str,
                       first_time: bool) -> None:
        """Raise on every rank unless every rank has the same columns (and
        the same state: a network on every rank, or on none)."""
        names = getattr(self, "feature_names_in_", None) if first_time else None
        mine = (int(X.shape[1]), None if names is None else list(names),
                bool(first_time))
        parts = dist.all_gather_object(mine)
        if len({p[0] for p in parts}) > 1:
            per_rank = ", ".join(f"rank {r}: {p[0]}" for r, p in enumerate(parts))
            raise ValueError(
                f"{whom}: the ranks' documents have different numbers of "
                f"columns (n_features {per_rank}); every rank must vectorise "
                "with the same vocabulary (TopicVectorizer agrees one).")
        if any(p[1] != parts[0][1] for p in parts):
            raise ValueError(
                f"{whom}: the ranks' column names differ; pass the same "
                "columns, in the same order, on every rank.")
        if any(p[2] != parts[0][2] for p in parts):
            raise ValueError(
                f"{whom}: the model is fitted on some ranks and not on others; "
                "every rank must make the same fit / partial_fit calls.")

    def _parallel_seeds(self, dist: DistributedContext
                        ) -> tuple[np.random.RandomState, np.random.RandomState]:
        """The network's generator (the same on every rank) and this rank's
        own (shuffling, dropout and noise seeds), both from rank 0's draws
        of ``random_state``."""
        shared = dist.all_gather_object(
            draw_seed(check_random_state(self.random_state)))[0]
        mine = rank_random_state(shared, dist)
        return np.random.RandomState(shared), mine

    def _fit_parallel(self, X, dist: DistributedContext) -> NeuralTopicModel:
        """:meth:`fit` on every rank's shard (a collective)."""
        whom = "NeuralTopicModel.fit"
        X = dist.agree(lambda: self._validate_X(X, reset=True, whom=whom))
        self._agree_columns(X, dist, whom, first_time=True)
        shared_rng, rng = self._parallel_seeds(dist)
        n_samples = X.shape[0]
        order = rng.permutation(n_samples)
        if self.early_stopping:
            # each rank holds out its share of its own documents
            n_val = int(math.ceil(self.validation_fraction * n_samples))
            val_idx, train_idx = np.sort(order[:n_val]), order[n_val:]
            n_train = sum(dist.all_gather_object(int(train_idx.size)))
            if n_train < 1:
                raise ValueError(
                    "early_stopping needs at least one training document after "
                    f"holding out validation_fraction={self.validation_fraction} "
                    "of each rank's documents.")
        else:
            val_idx, train_idx = None, order
        # the word statistics of every rank's documents (the in-memory fit's
        # co-occurrence budget for the embeddings' sample)
        statistics = _statistics_from_counts(
            [X], rng, dist, budget=MAX_COOCCURRENCE_PAIRS, whom=whom)
        self._init_network(X, shared_rng, statistics, dist=dist, fixed=False)
        history = train_epochs(
            self.network_, self._optimizer, X, train_idx, rng, self._device,
            max_epochs=self.max_epochs, sub_sample=self.sub_sample,
            X_val=X[val_idx] if val_idx is not None else None,
            tol=self.tol, n_iter_no_change=self.n_iter_no_change,
            progress=lambda it: self._progress(it, dist), dist=dist,
            **self._training_options(),
        )
        self.loss_curve_ = history.loss_curve
        self.n_iter_ = history.n_epochs
        self.validation_loss_curve_ = history.validation_loss_curve
        self.best_validation_loss_ = history.best_validation_loss
        self._rng = rng
        self._set_components()
        return self

    def _partial_fit_parallel(self, X, corpus_statistics, dist: DistributedContext,
                              *, allow_empty: bool = False) -> NeuralTopicModel:
        """:meth:`partial_fit` on every rank's chunk (a collective).

        ``allow_empty``: this rank may pass a chunk of no rows (``fit_stream``
        when its stream has ended before the others'); it then takes part in
        the steps with no documents.
        """
        whom = "NeuralTopicModel.partial_fit"
        first_time = not hasattr(self, "network_")

        def check():
            if allow_empty and X.shape[0] == 0:
                if not first_time and X.shape[1] != self.n_features_in_:
                    raise ValueError(
                        f"{whom}: X has {X.shape[1]} features, but "
                        f"{type(self).__name__} is expecting "
                        f"{self.n_features_in_} features as input.")
                if first_time:
                    self.n_features_in_ = int(X.shape[1])
                counts = sp.csr_matrix(X, dtype=np.float32)
            else:
                counts = self._validate_X(X, reset=first_time, whom=whom)
            _check_statistics_type(corpus_statistics)
            if corpus_statistics is not None:
                corpus_statistics.check(counts.shape[1], whom)
            return counts

        X = dist.agree(check)
        self._agree_columns(X, dist, whom, first_time)
        if first_time:
            shared_rng, self._rng = self._parallel_seeds(dist)
            if corpus_statistics is None:  # every rank's first chunk
                statistics = _statistics_from_counts(
                    [X], self._rng, dist, budget=MAX_COOCCURRENCE_PAIRS, whom=whom)
                fixed = False
            else:
                shapes = dist.all_gather_object(
                    (corpus_statistics.n_documents,
                     int(np.asarray(corpus_statistics.document_frequency).sum())))
                if any(sh != shapes[0] for sh in shapes):
                    raise ValueError(
                        f"{whom}: corpus_statistics differ between the ranks "
                        f"(documents, word-documents: {shapes}); compute them "
                        "under the process group (CorpusStatistics.from_counts "
                        "or build_vocabulary on every rank), which gives the "
                        "whole corpus' on every rank.")
                statistics, fixed = corpus_statistics, True
            self._init_network(X, shared_rng, statistics, dist=dist, fixed=fixed)
            self.validation_loss_curve_ = None
            self.best_validation_loss_ = None
        elif not getattr(self, "_fixed_statistics", False):
            self._count_documents(X, dist)
        rng = self._rng
        idx = rng.permutation(X.shape[0])
        loss = train_epoch_parallel(self.network_, self._optimizer, X, idx,
                                    draw_seed(rng), self._device, dist,
                                    **self._training_options())
        self.loss_curve_.append(loss)
        self.n_iter_ += 1
        self._set_components()
        return self

    # ------------------------------------------------------------------ inference
    def transform(self, X: Any) -> np.ndarray:
        """Topic weights of each document: ``softmax`` of the encoder mean.

        Deterministic (no sampling, no dropout): the same document always gets
        the same vector. An empty document gets ``1 / n_components``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Document-term counts (non-negative).

        Returns
        -------
        ndarray of shape (n_samples, n_components)
            Non-negative topic weights; each row sums to 1.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False, whom="NeuralTopicModel.transform")
        net = self.network_
        net.eval()
        out = np.empty((X.shape[0], self.n_components), dtype=np.float64)
        with torch.no_grad():
            for start in range(0, X.shape[0], EVAL_CHUNK):
                rows = slice(start, start + EVAL_CHUNK)
                x, _ = batch_inputs(X, rows, self._device, sparse=self._sparse)
                theta = torch.softmax(net.encode(x)[0].double(), dim=1)
                out[rows] = theta.cpu().numpy()
        out[row_sums(X) <= 0] = 1.0 / self.n_components
        return out

    def transform_stream(self, chunks: Any) -> Iterator[np.ndarray]:
        """Topic weights of a stream of chunks, one array per chunk.

        A generator: each chunk is transformed when it is read, so memory
        follows one chunk. ``np.vstack(list(model.transform_stream(chunks)))``
        equals ``model.transform`` of the stacked chunks.

        Parameters
        ----------
        chunks : iterable of {array-like, sparse matrix}, or a callable \
returning one
            Chunks of document-term counts, each of shape
            ``(n_chunk_samples, n_features)``.

        Yields
        ------
        ndarray of shape (n_chunk_samples, n_components)
        """
        check_is_fitted(self)
        open_pass = chunk_source(chunks, "NeuralTopicModel.transform_stream")
        return (self.transform(X) for X in open_pass())

    def perplexity(self, X: Any) -> float:
        """ELBO bound of the perplexity of ``X``: ``exp(-ELBO / n_words)``.

        Estimated with 10 Monte Carlo samples from fixed-seed noise, so the
        value is deterministic. An upper bound of the true perplexity:
        compare only between neural topic models.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Document-term counts (non-negative, at least one word).

        Returns
        -------
        float
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False, whom="NeuralTopicModel.perplexity")
        total, words = neg_elbo(self.network_, X, self._device, n_samples=10,
                                **self._eval_options())
        if words <= 0:
            raise ValueError(
                "X contains no words (of those the decoder models, "
                "decoder_words_): perplexity is undefined.")
        return float(np.exp(total / words))

    def score(self, X: Any, y: Any = None) -> float:
        """Evidence lower bound (approximate log-likelihood) of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Document-term counts (non-negative).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        float
            Sum over documents of the ELBO (higher is better).
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False, whom="NeuralTopicModel.score")
        total, _ = neg_elbo(self.network_, X, self._device, n_samples=10,
                            **self._eval_options())
        return -total

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns: ``topic_0``, ``topic_1``, ...

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the names seen in fit.

        Returns
        -------
        ndarray of str objects
        """
        check_is_fitted(self, "n_features_in_")
        _check_feature_names_in(self, input_features, generate_names=False)
        return np.asarray(
            [f"topic_{k}" for k in range(self.n_components)], dtype=object
        )

"""Quality metrics for topic models.

All functions take a topic-word weight matrix of shape ``(n_topics,
n_words)`` (``components_`` of :class:`~skforecast_ntm.topics.NeuralTopicModel`
or of scikit-learn's ``LatentDirichletAllocation``, ``get_topics()`` of gensim)
and rank the words of each topic by weight. Everything is vectorised: the
document co-occurrences of NPMI come from one sparse matrix product.

- :func:`npmi_coherence`: normalised pointwise mutual information of the top
  words of each topic, from document co-occurrence on a reference corpus
  (Lau et al., 2014); in ``[-1, 1]``, higher is better.
- :func:`topic_diversity`: share of unique words among the top words of all
  topics (Dieng et al., 2020); in ``[1/K, 1]``, higher is better.
- :func:`topic_uniqueness`: SageMaker's topic uniqueness TU (Nan et al., 2019);
  in ``[1/K, 1]``, higher is better.
- :func:`perplexity`: ``exp`` of the per-word negative log-likelihood of
  held-out counts under given per-document word distributions.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

__all__ = [
    "npmi_coherence",
    "perplexity",
    "top_word_indices",
    "topic_diversity",
    "topic_uniqueness",
]


def _check_topic_word(topic_word: ArrayLike, name: str = "topic_word") -> np.ndarray:
    arr = np.asarray(topic_word, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(
            f"{name} must be a non-empty 2D array of shape (n_topics, n_words), "
            f"got shape {arr.shape}."
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return arr


def _check_top_n(top_n: int, n_words: int) -> int:
    if isinstance(top_n, bool) or not isinstance(top_n, (int, np.integer)):
        raise TypeError(f"top_n must be an int, got {type(top_n).__name__}.")
    if top_n < 1:
        raise ValueError(f"top_n must be >= 1, got {top_n}.")
    if top_n > n_words:
        raise ValueError(
            f"top_n={top_n} exceeds the number of words in topic_word ({n_words})."
        )
    return int(top_n)


def top_word_indices(topic_word: ArrayLike, top_n: int = 10) -> np.ndarray:
    """Indices of the ``top_n`` heaviest words of each topic, heaviest first.

    Ties are broken by the lower word index (a stable sort), so the result is
    deterministic.

    Parameters
    ----------
    topic_word : array-like of shape (n_topics, n_words)
        Topic-word weights (any monotone scale: probabilities, pseudo-counts,
        logits).
    top_n : int, default=10
        Number of words per topic.

    Returns
    -------
    ndarray of shape (n_topics, top_n)

    Examples
    --------
    >>> top_word_indices([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1]], top_n=2)
    array([[1, 2],
           [0, 1]])
    """
    arr = _check_topic_word(topic_word)
    top_n = _check_top_n(top_n, arr.shape[1])
    return np.argsort(-arr, axis=1, kind="stable")[:, :top_n]


def npmi_coherence(
    topic_word: ArrayLike,
    X: ArrayLike | sp.spmatrix,
    *,
    top_n: int = 10,
) -> np.ndarray:
    """NPMI coherence of each topic's top words on a reference corpus.

    For each pair of top words ``(i, j)`` of a topic,
    ``NPMI = log(p(i, j) / (p(i) p(j))) / -log(p(i, j))`` with ``p`` the share
    of reference documents containing the word(s). A pair that never
    co-occurs scores ``-1``; a pair present in every document scores ``1``.
    A topic's coherence is the mean over its ``top_n (top_n - 1) / 2`` pairs.

    Parameters
    ----------
    topic_word : array-like of shape (n_topics, n_words)
        Topic-word weights; the columns must match those of ``X``.
    X : {array-like, sparse matrix} of shape (n_documents, n_words)
        Reference document-term counts (only presence, ``X > 0``, matters),
        ideally held-out documents.
    top_n : int, default=10
        Number of top words per topic (at least 2).

    Returns
    -------
    ndarray of shape (n_topics,)
        Coherence of each topic, in ``[-1, 1]``; average it for a model score.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 0]])
    >>> topics = np.array([[0.5, 0.4, 0.05, 0.05], [0.5, 0.05, 0.4, 0.05]])
    >>> npmi_coherence(topics, X, top_n=2).round(3)
    array([ 1., -1.])
    """
    arr = _check_topic_word(topic_word)
    top_n = _check_top_n(top_n, arr.shape[1])
    if top_n < 2:
        raise ValueError(f"top_n must be >= 2 for word pairs, got {top_n}.")
    if sp.issparse(X):
        Xr = sp.csr_matrix(X)
    else:
        Xr = np.asarray(X)
        if Xr.ndim != 2:
            raise ValueError(f"X must be 2D, got an array of shape {Xr.shape}.")
        Xr = sp.csr_matrix(Xr)
    if Xr.shape[1] != arr.shape[1]:
        raise ValueError(
            f"X has {Xr.shape[1]} columns but topic_word has {arr.shape[1]} words."
        )
    n_docs = Xr.shape[0]
    if n_docs < 1:
        raise ValueError("X must contain at least one document.")
    if Xr.nnz and Xr.data.min() < 0:
        raise ValueError("X must be non-negative (document-term counts).")

    top = top_word_indices(arr, top_n)  # (K, N)
    words, inverse = np.unique(top, return_inverse=True)
    inverse = inverse.reshape(top.shape)
    presence = (Xr[:, words] > 0).astype(np.float64)  # (D, U) sparse
    co = (presence.T @ presence).toarray() / n_docs  # (U, U) joint probabilities
    p = np.diag(co).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        log_joint = np.log(co)
        pmi = log_joint - np.log(p)[:, None] - np.log(p)[None, :]
        npmi = pmi / -log_joint
    npmi[co <= 0] = -1.0
    npmi[co >= 1] = 1.0  # the pair is in every document
    pair_scores = npmi[inverse[:, :, None], inverse[:, None, :]]  # (K, N, N)
    iu = np.triu_indices(top_n, k=1)
    return pair_scores[:, iu[0], iu[1]].mean(axis=1)


def topic_diversity(topic_word: ArrayLike, *, top_n: int = 25) -> float:
    """Share of unique words among the ``top_n`` words of all topics.

    ``TD = |union of the top-N words of every topic| / (N K)``; ``1`` when no
    two topics share a top word, ``1 / K`` when all topics have the same top
    words.

    Parameters
    ----------
    topic_word : array-like of shape (n_topics, n_words)
        Topic-word weights.
    top_n : int, default=25
        Number of top words per topic.

    Returns
    -------
    float

    Examples
    --------
    >>> topic_diversity([[0.6, 0.3, 0.1, 0.0], [0.5, 0.0, 0.1, 0.4]], top_n=2)
    0.75
    """
    arr = _check_topic_word(topic_word)
    top = top_word_indices(arr, top_n)
    return float(np.unique(top).size / top.size)


def topic_uniqueness(topic_word: ArrayLike, *, top_n: int = 10) -> float:
    """SageMaker's topic uniqueness (TU) of the ``top_n`` words of each topic.

    ``TU = (1 / K) sum_k (1 / N) sum_{w in top_N(k)} 1 / cnt(w)`` where
    ``cnt(w)`` is the number of topics whose top-N words contain ``w``
    (Nan et al., 2019). ``1`` when topics share no top word, ``1 / K`` when
    all topics have the same top words.

    Parameters
    ----------
    topic_word : array-like of shape (n_topics, n_words)
        Topic-word weights.
    top_n : int, default=10
        Number of top words per topic.

    Returns
    -------
    float

    Examples
    --------
    >>> topic_uniqueness([[0.6, 0.3, 0.1, 0.0], [0.5, 0.0, 0.1, 0.4]], top_n=2)
    0.75
    """
    arr = _check_topic_word(topic_word)
    top = top_word_indices(arr, top_n)
    counts = np.bincount(top.ravel(), minlength=arr.shape[1])
    return float(np.mean(1.0 / counts[top]))


def perplexity(X: ArrayLike | sp.spmatrix, word_proba: ArrayLike) -> float:
    """Perplexity of held-out counts under per-document word distributions.

    ``exp(-sum_{d,w} X[d, w] log word_proba[d, w] / sum_{d,w} X[d, w])``. For a
    mixture model such as LDA, ``word_proba = doc_topic @ topic_word`` (rows of
    both normalised); a model whose ``word_proba`` is uniform over ``V`` words
    has perplexity ``V``. For a variational model whose likelihood is a
    bound, use the model's own ``perplexity`` method and compare only models
    of the same kind.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_documents, n_words)
        Held-out document-term counts (non-negative, at least one word).
    word_proba : array-like of shape (n_documents, n_words)
        Word distribution of each document (rows sum to 1).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> perplexity(np.array([[2, 1, 0, 1]]), np.full((1, 4), 0.25))
    4.0
    """
    Xr = sp.csr_matrix(X, dtype=np.float64) if sp.issparse(X) else None
    if Xr is None:
        Xa = np.asarray(X, dtype=np.float64)
        if Xa.ndim != 2:
            raise ValueError(f"X must be 2D, got an array of shape {Xa.shape}.")
        Xr = sp.csr_matrix(Xa)
    proba = np.asarray(word_proba, dtype=np.float64)
    if proba.shape != Xr.shape:
        raise ValueError(
            f"word_proba has shape {proba.shape} but X has shape {Xr.shape}."
        )
    if Xr.nnz and Xr.data.min() < 0:
        raise ValueError("X must be non-negative (document-term counts).")
    if (proba < 0).any() or not np.allclose(proba.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("Each row of word_proba must be a probability distribution.")
    total = Xr.sum()
    if total <= 0:
        raise ValueError("X contains no words: perplexity is undefined.")
    coo = Xr.tocoo()
    coo.sum_duplicates()
    keep = coo.data > 0
    p = proba[coo.row[keep], coo.col[keep]]
    if (p <= 0).any():
        return float("inf")
    log_lik = float(np.dot(coo.data[keep], np.log(p)))
    return float(np.exp(-log_lik / total))

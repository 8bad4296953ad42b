"""Word embeddings from a document-term matrix (no pretrained vectors)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import eigsh
from sklearn.utils import check_random_state

__all__ = ["ppmi_word_embeddings"]


#: word pairs counted at most (the sum over documents of their distinct words
#: squared); larger corpora are subsampled by document to fit
MAX_COOCCURRENCE_PAIRS = 50_000_000

#: the Lanczos iterations of :func:`ppmi_word_embeddings` multiply a dense
#: copy of the PPMI matrix when at least this share of it is non-zero (a
#: sparse product costs a few times a dense one per entry) ...
DENSE_PPMI_MIN_FILL = 0.25
#: ... and it has at most this many words (a dense copy of 128 MiB)
DENSE_PPMI_MAX_WORDS = 4096


def ppmi_word_embeddings(X: Any, n_dims: int = 100,
                         random_state: Any = None) -> np.ndarray:
    """Word vectors from the positive PMI of document co-occurrence.

    ``PMI(i, j) = log(n_ij n / (n_i n_j))`` with ``n_ij`` the number of
    documents containing both words, ``n_i`` those containing word ``i`` and
    ``n`` all documents; negative values and the diagonal are set to 0. The
    vectors are the leading eigenvectors of that symmetric matrix weighted by
    the square roots of their eigenvalues (the usual ``p = 0.5`` weighting of
    SVD word vectors), then centred (which reduces hubness: fewer words that
    are near everything) and scaled to unit length. Words that co-occur with
    no other word get a zero vector; a matrix with no positive PMI at all
    (every word in every document, say) gives all-zero vectors.

    When the corpus has more than :data:`MAX_COOCCURRENCE_PAIRS` word pairs
    (the sum over documents of their distinct words squared), the counts
    come from a random sample of documents of that size, which bounds time
    and memory on large corpora.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_documents, n_words)
        Document-term counts (only whether a count is positive matters).
    n_dims : int, default=100
        Embedding dimension; at most ``n_words - 1``.
    random_state : int, RandomState instance or None, default=None
        Seeds the document sample of large corpora.

    Returns
    -------
    ndarray of shape (n_words, min(n_dims, n_words - 1)), float32

    Examples
    --------
    >>> import numpy as np
    >>> from skforecast_ntm.topics import ppmi_word_embeddings
    >>> X = np.array([[1, 1, 0, 0], [2, 1, 0, 0], [0, 0, 1, 3], [0, 0, 1, 1]])
    >>> rho = ppmi_word_embeddings(X, n_dims=2)
    >>> rho.shape
    (4, 2)
    >>> # words 0 and 1 always co-occur, as do words 2 and 3
    >>> bool(rho[0] @ rho[1] > rho[0] @ rho[2])
    True
    """
    if int(n_dims) < 1:
        raise ValueError(f"n_dims must be >= 1, got {n_dims}.")
    b = sp.csr_matrix(X, dtype=np.float64)
    b.data = (b.data > 0).astype(np.float64)
    b.eliminate_zeros()
    per_doc = np.diff(b.indptr).astype(np.float64) ** 2
    if per_doc.sum() > MAX_COOCCURRENCE_PAIRS:
        rng = check_random_state(random_state)
        order = rng.permutation(b.shape[0])
        n_keep = max(1, int(np.searchsorted(np.cumsum(per_doc[order]),
                                            MAX_COOCCURRENCE_PAIRS)))
        b = b[np.sort(order[:n_keep])]
    n_docs, n_words = b.shape
    if n_words < 2:
        raise ValueError(f"Need at least 2 words for embeddings, got {n_words}.")
    k = min(int(n_dims), n_words - 1)
    co = (b.T @ b).tocoo()
    df = np.asarray(b.sum(axis=0)).ravel()
    with np.errstate(divide="ignore"):
        pmi = np.log(co.data * n_docs / (df[co.row] * df[co.col]))
    keep = (pmi > 0) & (co.row != co.col)
    ppmi = sp.csr_matrix((pmi[keep], (co.row[keep], co.col[keep])),
                         shape=(n_words, n_words))
    if ppmi.nnz == 0:
        return np.zeros((n_words, k), dtype=np.float32)
    if n_words <= 1000 or k >= n_words // 2:
        vals, vecs = np.linalg.eigh(ppmi.toarray())
        vals, vecs = vals[::-1][:k], vecs[:, ::-1][:, :k]
    else:
        # Lanczos from a fixed start vector: deterministic. A PPMI matrix of
        # document co-occurrence is mostly non-zero (83 % on 20 Newsgroups'
        # 2,000 words): a dense product is then the cheaper one (0.4 s
        # against 0.9 s there), the same iterations to rounding
        op = ppmi.toarray() if ppmi.nnz > DENSE_PPMI_MIN_FILL * n_words**2 \
            and n_words <= DENSE_PPMI_MAX_WORDS else ppmi
        vals, vecs = eigsh(op, k=k, which="LA", v0=np.ones(n_words))
        order = np.argsort(vals)[::-1]
        vals, vecs = vals[order], vecs[:, order]
    rho = centre_and_normalise(vecs * np.sqrt(np.maximum(vals, 0.0)))
    rho[np.asarray(ppmi.getnnz(axis=1) == 0)] = 0.0  # isolated words
    return rho


def centre_and_normalise(vectors: np.ndarray) -> np.ndarray:
    """Word vectors centred on their mean and scaled to unit length, float32.

    Centring reduces hubness (fewer words near everything); rows that are
    zero after centring stay zero.
    """
    rho = vectors - vectors.mean(axis=0)
    norms = np.linalg.norm(rho, axis=1, keepdims=True)
    return (rho / np.where(norms > 0, norms, 1.0)).astype(np.float32)

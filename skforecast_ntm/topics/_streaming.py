"""Corpora larger than memory: chunk sources, the vocabulary pass, statistics.

A streamed corpus is a *source of chunks*: each chunk a collection of raw
documents (list, array, pandas Series or one-column DataFrame of ``str``) or
the path of a UTF-8 text file holding one document per line. The
vocabulary pass (:func:`build_vocabulary`) reads the chunks once and keeps
per-term counters and a bounded sample of documents, never the corpus, so
its memory follows the number of distinct terms and one chunk.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils import check_random_state

from .._distributed import DistributedContext, data_parallel

__all__ = [
    "STREAM_SAMPLE_PAIRS",
    "CorpusStatistics",
    "build_vocabulary",
    "check_documents",
    "chunk_source",
    "iter_document_chunks",
]

#: word pairs (sum over the sampled documents of their distinct terms,
#: squared) of the document sample a streaming pass keeps for the word
#: embeddings: about 50,000 documents of 14 distinct terms. A corpus within
#: this budget is sampled whole, so its embeddings are those of the
#: in-memory fit; ``ppmi_word_embeddings`` itself caps the pairs it counts
#: at ``MAX_COOCCURRENCE_PAIRS`` (50 million), by a seeded document sample
STREAM_SAMPLE_PAIRS = 10_000_000


def check_documents(X: Any, whom: str, *, allow_empty: bool = False) -> list[str]:
    """Return the documents of ``X`` as a list of str, or raise.

    Accepts a list / tuple / 1D array / pandas Series of strings, or a
    single-column 2D array / DataFrame (what ``ColumnTransformer`` passes for
    a list of one column). ``allow_empty``: an empty collection is returned
    as ``[]`` instead of raising (an empty chunk of a stream).
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(
            f"{whom} expects an iterable of documents (list, array or pandas "
            "Series of str), got a single string."
        )
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:  # DataFrame
        if X.shape[1] != 1:
            raise ValueError(
                f"{whom} expects one text column, got a DataFrame with "
                f"{X.shape[1]} columns."
            )
        X = X.iloc[:, 0]
    if hasattr(X, "to_numpy"):  # Series
        X = X.to_numpy(dtype=object)
    if isinstance(X, np.ndarray):
        if X.ndim == 2 and X.shape[1] == 1:
            X = X[:, 0]
        if X.ndim != 1:
            raise ValueError(
                f"{whom} expects a 1D collection of documents, got an array of "
                f"shape {X.shape}."
            )
    elif not isinstance(X, Iterable):
        raise TypeError(
            f"{whom} expects an iterable of documents (list, array or pandas "
            f"Series of str), got {type(X).__name__}."
        )
    docs = list(X)
    if not docs:
        if allow_empty:
            return docs
        raise ValueError(f"{whom} got no documents (an empty collection).")
    is_str = np.fromiter(
        (isinstance(d, str) for d in docs), dtype=bool, count=len(docs)
    )
    if not is_str.all():
        pos = int(np.flatnonzero(~is_str)[0])
        raise TypeError(
            f"{whom} expects every document to be a str; the document at position "
            f"{pos} is {type(docs[pos]).__name__} ({docs[pos]!r}). Convert or drop "
            "missing values first (e.g. series.fillna('')); an empty string is a "
            "valid document."
        )
    return docs


# ------------------------------------------------------------------ chunk sources
_SOURCE_HELP = (
    "a list of chunks (each a list, array or pandas Series of str, or the "
    "pathlib.Path of a text file with one document per line), or a callable "
    "returning a fresh iterator of chunks (e.g. lambda: (df['text'] for df "
    "in pd.read_csv(path, chunksize=10_000)))"
)


def chunk_source(chunks: Any, whom: str, *, passes: int = 1) -> Callable[[], Iterable]:
    """Check a source of chunks; return a function that opens one pass.

    ``chunks`` is an iterable of chunks or a callable returning one (called
    once per pass). With ``passes > 1`` a one-shot iterator (a generator) is
    refused: it cannot be read twice.
    """
    if isinstance(chunks, (str, bytes, os.PathLike)):
        raise TypeError(
            f"{whom} expects a source of chunks: {_SOURCE_HELP}; got a single "
            f"{type(chunks).__name__}. To fit one in-memory collection of "
            "documents use fit(documents)."
        )
    if callable(chunks):
        def open_pass() -> Iterable:
            it = chunks()
            if isinstance(it, (str, bytes)) or not isinstance(it, Iterable):
                raise TypeError(
                    f"{whom}: the callable source of chunks must return an "
                    f"iterable of chunks, got {type(it).__name__}."
                )
            return it

        return open_pass
    if not isinstance(chunks, Iterable):
        raise TypeError(
            f"{whom} expects a source of chunks: {_SOURCE_HELP}; got "
            f"{type(chunks).__name__}."
        )
    if passes > 1 and iter(chunks) is chunks:
        raise TypeError(
            f"{whom} reads the chunks {passes} times or more (the vocabulary "
            "pass, then one pass per epoch), but got a one-shot iterator "
            f"({type(chunks).__name__}). Pass {_SOURCE_HELP}."
        )
    return lambda: chunks


def _read_lines(path: os.PathLike) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return [line.rstrip("\r\n") for line in fh]


def iter_document_chunks(chunks: Iterable, whom: str) -> Iterator[list[str]]:
    """The checked documents of each chunk of one pass (empty chunks: ``[]``).

    A :class:`os.PathLike` chunk is read as a text file, one document per
    line. Errors name the chunk (its position in the pass) and the document
    (its position in the chunk).
    """
    for i, chunk in enumerate(chunks):
        where = f"{whom} (chunk {i})"
        if isinstance(chunk, os.PathLike):
            where = f"{whom} (chunk {i}, file {os.fspath(chunk)!r})"
            chunk = _read_lines(chunk)
        elif isinstance(chunk, (str, bytes)):
            raise TypeError(
                f"{where} is a single string, not a chunk of documents. A chunk "
                "is a list, array or pandas Series of str, or the pathlib.Path "
                "of a text file with one document per line (a str is not read "
                "as a path). To fit one in-memory collection of documents use "
                "fit(documents)."
            )
        yield check_documents(chunk, where, allow_empty=True)


# ------------------------------------------------------------------ sampling
class _BudgetedSample:
    """A seeded random sample of a stream, bounded by a total weight.

    Every item gets a uniform key; the sample is the prefix, in key order,
    of the items seen whose cumulative weight stays within ``budget`` (at
    least one item): what ``ppmi_word_embeddings`` keeps of a corpus that
    is too large, computed chunk by chunk. Memory: the kept items and one
    chunk. ``result()`` returns the kept items in stream order.
    """

    def __init__(self, budget: float, rng: np.random.RandomState) -> None:
        self.budget = float(budget)
        self.rng = rng
        self.keys = np.empty(0)
        self.weights = np.empty(0)
        self.positions = np.empty(0, dtype=np.int64)
        self.items: Any = None
        self.threshold = np.inf  # keys from here on can never be kept
        self.seen = 0

    @staticmethod
    def _concat(a: Any, b: Any) -> Any:
        if a is None:
            return b
        return sp.vstack([a, b], format="csr") if sp.issparse(b) \
            else np.concatenate([a, b])

    def add(self, items: Any, weights: np.ndarray) -> None:
        n = weights.shape[0]
        keys = self.rng.random_sample(n)
        positions = np.arange(self.seen, self.seen + n)
        self.seen += n
        new = np.flatnonzero(keys < self.threshold)
        if new.size == 0:
            return
        self._keep(
            np.concatenate([self.keys, keys[new]]),
            np.concatenate([self.weights, np.asarray(weights, float)[new]]),
            np.concatenate([self.positions, positions[new]]),
            self._concat(self.items, items[new]),
        )

    def _keep(self, keys: np.ndarray, weights: np.ndarray, positions: np.ndarray,
              items: Any) -> None:
        """Keep the prefix in key order within the budget, in stream order."""
        if weights.sum() > self.budget:
            order = np.argsort(keys, kind="stable")
            cum = np.cumsum(weights[order])
            n_keep = max(1, int(np.searchsorted(cum, self.budget, side="right")))
            if n_keep < order.size:
                self.threshold = min(self.threshold, keys[order[n_keep]])
            keep = np.sort(order[:n_keep])  # back in stream order
            keys, weights, positions = keys[keep], weights[keep], positions[keep]
            items = items[keep]
        self.keys, self.weights, self.positions, self.items = \
            keys, weights, positions, items

    def merge_ranks(self, dist: DistributedContext) -> None:
        """Become the sample of the union of every rank's stream (collective).

        Each rank's keys are uniform and independent, so the prefix in key
        order of the union within the budget is what one stream holding
        every rank's items (rank 0's first, then rank 1's, ...) would keep:
        the union whole when it is within the budget.
        """
        parts = dist.all_gather_object(
            (self.keys, self.weights, self.positions, self.items, self.seen))
        offsets = np.cumsum([0] + [p[4] for p in parts[:-1]])
        kept = [p for p in parts if p[0].size]
        if not kept:
            return
        items = kept[0][3]
        for p in kept[1:]:
            items = self._concat(items, p[3])
        self.threshold = np.inf
        self._keep(
            np.concatenate([p[0] for p in kept]),
            np.concatenate([p[1] for p in kept]),
            np.concatenate([p[2] + off for p, off in zip(parts, offsets, strict=True)
                            if p[0].size]),
            items,
        )
        self.seen = int(sum(p[4] for p in parts))

    def result(self) -> Any:
        return self.items


# ------------------------------------------------------------------ data parallel
def rank_random_state(random_state: Any, dist: DistributedContext | None
                      ) -> np.random.RandomState:
    """``random_state``'s generator, or in data-parallel runs this rank's.

    A rank's generator is seeded from rank 0's draw and the rank (so that
    ``random_state=None`` still gives every rank a different, coordinated
    stream, and a fixed seed the same streams on every run).
    """
    rng = check_random_state(random_state)
    if dist is None:
        return rng
    seed = dist.all_gather_object(int(rng.randint(np.iinfo(np.int32).max)))[0]
    return np.random.RandomState([seed, dist.rank])


# ------------------------------------------------------------------ statistics
@dataclass(frozen=True)
class CorpusStatistics:
    """Corpus-wide word statistics of a streamed corpus.

    What :class:`~skforecast_ntm.topics.NeuralTopicModel` learns from its
    training documents when its network is built, gathered in one pass over
    a corpus too large for memory: the decoded words (the
    ``max_decoder_words`` in the most documents), the shrinkage of the
    top-word ranking (document frequencies), NVDM's background word
    frequencies and the ``"ppmi"`` word embeddings (co-occurrence in a
    seeded sample of documents). Pass it to the first
    ``NeuralTopicModel.partial_fit`` call (``corpus_statistics=``);
    :func:`build_vocabulary` returns it for text, :meth:`from_counts`
    computes it from chunks of counts.

    Parameters
    ----------
    n_documents : int
        Documents of the corpus.
    document_frequency : ndarray of shape (n_features,)
        Documents holding each feature.
    term_frequency : ndarray of shape (n_features,)
        Total count of each feature.
    sample : sparse matrix of shape (n_sampled, n_features)
        Counts of a seeded random sample of the documents, in stream order:
        the whole corpus when its word pairs (sum over documents of their
        distinct terms, squared) are within ``STREAM_SAMPLE_PAIRS``
        (10 million), else a uniform sample of that many pairs.

    Examples
    --------
    >>> import numpy as np
    >>> from skforecast_ntm.topics import CorpusStatistics
    >>> chunks = [np.array([[1, 0, 2], [0, 1, 0]]), np.array([[3, 1, 0]])]
    >>> stats = CorpusStatistics.from_counts(chunks, random_state=0)
    >>> stats.n_documents, stats.document_frequency.tolist()
    (3, [2, 2, 1])
    >>> stats.term_frequency.tolist()
    [4, 2, 2]
    """

    n_documents: int
    document_frequency: np.ndarray
    term_frequency: np.ndarray
    sample: sp.csr_matrix

    @property
    def n_features(self) -> int:
        """Number of features (columns)."""
        return int(self.document_frequency.shape[0])

    def check(self, n_features: int, whom: str) -> None:
        """Raise unless the statistics describe ``n_features`` features."""
        shapes = (self.document_frequency.shape, self.term_frequency.shape,
                  self.sample.shape[1:])
        if shapes != ((n_features,), (n_features,), (n_features,)):
            raise ValueError(
                f"{whom}: corpus_statistics describe {self.n_features} features "
                f"(document_frequency {self.document_frequency.shape}, "
                f"term_frequency {self.term_frequency.shape}, sample "
                f"{self.sample.shape}) but X has {n_features} columns; compute "
                "them on the same vocabulary."
            )

    @classmethod
    def from_counts(cls, chunks: Iterable, *, random_state: Any = None
                    ) -> CorpusStatistics:
        """Statistics of a stream of document-term count matrices.

        Parameters
        ----------
        chunks : iterable of {array-like, sparse matrix}
            Chunks of counts (non-negative), all with the same columns.
        random_state : int, RandomState instance or None, default=None
            Seeds the document sample.

        Returns
        -------
        CorpusStatistics

        Notes
        -----
        Under ``torchrun`` (or in a ``torch.distributed`` process group of
        several processes), every rank calls ``from_counts`` with its own
        chunks and gets the statistics of every rank's chunks (the sample
        drawn from their union), as ``NeuralTopicModel.partial_fit`` expects
        them there (``docs/scale_out.md``, "Topic model").
        """
        with data_parallel() as dist:
            return _statistics_from_counts(chunks, random_state, dist)


def _statistics_from_counts(chunks: Iterable, random_state: Any,
                            dist: DistributedContext | None, *,
                            budget: float = STREAM_SAMPLE_PAIRS,
                            whom: str = "CorpusStatistics.from_counts"
                            ) -> CorpusStatistics:
    """:meth:`CorpusStatistics.from_counts`, over every rank's chunks with
    ``dist`` (a collective: every rank calls it)."""
    one = dist if dist is not None else DistributedContext()
    rng = rank_random_state(random_state, dist)

    def count():
        sample = _BudgetedSample(budget, rng)
        df = tf = None
        n_docs = 0
        for i, chunk in enumerate(chunks):
            X = sp.csr_matrix(chunk)
            if X.nnz and X.data.min() < 0:
                raise ValueError(f"{whom}: chunk {i} has negative counts.")
            if df is None:
                df = np.zeros(X.shape[1], dtype=np.int64)
                tf = np.zeros(X.shape[1], dtype=X.dtype)
            elif X.shape[1] != df.shape[0]:
                raise ValueError(
                    f"{whom}: chunk {i} has {X.shape[1]} "
                    f"columns, the first chunk {df.shape[0]}.")
            present = X > 0
            df += np.asarray(present.sum(axis=0)).ravel()
            tf += np.asarray(X.sum(axis=0)).ravel().astype(tf.dtype)
            sample.add(X, np.asarray(present.sum(axis=1), float).ravel() ** 2)
            n_docs += X.shape[0]
        return sample, df, tf, n_docs

    sample, df, tf, n_docs = one.agree(count)
    if dist is not None:
        parts = dist.all_gather_object(
            None if df is None else (df.shape[0], df, tf, n_docs))
        widths = {p[0] for p in parts if p is not None}
        if len(widths) > 1:
            raise ValueError(
                f"{whom}: the ranks' chunks have different numbers of columns "
                f"({', '.join(f'rank {r}: {p[0]}' for r, p in enumerate(parts) if p)}"
                "); every rank must count the same vocabulary.")
        present = [p for p in parts if p is not None]
        if present:
            df = sum(p[1] for p in present)
            tf = sum(p[2] for p in present)
            n_docs = sum(p[3] for p in present)
        sample.merge_ranks(dist)
    if not n_docs:
        raise ValueError(f"{whom} got no documents "
                         "(an empty stream, or only empty chunks).")
    return CorpusStatistics(n_docs, df, tf, sp.csr_matrix(sample.result()))


# ------------------------------------------------------------------ vocabulary
def build_vocabulary(
    chunks: Any,
    vectorizer: CountVectorizer | None = None,
    *,
    random_state: Any = None,
) -> tuple[CountVectorizer, CorpusStatistics]:
    """Learn a ``CountVectorizer``'s vocabulary from a stream of chunks.

    One pass over the documents, chunk by chunk: each document goes through
    the vectorizer's own analyzer (``build_analyzer()``: preprocessor,
    tokenizer or token pattern, stop words, n-grams), and only per-term
    counters (documents and occurrences) and a bounded document sample are
    kept. Then the rules of ``CountVectorizer.fit`` are applied to the
    counters: ``max_df`` and ``min_df`` (a float is a share of all
    documents), then the ``max_features`` terms with the largest total
    count (ties broken as scikit-learn breaks them), terms numbered in
    alphabetical order. The vocabulary is the one
    ``vectorizer.fit(all documents)`` learns.

    Parameters
    ----------
    chunks : iterable of chunks, or a callable returning one
        Each chunk a list, array, pandas Series or one-column DataFrame of
        str, or the :class:`pathlib.Path` of a UTF-8 text file holding one
        document per line (a str is not read as a path). Read once.
    vectorizer : CountVectorizer or None, default=None
        The rules (cloned, not modified); ``None``: ``CountVectorizer()``.
        With a fixed ``vocabulary`` only the statistics are counted.
    random_state : int, RandomState instance or None, default=None
        Seeds the document sample of the statistics.

    Returns
    -------
    vectorizer : CountVectorizer
        A fitted clone (``vocabulary_``, ``fixed_vocabulary_``):
        ``transform`` vectorises further chunks.
    statistics : CorpusStatistics
        Document and term frequencies of the vocabulary's terms, and the
        counts of a seeded document sample (for
        ``NeuralTopicModel.partial_fit(..., corpus_statistics=...)``).

    Examples
    --------
    >>> from sklearn.feature_extraction.text import CountVectorizer
    >>> from skforecast_ntm.topics import build_vocabulary
    >>> chunks = [["cats purr", "dogs bark"], ["cats and dogs", "cats nap"]]
    >>> cv, stats = build_vocabulary(chunks, CountVectorizer(min_df=2))
    >>> cv.vocabulary_
    {'cats': 0, 'dogs': 1}
    >>> stats.n_documents, stats.document_frequency.tolist()
    (4, [3, 2])

    Under ``torchrun`` (or in a ``torch.distributed`` process group of
    several processes), every rank calls it with its own chunks: the term
    counters are gathered and merged before the rules are applied once, so
    every rank gets the vocabulary and statistics of the concatenated
    corpus (``docs/scale_out.md``, "Topic model").
    """
    with data_parallel() as dist:
        return _build_vocabulary(chunks, vectorizer, random_state, dist)


def _build_vocabulary(chunks: Any, vectorizer: CountVectorizer | None,
                      random_state: Any, dist: DistributedContext | None
                      ) -> tuple[CountVectorizer, CorpusStatistics]:
    """:func:`build_vocabulary` over every rank's chunks with ``dist`` (a
    collective: every rank calls it)."""
    whom = "build_vocabulary"
    if vectorizer is not None and not isinstance(vectorizer, CountVectorizer):
        raise TypeError(f"{whom}: vectorizer must be a CountVectorizer, got "
                        f"{type(vectorizer).__name__}.")
    vectorizer = CountVectorizer() if vectorizer is None else clone(vectorizer)
    # CountVectorizer.fit's own checks, in its order
    vectorizer._validate_params()
    vectorizer._validate_ngram_range()
    vectorizer._warn_for_unused_params()
    vectorizer._validate_vocabulary()
    analyze = vectorizer.build_analyzer()
    sample = _BudgetedSample(STREAM_SAMPLE_PAIRS, rank_random_state(random_state, dist))

    def count() -> tuple[Counter, Counter, int]:
        doc_counts: Counter = Counter()
        term_counts: Counter = Counter()
        n_docs = 0
        for docs in iter_document_chunks(chunk_source(chunks, whom)(), whom):
            pairs = np.empty(len(docs))
            for j, doc in enumerate(docs):
                terms = analyze(doc)
                term_counts.update(terms)
                distinct = set(terms)
                doc_counts.update(distinct)
                pairs[j] = len(distinct) ** 2
            if docs:
                sample.add(np.array(docs, dtype=object), pairs)
            n_docs += len(docs)
        return doc_counts, term_counts, n_docs

    if dist is None:
        doc_counts, term_counts, n_docs = count()
    else:  # the counters of the concatenated corpus, on every rank
        doc_counts, term_counts, n_docs = Counter(), Counter(), 0
        for dc, tc, n in dist.all_gather_object(dist.agree(count)):
            doc_counts.update(dc)
            term_counts.update(tc)
            n_docs += n
        sample.merge_ranks(dist)
    if not n_docs:
        raise ValueError(f"{whom} got no documents (an empty stream, or only "
                         "empty chunks).")
    if vectorizer.fixed_vocabulary_:
        vocabulary = vectorizer.vocabulary_
    else:
        vocabulary = _limit_vocabulary(vectorizer, doc_counts, term_counts, n_docs)
        vectorizer.vocabulary_ = vocabulary
    terms = sorted(vocabulary, key=vocabulary.__getitem__)
    df = np.fromiter((doc_counts[t] for t in terms), np.int64, len(terms))
    tf = np.fromiter((term_counts[t] for t in terms), np.int64, len(terms))
    sample_counts = vectorizer.transform(sample.result()).tocsr()
    return vectorizer, CorpusStatistics(n_docs, df, tf, sample_counts)


def _limit_vocabulary(vectorizer: CountVectorizer, doc_counts: Counter,
                      term_counts: Counter, n_docs: int) -> dict[str, int]:
    """``CountVectorizer.fit``'s pruning, on counters instead of a matrix.

    The same steps as scikit-learn's ``fit_transform`` and
    ``_limit_features`` on the same arrays (terms in alphabetical order,
    int64 counts), so that ``max_features`` ties fall the same way.
    """
    if not doc_counts:
        raise ValueError(
            "empty vocabulary; perhaps the documents only contain stop words")
    max_df, min_df = vectorizer.max_df, vectorizer.min_df
    limit = vectorizer.max_features
    high = max_df if isinstance(max_df, Integral) else max_df * n_docs
    low = min_df if isinstance(min_df, Integral) else min_df * n_docs
    if high < low:
        raise ValueError("max_df corresponds to < documents than min_df")
    terms = sorted(doc_counts)
    dfs = np.fromiter((doc_counts[t] for t in terms), np.int64, len(terms))
    mask = (dfs <= high) & (dfs >= low)
    if limit is not None and mask.sum() > limit:
        tfs = np.fromiter((term_counts[t] for t in terms), np.int64, len(terms))
        mask_inds = (-tfs[mask]).argsort()[:limit]
        new_mask = np.zeros(len(dfs), dtype=bool)
        new_mask[np.where(mask)[0][mask_inds]] = True
        mask = new_mask
    kept = np.flatnonzero(mask)
    if not kept.size:
        raise ValueError(
            "After pruning, no terms remain. Try a lower min_df or a higher max_df.")
    return {terms[i]: j for j, i in enumerate(kept.tolist())}

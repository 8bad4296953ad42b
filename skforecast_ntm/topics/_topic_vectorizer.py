"""Raw text -> topic weights: a ``CountVectorizer`` and a ``NeuralTopicModel``."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from numbers import Integral
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from .._distributed import DistributedContext, data_parallel
from ._neural_topic_model import NeuralTopicModel
from ._streaming import _build_vocabulary, chunk_source, iter_document_chunks
from ._streaming import check_documents as _check_documents
from ._tokenizers import KiwiTokenizer

__all__ = ["TopicVectorizer"]

_VECTORIZER_PARAMS = (
    "lowercase",
    "strip_accents",
    "preprocessor",
    "tokenizer",
    "analyzer",
    "stop_words",
    "token_pattern",
    "ngram_range",
    "max_df",
    "min_df",
    "max_features",
    "vocabulary",
)

# tokenizer="<name>" -> a built-in tokenizer class (called with no arguments)
_TOKENIZERS = {"kiwi": KiwiTokenizer}

#: NeuralTopicModel's parameters and defaults, read from its signature: the
#: one declaration TopicVectorizer's signature takes its defaults from
#: (scikit-learn's get_params needs the parameters spelt out in __init__;
#: tests/test_topic_vectorizer.py checks that both signatures agree)
_MODEL_DEFAULTS: dict[str, Any] = {
    name: param.default
    for name, param in inspect.signature(NeuralTopicModel).parameters.items()
}
_MODEL_PARAMS = tuple(_MODEL_DEFAULTS)


class TopicVectorizer(TransformerMixin, BaseEstimator):
    """Turn raw documents into topic weights with a neural topic model.

    A :class:`~sklearn.feature_extraction.text.CountVectorizer` (whose main
    parameters are exposed here) builds the document-term counts and a
    :class:`~skforecast_ntm.topics.NeuralTopicModel` learns ``n_components``
    topics from them. :meth:`transform` returns one row of topic weights per
    document (non-negative, summing to 1): dense, low-dimensional features for
    a regressor, a classifier or a forecaster's covariates.

    Works with ``Pipeline``, ``ColumnTransformer`` (pass the text column by
    name) and ``GridSearchCV`` (e.g. over ``n_components``); ``set_output``
    gives a DataFrame with columns ``topic_0``, ``topic_1``, ...

    Corpora larger than memory are streamed chunk by chunk:
    :meth:`fit_stream` (a vocabulary pass with the same rules as ``fit``,
    then ``max_epochs`` passes of :meth:`partial_fit`), or
    :meth:`fit_vocabulary` followed by your own :meth:`partial_fit` loop,
    and :meth:`transform_stream` (one array per chunk).

    Under ``torchrun`` (or in a ``torch.distributed`` process group), every
    process fits on its shard of the documents and they train one model:
    the vocabulary of the concatenated documents, gradients averaged at
    every step (``docs/scale_out.md``, "Topic model").

    Parameters
    ----------
    n_components : int, default=10
        Number of topics.
    lowercase : bool, default=True
        Lowercase the documents before tokenising.
    strip_accents : {"ascii", "unicode"} or callable, default=None
        Accent removal (see ``CountVectorizer``).
    preprocessor : callable, default=None
        Called on each document before tokenising.
    tokenizer : "kiwi", callable or None, default=None
        ``"kiwi"``: Korean content morphemes (nouns, foreign words, Hanja,
        verbs and adjectives, the latter as their dictionary form: 올랐다 ->
        오르다) from the Kiwi morphological analyser, i.e.
        :class:`~skforecast_ntm.topics.KiwiTokenizer` with its default tags
        (pass ``KiwiTokenizer(pos=[...])`` for others); needs
        ``pip install "skforecast_ntm[korean]"``. A callable
        ``str -> list of str``: a user tokenizer, e.g. a morphological
        analyser for Japanese or Chinese; a module-level function or a class
        instance keeps the model picklable. When given, ``token_pattern`` is
        not used.
    analyzer : {"word", "char", "char_wb"} or callable, default="word"
        ``"char_wb"`` with ``ngram_range=(2, 3)`` gives character n-grams
        inside word boundaries: a tokenizer-free option for languages without
        spaces between words (Chinese, Japanese) or with agglutinated
        particles (Korean; ``tokenizer="kiwi"`` gives cleaner terms).
    stop_words : {"english"}, list or None, default="english"
        Words to drop. Unlike ``CountVectorizer``, English function words
        ("the", "is", "of", ...) are dropped by default: a topic model
        otherwise spends topics on them (a topic "the to of and is in"),
        and the list matches no word of a text in another script (Korean,
        Chinese, ...). ``None`` keeps every word; a list gives your own.
        Stop words apply to ``analyzer="word"`` only (the default list is
        not used, without a warning, with character n-grams or a callable
        analyzer).
    token_pattern : str or None, default=r"(?u)\\b\\w\\w+\\b"
        Regular expression of a token (``analyzer="word"`` without a
        ``tokenizer``).
    ngram_range : tuple (min_n, max_n), default=(1, 1)
        Range of n-gram lengths (words or characters, see ``analyzer``).
    max_df : float in [0, 1] or int, default=1.0
        Drop terms in more than this share (float) or number (int) of
        documents.
    min_df : float in [0, 1] or int, default=1
        Drop terms in fewer than this share (float) or number (int) of
        documents.
    max_features : int or None, default=2000
        Keep only the ``max_features`` most frequent terms (``None``: all).
        Unlike ``CountVectorizer``'s ``None``, the default bounds the
        vocabulary (20 Newsgroups has 73,000 distinct words). Larger
        vocabularies work: the topics are drawn from the
        ``max_decoder_words`` most frequent terms and the encoder reads the
        rest sparsely (``docs/topics.md``, "Vocabulary size").
    vocabulary : mapping or iterable, default=None
        A fixed vocabulary.
    model, hidden_layer_sizes, activation, dropout, theta_dropout, batch_norm, \
doc_topic_prior, learning_rate, beta1, max_epochs, batch_size, \
weight_decay, clip_gradient, early_stopping, validation_fraction, tol, \
n_iter_no_change, sub_sample, word_embeddings, embedding_dim, \
cluster_regularization, max_decoder_words, random_state, device, verbose
        Parameters of :class:`~skforecast_ntm.topics.NeuralTopicModel`, with
        the same defaults (an array of ``word_embeddings`` needs a fixed
        ``vocabulary``, one row per term in its order).

    Attributes
    ----------
    vectorizer_ : CountVectorizer
        The fitted vectorizer (its ``vocabulary_`` maps terms to columns).
    model_ : NeuralTopicModel
        The fitted topic model.
    components_ : ndarray of shape (n_components, n_terms)
        Topic-term distributions (``model_.components_``).

    See Also
    --------
    skforecast_ntm.topics.NeuralTopicModel : Counts -> topic weights.
    skforecast_ntm.topics.KiwiTokenizer : Korean tokenizer (``tokenizer="kiwi"``).

    Notes
    -----
    A document without any known term (an empty string, only stop words, or
    only out-of-vocabulary terms) gets the uniform vector ``1 / n_components``:
    the prior mean, as no word gives evidence for any topic. A non-string
    document (``None``, ``NaN``, a number) is a ``TypeError`` that names its
    position.

    Examples
    --------
    >>> from skforecast_ntm.topics import TopicVectorizer
    >>> docs = ["cats purr and cats meow", "dogs bark at dogs",
    ...         "stocks rise as markets rally", "markets fall and stocks drop"] * 5
    >>> tv = TopicVectorizer(n_components=2, hidden_layer_sizes=(8,),
    ...                      max_epochs=5, batch_size=8, random_state=0)
    >>> theta = tv.fit_transform(docs)
    >>> theta.shape
    (20, 2)
    >>> len(tv.get_top_words(n_words=3)[0])
    3
    >>> tv.transform([""]).round(2)  # an empty document
    array([[0.5, 0.5]])

    The same corpus streamed in chunks (a list, or a callable returning a
    fresh iterator of chunks, e.g. read from files):

    >>> chunks = [docs[:8], docs[8:16], docs[16:]]
    >>> tv = TopicVectorizer(n_components=2, hidden_layer_sizes=(8,),
    ...                      max_epochs=5, batch_size=8, random_state=0)
    >>> tv = tv.fit_stream(chunks)
    >>> [theta.shape for theta in tv.transform_stream(chunks)]
    [(8, 2), (8, 2), (4, 2)]
    """

    _parameter_constraints: dict = {
        **{k: CountVectorizer._parameter_constraints[k] for k in _VECTORIZER_PARAMS},
        "tokenizer": [StrOptions(set(_TOKENIZERS)), callable, None],
        **NeuralTopicModel._parameter_constraints,
    }

    def __init__(
        self,
        n_components: int = _MODEL_DEFAULTS["n_components"],
        *,
        lowercase: bool = True,
        strip_accents: str | Callable | None = None,
        preprocessor: Callable | None = None,
        tokenizer: str | Callable | None = None,
        analyzer: str | Callable = "word",
        stop_words: str | list | None = "english",
        token_pattern: str | None = r"(?u)\b\w\w+\b",
        ngram_range: tuple[int, int] = (1, 1),
        max_df: float | int = 1.0,
        min_df: float | int = 1,
        max_features: int | None = 2000,
        vocabulary: Any = None,
        model: str = _MODEL_DEFAULTS["model"],
        hidden_layer_sizes: Any = _MODEL_DEFAULTS["hidden_layer_sizes"],
        activation: str = _MODEL_DEFAULTS["activation"],
        dropout: float = _MODEL_DEFAULTS["dropout"],
        theta_dropout: float = _MODEL_DEFAULTS["theta_dropout"],
        batch_norm: bool = _MODEL_DEFAULTS["batch_norm"],
        doc_topic_prior: float = _MODEL_DEFAULTS["doc_topic_prior"],
        learning_rate: float = _MODEL_DEFAULTS["learning_rate"],
        beta1: float = _MODEL_DEFAULTS["beta1"],
        max_epochs: int = _MODEL_DEFAULTS["max_epochs"],
        batch_size: int = _MODEL_DEFAULTS["batch_size"],
        weight_decay: float = _MODEL_DEFAULTS["weight_decay"],
        clip_gradient: float | None = _MODEL_DEFAULTS["clip_gradient"],
        early_stopping: bool = _MODEL_DEFAULTS["early_stopping"],
        validation_fraction: float = _MODEL_DEFAULTS["validation_fraction"],
        tol: float = _MODEL_DEFAULTS["tol"],
        n_iter_no_change: int = _MODEL_DEFAULTS["n_iter_no_change"],
        sub_sample: float = _MODEL_DEFAULTS["sub_sample"],
        word_embeddings: Any = _MODEL_DEFAULTS["word_embeddings"],
        embedding_dim: int = _MODEL_DEFAULTS["embedding_dim"],
        cluster_regularization: float = _MODEL_DEFAULTS["cluster_regularization"],
        max_decoder_words: int | None = _MODEL_DEFAULTS["max_decoder_words"],
        random_state: Any = _MODEL_DEFAULTS["random_state"],
        device: str | torch.device = _MODEL_DEFAULTS["device"],
        verbose: int = _MODEL_DEFAULTS["verbose"],
    ) -> None:
        self.n_components = n_components
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.preprocessor = preprocessor
        self.tokenizer = tokenizer
        self.analyzer = analyzer
        self.stop_words = stop_words
        self.token_pattern = token_pattern
        self.ngram_range = ngram_range
        self.max_df = max_df
        self.min_df = min_df
        self.max_features = max_features
        self.vocabulary = vocabulary
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.transformer_tags.preserves_dtype = []
        return tags

    def _make_vectorizer(self) -> CountVectorizer:
        params = {k: getattr(self, k) for k in _VECTORIZER_PARAMS}
        if isinstance(self.tokenizer, str):
            params["tokenizer"] = _TOKENIZERS[self.tokenizer]()
        if self.tokenizer is not None:
            params["token_pattern"] = None  # unused; avoids sklearn's warning
        if self.analyzer != "word" and self.stop_words == "english":
            # the default list applies to words only: dropped without
            # CountVectorizer's warning (another list still gets it)
            params["stop_words"] = None
        return CountVectorizer(**params)

    def _make_model(self) -> NeuralTopicModel:
        return NeuralTopicModel(**{k: getattr(self, k) for k in _MODEL_PARAMS})

    def _fit(self, X: Any):
        with data_parallel(self.device) as dist:
            if dist is not None:
                return self._fit_parallel(X, dist)
        docs = _check_documents(X, f"{type(self).__name__}.fit")
        self._reset_model()
        self.vectorizer_ = self._make_vectorizer()
        counts = self.vectorizer_.fit_transform(docs)
        self.model_ = self._make_model().fit(counts)
        self.components_ = self.model_.components_
        return counts

    def _fit_parallel(self, X: Any, dist: DistributedContext):
        """:meth:`fit` on every rank's documents (a collective): the
        vocabulary of the concatenated documents, then the model trained
        data-parallel."""
        whom = f"{type(self).__name__}.fit"
        docs = dist.agree(lambda: _check_documents(X, whom))
        self._reset_model()
        self.vectorizer_, _ = _build_vocabulary(
            [docs], self._make_vectorizer(), self.random_state, dist)
        counts = self.vectorizer_.transform(docs)
        self.model_ = self._make_model().fit(counts)
        self.components_ = self.model_.components_
        return counts

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> TopicVectorizer:
        """Learn the vocabulary and the topics of the documents ``X``.

        Parameters
        ----------
        X : list, array or pandas Series of str of shape (n_samples,)
            Raw documents.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : TopicVectorizer
            Fitted transformer.
        """
        self._fit(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit, then return the topic weights of ``X``.

        Parameters
        ----------
        X : list, array or pandas Series of str of shape (n_samples,)
            Raw documents.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        ndarray of shape (n_samples, n_components)
        """
        counts = self._fit(X)
        return self.model_.transform(counts)

    # ------------------------------------------------------------------ streaming
    @_fit_context(prefer_skip_nested_validation=True)
    def fit_vocabulary(self, chunks: Any, y: Any = None) -> TopicVectorizer:
        """Learn the vocabulary and the corpus statistics from a stream.

        The first step of a streaming fit (see :meth:`fit_stream`): one pass
        over the chunks with :func:`build_vocabulary` (the rules of
        ``fit``: ``stop_words``, ``min_df``, ``max_df``, ``max_features``,
        tokenizer, n-grams, applied to the whole corpus), keeping per-term
        counters and a bounded document sample, never the corpus. It fixes
        ``vectorizer_`` and the word statistics the topic model is built
        from at the next :meth:`partial_fit`; a model fitted before is
        dropped.

        Parameters
        ----------
        chunks : iterable of chunks, or a callable returning one
            Each chunk a list, array, pandas Series or one-column DataFrame
            of str, or the :class:`pathlib.Path` of a UTF-8 text file with
            one document per line. Read once.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : TopicVectorizer

        Notes
        -----
        Under ``torchrun`` (or in a ``torch.distributed`` process group of
        several processes), every rank passes its own chunks and gets the
        vocabulary and statistics of the concatenated corpus
        (``docs/scale_out.md``, "Topic model").
        """
        self._reset_model()
        with data_parallel(self.device) as dist:
            self.vectorizer_, self._corpus_statistics = _build_vocabulary(
                chunks, self._make_vectorizer(), self.random_state, dist)
        return self

    def _reset_model(self) -> None:
        for name in ("model_", "components_", "_corpus_statistics"):
            self.__dict__.pop(name, None)

    def _partial_fit(self, docs: list[str]) -> None:
        self._update(self.vectorizer_.transform(docs))

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: Any, y: Any = None) -> TopicVectorizer:
        """Update the topic model with one epoch over a chunk of documents.

        The vocabulary is not learnt here: it must be fixed before the
        first network update, from the whole corpus, so call
        :meth:`fit_vocabulary` first (or :meth:`fit`, after which
        ``partial_fit`` continues training). The first call builds the topic
        model from the corpus statistics of :meth:`fit_vocabulary`; every
        call is one epoch over ``X`` with the optimiser state kept, as
        ``NeuralTopicModel.partial_fit``.

        Parameters
        ----------
        X : list, array or pandas Series of str of shape (n_samples,)
            Raw documents (one chunk).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : TopicVectorizer
        """
        if not hasattr(self, "vectorizer_"):
            raise NotFittedError(
                f"{type(self).__name__}.partial_fit needs the vocabulary fixed "
                "first, from the whole corpus: call fit_vocabulary(chunks) (one "
                "streaming pass that also gathers the corpus' word statistics), "
                "or fit_stream(chunks) for the whole streaming fit."
            )
        self._partial_fit(_check_documents(X, f"{type(self).__name__}.partial_fit"))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_stream(self, chunks: Any, y: Any = None) -> TopicVectorizer:
        """Fit on a corpus streamed chunk by chunk (larger than memory).

        :meth:`fit_vocabulary` (one pass), then ``max_epochs`` passes of
        :meth:`partial_fit`, one per chunk, in the source's order (each
        chunk's documents shuffled). Memory follows one chunk (plus the
        per-term counters and the bounded document sample of the
        vocabulary pass). ``early_stopping`` and ``sub_sample`` do not apply.
        Same ``random_state``, same chunks: same model.

        Parameters
        ----------
        chunks : list of chunks, or a callable returning a fresh iterator \
of chunks
            Read ``1 + max_epochs`` times, so not a one-shot iterator (a
            generator): pass a callable (e.g. ``lambda: (df["text"] for df
            in pd.read_csv(path, chunksize=10_000))``) or a list of
            :class:`pathlib.Path` (text files, one document per line). Each
            chunk: a list, array, pandas Series or one-column DataFrame of
            str. Empty chunks are skipped.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : TopicVectorizer
        """
        whom = f"{type(self).__name__}.fit_stream"
        open_pass = chunk_source(chunks, whom, passes=2)
        self.fit_vocabulary(open_pass())
        with data_parallel(self.device) as dist:
            epochs = range(self.max_epochs)
            if self.verbose and (dist is None or dist.is_main):
                from tqdm.auto import tqdm

                epochs = tqdm(epochs, desc=whom, unit="epoch")
            for _ in epochs:
                if dist is None:
                    for docs in iter_document_chunks(open_pass(), whom):
                        if docs:
                            self._partial_fit(docs)
                else:
                    self._stream_epoch_parallel(open_pass(), whom, dist)
        if not hasattr(self, "model_"):  # the source changed between passes
            raise ValueError(f"{whom}: the training passes read no documents.")
        return self

    def _stream_epoch_parallel(self, chunks: Any, whom: str,
                               dist: DistributedContext) -> None:
        """One pass of :meth:`fit_stream` over every rank's chunks.

        The ranks' streams may hold different numbers of chunks: before each
        update the ranks tell each other whether they still have one, and a
        rank whose stream has ended takes part with no documents until every
        stream has (so every rank makes the same number of collective
        updates).
        """
        it = iter(iter_document_chunks(chunks, whom))

        def next_chunk():
            for docs in it:
                if docs:
                    return docs
            return None

        while True:
            docs = dist.agree(next_chunk)
            if not any(dist.all_gather_object(docs is not None)):
                return
            if docs is None:
                counts = sp.csr_matrix((0, len(self.vectorizer_.vocabulary_)),
                                       dtype=np.float32)
            else:
                counts = self.vectorizer_.transform(docs)
            self._update(counts, dist)

    def _update(self, counts, dist: DistributedContext | None = None) -> None:
        """One ``partial_fit`` epoch of the model over ``counts`` (built from
        the vocabulary pass' statistics at the first call)."""
        statistics = None
        if not hasattr(self, "model_"):
            statistics = self.__dict__.pop("_corpus_statistics", None)
            self.model_ = self._make_model()
        if dist is None:
            self.model_.partial_fit(counts, corpus_statistics=statistics)
        else:
            self.model_._partial_fit_parallel(counts, statistics, dist,
                                              allow_empty=True)
        self.components_ = self.model_.components_

    def transform_stream(self, chunks: Any) -> Iterator[np.ndarray]:
        """Topic weights of a stream of chunks, one array per chunk.

        A generator: each chunk is read and transformed when the next array
        is asked for, so memory follows one chunk.
        ``np.vstack(list(tv.transform_stream(chunks)))`` equals
        ``tv.transform`` of all the documents; an empty chunk gives an
        array of 0 rows.

        Parameters
        ----------
        chunks : iterable of chunks, or a callable returning one
            As in :meth:`fit_vocabulary` (read once).

        Yields
        ------
        ndarray of shape (n_chunk_documents, n_components)
        """
        check_is_fitted(self, "model_")
        whom = f"{type(self).__name__}.transform_stream"
        return self._transform_chunks(chunk_source(chunks, whom)(), whom)

    def _transform_chunks(self, chunks: Any, whom: str) -> Iterator[np.ndarray]:
        for docs in iter_document_chunks(chunks, whom):
            if not docs:
                yield np.empty((0, self.n_components))
                continue
            yield self.model_.transform(self.vectorizer_.transform(docs))

    def _counts(self, X: Any, whom: str):
        check_is_fitted(self, "model_")
        docs = _check_documents(X, f"{type(self).__name__}.{whom}")
        return self.vectorizer_.transform(docs)

    def transform(self, X: Any) -> np.ndarray:
        """Topic weights of each document (deterministic).

        Parameters
        ----------
        X : list, array or pandas Series of str of shape (n_samples,)
            Raw documents.

        Returns
        -------
        ndarray of shape (n_samples, n_components)
            Non-negative weights summing to 1; ``1 / n_components`` for a
            document without known terms.
        """
        counts = self._counts(X, "transform")  # checks fitted first
        return self.model_.transform(counts)

    def perplexity(self, X: Any) -> float:
        """ELBO perplexity bound of the documents ``X`` (lower is better).

        See :meth:`NeuralTopicModel.perplexity`.

        Parameters
        ----------
        X : list, array or pandas Series of str of shape (n_samples,)
            Raw documents (at least one known term in all).

        Returns
        -------
        float
        """
        counts = self._counts(X, "perplexity")  # checks fitted first
        return self.model_.perplexity(counts)

    def score(self, X: Any, y: Any = None) -> float:
        """Evidence lower bound of the documents ``X`` (higher is better).

        See :meth:`NeuralTopicModel.score`.

        Parameters
        ----------
        X : list, array or pandas Series of str of shape (n_samples,)
            Raw documents.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        float
        """
        counts = self._counts(X, "score")  # checks fitted first
        return self.model_.score(counts)

    def get_top_words(self, n_words: int = 10) -> list[list[str]]:
        """The ``n_words`` heaviest terms of each topic, heaviest first.

        Parameters
        ----------
        n_words : int, default=10
            Terms per topic (at most the vocabulary size).

        Returns
        -------
        list of n_components lists of str
        """
        check_is_fitted(self, "model_")
        if isinstance(n_words, bool) or not isinstance(n_words, Integral):
            raise TypeError(f"n_words must be an int, got {type(n_words).__name__}.")
        n_terms = self.components_.shape[1]
        if not 1 <= n_words <= n_terms:
            raise ValueError(
                f"n_words must be in [1, {n_terms}] (the vocabulary size), got "
                f"{n_words}."
            )
        terms = self.vectorizer_.get_feature_names_out()
        top = np.argsort(-self.components_, axis=1, kind="stable")[:, :n_words]
        return terms[top].tolist()

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns: ``topic_0``, ``topic_1``, ...

        Parameters
        ----------
        input_features : ignored
            Present for API consistency (``ColumnTransformer`` passes the
            text column's name).

        Returns
        -------
        ndarray of str objects
        """
        check_is_fitted(self, "model_")
        return self.model_.get_feature_names_out()

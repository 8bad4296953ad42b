"""Streaming topic models: vocabulary pass, partial_fit over chunks, transform."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import THEMES
from conftest import TOPIC_FAST as FAST
from conftest import make_theme_docs as make_docs
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import CountVectorizer

from skforecast_ntm.topics import (
    CorpusStatistics,
    NeuralTopicModel,
    TopicVectorizer,
    _streaming,
    build_vocabulary,
)


def chunked(docs, sizes):
    """Split ``docs`` into consecutive chunks of the given sizes (cycled)."""
    out, start, i = [], 0, 0
    while start < len(docs):
        out.append(docs[start : start + sizes[i % len(sizes)]])
        start += sizes[i % len(sizes)]
        i += 1
    return out


def zipf_docs(n_docs=400, n_words=300, seed=0):
    """Short documents of Zipf-distributed words (many tied frequencies)."""
    rng = np.random.RandomState(seed)
    words = np.array([f"w{i:03d}" for i in range(n_words)] + ["the", "and", "of"])
    p = 1.0 / np.arange(1, len(words) + 1)
    p /= p.sum()
    return [" ".join(rng.choice(words, size=rng.randint(0, 15), p=p))
            for _ in range(n_docs)]


def purity(theta, labels):
    top = theta.argmax(axis=1)
    hits, majority = 0, {}
    for label in np.unique(labels):
        values, counts = np.unique(top[labels == label], return_counts=True)
        majority[label] = values[counts.argmax()]
        hits += counts.max()
    return hits / len(labels), majority


# ------------------------------------------------------------------ vocabulary
@pytest.mark.parametrize("rules", [
    dict(),
    dict(min_df=3),
    dict(min_df=0.02),
    dict(max_df=0.2),
    dict(max_df=30),
    dict(max_features=40),  # Zipf counts: ties at the cut
    dict(min_df=2, max_df=0.5, max_features=25),
    dict(stop_words="english", max_features=60),
    dict(stop_words=["w000", "w001", "the"]),
    dict(ngram_range=(1, 2), min_df=2, max_features=100),
    dict(analyzer="char_wb", ngram_range=(2, 3), max_features=80),
])
def test_streamed_vocabulary_equals_count_vectorizer(rules):
    docs = zipf_docs()
    chunks = chunked(docs, [37, 0, 81, 5])  # uneven, with empty chunks
    expected = CountVectorizer(**rules).fit(docs)
    cv, stats = build_vocabulary(chunks, CountVectorizer(**rules), random_state=0)
    assert cv.vocabulary_ == expected.vocabulary_
    assert cv.fixed_vocabulary_ is False
    X = expected.transform(docs)
    assert stats.n_documents == len(docs)
    np.testing.assert_array_equal(stats.document_frequency,
                                  np.asarray((X > 0).sum(axis=0)).ravel())
    np.testing.assert_array_equal(stats.term_frequency,
                                  np.asarray(X.sum(axis=0)).ravel())
    # a small corpus is sampled whole, in stream order
    assert (stats.sample != X).nnz == 0
    # the fitted clone vectorises like the vectorizer fitted in memory
    assert (cv.transform(docs[:50]) != X[:50]).nnz == 0


def test_vocabulary_pass_does_not_modify_the_vectorizer_and_keeps_fixed_ones():
    docs = zipf_docs(100)
    rules = CountVectorizer(min_df=2)
    build_vocabulary([docs], rules)
    assert not hasattr(rules, "vocabulary_")
    fixed = CountVectorizer(vocabulary=["w000", "w002", "zebra"])
    cv, stats = build_vocabulary(chunked(docs, [30]), fixed)
    assert cv.vocabulary_ == {"w000": 0, "w002": 1, "zebra": 2}
    X = fixed.fit_transform(docs)
    np.testing.assert_array_equal(stats.document_frequency,
                                  np.asarray((X > 0).sum(axis=0)).ravel())
    assert stats.document_frequency[2] == 0


def test_vocabulary_errors_match_count_vectorizer():
    docs = zipf_docs(100)
    with pytest.raises(ValueError, match="no documents .an empty stream"):
        build_vocabulary([])
    with pytest.raises(ValueError, match="no documents .an empty stream"):
        build_vocabulary([[], []])
    with pytest.raises(ValueError, match="max_df corresponds to < documents than"):
        build_vocabulary([docs], CountVectorizer(min_df=50, max_df=10))
    with pytest.raises(ValueError, match="no terms remain"):
        build_vocabulary([docs], CountVectorizer(min_df=99))
    with pytest.raises(ValueError, match="empty vocabulary"):
        build_vocabulary([["the and", "of"]], CountVectorizer(stop_words="english"))
    with pytest.raises(TypeError, match="must be a CountVectorizer"):
        build_vocabulary([docs], "english")


def test_document_sample_is_bounded_seeded_and_independent_of_chunking(monkeypatch):
    docs = [f"doc{i:03d} {doc}" for i, doc in enumerate(zipf_docs(400))]
    monkeypatch.setattr(_streaming, "STREAM_SAMPLE_PAIRS", 2000)
    cv, a = build_vocabulary(chunked(docs, [50]), random_state=3)
    _, b = build_vocabulary(chunked(docs, [7, 130, 0, 21]), random_state=3)
    _, c = build_vocabulary(chunked(docs, [50]), random_state=4)
    assert 0 < a.sample.shape[0] < 400
    assert (a.sample != b.sample).nnz == 0  # same keys, whatever the chunks
    assert a.sample.shape != c.sample.shape or (a.sample != c.sample).nnz
    # within the budget: the distinct terms of the kept documents, squared;
    # each document is identified by its first term, doc000 ... doc399
    analyze = CountVectorizer().build_analyzer()
    terms = cv.get_feature_names_out()
    kept = [int(t[3:]) for i in range(a.sample.shape[0])
            for t in terms[a.sample[i].indices] if t.startswith("doc")]
    assert len(kept) == a.sample.shape[0]
    assert sum(len(set(analyze(docs[i]))) ** 2 for i in kept) <= 2000
    assert kept == sorted(kept)  # stream order


# ------------------------------------------------------------------ fitting
@pytest.fixture(scope="module")
def docs_labels():
    return make_docs()


@pytest.fixture(scope="module")
def streamed(docs_labels):
    docs, _ = docs_labels
    return TopicVectorizer(n_components=3, **FAST).fit_stream(chunked(docs, [15]))


def test_streaming_fit_recovers_the_themes_as_the_in_memory_fit(docs_labels, streamed):
    docs, labels = docs_labels
    in_memory = TopicVectorizer(n_components=3, **FAST).fit(docs)
    assert streamed.vectorizer_.vocabulary_ == in_memory.vectorizer_.vocabulary_
    assert streamed.model_.n_iter_ == 40 * 4  # one epoch per chunk and pass
    for model in (in_memory, streamed):
        score, majority = purity(model.transform(docs), labels)
        assert score > 0.95
        assert len(set(majority.values())) == 3
        top = model.get_top_words(n_words=5)
        for label, k in majority.items():
            assert set(top[k]) <= set(THEMES[label])


def test_word_statistics_come_from_the_whole_stream_not_the_first_chunk():
    # the first chunk holds one theme only: statistics of that chunk alone
    # would decode its words and embed the others as isolated words
    docs, labels = make_docs(n_per_theme=30)
    order = np.argsort(labels != "space", kind="stable")
    docs = [docs[i] for i in order]
    params = dict(n_components=3, hidden_layer_sizes=(8,), max_epochs=1,
                  batch_size=16, max_decoder_words=15, random_state=0)
    chunks = chunked(docs, [30])
    streamed = TopicVectorizer(**params).fit_stream(chunks)
    in_memory = TopicVectorizer(**params).fit(docs)
    first_chunk = TopicVectorizer(**params).fit(chunks[0]).model_
    np.testing.assert_array_equal(streamed.model_.decoder_words_,
                                  in_memory.model_.decoder_words_)
    np.testing.assert_array_equal(streamed.model_.word_embeddings_,
                                  in_memory.model_.word_embeddings_)
    np.testing.assert_array_equal(streamed.model_._document_frequency,
                                  in_memory.model_._document_frequency)
    assert first_chunk.n_features_in_ < streamed.model_.n_features_in_
    # document frequencies are the corpus', not added up over the passes
    more = TopicVectorizer(**{**params, "max_epochs": 3}).fit_stream(chunks)
    np.testing.assert_array_equal(more.model_._document_frequency,
                                  in_memory.model_._document_frequency)


def test_nvdm_background_from_the_stream():
    docs, _ = make_docs()
    params = dict(n_components=3, model="nvdm", hidden_layer_sizes=(8,),
                  learning_rate=1e-12,  # the background stays at its start
                  max_epochs=1, batch_size=16, random_state=0)
    tv = TopicVectorizer(**params).fit_vocabulary(chunked(docs, [20]))
    tv.partial_fit(docs[:20])  # the background is the corpus', not this chunk's
    counts = tv.vectorizer_.transform(docs)
    freq = np.log(np.asarray(counts.sum(axis=0)).ravel() + 1.0)
    background = tv.model_.network_.background.detach().numpy()
    np.testing.assert_allclose(background, freq - np.logaddexp.reduce(freq),
                               rtol=1e-5)
    first = np.log(np.asarray(counts[:20].sum(axis=0)).ravel() + 1.0)
    assert not np.allclose(background, first - np.logaddexp.reduce(first),
                           rtol=1e-3)


def test_manual_loop_equals_fit_stream_and_is_reproducible(docs_labels, streamed):
    docs, _ = docs_labels
    chunks = chunked(docs, [15])
    manual = TopicVectorizer(n_components=3, **FAST).fit_vocabulary(iter(chunks))
    for _ in range(FAST["max_epochs"]):
        for chunk in chunks:
            manual.partial_fit(chunk)
    np.testing.assert_array_equal(manual.components_, streamed.components_)
    again = TopicVectorizer(n_components=3, **FAST).fit_stream(lambda: iter(chunks))
    np.testing.assert_array_equal(again.components_, streamed.components_)
    np.testing.assert_array_equal(again.transform(docs), streamed.transform(docs))
    other = TopicVectorizer(n_components=3, **{**FAST, "random_state": 1})
    other.fit_stream(chunks)
    assert not np.allclose(other.components_, streamed.components_)


def test_partial_fit_needs_the_vocabulary_first(docs_labels):
    docs, _ = docs_labels
    with pytest.raises(NotFittedError, match=r"fit_vocabulary\(chunks\)"):
        TopicVectorizer(n_components=3, **FAST).partial_fit(docs)
    # after fit, partial_fit continues training the fitted model
    tv = TopicVectorizer(n_components=3, **{**FAST, "max_epochs": 2}).fit(docs)
    tv.partial_fit(docs[:20])
    assert tv.model_.n_iter_ == 3
    # a new vocabulary pass drops the model
    tv.fit_vocabulary([docs])
    assert not hasattr(tv, "model_")
    with pytest.raises(NotFittedError):
        tv.transform(docs)


# ------------------------------------------------------------------ transform
def test_transform_stream_equals_transform_of_the_concatenation(docs_labels, streamed):
    docs, _ = docs_labels
    chunks = chunked(docs, [7, 0, 25])
    stream = streamed.transform_stream(chunks)
    assert not isinstance(stream, np.ndarray)  # lazy: a generator
    parts = list(stream)
    assert [p.shape for p in parts] == [(len(c), 3) for c in chunks]
    np.testing.assert_allclose(np.vstack(parts), streamed.transform(docs),
                               rtol=1e-6, atol=1e-12)
    with pytest.raises(NotFittedError):
        TopicVectorizer().transform_stream(chunks)  # checked at the call


def test_neural_topic_model_streams_counts():
    docs, _ = make_docs()
    counts = CountVectorizer().fit_transform(docs)
    chunks = [counts[i : i + 20] for i in range(0, 60, 20)]
    params = dict(n_components=3, hidden_layer_sizes=(8,), max_epochs=3,
                  batch_size=16, max_decoder_words=10, random_state=0)
    stats = CorpusStatistics.from_counts(chunks, random_state=0)
    assert stats.n_documents == 60 and stats.n_features == counts.shape[1]
    ntm = NeuralTopicModel(**params)
    for _ in range(2):
        for X in chunks:
            ntm.partial_fit(X, corpus_statistics=stats)
    reference = NeuralTopicModel(**params).fit(counts)
    np.testing.assert_array_equal(ntm.decoder_words_, reference.decoder_words_)
    np.testing.assert_array_equal(ntm.word_embeddings_, reference.word_embeddings_)
    np.testing.assert_allclose(np.vstack(list(ntm.transform_stream(chunks))),
                               ntm.transform(counts), rtol=1e-6, atol=1e-12)
    with pytest.raises(ValueError, match="corpus_statistics describe"):
        NeuralTopicModel(**params).partial_fit(counts[:, :-1],
                                                corpus_statistics=stats)
    with pytest.raises(TypeError, match="must be a CorpusStatistics"):
        NeuralTopicModel(**params).partial_fit(counts, corpus_statistics={})
    with pytest.raises(ValueError, match="chunk 1 has 3 columns"):
        CorpusStatistics.from_counts([counts, np.ones((2, 3))])


# ------------------------------------------------------------------ sources, errors
def test_sources_lists_callables_files_and_dataframes(tmp_path, docs_labels, streamed):
    docs, _ = docs_labels
    paths = []
    for i, chunk in enumerate(chunked(docs, [15])):
        path = tmp_path / f"part{i}.txt"
        path.write_text("\n".join(chunk) + "\n", encoding="utf-8")
        paths.append(path)
    from_files = TopicVectorizer(n_components=3, **FAST).fit_stream(paths)
    np.testing.assert_array_equal(from_files.components_, streamed.components_)
    frames = [pd.DataFrame({"text": c}) for c in chunked(docs, [15])]
    np.testing.assert_allclose(
        np.vstack(list(streamed.transform_stream(lambda: iter(frames)))),
        np.vstack(list(streamed.transform_stream(paths))), rtol=1e-6)


def test_bad_streams_name_the_chunk_and_the_document(docs_labels, streamed):
    docs, _ = docs_labels
    tv = TopicVectorizer(n_components=3, **FAST)
    with pytest.raises(ValueError, match="no documents .an empty stream"):
        tv.fit_stream([])
    with pytest.raises(ValueError, match="no documents .an empty stream"):
        tv.fit_stream(lambda: iter([[], []]))
    with pytest.raises(TypeError, match=r"\(chunk 1\) expects every document to "
                       "be a str; the document at position 2 is NoneType"):
        tv.fit_stream([docs[:5], ["cat", "dog", None]])
    with pytest.raises(TypeError, match=r"\(chunk 0\) .*position 1 is float"):
        list(streamed.transform_stream([pd.Series(["cat", np.nan])]))
    with pytest.raises(TypeError, match=r"chunk 0\) is a single string"):
        tv.fit_stream(docs)  # a list of documents, not of chunks
    with pytest.raises(TypeError, match="one-shot iterator"):
        tv.fit_stream(iter([docs]))
    with pytest.raises(TypeError, match="got a single str"):
        tv.fit_stream("corpus.txt")
    with pytest.raises(TypeError, match="source of chunks"):
        tv.fit_stream(42)
    with pytest.raises(TypeError, match="must return an iterable of chunks"):
        tv.fit_stream(lambda: 42)
    with pytest.raises(ValueError, match=r"\(chunk 0\) expects one text column"):
        tv.fit_vocabulary([pd.DataFrame({"a": docs, "b": docs})])
    with pytest.raises(ValueError, match="no documents"):
        tv.fit_vocabulary([docs]).partial_fit([])


def test_streamed_sparse_sample_matches_in_memory_embeddings_input():
    # statistics from counts keep a CSR sample of the documents
    X = sp.csr_matrix(np.array([[1, 0, 2], [0, 1, 0], [3, 1, 0]]))
    stats = CorpusStatistics.from_counts([X[:2], X[2:]], random_state=0)
    assert sp.issparse(stats.sample)
    assert (stats.sample != X).nnz == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CorpusStatistics.from_counts([X.toarray()])
    with pytest.raises(ValueError, match="negative counts"):
        CorpusStatistics.from_counts([-X])

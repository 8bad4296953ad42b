"""NeuralTopicModel: scikit-learn compliance, behaviour, determinism, errors."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skforecast_ntm.topics import NeuralTopicModel

TINY = dict(hidden_layer_sizes=(8,), max_epochs=2, batch_size=16, random_state=0)


@parametrize_with_checks(
    [
        NeuralTopicModel(n_components=3, **TINY),
        NeuralTopicModel(
            n_components=2, model="nvdm", batch_norm=False, dropout=0.2, **TINY
        ),
    ]
)
# sklearn's check data (a few random features that all co-occur) has no usable
# co-occurrence structure: the default "ppmi" decoder falls back, as documented
@pytest.mark.filterwarnings("ignore:word_embeddings='ppmi'")
def test_sklearn_compatible(estimator, check):
    check(estimator)


def make_corpus(n_docs=150, n_topics=3, words_per_topic=8, doc_len=30, seed=0):
    """Documents drawn from topics with disjoint vocabularies.

    Topic ``t`` owns words ``t * words_per_topic ... (t + 1) * words_per_topic - 1``
    and each document mixes a dominant topic (90 %) with the others.
    """
    rng = np.random.RandomState(seed)
    n_words = n_topics * words_per_topic
    topic_word = np.zeros((n_topics, n_words))
    for t in range(n_topics):
        topic_word[t, t * words_per_topic : (t + 1) * words_per_topic] = 1.0
    topic_word /= topic_word.sum(axis=1, keepdims=True)
    dominant = np.arange(n_docs) % n_topics
    doc_topic = np.full((n_docs, n_topics), 0.1 / (n_topics - 1))
    doc_topic[np.arange(n_docs), dominant] = 0.9
    proba = doc_topic @ topic_word
    X = np.vstack([rng.multinomial(doc_len, p) for p in proba])
    return X, dominant, topic_word


@pytest.fixture(scope="module")
def corpus():
    return make_corpus()


@pytest.fixture(scope="module")
def fitted(corpus):
    X, _, _ = corpus
    return NeuralTopicModel(
        n_components=3,
        hidden_layer_sizes=(32,),
        learning_rate=0.01,
        max_epochs=60,
        batch_size=32,
        random_state=0,
    ).fit(X)


def test_recovers_known_topics(corpus, fitted):
    X, dominant, topic_word = corpus
    k = topic_word.shape[0]
    n = int((topic_word[0] > 0).sum())
    learned_top = np.argsort(-fitted.components_, axis=1)[:, :n]
    true_sets = [set(np.flatnonzero(row)) for row in topic_word]
    # each true topic is the top-n words of exactly one learned topic
    mapping = {}
    for t, words in enumerate(true_sets):
        matches = [j for j in range(k) if set(learned_top[j]) == words]
        assert len(matches) == 1, (t, learned_top)
        mapping[t] = matches[0]
    assert sorted(mapping.values()) == list(range(k))
    # and documents are assigned to the learned topic of their dominant topic
    theta = fitted.transform(X)
    predicted = theta.argmax(axis=1)
    expected = np.array([mapping[t] for t in dominant])
    assert np.mean(predicted == expected) > 0.95


def test_transform_is_deterministic_and_on_the_simplex(corpus, fitted):
    X, _, _ = corpus
    a = fitted.transform(X)
    b = fitted.transform(X)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (X.shape[0], 3)
    assert a.dtype == np.float64
    assert np.all(a >= 0)
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    # row by row equals the batch (no batch statistics at inference)
    np.testing.assert_allclose(fitted.transform(X[:1]), a[:1], rtol=1e-6)


def test_components_are_topic_word_distributions(fitted):
    comp = fitted.components_
    assert comp.shape == (3, 24)
    assert np.all(comp >= 0)
    np.testing.assert_allclose(comp.sum(axis=1), 1.0)


def test_same_seed_same_model_other_seed_differs(corpus):
    X, _, _ = corpus
    params = dict(n_components=3, hidden_layer_sizes=(16,), max_epochs=3)
    a = NeuralTopicModel(random_state=1, **params).fit(X)
    b = NeuralTopicModel(random_state=1, **params).fit(X)
    c = NeuralTopicModel(random_state=2, **params).fit(X)
    np.testing.assert_array_equal(a.components_, b.components_)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    assert not np.allclose(a.components_, c.components_)


def test_fit_does_not_touch_global_rng(corpus):
    # the legacy global numpy generator is the one users seed with np.random.seed
    X, _, _ = corpus
    torch.manual_seed(123)
    np_state = np.random.get_state()  # noqa: NPY002
    expected_torch = torch.rand(3)
    torch.manual_seed(123)
    NeuralTopicModel(n_components=2, **TINY).fit(X)
    assert torch.equal(torch.rand(3), expected_torch)
    after = np.random.get_state()  # noqa: NPY002
    np.testing.assert_array_equal(after[1], np_state[1])
    assert after[2] == np_state[2]


def test_sparse_and_dense_input_agree(corpus):
    X, _, _ = corpus
    dense = NeuralTopicModel(n_components=3, **TINY).fit(X)
    sparse = NeuralTopicModel(n_components=3, **TINY).fit(sp.csr_matrix(X))
    np.testing.assert_allclose(dense.components_, sparse.components_, rtol=1e-6)
    np.testing.assert_allclose(
        dense.transform(X), sparse.transform(sp.csr_matrix(X)), rtol=1e-6
    )


def test_empty_documents_get_the_uniform_vector(fitted):
    X = np.zeros((2, 24))
    X[1, 0] = 3
    theta = fitted.transform(X)
    np.testing.assert_allclose(theta[0], [1 / 3] * 3)
    assert not np.allclose(theta[1], 1 / 3)


def test_negative_input_is_rejected(corpus, fitted):
    X, _, _ = corpus
    bad = X.astype(float)
    bad[3, 2] = -1.0
    with pytest.raises(ValueError, match="Negative values in data passed to"):
        NeuralTopicModel(n_components=2, **TINY).fit(bad)
    with pytest.raises(ValueError, match="NeuralTopicModel.transform"):
        fitted.transform(bad)
    with pytest.raises(ValueError, match="Negative values"):
        fitted.perplexity(sp.csr_matrix(bad))


def test_wrong_number_of_words_is_rejected(fitted):
    with pytest.raises(ValueError, match="features"):
        fitted.transform(np.ones((2, 5)))


def test_partial_fit_learns_batch_by_batch(corpus):
    X, _, _ = corpus
    model = NeuralTopicModel(
        n_components=3, hidden_layer_sizes=(32,), learning_rate=0.01,
        batch_size=32, random_state=0,
    )
    model.partial_fit(X[:50])
    first = model.components_.copy()
    before = model.perplexity(X)
    for _ in range(15):
        for start in range(0, 150, 50):
            model.partial_fit(X[start : start + 50])
    assert model.n_iter_ == 46
    assert len(model.loss_curve_) == 46
    assert not np.allclose(first, model.components_)
    assert model.perplexity(X) < before
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(np.ones((4, 5)))
    # a single document is a valid batch
    model.partial_fit(X[:1])
    assert np.isfinite(model.components_).all()


def test_partial_fit_is_reproducible(corpus):
    X, _, _ = corpus
    models = [NeuralTopicModel(n_components=3, **TINY) for _ in range(2)]
    for m in models:
        m.partial_fit(X[:60]).partial_fit(X[60:])
    np.testing.assert_array_equal(models[0].components_, models[1].components_)


def test_perplexity_and_score(corpus, fitted):
    X, _, _ = corpus
    untrained = NeuralTopicModel(
        n_components=3, hidden_layer_sizes=(32,), max_epochs=1, random_state=0
    ).fit(X)
    ppl = fitted.perplexity(X)
    assert 1.0 < ppl < untrained.perplexity(X)
    # ~8 equally likely words per topic: the bound is above but close to 8-ish
    assert ppl < 24
    assert fitted.perplexity(X) == ppl  # fixed-seed noise: deterministic
    n_words = X.sum()
    np.testing.assert_allclose(np.exp(-fitted.score(X) / n_words), ppl, rtol=1e-9)
    # empty documents add nothing to the score
    with_empty = np.vstack([X, np.zeros((3, 24))])
    np.testing.assert_allclose(fitted.score(with_empty), fitted.score(X))
    with pytest.raises(ValueError, match="no words"):
        fitted.perplexity(np.zeros((2, 24)))


def test_early_stopping(corpus):
    X, _, _ = corpus
    model = NeuralTopicModel(
        n_components=3, hidden_layer_sizes=(8,), max_epochs=50, early_stopping=True,
        tol=100.0, n_iter_no_change=2, random_state=0,
    ).fit(X)
    # no epoch can improve by 100 nats/word: stops after 1 + 2 epochs
    assert model.n_iter_ == 3
    assert len(model.validation_loss_curve_) == 3
    assert model.best_validation_loss_ == min(model.validation_loss_curve_)
    plain = NeuralTopicModel(n_components=3, **TINY).fit(X)
    assert plain.validation_loss_curve_ is None and plain.n_iter_ == 2
    with pytest.raises(ValueError, match="early_stopping needs at least one"):
        NeuralTopicModel(n_components=2, early_stopping=True, **TINY).fit(X[:1])


def test_early_stopping_restores_the_best_weights(corpus):
    from skforecast_ntm.topics._training import neg_elbo

    X, _, _ = corpus
    model = NeuralTopicModel(
        n_components=3, hidden_layer_sizes=(8,), max_epochs=12, learning_rate=0.05,
        early_stopping=True, validation_fraction=0.2, tol=0.0, n_iter_no_change=12,
        random_state=0,
    ).fit(X)
    curve = model.validation_loss_curve_
    assert len(curve) == 12 and int(np.argmin(curve)) < 11  # the last is not best
    # the held-out rows are the first 20 % of the seed's permutation (fit's rule)
    val = np.sort(np.random.RandomState(0).permutation(X.shape[0])[:30])
    total, words = neg_elbo(model.network_, X[val].astype(np.float32),
                            torch.device("cpu"))
    assert words == X[val].sum()
    np.testing.assert_allclose(total / words, min(curve), rtol=1e-6)
    assert model.best_validation_loss_ == min(curve)


def test_a_single_topic(corpus):
    X, _, _ = corpus
    model = NeuralTopicModel(n_components=1, **TINY).fit(X)
    np.testing.assert_array_equal(model.transform(X), np.ones((X.shape[0], 1)))
    assert np.isfinite(model.perplexity(X))


def test_sub_sample_and_options_run(corpus):
    X, _, _ = corpus
    model = NeuralTopicModel(
        n_components=3, sub_sample=0.5, clip_gradient=1.0, weight_decay=1e-4,
        activation="tanh", dropout=0.3, theta_dropout=0.3, doc_topic_prior=0.1,
        beta1=0.99, **TINY,
    ).fit(X)
    assert model.n_iter_ == 2
    assert model.network_.theta_dropout.p == 0.3
    nvdm = NeuralTopicModel(n_components=3, model="nvdm", **TINY).fit(X)
    theta = nvdm.transform(X)
    np.testing.assert_allclose(theta.sum(axis=1), 1.0)
    assert type(nvdm.network_).__name__ == "NVDM"


def test_verbose_shows_a_progress_bar(corpus, capsys):
    X, _, _ = corpus
    NeuralTopicModel(n_components=2, verbose=1, **TINY).fit(X)
    err = capsys.readouterr().err
    assert "NeuralTopicModel" in err and "loss" in err


def test_feature_names_and_pandas_output(corpus, fitted):
    X, _, _ = corpus
    np.testing.assert_array_equal(
        fitted.get_feature_names_out(), ["topic_0", "topic_1", "topic_2"]
    )
    df = pd.DataFrame(X, columns=[f"w{i}" for i in range(24)], index=range(5, 155))
    model = NeuralTopicModel(n_components=2, **TINY).set_output(transform="pandas")
    out = model.fit_transform(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["topic_0", "topic_1"]
    assert list(out.index) == list(df.index)
    with pytest.raises(ValueError, match="input_features"):
        model.get_feature_names_out(["a", "b"])


def test_pickle_round_trip(corpus, fitted):
    X, _, _ = corpus
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(clone.transform(X), fitted.transform(X))
    np.testing.assert_array_equal(clone.components_, fitted.components_)
    # and training continues from the pickled state
    clone.partial_fit(X)
    assert clone.n_iter_ == fitted.n_iter_ + 1


def test_float32_and_int_inputs_agree(corpus):
    X, _, _ = corpus
    a = NeuralTopicModel(n_components=2, **TINY).fit(X.astype(np.float32))
    b = NeuralTopicModel(n_components=2, **TINY).fit(X.astype(np.int64))
    np.testing.assert_array_equal(a.components_, b.components_)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"n_components": 0}, "n_components"),
        ({"model": "lda"}, "model"),
        ({"dropout": 1.0}, "dropout"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"sub_sample": 0.0}, "sub_sample"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"activation": "gelu"}, "activation"),
        ({"clip_gradient": -1.0}, "clip_gradient"),
    ],
)
def test_invalid_parameters(corpus, params, match):
    X, _, _ = corpus
    with pytest.raises(InvalidParameterError, match=match):
        NeuralTopicModel(**params).fit(X)


def test_invalid_hidden_sizes_and_device(corpus):
    X, _, _ = corpus
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        NeuralTopicModel(hidden_layer_sizes=(8, 0)).fit(X)
    with pytest.raises(ValueError, match="device"):
        NeuralTopicModel(device="not-a-device", **TINY).fit(X)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            NeuralTopicModel(device="cuda", **TINY).fit(X)
    model = NeuralTopicModel(n_components=2, hidden_layer_sizes=4, max_epochs=1)
    assert model.fit(X).network_.encoder[0].out_features == 4


def test_unfitted_transform_raises(corpus):
    from sklearn.exceptions import NotFittedError

    X, _, _ = corpus
    with pytest.raises(NotFittedError):
        NeuralTopicModel().transform(X)


def test_no_warnings_on_fit_and_transform(corpus):
    X, _, _ = corpus
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = NeuralTopicModel(n_components=2, **TINY).fit(sp.csr_matrix(X))
        model.transform(X)


def make_corpus_with_rare_words(n_rare, n_docs=150, n_topics=3, words_per_topic=8,
                                doc_len=30, seed=0):
    """``make_corpus``'s blocks plus ``n_rare`` rare words, each exclusive.

    Rare word ``w`` (column ``n_topics * words_per_topic + w``) belongs to
    topic ``w % n_topics`` and occurs in one or two documents of that topic
    only: as exclusive as the block words, but seen in ~1 % of the
    documents where a block word is in about a third of them.
    """
    X, dominant, topic_word = make_corpus(n_docs, n_topics, words_per_topic,
                                          doc_len, seed)
    rng = np.random.RandomState(seed + 1)
    rare = np.zeros((n_docs, n_rare))
    for w in range(n_rare):
        owners = np.flatnonzero(dominant == w % n_topics)
        docs = rng.choice(owners, size=1 + w % 2, replace=False)
        rare[docs, w] = 1 + rng.poisson(1.0, size=docs.size)
    return np.hstack([X, rare]), dominant, topic_word


@pytest.mark.parametrize("n_rare", [200, 5000])
def test_frequent_exclusive_words_outrank_rare_ones(n_rare):
    # the blocks (8 words per topic) must be the top 8 words of their topic
    # with 224 words (all decoded) and with 5,024 (2,000 decoded, sparse
    # encoder); the 24-word case is test_recovers_known_topics
    X, dominant, topic_word = make_corpus_with_rare_words(n_rare)
    model = NeuralTopicModel(
        n_components=3, hidden_layer_sizes=(32,), learning_rate=0.01,
        max_epochs=40, batch_size=32, random_state=0,
    ).fit(sp.csr_matrix(X))
    blocks = [set(np.flatnonzero(row)) for row in topic_word]
    top = np.argsort(-model.components_, axis=1, kind="stable")[:, :8]
    found = sorted(blocks.index(set(row)) for row in top if set(row) in blocks)
    assert found == [0, 1, 2], top
    # the rare words are modelled (not dropped): documents still get their topic
    mapping = {blocks.index(set(row)): k for k, row in enumerate(top)}
    theta = model.transform(sp.csr_matrix(X))
    assert np.mean(theta.argmax(1) == [mapping[t] for t in dominant]) > 0.95
    n_words = X.shape[1]
    assert model.decoder_words_.size == min(n_words, 2000)
    assert set(range(24)) <= set(model.decoder_words_)
    sparse_encoder = type(model.network_.encoder[0]).__name__ == "SparseInputLinear"
    assert sparse_encoder == (n_words >= 512)


def test_max_decoder_words(corpus):
    X, _, _ = corpus
    X = X.astype(float)
    X[:, 5] = 0  # word 5 in no document, word 7 in the most
    X[:, 7] += 1
    df = (X > 0).sum(axis=0)
    model = NeuralTopicModel(n_components=2, max_decoder_words=10, **TINY).fit(X)
    # the 10 words in the most documents (ties: lower column), sorted
    expected = np.sort(np.argsort(-df, kind="stable")[:10])
    np.testing.assert_array_equal(model.decoder_words_, expected)
    assert 7 in expected and 5 not in expected
    outside = np.setdiff1d(np.arange(24), expected)
    np.testing.assert_array_equal(model.components_[:, outside], 0.0)
    np.testing.assert_allclose(model.components_.sum(axis=1), 1.0)
    assert model.word_embeddings_ is None or model.word_embeddings_.shape[0] == 10
    # the ELBO covers the decoded words' counts only
    n_decoded = X[:, expected].sum()
    np.testing.assert_allclose(np.exp(-model.score(X) / n_decoded),
                               model.perplexity(X), rtol=1e-9)
    only_outside = np.zeros((2, 24))
    only_outside[:, outside[0]] = 3
    with pytest.raises(ValueError, match="no words"):
        model.perplexity(only_outside)
    # the encoder still reads those words: a document of them is not uniform
    assert not np.allclose(model.transform(only_outside), 0.5)
    full = NeuralTopicModel(n_components=2, max_decoder_words=None, **TINY).fit(X)
    np.testing.assert_array_equal(full.decoder_words_, np.arange(24))
    with pytest.raises(InvalidParameterError, match="max_decoder_words"):
        NeuralTopicModel(max_decoder_words=0).fit(X)


@pytest.mark.parametrize("n_wide", [594, 4194])
def test_wide_vocabularies_read_sparse_batches(n_wide):
    # from 512 words on the encoder reads sparse batches: dense and sparse
    # input, and row-by-row transform, agree
    rng = np.random.RandomState(0)
    wide = sp.random(60, n_wide, density=0.01, format="csr", random_state=rng)
    wide.data = np.ceil(wide.data * 3)
    X = sp.hstack([rng.poisson(2.0, size=(60, 6)), wide], format="csr")
    params = dict(n_components=2, max_decoder_words=50, word_embeddings=None, **TINY)
    a = NeuralTopicModel(**params).fit(X)
    b = NeuralTopicModel(**params).fit(X.toarray())
    np.testing.assert_allclose(a.components_, b.components_, rtol=1e-5, atol=1e-8)
    theta = a.transform(X)
    np.testing.assert_allclose(theta, a.transform(X.toarray()), rtol=1e-6)
    np.testing.assert_allclose(a.transform(X[:1]), theta[:1], rtol=1e-6)
    assert np.isfinite(a.perplexity(X))
    assert type(a.network_.encoder[0]).__name__ == "SparseInputLinear"

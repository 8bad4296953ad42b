"""TopicVectorizer: raw text -> topic weights, in scikit-learn workflows."""

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import THEMES
from conftest import TOPIC_FAST as FAST
from conftest import make_theme_docs as make_docs
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import InvalidParameterError

from skforecast_ntm.topics import NeuralTopicModel, TopicVectorizer


@pytest.fixture(scope="module")
def docs_labels():
    return make_docs()


@pytest.fixture(scope="module")
def fitted(docs_labels):
    docs, _ = docs_labels
    return TopicVectorizer(n_components=3, stop_words="english", **FAST).fit(docs)


def _purity(theta, labels):
    """Share of documents whose dominant topic is their theme's majority topic."""
    top = theta.argmax(axis=1)
    hits = 0
    majority = {}
    for label in np.unique(labels):
        values, counts = np.unique(top[labels == label], return_counts=True)
        majority[label] = values[counts.argmax()]
        hits += counts.max()
    return hits / len(labels), majority


def test_learns_the_themes(docs_labels, fitted):
    docs, labels = docs_labels
    theta = fitted.transform(docs)
    assert theta.shape == (60, 3)
    np.testing.assert_allclose(theta.sum(axis=1), 1.0)
    purity, majority = _purity(theta, labels)
    assert purity > 0.95
    assert len(set(majority.values())) == 3  # one topic per theme
    top = fitted.get_top_words(n_words=5)
    for label, k in majority.items():
        assert set(top[k]) <= set(THEMES[label])
    # stop words and "and"/"the" never reach the vocabulary
    assert "the" not in fitted.vectorizer_.vocabulary_
    assert fitted.components_.shape == (3, len(fitted.vectorizer_.vocabulary_))
    assert isinstance(fitted.model_, NeuralTopicModel)


def test_list_array_and_series_agree(docs_labels, fitted):
    docs, _ = docs_labels
    expected = fitted.transform(docs)
    np.testing.assert_array_equal(fitted.transform(np.array(docs)), expected)
    np.testing.assert_array_equal(fitted.transform(pd.Series(docs)), expected)
    np.testing.assert_array_equal(fitted.transform(tuple(docs)), expected)
    np.testing.assert_array_equal(
        fitted.transform(pd.DataFrame({"text": docs})), expected
    )
    np.testing.assert_array_equal(
        fitted.transform(np.array(docs, dtype=object).reshape(-1, 1)), expected
    )


def test_fit_transform_equals_fit_then_transform(docs_labels, fitted):
    docs, _ = docs_labels
    other = TopicVectorizer(n_components=3, stop_words="english", **FAST)
    np.testing.assert_array_equal(other.fit_transform(docs), fitted.transform(docs))
    np.testing.assert_array_equal(other.components_, fitted.components_)


def test_empty_and_unknown_documents_get_the_uniform_vector(fitted):
    theta = fitted.transform(["", "the and of", "zebra quokka", "cat dog rocket"])
    np.testing.assert_allclose(theta[:3], np.full((3, 3), 1 / 3))
    assert not np.allclose(theta[3], 1 / 3)


def test_bad_documents(docs_labels, fitted):
    docs, _ = docs_labels
    with pytest.raises(TypeError, match="position 2 is NoneType"):
        fitted.transform(["cat", "dog", None, "moon"])
    with pytest.raises(TypeError, match="position 1 is float"):
        fitted.transform(pd.Series(["cat", np.nan], index=[10, 11]))
    with pytest.raises(TypeError, match="position 0 is int"):
        TopicVectorizer(**FAST).fit([3, "dog"])
    with pytest.raises(TypeError, match="single string"):
        fitted.transform("cat dog")
    with pytest.raises(TypeError, match="iterable of documents"):
        fitted.transform(42)
    with pytest.raises(ValueError, match="no documents"):
        fitted.transform([])
    with pytest.raises(ValueError, match="one text column"):
        fitted.transform(pd.DataFrame({"a": docs, "b": docs}))
    with pytest.raises(ValueError, match="1D collection"):
        fitted.transform(np.array(docs).reshape(-1, 2))


def test_parameter_validation():
    with pytest.raises(InvalidParameterError, match="analyzer"):
        TopicVectorizer(analyzer="sentence").fit(["a b", "c d"])
    with pytest.raises(InvalidParameterError, match="n_components"):
        TopicVectorizer(n_components=0).fit(["a b", "c d"])
    with pytest.raises(InvalidParameterError, match="max_epochs"):
        TopicVectorizer(max_epochs=0).fit(["a b", "c d"])


def test_model_parameters_and_defaults_match_neural_topic_model():
    # TopicVectorizer must spell NeuralTopicModel's parameters out in its
    # signature (scikit-learn's get_params); the copy must not drift
    import inspect

    model_sig = inspect.signature(NeuralTopicModel).parameters
    vec_sig = inspect.signature(TopicVectorizer).parameters
    missing = sorted(set(model_sig) - set(vec_sig))
    assert not missing, f"TopicVectorizer lacks {missing}"
    drifted = {
        name: (vec_sig[name].default, p.default)
        for name, p in model_sig.items()
        if vec_sig[name].default != p.default
        or type(vec_sig[name].default) is not type(p.default)
        or vec_sig[name].kind != p.kind
    }
    assert not drifted, f"defaults differ (vectorizer, model): {drifted}"
    # every model parameter is validated as the model validates it, documented,
    # and reaches the fitted model
    for name in model_sig:
        assert TopicVectorizer._parameter_constraints[name] == \
            NeuralTopicModel._parameter_constraints[name], name
        assert name in TopicVectorizer.__doc__, name
    params = TopicVectorizer(n_components=4, dropout=0.25).get_params()
    assert {k: params[k] for k in model_sig} == {
        **NeuralTopicModel().get_params(), "n_components": 4, "dropout": 0.25}


def test_vocabulary_is_bounded_by_default():
    # 2,500 terms: term i appears in 1 + (i % 7) documents, so the 2,000 most
    # frequent are kept by default and all of them with max_features=None
    rng = np.random.default_rng(0)
    docs = [[] for _ in range(40)]
    for i in range(2500):
        for d in rng.choice(40, size=1 + i % 7, replace=False):
            docs[d].append(f"w{i}")
    docs = [" ".join(words) for words in docs]
    kw = dict(n_components=2, hidden_layer_sizes=(4,), max_epochs=1,
              word_embeddings=None, random_state=0)
    tv = TopicVectorizer(**kw).fit(docs)
    assert TopicVectorizer().max_features == 2000
    assert len(tv.vectorizer_.vocabulary_) == 2000
    assert tv.components_.shape == (2, 2000)
    full = TopicVectorizer(max_features=None, **kw).fit(docs)
    assert len(full.vectorizer_.vocabulary_) == 2500


def test_get_top_words_errors(fitted):
    with pytest.raises(ValueError, match="n_words must be in"):
        fitted.get_top_words(n_words=0)
    with pytest.raises(TypeError, match="n_words must be an int"):
        fitted.get_top_words(n_words=2.5)


def test_deterministic_and_picklable(docs_labels, fitted):
    docs, _ = docs_labels
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(clone.transform(docs), fitted.transform(docs))
    assert clone.get_top_words(3) == fitted.get_top_words(3)


def test_perplexity_score_and_feature_names(docs_labels, fitted):
    docs, _ = docs_labels
    assert 1.0 < fitted.perplexity(docs) < len(fitted.vectorizer_.vocabulary_)
    assert fitted.score(docs) == pytest.approx(
        fitted.model_.score(fitted.vectorizer_.transform(docs))
    )
    np.testing.assert_array_equal(
        fitted.get_feature_names_out(), ["topic_0", "topic_1", "topic_2"]
    )


def test_set_output_pandas_keeps_the_index(docs_labels):
    docs, _ = docs_labels
    series = pd.Series(docs, index=[f"doc{i}" for i in range(len(docs))])
    tv = TopicVectorizer(n_components=2, **{**FAST, "max_epochs": 2})
    out = tv.set_output(transform="pandas").fit_transform(series)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["topic_0", "topic_1"]
    assert list(out.index) == list(series.index)


def test_in_a_pipeline(docs_labels):
    docs, labels = docs_labels
    pipe = Pipeline(
        [
            ("topics", TopicVectorizer(n_components=3, stop_words="english", **FAST)),
            ("clf", LogisticRegression()),
        ]
    ).fit(docs[:45], labels[:45])
    assert pipe.score(docs[45:], labels[45:]) > 0.9


def test_in_a_column_transformer(docs_labels):
    docs, labels = docs_labels
    df = pd.DataFrame({"text": docs, "price": np.arange(len(docs), dtype=float)})
    ct = ColumnTransformer(
        [
            ("topics", TopicVectorizer(n_components=3, **FAST), "text"),
            ("num", "passthrough", ["price"]),
        ]
    ).set_output(transform="pandas")
    out = ct.fit_transform(df)
    assert list(out.columns) == [
        "topics__topic_0",
        "topics__topic_1",
        "topics__topic_2",
        "num__price",
    ]
    np.testing.assert_allclose(out.filter(like="topics").sum(axis=1), 1.0)
    np.testing.assert_array_equal(out["num__price"], df["price"])


def test_grid_search_over_the_number_of_topics(docs_labels):
    docs, labels = docs_labels
    pipe = Pipeline(
        [
            ("topics", TopicVectorizer(stop_words="english", **FAST)),
            ("clf", LogisticRegression()),
        ]
    )
    search = GridSearchCV(pipe, {"topics__n_components": [1, 3]}, cv=3).fit(
        docs, labels
    )
    assert search.best_params_ == {"topics__n_components": 3}
    assert search.cv_results_["mean_test_score"][0] < 0.6  # one topic: chance
    assert search.best_score_ > 0.9


# ----------------------------------------------------------------------- Korean
KOREAN_THEMES = {
    "sports": "축구 야구 선수 경기 감독 리그 우승 관중 득점 시즌".split(),
    "economy": "주식 금리 투자 은행 경제 환율 기업 수출 시장 증시".split(),
    "food": "김치 요리 음식 식당 국물 재료 반찬 찌개 양념 밥상".split(),
}
# particle pairs chosen by whether the noun ends in a consonant (batchim)
PARTICLE_PAIRS = [
    ("이", "가"), ("을", "를"), ("은", "는"), ("과", "와"), ("으로", "로")
]
INVARIANT_PARTICLES = ["에서", "의", "도", "에"]
_PARTICLE_RE = re.compile(r"^(.{2,}?)(에서|으로|이|가|을|를|은|는|에|의|와|과|도|로)$")


def korean_tokenizer(text):
    """Whitespace split, then strip one trailing particle (josa)."""
    return [_PARTICLE_RE.sub(r"\1", token) for token in text.split()]


def _with_particle(noun, rng):
    choice = rng.randint(len(PARTICLE_PAIRS) + len(INVARIANT_PARTICLES))
    if choice >= len(PARTICLE_PAIRS):
        return noun + INVARIANT_PARTICLES[choice - len(PARTICLE_PAIRS)]
    has_batchim = (ord(noun[-1]) - 0xAC00) % 28 != 0
    return noun + PARTICLE_PAIRS[choice][0 if has_batchim else 1]


def make_korean_docs(n_per_theme=20, words=10, seed=0):
    rng = np.random.RandomState(seed)
    docs, labels = [], []
    for label, vocab in KOREAN_THEMES.items():
        for _ in range(n_per_theme):
            nouns = rng.choice(vocab, size=words)
            docs.append(" ".join(_with_particle(n, rng) for n in nouns) + " 했다.")
            labels.append(label)
    return docs, np.array(labels)


def test_korean_tokenizer_strips_particles():
    tokens = korean_tokenizer("선수가 경기에서 골을 넣었다")
    assert tokens == ["선수", "경기", "골을", "넣었다"]


@pytest.mark.parametrize(
    "vectorizer_params",
    [
        {"tokenizer": korean_tokenizer},
        {"analyzer": "char_wb", "ngram_range": (2, 2), "min_df": 2},
    ],
    ids=["user-tokenizer", "char-ngrams"],
)
def test_korean_topics(vectorizer_params):
    docs, labels = make_korean_docs(n_per_theme=30)
    tv = TopicVectorizer(n_components=3, **vectorizer_params, **FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. no unused token_pattern warning
        theta = tv.fit_transform(docs)
    purity, majority = _purity(theta, labels)
    assert purity > 0.95
    assert len(set(majority.values())) == 3
    # every theme noun (a term of both vocabularies: the nouns have two
    # syllables) is most probable under its own theme's topic
    vocab = tv.vectorizer_.vocabulary_
    hits = [
        tv.components_[:, vocab[noun]].argmax() == majority[label]
        for label, nouns in KOREAN_THEMES.items()
        for noun in nouns
    ]
    assert np.mean(hits) >= 0.9
    top = tv.get_top_words(n_words=5)
    if "tokenizer" in vectorizer_params:
        # particles were stripped: the vocabulary is exactly the nouns + "했다."
        assert set(vocab) == set(sum(KOREAN_THEMES.values(), [])) | {"했다."}
        for label, k in majority.items():
            assert set(top[k]) <= set(KOREAN_THEMES[label])
    else:
        # character bigrams: no top term is a noun of another theme
        other = {
            label: {n for lab, ns in KOREAN_THEMES.items() if lab != label for n in ns}
            for label in KOREAN_THEMES
        }
        for label, k in majority.items():
            assert not set(top[k]) & other[label]


def test_no_stop_word_topic_with_the_defaults_on_raw_text():
    # raw sentences where function words are the most frequent tokens
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    rng = np.random.RandomState(0)
    glue = "the of and to in is it that was for on with as by".split()
    docs, labels = [], []
    for label, vocab in THEMES.items():
        for _ in range(20):
            words = [w for pair in zip(rng.choice(glue, 16), rng.choice(vocab, 16))
                     for w in pair]
            docs.append(" ".join(words).capitalize() + ".")
            labels.append(label)
    tv = TopicVectorizer(n_components=3, hidden_layer_sizes=(16,), max_epochs=20,
                         batch_size=16, random_state=0).fit(docs)
    vocabulary = set(tv.vectorizer_.vocabulary_)
    assert vocabulary == {w for vocab in THEMES.values() for w in vocab}
    for words in tv.get_top_words(5):
        assert not set(words) & ENGLISH_STOP_WORDS, words
    purity, _ = _purity(tv.transform(docs), np.array(labels))
    assert purity > 0.9
    # stop_words=None keeps them (and they dominate the counts)
    kept = TopicVectorizer(stop_words=None, n_components=3, hidden_layer_sizes=(4,),
                           max_epochs=1, random_state=0).fit(docs)
    assert set(glue) <= set(kept.vectorizer_.vocabulary_)

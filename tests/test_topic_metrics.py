"""Topic metrics on tiny corpora whose values can be checked by hand."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from skforecast_ntm.metrics._topics import (
    npmi_coherence,
    perplexity,
    top_word_indices,
    topic_diversity,
    topic_uniqueness,
)

# 4 documents over 5 words:
#   d0: w0 w1        d1: w0 w1        d2: w2 w3        d3: w2
# w4 never occurs.
X_REF = np.array(
    [
        [1, 2, 0, 0, 0],
        [3, 1, 0, 0, 0],
        [0, 0, 1, 1, 0],
        [0, 0, 2, 0, 0],
    ]
)


def _topic(*words, n_words=5):
    """Topic-word weights ranking ``words`` first, in that order."""
    row = np.zeros(n_words)
    row[list(words)] = np.linspace(1.0, 0.5, len(words))
    return row


def test_npmi_hand_values():
    topics = np.array(
        [
            _topic(0, 1),  # always together: p(0)=p(1)=p(0,1)=1/2 -> 1
            _topic(0, 2),  # never together -> -1
            _topic(2, 3),  # p(2)=1/2, p(3)=1/4, p(2,3)=1/4
            _topic(1, 2, 3),  # pairs (1,2)=-1, (1,3)=-1, (2,3)
        ]
    )
    got = npmi_coherence(topics, X_REF, top_n=2)
    expected_23 = math.log(0.25 / (0.5 * 0.25)) / -math.log(0.25)
    assert expected_23 == pytest.approx(0.5)  # log 2 / log 4
    np.testing.assert_allclose(got, [1.0, -1.0, 0.5, -1.0])
    got3 = npmi_coherence(topics, X_REF, top_n=3)
    np.testing.assert_allclose(got3[3], (-1.0 - 1.0 + 0.5) / 3)


def test_npmi_averages_pairs_and_counts_presence_only():
    # pairs (0,1)=1, (0,2)=-1, (1,2)=-1 -> mean -1/3; counts > 1 change nothing
    topics = np.array([_topic(0, 1, 2)])
    np.testing.assert_allclose(npmi_coherence(topics, X_REF, top_n=3), [-1.0 / 3])
    np.testing.assert_allclose(
        npmi_coherence(topics, (X_REF > 0).astype(int), top_n=3), [-1.0 / 3]
    )


def test_npmi_independent_pair_is_zero_and_unseen_word_is_minus_one():
    X = np.array([[1, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    # p(0)=p(1)=1/2, p(0,1)=1/4 = p(0)p(1) -> 0
    np.testing.assert_allclose(
        npmi_coherence(np.array([_topic(0, 1, n_words=3)]), X, top_n=2), [0.0],
        atol=1e-12,
    )
    # word 4 of X_REF never occurs: any pair with it scores -1
    np.testing.assert_allclose(
        npmi_coherence(np.array([_topic(0, 4)]), X_REF, top_n=2), [-1.0]
    )


def test_npmi_pair_in_every_document_is_one():
    X = np.array([[1, 1, 0], [2, 1, 1]])
    np.testing.assert_allclose(
        npmi_coherence(np.array([_topic(0, 1, n_words=3)]), X, top_n=2), [1.0]
    )


def test_npmi_sparse_equals_dense_and_ranks_by_weight():
    rng = np.random.RandomState(0)
    X = rng.poisson(0.5, size=(50, 20))
    topics = rng.rand(4, 20)
    dense = npmi_coherence(topics, X, top_n=5)
    for fmt in ("csr", "csc", "coo"):
        np.testing.assert_allclose(
            npmi_coherence(topics, sp.csr_matrix(X).asformat(fmt), top_n=5), dense
        )
    # any monotone transform of the weights gives the same top words
    np.testing.assert_allclose(npmi_coherence(np.log(topics), X, top_n=5), dense)
    assert dense.shape == (4,)
    assert np.all((dense >= -1) & (dense <= 1))


def test_npmi_errors():
    topics = np.array([_topic(0, 1)])
    with pytest.raises(ValueError, match="columns"):
        npmi_coherence(topics, X_REF[:, :3], top_n=2)
    with pytest.raises(ValueError, match="top_n must be >= 2"):
        npmi_coherence(topics, X_REF, top_n=1)
    with pytest.raises(ValueError, match="exceeds"):
        npmi_coherence(topics, X_REF, top_n=6)
    with pytest.raises(TypeError, match="top_n must be an int"):
        npmi_coherence(topics, X_REF, top_n=2.0)
    with pytest.raises(ValueError, match="non-negative"):
        npmi_coherence(topics, -X_REF, top_n=2)
    with pytest.raises(ValueError, match="2D array"):
        npmi_coherence(np.ones(5), X_REF, top_n=2)
    with pytest.raises(ValueError, match="NaN"):
        npmi_coherence(np.full((1, 5), np.nan), X_REF, top_n=2)
    with pytest.raises(ValueError, match="X must be 2D"):
        npmi_coherence(topics, np.ones(5), top_n=2)


def test_top_word_indices_stable_ties():
    np.testing.assert_array_equal(
        top_word_indices([[1.0, 3.0, 3.0, 2.0]], top_n=3), [[1, 2, 3]]
    )


def test_topic_diversity_hand_values():
    # top-2: {0, 1} and {0, 3} -> 3 unique of 4
    topics = np.array([_topic(0, 1), _topic(0, 3)])
    assert topic_diversity(topics, top_n=2) == pytest.approx(0.75)
    assert topic_diversity(np.array([_topic(0, 1), _topic(2, 3)]), top_n=2) == 1.0
    assert topic_diversity(np.array([_topic(0, 1)] * 4), top_n=2) == 0.25


def test_topic_uniqueness_hand_values():
    # K=3, N=2: {0,1}, {0,1}, {0,2}; cnt(0)=3, cnt(1)=2, cnt(2)=1
    # TU = mean(((1/3 + 1/2)/2, (1/3 + 1/2)/2, (1/3 + 1)/2)) = 1/2
    topics = np.array([_topic(0, 1), _topic(0, 1), _topic(0, 2)])
    assert topic_uniqueness(topics, top_n=2) == pytest.approx(0.5)
    assert topic_uniqueness(np.array([_topic(0, 1)] * 4), top_n=2) == 0.25
    assert topic_uniqueness(np.array([_topic(0, 1), _topic(2, 3)]), top_n=2) == 1.0


def test_topic_uniqueness_equals_diversity_at_same_top_n():
    # sum_k sum_{w in top(k)} 1/cnt(w) = number of unique words
    rng = np.random.RandomState(1)
    topics = rng.rand(7, 30) ** 4
    for n in (3, 10):
        assert topic_uniqueness(topics, top_n=n) == pytest.approx(
            topic_diversity(topics, top_n=n)
        )


def test_perplexity_hand_values():
    assert perplexity(np.array([[2, 1, 0, 1]]), np.full((1, 4), 0.25)) == 4.0
    X = np.array([[2, 0], [0, 1]])
    proba = np.array([[0.8, 0.2], [0.5, 0.5]])
    expected = math.exp(-(2 * math.log(0.8) + math.log(0.5)) / 3)
    assert perplexity(X, proba) == pytest.approx(expected)
    assert perplexity(sp.csr_matrix(X), proba) == pytest.approx(expected)
    # an observed word with probability 0
    assert perplexity(X, np.array([[0.0, 1.0], [0.5, 0.5]])) == math.inf


def test_perplexity_errors():
    with pytest.raises(ValueError, match="shape"):
        perplexity(np.ones((2, 3)), np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match="probability distribution"):
        perplexity(np.ones((1, 2)), np.array([[0.7, 0.7]]))
    with pytest.raises(ValueError, match="no words"):
        perplexity(np.zeros((1, 2)), np.array([[0.5, 0.5]]))
    with pytest.raises(ValueError, match="non-negative"):
        perplexity(np.array([[-1, 1]]), np.array([[0.5, 0.5]]))

"""Word embeddings in the topic decoder: PPMI vectors, Sinkhorn, ECR."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from skforecast_ntm.networks import ProdLDA, make_topic_vae, sinkhorn_plan
from skforecast_ntm.networks._topic_vae import WORD_TOPIC_TEMPERATURE
from skforecast_ntm.topics import NeuralTopicModel, ppmi_word_embeddings


def _block_corpus(n_docs=300, n_blocks=3, words_per_block=8, seed=0):
    """Each document draws its words from one block of the vocabulary."""
    rng = np.random.default_rng(seed)
    n_words = n_blocks * words_per_block
    X = np.zeros((n_docs, n_words))
    block = rng.integers(0, n_blocks, n_docs)
    for d in range(n_docs):
        lo = block[d] * words_per_block
        X[d, lo : lo + words_per_block] = rng.poisson(2.0, words_per_block)
    return X, words_per_block


def test_ppmi_embeddings_place_co_occurring_words_together():
    X, w = _block_corpus()
    rho = ppmi_word_embeddings(X, n_dims=5)
    assert rho.shape == (24, 5) and rho.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(rho, axis=1), 1.0, rtol=1e-5)
    sim = rho @ rho.T
    same = np.kron(np.eye(3), np.ones((w, w))).astype(bool)
    np.fill_diagonal(same, False)
    other = ~np.kron(np.eye(3), np.ones((w, w))).astype(bool)
    assert sim[same].min() > sim[other].max()
    # counts do not matter, only presence; sparse input gives the same
    np.testing.assert_allclose(ppmi_word_embeddings(sp.csr_matrix(X * 3), 5), rho,
                               atol=1e-5)


def test_ppmi_embeddings_large_vocabulary_path_and_errors():
    rng = np.random.default_rng(0)
    X = sp.random(400, 1200, density=0.02, random_state=0, format="csr")
    X.data = rng.poisson(2.0, X.nnz) + 1.0
    a = ppmi_word_embeddings(X, n_dims=8)  # Lanczos (eigsh) path
    b = ppmi_word_embeddings(X, n_dims=8)
    assert a.shape == (1200, 8)
    np.testing.assert_array_equal(a, b)  # deterministic
    norms = np.linalg.norm(a, axis=1)
    assert np.all((np.abs(norms - 1) < 1e-4) | (norms == 0))
    assert ppmi_word_embeddings(np.eye(3) + 1, n_dims=10).shape == (3, 2)  # capped
    with pytest.raises(ValueError, match="n_dims"):
        ppmi_word_embeddings(X, n_dims=0)
    with pytest.raises(ValueError, match="at least 2 words"):
        ppmi_word_embeddings(np.ones((5, 1)))


def test_sinkhorn_plan_has_uniform_marginals_and_warm_starts():
    torch.manual_seed(0)
    cost = torch.rand(4, 10)
    v = torch.full((10,), 0.1)
    plan = sinkhorn_plan(cost, 0.05, 200, v)
    torch.testing.assert_close(plan.sum(1), torch.full((4,), 0.25), atol=1e-4,
                               rtol=0)
    torch.testing.assert_close(plan.sum(0), torch.full((10,), 0.1), atol=1e-4,
                               rtol=0)
    assert not torch.equal(v, torch.full((10,), 0.1))  # updated in place
    # warm-started from the converged scaling, one iteration gives the same plan
    torch.testing.assert_close(sinkhorn_plan(cost, 0.05, 1, v.clone()), plan,
                               atol=1e-5, rtol=1e-4)
    # small epsilon: the assignment of least cost
    eye = sinkhorn_plan(1.0 - torch.eye(3), 0.01, 100)
    torch.testing.assert_close(eye, torch.eye(3) / 3, atol=1e-4, rtol=0)


def test_topic_vae_with_word_embeddings():
    rho = torch.nn.functional.normalize(torch.randn(30, 6), dim=1)
    net = make_topic_vae("prodlda", n_words=30, n_topics=4, hidden_sizes=(8,),
                         word_embeddings=rho)
    assert not hasattr(net, "beta") and net.topic_embeddings.shape == (4, 6)
    # ProdLDA: each word's soft assignment to the topics (columns sum to 1)
    scores = net.topic_embeddings @ rho.T / WORD_TOPIC_TEMPERATURE
    weights = net.decoder_weights()
    torch.testing.assert_close(weights, torch.softmax(scores, dim=0))
    torch.testing.assert_close(weights.sum(0), torch.ones(30))
    torch.testing.assert_close(net.topic_word_logits(), weights.log())
    # rows of rho are scaled to unit length once, at construction
    scaled = make_topic_vae("prodlda", n_words=30, n_topics=4,
                            word_embeddings=3.0 * rho)
    torch.testing.assert_close(scaled.word_embeddings, rho)
    nll, kl = net(torch.ones(5, 30))
    assert nll.shape == (5,) and torch.isfinite(nll).all()
    reg = net.embedding_clustering_loss()
    assert 0.0 <= float(reg.detach()) <= 2.0  # a transport cost of cosines
    reg.backward()
    assert net.topic_embeddings.grad.abs().sum() > 0
    nvdm = make_topic_vae("nvdm", n_words=30, n_topics=4, word_embeddings=rho)
    torch.testing.assert_close(nvdm.topic_word_logits(),
                               nvdm.topic_embeddings @ rho.T)
    with pytest.raises(ValueError, match="word_embeddings must have shape"):
        ProdLDA(n_words=30, n_topics=4, word_embeddings=torch.randn(29, 6))


def test_neural_topic_model_with_ppmi_embeddings_finds_the_blocks():
    X, w = _block_corpus(n_docs=400)
    kw = dict(n_components=3, hidden_layer_sizes=(16,), max_epochs=40,
              batch_size=32, learning_rate=5e-3, random_state=0)
    ntm = NeuralTopicModel(word_embeddings="ppmi", embedding_dim=4, **kw).fit(X)
    assert ntm.word_embeddings_.shape == (24, 4)
    np.testing.assert_allclose(ntm.components_.sum(1), 1.0, rtol=1e-6)
    # each topic's top words come from a single block, and every block is used
    top = np.argsort(-ntm.components_, axis=1)[:, : w // 2] // w
    assert all(len(set(row)) == 1 for row in top)
    assert sorted(top[:, 0]) == [0, 1, 2]
    again = NeuralTopicModel(word_embeddings="ppmi", embedding_dim=4, **kw).fit(X)
    np.testing.assert_array_equal(ntm.transform(X), again.transform(X))
    # own vectors: one row per feature, normalised; the regulariser can be off
    own = NeuralTopicModel(word_embeddings=np.random.default_rng(0).normal(
        size=(24, 3)), cluster_regularization=0.0, **kw).fit(X)
    np.testing.assert_allclose(np.linalg.norm(own.word_embeddings_, axis=1), 1.0,
                               rtol=1e-5)


def test_word_embeddings_errors_name_the_parameter():
    X, _ = _block_corpus(n_docs=40)
    with pytest.raises(ValueError, match="word_embeddings must have one row per"):
        NeuralTopicModel(word_embeddings=np.ones((5, 2)), max_epochs=1).fit(X)
    bad = np.ones((24, 2))
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="word_embeddings contains NaN"):
        NeuralTopicModel(word_embeddings=bad, max_epochs=1).fit(X)
    with pytest.raises(ValueError, match="word_embeddings"):
        NeuralTopicModel(word_embeddings="glove", max_epochs=1).fit(X)


def test_ppmi_default_falls_back_to_a_free_beta_with_a_warning():
    X = np.ones((30, 5))  # every word in every document: no PMI above chance
    with pytest.warns(UserWarning, match="no usable co-occurrence"):
        ntm = NeuralTopicModel(n_components=2, max_epochs=1, random_state=0).fit(X)
    assert ntm.word_embeddings_ is None and hasattr(ntm.network_, "beta")
    with pytest.warns(UserWarning, match="fewer than 3 words"):
        NeuralTopicModel(n_components=2, max_epochs=1).fit(np.eye(2).repeat(5, 0))


def test_ppmi_lanczos_on_a_dense_copy_gives_the_sparse_result(monkeypatch):
    # a mostly non-zero PPMI matrix (long documents) is multiplied as a dense
    # copy in the Lanczos iterations: the same embeddings as the sparse one
    from skforecast_ntm.topics import _embeddings

    rng = np.random.default_rng(0)
    X = sp.random(300, 1200, density=0.2, random_state=0, format="csr")
    X.data = rng.poisson(2.0, X.nnz) + 1.0
    operators = []
    eigsh = _embeddings.eigsh

    def spy(op, *args, **kwargs):
        operators.append(op)
        return eigsh(op, *args, **kwargs)

    monkeypatch.setattr(_embeddings, "eigsh", spy)
    dense = ppmi_word_embeddings(X, n_dims=8)
    monkeypatch.setattr(_embeddings, "DENSE_PPMI_MIN_FILL", 2.0)  # never dense
    sparse = ppmi_word_embeddings(X, n_dims=8)
    assert isinstance(operators[0], np.ndarray) and sp.issparse(operators[1])
    assert dense.shape == (1200, 8)
    np.testing.assert_allclose(dense, sparse, atol=1e-5)


def test_large_corpora_count_co_occurrence_on_a_document_sample(monkeypatch):
    from skforecast_ntm.topics import _embeddings

    X, _ = _block_corpus(n_docs=400)
    full = ppmi_word_embeddings(X, 4)
    monkeypatch.setattr(_embeddings, "MAX_COOCCURRENCE_PAIRS", 5000)
    a = ppmi_word_embeddings(X, 4, random_state=0)
    np.testing.assert_array_equal(a, ppmi_word_embeddings(X, 4, random_state=0))
    assert not np.allclose(a, full)  # a sample, not the whole corpus
    # the sample still separates the blocks
    sim = a @ a.T
    assert sim[0, 1] > sim[0, 8] and sim[8, 9] > sim[8, 16]

"""Short documents: the dominant topic of ``transform`` is the document's topic.

On corpora of short documents (tweets, headlines) the encoder used to shrink
its output variance towards the batch norm's ``eps`` (the KL term rewards
it), and the eval-mode running mean then gave one topic most of every
document's weight (``docs/topics.md``, "Short documents").
"""

import numpy as np
import pytest
import torch
from scipy.optimize import linear_sum_assignment

from skforecast_ntm.networks import ProdLDA
from skforecast_ntm.topics import NeuralTopicModel


def block_corpus(n_docs=3000, n_topics=10, block=20, seed=0):
    """Documents of 6-12 words, 85 % from their topic's block of words.

    Topic ``t`` owns words ``t * block ... (t + 1) * block - 1``; the other
    15 % of a document's words are uniform over the whole vocabulary.
    """
    rng = np.random.default_rng(seed)
    topic = rng.integers(0, n_topics, n_docs)
    lengths = rng.integers(6, 13, n_docs)
    doc = np.repeat(np.arange(n_docs), lengths)
    own = topic[doc] * block + rng.integers(0, block, doc.size)
    other = rng.integers(0, n_topics * block, doc.size)
    word = np.where(rng.random(doc.size) < 0.85, own, other)
    X = np.zeros((n_docs, n_topics * block))
    np.add.at(X, (doc, word), 1)
    return X, topic


def matched_accuracy(labels, predicted, k):
    """Share of documents whose predicted topic is their label, after the
    best one-to-one matching of topics to labels (Hungarian)."""
    confusion = np.zeros((k, k))
    np.add.at(confusion, (labels, predicted), 1)
    rows, cols = linear_sum_assignment(-confusion)
    return confusion[rows, cols].sum() / labels.size


@pytest.mark.parametrize("model", ["prodlda", "nvdm"])
def test_dominant_topic_of_short_documents_is_its_block(model):
    X, topic = block_corpus()
    ntm = NeuralTopicModel(n_components=10, model=model, random_state=0).fit(X)
    theta = ntm.transform(X)
    raw = matched_accuracy(topic, theta.argmax(axis=1), 10)
    relative = matched_accuracy(topic, (theta / theta.mean(axis=0)).argmax(axis=1), 10)
    # before the fix: raw 0.40 / 0.52 (seeds 0 / 1), relative 0.998
    assert raw >= 0.95
    assert relative - raw <= 0.02
    # no topic takes the weight of every document (uniform: 0.1)
    assert theta.mean(axis=0).max() < 0.2
    assert len(np.unique(theta.argmax(axis=1))) == 10


def test_encoder_batch_norm_is_scale_invariant():
    # the KL divergence cannot be lowered by shrinking the encoder's outputs
    # before their batch normalisation: its gradient with respect to their
    # scale is zero, also at the tiny scales the encoder collapsed to
    net = ProdLDA(n_words=30, n_topics=6, hidden_sizes=(8,)).train()
    gen = torch.Generator().manual_seed(0)
    mean_raw = torch.randn(64, 6, generator=gen)
    logvar_raw = torch.randn(64, 6, generator=gen)
    for size in (1.0, 1e-3):
        scale = torch.tensor(size, requires_grad=True)
        mean = net.mean_bn(scale * mean_raw)
        logvar = net.logvar_bn(scale * logvar_raw)
        kl = net.kl_divergence(mean, logvar).sum()
        (grad,) = torch.autograd.grad(kl, scale)
        assert abs(float(grad)) * size < 1e-3 * float(kl.detach())
        # and the normalised logits keep unit variance
        np.testing.assert_allclose(
            mean.detach().var(dim=0, unbiased=False).numpy(), 1.0, rtol=1e-3)

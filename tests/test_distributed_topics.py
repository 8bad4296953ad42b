"""Data-parallel topic models with 2 CPU processes (gloo).

As in ``tests/test_distributed.py``: one spawned pair of processes runs
every scenario and saves what it saw; the tests compare those results with
each other and with single-process references computed here. The pair is
joined with a timeout, so a hang in a collective fails the tests instead of
blocking the run.
"""

from __future__ import annotations

import copy
import os

import numpy as np
import pytest
import torch
from conftest import free_port, run_ranks
from sklearn.feature_extraction.text import CountVectorizer

from skforecast_ntm.networks._topic_vae import make_topic_vae
from skforecast_ntm.networks._torch_utils import seeded_torch
from skforecast_ntm.topics import CorpusStatistics, NeuralTopicModel, TopicVectorizer
from skforecast_ntm.topics._training import batch_inputs, make_optimizer

WORLD = 2
TIMEOUT_S = 120
THEMES = (
    "cat dog puppy kitten leash collar vet fur paw bark".split(),
    "stock bond market price bank loan rate fund trade profit".split(),
    "rocket orbit planet moon star launch nasa galaxy comet mars".split(),
)
#: the shards of the one-step check: unequal, so the loss weights matter
SHARD_0 = 24
STEP_SEEDS = (101, 202)
FAST = dict(n_components=3, hidden_layer_sizes=(16,), max_epochs=3,
            batch_size=8, random_state=0)



def _docs(n=60, seed=0):
    rng = np.random.RandomState(seed)
    return ["the " + " and ".join(rng.choice(THEMES[i % 3], size=8))
            + (f" rare{i}" if i % 7 == 0 else "") for i in range(n)]


def _counts(n=60):
    return CountVectorizer().fit_transform(_docs(n)).toarray().astype(np.float32)


def _vae():
    """The network of the one-step check (no dropout: only the noise draws)."""
    with seeded_torch(0, "cpu"):
        return make_topic_vae("prodlda", n_words=_counts().shape[1], n_topics=3,
                              hidden_sizes=(16,), activation="softplus",
                              dropout=0.0, theta_dropout=0.0, batch_norm=True,
                              alpha=1.0)


def _state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _worker(rank, port, out):
    import torch.distributed as dist

    from skforecast_ntm._distributed import DistributedContext
    from skforecast_ntm.topics._training import train_epoch_parallel

    torch.set_num_threads(1)
    res = {}
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}",
                            rank=rank, world_size=WORLD)
    ctx = DistributedContext(rank, WORLD)
    X = _counts()
    rows = np.arange(SHARD_0) if rank == 0 else np.arange(SHARD_0, 40)

    # (a) two steps of an epoch over unequal shards (24 and 16 documents,
    # batch_size 10 per process: 40 // 20 = 2 steps)
    net = _vae()
    opt = make_optimizer(net, 0.01, 0.9, 0.0, torch.device("cpu"))
    res["epoch_loss"] = train_epoch_parallel(
        net, opt, X[rows], np.arange(rows.size), STEP_SEEDS[rank],
        torch.device("cpu"), ctx, batch_size=10)
    res["step_state"] = _state(net)
    res["step_grad"] = [p.grad.clone() for p in net.parameters()]

    # (b) a fit on shards (unbalanced: 50 / 10 documents, early stopping,
    # PPMI embeddings, batch norm, dropout), twice
    shard = X[:50] if rank == 0 else X[50:]
    kw = dict(FAST, early_stopping=True, max_decoder_words=20, dropout=0.1)
    fits = [NeuralTopicModel(**kw).fit(shard) for _ in range(2)]
    res["fit_state"] = [_state(m.network_) for m in fits]
    res["fit_components"] = fits[0].components_
    res["fit_decoder_words"] = fits[0].decoder_words_
    res["fit_embeddings"] = fits[0].word_embeddings_
    res["fit_valid"] = fits[0].validation_loss_curve_
    res["fit_transform"] = fits[0].transform(X)
    # partial_fit: chunks of different sizes per rank, one call each; the
    # second call has 2 steps, rank 0 one document (cycled, no batch stats)
    model = NeuralTopicModel(**FAST)
    model.partial_fit(X[:30] if rank == 0 else X[30:36])
    model.partial_fit(X[40:41] if rank == 0 else X[:40])
    res["partial_state"] = _state(model.network_)

    # corpus statistics under the group: the whole corpus'; per-rank ones
    # (computed alone) are refused by partial_fit
    stats = CorpusStatistics.from_counts([shard], random_state=0)
    res["stats"] = (stats.n_documents, stats.document_frequency,
                    stats.term_frequency, stats.sample.toarray())
    os.environ["SKFORECAST_NTM_DATA_PARALLEL"] = "0"
    local = CorpusStatistics.from_counts([shard], random_state=0)
    del os.environ["SKFORECAST_NTM_DATA_PARALLEL"]
    try:
        NeuralTopicModel(**FAST).partial_fit(shard, corpus_statistics=local)
    except ValueError as exc:
        res["stats_error"] = str(exc)

    # (c) TopicVectorizer on text shards (3 chunks on rank 0, 1 on rank 1)
    docs = _docs()
    mine = docs[:40] if rank == 0 else docs[40:]
    rules = dict(min_df=2, max_df=0.9, max_features=25)
    tv = TopicVectorizer(**FAST, **rules).fit(mine)
    res["tv_vocabulary"] = tv.vectorizer_.vocabulary_
    res["tv_components"] = tv.components_
    chunks = [mine[:15], mine[15:30], mine[30:]] if rank == 0 else [mine]
    tv = TopicVectorizer(**FAST, **rules).fit_stream(chunks)
    res["stream_vocabulary"] = tv.vectorizer_.vocabulary_
    res["stream_state"] = _state(tv.model_.network_)

    # (d) a vocabulary mismatch raises on both ranks
    try:
        NeuralTopicModel(**FAST).fit(X[:, :30] if rank == 0 else X[:, :31])
    except ValueError as exc:
        res["mismatch"] = str(exc)

    # (e) the opt-out: independent fits on the two shards
    os.environ["SKFORECAST_NTM_DATA_PARALLEL"] = "0"
    res["alone"] = NeuralTopicModel(**FAST).fit(shard).components_
    del os.environ["SKFORECAST_NTM_DATA_PARALLEL"]
    dist.destroy_process_group()
    torch.save(res, os.path.join(out, f"rank{rank}.pt"))


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("ddp_topics"))
    return run_ranks(_worker, (free_port(), out), out, WORLD, TIMEOUT_S)


def _assert_same_state(a, b):
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=k)


def test_steps_equal_the_mean_gradient_of_the_union_of_the_batches(ranks):
    # reference by hand: at each step, each rank's batch goes through its own
    # copy of the network (its own batch statistics, its own noise stream);
    # the gradient is that of the summed per-document losses over the union
    # of the two batches divided by its size, the running statistics the mean
    # of the two copies', then one Adam step
    X = _counts()
    shards = [X[:SHARD_0], X[SHARD_0:40]]
    net = _vae()
    opt = make_optimizer(net, 0.01, 0.9, 0.0, torch.device("cpu"))
    rng_states = []
    for seed in STEP_SEEDS:
        with seeded_torch(seed, "cpu"):
            rng_states.append(torch.get_rng_state())
    loss_total = words = 0.0
    for step in range(2):
        batches = [np.array_split(np.arange(len(s)), 2)[step] for s in shards]
        n_union = sum(b.size for b in batches)
        grads = [torch.zeros_like(p) for p in net.parameters()]
        copies = []
        for r, (shard, b) in enumerate(zip(shards, batches, strict=True)):
            clone = copy.deepcopy(net).train()
            with torch.random.fork_rng():
                torch.set_rng_state(rng_states[r])
                x, target = batch_inputs(shard, b, torch.device("cpu"))
                nll, kl = clone(x, target=target)
                rng_states[r] = torch.get_rng_state()
            per_doc = nll + kl
            (per_doc.sum() / n_union).backward()
            for g, p in zip(grads, clone.parameters(), strict=True):
                g += p.grad
            loss_total += float(per_doc.sum().detach())
            words += float(target.sum())
            copies.append(clone)
        for p, g in zip(net.parameters(), grads, strict=True):
            p.grad = g
        with torch.no_grad():
            for name, buf in net.named_buffers():
                if "running" in name or "num_batches" in name:
                    buf.copy_(sum(dict(c.named_buffers())[name] for c in copies) / 2)
        opt.step()
    for res in ranks:
        for got, want in zip(res["step_grad"], net.parameters(), strict=True):
            torch.testing.assert_close(got, want.grad, rtol=1e-4, atol=1e-6)
        for k, v in net.state_dict().items():
            torch.testing.assert_close(res["step_state"][k], v, rtol=1e-4,
                                       atol=1e-6, msg=k)
        assert res["epoch_loss"] == pytest.approx(loss_total / words, rel=1e-5)
    # the unweighted mean of the two ranks' mean gradients is another one
    # (24 and 16 documents per rank): the weights are what makes them equal
    _assert_same_state(ranks[0]["step_state"], ranks[1]["step_state"])


def test_ranks_end_identical_and_a_seeded_fit_repeats(ranks):
    a, b = ranks
    for key in ("fit_state", "partial_state", "stream_state"):
        states = a[key] if isinstance(a[key], list) else [a[key]]
        others = b[key] if isinstance(b[key], list) else [b[key]]
        for sa, sb in zip(states, others, strict=True):
            _assert_same_state(sa, sb)  # parameters and buffers, bitwise
    _assert_same_state(a["fit_state"][0], a["fit_state"][1])
    # batch norm's running statistics moved from their initial values
    assert not torch.equal(a["fit_state"][0]["mean_bn.running_mean"],
                           torch.zeros(3))
    np.testing.assert_array_equal(a["fit_components"], b["fit_components"])
    np.testing.assert_array_equal(a["fit_transform"], b["fit_transform"])
    assert a["fit_valid"] == b["fit_valid"] and len(a["fit_valid"]) >= 1


def test_fit_learns_the_word_statistics_of_the_concatenated_corpus(ranks):
    # decoded words and PPMI embeddings as a single-process model on the
    # concatenated shards gets them
    ref = NeuralTopicModel(**dict(FAST, max_epochs=1, max_decoder_words=20)
                           ).fit(_counts())
    for res in ranks:
        np.testing.assert_array_equal(res["fit_decoder_words"], ref.decoder_words_)
        np.testing.assert_allclose(res["fit_embeddings"], ref.word_embeddings_,
                                   rtol=0, atol=1e-6)


def test_corpus_statistics_are_the_concatenated_corpus(ranks):
    X = _counts()
    for res in ranks:
        n, df, tf, sample = res["stats"]
        assert n == 60
        np.testing.assert_array_equal(df, (X > 0).sum(axis=0))
        np.testing.assert_array_equal(tf, X.sum(axis=0))
        # within the budget: the whole corpus, rank 0's documents first
        np.testing.assert_array_equal(sample, X)
        assert "corpus_statistics differ between the ranks" in res["stats_error"]


def test_vectorizer_shards_give_the_vocabulary_of_the_concatenated_documents(ranks):
    rules = dict(min_df=2, max_df=0.9, max_features=25)
    ref = TopicVectorizer(**FAST, **rules)._make_vectorizer().fit(_docs())
    for res in ranks:
        assert res["tv_vocabulary"] == ref.vocabulary_
        assert res["stream_vocabulary"] == ref.vocabulary_
    np.testing.assert_array_equal(ranks[0]["tv_components"],
                                  ranks[1]["tv_components"])
    # the shards alone have other vocabularies (the check is not vacuous)
    alone = TopicVectorizer(**FAST, **rules)._make_vectorizer().fit(_docs()[40:])
    assert alone.vocabulary_ != ref.vocabulary_


def test_n_features_mismatch_raises_on_every_rank(ranks):
    for res in ranks:
        assert "rank 0: 30, rank 1: 31" in res["mismatch"]


def test_opt_out_keeps_fits_independent(ranks):
    X = _counts()
    for res, shard in zip(ranks, (X[:50], X[50:]), strict=True):
        ref = NeuralTopicModel(**FAST).fit(shard)
        np.testing.assert_array_equal(res["alone"], ref.components_)
    assert not np.allclose(ranks[0]["alone"], ranks[1]["alone"])

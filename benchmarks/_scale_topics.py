"""Streaming topic-model benchmark (issue 13): corpora larger than memory.

Meant as the ``topics`` subcommand of ``benchmarks/bench_scale.py``
(``add_arguments(parser)`` adds the options, ``run(args)`` returns a
markdown table); also runs alone::

    .venv/bin/python benchmarks/_scale_topics.py --documents 100000,1000000

Each corpus size runs in a fresh Python process (so its peak RSS is its
own). The corpus is synthetic and generated chunk by chunk from a seeded
topic-word model, never held in memory: ``--true-topics`` topics, each
owning a block of ``--words / --true-topics`` words drawn with Zipf
weights, a document of 8-20 words (``--min-words``, ``--max-words``) taking
85 % of its words from its one topic and 15 % from a Zipf background over
all words. Chunk ``i`` is generated from the seed ``[seed, i]``, so every
pass reads the same documents. Phases, timed per 100,000 documents:

- *read*: one pass of the generator alone (the source's own cost, part of
  every other phase);
- *vocabulary*: ``TopicVectorizer.fit_vocabulary`` (one streaming pass);
- *train*: ``--epochs`` passes of ``TopicVectorizer.partial_fit``, one
  call per chunk (time per epoch);
- *transform*: ``TopicVectorizer.transform_stream``.

Quality: the share of true topics recovered (one learnt topic's 10 top
words all from the topic's block), and the share of documents whose
dominant topic, after matching topics to labels (Hungarian assignment), is
their true topic: dominant relative to the average document's weights
(``argmax(theta / mean theta)``, the mean over the first chunk), and the
raw ``argmax(theta)``. The two agree since the encoder's batch norm is
scale-invariant (``ENCODER_BN_EPS``); before, the raw argmax picked one
topic for almost every document (``docs/topics.md``, "Short documents").

Memory: the process' peak resident set size (``ru_maxrss``) after the
imports and after each phase. Bounded by the chunk, it is about the same at
100,000 and 1,000,000 documents.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of the streaming topic benchmark to ``parser``."""
    parser.add_argument("--documents", default="100000,1000000",
                        help="corpus sizes, comma-separated (each in a fresh "
                        "process); default 100000,1000000")
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=1,
                        help="partial_fit passes over the corpus")
    parser.add_argument("--words", type=int, default=5000,
                        help="words of the synthetic vocabulary")
    parser.add_argument("--true-topics", type=int, default=20)
    parser.add_argument("--min-words", type=int, default=8)
    parser.add_argument("--max-words", type=int, default=20)
    parser.add_argument("--max-features", type=int, default=2000,
                        help="TopicVectorizer max_features (its default)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)


# ------------------------------------------------------------------ corpus
class SyntheticCorpus:
    """A re-iterable source of chunks of short synthetic documents.

    Calling it returns a fresh iterator of chunks (lists of str), generated
    one at a time; ``labels=True`` yields ``(documents, true_topics)``.
    """

    def __init__(self, n_documents: int, chunk_size: int, n_words: int,
                 n_topics: int, min_words: int, max_words: int, seed: int,
                 topic_share: float = 0.85) -> None:
        self.n_documents = n_documents
        self.chunk_size = chunk_size
        self.n_topics = n_topics
        self.min_words, self.max_words = min_words, max_words
        self.seed = seed
        self.topic_share = topic_share
        self.block = max(1, n_words // n_topics)
        self.n_words = self.block * n_topics
        self.words = np.array([f"w{j:05d}" for j in range(self.n_words)],
                              dtype=object)
        zipf = 1.0 / np.arange(1, self.block + 1)
        self.p_block = zipf / zipf.sum()
        background = 1.0 / np.arange(1, self.n_words + 1)
        # background ranks shuffled once, so frequent words spread over topics
        self.background_words = np.random.default_rng(seed).permutation(
            self.n_words)
        self.p_background = background / background.sum()

    def chunk(self, i: int) -> tuple[list[str], np.ndarray]:
        """Chunk ``i``: its documents and their true topics."""
        rng = np.random.default_rng([self.seed, i])
        n = min(self.chunk_size, self.n_documents - i * self.chunk_size)
        lengths = rng.integers(self.min_words, self.max_words + 1, n)
        topic = rng.integers(0, self.n_topics, n)
        total = int(lengths.sum())
        token_topic = np.repeat(topic, lengths)
        own = rng.choice(self.block, total, p=self.p_block) \
            + token_topic * self.block
        shared = self.background_words[
            rng.choice(self.n_words, total, p=self.p_background)]
        word = np.where(rng.random(total) < self.topic_share, own, shared)
        tokens = self.words[word].tolist()
        ends = np.cumsum(lengths).tolist()
        starts = [0, *ends[:-1]]
        docs = [" ".join(tokens[s:e]) for s, e in zip(starts, ends)]
        return docs, topic

    def __call__(self, labels: bool = False):
        n_chunks = -(-self.n_documents // self.chunk_size)
        for i in range(n_chunks):
            docs, topic = self.chunk(i)
            yield (docs, topic) if labels else docs


# ------------------------------------------------------------------ one size
def _peak_rss_mib() -> float:
    # Linux: kilobytes
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_size(params: dict) -> dict:
    """Every phase on one corpus size, in this process; a dict of results."""
    import torch
    from scipy.optimize import linear_sum_assignment

    from skforecast_ntm.topics import TopicVectorizer

    torch.set_num_threads(params["threads"])
    n = params["documents"]
    corpus = SyntheticCorpus(n, params["chunk_size"], params["words"],
                             params["true_topics"], params["min_words"],
                             params["max_words"], params["seed"])
    out: dict = {"documents": n, "rss_start": _peak_rss_mib()}

    t0 = time.perf_counter()
    for _ in corpus():
        pass
    out["read_s"] = time.perf_counter() - t0

    tv = TopicVectorizer(n_components=params["true_topics"],
                         max_features=params["max_features"],
                         batch_size=params["batch_size"],
                         device=params["device"], random_state=params["seed"])
    t0 = time.perf_counter()
    tv.fit_vocabulary(corpus())
    out["vocabulary_s"] = time.perf_counter() - t0
    out["vocabulary_size"] = len(tv.vectorizer_.vocabulary_)
    out["rss_vocabulary"] = _peak_rss_mib()

    t0 = time.perf_counter()
    for _ in range(params["epochs"]):
        for docs in corpus():
            tv.partial_fit(docs)
    out["train_s"] = (time.perf_counter() - t0) / params["epochs"]
    out["rss_train"] = _peak_rss_mib()

    k = params["true_topics"]
    raw, relative = np.zeros((k, k)), np.zeros((k, k))
    mean = None
    t0 = time.perf_counter()
    for (_, topic), theta in zip(corpus(labels=True),
                                 tv.transform_stream(corpus()), strict=True):
        if mean is None:  # the average document's weights, from chunk 0
            mean = theta.mean(axis=0)
        np.add.at(raw, (topic, theta.argmax(axis=1)), 1)
        np.add.at(relative, (topic, (theta / mean).argmax(axis=1)), 1)
    out["transform_s"] = time.perf_counter() - t0
    out["rss_transform"] = _peak_rss_mib()
    for name, confusion in (("accuracy_raw", raw), ("accuracy", relative)):
        rows, cols = linear_sum_assignment(-confusion)
        out[name] = float(confusion[rows, cols].sum() / n)
    # a true topic is recovered when one learnt topic's 10 top words all
    # come from its block
    blocks = [{int(w[1:]) // corpus.block for w in top}
              for top in tv.get_top_words(10)]
    out["recovered"] = len({b.pop() for b in blocks if len(b) == 1}) / k
    return out


def _run_in_subprocess(params: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--worker", json.dumps(params)],
        capture_output=True, text=True, check=False)
    if proc.returncode:
        raise RuntimeError(f"worker for {params['documents']} documents failed:\n"
                           f"{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> str:
    """Run every corpus size (a fresh process each); a markdown table."""
    sizes = [int(s) for s in str(args.documents).split(",") if s.strip()]
    base = {k: getattr(args, k) for k in (
        "chunk_size", "epochs", "words", "true_topics", "min_words",
        "max_words", "max_features", "batch_size", "threads", "device", "seed")}
    load = os.getloadavg()[0]
    t_start = time.perf_counter()
    results = []
    for n in sizes:
        r = _run_in_subprocess({**base, "documents": n})
        results.append(r)
        print(f"{n} documents: vocabulary {r['vocabulary_s']:.1f} s, train "
              f"{r['train_s']:.1f} s/epoch, transform {r['transform_s']:.1f} s, "
              f"peak RSS {r['rss_transform']:.0f} MiB", file=sys.stderr)
    per = 100_000

    def rate(r: dict, key: str) -> str:
        return f"{r[key] * per / r['documents']:.1f}"

    lines = [
        f"command: {' '.join(sys.argv)}",
        f"load average before: {load:.2f}; total {time.perf_counter() - t_start:.0f} s",
        f"synthetic corpus: {args.true_topics} topics over {args.words} words, "
        f"{args.min_words}-{args.max_words} words a document, chunks of "
        f"{args.chunk_size}; TopicVectorizer(n_components={args.true_topics}, "
        f"max_features={args.max_features}, batch_size={args.batch_size}) "
        f"defaults otherwise, {args.epochs} epoch(s), {args.threads} torch "
        f"thread(s), device {args.device}",
        "",
        "| documents | vocabulary | read (s / 100k) | vocabulary pass (s / 100k) "
        "| train (s / 100k / epoch) | transform (s / 100k) | topics recovered "
        "| accuracy (relative / raw argmax) "
        "| peak RSS (MiB): start / vocabulary / train / transform |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['documents']:,} | {r['vocabulary_size']:,} | {rate(r, 'read_s')} "
            f"| {rate(r, 'vocabulary_s')} | {rate(r, 'train_s')} "
            f"| {rate(r, 'transform_s')} | {r['recovered']:.0%} "
            f"| {r['accuracy']:.3f} / {r['accuracy_raw']:.3f} "
            f"| {r['rss_start']:.0f} / {r['rss_vocabulary']:.0f} / "
            f"{r['rss_train']:.0f} / {r['rss_transform']:.0f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        print(json.dumps(run_size(json.loads(sys.argv[2]))))
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        add_arguments(parser)
        print(run(parser.parse_args()))

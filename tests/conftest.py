"""Shared fixtures: tiny configurations and small synthetic panels."""

import numpy as np
import pandas as pd
import pytest
import torch

# tests run in parallel workers (pytest -n 2): one torch thread each avoids
# oversubscribing the cores, which slows tiny LSTMs down by an order of magnitude
torch.set_num_threads(1)

TINY = dict(
    max_epochs=2,
    batches_per_epoch=4,
    batch_size=16,
    hidden_size=8,
    num_layers=1,
    num_samples=20,
    random_state=0,
)


@pytest.fixture
def tiny():
    return dict(TINY)


def make_panel(n_series=6, n_periods=48, freq="M", seed=0, unequal=False):
    """Seasonal panel with levels across orders of magnitude."""
    rng = np.random.default_rng(seed)
    idx = pd.period_range("2010-01", periods=n_periods, freq=freq)
    t = np.arange(n_periods)
    level = np.exp(rng.normal(3, 1, n_series))
    vals = level[:, None] * (
        1 + 0.3 * np.sin(2 * np.pi * t / 12)[None] + 0.05 * rng.standard_normal(
            (n_series, n_periods))
    )
    ids = [f"s{i:02d}" for i in range(n_series)]
    y = pd.DataFrame(
        {"y": vals.ravel()},
        index=pd.MultiIndex.from_product([ids, idx], names=["id", "time"]),
    )
    if unequal:  # drop the start of every other series
        keep = np.ones(len(y), dtype=bool)
        for i in range(0, n_series, 2):
            keep[i * n_periods : i * n_periods + 5 * (i + 1)] = False
        y = y[keep]
    return y


@pytest.fixture
def panel():
    return make_panel()


# ------------------------------------------------------------ topic corpora
#: a small, fast topic model configuration for the block corpora
TOPIC_FAST = dict(
    hidden_layer_sizes=(16,),
    learning_rate=0.01,
    theta_dropout=0.2,
    max_epochs=40,
    batch_size=16,
    random_state=0,
)


THEMES = {
    "pets": "cat dog puppy kitten leash collar vet fur paw bark".split(),
    "finance": "stock bond market price bank loan rate fund trade profit".split(),
    "space": "rocket orbit planet moon star launch nasa galaxy comet mars".split(),
}


def make_theme_docs(n_per_theme=20, words=12, seed=0):
    """Block corpus: each document draws its words from one theme's block."""
    rng = np.random.RandomState(seed)
    docs, labels = [], []
    for label, vocab in THEMES.items():
        for _ in range(n_per_theme):
            docs.append("the " + " and ".join(rng.choice(vocab, size=words)))
            labels.append(label)
    order = rng.permutation(len(docs))
    return [docs[i] for i in order], np.array(labels)[order]


def free_port() -> int:
    """A free local TCP port (for a test's process group)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_ranks(worker, args: tuple, out: str, world: int = 2,
              timeout_s: float = 120) -> list:
    """Spawn ``world`` processes running ``worker(rank, *args)`` (each saves
    its results to ``out/rank{r}.pt``), fail the test after ``timeout_s``
    (a hang in a collective), and return the ranks' saved results."""
    import os
    import time

    import torch.multiprocessing as mp

    ctx = mp.start_processes(worker, args=args, nprocs=world, join=False,
                             start_method="spawn")
    deadline = time.monotonic() + timeout_s
    try:
        while not ctx.join(timeout=1):
            if time.monotonic() > deadline:
                pytest.fail(f"the {world}-process run did not finish in "
                            f"{timeout_s} s (a hang in a collective?)")
    finally:
        for proc in ctx.processes:
            if proc.is_alive():
                proc.terminate()
    return [torch.load(os.path.join(out, f"rank{r}.pt"), weights_only=False)
            for r in range(world)]

"""Training of the topic VAEs: batches, epochs, optimiser, early stopping.

The middle layer of the topic model, between the network
(:mod:`skforecast_ntm.networks._topic_vae`, pure ``torch.nn.Module``) and the
scikit-learn estimator (:mod:`skforecast_ntm.topics._neural_topic_model`,
validation and fitted attributes), as GluonTS separates module, training
module and estimator. Nothing here knows about scikit-learn's parameter
validation; the estimator passes plain values.

Randomness: every function that draws takes a ``numpy.random.RandomState``
(shuffling, sub-sampling) or an integer seed (torch: dropout and
reparameterisation noise, inside :func:`seeded_torch`), so that a fit never
touches the global generators.

Data-parallel training (``dist`` set, see :mod:`skforecast_ntm._distributed`
and ``docs/scale_out.md``, "Topic model"): :func:`train_epoch_parallel` runs
the same number of steps on every rank, each rank on batches of its own
documents, and sums one flat buffer per step over the ranks
(:class:`~skforecast_ntm._distributed.FlatGradients`: the weighted
gradients, the batch-norm running statistics, the loss and the words), so
every rank takes the same Adam step; :func:`train_epochs` then validates on
the all-rank held-out loss.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch

from .._distributed import DistributedContext, FlatGradients
from ..networks._topic_vae import TopicVAE
from ..networks._torch_utils import fused_adam_available, resolve_device, seeded_torch

__all__ = [
    "ECR_EPSILON",
    "ECR_ITERATIONS",
    "TrainingHistory",
    "batch_inputs",
    "batch_tensor",
    "make_optimizer",
    "neg_elbo",
    "resolve_device",
    "row_sums",
    "seeded_torch",
    "split_batches",
    "parallel_steps",
    "train_epoch",
    "train_epoch_parallel",
    "train_epochs",
]

#: entropic regularisation and warm-started Sinkhorn iterations per training
#: step of the embedding-clustering regulariser (cosine costs lie in [0, 2])
ECR_EPSILON = 0.03
ECR_ITERATIONS = 5

# documents per forward pass when evaluating (memory bound only)
EVAL_CHUNK = 2048
# fixed seed of the reparameterisation noise of ``neg_elbo``
EVAL_SEED = 0

_INT32_MAX = np.iinfo(np.int32).max


def draw_seed(rng: np.random.RandomState) -> int:
    """An int32 seed drawn from ``rng`` (one draw)."""
    return int(rng.randint(_INT32_MAX))


def batch_tensor(X: np.ndarray | sp.csr_matrix, rows: Any,
                 device: torch.device) -> torch.Tensor:
    """Dense float32 tensor of the rows ``rows`` of ``X`` (always a copy)."""
    part = X[rows]
    arr = part.toarray() if sp.issparse(part) else np.array(part, order="C")
    return torch.from_numpy(arr.astype(np.float32, copy=False)).to(device)


def batch_inputs(
    X: np.ndarray | sp.csr_matrix, rows: Any, device: torch.device, *,
    sparse: bool = False, decoder_index: np.ndarray | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The encoder's input and the decoder's target for the rows ``rows``.

    The input is the rows' counts, dense, or with ``sparse`` a sparse COO
    tensor (for wide vocabularies: the encoder's first layer then costs what
    the non-zero counts cost). The target is the dense counts of the decoded
    words (``decoder_index``; all words when ``None``, then the same tensor
    as a dense input).
    """
    if not sparse:
        x = batch_tensor(X, rows, device)
        target = x if decoder_index is None else x[:, torch.from_numpy(
            decoder_index).to(device)]
        return x, target
    part = sp.csr_matrix(X[rows], dtype=np.float32)
    part.sum_duplicates()  # canonical: sorted, unique column indices per row
    rows = np.repeat(np.arange(part.shape[0]), np.diff(part.indptr))
    x = torch.sparse_coo_tensor(
        torch.from_numpy(np.vstack([rows, part.indices]).astype(np.int64)),
        torch.from_numpy(part.data), part.shape,
        is_coalesced=True, check_invariants=False,
    ).to(device)
    dec = part if decoder_index is None else part[:, decoder_index]
    target = torch.from_numpy(dec.toarray())
    return x, target.to(device)


def row_sums(X: np.ndarray | sp.csr_matrix) -> np.ndarray:
    """Words per document, float64 ``(n_samples,)``."""
    return np.asarray(X.sum(axis=1), dtype=np.float64).ravel()


def split_batches(idx: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """``max(1, n // batch_size)`` nearly equal batches: none is tiny."""
    return np.array_split(idx, max(1, idx.size // batch_size))


def make_optimizer(net: torch.nn.Module, learning_rate: float, beta1: float,
                   weight_decay: float, device: torch.device) -> torch.optim.Adam:
    """Adam over the network's parameters (fused kernel on CPU and CUDA)."""
    return torch.optim.Adam(
        net.parameters(),
        lr=learning_rate,
        betas=(beta1, 0.999),
        weight_decay=weight_decay,
        # one fused kernel instead of a loop over the parameter tensors
        fused=fused_adam_available(device),
    )


def _batch_loss(net: TopicVAE, X: np.ndarray | sp.csr_matrix, rows: np.ndarray,
                device: torch.device, *, cluster_regularization: float,
                sparse: bool, decoder_index: np.ndarray | None):
    """A training step's loss over the rows ``rows``, their decoded counts,
    and whether the batch is a single document.

    The loss is the batch mean of the negative ELBO, plus
    ``cluster_regularization`` times the embedding-clustering loss when
    positive. A single document has no batch statistics: the network is then
    left in eval mode with its dropouts on (the caller puts it back in
    training mode after the backward pass).
    """
    x, target = batch_inputs(X, rows, device, sparse=sparse,
                             decoder_index=decoder_index)
    single = target.shape[0] < 2
    if single:
        net.eval()
        net.encoder_dropout.train()
        net.theta_dropout.train()
    nll, kl = net(x, target=target)
    loss = (nll + kl).mean()
    if cluster_regularization:
        loss = loss + cluster_regularization * \
            net.embedding_clustering_loss(ECR_EPSILON, ECR_ITERATIONS)
    return loss, target, single


def train_epoch(
    net: TopicVAE,
    optimizer: torch.optim.Optimizer,
    X: np.ndarray | sp.csr_matrix,
    idx: np.ndarray,
    seed: int,
    device: torch.device,
    *,
    batch_size: int,
    cluster_regularization: float = 0.0,
    clip_gradient: float | None = None,
    sparse: bool = False,
    decoder_index: np.ndarray | None = None,
) -> float:
    """One pass over the rows ``idx`` of ``X`` (already shuffled).

    The loss of a step is the batch mean of the negative ELBO, plus
    ``cluster_regularization`` times the network's embedding-clustering loss
    when it is positive. A batch of one document (possible with
    ``partial_fit``) has no batch statistics: it uses the batch-norm running
    statistics, dropout still on.

    ``sparse`` and ``decoder_index``: see :func:`batch_inputs`.

    Returns
    -------
    float
        The epoch's loss per word (sum over documents / number of decoded
        words).
    """
    total_loss = 0.0
    total_words = 0.0
    with seeded_torch(seed, device):
        net.train()
        for rows in split_batches(idx, batch_size):
            loss, target, single = _batch_loss(
                net, X, rows, device, cluster_regularization=cluster_regularization,
                sparse=sparse, decoder_index=decoder_index)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if clip_gradient is not None:
                torch.nn.utils.clip_grad_norm_(net.parameters(), float(clip_gradient))
            optimizer.step()
            if single:
                net.train()
            total_loss += float(loss.detach()) * target.shape[0]
            total_words += float(target.sum())
        net.eval()
    return total_loss / max(total_words, 1.0)


def parallel_steps(counts: np.ndarray, batch_size: int) -> int:
    """Optimiser steps of a data-parallel epoch over ``counts[r]`` documents
    per rank: ``max(1, N // (R * batch_size))`` with ``N`` their sum.

    ``batch_size`` is per process, as in DDP (and DeepAR here): with one rank
    this is the single-process count, ``max(1, n // batch_size)``
    (:func:`split_batches`).
    """
    counts = np.asarray(counts, dtype=np.int64)
    return max(1, int(counts.sum()) // (counts.size * int(batch_size)))


def _rank_batch_weights(counts: np.ndarray, steps: int) -> np.ndarray:
    """Loss weight of each rank at each step, ``(R, steps)``.

    Rank ``r`` splits its ``n_r`` documents (cycled to ``steps`` when
    ``n_r < steps``) into ``steps`` nearly equal batches, as
    :func:`numpy.array_split`; batch ``s`` stands for ``c = size * n_r /
    m_r`` of its documents (``m_r = max(n_r, steps)``, so ``c`` is the batch
    size without cycling). The weight ``R c_{r,s} / sum_r c_{r,s}`` makes
    the mean over the ranks of the weighted batch means the mean over the
    union of the batches (each document weighs what it weighs in the
    single-process epoch); an empty rank weighs 0.
    """
    counts = np.asarray(counts, dtype=np.int64)
    m = np.where(counts > 0, np.maximum(counts, steps), 0)
    s = np.arange(steps)
    sizes = m[:, None] // steps + (s[None, :] < (m % steps)[:, None])
    stands = sizes * (counts / np.maximum(m, 1))[:, None]
    total = stands.sum(axis=0, keepdims=True)
    return counts.size * stands / np.where(total > 0, total, 1.0)


def train_epoch_parallel(
    net: TopicVAE,
    optimizer: torch.optim.Optimizer,
    X: np.ndarray | sp.csr_matrix,
    idx: np.ndarray,
    seed: int,
    device: torch.device,
    dist: DistributedContext,
    *,
    batch_size: int,
    cluster_regularization: float = 0.0,
    clip_gradient: float | None = None,
    sparse: bool = False,
    decoder_index: np.ndarray | None = None,
) -> float:
    """:func:`train_epoch` of a data-parallel run: a collective.

    Every rank passes its own (shuffled) rows ``idx`` (possibly none). The
    epoch has :func:`parallel_steps` steps on every rank; rank ``r`` splits
    its rows into that many nearly equal batches (cycling through them when
    it has fewer rows than steps) and weights its batch loss by
    :func:`_rank_batch_weights`. Each step sums one flat buffer
    (:class:`~skforecast_ntm._distributed.FlatGradients`) over the ranks:
    the gradients (then their mean), the batch-norm running statistics
    (then their mean over the ranks whose batch updated them: not an empty
    or one-document batch), the loss and the words; it then clips the
    averaged gradient and takes the Adam step: the parameters and buffers
    stay identical on every rank. The batch
    statistics of the batch normalisations are each rank's own (as DDP
    without ``SyncBatchNorm``).

    Returns
    -------
    float
        The epoch's all-rank loss per decoded word.
    """
    counts = np.asarray(dist.all_gather_object(int(idx.size)), dtype=np.int64)
    steps = parallel_steps(counts, batch_size)
    weights = _rank_batch_weights(counts, steps)[dist.rank]
    rows_all = idx if idx.size == 0 or idx.size >= steps else np.resize(idx, steps)
    batches = np.array_split(rows_all, steps)
    # the gradients are views of the buffer; two slots: loss sum and words
    grads = FlatGradients(net, n_extra=2, batch_norm=True)
    total_loss = 0.0
    total_words = 0.0
    with seeded_torch(seed, device):
        net.train()
        for step, rows in enumerate(batches):
            grads.zero_()
            loss_sum = words = 0.0
            updated = False
            if rows.size:
                loss, target, single = _batch_loss(
                    net, X, rows, device,
                    cluster_regularization=cluster_regularization,
                    sparse=sparse, decoder_index=decoder_index)
                (loss * float(weights[step])).backward()
                if single:
                    net.train()
                updated = not single
                loss_sum = float(loss.detach()) * target.shape[0]
                words = float(target.sum())
            elif cluster_regularization:
                # no documents: the Sinkhorn warm start still moves with the
                # other ranks' (it depends on the parameters only)
                with torch.no_grad():
                    net.embedding_clustering_loss(ECR_EPSILON, ECR_ITERATIONS)
            loss_sum, words = grads.all_reduce_(
                dist, extra=(loss_sum, words), weight=float(updated)).tolist()
            if clip_gradient is not None:
                torch.nn.utils.clip_grad_norm_(net.parameters(), float(clip_gradient))
            optimizer.step()
            total_loss += loss_sum
            total_words += words
        net.eval()
    return total_loss / max(total_words, 1.0)


def neg_elbo(net: TopicVAE, X: np.ndarray | sp.csr_matrix, device: torch.device,
             n_samples: int = 1, *, sparse: bool = False,
             decoder_index: np.ndarray | None = None) -> tuple[float, float]:
    """Sum of the negative ELBO over the documents, and their decoded words.

    Documents without decoded words are left out (their likelihood is 1).
    Eval mode, reparameterisation noise from a private generator seeded with
    a fixed seed: deterministic, and the global generator is untouched.
    """
    net.eval()
    lengths = row_sums(X if decoder_index is None else X[:, decoder_index])
    rows = np.flatnonzero(lengths > 0)
    generator = torch.Generator(device=device)
    generator.manual_seed(EVAL_SEED)
    total = 0.0
    with torch.no_grad():
        for start in range(0, rows.size, EVAL_CHUNK):
            x, target = batch_inputs(X, rows[start : start + EVAL_CHUNK], device,
                                     sparse=sparse, decoder_index=decoder_index)
            nll, kl = net(x, generator=generator, n_samples=n_samples,
                          target=target)
            total += float((nll.double() + kl.double()).sum())
    return total, float(lengths.sum())


@dataclass
class TrainingHistory:
    """What :func:`train_epochs` returns: the curves of one fit."""

    loss_curve: list[float] = field(default_factory=list)
    validation_loss_curve: list[float] | None = None
    best_validation_loss: float | None = None

    @property
    def n_epochs(self) -> int:
        return len(self.loss_curve)


def train_epochs(
    net: TopicVAE,
    optimizer: torch.optim.Optimizer,
    X: np.ndarray | sp.csr_matrix,
    train_idx: np.ndarray,
    rng: np.random.RandomState,
    device: torch.device,
    *,
    max_epochs: int,
    batch_size: int,
    sub_sample: float = 1.0,
    cluster_regularization: float = 0.0,
    clip_gradient: float | None = None,
    sparse: bool = False,
    decoder_index: np.ndarray | None = None,
    X_val: np.ndarray | sp.csr_matrix | None = None,
    tol: float = 1e-3,
    n_iter_no_change: int = 3,
    progress: Callable[[Iterable[int]], Iterable[int]] | None = None,
    dist: DistributedContext | None = None,
) -> TrainingHistory:
    """Train for up to ``max_epochs`` epochs over the rows ``train_idx``.

    Each epoch draws ``ceil(sub_sample * len(train_idx))`` of the rows in a
    new random order from ``rng``, then a torch seed from ``rng``. With
    ``X_val`` (early stopping), the held-out loss per word is computed after
    every epoch; training stops when it has not improved by ``tol`` for
    ``n_iter_no_change`` epochs, and the weights of the best epoch are
    restored. ``progress`` wraps the epoch iterator (e.g. a tqdm bar; it
    gets ``set_postfix`` calls when it has that method).

    With ``dist`` (data-parallel), every rank passes its own rows, ``rng``
    (its own generator) and ``X_val`` (its held-out documents, possibly
    none): the epochs run :func:`train_epoch_parallel`, and the held-out
    loss is the all-rank one (total and words summed over the ranks), so
    every rank stops at the same epoch with the same best weights.
    """
    history = TrainingHistory(
        validation_loss_curve=[] if X_val is not None else None)
    best_state = None
    no_improvement = 0
    n_draw = max(1, int(math.ceil(sub_sample * train_idx.size)))
    epochs = range(max_epochs) if progress is None else progress(range(max_epochs))
    for _ in epochs:
        idx = rng.permutation(train_idx)[:n_draw]
        options = dict(
            batch_size=batch_size, cluster_regularization=cluster_regularization,
            clip_gradient=clip_gradient, sparse=sparse, decoder_index=decoder_index,
        )
        if dist is None:
            loss = train_epoch(net, optimizer, X, idx, draw_seed(rng), device,
                               **options)
        else:
            loss = train_epoch_parallel(net, optimizer, X, idx, draw_seed(rng),
                                        device, dist, **options)
        history.loss_curve.append(loss)
        postfix = {"loss": f"{loss:.4f}"}
        if X_val is not None:
            total, words = neg_elbo(net, X_val, device, sparse=sparse,
                                    decoder_index=decoder_index)
            if dist is not None:  # the all-rank held-out loss
                both = torch.tensor([total, words], dtype=torch.float64,
                                    device=device)
                total, words = dist.all_reduce_(both).tolist()
            val_loss = total / max(words, 1.0)
            history.validation_loss_curve.append(val_loss)
            postfix["val_loss"] = f"{val_loss:.4f}"
            best = history.best_validation_loss
            if best is None or val_loss < best - tol:
                no_improvement = 0
            else:
                no_improvement += 1
            if best is None or val_loss < best:
                history.best_validation_loss = val_loss
                best_state = copy.deepcopy(net.state_dict())
        if hasattr(epochs, "set_postfix"):
            epochs.set_postfix(postfix)
        if X_val is not None and no_improvement >= n_iter_no_change:
            break
    if best_state is not None:
        net.load_state_dict(best_state)
    net.eval()
    return history

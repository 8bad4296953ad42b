"""Data-parallel training on :mod:`torch.distributed` (see ``docs/scale_out.md``).

Shared by the forecasters and the topic models (a package-level module, so
that :mod:`skforecast_ntm.topics` does not import the forecasting package).
The user runs the same script on every process (``torchrun --nproc_per_node
N script.py``); :meth:`DeepARCore.fit`, :meth:`NeuralTopicModel.fit` (and
``partial_fit``) and :meth:`TopicVectorizer.fit` then train one model on all
of them:

* :func:`data_parallel` finds the process group: the user's when
  :mod:`torch.distributed` is initialised, else one created from torchrun's
  environment (``WORLD_SIZE > 1``, ``RANK``, ``MASTER_ADDR``, ``MASTER_PORT``;
  gloo on CPU, NCCL on CUDA), kept for the next fits of the process and
  destroyed at exit (or by :func:`shutdown`), else none (one process, the
  single-process code path unchanged).
* :class:`DistributedContext` holds the rank, the world size and the few
  collectives the core uses: an object all-gather (the encoders' per-rank
  summaries, the window weights, the seeds), an in-place sum (the flat
  gradient buffer, the validation loss), and :meth:`~DistributedContext.agree`,
  which turns an error on one rank into the same error on every rank instead
  of a hang in the next collective.
* :class:`FlatGradients` holds a module's gradients as views of one flat
  buffer, with optional scalar slots (a step's loss, its counts) and an
  optional block for the batch-norm running statistics, so that a training
  step sums all of it over the ranks in one collective
  (:meth:`FlatGradients.all_reduce_`); DeepAR's single-process step uses it
  for zeroing and clipping the gradients.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch
import torch.distributed as dist

__all__ = ["DistributedContext", "FlatGradients", "data_parallel", "get_rank",
           "get_world_size", "is_main_process", "shutdown"]

#: torchrun's environment variables that a process group is created from
TORCHRUN_ENV = ("WORLD_SIZE", "RANK", "MASTER_ADDR", "MASTER_PORT")

#: whether the default process group is one this module created
_created = False

#: set to "0" to keep every process' fit on its own under torchrun (e.g. one
#: independent model per rank, or workers forked from a torchrun process)
OPT_OUT_ENV = "SKFORECAST_NTM_DATA_PARALLEL"


class DistributedContext:
    """The process group a fit runs in, and the collectives it uses.

    Parameters
    ----------
    rank : int
        This process' rank.
    world_size : int
        Number of processes.
    group : torch.distributed.ProcessGroup or None
        The group (None: the default group).

    Examples
    --------
    >>> from skforecast_ntm._distributed import DistributedContext
    >>> ctx = DistributedContext(rank=0, world_size=1)
    >>> ctx.all_gather_object({"n": 3})
    [{'n': 3}]
    >>> ctx.agree(lambda: 1 + 1)
    2
    """

    def __init__(self, rank: int = 0, world_size: int = 1, group=None) -> None:
        self.rank = int(rank)
        self.world_size = int(world_size)
        self.group = group

    @property
    def is_main(self) -> bool:
        """Whether this is rank 0 (the process that shows progress)."""
        return self.rank == 0

    def all_gather_object(self, obj: Any) -> list:
        """Every rank's ``obj``, in rank order (pickled, any object)."""
        if self.world_size == 1:
            return [obj]
        out: list = [None] * self.world_size
        dist.all_gather_object(out, obj, group=self.group)
        return out

    def all_reduce_(self, tensor: torch.Tensor) -> torch.Tensor:
        """Sum ``tensor`` over the ranks, in place."""
        if self.world_size > 1:
            dist.all_reduce(tensor, op=dist.ReduceOp.SUM, group=self.group)
        return tensor

    def broadcast_module_(self, module: torch.nn.Module) -> None:
        """Copy rank 0's parameters and buffers into every rank's ``module``."""
        if self.world_size == 1:
            return
        for tensor in module.state_dict().values():
            dist.broadcast(tensor, src=0, group=self.group)

    def agree(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on every rank; an error on any rank raises on all.

        The error of the lowest failing rank is raised (its type and message,
        prefixed by the rank), so that no rank goes on into a collective the
        failed one never joins.
        """
        result, error = None, None
        try:
            result = fn()
        except Exception as exc:  # re-raised below, on every rank
            error = exc
        if self.world_size == 1:
            if error is not None:
                raise error
            return result
        status = None if error is None else (type(error), str(error))
        statuses = self.all_gather_object(status)
        for rank, st in enumerate(statuses):
            if st is not None:
                if rank == self.rank and error is not None:
                    raise error
                kind, msg = st
                try:
                    exc = kind(f"(rank {rank}) {msg}")
                except Exception:  # an exception type with another signature
                    exc = RuntimeError(f"(rank {rank}) {kind.__name__}: {msg}")
                raise exc
        return result

    def __repr__(self) -> str:
        return f"DistributedContext(rank={self.rank}, world_size={self.world_size})"


def _batch_norm_buffers(module: torch.nn.Module) -> list[torch.Tensor]:
    """The running statistics of the module's batch normalisations."""
    out = []
    for sub in module.modules():
        if isinstance(sub, torch.nn.modules.batchnorm._BatchNorm) and \
                sub.track_running_stats:
            out += [sub.running_mean, sub.running_var, sub.num_batches_tracked]
    return out


class FlatGradients:
    """The gradients of a module's parameters as views of one flat buffer.

    Zeroing, clipping and the all-reduce of a data-parallel step are then
    one operation each on the buffer instead of one per parameter
    (``clip_grad_norm_`` costs 0.2 ms a step on CPU for DeepAR's dozen
    parameters). Backward accumulates into the views: :meth:`zero_`
    re-attaches them, so anything that set a gradient to None in between
    (an optimizer's ``zero_grad``) does not detach the buffer.

    Layout of :attr:`buffer`: the gradients (:attr:`flat`); with
    ``batch_norm``, the running statistics of the module's batch
    normalisations and one slot for this rank's weight in their mean
    (copied in and out by :meth:`all_reduce_`: integer buffers do not live
    in a float buffer); then ``n_extra`` scalar slots (:attr:`extra`: e.g.
    a step's loss and counts), summed over the ranks with the gradients.

    Parameters
    ----------
    module : torch.nn.Module
        The module whose trainable parameters' gradients the buffer holds.
    n_extra : int, default=0
        Number of scalar slots after the gradients (and statistics).
    batch_norm : bool, default=False
        Whether :meth:`all_reduce_` also averages the batch-norm running
        statistics (``running_mean``, ``running_var``,
        ``num_batches_tracked``) over the ranks.

    Attributes
    ----------
    module : torch.nn.Module
        The module.
    params : list of torch.nn.Parameter
        Its parameters with ``requires_grad``, in :attr:`flat`'s order.
    buffer : torch.Tensor
        The one flat buffer (the parameters' dtype and device).
    flat : torch.Tensor
        The gradients, a view of :attr:`buffer`.
    extra : torch.Tensor
        The ``n_extra`` scalar slots, a view of :attr:`buffer`.
    n_extra : int
        Number of scalar slots.
    stats : list of torch.Tensor
        The batch-norm running statistics (empty without ``batch_norm``).

    Examples
    --------
    >>> import torch
    >>> from skforecast_ntm._distributed import DistributedContext, FlatGradients
    >>> net = torch.nn.Linear(2, 1)
    >>> grads = FlatGradients(net, n_extra=1)
    >>> grads.zero_()
    >>> loss = net(torch.tensor([[3.0, 4.0]])).sum()
    >>> loss.backward()
    >>> grads.flat.tolist()  # weight (3, 4), then bias (1)
    [3.0, 4.0, 1.0]
    >>> net.weight.grad.data_ptr() == grads.buffer.data_ptr()
    True
    >>> grads.all_reduce_(DistributedContext(), extra=[2.5]).tolist()
    [2.5]
    >>> float(grads.clip_norm_(1.0))  # the norm before clipping
    5.099...
    """

    def __init__(self, module: torch.nn.Module, n_extra: int = 0,
                 batch_norm: bool = False) -> None:
        self.module = module
        self.params = [p for p in module.parameters() if p.requires_grad]
        if not self.params:
            raise ValueError(
                f"module {type(module).__name__} has no parameter with "
                "requires_grad=True: there are no gradients to hold."
            )
        self.stats = _batch_norm_buffers(module) if batch_norm else []
        self.n_extra = int(n_extra)
        if self.n_extra < 0:
            raise ValueError(f"n_extra={n_extra!r}: pass a number of slots >= 0.")
        first = self.params[0]
        n_grads = sum(p.numel() for p in self.params)
        stat_sizes = [t.numel() for t in self.stats]
        # the weight slot follows the statistics, when there are any
        n_stats = sum(stat_sizes) + (1 if self.stats else 0)
        self.buffer = torch.zeros(n_grads + n_stats + self.n_extra,
                                  dtype=first.dtype, device=first.device)
        self.flat = self.buffer[:n_grads]
        self._stat_block = self.buffer[n_grads : n_grads + n_stats]
        self._stat_views = list(self._stat_block[: sum(stat_sizes)].split(stat_sizes)) \
            if self.stats else []
        self.extra = self.buffer[n_grads + n_stats :]
        self.views, start = [], 0
        for p in self.params:
            self.views.append(self.flat[start : start + p.numel()].view_as(p))
            start += p.numel()

    def zero_(self) -> None:
        """Zero the buffer and (re-)attach the views as the gradients."""
        self.buffer.zero_()
        for p, view in zip(self.params, self.views, strict=True):
            p.grad = view

    def clip_norm_(self, max_norm: float) -> torch.Tensor:
        """Scale the gradients to a total 2-norm of at most ``max_norm``.

        Returns the norm before clipping.
        """
        norm = torch.linalg.vector_norm(self.flat)
        # the same factor as torch.nn.utils.clip_grad_norm_
        self.flat.mul_(torch.clamp(max_norm / (norm + 1e-6), max=1.0))
        return norm

    def all_reduce_(self, dist: DistributedContext,
                    extra: Sequence[float | torch.Tensor] = (),
                    weight: float = 1.0) -> torch.Tensor:
        """Sum the buffer over the ranks in one collective, in place.

        Afterwards the gradients are their mean over the ranks (the sum
        divided by the world size), and with ``batch_norm`` the module's
        running statistics are their mean over the ranks weighted by each
        rank's ``weight`` (integer statistics rounded; left as they are
        when every weight is 0), so every rank ends the step with the same
        gradients and buffers.

        Parameters
        ----------
        dist : DistributedContext
            The process group.
        extra : sequence of float or scalar tensor
            This rank's value of each of the ``n_extra`` scalar slots.
        weight : float, default=1.0
            This rank's weight in the mean of the running statistics (e.g.
            0 when its batch did not update them).

        Returns
        -------
        torch.Tensor
            :attr:`extra`: the sums over the ranks of the slots' values.

        Raises
        ------
        ValueError
            When ``extra`` does not hold ``n_extra`` values.
        """
        if len(extra) != self.n_extra:
            raise ValueError(
                f"extra has {len(extra)} values but the buffer has "
                f"n_extra={self.n_extra} slots; pass one value per slot."
            )
        for stat, view in zip(self.stats, self._stat_views, strict=True):
            view.copy_(stat.reshape(-1)).mul_(weight)
        if self.stats:
            self._stat_block[-1] = weight
        for i, value in enumerate(extra):
            self.extra[i] = value
        dist.all_reduce_(self.buffer)
        self.flat.div_(dist.world_size)
        if self.stats:
            total = float(self._stat_block[-1])
            if total > 0:
                for stat, view in zip(self.stats, self._stat_views, strict=True):
                    mean = view.view_as(stat) / total
                    stat.copy_(mean.round() if not stat.is_floating_point() else mean)
        return self.extra


def _env_world_size() -> int:
    try:
        return int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        raise ValueError(
            f"WORLD_SIZE={os.environ['WORLD_SIZE']!r} is not an integer; "
            "launch with torchrun, or unset WORLD_SIZE for one process."
        ) from None


def get_world_size() -> int:
    """Number of processes a fit would run on (1 outside torchrun)."""
    if os.environ.get(OPT_OUT_ENV, "1").strip() == "0":
        return 1
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return max(1, _env_world_size())


def get_rank() -> int:
    """This process' rank (0 outside torchrun)."""
    if os.environ.get(OPT_OUT_ENV, "1").strip() == "0":
        return int(os.environ.get("RANK", "0"))
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    if _env_world_size() > 1:
        return int(os.environ.get("RANK", "0"))
    return 0


def is_main_process() -> bool:
    """Whether this process is rank 0: the one that should write outputs.

    Examples
    --------
    >>> from skforecast_ntm._distributed import is_main_process
    >>> is_main_process()
    True
    """
    return get_rank() == 0


def shutdown() -> None:
    """Destroy the process group :func:`data_parallel` created, if any.

    The user's own group is left alone. Called at interpreter exit.

    Examples
    --------
    >>> from skforecast_ntm._distributed import shutdown
    >>> shutdown()  # nothing to do outside torchrun
    """
    global _created
    if _created and dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
    _created = False


atexit.register(shutdown)


@contextmanager
def data_parallel(device: str | torch.device = "cpu"
                  ) -> Iterator[DistributedContext | None]:
    """The process group of a fit: the user's, one from torchrun's env, or none.

    Yields None when there is a single process (no group, or a group of
    one) or when the environment variable ``SKFORECAST_NTM_DATA_PARALLEL``
    is ``"0"``; else a :class:`DistributedContext`. A group created here (gloo
    on CPU, NCCL on CUDA) is kept for the next fits of the process (creating
    it again from torchrun's environment after destroying it can hang, see
    ``docs/scale_out.md``) and destroyed at exit or by :func:`shutdown`; the
    user's is never destroyed.

    Raises
    ------
    ValueError
        When ``WORLD_SIZE > 1`` but torchrun's other variables are missing.
    """
    global _created
    if os.environ.get(OPT_OUT_ENV, "1").strip() == "0":
        world = 1
    elif dist.is_available() and dist.is_initialized():
        world = dist.get_world_size()
    else:
        world = _env_world_size()
        if world > 1:
            missing = [v for v in TORCHRUN_ENV if v not in os.environ]
            if missing:
                raise ValueError(
                    f"WORLD_SIZE={world} but {', '.join(missing)} not set: "
                    "launch the script with torchrun (torchrun "
                    "--nproc_per_node N script.py), or initialise "
                    "torch.distributed yourself before fit."
                )
            if not dist.is_available():
                raise RuntimeError(
                    "WORLD_SIZE > 1 but this torch build has no "
                    "torch.distributed; run a single process."
                )
            cuda = torch.device(device).type == "cuda"
            backend = "nccl" if cuda and dist.is_nccl_available() else "gloo"
            if cuda and "LOCAL_RANK" in os.environ:
                torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
            dist.init_process_group(backend=backend)
            _created = True
    if world <= 1:
        yield None
        return
    yield DistributedContext(dist.get_rank(), dist.get_world_size())

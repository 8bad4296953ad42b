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
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
import torch.distributed as dist

__all__ = ["DistributedContext", "data_parallel", "get_rank", "get_world_size",
           "is_main_process", "shutdown"]

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

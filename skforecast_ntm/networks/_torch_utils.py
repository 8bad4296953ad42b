"""Torch helpers shared by the forecasters and the topic model.

One copy of each check that both estimators need: the device check, the
seeded RNG that leaves torch's global generators as they were, and whether a
fused Adam kernel exists for a device.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

__all__ = ["fused_adam_available", "resolve_device", "seeded_torch"]


def resolve_device(device: str | torch.device) -> torch.device:
    """``device`` as a :class:`torch.device`, or a clear error.

    Raises
    ------
    ValueError
        For a string torch does not parse as a device, or a CUDA device on a
        machine without CUDA.

    Examples
    --------
    >>> from skforecast_ntm.networks._torch_utils import resolve_device
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a valid torch device (use 'cpu' or 'cuda')."
        ) from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available; use "
            "device='cpu'."
        )
    return dev


@contextlib.contextmanager
def seeded_torch(seed: int, device: str | torch.device) -> Iterator[None]:
    """Seed torch's generators inside the block, restoring them afterwards.

    The CPU generator, and that of ``device`` when it is a CUDA device, are
    forked (:func:`torch.random.fork_rng`), so the global RNG state outside
    the block is untouched.

    Examples
    --------
    >>> import torch
    >>> from skforecast_ntm.networks._torch_utils import seeded_torch
    >>> with seeded_torch(0, "cpu"):
    ...     a = torch.rand(2)
    >>> with seeded_torch(0, "cpu"):
    ...     b = torch.rand(2)
    >>> bool((a == b).all())
    True
    """
    dev = torch.device(device)
    devices = [dev] if dev.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def fused_adam_available(device: str | torch.device) -> bool:
    """Whether torch has a fused Adam kernel (one kernel for all parameters)."""
    return torch.device(device).type in ("cpu", "cuda")

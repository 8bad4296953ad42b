"""Forecast sampling: Monte Carlo paths from the trained network.

:func:`sample_paths` gathers each series' context window and unrolls the
network for ``horizon`` steps, stepping many paths together (in chunks of
series sized for the device), under a seed that leaves torch's global RNG
untouched.
"""

from __future__ import annotations

import numpy as np
import torch

from ..networks import DeepARNetwork
from ..networks._torch_utils import seeded_torch
from ._windows import PanelArrays

__all__ = ["SAMPLE_CHUNK_PATHS", "SAMPLE_CHUNK_PATHS_ACCELERATOR", "sample_paths"]

#: sample paths stepped together when predicting on CPU: large enough for
#: efficient matrix products, small enough for the per-step state (about 2 KB
#: a path) to stay in cache; accelerators get larger chunks
SAMPLE_CHUNK_PATHS = 1 << 14
SAMPLE_CHUNK_PATHS_ACCELERATOR = 1 << 18


def sample_paths(module: DeepARNetwork, arr: PanelArrays, start: np.ndarray, *,
                 context: int, max_lag: int, horizon: int, num_samples: int,
                 device: str, seed: int) -> np.ndarray:
    """Sample paths ``(N, num_samples, horizon)`` for every series of ``arr``.

    ``start[i]`` is the padded position of the first context step of series
    ``i``; its forecast starts ``context`` steps later.
    """
    s = int(num_samples)
    n = len(start)
    module.eval()
    out = np.empty((n, s, horizon), dtype=np.float32)
    chunk_paths = (SAMPLE_CHUNK_PATHS if torch.device(device).type == "cpu"
                   else SAMPLE_CHUNK_PATHS_ACCELERATOR)
    chunk = max(1, chunk_paths // s)
    c, p = context, max_lag
    with seeded_torch(seed, device), torch.inference_mode():
        for i in range(0, n, chunk):
            idx = np.arange(i, min(i + chunk, n))
            x = arr.window(idx, start[idx], p, c, c + horizon, context=c)
            x = {k: v.to(device) for k, v in x.items()}
            paths = module.sample(**x, horizon=horizon, num_samples=s)
            out[idx] = paths.cpu().numpy()
    return out

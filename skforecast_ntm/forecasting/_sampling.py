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

__all__ = ["SAMPLE_CHUNK_PATHS", "SAMPLE_CHUNK_PATHS_ACCELERATOR", "sample_paths",
           "sample_quantiles"]

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


#: sample values whose quantiles are computed together (a chunk of series):
#: ``np.quantile`` copies its input, which for 100,000 series of 100 paths
#: would double the paths' memory
QUANTILE_CHUNK_VALUES = 1 << 22


def sample_quantiles(samples: np.ndarray, levels) -> np.ndarray:
    """Quantiles over the paths of ``samples`` ``(N, S, H)``: ``(A, N, H)``.

    ``np.quantile(samples, levels, axis=1)`` (linear interpolation), in
    chunks of series so that its copy of the input stays small.
    """
    levels = np.atleast_1d(np.asarray(levels, dtype=float))
    n, s, h = samples.shape
    out = np.empty((len(levels), n, h))
    step = max(1, QUANTILE_CHUNK_VALUES // max(s * h, 1))
    for lo in range(0, n, step):
        out[:, lo : lo + step] = np.quantile(samples[lo : lo + step], levels, axis=1)
    return out

"""A small cache of sample paths, so that one draw serves every summary.

``predict``, ``predict_quantiles``, ``predict_interval``, ``predict_var``,
``predict_proba`` and ``predict_summary`` of
:class:`~skforecast_ntm.DeepARForecaster` all summarise the same Monte Carlo
paths. :class:`DrawCache` keeps the latest draws keyed on what determines
them (the cutoff, the forecasting horizon, a hash of the future covariates
and the estimator's parameters), so asking for quantiles then intervals
costs one sampling and the answers agree with each other. ``fit`` and
``update`` start a new cache.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DrawCache", "frame_digest"]


def frame_digest(frame: pd.DataFrame | None) -> str | None:
    """A content hash of a frame: index, columns, dtypes and values."""
    if frame is None:
        return None
    h = hashlib.blake2b(digest_size=16)
    h.update(repr((list(frame.columns), [str(d) for d in frame.dtypes],
                   list(frame.index.names), frame.shape)).encode())
    h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return h.hexdigest()


class DrawCache:
    """The latest ``maxsize`` draws, least recently used dropped first.

    Values are stored as given; numpy arrays in them are made read-only, so
    that a caller cannot change what the next caller reads. The cache is not
    pickled (a loaded model draws again, with the same seed and result).

    Examples
    --------
    >>> from skforecast_ntm.forecasting._cache import DrawCache
    >>> cache = DrawCache(maxsize=1)
    >>> cache.get("a", lambda: 1), cache.get("a", lambda: 2), cache.misses
    (1, 1, 1)
    """

    def __init__(self, maxsize: int = 2) -> None:
        self.maxsize = int(maxsize)
        self._items: OrderedDict = OrderedDict()
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = compute()
        for v in value if isinstance(value, tuple) else (value,):
            if isinstance(v, np.ndarray):
                v.flags.writeable = False
        self.misses += 1
        self._items[key] = value
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)
        return value

    def latest(self) -> Any:
        """The value most recently computed or read."""
        return next(reversed(self._items.values()))

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def __getstate__(self) -> dict:
        return {"maxsize": self.maxsize, "_items": OrderedDict(), "misses": 0}

"""Bounded conditioning history for ``DeepARForecaster.update``.

A forecast from the cutoff reads, per series, the last ``context_length +
max(lags)`` periods of the target and covariates, plus three summaries of
everything before them: the last observed value (forward-filled into
missing periods), the running sum and count of observed absolute values
(the fallback scale of a window with no observed value, see
:meth:`~._windows.PanelArrays.fallback_scale`) and the series' age origin
(its first observation). :func:`truncate_history` keeps only those periods
of each series and records the summaries of the dropped rows in a
:class:`HistoryPrefix`, which :class:`~._windows.PanelArrays` applies; the
sample paths then equal those drawn from the whole history, bit for bit,
while the stored history stays bounded however many times ``update`` is
called.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._panel import ARRAY_CHUNK_CELLS, Panel, RowIndex

__all__ = ["HistoryPrefix", "truncate_history"]


@dataclass
class HistoryPrefix:
    """Summaries of the dropped history rows of some series.

    Attributes
    ----------
    keys : pandas.Index
        The series that had rows dropped.
    fill : ndarray of float32
        Their last observed value before the first kept period (0 when
        none): the forward-filled input of unobserved kept periods.
    abs_sum : ndarray of float64
        Running sum of the observed absolute values before the first kept
        period (the same sequential sum as over the whole history).
    n_obs : ndarray of int64
        Count of observed values before the first kept period.
    age_offset : ndarray of int64
        Periods from the age origin (first observation, else first row) to
        the first kept row.
    """

    keys: pd.Index
    fill: np.ndarray
    abs_sum: np.ndarray
    n_obs: np.ndarray
    age_offset: np.ndarray

    def __len__(self) -> int:
        return len(self.keys)

    def merge(self, newer: HistoryPrefix) -> HistoryPrefix:
        """These summaries, replaced by ``newer``'s for the series it has."""
        keep = ~self.keys.isin(newer.keys)
        return HistoryPrefix(
            keys=self.keys[keep].append(newer.keys),
            fill=np.concatenate([self.fill[keep], newer.fill]),
            abs_sum=np.concatenate([self.abs_sum[keep], newer.abs_sum]),
            n_obs=np.concatenate([self.n_obs[keep], newer.n_obs]),
            age_offset=np.concatenate([self.age_offset[keep], newer.age_offset]),
        )


def _codes_positions(frame: pd.DataFrame, panel: Panel
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Series code and grid position of each row of ``frame``."""
    index = frame.index
    if isinstance(index, pd.MultiIndex):
        rows = RowIndex(index)
        return rows.codes_in(panel.keys), rows.positions_on(panel.grid)
    return (np.zeros(len(index), dtype=np.int64),
            panel.grid.get_indexer(index))


def truncate_history(y: pd.DataFrame, X: pd.DataFrame | None, panel: Panel,
                     arrays_of, pad: int, keep: int,
                     prefix: HistoryPrefix | None):
    """Keep the last ``keep`` periods of each series' history.

    Parameters
    ----------
    y, X : pandas.DataFrame
        The stored history (``X`` may be None).
    panel : Panel
        ``build_panel(y, X)`` on the model's grid.
    arrays_of : callable
        ``arrays_of(panel.rows(chunk))``: the PanelArrays of a chunk of
        series with ``prefix`` applied (built chunk by chunk, so that
        bounding a large panel's history never holds its whole arrays).
    pad : int
        The arrays' left padding.
    keep : int
        Periods to keep before and at each series' last row.
    prefix : HistoryPrefix or None
        Summaries of rows dropped before.

    Returns
    -------
    None when nothing is dropped, else ``(y, X, prefix, grid_start)``: the
    kept rows, the merged summaries and the first period of the kept grid.
    """
    y_codes, y_pos = _codes_positions(y, panel)
    keep_from = (panel.last - int(keep) + 1).astype(y_pos.dtype)  # on the grid
    y_keep = y_pos >= keep_from[y_codes]
    if y_keep.all():
        return None
    dropped = np.flatnonzero(panel.first < keep_from)
    first_kept = np.full(panel.n_series, len(panel.grid), dtype=np.int64)
    np.minimum.at(first_kept, y_codes[y_keep], y_pos[y_keep])
    start = int(keep_from[dropped].min())
    start = min(start, int(y_pos[y_keep].min()))
    del y_codes, y_pos
    at = keep_from[dropped].astype(np.int64) + pad  # first kept, padded
    fill, abs_sum = np.empty(len(dropped)), np.empty(len(dropped))
    n_obs = np.empty(len(dropped), dtype=np.int64)
    age_origin = np.empty(len(dropped), dtype=np.int64)
    step = max(1, ARRAY_CHUNK_CELLS // max(len(panel.grid), 1))
    for lo in range(0, panel.n_series, step):
        hi = min(lo + step, panel.n_series)
        sel = slice(*np.searchsorted(dropped, [lo, hi]))
        if sel.start == sel.stop:
            continue
        arr = arrays_of(panel.rows(slice(lo, hi)))
        r, a = dropped[sel] - lo, at[sel]
        fill[sel] = arr.target[r, a - 1]
        abs_sum[sel] = arr.cum_abs[r, a]
        n_obs[sel] = arr.cum_obs[r, a]
        age_origin[sel] = arr.age_origin[r]
    newer = HistoryPrefix(
        keys=panel.keys[dropped], fill=fill, abs_sum=abs_sum, n_obs=n_obs,
        age_offset=first_kept[dropped] + pad - age_origin,
    )
    prefix = newer if prefix is None else prefix.merge(newer)
    X_kept = None
    if X is not None:
        x_codes, x_pos = _codes_positions(X, panel)
        x_keep = x_pos >= keep_from[x_codes]
        # a series whose covariate rows all lie before its kept periods keeps
        # its last one (the static columns are read from X rows)
        last_x = np.full(panel.n_series, -1, dtype=x_pos.dtype)
        np.maximum.at(last_x, x_codes, x_pos)
        has_kept = np.zeros(panel.n_series, dtype=bool)
        has_kept[x_codes[x_keep]] = True
        x_keep |= ~has_kept[x_codes] & (x_pos == last_x[x_codes])
        del x_codes
        if x_keep.any():
            start = min(start, int(x_pos[x_keep].min()))
        del x_pos
        X_kept = X[x_keep]
    return y[y_keep], X_kept, prefix, panel.grid[max(start, 0)]

"""Windows of a panel: padded arrays, window positions and training batches.

* :class:`PanelArrays` turns a :class:`~._panel.Panel` into padded arrays and
  gathers windows for any ``(series, start position)`` pairs in one indexing
  operation (training, validation and prediction all go through
  :meth:`PanelArrays.window`).
* :func:`window_origins` gives the range of training windows of each series,
  :func:`split_series` the time-ordered validation split.
* :class:`_TrainWindows` (freshly sampled training batches) and
  :class:`_FixedWindows` (the validation batches) are the torch datasets the
  training loop reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from ._config import AUTO_EARLY_STOPPING_DRAWS, VALIDATION_SERIES_MAX
from ._encoders import Encoders
from ._features import extend_grid, make_grid, time_features
from ._history import HistoryPrefix
from ._panel import ARRAY_CHUNK_CELLS, Panel

__all__ = [
    "ARRAY_CHUNK_CELLS",
    "VALIDATION_SERIES_MAX",
    "EMPTY_CONTEXT_RATE",
    "PanelArrays",
    "TrainingSplit",
    "resolve_empty_context_rate",
    "split_series",
    "training_windows",
    "validation_windows",
    "window_origins",
]

class PanelArrays:
    """Padded arrays of a panel and vectorised window gathering.

    Parameters
    ----------
    panel : Panel
    enc : Encoders
    pad : int
        Number of unobserved steps prepended so that every window (history
        included) has non-negative positions.
    use_series : bool
        Whether the first static code is the series' own.
    pad_right : int
        Unobserved steps appended (training windows may run past the end).
    prefix : HistoryPrefix, optional
        Summaries of history rows dropped before ``panel``'s grid
        (:func:`~._history.truncate_history`): the forward-fill value, the
        running sums behind the fallback scale and the age origin of those
        series continue from them.
    """

    def __init__(self, panel: Panel, enc: Encoders, pad: int, use_series: bool,
                 pad_right: int = 0, prefix: HistoryPrefix | None = None):
        self.panel = panel
        self.pad = pad
        n, t = panel.y.shape
        self.width = width = pad + t + pad_right
        rows = np.zeros(0, dtype=np.int64)
        if prefix is not None and len(prefix):
            rows = panel.keys.get_indexer(prefix.keys)
            known = rows >= 0
            rows, prefix = rows[known], _take(prefix, known)
        self.target = np.zeros((n, width), dtype=np.float32)
        self.observed = np.zeros((n, width), dtype=bool)
        # running sums of |y| and of the observed count over the padded axis:
        # column k sums the positions before k (causal scales and fallbacks)
        self.cum_abs = np.zeros((n, width + 1))
        self.cum_obs = np.zeros((n, width + 1), dtype=np.int32)
        inner = slice(pad, pad + t)
        sums = slice(pad + 1, pad + t + 1)
        # the prefix entry of each series (-1: none)
        entry = np.full(n, -1, dtype=np.int64)
        entry[rows] = np.arange(len(rows))
        # in chunks of series: the temporaries stay small on large panels
        step = max(1, ARRAY_CHUNK_CELLS // max(t, 1))
        for lo in range(0, n, step):
            chunk = slice(lo, min(lo + step, n))
            y = panel.y[chunk]
            observed = ~np.isnan(y)
            # forward-fill missing targets (inputs only; masked in the loss)
            pos = np.where(observed, np.arange(t), -1)
            np.maximum.accumulate(pos, axis=1, out=pos)
            self.target[chunk, inner] = np.where(
                pos >= 0, np.take_along_axis(y, pos.clip(0), axis=1), 0.0)
            self.observed[chunk, inner] = observed
            absval = np.where(observed, np.abs(np.nan_to_num(y)), 0.0)
            np.cumsum(absval, axis=1, out=self.cum_abs[chunk, sums])
            np.cumsum(observed, axis=1, out=self.cum_obs[chunk, sums])
            local = np.flatnonzero(entry[chunk] >= 0)
            if len(local):
                # a prefix's values are where its series continue from (the
                # sums are the same sequential ones as over the whole history)
                k, g = entry[chunk][local], lo + local
                self.target[g, inner] = np.where(
                    pos[local] >= 0, self.target[g, inner], prefix.fill[k, None])
                self.cum_abs[g, : pad + 1] = prefix.abs_sum[k, None]
                self.cum_abs[g, sums] = np.cumsum(
                    np.column_stack([prefix.abs_sum[k], absval[local]]),
                    axis=1)[:, 1:]
                self.cum_obs[g, : pad + 1] = prefix.n_obs[k, None]
                self.cum_obs[g, sums] += prefix.n_obs[k, None].astype(np.int32)
        self.cum_abs[:, pad + t + 1 :] = self.cum_abs[:, pad + t : pad + t + 1]
        self.cum_obs[:, pad + t + 1 :] = self.cum_obs[:, pad + t : pad + t + 1]
        # calendar features on the padded grid
        if enc.info.kind == "int":
            start = int(panel.grid[0]) - pad * enc.info.step
        elif enc.info.kind == "period":
            start = panel.grid[0] - pad
        else:
            start = panel.grid[0] - pad * enc.info.freq
        full_grid = extend_grid(make_grid(start, start, enc.info), width - 1, enc.info)
        self.tf = time_features(full_grid, enc.info)
        # first and last observed value (window bounds start from them)
        obs_inner = self.observed[:, inner]
        any_obs = obs_inner.any(1)
        self.first_obs = np.where(any_obs, obs_inner.argmax(1), t) + pad
        self.last_obs = np.where(
            any_obs, t - 1 - obs_inner[:, ::-1].argmax(1), -1
        ) + pad
        # the age origin: the first observation, else (a series given only
        # rows with a missing target, e.g. a launch period) its first row
        has_rows = panel.last >= 0
        self.age_origin = np.where(
            any_obs, self.first_obs, np.where(has_rows, panel.first + pad, width))
        if len(rows):
            self.age_origin[rows] = panel.first[rows] + pad - prefix.age_offset
        if panel.X is not None:
            enc.check_x_columns(panel)
            # standardised when windows are gathered (no padded copy)
            self.x_mean = enc.x_mean
            self.x_std = enc.x_std
        elif enc.x_columns:
            raise ValueError(
                f"The model was fitted with covariates {enc.x_columns}; "
                "pass X with those columns."
            )
        self.has_x = panel.X is not None
        self.static_cat = enc.static_cat(panel, use_series)
        self.static_real = enc.static_real(panel)
        self.global_scale = float(getattr(enc, "global_scale", 1.0))
        self.n_obs = self.cum_obs[:, -1] - self.cum_obs[:, pad]

    def fallback_scale(self, idx: np.ndarray, origin: np.ndarray) -> np.ndarray:
        """Scale of windows whose context has no observed non-zero value.

        The mean absolute observed value of series ``idx`` strictly before
        padded position ``origin`` (the window's first forecast step), else
        the global scale of the training panel: never a value at or after
        ``origin``, the part of the window being forecast.
        """
        total = self.cum_abs[idx, origin]
        n_obs = self.cum_obs[idx, origin]
        mean = total / np.maximum(n_obs, 1)
        return np.where(mean > 0, mean, self.global_scale).astype(np.float32)

    def context_scale(self, idx: np.ndarray, origin: np.ndarray, context: int
                      ) -> np.ndarray:
        """The network's scale (:meth:`DeepARNetwork.compute_scale`) in numpy."""
        lo = origin - context
        total = self.cum_abs[idx, origin] - self.cum_abs[idx, lo]
        n_obs = self.cum_obs[idx, origin] - self.cum_obs[idx, lo]
        scale = total / np.maximum(n_obs, 1)
        return np.where(scale > 0, scale, self.fallback_scale(idx, origin))

    def _covariates(self, rows: np.ndarray, dpos: np.ndarray) -> np.ndarray:
        """Standardised covariates at padded positions ``dpos`` (0 outside
        the panel's grid and where missing, as the padding's inputs)."""
        if int(dpos.max(initial=0)) >= self.width:
            raise IndexError(
                f"covariate position {int(dpos.max())} past the padded arrays "
                f"(width {self.width})")
        X = self.panel.X
        at = dpos - self.pad
        inside = (at >= 0) & (at < X.shape[1])
        x = (X[rows, at.clip(0, X.shape[1] - 1)] - self.x_mean) / self.x_std
        x[~inside] = 0.0
        return np.nan_to_num(x).astype(np.float32)

    def window(
        self,
        idx: np.ndarray,
        start: np.ndarray,
        max_lag: int,
        n_target: int,
        n_dyn: int,
        context: int,
    ) -> dict[str, torch.Tensor]:
        """Gather windows for series ``idx`` starting at padded ``start``.

        ``target``/``observed`` cover ``[start - max_lag, start + n_target)``;
        ``dynamic`` covers ``[start, start + n_dyn)``; the first ``context``
        steps are the context, so the forecast part starts at ``start +
        context`` and ``fallback_scale`` is computed from what precedes it
        (:meth:`fallback_scale`). Positions past the end of the arrays must
        not be requested for the target; dynamic positions past the end
        raise (covariates are needed there).
        """
        tpos = start[:, None] + np.arange(-max_lag, n_target)
        dpos = start[:, None] + np.arange(n_dyn)
        rows = idx[:, None]
        target = self.target[rows, tpos]
        observed = self.observed[rows, tpos].astype(np.float32)
        age = np.log10(2.0 + np.maximum(dpos - self.age_origin[idx, None], 0))
        dyn = [self.tf[dpos], age[..., None].astype(np.float32)]
        if self.has_x:
            dyn.append(self._covariates(rows, dpos))
        return {
            "target": torch.from_numpy(target),
            "observed": torch.from_numpy(observed),
            "dynamic": torch.from_numpy(np.concatenate(dyn, axis=-1)),
            "static_cat": torch.from_numpy(self.static_cat[idx]),
            "static_real": torch.from_numpy(self.static_real[idx]),
            "fallback_scale": torch.from_numpy(
                self.fallback_scale(idx, start + context)),
        }


#: share of static codes replaced by the "unknown" code 0 in training windows,
#: so that the unknown embedding is meaningful for cold-start series
UNKNOWN_CODE_RATE = 0.05

#: share of training windows whose context is blanked out (nothing observed,
#: the global scale) when ``empty_context_rate=None`` picks it (see
#: :func:`resolve_empty_context_rate`), so that a series with no observation
#: yet (cold start from metadata) is forecast from its static features and age
EMPTY_CONTEXT_RATE = 0.1

#: ``empty_context_rate=None`` blanks contexts when at least this share of
#: the training series is shorter than a window (a catalogue with new items)
SHORT_SERIES_SHARE = 0.1


def resolve_empty_context_rate(rate: float | None, has_static: bool,
                               short_share: float) -> float:
    """The share of blanked training contexts: ``rate``, or the auto rule.

    ``None``: :data:`EMPTY_CONTEXT_RATE` when the panel has static metadata
    (what a series without history is forecast from) or when at least
    :data:`SHORT_SERIES_SHARE` of its series are shorter than a training
    window (new items are part of the task); 0 otherwise, since blanked
    windows cost warm accuracy (M3 monthly: MASE 0.925 without, 0.997 with
    10% blanked).
    """
    if rate is not None:
        return float(rate)
    if has_static or short_share >= SHORT_SERIES_SHARE:
        return EMPTY_CONTEXT_RATE
    return 0.0


def distinct_windows(arr: PanelArrays, horizon: int) -> int:
    """Number of distinct training windows of a panel.

    The window positions of :func:`window_origins` up to each series' last
    observation (no validation holdout): ``max(n - horizon, 1)`` for ``n``
    steps from its first to its last observation; series with fewer than 2
    observed values have none.
    """
    usable = arr.n_obs >= 2
    lo, hi = window_origins(arr.first_obs[usable], arr.last_obs[usable] + 1,
                            int(horizon))
    return int((hi - lo + 1).sum())


def resolve_early_stopping(value: bool | str, n_windows: int, draws: int
                           ) -> bool:
    """``early_stopping``, or the ``"auto"`` rule.

    ``"auto"``: on when training draws (``draws`` windows in all) at least
    :data:`AUTO_EARLY_STOPPING_DRAWS` windows per distinct window of the
    panel (``n_windows``), where the network would memorise the panel
    without a holdout; off otherwise.
    """
    if value != "auto":
        return bool(value)
    return draws >= AUTO_EARLY_STOPPING_DRAWS * max(int(n_windows), 1)


#: share of the series too short for the time-ordered validation split that
#: are held out of training whole and validated as new series (with
#: ``early_stopping``)
HELD_OUT_SERIES_RATE = 0.1

#: training windows sampled and gathered together (as one array operation)
PRESAMPLED_WINDOWS = 4096

class _TrainWindows(Dataset):
    """Each item is one whole batch of freshly sampled training windows.

    A window is given by a series and the position ``t`` of its first
    forecast step; its context is ``[t - C, t)`` and its forecast part
    ``[t, t + H)``. Training series ``series[j]`` has the windows ``lo[j] <=
    t <= hi[j]``, and its loss stops at ``stop[j]`` (the validation holdout
    or the end of the arrays). Every window is drawn with probability
    proportional to ``weights(j, t)`` (a vectorised function of arrays of
    training-series positions ``j`` and window positions ``t``; None:
    uniform), in two stages that never hold one weight per window of the
    panel (a panel of a million daily series has 700 million): a series in
    proportion to the total weight of its windows (computed once, in chunks),
    then a window of that series in proportion to its weight, the residual of
    the same uniform draw locating it, which is exactly the one-stage draw
    over all windows. Windows are sampled and gathered as single array
    operations for a run of up to :data:`PRESAMPLED_WINDOWS` windows (a whole
    epoch of the default configuration), redrawn at the start of each epoch
    (item 0) and whenever an item outside the run is asked for; each item is
    a slice of the run.

    A share ``empty_rate`` of the windows has its context (and the lag
    history before it) blanked out, as for a series with no
    observation yet, with the global scale: the network learns to forecast
    a new series from its static features and age alone.
    """

    def __init__(self, arrays, series, lo, hi, stop, weights, batch_size,
                 n_batches, max_lag, context, horizon, seed,
                 empty_rate=EMPTY_CONTEXT_RATE):
        self.arrays = arrays
        self.series, self.stop = series, stop
        self.lo = lo
        self.counts = counts = hi - lo + 1
        self.ends = np.cumsum(counts)
        self.starts = self.ends - counts
        self.total = int(self.ends[-1])
        self.weights = weights
        if weights is None:
            self.series_cdf = None
            total_weight = self.total
        else:
            totals = _series_totals(weights, lo, counts)
            self.series_cdf = np.cumsum(totals)
            total_weight = self.series_cdf[-1]
        #: total weight of the windows (their number when uniform): the
        #: share of this rank's windows in data-parallel training
        self.total_weight = float(total_weight)
        self.batch_size, self.n_batches = batch_size, n_batches
        self.max_lag, self.context, self.horizon = max_lag, context, horizon
        self.empty_rate = float(empty_rate)
        self.rng = np.random.default_rng(seed)
        self.run_batches = max(1, min(n_batches, PRESAMPLED_WINDOWS // batch_size))
        self._run: tuple[int, int, dict, dict] | None = None

    def __len__(self) -> int:
        return self.n_batches

    def _sample(self, n: int) -> tuple[dict, dict]:
        rng = self.rng
        if self.series_cdf is None:
            k = rng.integers(0, self.total, n)
            pick = np.searchsorted(self.ends, k, side="right")
            origin = self.lo[pick] + k - self.starts[pick]
        else:
            pick, origin = self._weighted(rng.random(n))
        idx = self.series[pick]
        c, h, p = self.context, self.horizon, self.max_lag
        x = self.arrays.window(idx, origin - c, p, c + h, c + h, context=c)
        cat = x["static_cat"]
        if cat.shape[1]:
            drop = torch.from_numpy(rng.random(cat.shape) < UNKNOWN_CODE_RATE)
            x["static_cat"] = cat.masked_fill(drop, 0)
        if self.empty_rate > 0:
            empty = torch.from_numpy(rng.random(n) < self.empty_rate)
            x["observed"][empty, : p + c] = 0.0
            x["target"][empty, : p + c] = 0.0
            x["fallback_scale"][empty] = self.arrays.global_scale
        # no loss at or after the series' stop (the validation holdout)
        pos = (origin - c)[:, None] + np.arange(c + h)
        mask = x["observed"][:, p:] * torch.from_numpy(pos < self.stop[pick, None])
        y = {"target": x["target"][:, p:], "mask": mask}
        return x, y

    def _weighted(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Series and window positions of the draws ``u`` (uniform in [0, 1))."""
        cdf = self.series_cdf
        x = u * cdf[-1]
        pick = np.minimum(np.searchsorted(cdf, x, side="right"), len(cdf) - 1)
        before = np.where(pick > 0, cdf[pick - 1], 0.0)
        # the windows of the drawn series only, their weights cumulated
        uniq, inv = np.unique(pick, return_inverse=True)
        j, t, offs = _expand(self.lo, self.counts, uniq)
        cum = np.cumsum(self.weights(j, t))
        base = np.where(offs > 0, cum[offs - 1], 0.0)
        k = np.searchsorted(cum, base[inv] + (x - before), side="right")
        k = np.clip(k, offs[inv], offs[inv] + self.counts[pick] - 1)
        return pick, t[k]

    def __getitem__(self, k):
        run = self._run
        if k == 0 or run is None or not run[0] <= k < run[1]:
            stop = min(self.n_batches, k + self.run_batches)
            run = self._run = (k, stop, *self._sample((stop - k) * self.batch_size))
        start, _, x, y = run
        rows = slice((k - start) * self.batch_size, (k - start + 1) * self.batch_size)
        return ({key: v[rows] for key, v in x.items()},
                {key: v[rows] for key, v in y.items()})


def _expand(lo: np.ndarray, counts: np.ndarray, sel: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every window of the series ``sel``: their series ``j`` (repeated),
    positions ``t`` and the offset of each series' first window."""
    c = counts[sel]
    offs = np.cumsum(c) - c
    rows = np.repeat(np.arange(len(sel)), c)
    t = lo[sel][rows] + np.arange(rows.size) - offs[rows]
    return sel[rows], t, offs


#: windows whose weights are evaluated together when summing them per series
WEIGHT_CHUNK_WINDOWS = 1 << 22


def _series_totals(weights, lo: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Total window weight of each series, over chunks of windows (memory
    bounded by :data:`WEIGHT_CHUNK_WINDOWS`, whatever the panel's size)."""
    out = np.empty(len(lo))
    ends = np.cumsum(counts)
    start = 0
    while start < len(lo):
        base = ends[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(
            ends, base + WEIGHT_CHUNK_WINDOWS, side="right")))
        sel = np.arange(start, stop)
        j, t, offs = _expand(lo, counts, sel)
        out[sel] = np.add.reduceat(weights(j, t), offs)
        start = stop
    return out


class _FixedWindows(Dataset):
    """Pre-computed batches (the time-ordered validation windows)."""

    def __init__(self, batches):
        self.batches = batches

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, k):
        return self.batches[k]


def window_origins(first_obs: np.ndarray, stop: np.ndarray, horizon: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Range ``[lo, hi]`` of the first forecast step ``t`` of training windows.

    The context ``[t - C, t)`` ends at the first observation at the earliest
    (``t = first_obs + 1``: a series with one observation, as when a new
    series is predicted); for long series the forecast part ``[t, t + H)``
    lies before ``stop`` (GluonTS's ``min_future``), and a series shorter
    than ``H + 1`` has its one window at ``t = first_obs + 1``, whose
    forecast part runs past its end (masked out of the loss). A window whose
    context has nothing observed (the old behaviour for short series) is
    never drawn here: the blanked contexts of :data:`EMPTY_CONTEXT_RATE`
    cover that case with the global scale.
    """
    lo = first_obs + 1
    return lo, np.maximum(stop - horizon, lo)


@dataclass
class TrainingSplit:
    """How the series of a training panel are used (masks over the series).

    Attributes
    ----------
    trainable : ndarray of bool
        Series with at least 2 observed values before their training stop.
    validate : ndarray of bool
        Series whose last ``horizon`` steps are held out for validation (the
        time-ordered split of ``early_stopping``).
    held_out : ndarray of bool
        Short series held out of training whole and validated as new series.
    train_hi : ndarray of int
        Padded position where each series' training loss stops.
    """

    trainable: np.ndarray
    validate: np.ndarray
    held_out: np.ndarray
    train_hi: np.ndarray

    @property
    def train_series(self) -> np.ndarray:
        return np.flatnonzero(self.trainable & ~self.held_out)


def split_series(arr: PanelArrays, context: int, horizon: int,
                 early_stopping: bool, seed: int,
                 codes: np.ndarray | None = None,
                 n_codes: int | None = None) -> TrainingSplit:
    """The time-ordered validation split of :meth:`DeepARCore.fit`.

    With ``early_stopping``, the last ``horizon`` steps of each series that
    keeps a whole context (and at least 2 steps) before them are held out for
    validation; of the series too short for that, a share
    :data:`HELD_OUT_SERIES_RATE` (drawn from ``seed``) is held out whole and
    validated as new series (their first value as context, as for a cold
    start): a validation set of long series' last steps alone stops training
    before the short-context regime is learned. In a panel of more than
    :data:`VALIDATION_SERIES_MAX` series, each series is validated (or held
    out) only with probability ``VALIDATION_SERIES_MAX / n_series``; the
    others train on their whole history.

    ``codes`` (positions of the panel's series among ``n_codes`` series, in
    data-parallel training: the codes of this rank's shard in the union) make
    the held-out draw a function of the series rather than of its position
    in the shard, so that it does not depend on the sharding.

    Raises
    ------
    ValueError
        When no series has 2 observed values to train on.
    """
    n = len(arr.first_obs)
    n_all = n if codes is None else int(n_codes)

    def per_series(stream: int) -> np.ndarray:
        """A uniform draw per series, a function of its code."""
        draw = np.random.default_rng([seed, stream]).random(n_all)
        return draw if codes is None else draw[codes]

    lo_obs, hi = arr.first_obs, arr.last_obs + 1
    validate = np.zeros(n, dtype=bool)
    sampled = np.ones(n, dtype=bool)
    if early_stopping:
        if n_all > VALIDATION_SERIES_MAX:
            sampled = per_series(2) < VALIDATION_SERIES_MAX / n_all
        validate = ((hi - horizon - lo_obs) >= max(context, 2)) & sampled
    train_hi = np.where(validate, hi - horizon, hi)
    trainable = (train_hi - lo_obs >= 2) & (arr.n_obs >= 2)
    if not trainable.any():
        raise ValueError(
            "No series has at least 2 observed values; DeepAR needs history "
            "to train on."
        )
    held_out = np.zeros(n, dtype=bool)
    if early_stopping:
        held_out = (trainable & ~validate & sampled
                    & (per_series(1) < HELD_OUT_SERIES_RATE))
        if not (trainable & ~held_out).any():
            held_out[:] = False
    return TrainingSplit(trainable, validate, held_out, train_hi)


def training_windows(arr: PanelArrays, split: TrainingSplit, *, max_lag: int,
                     context: int, horizon: int, batch_size: int,
                     batches_per_epoch: int, window_weighting: str, seed: int,
                     empty_rate: float) -> _TrainWindows:
    """The training dataset: windows of the trainable, not held-out series."""
    series = split.train_series
    lo_t, hi_t = window_origins(arr.first_obs[series], split.train_hi[series],
                                horizon)
    if window_weighting == "scale":
        # DeepAR's scale weighting, by the scale of each window's context:
        # causal, so it does not favour windows by the values they forecast
        def weights(j, t):
            return arr.context_scale(series[j], t, context)
    else:
        weights = None
    return _TrainWindows(
        arr, series, lo_t, hi_t, split.train_hi[series], weights,
        int(batch_size), int(batches_per_epoch), max_lag, context, horizon, seed,
        empty_rate=empty_rate,
    )


def validation_windows(arr: PanelArrays, split: TrainingSplit, *, max_lag: int,
                       context: int, horizon: int, batch_size: int,
                       use_series_embedding: bool) -> _FixedWindows | None:
    """The validation dataset, or None when nothing is held out.

    The last ``horizon`` steps of long series, and the first window (context:
    the first value) of held-out short series, which are given the "unknown"
    series code (they are new to the network).
    """
    validate, held_out = split.validate, split.held_out
    lo_obs, hi = arr.first_obs, arr.last_obs + 1
    window = context + horizon
    val_series = np.concatenate([np.flatnonzero(validate & split.trainable),
                                 np.flatnonzero(held_out)])
    if not len(val_series):
        return None
    val_start = np.where(validate[val_series], hi[val_series] - window,
                         lo_obs[val_series] + 1 - context)
    batches = []
    bs = max(int(batch_size), 256)
    for i in range(0, len(val_series), bs):
        idx, start = val_series[i : i + bs], val_start[i : i + bs]
        x = arr.window(idx, start, max_lag, window, window, context=context)
        if use_series_embedding:
            cat = x["static_cat"]
            cat[:, 0] = torch.where(torch.from_numpy(held_out[idx]), 0, cat[:, 0])
        mask = x["observed"][:, max_lag:].clone()
        mask[:, :context] = 0.0
        batches.append((x, {"target": x["target"][:, max_lag:], "mask": mask}))
    return _FixedWindows(batches)


def _take(prefix: HistoryPrefix, mask: np.ndarray) -> HistoryPrefix:
    return HistoryPrefix(prefix.keys[mask], prefix.fill[mask],
                         prefix.abs_sum[mask], prefix.n_obs[mask],
                         prefix.age_offset[mask])

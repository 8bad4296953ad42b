"""The DeepAR core shared by the sktime and scikit-learn faces.

:class:`DeepARCore` ties the parts together, each in a module named after it
(as GluonTS separates the module, the lightning module and the estimator):

* :mod:`._config`: :class:`DeepARConfig` and the one declaration of the
  estimators' parameters;
* :mod:`._encoders`: :class:`Encoders`, what is learned from the data at fit;
* :mod:`._windows`: :class:`PanelArrays` (padded arrays, vectorised window
  gathering) and the training / validation datasets;
* :mod:`._training`: the skorch training loop;
* :mod:`._sampling`: Monte Carlo sample paths;
* :mod:`.._distributed`: data-parallel training on ``torch.distributed``
  (``torchrun``), see ``docs/scale_out.md``;
* :mod:`skforecast_ntm.networks`: the torch network and likelihoods.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from .._distributed import DistributedContext, data_parallel
from ..networks import LIKELIHOODS, DeepARNetwork
from ..networks._torch_utils import seeded_torch
from ._config import DeepARConfig
from ._encoders import Encoders, global_scale
from ._history import HistoryPrefix
from ._panel import Panel, format_ids
from ._sampling import (
    SAMPLE_CHUNK_PATHS,
    SAMPLE_CHUNK_PATHS_ACCELERATOR,
    sample_paths,
)
from ._training import make_net, train, use_validation
from ._windows import (
    EMPTY_CONTEXT_RATE,
    HELD_OUT_SERIES_RATE,
    PRESAMPLED_WINDOWS,
    SHORT_SERIES_SHARE,
    UNKNOWN_CODE_RATE,
    PanelArrays,
    _FixedWindows,
    _TrainWindows,
    distinct_windows,
    resolve_early_stopping,
    resolve_empty_context_rate,
    split_series,
    training_windows,
    validation_windows,
    window_origins,
)

__all__ = ["DeepARConfig", "DeepARCore", "Encoders", "PanelArrays"]

# names kept importable from here (they lived in this module before the split)
_MOVED = (
    EMPTY_CONTEXT_RATE, HELD_OUT_SERIES_RATE, PRESAMPLED_WINDOWS,
    SAMPLE_CHUNK_PATHS, SAMPLE_CHUNK_PATHS_ACCELERATOR, SHORT_SERIES_SHARE,
    UNKNOWN_CODE_RATE, _FixedWindows, _TrainWindows, global_scale,
    resolve_empty_context_rate, window_origins,
)


def _seeds(random_state) -> tuple[int, int, int]:
    """Three seeds (torch weights/dropout, window sampling, forecasts)."""
    rs = random_state if isinstance(random_state, np.random.RandomState) else \
        np.random.RandomState(random_state)
    a, b, c = rs.randint(0, 2**31 - 1, size=3)
    return int(a), int(b), int(c)


class DeepARCore:
    """Fits the DeepAR network on a :class:`Panel` and samples forecasts.

    The training core shared by :class:`~skforecast_ntm.DeepARForecaster` and
    :class:`~skforecast_ntm.DeepARRegressor` (their ``core_`` attribute).

    Parameters
    ----------
    config : DeepARConfig

    Attributes
    ----------
    early_stopping_ : bool
        ``config.early_stopping`` resolved at the first (cold) fit; warm fits
        keep it.
    distinct_windows_ : int
        The distinct training windows (all ranks) that resolution counted.
    empty_context_rate_ : float
        ``config.empty_context_rate`` resolved for the last fit's panel.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skforecast_ntm.forecasting import DeepARConfig, DeepARCore
    >>> from skforecast_ntm.forecasting._panel import build_panel
    >>> idx = pd.MultiIndex.from_product(
    ...     [["a", "b"], pd.period_range("2020-01", periods=30, freq="M")])
    >>> y = pd.DataFrame({"y": np.arange(60.0) % 12 + 1}, index=idx)
    >>> core = DeepARCore(DeepARConfig(prediction_length=3, hidden_size=8,
    ...                                max_epochs=1, batches_per_epoch=2,
    ...                                random_state=0))
    >>> core = core.fit(build_panel(y))
    >>> future = build_panel(y, info=core.enc.info, extra_steps=3)
    >>> core.sample(future, np.array([30, 30]), horizon=3, num_samples=5).shape
    (2, 5, 3)
    """

    def __init__(self, config: DeepARConfig) -> None:
        self.config = config

    # ------------------------------------------------------------- geometry
    @property
    def context_length(self) -> int:
        cfg = self.config
        if cfg.context_length is not None:
            return int(cfg.context_length)
        return max(int(cfg.prediction_length), self.enc.seasonal_period, 4)

    @property
    def max_lag(self) -> int:
        return max(self.enc.lags)

    @property
    def pad(self) -> int:
        return self.max_lag + self.context_length + 1

    def arrays(self, panel: Panel, pad_right: int = 0,
               prefix: HistoryPrefix | None = None) -> PanelArrays:
        return PanelArrays(panel, self.enc, self.pad,
                           self.config.use_series_embedding, pad_right=pad_right,
                           prefix=prefix)

    @property
    def history_needed(self) -> int:
        """Periods of history a forecast from the cutoff reads per series."""
        return self.context_length + self.max_lag

    # ------------------------------------------------------------------ fit
    def _check_target(self, panel: Panel) -> None:
        obs = panel.observed()
        has_rows = panel.last >= 0
        empty = has_rows & ~obs.any(1)
        if empty.any():
            raise ValueError(
                f"Series {format_ids(panel.keys[empty])} have no observed target "
                "value (all missing). Drop them, or give each at least one "
                "observation."
            )
        likelihood = self.config.likelihood
        if LIKELIHOODS[likelihood].non_negative:
            neg = (panel.y < 0).any(1)  # NaN (missing) compares False
            if neg.any():
                raise ValueError(
                    f"likelihood={likelihood!r} needs non-negative counts, but "
                    f"series {format_ids(panel.keys[neg])} have negative values. "
                    "Use likelihood='student_t' or 'gaussian' for real-valued data."
                )

    def _build_network(self) -> DeepARNetwork:
        cfg, enc = self.config, self.enc
        cards = enc.cardinalities
        if cfg.use_series_embedding:
            cards = [len(enc.series_index) + 1, *cards]
        dims = None
        if cfg.embedding_dim is not None:
            dims = [int(cfg.embedding_dim)] * len(cards)
        return DeepARNetwork(
            lags=enc.lags,
            context_length=self.context_length,
            n_dynamic=enc.time_feature_count + 1 + len(enc.x_columns),
            cardinalities=cards,
            n_static_real=len(enc.real_columns),
            hidden_size=cfg.hidden_size,
            num_layers=cfg.num_layers,
            dropout=cfg.dropout,
            likelihood=cfg.likelihood,
            embedding_dims=dims,
            # a floor against division by zero, relative to the data: an
            # absolute 1e-10 clamps series of magnitude 1e-14 (intervals
            # 1,000x too wide); unchanged for data above about 1e-4
            min_scale=float(np.clip(1e-6 * enc.global_scale, 1e-30, 1e-10)),
            lstm_dtype=getattr(torch, cfg.precision),
        )

    def _codes(self, panel: Panel) -> np.ndarray:
        """Positions of ``panel``'s series among those of the encoders."""
        codes = self.enc.series_index.get_indexer(panel.keys)
        if (codes < 0).any():
            raise ValueError(
                f"Series {format_ids(panel.keys[codes < 0])} were not in the "
                "ranks' shards at the first fit; a warm start must train on "
                "series seen then."
            )
        return codes

    def fit(self, panel: Panel, *, warm_start: bool = False,
            epochs: int | None = None) -> DeepARCore:
        """Train on every series of ``panel`` (from scratch or warm).

        Under ``torchrun`` (or in an initialised ``torch.distributed``
        process group of several processes), every rank calls ``fit`` with
        its shard of the series and one model is trained on all of them
        (data-parallel; see :mod:`.._distributed` and ``docs/scale_out.md``):
        the encoders are those of the union of the shards, and every rank
        ends with the same weights.
        """
        with data_parallel(self.config.device) as dist:
            return self._fit(panel, warm_start, epochs, dist)

    def _fit(self, panel: Panel, warm_start: bool, epochs: int | None,
             dist: DistributedContext | None) -> DeepARCore:
        cfg = self.config
        one = dist if dist is not None else DistributedContext()
        one.agree(lambda: self._check_target(panel))
        if not warm_start:
            self.enc = Encoders().fit(panel, cfg, dist)
        h, c, p = int(cfg.prediction_length), self.context_length, self.max_lag
        # h steps of padding after the grid: the forecast part of a window of
        # a short series may run past the end (masked out of the loss)
        arr = one.agree(lambda: self.arrays(panel, pad_right=h))
        # rank 0's seeds (random_state=None draws differently on each rank)
        seeds = one.all_gather_object(_seeds(cfg.random_state))[0]
        torch_seed, data_seed, self.predict_seed = seeds
        codes = None if dist is None else one.agree(lambda: self._codes(panel))
        if not warm_start or not hasattr(self, "early_stopping_"):
            # the all-rank count of distinct windows against the all-rank draws
            self.distinct_windows_ = sum(one.all_gather_object(
                distinct_windows(arr, h)))
            self.early_stopping_ = resolve_early_stopping(
                cfg.early_stopping, self.distinct_windows_, cfg.max_epochs
                * cfg.batches_per_epoch * cfg.batch_size * one.world_size)
        split = one.agree(lambda: split_series(
            arr, c, h, self.early_stopping_, data_seed, codes=codes,
            n_codes=len(self.enc.series_index)))
        trainable = split.trainable
        ids = panel.keys
        if (~trainable).any():
            warnings.warn(
                f"Series {format_ids(ids[~trainable])} are too short to train on "
                "(fewer than 2 observed values); they are left out of training "
                "and forecast by the global model from their own scale.",
                UserWarning, stacklevel=4,
            )
        length = arr.last_obs + 1 - arr.first_obs
        # the all-rank share of short series
        counts = one.all_gather_object(
            (int((trainable & (length < c + h)).sum()), int(trainable.sum())))
        n_short, n_trainable = (sum(col) for col in zip(*counts, strict=True))
        self.empty_context_rate_ = resolve_empty_context_rate(
            cfg.empty_context_rate,
            bool(self.enc.cat_columns or self.enc.real_columns),
            float(n_short / max(n_trainable, 1)),
        )
        short = trainable & (length < c)
        if short.any():
            warnings.warn(
                f"Series {format_ids(ids[short])} are shorter than "
                f"context_length={c}; their windows are padded with unobserved "
                "values (masked out of the loss).",
                UserWarning, stacklevel=4,
            )
        # each rank draws its own windows (seed from the seed and the rank)
        window_seed = data_seed if dist is None else [data_seed, dist.rank]
        train_ds = one.agree(lambda: training_windows(
            arr, split, max_lag=p, context=c, horizon=h,
            batch_size=cfg.batch_size, batches_per_epoch=cfg.batches_per_epoch,
            window_weighting=cfg.window_weighting, seed=window_seed,
            empty_rate=self.empty_context_rate_,
        ))
        valid_ds = validation_windows(
            arr, split, max_lag=p, context=c, horizon=h,
            batch_size=cfg.batch_size,
            use_series_embedding=cfg.use_series_embedding,
        )
        loss_weight = 1.0
        if dist is not None:
            # importance weights: rank r samples its windows in proportion to
            # their weight within its shard (total W_r); weighting its loss by
            # W_r / mean(W) makes the all-rank mean gradient the expected
            # gradient under the global scale-proportional sampling
            shares = one.all_gather_object(
                (train_ds.total_weight, valid_ds is not None))
            weights = [w for w, _ in shares]
            loss_weight = train_ds.total_weight / (sum(weights) / len(weights))
            if valid_ds is None and any(v for _, v in shares):
                valid_ds = _FixedWindows([])  # validated on the other ranks
        with seeded_torch(torch_seed, cfg.device):
            if not warm_start:
                self.net_ = make_net(cfg, self._build_network(), valid_ds, dist,
                                     early_stopping=self.early_stopping_)
                self.net_.initialize()
            else:
                use_validation(self.net_, valid_ds)
                self.net_.distributed_ = dist
            self.net_.loss_weight_ = self.loss_weight_ = loss_weight
            if dist is not None:
                one.broadcast_module_(self.net_.module_)
                # dropout masks differ between the ranks
                torch.manual_seed(torch_seed + 7919 * dist.rank)
            try:
                train(self.net_, train_ds,
                      cfg.max_epochs if epochs is None else epochs, cfg)
            finally:
                self.net_.distributed_ = None
                self.net_.loss_weight_ = 1.0
        return self

    # ---------------------------------------------------------------- sample
    def sample(self, panel: Panel, origin: np.ndarray, horizon: int,
               num_samples: int | None = None, seed: int | None = None,
               prefix: HistoryPrefix | None = None) -> np.ndarray:
        """Sample paths for ``horizon`` steps from grid position ``origin``.

        Parameters
        ----------
        panel : Panel
            History (and future covariates): its grid must reach
            ``origin + horizon - 1`` for every series.
        origin : ndarray of int, shape (N,)
            Grid position of each series' first forecast step.
        horizon : int
            Steps to sample.
        num_samples : int, optional
            Paths per series; defaults to the configuration's.
        seed : int, optional
            Defaults to the seed drawn from ``random_state`` at fit.
        prefix : HistoryPrefix, optional
            Summaries of history dropped before ``panel`` (see
            :func:`~._history.truncate_history`).

        Returns
        -------
        ndarray of shape (N, num_samples, horizon)
        """
        cfg = self.config
        c = self.context_length
        origin = np.asarray(origin, dtype=np.int64)
        start = origin + self.pad - c
        # a series sampled past the end of the grid (one that ended earlier
        # than the others, asked for as many steps after its own end) reads
        # unobserved, covariate-free steps there
        beyond = max(0, int((origin + horizon).max(initial=0)) - len(panel.grid))
        arrays = self.arrays(panel, pad_right=beyond, prefix=prefix)
        return sample_paths(
            self.net_.module_, arrays, start, context=c,
            max_lag=self.max_lag, horizon=horizon,
            num_samples=int(num_samples or cfg.num_samples), device=cfg.device,
            seed=self.predict_seed if seed is None else seed,
        )

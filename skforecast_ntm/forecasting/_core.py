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
* :mod:`skforecast_ntm.networks`: the torch network and likelihoods.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

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
            neg = (np.nan_to_num(panel.y) < 0).any(1)
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
            lstm_dtype=getattr(torch, cfg.precision),
        )

    def fit(self, panel: Panel, *, warm_start: bool = False,
            epochs: int | None = None) -> DeepARCore:
        """Train on every series of ``panel`` (from scratch or warm)."""
        cfg = self.config
        self._check_target(panel)
        if not warm_start:
            self.enc = Encoders().fit(panel, cfg)
        h, c, p = int(cfg.prediction_length), self.context_length, self.max_lag
        # h steps of padding after the grid: the forecast part of a window of
        # a short series may run past the end (masked out of the loss)
        arr = self.arrays(panel, pad_right=h)
        torch_seed, data_seed, self.predict_seed = _seeds(cfg.random_state)
        split = split_series(arr, c, h, cfg.early_stopping, data_seed)
        trainable = split.trainable
        ids = panel.keys
        if (~trainable).any():
            warnings.warn(
                f"Series {format_ids(ids[~trainable])} are too short to train on "
                "(fewer than 2 observed values); they are left out of training "
                "and forecast by the global model from their own scale.",
                UserWarning, stacklevel=3,
            )
        length = arr.last_obs + 1 - arr.first_obs
        self.empty_context_rate_ = resolve_empty_context_rate(
            cfg.empty_context_rate,
            bool(self.enc.cat_columns or self.enc.real_columns),
            float((trainable & (length < c + h)).sum() / max(trainable.sum(), 1)),
        )
        short = trainable & (length < c)
        if short.any():
            warnings.warn(
                f"Series {format_ids(ids[short])} are shorter than "
                f"context_length={c}; their windows are padded with unobserved "
                "values (masked out of the loss).",
                UserWarning, stacklevel=3,
            )
        train_ds = training_windows(
            arr, split, max_lag=p, context=c, horizon=h,
            batch_size=cfg.batch_size, batches_per_epoch=cfg.batches_per_epoch,
            window_weighting=cfg.window_weighting, seed=data_seed,
            empty_rate=self.empty_context_rate_,
        )
        valid_ds = validation_windows(
            arr, split, max_lag=p, context=c, horizon=h,
            batch_size=cfg.batch_size,
            use_series_embedding=cfg.use_series_embedding,
        )
        with seeded_torch(torch_seed, cfg.device):
            if not warm_start:
                self.net_ = make_net(cfg, self._build_network(), valid_ds)
                self.net_.initialize()
            else:
                use_validation(self.net_, valid_ds)
            train(self.net_, train_ds,
                  cfg.max_epochs if epochs is None else epochs, cfg)
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

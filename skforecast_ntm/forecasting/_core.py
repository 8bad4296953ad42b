"""The training and sampling core shared by the sktime and sklearn faces.

Split in the GluonTS way: :mod:`skforecast_ntm.networks` holds the network,
this module holds the data side (encoders, window sampling) and the training
loop, which is a skorch ``NeuralNet`` fed with whole, vectorised batches.

* :class:`Encoders` learns everything data-dependent at fit time (series and
  category codes, covariate standardisation, frequency, lags).
* :class:`PanelArrays` turns a :class:`Panel` into padded arrays and gathers
  windows for any ``(series, end position)`` pairs in one indexing operation.
* :class:`DeepARCore` trains the network through skorch and draws sample
  paths.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, LRScheduler
from skorch.helper import predefined_split
from skorch.utils import to_tensor
from torch.utils.data import Dataset

from ..networks import DeepARNetwork, MaskedNegativeLogLikelihood
from ._features import (
    FrequencyInfo,
    extend_grid,
    make_grid,
    seasonal_period,
    time_features,
    validate_lags,
)
from ._panel import Panel, format_ids

__all__ = ["DeepARConfig", "DeepARCore", "Encoders", "PanelArrays"]


@dataclass
class DeepARConfig:
    """Hyper-parameters of the core (see the estimators for their meaning).

    Both estimators build one from their parameters; use it directly only to
    drive :class:`DeepARCore` without an estimator.

    Examples
    --------
    >>> from skforecast_ntm.forecasting import DeepARConfig
    >>> cfg = DeepARConfig(prediction_length=6, hidden_size=8, max_epochs=1)
    >>> cfg.likelihood, cfg.num_samples
    ('student_t', 100)
    """

    prediction_length: int = 1
    context_length: int | None = None
    lags: list | None = None
    likelihood: str = "student_t"
    hidden_size: int = 40
    num_layers: int = 2
    dropout: float = 0.1
    use_series_embedding: bool = True
    embedding_dim: int | None = None
    static_categorical_columns: list = field(default_factory=list)
    static_real_columns: list = field(default_factory=list)
    max_epochs: int = 100
    batches_per_epoch: int = 50
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-8
    gradient_clip: float = 10.0
    early_stopping: bool = True
    patience: int = 10
    window_weighting: str = "scale"
    empty_context_rate: float | None = None
    num_samples: int = 100
    random_state: int | None = None
    device: str = "cpu"
    precision: str = "float32"
    verbose: int = 0


# ---------------------------------------------------------------- encoders
class Encoders:
    """Data-dependent state learned at fit time.

    Unknown series and categories map to code 0, whose embedding is trained by
    randomly masking a small share of the codes during training (cold start).
    """

    def fit(self, panel: Panel, config: DeepARConfig) -> Encoders:
        self.info: FrequencyInfo = panel.info
        self.lags = validate_lags(config.lags, panel.info)
        self.seasonal_period = seasonal_period(panel.info)
        self.series_index = pd.Index(panel.keys)
        self.cat_columns = list(config.static_categorical_columns)
        self.real_columns = list(config.static_real_columns)
        self.cat_levels = [
            pd.Index(pd.unique(panel.static[c].dropna())) for c in self.cat_columns
        ]
        reals = self._static_real_raw(panel)
        self.real_mean = np.nanmean(reals, 0) if reals.size else np.zeros(0)
        self.real_std = np.nanstd(reals, 0) if reals.size else np.zeros(0)
        self.real_std = np.where(self.real_std > 0, self.real_std, 1.0)
        self.x_columns = list(panel.x_columns)
        if panel.X is not None:
            flat = panel.X.reshape(-1, panel.X.shape[-1])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                self.x_mean = np.nan_to_num(np.nanmean(flat, 0))
                std = np.nan_to_num(np.nanstd(flat, 0))
            self.x_std = np.where(std > 0, std, 1.0)
        else:
            self.x_mean = self.x_std = np.zeros(0)
        self.time_feature_count = time_features(panel.grid[:1], panel.info).shape[1]
        self.global_scale = global_scale(panel)
        return self

    @property
    def cardinalities(self) -> list[int]:
        return [len(levels) + 1 for levels in self.cat_levels]

    def _static_real_raw(self, panel: Panel) -> np.ndarray:
        if not self.real_columns:
            return np.zeros((panel.n_series, 0))
        frame = panel.static[self.real_columns]
        try:
            return frame.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            raise TypeError(
                f"static_real_columns {self.real_columns} must be numeric; "
                "declare text/categorical columns in static_categorical_columns."
            ) from None

    def static_cat(self, panel: Panel, use_series: bool) -> np.ndarray:
        cols = []
        if use_series:
            cols.append(self.series_index.get_indexer(panel.keys) + 1)
        for c, levels in zip(self.cat_columns, self.cat_levels, strict=True):
            cols.append(levels.get_indexer(panel.static[c]) + 1)
        if not cols:
            return np.zeros((panel.n_series, 0), dtype=np.int64)
        return np.column_stack(cols).astype(np.int64)

    def static_real(self, panel: Panel) -> np.ndarray:
        raw = self._static_real_raw(panel)
        if np.isnan(raw).any():
            bad = panel.keys[np.isnan(raw).any(1)]
            raise ValueError(
                f"static_real_columns have missing values for series "
                f"{format_ids(bad)}; impute them before fitting."
            )
        return ((raw - self.real_mean) / self.real_std).astype(np.float32)

    def check_x_columns(self, panel: Panel) -> None:
        if list(panel.x_columns) != self.x_columns:
            raise ValueError(
                f"X columns {panel.x_columns} differ from those seen in fit "
                f"{self.x_columns}; pass the same covariates in fit and predict."
            )


def global_scale(panel: Panel) -> float:
    """The scale of a window with nothing observed before its forecast part.

    The median over the series of their mean absolute observed value (series
    whose observed values are all zero left out), 1.0 when there is none. A
    brand-new series (no observation yet) and the training windows whose
    context is blanked out (:data:`EMPTY_CONTEXT_RATE`) use it, so the
    network learns such a series' level from its static features and age on
    a fixed, data-derived scale.
    """
    observed = ~np.isnan(panel.y)
    n_obs = observed.sum(1)
    mean_abs = np.abs(np.where(observed, panel.y, 0.0)).sum(1) / np.maximum(n_obs, 1)
    mean_abs = mean_abs[mean_abs > 0]
    return float(np.median(mean_abs)) if mean_abs.size else 1.0


# ------------------------------------------------------------- array side
class PanelArrays:
    """Padded arrays of a panel and vectorised window gathering.

    Parameters
    ----------
    panel : Panel
    enc : Encoders
    pad : int
        Number of unobserved steps prepended so that every window (history
        included) has non-negative positions.
    """

    def __init__(self, panel: Panel, enc: Encoders, pad: int, use_series: bool,
                 pad_right: int = 0):
        self.panel = panel
        self.pad = pad
        n, t = panel.y.shape
        width = pad + t + pad_right
        observed = ~np.isnan(panel.y)
        # forward-fill missing targets (inputs only; they are masked in the loss)
        pos = np.where(observed, np.arange(t), -1)
        np.maximum.accumulate(pos, axis=1, out=pos)
        filled = np.where(pos >= 0, panel.y[np.arange(n)[:, None], pos.clip(0)], 0.0)
        self.target = np.zeros((n, width), dtype=np.float32)
        self.target[:, pad : pad + t] = filled
        self.observed = np.zeros((n, width), dtype=np.float32)
        self.observed[:, pad : pad + t] = observed
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
        any_obs = observed.any(1)
        self.first_obs = np.where(any_obs, observed.argmax(1), t) + pad
        self.last_obs = np.where(
            any_obs, t - 1 - observed[:, ::-1].argmax(1), -1
        ) + pad
        # the age origin: the first observation, else (a series given only
        # rows with a missing target, e.g. a launch period) its first row
        has_rows = panel.last >= 0
        self.age_origin = np.where(
            any_obs, self.first_obs, np.where(has_rows, panel.first + pad, width))
        if panel.X is not None:
            enc.check_x_columns(panel)
            x = (panel.X - enc.x_mean) / enc.x_std
            self.X = np.zeros((n, width, x.shape[-1]), dtype=np.float32)
            self.X[:, pad : pad + t] = np.nan_to_num(x)
        else:
            if enc.x_columns:
                raise ValueError(
                    f"The model was fitted with covariates {enc.x_columns}; "
                    "pass X with those columns."
                )
            self.X = None
        self.static_cat = enc.static_cat(panel, use_series)
        self.static_real = enc.static_real(panel)
        # running sums of |y| and of the observed count over the padded axis:
        # column k sums the positions before k (causal scales and fallbacks)
        absval = np.where(observed, np.abs(np.nan_to_num(panel.y)), 0.0)
        self.cum_abs = np.zeros((n, width + 1))
        np.cumsum(absval, axis=1, out=self.cum_abs[:, pad + 1 : pad + t + 1])
        self.cum_abs[:, pad + t + 1 :] = self.cum_abs[:, pad + t : pad + t + 1]
        self.cum_obs = np.zeros((n, width + 1), dtype=np.int64)
        np.cumsum(observed, axis=1, out=self.cum_obs[:, pad + 1 : pad + t + 1])
        self.cum_obs[:, pad + t + 1 :] = self.cum_obs[:, pad + t : pad + t + 1]
        self.global_scale = float(getattr(enc, "global_scale", 1.0))
        self.n_obs = observed.sum(1)

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

    @property
    def n_dynamic(self) -> int:
        return self.tf.shape[1] + 1 + (0 if self.X is None else self.X.shape[-1])

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
        observed = self.observed[rows, tpos]
        age = np.log10(2.0 + np.maximum(dpos - self.age_origin[idx, None], 0))
        dyn = [self.tf[dpos], age[..., None].astype(np.float32)]
        if self.X is not None:
            dyn.append(self.X[rows, dpos])
        return {
            "target": torch.from_numpy(target),
            "observed": torch.from_numpy(observed),
            "dynamic": torch.from_numpy(np.concatenate(dyn, axis=-1)),
            "static_cat": torch.from_numpy(self.static_cat[idx]),
            "static_real": torch.from_numpy(self.static_real[idx]),
            "fallback_scale": torch.from_numpy(
                self.fallback_scale(idx, start + context)),
        }


# ---------------------------------------------------------------- datasets
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

#: share of the series too short for the time-ordered validation split that
#: are held out of training whole and validated as new series (with
#: ``early_stopping``)
HELD_OUT_SERIES_RATE = 0.1

#: training windows sampled and gathered together (as one array operation)
PRESAMPLED_WINDOWS = 4096

#: sample paths stepped together when predicting on CPU: large enough for
#: efficient matrix products, small enough for the per-step state (about 2 KB
#: a path) to stay in cache; accelerators get larger chunks
SAMPLE_CHUNK_PATHS = 1 << 14
SAMPLE_CHUNK_PATHS_ACCELERATOR = 1 << 18


class _TrainWindows(Dataset):
    """Each item is one whole batch of freshly sampled training windows.

    A window is given by a series and the position ``t`` of its first
    forecast step; its context is ``[t - C, t)`` and its forecast part
    ``[t, t + H)``. Training series ``series[j]`` has the windows ``lo[j] <=
    t <= hi[j]``, and its loss stops at ``stop[j]`` (the validation holdout
    or the end of the arrays). Every window is drawn with probability
    proportional to ``weights`` (one per window, in series then ``t`` order;
    None: uniform). Windows are sampled and gathered as single array
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
        self.series, self.lo, self.stop = series, lo, stop
        counts = hi - lo + 1
        self.ends = np.cumsum(counts)
        self.starts = self.ends - counts
        self.total = int(self.ends[-1])
        self.cdf = None if weights is None else np.cumsum(weights)
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
        if self.cdf is None:
            k = rng.integers(0, self.total, n)
        else:
            k = np.minimum(np.searchsorted(self.cdf, rng.random(n) * self.cdf[-1],
                                           side="right"), self.total - 1)
        pick = np.searchsorted(self.ends, k, side="right")
        origin = self.lo[pick] + k - self.starts[pick]
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

    def __getitem__(self, k):
        run = self._run
        if k == 0 or run is None or not run[0] <= k < run[1]:
            stop = min(self.n_batches, k + self.run_batches)
            run = self._run = (k, stop, *self._sample((stop - k) * self.batch_size))
        start, _, x, y = run
        rows = slice((k - start) * self.batch_size, (k - start + 1) * self.batch_size)
        return ({key: v[rows] for key, v in x.items()},
                {key: v[rows] for key, v in y.items()})


class _FixedWindows(Dataset):
    """Pre-computed batches (the time-ordered validation windows)."""

    def __init__(self, batches):
        self.batches = batches

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, k):
        return self.batches[k]


class _DeepARNet(NeuralNet):
    """skorch net whose loss is the masked negative log-likelihood.

    Its training step is written out rather than skorch's closure-based one
    (Adam needs no closure), with the gradient clipping inline.

    Parameters
    ----------
    gradient_clip : float
        Maximum norm of the gradient.
    """

    def __init__(self, *args, gradient_clip: float = 10.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.gradient_clip = gradient_clip

    def get_loss(self, y_pred, y_true, X=None, training=False):
        raw, scale = y_pred
        y_true = to_tensor(y_true, device=self.device)
        ll = self.module_.log_likelihood(raw, scale, y_true["target"])
        return self.criterion_(ll, y_true["mask"])

    def train_step(self, batch, **fit_params):
        """Forward, backward, gradient clipping and one Adam step."""
        self._set_training(True)
        X, y = batch
        X = to_tensor(X, device=self.device)
        y_pred = self.module_(**X)
        loss = self.get_loss(y_pred, y, X=X, training=True)
        if not torch.isfinite(loss):
            raise _NonFiniteLoss(float(loss))
        grads = self._grads_
        if grads is None or grads.module is not self.module_:
            grads = self._grads_ = _FlatGradients(self.module_)
        grads.zero_()
        loss.backward()
        grads.clip_norm_(self.gradient_clip)
        self.optimizer_.step()
        return {"loss": loss.detach(), "y_pred": y_pred}

    _grads_: _FlatGradients | None = None

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_grads_", None)  # rebuilt on the next training step
        return state


class _TrainingBar(Callback):
    """One progress bar over a training run's epochs, with the latest losses.

    Replaces skorch's per-epoch batch bar and epoch table (``verbose > 0``);
    early stopping closes it before its total.
    """

    total: int | None = None

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        import sys

        from tqdm.auto import tqdm

        self.bar_ = tqdm(total=self.total or net.max_epochs, unit="epoch",
                         desc="training DeepAR", file=sys.stderr, leave=True)

    def on_epoch_end(self, net, **kwargs):
        last = net.history[-1]
        post = {"train_loss": f"{last['train_loss']:.4f}"}
        if "valid_loss" in last:
            post["valid_loss"] = f"{last['valid_loss']:.4f}"
        self.bar_.set_postfix(post, refresh=False)
        self.bar_.update(1)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        self.bar_.close()

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("bar_", None)  # a tqdm bar holds a stream
        return state


class _NonFiniteLoss(FloatingPointError):
    """The training loss became NaN or infinite (raised by the train step)."""


class _FlatGradients:
    """The gradients of a module's parameters as views of one flat buffer.

    Zeroing and clipping the gradient norm are then one operation each on
    the buffer instead of one per parameter (``clip_grad_norm_`` costs 0.2
    ms a step on CPU for DeepAR's dozen parameters). Backward accumulates
    into the views: :meth:`zero_` re-attaches them, so anything that set a
    gradient to None in between does not detach the buffer.
    """

    def __init__(self, module: torch.nn.Module) -> None:
        self.module = module
        self.params = [p for p in module.parameters() if p.requires_grad]
        first = self.params[0]
        self.flat = torch.zeros(sum(p.numel() for p in self.params),
                                dtype=first.dtype, device=first.device)
        self.views, start = [], 0
        for p in self.params:
            self.views.append(self.flat[start : start + p.numel()].view_as(p))
            start += p.numel()

    def zero_(self) -> None:
        self.flat.zero_()
        for p, view in zip(self.params, self.views, strict=True):
            p.grad = view

    def clip_norm_(self, max_norm: float) -> torch.Tensor:
        """Scale the gradients to a total 2-norm of at most ``max_norm``."""
        norm = torch.linalg.vector_norm(self.flat)
        # the same factor as torch.nn.utils.clip_grad_norm_
        self.flat.mul_(torch.clamp(max_norm / (norm + 1e-6), max=1.0))
        return norm


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


def _rng_context(device: str):
    devices = [] if torch.device(device).type != "cuda" else [torch.device(device)]
    return torch.random.fork_rng(devices=devices)


def _seeds(random_state) -> tuple[int, int, int]:
    rs = random_state if isinstance(random_state, np.random.RandomState) else \
        np.random.RandomState(random_state)
    a, b, c = rs.randint(0, 2**31 - 1, size=3)
    return int(a), int(b), int(c)


# -------------------------------------------------------------------- core
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

    def arrays(self, panel: Panel, pad_right: int = 0) -> PanelArrays:
        return PanelArrays(panel, self.enc, self.pad,
                           self.config.use_series_embedding, pad_right=pad_right)

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
        if self.config.likelihood == "negative_binomial":
            neg = (np.nan_to_num(panel.y) < 0).any(1)
            if neg.any():
                raise ValueError(
                    "likelihood='negative_binomial' needs non-negative counts, but "
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
        window = c + h
        lo_obs, hi = arr.first_obs, arr.last_obs + 1
        validate = np.zeros(panel.n_series, dtype=bool)
        if cfg.early_stopping:
            # time-ordered split: the last `h` steps of each series that keeps
            # a whole context (and at least 2 steps) before them are held out
            # for validation
            validate = (hi - h - lo_obs) >= max(c, 2)
        train_hi = np.where(validate, hi - h, hi)
        trainable = (train_hi - lo_obs >= 2) & (arr.n_obs >= 2)
        if not trainable.any():
            raise ValueError(
                "No series has at least 2 observed values; DeepAR needs history "
                "to train on."
            )
        torch_seed, data_seed, self.predict_seed = _seeds(cfg.random_state)
        held_out = np.zeros(panel.n_series, dtype=bool)
        if cfg.early_stopping:
            # series too short for the time-ordered split: a share of them is
            # held out whole and validated as new series (their first value
            # as context, as for a cold start); a validation set of long
            # series' last steps alone stops training before the short-context
            # regime is learned
            draw = np.random.default_rng([data_seed, 1]).random(panel.n_series)
            held_out = trainable & ~validate & (draw < HELD_OUT_SERIES_RATE)
            if not (trainable & ~held_out).any():
                held_out[:] = False
        ids = panel.keys
        if (~trainable).any():
            warnings.warn(
                f"Series {format_ids(ids[~trainable])} are too short to train on "
                "(fewer than 2 observed values); they are left out of training "
                "and forecast by the global model from their own scale.",
                UserWarning, stacklevel=3,
            )
        short = trainable & (hi - lo_obs < c)
        self.empty_context_rate_ = resolve_empty_context_rate(
            cfg.empty_context_rate,
            bool(self.enc.cat_columns or self.enc.real_columns),
            float((trainable & (hi - lo_obs < c + h)).sum() / max(trainable.sum(), 1)),
        )
        if short.any():
            warnings.warn(
                f"Series {format_ids(ids[short])} are shorter than "
                f"context_length={c}; their windows are padded with unobserved "
                "values (masked out of the loss).",
                UserWarning, stacklevel=3,
            )
        series = np.flatnonzero(trainable & ~held_out)
        lo_t, hi_t = window_origins(lo_obs[series], train_hi[series], h)
        counts = hi_t - lo_t + 1
        if cfg.window_weighting == "scale":
            rows = np.repeat(np.arange(len(series)), counts)
            t = lo_t[rows] + np.arange(rows.size) - (np.cumsum(counts) - counts)[rows]
            # DeepAR's scale weighting, by the scale of each window's
            # context: causal, so it does not favour windows by the values
            # they forecast
            weights = arr.context_scale(series[rows], t, c)
        else:
            weights = None
        train_ds = _TrainWindows(
            arr, series, lo_t, hi_t, train_hi[series], weights,
            int(cfg.batch_size), int(cfg.batches_per_epoch), p, c, h, data_seed,
            empty_rate=self.empty_context_rate_,
        )
        valid_ds = None
        # validation windows: the last `h` steps of long series, and the
        # first window (context: the first value) of held-out short series
        val_series = np.concatenate([np.flatnonzero(validate & trainable),
                                     np.flatnonzero(held_out)])
        val_start = np.where(validate[val_series], hi[val_series] - window,
                             lo_obs[val_series] + 1 - c)
        if len(val_series):
            batches = []
            bs = max(int(cfg.batch_size), 256)
            for i in range(0, len(val_series), bs):
                idx, start = val_series[i : i + bs], val_start[i : i + bs]
                x = arr.window(idx, start, p, window, window, context=c)
                if cfg.use_series_embedding:
                    # held-out series are new: the "unknown" series code
                    cat = x["static_cat"]
                    cat[:, 0] = torch.where(
                        torch.from_numpy(held_out[idx]), 0, cat[:, 0])
                mask = x["observed"][:, p:].clone()
                mask[:, :c] = 0.0
                batches.append((x, {"target": x["target"][:, p:], "mask": mask}))
            valid_ds = _FixedWindows(batches)
        with _rng_context(cfg.device):
            torch.manual_seed(torch_seed)
            if not warm_start:
                self.net_ = self._make_net(valid_ds)
                self.net_.initialize()
            else:
                self.net_.set_params(
                    train_split=None if valid_ds is None
                    else predefined_split(valid_ds)
                )
            n_epochs = int(cfg.max_epochs if epochs is None else epochs)
            bar = dict(self.net_.callbacks_).get("progress")
            if bar is not None:
                bar.total = n_epochs
            try:
                self.net_.partial_fit(train_ds, None, epochs=n_epochs)
            except _NonFiniteLoss as exc:
                self._stop_on_nonfinite_loss(exc)
        self.n_train_series = len(series)
        return self

    def _stop_on_nonfinite_loss(self, exc: _NonFiniteLoss) -> None:
        """Restore the best weights seen, then raise an error saying what to try."""
        net, cfg = self.net_, self.config
        epoch = len(net.history)
        restored = ""
        stopper = dict(net.callbacks_).get("early_stopping")
        best = getattr(stopper, "best_model_weights_", None)
        if best is not None:
            net.module_.load_state_dict(best)
            restored = " The weights of the best epoch so far are kept in core_."
        raise ValueError(
            f"The training loss became {exc.args[0]} in epoch {epoch} and training "
            f"stopped.{restored} Try a lower learning rate (lr={cfg.lr:g} now), a "
            "smaller gradient_clip, likelihood='student_t' (robust to outliers) "
            "or 'negative_binomial' for counts, and check the data for extreme "
            "values or a scale far from 1 (e.g. rescale the series)."
        ) from None

    def _make_net(self, valid_ds) -> _DeepARNet:
        cfg = self.config
        monitor = "valid_loss" if valid_ds is not None else "train_loss"
        callbacks = [
            ("lr_plateau", LRScheduler(
                policy=torch.optim.lr_scheduler.ReduceLROnPlateau,
                monitor=monitor, mode="min", factor=0.5,
                patience=max(1, int(cfg.patience) // 2),
            )),
        ]
        if cfg.early_stopping:
            callbacks.append(("early_stopping", EarlyStopping(
                monitor=monitor, patience=int(cfg.patience), threshold=1e-4,
                threshold_mode="rel", load_best=True, sink=_null_sink,
            )))
        if cfg.verbose:
            callbacks.append(("progress", _TrainingBar()))
        return _DeepARNet(
            module=self._build_network(),
            criterion=MaskedNegativeLogLikelihood,
            optimizer=torch.optim.Adam,
            optimizer__weight_decay=cfg.weight_decay,
            # one fused kernel instead of a loop over the parameter tensors
            optimizer__fused=_fused_adam(cfg.device),
            lr=cfg.lr,
            max_epochs=int(cfg.max_epochs),
            batch_size=int(cfg.batch_size),
            iterator_train__batch_size=None,
            iterator_valid__batch_size=None,
            train_split=None if valid_ds is None else predefined_split(valid_ds),
            callbacks=callbacks,
            device=cfg.device,
            verbose=0,  # no epoch table: _TrainingBar shows the losses
            gradient_clip=cfg.gradient_clip,
        )

    # ---------------------------------------------------------------- sample
    def sample(self, panel: Panel, origin: np.ndarray, horizon: int,
               num_samples: int | None = None, seed: int | None = None
               ) -> np.ndarray:
        """Sample paths for ``horizon`` steps from grid position ``origin``.

        Parameters
        ----------
        panel : Panel
            History (and future covariates): its grid must reach
            ``origin + horizon - 1`` for every series.
        origin : ndarray of int, shape (N,)
            Grid position of each series' first forecast step.

        Returns
        -------
        ndarray of shape (N, num_samples, horizon)
        """
        cfg = self.config
        s = int(num_samples or cfg.num_samples)
        arr = self.arrays(panel)
        module = self.net_.module_
        module.eval()
        c, p = self.context_length, self.max_lag
        start = np.asarray(origin, dtype=np.int64) + self.pad - c
        out = np.empty((panel.n_series, s, horizon), dtype=np.float32)
        device = cfg.device
        chunk_paths = (SAMPLE_CHUNK_PATHS if torch.device(device).type == "cpu"
                       else SAMPLE_CHUNK_PATHS_ACCELERATOR)
        chunk = max(1, chunk_paths // s)
        with _rng_context(device), torch.inference_mode():
            torch.manual_seed(self.predict_seed if seed is None else seed)
            for i in range(0, panel.n_series, chunk):
                idx = np.arange(i, min(i + chunk, panel.n_series))
                x = arr.window(idx, start[idx], p, c, c + horizon, context=c)
                x = {k: v.to(device) for k, v in x.items()}
                paths = module.sample(**x, horizon=horizon, num_samples=s)
                out[idx] = paths.cpu().numpy()
        return out


def _fused_adam(device: str) -> bool:
    """Whether torch has a fused Adam kernel for ``device``."""
    return torch.device(device).type in ("cpu", "cuda")


def _null_sink(*args, **kwargs) -> None:
    """Silence skorch's early-stopping message (the progress bar says enough)."""

"""Parameters and helpers shared by the sktime and scikit-learn faces."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)

from ..networks import LIKELIHOODS
from ._core import DeepARConfig
from ._features import FrequencyInfo

__all__ = ["CORE_PARAMS", "PARAMETERS_DOC", "make_config", "default_horizon"]

#: parameter name -> sklearn-style constraints (validated at fit)
PARAM_CONSTRAINTS: dict = {
    "prediction_length": [Interval(Integral, 1, None, closed="left"), None],
    "context_length": [Interval(Integral, 1, None, closed="left"), None],
    "lags": ["array-like", None],
    "freq": [str, None, object],
    "likelihood": [StrOptions(set(LIKELIHOODS))],
    "hidden_size": [Interval(Integral, 1, None, closed="left")],
    "num_layers": [Interval(Integral, 1, None, closed="left")],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "use_series_embedding": ["boolean"],
    "embedding_dim": [Interval(Integral, 1, None, closed="left"), None],
    "static_categorical_columns": ["array-like", None],
    "static_real_columns": ["array-like", None],
    "max_epochs": [Interval(Integral, 1, None, closed="left")],
    "batches_per_epoch": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "lr": [Interval(Real, 0, None, closed="neither")],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "gradient_clip": [Interval(Real, 0, None, closed="neither")],
    "early_stopping": ["boolean"],
    "patience": [Interval(Integral, 1, None, closed="left")],
    "window_weighting": [StrOptions({"scale", "uniform"})],
    "empty_context_rate": [Interval(Real, 0, 1, closed="left"), None],
    "num_samples": [Interval(Integral, 1, None, closed="left")],
    "point_forecast": [StrOptions({"median", "mean"})],
    "update_epochs": [Interval(Integral, 0, None, closed="left")],
    "random_state": ["random_state"],
    "device": [str, torch.device],
    "precision": [StrOptions({"float32", "bfloat16"})],
    "verbose": ["verbose"],
}

CORE_PARAMS = list(PARAM_CONSTRAINTS)

PARAMETERS_DOC = """
    prediction_length : int or None, default=None
        Length of the forecast part of training windows (the horizon the
        network is trained for). ``None``: the largest step of ``fh`` given to
        ``fit``, else a default for the frequency (monthly 18, quarterly 8,
        yearly 6, weekly 13, daily 14, hourly 48). Longer horizons can still be
        predicted (sampling continues autoregressively).
    context_length : int or None, default=None
        Conditioning range of each window; the scale is the mean absolute
        observed value over it. ``None``: ``max(prediction_length, seasonal
        period, 4)``.
    lags : list of int or None, default=None
        Lags of the target fed to the network. ``None`` picks them from the
        frequency (e.g. monthly: 1-7, 11-13, 23-25, 35-37; daily: 1-8 and 2, 3,
        4 weeks and a year). History needed is ``context_length + max(lags)``;
        shorter series are padded with unobserved values.
    freq : str or None, default=None
        Frequency of a ``DatetimeIndex`` without ``freq``; inferred when None.
    likelihood : {"student_t", "gaussian", "negative_binomial"}, default="student_t"
        Output distribution. ``"negative_binomial"`` is for non-negative counts
        and rejects negative targets.
    hidden_size : int, default=40
        LSTM cells per layer.
    num_layers : int, default=2
        LSTM layers.
    dropout : float, default=0.1
        Dropout between LSTM layers.
    use_series_embedding : bool, default=True
        Learn an embedding of each series' identity. Series unseen in training
        (cold start) use a shared "unknown" embedding.
    embedding_dim : int or None, default=None
        Size of every embedding; ``None``: ``min(50, (cardinality + 1) // 2)``.
    static_categorical_columns : list of str or None, default=None
        Columns of ``X`` holding static categorical metadata (store, category);
        each is embedded. Must be constant within a series.
    static_real_columns : list of str or None, default=None
        Columns of ``X`` holding static real features (standardised). All
        other ``X`` columns are dynamic covariates known into the future.
    max_epochs : int, default=100
        Maximum number of epochs.
    batches_per_epoch : int, default=50
        Batches of freshly sampled windows per epoch.
    batch_size : int, default=32
        Windows per batch.
    lr : float, default=1e-3
        Adam learning rate (halved when the monitored loss plateaus for
        ``patience // 2`` epochs).
    weight_decay : float, default=1e-8
        Adam weight decay.
    gradient_clip : float, default=10.0
        Maximum gradient norm.
    early_stopping : bool, default=True
        Hold out the last ``prediction_length`` steps of every long-enough series
        (a time-ordered split), stop when their loss has not improved for
        ``patience`` epochs, and restore the best weights.
    patience : int, default=10
        Early-stopping patience in epochs.
    window_weighting : {"scale", "uniform"}, default="scale"
        ``"scale"`` samples training windows in proportion to the scale of
        their context (DeepAR; causal: never the values they forecast),
        ``"uniform"`` gives every window the same chance.
    empty_context_rate : float in [0, 1) or None, default=None
        Share of training windows whose context is blanked out (nothing
        observed, the training panel's typical scale), so that the network
        learns to forecast a series with no observation yet (cold start)
        from its static metadata, covariates and age. ``None``: 0.1 when the
        panel has static metadata or at least 10% of its series are shorter
        than ``context_length + prediction_length`` (a catalogue with new
        items), else 0: blanked windows cost warm accuracy (M3 monthly:
        MASE 0.925 without, 0.997 with 0.1).
    num_samples : int, default=100
        Sample paths drawn per series when predicting.
    point_forecast : {"median", "mean"}, default="median"
        Point forecast returned by ``predict``: the median (P50) or the mean
        of the sample paths.
    update_epochs : int, default=0
        Epochs of warm-started training run by ``update`` with
        ``update_params=True``; 0 means ``update`` only conditions on the new
        data (no retraining).
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation, window sampling, dropout and forecast
        sampling: the same seed gives the same forecast. The global torch RNG
        state is left untouched.
    device : str, default="cpu"
        Torch device, e.g. ``"cuda"``; a GPU is never required.
    precision : {"float32", "bfloat16"}, default="float32"
        ``"bfloat16"`` trains in mixed precision: the LSTM layers compute in
        bfloat16 while the weights, the optimizer, the inputs' features and
        the likelihood stay float32. About 1.3x faster training on CPUs
        with AVX-512 BF16 or AMX (Intel Xeon Sapphire Rapids or newer, AMD
        Zen 4 or newer) and on GPUs with bfloat16; elsewhere bfloat16 is
        emulated and slower. Accuracy is unchanged within the seed-to-seed
        spread on the M3 benchmark. Prediction always runs in float32.
    verbose : int, default=0
        ``>0`` shows one progress bar over the training epochs, with the
        latest train and validation losses (on standard error).
"""

_HORIZONS = {"Y": 6, "Q": 8, "M": 18, "W": 13, "D": 14, "B": 10, "h": 48,
             "min": 60, "s": 60, "int": 10}


def default_horizon(info: FrequencyInfo) -> int:
    """Default forecast horizon of a frequency (M4-style)."""
    return _HORIZONS.get(info.base, 10)


def validate_params(est) -> None:
    """Validate the shared parameters of ``est`` (sklearn-style errors)."""
    params = {k: getattr(est, k) for k in CORE_PARAMS}
    validate_parameter_constraints(
        PARAM_CONSTRAINTS, params, caller_name=type(est).__name__
    )
    device = torch.device(est.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={est.device!r} was requested but CUDA is not available; use "
            "device='cpu'."
        )


def make_config(est, prediction_length: int) -> DeepARConfig:
    """Core configuration from an estimator's parameters."""
    verbose = est.verbose
    return DeepARConfig(
        prediction_length=int(prediction_length),
        context_length=est.context_length,
        lags=None if est.lags is None else list(est.lags),
        likelihood=est.likelihood,
        hidden_size=est.hidden_size,
        num_layers=est.num_layers,
        dropout=est.dropout,
        use_series_embedding=est.use_series_embedding,
        embedding_dim=est.embedding_dim,
        static_categorical_columns=list(est.static_categorical_columns or []),
        static_real_columns=list(est.static_real_columns or []),
        max_epochs=est.max_epochs,
        batches_per_epoch=est.batches_per_epoch,
        batch_size=est.batch_size,
        lr=est.lr,
        weight_decay=est.weight_decay,
        gradient_clip=est.gradient_clip,
        early_stopping=est.early_stopping,
        patience=est.patience,
        window_weighting=est.window_weighting,
        empty_context_rate=est.empty_context_rate,
        num_samples=est.num_samples,
        random_state=est.random_state,
        device=str(est.device),
        precision=est.precision,
        verbose=int(bool(verbose)) if not isinstance(verbose, int) else verbose,
    )


def point_from_samples(samples: np.ndarray, how: str) -> np.ndarray:
    """Point forecast over the sample axis (axis 1 of ``(N, S, H)``)."""
    if how == "mean":
        return samples.mean(axis=1)
    return np.median(samples, axis=1)


def static_columns(est) -> list:
    return list(est.static_categorical_columns or []) + list(
        est.static_real_columns or []
    )

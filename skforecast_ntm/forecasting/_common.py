"""Helpers shared by the sktime and scikit-learn faces of DeepAR.

The parameters themselves are declared once in :mod:`._config`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import validate_parameter_constraints

from ..networks._torch_utils import resolve_device
from ._config import (
    FORECASTER,
    REGRESSOR,
    DeepARConfig,
    make_config,
    param_constraints,
    parameters_doc,
)
from ._features import FrequencyInfo
from ._panel import Panel, format_ids

__all__ = [
    "FORECASTER",
    "REGRESSOR",
    "DeepARConfig",
    "check_future_X",
    "default_horizon",
    "make_config",
    "param_constraints",
    "parameters_doc",
    "point_from_samples",
    "static_columns",
    "validate_params",
]

_HORIZONS = {"Y": 6, "Q": 8, "M": 18, "W": 13, "D": 14, "B": 10, "h": 48,
             "min": 60, "s": 60, "int": 10}


def default_horizon(info: FrequencyInfo) -> int:
    """Default forecast horizon of a frequency (M4-style)."""
    return _HORIZONS.get(info.base, 10)


def validate_params(est, face: str) -> None:
    """Validate the parameters of ``est`` (sklearn-style errors).

    The constraints of :data:`~._config.PARAMETERS` for ``face``, then the
    device (a CUDA device on a machine without CUDA is an error).
    """
    constraints = param_constraints(face)
    params = {k: getattr(est, k) for k in constraints}
    validate_parameter_constraints(
        constraints, params, caller_name=type(est).__name__
    )
    check_device(est)


def check_device(est) -> None:
    """The estimator's ``device`` parses and is available."""
    resolve_device(est.device)


def point_from_samples(samples: np.ndarray, how: str) -> np.ndarray:
    """Point forecast over the sample axis (axis 1 of ``(N, S, H)``)."""
    if how == "mean":
        return samples.mean(axis=1)
    return np.median(samples, axis=1)


def static_columns(est) -> list:
    return list(est.static_categorical_columns or []) + list(
        est.static_real_columns or []
    )


def check_future_X(panel: Panel, origin: np.ndarray, need: np.ndarray) -> None:
    """Covariates cover each series' periods ``origin .. origin + need - 1``.

    ``origin`` is each series' first forecast position on the panel's grid,
    ``need`` how many periods from there are forecast (0: none). DeepAR
    steps through every period, so a gap anywhere before the last requested
    period is an error that names the periods and the series.
    """
    need = np.asarray(need, dtype=np.int64)
    horizon = int(need.max(initial=0))
    if panel.X is None or horizon == 0:
        return
    steps = np.arange(horizon)
    width = panel.X.shape[1]
    cols = np.asarray(origin, dtype=np.int64)[:, None] + steps
    rows = np.arange(panel.n_series)[:, None]
    block = panel.X[rows, cols.clip(0, width - 1)]
    gap = (np.isnan(block).any(-1) | (cols >= width)) & (steps < need[:, None])
    if gap.any():
        series = panel.keys[gap.any(1)]
        periods = pd.Index(panel.grid).take(np.unique(cols[gap].clip(0, width - 1)))
        raise ValueError(
            f"X misses covariate rows for the forecast periods "
            f"{[str(p) for p in periods[:10]]} of series {format_ids(series)}. "
            "DeepAR steps through every period, so X must cover each period "
            "from the end of a series' history up to its last requested one: "
            "pass X rows for them."
        )

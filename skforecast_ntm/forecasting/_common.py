"""Helpers shared by the sktime and scikit-learn faces of DeepAR.

The parameters themselves are declared once in :mod:`._config`.
"""

from __future__ import annotations

import warnings

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
from ._encoders import series_mean_abs
from ._features import FrequencyInfo
from ._panel import Panel, format_ids

__all__ = [
    "FORECASTER",
    "REGRESSOR",
    "DeepARConfig",
    "check_future_X",
    "check_missing_covariates",
    "default_horizon",
    "make_config",
    "param_constraints",
    "parameters_doc",
    "point_from_samples",
    "static_columns",
    "validate_params",
    "warn_tiny_values",
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


def check_missing_covariates(X: pd.DataFrame | None, static: list,
                             hint: str) -> None:
    """A NaN in a dynamic covariate of ``X`` -> ValueError naming where.

    ``static`` columns are left out: they hold one value per series, read
    from any row (a series with none is an error of
    :func:`~._panel.build_panel`). ``hint`` names the imputer of the face.
    """
    if X is None:
        return
    dyn = X.drop(columns=[c for c in static if c in X.columns])
    na = dyn.isna().to_numpy()
    if not na.any():
        return
    cols = [str(c) for c in dyn.columns[na.any(0)]]
    rows = np.flatnonzero(na.any(1))
    index = dyn.index
    if isinstance(index, pd.MultiIndex):
        keys = index.droplevel(-1) if index.nlevels > 2 else index.get_level_values(0)
        where = (f"series {format_ids(pd.unique(keys[rows]))}, first at "
                 f"{index.get_level_values(-1)[rows[0]]}")
    else:
        where = f"first at {index[rows[0]]}"
    raise ValueError(
        f"X column(s) {cols} have missing values ({where}); DeepAR reads "
        "covariates at every step, so a NaN is an error, as a missing row is. "
        f"Fill them first, e.g. with skforecast_ntm.MissingValueFiller or {hint}."
    )


def warn_tiny_values(panel: Panel, min_scale: float, stacklevel: int = 3
                     ) -> None:
    """Warn about series whose values are close to the network's scale floor.

    The scale of a window (mean absolute value of its context) is clamped
    at ``min_scale`` (:class:`~skforecast_ntm.networks.DeepARNetwork`);
    series of that magnitude are scaled too coarsely and get forecasts and
    intervals far too wide (about ``min_scale / value`` times). Warned when
    a series' mean absolute observed value is below ``100 * min_scale``.
    """
    mean_abs = series_mean_abs(panel)  # 0 for a series with no observation
    tiny = (mean_abs > 0) & (mean_abs < 100 * min_scale)
    if not tiny.any():
        return
    level = float(np.median(mean_abs[tiny]))
    power = int(np.ceil(-np.log10(level)))
    warnings.warn(
        f"Series {format_ids(panel.keys[tiny])} have values of magnitude "
        f"{level:.1e} (mean absolute value), close to the network's scale "
        f"floor {min_scale:g}: their scale is clamped to it, so their forecasts "
        "and intervals come out too wide. Rescale the target before fitting, "
        f"e.g. y * 1e{power}, and divide the forecasts by the same factor.",
        UserWarning, stacklevel=stacklevel,
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

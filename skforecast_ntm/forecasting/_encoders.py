"""Data-dependent state learned at fit time: :class:`Encoders`.

Series and category codes, covariate and static-real standardisation, the
frequency, the lags and the global scale of a training panel. Everything a
fitted model needs to turn a new :class:`~._panel.Panel` into network inputs
the same way as in training.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._config import DeepARConfig
from ._features import FrequencyInfo, seasonal_period, time_features, validate_lags
from ._panel import Panel, format_ids

__all__ = ["Encoders", "global_scale"]


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

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

from .._distributed import DistributedContext
from ._config import DeepARConfig
from ._features import (
    FrequencyInfo,
    seasonal_period,
    time_features,
    validate_lags,
)
from ._panel import ARRAY_CHUNK_CELLS, Panel, format_ids

__all__ = ["Encoders", "global_scale"]


class Encoders:
    """Data-dependent state learned at fit time.

    Unknown series and categories map to code 0, whose embedding is trained by
    randomly masking a small share of the codes during training (cold start).
    """

    def fit(self, panel: Panel, config: DeepARConfig,
            dist: DistributedContext | None = None) -> Encoders:
        """Learn the encoders from ``panel``.

        With ``dist`` (data-parallel training), ``panel`` is this rank's shard
        and the encoders are agreed across the ranks (:meth:`_agree`): the
        same as from the whole panel on one process, whatever the sharding.
        """
        if dist is not None:
            return self._agree(panel, config, dist)
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

    def _agree(self, panel: Panel, config: DeepARConfig,
               dist: DistributedContext) -> Encoders:
        """The encoders of the union of every rank's shard.

        Each rank all-gathers a summary of its shard: its series keys, static
        columns, per-series mean absolute values (global scale) and, for the
        covariates, per-column counts, means and sums of squared deviations,
        merged with Chan et al.'s pooled-variance formula. Series order,
        category levels (order of first appearance over the sorted series,
        as :meth:`fit` on the whole panel), static-real statistics and the
        global scale are then exactly those of the whole panel; covariate
        means and standard deviations equal them to rounding. Ranks must hold
        disjoint shards, or each the same whole panel.
        """
        def summary():
            x = None
            if panel.X is not None:
                flat = panel.X.reshape(-1, panel.X.shape[-1])
                n = (~np.isnan(flat)).sum(0)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    mean = np.nan_to_num(np.nanmean(flat, 0))
                m2 = np.nansum((flat - mean) ** 2, 0)
                x = (n, mean, m2)
            cols = [*config.static_categorical_columns, *config.static_real_columns]
            return {"info": panel.info, "keys": panel.keys,
                    "static": panel.static[cols] if cols else None,
                    "mean_abs": series_mean_abs(panel),
                    "x_columns": list(panel.x_columns), "x": x,
                    "time_features": time_features(panel.grid[:1],
                                                   panel.info).shape[1]}

        parts = dist.all_gather_object(dist.agree(summary))

        def merge():
            return self._merge(parts, config)

        return dist.agree(merge)

    def _merge(self, parts: list[dict], config: DeepARConfig) -> Encoders:
        infos = [p["info"] for p in parts]
        if any(info != infos[0] for info in infos):
            raise ValueError(
                "The ranks' shards have different frequencies "
                f"({', '.join(f'rank {r}: {i}' for r, i in enumerate(infos))}); "
                "pass freq= or give every rank series on the same grid."
            )
        xcols = [p["x_columns"] for p in parts]
        if any(c != xcols[0] for c in xcols):
            raise ValueError(
                f"The ranks' shards have different X columns ({xcols}); every "
                "rank must pass the same covariates."
            )
        keys = [p["keys"] for p in parts]
        replicated = all(k.equals(keys[0]) for k in keys)
        if replicated:
            parts = parts[:1]
            keys = keys[:1]
        else:
            everything = keys[0].append(keys[1:]) if len(keys) > 1 else keys[0]
            if everything.has_duplicates:
                dup = everything[everything.duplicated()].unique()
                raise ValueError(
                    f"Series {format_ids(dup)} are in the shards of several "
                    "ranks; give each rank a disjoint shard of the series (or "
                    "every rank the whole panel)."
                )
        union = keys[0].append(keys[1:]) if len(keys) > 1 else keys[0]
        order = np.argsort(union, kind="stable")
        try:
            # the order build_panel gives the whole panel's series
            self.series_index = union[order]
        except TypeError:
            raise TypeError(
                "Series ids mix types and cannot be sorted; use ids of one type."
            ) from None
        self.info = infos[0]
        self.lags = validate_lags(config.lags, self.info)
        self.seasonal_period = seasonal_period(self.info)
        self.cat_columns = list(config.static_categorical_columns)
        self.real_columns = list(config.static_real_columns)
        static = None
        if self.cat_columns or self.real_columns:
            static = pd.concat([p["static"] for p in parts]).iloc[order]
        self.cat_levels = [
            pd.Index(pd.unique(static[c].dropna())) for c in self.cat_columns
        ]
        if self.real_columns:
            reals = _as_reals(static[self.real_columns], self.real_columns)
            self.real_mean = np.nanmean(reals, 0)
            self.real_std = np.nanstd(reals, 0)
        else:
            self.real_mean = self.real_std = np.zeros(0)
        self.real_std = np.where(self.real_std > 0, self.real_std, 1.0)
        self.x_columns = list(xcols[0])
        stats = [p["x"] for p in parts if p["x"] is not None]
        if stats:
            n, mean, m2 = (np.asarray(v, dtype=np.float64) for v in stats[0])
            for nb, mb, m2b in stats[1:]:
                total = n + nb
                delta = mb - mean
                w = np.divide(nb, total, out=np.zeros_like(delta), where=total > 0)
                mean = mean + delta * w
                m2 = m2 + m2b + delta**2 * n * w
                n = total
            self.x_mean = np.where(n > 0, mean, 0.0)
            std = np.sqrt(np.divide(m2, n, out=np.zeros_like(m2), where=n > 0))
            self.x_std = np.where(std > 0, std, 1.0)
        else:
            self.x_mean = self.x_std = np.zeros(0)
        self.time_feature_count = parts[0]["time_features"]
        mean_abs = np.concatenate([p["mean_abs"] for p in parts])[order]
        self.global_scale = _median_scale(mean_abs)
        return self

    @property
    def cardinalities(self) -> list[int]:
        return [len(levels) + 1 for levels in self.cat_levels]

    def _static_real_raw(self, panel: Panel) -> np.ndarray:
        if not self.real_columns:
            return np.zeros((panel.n_series, 0))
        return _as_reals(panel.static[self.real_columns], self.real_columns)

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
    return _median_scale(series_mean_abs(panel))


def series_mean_abs(panel: Panel) -> np.ndarray:
    """Each series' mean absolute observed value (0 with no observation).

    In chunks of series, so that a large panel gets no temporary of its size.
    """
    n, t = panel.y.shape
    out = np.zeros(n)
    step = max(1, ARRAY_CHUNK_CELLS // max(t, 1))
    for lo in range(0, n, step):
        y = panel.y[lo : lo + step]
        observed = ~np.isnan(y)
        out[lo : lo + step] = (np.abs(np.where(observed, y, 0.0)).sum(1)
                               / np.maximum(observed.sum(1), 1))
    return out


def _median_scale(mean_abs: np.ndarray) -> float:
    mean_abs = mean_abs[mean_abs > 0]
    return float(np.median(mean_abs)) if mean_abs.size else 1.0


def _as_reals(frame: pd.DataFrame, columns: list) -> np.ndarray:
    try:
        return frame.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise TypeError(
            f"static_real_columns {columns} must be numeric; "
            "declare text/categorical columns in static_categorical_columns."
        ) from None

"""Conformal calibration of quantile forecasts from backtest residuals.

Each quantile's distance to the median is multiplied by a factor learnt per
quantile level and horizon step from held-out backtest periods: by default
the factor minimising the backtest's weighted quantile loss (wQL) of the
level pair, taken only as far from 1 as the backtest shows beyond noise;
optionally the split-conformal factor that matches the coverage exactly.
The normalisation by the model's own spread makes the factor transfer
across series of any scale and leaves series whose spread was already right
as they were, relative to the others; see ``docs/model_selection.md`` for the choice.
With groups of series (e.g. ABC-XYZ segments) the factors are also learnt
per group, with the pooled factors as the fallback of a group with too few
residuals.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sktime.forecasting.base import ForecastingHorizon

from ..forecasting._base import OwnHistoryForecaster
from ._backtest import (
    MAX_WINDOWS,
    PanelMatrix,
    _scale,
    backtest,
    check_quantiles,
    future_times,
    infer_seasonal_period,
)

__all__ = ["CalibratedForecaster", "ConformalCalibrator", "DEFAULT_LEVELS"]

#: quantile levels learnt by default (the factors of other levels are
#: interpolated between these)
DEFAULT_LEVELS = (0.025, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75,
                  0.8, 0.9, 0.95, 0.975)
_MTYPES = ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"]


class ConformalCalibrator:
    """Per-step factors on each quantile's distance to the median.

    For a level ``q`` above the median (below is the mirror image), a
    backtest point with actual ``y``, median ``m`` and quantile ``Q_q`` has
    the normalised residual ``r_q = (y - m) / max(Q_q - m, floor * scale)``.
    By default (``symmetric``) the levels ``q`` and ``1 - q`` share a factor.

    ``method="pinball"`` (default): ``lambda`` minimises the pair's backtest
    wQL, ``sum rho_q(y - m - lambda (Q_q - m)) / sum |y|`` (the
    denominator per window, over the panel, as Amazon Forecast's wQL); the
    loss is convex in ``lambda`` and its minimiser is the weighted
    ``q``-quantile (``q`` the upper level) of the residuals of both sides,
    each weighted by its distance ``|Q - m|`` over the window's ``sum |y|``.
    The factor kept is the end of that quantile's distribution-free
    confidence interval nearest to 1 (the weighted quantiles at ``q -+
    tolerance * sqrt(q (1 - q) / n_eff)``, ``n_eff`` Kish's effective number
    of series x windows), and exactly 1 when the interval contains 1: the
    quantiles move only as far as the backtest shows beyond noise, so the
    backtest wQL is never increased, and the backtest models' extra error
    (they see less history than the final model) is not carried over in
    full. With ``tolerance=None`` the minimiser itself.

    ``method="coverage"``: the split-conformal quantile at the pair's
    coverage ``p = 2q - 1`` of the two-sided scores ``max(r_q, r_(1-q))`` of
    horizon step ``h`` (the ``ceil((n + 1) p)``-th smallest), so that ``m +-
    lambda * (Q - m)`` covers a share ``p`` of held-out actuals; a level
    without its mirror gets the one-sided version (``p = q``). A
    well-calibrated pair has ``lambda`` near 1 (and is left at exactly 1
    when within ``tolerance`` of nominal); too narrow intervals get ``lambda
    > 1``.

    Steps with fewer than
    ``min_samples`` scores use the factor pooled over all steps. ``scale``
    (each series' mean absolute seasonal difference) only floors degenerate
    (zero-width) forecasts.

    Per group (``fit(..., groups=labels)``, e.g. ABC-XYZ segments): the
    pooled factors are learnt from all series as without groups, and each
    group also gets factors learnt by the same rule from its own series
    alone (its own wQL weights, noise margin and per-step rule), so a group
    whose model is too narrow is widened without widening a group whose
    model was right. A level with fewer than ``min_samples`` residuals in a
    group (all its steps together) keeps the pooled factors in that group;
    rows whose group the fit did not see (or without a label) get the
    pooled factors in :meth:`transform`.

    Parameters
    ----------
    per_step : bool, default=True
        One factor per horizon step (else one per level).
    min_samples : int, default=30
        Residuals a step needs for its own factor.
    floor : float, default=0.01
        Floor of the distance to the median, in units of the series' scale.
    max_factor : float, default=20.0
        Upper clip of the factors.
    allow_narrowing : bool, default=False
        Let factors go below 1. Off by default: the backtest models are fitted
        on less history than the final one, so they tend to be *more*
        uncertain; narrowing learnt from them would over-narrow the final
        model, while widening is conservative.
    tolerance : float or None, default=2.0
        Binomial standard errors of noise allowed, counting each series and
        window once (its steps are correlated). ``"pinball"``: the half-width
        of the confidence interval whose end nearest 1 is the factor (1 when
        the interval contains 1). ``"coverage"``: a level is left as
        forecast (factor 1 at every step) when its backtest coverage is
        within ``tolerance`` standard errors of nominal. None: the point
        estimate, always.
    symmetric : bool, default=True
        Levels ``q`` and ``1 - q`` share one factor, learnt from the
        two-sided score ``max(r_q, r_(1-q))`` so that the interval between
        them covers ``1 - 2q`` (normalised CQR). Robust to a shift of the
        median in the backtest window (a common shock across the series of a
        panel would otherwise widen one side and narrow the other). False:
        one factor per level, one-sided.
    method : {"pinball", "coverage"}, default="pinball"
        Choose the factor by the backtest wQL (with the noise margin of
        ``tolerance``) or match the backtest coverage exactly
        (split-conformal, the rule before; it overshoots nominal coverage
        when the backtest models err more than the final one).

    Attributes
    ----------
    levels_ : ndarray
        Calibrated levels (without the median).
    factors_ : ndarray of shape (horizon, n_levels)
    n_samples_ : ndarray of shape (horizon, n_levels)
        Residuals behind each step's factor.
    group_labels_ : pandas.Index or None
        The groups of ``fit(..., groups=...)`` (None without groups).
    group_factors_ : pandas.DataFrame or None
        One row per group, level and step: ``group``, ``level``, ``step``
        (1-based), ``factor`` (the one applied), ``n`` (the group's
        residuals at that step) and ``pooled`` (True where the group had too
        few residuals and uses the pooled factor). None without groups.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import norm
    >>> from skforecast_ntm.model_selection import ConformalCalibrator
    >>> rng = np.random.default_rng(0)
    >>> y = rng.normal(size=(1, 500, 2))                # (windows, series, h)
    >>> levels = [0.1, 0.5, 0.9]
    >>> q = np.zeros((1, 500, 2, 3)) + 0.5 * norm.ppf(levels)  # half as wide
    >>> cal = ConformalCalibrator(tolerance=None).fit(y, q, levels, np.ones(500))
    >>> cal.factors_.shape                               # (horizon, levels != 0.5)
    (2, 2)
    >>> bool(np.all(np.abs(cal.factors_ - 2) < 0.25))     # about 2: twice as wide
    True
    >>> cal = ConformalCalibrator().fit(y, q, levels, np.ones(500))  # default
    >>> bool(np.all((cal.factors_ > 1.5) & (cal.factors_ < 2)))  # most of the way
    True

    Per group: the first 250 series' quantiles are half as wide as right, the
    others right; one label per series.

    >>> q[:, 250:] *= 2
    >>> g = np.repeat(["narrow", "right"], 250)
    >>> cal = ConformalCalibrator(tolerance=None).fit(y, q, levels, np.ones(500),
    ...                                               groups=g)
    >>> tab = cal.group_factors_.groupby("group")["factor"].mean()
    >>> bool(abs(tab["narrow"] - 2) < 0.3 and abs(tab["right"] - 1) < 0.15)
    True
    >>> f = cal.factors_for([0.9], [1, 1, 1], groups=["narrow", "right", "other"])
    >>> bool(f[0, 0] > f[2, 0] > f[1, 0])  # "other": not fitted -> pooled
    True
    """

    def __init__(self, per_step: bool = True, min_samples: int = 30,
                 floor: float = 0.01, max_factor: float = 20.0,
                 allow_narrowing: bool = False, tolerance: float | None = 2.0,
                 symmetric: bool = True, method: str = "pinball"):
        self.per_step = per_step
        self.min_samples = min_samples
        self.floor = floor
        self.max_factor = max_factor
        self.allow_narrowing = allow_narrowing
        self.tolerance = tolerance
        self.symmetric = symmetric
        self.method = method

    def fit(self, actual, quantile_forecasts, levels: Sequence[float], scale,
            groups=None) -> ConformalCalibrator:
        """Learn the factors from backtest forecasts.

        Parameters
        ----------
        actual : array of shape (windows, n_series, horizon)
            Held-out actuals (NaN: not used).
        quantile_forecasts : array of shape (windows, n_series, horizon, L)
        levels : sequence of float
            The ``L`` levels; 0.5 must be among them.
        scale : array of shape (n_series,) or (windows, n_series)
        groups : array-like of shape (n_series,), optional
            A group label per series (None / NaN: in no group). Each group
            then also gets its own factors (see the class docstring); the
            pooled factors (``factors_``) are learnt from all series either
            way, exactly as without ``groups``.
        """
        if self.method not in ("pinball", "coverage"):
            raise ValueError(f"method must be 'pinball' or 'coverage', got "
                             f"{self.method!r}.")
        levels = check_quantiles(levels, "levels")
        if 0.5 not in levels:
            raise ValueError("levels must include the median 0.5.")
        y = np.asarray(actual, dtype=float)
        qf = np.asarray(quantile_forecasts, dtype=float)
        if y.ndim != 3 or qf.shape != (*y.shape, len(levels)):
            raise ValueError(
                f"actual has shape {y.shape} and quantile_forecasts {qf.shape}; "
                "expected (windows, series, horizon) and (..., len(levels)).")
        s = np.broadcast_to(np.asarray(scale, dtype=float).reshape(
            (-1, y.shape[1]))[..., None], y.shape)
        codes, labels = (None, None) if groups is None else _group_codes(
            groups, y.shape[1])
        factors, counts = self._learn(y, qf, levels, s)
        if not np.isfinite(factors).all():
            warnings.warn("Too few backtest residuals to calibrate some quantiles; "
                          "they are left as forecast.", UserWarning, stacklevel=2)
            factors = np.where(np.isfinite(factors), factors, 1.0)
        self.levels_ = np.asarray([q for q in levels if q != 0.5])
        low = 0.0 if self.allow_narrowing else 1.0
        self.factors_ = np.clip(factors, low, self.max_factor)
        self.n_samples_ = counts
        self.group_labels_ = None
        self.group_factors_ = None
        self._group_table = None
        if codes is not None:
            self._fit_groups(y, qf, levels, s, codes, labels, low)
        return self

    def _fit_groups(self, y, qf, levels, s, codes, labels, low) -> None:
        """Factors per group: the rule of :meth:`fit` on each group's series
        alone; a level with fewer than ``min_samples`` residuals in a group
        (all steps together) keeps the pooled factors there."""
        G, (H, L) = len(labels), self.factors_.shape
        table = np.empty((G, H, L))
        n = np.zeros((G, H, L), dtype=int)
        own = np.zeros((G, L), dtype=bool)
        for k in range(G):  # one vectorised fit per group
            idx = np.flatnonzero(codes == k)
            f, n[k] = self._learn(y[:, idx], qf[:, idx], levels, s[:, idx])
            f = np.clip(np.where(np.isfinite(f), f, 1.0), low, self.max_factor)
            own[k] = n[k].sum(axis=0) >= self.min_samples
            table[k] = np.where(own[k][None, :], f, self.factors_)
        self.group_labels_ = labels
        self._group_table = table
        self.group_factors_ = pd.DataFrame({
            "group": np.repeat(np.asarray(labels, dtype=object), H * L),
            "level": np.tile(self.levels_, G * H),
            "step": np.tile(np.repeat(np.arange(1, H + 1), L), G),
            "factor": table.reshape(-1),
            "n": n.reshape(-1),
            "pooled": np.repeat(~own, H, axis=0).reshape(-1),
        })

    def _learn(self, y, qf, levels, s):
        """Unclipped factors (NaN: nothing to learn from) and residual counts,
        both of shape (horizon, levels != 0.5), from the given series."""
        med = qf[..., levels.index(0.5)]
        others = [q for q in levels if q != 0.5]
        H = y.shape[2]
        factors = np.ones((H, len(others)))
        counts = np.zeros((H, len(others)), dtype=int)
        resid, dists = {}, {}
        for q in others:
            sign = 1.0 if q > 0.5 else -1.0
            dist = np.maximum(sign * (qf[..., levels.index(q)] - med),
                              self.floor * s)
            with np.errstate(divide="ignore", invalid="ignore"):
                r = sign * (y - med) / dist
            resid[q] = np.where(np.isfinite(r) & (dist > 0), r, np.nan)
            dists[q] = dist
        units = []  # (levels sharing a factor, score, target share)
        done = set()
        for q in others:
            if q in done:
                continue
            mirror = [m for m in others if np.isclose(m, 1.0 - q)]
            if self.symmetric and mirror:
                lo, hi = min(q, mirror[0]), max(q, mirror[0])
                score = np.fmax(resid[lo], resid[hi])
                score = np.where(np.isnan(resid[lo]) | np.isnan(resid[hi]), np.nan,
                                 score)
                units.append(([lo, hi], score, hi - lo))
                done |= {lo, hi}
            else:
                units.append(([q], resid[q], max(q, 1.0 - q)))
                done.add(q)
        if self.method == "pinball":
            # wQL's weights: the panel sum of |actuals| of each window (its
            # denominator; floored by the scales for an all-zero window)
            den = np.nansum(np.abs(np.where(np.isfinite(y), y, 0.0)), axis=(1, 2))
            den = np.maximum(den, self.floor * np.nansum(s[..., 0], axis=1) * H)
            w_win = np.where(den > 0, 1.0 / np.where(den > 0, den, 1.0), 0.0)
            w_pt = np.broadcast_to(w_win[:, None, None], y.shape)
        for group, r, p in units:
            cols = [others.index(q) for q in group]
            ok = np.isfinite(r)
            counts[:, cols] = ok.sum(axis=(0, 1))[:, None]
            if self.method == "pinball":
                factors[:, cols] = self._pinball_factors(
                    group, resid, dists, ok, w_pt)[:, None]
                continue
            pooled = _conformal_quantile(r[ok], p)
            if self.tolerance is not None and ok.any():
                share = float(np.mean(r[ok] <= 1.0))
                n_eff = int(ok.any(axis=2).sum())  # series x windows
                if abs(share - p) <= self.tolerance * np.sqrt(p * (1 - p) / n_eff):
                    continue  # right up to noise: factor 1
            for h in range(H):
                rh = r[..., h][ok[..., h]]
                if self.per_step and rh.size >= self.min_samples:
                    factors[h, cols] = _conformal_quantile(rh, p)
                else:
                    factors[h, cols] = pooled
        return factors, counts

    def _pinball_factors(self, group, resid, dists, ok, w_pt):
        """Per-step factors of one level group from its backtest wQL.

        The weighted pinball loss ``sum_i w_i rho_q(y_i - m_i - s_q lambda
        d_i)`` summed over the group's levels is convex in ``lambda``; its
        minimiser is the weighted ``p``-quantile of the normalised residuals
        ``r`` of both sides, weighted by ``w_i d_i`` (``p`` the group's upper
        level, ``max(q, 1 - q)`` for a lone level). The factor kept is the
        end of that quantile's distribution-free confidence interval (the
        weighted quantiles at ``p -+ tolerance * sqrt(p (1 - p) / n_eff)``,
        ``n_eff`` Kish's effective number of series x windows) nearest to 1,
        and 1 when the interval contains it: the quantiles move only as far
        as the backtest shows beyond noise.
        """
        H = ok.shape[2]
        p = max(max(group), 1.0 - min(group))
        z = 0.0 if self.tolerance is None else float(self.tolerance)

        def factor(mask):
            u = np.concatenate([resid[q][mask] for q in group])
            wt = np.concatenate([(w_pt * dists[q])[mask] for q in group])
            lam = _weighted_quantile(u, wt, p)
            if not np.isfinite(lam) or z == 0.0 or lam == 1.0:
                return lam
            unit_w = sum(np.where(mask, w_pt * dists[q], 0.0).sum(axis=2)
                         for q in group)
            n_eff = unit_w.sum() ** 2 / max((unit_w ** 2).sum(), 1e-300)
            half = z * np.sqrt(p * (1.0 - p) / max(n_eff, 1.0))
            if lam > 1.0:
                return max(1.0, _weighted_quantile(u, wt, max(p - half, 0.0)))
            return min(1.0, _weighted_quantile(u, wt, min(p + half, 1.0)))

        pooled = factor(ok) if ok.any() else np.nan
        lam = np.full(H, pooled)
        if self.per_step:
            for h in range(H):
                if ok[..., h].sum() >= self.min_samples:
                    mask = np.zeros_like(ok)
                    mask[..., h] = ok[..., h]
                    lam[h] = factor(mask)
        return lam

    def factors_for(self, alpha: Sequence[float], steps, groups=None
                    ) -> np.ndarray:
        """Factors of levels ``alpha`` at horizon steps ``steps`` (1-based).

        Levels between calibrated ones are interpolated (on each side of the
        median separately); beyond them the nearest is used, and steps past
        the calibrated horizon use its last step. The median gets 1.
        ``groups`` (one label per step entry, with a calibrator fitted with
        ``groups``) picks each row's group factors; a label the fit did not
        see (or None / NaN) gets the pooled factors. Returns an array of
        shape ``(len(steps), len(alpha))``.
        """
        steps = np.clip(np.asarray(steps, dtype=int), 1, len(self.factors_)) - 1
        alpha = np.asarray(alpha, dtype=float)
        uniq, inv = np.unique(steps, return_inverse=True)
        inv = inv.reshape(-1)
        pooled = self._interpolate(self.factors_, alpha, uniq)
        table = getattr(self, "_group_table", None)
        if groups is None or table is None:
            return pooled[inv]
        labels = pd.Series(np.asarray(groups, dtype=object).reshape(-1))
        codes = pd.Index(self.group_labels_).get_indexer(labels.where(
            labels.notna(), None))
        if len(codes) != len(steps):
            raise ValueError(f"groups has {len(codes)} labels for {len(steps)} "
                             "steps; give one per row.")
        stack = np.stack([*(self._interpolate(t, alpha, uniq) for t in table),
                          pooled])  # (groups + pooled, unique steps, alpha)
        return stack[np.where(codes >= 0, codes, len(table)), inv]

    def _interpolate(self, factors, alpha, steps) -> np.ndarray:
        """``factors`` (horizon, levels_) at levels ``alpha`` and the 0-based
        ``steps`` (each computed once: callers pass the unique steps)."""
        out = np.ones((len(steps), len(alpha)))
        for side in (-1.0, 1.0):
            lv = self.levels_[np.sign(self.levels_ - 0.5) == side]
            cols = np.flatnonzero(np.sign(alpha - 0.5) == side)
            if not len(cols):
                continue
            if not len(lv):  # nothing learnt on this side
                continue
            fac = factors[:, np.sign(self.levels_ - 0.5) == side]
            order = np.argsort(lv)
            lv, fac = lv[order], fac[steps][:, order]
            for c in cols:
                out[:, c] = [np.interp(alpha[c], lv, row) for row in fac]
        return out

    def transform(self, quantiles, alpha: Sequence[float], steps, scale,
                  median, groups=None) -> np.ndarray:
        """Calibrated quantiles.

        Parameters
        ----------
        quantiles : array of shape (rows, len(alpha))
        alpha : the levels of the columns
        steps : array of shape (rows,), the horizon step (1-based) of each row
        scale : array of shape (rows,), each row's series scale
        median : array of shape (rows,)
        groups : array of shape (rows,), optional
            Each row's group label (see :meth:`factors_for`); None: the
            pooled factors for every row.
        """
        q = np.asarray(quantiles, dtype=float)
        med = np.asarray(median, dtype=float)[:, None]
        alpha = np.asarray(alpha, dtype=float)
        sign = np.sign(alpha - 0.5)[None, :]
        f = self.factors_for(alpha, steps, groups)
        dist = np.maximum(sign * (q - med),
                          self.floor * np.nan_to_num(np.asarray(scale, float))[:, None])
        out = np.where(sign == 0, q, med + sign * f * dist)
        return np.sort(out, axis=1)


def _group_codes(groups, n_series: int) -> tuple[np.ndarray, pd.Index]:
    """Integer code per series (-1: in no group) and the sorted labels."""
    g = pd.Series(np.asarray(groups, dtype=object).reshape(-1))
    if len(g) != n_series:
        raise ValueError(f"groups has {len(g)} labels for {n_series} series; give "
                         "one label per series (None for none).")
    g = g.where(g.notna(), None)
    try:
        codes, labels = pd.factorize(g, sort=True)
    except TypeError:  # labels of mixed, unorderable types
        codes, labels = pd.factorize(g, sort=False)
    if not len(labels):
        raise ValueError("groups gives no series a group label.")
    return np.asarray(codes), pd.Index(labels, name="group")


def _weighted_quantile(u: np.ndarray, w: np.ndarray, p: float) -> float:
    """Smallest ``u`` whose cumulative weight reaches ``p`` of the total: the
    minimiser of ``sum_i w_i rho_p(u_i - lambda)`` (NaN without weight)."""
    keep = np.isfinite(u) & np.isfinite(w) & (w > 0)
    u, w = u[keep], w[keep]
    if not u.size:
        return float("nan")
    order = np.argsort(u, kind="stable")
    cw = np.cumsum(w[order])
    k = min(u.size - 1, int(np.searchsorted(cw, p * cw[-1], side="left")))
    return float(u[order][k])


def _conformal_quantile(r: np.ndarray, p: float) -> float:
    """The ``ceil((n + 1) p)``-th smallest residual (split-conformal)."""
    n = r.size
    if n == 0:
        return float("nan")
    k = min(n, int(np.ceil((n + 1) * p)))
    return float(np.partition(r, k - 1)[k - 1])


def feasible_windows(n_periods: int, horizon: int, step: int, wanted: int) -> int:
    """The most backtest windows (<= ``wanted``) that leave history."""
    room = (n_periods - 1 - horizon - max(horizon, 2)) // step + 1
    return int(max(0, min(wanted, room, MAX_WINDOWS)))


def horizon_of(fh, cutoff, default: int | None, forecaster=None, sp: int = 1
               ) -> int:
    """Backtest horizon: ``default``, else the largest step of ``fh``, else
    the forecaster's ``prediction_length``, else one season (at least 6)."""
    if default is not None:
        return int(default)
    if fh is not None:
        rel = fh.to_relative(cutoff) if not fh.is_relative else fh
        return int(max(1, np.max(rel.to_numpy())))
    length = getattr(forecaster, "prediction_length", None)
    if isinstance(length, (int, np.integer)) and length >= 1:
        return int(length)
    return int(max(sp, 6))


def row_steps_and_keys(index: pd.Index, fh, cutoff, times: pd.Index) -> tuple:
    """Horizon step (1-based) and series key of each forecast row.

    ``times`` are the training times (the future grid is built from them, so
    an index without ``freq`` works).
    """
    fh = fh if isinstance(fh, ForecastingHorizon) else ForecastingHorizon(fh)
    rel = np.asarray(fh.to_relative(cutoff).to_numpy(), dtype=int)
    absolute = future_times(times, rel)
    row_times = index.get_level_values(-1)
    pos = pd.Index(absolute).get_indexer(row_times)
    steps = np.where(pos >= 0, rel[np.maximum(pos, 0)], 1)
    if not isinstance(index, pd.MultiIndex):
        keys = None
    elif index.nlevels == 2:
        keys = index.get_level_values(0)
    else:
        keys = index.droplevel(-1)
    return steps, keys


def series_groups(groups: object, y: pd.DataFrame | pd.Series, pm: PanelMatrix,
                  name: str = "groups") -> pd.Series | None:
    """The group label of every series of ``y`` (``CalibratedForecaster.groups``).

    ``groups``: None; ``"abc_xyz"`` (the ABC-XYZ segment of each series from
    :class:`~skforecast_ntm.ABCXYZSegmenter` with its defaults, fitted on
    ``y``); an :class:`~skforecast_ntm.ABCXYZSegmenter` (its thresholds;
    a clone is fitted on ``y``); a pandas Series or dict series id -> label;
    or the DataFrame of :func:`~skforecast_ntm.abc_xyz_segments` (its
    ``segment`` column). Returns a Series indexed like ``pm.ids`` (NaN: no
    label), or None without groups or for a single series (one series is
    one group: its calibration is the pooled one). ``name`` is the
    parameter the error messages name.
    """
    if groups is None:
        return None
    from ..transformations._segments import ABCXYZSegmenter

    segmenter, mapping = None, None
    if isinstance(groups, str):
        if groups != "abc_xyz":
            raise ValueError(f"{name}={groups!r} is not understood; use None, "
                             "'abc_xyz', an ABCXYZSegmenter, or a pandas Series / "
                             "dict series id -> group label.")
        segmenter = ABCXYZSegmenter()
    elif isinstance(groups, ABCXYZSegmenter):
        segmenter = groups.clone()
    elif isinstance(groups, dict):
        mapping = pd.Series(groups, dtype=object)
    elif isinstance(groups, pd.DataFrame) and "segment" in groups.columns:
        mapping = groups["segment"]
    elif isinstance(groups, pd.Series):
        mapping = groups
    else:
        raise TypeError(f"{name} must be None, 'abc_xyz', an ABCXYZSegmenter, a "
                        "pandas Series or dict series id -> group label, or the "
                        f"DataFrame of abc_xyz_segments; got {type(groups).__name__}.")
    if pm.single:
        return None
    if segmenter is not None:
        mapping = segmenter.fit(y).segments_["segment"]
    if mapping.index.duplicated().any():
        dup = mapping.index[mapping.index.duplicated()]
        raise ValueError(f"{name} has several labels for series {dup[:3].tolist()}; "
                         "give one label per series id.")
    out = mapping.reindex(pm.ids)
    if out.isna().all():
        raise ValueError(
            f"{name} names none of the series of y (its ids are e.g. "
            f"{pm.ids[:3].tolist()}, {name}' e.g. {mapping.index[:3].tolist()}); "
            "index it by the series ids (the instance level(s) of y's index).")
    return out.rename("group")


class CalibratedForecaster(OwnHistoryForecaster):
    """Wrap a forecaster so that its intervals cover what they claim.

    ``fit`` backtests a clone of ``forecaster`` on the training data (the
    most recent ``windows`` windows of the horizon, expanding window, see
    :func:`backtest`), learns per-step factors on each quantile's distance
    to the median from the held-out forecasts (:class:`ConformalCalibrator`)
    and then fits ``forecaster`` on all the data. ``predict`` is the wrapped
    forecaster's; ``predict_quantiles`` and ``predict_interval`` are
    calibrated. Costs ``windows`` extra fits.

    Parameters
    ----------
    forecaster : sktime forecaster with ``predict_quantiles``
    windows : int, default=2
        Backtest windows used to calibrate (fewer when the history is short;
        with none possible the quantiles are left as forecast, with a
        warning).
    horizon : int, optional
        Horizon of the backtest windows; default the largest step of ``fh``
        given to ``fit`` (without ``fh``: the forecaster's
        ``prediction_length``, else one season, at least 6). Steps past it
        use its last step's factors.
    step : int, optional
        Periods between backtest cutoffs (default the horizon).
    levels : sequence of float, optional
        Levels calibrated (default :data:`DEFAULT_LEVELS`).
    per_step, min_samples, floor, allow_narrowing, tolerance, method : see
        :class:`ConformalCalibrator`.
    seasonal_period : int, optional
        For the series scale; inferred from the frequency when omitted.
    groups : None, "abc_xyz", ABCXYZSegmenter, pandas.Series, dict or DataFrame
        Calibrate per group of series as well as pooled (see
        :class:`ConformalCalibrator`): None (default) one set of factors for
        the panel; ``"abc_xyz"`` the ABC-XYZ segment of each series, from
        :class:`~skforecast_ntm.ABCXYZSegmenter` (default thresholds) fitted
        on the training ``y``; an ``ABCXYZSegmenter`` (its thresholds; a
        clone is fitted on ``y``); a Series or dict series id -> group label,
        or the DataFrame of :func:`~skforecast_ntm.abc_xyz_segments` (its
        ``segment`` column). A group with fewer than ``min_samples``
        backtest residuals for a level (all steps together) uses the pooled
        factors; series without a label (absent from the mapping or NaN),
        at fit or at predict, use the pooled factors. A mapping that names
        no series of ``y`` is an error. Ignored for a single series (one
        series is one group: per-group and pooled calibration coincide).

    Attributes
    ----------
    forecaster_ : the fitted wrapped forecaster
    calibrator_ : ConformalCalibrator
        Pooled factors in ``calibrator_.factors_``; with ``groups`` the
        per-group ones in ``calibrator_.group_factors_`` (a tidy table:
        group, level, step, factor, n, pooled).
    groups_ : pandas.Series or None
        The group label of each training series (NaN: none), None without
        groups or for a single series.
    backtest_ : BacktestResult
        The calibration backtest (before calibration).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sktime.forecasting.naive import NaiveForecaster
    >>> from skforecast_ntm.model_selection import CalibratedForecaster
    >>> t = pd.period_range("2000-01", periods=120, freq="M")
    >>> y = pd.Series(np.random.default_rng(0).normal(size=120).cumsum(), index=t)
    >>> f = CalibratedForecaster(NaiveForecaster(), windows=3).fit(y, fh=[1, 2, 3])
    >>> f.predict_quantiles(alpha=[0.1, 0.9]).shape
    (3, 2)
    >>> f.calibrator_.factors_.shape
    (3, 14)

    Per ABC-XYZ segment on a panel (the factors learnt per segment):

    >>> idx = pd.MultiIndex.from_product([["a", "b", "c"], t])
    >>> rng = np.random.default_rng(1)
    >>> yp = pd.DataFrame({"y": (rng.gamma(2.0, [[50.0], [5.0], [1.0]], (3, 120))
    ...                          ).ravel()}, index=idx)
    >>> f = CalibratedForecaster(NaiveForecaster(), windows=3, min_samples=10,
    ...                          groups="abc_xyz").fit(yp, fh=[1, 2, 3])
    >>> f.groups_.to_dict()
    {'a': 'AY', 'b': 'BY', 'c': 'CY'}
    >>> list(f.calibrator_.group_factors_.columns)
    ['group', 'level', 'step', 'factor', 'n', 'pooled']
    """

    _tags = {
        "authors": ["skforecast_ntm developers"],
        "maintainers": ["skforecast_ntm developers"],
        "y_inner_mtype": _MTYPES,
        "X_inner_mtype": _MTYPES,
        "capability:multivariate": False,
        "capability:exogenous": True,
        "capability:insample": False,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        "capability:missing_values": True,
        "requires-fh-in-fit": False,
        "X-y-must-have-same-index": False,
        "fit_is_empty": False,
    }
    def __init__(self, forecaster, windows=2, horizon=None, step=None, levels=None,
                 per_step=True, min_samples=30, floor=0.01, allow_narrowing=False,
                 tolerance=2.0, seasonal_period=None, method="pinball",
                 groups=None):
        self.forecaster = forecaster
        self.windows = windows
        self.horizon = horizon
        self.step = step
        self.levels = levels
        self.per_step = per_step
        self.min_samples = min_samples
        self.floor = floor
        self.allow_narrowing = allow_narrowing
        self.tolerance = tolerance
        self.seasonal_period = seasonal_period
        self.method = method
        self.groups = groups
        super().__init__()

    def _fit(self, y, X=None, fh=None):
        levels = check_quantiles(DEFAULT_LEVELS if self.levels is None
                                 else self.levels, "levels")
        levels = tuple(sorted(set(levels) | {0.5}))
        pm = PanelMatrix.from_y(y)
        sp = self.seasonal_period or infer_seasonal_period(pm.times)
        h = horizon_of(fh, self.cutoff, self.horizon, self.forecaster, sp)
        step = int(self.step or h)
        n_win = feasible_windows(pm.values.shape[1], h, step, int(self.windows))
        self.groups_ = series_groups(self.groups, y, pm)
        self.calibrator_ = ConformalCalibrator(
            per_step=self.per_step, min_samples=self.min_samples, floor=self.floor,
            allow_narrowing=self.allow_narrowing, tolerance=self.tolerance,
            method=self.method)
        self.backtest_ = None
        if n_win >= 1:
            bt = backtest(self.forecaster, y, X, horizon=h, windows=n_win, step=step,
                          quantiles=levels, seasonal_period=sp, strict=False)
            self.backtest_ = bt
            self.calibrator_.fit(
                bt.actual, bt.quantile_forecasts, bt.levels, bt.scale,
                groups=None if self.groups_ is None
                else self.groups_.reindex(bt.series_ids).to_numpy(object))
        else:
            warnings.warn(
                f"The history ({pm.values.shape[1]} periods) is too short for a "
                f"backtest window of {h} periods; the quantiles are not calibrated.",
                UserWarning, stacklevel=2)
            self.calibrator_.levels_ = np.array([q for q in levels if q != 0.5])
            self.calibrator_.factors_ = np.ones((h, len(levels) - 1))
            self.calibrator_.n_samples_ = np.zeros((h, len(levels) - 1), dtype=int)
            self.calibrator_.group_labels_ = None
            self.calibrator_.group_factors_ = None
        self.scale_ = pd.Series(_scale(pm.values, sp), index=pm.ids)
        self._single = pm.single
        self._times = pm.times
        self.forecaster_ = self.forecaster.clone()
        self.forecaster_.fit(y, X=X, fh=fh)
        return self

    def _predict(self, fh, X=None):
        return self.forecaster_.predict(fh=fh, X=X)

    def _update(self, y, X=None, update_params=True):
        # new data move the origin; the factors learnt in fit are kept
        self.forecaster_.update(y, X=X, update_params=update_params)
        self._times = self._times.union(pd.Index(y.index.get_level_values(-1)))
        return self

    def _predict_quantiles(self, fh, X, alpha):
        alpha = list(alpha)
        ask = sorted(set(alpha) | {0.5})
        base = self.forecaster_.predict_quantiles(fh=fh, X=X, alpha=ask)
        return calibrate_frame(base, self.calibrator_, alpha, fh, self.cutoff,
                               self.scale_, self._single, self._times,
                               groups=self.groups_)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast wrapped forecasters for sktime's conformance suite."""
        from sktime.forecasting.naive import NaiveForecaster

        from ._baselines import SeasonalNaiveForecaster

        return [{"forecaster": NaiveForecaster(), "windows": 1},
                {"forecaster": SeasonalNaiveForecaster(sp=1), "windows": 2,
                 "per_step": False}]


def calibrate_frame(base: pd.DataFrame, calibrator: ConformalCalibrator, alpha,
                    fh, cutoff, scale: pd.Series, single: bool, times: pd.Index,
                    groups: pd.Series | None = None) -> pd.DataFrame:
    """Apply ``calibrator`` to a ``predict_quantiles`` frame.

    ``groups`` (series id -> group label, as ``CalibratedForecaster.groups_``)
    selects each series' group factors; series without a label get the
    pooled ones.
    """
    got = np.asarray(base.columns.get_level_values(-1), dtype=float)
    var = base.columns.get_level_values(0)[0]
    cols = [int(np.flatnonzero(np.isclose(got, a))[0]) for a in alpha]
    med = base.iloc[:, int(np.flatnonzero(np.isclose(got, 0.5))[0])].to_numpy(float)
    steps, keys = row_steps_and_keys(base.index, fh, cutoff, times)
    if single or keys is None:
        row_scale = np.full(len(base), float(scale.iloc[0]))
    else:
        row_scale = scale.reindex(keys).to_numpy(float)
    row_groups = None
    if groups is not None and not single and keys is not None:
        row_groups = groups.reindex(keys).to_numpy(object)
    values = calibrator.transform(base.iloc[:, cols].to_numpy(float), alpha, steps,
                                  row_scale, med, groups=row_groups)
    return pd.DataFrame(values, index=base.index,
                        columns=pd.MultiIndex.from_product([[var], alpha]))

"""AutoPredictor-style model selection: :class:`AutoForecaster`.

Every candidate goes through the same backtest windows (:func:`backtest`);
then a greedy forward selection of ensemble weights (Caruana et al. 2004, as
AutoGluon-TimeSeries) on the windows' quantile forecasts minimises the mean
wQL, or the best candidate is kept, overall, per segment or per series.
Optionally the ensemble's quantiles are calibrated from the same backtest
(:class:`ConformalCalibrator`).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..forecasting._base import OwnHistoryForecaster
from ..metrics import forecast_report
from ._backtest import (
    BacktestError,
    PanelMatrix,
    _scale,
    backtest,
    check_quantiles,
    format_ids,
    infer_seasonal_period,
)
from ._baselines import (
    ARIMAForecaster,
    ETSForecaster,
    SeasonalNaiveForecaster,
    ThetaForecaster,
)
from ._calibration import (
    DEFAULT_LEVELS,
    ConformalCalibrator,
    calibrate_frame,
    feasible_windows,
    horizon_of,
    row_steps_and_keys,
    series_groups,
)

__all__ = ["AutoForecaster", "greedy_ensemble_weights", "CANDIDATES"]

#: ``calibrate``'s rules: :class:`ConformalCalibrator` parameters
CALIBRATION_RULES = {
    "pinball": {},
    "coverage": {"method": "coverage", "allow_narrowing": True},
}
#: the rule of ``calibrate=True`` and of the default
DEFAULT_CALIBRATION = "coverage"

_MTYPES = ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"]

#: names accepted in ``candidates``
CANDIDATES = ("seasonal_naive", "ets", "theta", "arima", "deepar", "gbm")
_DEFAULT = ("seasonal_naive", "ets", "theta", "deepar", "gbm")


def _gbm_class():
    try:
        import lightgbm  # noqa: F401
    except ImportError as exc:
        raise ImportError("The 'gbm' candidate needs LightGBM: pip install lightgbm"
                          ) from exc
    try:
        from ..forecasting import GradientBoostingForecaster
    except ImportError:
        from ..forecasting._gradient_boosting import GradientBoostingForecaster
    return GradientBoostingForecaster


def make_candidate(name: str, horizon: int, sp: int, quantiles, random_state,
                   deepar_params: dict | None = None,
                   gbm_params: dict | None = None):
    """An unfitted candidate forecaster by name (see :data:`CANDIDATES`)."""
    if name == "seasonal_naive":
        return SeasonalNaiveForecaster(sp=sp)
    if name == "ets":
        return ETSForecaster(sp=sp)
    if name == "theta":
        return ThetaForecaster(sp=sp)
    if name == "arima":
        return ARIMAForecaster(sp=sp)
    if name == "deepar":
        from ..forecasting import DeepARForecaster

        return DeepARForecaster(**{"prediction_length": horizon,
                                   "random_state": random_state,
                                   **(deepar_params or {})})
    if name == "gbm":
        cls = _gbm_class()
        return cls(**{"quantiles": tuple(quantiles), "prediction_length": horizon,
                      "seasonal_period": sp, "random_state": random_state,
                      **(gbm_params or {})})
    raise ValueError(f"Unknown candidate {name!r}; choose from {list(CANDIDATES)} "
                     "or pass (name, forecaster) pairs.")


def greedy_ensemble_weights(actual, forecasts, quantiles: Sequence[float],
                            groups=None, size: int = 100) -> np.ndarray:
    """Greedy forward selection of ensemble weights minimising mean wQL.

    Caruana et al. (2004), as in AutoGluon: start from an empty ensemble and
    ``size`` times add (with replacement) the candidate whose addition gives
    the lowest mean wQL of the averaged quantile forecasts; a candidate's
    weight is its share of the picks up to the iteration with the lowest
    loss (so the ensemble never scores worse than the best single candidate
    on these windows). Vectorised over candidates, series and
    groups (each group of series gets its own weights).

    Parameters
    ----------
    actual : array of shape (windows, n_series, horizon), NaN = not scored
    forecasts : array of shape (n_candidates, windows, n_series, horizon, Q)
    quantiles : the ``Q`` levels
    groups : array of int of shape (n_series,), optional
        Group of each series (0..G-1); default one group.
    size : int
        Number of picks.

    Returns
    -------
    ndarray of shape (G, n_candidates), rows summing to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from skforecast_ntm.model_selection import greedy_ensemble_weights
    >>> y = np.ones((1, 1, 4))
    >>> good, bad = np.full((1, 1, 4, 1), 1.0), np.full((1, 1, 4, 1), 3.0)
    >>> greedy_ensemble_weights(y, np.stack([bad, good]), [0.5], size=10)
    array([[0., 1.]])
    """
    A = np.asarray(actual, float)
    F = np.asarray(forecasts, float)
    K, W, N, H, Q = F.shape
    g = np.zeros(N, dtype=int) if groups is None else np.asarray(groups, int)
    G = int(g.max()) + 1
    ok = ~np.isnan(A)
    A0 = np.where(ok, A, 0.0)
    onehot = np.zeros((N, G))
    onehot[np.arange(N), g] = 1.0
    denom = np.abs(A0).sum(axis=(0, 2)) @ onehot  # (G,)
    tau = np.asarray(quantiles, float)
    F = np.where(ok[None, ..., None], F, 0.0)
    cur = np.zeros((W, N, H, Q))
    counts = np.zeros((G, K))
    best_counts = np.zeros((G, K))
    best_score = np.full(G, np.inf)
    for m in range(1, int(size) + 1):
        cand = (cur[None] + F) / m
        d = A0[None, ..., None] - cand
        loss = np.maximum(tau * d, (tau - 1.0) * d) * ok[None, ..., None]
        per_group = np.einsum("knq,ng->kgq", loss.sum(axis=(1, 3)), onehot)
        with np.errstate(divide="ignore", invalid="ignore"):
            score = (2 * per_group / denom[None, :, None]).mean(-1)
        score = np.nan_to_num(score, nan=np.inf, posinf=np.inf)
        best = np.argmin(score, axis=0)
        counts[np.arange(G), best] += 1
        # keep, per group, the ensemble of the best iteration so far
        improved = score[best, np.arange(G)] < best_score
        if m == 1:
            improved[:] = True
        best_score = np.where(improved, score[best, np.arange(G)], best_score)
        best_counts[improved] = counts[improved]
        pick = best[g]
        cur += np.moveaxis(F[pick, :, np.arange(N)], 0, 1)
    return best_counts / best_counts.sum(1, keepdims=True)


class AutoForecaster(OwnHistoryForecaster):
    """Amazon Forecast AutoPredictor / AutoGluon-style automatic forecaster.

    ``fit`` backtests every candidate on the same windows of the training
    data (expanding window, horizon = the largest step of ``fh``), then
    either learns ensemble weights by greedy forward selection on the
    windows' quantile forecasts (minimising mean wQL, ``selection=
    "ensemble"``) or keeps the best candidate (``selection="best"``, by
    ``metric``), for the whole panel, per segment or per series (``per``).
    The candidates with a weight are refitted on all the data. With
    ``calibrate`` the combined quantiles are then calibrated per horizon step
    from the same backtest (see :class:`ConformalCalibrator`).

    Candidates (names, or ``(name, forecaster)`` pairs of any sktime
    forecaster with ``predict_quantiles``):

    - ``"seasonal_naive"``: vectorised, instant;
    - ``"ets"``: additive ETS by AIC per series (statsmodels);
    - ``"theta"``: sktime's Theta method per series;
    - ``"arima"``: sktime's AutoARIMA (pmdarima) per series -- seconds per
      series, so not in the default set;
    - ``"deepar"``: :class:`~skforecast_ntm.DeepARForecaster`, global;
    - ``"gbm"``: the LightGBM direct multi-horizon quantile forecaster,
      global (skipped with a warning when LightGBM is missing).

    Parameters
    ----------
    candidates : sequence, optional
        Default ``("seasonal_naive", "ets", "theta", "deepar", "gbm")``.
    selection : {"ensemble", "best"}, default="ensemble"
    per : {"all", "segment", "series"}, default="all"
        Granularity of the weights / choice. ``"segment"`` needs
        ``segments`` (on a single series it is one segment, ``"all"``, as
        ``per="all"``). Series or segments without backtest points get the
        overall weights.
    metric : {"mean_wQL", "WAPE", "MASE", "RMSE"}, default="mean_wQL"
        The metric of ``selection="best"`` (the ensemble always minimises
        mean wQL).
    windows : int, default=1
        Backtest windows (1-5; fewer when the history is short).
    step : int, optional
        Periods between backtest cutoffs (default the horizon).
    horizon : int, optional
        Backtest horizon; default the largest step of ``fh`` in ``fit``
        (without ``fh``: one season, at least 6).
    quantiles : sequence of float, default=(0.1, 0.5, 0.9)
        Levels scored by wQL in the selection.
    segments : None, "abc_xyz", ABCXYZSegmenter, pandas.Series, dict or DataFrame
        The segment of each series, for ``per="segment"``, the per-segment
        backtest tables (``backtests_[name].metrics_per_segment``) and the
        per-segment calibration. Anything
        :class:`CalibratedForecaster`'s ``groups`` takes: ``"abc_xyz"`` (the
        ABC-XYZ segment of each series from
        :class:`~skforecast_ntm.ABCXYZSegmenter` with its defaults, fitted on
        the training ``y``), an ``ABCXYZSegmenter`` (its thresholds; a clone
        is fitted on ``y``), a Series or dict series id -> label, or the
        DataFrame of :func:`~skforecast_ntm.abc_xyz_segments` (its
        ``segment`` column). Every series needs a label (an error names the
        ones without). Resolved once in ``fit`` into ``segments_``; ignored
        for a single series (one series is one segment).
    calibrate : bool or {"coverage", "pinball"}, default="coverage"
        Calibrate the ensemble's quantiles from the backtest
        (:class:`ConformalCalibrator`). ``"coverage"`` (or ``True``): match
        each interval's backtest coverage, narrowing as well as widening,
        and leave a level as forecast when its backtest coverage is within
        noise of nominal. An ensemble tends to over-cover (averaging the
        candidates' quantiles shrinks the median's error more than the
        intervals): on US employment its 80% interval covered 0.91 of the
        held-out months raw and 0.83 calibrated, with a 5% lower mean wQL
        (``docs/model_selection.md``). ``"pinball"``: the rule of
        :class:`CalibratedForecaster` (widen where the backtest wQL says so
        beyond noise; never narrow). ``False``: no calibration. With
        ``segments`` the factors are learnt per segment as well as pooled
        (a segment with fewer than :class:`ConformalCalibrator`'s
        ``min_samples`` backtest residuals for a level uses the pooled
        ones), whatever
        ``per``; ``predict_quantiles`` and the leaderboard's ``"ensemble
        (calibrated)"`` row apply each series' segment factors. Without
        ``segments``, one pooled set of factors.
    ensemble_size : int, default=100
        Greedy picks (AutoGluon's default).
    seasonal_period : int, optional
        Inferred from the index frequency when omitted.
    deepar_params, gbm_params : dict, optional
        Parameters of the DeepAR / LightGBM candidates.
    random_state : int, default=0
    verbose : int, default=0
        1 prints each candidate's backtest time.

    Attributes
    ----------
    weights_ : pandas.DataFrame
        Weights per group (rows) and candidate (columns).
    selection_report_ : pandas.DataFrame
        Per group: number of series, the chosen candidates and weights, and
        each candidate's and the ensemble's backtest mean wQL.
    leaderboard_ : pandas.DataFrame
        Overall backtest metrics and backtest time of every candidate and of
        the ensemble (the ensemble's rows are in-sample for its weights).
    backtests_ : dict
        The :class:`BacktestResult` of each candidate.
    forecasters_ : dict
        The refitted candidates with a weight.
    calibrator_ : ConformalCalibrator or None
        With ``segments``, per-segment factors in
        ``calibrator_.group_factors_``.
    segments_ : pandas.Series or None
        The segment of each training series (indexed by series id), None
        without ``segments`` or for a single series.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skforecast_ntm.model_selection import AutoForecaster
    >>> rng = np.random.default_rng(0)
    >>> t = pd.period_range("2000-01", periods=72, freq="M")
    >>> y = pd.Series(50 + 10 * np.sin(np.arange(72) * np.pi / 6)
    ...               + rng.normal(size=72), index=t)
    >>> f = AutoForecaster(candidates=["seasonal_naive", "theta"], windows=2)
    >>> f = f.fit(y, fh=range(1, 7))
    >>> f.predict_quantiles(alpha=[0.1, 0.5, 0.9]).shape
    (6, 3)
    >>> sorted(f.weights_.columns)
    ['seasonal_naive', 'theta']

    Per ABC-XYZ segment on a panel (weights and calibration per segment):

    >>> idx = pd.MultiIndex.from_product([["a", "b", "c"], t])
    >>> yp = pd.DataFrame({"y": (rng.gamma(2.0, [[50.0], [5.0], [1.0]], (3, 72))
    ...                          ).ravel()}, index=idx)
    >>> f = AutoForecaster(candidates=["seasonal_naive"], per="segment",
    ...                    segments="abc_xyz", windows=2).fit(yp, fh=range(1, 7))
    >>> f.segments_.to_dict()
    {'a': 'AY', 'b': 'BY', 'c': 'CY'}
    >>> sorted(f.calibrator_.group_factors_["group"].unique())
    ['AY', 'BY', 'CY']
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
        "capability:unequal_length": True,
        "requires-fh-in-fit": False,
        "X-y-must-have-same-index": False,
        "fit_is_empty": False,
        "capability:random_state": True,
    }

    def __init__(self, candidates=None, selection="ensemble", per="all",
                 metric="mean_wQL", windows=1, step=None, horizon=None,
                 quantiles=(0.1, 0.5, 0.9), segments=None,
                 calibrate=DEFAULT_CALIBRATION,
                 ensemble_size=100, seasonal_period=None, deepar_params=None,
                 gbm_params=None, random_state=0, verbose=0):
        self.candidates = candidates
        self.selection = selection
        self.per = per
        self.metric = metric
        self.windows = windows
        self.step = step
        self.horizon = horizon
        self.quantiles = quantiles
        self.segments = segments
        self.calibrate = calibrate
        self.ensemble_size = ensemble_size
        self.seasonal_period = seasonal_period
        self.deepar_params = deepar_params
        self.gbm_params = gbm_params
        self.random_state = random_state
        self.verbose = verbose
        super().__init__()

    # ---------------------------------------------------------- candidates
    def _candidates(self, horizon: int, sp: int, quantiles) -> list:
        names = _DEFAULT if self.candidates is None else self.candidates
        if isinstance(names, str):
            names = [names]
        out = []
        for entry in names:
            if isinstance(entry, tuple):
                name, est = entry
                if not hasattr(est, "predict_quantiles"):
                    raise TypeError(f"Candidate {name!r} has no predict_quantiles.")
                out.append((str(name), est))
                continue
            try:
                est = make_candidate(entry, horizon, sp, quantiles,
                                     self.random_state, self.deepar_params,
                                     self.gbm_params)
            except ImportError as exc:
                if self.candidates is None:  # default set: skip what is missing
                    warnings.warn(f"Candidate {entry!r} skipped: {exc}", UserWarning,
                                  stacklevel=3)
                    continue
                raise
            out.append((entry, est))
        names = [n for n, _ in out]
        if len(set(names)) != len(names):
            raise ValueError(f"Candidate names must be unique, got {names}.")
        if not out:
            raise ValueError("No candidate forecaster to select from.")
        return out

    def _check_params(self):
        if self.selection not in ("ensemble", "best"):
            raise ValueError(f"selection must be 'ensemble' or 'best', got "
                             f"{self.selection!r}.")
        if self.per not in ("all", "segment", "series"):
            raise ValueError(f"per must be 'all', 'segment' or 'series', got "
                             f"{self.per!r}.")
        if self.metric not in ("mean_wQL", "WAPE", "MASE", "RMSE"):
            raise ValueError(f"metric must be one of mean_wQL, WAPE, MASE, RMSE, got "
                             f"{self.metric!r}.")
        if self.per == "segment" and self.segments is None:
            raise ValueError("per='segment' needs segments (series id -> label).")
        if not (isinstance(self.calibrate, bool)
                or self.calibrate in CALIBRATION_RULES):
            raise ValueError(f"calibrate must be True, False or one of "
                             f"{sorted(CALIBRATION_RULES)}, got "
                             f"{self.calibrate!r}.")

    # ----------------------------------------------------------------- fit
    def _fit(self, y, X=None, fh=None):
        self._check_params()
        quantiles = check_quantiles(self.quantiles)
        pm = PanelMatrix.from_y(y)
        sp = int(self.seasonal_period or infer_seasonal_period(pm.times))
        h = horizon_of(fh, self.cutoff, self.horizon, None, sp)
        step = int(self.step or h)
        T = pm.values.shape[1]
        n_win = feasible_windows(T, h, step, int(self.windows))
        if n_win < 1:
            raise BacktestError(
                f"The history ({T} periods) is too short for one backtest window "
                f"of horizon {h} plus {max(h, 2)} periods of training; "
                "AutoForecaster needs it to compare the candidates.")
        extra = DEFAULT_LEVELS if self.calibrate else ()
        levels = tuple(sorted(set(quantiles) | {0.5} | set(extra)))
        self.segments_ = segments = self._resolve_segments(y, pm)
        results, timings, failed = {}, {}, {}
        cands = self._candidates(h, sp, quantiles)
        for name, est in cands:
            t0 = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", category=FutureWarning)
                    results[name] = backtest(
                        est, y, X, horizon=h, windows=n_win, step=step,
                        quantiles=quantiles, extra_quantiles=levels,
                        segments=segments, seasonal_period=sp, strict=False)
            except Exception as exc:  # noqa: BLE001 - reported, candidate dropped
                failed[name] = f"{type(exc).__name__}: {exc}"
                warnings.warn(f"Candidate {name!r} failed in the backtest and is left "
                              f"out: {failed[name]}", UserWarning, stacklevel=2)
                continue
            timings[name] = time.perf_counter() - t0
            if self.verbose:
                print(f"AutoForecaster: {name} backtest {timings[name]:.1f}s")
        if not results:
            raise RuntimeError(f"Every candidate failed in the backtest: {failed}")
        names = list(results)
        self._cands = {n: e for n, e in cands if n in results}
        first = results[names[0]]
        A = first.actual
        F = np.stack([results[n].quantile_forecasts for n in names])
        qi = [levels.index(q) for q in quantiles]
        groups, labels = self._groups(pm)
        G = len(labels)
        if self.selection == "ensemble":
            w = greedy_ensemble_weights(A, F[..., qi], quantiles, groups,
                                        self.ensemble_size)
            w_all = greedy_ensemble_weights(A, F[..., qi], quantiles, None,
                                            self.ensemble_size)[0]
        else:
            w, w_all = self._best(results, names, A, F[..., qi], quantiles, groups,
                                  labels, pm)
        n_scored = np.bincount(groups, weights=(~np.isnan(A)).sum((0, 2)),
                               minlength=G)
        w[n_scored == 0] = w_all  # nothing to learn from: the overall weights
        self.weights_ = pd.DataFrame(w, index=labels, columns=names)
        series_w = w[groups]  # (N, K)
        E = np.einsum("nk,kwnhl->wnhl", series_w, F)
        E = np.sort(E, axis=-1)
        self.backtests_ = results
        self._names = names
        self._ensemble_backtest = E  # (windows, series, horizon, levels)
        self.calibrator_ = (self._fit_calibrator(self.calibrate) if self.calibrate
                            else None)
        self.failed_ = failed
        self._store_reports(pm, results, names, timings, A, F, E, levels, quantiles,
                            groups, labels, first, sp)
        self._pm_ids = pm.ids
        self._groups_of = groups
        self._single = pm.single
        self._times = pm.times
        self.scale_ = pd.Series(_scale(pm.values, sp), index=pm.ids)
        self.forecasters_ = {}
        used = [n for k, n in enumerate(names) if w[:, k].max() > 0]
        for n in used:
            est = self._cands[n].clone()
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=FutureWarning)
                est.fit(y, X=X, fh=fh)
            self.forecasters_[n] = est
        self._used = used
        return self

    def _fit_calibrator(self, calibrate) -> ConformalCalibrator:
        """A calibrator of the fitted ensemble by the rule ``calibrate``
        (``True`` or a key of :data:`CALIBRATION_RULES`), learnt on the
        ensemble's backtest quantiles, per segment as well as pooled."""
        rule = CALIBRATION_RULES[DEFAULT_CALIBRATION if calibrate is True
                                 else calibrate]
        first = self.backtests_[self._names[0]]
        groups = (None if self.segments_ is None
                  else self.segments_.reindex(first.series_ids).to_numpy(object))
        return ConformalCalibrator(**rule).fit(
            first.actual, self._ensemble_backtest, first.levels, first.scale,
            groups=groups)

    def _resolve_segments(self, y, pm: PanelMatrix) -> pd.Series | None:
        """``segments`` as a Series indexed like ``pm.ids`` (see
        :func:`series_groups`), or None (no segments, or a single series)."""
        seg = series_groups(self.segments, y, pm, name="segments")
        if seg is None:
            return None
        missing = seg.isna().to_numpy()
        if missing.any():
            raise ValueError(f"segments has no label for series "
                             f"{format_ids(pm.ids[missing])}; give every series a "
                             "segment.")
        return seg.rename("segment")

    def _groups(self, pm: PanelMatrix):
        n = len(pm.ids)
        if self.per == "series":
            return np.arange(n), pm.ids
        if self.per == "all" or self.segments_ is None:  # None: a single series
            name = "group" if self.per == "all" else "segment"
            return np.zeros(n, dtype=int), pd.Index(["all"], name=name)
        codes, uniq = pd.factorize(self.segments_, sort=True)
        return codes, pd.Index(uniq, name="segment")

    def _best(self, results, names, A, Fq, quantiles, groups, labels, pm):
        K, G = len(names), len(labels)
        if self.metric == "mean_wQL":
            w = greedy_ensemble_weights(A, Fq, quantiles, groups, 1)
            w_all = greedy_ensemble_weights(A, Fq, quantiles, None, 1)[0]
            return w, w_all
        overall = np.array([results[n].summary()[self.metric] for n in names])
        w_all = np.eye(K)[int(np.nanargmin(overall))]
        if self.per == "all":
            return w_all[None].copy(), w_all
        if self.per == "series":
            tabs = [results[n].metrics_per_series for n in names]
            key = list(tabs[0].columns[: tabs[0].columns.get_loc("window")])
        else:
            tabs = [results[n].metrics_per_segment for n in names]
            key = ["segment"]
        score = np.full((G, K), np.nan)
        for k, tab in enumerate(tabs):
            last = tab["window"].iloc[-1]
            s = tab[tab["window"] == last].set_index(key)[self.metric]
            if self.per == "segment":
                score[:, k] = s.reindex(labels).to_numpy(float)
            else:
                score[:, k] = s.reindex(pm.ids).to_numpy(float)
        w = np.tile(w_all, (G, 1))
        has = np.isfinite(score).any(1)
        w[has] = np.eye(K)[np.nanargmin(np.where(np.isfinite(score[has]),
                                                 score[has], np.inf), axis=1)]
        return w, w_all

    def _store_reports(self, pm, results, names, timings, A, F, E, levels,
                       quantiles, groups, labels, first, sp):
        qi = [levels.index(q) for q in quantiles]
        rows = []
        for n in names:
            row = results[n].summary()[["mean_wQL", "WAPE", "MASE", "coverage"]]
            rows.append(row.to_dict() | {"model": n, "backtest_seconds": timings[n]})
        cut = [pm.times.get_loc(c) for c in first.cutoffs]
        variants = [("ensemble", E)]
        if self.calibrator_ is not None:
            variants.append(("ensemble (calibrated)", self._calibrated_backtest(
                E, levels, first.scale, first.series_ids)))
        med = levels.index(0.5)
        for label, Q in variants:
            overall = []
            for k, c in enumerate(cut):
                _, o = forecast_report(A[k], Q[k][..., qi], quantiles,
                                       pm.values[:, : c + 1], sp,
                                       point=Q[k][..., med])
                overall.append(o)
            o = pd.concat(overall, axis=1).mean(axis=1)
            rows.append(o[["mean_wQL", "WAPE", "MASE", "coverage"]].to_dict()
                        | {"model": label, "backtest_seconds": np.nan})
        self.leaderboard_ = pd.DataFrame(rows)[
            ["model", "mean_wQL", "WAPE", "MASE", "coverage", "backtest_seconds"]]
        # per group: each candidate's and the ensemble's backtest mean wQL
        G = len(labels)
        ok = ~np.isnan(A)
        A0 = np.where(ok, A, 0.0)
        onehot = np.zeros((len(groups), G))
        onehot[np.arange(len(groups)), groups] = 1.0
        denom = np.abs(A0).sum((0, 2)) @ onehot
        tau = np.asarray(quantiles)

        def group_wql(Q):  # Q (..., W, N, H, Q)
            d = A0[..., None] - np.where(ok[..., None], Q, 0.0)
            loss = np.maximum(tau * d, (tau - 1) * d).sum(axis=(-4, -2))  # (..,N,Q)
            with np.errstate(divide="ignore", invalid="ignore"):
                return (2 * np.einsum("...nq,ng->...gq", loss, onehot)
                        / denom[:, None]).mean(-1)

        cand = group_wql(F[..., qi])  # (K, G)
        ens = group_wql(E[..., qi])
        report = pd.DataFrame({"n_series": np.bincount(groups, minlength=G)},
                              index=labels)
        w = self.weights_.to_numpy()
        report["chosen"] = [" + ".join(f"{names[k]} {w[g, k]:.2f}"
                                       for k in np.argsort(-w[g]) if w[g, k] > 0)
                            for g in range(G)]
        for k, n in enumerate(names):
            report[f"weight[{n}]"] = w[:, k]
        for k, n in enumerate(names):
            report[f"mean_wQL[{n}]"] = cand[k]
        report["mean_wQL[ensemble]"] = ens
        self.selection_report_ = report

    def _calibrated_backtest(self, E, levels, scale, series_ids):
        """The calibrated backtest quantiles ``E`` (windows, series, horizon,
        levels), each series with its segment's factors as in ``predict``."""
        W, N, H, L = E.shape
        steps = np.tile(np.arange(1, H + 1), W * N)
        sc = np.repeat(np.nan_to_num(scale).reshape(-1), H)
        rows = None  # rows run over (window, series, step)
        if self.segments_ is not None:
            lab = self.segments_.reindex(series_ids).to_numpy(object)
            rows = np.tile(np.repeat(lab, H), W)
        flat = E.reshape(-1, L)
        out = self.calibrator_.transform(flat, levels, steps, sc,
                                         flat[:, levels.index(0.5)], groups=rows)
        return out.reshape(E.shape)

    def _update(self, y, X=None, update_params=True):
        # new data go to every selected candidate; the weights are kept
        for est in self.forecasters_.values():
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=FutureWarning)
                est.update(y, X=X, update_params=update_params)
        self._times = self._times.union(pd.Index(y.index.get_level_values(-1)))
        return self

    # ------------------------------------------------------------- predict
    def _combined(self, fh, X, alpha):
        ask = sorted(set(alpha) | {0.5})
        frames = {}
        for n in self._used:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=FutureWarning)
                frames[n] = self.forecasters_[n].predict_quantiles(fh=fh, X=X,
                                                                   alpha=ask)
        base = frames[self._used[0]]
        steps, keys = row_steps_and_keys(base.index, fh, self.cutoff, self._times)
        if self._single or keys is None:
            rows = np.zeros(len(base), dtype=int)
        else:
            rows = self._pm_ids.get_indexer(keys)
        g = self._groups_of[np.maximum(rows, 0)]
        w = self.weights_.to_numpy()
        total = np.zeros((len(base), len(ask)))
        for n in self._used:
            k = self._names.index(n)
            v = frames[n].reindex(base.index).to_numpy(float)
            total += w[g, k][:, None] * v
        total = np.sort(total, axis=1)
        var = base.columns.get_level_values(0)[0]
        out = pd.DataFrame(total, index=base.index,
                           columns=pd.MultiIndex.from_product([[var], ask]))
        if self.calibrator_ is not None:
            out = calibrate_frame(out, self.calibrator_, ask, fh, self.cutoff,
                                  self.scale_, self._single, self._times,
                                  groups=self.segments_)
        return out, ask

    def _predict_quantiles(self, fh, X, alpha):
        out, ask = self._combined(fh, X, list(alpha))
        var = out.columns.get_level_values(0)[0]
        values = out.to_numpy()[:, [ask.index(a) for a in alpha]]
        return pd.DataFrame(values, index=out.index,
                            columns=pd.MultiIndex.from_product([[var], list(alpha)]))

    def _predict(self, fh, X=None):
        out, ask = self._combined(fh, X, [0.5])
        var = out.columns.get_level_values(0)[0]
        return pd.DataFrame(out.to_numpy()[:, [ask.index(0.5)]], index=out.index,
                            columns=[var])

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast candidates for sktime's conformance suite."""
        return [
            {"candidates": ["seasonal_naive", "theta"], "calibrate": False},
            {"candidates": ["seasonal_naive", "ets"], "selection": "best"},
        ]

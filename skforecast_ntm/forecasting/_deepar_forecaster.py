"""sktime face of the DeepAR core: :class:`DeepARForecaster`."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
from sktime.datatypes import update_data

from ._base import OwnHistoryForecaster
from ._cache import DrawCache, frame_digest
from ._common import (
    FORECASTER,
    check_future_X,
    check_missing_covariates,
    default_horizon,
    make_config,
    parameters_doc,
    point_from_samples,
    static_columns,
    validate_params,
    warn_tiny_values,
)
from ._config import param_constraints
from ._core import DeepARCore
from ._features import infer_frequency
from ._history import truncate_history
from ._panel import (
    Panel,
    _instance_keys,
    as_multiindex,
    build_panel,
    check_target_frame,
    ended_before,
    forecast_index,
    warn_own_end,
)
from ._sampling import sample_quantiles

__all__ = ["DeepARForecaster"]

_MTYPES = ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"]


class DeepARForecaster(OwnHistoryForecaster):
    __doc__ = f"""DeepAR: a global probabilistic RNN forecaster for sktime.

    One network is trained across every series of a panel (``pd-multiindex``
    or hierarchical ``pd_multiindex_hier``); a single series works too.
    Series may have unequal lengths, different start dates and missing
    values (masked out of the loss). Forecasts are Monte Carlo sample paths
    from the autoregressive network (Salinas et al., 2020), summarised by
    ``predict`` (the **median** of the paths by default, see
    ``point_forecast``), ``predict_quantiles``, ``predict_interval``,
    ``predict_var`` and ``predict_proba`` (an ``skpro`` ``Empirical``
    distribution over the sample paths).

    Inputs of the network at each step: lagged targets chosen by frequency,
    calendar features, the series age, dynamic covariates from ``X`` (known
    into the future: price, promotion, holidays), an embedding of the series
    identity and of static categorical metadata, static real features and the
    log of the DeepAR mean scale.

    Forecasts are for the periods after the panel's cutoff (its latest
    period). A series whose rows end ``g`` periods earlier is warned about, by
    id, and forecast from its own end: its value at cutoff + ``k`` is step
    ``g + k`` of sample paths started after its last row (the periods in
    between are sampled, as DeepAR treats unobserved periods), so it agrees
    with :class:`DeepARRegressor` asked for the same periods.

    Cold start: ``pretrain`` on a panel, then ``fit`` on series the network
    never saw (no retraining) and ``predict``: series with a few
    observations, or with none (rows with a missing target up to the launch
    period, plus their static metadata or text topics in ``X``), see
    ``docs/cold_start.md``. A new series with a single
    observation is scaled by that value (training windows are drawn so that
    their context may hold just one observation, as here). A new series
    with **no** observation yet is given as rows with a missing target (at
    least one, at its launch period: its age counts from its first row) and
    its static metadata in ``X`` (``static_categorical_columns`` /
    ``static_real_columns``); it is forecast from the period after its last
    row on the training panel's global scale, from its metadata and age (the
    network is trained on a share of windows with a blanked context for
    this). ``update`` appends new observations and conditions on them; it
    retrains only when ``update_epochs > 0``.

    Parameters
    ----------{parameters_doc(FORECASTER)}
    Attributes
    ----------
    core_ : DeepARCore
        The trained core (network, encoders, skorch net in ``core_.net_``).
    pretrained_core_ : DeepARCore
        Set by ``pretrain``; ``fit`` then reuses it without retraining.
    training_history_ : pandas.DataFrame
        Per-epoch train/validation loss, learning rate and duration.

    See Also
    --------
    DeepARRegressor : the same model as a scikit-learn regressor.

    Examples
    --------
    >>> from sktime.utils._testing.hierarchical import _make_hierarchical
    >>> from skforecast_ntm import DeepARForecaster
    >>> y = _make_hierarchical(hierarchy_levels=(3,), min_timepoints=40,
    ...                        max_timepoints=40, random_state=0)
    >>> f = DeepARForecaster(prediction_length=4, max_epochs=2,
    ...                      batches_per_epoch=5, hidden_size=8, random_state=0)
    >>> f = f.fit(y)
    >>> y_pred = f.predict(fh=[1, 2, 3, 4])
    >>> y_pred.shape
    (12, 1)
    >>> q = f.predict_quantiles(fh=[1, 2], alpha=[0.1, 0.5, 0.9])
    >>> q.shape
    (6, 3)
    """

    _tags = {
        "authors": ["skforecast_ntm developers"],
        "maintainers": ["skforecast_ntm developers"],
        "python_dependencies": ["torch", "skorch"],
        "y_inner_mtype": _MTYPES,
        "X_inner_mtype": _MTYPES,
        "capability:multivariate": False,
        "capability:exogenous": True,
        "capability:insample": False,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        "capability:missing_values": True,
        "capability:unequal_length": True,
        "capability:update": True,
        "capability:pretrain": True,
        "pretrain:fitted_params": ["pretrained_core_"],
        "requires-fh-in-fit": False,
        "X-y-must-have-same-index": False,
        "fit_is_empty": False,
        "capability:categorical_in_X": True,
        "capability:random_state": True,
        # the same random_state gives the same forecasts, bit for bit
        "property:randomness": "derandomized",
        # the network steps through every period, so X must be contiguous
        "capability:non_contiguous_X": False,
    }

    def __init__(
        self,
        prediction_length=None,
        context_length=None,
        lags=None,
        freq=None,
        likelihood="student_t",
        hidden_size=40,
        num_layers=2,
        dropout=0.1,
        use_series_embedding=True,
        embedding_dim=None,
        static_categorical_columns=None,
        static_real_columns=None,
        max_epochs=100,
        batches_per_epoch=50,
        batch_size=32,
        lr=3e-3,
        weight_decay=1e-8,
        gradient_clip=10.0,
        early_stopping="auto",
        patience=10,
        window_weighting="scale",
        empty_context_rate=None,
        num_samples=100,
        point_forecast="median",
        update_epochs=0,
        random_state=None,
        device="cpu",
        precision="float32",
        verbose=0,
        callbacks=None,
    ):
        self.prediction_length = prediction_length
        self.context_length = context_length
        self.lags = lags
        self.freq = freq
        self.likelihood = likelihood
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.use_series_embedding = use_series_embedding
        self.embedding_dim = embedding_dim
        self.static_categorical_columns = static_categorical_columns
        self.static_real_columns = static_real_columns
        self.max_epochs = max_epochs
        self.batches_per_epoch = batches_per_epoch
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.gradient_clip = gradient_clip
        self.early_stopping = early_stopping
        self.patience = patience
        self.window_weighting = window_weighting
        self.empty_context_rate = empty_context_rate
        self.num_samples = num_samples
        self.point_forecast = point_forecast
        self.update_epochs = update_epochs
        self.random_state = random_state
        self.device = device
        self.precision = precision
        self.verbose = verbose
        self.callbacks = callbacks
        super().__init__()

    #: scikit-learn style constraints, validated at fit (see ``_config``)
    _parameter_constraints = param_constraints(FORECASTER)

    # ------------------------------------------------------------- training
    def _panel(self, y, X, info=None, min_end=None, grid_start=None):
        return build_panel(
            y, X, info=info, freq=self.freq,
            static_columns=static_columns(self), min_end=min_end,
            grid_start=grid_start,
        )

    # -------------------------------------------------------------- history
    def _set_history(self, y, X, panel=None) -> None:
        """Store the conditioning history; a new history empties the cache.

        ``panel``: the history's panel when the caller has just built it
        (at fit), so that bounding the history does not build it again.
        """
        self._hist_y, self._hist_X = y, X
        self._draws = DrawCache()
        if self.update_epochs == 0:
            self._bound_history(panel)

    def _history_panel(self, X_future=None, min_end=None):
        """The panel of the stored history (and future covariates, if any)."""
        X_all = self._hist_X
        if X_future is not None:
            # read after the history, its rows replacing the history's (as
            # update_data would, without a copy of the history)
            X_future = _from(X_future, self._hist_start)
            X_all = X_future if X_all is None else [X_all, X_future]
        return self._panel(self._hist_y, X_all, info=self.core_.enc.info,
                           min_end=min_end, grid_start=self._hist_start)

    def _bound_history(self, panel=None) -> None:
        """Keep only the periods forecasts read (``update_epochs=0``).

        A forecast reads the last ``context_length + max(lags)`` periods of
        each series and three summaries of what came before (see
        ``_history``); the rest is dropped, so the history stays bounded over
        any number of ``update`` calls while forecasts stay those of the
        whole history. Retraining (``update_epochs > 0``) keeps everything.
        """
        core, prefix = self.core_, self._hist_prefix
        try:
            if panel is None:
                panel = self._history_panel()
            core.arrays(panel.rows(slice(0, 1)), prefix=prefix)
        except (ValueError, TypeError):
            # the history alone is not a complete input (e.g. fit without the
            # covariates, given with their history at predict): keep it whole
            return
        kept = truncate_history(
            self._hist_y, self._hist_X, panel,
            lambda part: core.arrays(part, prefix=prefix), core.pad,
            core.history_needed, prefix)
        if kept is not None:
            self._hist_y, self._hist_X, self._hist_prefix, self._hist_start = kept

    def _train_core(self, y, X, fh) -> tuple[DeepARCore, Panel]:
        validate_params(self, FORECASTER)
        _check_X_complete(X, static_columns(self))
        panel = self._panel(y, X)
        if self.prediction_length is not None:
            horizon = int(self.prediction_length)
        elif fh is not None and fh.is_relative and len(fh) and max(fh) >= 1:
            horizon = int(max(fh))
        elif fh is not None and not fh.is_relative:
            horizon = int(max(fh.to_relative(self.cutoff)))
        else:
            horizon = default_horizon(panel.info)
        core = DeepARCore(make_config(self, max(horizon, 1)))
        core.fit(panel)
        warn_tiny_values(panel, core.net_.module_.min_scale, stacklevel=5)
        return core, panel

    def _pretrain(self, y, X=None, fh=None):
        y = _stack_columns(y)
        self.pretrained_core_ = self._train_core(y, X, fh)[0]
        return self

    def _pretrain_update(self, y, X=None, fh=None):
        y = _stack_columns(y)
        validate_params(self, FORECASTER)
        core = self.pretrained_core_
        _check_freq_matches(self.freq, core.enc.info)
        panel = self._panel(y, X, info=core.enc.info)
        core.fit(panel, warm_start=True, epochs=self.max_epochs)
        return self

    def fit(self, y, X=None, fh=None):
        """Fit to the training panel ``y`` (sktime's ``fit``).

        Before sktime's own input conversion, ``y`` is checked for time
        stamps out of order within a series and for numbers stored with
        dtype object, so that the error names the series or column.
        """
        check_target_frame(y)
        return super().fit(y, X=X, fh=fh)

    def update(self, y, X=None, update_params=True):
        """Update the cutoff with new data (sktime's ``update``)."""
        check_target_frame(y)
        return super().update(y, X=X, update_params=update_params)

    def _fit(self, y, X=None, fh=None):
        if self._state == "pretrained" and hasattr(self, "pretrained_core_"):
            validate_params(self, FORECASTER)
            _check_X_complete(X, static_columns(self))
            self.core_ = self.pretrained_core_
            _check_freq_matches(self.freq, self.core_.enc.info)
            # conditioning only: validate the new data against the encoders
            panel = self._panel(y, X, info=self.core_.enc.info)
            _warn_other_frequency(y, self.core_.enc.info)
            warn_tiny_values(panel, self.core_.net_.module_.min_scale,
                             stacklevel=4)
        else:
            self.core_, panel = self._train_core(y, X, fh)
        self._hist_prefix, self._hist_start = None, None
        self._set_history(y, X, panel)
        return self

    def _update(self, y, X=None, update_params=True):
        kept = _from(y, self._hist_start)
        if len(kept) < len(y):
            warnings.warn(
                f"update got {len(y) - len(kept)} row(s) of y before "
                f"{self._hist_start}, older than the history the forecaster "
                "keeps (with update_epochs=0 it keeps the last context_length + "
                "max(lags) periods of each series and summaries of the rest); "
                "they are ignored. Pass only new rows to update, or refit.",
                UserWarning, stacklevel=3,
            )
        y, X = kept, _from(X, self._hist_start)
        hist_X = self._hist_X
        if X is not None:
            hist_X = X if hist_X is None else update_data(hist_X, X)
        self._set_history(update_data(self._hist_y, y), hist_X)
        if update_params and self.update_epochs > 0:
            if self.core_ is getattr(self, "pretrained_core_", None):
                self.core_ = copy.deepcopy(self.core_)
            self.core_.fit(self._history_panel(), warm_start=True,
                           epochs=self.update_epochs)
        return self

    @property
    def training_history_(self) -> pd.DataFrame:
        """Per-epoch losses of the last training run."""
        hist = self.core_.net_.history
        cols = ["epoch", "train_loss", "valid_loss", "dur"]
        rows = [{c: h.get(c, np.nan) for c in cols} for h in hist]
        return pd.DataFrame(rows, columns=cols)

    # ------------------------------------------------------------ sampling
    def _sample(self, fh, X):
        """Sample paths ``(N, S, len(fh))``, the panel and the fh periods.

        Drawn once per (cutoff, fh, X, parameters) and reused by every
        ``predict*`` method until the next ``fit`` or ``update``.
        """
        key = (str(self.cutoff[0]), repr(fh), frame_digest(X),
               repr(sorted(self.get_params(deep=False).items())))
        return self._draws.get(key, lambda: self._draw(fh, X))

    def _draw(self, fh, X):
        core = self.core_
        info = core.enc.info
        cut = self.cutoff[0]
        # positions are computed on the model's own grid, so that panels
        # whose index carries no freq still work
        if fh.is_relative:
            steps = np.asarray(fh.to_pandas(), dtype=np.int64)
            min_end = _step_after(cut, int(max(steps.max(), 1)), info)
        else:
            fh_idx = fh.to_pandas()
            min_end = max(fh_idx.max(), cut)
        if core.enc.x_columns and X is None:
            raise ValueError(
                f"The forecaster was fitted with covariates {core.enc.x_columns}; "
                "pass X with rows for every forecast period."
            )
        if X is not None:
            needed = core.enc.x_columns + [str(c) for c in static_columns(self)]
            have = {str(c) for c in X.columns}  # the encoders keep names as str
            missing = [c for c in needed if c not in have]
            if missing:
                raise ValueError(
                    f"X lacks the column(s) {missing} the forecaster was fitted "
                    f"with (X columns: {list(X.columns)})."
                )
        panel = self._history_panel(X, min_end=min_end)
        cut_pos = int(panel.grid.get_loc(cut))
        early = ended_before(panel.last, cut_pos)
        if early.any():
            warn_own_end(
                panel.keys, early, cut,
                "its values at the requested periods after the cutoff are the "
                "steps that reach them of sample paths started after its last "
                "row (the periods in between are sampled, as DeepAR treats "
                "unobserved periods).",
                stacklevel=6,  # _draw, the cache, _sample, _predict*
            )
        if not fh.is_relative:
            steps = panel.grid.get_indexer(fh_idx) - cut_pos
            steps[panel.grid.get_indexer(fh_idx) < 0] = 0
        if (steps < 1).any():
            raise ValueError(
                f"fh contains steps {sorted(set(steps[steps < 1].tolist()))} at or "
                "before the cutoff (or off the series' frequency); "
                "DeepARForecaster forecasts only after the cutoff (in-sample "
                "prediction is not supported)."
            )
        fh_abs = panel.grid[cut_pos + steps]
        # each series' first forecast position and its gap to the cutoff: one
        # draw for all series, as many steps as the furthest needs, then the
        # requested steps of each (gap + fh) are gathered
        origin = np.where(early, panel.last + 1, cut_pos + 1)
        gap = cut_pos + 1 - origin
        need = gap + int(steps.max())
        horizon = int(need.max())
        if core.enc.x_columns:
            check_future_X(panel, origin, need)
        samples = core.sample(panel, origin, horizon, prefix=self._hist_prefix)
        if not early.any():
            if np.array_equal(steps, np.arange(1, horizon + 1)):
                return samples, panel, fh_abs  # every step: no copy
            return samples[:, :, steps - 1], panel, fh_abs
        cols = gap[:, None] + steps[None, :] - 1  # (N, len(fh))
        return (np.take_along_axis(samples, cols[:, None, :], axis=2),
                panel, fh_abs)

    def _index(self, panel, fh_abs) -> pd.Index:
        return forecast_index(panel.keys, fh_abs, list(self._hist_y.index.names),
                              panel.single)

    @property
    def _varname(self):
        return self._hist_y.columns[0]

    def _predict(self, fh, X=None):
        samples, panel, fh_abs = self._sample(fh, X)
        point = point_from_samples(samples, self.point_forecast)
        return pd.DataFrame(point.reshape(-1, 1), index=self._index(panel, fh_abs),
                            columns=[self._varname])

    def _predict_quantiles(self, fh, X, alpha):
        samples, panel, fh_abs = self._sample(fh, X)
        q = sample_quantiles(samples, alpha)  # (A, N, H)
        values = np.moveaxis(q, 0, -1).reshape(-1, len(alpha))
        cols = pd.MultiIndex.from_product([[self._varname], alpha])
        return pd.DataFrame(values, index=self._index(panel, fh_abs), columns=cols)

    def _predict_var(self, fh, X=None, cov=False):
        samples, panel, fh_abs = self._sample(fh, X)
        var = samples.var(axis=1, ddof=1) if samples.shape[1] > 1 else \
            np.zeros(samples.shape[::2])
        return pd.DataFrame(var.reshape(-1, 1), index=self._index(panel, fh_abs),
                            columns=[self._varname])

    def _predict_proba(self, fh, X, marginal=True):
        from skpro.distributions import Empirical

        samples, panel, fh_abs = self._sample(fh, X)
        index = self._index(panel, fh_abs)
        n, s, h = samples.shape
        values = np.array(np.moveaxis(samples, 1, 0).reshape(-1, 1))  # sample-major
        sample_ids = np.repeat(np.arange(s), n * h)
        if isinstance(index, pd.MultiIndex):
            levels = [
                pd.Index(index.get_level_values(i)).take(
                    np.tile(np.arange(len(index)), s))
                for i in range(index.nlevels)
            ]
            spl_index = pd.MultiIndex.from_arrays(
                [sample_ids, *levels], names=["sample", *index.names]
            )
        else:
            spl_index = pd.MultiIndex.from_arrays(
                [sample_ids, index.take(np.tile(np.arange(len(index)), s))],
                names=["sample", index.name],
            )
        spl = pd.DataFrame(values, index=spl_index, columns=[self._varname])
        return Empirical(spl, time_indep=marginal, index=index,
                         columns=pd.Index([self._varname]))

    def predict_summary(self, fh=None, X=None, quantiles=(0.1, 0.5, 0.9)):
        """Mean and quantiles of the forecast from a single set of sample paths.

        A convenience for reports (Amazon Forecast's P10/P50/P90 export). It
        goes through the public ``predict_quantiles`` (which checks ``fh``
        and ``X``) and reads the mean from the same sample paths, which every
        ``predict*`` method shares until the next ``fit`` or ``update``.

        Parameters
        ----------
        fh : int, list or ForecastingHorizon, optional
            Defaults to the ``fh`` given to ``fit``.
        X : pandas.DataFrame, optional
            Future covariates, as for ``predict``.
        quantiles : sequence of float

        Returns
        -------
        pandas.DataFrame
            Columns ``mean`` and ``p10``, ``p50``, ... (one per quantile),
            indexed like ``predict``.
        """
        self.predict_quantiles(fh=fh, X=X, alpha=list(quantiles))
        samples, panel, fh_abs = self._draws.latest()
        cols = {"mean": samples.mean(axis=1).ravel()}
        for q in quantiles:
            cols[f"p{round(100 * q):d}"] = sample_quantiles(samples, q)[0].ravel()
        return pd.DataFrame(cols, index=self._index(panel, fh_abs))

    def _get_fitted_params(self) -> dict:
        """What ``fit`` learned (``get_fitted_params()``).

        ``core``, ``network`` (the trained ``torch.nn.Module``), ``n_series``,
        ``series_ids``, ``freq`` (pandas offset, or the step of an integer
        index), ``lags``, ``context_length``, ``prediction_length``,
        ``x_columns`` (dynamic covariates), ``cardinalities`` (levels + 1 of
        each static categorical column), ``history_length`` (rows of ``y``
        kept to condition forecasts on: bounded by ``n_series *
        (context_length + max(lags))`` when ``update_epochs=0``) and
        ``training_history`` (per-epoch losses).
        """
        core = self.core_
        info = core.enc.info
        return {
            "core": core,
            "network": core.net_.module_,
            "n_series": len(core.enc.series_index),
            "series_ids": core.enc.series_index,
            "freq": info.freq if info.freq is not None else info.step,
            "lags": list(core.enc.lags),
            "context_length": core.context_length,
            "prediction_length": int(core.config.prediction_length),
            "x_columns": list(core.enc.x_columns),
            "cardinalities": dict(zip(core.enc.cat_columns,
                                      core.enc.cardinalities, strict=True)),
            "history_length": len(self._hist_y),
            "training_history": self.training_history_,
        }

    # --------------------------------------------------------------- tests
    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Tiny configurations for sktime's conformance suite."""
        base = {
            "max_epochs": 1,
            "batches_per_epoch": 2,
            "batch_size": 8,
            "hidden_size": 4,
            "num_layers": 1,
            "num_samples": 10,
            "random_state": 0,
        }
        return [
            {**base, "prediction_length": 3},
            {**base, "likelihood": "gaussian", "lags": [1, 2],
             "context_length": 4, "early_stopping": False,
             "point_forecast": "mean"},
        ]


# ------------------------------------------------------------------ helpers
def _stack_columns(y: pd.DataFrame) -> pd.DataFrame:
    """Pretraining data with several columns: each column is its own series."""
    if y.shape[1] <= 1:
        return y
    frames = {c: y[[c]].set_axis(["y"], axis=1) for c in y.columns}
    return pd.concat(frames, names=["__column__"])


def _check_X_complete(X, static: list) -> None:
    check_missing_covariates(X, static, "sktime's Imputer in a ForecastingPipeline")


def _from(frame, start):
    """Rows of ``frame`` at or after ``start`` (all when either is None).

    Rows before the kept history are not read by any forecast (see
    ``DeepARForecaster._bound_history``).
    """
    if frame is None or start is None:
        return frame
    times = frame.index.get_level_values(-1)
    try:
        keep = np.asarray(times >= start)
    except TypeError:  # another kind of time index: build_panel says so
        return frame
    return frame if keep.all() else frame[keep]


def _warn_other_frequency(y: pd.DataFrame, info) -> None:
    """Warn when new data after ``pretrain`` has a coarser regular frequency.

    Weekly stamps lie on a daily grid, so a weekly series given to a model
    pretrained on daily data would silently be forecast at daily periods.
    """
    if info.kind != "datetime":
        return  # periods carry their frequency; off-grid stamps are an error
    frame, _ = as_multiindex(y)
    times = frame.index.get_level_values(-1)
    try:
        own = infer_frequency(times, pd.factorize(_instance_keys(frame.index))[0])
    except ValueError:
        return  # too few or irregular stamps to tell
    if own.freq is not None and own.freq != info.freq:
        warnings.warn(
            f"y has frequency {own.freq.freqstr!r} but the pretrained model "
            f"works on {info.freq.freqstr!r}: its forecasts are for the next "
            f"{info.freq.freqstr!r} periods. Pretrain on data of the same "
            "frequency (or resample y to it) to forecast in its own periods.",
            UserWarning, stacklevel=4,
        )


def _check_freq_matches(freq, info) -> None:
    """``freq=`` after ``pretrain`` must be the pretrained model's frequency.

    The grid is fixed when pretraining (``freq=`` applies there); a
    different one at ``fit`` cannot be honoured without retraining.
    """
    if freq is None:
        return
    model = info.freq.freqstr if info.freq is not None else None
    try:
        same = model is not None and pd.tseries.frequencies.to_offset(
            freq) == info.freq
    except (TypeError, ValueError):
        same = False
    if not same:
        raise ValueError(
            f"freq={freq!r} differs from the frequency "
            f"{model or f'step {info.step}'!r} of the pretrained model: its grid "
            "is fixed at pretrain, so fit cannot forecast on another one. Set "
            "freq=None (or the model's frequency) to fit on the pretrained "
            f"model, or pretrain a new model with freq={freq!r}."
        )


def _step_after(cutoff, n: int, info):
    if info.kind == "int":
        return cutoff + n * info.step
    if info.kind == "period":
        return cutoff + n
    return cutoff + n * info.freq

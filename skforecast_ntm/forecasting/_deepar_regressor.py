"""scikit-learn face of the DeepAR core: :class:`DeepARRegressor`."""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils.validation import check_is_fitted

from ._common import (
    REGRESSOR,
    check_device,
    check_future_X,
    check_missing_covariates,
    default_horizon,
    make_config,
    param_constraints,
    parameters_doc,
    point_from_samples,
    static_columns,
    warn_tiny_values,
)
from ._core import DeepARCore
from ._panel import build_panel, format_ids
from ._sampling import sample_quantiles

__all__ = ["DeepARRegressor"]


class DeepARRegressor(RegressorMixin, BaseEstimator):
    __doc__ = f"""DeepAR as a scikit-learn regressor on long-format panels.

    The same global probabilistic network as
    :class:`~skforecast_ntm.DeepARForecaster`, behind the ``fit(X, y)`` /
    ``predict(X)`` contract, so that it composes with ``Pipeline``,
    ``ColumnTransformer`` and ``GridSearchCV``.

    ``X`` is a long-format ``pandas.DataFrame``: one row per (series, period)
    with a series-id column, a time column and covariate columns; ``y`` is
    the target of each row. ``predict(X_future)`` returns a forecast for each
    row of future periods: the **median** of the sample paths by default (see
    ``point_forecast``); :meth:`predict_quantiles` returns quantiles and
    :meth:`sample_paths` the paths themselves.

    The history used to condition forecasts is the training data: future rows
    of a series must come after its last training row, and each series is
    forecast from its own last row (as the forecaster forecasts a series that
    ends before the panel's cutoff). Covariate columns must cover every
    period of a series' history (a missing row is an error, as a NaN is) and
    every period from its last training row to its last requested row
    (DeepAR steps through each period).

    Parameters
    ----------{parameters_doc(REGRESSOR)}
    Attributes
    ----------
    core_ : DeepARCore
        The trained core (network in ``core_.net_.module_``).
    feature_names_in_ : ndarray of str
        Columns of ``X`` seen in ``fit``.
    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit``.
    series_ids_ : ndarray
        Series seen in ``fit``.

    Notes
    -----
    scikit-learn's generic estimator checks feed random numeric matrices; a
    long-format panel needs id and time columns, so this estimator declares
    ``input_tags.two_d_array=False``. ``tests/test_sklearn_checks.py`` runs
    scikit-learn's whole ``parametrize_with_checks`` suite on it (with the tag
    flipped), lists each check that cannot apply to a panel with the reason,
    and checks what those would have checked on real panels (see
    ``docs/design.md``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skforecast_ntm import DeepARRegressor
    >>> t = pd.period_range("2020-01", periods=36, freq="M")
    >>> X = pd.DataFrame({{"series_id": np.repeat(["a", "b"], 36),
    ...                   "timestamp": np.tile(t, 2),
    ...                   "promo": np.tile(np.arange(36) % 4 == 0, 2) * 1.0}})
    >>> y = 10 + np.sin(np.arange(72)) + 5 * X["promo"]
    >>> reg = DeepARRegressor(prediction_length=3, max_epochs=2,
    ...                       batches_per_epoch=5, hidden_size=8, random_state=0)
    >>> reg = reg.fit(X, y)
    >>> future = pd.DataFrame({{"series_id": ["a", "a", "b"],
    ...                        "timestamp": pd.PeriodIndex(
    ...                            ["2023-01", "2023-02", "2023-01"], freq="M"),
    ...                        "promo": [1.0, 0.0, 0.0]}})
    >>> reg.predict(future).shape
    (3,)
    >>> reg.predict_quantiles(future, quantiles=[0.1, 0.5, 0.9]).shape
    (3, 3)
    """

    #: validated by ``fit`` (scikit-learn's ``_validate_params``); declared once
    #: for both DeepAR estimators in ``forecasting._config.PARAMETERS``
    _parameter_constraints: dict = param_constraints(REGRESSOR)

    def __init__(
        self,
        id_column="series_id",
        time_column="timestamp",
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
        random_state=None,
        device="cpu",
        precision="float32",
        verbose=0,
        callbacks=None,
    ):
        self.id_column = id_column
        self.time_column = time_column
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
        self.random_state = random_state
        self.device = device
        self.precision = precision
        self.verbose = verbose
        self.callbacks = callbacks

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # long-format frames with id/time columns, not numeric matrices
        tags.input_tags.two_d_array = False
        tags.input_tags.categorical = True
        tags.input_tags.allow_nan = False
        tags.non_deterministic = False
        return tags

    # --------------------------------------------------------------- frames
    def _frames(self, X, y=None, *, fitting: bool):
        if not isinstance(X, pd.DataFrame):
            raise TypeError(
                f"{type(self).__name__} needs X as a pandas DataFrame with the "
                f"columns {self.id_column!r} and {self.time_column!r} (long "
                f"format), got {type(X).__name__}. In a Pipeline, use "
                "set_output(transform='pandas') on the transformers before it."
            )
        missing = [c for c in (self.id_column, self.time_column)
                   if c not in X.columns]
        if missing:
            raise ValueError(
                f"X has no column(s) {missing}; set id_column/time_column to the "
                f"names of the series-id and time columns (X has {list(X.columns)})."
            )
        times = X[self.time_column]
        if isinstance(times.dtype, pd.PeriodDtype):
            time_index = pd.PeriodIndex(times)
        elif pd.api.types.is_datetime64_any_dtype(times):
            time_index = pd.DatetimeIndex(times)
        elif pd.api.types.is_integer_dtype(times):
            time_index = pd.Index(times.to_numpy(), dtype=np.int64)
        else:
            raise TypeError(
                f"Time column {self.time_column!r} has dtype {times.dtype}; use "
                "datetime64, pandas Period or integer values."
            )
        index = pd.MultiIndex.from_arrays(
            [X[self.id_column].to_numpy(), time_index],
            names=[self.id_column, self.time_column],
        )
        cov = X.drop(columns=[self.id_column, self.time_column])
        cov.index = index
        if fitting:
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
            self.n_features_in_ = X.shape[1]
        else:
            expected = [c for c in self.feature_names_in_
                        if c not in (self.id_column, self.time_column)]
            if list(cov.columns) != expected:
                raise ValueError(
                    f"X has covariate columns {list(cov.columns)} but the model "
                    f"was fitted with {expected}."
                )
        check_missing_covariates(cov, static_columns(self),
                                 "sklearn's SimpleImputer in the Pipeline")
        yf = None
        if y is not None:
            yv = np.asarray(y)
            if yv.ndim == 2 and yv.shape[1] == 1:
                yv = yv[:, 0]
            if yv.ndim != 1 or len(yv) != len(X):
                raise ValueError(
                    f"y must be one-dimensional with one value per row of X "
                    f"({len(X)} rows), got shape {yv.shape}."
                )
            if not (np.issubdtype(yv.dtype, np.number) or yv.dtype == bool):
                raise TypeError(
                    f"y must be numeric, got dtype {yv.dtype}; convert the target "
                    "to numbers first."
                )
            yf = pd.DataFrame({"y": yv.astype(np.float64)}, index=index)
        return yf, (cov if cov.shape[1] else None)

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: pd.DataFrame, y) -> DeepARRegressor:
        """Train on every series of the long-format panel ``(X, y)``.

        Parameters
        ----------
        X : pandas.DataFrame
            Id column, time column and covariates, one row per observation.
        y : array-like of shape (n_rows,)
            Target of each row (NaN allowed: masked out of the loss).

        Returns
        -------
        self : DeepARRegressor
        """
        check_device(self)
        yf, cov = self._frames(X, y, fitting=True)
        panel = build_panel(yf, cov, freq=self.freq,
                            static_columns=static_columns(self))
        horizon = self.prediction_length or default_horizon(panel.info)
        self.core_ = DeepARCore(make_config(self, horizon))
        self.core_.fit(panel)
        warn_tiny_values(panel, self.core_.net_.module_.min_scale)
        self._hist_y, self._hist_X = yf, cov
        self.series_ids_ = np.asarray(panel.keys)
        return self

    # -------------------------------------------------------------- predict
    def sample_paths(self, X: pd.DataFrame, num_samples: int | None = None
                     ) -> np.ndarray:
        """Sample paths for each row of future periods.

        Parameters
        ----------
        X : pandas.DataFrame
            Rows (id, time, covariates) of periods after each series' last
            training row.
        num_samples : int, optional
            Defaults to the ``num_samples`` parameter.

        Returns
        -------
        ndarray of shape (n_rows, num_samples)
        """
        check_is_fitted(self, "core_")
        core = self.core_
        _, cov = self._frames(X, None, fitting=False)
        ids = X[self.id_column].to_numpy()
        known = pd.Index(self.series_ids_)
        codes = known.get_indexer(ids)
        if (codes < 0).any():
            raise ValueError(
                f"Series {format_ids(pd.unique(ids[codes < 0]))} have no history "
                "in the training data; DeepARRegressor forecasts series it was "
                "fitted on (use DeepARForecaster.pretrain + fit for cold start)."
            )
        X_all = self._hist_X
        if cov is not None:
            dup = cov.index.duplicated(keep=False)
            if dup.any():
                clash = cov[dup].groupby(level=[0, 1]).nunique(dropna=False)
                clash = clash[(clash > 1).any(axis=1)]
                if len(clash):
                    sid, when = clash.index[0]
                    raise ValueError(
                        f"X has rows for the same series and period with different "
                        f"covariates (series {sid!r} at {when}, and "
                        f"{len(clash) - 1} more); give each (series, period) one "
                        "set of covariates."
                    )
            X_all = pd.concat([X_all, cov]) if X_all is not None else cov
            X_all = X_all[~X_all.index.duplicated(keep="last")].sort_index()
        times = pd.Index(X[self.time_column])
        panel = build_panel(
            self._hist_y, X_all, info=core.enc.info, keys=known,
            static_columns=static_columns(self), min_end=times.max(),
        )
        pos = panel.grid.get_indexer(times)
        if (pos < 0).any():
            raise ValueError(
                f"Periods {list(map(str, times[pos < 0][:5]))} of X are not on "
                "the model's time grid."
            )
        origin = panel.last + 1
        step = pos - origin[codes]
        if (step < 0).any():
            bad = pd.unique(ids[step < 0])
            raise ValueError(
                f"X has rows at or before the last training period of series "
                f"{format_ids(bad)}; predict forecasts periods after the "
                "training data only."
            )
        horizon = int(step.max()) + 1
        if core.enc.x_columns:
            need = np.zeros(panel.n_series, dtype=np.int64)
            np.maximum.at(need, codes, step + 1)
            check_future_X(panel, origin, need)
        samples = core.sample(panel, origin, horizon, num_samples)
        return samples[codes, :, step]

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Point forecast (median of the sample paths by default) per row."""
        return point_from_samples(self.sample_paths(X)[:, :, None],
                                  self.point_forecast)[:, 0]

    def predict_quantiles(self, X: pd.DataFrame, quantiles=(0.1, 0.5, 0.9)
                          ) -> np.ndarray:
        """Quantiles of the forecast of each row.

        Parameters
        ----------
        X : pandas.DataFrame
            Rows of future periods.
        quantiles : sequence of float in (0, 1), default=(0.1, 0.5, 0.9)

        Returns
        -------
        ndarray of shape (n_rows, len(quantiles))
        """
        q = np.asarray(quantiles, dtype=float)
        if q.ndim != 1 or not all(isinstance(v, Real) for v in q.tolist()) or \
                ((q <= 0) | (q >= 1)).any():
            raise ValueError(
                f"quantiles must be numbers strictly between 0 and 1, got "
                f"{quantiles!r}."
            )
        return sample_quantiles(self.sample_paths(X)[:, :, None], q)[..., 0].T

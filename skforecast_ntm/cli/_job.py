"""The forecast job behind ``skforecast-ntm forecast`` and ``make demo``.

Amazon Forecast's workflow on in-memory frames: target panel, related time
series, item metadata and documents -> (topic covariates) -> DeepAR ->
backtest windows with and without the text against baselines -> the final
forecast, metrics, plots and a saved model that ``skforecast-ntm predict``
reuses without retraining. The command line (:mod:`skforecast_ntm.cli`)
reads the CSV files and calls :func:`run_forecast_job`.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..forecasting import DeepARForecaster
from ..forecasting._base import OwnHistoryForecaster
from ..forecasting._features import (
    extend_grid,
    infer_frequency,
    make_grid,
    seasonal_period,
)
from ..forecasting._panel import format_ids
from ..model_selection import (
    AutoForecaster,
    BacktestError,
    ETSForecaster,
    SeasonalNaiveForecaster,
    backtest,
)
from ..transformations import TopicCovariates

__all__ = ["ForecastJob", "JobResult", "run_forecast_job", "load_model",
           "MODEL_FILE"]

MODEL_FILE = "model.pkl"
ID, TIME = "item_id", "timestamp"


class JobError(ValueError):
    """A problem with the job's inputs or outputs (reported without traceback)."""


@dataclass
class ForecastJob:
    """Inputs and settings of one forecast job.

    Attributes
    ----------
    y : pandas.DataFrame
        Target panel, index ``(item_id, timestamp)``, one value column.
    horizon : int
        Periods to forecast.
    related : pandas.DataFrame, optional
        Related time series, index like ``y``, numeric columns, covering each
        item's history and the horizon.
    metadata : pandas.DataFrame, optional
        One row per item (index ``item_id``).
    categorical, numeric : list of str
        Columns of ``metadata`` embedded as categories / used as reals.
    documents : pandas.DataFrame, optional
        Columns ``item_id``, ``text`` and optionally ``timestamp``: with
        timestamps, the topic mix of each period (past-only, lagged by the
        horizon, unless ``documents_known_future``); without, one topic
        vector per item.
    documents_shared : bool
        The documents have no ``item_id``: each period's documents are
        covariates of every item.
    compare_without_text : bool
        With documents, also backtest DeepAR without the topic covariates.
    auto : bool
        Model selection instead of DeepAR alone: an
        :class:`~skforecast_ntm.model_selection.AutoForecaster` (candidates
        backtested on ``backtest_windows`` windows, at least one, then a
        greedy ensemble and calibrated quantiles); ``auto_params`` are its
        parameters (e.g. ``candidates``). Not with documents.
    """

    y: pd.DataFrame
    horizon: int
    related: pd.DataFrame | None = None
    metadata: pd.DataFrame | None = None
    categorical: list = field(default_factory=list)
    numeric: list = field(default_factory=list)
    documents: pd.DataFrame | None = None
    documents_known_future: bool = False
    documents_shared: bool = False
    compare_without_text: bool = True
    freq: str | None = None
    quantiles: tuple = (0.1, 0.5, 0.9)
    n_topics: int = 10
    backtest_windows: int = 1
    likelihood: str = "student_t"
    seed: int = 0
    deepar_params: dict = field(default_factory=dict)
    topic_params: dict = field(default_factory=dict)
    baselines: tuple = ("seasonal_naive",)
    n_plot: int = 4
    title: str = ""
    auto: bool = False
    auto_params: dict = field(default_factory=dict)


@dataclass
class JobResult:
    """What a job produced (also written to the output directory)."""

    forecast: pd.DataFrame
    metrics: pd.DataFrame
    metrics_per_item: pd.DataFrame
    backtest_forecasts: pd.DataFrame
    files: list
    text_helped: bool | None = None
    top_words: list | None = None
    selection_report: pd.DataFrame | None = None


# ----------------------------------------------------------------- outputs
def check_output_dir(path: str | Path) -> Path:
    """Fail before any work when ``path`` cannot receive the outputs."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise JobError(f"--output-dir {str(out)!r} exists and is a file; pass a "
                       "directory (it is created if missing).")
    probe_dir = out if out.exists() else _existing_parent(out)
    if not os.access(probe_dir, os.W_OK | os.X_OK):
        raise JobError(f"--output-dir {str(out)!r}: {str(probe_dir)!r} is not "
                       "writable.")
    try:  # access() can be wrong (e.g. read-only mounts, root): really try
        tmp = tempfile.mkdtemp(prefix=".skforecast-ntm-probe-", dir=probe_dir)
        os.rmdir(tmp)
    except OSError as exc:
        raise JobError(f"--output-dir {str(out)!r} is not writable: {exc}") from None
    return out


def _existing_parent(path: Path) -> Path:
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise JobError(f"--output-dir {str(path)!r}: {str(parent)!r} is a "
                               "file.")
            return parent
    return Path("/")


class _Staging:
    """Write into a hidden sibling directory; move into place only when whole."""

    def __init__(self, out: Path):
        self.out = out
        parent = out if out.exists() else _existing_parent(out)
        self.tmp = Path(tempfile.mkdtemp(prefix=".skforecast-ntm-", dir=parent))
        self.files: list[str] = []

    def path(self, name: str) -> Path:
        self.files.append(name)
        return self.tmp / name

    def commit(self) -> list[Path]:
        self.out.mkdir(parents=True, exist_ok=True)
        done = []
        for name in self.files:
            target = self.out / name
            os.replace(self.tmp / name, target)
            done.append(target)
        shutil.rmtree(self.tmp, ignore_errors=True)
        return done

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


# -------------------------------------------------------------- panel prep
def _regular_rows(first: pd.Series, last_pos: int, grid: pd.Index) -> pd.MultiIndex:
    """(item, time) rows from each item's first grid position to ``last_pos``."""
    start = grid.get_indexer(first.to_numpy())
    lengths = last_pos - start + 1
    items = np.repeat(first.index.to_numpy(), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths,
                                                   lengths)
    times = grid[np.repeat(start, lengths) + offsets]
    return pd.MultiIndex.from_arrays([items, times], names=[ID, TIME])


class _Prepared:
    """The job's panel on one regular grid, with its covariates."""

    def __init__(self, job: ForecastJob):
        y = job.y.copy()
        y.columns = ["y"]
        y.index = y.index.set_names([ID, TIME])
        times = y.index.get_level_values(TIME)
        self.info = infer_frequency(times, freq=job.freq)
        self.sp = seasonal_period(self.info)
        self.h = int(job.horizon)
        end = times.max()
        grid = make_grid(times.min(), end, self.info)
        self.grid = extend_grid(grid, self.h, self.info)
        self.end_pos = len(grid) - 1
        span = y.reset_index().groupby(ID, sort=True)[TIME].agg(["min", "max"])
        first, last = span["min"], span["max"]
        early = last[last < end]
        if len(early):
            warnings.warn(
                f"Items {format_ids(early.index)} end before the panel's last period "
                f"{end}; their missing periods are missing values and their "
                "forecast starts after it, like every item's.",
                UserWarning, stacklevel=3,
            )
        self.items = first.index
        rows = _regular_rows(first, self.end_pos, self.grid)
        self.y = y.reindex(rows)
        self.x_rows = _regular_rows(first, self.end_pos + self.h, self.grid)
        parts = []
        if job.related is not None:
            rel = job.related.copy()
            rel.index = rel.index.set_names([ID, TIME])
            rel = rel.reindex(self.x_rows)
            gaps = rel.isna().any(axis=1)
            if gaps.any():
                bad = rel.index[gaps.to_numpy()]
                raise JobError(
                    "The related time series do not cover every period from each "
                    f"item's start to the last target period + the horizon ({self.h}):"
                    f" items {format_ids(pd.unique(bad.get_level_values(0)))}, first "
                    f"missing period {bad[0][1]}."
                )
            parts.append(rel)
        if job.metadata is not None and (job.categorical or job.numeric):
            meta = job.metadata[list(job.categorical) + list(job.numeric)]
            meta = meta.reindex(self.x_rows.get_level_values(0))
            meta.index = self.x_rows
            parts.append(meta)
        self.X = pd.concat(parts, axis=1) if parts else None

    def history(self, cut_pos: int) -> pd.DataFrame:
        times = self.y.index.get_level_values(TIME)
        return self.y[times <= self.grid[cut_pos]]

    def rows_until(self, pos: int) -> pd.MultiIndex:
        times = self.x_rows.get_level_values(TIME)
        return self.x_rows[times <= self.grid[pos]]


# ------------------------------------------------------------------ models
class _Model:
    """Topic covariates (optional) + DeepAR, fitted on history up to a cutoff."""

    def __init__(self, job: ForecastJob, prep: _Prepared,
                 forecaster: DeepARForecaster, topics: TopicCovariates | None):
        self.job, self.prep = job, prep
        self.forecaster, self.topics = forecaster, topics

    @classmethod
    def new(cls, job: ForecastJob, prep: _Prepared, with_text: bool) -> _Model:
        """An untrained model from the job's settings."""
        params = dict(
            prediction_length=prep.h,
            likelihood=job.likelihood,
            random_state=job.seed,
            static_categorical_columns=list(job.categorical) or None,
            static_real_columns=list(job.numeric) or None,
        )
        params.update(job.deepar_params)
        topics = None
        if with_text:
            docs = job.documents
            dynamic = TIME in docs.columns
            kw = dict(
                mode="dynamic" if dynamic else "static",
                n_topics=job.n_topics,
                id_column=None if job.documents_shared else ID,
                time_column=TIME if dynamic else None,
                random_state=job.seed,
            )
            if dynamic:
                kw.update(known_future=job.documents_known_future,
                          lag=None if job.documents_known_future else prep.h)
            kw.update(job.topic_params)
            topics = TopicCovariates(docs, **kw)
        return cls(job, prep, DeepARForecaster(**params), topics)

    def covariates(self, rows: pd.MultiIndex):
        """X for ``rows`` (history and horizon): related, metadata, topics."""
        X = None if self.prep.X is None else self.prep.X.loc[rows]
        if self.topics is not None:
            topics = self.topics.transform(X=None, y=pd.DataFrame(index=rows))
            X = topics if X is None else pd.concat([X, topics], axis=1)
        return X

    def fit_predict(self, cut_pos: int, pretrain: bool = False,
                    refit_topics: bool = True, predict: bool = True
                    ) -> pd.DataFrame | None:
        """Fit on the history up to ``cut_pos`` and forecast the horizon.

        ``pretrain``: train through ``pretrain`` so that later ``fit`` calls
        only condition on new history; ``refit_topics=False`` keeps the topic
        model and only moves its cutoff.
        """
        prep, h = self.prep, self.prep.h
        y_hist = prep.history(cut_pos)
        observed = y_hist["y"].notna().groupby(level=0).any()
        empty = observed.index[~observed.to_numpy()]
        if len(empty):
            warnings.warn(
                f"Items {format_ids(empty)} have no observed value up to "
                f"{prep.grid[cut_pos]}; they are left out of this window.",
                UserWarning, stacklevel=2,
            )
            y_hist = y_hist.drop(index=empty, level=0)
        items = y_hist.index.get_level_values(0).unique()
        rows = prep.rows_until(cut_pos + h)
        rows = rows[rows.get_level_values(0).isin(items)]
        if self.topics is not None:
            if refit_topics:
                self.topics.fit(X=None, y=y_hist)
            else:
                self.topics.update(X=None, y=y_hist, update_params=False)
        X = self.covariates(rows)
        fh = np.arange(1, h + 1)
        if X is None:
            x_hist = x_future = None
        else:
            times = X.index.get_level_values(TIME)
            x_hist = X[times <= prep.grid[cut_pos]]
            x_future = X[times > prep.grid[cut_pos]]
        if pretrain:  # trained once; later fits only condition (predict command)
            self.forecaster.pretrain(y_hist, X=x_hist)
        self.forecaster.fit(y_hist, X=x_hist)
        self._fh, self._x_future = fh, x_future
        if not predict:
            return None
        out = self.forecaster.predict_summary(fh=fh, X=x_future,
                                              quantiles=self.job.quantiles)
        out.index = out.index.set_names([ID, TIME])
        return out

    def predict_quantiles(self, alpha) -> pd.DataFrame:
        """Quantiles of the horizon after the last ``fit_predict`` cutoff."""
        return self.forecaster.predict_quantiles(fh=self._fh, X=self._x_future,
                                                 alpha=list(alpha))


class _JobForecaster(OwnHistoryForecaster):
    """A job's model (topic covariates + DeepAR) as an sktime forecaster, so
    that :func:`skforecast_ntm.model_selection.backtest` can refit it per
    window; it reads the covariates from the prepared job, not from ``X``."""

    _tags = {
        "y_inner_mtype": ["pd-multiindex"],
        "X_inner_mtype": ["pd-multiindex"],
        "capability:exogenous": False,
        "capability:pred_int": True,
        "capability:missing_values": True,
        "capability:unequal_length": True,
        "capability:insample": False,
        "requires-fh-in-fit": False,
        "fit_is_empty": False,
    }

    def __init__(self, job=None, prep=None, with_text=False):
        self.job = job
        self.prep = prep
        self.with_text = with_text
        super().__init__()

    def clone(self):  # the job and its panel are shared, never copied
        return type(self)(self.job, self.prep, self.with_text)

    def _fit(self, y, X=None, fh=None):
        cut = int(self.prep.grid.get_loc(y.index.get_level_values(-1).max()))
        self.model_ = _Model.new(self.job, self.prep, self.with_text)
        self.model_.fit_predict(cut, predict=False)
        return self

    def _predict_quantiles(self, fh, X, alpha):
        out = self.model_.predict_quantiles(alpha)
        out.columns = pd.MultiIndex.from_product([["y"], list(alpha)])
        return out

    def _predict(self, fh, X=None):
        q = self._predict_quantiles(fh, X, [0.5])
        return pd.DataFrame(q.to_numpy(), index=q.index, columns=["y"])


def _qcols(quantiles) -> list[str]:
    return [f"p{round(100 * q):d}" for q in quantiles]


_BASELINES = {"seasonal_naive": ("seasonal naive", SeasonalNaiveForecaster),
              "ets": ("ETS", ETSForecaster)}


def _baseline(name: str, sp: int):
    if name not in _BASELINES:
        raise JobError(f"Unknown baseline {name!r}; choose from "
                       f"{', '.join(_BASELINES)}.")
    label, cls = _BASELINES[name]
    return label, cls(sp=sp)


# --------------------------------------------------------------------- job
def run_forecast_job(job: ForecastJob, output_dir: str | Path,
                     progress: Callable[[str], None] | None = None) -> JobResult:
    """Run the whole job and write its outputs (all or nothing).

    Writes ``forecast.csv`` (``item_id, timestamp, mean, p10, p50, p90``: one
    ``pXX`` per quantile), ``metrics.csv`` (overall backtest metrics per
    model and window), ``metrics_per_item.csv``, ``backtest_forecasts.csv``,
    ``fan_chart.png``, ``topic_words.png`` (with documents) and
    ``model.pkl`` (reused by ``skforecast-ntm predict``).

    Parameters
    ----------
    job : ForecastJob
    output_dir : path
        Created if missing; outputs are staged in a hidden sibling directory
        and moved in only when every file is written.
    progress : callable, optional
        Called with a short description before each stage.

    Returns
    -------
    JobResult
    """
    out = check_output_dir(output_dir)
    say = progress or (lambda msg: None)
    if job.quantiles != tuple(sorted(job.quantiles)) or not all(
            0 < q < 1 for q in job.quantiles):
        raise JobError(f"quantiles must be increasing and in (0, 1), got "
                       f"{list(job.quantiles)}.")
    prep = _Prepared(job)
    h, quantiles, qcols = prep.h, list(job.quantiles), _qcols(job.quantiles)
    n_windows = int(job.backtest_windows)
    variants = [False]
    if job.documents is not None:
        variants = [True, False] if job.compare_without_text else [True]
    names = {True: "DeepAR + text", False: "DeepAR"}
    if job.documents is not None:
        names[False] = "DeepAR without text"
    obs_len = prep.y["y"].notna().groupby(level=0).sum()
    if n_windows and (obs_len < 2).all():
        raise JobError("No item has two observed values; nothing to train on.")
    if job.auto:
        return _run_auto(job, prep, out, say)
    per_rows, overall_rows, bt_frames = [], [], []
    models = [(names[v], _JobForecaster(job, prep, v)) for v in variants]
    models += [_baseline(base, prep.sp) for base in job.baselines] if n_windows \
        else []
    for name, forecaster in models if n_windows else []:
        say(f"backtest ({n_windows} window(s)): {name}")
        try:
            res = backtest(forecaster, prep.y, horizon=h, windows=n_windows,
                           quantiles=quantiles, seasonal_period=prep.sp)
        except BacktestError as exc:
            raise JobError(f"--backtest-windows {n_windows} x horizon {h}: {exc}"
                           ) from None
        overall_rows.append(res.metrics.assign(model=name))
        per = res.metrics_per_series
        per_rows.append(per[per["window"] != "mean"].assign(model=name))
        bt_frames.append(res.forecasts.drop(columns="scored").assign(model=name))
    metrics = _metrics_table(overall_rows)
    per_item = _first_cols(per_rows, ["model", "window", ID])
    backtests = _first_cols(bt_frames, ["model", "window"])

    say("final model: training on the whole history")
    final = _Model.new(job, prep, with_text=job.documents is not None)
    forecast = final.fit_predict(prep.end_pos, pretrain=True)
    forecast_csv = forecast.reset_index()

    text_helped = None
    if len(variants) == 2 and n_windows:
        m = summary_metrics(metrics).set_index("model")["mean_wQL"]
        text_helped = bool(m[names[True]] < m[names[False]])
    top_words = final.topics.get_top_words(10) if final.topics is not None else None

    say("writing outputs")
    stage = _Staging(out)
    try:
        forecast_csv.to_csv(stage.path("forecast.csv"), index=False)
        if n_windows:
            metrics.to_csv(stage.path("metrics.csv"), index=False)
            per_item.to_csv(stage.path("metrics_per_item.csv"), index=False)
            backtests.to_csv(stage.path("backtest_forecasts.csv"), index=False)
        from ._plots import fan_chart, topic_words_chart

        fan_chart(prep.y, forecast, qcols, stage.path("fan_chart.png"),
                  n_items=job.n_plot, history=max(4 * h, 3 * prep.sp),
                  title=job.title)
        if final.topics is not None:
            topic_words_chart(final.topics, stage.path("topic_words.png"))
            pd.DataFrame({"topic": range(len(top_words)),
                          "top_words": [" ".join(w) for w in top_words]}).to_csv(
                stage.path("topics.csv"), index=False)
        with open(stage.path(MODEL_FILE), "wb") as fh:
            pickle.dump(_bundle(job, prep, final), fh)
        files = stage.commit()
    except BaseException:
        stage.abort()
        raise
    return JobResult(forecast=forecast_csv, metrics=metrics,
                     metrics_per_item=per_item, backtest_forecasts=backtests,
                     files=files, text_helped=text_helped, top_words=top_words)


def _run_auto(job: ForecastJob, prep: _Prepared, out: Path,
              say: Callable[[str], None]) -> JobResult:
    """The ``--auto`` job: AutoForecaster on the panel and its covariates."""
    if job.documents is not None:
        raise JobError("--auto does not use --documents yet; drop --auto to "
                       "forecast with the text covariates, or drop --documents.")
    h, quantiles, qcols = prep.h, list(job.quantiles), _qcols(job.quantiles)
    fh = np.arange(1, h + 1)
    x_hist = x_future = None
    if prep.X is not None:
        t = prep.X.index.get_level_values(TIME)
        last = prep.grid[prep.end_pos]
        x_hist, x_future = prep.X[t <= last], prep.X[t > last]
    deepar = dict(likelihood=job.likelihood,
                  static_categorical_columns=list(job.categorical) or None,
                  static_real_columns=list(job.numeric) or None)
    deepar.update(job.deepar_params)
    params = dict(windows=max(1, int(job.backtest_windows)),
                  quantiles=tuple(quantiles), deepar_params=deepar,
                  random_state=job.seed, seasonal_period=prep.sp)
    params.update(job.auto_params)
    auto = AutoForecaster(**params)
    say("model selection: backtesting the candidates")
    try:
        auto.fit(prep.y, X=x_hist, fh=fh)
    except BacktestError as exc:
        raise JobError(f"--auto: {exc}") from None
    say("final forecast")
    q = auto.predict_quantiles(fh=fh, X=x_future, alpha=quantiles)
    forecast = pd.DataFrame(q.to_numpy(), index=q.index, columns=qcols)
    # an ensemble of quantiles has no mean: the column holds its median
    forecast.insert(0, "mean", auto.predict(fh=fh, X=x_future).to_numpy()[:, 0])
    forecast.index = forecast.index.set_names([ID, TIME])
    n_win = next(iter(auto.backtests_.values())).windows
    rows, per_rows, frames = [], [], []
    for name, res in auto.backtests_.items():
        rows.append(res.metrics.assign(model=name))
        per = res.metrics_per_series
        per_rows.append(per[per["window"] != "mean"].assign(model=name))
        frames.append(res.forecasts.drop(columns="scored").assign(model=name))
    lb = auto.leaderboard_
    ens = lb[lb["model"].str.startswith("ensemble")].drop(columns="backtest_seconds")
    rows.append(ens.assign(window="mean" if n_win > 1 else "1"))
    metrics = _metrics_table(rows)
    per_item = _first_cols(per_rows, ["model", "window", ID])
    backtests = _first_cols(frames, ["model", "window"])
    report = auto.selection_report_.reset_index()
    say("writing outputs")
    stage = _Staging(out)
    try:
        forecast.reset_index().to_csv(stage.path("forecast.csv"), index=False)
        metrics.to_csv(stage.path("metrics.csv"), index=False)
        per_item.to_csv(stage.path("metrics_per_item.csv"), index=False)
        backtests.to_csv(stage.path("backtest_forecasts.csv"), index=False)
        report.to_csv(stage.path("selection_report.csv"), index=False)
        from ._plots import fan_chart

        fan_chart(prep.y, forecast, qcols, stage.path("fan_chart.png"),
                  n_items=job.n_plot, history=max(4 * h, 3 * prep.sp),
                  title=job.title)
        bundle = {"format": 1, "auto": True, "forecaster": auto, "topics": None,
                  "horizon": h, "quantiles": quantiles,
                  "freq": prep.info.freq.freqstr if prep.info.freq is not None
                  else None, "forecast": forecast.reset_index()}
        with open(stage.path(MODEL_FILE), "wb") as fh_out:
            pickle.dump(bundle, fh_out)
        files = stage.commit()
    except BaseException:
        stage.abort()
        raise
    return JobResult(forecast=forecast.reset_index(), metrics=metrics,
                     metrics_per_item=per_item, backtest_forecasts=backtests,
                     files=files, selection_report=report)


def summary_metrics(metrics: pd.DataFrame) -> pd.DataFrame:
    """The overall rows: the mean over windows, or the single window."""
    windows = set(metrics["window"])
    return metrics[metrics["window"] == ("mean" if "mean" in windows else "1")]


def _metrics_table(rows: list) -> pd.DataFrame:
    """Overall backtest metrics per model and window (``"mean"`` over them)."""
    if not rows:
        return pd.DataFrame()
    table = pd.concat(rows, ignore_index=True)
    table["window"] = table["window"].astype(str)
    metric_cols = [c for c in table.columns if c not in ("model", "window")]
    return table[["model", "window", *metric_cols]]


def _first_cols(frames: list, first: list) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames, ignore_index=True)
    return table[[*first, *[c for c in table.columns if c not in first]]]


# ------------------------------------------------------------------- model
def _bundle(job: ForecastJob, prep: _Prepared, final: _Model) -> dict:
    return {
        "format": 1,
        "forecaster": final.forecaster,
        "topics": final.topics,
        "horizon": prep.h,
        "quantiles": list(job.quantiles),
        "freq": prep.info.freq.freqstr if prep.info.freq is not None else None,
        "related_columns": None if job.related is None else list(job.related.columns),
        "metadata": job.metadata,
        "categorical": list(job.categorical),
        "numeric": list(job.numeric),
        "documents_known_future": job.documents_known_future,
        "documents_shared": job.documents_shared,
        "y": job.y,
        "related": job.related,
    }


def load_model(path: str | Path) -> dict:
    """Read a model saved by :func:`run_forecast_job` (a directory or file)."""
    p = Path(path)
    if p.is_dir():
        p = p / MODEL_FILE
    if not p.exists():
        raise JobError(f"No saved model at {str(p)!r}; run `skforecast-ntm forecast` "
                       "first (it writes model.pkl into its --output-dir).")
    with open(p, "rb") as fh:
        bundle = pickle.load(fh)
    if not isinstance(bundle, dict) or bundle.get("format") != 1:
        raise JobError(f"{str(p)!r} is not a model written by skforecast-ntm.")
    return bundle


def predict_with_model(bundle: dict, output_dir: str | Path, *,
                       y: pd.DataFrame | None = None,
                       related: pd.DataFrame | None = None,
                       documents: pd.DataFrame | None = None,
                       quantiles: Sequence[float] | None = None) -> pd.DataFrame:
    """Forecast again with a saved model, without retraining.

    With new target data the network conditions on the new history (it is
    not retrained); related series must then cover the new horizon.
    """
    out = check_output_dir(output_dir)
    if bundle.get("auto"):
        return _predict_auto(bundle, out, y, related, documents, quantiles)
    quantiles = list(quantiles or bundle["quantiles"])
    if bundle["related_columns"] is not None and y is not None and related is None:
        raise JobError("The model uses related time series: pass --related covering "
                       "the new history and horizon.")
    job = ForecastJob(
        y=bundle["y"] if y is None else y,
        horizon=bundle["horizon"],
        related=bundle["related"] if related is None else related,
        metadata=bundle["metadata"],
        categorical=bundle["categorical"],
        numeric=bundle["numeric"],
        freq=bundle["freq"],
        quantiles=tuple(quantiles),
    )
    if job.related is not None and list(job.related.columns) != \
            bundle["related_columns"]:
        raise JobError(f"--related has columns {list(job.related.columns)}; the "
                       f"model was trained with {bundle['related_columns']}.")
    prep = _Prepared(job)
    topics = bundle["topics"]
    new_docs = topics is not None and documents is not None
    if new_docs:  # new documents, the same (prefitted) topic model
        topics = TopicCovariates(**{**topics.get_params(deep=False),
                                    "documents": documents,
                                    "vectorizer": topics.vectorizer_})
    model = _Model(job, prep, bundle["forecaster"], topics)
    # the network is never retrained: the saved forecaster was trained by
    # `pretrain`, so `fit` only conditions on the (new) history
    forecast = model.fit_predict(prep.end_pos, refit_topics=new_docs)
    stage = _Staging(out)
    try:
        forecast.reset_index().to_csv(stage.path("forecast.csv"), index=False)
        from ._plots import fan_chart

        fan_chart(prep.y, forecast, _qcols(quantiles), stage.path("fan_chart.png"),
                  n_items=4, history=max(4 * prep.h, 3 * prep.sp))
        stage.commit()
    except BaseException:
        stage.abort()
        raise
    return forecast.reset_index()


def _predict_auto(bundle, out: Path, y, related, documents, quantiles):
    """A saved ``--auto`` model: its forecast again (the candidates are
    refitted by ``forecast --auto``, not here)."""
    if y is not None or related is not None or documents is not None:
        raise JobError("A model saved by `forecast --auto` cannot condition on new "
                       "data without refitting its statistical candidates; run "
                       "`skforecast-ntm forecast --auto` on the new data instead.")
    if quantiles is not None and list(quantiles) != list(bundle["quantiles"]):
        raise JobError(f"This --auto model forecast the quantiles "
                       f"{bundle['quantiles']}; rerun `forecast --auto --quantiles`"
                       " for others.")
    forecast = bundle["forecast"]
    stage = _Staging(out)
    try:
        forecast.to_csv(stage.path("forecast.csv"), index=False)
        stage.commit()
    except BaseException:
        stage.abort()
        raise
    return forecast

"""Documents -> topic covariates aligned with a target panel.

:class:`TopicCovariates` is the bridge from text to forecast: it fits a
:class:`~skforecast_ntm.topics.TopicVectorizer` on the documents available at
training time and turns them into covariates indexed like the target panel,
either one topic vector per series (static) or the topic mix of each period's
documents (dynamic), known into the future or past-only (lagged).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted
from sktime.transformations.base import BaseTransformer

from ..forecasting._features import infer_frequency
from ..forecasting._panel import _instance_keys
from ..topics import TopicVectorizer

__all__ = ["TopicCovariates"]

_MTYPES = ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"]
_MODES = ("dynamic", "static")
_AGGREGATIONS = ("mean", "sum", "count_weighted")
_FILLS = ("zero", "ffill")


class TopicCovariates(BaseTransformer):
    """Topic covariates from documents, aligned with the target panel.

    Takes a table of documents (a series id, an optional timestamp and the
    text), learns topics from the documents available at training time with
    a :class:`~skforecast_ntm.topics.TopicVectorizer`, and returns
    covariates indexed like the target panel, ready for
    :class:`~skforecast_ntm.DeepARForecaster`'s ``X``. An sktime transformer:
    put it first in a ``ForecastingPipeline`` (it builds ``X`` from the
    target's index, so no ``X`` is needed) or call ``fit(X=None, y=y)`` and
    ``transform(X=None, y=frame_with_the_rows_you_need)`` yourself.

    Forms (``mode``):

    - ``"static"``: one topic vector per series, the mean topic weights of
      the series' documents (an article's headline and body, a product
      description, a job title), repeated on every row of the series.
    - ``"dynamic"``: for each period, the topic mix of that period's
      documents (the day's headlines, the day's call transcripts), aggregated
      by ``aggregation``, plus the number of documents of the period.

    Availability of the text (``known_future`` and ``lag``):

    - ``known_future=True``: the documents of a period are known before the
      period (scheduled content, planned campaigns, a product catalogue), so
      the covariate of period ``t`` is the text of period ``t - lag``
      (``lag=0`` by default) and documents after the training cutoff are
      used to forecast.
    - ``known_future=False`` (default): text is written as time passes, so
      the covariate of period ``t`` is the text of period ``t - lag`` with
      ``lag`` at least the forecast horizon, and no document after the
      cutoff (the last period of ``y`` in ``fit``/``update``) is ever read,
      even when ``documents`` holds it. A covariate that would need a
      document from after the cutoff is an error, so a forecast never uses
      text that has not been written yet.

    The topic model is fitted on the training documents only: for
    ``known_future=False`` or a dynamic mode, documents up to the cutoff;
    for ``mode="static"`` the documents of the series in ``y`` (up to the
    cutoff if they have timestamps). Refitting the pipeline (``evaluate``,
    ``ForecastingGridSearchCV``) refits the topic model on each training
    window only.

    Parameters
    ----------
    documents : pandas.DataFrame
        One row per document: ``text_column``, ``id_column`` (unless
        ``id_column`` is None) and ``time_column`` (required for
        ``mode="dynamic"``).
    mode : {"dynamic", "static"}, default="dynamic"
        Covariates per period or one vector per series (see above).
    n_topics : int or None, default=None
        Number of topics. ``None``: the ``n_components`` of ``vectorizer``
        (10 for the default one). With an unfitted ``vectorizer`` it sets
        its ``n_components``.
    vectorizer : TopicVectorizer, scikit-learn transformer or None, default=None
        The text -> topics model. ``None``: ``TopicVectorizer(n_components=
        n_topics, stop_words="english", random_state=random_state)`` (pass
        your own for another language, e.g. ``tokenizer="kiwi"`` for
        Korean). Any transformer from a list of str to non-negative topic
        weights works in the same slot, e.g. ``make_pipeline(CountVectorizer(),
        LatentDirichletAllocation())``; ``n_topics`` then sets its
        ``n_components`` parameters. An unfitted one is cloned and fitted on
        the training documents; a fitted one is used as it is (not refitted).
    id_column : str, list of str or None, default="item_id"
        Column(s) of ``documents`` naming the series a document belongs to,
        matching the instance level(s) of ``y``'s index. ``None``: every
        document belongs to every series (for example the day's headlines
        driving several popularity series); a single series needs none.
    time_column : str or None, default="timestamp"
        Column of ``documents`` with each document's time (timestamps,
        periods or integers like ``y``'s time index). A document belongs to
        the period of ``y``'s frequency that contains it (a tweet at 13:05
        belongs to that day). ``None``: documents have no time (static mode
        only).
    text_column : str, default="text"
        Column of ``documents`` with the text.
    aggregation : {"mean", "sum", "count_weighted"}, default="mean"
        How a period's documents are combined (dynamic mode; static mode
        always averages): ``"mean"``, the average topic weights (a mix
        summing to 1); ``"sum"``, their sum (the expected number of
        documents on each topic); ``"count_weighted"``, the average weighted
        by each document's number of known terms (the topic mix of the
        period's words; for a vectorizer other than ``TopicVectorizer``, its
        number of whitespace-separated words).
    fill : {"zero", "ffill"}, default="zero"
        Topic covariates of a period without documents: zeros, or the last
        earlier period's values (zeros before a series' first document).
        The document count is 0 either way, and ``has_documents`` says
        which periods were filled.
    prior_documents : float, default=0.0
        Shrinks the topic mix of a period with few documents towards the
        series' own mix (dynamic mode, ``aggregation`` ``"mean"`` or
        ``"count_weighted"``): the period's mix becomes
        ``(sum of its documents' weights + prior_documents * m) / (n +
        prior_documents)``, with ``n`` its documents and ``m`` the mean topic
        mix of the series' documents up to the cutoff (of all the training
        documents for a series with none). A day of one post then moves the
        covariate by ``1 / (1 + prior_documents)`` of the way from the
        series' usual mix, a day of hundreds almost all of the way: the mix
        of a handful of short documents is mostly noise. ``0`` keeps the raw
        mean. For ``"count_weighted"`` a prior document weighs the mean
        number of terms of a training document.
    lag : int or None, default=None
        Periods between the text and the period it is a covariate of. ``None``
        means 0 when ``known_future=True``; with ``known_future=False`` it is
        required (at least 1, at least the forecast horizon to forecast the
        whole horizon).
    known_future : bool, default=False
        Whether documents are known before their period (see above).
    prefix : str, default="topic_"
        Prefix of the topic columns (``topic_0``, ``topic_1``, ...).
    random_state : int, RandomState or None, default=None
        Seeds the default vectorizer.

    Attributes
    ----------
    vectorizer_ : TopicVectorizer
        The fitted text -> topics model.
    cutoff_ : scalar
        Last time of ``y`` seen in ``fit`` / ``update``.
    feature_names_out_ : list of str
        Columns added by ``transform``.
    n_training_documents_ : int
        Documents the topic model was fitted on.

    Notes
    -----
    Output columns: ``{prefix}0 .. {prefix}{K-1}`` and ``has_documents``
    (1.0 when the series has documents (static) or the source period has
    any (dynamic), else 0.0), plus ``n_documents`` in dynamic mode. A series
    without any document gets, in static mode, the uniform vector
    ``1 / n_topics`` (the prior mean: no word gives evidence for any topic)
    with ``has_documents = 0``, never an error; in dynamic mode its periods
    are filled as any period without documents. Documents of series that
    are not in the requested rows are ignored when transforming, but a
    document's series must be one of ``y``'s series or a series asked for
    later (cold start); documents of unknown series never reach the
    topic-model fit. ``transform`` appends the columns to ``X`` when ``X``
    is given (its rows define the output), else builds them on ``y``'s
    index.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skforecast_ntm import TopicCovariates, TopicVectorizer
    >>> days = pd.date_range("2021-01-01", periods=30, freq="D")
    >>> docs = pd.DataFrame({
    ...     "timestamp": np.repeat(days, 2),
    ...     "text": ["rain storm flood", "match goal team"] * 30})
    >>> y = pd.DataFrame({"y": np.arange(30.0)}, index=days)
    >>> tv = TopicVectorizer(n_components=2, max_epochs=3, hidden_layer_sizes=(8,),
    ...                      random_state=0)
    >>> tc = TopicCovariates(docs, vectorizer=tv, id_column=None, lag=7)
    >>> Xt = tc.fit_transform(X=None, y=y)
    >>> list(Xt.columns)
    ['topic_0', 'topic_1', 'n_documents', 'has_documents']
    >>> Xt["n_documents"].iloc[:8].tolist()  # the first 7 days have no past text
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0]
    """

    _tags = {
        "authors": ["skforecast_ntm developers"],
        "maintainers": ["skforecast_ntm developers"],
        "python_dependencies": ["torch"],
        "scitype:transform-input": "Series",
        "scitype:transform-output": "Series",
        "scitype:instancewise": False,
        "X_inner_mtype": _MTYPES,
        "y_inner_mtype": _MTYPES,
        "requires_y": True,
        "requires_X": False,
        "fit_is_empty": False,
        "capability:missing_values": True,
        "capability:inverse_transform": False,
        "transform-returns-same-time-index": True,
        "capability:random_state": True,
        "property:randomness": "derandomized",
    }

    def __init__(
        self,
        documents: pd.DataFrame | None = None,
        mode: str = "dynamic",
        n_topics: int | None = None,
        vectorizer: TopicVectorizer | None = None,
        id_column: str | list | None = "item_id",
        time_column: str | None = "timestamp",
        text_column: str = "text",
        aggregation: str = "mean",
        fill: str = "zero",
        prior_documents: float = 0.0,
        lag: int | None = None,
        known_future: bool = False,
        prefix: str = "topic_",
        random_state: Any = None,
    ) -> None:
        self.documents = documents
        self.mode = mode
        self.n_topics = n_topics
        self.vectorizer = vectorizer
        self.id_column = id_column
        self.time_column = time_column
        self.text_column = text_column
        self.aggregation = aggregation
        self.fill = fill
        self.prior_documents = prior_documents
        self.lag = lag
        self.known_future = known_future
        self.prefix = prefix
        self.random_state = random_state
        super().__init__()

    # ------------------------------------------------------------ validation
    def _effective_lag(self) -> int:
        lag = self.lag
        if lag is None:
            if self.known_future or self.mode == "static":
                return 0
            raise ValueError(
                "TopicCovariates(known_future=False) needs `lag`: the covariate "
                "of period t is the text of period t - lag, so lag must be at "
                "least the forecast horizon (e.g. lag=15 for a 15-day "
                "horizon). Pass known_future=True if the documents of a period "
                "are known in advance (scheduled content)."
            )
        if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)):
            raise TypeError(f"lag must be an int, got {type(lag).__name__}.")
        lag = int(lag)
        if lag < 0 or (lag == 0 and not self.known_future and self.mode == "dynamic"):
            raise ValueError(
                f"lag={lag} is invalid: past-only text (known_future=False) needs "
                "lag >= 1 (at least the forecast horizon); known_future=True "
                "accepts lag >= 0."
            )
        return lag

    def _check_params(self) -> None:
        for name, value, options in (
            ("mode", self.mode, _MODES),
            ("aggregation", self.aggregation, _AGGREGATIONS),
            ("fill", self.fill, _FILLS),
        ):
            if value not in options:
                raise ValueError(
                    f"TopicCovariates: {name}={value!r} is not one of {list(options)}."
                )
        if self.n_topics is not None and (
            isinstance(self.n_topics, bool) or not isinstance(self.n_topics, int)
            or self.n_topics < 1
        ):
            raise ValueError(f"n_topics must be a positive int or None, got "
                             f"{self.n_topics!r}.")
        prior = self.prior_documents
        if isinstance(prior, bool) or not isinstance(prior, (int, float, np.number)) \
                or not np.isfinite(prior) or prior < 0:
            raise ValueError(
                "TopicCovariates: prior_documents must be a finite number >= 0 "
                f"(pseudo-documents of the series' own topic mix), got {prior!r}."
            )
        vec = self.vectorizer
        if vec is not None and not (hasattr(vec, "fit") and hasattr(vec,
                                                                  "transform")):
            raise TypeError(
                "vectorizer must be a TopicVectorizer or a scikit-learn transformer "
                "of a list of str (or None for the default), got "
                f"{type(vec).__name__}."
            )
        self._effective_lag()

    def _check_documents(self) -> pd.DataFrame:
        docs = self.documents
        if not isinstance(docs, pd.DataFrame):
            raise TypeError(
                "TopicCovariates needs `documents`: a pandas DataFrame with one row "
                f"per document, got {type(docs).__name__}."
            )
        needed = [self.text_column, *self._id_columns()]
        if self.time_column is not None:
            needed.append(self.time_column)
        elif self.mode == "dynamic":
            raise ValueError(
                "mode='dynamic' needs time_column (the time of each document); use "
                "mode='static' for documents without time."
            )
        missing = [c for c in needed if c not in docs.columns]
        if missing:
            raise ValueError(
                f"documents lack the column(s) {missing} (columns: "
                f"{list(docs.columns)}); set id_column / time_column / "
                "text_column to the names of yours (time_column=None for "
                "static documents without time, id_column=None for documents "
                "shared by every series)."
            )
        text = docs[self.text_column]
        bad = ~text.map(lambda d: isinstance(d, str)).to_numpy(dtype=bool)
        if bad.any():
            pos = np.flatnonzero(bad)
            raise TypeError(
                f"documents[{self.text_column!r}] must hold str; rows "
                f"{list(docs.index[pos[:5]])} hold "
                f"{[type(v).__name__ for v in text.iloc[pos[:5]]]}. Fill missing "
                "text with '' (an empty document is valid) or drop those rows."
            )
        return docs

    def _id_columns(self) -> list:
        if self.id_column is None:
            return []
        if isinstance(self.id_column, (list, tuple)):
            return list(self.id_column)
        return [self.id_column]

    # ---------------------------------------------------------------- index
    def _series_keys(self, index: pd.Index) -> pd.Index:
        """Series key of each row of a (panel) index (one key if single)."""
        if not isinstance(index, pd.MultiIndex):
            return pd.Index(np.zeros(len(index), dtype=np.int64))
        return _instance_keys(index)

    def _doc_keys(self, docs: pd.DataFrame, single: bool) -> pd.Index | None:
        """Series key of each document, comparable with :meth:`_series_keys`."""
        cols = self._id_columns()
        if not cols:
            return None
        if single:
            return pd.Index(np.zeros(len(docs), dtype=np.int64))
        if len(cols) == 1:
            return pd.Index(docs[cols[0]].to_numpy())
        return pd.MultiIndex.from_frame(docs[cols])

    def _ordinals(self, times: pd.Index | np.ndarray, what: str) -> np.ndarray:
        """Integer period number of each time on the fitted frequency."""
        info = self._info
        times = pd.Index(times)
        try:
            if info.kind == "int":
                return (np.asarray(times, dtype=np.int64) - self._origin) // info.step
            if isinstance(times, pd.PeriodIndex):
                if info.kind == "period":
                    return times.asfreq(self._period_freq, how="start").asi8
                times = times.to_timestamp()
            stamps = pd.DatetimeIndex(times)
            if stamps.tz is not None:
                stamps = stamps.tz_localize(None)
            if self._tick:
                delta = pd.Timedelta(info.freq).value
                return (stamps.asi8 - self._origin) // delta
            return stamps.to_period(self._period_freq).asi8
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{what} cannot be read as times of y's frequency "
                f"({info.freq or 'integer'}): {exc}"
            ) from None

    def _learn_time(self, y_times: pd.Index) -> None:
        self._info = info = infer_frequency(y_times)
        self._tick = info.kind == "datetime" and isinstance(info.freq, pd.offsets.Tick)
        if info.kind == "int":
            self._origin = int(np.min(np.asarray(y_times, dtype=np.int64)))
        elif info.kind == "period":
            self._period_freq = y_times.freq
        elif self._tick:  # fixed-length steps counted from y's first stamp
            first = pd.Timestamp(y_times.min())
            self._origin = (first.tz_localize(None) if first.tz else first).value
        else:  # calendar steps (weeks, months, ...): pandas periods
            probe = pd.date_range("2000-01-01", periods=2, freq=info.freq)
            self._period_freq = probe.to_period().freq

    def _doc_ordinals(self, docs: pd.DataFrame) -> np.ndarray:
        col = self.time_column
        values = docs[col]
        if self._info.kind == "int":
            if not pd.api.types.is_numeric_dtype(values):
                raise TypeError(
                    f"documents[{col!r}] must be integers like y's time index, "
                    f"got dtype {values.dtype}."
                )
            return self._ordinals(values.to_numpy(), f"documents[{col!r}]")
        if isinstance(values.dtype, pd.PeriodDtype):
            return self._ordinals(pd.PeriodIndex(values), f"documents[{col!r}]")
        try:
            stamps = pd.to_datetime(values)
        except (TypeError, ValueError) as exc:
            bad = pd.to_datetime(values, errors="coerce").isna() & values.notna()
            rows = list(docs.index[bad.to_numpy()][:5])
            raise ValueError(
                f"documents[{col!r}] has values that are not timestamps (rows "
                f"{rows}): {exc}"
            ) from None
        if stamps.isna().any():
            rows = list(docs.index[stamps.isna().to_numpy()][:5])
            raise ValueError(
                f"documents[{col!r}] is missing for rows {rows}; every document "
                "needs a time in dynamic mode (or drop those rows)."
            )
        return self._ordinals(pd.DatetimeIndex(stamps), f"documents[{col!r}]")

    # ------------------------------------------------------------------ fit
    def _fit(self, X, y=None):
        self._check_params()
        docs = self._check_documents()
        if y is None:
            raise ValueError("TopicCovariates.fit needs y (the target panel).")
        index = y.index
        self._single = not isinstance(index, pd.MultiIndex)
        y_times = index.get_level_values(-1) if not self._single else index
        if not self._single and self.id_column is None and self.mode == "static":
            raise ValueError(
                "mode='static' needs id_column: a static topic vector describes one "
                "series."
            )
        self._learn_time(y_times)
        self.cutoff_ = y_times.max()
        self._cutoff_ord = int(self._ordinals(pd.Index([self.cutoff_]), "cutoff")[0])
        self._prepare_documents(docs)
        train = self._training_mask(self._series_keys(index).unique())
        if not train.any():
            raise ValueError(
                "TopicCovariates found no training documents: none of the "
                f"{len(docs)} documents belongs to y's series at or before the "
                f"cutoff {self.cutoff_}. Check id_column / time_column."
            )
        self.vectorizer_ = self._fitted_vectorizer(docs[self.text_column][train])
        self.n_training_documents_ = int(train.sum())
        texts = docs[self.text_column].tolist()
        self._doc_theta = np.asarray(self.vectorizer_.transform(texts), dtype=float)
        k = self._doc_theta.shape[1]
        if self.n_topics is not None and k != self.n_topics:
            raise ValueError(
                f"n_topics={self.n_topics} differs from the prefitted vectorizer's "
                f"{k} topics; leave n_topics=None."
            )
        if self.aggregation != "count_weighted":
            self._doc_weight = np.ones(len(docs))
        elif hasattr(self.vectorizer_, "vectorizer_"):  # TopicVectorizer
            counts = self.vectorizer_.vectorizer_.transform(texts)
            self._doc_weight = np.asarray(counts.sum(axis=1), dtype=float).ravel()
        else:
            self._doc_weight = docs[self.text_column].str.split().str.len().to_numpy(
                dtype=float)
        self.feature_names_out_ = [f"{self.prefix}{j}" for j in range(k)]
        if self.mode == "dynamic":
            self.feature_names_out_.append("n_documents")
        self.feature_names_out_.append("has_documents")
        return self

    def _prepare_documents(self, docs: pd.DataFrame) -> None:
        self._doc_key = self._doc_keys(docs, self._single)
        if self.time_column is not None:
            self._doc_ord = self._doc_ordinals(docs)
        else:
            self._doc_ord = None

    def _training_mask(self, train_keys: pd.Index) -> np.ndarray:
        n = len(self.documents)
        mask = np.ones(n, dtype=bool)
        if self._doc_key is not None:
            mask &= np.asarray(self._doc_key.isin(train_keys))
        if self._doc_ord is not None:
            mask &= self._doc_ord <= self._cutoff_ord
        return mask

    def _fitted_vectorizer(self, texts: pd.Series):
        vec = self.vectorizer
        if vec is not None:
            try:
                check_is_fitted(vec)
            except NotFittedError:
                pass
            else:
                return vec  # prefitted: used as it is
            vec = clone(vec)
            if self.n_topics is not None:
                names = [k for k in vec.get_params(deep=True)
                         if k == "n_components" or k.endswith("__n_components")]
                if not names:
                    raise ValueError(
                        f"n_topics={self.n_topics} cannot be set on "
                        f"{type(vec).__name__} (it has no n_components "
                        "parameter); leave n_topics=None."
                    )
                vec.set_params(**dict.fromkeys(names, self.n_topics))
        else:
            vec = TopicVectorizer(
                n_components=10 if self.n_topics is None else self.n_topics,
                stop_words="english", random_state=self.random_state,
            )
        return vec.fit(texts.tolist())

    def _update(self, X, y=None, update_params=True):
        if y is not None and len(y):
            times = y.index if self._single else y.index.get_level_values(-1)
            self.cutoff_ = max(self.cutoff_, times.max())
            self._cutoff_ord = int(
                self._ordinals(pd.Index([self.cutoff_]), "cutoff")[0])
        return self

    # ------------------------------------------------------------ transform
    def _transform(self, X, y=None):
        base = X if X is not None else y
        if base is None:
            raise ValueError(
                "TopicCovariates.transform needs X or y: their index gives the "
                "(series, time) rows of the covariates."
            )
        index = base.index
        if isinstance(index, pd.MultiIndex) == self._single:
            raise ValueError(
                "TopicCovariates was fitted on a "
                f"{'single series' if self._single else 'panel'} but transform got "
                f"a {'panel' if isinstance(index, pd.MultiIndex) else 'single series'}."
            )
        keys = self._series_keys(index)
        if self.mode == "static":
            values = self._static_values(keys)
        else:
            times = index if self._single else index.get_level_values(-1)
            values = self._dynamic_values(keys, self._ordinals(times, "The index"))
        out = pd.DataFrame(values, index=index, columns=self.feature_names_out_)
        if X is None:
            return out
        clash = [c for c in out.columns if c in X.columns]
        if clash:
            raise ValueError(
                f"X already has column(s) {clash}; set prefix= to avoid the clash."
            )
        return pd.concat([X, out], axis=1)

    def _doc_codes(self, keys: pd.Index) -> tuple[pd.Index, np.ndarray]:
        """Codes of the requested series and each document's code (-1: other)."""
        uniq = pd.Index(pd.unique(keys)) if not isinstance(keys, pd.MultiIndex) \
            else keys.unique()
        if self._doc_key is None:  # a single series' documents, or shared ones
            return uniq, np.full(len(self.documents), 0 if self._single else -1)
        return uniq, uniq.get_indexer(self._doc_key)

    def _static_values(self, keys: pd.Index) -> np.ndarray:
        uniq, code = self._doc_codes(keys)
        k = self._doc_theta.shape[1]
        use = code >= 0
        if self._doc_ord is not None:
            # a series' documents up to the cutoff; a series first seen after
            # it (cold start) keeps its launch text
            late = self._doc_ord > self._cutoff_ord
            seen = np.zeros(len(uniq), dtype=bool)
            np.logical_or.at(seen, code[use & ~late], True)
            use &= ~late | ~seen[np.maximum(code, 0)]
        sums = np.zeros((len(uniq), k))
        np.add.at(sums, code[use], self._doc_theta[use])
        n = np.bincount(code[use], minlength=len(uniq)).astype(float)
        has = n > 0
        vec = np.where(has[:, None], sums / np.maximum(n, 1)[:, None], 1.0 / k)
        rows = uniq.get_indexer(keys)
        return np.column_stack([vec[rows], has[rows].astype(float)])

    def _dynamic_values(self, keys: pd.Index, ords: np.ndarray) -> np.ndarray:
        lag = self._effective_lag()
        src = ords - lag
        if not self.known_future:
            late = src > self._cutoff_ord
            if late.any():
                first = int(np.flatnonzero(late)[0])
                raise ValueError(
                    f"TopicCovariates(lag={lag}, known_future=False) would need "
                    f"text written after the cutoff {self.cutoff_} for "
                    f"{int(late.sum())} row(s) (the first is row {first}, "
                    f"{int(src[first] - self._cutoff_ord)} period(s) past it). "
                    "Set lag to at least the forecast horizon, or "
                    "known_future=True if the documents are scheduled in advance."
                )
        uniq, code = self._doc_codes(keys)
        row_code = uniq.get_indexer(keys)
        doc_ok = np.ones(len(self.documents), dtype=bool)
        if self._doc_key is not None:
            doc_ok &= code >= 0
        if not self.known_future:
            doc_ok &= self._doc_ord <= self._cutoff_ord
        k = self._doc_theta.shape[1]
        doc_ord = self._doc_ord[doc_ok]
        theta = self._doc_theta[doc_ok]
        weight = self._doc_weight[doc_ok]
        if self._doc_key is None:
            # shared documents: one group that every series reads
            doc_code = np.zeros(len(doc_ord), dtype=np.int64)
            row_group = np.zeros(len(keys), dtype=np.int64)
        else:
            doc_code = code[doc_ok]
            row_group = row_code
        # aggregate documents per (group, period): sort by a combined key
        lo = min(int(doc_ord.min()) if len(doc_ord) else 0, int(src.min()))
        span = max(int(doc_ord.max()) if len(doc_ord) else 0, int(src.max())) - lo + 2
        doc_key = doc_code.astype(np.int64) * span + (doc_ord - lo)
        groups, inverse = np.unique(doc_key, return_inverse=True)
        count = np.bincount(inverse, minlength=len(groups)).astype(float)
        wsum = np.zeros((len(groups), k))
        if self.aggregation == "sum":
            np.add.at(wsum, inverse, theta)
            agg = wsum
        else:
            np.add.at(wsum, inverse, theta * weight[:, None])
            total = np.bincount(inverse, weights=weight, minlength=len(groups))
            if self.prior_documents > 0:
                prior, unit = self._prior_mix(doc_code, doc_ord, theta, weight)
                extra = self.prior_documents * unit
                wsum += extra * prior[groups // span]
                total = total + extra
            agg = wsum / np.where(total > 0, total, 1.0)[:, None]
        row_key = row_group.astype(np.int64) * span + (src - lo)
        pos = np.searchsorted(groups, row_key, side="right") - 1
        same_group = (pos >= 0) & (groups[np.maximum(pos, 0)] // span == row_group)
        exact = same_group & (groups[np.maximum(pos, 0)] == row_key)
        out = np.zeros((len(keys), k + 2))
        take = exact if self.fill == "zero" else same_group
        out[take, :k] = agg[pos[take]]
        out[exact, k] = count[pos[exact]]
        out[exact, k + 1] = 1.0
        return out

    def _prior_mix(self, doc_code: np.ndarray, doc_ord: np.ndarray,
                   theta: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, float]:
        """Each group's mean topic mix up to the cutoff, and a document's weight.

        Rows are indexed by group code (``doc_code``); a group without
        documents up to the cutoff gets the mean of all of them (uniform if
        there are none). The weight of one prior document is the mean weight
        of those documents (1 unless ``aggregation="count_weighted"``).
        """
        k = theta.shape[1]
        seen = doc_ord <= self._cutoff_ord
        n_groups = int(doc_code.max()) + 1 if len(doc_code) else 1
        w = weight[seen]
        sums = np.zeros((n_groups, k))
        np.add.at(sums, doc_code[seen], theta[seen] * w[:, None])
        total = np.bincount(doc_code[seen], weights=w, minlength=n_groups)
        overall = (sums.sum(axis=0) / total.sum() if total.sum() > 0
                   else np.full(k, 1.0 / k))
        prior = np.where(total[:, None] > 0,
                         sums / np.where(total > 0, total, 1.0)[:, None], overall)
        unit = float(w.mean()) if len(w) and w.mean() > 0 else 1.0
        return prior, unit

    def get_top_words(self, n_words: int = 10) -> list[list[str]]:
        """The ``n_words`` heaviest terms of each topic.

        From ``TopicVectorizer.get_top_words``, or, for a pipeline such as
        ``make_pipeline(CountVectorizer(), LatentDirichletAllocation())``,
        from its last step's ``components_`` and its first step's terms.
        """
        terms, weights = self.topic_word_weights()
        top = np.argsort(-weights, axis=1, kind="stable")[:, :n_words]
        return terms[top].tolist()

    def topic_word_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """The vocabulary and each topic's word weights (rows sum to 1).

        Returns
        -------
        terms : ndarray of str, shape (n_terms,)
        weights : ndarray of shape (n_topics, n_terms)
        """
        if not self._is_fitted:
            raise NotFittedError("TopicCovariates is not fitted yet; call fit.")
        vec = self.vectorizer_
        if hasattr(vec, "vectorizer_") and hasattr(vec, "components_"):
            terms, comps = vec.vectorizer_.get_feature_names_out(), vec.components_
        else:
            steps = getattr(vec, "steps", None)
            if not (steps and hasattr(steps[-1][1], "components_") and hasattr(
                    steps[0][1], "get_feature_names_out")):
                raise AttributeError(
                    f"{type(vec).__name__} exposes no topic-word weights; top "
                    "words need a TopicVectorizer or a pipeline from a "
                    "vectorizer to a topic model with components_."
                )
            terms = steps[0][1].get_feature_names_out()
            comps = steps[-1][1].components_
        comps = np.asarray(comps, dtype=float)
        return np.asarray(terms), comps / comps.sum(axis=1, keepdims=True)

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        """Tiny configurations (documents shared by every series)."""
        days = pd.date_range("2000-01-01", periods=60, freq="D")
        docs = pd.DataFrame({
            "timestamp": np.repeat(days, 2),
            "text": ["rain storm flood wind", "goal match team score"] * 60,
        })
        tv = TopicVectorizer(n_components=2, hidden_layer_sizes=(4,), max_epochs=1,
                             batch_size=16, word_embeddings=None, random_state=0)
        return [
            {"documents": docs, "vectorizer": tv, "id_column": None,
             "known_future": True},
            {"documents": docs, "vectorizer": tv, "id_column": None, "lag": 3,
             "fill": "ffill", "aggregation": "sum"},
        ]

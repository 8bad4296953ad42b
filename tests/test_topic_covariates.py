"""TopicCovariates: documents -> covariates aligned with the target panel."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from skforecast_ntm import DeepARForecaster, TopicCovariates, TopicVectorizer

DAYS = pd.date_range("2021-01-01", periods=60, freq="D")
CUT = DAYS[39]
WORDS = ["rain storm flood wind cloud", "goal match team score league"]


def _tv(**kw):
    return TopicVectorizer(n_components=2, hidden_layer_sizes=(8,), max_epochs=5,
                           batch_size=16, random_state=0, **kw)


def _docs(seed=0, series=("a", "b")):
    rng = np.random.default_rng(seed)
    rows = []
    for sid in series:
        for d in DAYS:
            for _ in range(rng.integers(0, 3)):
                t = rng.integers(0, 2)
                stamp = d + pd.Timedelta(minutes=int(rng.integers(0, 24 * 60)))
                text = " ".join(rng.choice(WORDS[t].split(), 4))
                rows.append((sid, stamp, text))
    return pd.DataFrame(rows, columns=["item_id", "timestamp", "text"])


def _y(series=("a", "b"), days=DAYS):
    idx = pd.MultiIndex.from_product([list(series), days],
                                     names=["item_id", "timestamp"])
    rng = np.random.default_rng(1)
    return pd.DataFrame({"y": rng.poisson(5, len(idx)).astype(float)}, index=idx)


def _rows(series, days):
    return pd.DataFrame(index=pd.MultiIndex.from_product(
        [list(series), days], names=["item_id", "timestamp"]))


@pytest.fixture(scope="module")
def docs():
    return _docs()


@pytest.fixture(scope="module")
def y_train():
    y = _y()
    return y[y.index.get_level_values(1) <= CUT]


def _expected(docs, tc, sid, source_day, how="mean"):
    """Hand aggregation with pandas from the fitted vectorizer's topic weights."""
    sel = docs[(docs.item_id == sid) & (docs.timestamp.dt.floor("D") == source_day)]
    if not len(sel):
        return None
    theta = tc.vectorizer_.transform(sel.text.tolist())
    if how == "sum":
        return theta.sum(0)
    if how == "count_weighted":
        n = np.asarray(tc.vectorizer_.vectorizer_.transform(sel.text).sum(1)).ravel()
        return (theta * n[:, None]).sum(0) / n.sum()
    return theta.mean(0)


@pytest.mark.parametrize("how", ["mean", "sum", "count_weighted"])
def test_dynamic_mix_is_the_lagged_periods_documents(docs, y_train, how):
    tc = TopicCovariates(docs, vectorizer=_tv(), lag=3, aggregation=how)
    Xt = tc.fit_transform(X=None, y=y_train)
    assert list(Xt.columns) == ["topic_0", "topic_1", "n_documents",
                                "has_documents"]
    assert Xt.index.equals(y_train.index)
    checked = 0
    for sid in ["a", "b"]:
        for day in DAYS[:40]:
            got = Xt.loc[(sid, day)]
            exp = _expected(docs, tc, sid, day - pd.Timedelta(days=3), how)
            if exp is None:
                assert got["n_documents"] == 0 and got["has_documents"] == 0
                np.testing.assert_allclose(got[["topic_0", "topic_1"]], 0.0)
            else:
                n = ((docs.item_id == sid) & (docs.timestamp.dt.floor("D")
                                              == day - pd.Timedelta(days=3))).sum()
                assert got["n_documents"] == n and got["has_documents"] == 1
                np.testing.assert_allclose(got[["topic_0", "topic_1"]], exp,
                                           rtol=1e-5, atol=1e-6)
                checked += 1
    assert checked > 40


@pytest.mark.parametrize("fill", ["zero", "ffill"])
def test_past_only_reads_nothing_after_the_cutoff(docs, y_train, fill):
    """Rewriting every document after the cutoff changes no output."""
    future_rows = _rows(["a", "b"], DAYS[40:45])
    tc = TopicCovariates(docs, vectorizer=_tv(), lag=5, fill=fill).fit(
        X=None, y=y_train)
    before = pd.concat([tc.transform(X=None, y=y_train),
                        tc.transform(X=None, y=future_rows)])
    late = docs.timestamp > CUT + pd.Timedelta(days=1)
    assert late.sum() > 10
    poisoned = docs.copy()
    poisoned.loc[late, "text"] = "zebra zebra quantum quantum"
    poisoned = pd.concat([poisoned, poisoned[late]])  # and more of them
    tc2 = TopicCovariates(poisoned, vectorizer=_tv(), lag=5, fill=fill).fit(
        X=None, y=y_train)
    after = pd.concat([tc2.transform(X=None, y=y_train),
                       tc2.transform(X=None, y=future_rows)])
    pd.testing.assert_frame_equal(before, after)
    assert tc.n_training_documents_ == int((docs.timestamp <
                                            CUT + pd.Timedelta(days=1)).sum())
    assert "zebra" not in tc2.vectorizer_.vectorizer_.vocabulary_


def test_past_only_refuses_a_horizon_longer_than_the_lag(docs, y_train):
    tc = TopicCovariates(docs, vectorizer=_tv(), lag=5).fit(X=None, y=y_train)
    with pytest.raises(ValueError, match="lag to at least the forecast horizon"):
        tc.transform(X=None, y=_rows(["a"], DAYS[40:46]))


def test_lag_is_required_for_past_only_text(docs, y_train):
    with pytest.raises(ValueError, match="needs `lag`"):
        TopicCovariates(docs, vectorizer=_tv()).fit(X=None, y=y_train)
    with pytest.raises(ValueError, match="lag >= 1"):
        TopicCovariates(docs, vectorizer=_tv(), lag=0).fit(X=None, y=y_train)


def test_known_future_uses_scheduled_documents(docs, y_train):
    tc = TopicCovariates(docs, vectorizer=_tv(), known_future=True)
    tc.fit(X=None, y=y_train)
    # the topic model still learns from training documents only
    assert tc.n_training_documents_ == int((docs.timestamp <
                                            CUT + pd.Timedelta(days=1)).sum())
    fut = tc.transform(X=None, y=_rows(["a"], DAYS[40:60]))
    n = docs[docs.item_id == "a"].groupby(docs.timestamp.dt.floor("D")).size()
    expected = n.reindex(DAYS[40:60], fill_value=0).to_numpy(dtype=float)
    np.testing.assert_array_equal(fut["n_documents"].to_numpy(), expected)


def test_ffill_carries_the_last_mix_and_flags_it(y_train):
    docs = pd.DataFrame({"item_id": ["a", "a", "b"],
                         "timestamp": [DAYS[2], DAYS[10], DAYS[5]],
                         "text": [WORDS[0], WORDS[1], WORDS[0]]})
    tv = _tv().fit(WORDS * 5)
    tc = TopicCovariates(docs, vectorizer=tv, known_future=True, fill="ffill")
    Xt = tc.fit_transform(X=None, y=y_train)
    a = Xt.loc["a"]
    theta = tv.transform(WORDS)
    np.testing.assert_allclose(a.iloc[:2, :2], 0.0)  # before the first document
    np.testing.assert_allclose(a.iloc[2:10, :2], np.tile(theta[0], (8, 1)),
                               rtol=1e-6)
    np.testing.assert_allclose(a.iloc[10:, :2], np.tile(theta[1], (30, 1)),
                               rtol=1e-6)
    assert a["has_documents"].sum() == 2 and a["n_documents"].sum() == 2
    assert a["has_documents"].iloc[[2, 10]].tolist() == [1.0, 1.0]


def test_prefitted_vectorizer_is_used_as_is(docs, y_train):
    tv = _tv().fit(WORDS * 5)
    comps = tv.components_.copy()
    tc = TopicCovariates(docs, vectorizer=tv, lag=3).fit(X=None, y=y_train)
    assert tc.vectorizer_ is tv
    np.testing.assert_array_equal(tv.components_, comps)
    with pytest.raises(ValueError, match="prefitted"):
        TopicCovariates(docs, vectorizer=tv, n_topics=3, lag=3).fit(
            X=None, y=y_train)
    # an unfitted one is cloned (the user's object stays unfitted)
    raw = _tv()
    tc = TopicCovariates(docs, vectorizer=raw, n_topics=3, lag=3).fit(
        X=None, y=y_train)
    assert tc.vectorizer_ is not raw and not hasattr(raw, "model_")
    assert tc.vectorizer_.n_components == 3
    assert tc.get_top_words(2) == tc.vectorizer_.get_top_words(2)
    terms, weights = tc.topic_word_weights()
    assert weights.shape == (3, len(terms))
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)


def test_static_vectors_missing_series_and_cold_start(y_train):
    docs = pd.DataFrame({"item_id": ["a", "a", "new"],
                         "text": [WORDS[0], WORDS[0], WORDS[1]]})
    y = pd.concat([y_train, _y(series=["c"], days=DAYS[:40])])
    tv = _tv().fit(WORDS * 5)
    tc = TopicCovariates(docs, mode="static", vectorizer=tv, time_column=None)
    Xt = tc.fit_transform(X=None, y=y)
    assert list(Xt.columns) == ["topic_0", "topic_1", "has_documents"]
    theta = tv.transform(WORDS)
    np.testing.assert_allclose(Xt.loc["a"].iloc[:, :2],
                               np.tile(theta[0], (40, 1)), rtol=1e-6)
    for sid in ["b", "c"]:  # no documents: the uniform prior mean, flagged
        np.testing.assert_allclose(Xt.loc[sid].iloc[:, :2], 0.5)
        assert (Xt.loc[sid, "has_documents"] == 0).all()
    # a new item's own text (cold start)
    new = tc.transform(X=None, y=_rows(["new"], DAYS[40:43]))
    np.testing.assert_allclose(new.iloc[:, :2], np.tile(theta[1], (3, 1)),
                               rtol=1e-6)
    assert (new["has_documents"] == 1).all()


def test_shared_documents_reach_every_series(docs, y_train):
    shared = docs.drop(columns="item_id")
    tc = TopicCovariates(shared, vectorizer=_tv(), id_column=None, lag=2)
    Xt = tc.fit_transform(X=None, y=y_train)
    pd.testing.assert_frame_equal(Xt.loc["a"], Xt.loc["b"])
    n = shared.groupby(shared.timestamp.dt.floor("D")).size()
    np.testing.assert_array_equal(
        Xt.loc["a", "n_documents"].iloc[2:].to_numpy(),
        n.reindex(DAYS[:38], fill_value=0).to_numpy(dtype=float))


def test_single_series_and_appending_to_X(docs):
    y = pd.DataFrame({"y": np.arange(40.0)}, index=DAYS[:40])
    single_docs = docs[docs.item_id == "a"]
    X = pd.DataFrame({"promo": np.arange(40) % 2 * 1.0}, index=DAYS[:40])
    tc = TopicCovariates(single_docs, vectorizer=_tv(), lag=1)
    Xt = tc.fit_transform(X=X, y=y)
    assert list(Xt.columns) == ["promo", "topic_0", "topic_1", "n_documents",
                                "has_documents"]
    n = single_docs.groupby(single_docs.timestamp.dt.floor("D")).size()
    np.testing.assert_array_equal(
        Xt["n_documents"].iloc[1:].to_numpy(),
        n.reindex(DAYS[:39], fill_value=0).to_numpy(dtype=float))
    with pytest.raises(ValueError, match="prefix"):
        TopicCovariates(single_docs, vectorizer=_tv(), lag=1, prefix="pro").fit(
            X=X.rename(columns={"promo": "pro0"}), y=y).transform(
            X=X.rename(columns={"promo": "pro0"}), y=y)


def test_monthly_period_grid_buckets_timestamped_documents():
    months = pd.period_range("2021-01", periods=12, freq="M")
    y = pd.DataFrame({"y": np.ones(12)}, index=months)
    docs = pd.DataFrame({
        "timestamp": pd.to_datetime(["2021-01-03", "2021-01-31 23:00",
                                     "2021-02-01", "2021-03-15"], format="ISO8601"),
        "text": [WORDS[0]] * 4})
    tc = TopicCovariates(docs, vectorizer=_tv(), id_column=None,
                         known_future=True)
    Xt = tc.fit_transform(X=None, y=y)
    assert Xt["n_documents"].iloc[:4].tolist() == [2.0, 1.0, 1.0, 0.0]


@pytest.mark.parametrize(
    "kwargs, match",
    [({"mode": "weekly"}, "mode='weekly'"),
     ({"aggregation": "max"}, "aggregation='max'"),
     ({"fill": "bfill"}, "fill='bfill'"),
     ({"text_column": "body"}, r"lack the column\(s\) \['body'\]"),
     ({"lag": 2.5}, "lag must be an int"),
     ({"prior_documents": -1.0}, "prior_documents must be a finite number >= 0")],
)
def test_bad_parameters_name_themselves(docs, y_train, kwargs, match):
    params = {"vectorizer": _tv(), "lag": 3, **kwargs}
    with pytest.raises((ValueError, TypeError), match=match):
        TopicCovariates(docs, **params).fit(X=None, y=y_train)


def test_bad_documents_name_rows(docs, y_train):
    bad = docs.copy()
    bad.loc[bad.index[3], "text"] = None
    with pytest.raises(TypeError, match=r"rows \[3\]"):
        TopicCovariates(bad, vectorizer=_tv(), lag=3).fit(X=None, y=y_train)
    bad = docs.astype({"timestamp": object})
    bad.loc[bad.index[5], "timestamp"] = "not a date"
    with pytest.raises(ValueError, match="not timestamps"):
        TopicCovariates(bad, vectorizer=_tv(), lag=3).fit(X=None, y=y_train)
    with pytest.raises(TypeError, match="documents"):
        TopicCovariates(None, lag=3).fit(X=None, y=y_train)
    with pytest.raises(ValueError, match="no training documents"):
        TopicCovariates(docs.assign(item_id="zz"), vectorizer=_tv(), lag=3).fit(
            X=None, y=y_train)


def test_same_seed_same_covariates_and_clone(docs, y_train):
    a = TopicCovariates(docs, n_topics=2, lag=3, random_state=0)
    b = clone(a)
    kw = dict(hidden_layer_sizes=(8,), max_epochs=3)
    a.set_params(vectorizer=_tv(**{}).set_params(**kw))
    b.set_params(vectorizer=_tv(**{}).set_params(**kw))
    pd.testing.assert_frame_equal(a.fit_transform(X=None, y=y_train),
                                  b.fit_transform(X=None, y=y_train))


# ------------------------------------------------------------ compositions
def _deepar(**kw):
    return DeepARForecaster(prediction_length=5, max_epochs=1, batches_per_epoch=2,
                            hidden_size=4, num_layers=1, num_samples=10,
                            early_stopping=False, random_state=0, **kw)


def test_sktime_pipeline_with_imputer_and_outlier_filter(docs, y_train):
    from sktime.forecasting.compose import (
        ForecastingPipeline,
        TransformedTargetForecaster,
    )
    from sktime.transformations.series.impute import Imputer
    from sktime.transformations.series.outlier_detection import HampelFilter

    y = y_train.copy()
    y.iloc[[3, 17, 50]] = np.nan
    y.iloc[25] = 500.0
    forecaster = TransformedTargetForecaster([
        ("impute", Imputer(method="ffill")),
        ("hampel", HampelFilter(window_length=7)),
        ("impute2", Imputer(method="ffill")),
        ("deepar", _deepar()),
    ])
    pipe = ForecastingPipeline([
        ("topics", TopicCovariates(docs, vectorizer=_tv(), lag=5)),
        ("forecaster", forecaster),
    ])
    pipe.fit(y, fh=np.arange(1, 6))
    pred = pipe.predict()
    assert pred.shape == (10, 1) and np.isfinite(pred.to_numpy()).all()
    q = pipe.predict_quantiles(alpha=[0.1, 0.9])
    assert (q.iloc[:, 0] <= q.iloc[:, 1]).all()
    core = pipe.forecaster_.steps_[-1][1].core_
    assert core.enc.x_columns == ["topic_0", "topic_1", "n_documents",
                                  "has_documents"]


def test_grid_search_tunes_topics_and_deepar_together(docs, y_train):
    from sktime.forecasting.compose import ForecastingPipeline
    from sktime.forecasting.model_selection import ForecastingGridSearchCV
    from sktime.split import ExpandingWindowSplitter

    pipe = ForecastingPipeline([
        ("topics", TopicCovariates(docs, vectorizer=_tv(), lag=5)),
        ("deepar", _deepar()),
    ])
    cv = ExpandingWindowSplitter(initial_window=30, step_length=5, fh=[1, 2, 3])
    gs = ForecastingGridSearchCV(
        pipe, cv=cv,
        param_grid={"topics__n_topics": [2, 3], "deepar__hidden_size": [4, 6]},
    )
    gs.fit(y_train)
    assert len(gs.cv_results_) == 4
    assert gs.best_params_["topics__n_topics"] in (2, 3)
    assert gs.predict(fh=[1, 2, 3]).shape == (6, 1)


def test_evaluate_refits_topics_on_each_training_window(docs, y_train):
    from sktime.forecasting.compose import ForecastingPipeline
    from sktime.forecasting.model_evaluation import evaluate
    from sktime.split import ExpandingWindowSplitter

    pipe = ForecastingPipeline([
        ("topics", TopicCovariates(docs, vectorizer=_tv(), lag=5)),
        ("deepar", _deepar()),
    ])
    cv = ExpandingWindowSplitter(initial_window=25, step_length=5, fh=[1, 2, 3])
    res = evaluate(pipe, cv, y_train, return_model=True)
    assert len(res) == 3
    for _, row in res.iterrows():
        tc = row["fitted_forecaster"].steps_[0][1]
        cutoff = tc.cutoff_
        assert cutoff == row["cutoff"]
        expected = int((docs.timestamp < cutoff + pd.Timedelta(days=1)).sum())
        assert tc.n_training_documents_ == expected
    assert res["fitted_forecaster"].map(
        lambda f: f.steps_[0][1].n_training_documents_).is_monotonic_increasing


def test_sklearn_pipeline_text_column_to_deepar_regressor():
    from sklearn.compose import ColumnTransformer
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
    from sklearn.pipeline import Pipeline

    from skforecast_ntm import DeepARRegressor

    rng = np.random.default_rng(0)
    t = pd.date_range("2021-01-01", periods=50, freq="D")
    topic = rng.integers(0, 2, size=(2, 50))
    X = pd.DataFrame({
        "series_id": np.repeat(["a", "b"], 50),
        "timestamp": np.tile(t, 2),
        "text": [WORDS[k] for k in topic.ravel()],
    }).sort_values(["timestamp", "series_id"], kind="stable").reset_index(drop=True)
    y = 10.0 + 5 * X["text"].eq(WORDS[1]).to_numpy() + rng.normal(0, 0.3, len(X))
    pipe = Pipeline([
        ("columns", ColumnTransformer(
            [("topics", _tv(), "text")], remainder="passthrough",
            verbose_feature_names_out=False).set_output(transform="pandas")),
        ("deepar", DeepARRegressor(prediction_length=3, max_epochs=1,
                                   batches_per_epoch=2, hidden_size=4,
                                   num_layers=1, early_stopping=False,
                                   random_state=0)),
    ])
    gs = GridSearchCV(pipe, {"columns__topics__n_components": [2, 3]},
                      cv=TimeSeriesSplit(2, test_size=6))
    gs.fit(X.iloc[:-6], y[:-6])
    pred = gs.predict(X.iloc[-6:])
    assert pred.shape == (6,) and np.isfinite(pred).all()
    assert gs.best_params_["columns__topics__n_components"] in (2, 3)


def test_sktime_conformance():
    """sktime's transformer suite. Excluded: ``test_categorical_X_passes``
    feeds an integer-indexed panel, which the datetime-stamped documents of
    ``get_test_params`` cannot be bucketed into (a time-type mismatch, not a
    categorical one: ``X``'s values are passed through untouched)."""
    from sktime.utils.estimator_checks import check_estimator

    results = check_estimator(TopicCovariates, raise_exceptions=False,
                              tests_to_exclude=["test_categorical_X_passes"])
    failed = {k: v for k, v in results.items() if v != "PASSED"}
    assert len(results) > 50
    assert not failed, failed


def test_lda_pipeline_in_the_vectorizer_slot(docs, y_train):
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.pipeline import make_pipeline

    lda = make_pipeline(CountVectorizer(),
                        LatentDirichletAllocation(max_iter=5, random_state=0))
    tc = TopicCovariates(docs, vectorizer=lda, n_topics=3, lag=3,
                         aggregation="count_weighted")
    Xt = tc.fit_transform(X=None, y=y_train)
    assert list(Xt.columns)[:3] == ["topic_0", "topic_1", "topic_2"]
    mix = Xt[Xt.has_documents == 1][["topic_0", "topic_1", "topic_2"]]
    np.testing.assert_allclose(mix.sum(axis=1), 1.0, rtol=1e-6)
    words = tc.get_top_words(4)
    assert len(words) == 3 and all(len(w) == 4 for w in words)
    assert set(sum(words, [])) <= set(" ".join(WORDS).split())
    with pytest.raises(ValueError, match="no n_components"):
        TopicCovariates(docs, vectorizer=CountVectorizer(), n_topics=3,
                        lag=3).fit(X=None, y=y_train)


def test_hierarchical_panel_with_one_id_column_per_level():
    idx = pd.MultiIndex.from_product([["s1", "s2"], ["a", "b"], DAYS[:20]],
                                     names=["store", "item", "timestamp"])
    y = pd.DataFrame({"y": np.ones(len(idx))}, index=idx)
    docs = pd.DataFrame({"store": ["s1", "s2", "s2"], "item": ["a", "a", "b"],
                         "timestamp": [DAYS[3], DAYS[3], DAYS[5]],
                         "text": [WORDS[0], WORDS[1], WORDS[1]]})
    tc = TopicCovariates(docs, vectorizer=_tv(), id_column=["store", "item"],
                         known_future=True)
    Xt = tc.fit_transform(X=None, y=y)
    n = Xt["n_documents"]
    assert n.loc[("s1", "a", DAYS[3])] == 1 and n.loc[("s2", "a", DAYS[3])] == 1
    assert n.loc[("s2", "b", DAYS[5])] == 1 and n.loc[("s1", "b")].sum() == 0
    assert n.sum() == 3


def _one_hot_topics():
    """A text -> topics model whose weights are known by hand: 'a' or 'b'."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    return make_pipeline(CountVectorizer(vocabulary=["a", "b"], binary=True,
                                         token_pattern=r"\S+"),
                         FunctionTransformer(_dense, accept_sparse=True))


def _dense(X):
    return np.asarray(X.todense(), dtype=float)


def _hand_docs(rows):
    return pd.DataFrame(rows, columns=["item_id", "timestamp", "text"])


def test_prior_documents_shrink_a_period_towards_the_series_mix():
    days = pd.date_range("2021-01-01", periods=4, freq="D")
    # series s: 3 'a' documents and 1 'b' up to the cutoff -> own mix (0.75, 0.25)
    # series t: only 'b' -> own mix (0, 1)
    docs = _hand_docs([
        ("s", days[0], "a"), ("s", days[0], "a"), ("s", days[1], "b"),
        ("s", days[2], "a"),
        ("t", days[0], "b"), ("t", days[1], "b"),
    ])
    y = _y(series=("s", "t"), days=days)
    tc = TopicCovariates(docs, vectorizer=_one_hot_topics(), lag=1,
                         prior_documents=2.0)
    out = tc.fit_transform(X=None, y=y)
    mix = out[["topic_0", "topic_1"]]
    # day 1 of s reads day 0: 2 'a' + 2 prior docs of (0.75, 0.25) -> (3.5, 0.5)/4
    np.testing.assert_allclose(mix.loc[("s", days[1])], [0.875, 0.125])
    # day 2 of s reads day 1: 1 'b' + 2 x (0.75, 0.25) -> (1.5, 1.5)/3
    np.testing.assert_allclose(mix.loc[("s", days[2])], [0.5, 0.5])
    # t's own mix is all 'b': shrinking towards it changes nothing
    np.testing.assert_allclose(mix.loc[("t", days[1])], [0.0, 1.0])
    # a period without documents keeps the documented fill (zeros, flagged)
    assert out.loc[("t", days[3]), "has_documents"] == 0.0
    np.testing.assert_allclose(mix.loc[("t", days[3])], [0.0, 0.0])
    raw = TopicCovariates(docs, vectorizer=_one_hot_topics(), lag=1
                          ).fit_transform(X=None, y=y)
    np.testing.assert_allclose(raw.loc[("s", days[2]), ["topic_0", "topic_1"]],
                               [0.0, 1.0])


def test_prior_documents_for_shared_and_word_weighted_documents():
    days = pd.date_range("2021-01-01", periods=3, freq="D")
    # shared documents: the prior is the mix of all of them, (2/3, 1/3) by count
    docs = _hand_docs([(None, days[0], "a"), (None, days[0], "a b"),
                       (None, days[1], "b")])
    y = _y(series=("s", "t"), days=days)
    tc = TopicCovariates(docs, vectorizer=_one_hot_topics(), id_column=None,
                         lag=1, prior_documents=1.0)
    mix = tc.fit_transform(X=None, y=y)[["topic_0", "topic_1"]]
    # the 'a b' document weighs (1, 1) under this model: documents' weights are
    # (1,0), (1,1), (0,1): mean (2/3, 2/3); day 1 of every series reads day 0:
    # ((1,0) + (1,1) + (2/3, 2/3)) / 3
    expected = np.array([8 / 9, 5 / 9])
    np.testing.assert_allclose(mix.loc[("s", days[1])], expected)
    np.testing.assert_allclose(mix.loc[("t", days[1])], expected)
    # count_weighted: weights are the documents' known terms (1, 2, 1); a prior
    # document weighs their mean, 4/3; prior mix ((1,0) + 2 (1,1) + (0,1)) / 4
    cw = TopicCovariates(docs, vectorizer=_one_hot_topics(), id_column=None,
                         lag=1, prior_documents=1.0, aggregation="count_weighted")
    mix = cw.fit_transform(X=None, y=y)[["topic_0", "topic_1"]]
    prior = np.array([3 / 4, 3 / 4])
    day0 = np.array([1, 0]) * 1 + np.array([1, 1]) * 2  # weights 1 and 2
    np.testing.assert_allclose(mix.loc[("s", days[2])],
                               (np.array([0, 1]) + 4 / 3 * prior) / (1 + 4 / 3))
    np.testing.assert_allclose(mix.loc[("s", days[1])],
                               (day0 + 4 / 3 * prior) / (3 + 4 / 3))


def test_prior_documents_never_read_text_after_the_cutoff():
    days = pd.date_range("2021-01-01", periods=6, freq="D")
    base = [("s", days[0], "a"), ("s", days[1], "b"), ("s", days[2], "a")]
    y = _y(series=("s",), days=days[:3])
    rows = pd.MultiIndex.from_product([["s"], days], names=["item_id", "timestamp"])
    outs = []
    for later in ([], [("s", days[4], "b")] * 20):
        tc = TopicCovariates(_hand_docs(base + later), vectorizer=_one_hot_topics(),
                             known_future=True, prior_documents=1.0)
        tc.fit(X=None, y=y)
        outs.append(tc.transform(X=pd.DataFrame(index=rows)))
    # the prior is the series' mix up to the cutoff (2/3, 1/3), whatever comes later
    np.testing.assert_allclose(outs[0].loc[("s", days[1]), ["topic_0", "topic_1"]],
                               [1 / 3, 2 / 3])
    cols = ["topic_0", "topic_1"]
    pd.testing.assert_frame_equal(outs[0].loc[list(rows[:4]), cols],
                                  outs[1].loc[list(rows[:4]), cols])
    # the scheduled day itself: 20 'b' documents + the pre-cutoff prior
    np.testing.assert_allclose(outs[1].loc[("s", days[4]), cols],
                               [(2 / 3) / 21, (20 + 1 / 3) / 21])

"""Cold start from text: new items with no history, forecast from their topics."""

import numpy as np
import pandas as pd
import pytest

from skforecast_ntm import DeepARForecaster, TopicCovariates, TopicVectorizer

#: three kinds of item, each with its own vocabulary and its own demand level
WORDS = [
    "garden hose sprinkler lawn soil seeds shovel rake",
    "phone charger cable battery screen case headphones adapter",
    "coffee beans grinder espresso filter mug kettle roast",
]
LEVELS = np.array([2.0, 12.0, 40.0])
H = 8


def _catalogue(n_items, rng, new=False):
    kind = rng.integers(0, 3, n_items)
    words = [w.split() for w in WORDS]
    docs = pd.DataFrame({
        "item_id": [f"{'new' if new else 'old'}{i}" for i in range(n_items)],
        "text": [" ".join(rng.choice(words[k], 6)) for k in kind],
    })
    return docs, kind


def _old_panel(docs, kind, rng):
    rows = []
    for item, k in zip(docs.item_id, kind, strict=True):
        length = int(rng.integers(H + 4, 30))
        for age in range(length):
            mu = LEVELS[k] * np.exp(-age / 10)
            rows.append((item, age, float(rng.poisson(mu))))
    return pd.DataFrame(rows, columns=["item_id", "age", "y"]).set_index(
        ["item_id", "age"])


def _forecast(with_text, y_old, docs_all, new_docs, seed=0):
    f = DeepARForecaster(prediction_length=H, likelihood="negative_binomial",
                         hidden_size=16, num_layers=1, max_epochs=25,
                         batches_per_epoch=30, batch_size=64, lr=5e-3,
                         early_stopping=False, use_series_embedding=False,
                         random_state=seed)
    launch = pd.DataFrame({"y": np.nan}, index=pd.MultiIndex.from_arrays(
        [new_docs.item_id, np.zeros(len(new_docs), dtype=int)],
        names=["item_id", "age"]))
    if not with_text:
        f.pretrain(y_old)
        f.fit(launch)
        return f.predict_summary(fh=range(1, H + 1))["mean"]
    tv = TopicVectorizer(n_components=3, hidden_layer_sizes=(16,), max_epochs=30,
                         batch_size=32, random_state=seed)
    topics = TopicCovariates(docs_all, mode="static", vectorizer=tv,
                             time_column=None, random_state=seed)
    X_old = topics.fit_transform(X=None, y=y_old)
    cols = topics.feature_names_out_[:3]
    f.set_params(static_real_columns=cols)
    f.pretrain(y_old, X=X_old[cols])
    X_new = topics.transform(X=None, y=launch)
    # text of the new items reached the covariates: the flag says so
    assert (X_new["has_documents"] == 1).all()
    f.fit(launch, X=X_new[cols])
    return f.predict_summary(fh=range(1, H + 1), X=X_new[cols])["mean"]


@pytest.fixture(scope="module")
def case():
    rng = np.random.default_rng(0)
    old_docs, old_kind = _catalogue(300, rng)
    y_old = _old_panel(old_docs, old_kind, rng)
    new_docs, new_kind = _catalogue(60, rng, new=True)
    docs_all = pd.concat([old_docs, new_docs], ignore_index=True)
    ages = np.arange(1, H + 1)
    truth = LEVELS[new_kind][:, None] * np.exp(-ages / 10)[None, :]
    return y_old, docs_all, new_docs, new_kind, truth


def test_topics_of_the_description_drive_a_cold_start_forecast(case):
    y_old, docs_all, new_docs, kind, truth = case
    errors = {}
    for with_text in (True, False):
        mean = _forecast(with_text, y_old, docs_all, new_docs)
        # rows come sorted by item id: put them in the catalogue's order
        m = mean.unstack().loc[new_docs.item_id].to_numpy()
        errors[with_text] = float(np.abs(m - truth).sum() / truth.sum())
        if with_text:
            # the level follows the kind of item: cheapest to dearest
            per_item = m.mean(1)
            means = [per_item[kind == k].mean() for k in range(3)]
            assert means[0] < means[1] < means[2]
    # without text every new item gets one level: the error is large
    assert errors[False] > 0.5
    assert errors[True] < 0.5 * errors[False], errors
    assert errors[True] < 0.3

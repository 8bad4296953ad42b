"""Quickstart: raw text -> topic weights -> features for a downstream model.

Runs in a few seconds on a laptop CPU, with no download: a small synthetic
corpus of three themes (English), then the same with Korean text, a user
tokenizer and character n-grams.

    python examples/topics_quickstart.py
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skforecast_ntm.metrics._topics import npmi_coherence, topic_diversity
from skforecast_ntm.topics import TopicVectorizer

THEMES = {
    "pets": "cat dog puppy kitten leash collar vet fur paw bark".split(),
    "finance": "stock bond market price bank loan rate fund trade profit".split(),
    "space": "rocket orbit planet moon star launch nasa galaxy comet mars".split(),
}
KOREAN = {
    "sports": "축구 야구 선수 경기 감독 리그 우승 관중 득점 시즌".split(),
    "economy": "주식 금리 투자 은행 경제 환율 기업 수출 시장 증시".split(),
    "food": "김치 요리 음식 식당 국물 재료 반찬 찌개 양념 밥상".split(),
}
# small, fast settings for a demo; the defaults suit real corpora
SMALL = dict(
    hidden_layer_sizes=(32,),
    learning_rate=0.01,
    theta_dropout=0.2,
    max_epochs=40,
    batch_size=16,
    random_state=0,
)


def synthetic_corpus(themes, n_per_theme=40, seed=0, join=" and "):
    rng = np.random.default_rng(seed)
    rows = []
    for label, words in themes.items():
        for _ in range(n_per_theme):
            rows.append((join.join(rng.choice(words, size=12)), label))
    return pd.DataFrame(rows, columns=["text", "label"]).sample(
        frac=1.0, random_state=seed
    )


def korean_tokenizer(text: str) -> list[str]:
    """Split on spaces and strip one trailing particle (a toy morphological step;
    use a real analyser such as Kiwi or KoNLPy in practice)."""
    return [
        re.sub(r"^(.{2,}?)(에서|으로|이|가|을|를|은|는|에|의|와|과|도|로)$", r"\1", t)
        for t in text.split()
    ]


def main() -> None:
    df = synthetic_corpus(THEMES)
    df["length"] = df["text"].str.len().astype(float)
    train, test = train_test_split(df, test_size=0.3, random_state=0)

    # 1. text -> topics
    tv = TopicVectorizer(n_components=3, stop_words="english", **SMALL)
    theta = tv.fit_transform(train["text"])
    print("topic weights of the first 3 training documents:\n", theta[:3].round(3))
    for k, words in enumerate(tv.get_top_words(n_words=5)):
        print(f"topic {k}: {' '.join(words)}")
    counts = tv.vectorizer_.transform(test["text"])
    print(
        "NPMI on the test documents:",
        npmi_coherence(tv.components_, counts, top_n=5).mean().round(3),
        "| diversity:",
        round(topic_diversity(tv.components_, top_n=5), 3),
    )

    # 2. topics as covariates next to other columns, tuned by grid search
    #    (output columns: topics__topic_0, ..., num__length)
    features = ColumnTransformer(
        [
            ("topics", TopicVectorizer(stop_words="english", **SMALL), "text"),
            ("num", StandardScaler(), ["length"]),
        ]
    )
    pipe = Pipeline([("features", features), ("clf", LogisticRegression())])
    search = GridSearchCV(
        pipe, {"features__topics__n_components": [2, 3, 4]}, cv=3
    ).fit(train[["text", "length"]], train["label"])
    print("best number of topics:", search.best_params_)
    print("test accuracy:", search.score(test[["text", "length"]], test["label"]))
    out = (
        search.best_estimator_[0]
        .set_output(transform="pandas")
        .transform(test[["text", "length"]])
    )
    print(out.head(3).round(3))

    # 3. Korean: a user tokenizer, or tokenizer-free character n-grams
    korean = synthetic_corpus(KOREAN, join=" ")
    for params in (
        {"tokenizer": korean_tokenizer},
        {"analyzer": "char_wb", "ngram_range": (2, 2), "min_df": 2},
    ):
        ktv = TopicVectorizer(n_components=3, **params, **SMALL)
        ktv.fit(korean["text"])
        print(list(params)[0], "->", ktv.get_top_words(n_words=4))


if __name__ == "__main__":
    main()

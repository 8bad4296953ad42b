"""Data-parallel DeepAR training: the same script on every process.

Run:  .venv/bin/torchrun --nproc_per_node 2 examples/distributed_training.py
(or plain ``.venv/bin/python examples/distributed_training.py`` for one
process). Every rank builds the same synthetic retail panel, keeps its shard
of the series (every ``world_size``-th one, as a partition of a Parquet
dataset would give), builds the same forecaster and calls ``fit``: nothing
distributed in the user's code. Inside ``fit`` the forecaster joins
torchrun's process group (gloo on CPU), agrees the encoders over the shards,
averages the gradients and validates on the all-rank loss; every rank ends
with the same weights. Each rank then forecasts its own series; rank 0
gathers the forecasts' accuracy and prints it (the only rank that writes).

Options: ``--series N`` (default 200), ``--epochs N`` (default 5),
``--threads N`` torch threads per process (default 1).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import torch
import torch.distributed as dist

from skforecast_ntm import DeepARForecaster
from skforecast_ntm.datasets import make_retail_panel
from skforecast_ntm.forecasting import (
    get_rank,
    get_world_size,
    is_main_process,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", type=int, default=200)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    rank, world = get_rank(), get_world_size()

    data = make_retail_panel(n_series=args.series, n_periods=180, horizon=14,
                             random_state=0)
    X_all = data.X.join(data.static, on="series_id")
    ids = data.y.index.get_level_values(0).unique()
    mine = ids[rank::world]  # this rank's shard
    y = data.y[data.y.index.get_level_values(0).isin(mine)]
    X = X_all[X_all.index.get_level_values(0).isin(mine)]
    y_future = data.y_future[data.y_future.index.get_level_values(0).isin(mine)]
    cutoff = y.index.get_level_values(-1).max()

    f = DeepARForecaster(
        prediction_length=14, hidden_size=32, max_epochs=args.epochs,
        batches_per_epoch=20, batch_size=64, likelihood="negative_binomial",
        static_categorical_columns=["store", "category"], random_state=0,
        verbose=is_main_process(),
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        f.fit(y, X=X[X.index.get_level_values(-1) <= cutoff])
        pred = f.predict(fh=np.arange(1, 15), X=X)
    elapsed = time.perf_counter() - start
    err = np.abs(pred.to_numpy().ravel() - y_future.loc[pred.index].to_numpy().ravel())
    history = f.core_.net_.history
    weights = torch.cat([p.detach().flatten()
                         for p in f.core_.net_.module_.parameters()])
    summary = {"rank": rank, "series": len(mine), "abs_err": float(err.sum()),
               "sum_y": float(y_future.loc[pred.index].to_numpy().sum()),
               "weights_checksum": float(weights.double().sum()),
               "seconds": elapsed}
    # gather for the report, in the group fit created (kept until exit)
    parts = [summary]
    if world > 1:
        parts = [None] * world
        dist.all_gather_object(parts, summary)
    if is_main_process():
        print(f"world size {world}; per rank:")
        for p in parts:
            print(f"  rank {p['rank']}: {p['series']} series, weights checksum "
                  f"{p['weights_checksum']:.10f}, fit+predict {p['seconds']:.1f} s")
        wape = sum(p["abs_err"] for p in parts) / sum(p["sum_y"] for p in parts)
        print(f"WAPE over all {args.series} series: {wape:.3f}")
        print("epoch  train_loss  valid_loss  windows/s  grad_norm  lr")
        for e in history:
            print(f"{e['epoch']:5d}  {e['train_loss']:10.4f}  "
                  f"{e.get('valid_loss', float('nan')):10.4f}  "
                  f"{e['windows_per_s']:9.0f}  {e['grad_norm']:9.3f}  {e['lr']:.4g}")


if __name__ == "__main__":
    main()

"""DeepAR on a synthetic retail panel: covariates, metadata, quantiles.

Run: .venv/bin/python examples/deepar_quickstart.py
"""

import numpy as np

from skforecast_ntm import DeepARForecaster
from skforecast_ntm.datasets import make_retail_panel
from skforecast_ntm.metrics import mean_weighted_quantile_loss, wape


def main() -> None:
    d = make_retail_panel(n_series=30, n_periods=200, horizon=14, random_state=0)
    X = d.X.join(d.static, on="series_id")
    f = DeepARForecaster(
        prediction_length=14,
        likelihood="negative_binomial",
        static_categorical_columns=["store", "category"],
        max_epochs=20,
        batches_per_epoch=30,
        batch_size=64,
        random_state=0,
    )
    f.fit(d.y, X=X.loc[d.y.index])
    summary = f.predict_summary(fh=np.arange(1, 15), X=X)
    truth = d.y_future["y"].to_numpy().reshape(30, 14)
    q = summary[["p10", "p50", "p90"]].to_numpy().reshape(30, 14, 3)
    print(summary.head())
    print("WAPE", round(wape(truth, q[..., 1]), 3))
    print(mean_weighted_quantile_loss(truth, q))


if __name__ == "__main__":
    main()

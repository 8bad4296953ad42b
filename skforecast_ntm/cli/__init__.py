"""The ``skforecast-ntm`` command (also ``python -m skforecast_ntm``).

Subcommands:

- ``forecast``: Amazon Forecast's data model in CSV files (target, related
  time series, item metadata, documents) -> backtest, P10/P50/P90 forecast,
  plots and a saved model;
- ``predict``: forecast again with a saved model, without retraining;
- ``demo``: the whole text-to-forecast path on an embedded real dataset.

The library never imports this module; it sits on top of the public API.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

__all__ = ["main"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _windows(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an integer 0-5, got {text!r}") from None
    if not 0 <= value <= 5:
        raise argparse.ArgumentTypeError(
            f"expected 0-5 backtest windows (as Amazon Forecast), got {value}")
    return value


def _quantiles(text: str) -> tuple:
    try:
        qs = [float(q) for q in text.split(",") if q.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers like 0.1,0.5,0.9, got {text!r}"
        ) from None
    bad = [q for q in qs if not 0.0 < q < 1.0]
    if not qs or bad:
        raise argparse.ArgumentTypeError(
            f"quantiles must lie strictly between 0 and 1, got {bad or text!r}")
    return tuple(sorted(set(qs)))


def _baselines(text: str) -> tuple:
    names = tuple(b.strip() for b in text.split(",") if b.strip())
    valid = {"seasonal_naive", "ets"}
    bad = [b for b in names if b not in valid]
    if bad:
        raise argparse.ArgumentTypeError(
            f"unknown baseline(s) {bad}; choose from {sorted(valid)}")
    return names


def _candidates(text: str) -> tuple:
    from ..model_selection import CANDIDATES

    names = tuple(c.strip() for c in text.split(",") if c.strip())
    bad = [c for c in names if c not in CANDIDATES]
    if not names or bad:
        raise argparse.ArgumentTypeError(
            f"unknown candidate(s) {bad or text!r}; choose from {list(CANDIDATES)}")
    return names


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skforecast-ntm",
        description="Topics from text as covariates of a global probabilistic "
        "forecaster (DeepAR).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    fc = sub.add_parser(
        "forecast",
        help="train on CSV files, backtest, and write P10/P50/P90 forecasts",
        description="CSV files with a header row. target: item_id,timestamp,"
        "target_value (a missing row is a missing value). related: item_id,"
        "timestamp,<numeric columns> covering history and horizon. metadata: "
        "item_id,<columns>. documents: item_id,[timestamp,]text.",
    )
    fc.add_argument("--target", required=True, help="target time series CSV")
    fc.add_argument("--related", help="related time series CSV")
    fc.add_argument("--metadata", help="item metadata CSV")
    fc.add_argument("--documents", help="documents CSV (item_id,[timestamp,]text)")
    fc.add_argument(
        "--documents-known-future", action="store_true",
        help="documents are known before their period (scheduled content); by "
        "default text is past-only and lagged by the horizon, so no forecast "
        "uses text written after its cutoff")
    fc.add_argument("--horizon", required=True, type=_positive_int,
                    help="periods to forecast")
    fc.add_argument("--freq", help="pandas frequency (inferred when omitted)")
    fc.add_argument("--quantiles", type=_quantiles, default=(0.1, 0.5, 0.9),
                    help="comma-separated quantiles (default 0.1,0.5,0.9)")
    fc.add_argument("--topics", type=_positive_int, default=10,
                    help="number of topics learnt from the documents (default 10)")
    fc.add_argument("--backtest-windows", type=_windows, default=1,
                    help="backtest windows of one horizon each, 0-5 (default 1); "
                    "the backtest span may be at most half of each item's "
                    "length (Amazon Forecast's rule)")
    fc.add_argument("--auto", action="store_true",
                    help="model selection as Amazon Forecast's AutoPredictor: "
                    "backtest DeepAR, ETS, Theta, seasonal naive and LightGBM "
                    "(see --candidates) on the backtest windows (at least one), "
                    "combine them with a greedy ensemble and calibrate its "
                    "quantiles; writes selection_report.csv. Not with --documents")
    fc.add_argument("--candidates", type=_candidates, default=None,
                    help="with --auto: comma-separated candidates among "
                    "seasonal_naive,ets,theta,arima,deepar,gbm (default all but "
                    "arima, which is slow)")
    fc.add_argument("--likelihood", default="student_t",
                    choices=["student_t", "gaussian", "negative_binomial"])
    fc.add_argument("--baselines", type=_baselines, default=("seasonal_naive",),
                    help="baselines scored in the backtest: seasonal_naive,ets "
                    "(default seasonal_naive; ETS fits one model per item)")
    fc.add_argument("--seed", type=int, default=0)
    fc.add_argument("--max-epochs", type=_positive_int, default=None,
                    help="training budget in epochs (default DeepAR's 100; early "
                    "stopping when DeepAR's \"auto\" rule says so)")
    fc.add_argument("--output-dir", required=True)

    pr = sub.add_parser(
        "predict",
        help="forecast again with a model saved by `forecast` (no retraining)",
    )
    pr.add_argument("--model", required=True,
                    help="the --output-dir of `forecast` (or its model.pkl)")
    pr.add_argument("--target", help="new target CSV (default: the training data)")
    pr.add_argument("--related", help="related CSV covering the new horizon")
    pr.add_argument("--documents", help="new documents CSV")
    pr.add_argument("--quantiles", type=_quantiles, default=None)
    pr.add_argument("--output-dir", required=True)

    demo = sub.add_parser(
        "demo",
        help="the text-to-forecast path on an embedded real dataset",
        description="tweets (default): daily popularity of @realDonaldTrump's "
        "tweets with the day's topic mix, 15-day horizon, with and without the "
        "text against seasonal naive and ETS. m3: DeepAR alone on the 1,428 M3 "
        "monthly series (warm accuracy).",
    )
    demo.add_argument("--dataset", choices=["tweets", "m3"], default="tweets")
    demo.add_argument("--output-dir", default=None,
                      help="default demo_output (tweets) or demo_output_m3")
    demo.add_argument("--max-epochs", type=_positive_int, default=None,
                      help="override the training budget (epochs)")
    demo.add_argument("--n-series", type=_positive_int, default=None,
                      help="use only the first N series (smoke tests)")
    demo.add_argument("--backtest-windows", type=_windows, default=None,
                      help="override the backtest windows (tweets; smoke tests)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``skforecast-ntm`` command; returns the exit code."""
    args = _parser().parse_args(argv)
    from ._io import InputError
    from ._job import JobError

    try:
        if args.command == "forecast":
            return _forecast(args)
        if args.command == "predict":
            return _predict(args)
        if args.dataset == "m3":
            from .._demo_m3 import run_m3_demo

            run_m3_demo(args.output_dir or "demo_output_m3",
                        max_epochs=args.max_epochs, n_series=args.n_series)
            return 0
        from .._demo import run_demo

        _show_warnings()
        run_demo(args.output_dir or "demo_output", max_epochs=args.max_epochs,
                 n_series=args.n_series, backtest_windows=args.backtest_windows)
        return 0
    except (InputError, JobError) as exc:
        print(f"skforecast-ntm {args.command}: error: {exc}", file=sys.stderr)
        return 2


def _show_warnings() -> None:
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"warning: {message}", file=sys.stderr)

    warnings.showwarning = show
    warnings.simplefilter("default", UserWarning)


class _Progress:
    """One bar over the job's stages."""

    def __init__(self, total: int):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total, unit="step", file=sys.stderr,
                        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}]")
        self.started = False

    def __call__(self, message: str) -> None:
        if self.started:
            self.bar.update(1)
        self.started = True
        self.bar.set_description_str(message)

    def close(self) -> None:
        self.bar.update(self.bar.total - self.bar.n)
        self.bar.close()


def _forecast(args) -> int:
    from ._io import read_documents, read_metadata, read_related, read_target
    from ._job import ForecastJob, check_output_dir, run_forecast_job

    _show_warnings()
    check_output_dir(args.output_dir)  # before reading or training anything
    target = read_target(args.target, freq=args.freq)
    related = read_related(args.related, target, args.horizon) if args.related \
        else None
    metadata, cat, num = (read_metadata(args.metadata, target) if args.metadata
                          else (None, [], []))
    documents = read_documents(args.documents, target) if args.documents else None
    deepar = {"verbose": 0}
    if args.max_epochs is not None:
        deepar["max_epochs"] = args.max_epochs
    job = ForecastJob(
        y=target.y, horizon=args.horizon, related=related, metadata=metadata,
        categorical=cat, numeric=num, documents=documents,
        documents_known_future=args.documents_known_future, freq=target.freq,
        quantiles=args.quantiles, n_topics=args.topics,
        backtest_windows=args.backtest_windows, likelihood=args.likelihood,
        seed=args.seed, deepar_params=deepar, baselines=args.baselines,
        auto=args.auto,
        auto_params={"candidates": list(args.candidates)} if args.candidates
        else {},
    )
    n_variants = 2 if documents is not None else 1
    stages = (3 if args.auto else
              (n_variants + len(args.baselines)) * bool(args.backtest_windows) + 2)
    bar = _Progress(stages)
    try:
        result = run_forecast_job(job, args.output_dir, progress=bar)
    finally:
        bar.close()
    _report(result, args.output_dir)
    return 0


def _report(result, output_dir) -> None:
    import pandas as pd

    from ._job import summary_metrics

    if len(result.metrics):
        cols = [c for c in ["mean_wQL", "WAPE", "RMSE", "MASE", "coverage"]
                if c in result.metrics.columns]
        table = summary_metrics(result.metrics)
        print("Backtest (overall):")
        with pd.option_context("display.float_format", "{:.3f}".format,
                               "display.width", 120):
            print(table[["model", "window", *cols]].to_string(index=False))
    if result.selection_report is not None:
        print("Model selection (backtest mean wQL per candidate; weights):")
        with pd.option_context("display.float_format", "{:.3f}".format,
                               "display.width", 120):
            print(result.selection_report.to_string(index=False))
    if result.text_helped is not None:
        verdict = "helped" if result.text_helped else "did not help"
        print(f"The text covariates {verdict} on this data (mean wQL of DeepAR with "
              "vs without them in the backtest).")
    if result.top_words:
        print("Topics (top words):")
        for k, words in enumerate(result.top_words):
            print(f"  {k:2d}: {' '.join(words[:8])}")
    print(f"wrote {len(result.files)} files to {Path(output_dir)}: "
          + ", ".join(p.name for p in result.files))


def _predict(args) -> int:
    from ._io import read_documents, read_related, read_target
    from ._job import check_output_dir, load_model, predict_with_model

    _show_warnings()
    check_output_dir(args.output_dir)
    bundle = load_model(args.model)
    y = related = documents = None
    if args.target:
        target = read_target(args.target, freq=bundle["freq"])
        y = target.y
        if args.related:
            related = read_related(args.related, target, bundle["horizon"])
        if args.documents:
            documents = read_documents(args.documents, target)
    elif args.related or args.documents:
        print("skforecast-ntm predict: error: --related/--documents need --target "
              "(the history they extend)", file=sys.stderr)
        return 2
    forecast = predict_with_model(bundle, args.output_dir, y=y, related=related,
                                  documents=documents, quantiles=args.quantiles)
    print(f"wrote {Path(args.output_dir) / 'forecast.csv'} ({len(forecast)} rows) "
          "and fan_chart.png without retraining")
    return 0

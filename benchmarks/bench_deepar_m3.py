"""DeepAR on M3 monthly: this package vs GluonTS DeepAR, AutoETS and seasonal naive.

One run fits every model, each in its own subprocess (so that peak memory is
the model's own), scores all of them on the official M3 monthly split
(1,428 series, horizon 18) and prints one table, also written as markdown to
``benchmarks/results/deepar_m3.md``.

Models
------
``deepar``        :class:`skforecast_ntm.DeepARForecaster` at the equal budget.
``gluonts``       ``gluonts.torch.model.deepar.DeepAREstimator`` at the same budget,
                  trained with ``cache_data=True`` (its fastest setting).
``gluonts-nocache`` the same with GluonTS's default ``cache_data=False``, which
                  re-runs its per-series transformations for every window.
``autoets``       ``statsforecast`` ``AutoETS(season_length=12)``.
``snaive``        Seasonal naive (period 12); its P10/P90 add the empirical
                  10%/90% quantiles of each series' own in-sample seasonal
                  differences (of lag 12 for steps 1-12, lag 24 for 13-18).
``deepar-tuned``  :class:`DeepARForecaster` with :data:`TUNED` (reported in
                  its own table: not an equal-budget comparison).

With ``deepar-tuned`` and ``autoets``, the tuned table adds their equal-weight
combination (point and quantiles averaged), a diagnostic row.

Equal budget (``deepar`` vs ``gluonts``): the same epochs x batches per epoch
x batch size, hidden size, layers, context length (18), Student-t likelihood,
100 sample paths, a series-identity embedding of the same size, no early
stopping and no validation data; torch uses ``--threads`` threads in both.
Everything else is each library's default (GluonTS keeps the checkpoint with
the lowest training loss, ours the last weights). Both DeepARs are fitted with
``--repeats`` seeds (default 3), alternating, and their metrics averaged: one
seed moves either library's MASE by several percent.

Metrics: MASE (seasonal period 12, scaled on each series' own training
history: the M4 definition) of the point forecast (the median P50 of the
sample paths for both DeepARs, the mean for AutoETS), the mean weighted
quantile loss over 0.1/0.5/0.9, the coverage of the 10%-90% (80%) interval,
fit time, predict time (100 sample paths for every series), training windows
per second (epochs x batches x batch size / training wall time, excluding data
loading and model construction) and the worker's peak resident memory.

The GluonTS and statsforecast workers may run under another interpreter
(``--ref-python``): both packages pin ``pandas<3``, so they can live in a
separate environment that borrows ``torch`` from this one.

Run ``python benchmarks/bench_deepar_m3.py --help`` for the options; ``--quick``
is a < 3 minute smoke test on a subset of the series.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HORIZON = 18
SEASON = 12
QUANTILES = (0.1, 0.5, 0.9)
NUM_SAMPLES = 100
#: the equal-budget DeepARs, fitted once per seed with ``--repeats``
REPEATED_MODELS = ("deepar", "gluonts", "deepar-bf16", "gluonts-bf16")
ALL_MODELS = ("deepar", "gluonts", "deepar-bf16", "gluonts-bf16",
              "gluonts-nocache", "autoets", "snaive", "deepar-tuned")
REFERENCE_MODELS = ("gluonts", "gluonts-bf16", "gluonts-nocache",
                    "autoets")  # run by --ref-python
#: the model whose training throughput each DeepAR is compared with at the
#: same numerical precision
PEERS = {"deepar": "gluonts", "deepar-bf16": "gluonts-bf16"}
LABELS = {
    "deepar": "skforecast_ntm DeepAR",
    "gluonts": "GluonTS DeepAR (torch)",
    "deepar-bf16": "skforecast_ntm DeepAR, precision='bfloat16'",
    "gluonts-bf16": "GluonTS DeepAR, precision='bf16-mixed'",
    "gluonts-nocache": "GluonTS DeepAR, cache_data=False",
    "autoets": "statsforecast AutoETS",
    "snaive": "seasonal naive",
    "deepar-tuned": "skforecast_ntm DeepAR, tuned",
    "combo": "tuned DeepAR + AutoETS, averaged",
}
RESULTS = Path(__file__).resolve().parent / "results" / "deepar_m3.md"

#: the tuned configuration of ``deepar-tuned`` (see docs/benchmarks_deepar.md);
#: keys are DeepARForecaster parameters, plus ``seeds`` (an ensemble of one
#: model per seed whose sample paths are pooled) and ``samples_per_member``
#: (paths drawn from each member; default NUM_SAMPLES / number of seeds)
TUNED: dict = {
    "context_length": 18,
    "window_weighting": "scale",
    "hidden_size": 40,
    "num_layers": 2,
    "lr": 3e-3,
    "max_epochs": 200,
    "batches_per_epoch": 50,
    "batch_size": 64,
    "early_stopping": False,
    "point_forecast": "mean",
    "seeds": [0, 1, 2, 3, 4],
    "samples_per_member": 100,
}


# ----------------------------------------------------------------- data
def load_data(n_series: int | None, seed: int) -> dict:
    """M3 monthly as arrays (series sorted by id, time ascending)."""
    from skforecast_ntm.datasets import load_m3

    data = load_m3("monthly")
    ids_all = data.y_train.index.get_level_values(0)
    ids = np.asarray(ids_all.unique())
    if n_series is not None and n_series < len(ids):
        rng = np.random.default_rng(seed)
        ids = np.sort(rng.choice(ids, size=n_series, replace=False))
    keep = ids_all.isin(ids)
    train = data.y_train[keep].sort_index()
    test = data.y_test[data.y_test.index.get_level_values(0).isin(ids)].sort_index()
    codes = pd_codes(train.index.get_level_values(0), ids)
    lengths = np.bincount(codes, minlength=len(ids))
    starts = np.cumsum(lengths) - lengths
    pos = np.arange(len(codes)) - np.repeat(starts, lengths)
    width = int(lengths.max())
    padded = np.full((len(ids), width), np.nan)  # right-aligned, NaN-padded
    padded[codes, pos + width - lengths[codes]] = train["y"].to_numpy()
    first = train.index.get_level_values(1)[starts]
    return {
        "ids": ids.astype(str),
        "values": train["y"].to_numpy(np.float64),
        "lengths": lengths,
        "start": np.asarray(first.strftime("%Y-%m")).astype(str),
        "y_train": padded,
        "y_test": test["y"].to_numpy(np.float64).reshape(len(ids), HORIZON),
    }


def pd_codes(values, categories) -> np.ndarray:
    """Position of each value in ``categories`` (vectorised)."""
    import pandas as pd

    return pd.Index(categories).get_indexer(values)


def y_train_frame(data: dict):
    """The pd-multiindex training frame (monthly PeriodIndex) of the arrays."""
    import pandas as pd

    lengths = data["lengths"]
    starts = pd.PeriodIndex(data["start"], freq="M")
    offset = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths,
                                                  lengths)
    time = pd.PeriodIndex(np.repeat(starts, lengths), freq="M") + offset
    index = pd.MultiIndex.from_arrays(
        [np.repeat(data["ids"], lengths), time], names=["series_id", "time"])
    return pd.DataFrame({"y": data["values"]}, index=index)


# -------------------------------------------------------------- workers
def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _warm_up_torch(threads: int) -> None:
    """Set the threads and pay torch's one-time lazy imports before timing.

    The first optimizer built in a process imports ``torch._dynamo`` (about
    1 s); both DeepARs pay it here rather than inside their fit time.
    """
    import torch

    torch.set_num_threads(threads)
    torch.optim.Adam(torch.nn.Linear(1, 1).parameters())


def _summaries(samples: np.ndarray) -> dict:
    """(N, S, H) sample paths -> mean and quantiles (N, H, Q)."""
    return {
        "mean": samples.mean(axis=1),
        "quantiles": np.moveaxis(np.quantile(samples, QUANTILES, axis=1), 0, -1),
    }


def run_deepar(data: dict, args, params: dict) -> dict:

    from skforecast_ntm import DeepARForecaster

    _warm_up_torch(args.threads)
    params = dict(params)
    seeds = params.pop("seeds", [args.seed])
    n_samples = int(params.get("num_samples", NUM_SAMPLES))
    per_member = int(params.pop("samples_per_member",
                                -(-n_samples // len(seeds))))
    y = y_train_frame(data)
    if params.pop("integer_time", False):
        # M3's calendar is nominal: integer time drops the calendar features
        # (pass the seasonal lags explicitly: integer time has no season)
        y.index = y.index.set_levels(y.index.levels[1].asi8, level=1)
    fh = list(range(1, HORIZON + 1))
    fit_s = train_s = windows = 0.0
    epochs = []
    forecasters = []
    for seed in seeds:
        f = DeepARForecaster(random_state=seed, **params)
        t0 = time.perf_counter()
        f.fit(y)
        fit_s += time.perf_counter() - t0
        hist = f.core_.net_.history
        train_s += float(sum(hist[:, "dur"]))
        epochs.append(len(hist))
        windows += len(hist) * f.batches_per_epoch * f.batch_size
        forecasters.append(f)
    out = {"fit_s": fit_s, "train_s": train_s, "windows": windows,
           "epochs": epochs}
    order = None
    if len(forecasters) == 1:
        f = forecasters[0]
        t0 = time.perf_counter()
        summ = f.predict_summary(fh=fh, quantiles=QUANTILES)
        out["predict_s"] = time.perf_counter() - t0
        sid = summ.index.get_level_values(0)
        order = pd_codes(data["ids"], sid.unique())
        n = len(data["ids"])
        cols = [f"p{round(100 * q):d}" for q in QUANTILES]
        q = summ[cols].to_numpy().reshape(n, HORIZON, len(QUANTILES))
        out["quantiles"] = q[order]
        out["mean"] = summ["mean"].to_numpy().reshape(n, HORIZON)[order]
    # the core's sampler alone (no pandas in or out), pooled over the seeds
    f = forecasters[0]
    panel = f._panel(f._hist_y, None, info=f.core_.enc.info,
                     min_end=f.cutoff[0] + HORIZON)
    origin = np.full(panel.n_series, int(panel.grid.get_loc(f.cutoff[0])) + 1)
    t0 = time.perf_counter()
    samples = np.concatenate([
        g.core_.sample(panel, origin, HORIZON, num_samples=per_member)
        for g in forecasters], axis=1)
    out["sample_s"] = time.perf_counter() - t0
    if order is None:
        order = pd_codes(data["ids"], panel.keys)
        out["predict_s"] = out["sample_s"]
        out.update(_summaries(samples[order]))
    if params.get("point_forecast", "median") == "mean":
        out["point"] = out["mean"]
    else:
        out["point"] = out["quantiles"][..., QUANTILES.index(0.5)]
    return out


def run_gluonts(data: dict, args, cache: bool, bf16: bool = False) -> dict:
    import lightning.pytorch as pl
    import pandas as pd
    from gluonts.dataset.common import ListDataset
    from gluonts.torch.distributions import StudentTOutput
    from gluonts.torch.model.deepar import DeepAREstimator

    _warm_up_torch(args.threads)
    n = len(data["ids"])
    splits = np.split(data["values"], np.cumsum(data["lengths"])[:-1])
    ds = ListDataset(
        [{"target": v.astype(np.float32), "start": pd.Period(s, freq="M"),
          "feat_static_cat": [i]}
         for i, (v, s) in enumerate(zip(splits, data["start"]))],
        freq="M",
    )

    class Timer(pl.Callback):
        def on_train_start(self, trainer, module):
            self.t0 = time.perf_counter()

        def on_train_end(self, trainer, module):
            self.seconds = time.perf_counter() - self.t0
            self.epochs = trainer.current_epoch

    timer = Timer()
    with tempfile.TemporaryDirectory() as tmp:
        estimator = DeepAREstimator(
            freq="M",
            prediction_length=HORIZON,
            context_length=args.context_length,
            num_layers=args.num_layers,
            hidden_size=args.hidden_size,
            distr_output=StudentTOutput(),
            num_feat_static_cat=1,
            cardinality=[n],
            batch_size=args.batch_size,
            num_batches_per_epoch=args.batches_per_epoch,
            num_parallel_samples=NUM_SAMPLES,
            trainer_kwargs={
                "max_epochs": args.epochs,
                "accelerator": "cpu",
                "devices": 1,
                "enable_progress_bar": False,
                "enable_model_summary": False,
                "logger": False,
                "default_root_dir": tmp,
                "callbacks": [timer],
                # Lightning's mixed precision: autocast to bfloat16
                "precision": "bf16-mixed" if bf16 else "32-true",
            },
        )
        pl.seed_everything(args.seed, verbose=False)
        t0 = time.perf_counter()
        predictor = estimator.train(ds, cache_data=cache)
        fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    forecasts = list(predictor.predict(ds, num_samples=NUM_SAMPLES))
    samples = np.stack([fc.samples for fc in forecasts])  # (N, S, H)
    predict_s = time.perf_counter() - t0
    out = {"fit_s": fit_s, "train_s": timer.seconds, "predict_s": predict_s,
           "windows": args.epochs * args.batches_per_epoch * args.batch_size,
           "epochs": [args.epochs]}
    out.update(_summaries(samples))
    out["point"] = out["quantiles"][..., QUANTILES.index(0.5)]
    return out


def run_autoets(data: dict, args) -> dict:
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    lengths = data["lengths"]
    offset = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths,
                                                  lengths)
    starts = pd.PeriodIndex(data["start"], freq="M")
    ds = (pd.PeriodIndex(np.repeat(starts, lengths), freq="M") + offset)
    df = pd.DataFrame({
        "unique_id": np.repeat(data["ids"], lengths),
        "ds": ds.to_timestamp(),
        "y": data["values"],
    })
    sf = StatsForecast(models=[AutoETS(season_length=SEASON)], freq="MS",
                       n_jobs=args.ets_jobs)
    t0 = time.perf_counter()
    sf.fit(df)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    fc = sf.predict(h=HORIZON, level=[80])
    predict_s = time.perf_counter() - t0
    fc = fc.reset_index() if "unique_id" not in fc.columns else fc
    fc = fc.sort_values(["unique_id", "ds"])
    order = pd_codes(data["ids"], pd.unique(fc["unique_id"]))
    n = len(data["ids"])

    def grid(col):
        return fc[col].to_numpy(np.float64).reshape(n, HORIZON)[order]

    mean = grid("AutoETS")
    q = np.stack([grid("AutoETS-lo-80"), mean, grid("AutoETS-hi-80")], axis=-1)
    return {"fit_s": fit_s, "predict_s": predict_s, "mean": mean,
            "quantiles": q, "point": mean}


def run_snaive(data: dict, args) -> dict:
    from skforecast_ntm.metrics import seasonal_naive

    y = data["y_train"]
    t0 = time.perf_counter()
    point = seasonal_naive(y, HORIZON, SEASON)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    steps = np.arange(HORIZON)
    # the error of a k-season-ahead repeat is a lag-(12 k) difference
    q = np.empty((len(y), HORIZON, len(QUANTILES)))
    for k in np.unique(steps // SEASON + 1):
        lag = SEASON * int(k)
        diff = y[:, lag:] - y[:, :-lag]
        qk = np.nanquantile(diff, QUANTILES, axis=1).T  # (N, Q)
        qk = qk - qk[:, [QUANTILES.index(0.5)]]  # P50 = the point forecast
        sel = steps // SEASON + 1 == k
        q[:, sel] = point[:, sel, None] + qk[:, None, :]
    predict_s = time.perf_counter() - t0
    return {"fit_s": fit_s, "predict_s": predict_s, "point": point,
            "mean": point, "quantiles": q}


def worker(args) -> None:
    model = args.worker
    with np.load(args.data) as npz:
        data = {k: npz[k] for k in npz.files}
    if model in ("deepar", "deepar-bf16"):
        params = dict(
            prediction_length=HORIZON, context_length=args.context_length,
            likelihood="student_t", hidden_size=args.hidden_size,
            num_layers=args.num_layers, max_epochs=args.epochs,
            batches_per_epoch=args.batches_per_epoch, batch_size=args.batch_size,
            early_stopping=False, num_samples=NUM_SAMPLES,
            precision="bfloat16" if model == "deepar-bf16" else "float32",
        )
        params.update(json.loads(args.params))
        out = run_deepar(data, args, params)
    elif model == "deepar-tuned":
        params = dict(prediction_length=HORIZON, likelihood="student_t",
                      num_samples=NUM_SAMPLES)
        params.update(TUNED)
        if args.quick:
            params.update(max_epochs=args.epochs,
                          batches_per_epoch=args.batches_per_epoch)
        out = run_deepar(data, args, params)
    elif model in ("gluonts", "gluonts-nocache", "gluonts-bf16"):
        out = run_gluonts(data, args, cache=model != "gluonts-nocache",
                          bf16=model == "gluonts-bf16")
    elif model == "autoets":
        out = run_autoets(data, args)
    elif model == "snaive":
        out = run_snaive(data, args)
    else:  # pragma: no cover - argparse restricts the names
        raise ValueError(model)
    out["maxrss_mb"] = _maxrss_mb()
    arrays = {k: np.asarray(v) for k, v in out.items()}
    np.savez(args.out, **arrays)


# --------------------------------------------------------------- scoring
def score(data: dict, res: dict) -> dict:
    from skforecast_ntm.metrics import (
        interval_coverage,
        mase,
        mean_weighted_quantile_loss,
    )

    y, q = data["y_test"], res["quantiles"]
    row = {
        "MASE": mase(y, res["point"], data["y_train"], SEASON),
        "mean wQL": mean_weighted_quantile_loss(y, q, QUANTILES)["mean_wQL"],
        "coverage 80%": interval_coverage(y, q[..., 0], q[..., -1]),
        "fit s": float(res["fit_s"]),
        "predict s": float(res["predict_s"]),
    }
    if "sample_s" in res:
        row["sample s"] = float(res["sample_s"])
    if "windows" in res:
        row["train s"] = float(res["train_s"])
        row["windows/s"] = float(res["windows"]) / float(res["train_s"])
        row["epochs"] = "/".join(str(int(e)) for e in np.atleast_1d(res["epochs"]))
    row["peak MB"] = float(res["maxrss_mb"])
    return row


def mean_rows(runs: list[dict]) -> dict:
    """Average the numeric metrics of repeated runs (one per seed)."""
    row = {}
    for key, value in runs[0].items():
        if isinstance(value, str):
            row[key] = value
        else:
            row[key] = float(np.mean([r[key] for r in runs]))
    if len(runs) > 1:
        row["MASE per seed"] = " / ".join(f"{r['MASE']:.3f}" for r in runs)
    return row


def add_ratios(rows: dict) -> None:
    refs = {"GluonTS": "gluonts", "ETS": "autoets", "SN": "snaive"}
    for name, row in rows.items():
        if "error" in row:
            continue
        for metric in ("MASE", "mean wQL"):
            for tag, ref in refs.items():
                base = rows.get(ref, {})
                if metric in base:
                    row[f"{metric} / {tag}"] = row[metric] / base[metric]
        base = rows.get("gluonts", {})
        if "windows/s" in row and "windows/s" in base:
            row["windows/s / GluonTS"] = row["windows/s"] / base["windows/s"]
        peer = rows.get(PEERS.get(name, ""), {})
        if "windows/s" in row and "windows/s" in peer:
            row["windows/s / GluonTS same precision"] = (
                row["windows/s"] / peer["windows/s"])
        if "fit s" in base:
            row["fit s / GluonTS"] = row["fit s"] / base["fit s"]


COLUMNS = [
    "MASE", "MASE per seed", "mean wQL", "coverage 80%", "fit s", "train s", "epochs",
    "predict s", "sample s", "windows/s", "peak MB",
    "MASE / GluonTS", "MASE / ETS", "MASE / SN",
    "mean wQL / GluonTS", "mean wQL / ETS", "mean wQL / SN",
    "windows/s / GluonTS", "windows/s / GluonTS same precision",
    "fit s / GluonTS",
]


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def markdown_table(rows: dict, models: list[str]) -> str:
    cols = [c for c in COLUMNS if any(c in rows[m] for m in models)]
    lines = ["| model | " + " | ".join(cols) + " |",
             "|---|" + "---:|" * len(cols)]
    for m in models:
        row = rows[m]
        if "error" in row:
            lines.append(f"| {LABELS[m]} | failed: {row['error']} |")
            continue
        cells = [_fmt(row.get(c)) for c in cols]
        lines.append(f"| {LABELS[m]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------------ main
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="smoke test: 3 epochs x 10 batches, 150 series, "
                        "one seed")
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--batches-per-epoch", type=int, default=50)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--hidden-size", type=int, default=40)
    p.add_argument("--num-layers", type=int, default=2)
    p.add_argument("--context-length", type=int, default=18)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeats", type=int, default=None,
                   help="fit the equal-budget DeepARs with this many seeds "
                        "(--seed, --seed + 1, ...) and report the means "
                        "(default 3, 1 with --quick)")
    p.add_argument("--threads", type=int, default=2,
                   help="torch threads of both DeepARs")
    p.add_argument("--ets-jobs", type=int, default=1,
                   help="n_jobs of StatsForecast")
    p.add_argument("--n-series", type=int, default=None,
                   help="random subset of the series (all 1,428 by default)")
    p.add_argument("--models", default=",".join(ALL_MODELS),
                   help=f"comma-separated subset of {', '.join(ALL_MODELS)}")
    p.add_argument("--params", default="{}",
                   help="JSON dict of DeepARForecaster parameters overriding "
                        "those of the 'deepar' model (for tuning runs)")
    p.add_argument("--ref-python", default=os.environ.get("BENCH_REF_PYTHON",
                                                          sys.executable),
                   help="interpreter of the gluonts/autoets workers "
                        "(default: $BENCH_REF_PYTHON or this one)")
    p.add_argument("--output", type=Path, default=RESULTS,
                   help="markdown file of the table")
    p.add_argument("--worker", choices=ALL_MODELS, help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.epochs, args.batches_per_epoch = 3, 10
        args.n_series = args.n_series or 150
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    return args


def _worker_argv(args, model: str, data_path: str, out_path: str,
                 seed: int) -> list[str]:
    python = args.ref_python if model in REFERENCE_MODELS else sys.executable
    argv = [python, str(Path(__file__).resolve()), "--worker", model,
            "--data", data_path, "--out", out_path,
            "--epochs", str(args.epochs),
            "--batches-per-epoch", str(args.batches_per_epoch),
            "--batch-size", str(args.batch_size),
            "--hidden-size", str(args.hidden_size),
            "--num-layers", str(args.num_layers),
            "--context-length", str(args.context_length),
            "--seed", str(seed), "--threads", str(args.threads),
            "--ets-jobs", str(args.ets_jobs), "--params", args.params]
    return argv + (["--quick"] if args.quick else [])


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker(args)
        return
    from skforecast_ntm.metrics import mase

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = sorted(set(models) - set(ALL_MODELS))
    if unknown:
        raise SystemExit(f"unknown models {unknown}; choose from {ALL_MODELS}")
    command = "python " + shlex.join(
        ["benchmarks/bench_deepar_m3.py", *(sys.argv[1:] if argv is None
                                            else argv)])
    print(f"command: {command}", flush=True)
    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} (1 min), "
          f"{load_before[1]:.2f} (5 min) on {os.cpu_count()} cores", flush=True)
    t_all = time.perf_counter()
    data = load_data(args.n_series, args.seed)
    rows: dict = {}
    results: dict = {}
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    with tempfile.TemporaryDirectory() as tmp:
        data_path = os.path.join(tmp, "data.npz")
        np.savez(data_path, **data)
        # the repeated DeepARs alternate seed by seed, so that a change in
        # machine load affects both alike
        jobs = [(m, args.seed + r) for r in range(args.repeats)
                for m in models if m in REPEATED_MODELS]
        jobs += [(m, args.seed) for m in models if m not in REPEATED_MODELS]
        runs: dict = {m: [] for m in models}
        for model, seed in jobs:
            if "error" in rows.get(model, {}):
                continue
            out_path = os.path.join(tmp, f"{model}-{seed}.npz")
            t0 = time.perf_counter()
            proc = subprocess.run(
                _worker_argv(args, model, data_path, out_path, seed), env=env,
                capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if proc.returncode != 0 or not os.path.exists(out_path):
                err = (proc.stderr or proc.stdout).strip().splitlines()
                rows[model] = {"error": err[-1] if err else "no output"}
                print(f"{model} (seed {seed}): FAILED after {wall:.0f} s\n"
                      f"{proc.stderr[-3000:]}", flush=True)
                continue
            with np.load(out_path) as npz:
                res = {k: npz[k] for k in npz.files}
            row = score(data, res)
            runs[model].append((res, row))
            mase_mean = mase(data["y_test"], res["mean"], data["y_train"], SEASON)
            print(f"{model} (seed {seed}): done in {wall:.1f} s (MASE "
                  f"{row['MASE']:.4f}, of the mean {mase_mean:.4f}, mean wQL "
                  f"{row['mean wQL']:.4f}, coverage {row['coverage 80%']:.3f}, "
                  f"load {os.getloadavg()[0]:.2f})", flush=True)
        for model in models:
            if runs[model] and "error" not in rows.get(model, {}):
                results[model] = runs[model][0][0]
                rows[model] = mean_rows([row for _, row in runs[model]])
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if "deepar-tuned" in results and "autoets" in results:
        # a diagnostic: the equal-weight combination of the two forecasts
        a, b = results["deepar-tuned"], results["autoets"]
        rows["combo"] = score(data, {
            "point": (a["point"] + b["point"]) / 2,
            "quantiles": (a["quantiles"] + b["quantiles"]) / 2,
            "fit_s": a["fit_s"] + b["fit_s"],
            "predict_s": a["predict_s"] + b["predict_s"],
            "maxrss_mb": max(a["maxrss_mb"], b["maxrss_mb"]),
        })
    add_ratios(rows)
    load_after = os.getloadavg()
    equal = [m for m in models if m != "deepar-tuned"]
    tuned = [m for m in ("deepar-tuned", "combo", "gluonts", "autoets", "snaive")
             if m in rows]
    n = len(data["ids"])
    budget = (f"{args.epochs} epochs x {args.batches_per_epoch} batches x "
              f"{args.batch_size} windows, hidden {args.hidden_size} x "
              f"{args.num_layers} layers, context {args.context_length}, "
              f"Student-t, {NUM_SAMPLES} sample paths, no early stopping")
    if args.params != "{}":
        budget += f"; deepar overrides {args.params}"
    if args.repeats > 1:
        budget += (f"; both DeepARs fitted with seeds {args.seed} to "
                   f"{args.seed + args.repeats - 1}, metrics averaged over the "
                   "seeds")
    parts = [
        f"# DeepAR on M3 monthly ({n} series, horizon {HORIZON})", "",
        f"Command: `{command}`", "",
        f"Equal budget: {budget}; torch threads: {args.threads}.", "",
        f"Load average: {load_before[0]:.2f} before, {load_after[0]:.2f} after "
        f"(1 min) on {os.cpu_count()} cores; total wall time "
        f"{time.perf_counter() - t_all:.0f} s; max child RSS "
        f"{children_mb:.0f} MB.", "",
        "## Equal budget", "", markdown_table(rows, equal), "",
    ]
    if "deepar-tuned" in models:
        tuned_cfg = {k: v for k, v in TUNED.items()}
        parts += ["## Tuned configuration (not an equal-budget comparison)", "",
                  f"`{json.dumps(tuned_cfg)}`", "",
                  markdown_table(rows, tuned), ""]
    text = "\n".join(parts)
    print("\n" + text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()

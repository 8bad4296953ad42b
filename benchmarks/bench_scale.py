"""Scale benchmarks of DeepAR (issue 13).

``dp``: data-parallel training throughput. The same DeepAR configuration is
trained with 1 process (the single-process code path) and with N processes
(torch.distributed, gloo on CPU / NCCL on CUDA, spawned here as torchrun
would start them), each process holding its shard of a synthetic daily
retail panel (``make_retail_panel``) and ``--threads`` torch threads. The
per-process batch is fixed (``batch_size`` is per process, as in DDP), so N
processes train on N times as many windows per step; the throughput is the
training windows of all ranks per second of the epochs after the first
(each fit's median epoch, from the history's ``windows_per_s``, validation
off; then the median over ``--repeats`` fits run in turn), and the scaling
efficiency ``throughput(N) / (N * throughput(1))``, for each per-process
batch size of ``--batch-size``. Each N-process row also gives the time of one
all-reduce of a gradient-sized buffer between idle ranks: the
synchronisation floor every step pays, to compare with the step time.

Run from the repository root::

    .venv/bin/python benchmarks/bench_scale.py dp               # 1 and 2 CPU processes
    .venv/bin/python benchmarks/bench_scale.py dp --device cuda # 1 and all GPUs

Options: ``--procs 1,2``, ``--series``, ``--periods``, ``--epochs``,
``--batches``, ``--batch-size 32,64,128,256``, ``--hidden-size``,
``--threads`` (default 1), ``--repeats`` (default 3), ``--output``. Timings
depend on machine load: check ``uptime`` first (printed with the table).

``panel``: DeepAR end to end on synthetic daily retail panels
(``make_retail_panel``: 2 years, price and promotion covariates, store and
category metadata, 14-day horizon) of growing size, each in a fresh process,
through the public API with its defaults (``DeepARForecaster(
prediction_length=14, likelihood="negative_binomial",
static_categorical_columns=[...])``; ``early_stopping`` on, so the capped
validation is part of the cost) at a fixed number of training windows
(``max_epochs`` x ``batches_per_epoch`` x ``batch_size``, default 100 x 50 x
32), then ``predict_quantiles`` at 0.1/0.5/0.9 from 100 sample paths per
series. Each phase's time and peak memory (the process's resident set,
``VmHWM``, reset at each phase boundary) is measured: the data frames,
``fit`` (panel building, encoders, padded arrays, training, the bounded
history) and ``predict`` (panel, arrays, sampling, quantiles and frames); the data are
generated in another process and read from a pickle, as a user reads theirs,
so the generator's memory is not counted;
with the cost per series of each size relative to the 100k run, and the
process's CPU seconds per 1k series (``time.process_time``: what the run
costs whatever else loads the machine)::

    .venv/bin/python benchmarks/bench_scale.py panel --series 1000,10000,100000

``--shards K`` (the 1M run) forecasts a panel too large for one process's
memory as K shards of ``n / K`` series (generated one after the other with
their own seeds): the model is trained (``pretrain``) on the first shard
and each shard is then conditioned on (``fit``, no training) and forecast
in turn, its quantiles written to disk, so memory is bounded by one shard
(the training cost is a fixed number of windows whatever the number of
series it draws them from; see ``docs/scale_out.md``)::

    .venv/bin/python benchmarks/bench_scale.py panel --series 1000000 --shards 10

``topics``: the topic model on a corpus streamed from disk in chunks (the
vocabulary pass, ``partial_fit`` epochs and ``transform_stream``), time per
100k documents and peak memory at each corpus size (see
``benchmarks/_scale_topics.py`` and ``docs/topics.md``)::

    .venv/bin/python benchmarks/bench_scale.py topics --documents 100000,1000000
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import socket
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _scale_topics  # noqa: E402  (the topic model's part, beside this file)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dp_worker(rank: int, world: int, port: int, args: argparse.Namespace,
               out: str) -> None:
    import torch.distributed as dist

    from skforecast_ntm.datasets import make_retail_panel
    from skforecast_ntm.forecasting import DeepARConfig, DeepARCore
    from skforecast_ntm.forecasting._panel import build_panel

    torch.set_num_threads(args.threads)
    device = args.device
    if device == "cuda":
        torch.cuda.set_device(rank)
        device = f"cuda:{rank}"
    if world > 1:
        dist.init_process_group("nccl" if args.device == "cuda" else "gloo",
                                init_method=f"tcp://127.0.0.1:{port}",
                                rank=rank, world_size=world)
    data = make_retail_panel(n_series=args.series, n_periods=args.periods,
                             random_state=0)
    X = data.X.join(data.static, on="series_id").loc[data.y.index]
    ids = data.y.index.get_level_values(0).unique()
    keep = data.y.index.get_level_values(0).isin(ids[rank::world])
    t0 = time.perf_counter()
    panel = build_panel(data.y[keep], X[keep], static_columns=("store", "category"))
    cfg = DeepARConfig(
        prediction_length=14, hidden_size=args.hidden_size, num_layers=2,
        batch_size=args.batch_size, batches_per_epoch=args.batches,
        max_epochs=args.epochs, early_stopping=False, random_state=0,
        static_categorical_columns=("store", "category"),
        likelihood="negative_binomial", device=device,
    )
    core = DeepARCore(cfg).fit(panel)
    fit_s = time.perf_counter() - t0
    wps = [e["windows_per_s"] for e in core.net_.history][1:]
    n_params = sum(p.numel() for p in core.net_.module_.parameters())
    allreduce_ms = float("nan")
    if world > 1:
        # the floor of a step's synchronisation: one all-reduce of a buffer
        # of the gradient's size between idle ranks
        buf = torch.zeros(n_params + 1, device=device)
        for _ in range(10):
            dist.all_reduce(buf)
        t1 = time.perf_counter()
        for _ in range(100):
            dist.all_reduce(buf)
        if device != "cpu":
            torch.cuda.synchronize()
        allreduce_ms = (time.perf_counter() - t1) * 10.0
        dist.destroy_process_group()
    if rank == 0:
        with open(out, "w") as fh:
            json.dump({"procs": world, "windows_per_s": float(np.median(wps)),
                       "fit_s": fit_s, "allreduce_ms": allreduce_ms,
                       "n_params": n_params}, fh)


def _run_dp(procs: int, args: argparse.Namespace) -> dict:
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.json")
        mp.start_processes(_dp_worker, args=(procs, _free_port(), args, out),
                           nprocs=procs, join=True, start_method="spawn")
        with open(out) as fh:
            return json.load(fh)


def dp(args: argparse.Namespace) -> str:
    procs = [int(p) for p in args.procs.split(",")] if args.procs else None
    if procs is None:
        n = torch.cuda.device_count() if args.device == "cuda" else 2
        procs = sorted({1, max(n, 1)})
    sizes = [int(b) for b in str(args.batch_size).split(",")]
    lines = [
        f"command: {' '.join(sys.argv)}",
        f"load average before: {os.getloadavg()[0]:.2f}",
        f"device {args.device}, {args.threads} thread(s) per process, "
        f"hidden_size {args.hidden_size} x 2 layers, {args.series} series x "
        f"{args.periods} periods, {args.epochs} epochs x {args.batches} batches; "
        f"windows / s: median over the repeats (run in turn, 1 then "
        f"{procs[-1]} processes) of each fit's median epoch after the first",
        "",
        "| batch per process | processes | windows / s (all ranks) | speed-up "
        "| efficiency | step (ms) | all-reduce alone (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for bs in sizes:
        one = argparse.Namespace(**{**vars(args), "batch_size": bs})
        runs: dict[int, list] = {n: [] for n in procs}
        for _ in range(args.repeats):
            for n in procs:  # in turn, so drifting load hits every count alike
                runs[n].append(_run_dp(n, one))
        rows = {n: {**r[0], "windows_per_s": float(np.median(
            [x["windows_per_s"] for x in r]))} for n, r in runs.items()}
        base = rows[procs[0]]["windows_per_s"] / procs[0]
        for n in procs:
            r = rows[n]
            speed = r["windows_per_s"] / base
            step_ms = 1e3 * bs * n / r["windows_per_s"]
            ar = r["allreduce_ms"]
            print(f"batch {bs}, {n} process(es): {r['windows_per_s']:.0f} "
                  f"windows/s", file=sys.stderr)
            lines.append(
                f"| {bs} | {n} | {r['windows_per_s']:.0f} | {speed:.2f} | "
                f"{speed / n:.0%} | {step_ms:.1f} | "
                f"{'' if np.isnan(ar) else f'{ar:.2f}'} |")
    lines += ["", f"parameters: {rows[procs[0]]['n_params']:,}"]
    return "\n".join(lines)


# ----------------------------------------------------------------- panel
def _peak_gb() -> float:
    """The resident-set high-water mark since the last reset (GB)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1e6
    return float("nan")


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


class _Phases:
    """Time and peak memory of nested phases (peak: ``VmHWM``, read and reset
    at every boundary and credited to every open phase)."""

    def __init__(self) -> None:
        self.open: list[str] = []
        self.time: dict[str, float] = {}
        self.peak: dict[str, float] = {}
        self.order: list[str] = []

    def _credit(self) -> None:
        peak = _peak_gb()
        for name in self.open:
            self.peak[name] = max(self.peak.get(name, 0.0), peak)
        _reset_peak()

    def __call__(self, name: str):
        import contextlib

        @contextlib.contextmanager
        def phase():
            self._credit()
            if name not in self.time:
                self.order.append(name)
                self.time[name] = 0.0
            self.open.append(name)
            t0 = time.perf_counter()
            try:
                yield
            finally:
                self.time[name] += time.perf_counter() - t0
                self._credit()
                self.open.remove(name)
        return phase()

    def wrap(self, owner, attr: str, name: str) -> None:
        """Time every call of ``owner.attr`` as phase ``name``."""
        import functools
        fn = getattr(owner, attr)

        @functools.wraps(fn)
        def timed(*a, **k):
            with self(name):
                return fn(*a, **k)
        setattr(owner, attr, timed)


def _instrument(ph: _Phases) -> None:
    """Phases of the library's fit and predict (wrapped, not changed)."""
    from skforecast_ntm.forecasting import _core, _deepar_forecaster, _windows
    from skforecast_ntm.forecasting._encoders import Encoders

    ph.wrap(_deepar_forecaster, "build_panel", "panel building")
    ph.wrap(Encoders, "fit", "encoders")
    ph.wrap(_windows.PanelArrays, "__init__", "padded arrays")
    ph.wrap(_core, "train", "training")
    ph.wrap(_core, "sample_paths", "sampling")
    ph.wrap(_deepar_forecaster.DeepARForecaster, "_bound_history",
            "bounded history")


def _generate(args: argparse.Namespace) -> None:
    """``panel-data``: one shard's frames, pickled (a separate process)."""
    import pandas as pd

    from skforecast_ntm.datasets import make_retail_panel

    data = make_retail_panel(n_series=args.series, n_periods=args.periods,
                             freq="D", horizon=14, random_state=args.seed)
    data.pop("truth")
    X = data.X.join(data.static, on="series_id")
    y = data.y
    del data
    if args.prefix:
        for frame in (X, y):
            frame.index = frame.index.set_levels(
                args.prefix + frame.index.levels[0], level=0)
    hist = X.index.isin(y.index)
    pd.to_pickle((y, X[hist], X[~hist]), args.out)


def _shard_data(n: int, args: argparse.Namespace, seed: int, prefix: str,
                tmp: str):
    """The frames of a shard as a user holds them: generated in another
    process (the generator's own memory is not the library's) and read."""
    import subprocess

    import pandas as pd

    path = os.path.join(tmp, f"data{seed}.pkl")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, __file__, "panel-data", "--series", str(n),
                    "--periods", str(args.periods), "--seed", str(seed),
                    "--prefix", prefix, "--out", path], check=True)
    generate_s = time.perf_counter() - t0
    return (*pd.read_pickle(path), generate_s)


def _panel_one(args: argparse.Namespace) -> dict:
    import warnings

    from skforecast_ntm import DeepARForecaster

    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")  # the short-series notices of the data
    ph = _Phases()
    _instrument(ph)
    shards = max(1, args.shards)
    per = args.series // shards
    t_all = time.perf_counter()
    cpu_all = time.process_time()  # this process's CPU: not the load's
    _reset_peak()
    params = dict(prediction_length=14, likelihood="negative_binomial",
                  static_categorical_columns=["store", "category"],
                  max_epochs=args.epochs, batches_per_epoch=args.batches,
                  num_samples=args.num_samples, random_state=0)
    rows, generate_s = 0, 0.0
    fh = np.arange(1, 15)
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(shards):
            prefix = f"k{k}_" if shards > 1 else ""
            with ph("data (read)"):
                y, X, X_future, gen = _shard_data(per, args, k, prefix, tmp)
            ph.time["data (read)"] -= gen
            generate_s += gen
            os.remove(os.path.join(tmp, f"data{k}.pkl"))
            with ph("fit"):
                if shards == 1:
                    f = DeepARForecaster(**params).fit(y, X=X, fh=fh)
                else:
                    if k == 0:  # the global model, trained on the first shard
                        pretrained = DeepARForecaster(**params).pretrain(
                            y, X=X, fh=fh)
                    # conditioning on the shard's history, no training
                    f = copy.deepcopy(pretrained).fit(y, X=X, fh=fh)
            with ph("predict"):
                q = f.predict_quantiles(X=X_future, alpha=[0.1, 0.5, 0.9])
            rows += len(q)
            if shards > 1:
                with ph("write"):
                    q.to_parquet(os.path.join(tmp, f"shard{k}.parquet")) \
                        if _has_pyarrow() else q.to_csv(
                            os.path.join(tmp, f"shard{k}.csv"))
            # the shard's forecaster too (its history and draws), before the
            # next shard is read
            del y, X, X_future, q, f
    total = time.perf_counter() - t_all - generate_s
    ph._credit()
    return {"series": args.series, "shards": shards, "total_s": total,
            "cpu_s": time.process_time() - cpu_all, "generate_s": generate_s,
            "rows": rows, "phases": [(n, ph.time[n], ph.peak.get(n, 0.0))
                                     for n in ph.order],
            "peak_gb": max(ph.peak.values())}


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def panel(args: argparse.Namespace) -> str:
    import subprocess

    sizes = [int(s) for s in args.series.split(",")]
    results = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "r.json")
            cmd = [sys.executable, __file__, "panel-one", "--series", str(n),
                   "--periods", str(args.periods), "--epochs", str(args.epochs),
                   "--batches", str(args.batches), "--threads", str(args.threads),
                   "--shards", str(args.shards if n >= args.shard_from else 1),
                   "--num-samples", str(args.num_samples),
                   "--json", out]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                results.append({"series": n, "error": proc.stderr[-400:],
                                "total_s": time.perf_counter() - t0})
                print(f"{n} series: failed ({proc.returncode})", file=sys.stderr)
                continue
            with open(out) as fh:
                r = json.load(fh)
        results.append(r)
        print(f"{n} series: {r['total_s']:.0f} s, peak {r['peak_gb']:.2f} GB",
              file=sys.stderr)
    ref = next((r for r in results if r["series"] == 100_000 and "error" not in r),
               None)
    lines = [
        f"command: {' '.join(sys.argv)}",
        f"load average before: {os.getloadavg()[0]:.2f}; {args.threads} torch "
        f"thread(s); {args.periods} daily periods, horizon 14, 2 covariates, "
        f"2 static categoricals; training {args.epochs} x {args.batches} x 32 "
        f"windows; {args.num_samples} sample paths per series",
        "",
        "| series | shards | total | peak memory | s per 1k series | cost per "
        "series vs 100k | CPU s per 1k series |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['series']:,} | | failed | | | |")
            continue
        per_k = r["total_s"] / r["series"] * 1000
        ratio = (per_k / (ref["total_s"] / ref["series"] * 1000)) if ref else \
            float("nan")
        cpu_k = r["cpu_s"] / r["series"] * 1000 if "cpu_s" in r else float("nan")
        lines.append(f"| {r['series']:,} | {r['shards']} | {r['total_s'] / 60:.1f}"
                     f" min | {r['peak_gb']:.2f} GB | {per_k:.2f} | {ratio:.2f} | "
                     f"{cpu_k:.2f} |")
    for r in results:
        if "error" in r:
            lines += ["", f"{r['series']:,} series failed: {r['error']}"]
            continue
        lines += ["", f"{r['series']:,} series ({r['shards']} shard(s)): phases",
                  "", "| phase | time (s) | peak memory (GB) |", "|---|---:|---:|"]
        for name, t, peak in r["phases"]:
            lines.append(f"| {name} | {t:.1f} | {peak:.2f} |")
        lines.append(f"\n(generating the data, in its own process and not "
                     f"counted: {r['generate_s']:.0f} s)")
    if ref:
        ok = ref["total_s"] < 1800 and ref["peak_gb"] < 8
        lines += ["", f"target at 100k (under 30 min, under 8 GB): "
                  f"{'met' if ok else 'missed'} ({ref['total_s'] / 60:.1f} min, "
                  f"{ref['peak_gb']:.2f} GB)"]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description="DeepAR scale benchmarks (issue 13)")
    sub = ap.add_subparsers(dest="part", required=True)
    d = sub.add_parser("dp", help="data-parallel training throughput")
    d.add_argument("--procs", default=None, help="e.g. 1,2 (default: 1 and 2 "
                   "CPU processes, or 1 and every GPU with --device cuda)")
    d.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    d.add_argument("--series", type=int, default=400)
    d.add_argument("--periods", type=int, default=365)
    d.add_argument("--epochs", type=int, default=5)
    d.add_argument("--batches", type=int, default=40)
    d.add_argument("--batch-size", default="32,64,128,256",
                   help="per process; a comma list gives a row each")
    d.add_argument("--hidden-size", type=int, default=40)
    d.add_argument("--threads", type=int, default=1)
    d.add_argument("--repeats", type=int, default=3)
    d.add_argument("--output", default="benchmarks/results/scale_dp.md")
    pa = sub.add_parser("panel", help="DeepAR end to end on growing panels")
    one = sub.add_parser("panel-one", help=argparse.SUPPRESS)
    for q in (pa, one):
        q.add_argument("--periods", type=int, default=730)
        q.add_argument("--epochs", type=int, default=100)
        q.add_argument("--batches", type=int, default=50)
        q.add_argument("--threads", type=int, default=2)
        q.add_argument("--shards", type=int, default=1)
        q.add_argument("--num-samples", type=int, default=100)
    pa.add_argument("--series", default="1000,10000,100000")
    pa.add_argument("--shard-from", type=int, default=1_000_000,
                    help="use --shards for panels of at least this many series")
    pa.add_argument("--output", default="benchmarks/results/scale_panel.md")
    one.add_argument("--series", type=int, required=True)
    one.add_argument("--json", required=True)
    gen = sub.add_parser("panel-data", help=argparse.SUPPRESS)
    gen.add_argument("--series", type=int, required=True)
    gen.add_argument("--periods", type=int, default=730)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--prefix", default="")
    gen.add_argument("--out", required=True)
    tp = sub.add_parser("topics", help="topic model on a streamed corpus")
    _scale_topics.add_arguments(tp)
    tp.add_argument("--output", default="benchmarks/results/scale_topics.md")
    args = ap.parse_args()
    if args.part == "panel-data":
        _generate(args)
        return
    if args.part == "panel-one":
        with open(args.json, "w") as fh:
            json.dump(_panel_one(args), fh)
        return
    load = os.getloadavg()[0]
    table = {"dp": dp, "panel": panel, "topics": _scale_topics.run}[args.part](args)
    print(table)
    os.makedirs(os.path.dirname(args.output) or ".", exist_ok=True)
    with open(args.output, "w") as fh:
        fh.write(table + f"\nload average at start: {load:.2f}\n")


if __name__ == "__main__":
    main()

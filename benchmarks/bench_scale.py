"""Scale benchmarks of DeepAR (issue 13).

``dp``: data-parallel training throughput. The same DeepAR configuration is
trained with 1 process (the single-process code path) and with N processes
(torch.distributed, gloo on CPU / NCCL on CUDA, spawned here as torchrun
would start them), each process holding its shard of a synthetic daily
retail panel (``make_retail_panel``) and ``--threads`` torch threads. The
per-process batch is fixed (``batch_size`` is per process, as in DDP), so N
processes train on N times as many windows per step; the throughput is the
training windows of all ranks per second of the epochs after the first
(median; the history's ``windows_per_s``, validation off), and the scaling
efficiency ``throughput(N) / (N * throughput(1))``.

Run from the repository root::

    .venv/bin/python benchmarks/bench_scale.py dp               # 1 and 2 CPU processes
    .venv/bin/python benchmarks/bench_scale.py dp --device cuda # 1 and all GPUs

Options: ``--procs 1,2``, ``--series``, ``--periods``, ``--epochs``,
``--batches``, ``--batch-size``, ``--hidden-size``, ``--threads`` (default
1), ``--repeats`` (best of), ``--output``. Timings depend on machine load:
check ``uptime`` first (printed with the table).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import time

import numpy as np
import torch


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
    if world > 1:
        dist.destroy_process_group()
    if rank == 0:
        with open(out, "w") as fh:
            json.dump({"procs": world, "windows_per_s": float(np.median(wps)),
                       "fit_s": fit_s}, fh)


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
    rows = []
    for n in procs:
        runs = [_run_dp(n, args) for _ in range(args.repeats)]
        best = max(runs, key=lambda r: r["windows_per_s"])
        rows.append(best)
        print(f"{n} process(es): {best['windows_per_s']:.0f} windows/s "
              f"(fit {best['fit_s']:.1f} s)", file=sys.stderr)
    base = next((r["windows_per_s"] for r in rows if r["procs"] == 1), None)
    lines = [
        f"command: {' '.join(sys.argv)}",
        f"load average before: {os.getloadavg()[0]:.2f}",
        f"device {args.device}, {args.threads} thread(s) per process, "
        f"batch_size {args.batch_size} per process, hidden_size "
        f"{args.hidden_size} x 2 layers, {args.series} series x {args.periods} "
        f"periods, {args.epochs} epochs x {args.batches} batches",
        "",
        "| processes | windows / s (all ranks) | speed-up | efficiency |",
        "|---:|---:|---:|---:|",
    ]
    for r in rows:
        speed = r["windows_per_s"] / base if base else float("nan")
        lines.append(f"| {r['procs']} | {r['windows_per_s']:.0f} | {speed:.2f} | "
                     f"{speed / r['procs']:.0%} |")
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
    d.add_argument("--epochs", type=int, default=4)
    d.add_argument("--batches", type=int, default=25)
    d.add_argument("--batch-size", type=int, default=64)
    d.add_argument("--hidden-size", type=int, default=40)
    d.add_argument("--threads", type=int, default=1)
    d.add_argument("--repeats", type=int, default=1)
    d.add_argument("--output", default="benchmarks/results/scale_dp.md")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    table = dp(args)
    print(table)
    os.makedirs(os.path.dirname(args.output) or ".", exist_ok=True)
    with open(args.output, "w") as fh:
        fh.write(table + f"\nload average at start: {load:.2f}\n")


if __name__ == "__main__":
    main()

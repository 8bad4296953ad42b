"""DeepAR's defaults across panels: learning rate and early stopping.

One run fits :class:`skforecast_ntm.DeepARForecaster` with its defaults and
with the alternatives the defaults were chosen against, on three real panels
of different shapes, several seeds each, and prints one table of means
(and the spread over the seeds), also written to
``benchmarks/results/deepar_defaults.md``.

Configurations
--------------
``defaults``        ``DeepARForecaster(prediction_length=h)`` as shipped
                    (``lr=3e-3``, ``early_stopping="auto"``); the table says
                    which way ``"auto"`` resolved (``ES``) and the training
                    draws per distinct window it was decided from.
``lr3e-3 ES``       ``early_stopping=True`` forced (the same fit as
                    ``defaults`` where ``"auto"`` resolved on: not rerun).
``lr3e-3 noES``     ``early_stopping=False`` forced.
``lr1e-3 ES``       the defaults before this benchmark (``lr=1e-3``,
                    ``early_stopping=True``).

Panels
------
``m3``              M3 monthly, official split (1,428 series, horizon 18):
                    many short series, each window seen about once.
``us_employment``   ``fpp3::us_employment`` (the last 240 months before a
                    held-out final 12), as in ``bench_auto.py``.
``walmart``         the 7 Walmart departments of ``load_walmart_weekly``
                    (horizon 13, the last 13 weeks held out, seasonal period
                    52): a small panel, each window drawn about 195 times.

Metrics: MASE (scaled on each series' own training history), mean wQL over
0.1/0.5/0.9 and the coverage of the 10%-90% interval, as in ``bench_auto.py``.

Run ``python benchmarks/bench_deepar_defaults.py --help``; ``--quick`` is a
small smoke run (a budget of 5 epochs, a subset of M3).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_auto import load_panel, score  # noqa: E402

CONFIGS = {
    "defaults": {},
    "lr3e-3 ES": {"early_stopping": True},
    "lr3e-3 noES": {"early_stopping": False},
    "lr1e-3 ES": {"lr": 1e-3, "early_stopping": True},
}
PANELS = ("m3", "us_employment", "walmart")


def _args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--panels", nargs="+", default=list(PANELS), choices=PANELS)
    p.add_argument("--configs", nargs="+", default=list(CONFIGS),
                   choices=list(CONFIGS))
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument("--quick", action="store_true",
                   help="5 epochs and 100 M3 series: a smoke run")
    p.add_argument("--out", default="benchmarks/results/deepar_defaults.md")
    return p.parse_args(argv)


def _walmart():
    from skforecast_ntm.datasets import load_walmart_weekly

    y = load_walmart_weekly().y
    t = y.index.get_level_values(1)
    periods = t.unique().sort_values()
    h = 13
    cut = periods[-h - 1]
    return y[t <= cut], y[t > cut], h, 52


def _panel(name: str, quick: bool):
    if name == "walmart":
        return _walmart()
    return load_panel(name, 100 if quick and name == "m3" else None, 240)


def main(argv=None) -> pd.DataFrame:
    import torch

    from skforecast_ntm import DeepARForecaster

    args = _args(argv)
    torch.set_num_threads(args.threads)
    rows, done = [], {}
    defaults = DeepARForecaster().get_params()
    for panel in args.panels:
        y_train, y_test, h, sp = _panel(panel, args.quick)
        fh = np.arange(1, h + 1)
        for name in args.configs:
            for seed in args.seeds:
                kw = dict(CONFIGS[name], random_state=seed)
                if args.quick:
                    kw["max_epochs"] = 5
                # a forced configuration that "auto" resolved to already ran
                key = (panel, seed, kw.get("lr", defaults["lr"]),
                       kw.get("early_stopping"))
                if key in done:
                    rows.append({**done[key], "config": name})
                    continue
                f = DeepARForecaster(prediction_length=h, **kw)
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    f.fit(y_train)
                    q = f.predict_quantiles(fh=fh, alpha=[0.1, 0.5, 0.9])
                fit_s = time.perf_counter() - t0
                core = f.core_
                draws = (core.config.max_epochs * core.config.batches_per_epoch
                         * core.config.batch_size)
                rows.append({"panel": panel, "config": name, "seed": seed,
                             "ES": core.early_stopping_,
                             "draws/window": draws / core.distinct_windows_,
                             **score(y_train, y_test, q, sp), "seconds": fit_s})
                done[key[:3] + (core.early_stopping_,)] = rows[-1]
                print(rows[-1], flush=True)
    res = pd.DataFrame(rows)
    table = _table(res)
    print(table)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table + "\n")
    return res


def _table(res: pd.DataFrame) -> str:
    g = res.groupby(["panel", "config"], sort=False)
    lines = ["| panel | config | ES | draws/window | MASE (seeds) | mean MASE "
             "| mean wQL | coverage | fit s |", "|---|---|---|---|---|---|---|---|---|"]
    for (panel, config), d in g:
        seeds = " / ".join(f"{v:.3f}" for v in d["MASE"])
        es = "on" if d["ES"].all() else "off" if not d["ES"].any() else "mixed"
        lines.append(
            f"| {panel} | {config} | {es} "
            f"| {d['draws/window'].mean():.1f} | {seeds} | {d['MASE'].mean():.3f} "
            f"| {d['mean_wQL'].mean():.4f} | {d['coverage'].mean():.3f} "
            f"| {d['seconds'].mean():.0f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

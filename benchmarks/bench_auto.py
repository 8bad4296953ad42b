"""AutoForecaster vs single models on M3 monthly and US employment.

One run fits, on each panel's training part, and scores on its held-out
horizon:

``ensemble``            :class:`skforecast_ntm.model_selection.AutoForecaster`
                        (seasonal naive, ETS, Theta, DeepAR and LightGBM when
                        installed; greedy ensemble on ``--windows`` backtest
                        windows) with its calibrated quantiles;
``ensemble (raw)``      the same fitted ensemble without the calibration;
``ensemble (<rule>)``   the same fitted ensemble calibrated by the other rule
                        of ``AutoForecaster(calibrate=...)`` ("pinball" or
                        "coverage"), learnt on the same backtest;
``DeepAR``              :class:`skforecast_ntm.DeepARForecaster` alone;
``DeepAR (calibrated)`` the same network wrapped in ``CalibratedForecaster``
                        (``--windows`` calibration windows; the wrapped
                        forecaster's final fit *is* ``DeepAR``);
``ETS``, ``Theta``, ``seasonal naive``, ``LightGBM``: the candidates alone;
``Theta (calibrated)``, ``LightGBM (calibrated)``: wrapped in
                        ``CalibratedForecaster`` like DeepAR.

Metrics: MASE (seasonal period 12, scaled on each series' own history), mean
wQL over 0.1/0.5/0.9, the coverage of the 10%-90% (80%) interval, and fit
and predict time (seconds; the local models fit in ``predict``; for the
calibrated DeepAR, its backtest windows plus the final fit; ``DeepAR`` is
that minus the backtest). Panels: M3 monthly (official split, horizon 18) and
``fpp3::us_employment`` (148 series, the last ``--history`` months before a
held-out final 12 months).

``--quick`` runs a reduced version (a subset of the series, a small DeepAR
budget) in a few minutes on two cores; the full run takes about 20 minutes
there (M3 about 15, US employment 10: one process per panel with
``--datasets``).
Run ``python benchmarks/bench_auto.py --help`` for the options.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

QUANTILES = [0.1, 0.5, 0.9]


def _args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="reduced run: --n-series 150, --epochs 5, --batches 20")
    p.add_argument("--datasets", default="m3,us_employment")
    p.add_argument("--n-series", type=int, default=None,
                   help="first N series of each panel (default all)")
    p.add_argument("--epochs", type=int, default=None,
                   help="DeepAR max_epochs (default 100, quick 5)")
    p.add_argument("--batches", type=int, default=None,
                   help="DeepAR batches per epoch (default 50, quick 20)")
    p.add_argument("--windows", type=int, default=1,
                   help="backtest windows of the ensemble and the calibration")
    p.add_argument("--history", type=int, default=240,
                   help="us_employment: months of history kept before the test")
    p.add_argument("--threads", type=int, default=1,
                   help="torch and BLAS threads (two runs at once on two cores "
                        "with more BLAS threads than cores are several times "
                        "slower: statsmodels' small products spin)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--calibrate", default=None, choices=["pinball", "coverage"],
                   help="the ensemble's calibrate rule (default AutoForecaster's); "
                        "the other rule is reported as well")
    p.add_argument("--output", default=None,
                   help="markdown table (default benchmarks/results/auto[_quick].md)")
    a = p.parse_args(argv)
    if a.quick:
        a.n_series = a.n_series or 150
        a.epochs = a.epochs or 5
        a.batches = a.batches or 20
    a.epochs = a.epochs or 100
    a.batches = a.batches or 50
    return a


def _subset(y: pd.DataFrame, n: int | None) -> pd.DataFrame:
    if not n:
        return y
    ids = y.index.get_level_values(0).unique()[:n]
    return y[y.index.get_level_values(0).isin(ids)]


def load_panel(name: str, n_series: int | None, history: int):
    """(y_train, y_test, horizon, seasonal period)."""
    if name == "m3":
        from skforecast_ntm.datasets import load_m3

        d = load_m3("monthly")
        ytr, yte = _subset(d.y_train, n_series), _subset(d.y_test, n_series)
        return ytr, yte, int(d.horizon), 12
    if name == "us_employment":
        from skforecast_ntm.datasets import load_us_employment

        y = _subset(load_us_employment(trim=True).y, n_series)
        t = y.index.get_level_values(1)
        periods = t.unique().sort_values()
        h = 12
        cut = periods[-h - 1]
        start = periods[max(0, len(periods) - h - history)]
        ytr = y[(t <= cut) & (t >= start)]
        yte = y[t > cut]
        # a series needs enough history for ETS/Theta and a backtest window
        n_obs = ytr["y"].notna().groupby(level=0).sum()
        keep = n_obs.index[n_obs >= 4 * h]
        ytr = ytr[ytr.index.get_level_values(0).isin(keep)]
        yte = yte[yte.index.get_level_values(0).isin(keep)]
        return ytr, yte, h, 12
    raise SystemExit(f"unknown dataset {name!r}; choose m3, us_employment")


def score(y_train, y_test, q: pd.DataFrame, sp: int) -> dict:
    from skforecast_ntm.metrics import forecast_report, panel_matrix

    ids, train = panel_matrix(y_train)
    times = y_test.index.get_level_values(1).unique().sort_values()
    idx = pd.MultiIndex.from_product([ids, times])
    truth = y_test["y"].reindex(idx).to_numpy().reshape(len(ids), len(times))
    values = q.reindex(idx).to_numpy(float).reshape(len(ids), len(times), -1)
    _, overall = forecast_report(truth, values, QUANTILES, train, sp)
    return {"MASE": overall["MASE"], "mean_wQL": overall["mean_wQL"],
            "coverage": overall["coverage"]}


def main(argv=None) -> pd.DataFrame:
    a = _args(argv)
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(a.threads)
    threadpool_limits(a.threads)
    from skforecast_ntm import DeepARForecaster
    from skforecast_ntm.model_selection import (
        AutoForecaster,
        CalibratedForecaster,
        ETSForecaster,
        SeasonalNaiveForecaster,
        ThetaForecaster,
    )
    from skforecast_ntm.model_selection._auto import DEFAULT_CALIBRATION

    try:
        from skforecast_ntm.model_selection._auto import _gbm_class

        gbm_cls = _gbm_class()
    except ImportError:
        gbm_cls = None
    deepar = dict(max_epochs=a.epochs, batches_per_epoch=a.batches,
                  random_state=a.seed)
    rows = []
    for name in a.datasets.split(","):
        ytr, yte, h, sp = load_panel(name, a.n_series, a.history)
        fh = np.arange(1, h + 1)
        n = ytr.index.get_level_values(0).nunique()
        print(f"{name}: {n} series, horizon {h}", flush=True)

        def run(label, est, ytr=ytr, yte=yte, sp=sp, fh=fh, name=name):
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(ytr, fh=fh)
                q = est.predict_quantiles(fh=fh, alpha=QUANTILES)
            fit_s = time.perf_counter() - t0
            rows.append({"data": name, "model": label, **score(ytr, yte, q, sp),
                         "fit_s": fit_s})
            print(f"  {label:22s} {rows[-1]}", flush=True)
            return est

        run("seasonal naive", SeasonalNaiveForecaster(sp=sp))
        run("Theta", ThetaForecaster(sp=sp))
        run("Theta (calibrated)", CalibratedForecaster(ThetaForecaster(sp=sp),
                                                       windows=a.windows))
        run("ETS", ETSForecaster(sp=sp))
        if gbm_cls is not None:
            gbm = gbm_cls(quantiles=tuple(QUANTILES), prediction_length=h,
                          seasonal_period=sp, random_state=a.seed)
            run("LightGBM", gbm)
            run("LightGBM (calibrated)", CalibratedForecaster(gbm.clone(),
                                                              windows=a.windows))
        cal = run("DeepAR (calibrated)", CalibratedForecaster(
            DeepARForecaster(prediction_length=h, **deepar), windows=a.windows))
        bt_s = cal.backtest_.fit_seconds if cal.backtest_ is not None else 0.0
        q = cal.forecaster_.predict_quantiles(fh=fh, alpha=QUANTILES)
        rows.append({"data": name, "model": "DeepAR", **score(ytr, yte, q, sp),
                     "fit_s": rows[-1]["fit_s"] - bt_s})
        print(f"  {'DeepAR':22s} {rows[-1]}", flush=True)
        kw = {} if a.calibrate is None else {"calibrate": a.calibrate}
        auto = run("ensemble", AutoForecaster(
            windows=a.windows, quantiles=tuple(QUANTILES), deepar_params=deepar,
            random_state=a.seed, seasonal_period=sp, **kw))
        fit_s = rows[-1]["fit_s"]
        calibrator = auto.calibrator_
        used = DEFAULT_CALIBRATION if auto.calibrate is True else auto.calibrate
        other = {"pinball": "coverage", "coverage": "pinball"}[used]
        # the other rule, learnt on the same backtest of the same ensemble
        for label, cal_ in [("ensemble (raw)", None),
                            (f"ensemble ({other})", auto._fit_calibrator(other))]:
            auto.calibrator_ = cal_
            q = auto.predict_quantiles(fh=fh, alpha=QUANTILES)
            rows.append({"data": name, "model": label,
                         **score(ytr, yte, q, sp), "fit_s": fit_s})
            print(f"  {label:22s} {rows[-1]}", flush=True)
        auto.calibrator_ = calibrator
        print("  weights:", auto.weights_.round(2).to_dict("records"), flush=True)
        # the backtest the weights and the calibration were learnt on
        print(auto.leaderboard_.round(4).to_string(), flush=True)
    table = pd.DataFrame(rows)
    with pd.option_context("display.float_format", "{:.3f}".format,
                           "display.width", 120):
        print(table.to_string(index=False))
    out = Path(a.output or Path(__file__).parent / "results" /
               ("auto_quick.md" if a.quick else "auto.md"))
    out.parent.mkdir(parents=True, exist_ok=True)
    settings = (f"n_series={a.n_series or 'all'}, DeepAR max_epochs={a.epochs}, "
                f"batches_per_epoch={a.batches}, windows={a.windows}, "
                f"threads={a.threads}, seed={a.seed}, calibrate={a.calibrate}")
    out.write_text(f"# bench_auto ({'quick, reduced' if a.quick else 'full'})\n\n"
                   f"{settings}\n\n" + table.to_markdown(index=False, floatfmt=".4g")
                   + "\n")
    print(f"wrote {out}")
    return table


if __name__ == "__main__":
    main()

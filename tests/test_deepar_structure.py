"""One source of truth for the DeepAR parameters, and the estimator contracts.

The declaration in ``forecasting._config.PARAMETERS`` feeds the constraint
tables, the docstrings, ``DeepARConfig`` and ``make_config``; scikit-learn
and sktime need explicit ``__init__`` signatures, so these tests fail when a
signature, a docstring or a constraint drifts from the declaration.
"""

import ast
import inspect
import re
from dataclasses import MISSING, fields

import numpy as np
import pytest
import torch
from conftest import make_panel
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import EpochTimer
from sktime.registry import all_tags

from skforecast_ntm import DeepARForecaster, DeepARRegressor
from skforecast_ntm.forecasting import DeepARConfig
from skforecast_ntm.forecasting._config import (
    FORECASTER,
    PARAMETERS,
    REGRESSOR,
    make_config,
    parameters,
)

ESTIMATORS = [(DeepARForecaster, FORECASTER), (DeepARRegressor, REGRESSOR)]


def _signature(cls):
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return [(p.name, p.default) for p in params]


@pytest.mark.parametrize("cls, face", ESTIMATORS)
def test_signature_matches_the_declaration(cls, face):
    declared = [(p.name, p.default) for p in parameters(face)]
    assert _signature(cls) == declared


@pytest.mark.parametrize("cls, face", ESTIMATORS)
def test_every_parameter_is_documented_with_its_default(cls, face):
    doc = inspect.getdoc(cls)
    section = doc.split("Parameters\n----------\n", 1)[1].split("\nAttributes\n")[0]
    headers = dict(re.findall(r"^(\w+) : (.+)$", section, flags=re.M))
    names = [name for name, _ in _signature(cls)]
    assert list(headers) == names
    for name, default in _signature(cls):
        text = headers[name].rsplit("default=", 1)[1]
        assert ast.literal_eval(text) == default, name


@pytest.mark.parametrize("cls, face", ESTIMATORS)
def test_every_parameter_has_a_constraint(cls, face):
    names = [name for name, _ in _signature(cls)]
    assert list(cls._parameter_constraints) == names
    assert all(cls._parameter_constraints[n] for n in names)


def test_config_defaults_are_the_declared_ones():
    declared = {p.name: p.default for p in PARAMETERS}
    for f in fields(DeepARConfig):
        default = f.default if f.default_factory is MISSING else f.default_factory()
        if f.name == "prediction_length":
            assert default == 1  # resolved by the estimators from fh / freq
        elif f.name.startswith("static_") or f.name == "callbacks":
            assert default == [] and declared[f.name] is None
        else:
            assert default == declared[f.name], f.name


def test_make_config_carries_every_core_parameter():
    # non-default values reach the config, converted to the core's types
    values = dict(context_length=5, lags=(1, 2), likelihood="gaussian",
                  hidden_size=7, num_layers=3, dropout=0.2,
                  use_series_embedding=False, embedding_dim=3,
                  static_categorical_columns=("store",),
                  static_real_columns=("size",), max_epochs=9,
                  batches_per_epoch=8, batch_size=6, lr=0.02, weight_decay=0.1,
                  gradient_clip=2.0, early_stopping=False, patience=4,
                  window_weighting="uniform", empty_context_rate=0.3,
                  num_samples=11, random_state=5, device=torch.device("cpu"),
                  precision="bfloat16", verbose=True,
                  callbacks=(("timer", EpochTimer()),))
    cfg = make_config(DeepARRegressor(**values), 4)
    assert cfg.prediction_length == 4
    assert {f.name for f in fields(DeepARConfig)} - {"prediction_length"} == \
        set(values)
    expected = dict(values, lags=[1, 2], static_categorical_columns=["store"],
                    static_real_columns=["size"], device="cpu", verbose=True,
                    callbacks=list(values["callbacks"]))
    for name, value in expected.items():
        assert getattr(cfg, name) == value, name


def _regressor_data():
    y = make_panel(n_series=2, n_periods=24)
    X = y.reset_index().rename(columns={"id": "series_id", "time": "timestamp"})
    return X[["series_id", "timestamp"]], X["y"].to_numpy()


@pytest.mark.parametrize("name, value", [
    ("hidden_size", 0), ("likelihood", "poisson"), ("dropout", 1.0),
    ("window_weighting", "auto"), ("lr", -1.0), ("id_column", 1.5),
])
def test_bad_parameters_are_rejected_by_both_faces(name, value):
    X, y = _regressor_data()
    with pytest.raises(InvalidParameterError, match=name):
        DeepARRegressor(**{name: value}).fit(X, y)
    if name != "id_column":
        with pytest.raises(InvalidParameterError, match=name):
            DeepARForecaster(**{name: value}).fit(make_panel(n_series=2))


def test_regressor_has_no_update_parameter():
    # it has no update method, so no parameter for one
    assert not hasattr(DeepARRegressor, "update")
    assert "update_epochs" not in DeepARRegressor().get_params()


# ------------------------------------------------------------ sktime contract
def test_init_leaves_the_base_class_data_memory_alone():
    f = DeepARForecaster()
    assert "_y" not in vars(f) and "_X" not in vars(f)


def test_randomness_tag_is_a_registered_tag_and_seeding_derandomizes(tiny):
    assert "property:randomness" in {t[0] for t in all_tags("forecaster")}
    panel = make_panel(n_series=3, n_periods=30)
    kw = dict(tiny, prediction_length=3)
    a = DeepARForecaster(**kw).fit(panel).predict(fh=[1, 2, 3])
    b = DeepARForecaster(**kw).fit(panel).predict(fh=[1, 2, 3])
    c = DeepARForecaster(**dict(kw, random_state=1)).fit(panel).predict(fh=[1, 2, 3])
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
    assert not np.array_equal(a.to_numpy(), c.to_numpy())


def test_fitted_params_describe_the_fitted_model(tiny):
    panel = make_panel(n_series=3, n_periods=30)
    f = DeepARForecaster(prediction_length=3, context_length=5, lags=[1, 2, 4],
                         **tiny).fit(panel)
    params = f.get_fitted_params()
    assert params["n_series"] == 3
    assert list(params["series_ids"]) == ["s00", "s01", "s02"]
    assert params["context_length"] == 5 and params["lags"] == [1, 2, 4]
    assert params["prediction_length"] == 3
    assert params["freq"].freqstr in ("M", "ME")
    assert params["x_columns"] == [] and params["cardinalities"] == {}
    assert isinstance(params["network"], torch.nn.Module)
    # the training history has one row per epoch that ran
    assert len(params["training_history"]) == tiny["max_epochs"]
    # update_epochs=0: only context_length + max(lags) periods per series kept
    assert params["history_length"] == 3 * (5 + 4)


def test_predict_summary_equals_the_public_methods(tiny):
    panel = make_panel(n_series=3, n_periods=30)
    f = DeepARForecaster(prediction_length=3, **tiny).fit(panel)
    summary = f.predict_summary(fh=[1, 2, 3], quantiles=(0.1, 0.5, 0.9))
    q = f.predict_quantiles(fh=[1, 2, 3], alpha=[0.1, 0.5, 0.9])
    # the same paths (float32 quantiles here, float64 in predict_quantiles)
    np.testing.assert_allclose(summary[["p10", "p50", "p90"]].to_numpy(),
                               q.to_numpy(), rtol=1e-6)
    mean = f.predict_proba(fh=[1, 2, 3]).mean()
    np.testing.assert_allclose(summary["mean"].to_numpy(),
                               mean.to_numpy()[:, 0], rtol=1e-6)
    # no private base-class checks: fh and X go through predict_quantiles
    source = inspect.getsource(DeepARForecaster.predict_summary)
    assert "_check_fh" not in source and "_check_X_y" not in source

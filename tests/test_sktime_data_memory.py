"""Every forecaster of the package keeps its own history, as sktime 1.3 will.

``remember_data=False`` (the base class's data memory off) must come with
``_y`` / ``_X`` left unset, which sktime's own conformance test of the data
memory checks: run it on each forecaster (the full ``check_estimator`` runs
are in docs/model_selection.md; this one is cheap).
"""

import pytest
from sktime.utils.estimator_checks import check_estimator

from skforecast_ntm import AutoForecaster, DeepARForecaster, GradientBoostingForecaster
from skforecast_ntm.model_selection import (
    CalibratedForecaster,
    ETSForecaster,
    SeasonalNaiveForecaster,
    ThetaForecaster,
)

FORECASTERS = [SeasonalNaiveForecaster, ETSForecaster, ThetaForecaster,
               CalibratedForecaster, AutoForecaster, GradientBoostingForecaster,
               DeepARForecaster]


@pytest.mark.parametrize("cls", FORECASTERS, ids=lambda c: c.__name__)
def test_sktime_data_memory_check_passes(cls):
    results = check_estimator(cls, tests_to_run="test__y_remember_data",
                              raise_exceptions=False, verbose=False)
    assert results  # the check ran
    failed = {k: v for k, v in results.items() if v != "PASSED"}
    assert not failed
    assert cls.create_test_instance().get_config()["remember_data"] is False

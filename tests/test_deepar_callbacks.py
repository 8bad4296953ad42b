"""User skorch callbacks in both DeepAR estimators (issue 13, monitoring)."""

import pickle

import numpy as np
import pytest
import torch
from conftest import TINY, make_panel
from sklearn.base import clone
from skorch.callbacks import Callback, Checkpoint

from skforecast_ntm import DeepARForecaster, DeepARRegressor


class EpochRecorder(Callback):
    """Records, at each epoch's end, what the history holds."""

    def initialize(self):
        self.rows_ = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.rows_.append(dict(net.history[-1]))


def _regressor_data():
    y = make_panel(n_series=3, n_periods=36)
    X = y.reset_index().rename(columns={"id": "series_id", "time": "timestamp"})
    return X[["series_id", "timestamp"]], X["y"].to_numpy()


PARAMS = dict(TINY, max_epochs=3, early_stopping=False, prediction_length=4)


@pytest.mark.parametrize("face", ["forecaster", "regressor"])
def test_a_user_callback_sees_every_epoch_and_the_monitored_metrics(face):
    rec = EpochRecorder()
    if face == "forecaster":
        f = DeepARForecaster(callbacks=[rec], **PARAMS)
        f.fit(make_panel(n_series=3, n_periods=36), fh=[1, 2, 3, 4])
        net = f.core_.net_
    else:
        X, y = _regressor_data()
        f = DeepARRegressor(callbacks=[("recorder", rec)], **PARAMS).fit(X, y)
        net = f.core_.net_
    assert [r["epoch"] for r in rec.rows_] == [1, 2, 3]
    for row in rec.rows_:  # the built-in monitor ran before the user's callback
        assert row["windows_per_s"] > 0
        assert np.isfinite(row["grad_norm"]) and row["grad_norm"] >= 0
        # the default, not yet halved
        assert row["lr"] == pytest.approx(f.get_params()["lr"])
        assert np.isfinite(row["train_loss"])
    assert rec.rows_[-1]["train_loss"] == net.history[-1]["train_loss"]


def test_a_checkpoint_callback_saves_the_trained_weights(tmp_path):
    cp = Checkpoint(dirname=str(tmp_path), monitor=None, f_optimizer=None,
                    f_criterion=None, f_history="history.json")
    f = DeepARForecaster(callbacks=[cp], **PARAMS)
    f.fit(make_panel(n_series=3, n_periods=36), fh=[1, 2, 3, 4])
    saved = torch.load(tmp_path / "params.pt", weights_only=True)
    final = f.core_.net_.module_.state_dict()
    assert set(saved) == set(final)
    for name, tensor in final.items():
        torch.testing.assert_close(saved[name], tensor, rtol=0, atol=0)
    assert (tmp_path / "history.json").stat().st_size > 0


def test_callbacks_survive_clone_and_a_fitted_forecaster_pickles():
    rec = EpochRecorder()
    f = DeepARForecaster(callbacks=[rec], **PARAMS)
    g = clone(f)
    assert g.get_params()["callbacks"][0] is not rec  # cloned, not shared
    y = make_panel(n_series=3, n_periods=36)
    g.fit(y, fh=[1, 2])
    assert not hasattr(rec, "rows_")  # the original's callback did not run
    back = pickle.loads(pickle.dumps(g))
    np.testing.assert_allclose(back.predict().to_numpy(), g.predict().to_numpy())


@pytest.mark.parametrize("bad, error, match", [
    ([5], TypeError, r"callbacks\[0\] is 5"),
    ([Checkpoint(), "print"], TypeError, r"callbacks\[1\] is 'print'"),
    ([("monitor", EpochRecorder())], ValueError,
     r"callbacks\[0\] is named 'monitor', the name of a built-in"),
])
def test_bad_callbacks_name_the_entry(bad, error, match):
    f = DeepARForecaster(callbacks=bad, **PARAMS)
    with pytest.raises(error, match=match):
        f.fit(make_panel(n_series=3, n_periods=36), fh=[1, 2])

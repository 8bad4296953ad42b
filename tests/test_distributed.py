"""Data-parallel DeepAR training with 2 CPU processes (gloo).

One spawned pair of processes runs every scenario (a process start costs
seconds) and saves what it saw; the tests compare those results with each
other and with single-process references computed here. The pair is joined
with a timeout, so a hang in a collective fails the tests instead of
blocking the run.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from conftest import free_port, run_ranks

from skforecast_ntm._distributed import DistributedContext
from skforecast_ntm.datasets import make_retail_panel
from skforecast_ntm.forecasting import DeepARConfig
from skforecast_ntm.forecasting._encoders import Encoders
from skforecast_ntm.forecasting._panel import build_panel

WORLD = 2
TIMEOUT_S = 120
STATIC = ("store", "category")



def _data(n_series=10):
    b = make_retail_panel(n_series=n_series, n_periods=60, random_state=3)
    X = b.X.join(b.static, on="series_id")
    return b.y, X.loc[b.y.index]


def _shard(y, X, ids):
    keep = y.index.get_level_values(0).isin(ids)
    return y[keep], X[keep]


def _panel(y, X):
    return build_panel(y, X, static_columns=STATIC)


def _config(**kw):
    base = dict(prediction_length=4, hidden_size=8, max_epochs=3,
                batches_per_epoch=3, batch_size=8, random_state=0,
                early_stopping=True, window_weighting="scale",
                static_categorical_columns=STATIC,
                likelihood="negative_binomial", num_samples=3)
    base.update(kw)
    return DeepARConfig(**base)


def _enc_summary(enc):
    return {"series": list(enc.series_index),
            "levels": [list(v) for v in enc.cat_levels],
            "x_mean": enc.x_mean, "x_std": enc.x_std, "scale": enc.global_scale,
            "lags": list(enc.lags), "info": enc.info,
            "time_features": enc.time_feature_count}


def _flat_weights(core):
    return torch.cat([v.detach().flatten().double()
                      for v in core.net_.module_.state_dict().values()]).numpy()


def _worker(rank, port, env_port, out):
    import torch.distributed as dist

    from skforecast_ntm._distributed import DistributedContext
    from skforecast_ntm.forecasting import DeepARCore
    from skforecast_ntm.forecasting._training import make_net

    torch.set_num_threads(1)
    res = {}
    y, X = _data()
    ids = y.index.get_level_values(0).unique()
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}",
                            rank=rank, world_size=WORLD)
    ctx = DistributedContext(rank, WORLD)

    # (1) one training step on half a batch per rank
    cfg = _config(gradient_clip=1e9, dropout=0.0, early_stopping=False)
    core = DeepARCore(cfg)
    core.enc = Encoders().fit(_panel(y, X), cfg)
    arr = core.arrays(_panel(y, X), pad_right=4)
    c, h, p = core.context_length, 4, core.max_lag
    idx = np.arange(8) % len(ids)
    start = arr.first_obs[idx] + np.arange(8) % 3  # fully observed windows
    x = arr.window(idx, start, p, c + h, c + h, context=c)
    yb = {"target": x["target"][:, p:], "mask": x["observed"][:, p:]}
    half = slice(4 * rank, 4 * rank + 4)
    from skforecast_ntm.networks._torch_utils import seeded_torch
    with seeded_torch(0, "cpu"):
        net = make_net(cfg, core._build_network(), None, ctx,
                       early_stopping=False)
        net.initialize()
    step = net.train_step(({k: v[half] for k, v in x.items()},
                           {k: v[half] for k, v in yb.items()}))
    res["grad"] = net._grads_.flat.clone().numpy()
    res["step_loss"] = float(step["loss"])
    res["mask_sum"] = float(yb["mask"][half].sum())

    # an error on one rank (negative counts for the negative binomial)
    # raises on both instead of hanging
    yb_bad = y.copy()
    if rank == 1:
        yb_bad.iloc[-1, 0] = -1.0
    try:
        DeepARCore(_config()).fit(_panel(*_shard(yb_bad, X, ids[rank::2])))
    except ValueError as exc:
        res["error"] = str(exc)

    # (2) a 2-process fit on shards (even / odd series), in the user's group
    mine = ids[rank::2]
    core = DeepARCore(_config()).fit(_panel(*_shard(y, X, mine)))
    res["w_user"] = _flat_weights(core)
    res["hist_user"] = [(e["train_loss"], e.get("valid_loss"))
                        for e in core.net_.history]
    res["monitor"] = [(e["lr"], e["windows_per_s"], e["grad_norm"])
                      for e in core.net_.history]
    res["enc_even_odd"] = _enc_summary(core.enc)
    uniform = _config(early_stopping=False, window_weighting="uniform",
                      max_epochs=1, batches_per_epoch=1)
    res["loss_weight_uniform"] = DeepARCore(uniform).fit(
        _panel(*_shard(y, X, mine))).loss_weight_
    res["still_initialised"] = dist.is_initialized()
    # the fitted core pickles (no process group inside) with its weights
    import pickle
    res["w_unpickled"] = _flat_weights(pickle.loads(pickle.dumps(core)))
    fut = build_panel(*_shard(y, X, mine), static_columns=STATIC,
                      info=core.enc.info)
    res["sample"] = core.sample(fut, np.full(len(mine), len(fut.grid)), horizon=2,
                                num_samples=3)
    # (3) encoders from another sharding: the first / second half
    sh = ids[:3] if rank == 0 else ids[3:]
    res["enc_halves"] = _enc_summary(
        Encoders().fit(_panel(*_shard(y, X, sh)), _config(), ctx))
    dist.destroy_process_group()

    # the same fit from torchrun's environment (the core creates the group)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(env_port),
                      WORLD_SIZE=str(WORLD), RANK=str(rank),
                      LOCAL_RANK=str(rank))
    core = DeepARCore(_config()).fit(_panel(*_shard(y, X, mine)))
    res["w_env"] = _flat_weights(core)
    res["hist_env"] = [(e["train_loss"], e.get("valid_loss"))
                       for e in core.net_.history]
    # the group created from the env is kept for the next fit, then shut down
    res["kept"] = dist.is_initialized()
    res["w_env2"] = _flat_weights(DeepARCore(_config()).fit(
        _panel(*_shard(y, X, mine))))
    from skforecast_ntm._distributed import shutdown
    shutdown()
    res["destroyed"] = not dist.is_initialized()
    torch.save(res, os.path.join(out, f"rank{rank}.pt"))


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("ddp"))
    return run_ranks(_worker, (free_port(), free_port(), out), out, WORLD, TIMEOUT_S)


def test_gradients_equal_single_process_on_concatenated_batch(ranks):
    from skforecast_ntm.forecasting import DeepARCore
    from skforecast_ntm.networks._torch_utils import seeded_torch

    # reference: plain backward of the masked NLL on the whole batch
    cfg = _config(gradient_clip=1e9, dropout=0.0, early_stopping=False)
    y, X = _data()
    core = DeepARCore(cfg)
    core.enc = Encoders().fit(_panel(y, X), cfg)
    arr = core.arrays(_panel(y, X), pad_right=4)
    c, p = core.context_length, core.max_lag
    ids = y.index.get_level_values(0).unique()
    idx = np.arange(8) % len(ids)
    start = arr.first_obs[idx] + np.arange(8) % 3
    x = arr.window(idx, start, p, c + 4, c + 4, context=c)
    with seeded_torch(0, "cpu"):
        module = core._build_network()
    raw, scale = module(**x)
    ll = module.log_likelihood(raw, scale, x["target"][:, p:])
    mask = x["observed"][:, p:]
    loss = -(ll * mask).sum() / mask.sum()
    loss.backward()
    ref = torch.cat([q.grad.flatten() for q in module.parameters()]).numpy()
    # both halves hold the same number of observed steps, so the mean of the
    # two halves' means is the whole batch's mean
    assert ranks[0]["mask_sum"] == ranks[1]["mask_sum"] > 0
    np.testing.assert_allclose(ranks[0]["grad"], ref, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(ranks[0]["grad"], ranks[1]["grad"])
    assert ranks[0]["step_loss"] == pytest.approx(float(loss.detach()), rel=1e-6)
    assert ranks[1]["step_loss"] == ranks[0]["step_loss"]


def test_error_on_one_rank_raises_on_all(ranks):
    # rank 1's shard has the negative value: rank 0 raises rank 1's error
    assert ranks[0]["error"].startswith("(rank 1) ")
    assert "negative values" in ranks[0]["error"]
    assert "negative values" in ranks[1]["error"]
    assert not ranks[1]["error"].startswith("(rank")


def test_two_process_fit_same_weights_on_every_rank_and_run(ranks):
    a, b = ranks
    assert np.isfinite(a["w_user"]).all()
    np.testing.assert_array_equal(a["w_user"], b["w_user"])
    # the global loss drives early stopping / LR halving: same history
    assert a["hist_user"] == b["hist_user"]
    assert all(v is not None for _, v in a["hist_user"])
    # the same seed gives the same model (user's group vs torchrun's env)
    np.testing.assert_array_equal(a["w_user"], a["w_env"])
    np.testing.assert_array_equal(b["w_env"], a["w_env"])
    assert a["hist_user"] == a["hist_env"]
    np.testing.assert_array_equal(a["w_env2"], a["w_env"])
    assert a["kept"] and b["kept"]
    np.testing.assert_array_equal(a["w_unpickled"], a["w_user"])
    assert a["still_initialised"] and b["still_initialised"]
    assert a["destroyed"] and b["destroyed"]


def test_monitoring_history(ranks):
    a, b = ranks
    assert len(a["monitor"]) == 3
    for lr, wps, gnorm in a["monitor"]:
        assert lr == pytest.approx(_config().lr) or lr < _config().lr
        assert wps > 0 and gnorm > 0
    # the all-rank gradient norm is the same on every rank
    assert [m[2] for m in a["monitor"]] == [m[2] for m in b["monitor"]]


def test_importance_weights_follow_window_counts(ranks):
    # the loss weights of the 2-process run: W_r / mean(W); with uniform
    # windows W_r is the rank's window count, max(L - H, 1) per series of
    # length L (no validation split)
    y, X = _data()
    ids = y.index.get_level_values(0).unique()
    lengths = y.groupby(level=0).size().reindex(ids).to_numpy()
    counts = np.maximum(lengths - 4, 1)
    w = np.array([counts[0::2].sum(), counts[1::2].sum()], dtype=float)
    expected = w / w.mean()
    got = [r["loss_weight_uniform"] for r in ranks]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert expected[0] != pytest.approx(1.0)  # the shards do differ


def test_sharded_and_unsharded_data_give_the_same_encoders(ranks):
    y, X = _data()
    whole = _enc_summary(Encoders().fit(_panel(y, X), _config()))
    for key in ("enc_even_odd", "enc_halves"):
        for r in ranks:
            enc = r[key]
            assert enc["series"] == whole["series"]
            assert enc["levels"] == whole["levels"]
            assert enc["scale"] == whole["scale"]
            assert enc["lags"] == whole["lags"]
            assert enc["info"] == whole["info"]
            assert enc["time_features"] == whole["time_features"]
            np.testing.assert_allclose(enc["x_mean"], whole["x_mean"], rtol=1e-12)
            np.testing.assert_allclose(enc["x_std"], whole["x_std"], rtol=1e-12)
    # the reference: x statistics by hand over the observed rows
    np.testing.assert_allclose(whole["x_mean"], X[["promo", "price"]].mean(),
                               rtol=1e-12)
    np.testing.assert_allclose(whole["x_std"], X[["promo", "price"]].std(ddof=0),
                               rtol=1e-12)


def test_each_rank_forecasts_its_shard(ranks):
    y, _ = _data()
    ids = y.index.get_level_values(0).unique()
    for r, res in enumerate(ranks):
        assert res["sample"].shape == (len(ids[r::2]), 3, 2)
        assert np.isfinite(res["sample"]).all() and (res["sample"] >= 0).all()


class _Recorder(DistributedContext):
    """A one-process stand-in for rank 0 of a group whose ranks sent ``parts``
    (None: record this rank's summary, as a group of one)."""

    def __init__(self, parts=None):
        super().__init__(0, 1)
        self.parts, self.sent = parts, []

    def all_gather_object(self, obj):
        self.sent.append(obj)
        return [obj] if self.parts is None else self.parts


def _summary(panel, cfg):
    rec = _Recorder()
    Encoders().fit(panel, cfg, rec)
    return rec.sent[0]


def test_overlapping_shards_are_an_error():
    y, X = _data()
    ids = y.index.get_level_values(0).unique()
    cfg = _config()
    parts = [_summary(_panel(*_shard(y, X, ids[:4])), cfg),
             _summary(_panel(*_shard(y, X, ids[3:])), cfg)]
    with pytest.raises(ValueError, match=r"s3.*several ranks"):
        Encoders().fit(_panel(*_shard(y, X, ids[:4])), cfg, _Recorder(parts))
    # every rank the whole panel: the whole panel's encoders
    whole = _panel(y, X)
    enc = Encoders().fit(whole, cfg, _Recorder([_summary(whole, cfg)] * 2))
    ref = Encoders().fit(whole, cfg)
    assert list(enc.series_index) == list(ref.series_index)
    np.testing.assert_array_equal(enc.x_std, ref.x_std)


def test_single_process_has_no_group_and_needs_torchrun_env(monkeypatch):
    from skforecast_ntm._distributed import data_parallel

    monkeypatch.delenv("MASTER_ADDR", raising=False)
    monkeypatch.setenv("WORLD_SIZE", "1")
    with data_parallel("cpu") as ctx:
        assert ctx is None
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(ValueError, match="MASTER_ADDR"), data_parallel("cpu"):
        pass
    # the opt-out keeps the fit on this process
    monkeypatch.setenv("SKFORECAST_NTM_DATA_PARALLEL", "0")
    with data_parallel("cpu") as ctx:
        assert ctx is None

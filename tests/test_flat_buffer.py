"""The flat gradient buffer of the training steps (one process, no group).

:class:`FlatGradients` is what DeepAR's step clips and what both training
loops sum over the ranks in one collective; a two-rank sum is simulated
here by a context that adds the other rank's buffer.
"""

from __future__ import annotations

import copy

import pytest
import torch

from skforecast_ntm._distributed import DistributedContext, FlatGradients


def _module():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Embedding(7, 3), torch.nn.Flatten(),
                               torch.nn.Linear(6, 2))


def _bn_module():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3),
                               torch.nn.Linear(3, 1))


def _same_storage(t, grads):
    return t.untyped_storage().data_ptr() == grads.buffer.untyped_storage().data_ptr()


class _Snapshot(DistributedContext):
    """Keeps a copy of the buffer a rank would send (the sum is not done)."""

    def __init__(self):
        super().__init__(rank=1, world_size=2)
        self.sent = None

    def all_reduce_(self, tensor):
        self.sent = tensor.clone()
        return tensor


class _TwoRanks(DistributedContext):
    """Rank 0 of a world of two: the sum adds rank 1's buffer."""

    def __init__(self, other):
        super().__init__(rank=0, world_size=2)
        self.other = other

    def all_reduce_(self, tensor):
        return tensor.add_(self.other)


@pytest.mark.parametrize("max_norm", [1e-3, 1e3])
def test_clip_like_clip_grad_norm_on_views_of_the_buffer(max_norm):
    x = torch.tensor([[1, 2], [3, 3], [0, 6]])
    ref = _module()
    ref(x).pow(2).sum().backward()
    expected_norm = torch.nn.utils.clip_grad_norm_(ref.parameters(), max_norm)
    module = _module()
    grads = FlatGradients(module)
    for _ in range(2):  # zero_ resets: the second pass does not accumulate
        grads.zero_()
        module(x).pow(2).sum().backward()
    norm = grads.clip_norm_(max_norm)
    torch.testing.assert_close(norm, expected_norm)
    for p, q in zip(module.parameters(), ref.parameters(), strict=True):
        torch.testing.assert_close(p.grad, q.grad)
        assert _same_storage(p.grad, grads)  # no copy of the gradients


def test_views_reattach_after_gradients_were_set_to_none():
    module = _module()
    grads = FlatGradients(module)
    grads.zero_()
    module.zero_grad(set_to_none=True)  # e.g. an optimizer's zero_grad
    grads.zero_()
    module(torch.tensor([[1, 2]])).sum().backward()
    assert float(torch.linalg.vector_norm(grads.flat)) > 0


def test_extra_slots_follow_the_gradients_and_are_summed():
    module = _module()
    n_grads = sum(p.numel() for p in module.parameters())
    grads = FlatGradients(module, n_extra=2)
    assert grads.buffer.shape == (n_grads + 2,)
    assert grads.flat.shape == (n_grads,) and grads.extra.shape == (2,)
    assert _same_storage(grads.extra, grads)
    grads.zero_()
    module(torch.tensor([[1, 2]])).sum().backward()
    mine = torch.cat([p.grad.flatten() for p in module.parameters()])
    # rank 1's gradients: twice these; the sum divided by 2: 1.5 times
    other = torch.cat([2 * mine, torch.tensor([10.0, 20.0])])
    out = grads.all_reduce_(_TwoRanks(other), extra=(1.5, torch.tensor(2.0)))
    torch.testing.assert_close(out, torch.tensor([11.5, 22.0]))
    torch.testing.assert_close(grads.flat, 1.5 * mine)
    torch.testing.assert_close(module[2].bias.grad, 1.5 * torch.ones(2))
    # one process: the slots hold this rank's values, the gradients stay
    out = grads.all_reduce_(DistributedContext(), extra=(3.0, 4.0))
    torch.testing.assert_close(out, torch.tensor([3.0, 4.0]))
    torch.testing.assert_close(grads.flat, 1.5 * mine)


@pytest.mark.parametrize("weights", [(1.0, 1.0), (1.0, 0.0), (0.0, 0.0)])
def test_batch_norm_statistics_are_the_weighted_mean_over_the_ranks(weights):
    x = [torch.randn(5, 4, generator=torch.Generator().manual_seed(r))
         for r in range(2)]
    modules = [_bn_module().train() for _ in range(2)]
    before = {k: v.clone() for k, v in modules[0][1].state_dict().items()}
    refs = []
    for m, xr in zip(modules, x, strict=True):  # plain autograd, own stats
        ref = copy.deepcopy(m)
        ref(xr).sum().backward()
        refs.append(ref)
    snap = _Snapshot()
    bufs = [FlatGradients(m, n_extra=1, batch_norm=True) for m in modules]
    for r, (m, buf, xr) in enumerate(zip(modules, bufs, x, strict=True)):
        buf.zero_()
        m(xr).sum().backward()
        if r == 1:  # what rank 1 sends
            buf.all_reduce_(snap, extra=[1.0], weight=weights[1])
    out = bufs[0].all_reduce_(_TwoRanks(snap.sent), extra=[2.0], weight=weights[0])
    assert float(out[0]) == 3.0
    for p, a, b in zip(modules[0].parameters(), refs[0].parameters(),
                       refs[1].parameters(), strict=True):
        torch.testing.assert_close(p.grad, (a.grad + b.grad) / 2)
        assert _same_storage(p.grad, bufs[0])
    bn = modules[0][1]
    stats = [dict(r[1].named_buffers()) for r in refs]
    total = sum(weights)
    for name, got in bn.named_buffers():
        # no weight anywhere: this rank's statistics are left as they are
        want = stats[0][name] if total == 0 else \
            (weights[0] * stats[0][name] + weights[1] * stats[1][name]) / total
        assert got.dtype == before[name].dtype, name  # int64 count stays one
        torch.testing.assert_close(got, want.to(got.dtype), msg=name)
    assert not torch.equal(bn.running_mean, before["running_mean"])
    if weights[1]:  # rank 1's statistics moved them (the check is not vacuous)
        assert not torch.equal(bn.running_mean, stats[0]["running_mean"])


def test_without_batch_norm_the_statistics_are_left_alone():
    module = _bn_module().train()
    grads = FlatGradients(module)
    n_grads = sum(p.numel() for p in module.parameters())
    assert grads.buffer.numel() == n_grads and grads.stats == []
    grads.zero_()
    module(torch.randn(5, 4)).sum().backward()
    mean = module[1].running_mean.clone()
    grads.all_reduce_(_TwoRanks(torch.zeros(n_grads)))
    torch.testing.assert_close(module[1].running_mean, mean, rtol=0, atol=0)


def test_errors_name_the_parameter():
    grads = FlatGradients(_module(), n_extra=2)
    with pytest.raises(ValueError, match="extra has 1 values .* n_extra=2"):
        grads.all_reduce_(DistributedContext(), extra=[1.0])
    with pytest.raises(ValueError, match="n_extra=-1"):
        FlatGradients(_module(), n_extra=-1)
    frozen = _module().requires_grad_(False)
    with pytest.raises(ValueError, match="no parameter with requires_grad"):
        FlatGradients(frozen)

"""The training loop: a skorch ``NeuralNet`` fed with whole, vectorised batches.

* :func:`make_net` builds the skorch net (Adam, the learning-rate schedule,
  early stopping, the progress bar) around a
  :class:`~skforecast_ntm.networks.DeepARNetwork`.
* :func:`train` runs it for a number of epochs and turns a non-finite loss
  into an error that says what to try, keeping the best weights seen.
* :class:`_DeepARNet` writes out skorch's training step (masked likelihood
  loss, gradient clipping on a flat gradient buffer,
  :class:`~skforecast_ntm._distributed.FlatGradients`).
  In data-parallel training (``distributed_`` set, see
  :mod:`.._distributed`), the flat buffer, with the step's loss appended, is
  summed over the ranks in one collective and averaged before clipping; the
  validation loss is the all-rank one, so every rank's history, early
  stopping and learning-rate schedule are the same.
* :class:`_Monitor` records per epoch the training windows per second (all
  ranks), the mean gradient norm (before clipping), the learning rate and
  the peak memory.
"""

from __future__ import annotations

import sys
import time

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, LRScheduler
from skorch.dataset import get_len
from skorch.helper import predefined_split
from skorch.utils import to_tensor

from .._distributed import DistributedContext, FlatGradients
from ..networks import DeepARNetwork, MaskedNegativeLogLikelihood
from ..networks._torch_utils import fused_adam_available
from ._config import DeepARConfig

__all__ = ["make_net", "train", "use_validation"]


def make_net(config: DeepARConfig, module: DeepARNetwork, valid_ds,
             dist: DistributedContext | None = None, *,
             early_stopping: bool) -> _DeepARNet:
    """The skorch net training ``module`` (validated on ``valid_ds`` if any).

    ``early_stopping``: ``config.early_stopping`` resolved for the panel
    (:func:`._windows.resolve_early_stopping`).

    With ``dist``, the net averages gradients and losses over the ranks, and
    only rank 0 shows the progress bar.
    """
    cfg = config
    monitor = "valid_loss" if valid_ds is not None else "train_loss"
    callbacks = [
        ("lr_plateau", LRScheduler(
            policy=torch.optim.lr_scheduler.ReduceLROnPlateau,
            monitor=monitor, mode="min", factor=0.5,
            patience=max(1, int(cfg.patience) // 2),
        )),
    ]
    if early_stopping:
        callbacks.append(("early_stopping", EarlyStopping(
            monitor=monitor, patience=int(cfg.patience), threshold=1e-4,
            threshold_mode="rel", load_best=True, sink=_null_sink,
        )))
    callbacks.append(("monitor", _Monitor()))
    callbacks += user_callbacks(cfg.callbacks, [name for name, _ in callbacks]
                                + ["progress"])
    if cfg.verbose and (dist is None or dist.is_main):
        callbacks.append(("progress", _TrainingBar()))
    net = _DeepARNet(
        module=module,
        criterion=MaskedNegativeLogLikelihood,
        optimizer=torch.optim.Adam,
        optimizer__weight_decay=cfg.weight_decay,
        # one fused kernel instead of a loop over the parameter tensors
        optimizer__fused=fused_adam_available(cfg.device),
        lr=cfg.lr,
        max_epochs=int(cfg.max_epochs),
        batch_size=int(cfg.batch_size),
        iterator_train__batch_size=None,
        iterator_valid__batch_size=None,
        train_split=None if valid_ds is None else predefined_split(valid_ds),
        callbacks=callbacks,
        device=cfg.device,
        verbose=0,  # no epoch table: _TrainingBar shows the losses
        gradient_clip=cfg.gradient_clip,
    )
    net.distributed_ = dist
    return net


def user_callbacks(given: list, reserved: list[str]) -> list:
    """The user's ``callbacks``, checked: skorch callbacks, classes or pairs.

    Raises
    ------
    TypeError
        Naming the entry that is not a skorch callback.
    ValueError
        When a pair's name is one of the built-in callbacks' (``reserved``).
    """
    out = []
    for i, entry in enumerate(given or []):
        name, cb = entry if isinstance(entry, tuple) and len(entry) == 2 \
            else (None, entry)
        is_cb = isinstance(cb, Callback) or (
            isinstance(cb, type) and issubclass(cb, Callback))
        if not is_cb or (name is not None and not isinstance(name, str)):
            raise TypeError(
                f"callbacks[{i}] is {entry!r}: pass skorch callbacks (instances "
                "or subclasses of skorch.callbacks.Callback) or (name, "
                "callback) pairs with a str name."
            )
        if name in reserved:
            raise ValueError(
                f"callbacks[{i}] is named {name!r}, the name of a built-in "
                f"callback (built-in: {reserved}); give it another name."
            )
        out.append(entry)
    return out


def use_validation(net: _DeepARNet, valid_ds) -> None:
    """Validate a (warm-started) net on ``valid_ds`` (None: no validation)."""
    net.set_params(train_split=None if valid_ds is None else predefined_split(valid_ds))


def train(net: _DeepARNet, train_ds, epochs: int, config: DeepARConfig) -> None:
    """Run ``epochs`` epochs of training (continuing from the net's state).

    Raises
    ------
    ValueError
        When the loss becomes NaN or infinite; the best weights seen are
        restored first.
    """
    bar = dict(net.callbacks_).get("progress")
    if bar is not None:
        bar.total = int(epochs)
    try:
        net.partial_fit(train_ds, None, epochs=int(epochs))
    except _NonFiniteLoss as exc:
        _stop_on_nonfinite_loss(net, config, exc)
    finally:
        # left in evaluation mode (as validation leaves it), so that
        # predicting changes nothing in a fitted estimator
        net.module_.eval()


def _stop_on_nonfinite_loss(net: _DeepARNet, config: DeepARConfig,
                            exc: _NonFiniteLoss) -> None:
    """Restore the best weights seen, then raise an error saying what to try."""
    cfg = config
    epoch = len(net.history)
    restored = ""
    stopper = dict(net.callbacks_).get("early_stopping")
    best = getattr(stopper, "best_model_weights_", None)
    if best is not None:
        net.module_.load_state_dict(best)
        restored = " The weights of the best epoch so far are kept in core_."
    raise ValueError(
        f"The training loss became {exc.args[0]} in epoch {epoch} and training "
        f"stopped.{restored} Try a lower learning rate (lr={cfg.lr:g} now), a "
        "smaller gradient_clip, likelihood='student_t' (robust to outliers) "
        "or 'negative_binomial' for counts, and check the data for extreme "
        "values or a scale far from 1 (e.g. rescale the series)."
    ) from None


class _DeepARNet(NeuralNet):
    """skorch net whose loss is the masked negative log-likelihood.

    Its training step is written out rather than skorch's closure-based one
    (Adam needs no closure), with the gradient clipping inline.

    Parameters
    ----------
    gradient_clip : float
        Maximum norm of the gradient.
    """

    def __init__(self, *args, gradient_clip: float = 10.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.gradient_clip = gradient_clip

    def get_loss(self, y_pred, y_true, X=None, training=False):
        raw, scale = y_pred
        y_true = to_tensor(y_true, device=self.device)
        ll = self.module_.log_likelihood(raw, scale, y_true["target"])
        return self.criterion_(ll, y_true["mask"])

    def train_step(self, batch, **fit_params):
        """Forward, backward, gradient clipping and one Adam step.

        In data-parallel training the local loss is multiplied by
        ``loss_weight_`` (this rank's share of the global window weight, see
        :meth:`DeepARCore.fit`), the gradients and that loss are averaged
        over the ranks (one all-reduce of the flat buffer), then clipped:
        the returned loss is the all-rank one.
        """
        self._set_training(True)
        X, y = batch
        X = to_tensor(X, device=self.device)
        y_pred = self.module_(**X)
        loss = self.get_loss(y_pred, y, X=X, training=True)
        dist = self.distributed_
        if dist is None and not torch.isfinite(loss):
            raise _NonFiniteLoss(float(loss))
        extra = 0 if dist is None else 1
        grads = self._grads_
        if grads is None or grads.module is not self.module_ or grads.n_extra != extra:
            grads = self._grads_ = FlatGradients(self.module_, n_extra=extra)
        grads.zero_()
        if dist is None:
            loss.backward()
        else:
            loss = loss * self.loss_weight_
            loss.backward()
            # the mean over the ranks of the gradients and of the loss
            loss = grads.all_reduce_(dist, extra=[loss.detach()])[0] \
                / dist.world_size
            # the all-rank loss: every rank stops together
            if not torch.isfinite(loss):
                raise _NonFiniteLoss(float(loss))
        norm = grads.clip_norm_(self.gradient_clip)
        self.optimizer_.step()
        if self.step_norms_ is not None:  # collected by _Monitor
            self.step_norms_.append(norm.detach())
        return {"loss": loss.detach(), "y_pred": y_pred}

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch; in data-parallel training, an all-rank validation loss.

        The validation loss is then the mean of the batch losses over every
        rank's validation batches, weighted by their sizes (skorch's epoch
        loss, over the union), recorded as one batch entry.
        """
        dist = self.distributed_
        if dist is None or training or iterator is None:
            return super().run_single_epoch(iterator, training, prefix, step_fn,
                                            **fit_params)
        loss_sum, count = 0.0, 0
        for batch in iterator:
            step = step_fn(batch, **fit_params)
            size = get_len(batch[0])
            loss_sum += float(step["loss"]) * size
            count += size
        # on the net's device: NCCL reduces CUDA tensors only
        total = torch.tensor([loss_sum, count], dtype=torch.float64,
                             device=self.device)
        loss_sum, count = dist.all_reduce_(total).tolist()
        self.history.new_batch()
        self.history.record_batch(prefix + "_loss", loss_sum / max(count, 1))
        self.history.record_batch(prefix + "_batch_size", int(count))
        self.history.record(prefix + "_batch_count", 1)

    _grads_: FlatGradients | None = None
    #: the process group of data-parallel training (None: one process)
    distributed_: DistributedContext | None = None
    #: this rank's loss weight in data-parallel training
    loss_weight_: float = 1.0
    #: the epoch's gradient norms, while :class:`_Monitor` collects them
    step_norms_: list | None = None

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_grads_", None)  # rebuilt on the next training step
        state.pop("distributed_", None)  # a process group does not pickle
        return state


class _TrainingBar(Callback):
    """One progress bar over a training run's epochs, with the latest losses.

    Replaces skorch's per-epoch batch bar and epoch table (``verbose > 0``);
    early stopping closes it before its total.
    """

    total: int | None = None

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        import sys

        from tqdm.auto import tqdm

        self.bar_ = tqdm(total=self.total or net.max_epochs, unit="epoch",
                         desc="training DeepAR", file=sys.stderr, leave=True)

    def on_epoch_end(self, net, **kwargs):
        last = net.history[-1]
        post = {"train_loss": f"{last['train_loss']:.4f}"}
        if "valid_loss" in last:
            post["valid_loss"] = f"{last['valid_loss']:.4f}"
        self.bar_.set_postfix(post, refresh=False)
        self.bar_.update(1)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        self.bar_.close()

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("bar_", None)  # a tqdm bar holds a stream
        return state


class _Monitor(Callback):
    """Per-epoch training metrics in the history, as a training job shows them.

    ``windows_per_s`` (training windows of all ranks per second of the
    epoch, validation included), ``grad_norm`` (mean over the epoch's steps of
    the all-rank gradient norm before clipping), ``lr`` (the learning rate of
    the epoch) and ``peak_memory_mb`` (the process' peak resident memory,
    or the device's peak allocation on CUDA).
    """

    def on_epoch_begin(self, net, **kwargs):
        self.start_ = time.perf_counter()
        net.step_norms_ = []
        net.history.record("lr", float(net.optimizer_.param_groups[0]["lr"]))

    def on_epoch_end(self, net, **kwargs):
        elapsed = max(time.perf_counter() - self.start_, 1e-9)
        row = net.history[-1]
        batches = [b for b in row["batches"] if "train_batch_size" in b]
        windows = sum(b["train_batch_size"] for b in batches)
        dist = getattr(net, "distributed_", None)
        world = 1 if dist is None else dist.world_size
        net.history.record("windows_per_s", windows * world / elapsed)
        norms, net.step_norms_ = net.step_norms_, None
        if norms:
            net.history.record("grad_norm", float(torch.stack(norms).mean()))
        net.history.record("peak_memory_mb", _peak_memory_mb(net.device))


def _peak_memory_mb(device) -> float:
    if torch.device(device).type == "cuda" and torch.cuda.is_available():
        return torch.cuda.max_memory_allocated(device) / 2**20
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


class _NonFiniteLoss(FloatingPointError):
    """The training loss became NaN or infinite (raised by the train step)."""


def _null_sink(*args, **kwargs) -> None:
    """Silence skorch's early-stopping message (the progress bar says enough)."""

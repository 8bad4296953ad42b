"""The DeepAR network (Salinas et al. 2020) as a pure ``torch.nn.Module``.

Tensors, for a batch of ``B`` windows of ``W = C + H`` steps (``C`` context,
``H`` horizon during training) preceded by ``P = max(lags)`` steps of history
so that every lag is available:

``target``       ``(B, P + W)`` float, missing values already filled (any
                  finite value; they are masked out of the loss and scale)
``observed``     ``(B, P + W)`` float 0/1, 1 where ``target`` was observed
``dynamic``      ``(B, W, F)`` float time-varying inputs known in advance
                  (calendar features, age, covariates)
``static_cat``   ``(B, n_cat)`` long, index 0 = unknown category
``static_real``  ``(B, n_real)`` float
``fallback_scale`` ``(B,)`` float, used when the context has no observed
                  non-zero value; it must come from what precedes the
                  forecast part only (the data side gives the mean of the
                  earlier history, else a global scale learnt from the
                  training panel), never from the values being forecast

At each step the LSTM sees the scaled lagged targets, the lag-1 observed
indicator, the dynamic features, the static embeddings, the static reals and
``log(scale)``; its output parametrises the distribution of the target at that
step. No pandas here: the data pipeline lives in ``skforecast_ntm.forecasting``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from ._likelihoods import make_likelihood_head

__all__ = ["DeepARNetwork", "dropout_mask", "embedding_dim_for"]


def embedding_dim_for(cardinality: int) -> int:
    """Default embedding size: ``min(50, (cardinality + 1) // 2)``, at least 1."""
    return max(1, min(50, (cardinality + 1) // 2))


def dropout_mask(
    shape: Sequence[int],
    p: float,
    *,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Inverted-dropout mask: 0 with probability ``p``, else ``1 / (1 - p)``.

    ``torch.nn.functional.dropout`` draws one random number per element with
    ``bernoulli_``, which on CPU costs half as much as the forward pass of a
    layer of a small LSTM (0.46 ms against 0.75 ms for 64 x 36 x 40). This
    draws one uniform 64-bit integer per four elements and compares its
    16-bit fields with a threshold (0.12 ms), so ``p`` is rounded to a
    multiple of ``2**-16`` (the scale uses the rounded value, so the mask
    still has mean 1).

    Examples
    --------
    >>> import torch
    >>> from skforecast_ntm.networks import dropout_mask
    >>> m = dropout_mask((1000, 100), 0.25, generator=torch.Generator().manual_seed(0))
    >>> sorted(set(m.unique().tolist()))
    [0.0, 1.3333333730697632]
    >>> round(float((m == 0).float().mean()), 2)
    0.25
    """
    n = math.prod(int(d) for d in shape)
    drop = round(float(p) * 65536)
    if drop <= 0 or n == 0:
        return torch.ones(tuple(shape), dtype=dtype, device=device)
    draws = torch.empty((n + 3) // 4, dtype=torch.int64, device=device)
    # all 64 bits uniform, so each 16-bit field is uniform on [-2**15, 2**15)
    draws.random_(-(2**63), None, generator=generator)
    keep = (draws.view(torch.int16) >= drop - 32768)[:n]
    # bool -> float through uint8 is a plain widening copy (several times
    # faster than the bool conversion)
    mask = keep.view(torch.uint8).to(dtype).mul_(65536.0 / (65536 - drop))
    return mask.view(tuple(shape))


class DeepARNetwork(nn.Module):
    """Autoregressive RNN producing a distribution per time step.

    Parameters
    ----------
    lags : sequence of int
        Positive lags of the target fed as inputs (must include 1).
    context_length : int
        Number of window steps used to compute the scale (the conditioning
        range).
    n_dynamic : int
        Number of dynamic features.
    cardinalities : sequence of int
        Number of levels of each static categorical feature, *including* the
        unknown level 0.
    n_static_real : int
        Number of static real features.
    hidden_size, num_layers, dropout : int, int, float
        LSTM size; ``dropout`` applies between LSTM layers.
    likelihood : str
        ``"student_t"``, ``"gaussian"`` or ``"negative_binomial"``.
    embedding_dims : sequence of int, optional
        Embedding sizes; default :func:`embedding_dim_for` of each cardinality.
    min_scale : float
        Floor of the scale.
    lstm_dtype : torch.dtype
        Dtype the LSTM layers compute in during training. ``torch.bfloat16``
        is mixed precision: the weights, their gradients, the inputs'
        features, the likelihood and the optimizer stay float32, and only
        the LSTM's matrix products and gates run in bfloat16 (oneDNN on CPUs
        with AVX-512 BF16 or AMX). Evaluation and sampling are float32.

    Examples
    --------
    >>> import torch
    >>> from skforecast_ntm.networks import DeepARNetwork
    >>> net = DeepARNetwork(lags=[1, 2], context_length=3, n_dynamic=1,
    ...                     cardinalities=[4], hidden_size=8)
    >>> b, p, w = 5, 2, 3 + 2  # batch, max lag, context + horizon
    >>> x = dict(target=torch.rand(b, p + w), observed=torch.ones(b, p + w),
    ...          dynamic=torch.rand(b, w, 1), static_cat=torch.ones(b, 1).long(),
    ...          static_real=torch.zeros(b, 0), fallback_scale=torch.ones(b))
    >>> raw, scale = net(**x)
    >>> tuple(raw.shape)  # Student-t: 3 parameters per step
    (5, 5, 3)
    >>> x["target"], x["observed"] = x["target"][:, :p + 3], x["observed"][:, :p + 3]
    >>> tuple(net.eval().sample(**x, horizon=2, num_samples=7).shape)
    (5, 7, 2)
    """

    def __init__(
        self,
        lags: Sequence[int],
        context_length: int,
        n_dynamic: int,
        cardinalities: Sequence[int] = (),
        n_static_real: int = 0,
        hidden_size: int = 40,
        num_layers: int = 2,
        dropout: float = 0.1,
        likelihood: str = "student_t",
        embedding_dims: Sequence[int] | None = None,
        min_scale: float = 1e-10,
        lstm_dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        lags = [int(lag) for lag in lags]
        if not lags or min(lags) < 1 or 1 not in lags:
            raise ValueError(f"lags must be positive and include 1, got {lags}.")
        self.context_length = int(context_length)
        self.max_lag = max(lags)
        self.min_scale = float(min_scale)
        if lstm_dtype not in (torch.float32, torch.bfloat16):
            raise ValueError("lstm_dtype must be torch.float32 or torch.bfloat16, "
                             f"got {lstm_dtype}.")
        self.lstm_dtype = lstm_dtype
        self.register_buffer("lags", torch.tensor(sorted(set(lags)), dtype=torch.long))
        if embedding_dims is None:
            embedding_dims = [embedding_dim_for(c) for c in cardinalities]
        self.embeddings = nn.ModuleList(
            nn.Embedding(int(c), int(d))
            for c, d in zip(cardinalities, embedding_dims, strict=True)
        )
        n_emb = int(sum(embedding_dims))
        self.n_static_real = int(n_static_real)
        self.n_dynamic = int(n_dynamic)
        input_size = len(self.lags) + 1 + n_dynamic + n_emb + n_static_real + 1
        self.rnn = nn.LSTM(
            input_size=input_size,
            hidden_size=hidden_size,
            num_layers=num_layers,
            dropout=dropout if num_layers > 1 else 0.0,
            # time-major, oneDNN's and cuDNN's layout: batch-first costs a
            # transposing copy of the inputs and outputs, forward and backward
            batch_first=False,
        )
        self.head = make_likelihood_head(likelihood, hidden_size)

    # ------------------------------------------------------------------ pieces
    def compute_scale(
        self,
        target: torch.Tensor,
        observed: torch.Tensor,
        fallback_scale: torch.Tensor,
    ) -> torch.Tensor:
        """Mean absolute observed value over the context, shape ``(B,)``.

        A context with no observed non-zero value (a new series, or only
        zeros so far) takes ``fallback_scale``. As in GluonTS's mean scaler,
        only observed context values count, so the scale of a training
        window is computed exactly as when predicting from the same
        history, and never from the values the window forecasts.
        """
        p, c = self.max_lag, self.context_length
        ctx = target[:, p : p + c].abs() * observed[:, p : p + c]
        n_obs = observed[:, p : p + c].sum(1)
        scale = ctx.sum(1) / n_obs.clamp(min=1.0)
        scale = torch.where(scale > 0, scale, fallback_scale)
        return scale.clamp(min=self.min_scale)

    def static_features(
        self, static_cat: torch.Tensor, static_real: torch.Tensor, scale: torch.Tensor
    ) -> torch.Tensor:
        """Static inputs repeated at every step: embeddings, reals, log-scale."""
        parts = [emb(static_cat[:, j]) for j, emb in enumerate(self.embeddings)]
        if self.n_static_real:
            parts.append(static_real)
        parts.append(torch.log(scale).unsqueeze(-1))
        return torch.cat(parts, dim=-1)

    # ----------------------------------------------------------------- forward
    def forward(
        self,
        target: torch.Tensor,
        observed: torch.Tensor,
        dynamic: torch.Tensor,
        static_cat: torch.Tensor,
        static_real: torch.Tensor,
        fallback_scale: torch.Tensor,
        dropout_masks: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher-forced pass over the window.

        ``dropout_masks`` (training only): the inter-layer dropout masks of
        :meth:`dropout_masks`; drawn here when None.

        Returns
        -------
        raw : torch.Tensor
            ``(B, W, n_params)`` unconstrained distribution parameters for the
            target at each window step.
        scale : torch.Tensor
            ``(B,)`` the scale used.
        """
        raw, scale, _ = self._unroll(
            target, observed, dynamic, static_cat, static_real, fallback_scale,
            dropout_masks,
        )
        return raw, scale

    def dropout_masks(
        self, batch: int, steps: int, *, device: torch.device | str | None = None,
    ) -> torch.Tensor | None:
        """Masks of the dropout between LSTM layers for a training batch.

        Shape ``(num_layers - 1, steps, batch, hidden_size)`` (time-major, as
        the LSTM runs; see :func:`dropout_mask`, drawn from torch's global
        RNG) in ``lstm_dtype``, or None when there is no dropout. Passing
        masks to :meth:`forward` fixes the dropout of a pass (masks of ones
        give ``nn.LSTM`` without dropout).
        """
        rnn = self.rnn
        if rnn.num_layers < 2 or rnn.dropout <= 0:
            return None
        return dropout_mask(
            (rnn.num_layers - 1, steps, batch, rnn.hidden_size), rnn.dropout,
            dtype=self.lstm_dtype, device=device,
        )

    def _run_rnn(self, inputs: torch.Tensor, masks: torch.Tensor | None,
                 out_dtype: torch.dtype):
        """The LSTM on time-major ``inputs``; in training, layer by layer.

        ``nn.LSTM`` draws its inter-layer dropout with ``bernoulli_``; on CPU
        the layers are run one at a time (the same kernels) with masks from
        :meth:`dropout_masks` instead. On other devices (cuDNN fuses dropout)
        the module is called as is, under autocast for bfloat16, unless masks
        are given. ``inputs`` are in ``lstm_dtype`` in training; the outputs
        and states are returned in ``out_dtype``.
        """
        rnn = self.rnn
        w, b = inputs.shape[:2]
        dtype = inputs.dtype
        cpu = inputs.device.type == "cpu"
        if self.training and masks is None and cpu:
            masks = self.dropout_masks(b, w, device=inputs.device)  # None: p=0
        if not self.training or (masks is None and not cpu):
            with torch.autocast(inputs.device.type, dtype=dtype,
                                enabled=dtype != out_dtype):
                out, (h, c) = rnn(inputs)
        else:
            zeros = inputs.new_zeros(1, b, rnn.hidden_size)
            out, h_n, c_n = inputs, [], []
            for layer in range(rnn.num_layers):
                if layer and masks is not None:
                    out = out * masks[layer - 1].to(dtype)
                # float32 master weights, cast for the pass (autograd casts
                # their gradients back)
                weights = [getattr(rnn, f"{name}_l{layer}").to(dtype) for name in
                           ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
                # the function behind nn.LSTM.forward, for a single layer
                out, h, c = torch.lstm(out, (zeros, zeros), weights, True, 1,
                                       0.0, True, False, False)
                h_n.append(h)
                c_n.append(c)
            h, c = torch.cat(h_n), torch.cat(c_n)
        return out.to(out_dtype), (h.to(out_dtype), c.to(out_dtype))

    def _unroll(
        self, target, observed, dynamic, static_cat, static_real, fallback_scale,
        dropout_masks=None,
    ):
        p = self.max_lag
        w = dynamic.shape[1]
        # the LSTM's dtype: its inputs are cast part by part, before the
        # static features are repeated over time and concatenated
        dtype = self.lstm_dtype if self.training else target.dtype
        scale = self.compute_scale(target, observed, fallback_scale)
        # lag l at window step t is target[:, p + t - l]: row p - l of the
        # (B, P + 1, W) view of every length-W stretch of the target
        lagged = target.unfold(1, w, 1).index_select(1, p - self.lags)
        lagged = (lagged / scale[:, None, None]).to(dtype)  # (B, L, W)
        obs1 = observed[:, p - 1 : p - 1 + w].to(dtype)  # lag-1 observed flag
        static = self.static_features(static_cat, static_real, scale).to(dtype)
        # time-major (W, B, F): the concatenation reads the batch-major parts
        # through transposed views, so the layout change costs no extra copy
        inputs = torch.cat([
            lagged.permute(2, 0, 1), obs1.T.unsqueeze(-1),
            dynamic.transpose(0, 1).to(dtype), static.expand(w, -1, -1),
        ], dim=-1)
        out, state = self._run_rnn(inputs, dropout_masks, target.dtype)
        return self._project(out), scale, state

    def _project(self, out: torch.Tensor) -> torch.Tensor:
        """The head's projection of time-major outputs ``(W, B, H)``.

        Computed parameter-major, one contiguous ``(W, B)`` plane per
        distribution parameter, so that the element-wise likelihood runs on
        contiguous memory (on the strided ``(B, W)`` slices of a ``(B, W,
        n_params)`` tensor it is several times slower); returned as a
        ``(B, W, n_params)`` view.
        """
        w, b, hid = out.shape
        proj = self.head.proj
        raw = torch.addmm(proj.bias.unsqueeze(-1), proj.weight,
                          out.reshape(w * b, hid).T)
        return raw.view(-1, w, b).permute(2, 1, 0)

    def log_likelihood(
        self, raw: torch.Tensor, scale: torch.Tensor, target: torch.Tensor
    ) -> torch.Tensor:
        """Log-density of ``target`` (``(B, W)``) under the predicted params.

        Evaluated time-major: for ``raw`` from :meth:`forward` every
        parameter is then a contiguous ``(W, B)`` plane. Returns ``(B, W)``.
        """
        return self.head.log_prob(raw.transpose(0, 1), scale.unsqueeze(0),
                                  target.T.contiguous()).T

    @torch.no_grad()
    def sample(
        self,
        target: torch.Tensor,
        observed: torch.Tensor,
        dynamic: torch.Tensor,
        static_cat: torch.Tensor,
        static_real: torch.Tensor,
        fallback_scale: torch.Tensor,
        horizon: int,
        num_samples: int,
    ) -> torch.Tensor:
        """Draw sample paths for the ``horizon`` steps after the context.

        ``target``/``observed`` hold ``P + C`` steps (history and context),
        ``dynamic`` holds ``C + horizon`` steps. Returns ``(B, num_samples,
        horizon)`` on the original scale.

        The context is unrolled once per series; the ``B * num_samples`` paths
        are then stepped with an explicit LSTM cell in which everything that
        does not depend on the path (static embeddings, log-scale, calendar
        and covariate features, biases) is one precomputed per-series,
        per-step gate bias. The state is kept feature-major (one contiguous
        row of ``B * num_samples`` values per feature), so each step costs one
        matrix product per layer plus a few in-place element-wise operations
        on contiguous memory, with no concatenation or copy of the states.
        """
        p, c = self.max_lag, self.context_length
        b, s, hz = target.shape[0], int(num_samples), int(horizon)
        n = b * s
        _, scale, (h_ctx, c_ctx) = self._unroll(
            target, observed, dynamic[:, :c], static_cat, static_real,
            fallback_scale,
        )
        rnn = self.rnn
        hid, n_layers = rnn.hidden_size, rnn.num_layers
        n_lag = len(self.lags)
        n_path = n_lag + 1  # inputs that differ between paths: lags, obs flag
        # gate order (i, f, g, o) -> (i, f, o, g): one sigmoid, one tanh
        dev = target.device
        perm = torch.cat([
            torch.arange(0, 2 * hid, device=dev),
            torch.arange(3 * hid, 4 * hid, device=dev),
            torch.arange(2 * hid, 3 * hid, device=dev),
        ])
        w_in = rnn.weight_ih_l0[perm]
        w_dyn = w_in[:, n_path : n_path + self.n_dynamic]
        w_static = w_in[:, n_path + self.n_dynamic :]
        static = self.static_features(static_cat, static_real, scale)
        bias0 = (rnn.bias_ih_l0 + rnn.bias_hh_l0)[perm]
        series_bias = torch.matmul(dynamic[:, c:], w_dyn.T) + (
            torch.addmm(bias0, static, w_static.T)
        ).unsqueeze(1)  # (B, H, 4 * hid)
        series_bias = series_bias.permute(1, 2, 0).unsqueeze(-1).contiguous()
        weights, biases = [], []
        for layer in range(n_layers):
            w_ih = getattr(rnn, f"weight_ih_l{layer}")[perm]
            w_hh = getattr(rnn, f"weight_hh_l{layer}")[perm]
            if layer == 0:
                w_ih = w_ih[:, :n_path]
                biases.append(None)
            else:
                biases.append((getattr(rnn, f"bias_ih_l{layer}")
                               + getattr(rnn, f"bias_hh_l{layer}"))[perm, None])
            weights.append(torch.cat([w_ih, w_hh], dim=1).contiguous())
        # rows of `state`: lags, lag-1 observed flag, hidden state of each
        # layer; the input of layer l (the previous layer's hidden state, or
        # the path inputs, followed by its own hidden state) is a contiguous
        # block of rows
        state = target.new_empty(n_path + n_layers * hid, n)
        rows = [slice(n_path + layer * hid, n_path + (layer + 1) * hid)
                for layer in range(n_layers)]
        inputs = [slice(0, n_path + hid)] + [
            slice(n_path + (layer - 1) * hid, n_path + (layer + 1) * hid)
            for layer in range(1, n_layers)
        ]
        cells = []
        for layer in range(n_layers):
            state[rows[layer]] = h_ctx[layer].repeat_interleave(s, dim=0).T
            cells.append(c_ctx[layer].repeat_interleave(s, dim=0).T.contiguous())
        gates = target.new_empty(4 * hid, n)
        tanh_c = target.new_empty(hid, n)
        # scaled history needed by the lags, followed by the sampled values
        scale_s = scale.repeat_interleave(s)
        seq = target.new_empty(p + hz, n)
        seq[:p] = (target[:, c : c + p] / scale[:, None]).repeat_interleave(
            s, dim=0).T
        state[n_lag] = observed[:, p + c - 1].repeat_interleave(s)
        lag_pos = p - self.lags
        proj = self.head.proj
        proj_bias = proj.bias[:, None]
        for k in range(hz):
            if k == 1:
                state[n_lag] = 1.0
            torch.index_select(seq, 0, lag_pos + k, out=state[:n_lag])
            for layer in range(n_layers):
                if layer == 0:
                    torch.mm(weights[0], state[inputs[0]], out=gates)
                    gates.view(4 * hid, b, s).add_(series_bias[k])
                else:
                    torch.addmm(biases[layer], weights[layer], state[inputs[layer]],
                                out=gates)
                sig = gates[: 3 * hid].sigmoid_()
                g = gates[3 * hid :].tanh_()
                cell = cells[layer]
                cell.mul_(sig[hid : 2 * hid]).addcmul_(sig[:hid], g)
                torch.tanh(cell, out=tanh_c)
                torch.mul(sig[2 * hid :], tanh_c, out=state[rows[layer]])
            raw = torch.addmm(proj_bias, proj.weight, state[rows[-1]])
            seq[p + k] = self.head.sample_scaled(raw.T, scale_s)
        out = seq[p:].mul_(scale_s)
        return out.T.reshape(b, s, hz)

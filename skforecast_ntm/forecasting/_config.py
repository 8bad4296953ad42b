"""The DeepAR parameters: one declaration, and the core's configuration.

:data:`PARAMETERS` declares every parameter of
:class:`~skforecast_ntm.DeepARForecaster` and
:class:`~skforecast_ntm.DeepARRegressor` once: its default, its
scikit-learn constraints, its documentation and which estimators take it.
The constraint tables (:func:`param_constraints`), the shared ``Parameters``
docstring section (:func:`parameters_doc`), the defaults of
:class:`DeepARConfig` and the estimator-to-core conversion
(:func:`make_config`) are all derived from it. The estimators' ``__init__``
signatures stay explicit, as scikit-learn and sktime introspect them;
``tests/test_deepar_structure.py`` fails when one drifts from the declaration.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field, fields
from numbers import Integral, Real
from typing import Any

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ..networks import LIKELIHOODS

#: at most about this many series are validated with ``early_stopping`` (a
#: random subset, drawn per series so that it does not depend on the
#: sharding): the validation loss of 5,000 windows is precise enough to stop
#: on, and validating every series of a 100,000-series panel each epoch
#: would cost 30 times the epoch's training
VALIDATION_SERIES_MAX = 5000

#: ``early_stopping="auto"`` validates when training draws at least this many
#: windows per distinct training window of the panel: a small panel trained
#: long is memorised without it (Walmart departments, about 195 draws per
#: window: mean wQL 0.060 without, 0.050 with), while on a panel whose
#: windows are each seen a few times the holdout only costs the most recent
#: steps (M3 monthly, about 1.4 draws per window; US employment, about 4.8:
#: MASE 0.71 without, 0.76 with); three seeds each,
#: ``benchmarks/bench_deepar_defaults.py``. A fourth panel, the social-media
#: volume of ``benchmarks/bench_text_covariates.py`` (about 17 draws per
#: window), is better with it (mean wQL 0.245 against 0.260), so the switch
#: sits between 4.8 and 17
AUTO_EARLY_STOPPING_DRAWS = 10

__all__ = [
    "DeepARConfig",
    "PARAMETERS",
    "Parameter",
    "make_config",
    "param_constraints",
    "parameters_doc",
]

FORECASTER, REGRESSOR = "forecaster", "regressor"
_BOTH = frozenset({FORECASTER, REGRESSOR})


@dataclass(frozen=True)
class Parameter:
    """One estimator parameter.

    Attributes
    ----------
    name : str
    default : object
        The estimators' default.
    constraints : list
        scikit-learn parameter constraints (``sklearn.utils._param_validation``).
    header : str
        The numpydoc type and default after ``name :``, e.g.
        ``"int, default=40"``.
    doc : str
        The description (plain text; indented when rendered).
    faces : frozenset of str
        The estimators that take it (``"forecaster"``, ``"regressor"``).
    """

    name: str
    default: Any
    constraints: list
    header: str
    doc: str
    faces: frozenset = _BOTH

    def render(self) -> str:
        body = textwrap.indent(textwrap.dedent(self.doc).strip(), " " * 8)
        return f"    {self.name} : {self.header}\n{body}\n"


def _p(name, default, constraints, header, doc, faces=_BOTH) -> Parameter:
    return Parameter(name, default, constraints, header, doc, frozenset(faces))


_POS = Interval(Integral, 1, None, closed="left")

#: every parameter of the two DeepAR estimators, in signature order
PARAMETERS: tuple[Parameter, ...] = (
    _p("id_column", "series_id", [str, Integral],
       'str, default="series_id"',
       "Column of ``X`` identifying the series.", {REGRESSOR}),
    _p("time_column", "timestamp", [str, Integral],
       'str, default="timestamp"',
       "Column of ``X`` with the period (datetime, period or integer).",
       {REGRESSOR}),
    _p("prediction_length", None, [_POS, None], "int or None, default=None", """
        Length of the forecast part of training windows (the horizon the
        network is trained for). ``None``: the largest step of ``fh`` given to
        ``fit``, else a default for the frequency (monthly 18, quarterly 8,
        yearly 6, weekly 13, daily 14, hourly 48). Longer horizons can still be
        predicted (sampling continues autoregressively)."""),
    _p("context_length", None, [_POS, None], "int or None, default=None", """
        Conditioning range of each window; the scale is the mean absolute
        observed value over it. ``None``: ``max(prediction_length, seasonal
        period, 4)``."""),
    _p("lags", None, ["array-like", None], "list of int or None, default=None", """
        Lags of the target fed to the network. ``None`` picks them from the
        frequency (e.g. monthly: 1-7, 11-13, 23-25, 35-37; daily: 1-8 and 2, 3,
        4 weeks and a year). History needed is ``context_length + max(lags)``;
        shorter series are padded with unobserved values."""),
    _p("freq", None, [str, None, object], "str or None, default=None", """
        Frequency of a ``DatetimeIndex`` without ``freq``; inferred when None
        (a panel whose series have different frequencies is then an error).
        Given, it puts every series on its grid: periods without a row are
        missing values. Fixed by the first fit or ``pretrain``: another value
        at ``fit`` after ``pretrain`` is an error."""),
    _p("likelihood", "student_t", [StrOptions(set(LIKELIHOODS))],
       '{"student_t", "gaussian", "negative_binomial"}, default="student_t"', """
        Output distribution. ``"negative_binomial"`` is for non-negative counts
        and rejects negative targets."""),
    _p("hidden_size", 40, [_POS], "int, default=40", "LSTM cells per layer."),
    _p("num_layers", 2, [_POS], "int, default=2", "LSTM layers."),
    _p("dropout", 0.1, [Interval(Real, 0, 1, closed="left")],
       "float, default=0.1", "Dropout between LSTM layers."),
    _p("use_series_embedding", True, ["boolean"], "bool, default=True", """
        Learn an embedding of each series' identity. Series unseen in training
        (cold start) use a shared "unknown" embedding."""),
    _p("embedding_dim", None, [_POS, None], "int or None, default=None", """
        Size of every embedding; ``None``: ``min(50, (cardinality + 1) // 2)``."""),
    _p("static_categorical_columns", None, ["array-like", None],
       "list of str or None, default=None", """
        Columns of ``X`` holding static categorical metadata (store, category);
        each is embedded. Must be constant within a series."""),
    _p("static_real_columns", None, ["array-like", None],
       "list of str or None, default=None", """
        Columns of ``X`` holding static real features (standardised). All
        other ``X`` columns are dynamic covariates known into the future."""),
    _p("max_epochs", 100, [_POS], "int, default=100", "Maximum number of epochs."),
    _p("batches_per_epoch", 50, [_POS], "int, default=50",
       "Batches of freshly sampled windows per epoch."),
    _p("batch_size", 32, [_POS], "int, default=32", "Windows per batch."),
    _p("lr", 3e-3, [Interval(Real, 0, None, closed="neither")],
       "float, default=3e-3", """
        Adam learning rate (halved when the monitored loss plateaus for
        ``patience // 2`` epochs)."""),
    _p("weight_decay", 1e-8, [Interval(Real, 0, None, closed="left")],
       "float, default=1e-8", "Adam weight decay."),
    _p("gradient_clip", 10.0, [Interval(Real, 0, None, closed="neither")],
       "float, default=10.0", "Maximum gradient norm."),
    _p("early_stopping", "auto", ["boolean", StrOptions({"auto"})],
       '"auto" or bool, default="auto"', f"""
        Hold out the last ``prediction_length`` steps of every long-enough series
        (a time-ordered split), stop when their loss has not improved for
        ``patience`` epochs, and restore the best weights. ``"auto"``: on when
        training draws at least {AUTO_EARLY_STOPPING_DRAWS} windows
        (``max_epochs * batches_per_epoch * batch_size``) per distinct
        training window of the panel (a small panel trained long, which the
        network would otherwise memorise), off otherwise (the holdout would
        only cost the most recent steps); resolved at the first fit into
        ``core_.early_stopping_``. Panels of more than
        {VALIDATION_SERIES_MAX:,} series validate a random subset of about
        {VALIDATION_SERIES_MAX:,} of them (the others train on their whole
        history), so that validation costs the same on 100,000 series."""),
    _p("patience", 10, [_POS], "int, default=10",
       "Early-stopping patience in epochs."),
    _p("window_weighting", "scale", [StrOptions({"scale", "uniform"})],
       '{"scale", "uniform"}, default="scale"', """
        ``"scale"`` samples training windows in proportion to the scale of
        their context (DeepAR; causal: never the values they forecast),
        ``"uniform"`` gives every window the same chance."""),
    _p("empty_context_rate", None, [Interval(Real, 0, 1, closed="left"), None],
       "float in [0, 1) or None, default=None", """
        Share of training windows whose context is blanked out (nothing
        observed, the training panel's typical scale), so that the network
        learns to forecast a series with no observation yet (cold start)
        from its static metadata, covariates and age. ``None``: 0.1 when the
        panel has static metadata or at least 10% of its series are shorter
        than ``context_length + prediction_length`` (a catalogue with new
        items), else 0: blanked windows cost warm accuracy (M3 monthly:
        MASE 0.925 without, 0.997 with 0.1)."""),
    _p("num_samples", 100, [_POS], "int, default=100",
       "Sample paths drawn per series when predicting."),
    _p("point_forecast", "median", [StrOptions({"median", "mean"})],
       '{"median", "mean"}, default="median"', """
        Point forecast returned by ``predict``: the median (P50) or the mean
        of the sample paths."""),
    _p("update_epochs", 0, [Interval(Integral, 0, None, closed="left")],
       "int, default=0", """
        Epochs of warm-started training run by ``update`` with
        ``update_params=True``; 0 means ``update`` only conditions on the new
        data (no retraining).""", {FORECASTER}),
    _p("random_state", None, ["random_state"],
       "int, RandomState or None, default=None", """
        Seeds weight initialisation, window sampling, dropout and forecast
        sampling: the same seed gives the same forecast. The global torch RNG
        state is left untouched."""),
    _p("device", "cpu", [str, torch.device], 'str, default="cpu"', """
        Torch device, e.g. ``"cuda"``; a GPU is never required."""),
    _p("precision", "float32", [StrOptions({"float32", "bfloat16"})],
       '{"float32", "bfloat16"}, default="float32"', """
        ``"bfloat16"`` trains in mixed precision: the LSTM layers compute in
        bfloat16 while the weights, the optimizer, the inputs' features and
        the likelihood stay float32. About 1.3x faster training on CPUs
        with AVX-512 BF16 or AMX (Intel Xeon Sapphire Rapids or newer, AMD
        Zen 4 or newer) and on GPUs with bfloat16; elsewhere bfloat16 is
        emulated and slower. Accuracy is unchanged within the seed-to-seed
        spread on the M3 benchmark. Prediction always runs in float32."""),
    _p("verbose", 0, ["verbose"], "int, default=0", """
        ``>0`` shows one progress bar over the training epochs, with the
        latest train and validation losses (on standard error)."""),
    _p("callbacks", None, ["array-like", None],
       "list of skorch callbacks or None, default=None", """
        Extra skorch callbacks of the training net (``skorch.callbacks``:
        ``TensorBoard``, ``Checkpoint``, ``EpochScoring`` on the training
        loss, or your own ``Callback``), as instances, classes or ``(name,
        callback)`` pairs, run after the built-in ones (learning-rate halving,
        early stopping, and the monitor that records ``windows_per_s``,
        ``grad_norm``, ``lr`` and ``peak_memory_mb`` in the history, which
        they can read). They are used as given, as skorch uses them, not
        copied. In data-parallel training they run on every rank: guard the
        ones that write files with ``is_main_process()``."""),
)

_BY_NAME = {p.name: p for p in PARAMETERS}


def parameters(face: str) -> list[Parameter]:
    """The parameters of one estimator (``"forecaster"`` or ``"regressor"``)."""
    return [p for p in PARAMETERS if face in p.faces]


def param_constraints(face: str) -> dict[str, list]:
    """``_parameter_constraints`` of one estimator."""
    return {p.name: list(p.constraints) for p in parameters(face)}


def parameters_doc(face: str) -> str:
    """The numpydoc ``Parameters`` entries of one estimator."""
    return "\n" + "".join(p.render() for p in parameters(face))


def _default(name: str):
    return _BY_NAME[name].default


@dataclass
class DeepARConfig:
    """Hyper-parameters of the core (see the estimators for their meaning).

    Both estimators build one from their parameters (:func:`make_config`);
    use it directly only to drive :class:`DeepARCore` without an estimator.
    Defaults are those of :data:`PARAMETERS`, except ``prediction_length``
    (resolved from ``fh`` or the frequency by the estimators, 1 here), the
    static column lists and ``callbacks`` (lists, never None, here).

    Examples
    --------
    >>> from skforecast_ntm.forecasting import DeepARConfig
    >>> cfg = DeepARConfig(prediction_length=6, hidden_size=8, max_epochs=1)
    >>> cfg.likelihood, cfg.num_samples
    ('student_t', 100)
    """

    prediction_length: int = 1
    context_length: int | None = _default("context_length")
    lags: list | None = _default("lags")
    likelihood: str = _default("likelihood")
    hidden_size: int = _default("hidden_size")
    num_layers: int = _default("num_layers")
    dropout: float = _default("dropout")
    use_series_embedding: bool = _default("use_series_embedding")
    embedding_dim: int | None = _default("embedding_dim")
    static_categorical_columns: list = field(default_factory=list)
    static_real_columns: list = field(default_factory=list)
    max_epochs: int = _default("max_epochs")
    batches_per_epoch: int = _default("batches_per_epoch")
    batch_size: int = _default("batch_size")
    lr: float = _default("lr")
    weight_decay: float = _default("weight_decay")
    gradient_clip: float = _default("gradient_clip")
    early_stopping: bool | str = _default("early_stopping")
    patience: int = _default("patience")
    window_weighting: str = _default("window_weighting")
    empty_context_rate: float | None = _default("empty_context_rate")
    num_samples: int = _default("num_samples")
    random_state: int | None = _default("random_state")
    device: str = _default("device")
    precision: str = _default("precision")
    verbose: int = _default("verbose")
    callbacks: list = field(default_factory=list)


def _as_list(value) -> list:
    return [] if value is None else list(value)


#: estimator value -> core value, for the parameters that change type
_TO_CORE = {
    "lags": lambda v: None if v is None else list(v),
    "static_categorical_columns": _as_list,
    "static_real_columns": _as_list,
    "device": str,
    "verbose": lambda v: v if isinstance(v, int) else int(bool(v)),
    "callbacks": _as_list,
}


def make_config(est, prediction_length: int) -> DeepARConfig:
    """Core configuration from an estimator's parameters."""
    values = {}
    for f in fields(DeepARConfig):
        if f.name == "prediction_length":
            continue
        value = getattr(est, f.name)
        values[f.name] = _TO_CORE.get(f.name, lambda v: v)(value)
    return DeepARConfig(prediction_length=int(prediction_length), **values)

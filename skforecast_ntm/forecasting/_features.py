"""Frequency handling: regular time grids, lags and calendar features.

Everything here is vectorised over the time grid; calendar features are
computed once per grid and shared by all series.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "FrequencyInfo",
    "infer_frequency",
    "make_grid",
    "default_lags",
    "seasonal_period",
    "time_features",
]

# base code -> (seasonal period, lags, calendar feature names)
# Lags follow DeepAR/GluonTS practice: a few recent steps, then one and a few
# seasonal cycles (+-1) of the natural periods of the frequency.
_FREQ_TABLE: dict[str, tuple[int, list[int], list[str]]] = {
    "Y": (1, [1, 2, 3, 4, 5, 6, 7], []),
    "Q": (4, [1, 2, 3, 4, 5, 7, 8, 9, 12, 13], ["quarter_of_year"]),
    "M": (12, [1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 23, 24, 25, 35, 36, 37],
          ["month_of_year"]),
    "W": (52, [1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 26, 51, 52, 53],
          ["week_of_year", "month_of_year"]),
    "D": (7, [1, 2, 3, 4, 5, 6, 7, 8, 13, 14, 15, 20, 21, 22, 27, 28, 29,
              363, 364, 365],
          ["day_of_week", "day_of_month", "day_of_year"]),
    "B": (5, [1, 2, 3, 4, 5, 6, 9, 10, 11, 14, 15, 16, 19, 20, 21, 259, 260, 261],
          ["day_of_week", "day_of_month", "day_of_year"]),
    "h": (24, [1, 2, 3, 4, 5, 6, 7, 23, 24, 25, 47, 48, 49, 167, 168, 169],
          ["hour_of_day", "day_of_week", "day_of_month", "day_of_year"]),
    "min": (60, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 30, 59, 60, 61],
            ["minute_of_hour", "hour_of_day", "day_of_week"]),
    "s": (60, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 59, 60, 61],
          ["second_of_minute", "minute_of_hour", "hour_of_day"]),
    "int": (1, [1, 2, 3, 4, 5, 6, 7], []),
}

_ALIASES = {
    "A": "Y", "YS": "Y", "AS": "Y", "BA": "Y", "BY": "Y", "BYS": "Y", "BAS": "Y",
    "YE": "Y", "QS": "Q", "BQ": "Q", "BQS": "Q", "QE": "Q", "MS": "M", "BM": "M",
    "BMS": "M", "ME": "M", "SM": "M", "SMS": "M", "CBMS": "M", "CBM": "M",
    "C": "B", "CB": "B", "H": "h", "BH": "h", "CBH": "h", "T": "min",
    "S": "s", "L": "s", "ms": "s", "U": "s", "us": "s", "N": "s", "ns": "s",
}


class FrequencyInfo:
    """What the model needs to know about a time index.

    Attributes
    ----------
    kind : {"period", "datetime", "int"}
    freq : pandas offset or None
        The offset of period/datetime grids; ``None`` for integer indices.
    base : str
        Normalised base code used to choose lags and features
        (``"M"``, ``"D"``, ``"h"``, ``"min"``, ``"int"``, ...).
    multiple : int
        Offset multiple (``n`` of ``"5min"``).
    step : int
        Step of an integer index.
    """

    def __init__(self, kind: str, freq=None, step: int = 1) -> None:
        self.kind = kind
        self.freq = freq
        self.step = int(step)
        if freq is None:
            self.base, self.multiple = "int", 1
        else:
            code = re.sub(r"-.*$", "", freq.name)  # drop anchors like -DEC
            code = re.sub(r"^\d+", "", code)
            code = _ALIASES.get(code, code)
            if code not in _FREQ_TABLE:  # unusual offsets: no calendar features
                code = "int"
            self.base, self.multiple = code, max(1, int(freq.n))

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"FrequencyInfo(kind={self.kind!r}, freq={self.freq!r})"

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, FrequencyInfo)
            and self.kind == other.kind
            and self.freq == other.freq
            and self.step == other.step
        )

    def __hash__(self) -> int:  # pragma: no cover
        return hash((self.kind, str(self.freq), self.step))


def infer_frequency(
    times: pd.Index, series_codes: np.ndarray | None = None, freq=None
) -> FrequencyInfo:
    """Infer the regular frequency of a (panel) time index.

    Parameters
    ----------
    times : pd.Index
        Time stamps of all rows (PeriodIndex, DatetimeIndex or integer).
    series_codes : ndarray, optional
        Integer series code of each row; used to infer the frequency from the
        longest series when the union of time stamps has gaps.
    freq : str or offset, optional
        User-given frequency, which overrides inference.

    Raises
    ------
    ValueError
        If no regular frequency can be inferred.
    """
    if isinstance(times, pd.PeriodIndex):
        return FrequencyInfo("period", times.freq)
    if isinstance(times, pd.DatetimeIndex):
        if freq is not None:
            return FrequencyInfo("datetime", pd.tseries.frequencies.to_offset(freq))
        uniq = times.unique().sort_values()
        inferred = uniq.freq or (pd.infer_freq(uniq) if len(uniq) >= 3 else None)
        if inferred is None and series_codes is not None and len(uniq) >= 3:
            counts = np.bincount(series_codes)
            longest = times[series_codes == counts.argmax()].sort_values()
            if len(longest) >= 3:
                inferred = pd.infer_freq(longest)
        if inferred is None and len(uniq) == 2:
            inferred = pd.tseries.frequencies.to_offset(uniq[1] - uniq[0])
        if inferred is None:
            raise ValueError(
                "Could not infer a regular frequency from the time index "
                f"(first stamps: {list(uniq[:4].astype(str))}). Pass `freq=` "
                "(e.g. freq='D'), or resample the data to a regular grid "
                "(e.g. y.resample('D').sum()) before fitting."
            )
        return FrequencyInfo("datetime", pd.tseries.frequencies.to_offset(inferred))
    if pd.api.types.is_integer_dtype(times.dtype):
        uniq = np.unique(np.asarray(times, dtype=np.int64))
        step = int(np.gcd.reduce(np.diff(uniq))) if len(uniq) > 1 else 1
        return FrequencyInfo("int", None, step=max(step, 1))
    raise TypeError(
        f"Unsupported time index type {type(times).__name__} with dtype "
        f"{times.dtype}; use a PeriodIndex, DatetimeIndex or integer index."
    )


def make_grid(start, stop, info: FrequencyInfo) -> pd.Index:
    """Regular grid from ``start`` to ``stop`` inclusive."""
    if info.kind == "period":
        return pd.period_range(start, stop, freq=info.freq)
    if info.kind == "datetime":
        return pd.date_range(start, stop, freq=info.freq)
    return pd.Index(np.arange(int(start), int(stop) + 1, info.step), dtype=np.int64)


def extend_grid(grid: pd.Index, n: int, info: FrequencyInfo) -> pd.Index:
    """``grid`` followed by ``n`` further steps."""
    if n <= 0:
        return grid
    if info.kind == "int":
        last = int(grid[-1])
        return make_grid(grid[0], last + n * info.step, info)
    if info.kind == "period":
        return pd.period_range(grid[0], periods=len(grid) + n, freq=info.freq)
    return pd.date_range(grid[0], periods=len(grid) + n, freq=info.freq)


def seasonal_period(info: FrequencyInfo) -> int:
    """Natural seasonal period of the frequency (1 if none)."""
    period = _FREQ_TABLE[info.base][0]
    if info.base in ("min", "s") and info.multiple > 1:
        period = max(1, period // info.multiple)
    return period


def default_lags(info: FrequencyInfo) -> list[int]:
    """Lags fed to the network for a frequency (always includes 1)."""
    lags = _FREQ_TABLE[info.base][1]
    if info.multiple > 1 and info.base in ("min", "s", "h"):
        # e.g. 5-minute data: express hour/day lags in steps of 5 minutes
        lags = sorted({max(1, round(lag / info.multiple)) for lag in lags})
    return sorted(set(lags))


def time_feature_names(info: FrequencyInfo) -> list[str]:
    """Names of the calendar features used for this frequency."""
    return list(_FREQ_TABLE[info.base][2])


def time_features(grid: pd.Index, info: FrequencyInfo) -> np.ndarray:
    """Calendar features of each grid step, scaled to [-0.5, 0.5].

    Returns an array of shape ``(len(grid), n_features)``.
    """
    names = time_feature_names(info)
    if not names:
        return np.zeros((len(grid), 0), dtype=np.float32)
    ts = grid.to_timestamp() if isinstance(grid, pd.PeriodIndex) else grid
    ts = pd.DatetimeIndex(ts)
    cols = []
    for name in names:
        if name == "second_of_minute":
            cols.append(ts.second / 59.0)
        elif name == "minute_of_hour":
            cols.append(ts.minute / 59.0)
        elif name == "hour_of_day":
            cols.append(ts.hour / 23.0)
        elif name == "day_of_week":
            cols.append(ts.dayofweek / 6.0)
        elif name == "day_of_month":
            cols.append((ts.day - 1) / 30.0)
        elif name == "day_of_year":
            cols.append((ts.dayofyear - 1) / 365.0)
        elif name == "week_of_year":
            cols.append((ts.isocalendar().week.to_numpy() - 1) / 52.0)
        elif name == "month_of_year":
            cols.append((ts.month - 1) / 11.0)
        elif name == "quarter_of_year":
            cols.append((ts.quarter - 1) / 3.0)
    return (np.column_stack([np.asarray(c, dtype=np.float64) for c in cols]) - 0.5
            ).astype(np.float32)


def validate_lags(lags: Sequence[int] | None, info: FrequencyInfo) -> list[int]:
    """User lags (validated) or the frequency defaults."""
    if lags is None:
        return default_lags(info)
    try:
        out = sorted({int(lag) for lag in lags})
    except (TypeError, ValueError):
        raise TypeError(
            f"lags must be a sequence of positive integers, got {lags!r}."
        ) from None
    if not out or out[0] < 1:
        raise ValueError(f"lags must be positive integers, got {list(lags)!r}.")
    if 1 not in out:
        out = [1, *out]
    return out

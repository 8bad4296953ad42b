"""CSV readers of the ``skforecast-ntm forecast`` command.

The files follow Amazon Forecast's data model, one CSV file with a header row
per dataset:

- target: ``item_id,timestamp,target_value`` (a missing row or an empty
  ``target_value`` cell is a missing value);
- related: ``item_id,timestamp,<numeric columns>`` covering the history and
  the forecast horizon of every item;
- metadata: ``item_id,<columns>`` (categorical or numeric), one row per item;
- documents: ``item_id,[timestamp,]text``, one row per document.

Every reader is strict: a bad cell raises :class:`InputError` whose message
names the file, the line (1-based, the header being line 1, blank lines and
the lines of multi-line quoted fields counted) and the column, and shows the
offending value. No data row is silently dropped: every row ends up in the
output or raises (the only rows dropped are rows whose cells are all empty,
such as blank lines, and the rows of the related file outside the span the
forecast needs, see :func:`read_related`).

Common rules:

- column names are stripped of surrounding whitespace and otherwise matched
  exactly (case-sensitive); duplicate names are an error;
- item ids are read as strings (``"007"`` stays ``"007"``), stripped of
  surrounding whitespace; an empty item id is an error;
- timestamps are parsed with ``pandas.to_datetime(format="ISO8601")``
  (``2020-01-31``, ``2020-01-31 12:00:00``, ``2020-01-31T12:00:00+02:00``).
  Time-zone aware timestamps are converted to UTC and the time zone is then
  dropped; naive timestamps are taken as they are (so a file mixing both
  reads the naive ones as UTC);
- numbers are parsed with ``pandas.to_numeric``; in numeric columns an empty
  cell, or ``nan``, ``na``, ``n/a``, ``null`` or ``none`` (any case), is a
  missing value; infinite values are an error;
- input need not be sorted; outputs are sorted by item id (lexicographically,
  as strings) and time.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

__all__ = [
    "InputError",
    "TargetData",
    "read_documents",
    "read_metadata",
    "read_related",
    "read_target",
]

#: Cells of numeric columns read as missing values (compared lower-cased).
MISSING_TOKENS = frozenset({"", "nan", "na", "n/a", "null", "none"})
#: Value given to empty cells of categorical metadata columns.
MISSING_CATEGORY = "__missing__"
_SHOW = 5  # offending rows shown in a message


class InputError(ValueError):
    """Bad input file.

    The message names the file, the line (1-based, counting the header as
    line 1) and the column, and shows the offending value(s).

    Parameters
    ----------
    message : str
        The full message.
    path : str or None, default=None
        The file.
    lines : list of int or None, default=None
        The offending lines (1-based, header = line 1), when known.
    column : str or None, default=None
        The offending column, when known.
    """

    def __init__(
        self,
        message: str,
        path: str | None = None,
        lines: Sequence[int] | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.lines = list(lines) if lines is not None else []
        self.column = column


@dataclass
class TargetData:
    """The target panel read by :func:`read_target`.

    Attributes
    ----------
    y : pandas.DataFrame
        sktime ``pd-multiindex`` panel: index ``(item_id, timestamp)`` with
        names ``["item_id", "timestamp"]`` (the timestamp level a tz-naive
        ``DatetimeIndex``), one float column ``"target_value"``, sorted, on
        the regular grid of ``freq`` from each item's first to its last
        timestamp (missing rows are NaN rows).
    freq : str
        pandas frequency string of the panel (``"W-SUN"``, ``"D"``,
        ``"MS"``...).
    items : pandas.Index
        The item ids (strings), sorted, in the order of ``y``.
    """

    y: pd.DataFrame
    freq: str
    items: pd.Index


# ----------------------------------------------------------------------------
# reading a file
# ----------------------------------------------------------------------------


def _record_lines(path: str) -> np.ndarray:
    """First physical line (1-based) of every CSV record of the file."""
    starts = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        previous = 0
        for _ in reader:
            starts.append(previous + 1)
            previous = reader.line_num
    return np.asarray(starts, dtype=np.int64)


def _fmt_time(t: object) -> str:
    """A timestamp as text: the date alone when at midnight."""
    ts = pd.Timestamp(t)
    return str(ts.date()) if ts == ts.normalize() else str(ts)


def _fmt_lines(lines: Sequence[int]) -> str:
    lines = list(lines)
    word = "line" if len(lines) == 1 else "lines"
    shown = ", ".join(str(n) for n in lines[:_SHOW])
    more = f" (and {len(lines) - _SHOW} more)" if len(lines) > _SHOW else ""
    return f"{word} {shown}{more}"


class _Table:
    """A CSV file read as stripped strings, with the line of every row."""

    def __init__(self, path: str | os.PathLike, kind: str) -> None:
        self.path = str(path)
        self.kind = kind
        self._lines: np.ndarray | None = None
        p = Path(path)
        if not p.exists():
            raise InputError(f"{kind} file {self.path}: no such file", self.path)
        if not p.is_file():
            raise InputError(f"{kind} file {self.path}: not a file", self.path)
        try:
            raw = pd.read_csv(
                p,
                header=None,
                dtype=str,
                na_filter=False,
                skip_blank_lines=False,
                encoding="utf-8",
            )
        except pd.errors.EmptyDataError:
            raise InputError(
                f"{kind} file {self.path}: the file is empty (a header row is "
                "expected)",
                self.path,
            ) from None
        except pd.errors.ParserError as e:
            raise InputError(
                f"{kind} file {self.path}: not a valid CSV file: {e}", self.path
            ) from None
        except UnicodeDecodeError as e:
            raise InputError(
                f"{kind} file {self.path}: not UTF-8 text ({e})", self.path
            ) from None
        raw.columns = range(raw.shape[1])
        stripped = {c: raw[c].str.strip() for c in raw.columns}
        blank = np.ones(len(raw), dtype=bool)
        for s in stripped.values():
            blank &= (s == "").to_numpy()
        keep = np.flatnonzero(~blank)
        if len(keep) == 0:
            raise InputError(
                f"{kind} file {self.path}: no header row (the file is blank)",
                self.path,
            )
        header_rec, data_recs = keep[0], keep[1:]
        names = [str(stripped[c].iloc[header_rec]) for c in raw.columns]
        self._header_rec = int(header_rec)
        # a nameless column (trailing comma) without any value carries no data
        columns = {}
        for c, name in zip(raw.columns, names):
            if name == "":
                values = stripped[c].iloc[data_recs]
                filled = np.flatnonzero((values != "").to_numpy())
                if len(filled):
                    raise InputError(
                        f"{kind} file {self.path}, line "
                        f"{self.line_of([header_rec])[0]}: column {c + 1} has "
                        "no name in the header but holds values on "
                        f"{_fmt_lines(self.line_of(data_recs[filled]))}",
                        self.path,
                        self.line_of([header_rec]),
                    )
                continue
            if name in columns:
                raise InputError(
                    f"{kind} file {self.path}, line "
                    f"{self.line_of([header_rec])[0]}: duplicate column "
                    f"{name!r} in the header",
                    self.path,
                    self.line_of([header_rec]),
                    name,
                )
            columns[name] = c
        self.columns = list(columns)
        self._raw = {n: raw[c].iloc[data_recs].reset_index(drop=True)
                     for n, c in columns.items()}
        self._stripped = {n: stripped[c].iloc[data_recs].reset_index(drop=True)
                          for n, c in columns.items()}
        self.rec = data_recs.astype(np.int64)
        self.n_rows = len(data_recs)

    # -- lines and errors ----------------------------------------------------
    def line_of(self, recs: Sequence[int] | np.ndarray) -> list[int]:
        """Line numbers (1-based) of records (0-based record numbers)."""
        if self._lines is None:
            self._lines = _record_lines(self.path)
        recs = np.asarray(recs, dtype=np.int64)
        if len(self._lines) <= (recs.max() if len(recs) else -1):
            return [int(r) + 1 for r in recs]  # pragma: no cover - parser mismatch
        return [int(n) for n in self._lines[recs]]

    def lines(self, rows: np.ndarray) -> list[int]:
        """Line numbers of data rows (positions or a boolean mask)."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        return self.line_of(self.rec[rows])

    def error(
        self,
        message: str,
        rows: np.ndarray | None = None,
        column: str | None = None,
        show: Sequence[str] | None = None,
    ) -> InputError:
        """An :class:`InputError` naming the file, the rows' lines and column.

        ``show``: the offending values, one per row, shown next to the lines.
        """
        where = f"{self.kind} file {self.path}"
        lines: list[int] = []
        if rows is not None:
            rows = np.asarray(rows)
            if rows.dtype == bool:
                rows = np.flatnonzero(rows)
            by_line = np.argsort(rows, kind="stable")
            rows = rows[by_line]
            if show is not None:
                show = [list(show)[i] for i in by_line]
            lines = self.lines(rows)
            if show is None:
                where += f", {_fmt_lines(lines)}"
            elif len(lines) == 1:
                where += f", line {lines[0]}"
        if column is not None:
            where += f", column {column!r}"
        text = f"{where}: {message}"
        if show is not None and rows is not None:
            shown = list(show)
            if len(lines) == 1:
                text += f": {shown[0]!r}"
            else:
                parts = [f"line {n} {v!r}" for n, v in zip(lines[:_SHOW], shown)]
                more = (f" (and {len(lines) - _SHOW} more rows)"
                        if len(lines) > _SHOW else "")
                text += ": " + ", ".join(parts) + more
        return InputError(text, self.path, lines, column)

    # -- columns -------------------------------------------------------------
    def require(self, required: Sequence[str], optional: Sequence[str] = (),
                others: str | None = None) -> None:
        """Check the header: ``required`` present; no other column unless
        ``others`` is None (``others``: why other columns are refused)."""
        for name in required:
            if name not in self.columns:
                raise InputError(
                    f"{self.kind} file {self.path}: missing required column "
                    f"{name!r} (columns present: {self.columns}; names are "
                    "case-sensitive)",
                    self.path,
                    self.line_of([self._header_rec]),
                    name,
                )
        if others is not None:
            extra = [c for c in self.columns
                     if c not in required and c not in optional]
            if extra:
                raise InputError(
                    f"{self.kind} file {self.path}: unexpected column(s) "
                    f"{extra}: {others}",
                    self.path,
                    self.line_of([self._header_rec]),
                    extra[0],
                )
        if self.n_rows == 0:
            raise InputError(
                f"{self.kind} file {self.path}: no data rows after the header",
                self.path,
            )

    def raw(self, name: str) -> pd.Series:
        """The cells of a column as read (not stripped)."""
        return self._raw[name]

    def text(self, name: str) -> pd.Series:
        """The cells of a column, stripped of surrounding whitespace."""
        return self._stripped[name]

    def item_ids(self) -> pd.Series:
        """The item ids (stripped strings); an empty id is an error."""
        ids = self.text("item_id")
        empty = (ids == "").to_numpy()
        if empty.any():
            raise self.error("empty item_id", empty, "item_id")
        return ids

    def numbers(self, name: str) -> np.ndarray:
        """A numeric column as float64 (NaN for missing cells)."""
        cells = self.text(name)
        missing = cells.str.lower().isin(MISSING_TOKENS).to_numpy()
        values = pd.to_numeric(cells.where(~missing, "nan"), errors="coerce")
        values = np.asarray(values, dtype=np.float64)
        bad = (np.isnan(values) & ~missing) | np.isinf(values)
        if bad.any():
            raise self.error(
                "not a finite number (empty means missing)",
                bad, name, cells[bad].tolist(),
            )
        return values

    def times(self, name: str) -> np.ndarray:
        """A timestamp column as tz-naive datetime64 (aware ones -> UTC)."""
        cells = self.text(name)
        try:
            parsed = pd.to_datetime(cells, format="ISO8601", utc=True)
        except (ValueError, TypeError, OverflowError) as e:
            parsed = pd.to_datetime(cells, format="ISO8601", utc=True,
                                    errors="coerce")
            if not parsed.isna().any():  # pragma: no cover - defensive
                raise self.error(f"cannot parse the timestamps: {e}",
                                 column=name) from None
        bad = parsed.isna().to_numpy()
        if bad.any():
            raise self.error(
                "empty or unparsable timestamp (ISO 8601 expected, e.g. "
                "2020-01-31 or 2020-01-31 12:00:00)",
                bad, name, cells[bad].tolist(),
            )
        return parsed.dt.tz_localize(None).to_numpy()

    def check_known_items(self, ids: pd.Series, items: pd.Index) -> np.ndarray:
        """Codes of ``ids`` in ``items``; unknown ids are an error."""
        codes = items.get_indexer(ids)
        unknown = codes < 0
        if unknown.any():
            names = pd.unique(ids[unknown])
            shown = ", ".join(repr(str(n)) for n in names[:_SHOW])
            more = f" (and {len(names) - _SHOW} more)" if len(names) > _SHOW else ""
            raise self.error(
                f"item(s) not in the target file: {shown}{more}",
                unknown, "item_id",
            )
        return codes

    def check_duplicates(self, codes: np.ndarray, times: np.ndarray,
                         items: pd.Index) -> np.ndarray:
        """Stable order by (item, time); duplicate (item, time) rows raise."""
        order = np.lexsort((times, codes))
        c, t = codes[order], times[order]
        same = (c[1:] == c[:-1]) & (t[1:] == t[:-1])
        if same.any():
            first = np.flatnonzero(same)[0]
            end = first + 1
            while end + 1 < len(c) and same[end]:
                end += 1
            rows = np.sort(order[first:end + 1])
            n_dup = int(same.sum())
            more = (f" ({n_dup} duplicate rows in all)" if n_dup > len(rows) - 1
                    else "")
            raise self.error(
                f"duplicate row for item {str(items[c[first]])!r} at "
                f"{_fmt_time(t[first])}: {_fmt_lines(self.lines(rows))}"
                f"{more}",
            )
        return order


# ----------------------------------------------------------------------------
# frequency and the regular grid
# ----------------------------------------------------------------------------

_WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP",
           "OCT", "NOV", "DEC"]


def _offset(freq: str) -> pd.DateOffset:
    try:
        return to_offset(freq)
    except (ValueError, TypeError) as e:
        raise InputError(
            f"invalid frequency {freq!r} (--freq): {e}. Use a pandas frequency "
            "string such as 'D', 'W-SUN', 'MS', 'h'."
        ) from None


def _fixed_step(offset: pd.DateOffset) -> np.timedelta64 | None:
    """The duration of a fixed-length offset (hours, days...), else None."""
    if isinstance(offset, pd.offsets.Tick):
        return pd.Timedelta(offset).to_timedelta64()
    if isinstance(offset, pd.offsets.Day):
        return pd.Timedelta(days=offset.n).to_timedelta64()
    return None


def _candidates(delta: pd.Timedelta, times: pd.DatetimeIndex) -> list[str]:
    """Frequency strings a most common step ``delta`` may stand for."""
    out = []
    day = pd.Timedelta(days=1)
    if delta % day == pd.Timedelta(0) and delta >= day:
        d = int(delta / day)
        first = times[0]
        if d == 1 and (times.dayofweek < 5).all():
            out.append("B")
        if d % 7 == 0:
            k = d // 7
            out.append(f"{k if k > 1 else ''}W-{_WEEKDAYS[first.dayofweek]}")
        if 28 <= d <= 31:
            out += ["MS", "ME", "BMS", "BME"]
        if 89 <= d <= 92:
            m = _MONTHS[first.month - 1]
            out += [f"QS-{m}", f"QE-{m}"]
        if 365 <= d <= 366:
            m = _MONTHS[first.month - 1]
            out += [f"YS-{m}", f"YE-{m}"]
        out.append(f"{d}D" if d > 1 else "D")
    out.append(to_offset(delta).freqstr)
    return out


def _infer_freq(table: _Table, times: np.ndarray, starts: np.ndarray,
                counts: np.ndarray) -> str:
    """Frequency of a sorted panel: ``pd.infer_freq`` on the longest items,
    else the most common step between consecutive timestamps."""
    longest = np.argsort(-counts, kind="stable")
    for k in longest[:5]:
        if counts[k] < 3:
            break
        idx = pd.DatetimeIndex(times[starts[k]:starts[k] + counts[k]])
        inferred = pd.infer_freq(idx)
        if inferred is not None:
            return inferred
    if counts.max() >= 2:
        codes = np.repeat(np.arange(len(counts)), counts)
        steps = np.diff(times)[codes[1:] == codes[:-1]]
        delta = pd.Timedelta(pd.Series(steps).mode().iloc[0])
        k = longest[0]
        idx = pd.DatetimeIndex(times[starts[k]:starts[k] + counts[k]])
        for cand in _candidates(delta, idx):
            grid = pd.date_range(idx[0], idx[-1], freq=cand)
            if idx.isin(grid).all():
                return to_offset(cand).freqstr
    raise table.error(
        "cannot infer the frequency of the timestamps (items too short or "
        "irregular); give it with --freq (e.g. --freq D, --freq W-SUN, "
        "--freq MS)",
        column="timestamp",
    )


class _Grid:
    """The regular time grid of every item, numbered from its origin.

    Period 0 of item ``k`` is ``origin[k]``; ``lo``/``hi`` bound the
    timestamps that will be asked for (per item).
    """

    def __init__(self, offset: pd.DateOffset, origin: np.ndarray,
                 lo: np.ndarray, hi: np.ndarray) -> None:
        self.offset = offset
        self.origin = origin
        self.unit = np.datetime_data(origin.dtype)[0]
        self.step = _fixed_step(offset)
        self._own: dict[int, tuple[np.ndarray, int]] = {}
        if self.step is None:
            grid = pd.date_range(lo.min(), hi.max(), freq=offset)
            self.grid = grid.as_unit(self.unit).to_numpy()
            self.base = pd.DatetimeIndex(self.grid).get_indexer(origin)
            # items off the global grid's phase (e.g. another time of day)
            for k in np.flatnonzero(self.base < 0):
                if not offset.is_on_offset(pd.Timestamp(origin[k])):
                    continue  # every row of the item is off the grid
                own = pd.date_range(lo[k], hi[k], freq=offset).as_unit(self.unit)
                self._own[int(k)] = (own.to_numpy(), own.get_indexer([origin[k]])[0])

    def positions(self, codes: np.ndarray, times: np.ndarray) -> np.ndarray:
        """Period number of each row (``off`` where not on the grid)."""
        off = np.iinfo(np.int64).min
        if self.step is not None:
            delta = times - self.origin[codes]
            step = self.step.astype(delta.dtype).astype(np.int64)
            d = delta.astype(np.int64)
            p = d // step
            return np.where(d % step == 0, p, off)
        pos = pd.DatetimeIndex(self.grid).get_indexer(times)
        base = self.base[codes]
        p = np.where((pos >= 0) & (base >= 0), pos - base, off)
        for k, (own, base) in self._own.items():
            rows = np.flatnonzero(codes == k)
            pos_k = pd.DatetimeIndex(own).get_indexer(times[rows])
            ok = (pos_k >= 0) & (base >= 0)
            p[rows] = np.where(ok, pos_k - base, off)
        return p

    def times(self, codes: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Timestamps of periods ``p`` of items ``codes`` (within lo..hi)."""
        if self.step is not None:
            return self.origin[codes] + p * self.step.astype(
                f"timedelta64[{self.unit}]")
        out = self.grid[np.clip(self.base[codes] + p, 0, len(self.grid) - 1)]
        for k, (own, base) in self._own.items():
            rows = np.flatnonzero(codes == k)
            out[rows] = own[base + p[rows]]
        return out


def _full_index(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes, period numbers and start offsets of ``lengths[k]`` periods
    for every item ``k``."""
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    codes = np.repeat(np.arange(len(lengths)), lengths)
    p = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(starts, lengths)
    return codes, p, starts


def _panel_index(items: pd.Index, codes: np.ndarray,
                 times: np.ndarray) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays(
        [items.take(codes), pd.DatetimeIndex(times)], names=["item_id", "timestamp"]
    )


def _item_spans(target: TargetData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First timestamp, last timestamp and number of periods of every
    target item (in ``target.items`` order)."""
    idx = target.y.index
    codes = target.items.get_indexer(idx.get_level_values(0))
    times = idx.get_level_values(1).to_numpy()
    counts = np.bincount(codes, minlength=len(target.items))
    ends = np.cumsum(counts)
    return times[ends - counts], times[ends - 1], counts


# ----------------------------------------------------------------------------
# readers
# ----------------------------------------------------------------------------


def read_target(path: str | os.PathLike, freq: str | None = None) -> TargetData:
    """Read the target time series file (``item_id,timestamp,target_value``).

    Parameters
    ----------
    path : str or path-like
        CSV file with exactly the columns ``item_id``, ``timestamp`` and
        ``target_value`` (in any order). A missing row or an empty
        ``target_value`` cell is a missing value.
    freq : str or None, default=None
        pandas frequency string (``"D"``, ``"W-SUN"``, ``"MS"``...). None:
        inferred, with ``pd.infer_freq`` on the longest items, else from the
        most common step between consecutive timestamps of an item (for
        panels where every item has gaps). The returned ``freq`` is the
        normalised string (``"W"`` -> ``"W-SUN"``).

    Returns
    -------
    TargetData
        ``y`` on the regular grid of ``freq`` from each item's first to its
        last timestamp (NaN rows inserted for missing rows), ``freq`` and the
        sorted item ids.

    Raises
    ------
    InputError
        Missing file or column, extra column, empty item id, unparsable
        timestamp or number, duplicate (item_id, timestamp) rows, a timestamp
        off the frequency's grid, or a frequency that cannot be inferred.
    """
    table = _Table(path, "target")
    table.require(
        ["item_id", "timestamp", "target_value"],
        others="the target file has exactly the columns item_id, timestamp and "
        "target_value (put covariates in the related file)",
    )
    ids = table.item_ids()
    times = table.times("timestamp")
    values = table.numbers("target_value")
    codes, items = pd.factorize(ids, sort=True)
    items = pd.Index(items, name="item_id")
    order = table.check_duplicates(codes, times, items)
    codes, times, values = codes[order], times[order], values[order]
    counts = np.bincount(codes, minlength=len(items))
    starts = np.cumsum(counts) - counts
    if freq is None:
        freq = _infer_freq(table, times, starts, counts)
    offset = _offset(freq)
    freq = offset.freqstr
    first, last = times[starts], times[starts + counts - 1]
    grid = _Grid(offset, first, first, last)
    p = grid.positions(codes, times)
    off = p < 0
    if off.any():
        raise table.error(
            f"timestamp not on the {freq!r} grid of its item (which starts at "
            "the item's first timestamp); check --freq",
            order[off], "timestamp",
            [_fmt_time(t) for t in times[off]],
        )
    lengths = p[starts + counts - 1] + 1
    full_codes, full_p, full_starts = _full_index(lengths)
    y_values = np.full(len(full_codes), np.nan)
    y_values[full_starts[codes] + p] = values
    index = _panel_index(items, full_codes, grid.times(full_codes, full_p))
    y = pd.DataFrame({"target_value": y_values}, index=index)
    return TargetData(y=y, freq=freq, items=items)


def read_related(path: str | os.PathLike, target: TargetData,
                 horizon: int) -> pd.DataFrame:
    """Read the related time series file (``item_id,timestamp,<numeric>``).

    Parameters
    ----------
    path : str or path-like
        CSV file with the columns ``item_id``, ``timestamp`` and at least one
        numeric covariate column (every other column).
    target : TargetData
        The target, from :func:`read_target`.
    horizon : int
        Forecast horizon, in periods of ``target.freq``.

    Returns
    -------
    pandas.DataFrame
        Float columns (in file order), index ``(item_id, timestamp)`` like
        ``target.y``: for every target item, every period from its first
        target period to its last target period + ``horizon``, exactly. Rows
        before or after that span are allowed and left out of the result (the
        forecast does not use them); they must still parse.

    Raises
    ------
    InputError
        Missing file or column, an item not in the target, unparsable
        timestamp or number, duplicate rows, a timestamp off the target's
        grid, a period of the needed span without a row (the message says
        whether the history or the horizon is not covered), or a missing
        (empty) cell inside the needed span.
    """
    horizon = int(horizon)
    if horizon < 0:
        raise ValueError(f"horizon must be >= 0, got {horizon}")
    table = _Table(path, "related")
    table.require(["item_id", "timestamp"])
    features = [c for c in table.columns if c not in ("item_id", "timestamp")]
    if not features:
        raise table.error(
            "no covariate column (expected item_id, timestamp and at least one "
            f"numeric column; columns present: {table.columns})"
        )
    items = target.items
    codes = table.check_known_items(table.item_ids(), items)
    times = table.times("timestamp")
    values = {c: table.numbers(c) for c in features}
    table.check_duplicates(codes, times, items)
    offset = _offset(target.freq)
    first, last, n = _item_spans(target)
    need = n + horizon
    end = (pd.DatetimeIndex(last) + horizon * offset).as_unit(
        np.datetime_data(first.dtype)[0]).to_numpy()
    lo, hi = first.copy(), end.copy()
    np.minimum.at(lo, codes, times)
    np.maximum.at(hi, codes, times)
    grid = _Grid(offset, first, lo, hi)
    p = grid.positions(codes, times)
    off = p == np.iinfo(np.int64).min
    if off.any():
        raise table.error(
            f"timestamp not on the target's {target.freq!r} grid of its item",
            off, "timestamp", [_fmt_time(t) for t in times[off]],
        )
    inside = (p >= 0) & (p < need[codes])
    full_codes, full_p, full_starts = _full_index(need)
    slot = full_starts[codes[inside]] + p[inside]
    present = np.zeros(len(full_codes), dtype=bool)
    present[slot] = True
    if not present.all():
        missing = np.flatnonzero(~present)
        mcodes = full_codes[missing]
        ks, firsts = np.unique(mcodes, return_index=True)
        first_missing = missing[firsts]
        mtimes = grid.times(full_codes[first_missing], full_p[first_missing])
        hist, hor = [], []
        for k, slot_k, t in zip(ks, first_missing, mtimes):
            name = repr(str(items[k]))
            if full_p[slot_k] < n[k]:
                hist.append(f"item {name} (first missing period "
                            f"{_fmt_time(t)})")
            else:
                hor.append(f"item {name} (first missing period "
                           f"{_fmt_time(t)}, needed up to "
                           f"{_fmt_time(end[k])})")
        parts = []
        if hor:
            parts.append(
                f"related series do not cover the horizon (horizon={horizon} "
                f"periods of {target.freq!r} after each item's last target "
                f"timestamp): {'; '.join(hor[:_SHOW])}"
                + (f" (and {len(hor) - _SHOW} more items)" if len(hor) > _SHOW
                   else "")
            )
        if hist:
            parts.append(
                "related series do not cover the target's history (every "
                "period from the item's first target timestamp is needed): "
                f"{'; '.join(hist[:_SHOW])}"
                + (f" (and {len(hist) - _SHOW} more items)" if len(hist) > _SHOW
                   else "")
            )
        raise InputError(f"related file {table.path}: " + ". ".join(parts),
                         table.path, column="timestamp")
    rows = np.flatnonzero(inside)
    out = {}
    for c in features:
        v = values[c][rows]
        nan = np.isnan(v)
        if nan.any():
            raise table.error(
                "missing value inside the span the forecast needs (each item's "
                f"first target period to its last + horizon={horizon})",
                rows[nan], c,
            )
        col = np.empty(len(full_codes))
        col[slot] = v
        out[c] = col
    index = _panel_index(items, full_codes, grid.times(full_codes, full_p))
    return pd.DataFrame(out, index=index)


def read_metadata(
    path: str | os.PathLike, target: TargetData
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Read the item metadata file (``item_id,<columns>``, one row per item).

    A column is numeric when every non-empty cell parses as a number (then an
    empty cell is an error), else categorical: values kept as stripped
    strings, an empty cell becoming the category ``"__missing__"``.

    Parameters
    ----------
    path : str or path-like
        CSV file with ``item_id`` and at least one other column.
    target : TargetData
        The target, from :func:`read_target`.

    Returns
    -------
    frame : pandas.DataFrame
        Indexed by ``item_id`` in ``target.items`` order; numeric columns
        float64, categorical columns strings; columns in file order.
    categorical_columns : list of str
    numeric_columns : list of str

    Raises
    ------
    InputError
        Missing file or column, no metadata column, empty item id, duplicate
        item rows, an item not in the target, a target item without a row, an
        empty cell in a numeric column, or a column without any value.
    """
    table = _Table(path, "metadata")
    table.require(["item_id"])
    columns = [c for c in table.columns if c != "item_id"]
    if not columns:
        raise table.error(
            f"no metadata column (expected item_id and at least one more; "
            f"columns present: {table.columns})"
        )
    items = target.items
    ids = table.item_ids()
    codes = table.check_known_items(ids, items)
    dup = pd.Series(codes).duplicated(keep=False).to_numpy()
    if dup.any():
        k = codes[np.flatnonzero(dup)[0]]
        rows = np.flatnonzero(codes == k)
        raise table.error(
            f"duplicate rows for item {str(items[k])!r} (one row per item): "
            f"{_fmt_lines(table.lines(rows))}"
            + (f" ({int(dup.sum())} duplicate rows in all)"
               if dup.sum() > len(rows) else "")
        )
    absent = np.setdiff1d(np.arange(len(items)), codes)
    if len(absent):
        names = ", ".join(repr(str(items[k])) for k in absent[:10])
        more = f" (and {len(absent) - 10} more)" if len(absent) > 10 else ""
        raise InputError(
            f"metadata file {table.path}: no row for {len(absent)} target "
            f"item(s): {names}{more}",
            table.path, column="item_id",
        )
    categorical, numeric = [], []
    out = {}
    position = np.empty(len(items), dtype=np.int64)
    position[codes] = np.arange(len(codes))
    for c in columns:
        cells = table.text(c)
        empty = (cells == "").to_numpy()
        if empty.all():
            raise table.error("the column has no value", column=c)
        missing = cells.str.lower().isin(MISSING_TOKENS).to_numpy()
        parsed = np.asarray(
            pd.to_numeric(cells.where(~missing, "nan"), errors="coerce"),
            dtype=np.float64,
        )
        is_num = not ((np.isnan(parsed) & ~missing) | np.isinf(parsed)).any()
        if is_num and not missing.all():
            if missing.any():
                raise table.error(
                    "missing value in a numeric column (every item needs a "
                    "value)", missing, c,
                )
            numeric.append(c)
            out[c] = parsed[position]
        else:
            categorical.append(c)
            out[c] = cells.where(~empty, MISSING_CATEGORY).to_numpy()[position]
    frame = pd.DataFrame(out, index=items.copy())
    for c in categorical:
        frame[c] = frame[c].astype(str)
    return frame, categorical, numeric


def read_documents(path: str | os.PathLike, target: TargetData) -> pd.DataFrame:
    """Read the documents file (``item_id,[timestamp,]text``).

    Parameters
    ----------
    path : str or path-like
        CSV file with ``item_id`` and ``text`` and optionally ``timestamp``,
        one row per document (several documents per item and period are
        fine). An empty ``text`` is a valid empty document; quoted texts may
        span several lines.
    target : TargetData
        The target, from :func:`read_target`.

    Returns
    -------
    pandas.DataFrame
        Columns ``item_id`` (str), ``timestamp`` (tz-naive datetime64, only
        if the file has the column) and ``text`` (str, as written: not
        stripped), sorted by item and timestamp (file order among ties),
        with a default RangeIndex. Target items without documents are fine.

    Raises
    ------
    InputError
        Missing file or column, extra column, empty item id, an item not in
        the target, or an empty or unparsable timestamp.
    """
    table = _Table(path, "documents")
    table.require(
        ["item_id", "text"], optional=["timestamp"],
        others="the documents file has the columns item_id, text and optionally "
        "timestamp",
    )
    items = target.items
    codes = table.check_known_items(table.item_ids(), items)
    out: dict[str, object] = {}
    if "timestamp" in table.columns:
        times = table.times("timestamp")
        order = np.lexsort((times, codes))
    else:
        times = None
        order = np.argsort(codes, kind="stable")
    out["item_id"] = items.take(codes[order])
    if times is not None:
        out["timestamp"] = pd.DatetimeIndex(times[order])
    out["text"] = table.raw("text").to_numpy()[order]
    frame = pd.DataFrame(out)
    frame["item_id"] = frame["item_id"].astype(str)
    frame["text"] = frame["text"].astype(str)
    return frame

"""CSV readers of the ``skforecast-ntm forecast`` command (cli._io)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from skforecast_ntm.cli._io import (
    MISSING_CATEGORY,
    InputError,
    TargetData,
    read_documents,
    read_metadata,
    read_related,
    read_target,
)


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


WEEKLY = """item_id,timestamp,target_value
b,2020-01-12,5
a,2020-01-05,1
a,2020-01-19,3
007,2020-01-05,
a,2020-01-12,2
b,2020-01-05,4
007,2020-01-12,8
"""


@pytest.fixture
def target(tmp_path) -> TargetData:
    # unsorted; a missing row (a, 2020-01-12 is there; b 2020-01-19 absent is
    # just the end); item 007 has an empty value
    text = WEEKLY.replace("a,2020-01-12,2\n", "")  # a misses 2020-01-12
    return read_target(_write(tmp_path, "target.csv", text))


# ---------------------------------------------------------------------------
# target
# ---------------------------------------------------------------------------


def test_read_target_happy_path(target):
    y = target.y
    assert isinstance(target, TargetData)
    assert target.freq == "W-SUN"
    assert list(target.items) == ["007", "a", "b"]
    assert y.index.names == ["item_id", "timestamp"]
    assert list(y.columns) == ["target_value"]
    assert y["target_value"].dtype == np.float64
    assert isinstance(y.index.get_level_values("timestamp"), pd.DatetimeIndex)
    assert y.index.get_level_values("timestamp").tz is None
    assert y.index.is_monotonic_increasing
    # regular grid: a's missing 2020-01-12 row is a NaN row
    a = y.loc["a", "target_value"]
    assert list(a.index) == list(pd.date_range("2020-01-05", periods=3, freq="W-SUN"))
    assert a.tolist()[0] == 1.0 and np.isnan(a.iloc[1]) and a.iloc[2] == 3.0
    # "007" stays a string; its empty cell is NaN
    assert np.isnan(y.loc[("007", pd.Timestamp("2020-01-05")), "target_value"])
    assert y.loc[("007", pd.Timestamp("2020-01-12")), "target_value"] == 8.0
    assert y.shape == (2 + 3 + 2, 1)
    # every data row is in the output
    assert y["target_value"].notna().sum() == 5


@pytest.mark.parametrize(
    "freq, expected",
    [("D", "D"), ("MS", "MS"), ("W-SUN", "W-SUN"), ("h", "h"), ("ME", "ME"),
     ("QS-JAN", None), ("B", "B")],
)
def test_read_target_infers_freq(tmp_path, freq, expected):
    stamps = pd.date_range("2021-01-01", periods=8, freq=freq)
    rows = [f"x,{t.isoformat()},{i}" for i, t in enumerate(stamps)]
    rows += [f"y,{t.isoformat()},{i}" for i, t in enumerate(stamps[:4])]
    path = _write(tmp_path, "t.csv", "item_id,timestamp,target_value\n"
                  + "\n".join(rows) + "\n")
    td = read_target(path)
    if expected is not None:
        assert td.freq == expected
    # same grid (QS-JAN and QS-OCT are the same quarters)
    assert pd.date_range(stamps[0], periods=8, freq=td.freq).equals(stamps)
    assert td.y.shape == (12, 1)


@pytest.mark.parametrize("freq", ["MS", "W-SUN", "D", "B"])
def test_read_target_infers_freq_when_every_item_has_gaps(tmp_path, freq):
    stamps = pd.date_range("2021-01-04", periods=12, freq=freq)
    keep = [0, 1, 2, 4, 5, 7, 8, 9, 11]  # gaps in every item: infer_freq fails
    rows = [f"{item},{stamps[i].date()},1" for item in "xy" for i in keep]
    path = _write(tmp_path, "t.csv", "item_id,timestamp,target_value\n"
                  + "\n".join(rows) + "\n")
    td = read_target(path)
    assert pd.tseries.frequencies.to_offset(td.freq) == \
        pd.tseries.frequencies.to_offset(freq)
    assert td.y.shape == (24, 1)
    assert td.y["target_value"].isna().sum() == 6


def test_read_target_given_freq_is_normalised(tmp_path):
    td = read_target(_write(tmp_path, "t.csv", WEEKLY), freq="W")
    assert td.freq == "W-SUN"


def test_read_target_invalid_freq(tmp_path):
    with pytest.raises(InputError, match="invalid frequency 'M'"):
        read_target(_write(tmp_path, "t.csv", WEEKLY), freq="M")


def test_read_target_timestamp_off_the_grid(tmp_path):
    path = _write(tmp_path, "t.csv", WEEKLY)
    with pytest.raises(InputError) as info:
        read_target(path, freq="MS")
    msg = str(info.value)
    assert str(path) in msg and "'timestamp'" in msg and "'MS' grid" in msg
    assert "line 2" in msg and "2020-01-12" in msg


def test_read_target_cannot_infer_freq(tmp_path):
    path = _write(tmp_path, "t.csv", "item_id,timestamp,target_value\n"
                  "a,2020-01-05,1\nb,2020-02-09,2\n")
    with pytest.raises(InputError, match="--freq") as info:
        read_target(path)
    assert str(path) in str(info.value)
    assert read_target(path, freq="W-SUN").y.shape == (2, 1)


def test_read_target_tz_aware_converted_to_utc(tmp_path):
    path = _write(tmp_path, "t.csv", "item_id,timestamp,target_value\n"
                  "a,2020-01-01T02:00:00+02:00,1\na,2020-01-02T00:00:00Z,2\n"
                  "a,2020-01-03 00:00:00,3\n")
    td = read_target(path)
    times = td.y.index.get_level_values("timestamp")
    assert times.tz is None
    assert list(times) == list(pd.date_range("2020-01-01", periods=3, freq="D"))
    assert td.freq == "D"


def test_read_target_mixed_item_ids_and_stripped_names(tmp_path):
    path = _write(tmp_path, "t.csv", " item_id , timestamp ,target_value\n"
                  "1,2020-01-01,1\n 01 ,2020-01-01,2\nabc,2020-01-01,3\n"
                  "1,2020-01-02,4\n01,2020-01-02,5\nabc,2020-01-02,6\n")
    td = read_target(path)
    assert list(td.items) == ["01", "1", "abc"]
    assert all(isinstance(i, str) for i in td.items)
    assert td.y.loc["01", "target_value"].tolist() == [2.0, 5.0]


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(InputError, match=re.escape(str(path))):
        read_target(path)


def test_empty_and_header_only_files(tmp_path):
    with pytest.raises(InputError, match="empty"):
        read_target(_write(tmp_path, "e.csv", ""))
    with pytest.raises(InputError, match="no data rows"):
        read_target(_write(tmp_path, "h.csv", "item_id,timestamp,target_value\n"))


def test_missing_required_column_names_file_column_and_columns(tmp_path):
    path = _write(tmp_path, "t.csv", "item_id,Timestamp,target_value\n"
                  "a,2020-01-01,1\n")
    with pytest.raises(InputError) as info:
        read_target(path)
    msg = str(info.value)
    assert str(path) in msg
    assert "missing required column 'timestamp'" in msg
    assert "['item_id', 'Timestamp', 'target_value']" in msg
    assert info.value.column == "timestamp"


def test_target_extra_column_is_an_error(tmp_path):
    path = _write(tmp_path, "t.csv", "item_id,timestamp,target_value,price\n"
                  "a,2020-01-01,1,2\n")
    with pytest.raises(InputError, match=r"unexpected column\(s\) \['price'\]"):
        read_target(path)


def test_duplicate_column_name(tmp_path):
    path = _write(tmp_path, "t.csv", "item_id,timestamp,timestamp \n"
                  "a,2020-01-01,1\n")
    with pytest.raises(InputError, match="duplicate column 'timestamp'"):
        read_target(path)


def test_unparsable_timestamp_names_file_line_column_and_value(tmp_path):
    # blank lines and an all-empty row still count as lines
    text = ("item_id,timestamp,target_value\n"
            "a,2020-01-05,1\n"
            "\n"
            "a,2020-01-12,2\n"
            ",,\n"
            "a,2020-13-19,3\n")
    path = _write(tmp_path, "t.csv", text)
    with pytest.raises(InputError) as info:
        read_target(path)
    msg = str(info.value)
    assert str(path) in msg
    assert "line 6" in msg and "column 'timestamp'" in msg and "'2020-13-19'" in msg
    assert info.value.lines == [6] and info.value.column == "timestamp"


def test_several_bad_timestamps_are_listed(tmp_path):
    rows = [f"a,bad{i},1" for i in range(8)]
    path = _write(tmp_path, "t.csv", "item_id,timestamp,target_value\n"
                  "a,,1\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError) as info:
        read_target(path)
    msg = str(info.value)
    assert "line 2 ''" in msg and "line 3 'bad0'" in msg
    assert "and 4 more rows" in msg
    assert info.value.lines == list(range(2, 11))


def test_unparsable_number(tmp_path):
    path = _write(tmp_path, "t.csv", "item_id,timestamp,target_value\n"
                  "a,2020-01-01,1\na,2020-01-02,1.2.3\na,2020-01-03,inf\n"
                  "a,2020-01-04,NaN\n")
    with pytest.raises(InputError) as info:
        read_target(path)
    msg = str(info.value)
    assert "column 'target_value'" in msg
    assert "line 3 '1.2.3'" in msg and "line 4 'inf'" in msg
    assert "line 5" not in msg  # NaN is a missing value


def test_empty_item_id(tmp_path):
    path = _write(tmp_path, "t.csv", "item_id,timestamp,target_value\n"
                  "a,2020-01-01,1\n ,2020-01-02,1\n")
    with pytest.raises(InputError, match=r"line 3, column 'item_id': empty"):
        read_target(path)


def test_duplicate_rows_name_both_lines(tmp_path):
    path = _write(tmp_path, "t.csv", "item_id,timestamp,target_value\n"
                  "a,2020-01-01,1\nb,2020-01-01,1\na,2020-01-02,1\n"
                  "a,2020-01-01T00:00:00,2\n")
    with pytest.raises(InputError) as info:
        read_target(path)
    msg = str(info.value)
    assert "duplicate row for item 'a' at 2020-01-01" in msg
    assert "lines 2, 5" in msg and str(path) in msg


def test_multiline_quoted_field_keeps_line_numbers(tmp_path, target):
    text = ('item_id,timestamp,text\n'
            'a,2020-01-05,"first line\nsecond line"\n'
            'b,2020-01-05,fine\n'
            'b,yesterday,bad\n')
    path = _write(tmp_path, "d.csv", text)
    with pytest.raises(InputError) as info:
        read_documents(path, target)
    assert info.value.lines == [5]
    assert "line 5, column 'timestamp'" in str(info.value)


def test_target_reads_a_large_shuffled_file(tmp_path):
    stamps = pd.date_range("2020-01-05", periods=150, freq="W-SUN").strftime(
        "%Y-%m-%d")
    frame = pd.DataFrame({
        "item_id": np.repeat([f"item_{i:04d}" for i in range(1000)], 150),
        "timestamp": np.tile(stamps, 1000),
        "target_value": np.arange(150_000) % 97,
    }).sample(frac=1.0, random_state=0).iloc[3:]
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    td = read_target(path)
    assert td.freq == "W-SUN"
    assert td.y.shape[0] <= 150_000 and td.y["target_value"].notna().sum() == len(
        frame)


# ---------------------------------------------------------------------------
# related
# ---------------------------------------------------------------------------


def _related_rows(items_spans, start="2020-01-05", extra_cols=lambda i: "1.5,0"):
    rows = []
    for item, (lo, hi) in items_spans.items():
        for i, t in enumerate(pd.date_range(start, periods=hi, freq="W-SUN")):
            if i >= lo:
                rows.append(f"{item},{t.date()},{extra_cols(i)}")
    return rows


def test_read_related_happy_path(tmp_path, target):
    # target: 007 2 periods, a 3, b 2 (from 2020-01-05); horizon 2
    rows = _related_rows({"a": (0, 6), "b": (0, 5), "007": (0, 5)},
                         start="2019-12-29", extra_cols=lambda i: f"{i},{i % 2}")
    rows = rows[::-1]  # unsorted
    path = _write(tmp_path, "r.csv", "item_id,timestamp,price,promo\n"
                  + "\n".join(rows) + "\n")
    rel = read_related(path, target, horizon=2)
    assert rel.index.names == ["item_id", "timestamp"]
    assert list(rel.columns) == ["price", "promo"]
    assert (rel.dtypes == np.float64).all()
    assert rel.index.is_monotonic_increasing
    # exactly each item's first target period .. last + horizon
    assert rel.loc["a"].index.equals(
        pd.date_range("2020-01-05", periods=5, freq="W-SUN").rename("timestamp"))
    assert len(rel.loc["b"]) == 4 and len(rel.loc["007"]) == 4
    assert rel.shape == (13, 2)
    # values placed on the right rows (the 2019-12-29 row, i=0, is left out)
    assert rel.loc[("a", pd.Timestamp("2020-01-05")), "price"] == 1.0
    assert rel.index.get_level_values(1).dtype == \
        target.y.index.get_level_values(1).dtype


def test_read_related_horizon_not_covered(tmp_path, target):
    rows = _related_rows({"a": (0, 5), "b": (0, 3), "007": (0, 4)})
    path = _write(tmp_path, "r.csv", "item_id,timestamp,price,promo\n"
                  + "\n".join(rows) + "\n")
    with pytest.raises(InputError) as info:
        read_related(path, target, horizon=2)
    msg = str(info.value)
    assert "do not cover the horizon" in msg and "horizon=2" in msg
    assert "item 'b'" in msg and "first missing period 2020-01-26" in msg
    assert "'a'" not in msg and str(path) in msg


def test_read_related_history_not_covered(tmp_path, target):
    rows = _related_rows({"a": (1, 5), "b": (0, 4), "007": (0, 4)})
    path = _write(tmp_path, "r.csv", "item_id,timestamp,price,promo\n"
                  + "\n".join(rows) + "\n")
    with pytest.raises(InputError, match="history") as info:
        read_related(path, target, horizon=2)
    assert "item 'a' (first missing period 2020-01-05" in str(info.value)


def test_read_related_missing_cell_in_span(tmp_path, target):
    rows = _related_rows({"a": (0, 5), "b": (0, 4), "007": (0, 5)})
    rows[-1] = rows[-1].replace(",1.5,", ",,")  # 007 beyond the span: fine
    rows[2] = rows[2].replace(",1.5,", ",,")  # a, 2020-01-19: in the span
    path = _write(tmp_path, "r.csv", "item_id,timestamp,price,promo\n"
                  + "\n".join(rows) + "\n")
    with pytest.raises(InputError) as info:
        read_related(path, target, horizon=2)
    assert info.value.lines == [4] and info.value.column == "price"
    assert "line 4, column 'price'" in str(info.value)


def test_read_related_unknown_item_bad_number_no_columns(tmp_path, target):
    rows = _related_rows({"a": (0, 5), "b": (0, 4), "007": (0, 4)})
    path = _write(tmp_path, "r.csv", "item_id,timestamp,price,promo\n"
                  + "\n".join(rows) + "\nzz,2020-01-05,1,1\n")
    with pytest.raises(InputError, match=r"line 15, column 'item_id'.*'zz'"):
        read_related(path, target, horizon=2)
    bad = rows.copy()
    bad[0] = bad[0].replace("1.5", "cheap")
    path = _write(tmp_path, "r.csv", "item_id,timestamp,price,promo\n"
                  + "\n".join(bad) + "\n")
    with pytest.raises(InputError, match=r"line 2, column 'price'.*'cheap'"):
        read_related(path, target, horizon=2)
    path = _write(tmp_path, "r.csv", "item_id,timestamp\na,2020-01-05\n")
    with pytest.raises(InputError, match="no covariate column"):
        read_related(path, target, horizon=2)


def test_read_related_off_grid_and_duplicates(tmp_path, target):
    rows = _related_rows({"a": (0, 5), "b": (0, 4), "007": (0, 4)})
    path = _write(tmp_path, "r.csv", "item_id,timestamp,price,promo\n"
                  + "\n".join(rows) + "\na,2020-01-06,1,1\n")
    with pytest.raises(InputError, match=r"line 15, column 'timestamp'.*grid"):
        read_related(path, target, horizon=2)
    path = _write(tmp_path, "r.csv", "item_id,timestamp,price,promo\n"
                  + "\n".join(rows) + "\n" + rows[0] + "\n")
    with pytest.raises(InputError, match="lines 2, 15"):
        read_related(path, target, horizon=2)


# ---------------------------------------------------------------------------
# metadata
# ---------------------------------------------------------------------------


def test_read_metadata_happy_path(tmp_path, target):
    path = _write(tmp_path, "m.csv", "item_id,category,size,code\n"
                  "b,toys,2.5,01\na,,1,02\n007,food,3e1,x\n")
    frame, categorical, numeric = read_metadata(path, target)
    assert categorical == ["category", "code"] and numeric == ["size"]
    assert list(frame.index) == ["007", "a", "b"] and frame.index.name == "item_id"
    assert list(frame.columns) == ["category", "size", "code"]
    assert frame["size"].dtype == np.float64
    assert frame["size"].tolist() == [30.0, 1.0, 2.5]
    assert frame["category"].tolist() == ["food", MISSING_CATEGORY, "toys"]
    assert frame["code"].tolist() == ["x", "02", "01"]


def test_read_metadata_errors(tmp_path, target):
    head = "item_id,category,size\n"
    path = _write(tmp_path, "m.csv", head + "a,x,1\nb,y,2\n")
    with pytest.raises(InputError, match=r"no row for 1 target item\(s\): '007'"):
        read_metadata(path, target)
    path = _write(tmp_path, "m.csv", head + "a,x,1\nb,y,2\n007,z,3\na,x,1\n")
    with pytest.raises(InputError, match=r"duplicate rows for item 'a'.*lines 2, 5"):
        read_metadata(path, target)
    path = _write(tmp_path, "m.csv", head + "a,x,1\nb,y,\n007,z,3\n")
    with pytest.raises(InputError, match=r"line 3, column 'size': missing value"):
        read_metadata(path, target)
    path = _write(tmp_path, "m.csv", head + "a,x,1\nb,y,2\n007,z,3\nq,z,3\n")
    with pytest.raises(InputError, match=r"line 5, column 'item_id'.*'q'"):
        read_metadata(path, target)
    path = _write(tmp_path, "m.csv", "item_id\na\nb\n007\n")
    with pytest.raises(InputError, match="no metadata column"):
        read_metadata(path, target)


# ---------------------------------------------------------------------------
# documents
# ---------------------------------------------------------------------------


def test_read_documents_happy_path(tmp_path, target):
    path = _write(tmp_path, "d.csv", "item_id,timestamp,text\n"
                  'b,2020-01-12,"later, with a comma"\n'
                  "a,2020-01-05,\n"
                  "b,2020-01-05T10:30:00,earlier\n"
                  "b,2020-01-05T10:30:00,same time\n")
    docs = read_documents(path, target)
    assert list(docs.columns) == ["item_id", "timestamp", "text"]
    assert docs["item_id"].tolist() == ["a", "b", "b", "b"]
    assert docs["text"].tolist() == ["", "earlier", "same time",
                                     "later, with a comma"]
    assert pd.api.types.is_datetime64_dtype(docs["timestamp"])
    assert docs["timestamp"].iloc[1] == pd.Timestamp("2020-01-05 10:30")
    assert isinstance(docs.index, pd.RangeIndex)


def test_read_documents_without_timestamp_and_errors(tmp_path, target):
    path = _write(tmp_path, "d.csv", "item_id,text\nb,x\na,y\n007,z\n")
    docs = read_documents(path, target)
    assert list(docs.columns) == ["item_id", "text"]
    assert docs["item_id"].tolist() == ["007", "a", "b"]
    path = _write(tmp_path, "d.csv", "item_id,text\nb,x\nq,y\nr,z\n")
    with pytest.raises(InputError) as info:
        read_documents(path, target)
    assert "'q', 'r'" in str(info.value) and info.value.lines == [3, 4]
    path = _write(tmp_path, "d.csv", "item_id,text,author\nb,x,me\n")
    with pytest.raises(InputError, match="unexpected column"):
        read_documents(path, target)
    path = _write(tmp_path, "d.csv", "item_id,body\nb,x\n")
    with pytest.raises(InputError, match=r"missing required column 'text'.*body"):
        read_documents(path, target)


def test_read_related_monthly_and_per_item_time_of_day(tmp_path):
    # MS (calendar offset: the global-grid path), item b at 12:00 (own grid)
    rows = [f"a,2020-{m:02d}-01,{m}" for m in range(1, 7) if m != 3]
    rows += [f"b,2020-{m:02d}-01T12:00,{m}" for m in range(2, 6)]
    td = read_target(_write(tmp_path, "t.csv", "item_id,timestamp,target_value\n"
                            + "\n".join(rows) + "\n"))
    assert td.freq == "MS" and td.y.shape == (10, 1)
    rel_rows = [f"a,2020-{m:02d}-01,{m}" for m in range(1, 9)]
    rel_rows += [f"b,2020-{m:02d}-01T12:00,{m}" for m in range(1, 9)]
    path = _write(tmp_path, "r.csv", "item_id,timestamp,x\n" + "\n".join(rel_rows)
                  + "\n")
    rel = read_related(path, td, horizon=2)
    assert rel.loc["a"].index[-1] == pd.Timestamp("2020-08-01")
    assert rel.loc["b"].index[0] == pd.Timestamp("2020-02-01 12:00")
    assert rel.loc["b"].index[-1] == pd.Timestamp("2020-07-01 12:00")
    assert rel["x"].tolist() == [*range(1, 9), *range(2, 8)]
    with pytest.raises(InputError, match=r"horizon=3.*item 'a'.*2020-09-01"):
        read_related(path, td, horizon=3)


def test_read_target_daily_items_at_different_times_of_day(tmp_path):
    td = read_target(_write(tmp_path, "t.csv", "item_id,timestamp,target_value\n"
                            "a,2020-01-01,1\na,2020-01-03,1\nb,2020-01-01 06:00,2\n"
                            "b,2020-01-02 06:00,2\nb,2020-01-03 06:00,2\n"))
    assert td.freq == "D" and td.y.shape == (6, 1)
    assert td.y.loc["b"].index[0] == pd.Timestamp("2020-01-01 06:00")


def test_malformed_csv_row(tmp_path):
    path = _write(tmp_path, "t.csv", "item_id,timestamp,target_value\n"
                  "a,2020-01-01,1\na,2020-01-02,1,000\n")
    with pytest.raises(InputError, match=r"not a valid CSV file.*line 3"):
        read_target(path)

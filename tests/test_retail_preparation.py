"""Retail preparation: aggregation, filling, outliers, ABC-XYZ, calendar."""

import numpy as np
import pandas as pd
import pytest
from sktime.datatypes import check_is_mtype

from skforecast_ntm.transformations._aggregate import aggregate_transactions
from skforecast_ntm.transformations._calendar import (
    CalendarFeatures,
    HolidayFeatures,
    future_index,
)
from skforecast_ntm.transformations._fill import FILL_METHODS, MissingValueFiller
from skforecast_ntm.transformations._outliers import OutlierTreatment
from skforecast_ntm.transformations._segments import (
    ABCXYZSegmenter,
    abc_xyz_segments,
    segment_summary,
)

DAYS = pd.date_range("2024-01-01", periods=40, freq="D")


def _panel(levels=2, n_time=40, seed=0):
    """Poisson demand; 2 levels: 3 items; 3 levels: 2 stores x 2 items."""
    rng = np.random.default_rng(seed)
    times = pd.period_range("2024-01-01", periods=n_time, freq="D")
    if levels == 2:
        idx = pd.MultiIndex.from_product([["a", "b", "c"], times],
                                         names=["item_id", "time"])
    else:
        idx = pd.MultiIndex.from_product([["s1", "s2"], ["a", "b"], times],
                                         names=["store_id", "item_id", "time"])
    lam = np.repeat(rng.uniform(5, 50, len(idx) // n_time), n_time)
    return pd.DataFrame({"y": rng.poisson(lam).astype(float)}, index=idx)


# ------------------------------------------------------------- aggregation
def _transactions():
    return pd.DataFrame({
        "store_id": ["s1", "s1", "s1", "s1", "s2", "s2", "s1"],
        "item_id": ["a", "a", "a", "a", "a", "a", "b"],
        "timestamp": ["2024-01-01 18:00", "2024-01-01 09:00", "2024-01-03 12:00",
                      "2024-01-08 10:00", "2024-01-02 10:00", "2024-01-02 11:00",
                      "2024-01-05 10:00"],
        "quantity": [2, 5, 1, 7, 3, "4", 6],
    })


@pytest.mark.parametrize("method, expected", [
    ("sum", [7.0, np.nan, 1.0]), ("mean", [3.5, np.nan, 1.0]),
    ("avg", [3.5, np.nan, 1.0]), ("first", [5.0, np.nan, 1.0]),
    ("min", [2.0, np.nan, 1.0]), ("max", [5.0, np.nan, 1.0]),
])
def test_aggregate_daily_methods(method, expected):
    y = aggregate_transactions(_transactions(), freq="D",
                               id_columns=["store_id", "item_id"], method=method)
    assert check_is_mtype(y, "pd_multiindex_hier")
    got = y.loc[("s1", "a"), "quantity"]
    np.testing.assert_array_equal(got.iloc[:3].to_numpy(), expected)
    # s1/a spans Jan 1..8 on a regular daily grid
    assert list(got.index.astype(str)) == [f"2024-01-0{d}" for d in range(1, 9)]
    assert y.loc[("s2", "a"), "quantity"].tolist() == (
        [7.0] if method == "sum" else [3.5] if method in ("mean", "avg") else
        [3.0] if method in ("first", "min") else [4.0])


def test_aggregate_weekly_single_id_and_fill_value():
    tx = _transactions()
    y = aggregate_transactions(tx, freq="W", id_columns="item_id", fill_value=0.0,
                               as_period=False)
    assert check_is_mtype(y, "pd-multiindex")
    # weeks ending Sunday: Jan 1-7 and Jan 8-14
    assert y.loc["a", "quantity"].tolist() == [2 + 5 + 1 + 3 + 4, 7.0]
    assert y.loc["a"].index[0] == pd.Timestamp("2024-01-01")
    daily = aggregate_transactions(tx, freq="D", id_columns="item_id", fill_value=0)
    assert daily.loc["a", "quantity"].tolist() == [7.0, 7.0, 1.0, 0, 0, 0, 0, 7.0]


def test_aggregate_other_columns_and_reused_by_segments():
    tx = _transactions().assign(price=[1.0, 1.0, 1.0, 1.0, 2.0, 4.0, 10.0])
    y = aggregate_transactions(tx, id_columns="item_id", freq="W",
                               other_columns={"price": "max"})
    assert list(y.columns) == ["quantity", "price"]
    assert y.loc["b", "price"].tolist() == [10.0]
    seg = abc_xyz_segments(y, by="revenue", price="price")
    # revenue a = 15 * 4 + 7 * 1 = 67, b = 6 * 10 = 60
    assert seg["revenue"].tolist() == [67.0, 60.0]


@pytest.mark.parametrize("column, value, row", [
    ("timestamp", "not a date", 3), ("quantity", "three", 5),
    ("quantity", np.nan, 2),
])
def test_aggregate_bad_rows_are_named(column, value, row):
    tx = _transactions()
    tx[column] = tx[column].astype(object)
    tx.loc[row, column] = value
    with pytest.raises(ValueError, match=rf"column '{column}'.*row {row} "):
        aggregate_transactions(tx, id_columns=["store_id", "item_id"])


def test_aggregate_bad_parameters():
    tx = _transactions()
    with pytest.raises(ValueError, match=r"valid methods are \['sum', 'mean'"):
        aggregate_transactions(tx, method="median")
    with pytest.raises(ValueError, match="lack the column"):
        aggregate_transactions(tx, id_columns="sku")
    with pytest.raises(ValueError, match="not a pandas period frequency"):
        aggregate_transactions(tx, freq="fortnight")


# ------------------------------------------------------------------ filling
def _gappy():
    idx = pd.MultiIndex.from_tuples(
        [("a", t) for t in [0, 1, 2, 4, 5]] + [("b", t) for t in [2, 3, 4]],
        names=["item_id", "time"])
    y = [np.nan, 1.0, np.nan, 3.0, 4.0, 5.0, 6.0, np.nan]
    return pd.DataFrame({"y": y}, index=idx)


def test_filler_default_zones_and_mask():
    y = _gappy()
    f = MissingValueFiller().fit(y)
    out = f.transform(y)
    # a: front NaN kept, middle (t=2, absent t=3) zero; b: back to t=5 zero
    assert out.index.tolist() == [("a", t) for t in range(6)] + [
        ("b", t) for t in range(2, 6)]
    np.testing.assert_array_equal(
        out["y"].to_numpy(), [np.nan, 1, 0, 0, 3, 4, 5, 6, 0, 0])
    mask = f.filled_mask(y)["y"].tolist()
    assert mask == [False, False, True, True, False, False, False, False, True,
                    True]
    assert f.filled_mask_.equals(f.filled_mask(y))
    assert f.end_ == 5


def test_filler_nan_value_and_none():
    y = _gappy()
    out = MissingValueFiller(middlefill="value", middlefill_value=-1,
                             backfill="nan").fit_transform(y)
    np.testing.assert_array_equal(out["y"].to_numpy(),
                                  [np.nan, 1, -1, -1, 3, 4, 5, 6, np.nan, np.nan])
    f = MissingValueFiller(backfill="nan").fit(y)
    assert f.filled_mask(y)["y"].iloc[-2:].tolist() == [True, True]
    untouched = MissingValueFiller(middlefill=None, backfill=None).fit_transform(y)
    assert untouched["y"].isna().sum() == 4  # grid rows added inside, no fill
    assert len(untouched) == 9


@pytest.mark.parametrize("how", ["median", "mean", "min", "max"])
def test_filler_statistics_of_the_last_64_points(how):
    rng = np.random.default_rng(3)
    v = rng.normal(10, 3, 100)
    v[80:83] = np.nan  # middle gap: stats of the 64 values before it
    y = pd.DataFrame({"y": v}, index=pd.RangeIndex(100, name="t"))
    out = MissingValueFiller(middlefill=how).fit_transform(y)
    ref = getattr(np, how)(v[80 - 64:80])
    np.testing.assert_allclose(out["y"].to_numpy()[80:83], ref)
    short = MissingValueFiller(middlefill=how, window=5).fit_transform(y)
    np.testing.assert_allclose(short["y"].to_numpy()[80:83],
                               getattr(np, how)(v[75:80]))


def test_filler_future_fill_of_related_series_in_predict():
    """Future X rows use the statistic of the 64 points before the end."""
    X = _panel(2, 80).rename(columns={"y": "price"})
    train = X[X.index.get_level_values(-1) < X.index.levels[-1][70]]
    f = MissingValueFiller(middlefill="median", backfill="median", futurefill="max",
                           indicator=True).fit(train)
    fut = X[X.index.get_level_values(-1) >= X.index.levels[-1][70]].copy()
    fut.iloc[[2, 15]] = np.nan
    out = f.transform(fut)
    assert list(out.columns) == ["price", "price_filled"]
    for row in (2, 15):
        key = fut.index[row][0]
        expected = train.loc[key, "price"].iloc[-64:].max()
        assert out["price"].iloc[row] == expected
        assert out["price_filled"].iloc[row] == 1.0
    assert out["price_filled"].sum() == 2
    assert out["price"].drop(fut.index[[2, 15]]).equals(
        fut["price"].drop(fut.index[[2, 15]]))


def test_filler_hierarchical_panel_single_series_and_errors():
    y = _panel(3)
    y.iloc[[5, 50, 51, 100]] = np.nan
    y = y.drop(y.index[[60, 61]])  # absent rows inside s1/b
    out = MissingValueFiller().fit_transform(y)
    assert check_is_mtype(out, "pd_multiindex_hier")
    assert len(out) == 4 * 40 and not out["y"].isna().any()
    assert out["y"].iloc[[5, 50, 51, 60, 61, 100]].tolist() == [0.0] * 6
    single = y.loc[("s1", "a")]
    single.iloc[3] = np.nan
    assert MissingValueFiller(middlefill="max").fit_transform(single)[
        "y"].iloc[3] == single["y"].iloc[:3].max()
    with pytest.raises(ValueError, match=r"valid methods are \['zero', 'nan', "
                                         r"'value', 'median'"):
        MissingValueFiller(middlefill="linear").fit(y)
    with pytest.raises(ValueError, match="needs a finite number in "
                                         "backfill_value"):
        MissingValueFiller(backfill="value").fit(y)
    assert FILL_METHODS == ("zero", "nan", "value", "median", "mean", "min", "max")


# ----------------------------------------------------------------- outliers
def test_hampel_flags_spikes_per_series_with_hand_computed_bounds():
    y = _panel(3)
    spikes = [7, 70, 130]
    y.iloc[spikes, 0] = y["y"].iloc[spikes].to_numpy() * 20 + 200
    ot = OutlierTreatment(treatment="clip")
    mask = ot.outlier_mask(y)["y"]
    assert set(np.flatnonzero(mask)) >= set(spikes)
    # the clipped value is the Hampel bound: median + 3 * 1.4826 * MAD
    out = ot.fit_transform(y)
    v = y["y"].to_numpy()
    w = v[7 - 3:7 + 4]
    med = np.median(w)
    bound = med + 3 * 1.4826 * np.median(np.abs(w - med))
    assert out["y"].iloc[7] == pytest.approx(bound)
    assert check_is_mtype(out, "pd_multiindex_hier")
    unchanged = ~mask.to_numpy()
    np.testing.assert_array_equal(out["y"].to_numpy()[unchanged], v[unchanged])


def test_windows_do_not_cross_series():
    """A constant low series after a constant high one flags nothing."""
    idx = pd.MultiIndex.from_product([["hi", "lo"], range(10)])
    y = pd.DataFrame({"y": [1000.0] * 10 + [1.0] * 10}, index=idx)
    for method in ("hampel", "iqr"):
        assert not OutlierTreatment(method=method).outlier_mask(y).any().any()


def test_iqr_fences_interpolation_and_indicator():
    v = np.array([10.0, 12, 11, 13, 60, 12, 11, 10, 12, -30, 11, 12])
    y = pd.DataFrame({"y": v}, index=pd.period_range("2020-01", periods=12,
                                                     freq="M"))
    q1, q3 = np.percentile(v, [25, 75])
    fences = (q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1))
    expected = (v < fences[0]) | (v > fences[1])
    ot = OutlierTreatment(method="iqr", treatment="interpolate", indicator=True)
    out = ot.fit_transform(y)
    np.testing.assert_array_equal(out["y_outlier"].to_numpy(), expected)
    assert expected.sum() == 2
    assert out["y"].iloc[4] == pytest.approx((13 + 12) / 2)
    assert out["y"].iloc[9] == pytest.approx((12 + 11) / 2)
    nan = OutlierTreatment(method="iqr", treatment="nan").fit_transform(y)
    assert nan["y"].isna().to_numpy().tolist() == expected.tolist()


def test_ignore_zeros_for_intermittent_demand():
    v = np.zeros(30)
    v[[3, 9, 15, 21, 27]] = [2.0, 3.0, 2.0, 40.0, 3.0]
    y = pd.DataFrame({"y": v})
    assert OutlierTreatment().outlier_mask(y)["y"].sum() == 5  # every sale
    mask = OutlierTreatment(method="iqr", ignore_zeros=True).outlier_mask(y)["y"]
    assert np.flatnonzero(mask).tolist() == [21]


def test_outliers_then_filler_in_a_transformer_pipeline():
    from sktime.transformations.compose import TransformerPipeline

    y = _panel(2, 80)
    y.iloc[[30, 100], 0] = 5000.0
    y.iloc[[40, 41], 0] = np.nan
    pipe = TransformerPipeline([
        OutlierTreatment(treatment="nan"),
        MissingValueFiller(middlefill="median"),
    ])
    out = pipe.fit_transform(y)
    assert not out["y"].isna().any() and out["y"].max() < 5000
    cleaned = OutlierTreatment(treatment="nan").fit_transform(y)
    v = cleaned["y"].to_numpy()
    assert np.isnan(v[[30, 40, 41, 100]]).all()
    # the spike is replaced by the median of the observations before it
    np.testing.assert_allclose(out["y"].iloc[30], np.nanmedian(v[0:30]))
    filler = pipe.steps_[-1][1]
    mask = filler.filled_mask(cleaned)
    assert set(np.flatnonzero(mask["y"])) >= {30, 40, 41, 100}


def test_protected_holiday_peaks_are_kept_inside_a_forecaster():
    from sktime.forecasting.compose import TransformedTargetForecaster

    y = _panel(2, 60)
    X = pd.DataFrame({"holiday": 0.0}, index=y.index)
    peaks = [20, 80, 140]  # one holiday per series: demand x 10
    y.iloc[peaks, 0] = y["y"].iloc[peaks].to_numpy() * 10
    X.iloc[peaks, 0] = 1.0
    y.iloc[45, 0] = 9999.0  # a real error on a normal day
    plain = OutlierTreatment(treatment="nan").outlier_mask(y)["y"]
    assert set(peaks) | {45} <= set(np.flatnonzero(plain))
    ot = OutlierTreatment(treatment="nan", protect="holiday")
    kept = ot.outlier_mask(y, X)["y"]
    assert not kept.iloc[peaks].any() and kept.iloc[45]
    tt = TransformedTargetForecaster([("out", ot), ("deepar", _deepar())])
    tt.fit(y, X=X, fh=[1, 2])
    cleaned = tt.steps_[0][1].transform(y, X)
    assert np.isnan(cleaned["y"].iloc[45])
    np.testing.assert_array_equal(cleaned["y"].iloc[peaks], y["y"].iloc[peaks])
    with pytest.raises(ValueError, match="needs the exogenous data with column "
                                         "'holiday'"):
        ot.fit_transform(y)


def test_outlier_bad_parameters():
    y = _panel(2)
    with pytest.raises(ValueError, match=r"method='zscore' is not one of"):
        OutlierTreatment(method="zscore").fit_transform(y)
    with pytest.raises(ValueError, match="window_length must be an int >= 3"):
        OutlierTreatment(window_length=1).fit_transform(y)


# ----------------------------------------------------------------- segments
def test_abc_xyz_hand_computed():
    idx = pd.MultiIndex.from_product([["p", "q", "r", "s"], range(4)],
                                     names=["item_id", "t"])
    demand = [[50, 50, 50, 50],        # 200, cv 0 -> A X
              [10, 30, 10, 30],        # 80, cv .577 -> B? Y
              [0, 0, 20, 0],           # 20, cv 2 -> Z
              [1, 0, 2, 1]]            # 4
    y = pd.DataFrame({"y": np.ravel(demand).astype(float)}, index=idx)
    seg = abc_xyz_segments(y)
    total = 304.0
    np.testing.assert_allclose(seg["share"], np.array([200, 80, 20, 4]) / total)
    # preceding shares 0, .658, .921, .987 -> A, A, B, C
    assert seg["abc"].tolist() == ["A", "A", "B", "C"]
    cv = [np.std(d, ddof=1) / np.mean(d) for d in demand]
    np.testing.assert_allclose(seg["cv"], cv)
    assert seg["xyz"].tolist() == ["X", "Y", "Z", "Y"]  # cv of s = .816
    assert seg["segment"].tolist() == ["AX", "AY", "BZ", "CY"]
    summary = segment_summary(seg)
    assert summary["n_series"].sum() == 4 and summary.loc["AX", "n_series"] == 1
    assert summary.loc["AY", "volume_share"] == pytest.approx(80 / total)
    strict = abc_xyz_segments(y, a_share=0.6, b_share=0.9, x_cv=0.6, y_cv=0.7)
    assert strict["segment"].tolist() == ["AX", "BX", "CZ", "CZ"]


def test_abc_by_revenue_and_hierarchical_panel():
    y = _panel(3)
    price = pd.Series(np.where(y.index.get_level_values("item_id") == "a", 100.0,
                               1.0), index=y.index)
    vol = abc_xyz_segments(y)
    rev = abc_xyz_segments(y, by="revenue", price=price)
    assert isinstance(rev.index, pd.MultiIndex) and rev.index.nlevels == 2
    assert rev.loc[("s1", "a"), "revenue"] == pytest.approx(
        100 * y.loc[("s1", "a"), "y"].sum())
    assert set(rev[rev.abc == "A"].index.get_level_values("item_id")) == {"a"}
    assert vol["volume"].sum() == y["y"].sum()
    with pytest.raises(ValueError, match="needs a price"):
        abc_xyz_segments(y, by="revenue")
    with pytest.raises(ValueError, match="a_share < b_share"):
        abc_xyz_segments(y, a_share=0.9, b_share=0.8)


def test_segmenter_transformer_single_and_panel():
    y = _panel(2)
    seg = ABCXYZSegmenter().fit(y)
    assert seg.segments_.index.tolist() == ["a", "b", "c"]
    assert seg.summary_["n_series"].sum() == 3
    out = seg.transform(y)
    assert out["segment"].tolist() == seg.segments_["segment"].tolist()
    one = ABCXYZSegmenter().fit_transform(y.loc["a"])
    assert len(one) == 1 and one["abc"].iloc[0] == "A"


# ----------------------------------------------------------------- calendar
def test_calendar_defaults_by_frequency_and_encodings():
    y = pd.DataFrame({"y": np.arange(40.0)}, index=DAYS)
    cal = CalendarFeatures().fit(X=None, y=y)
    assert cal.features_ == ["day_of_week", "is_weekend", "day_of_month",
                             "week_of_year", "month_of_year"]
    out = cal.transform(X=None, y=y)
    np.testing.assert_array_equal(out["day_of_week"], DAYS.dayofweek)
    np.testing.assert_array_equal(out["is_weekend"], DAYS.dayofweek >= 5)
    weekly = pd.DataFrame({"y": np.arange(10.0)},
                          index=pd.period_range("2024-01-05", periods=10,
                                                freq="W-FRI"))
    assert CalendarFeatures().fit(X=None, y=weekly).features_ == [
        "week_of_year", "month_of_year"]
    monthly = pd.DataFrame(index=pd.period_range("2024-01", periods=12, freq="M"))
    cyc = CalendarFeatures(encoding="cyclical").fit_transform(X=None, y=monthly)
    np.testing.assert_allclose(cyc["month_of_year_sin"],
                               np.sin(2 * np.pi * np.arange(12) / 12), atol=1e-12)
    hot = CalendarFeatures(features=["quarter_of_year"], encoding="onehot")
    h = hot.fit_transform(X=None, y=monthly)
    assert list(h.columns) == [f"quarter_of_year_{q}" for q in range(1, 5)]
    np.testing.assert_array_equal(h.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="valid features are"):
        CalendarFeatures(features=["moon_phase"]).fit(X=None, y=y)


def test_holidays_weekly_walmart_style_and_bad_country():
    weeks = pd.period_range("2011-11-05", periods=8, freq="W-FRI")
    idx = pd.MultiIndex.from_product([["1_1", "1_2"], weeks])
    y = pd.DataFrame({"y": 1.0}, index=idx)
    hf = HolidayFeatures(country="US", per_holiday=True).fit(X=None, y=y)
    out = hf.transform(X=None, y=y)
    flagged = out.loc["1_1"].index[out.loc["1_1", "holiday"] == 1].astype(str)
    # Veterans Day (Fri 11 Nov), Thanksgiving (24 Nov), Christmas (Sun 25 Dec,
    # observed Mon 26 Dec)
    assert list(flagged) == ["2011-11-05/2011-11-11", "2011-11-19/2011-11-25",
                             "2011-12-24/2011-12-30"]
    tg = out["holiday_thanksgiving_day"].loc["1_2"]
    assert tg.sum() == 1 and tg.index[tg == 1][0] == weeks[2]
    assert out.loc["1_1", "n_holidays"].iloc[-1] == 2  # Dec 25 and Dec 26 obs.
    with pytest.raises(ValueError, match=r"valid ISO codes are \[.*'US'"):
        HolidayFeatures(country="Atlantis").fit(X=None, y=y)
    with pytest.raises(ValueError, match="not a subdivision of US.*'CA'"):
        HolidayFeatures(country="US", subdiv="ZZ").fit(X=None, y=y)


def test_calendar_and_holidays_for_the_horizon_single_and_hier():
    y = _panel(3)
    fut = future_index(y, 5)
    assert len(fut) == 4 * 5 and fut.nlevels == 3
    first = fut.get_level_values(-1)[:5]
    assert list(first.astype(str)) == [f"2024-02-{d:02d}" for d in range(10, 15)]
    hf = HolidayFeatures(country="US", days_before=1).fit(X=None, y=y)
    out = hf.transform(X=None, y=pd.DataFrame(index=fut))
    # Feb 12 is the day before... nothing; Presidents' Day is Feb 19, 2024
    assert out["holiday"].sum() == 0
    cal = CalendarFeatures().fit(X=None, y=y.loc[("s1", "a")])
    single = cal.transform(X=None, y=pd.DataFrame(index=future_index(
        y.loc[("s1", "a")], [1, 7])))
    assert single["day_of_week"].tolist() == [5.0, 4.0]  # Sat 10, Fri 16 Feb


# -------------------------------------------------------------- pipelines
def _deepar(**kw):
    from skforecast_ntm import DeepARForecaster

    return DeepARForecaster(prediction_length=5, max_epochs=1, batches_per_epoch=2,
                            hidden_size=4, num_layers=1, num_samples=10,
                            early_stopping=False, random_state=0, **kw)


def test_full_preparation_pipeline_with_deepar():
    from sktime.forecasting.compose import (
        ForecastingPipeline,
        TransformedTargetForecaster,
    )

    y = _panel(2, 60)
    y.iloc[[10, 11, 70]] = np.nan
    y.iloc[25] = 5000.0
    y = y.drop(y.index[[140, 141]])  # absent rows
    # absent rows go back on the grid first (as NaN), so that the calendar
    # features, built from y's index, cover every period the target filler
    # fills (DeepAR rejects covariates missing inside a series' history)
    y = MissingValueFiller(middlefill="nan", backfill="nan").fit_transform(y)
    assert len(y) == 180
    target = TransformedTargetForecaster([
        ("outliers", OutlierTreatment(treatment="nan")),
        ("fill", MissingValueFiller(middlefill="median")),
        ("deepar", _deepar()),
    ])
    pipe = ForecastingPipeline([
        ("calendar", CalendarFeatures(encoding="cyclical")),
        ("holidays", HolidayFeatures(country="US")),
        ("forecaster", target),
    ])
    pipe.fit(y, fh=np.arange(1, 6))
    pred = pipe.predict()
    assert pred.shape == (15, 1) and np.isfinite(pred.to_numpy()).all()
    q = pipe.predict_quantiles(alpha=[0.1, 0.9])
    assert (q.iloc[:, 0] <= q.iloc[:, 1]).all()
    core = pipe.forecaster_.steps_[-1][1].core_
    assert "holiday" in core.enc.x_columns
    assert "day_of_week_sin" in core.enc.x_columns


# -------------------------------------------------------------- conformance
@pytest.mark.parametrize("cls, params", [
    (MissingValueFiller, {}),  # target defaults: rows added, zones, mask
    (MissingValueFiller, MissingValueFiller.get_test_params()[1]),  # X, stats
    (OutlierTreatment, OutlierTreatment.get_test_params()[1]),
    (ABCXYZSegmenter, ABCXYZSegmenter.get_test_params()[1]),
    (CalendarFeatures, CalendarFeatures.get_test_params()[1]),
    (HolidayFeatures, HolidayFeatures.get_test_params()[1]),
])
def test_sktime_conformance(cls, params):
    """sktime's transformer suite on one instance each (the class-level run,
    every parameter set, takes about twice as long and passes too: run
    ``check_estimator(cls)`` by hand). Exclusion: ``test_categorical_X_passes``
    for the calendar transformers: it feeds an integer-indexed panel, and
    calendar features need dates (the filler and the outlier treatment
    declare ``capability:categorical_in_X=False`` instead: they need
    numbers)."""
    from sktime.utils.estimator_checks import check_estimator

    exclude = ["test_categorical_X_passes"] if cls in (
        CalendarFeatures, HolidayFeatures) else []
    results = check_estimator(cls(**params), raise_exceptions=False,
                              tests_to_exclude=exclude)
    failed = {k: v for k, v in results.items() if v != "PASSED"}
    assert len(results) > 20
    assert not failed, failed


def test_future_fill_of_a_frame_holding_only_future_rows():
    """The X a ForecastingPipeline passes to predict has only future rows."""
    t = pd.period_range("2020-01", periods=6, freq="M")
    f = MissingValueFiller(futurefill="median").fit(
        pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6]}, index=t))
    fut = pd.DataFrame({"x": [np.nan, 7.0]},
                       index=pd.period_range("2020-07", periods=2, freq="M"))
    out = f.transform(fut)
    # median of the last 64 (here 6) observed values: 3.5; a given value stays
    np.testing.assert_allclose(out["x"].to_numpy(), [3.5, 7.0])

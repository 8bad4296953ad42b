"""Per-group (e.g. ABC-XYZ segment) calibration: a group whose intervals are
too narrow is widened, a group whose intervals were right is left alone."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sktime.forecasting.naive import NaiveForecaster
from test_calibration import _Gaussian, _split

from skforecast_ntm import ABCXYZSegmenter, abc_xyz_segments
from skforecast_ntm.model_selection import CalibratedForecaster, ConformalCalibrator

H = 6
FH = range(1, H + 1)
#: +-0.5 z_0.9 sd (half as wide as right) covers 2 Phi(0.5 z_0.9) - 1 = 0.48
RAW_NARROW_COVERAGE = 2 * norm.cdf(0.5 * norm.ppf(0.9)) - 1


class _HalfWidthForSome(_Gaussian):
    """N(mean, sd^2) per series from the history, with the sd halved for the
    series whose id starts with ``narrow_prefix`` (too narrow intervals)."""

    def __init__(self, narrow_prefix="n"):
        self.narrow_prefix = narrow_prefix
        super().__init__(width=1.0)

    def _predict_quantiles(self, fh, X, alpha):
        times = fh.to_absolute_index(self.cutoff)
        ids = self.mu_.index
        idx = pd.MultiIndex.from_product([ids, times])
        w = np.where(ids.str.startswith(self.narrow_prefix), 0.5, 1.0)
        mu = np.repeat(self.mu_.to_numpy(), len(times))[:, None]
        sd = np.repeat(w * self.sd_.to_numpy(), len(times))[:, None]
        vals = mu + sd * norm.ppf(alpha)[None, :]
        return pd.DataFrame(vals, index=idx,
                            columns=pd.MultiIndex.from_product([[self.var_], alpha]))


def _two_group_panel(n=60, n_periods=60, seed=0):
    """iid Gaussian series (levels 50-150, sd 10-20% of the level): ``n``
    series "n..." (forecast too narrow) and ``n`` series "r..." (right)."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(50, 150, 2 * n)
    sd = level * rng.uniform(0.1, 0.2, 2 * n)
    vals = level[:, None] + sd[:, None] * rng.standard_normal((2 * n, n_periods))
    ids = [f"n{i:03d}" for i in range(n)] + [f"r{i:03d}" for i in range(n)]
    idx = pd.MultiIndex.from_product(
        [ids, pd.period_range("2000-01", periods=n_periods, freq="M")])
    return pd.DataFrame({"y": vals.ravel()}, index=idx)


@pytest.fixture(scope="module")
def data():
    train, test = _split(_two_group_panel(), H)
    ids = train.index.get_level_values(0).unique()
    groups = pd.Series(np.where(ids.str.startswith("n"), "narrow", "right"),
                       index=ids)
    return train, test, groups


def _interval(f):
    iv = f.predict_interval(fh=np.arange(1, H + 1), coverage=0.8)
    return iv.iloc[:, 0].to_numpy(), iv.iloc[:, 1].to_numpy(), iv.index


def _group_coverage(f, test):
    """Held-out coverage of the 80% interval of the narrow and right series."""
    lo, hi, index = _interval(f)
    truth = test["y"].reindex(index).to_numpy()
    inside = (truth >= lo) & (truth <= hi)
    narrow = index.get_level_values(0).str.startswith("n")
    return float(inside[narrow].mean()), float(inside[~narrow].mean())


def _factors(f, group, level=0.9):
    tab = f.calibrator_.group_factors_
    return tab[(tab["group"] == group) & np.isclose(tab["level"], level)
               ].sort_values("step")["factor"].to_numpy()


def test_per_group_widens_the_narrow_group_only(data):
    train, test, groups = data
    base = _HalfWidthForSome().fit(train)
    raw_n, raw_r = _group_coverage(base, test)
    assert raw_n == pytest.approx(RAW_NARROW_COVERAGE, abs=0.08)
    assert raw_r == pytest.approx(0.8, abs=0.06)
    pooled = CalibratedForecaster(_HalfWidthForSome(), windows=3).fit(train, fh=FH)
    grouped = CalibratedForecaster(_HalfWidthForSome(), windows=3, groups=groups
                                   ).fit(train, fh=FH)
    pool_n, _ = _group_coverage(pooled, test)
    grp_n, grp_r = _group_coverage(grouped, test)
    # the narrow group's own factors widen it well beyond the pooled factor,
    # which the right half of the panel dilutes
    f_pool = pooled.calibrator_.factors_for([0.9], np.arange(1, H + 1))[:, 0]
    assert np.all(_factors(grouped, "narrow") >= 1.3)
    assert np.all(_factors(grouped, "narrow") > f_pool)
    assert grp_n >= 0.62 and grp_n - pool_n >= 0.1
    # the right group is left exactly as forecast; the pooled factor is not
    np.testing.assert_array_equal(_factors(grouped, "right"), 1.0)
    lo, hi, index = _interval(grouped)
    lo0, hi0, index0 = _interval(base)
    right = ~index.get_level_values(0).str.startswith("n")
    assert index.equals(index0)
    np.testing.assert_array_equal(lo[right], lo0[right])
    np.testing.assert_array_equal(hi[right], hi0[right])
    assert grp_r == raw_r
    assert f_pool.max() > 1.0
    # the pooled factors are those of the calibration without groups
    np.testing.assert_array_equal(grouped.calibrator_.factors_,
                                  pooled.calibrator_.factors_)


def test_per_group_minimisers_reach_nominal_where_pooled_widens_both(data):
    # tolerance=None: the wQL minimisers themselves. Pooled, one factor
    # between the groups' needs: the narrow group stays too narrow and the
    # right group is widened past nominal. Per group: about 1 / 0.5 and 1.
    train, test, groups = data
    pooled = CalibratedForecaster(_HalfWidthForSome(), windows=3, tolerance=None
                                  ).fit(train, fh=FH)
    grouped = CalibratedForecaster(_HalfWidthForSome(), windows=3, tolerance=None,
                                   groups=groups).fit(train, fh=FH)
    f_pool = pooled.calibrator_.factors_for([0.9], np.arange(1, H + 1))[:, 0]
    assert np.all((f_pool > 1.15) & (f_pool < 1.6))
    f_narrow, f_right = _factors(grouped, "narrow"), _factors(grouped, "right")
    assert abs(f_narrow.mean() - 2.0) < 0.2
    assert np.all((f_narrow > 1.6) & (f_narrow < 2.6))
    assert f_right.mean() < 1.12 and np.all(f_right < 1.25)
    pool_n, pool_r = _group_coverage(pooled, test)
    grp_n, grp_r = _group_coverage(grouped, test)
    assert pool_n < 0.7 and pool_r > 0.84
    assert grp_n == pytest.approx(0.8, abs=0.06)
    assert grp_r == pytest.approx(0.8, abs=0.06)


def test_group_factors_table_and_each_group_as_its_own_panel(data):
    train, _, groups = data
    f = CalibratedForecaster(_HalfWidthForSome(), windows=3, groups=groups).fit(
        train, fh=FH)
    tab = f.calibrator_.group_factors_
    assert list(tab.columns) == ["group", "level", "step", "factor", "n", "pooled"]
    n_levels = len(f.calibrator_.levels_)
    assert len(tab) == 2 * H * n_levels
    assert set(tab["group"]) == {"narrow", "right"}
    assert not tab["pooled"].any()
    # 60 series x 3 windows scored at every step
    np.testing.assert_array_equal(tab["n"], 60 * 3)
    pd.testing.assert_series_equal(f.groups_, groups.rename("group"),
                                   check_index_type=False, check_names=False)
    # a group's factors are the calibrator's on that group's series alone
    bt = f.backtest_
    for g in ("narrow", "right"):
        idx = np.flatnonzero(groups.reindex(bt.series_ids).to_numpy() == g)
        alone = ConformalCalibrator().fit(bt.actual[:, idx],
                                          bt.quantile_forecasts[:, idx],
                                          bt.levels, bt.scale[:, idx])
        got = tab[tab["group"] == g].pivot(index="step", columns="level",
                                           values="factor").to_numpy()
        np.testing.assert_array_equal(got, alone.factors_)


def test_tiny_group_falls_back_to_the_pooled_factors(data):
    train, _, groups = data
    g = groups.copy()
    g.iloc[0] = "tiny"  # one narrow series: 3 windows x 6 steps = 18 residuals
    f = CalibratedForecaster(_HalfWidthForSome(), windows=3, groups=g).fit(
        train, fh=FH)
    tab = f.calibrator_.group_factors_
    tiny = tab[tab["group"] == "tiny"]
    assert tiny["pooled"].all() and (tiny["n"] == 3).all()
    got = tiny.pivot(index="step", columns="level", values="factor").to_numpy()
    np.testing.assert_array_equal(got, f.calibrator_.factors_)
    assert not tab.loc[tab["group"] != "tiny", "pooled"].any()
    # its intervals are those of the calibration without groups
    plain = CalibratedForecaster(_HalfWidthForSome(), windows=3).fit(train, fh=FH)
    q = f.predict_quantiles(alpha=[0.1, 0.9]).loc[g.index[0]]
    np.testing.assert_array_equal(
        q.to_numpy(), plain.predict_quantiles(alpha=[0.1, 0.9]).loc[g.index[0]]
        .to_numpy())
    # min_samples is the threshold: with 18 allowed the series gets its own
    own = CalibratedForecaster(_HalfWidthForSome(), windows=3, groups=g,
                               min_samples=18).fit(train, fh=FH)
    tab = own.calibrator_.group_factors_
    assert not tab.loc[tab["group"] == "tiny", "pooled"].any()


def test_series_without_a_label_use_the_pooled_factors(data):
    train, _, groups = data
    partial = groups[groups == "narrow"].to_dict()  # right series unmapped
    f = CalibratedForecaster(_HalfWidthForSome(), windows=3, groups=partial).fit(
        train, fh=FH)
    assert set(f.calibrator_.group_factors_["group"]) == {"narrow"}
    assert f.groups_[groups == "right"].isna().all()
    plain = CalibratedForecaster(_HalfWidthForSome(), windows=3).fit(train, fh=FH)
    right = groups.index[groups == "right"]
    q = f.predict_quantiles(alpha=[0.05, 0.2, 0.8, 0.95])
    p = plain.predict_quantiles(alpha=[0.05, 0.2, 0.8, 0.95])
    np.testing.assert_array_equal(q.loc[right].to_numpy(), p.loc[right].to_numpy())
    # at predict time: an unseen label or none gets the pooled factors
    cal = f.calibrator_
    pooled = cal.factors_for([0.1, 0.9], [1, 2, 3])
    np.testing.assert_array_equal(
        cal.factors_for([0.1, 0.9], [1, 2, 3], groups=["new", None, np.nan]), pooled)
    mixed = cal.factors_for([0.1, 0.9], [1, 2], groups=["narrow", "new"])
    assert np.all(mixed[0] > pooled[0]) and np.array_equal(mixed[1], pooled[1])


def test_abc_xyz_groups_come_from_the_segmenter():
    rng = np.random.default_rng(2)
    t = pd.period_range("2000-01", periods=48, freq="M")
    mean = np.repeat([200.0, 20.0, 2.0], 4)  # A, B and C volumes
    cv = np.tile([0.2, 0.2, 0.8, 1.5], 3)     # X, X, Y, Z
    vals = rng.gamma(1 / cv[:, None] ** 2, (mean * cv ** 2)[:, None], (12, 48))
    idx = pd.MultiIndex.from_product([[f"s{i:02d}" for i in range(12)], t])
    y = pd.DataFrame({"y": vals.ravel()}, index=idx)
    f = CalibratedForecaster(NaiveForecaster(), windows=2, groups="abc_xyz",
                             min_samples=1).fit(y, fh=[1, 2])
    seg = abc_xyz_segments(y)["segment"]
    pd.testing.assert_series_equal(f.groups_, seg.rename("group"),
                                   check_names=False)
    assert set(f.calibrator_.group_factors_["group"]) == set(seg)
    # a segmenter with other thresholds is cloned and fitted on y
    custom = ABCXYZSegmenter(x_cv=0.1, y_cv=0.3)
    f = CalibratedForecaster(NaiveForecaster(), windows=2, groups=custom).fit(
        y, fh=[1, 2])
    seg = abc_xyz_segments(y, x_cv=0.1, y_cv=0.3)["segment"]
    pd.testing.assert_series_equal(f.groups_, seg.rename("group"),
                                   check_names=False)
    assert not hasattr(custom, "segments_")
    # the segment table itself is accepted too
    f = CalibratedForecaster(NaiveForecaster(), windows=2,
                             groups=abc_xyz_segments(y)).fit(y, fh=[1, 2])
    assert f.groups_.equals(abc_xyz_segments(y)["segment"].rename("group"))
    assert f.predict_quantiles(alpha=[0.1, 0.9]).shape == (24, 2)


def test_hierarchical_ids_map_by_their_tuples():
    rng = np.random.default_rng(3)
    t = pd.period_range("2000-01", periods=40, freq="M")
    idx = pd.MultiIndex.from_product([["s1", "s2"], ["i1", "i2", "i3"], t],
                                     names=["store", "item", "time"])
    y = pd.DataFrame({"y": 50 + rng.normal(size=len(idx)).cumsum()}, index=idx)
    mapping = {("s1", "i1"): "g1", ("s1", "i2"): "g1", ("s2", "i1"): "g2",
               ("s2", "i2"): "g2", ("s2", "i3"): "g2"}  # ("s1", "i3") unmapped
    f = CalibratedForecaster(NaiveForecaster(), windows=2, groups=mapping,
                             min_samples=1).fit(y, fh=[1, 2])
    assert f.groups_.loc[("s1", "i2")] == "g1" and pd.isna(f.groups_.loc[("s1", "i3")])
    assert set(f.calibrator_.group_factors_["group"]) == {"g1", "g2"}
    q = f.predict_quantiles(alpha=[0.1, 0.9])
    assert q.shape == (12, 2) and np.all(q.iloc[:, 0] <= q.iloc[:, 1])


def test_groups_none_and_one_group_for_all_are_the_pooled_calibration(data):
    train, _, groups = data
    plain = CalibratedForecaster(_HalfWidthForSome(), windows=3).fit(train, fh=FH)
    assert plain.groups_ is None and plain.calibrator_.group_factors_ is None
    one = CalibratedForecaster(_HalfWidthForSome(), windows=3,
                               groups=pd.Series("all", index=groups.index)
                               ).fit(train, fh=FH)
    got = one.calibrator_.group_factors_.pivot(index="step", columns="level",
                                               values="factor").to_numpy()
    np.testing.assert_array_equal(got, plain.calibrator_.factors_)
    alpha = [0.025, 0.15, 0.5, 0.85, 0.975]
    np.testing.assert_array_equal(one.predict_quantiles(alpha=alpha).to_numpy(),
                                  plain.predict_quantiles(alpha=alpha).to_numpy())


def test_single_series_ignores_groups():
    t = pd.period_range("2000-01", periods=60, freq="M")
    y = pd.Series(np.random.default_rng(0).normal(size=60).cumsum(), index=t)
    plain = CalibratedForecaster(NaiveForecaster(), windows=3).fit(y, fh=[1, 2, 3])
    for groups in ("abc_xyz", {"whatever": "g"}):
        f = CalibratedForecaster(NaiveForecaster(), windows=3, groups=groups).fit(
            y, fh=[1, 2, 3])
        assert f.groups_ is None and f.calibrator_.group_factors_ is None
        pd.testing.assert_frame_equal(f.predict_quantiles(alpha=[0.1, 0.9]),
                                      plain.predict_quantiles(alpha=[0.1, 0.9]))
    with pytest.raises(ValueError, match="groups='abc'"):  # still validated
        CalibratedForecaster(NaiveForecaster(), groups="abc").fit(y, fh=[1])


def test_bad_groups_are_errors_naming_the_parameter(data):
    train, _, groups = data
    kw = dict(windows=1)
    with pytest.raises(ValueError, match="groups names none of the series of y"):
        CalibratedForecaster(_HalfWidthForSome(), groups={"x1": "a", "x2": "b"},
                             **kw).fit(train, fh=FH)
    with pytest.raises(ValueError, match="groups='segments' is not understood"):
        CalibratedForecaster(_HalfWidthForSome(), groups="segments", **kw).fit(
            train, fh=FH)
    with pytest.raises(TypeError, match="groups must be None, 'abc_xyz'"):
        CalibratedForecaster(_HalfWidthForSome(), groups=["narrow"] * 120, **kw
                             ).fit(train, fh=FH)
    dup = pd.concat([groups, groups.iloc[:1]])
    with pytest.raises(ValueError, match="groups has several labels for series"):
        CalibratedForecaster(_HalfWidthForSome(), groups=dup, **kw).fit(train, fh=FH)
    y = np.zeros((1, 4, 2))
    q = np.zeros((1, 4, 2, 3)) + [-1.0, 0.0, 1.0]
    with pytest.raises(ValueError, match="groups has 3 labels for 4 series"):
        ConformalCalibrator().fit(y, q, [0.1, 0.5, 0.9], np.ones(4),
                                  groups=["a", "b", "a"])
    with pytest.raises(ValueError, match="groups gives no series a group label"):
        ConformalCalibrator().fit(y, q, [0.1, 0.5, 0.9], np.ones(4),
                                  groups=[None] * 4)

"""The benchmark harness's pure logic: medians, alternation, equality checks, report cells.

No timing is asserted and no benchmark process runs: a fake runner stands in for the fresh
processes.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str):
    """A benchmarks/ module by file (the folder is scripts, not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


h = _load("_harness")
run = _load("run")
task = _load("_task")


# -- spread and alternation ----------------------------------------------------------------


def test_spread_is_median_min_max_not_best():
    assert h.spread([3.0, 1.0, 2.0, 10.0, 4.0]) == {"median": 3.0, "min": 1.0, "max": 10.0,
                                                    "runs": 5}
    assert h.spread([4.0, 1.0])["median"] == 2.5  # even count: mean of the middle two


def test_spread_needs_a_value():
    with pytest.raises(ValueError, match="at least one"):
        h.spread([])


def test_alternation_is_round_by_round():
    assert h.alternation(["A", "B"], 3) == [(0, "A"), (0, "B"), (1, "A"), (1, "B"),
                                             (2, "A"), (2, "B")]
    assert [n for _, n in h.alternation(["gk", "lt", "sql"], 2)] == [
        "gk", "lt", "sql", "gk", "lt", "sql"]


@pytest.mark.parametrize(("names", "runs"), [(["A", "B"], 0), (["A", "A"], 1), ([], 1)])
def test_alternation_rejects_bad_arguments(names, runs):
    with pytest.raises(ValueError):
        h.alternation(names, runs)


def test_alternate_runs_in_order_and_checks_after_the_first_round():
    calls, events = [], []

    def runner(argv):
        calls.append(tuple(argv))
        return {"seconds": float(len(calls))}

    def check(first):
        events.append(("check", {k: v["seconds"] for k, v in first.items()}, len(calls)))

    results = h.alternate(
        {"A": lambda i: ["a", str(i)], "B": lambda i: ["b", str(i)]}, 3,
        after_first_round=check, runner=runner,
    )
    assert calls == [("a", "0"), ("b", "0"), ("a", "1"), ("b", "1"), ("a", "2"), ("b", "2")]
    # The check ran once, right after round 0, with both sides' round-0 results.
    assert events == [("check", {"A": 1.0, "B": 2.0}, 2)]
    assert [r["seconds"] for r in results["A"]] == [1.0, 3.0, 5.0]
    assert [r["seconds"] for r in results["B"]] == [2.0, 4.0, 6.0]


def test_alternate_stops_when_the_first_round_differs():
    calls = []

    def runner(argv):
        calls.append(argv)
        return {}

    def check(first):
        raise h.Mismatch("differ")

    with pytest.raises(h.Mismatch):
        h.alternate({"A": lambda i: ["a"], "B": lambda i: ["b"]}, 5, after_first_round=check,
                    runner=runner)
    assert len(calls) == 2  # no time spent on rounds 1-4


# -- equality checks -------------------------------------------------------------------------


def test_relative_difference():
    assert h.relative_difference(0.0, 0.0) == 0.0
    assert h.relative_difference(1.0, 1.0 + 1e-12) == pytest.approx(1e-12, rel=1e-3)
    assert h.relative_difference(-2.0, 2.0) == 2.0
    assert h.relative_difference(0.0, 1e-300) == 1.0  # relative: no absolute floor
    assert h.relative_difference(math.nan, math.nan) == 0.0
    assert h.relative_difference(math.nan, 1.0) == math.inf


def test_check_values_passes_within_tolerance_and_returns_the_worst():
    got = {"r": 0.45, "alpha": 10.0}
    expected = {"r": 0.45 * (1 + 1e-8), "alpha": 10.0 * (1 + 3e-7)}
    assert h.check_values("fit", got, expected, 1e-6) == pytest.approx(3e-7, rel=1e-3)


def test_check_values_fails_loudly_naming_the_worst():
    with pytest.raises(h.Mismatch, match=r"fit: alpha = 10.0 \(growthkit\) vs 10.001"):
        h.check_values("fit", {"r": 1.0, "alpha": 10.0}, {"r": 1.0, "alpha": 10.001}, 1e-6)


def test_check_values_fails_on_different_names():
    with pytest.raises(h.Mismatch, match="the same quantities"):
        h.check_values("fit", {"gamma": 1.0}, {"v": 1.0}, 1e-6)


def _frame(ids, **cols):
    return pd.DataFrame(cols, index=pd.Index(ids, name="customer_id"))


def test_check_frames_ignores_row_order():
    a = _frame([1, 2, 3], frequency=[0.0, 1.0, 2.0], T=[1.0, 2.0, 3.0])
    b = a.iloc[::-1].copy()
    b.loc[3, "T"] = 3.0 * (1 + 1e-12)
    assert h.check_frames("rfm", a, b, 1e-9) == pytest.approx(1e-12, rel=1e-3)


def test_check_frames_names_the_worst_customer_and_column():
    a = _frame([1, 2, 3], frequency=[0.0, 1.0, 2.0], monetary_value=[0.0, 5.0, 7.0])
    b = a.copy()
    b.loc[2, "monetary_value"] = 5.01
    expected = r"monetary_value of customer 2 is 5\.0 \(growthkit\) vs 5\.01 \(comparator\)"
    with pytest.raises(h.Mismatch, match=expected):
        h.check_frames("rfm", a, b, 1e-9)


def test_check_frames_needs_the_same_customers_and_columns():
    a = _frame([1, 2], frequency=[0.0, 1.0])
    with pytest.raises(h.Mismatch, match="1 customer\\(s\\) only in growthkit"):
        h.check_frames("rfm", a, _frame([1, 3], frequency=[0.0, 1.0]), 1e-9)
    with pytest.raises(h.Mismatch, match="columns"):
        h.check_frames("rfm", a, _frame([1, 2], recency=[0.0, 1.0]), 1e-9)
    with pytest.raises(h.Mismatch, match="twice"):
        h.check_frames("rfm", _frame([1, 1], frequency=[0.0, 1.0]), a, 1e-9)


def test_check_frames_treats_nan_on_one_side_as_different():
    a = _frame([1], clv=[np.nan])
    assert h.check_frames("score", a, a.copy(), 1e-9) == 0.0
    with pytest.raises(h.Mismatch):
        h.check_frames("score", a, _frame([1], clv=[1.0]), 1e-9)


# -- inside a task, and the report ---------------------------------------------------------


def test_timed_reports_imports_inside_the_block():
    sys.modules.pop("colorsys", None)
    with h.timed() as t:
        import colorsys  # noqa: F401
    assert "colorsys" in t["late_imports"]
    assert t["seconds"] >= 0 and t["peak_mb"] > 0


def test_busy_warning_only_above_the_threshold():
    assert h.busy_warning(None, 2) is None
    assert h.busy_warning(0.1, 2) is None
    assert "load average was 3.50 on 2 cores" in h.busy_warning(3.5, 2)


def test_seconds_cell_and_median_ratio():
    assert h.seconds_cell({"median": 0.69, "min": 0.651, "max": 0.72}) == "0.69 s [0.65–0.72]"
    assert h.seconds_cell({"median": 0.011, "min": 0.010, "max": 0.015}) == (
        "0.011 s [0.010–0.015]")
    assert h.median_ratio({"median": 6.0}, {"median": 2.0}) == 3.0


def test_digest_flattens_results_without_timings():
    result = {"step": "pipeline", "side": "growthkit", "seconds": 1.0, "peak_mb": 300.0,
              "import_seconds": 0.5, "late_imports": [], "customers": 3, "total": 10.5,
              "params": {"r": 0.4, "alpha": 10.0}}
    assert run.digest(result) == {"customers": 3.0, "total": 10.5, "params.r": 0.4,
                                  "params.alpha": 10.0}


def test_ratio_text_speedup_for_lifetimes_and_share_of_the_limit_for_sql():
    assert run.ratio_text({"comparator": "lifetimes", "speedup": 5.73,
                           "growthkit_over_comparator": 1 / 5.73}) == "**5.7×** faster"
    assert run.ratio_text({"comparator": "lifetimes", "speedup": 0.5,
                           "growthkit_over_comparator": 2.0}) == "2.0× slower"
    assert run.ratio_text({"comparator": "sql", "speedup": 0.7,
                           "growthkit_over_comparator": 1.43}) == "1.43× the limit"


def test_every_step_compares_growthkit_with_its_sides():
    assert list(run.STEPS) == ["rfm", "bgnbd", "paretonbd", "gammagamma", "score", "pipeline"]
    for step in run.STEPS.values():
        assert step.sides[0] == "growthkit"
        assert set(step.sides[1:]) <= set(run.COMPARATORS)
        assert task.STEPS[step.name][1] == step.sides


def test_sql_query_quotes_the_path():
    query = task.sql_summary_query("/data/o'brien/orders.parquet")
    assert "read_parquet('/data/o''brien/orders.parquet')" in query


def test_same_month_on_both_sides():
    # lifetimes' freq="W" month is 4.345 weeks; the stretch makes growthkit's month that long.
    from growthkit.units import DAYS_PER_MONTH

    c = DAYS_PER_MONTH / 7.0 / task.LIFETIMES_WEEKS_PER_MONTH
    assert DAYS_PER_MONTH / 7.0 / c == pytest.approx(4.345, rel=1e-15)
    assert math.isclose((1 + task.MONTHLY_DISCOUNT_RATE) ** 12, 1.10, rel_tol=1e-14)


# -- best.py: every formulation computes growthkit's result (tiny sizes, no timing) ----------

if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))  # the _best_* modules import _harness and _best_data
best = _load("best")
data = _load("_best_data")
rfm_sides = _load("_best_rfm")
cohort_sides = _load("_best_cohorts")
mrr_sides = _load("_best_mrr")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("best")
    return {"rfm_dates": data.rfm_orders(400, folder),
            "rfm_timestamps": data.rfm_timestamps(400, folder),
            "cohorts": data.cohort_orders(3_000, folder),
            "mrr": data.mrr_charges(300, seed=11, folder=folder)}


_MODULES = {"rfm_dates": rfm_sides, "rfm_timestamps": rfm_sides, "cohorts": cohort_sides,
            "mrr": mrr_sides}


@pytest.fixture(scope="module")
def outputs(files, tmp_path_factory):
    """Every side's result per benchmark, saved and loaded as best.py compares them; each
    benchmark runs once, on first use."""
    folder = tmp_path_factory.mktemp("outputs")
    cache: dict[str, dict] = {}

    def get(bench: str) -> dict:
        if bench not in cache:
            module = _MODULES[bench]
            args = (bench == "rfm_timestamps",) if module is rfm_sides else ()
            cache[bench] = {}
            for name, side in module.SIDES.items():
                timing, result = side(str(files[bench]), *args)
                assert timing["seconds"] >= 0
                path = folder / f"{bench}_{name}.parquet"
                module.save(result, path)
                cache[bench][name] = module.load(path)
        return cache[bench]

    return get


@pytest.mark.parametrize("bench", list(_MODULES))
def test_every_side_gives_growthkits_result(outputs, bench):
    module, outs = _MODULES[bench], outputs(bench)
    for side in list(outs)[1:]:
        assert module.check(bench, outs["growthkit"], outs[side], side, best.RTOL) <= best.RTOL


def test_timestamps_keep_the_local_days_of_the_dates(files, outputs):
    # Same orders, a time of day in America/New_York stored as UTC: the same summary (to the
    # last bits of DuckDB's parallel sums).
    h.check_frames("rfm", outputs("rfm_dates")["growthkit"],
                   outputs("rfm_timestamps")["growthkit"], best.RTOL)
    utc = pd.read_parquet(files["rfm_timestamps"])["date"]
    assert str(utc.dtype) == "datetime64[us, UTC]"
    assert (utc.dt.tz_convert("UTC").dt.date != utc.dt.tz_convert(data.TIMEZONE).dt.date).any()


def test_the_mrr_data_exercise_every_movement(files, outputs):
    movements = outputs("mrr")["growthkit"]
    # 36 months, the last cut mid-month: 35 complete, 34 with movements; every kind happens.
    assert len(movements) == data.MONTHS - 2
    for col in ("new", "expansion", "reactivation", "contraction", "churn"):
        assert movements[col].sum() > 0, col
    charges = pd.read_parquet(files["mrr"])
    assert (charges["months"] == 12).any()


def test_the_checks_catch_a_wrong_side(outputs):
    reference = outputs("mrr")["growthkit"]
    money = reference.copy()
    money.iloc[5, money.columns.get_loc("expansion")] *= 1 + 1e-8
    with pytest.raises(h.Mismatch, match="expansion"):
        mrr_sides.check("mrr", reference, money, "wrong", best.RTOL)
    counts = reference.copy()
    counts.iloc[3, counts.columns.get_loc("churned_customers")] += 1
    with pytest.raises(h.Mismatch, match="churned_customers"):
        mrr_sides.check("mrr", reference, counts, "wrong", best.RTOL)

    reference = outputs("cohorts")["growthkit"]
    wrong = reference.copy()
    cell = wrong.index[(wrong["kind"] == "cells") & (wrong["k"] == 2)][0]
    wrong.loc[cell, "cumulative_revenue_per_customer"] *= 1 + 1e-8
    with pytest.raises(h.Mismatch, match="cumulative_revenue_per_customer"):
        cohort_sides.check("cohorts", reference, wrong, "wrong", best.RTOL)
    wrong = reference.copy()
    cell = wrong.index[(wrong["kind"] == "grid") & (wrong["k"] == 1)][0]
    wrong.loc[cell, "active"] += 1
    with pytest.raises(h.Mismatch, match="active"):
        cohort_sides.check("cohorts", reference, wrong, "wrong", best.RTOL)


def test_last_complete_month_and_spread():
    day = lambda s: int(np.datetime64(s, "D").astype("int64"))  # noqa: E731
    first = 2024 * 12  # January 2024
    assert mrr_sides.through_month(day("2024-01-05"), day("2024-06-30")) == (first, first + 5)
    assert mrr_sides.through_month(day("2024-01-05"), day("2024-06-29")) == (first, first + 4)
    with pytest.raises(ValueError, match="1st"):
        mrr_sides.through_month(day("2024-01-05"), day("2024-06-01"))
    c, m, a = mrr_sides.spread_numpy(np.array([7, 8]), np.array([10, 10]),
                                     np.array([5.0, 120.0]), np.array([1, 12]))
    assert c.tolist() == [7, *[8] * 12] and m.tolist() == [10, *range(10, 22)]
    assert a.tolist() == [5.0, *[10.0] * 12]


def test_dense_matrix_places_ids_by_value_or_by_hash():
    month = np.array([5, 5, 6, 7, 9, 5, 5, 5])
    amount = np.array([1.0, 2.0, 3.0, 4.0, 8.0, 0.5, 0.25, 0.25])
    expected = [[4.0, 0.0], [0.0, 3.0], [4.0, 0.0]]  # month 9 is after the last
    dense_ids = np.array([10, 10, 11, 10, 10, 10, 10, 10])  # a range of 1 for 8 rows
    assert mrr_sides.dense_matrix(dense_ids, month, amount, 5, 7).tolist() == expected
    sparse_ids = np.where(dense_ids == 11, 10**12, dense_ids)  # far apart: factorised
    assert mrr_sides.dense_matrix(sparse_ids, month, amount, 5, 7).tolist() == expected


def test_every_side_has_its_imports_warmed_and_the_report_gives_the_ratio():
    for module in (rfm_sides, cohort_sides, mrr_sides):
        sides = {**module.SIDES, **getattr(module, "EXTRA_SIDES", {})}
        assert next(iter(sides)) == "growthkit"
        assert set(sides) <= set(best.WARM_IMPORTS)
    seconds = {"median": 2.0, "min": 1.8, "max": 2.4, "runs": 3}
    result = {"label": "MRR movements", "rows": 100, "customers": None,
              "load_start": [3.0, 2.0, 1.0], "load_end": None, "refused": {},
              "sides": {"growthkit": {"seconds": seconds, "peak_mb": 300, "late_imports": []},
                        "polars": {"seconds": {**seconds, "median": 1.0}, "peak_mb": 200,
                                   "late_imports": []}},
              "fastest": "polars", "growthkit_over_fastest": 2.0, "checks": {"polars": 1e-15}}
    text = best.bench_text(result)
    assert "growthkit ÷ fastest (polars): **2.00×**" in text
    assert "| polars | 1.00 s [1.80–2.40] | 1.00 |" in text
    assert "load average (1/5/15 min) 3.00 / 2.00 / 1.00 at the start, n/a" in text

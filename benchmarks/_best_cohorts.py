"""The monthly cohort table in every formulation: growthkit, pandas, Polars, DuckDB SQL.

The result of every side is growthkit's (``growthkit.cohorts.build_cohorts``): per (cohort,
k) the customers with a purchase (``active``), the purchases (orders with amount >= 0) and the
revenue (refunds netted), where a customer's cohort is the calendar month of their first
purchase and k the months since; customer-months before the cohort, and customers with
refunds only, belong to no cell. From that grid, each cohort's size (its active customers at
k = 0), the retention (active / size) and the cumulative revenue per acquired customer (the sum
over months <= k of revenue / size): what the cohorts report shows.

Every comparator ends with :func:`dense`, the same NumPy step on the few hundred cells
(retention and cumulative revenue per customer); growthkit ends with its own
``Cohorts.table()``, ``retention()`` and ``cumulative_margin_per_customer()`` (margin =
revenue at the default gross margin of 1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import _harness

GRID = ("active", "purchases", "revenue")


def dense(cohort, k, active, revenue) -> dict[str, Any]:
    """Retention and cumulative revenue per customer, cohorts x k (k up to the last month)."""
    import numpy as np

    cohorts = np.unique(cohort)
    ages = int((cohort + k).max() - cohorts.min() + 1) if len(cohorts) else 0
    row = np.searchsorted(cohorts, cohort)
    act = np.zeros((len(cohorts), ages))
    rev = np.zeros((len(cohorts), ages))
    np.add.at(act, (row, k), active)
    np.add.at(rev, (row, k), revenue)
    size = act[:, 0]
    return {"cohorts": cohorts, "retention": act / size[:, None],
            "cumulative_revenue_per_customer": np.cumsum(rev, axis=1) / size[:, None]}


def _grid_frame(cohort, k, active, purchases, revenue) -> Any:
    import pandas as pd

    return pd.DataFrame({"cohort": cohort, "k": k, "active": active, "purchases": purchases,
                         "revenue": revenue}).astype(
        {"cohort": "int64", "k": "int64", "active": "int64", "purchases": "int64",
         "revenue": "float64"})


def growthkit(path: str) -> tuple[dict, Any]:
    """growthkit's public API: ``build_cohorts`` from the file, then the table."""
    import growthkit.data
    from growthkit.cohorts import build_cohorts

    growthkit.data.engine()
    with _harness.timed() as t:
        cohorts = build_cohorts(path, amount_col="amount", period="month")
        table = cohorts.table()
        retention = table.retention().to_numpy()  # a labelled cohort x age frame
        cumulative = table.cumulative_margin_per_customer()
    grid = cohorts.grid.groupby(["cohort", "k"], as_index=False)[list(GRID)].sum()
    return t, {"grid": _grid_frame(grid["cohort"], grid["k"], grid["active"],
                                   grid["purchases"], grid["revenue"]),
               "cohorts": table.cohorts, "retention": retention,
               "cumulative_revenue_per_customer": cumulative}


def pandas(path: str) -> tuple[dict, Any]:
    """``read_parquet`` and group-bys."""
    import pandas as pd
    import pyarrow.pandas_compat  # noqa: F401

    with _harness.timed() as t:
        df = pd.read_parquet(path, columns=["customer_id", "date", "amount"])
        day = df["date"].to_numpy().astype("datetime64[M]").astype("int64")
        df = pd.DataFrame({"customer_id": df["customer_id"], "p": day + 1970 * 12,
                           "amount": df["amount"], "buy": df["amount"] >= 0})
        cp = (df.groupby(["customer_id", "p"], sort=False)
              .agg(revenue=("amount", "sum"), purchases=("buy", "sum")).reset_index())
        first = cp.loc[cp["purchases"] > 0].groupby("customer_id")["p"].min()
        cp["cohort"] = cp["customer_id"].map(first)
        cp = cp[cp["cohort"].notna() & (cp["p"] >= cp["cohort"])]
        cp = cp.assign(k=cp["p"] - cp["cohort"], active=cp["purchases"] > 0)
        grid = cp.groupby(["cohort", "k"], as_index=False)[list(GRID)].sum()
        grid = _grid_frame(grid["cohort"], grid["k"], grid["active"], grid["purchases"],
                           grid["revenue"])
        out = dense(grid["cohort"].to_numpy(), grid["k"].to_numpy(), grid["active"].to_numpy(),
                    grid["revenue"].to_numpy())
    return t, {"grid": grid, **out}


def polars(path: str) -> tuple[dict, Any]:
    """A lazy Polars query: (customer, month) sums, cohort per customer, (cohort, k) sums."""
    import polars as pl
    import pyarrow.pandas_compat  # noqa: F401

    with _harness.timed() as t:
        d = pl.col("date")
        cp = (pl.scan_parquet(path)
              .select("customer_id", p=d.dt.year().cast(pl.Int64) * 12 + d.dt.month() - 1,
                      amount="amount", buy=(pl.col("amount") >= 0).cast(pl.Int64))
              .group_by("customer_id", "p")
              .agg(revenue=pl.col("amount").sum(), purchases=pl.col("buy").sum()))
        cp = cp.with_columns(
            cohort=pl.col("p").filter(pl.col("purchases") > 0).min().over("customer_id"))
        grid = (cp.filter(pl.col("cohort").is_not_null() & (pl.col("p") >= pl.col("cohort")))
                .group_by(cohort="cohort", k=pl.col("p") - pl.col("cohort"))
                .agg(active=(pl.col("purchases") > 0).sum(), purchases=pl.col("purchases").sum(),
                     revenue=pl.col("revenue").sum())
                .collect())
        out = dense(grid["cohort"].to_numpy(), grid["k"].to_numpy(), grid["active"].to_numpy(),
                    grid["revenue"].to_numpy())
        grid = _grid_frame(grid["cohort"].to_numpy(), grid["k"].to_numpy(),
                           grid["active"].to_numpy(), grid["purchases"].to_numpy(),
                           grid["revenue"].to_numpy())
    return t, {"grid": grid, **out}


#: ``cohorts.py``'s query (the limit growthkit's Ibis code was compared with before).
SQL = """
WITH o AS (
    SELECT customer_id, year(date) * 12 + month(date) - 1 AS p, amount
    FROM read_parquet($path)
), cp AS (
    SELECT customer_id, p, sum(amount) AS revenue,
           count(*) FILTER (WHERE amount >= 0) AS purchases
    FROM o GROUP BY customer_id, p
), c AS (
    SELECT *, min(p) FILTER (WHERE purchases > 0) OVER (PARTITION BY customer_id) AS cohort
    FROM cp
)
SELECT cohort, p - cohort AS k, count(*) FILTER (WHERE purchases > 0) AS active,
       sum(purchases) AS purchases, sum(revenue) AS revenue
FROM c
WHERE cohort IS NOT NULL AND p >= cohort
GROUP BY cohort, k
"""
#: The same with a join to a per-customer group-by instead of a window (``cohorts.py``'s).
SQL_JOIN = """
WITH o AS (
    SELECT customer_id, year(date) * 12 + month(date) - 1 AS p, amount
    FROM read_parquet($path)
), cp AS (
    SELECT customer_id, p, sum(amount) AS revenue,
           count(*) FILTER (WHERE amount >= 0) AS purchases
    FROM o GROUP BY customer_id, p
), c AS (
    SELECT customer_id, min(p) FILTER (WHERE purchases > 0) AS cohort
    FROM cp GROUP BY customer_id
)
SELECT cohort, p - cohort AS k, count(*) FILTER (WHERE purchases > 0) AS active,
       sum(purchases) AS purchases, sum(revenue) AS revenue
FROM cp JOIN c USING (customer_id)
WHERE cohort IS NOT NULL AND p >= cohort
GROUP BY cohort, k
"""


def _duckdb(path: str, query: str) -> tuple[dict, Any]:
    import duckdb
    import pyarrow.pandas_compat  # noqa: F401

    con = duckdb.connect()
    with _harness.timed() as t:
        g = con.execute(query, {"path": path}).fetchnumpy()
        out = dense(g["cohort"], g["k"], g["active"], g["revenue"])
        grid = _grid_frame(g["cohort"], g["k"], g["active"], g["purchases"], g["revenue"])
    return t, {"grid": grid, **out}


def duckdb_sql(path: str) -> tuple[dict, Any]:
    """One hand-written DuckDB query, the cohort by a window over the customer-months."""
    return _duckdb(path, SQL)


def duckdb_sql_join(path: str) -> tuple[dict, Any]:
    """One hand-written DuckDB query, the cohort by a join (``cohorts.py``'s)."""
    return _duckdb(path, SQL_JOIN)


SIDES: dict[str, Callable[[str], tuple[dict, Any]]] = {
    "growthkit": growthkit,
    "pandas": pandas,
    "polars": polars,
    "duckdb_sql": duckdb_sql,
    "duckdb_sql_join": duckdb_sql_join,
}


def save(out: dict, path) -> None:
    """The grid and the two matrices (long), to Parquet, after the timing."""
    import numpy as np
    import pandas as pd

    grid = out["grid"].assign(kind="grid")
    n, ages = out["retention"].shape
    cells = pd.DataFrame({
        "cohort": np.repeat(out["cohorts"].astype("int64"), ages),
        "k": np.tile(np.arange(ages, dtype="int64"), n),
        "retention": out["retention"].ravel(),
        "cumulative_revenue_per_customer": out["cumulative_revenue_per_customer"].ravel(),
    })
    pd.concat([grid, cells.assign(kind="cells")], ignore_index=True).to_parquet(path)


def digest(out: dict) -> dict[str, float]:
    """Cells and totals, for the run-to-run repeat check."""
    g = out["grid"]
    return {"cells": float(len(g)), "active": float(g["active"].sum()),
            "purchases": float(g["purchases"].sum()), "revenue": float(g["revenue"].sum())}


def load(path) -> Any:
    """A result written by :func:`save` (long: the grid, then the cells)."""
    import pandas as pd

    return pd.read_parquet(path)


def check(name: str, ref: Any, other: Any, side: str, rtol: float) -> float:
    """The grid equal to growthkit's (counts exactly, revenue to ``rtol``), and the retention
    and cumulative revenue per customer on every cell growthkit shows (its observed months);
    ``ref`` and ``other`` as :func:`load` returns them."""
    sides = ("growthkit", side)
    worst = 0.0
    a = ref[ref["kind"] == "grid"].set_index(["cohort", "k"])
    b = other[other["kind"] == "grid"].set_index(["cohort", "k"])
    worst = max(worst, _harness.check_frames(f"{name} grid counts", a[["active", "purchases"]],
                                             b[["active", "purchases"]], 0.0, sides=sides))
    worst = max(worst, _harness.check_frames(f"{name} grid revenue", a[["revenue"]],
                                             b[["revenue"]], rtol, sides=sides))
    cols = ["retention", "cumulative_revenue_per_customer"]
    a = ref[ref["kind"] == "cells"].set_index(["cohort", "k"])[cols].dropna()
    b = other[other["kind"] == "cells"].set_index(["cohort", "k"])[cols]
    missing = a.index.difference(b.index)
    if len(missing):
        raise _harness.Mismatch(f"{name}: {side} has no cell {missing[0]}; growthkit has")
    worst = max(worst, _harness.check_frames(f"{name} cells", a, b.loc[a.index], rtol,
                                             sides=sides))
    return worst

"""``rfm_summary`` in every formulation: growthkit, pandas, Polars, DuckDB SQL.

The result of every side is growthkit's: per customer, ``frequency`` (purchase days after the
first), ``recency`` and ``T`` in weeks (days / 7; T to the last order day of all) and
``monetary_value`` (all spend less the first day's, over the repeat days; 0 without repeats).
Days are calendar days in :data:`_best_data.TIMEZONE` for timestamps (UTC instants), the
date itself for dates. The orders have no refunds (``run.py`` checks), so no side nets them.

Each side imports what it needs first, then times the work from the file to the per-customer
frame in memory (``_harness.timed``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import _harness
from _best_data import TIMEZONE

COLUMNS = ("frequency", "recency", "T", "monetary_value")


def growthkit(path: str, timestamps: bool) -> tuple[dict, Any]:
    """growthkit's public API."""
    import growthkit.data
    from growthkit import rfm_summary

    growthkit.data.engine()  # DuckDB loads before the clock (0.5 s once per process)
    zone = TIMEZONE if timestamps else "UTC"
    with _harness.timed() as t:
        out = rfm_summary(path, amount_col="amount", time_unit="weeks", timezone=zone)
    return t, out


def growthkit_ibis_polars(path: str, timestamps: bool) -> tuple[dict, Any]:
    """growthkit's own Ibis expressions on Ibis's Polars backend (a finding, not an option)."""
    import ibis

    from growthkit import rfm_summary

    con = ibis.polars.connect()
    zone = TIMEZONE if timestamps else "UTC"
    with _harness.timed() as t:
        table = con.read_parquet(path)
        out = rfm_summary(table, amount_col="amount", time_unit="weeks", timezone=zone)
    return t, out


def pandas(path: str, timestamps: bool) -> tuple[dict, Any]:
    """``read_parquet`` and two sorted group-bys."""
    import numpy as np
    import pandas as pd
    import pyarrow.pandas_compat  # noqa: F401

    with _harness.timed() as t:
        df = pd.read_parquet(path, columns=["customer_id", "date", "amount"])
        when = df["date"]
        if timestamps:
            when = when.dt.tz_convert(TIMEZONE).dt.tz_localize(None)
        df["day"] = when.to_numpy().astype("datetime64[D]").astype("int64")
        days = df.groupby(["customer_id", "day"], sort=True)["amount"].sum().reset_index()
        g = days.groupby("customer_id", sort=False)
        per = pd.DataFrame({"n": g.size(), "first": g["day"].first(), "last": g["day"].last(),
                            "spend": g["amount"].sum(), "first_spend": g["amount"].first()})
        end = per["last"].max()
        repeats = (per["n"] - 1).astype("float64")
        out = pd.DataFrame({
            "frequency": repeats,
            "recency": (per["last"] - per["first"]).astype("float64") / 7,
            "T": (end - per["first"]).astype("float64") / 7,
            "monetary_value": np.where(repeats > 0, (per["spend"] - per["first_spend"])
                                       / repeats.where(repeats > 0, 1.0), 0.0),
        }, index=per.index)
    return t, out


def polars(path: str, timestamps: bool) -> tuple[dict, Any]:
    """A lazy Polars query: (customer, day) sums, then per customer."""
    import polars as pl

    with _harness.timed() as t:
        when = pl.col("date")
        day = (when.dt.convert_time_zone(TIMEZONE).dt.date() if timestamps
               else when.cast(pl.Date))
        days = (pl.scan_parquet(path).select("customer_id", day.alias("day"), "amount")
                .group_by("customer_id", "day").agg(pl.col("amount").sum()))
        per = days.group_by("customer_id").agg(
            n=pl.len(), first=pl.col("day").min(), last=pl.col("day").max(),
            spend=pl.col("amount").sum(),
            first_spend=pl.col("amount").get(pl.col("day").arg_min()),
        )
        repeats = (pl.col("n") - 1).cast(pl.Float64)
        out = per.select(
            "customer_id",
            frequency=repeats,
            recency=(pl.col("last") - pl.col("first")).dt.total_days().cast(pl.Float64) / 7,
            T=(pl.col("last").max() - pl.col("first")).dt.total_days().cast(pl.Float64) / 7,
            monetary_value=pl.when(repeats > 0)
            .then((pl.col("spend") - pl.col("first_spend")) / repeats).otherwise(0.0),
        ).collect()
        out = out.to_pandas().set_index("customer_id")
    return t, out


SQL = """
WITH days AS (
    SELECT customer_id, {day} AS day, SUM(amount) AS amount
    FROM read_parquet($path)
    GROUP BY ALL
), customers AS (
    SELECT customer_id, COUNT(*) AS n, MIN(day) AS first_day, MAX(day) AS last_day,
           SUM(amount) AS spend, arg_min(amount, day) AS first_spend
    FROM days
    GROUP BY customer_id
)
SELECT customer_id,
       CAST(n - 1 AS DOUBLE) AS frequency,
       CAST(date_diff('day', first_day, last_day) AS DOUBLE) / 7 AS recency,
       CAST(date_diff('day', first_day, (SELECT MAX(last_day) FROM customers)) AS DOUBLE) / 7
           AS "T",
       CASE WHEN n > 1 THEN (spend - first_spend) / CAST(n - 1 AS DOUBLE) ELSE 0.0 END
           AS monetary_value
FROM customers
"""


def sql_query(timestamps: bool) -> str:
    """The hand-written DuckDB query (``run.py``'s, with the local day of a timestamp)."""
    day = (f"CAST(timezone('{TIMEZONE}', \"date\") AS DATE)" if timestamps
           else 'CAST("date" AS DATE)')
    return SQL.format(day=day)


def duckdb_sql(path: str, timestamps: bool) -> tuple[dict, Any]:
    """One hand-written DuckDB query from the file."""
    import duckdb
    import pyarrow.pandas_compat  # noqa: F401

    con = duckdb.connect()
    query = sql_query(timestamps)
    with _harness.timed() as t:
        table = con.execute(query, {"path": path}).fetch_arrow_table()
        out = table.to_pandas().set_index("customer_id")
    return t, out


SIDES: dict[str, Callable[[str, bool], tuple[dict, Any]]] = {
    "growthkit": growthkit,
    "pandas": pandas,
    "polars": polars,
    "duckdb_sql": duckdb_sql,
}
#: Not timed by default (``best.py --ibis-polars``): growthkit's expressions on Polars.
EXTRA_SIDES = {"growthkit_ibis_polars": growthkit_ibis_polars}


def normalise(out: Any) -> Any:
    """The per-customer frame, columns in order, float64."""
    return out[list(COLUMNS)].astype("float64")


def digest(out: Any) -> dict[str, float]:
    """Counts and column sums, for the run-to-run repeat check."""
    return {"customers": float(len(out)), **{f"sum_{c}": float(out[c].sum()) for c in COLUMNS}}


def check(name: str, reference: Any, other: Any, side: str, rtol: float) -> float:
    """Every customer's four numbers equal growthkit's to ``rtol``; return the worst."""
    return _harness.check_frames(name, reference, other, rtol, sides=("growthkit", side))


def save(out: Any, path) -> None:
    """The normalised frame to Parquet (after the timing)."""
    normalise(out).to_parquet(path)


def load(path) -> Any:
    """A frame written by :func:`save`."""
    import pandas as pd

    return pd.read_parquet(path)

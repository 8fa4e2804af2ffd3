"""MRR movements in every formulation: growthkit, pandas, Polars, DuckDB SQL, DuckDB + NumPy.

Every side reproduces ``growthkit.subscriptions.mrr_movements`` exactly. Its definition comes in
two stages, and each side keeps them apart so that a change of definition touches one function
per side:

1. **Customer-month MRR** (:data:`DEFINITION`; the ``*_customer_months`` functions and
   :data:`SQL_CUSTOMER_MONTHS`). A charge falls in the calendar month of its instant in the
   time zone; a charge covering ``months`` = n months is spread evenly, amount / n on each
   of its month and the n - 1 after; a customer's MRR in a month is the sum (refunds net).
   The months reported run from the first charge's month to the last complete one: the month
   of the last charge day is left out unless that day is the month's last (data whose last
   charge is on the 1st would be "monthly data" in growthkit; the sides refuse them).
   **When growthkit's MRR moves to service periods (the billing issue), this stage is what
   changes**: rewrite the ``*_customer_months`` functions and the SQL CTE to the new
   definition and keep stage 2.
2. **Classification** (unchanged by that rewrite). A customer pays in a month when its MRR
   exceeds :data:`EPSILON`. Against the customer's previous paid month: new (none before),
   reactivation (one before, not last month), expansion / contraction (paid last month, MRR
   up / down by more than EPSILON; the difference), churn (paid last month, not this month;
   last month's MRR). start = last month's end; the first month has no row.

Sides: ``growthkit`` (``mrr_movements``); ``pandas`` (group-by and per-customer shifts);
``polars`` (one eager pass on sorted customer-months, shifts masked at customer boundaries);
``duckdb_sql`` (one query: the spread, customer-months, LAG/LEAD window, a group-by);
``duckdb_numpy`` (DuckDB scans once to local day, amount, months; NumPy spreads, fills a
dense months x customers matrix with ``bincount`` and classifies in one pass per month).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import _harness
from _best_data import TIMEZONE

#: growthkit.subscriptions.mrr.EPSILON: a customer-month pays when its MRR exceeds it.
EPSILON = 1e-6
MOVES = ("start", "new", "expansion", "reactivation", "contraction", "churn", "end")
COUNTS = ("customers_start", "new_customers", "expansion_customers", "reactivated_customers",
          "contraction_customers", "churned_customers", "customers_end")
DEFINITION = "charges spread evenly over their months covered, calendar months in the time zone"
#: Columns of the charges file (``_best_data.mrr_charges``).
CUSTOMER, WHEN, AMOUNT, COVER = "customer_id", "ts", "amount", "months"


# ----------------------------------------------------------------------------- stage 1 helpers


def through_month(first_day: int, last_day: int) -> tuple[int, int]:
    """First and last reported month keys (``year * 12 + month - 1``) from the first and last
    local charge days (days since 1970-01-01)."""
    import numpy as np

    days = np.array([first_day, last_day], dtype="datetime64[D]")
    months = days.astype("datetime64[M]")
    first, last = (months.astype("int64") + 1970 * 12).tolist()
    last_of_month = (months[1] + 1).astype("datetime64[D]") - 1
    if days[1] == months[1].astype("datetime64[D]"):
        raise ValueError("the last charge is on the 1st: growthkit's monthly-data rule applies")
    return first, last if days[1] == last_of_month else last - 1


def spread_numpy(customer, month, amount, cover):
    """Charges as (customer, month, amount / n) rows, a charge covering n months as n rows."""
    import numpy as np

    many = cover > 1
    if not many.any():
        return customer, month, amount
    n = cover[many]
    rep = np.repeat(np.arange(n.size), n)
    k = np.arange(rep.size) - np.repeat(np.cumsum(n) - n, n)
    return (np.concatenate([customer[~many], customer[many][rep]]),
            np.concatenate([month[~many], month[many][rep] + k]),
            np.concatenate([amount[~many], (amount[many] / n)[rep]]))


def local_days_pandas(when) -> Any:
    """Days since 1970-01-01 of each instant's calendar day in :data:`TIMEZONE`."""
    local = when.dt.tz_convert(TIMEZONE).dt.tz_localize(None)
    return local.to_numpy().astype("datetime64[D]").astype("int64")


def month_of_days(days):
    """Month keys of days since 1970-01-01."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype("int64") + 1970 * 12


# ----------------------------------------------------------------------------- stage 2 helpers


def table_from_monthly(per: Any, first: int, last: int) -> Any:
    """The movements table from per-month sums of the paid customer-months: ``customers``,
    ``mrr``, ``new_n``/``new_mrr``, ``react_n``/``react_mrr``, ``exp_n``/``exp_mrr``,
    ``con_n``/``con_mrr``, ``churn_next_n``/``churn_next_mrr`` (paying, and not next month),
    indexed by month key."""
    import pandas as pd

    by = per.reindex(pd.RangeIndex(first, last + 1), fill_value=0)
    out = pd.DataFrame({
        "month": [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in by.index],
        "start": by["mrr"].shift(1), "new": by["new_mrr"], "expansion": by["exp_mrr"],
        "reactivation": by["react_mrr"], "contraction": by["con_mrr"],
        "churn": by["churn_next_mrr"].shift(1), "end": by["mrr"],
        "customers_start": by["customers"].shift(1), "new_customers": by["new_n"],
        "expansion_customers": by["exp_n"], "reactivated_customers": by["react_n"],
        "contraction_customers": by["con_n"], "churned_customers": by["churn_next_n"].shift(1),
        "customers_end": by["customers"],
    })
    return out.iloc[1:].astype({c: "int64" for c in COUNTS}).reset_index(drop=True)


def classify_dense(x, first: int) -> Any:
    """The movements from a dense (months x customers) MRR matrix whose row 0 is ``first``."""
    import numpy as np
    import pandas as pd

    months, customers = x.shape
    rows = {name: np.zeros(months) for name in (*MOVES, *COUNTS)}
    prev = np.zeros(customers)
    prev_paid = np.zeros(customers, dtype=bool)
    ever = np.zeros(customers, dtype=bool)
    for m in range(months):
        cur = x[m]
        paid = cur > EPSILON
        cur = np.where(paid, cur, 0.0)
        came = paid & ~prev_paid
        new, back = came & ~ever, came & ever
        stay = paid & prev_paid
        diff = cur - prev
        up, down = stay & (diff > EPSILON), stay & (diff < -EPSILON)
        gone = prev_paid & ~paid
        for name, value in (
            ("start", prev.sum()), ("end", cur.sum()), ("new", cur[new].sum()),
            ("reactivation", cur[back].sum()), ("expansion", diff[up].sum()),
            ("contraction", -diff[down].sum()), ("churn", prev[gone].sum()),
            ("customers_start", prev_paid.sum()), ("customers_end", paid.sum()),
            ("new_customers", new.sum()), ("reactivated_customers", back.sum()),
            ("expansion_customers", up.sum()), ("contraction_customers", down.sum()),
            ("churned_customers", gone.sum()),
        ):
            rows[name][m] = value
        prev, prev_paid, ever = cur, paid, ever | paid
    out = pd.DataFrame(rows)
    out.insert(0, "month", [f"{k // 12:04d}-{k % 12 + 1:02d}"
                            for k in range(first, first + months)])
    return out.iloc[1:].astype({c: "int64" for c in COUNTS}).reset_index(drop=True)


def dense_matrix(customer, month, amount, first: int, last: int):
    """``bincount`` of the spread charges into a (months x customers) matrix."""
    import numpy as np

    keep = month <= last
    customer, month, amount = customer[keep], month[keep] - first, amount[keep]
    low, high = int(customer.min()), int(customer.max())
    if high - low < customer.size // 4:  # integer ids dense enough to place by value
        index, n = customer - low, high - low + 1
    else:  # any other ids: a hash factorisation (no sort)
        import pandas as pd

        index, uniques = pd.factorize(customer, sort=False)
        n = uniques.size
    months = last - first + 1
    flat = np.bincount(month * n + index, weights=amount, minlength=months * n)
    return flat.reshape(months, n)


# ----------------------------------------------------------------------------- the sides


def growthkit(path: str) -> tuple[dict, Any]:
    """growthkit's public API."""
    import growthkit.data
    from growthkit.subscriptions import mrr_movements

    growthkit.data.engine()
    with _harness.timed() as t:
        out = mrr_movements(path, customer_col=CUSTOMER, date_col=WHEN, amount_col=AMOUNT,
                            months_covered_col=COVER, timezone=TIMEZONE)
    return t, out


def pandas_customer_months(path: str) -> tuple[Any, int, int]:
    """Stage 1 in pandas: (customer, month) -> mrr, and the reported month range."""
    import pandas as pd

    df = pd.read_parquet(path, columns=[CUSTOMER, WHEN, AMOUNT, COVER])
    days = local_days_pandas(df[WHEN])
    first, last = through_month(int(days.min()), int(days.max()))
    c, m, a = spread_numpy(df[CUSTOMER].to_numpy(), month_of_days(days),
                           df[AMOUNT].to_numpy(), df[COVER].to_numpy())
    cm = pd.DataFrame({"customer_id": c, "month": m, "mrr": a})
    cm = cm.groupby(["customer_id", "month"], sort=True)["mrr"].sum().reset_index()
    return cm, first, last


def pandas(path: str) -> tuple[dict, Any]:
    """pandas: customer-months by a sorted group-by, then per-customer shifts (a window)."""
    import numpy as np
    import pyarrow.pandas_compat  # noqa: F401

    with _harness.timed() as t:
        cm, first, last = pandas_customer_months(path)
        cm = cm[(cm["mrr"] > EPSILON) & (cm["month"] <= last)]
        g = cm.groupby("customer_id", sort=False)
        prev_m, prev_x, next_m = g["month"].shift(1), g["mrr"].shift(1), g["month"].shift(-1)
        x, m = cm["mrr"], cm["month"]
        diff = (x - prev_x).fillna(0.0)
        cont = prev_m == m - 1
        flags = {"new": prev_m.isna(), "react": prev_m < m - 1,
                 "exp": cont & (diff > EPSILON), "con": cont & (diff < -EPSILON),
                 "churn_next": next_m.isna() | (next_m > m + 1)}
        cols = {"month": m, "customers": 1, "mrr": x}
        for name, flag in flags.items():
            cols[f"{name}_n"] = flag.astype("int64")
        cols["new_mrr"] = np.where(flags["new"], x, 0.0)
        cols["react_mrr"] = np.where(flags["react"], x, 0.0)
        cols["exp_mrr"] = np.where(flags["exp"], diff, 0.0)
        cols["con_mrr"] = np.where(flags["con"], -diff, 0.0)
        cols["churn_next_mrr"] = np.where(flags["churn_next"], x, 0.0)
        per = cm.assign(**cols).drop(columns="customer_id").groupby("month").sum()
        out = table_from_monthly(per, first, last)
    return t, out


def polars_customer_months(path: str) -> tuple[Any, int, int]:
    """Stage 1 in Polars: sorted (customer, month) -> mrr, and the reported month range."""
    import polars as pl

    local = pl.col(WHEN).dt.convert_time_zone(TIMEZONE)
    charges = pl.scan_parquet(path).select(
        CUSTOMER, day=local.dt.date(),
        month=local.dt.year().cast(pl.Int64) * 12 + local.dt.month().cast(pl.Int64) - 1,
        amount=AMOUNT, n=COVER,
    ).collect()
    bounds = charges.select(pl.col("day").min().alias("a"), pl.col("day").max().alias("b"))
    epoch = pl.date(1970, 1, 1)
    days = bounds.select((pl.all() - epoch).dt.total_days()).row(0)
    first, last = through_month(*days)
    one = charges.filter(pl.col("n") == 1).select(CUSTOMER, "month", "amount")
    many = (charges.filter(pl.col("n") > 1)
            .with_columns(k=pl.int_ranges(0, pl.col("n"))).explode("k")
            .select(CUSTOMER, month=pl.col("month") + pl.col("k"),
                    amount=pl.col("amount") / pl.col("n")))
    cm = (pl.concat([one, many]).group_by(CUSTOMER, "month").agg(mrr=pl.col("amount").sum())
          .sort(CUSTOMER, "month"))
    return cm, first, last


def polars(path: str) -> tuple[dict, Any]:
    """Polars: customer-months sorted by customer and month, shifts masked at customer
    boundaries (no window partition), one group-by per month."""
    import polars as pl
    import pyarrow.pandas_compat  # noqa: F401

    with _harness.timed() as t:
        cm, first, last = polars_customer_months(path)
        paid = cm.filter((pl.col("mrr") > EPSILON) & (pl.col("month") <= last))
        c, m, x = pl.col(CUSTOMER), pl.col("month"), pl.col("mrr")
        same_prev = c.shift(1) == c
        same_next = c.shift(-1) == c
        prev_m = pl.when(same_prev).then(m.shift(1))
        prev_x = pl.when(same_prev).then(x.shift(1))
        next_m = pl.when(same_next).then(m.shift(-1))
        rows = paid.with_columns(prev_m=prev_m, prev_x=prev_x, next_m=next_m).with_columns(
            diff=(x - pl.col("prev_x")).fill_null(0.0),
            cont=(pl.col("prev_m") == m - 1).fill_null(False),
        )
        new = pl.col("prev_m").is_null()
        react = (pl.col("prev_m") < m - 1).fill_null(False)
        exp = pl.col("cont") & (pl.col("diff") > EPSILON)
        con = pl.col("cont") & (pl.col("diff") < -EPSILON)
        leaves = pl.col("next_m").is_null() | (pl.col("next_m") > m + 1)
        per = rows.group_by("month").agg(
            customers=pl.len(), mrr=x.sum(),
            new_n=new.sum(), new_mrr=x.filter(new).sum(),
            react_n=react.sum(), react_mrr=x.filter(react).sum(),
            exp_n=exp.sum(), exp_mrr=pl.col("diff").filter(exp).sum(),
            con_n=con.sum(), con_mrr=-pl.col("diff").filter(con).sum(),
            churn_next_n=leaves.sum(), churn_next_mrr=x.filter(leaves).sum(),
        ).to_pandas().set_index("month")
        out = table_from_monthly(per, first, last)
    return t, out


#: Stage 1 in SQL: the month range and the customer-months (spread by ``unnest(range(n))``
#: for the few charges covering several months).
SQL_CUSTOMER_MONTHS = f"""
charges AS MATERIALIZED (
    SELECT {CUSTOMER} AS customer_id, CAST(timezone('{TIMEZONE}', {WHEN}) AS DATE) AS day,
           {AMOUNT} AS amount, {COVER} AS n
    FROM read_parquet($path)
), bounds AS (
    SELECT year(min(day)) * 12 + month(min(day)) - 1 AS first_m,
           year(max(day)) * 12 + month(max(day)) - 1
           - CASE WHEN max(day) = last_day(max(day)) THEN 0 ELSE 1 END AS last_m,
           max(day) AS final_day
    FROM charges
), spread AS (
    SELECT customer_id, year(day) * 12 + month(day) - 1 AS m, amount FROM charges WHERE n = 1
    UNION ALL
    SELECT customer_id, year(day) * 12 + month(day) - 1 + unnest(range(n)) AS m, amount / n
    FROM charges WHERE n > 1
), cm AS (
    SELECT customer_id, m, sum(amount) AS x FROM spread GROUP BY ALL
)"""

SQL = f"""
WITH {SQL_CUSTOMER_MONTHS}, paid AS (
    SELECT * FROM cm WHERE x > {EPSILON} AND m <= (SELECT last_m FROM bounds)
), w AS (
    SELECT *, lag(m) OVER w AS pm, lag(x) OVER w AS px, lead(m) OVER w AS nm
    FROM paid WINDOW w AS (PARTITION BY customer_id ORDER BY m)
), f AS (
    SELECT m, x, pm IS NULL AS is_new, pm < m - 1 AS is_react,
           coalesce(pm = m - 1 AND x - px > {EPSILON}, false) AS up,
           coalesce(pm = m - 1 AND x - px < -{EPSILON}, false) AS down,
           x - px AS diff, nm IS NULL OR nm > m + 1 AS leaves
    FROM w
)
SELECT m AS month, count(*) AS customers, sum(x) AS mrr,
    count(*) FILTER (WHERE is_new) AS new_n, coalesce(sum(x) FILTER (WHERE is_new), 0) AS new_mrr,
    count(*) FILTER (WHERE is_react) AS react_n,
    coalesce(sum(x) FILTER (WHERE is_react), 0) AS react_mrr,
    count(*) FILTER (WHERE up) AS exp_n, coalesce(sum(diff) FILTER (WHERE up), 0) AS exp_mrr,
    count(*) FILTER (WHERE down) AS con_n,
    coalesce(-sum(diff) FILTER (WHERE down), 0) AS con_mrr,
    count(*) FILTER (WHERE leaves) AS churn_next_n,
    coalesce(sum(x) FILTER (WHERE leaves), 0) AS churn_next_mrr,
    first_m, last_m, final_day
FROM f CROSS JOIN bounds GROUP BY m, first_m, last_m, final_day ORDER BY m
"""


def duckdb_sql(path: str) -> tuple[dict, Any]:
    """One hand-written DuckDB query: the spread, customer-months, a LAG/LEAD window."""
    import duckdb
    import pyarrow.pandas_compat  # noqa: F401

    con = duckdb.connect()
    with _harness.timed() as t:
        per = con.execute(SQL, {"path": path}).df()
        if per["final_day"].iloc[0].day == 1:
            raise ValueError("the last charge is on the 1st: growthkit's monthly-data rule")
        first, last = int(per["first_m"].iloc[0]), int(per["last_m"].iloc[0])
        per = per.drop(columns=["first_m", "last_m", "final_day"]).set_index("month")
        out = table_from_monthly(per, first, last)
    return t, out


#: Stage 1's scan for the NumPy side: DuckDB converts each instant to its local day.
SQL_SCAN = f"""
SELECT {CUSTOMER} AS customer_id,
       CAST(CAST(timezone('{TIMEZONE}', {WHEN}) AS DATE) - DATE '1970-01-01' AS INTEGER) AS day,
       {AMOUNT} AS amount, CAST({COVER} AS INTEGER) AS n
FROM read_parquet($path)
"""


def numpy_customer_months(path: str, con) -> tuple[Any, int, int]:
    """Stage 1, DuckDB scan + NumPy: the dense (months x customers) MRR matrix."""
    s = con.execute(SQL_SCAN, {"path": path}).fetchnumpy()
    day = s["day"]
    first, last = through_month(int(day.min()), int(day.max()))
    c, m, a = spread_numpy(s["customer_id"], month_of_days(day), s["amount"], s["n"])
    return dense_matrix(c, m, a, first, last), first, last


def duckdb_numpy(path: str) -> tuple[dict, Any]:
    """DuckDB scans once; NumPy spreads, fills the dense matrix and classifies per month."""
    import duckdb
    import pyarrow.pandas_compat  # noqa: F401

    con = duckdb.connect()
    with _harness.timed() as t:
        x, first, _last = numpy_customer_months(path, con)
        out = classify_dense(x, first)
    return t, out


SIDES: dict[str, Callable[[str], tuple[dict, Any]]] = {
    "growthkit": growthkit,
    "pandas": pandas,
    "polars": polars,
    "duckdb_sql": duckdb_sql,
    "duckdb_numpy": duckdb_numpy,
}


def normalise(out: Any) -> Any:
    """The movements table, indexed by month, columns in growthkit's order."""
    return out[["month", *MOVES, *COUNTS]].astype(
        {**{c: "float64" for c in MOVES}, **{c: "int64" for c in COUNTS}}).set_index("month")


def digest(out: Any) -> dict[str, float]:
    """Months and column totals, for the run-to-run repeat check."""
    return {"months": float(len(out)), **{f"sum_{c}": float(out[c].sum()) for c in MOVES},
            **{f"sum_{c}": float(out[c].sum()) for c in COUNTS}}


def check(name: str, reference: Any, other: Any, side: str, rtol: float) -> float:
    """Money to ``rtol``, customer counts exactly, every month; return the worst difference."""
    sides = ("growthkit", side)
    worst = _harness.check_frames(f"{name} money", reference[list(MOVES)],
                                  other[list(MOVES)], rtol, sides=sides)
    return max(worst, _harness.check_frames(f"{name} counts", reference[list(COUNTS)],
                                            other[list(COUNTS)], 0.0, sides=sides))


def save(out: Any, path) -> None:
    """The normalised table to Parquet (after the timing)."""
    normalise(out).to_parquet(path)


def load(path) -> Any:
    """A table written by :func:`save`."""
    import pandas as pd

    return pd.read_parquet(path)

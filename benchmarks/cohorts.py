"""Benchmark the cohort table: growthkit (Ibis on DuckDB) against pandas and hand-written SQL.

``make bench`` runs ``python benchmarks/cohorts.py``. It simulates 10M orders once (BG/NBD
customers acquired over 18 months, observed for two years, 3% of orders refunded a week
later), writes them to Parquet **in date order** (cached in ``benchmarks/data/``), then builds
the monthly cohort table, (cohort, k) -> active customers, purchases and revenue, with:

- ``growthkit``: :func:`growthkit.cohorts.build_cohorts` from the file, validation included
  (one pass counting rows, customers, duplicates, bad values, refunds), then the aggregation;
- ``growthkit-report``: what the report does: validation with the data-quality counts
  (distinct customers, duplicate rows, stray dates), then the aggregation;
- ``growthkit-agg``: the aggregation alone, on orders validated before the clock starts (the
  same work as the other two sides);
- ``pandas``: ``read_parquet`` and a plain groupby doing the same work;
- ``sql``: one hand-written DuckDB query from the file (the limit).

Every measurement is a fresh process (file read included, imports excluded), and the tools
alternate (A B C D A B C D ...), so no side runs warm while another runs cold
(``benchmarks/_harness.py``). Medians with min–max, and peak resident memory, go to stdout (a
Markdown table for the README) and ``benchmarks/results/cohorts.json``. Every round's tables
are checked equal to the SQL one (counts exactly, revenue to 1e-9 relative); a mismatch stops
the benchmark.

Usage: ``python benchmarks/cohorts.py [--orders 10000000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from _harness import (
    alternate,
    busy_warning,
    check_frames,
    machine,
    median_ratio,
    seconds_cell,
    spread,
    task_report,
    timed,
)

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "results"
TOOLS = ("growthkit", "growthkit-report", "growthkit-agg", "pandas", "sql")
ORDERS_PER_CUSTOMER = 2.66  # of the simulated world below, refunds not counted
REFUND_SHARE = 0.03

SQL = """
WITH o AS (
    SELECT customer_id, year(date) * 12 + month(date) - 1 AS p, amount
    FROM read_parquet(?)
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


def orders_file(n_orders: int) -> Path:
    """The simulated orders, in date order, written once."""
    path = DATA / f"cohort_orders_{n_orders}.parquet"
    if path.exists():
        return path
    import numpy as np
    import pandas as pd

    from growthkit.samples.simulate import BTYDWorld, simulate_btyd_orders

    customers = round(n_orders / (ORDERS_PER_CUSTOMER * (1 + REFUND_SHARE)))
    world = BTYDWorld(acquisition_weeks=78, observed_weeks=104)
    orders = simulate_btyd_orders(customers, world, seed=20261123)
    rng = np.random.default_rng(20261123)
    refunded = orders[rng.random(len(orders)) < REFUND_SHARE]
    refunds = refunded.assign(date=refunded["date"] + pd.Timedelta(days=7),
                              amount=-refunded["amount"])
    orders = pd.concat([orders, refunds], ignore_index=True)
    orders = orders.sort_values(["date", "customer_id"], kind="stable", ignore_index=True)
    DATA.mkdir(parents=True, exist_ok=True)
    orders.to_parquet(path, index=False)
    return path


# -- one measurement, in a fresh process --------------------------------------------------------


def _task(tool: str, path: str, out: str) -> None:
    import pandas as pd

    if tool.startswith("growthkit"):
        from growthkit.cohorts import build_cohorts
        from growthkit.data import validate_orders

        source: object = path
        if tool == "growthkit-agg":
            source = validate_orders(path, amount_col="amount")  # before the clock starts
        with timed() as result:
            if tool == "growthkit-report":
                source = validate_orders(path, amount_col="amount")  # with quality counts
            cohorts = build_cohorts(source, amount_col="amount", period="month")
            grid = cohorts.grid.groupby(["cohort", "k"], as_index=False)[
                ["active", "purchases", "revenue"]].sum()
    elif tool == "pandas":
        with timed() as result:
            df = pd.read_parquet(path, columns=["customer_id", "date", "amount"])
            p = df["date"].dt.year * 12 + df["date"].dt.month - 1
            cp = (
                df.assign(p=p, buy=df["amount"] >= 0)
                .groupby(["customer_id", "p"], sort=False)
                .agg(revenue=("amount", "sum"), purchases=("buy", "sum"))
                .reset_index()
            )
            first = cp[cp["purchases"] > 0].groupby("customer_id")["p"].min()
            cp["cohort"] = cp["customer_id"].map(first)
            cp = cp[cp["cohort"].notna() & (cp["p"] >= cp["cohort"])]
            cp["k"] = cp["p"] - cp["cohort"]
            cp["active"] = cp["purchases"] > 0
            grid = cp.groupby(["cohort", "k"], as_index=False)[
                ["active", "purchases", "revenue"]].sum()
    else:
        import duckdb

        con = duckdb.connect()
        with timed() as result:
            grid = con.execute(SQL, [path]).df()
    grid = grid.astype({"cohort": "int64", "k": "int64", "active": "int64",
                        "purchases": "int64", "revenue": "float64"})
    grid.sort_values(["cohort", "k"], ignore_index=True).to_parquet(out)
    task_report(**result, cells=len(grid))


def _check_equal(reference: Path, other: Path, tool: str) -> None:
    """Counts exactly, revenue to 1e-9 relative, or :class:`_harness.Mismatch`."""
    import pandas as pd

    a = pd.read_parquet(other).set_index(["cohort", "k"])
    b = pd.read_parquet(reference).set_index(["cohort", "k"])
    check_frames("cohort table", a[["active", "purchases"]], b[["active", "purchases"]], 0.0,
                 sides=(tool, "sql"))
    check_frames("cohort table", a[["revenue"]], b[["revenue"]], 1e-9, sides=(tool, "sql"))


def main(argv: list[str] | None = None) -> None:
    """Run the alternating measurements and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs per tool (median kept)")
    parser.add_argument("--task", nargs=3, metavar=("TOOL", "INPUT", "OUTPUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.task:
        _task(*args.task)
        return

    path = orders_file(args.orders)
    import duckdb
    import pandas as pd
    import pyarrow.parquet as pq

    rows = pq.ParquetFile(path).metadata.num_rows
    about = machine(duckdb=duckdb.__version__, pandas=pd.__version__)
    out = {tool: DATA / f"cohort_grid_{tool}.parquet" for tool in TOOLS}
    script = str(Path(__file__).resolve())

    def command(tool: str):
        return lambda _round: [sys.executable, script, "--task", tool, str(path), str(out[tool])]

    def check(_results: dict) -> None:
        for tool in TOOLS[:-1]:
            _check_equal(out["sql"], out[tool], tool)

    def log(i: int, tool: str, result: dict) -> None:
        print(f"  run {i + 1} {tool:<14} {result['seconds']:7.2f} s  "
              f"peak {result['peak_mb']:6.0f} MB", file=sys.stderr)
        if i > 0 and tool == TOOLS[-1]:
            check({})  # every round's tables, not only the first

    runs = alternate({tool: command(tool) for tool in TOOLS}, args.repeat,
                     after_first_round=check, log=log)
    summary = {
        tool: {**spread([r["seconds"] for r in results]),
               "peak_mb": max(r["peak_mb"] for r in results),
               "seconds": [r["seconds"] for r in results]}
        for tool, results in runs.items()
    }
    print(f"\n{rows:,} orders; {about['date']}, {about['cores']} cores, {about['machine']}, "
          f"Python {about['python']}, DuckDB {about['duckdb']}, pandas {about['pandas']}; "
          f"{args.repeat} alternating fresh-process runs per tool; tables checked equal\n")
    warning = busy_warning(about["load_average_at_start"], about["cores"])
    if warning:
        print(warning + "\n")
    print("| cohort table | median [min–max] | speed-up vs pandas | time vs SQL | peak MB |")
    print("|---|---:|---:|---:|---:|")
    for tool, s in summary.items():
        print(f"| {tool} | {seconds_cell(s)} | {median_ratio(summary['pandas'], s):.1f}× | "
              f"{median_ratio(s, summary['sql']):.2f}× | {s['peak_mb']:,.0f} |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cohorts.json").write_text(json.dumps(
        {"orders": rows, "machine": about, "tools": summary}, indent=2))


if __name__ == "__main__":
    main()

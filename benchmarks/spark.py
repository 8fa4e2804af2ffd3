"""Benchmark rfm_summary on local Spark against DuckDB: the same Ibis expressions, same file.

``make bench`` runs ``python benchmarks/spark.py``. It simulates BTYD orders once (1M by
default), writes them to Parquet **in date order** with microsecond timestamps (Spark 3.5
reads no nanosecond ones; cached in ``benchmarks/data/``), then times
:func:`growthkit.rfm_summary` (weeks, with monetary value) from that file on:

- ``duckdb``: the embedded engine, as every report uses it by default;
- ``spark``: a local Spark session (``local[*]``, growthkit's local defaults) reading the file
  as the source ``spark:PATH``; the session is started before the clock (its start-up is
  reported apart as ``startup``), and the first query, JIT warm-up included, is the figure;
  ``again`` is a second call in the same process, the cost once a session is warm.

Every measurement is a fresh process (imports excluded, file read included) and the sides
alternate (A B A B ...), so neither runs warm while the other runs cold
(``benchmarks/_harness.py``). Every round's summaries are checked equal to 1e-9 relative, or
the benchmark stops. Spark in local mode is expected to be slower than DuckDB on one machine:
it is there for data that outgrow one machine, and this measures its overhead, not a race.

Usage: ``python benchmarks/spark.py [--orders 1000000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
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
SIDES = ("duckdb", "spark")
ORDERS_PER_CUSTOMER = 2.66  # of the simulated world below
KW = {"amount_col": "amount", "time_unit": "weeks"}


def orders_file(n_orders: int) -> Path:
    """The simulated orders, in date order, microsecond timestamps, written once."""
    path = DATA / f"spark_orders_{n_orders}.parquet"
    if path.exists():
        return path
    from growthkit.samples.simulate import BTYDWorld, simulate_btyd_orders

    customers = round(n_orders / ORDERS_PER_CUSTOMER)
    world = BTYDWorld(acquisition_weeks=78, observed_weeks=104)
    orders = simulate_btyd_orders(customers, world, seed=20261123)
    orders = orders.sort_values(["date", "customer_id"], kind="stable", ignore_index=True)
    DATA.mkdir(parents=True, exist_ok=True)
    orders.to_parquet(path, index=False, coerce_timestamps="us", allow_truncated_timestamps=True)
    return path


# -- one measurement, in a fresh process --------------------------------------------------------


def _task(side: str, path: str, out: str) -> None:
    from growthkit.rfm import rfm_summary

    extra = {}
    if side == "spark":
        from growthkit.data import spark

        t0 = time.perf_counter()
        session = spark.session()  # local[*] with growthkit's local defaults
        session.sparkContext.setLogLevel("ERROR")
        extra["startup"] = time.perf_counter() - t0
        extra["master"] = session.sparkContext.master
        source = f"spark:{path}"
    else:
        import growthkit.data

        growthkit.data.engine()  # the DuckDB connection exists before the clock, as Spark's
        source = path
    with timed() as result:
        summary = rfm_summary(source, **KW)
    if side == "spark":
        t0 = time.perf_counter()
        rfm_summary(source, **KW)
        extra["again"] = time.perf_counter() - t0
    summary.to_parquet(out)
    task_report(**result, **extra, customers=len(summary))


def main(argv: list[str] | None = None) -> None:
    """Run the alternating measurements and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per side (median kept)")
    parser.add_argument("--task", nargs=3, metavar=("SIDE", "INPUT", "OUTPUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.task:
        _task(*args.task)
        return

    path = orders_file(args.orders)
    import duckdb
    import pandas as pd
    import pyarrow.parquet as pq
    import pyspark

    rows = pq.ParquetFile(path).metadata.num_rows
    about = machine(duckdb=duckdb.__version__, pyspark=pyspark.__version__)
    out = {side: DATA / f"spark_summary_{side}.parquet" for side in SIDES}
    script = str(Path(__file__).resolve())

    def command(side: str):
        return lambda _round: [sys.executable, script, "--task", side, str(path), str(out[side])]

    def check(_results: dict) -> None:
        check_frames("rfm summary", pd.read_parquet(out["spark"]),
                     pd.read_parquet(out["duckdb"]), 1e-9, sides=("spark", "duckdb"))

    def log(i: int, side: str, result: dict) -> None:
        extra = f"  startup {result['startup']:.2f} s  again {result['again']:.2f} s" \
            if side == "spark" else ""
        print(f"  run {i + 1} {side:<7} {result['seconds']:7.2f} s{extra}", file=sys.stderr)
        if i > 0 and side == SIDES[-1]:
            check({})  # every round's summaries, not only the first

    runs = alternate({side: command(side) for side in SIDES}, args.repeat,
                     after_first_round=check, log=log)
    summary = {side: spread([r["seconds"] for r in results]) for side, results in runs.items()}
    startup = spread([r["startup"] for r in runs["spark"]])
    again = spread([r["again"] for r in runs["spark"]])
    master = runs["spark"][0]["master"]
    print(f"\n{rows:,} orders, {runs['duckdb'][0]['customers']:,} customers; {about['date']}, "
          f"{about['cores']} cores, {about['machine']}, Python {about['python']}, DuckDB "
          f"{about['duckdb']}, PySpark {about['pyspark']} ({master}); {args.repeat} alternating "
          "fresh-process runs per side; summaries checked equal to 1e-9\n")
    warning = busy_warning(about["load_average_at_start"], about["cores"])
    if warning:
        print(warning + "\n")
    print("| rfm_summary from Parquet | median [min–max] | time vs DuckDB |")
    print("|---|---:|---:|")
    print(f"| DuckDB (embedded) | {seconds_cell(summary['duckdb'])} | 1.00× |")
    print(f"| Spark {master}, first query | {seconds_cell(summary['spark'])} | "
          f"{median_ratio(summary['spark'], summary['duckdb']):.1f}× |")
    print(f"| Spark {master}, again in the same session | {seconds_cell(again)} | "
          f"{median_ratio(again, summary['duckdb']):.1f}× |")
    print(f"| Spark session start-up (not in the above) | {seconds_cell(startup)} | |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "spark.json").write_text(json.dumps(
        {"orders": rows, "machine": about, "master": master,
         "sides": {**summary, "spark_again": again, "spark_startup": startup}}, indent=2))


if __name__ == "__main__":
    main()

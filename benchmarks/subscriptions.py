"""MRR movements for 1M subscribers × 36 months: growthkit in the engine against a plain pandas
pivot doing the same work, with one hand-written DuckDB SQL query as the limit.

Charges come from a seeded simulation (subscribers start, churn, come back, change price and
add an add-on), written to Parquet once and cached in ``benchmarks/data/``. Every measurement
is a fresh process that reads that file itself (imports excluded from the time), and the
three tools run in turn, A B C A B C ..., so a slow moment of the machine falls on all of them.
The medians are reported with min–max, with each process's peak resident memory; the three
movement tables are checked equal, and the run fails loudly if they are not.

The run follows the project's benchmark standard (``benchmarks/_harness.py``).

Usage: ``python benchmarks/subscriptions.py [--subscribers 1000000] [--runs 5]``
(``make bench`` runs it). Figures go to stdout (a Markdown table for the README) and
``benchmarks/results/subscriptions.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _harness  # noqa: E402

DATA = HERE / "data"
RESULTS = HERE / "results"
TOOLS = ("growthkit", "pandas", "sql")
LABELS = {
    "growthkit": "growthkit `mrr_movements` (validation included)",
    "pandas": "pandas `read_parquet` + `pivot_table` + numpy",
    "sql": "one hand-written DuckDB SQL query (the limit)",
}
MONTHS = 36
FIRST = dt.date(2023, 1, 1)
MOVES = ["start", "new", "expansion", "reactivation", "contraction", "churn", "end"]
COUNTS = ["customers_start", "new_customers", "reactivated_customers", "churned_customers",
          "customers_end"]
EPS = 1e-6


# ----------------------------------------------------------------------------- data


def charges_file(subscribers: int, seed: int = 20261123, folder: Path = DATA) -> Path:
    """Simulate the charges once (cached in ``folder``): about 36 charges per subscriber."""
    path = folder / f"subscriptions_{subscribers}_seed{seed}.parquet"
    if path.exists():
        return path
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n = subscribers
    ids = np.arange(1, n + 1, dtype="int64")
    prices = np.array([5.99, 9.99, 14.99, 19.99])
    day = rng.integers(1, 29, n)
    active = rng.random(n) < 0.9
    started = active.copy()
    level = rng.integers(0, len(prices), n)
    addon = np.zeros(n, dtype=bool)
    schema = pa.schema([("customer_id", pa.int64()), ("date", pa.date32()),
                        ("amount", pa.float64())])
    tmp = path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, schema) as writer:
        for k in range(MONTHS):
            if k:
                u = rng.random((5, n))
                leaving = active & (u[0] < 0.02)
                back = started & ~active & (u[1] < 0.25)
                joining = ~started & (u[1] < 0.15)
                active = (active & ~leaving) | back | joining
                started |= joining
                change = u[2] < 0.02
                level = np.where(change, rng.integers(0, len(prices), n), level)
                addon = active & np.where(addon, u[3] >= 0.3, u[3] < 0.03)
            year, month = divmod(FIRST.month - 1 + k, 12)
            base = np.datetime64(f"{FIRST.year + year:04d}-{month + 1:02d}-01")
            who = np.r_[ids[active], ids[addon]]
            when = base + (np.r_[day[active], day[addon]] - 1).astype("timedelta64[D]")
            amount = np.r_[prices[level[active]], np.full(int(addon.sum()), 4.99)]
            if k == MONTHS - 1:  # the last day of the last month: December is complete
                who, amount = np.r_[who, ids[:1]], np.r_[amount, 0.0]
                last = np.datetime64(f"{FIRST.year + year:04d}-{month + 2:02d}-01") - 1 \
                    if month < 11 else np.datetime64(f"{FIRST.year + year:04d}-12-31")
                when = np.r_[when, np.array([last], dtype="datetime64[D]")]
            writer.write_table(pa.table({"customer_id": who, "date": when, "amount": amount},
                                        schema=schema))
    tmp.replace(path)
    return path


# ----------------------------------------------------------------------------- the tools


def _growthkit(path: str) -> tuple[Any, dict]:
    from growthkit.subscriptions import mrr_movements

    with _harness.timed() as t:
        out = mrr_movements(path)
    return out, t


def _pandas(path: str) -> tuple[Any, dict]:
    import numpy as np
    import pandas as pd

    with _harness.timed() as t:
        df = pd.read_parquet(path)
        date = pd.to_datetime(df["date"])
        df["month"] = date.dt.year * 12 + date.dt.month - 1
        wide = df.pivot_table(index="customer_id", columns="month", values="amount",
                              aggfunc="sum", fill_value=0.0)
        months = np.arange(wide.columns.min(), wide.columns.max() + 1)
        x = wide.reindex(columns=months, fill_value=0.0).to_numpy()
        paid = x > EPS
        x = np.where(paid, x, 0.0)
        prev = np.zeros_like(x)
        prev[:, 1:] = x[:, :-1]
        prev_paid = prev > 0
        ever = np.logical_or.accumulate(paid, axis=1)
        before = np.zeros_like(paid)
        before[:, 2:] = ever[:, :-2]  # paid in some month up to two before
        diff = x - prev
        both = paid & prev_paid
        table = {
            "start": prev.sum(0), "end": x.sum(0),
            "new": np.where(paid & ~prev_paid & ~before, x, 0).sum(0),
            "reactivation": np.where(paid & ~prev_paid & before, x, 0).sum(0),
            "expansion": np.where(both & (diff > EPS), diff, 0).sum(0),
            "contraction": np.where(both & (diff < -EPS), -diff, 0).sum(0),
            "churn": np.where(prev_paid & ~paid, prev, 0).sum(0),
            "customers_start": prev_paid.sum(0), "customers_end": paid.sum(0),
            "new_customers": (paid & ~prev_paid & ~before).sum(0),
            "reactivated_customers": (paid & ~prev_paid & before).sum(0),
            "churned_customers": (prev_paid & ~paid).sum(0),
        }
        out = pd.DataFrame(table)
        out.insert(0, "month", [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months])
        out = out.iloc[1:].reset_index(drop=True)
    return out, t


SQL = """
WITH cm AS (
    SELECT customer_id, year(date) * 12 + month(date) - 1 AS m, sum(amount) AS x
    FROM read_parquet($path) GROUP BY ALL HAVING sum(amount) > 1e-6
), w AS (
    SELECT *, lag(m) OVER w AS pm, lag(x) OVER w AS px, lead(m) OVER w AS nm
    FROM cm WINDOW w AS (PARTITION BY customer_id ORDER BY m)
)
SELECT m,
    sum(x) AS end_mrr, count(*) AS customers_end,
    coalesce(sum(x) FILTER (WHERE pm IS NULL), 0) AS new,
    count(*) FILTER (WHERE pm IS NULL) AS new_customers,
    coalesce(sum(x) FILTER (WHERE pm < m - 1), 0) AS reactivation,
    count(*) FILTER (WHERE pm < m - 1) AS reactivated_customers,
    coalesce(sum(x - px) FILTER (WHERE pm = m - 1 AND x - px > 1e-6), 0) AS expansion,
    coalesce(sum(px - x) FILTER (WHERE pm = m - 1 AND px - x > 1e-6), 0) AS contraction,
    coalesce(sum(x) FILTER (WHERE nm IS NULL OR nm > m + 1), 0) AS churn_next,
    count(*) FILTER (WHERE nm IS NULL OR nm > m + 1) AS churned_next
FROM w GROUP BY m ORDER BY m
"""


def _sql(path: str) -> tuple[Any, dict]:
    import duckdb

    with _harness.timed() as t:
        got = duckdb.connect().execute(SQL, {"path": path}).df()
        got["start"] = got["end_mrr"].shift(1)
        got["customers_start"] = got["customers_end"].shift(1)
        got["churn"] = got["churn_next"].shift(1)
        got["churned_customers"] = got["churned_next"].shift(1)
        got = got.rename(columns={"end_mrr": "end"}).iloc[1:].reset_index(drop=True)
        got.insert(0, "month", [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in got["m"]])
    return got, t


def task(tool: str, path: str) -> None:
    """One measurement in this process: the time, peak memory and the movements table."""
    import importlib

    # Modules the first query or DataFrame conversion would import: before the clock.
    for name in ("pandas", "pyarrow.pandas_compat", "ibis.formats.pandas",
                 "ibis.formats.pyarrow", "ibis.formats.numpy", "ibis.expr.types.groupby",
                 "ibis.backends.duckdb.converter", "growthkit.subscriptions"):
        if tool == "growthkit" or not name.startswith(("ibis", "growthkit")):
            importlib.import_module(name)
    run = {"growthkit": _growthkit, "pandas": _pandas, "sql": _sql}[tool]
    out, t = run(path)
    rows = out[["month", *MOVES, *COUNTS]].astype({c: "int64" for c in COUNTS})
    _harness.task_report(tool=tool, **t, table=rows.to_dict("list"))


# ----------------------------------------------------------------------------- the run


def _check(tables: dict[str, dict]) -> float:
    """Every side's table equals the SQL one: counts exactly, money to 1e-9 relative."""
    import pandas as pd

    reference = pd.DataFrame(tables["sql"]).set_index("month")
    worst = 0.0
    for tool, table in tables.items():
        frame = pd.DataFrame(table).set_index("month")
        worst = max(worst, _harness.check_frames(
            "MRR movements", frame[MOVES], reference[MOVES], 1e-9, sides=(tool, "sql")))
        if not frame[COUNTS].equals(reference[COUNTS]):
            raise _harness.Mismatch(f"MRR movements: {tool}'s customer counts differ from sql's")
    return worst


def main(argv: list[str] | None = None) -> None:
    """Measure the three tools in alternation and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="fresh-process runs per tool")
    parser.add_argument("--task", nargs=2, metavar=("TOOL", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.task:
        task(*args.task)
        return

    import duckdb
    import pandas as pd
    import pyarrow.parquet as pq

    import growthkit

    machine = _harness.machine(growthkit=growthkit.__version__, pandas=pd.__version__,
                               duckdb=duckdb.__version__)
    path = charges_file(args.subscribers)
    charges = pq.ParquetFile(path).metadata.num_rows
    with path.open("rb") as f:  # read once, untimed, so the first run is not the cold one
        while f.read(1 << 24):
            pass
    worst = [0.0]
    reference: dict[str, Any] = {}

    def log(i: int, tool: str, r: dict) -> None:
        # The SQL side runs first in every round: each run is checked against its table.
        reference.setdefault("sql", r["table"])
        worst[0] = max(worst[0], _check({tool: r["table"], "sql": reference["sql"]}))
        print(f"  run {i + 1}/{args.runs} {tool:<9} {r['seconds']:7.2f} s  "
              f"peak {r['peak_mb']:6.0f} MB", file=sys.stderr, flush=True)

    order = ("sql", "pandas", "growthkit")
    commands = {tool: (lambda _i, tool=tool: [sys.executable, __file__, "--task", tool,
                                               str(path)]) for tool in order}
    try:
        runs = _harness.alternate(commands, args.runs, log=log)
    except (_harness.Mismatch, _harness.TaskFailed) as exc:
        raise SystemExit(f"benchmark void: {exc}") from None
    summary = {
        tool: {"seconds": _harness.spread([r["seconds"] for r in runs[tool]]),
               "peak_mb": _harness.spread([r["peak_mb"] for r in runs[tool]]),
               "late_imports": sorted({m for r in runs[tool] for m in r["late_imports"]})}
        for tool in TOOLS
    }
    gk = summary["growthkit"]["seconds"]
    print(f"\n{args.subscribers:,} subscribers, {charges:,} charges over {MONTHS} months; "
          f"{machine['cores']} cores, {machine['machine']}, Python {machine['python']}, "
          f"{machine['date']}; {args.runs} alternating fresh-process runs per side; every "
          f"table equal to the SQL one (largest relative difference {worst[0]:.1g}).")
    busy = _harness.busy_warning(machine["load_average_at_start"], machine["cores"])
    if busy:
        print(busy)
    print("\n| MRR movements, 36 months | median [min–max] | growthkit ÷ side | peak memory |")
    print("|---|---:|---:|---:|")
    for tool in TOOLS:
        s = summary[tool]
        print(f"| {LABELS[tool]} | {_harness.seconds_cell(s['seconds'])} | "
              f"{_harness.median_ratio(gk, s['seconds']):.2f} | "
              f"{s['peak_mb']['median']:,.0f} MB |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "subscriptions.json").write_text(json.dumps({
        "subscribers": args.subscribers, "charges": charges, "months": MONTHS,
        "machine": machine, "load_average_at_end": _harness.load_average(),
        "max_relative_difference": worst[0], "results": summary,
    }, indent=2))


if __name__ == "__main__":
    main()

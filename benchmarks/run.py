"""Benchmark growthkit against lifetimes doing the same work, in the same run (``make bench``).

Orders come from a known BG/NBD + Gamma-Gamma world (``growthkit.samples.simulate``), written to
Parquet once and cached in ``benchmarks/data/``. Every step runs in a fresh process
(``_task.py``), so each tool pays for its own file read and nothing is warm. The figures go to
stdout as a Markdown table (copied into the README) and to ``benchmarks/results/latest.json``.

Usage: ``python benchmarks/run.py [--sizes 1000000 3700000] [--repeat 1]``
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "results"
TOOLS = ("growthkit", "lifetimes")


def _orders_file(n_customers: int) -> Path:
    path = DATA / f"orders_{n_customers}.parquet"
    if not path.exists():
        from growthkit.samples.simulate import simulate_btyd_orders

        DATA.mkdir(parents=True, exist_ok=True)
        simulate_btyd_orders(n_customers, seed=20261122).to_parquet(path)
    return path


def _run(step: str, tool: str, *paths: Path) -> dict:
    cmd = [sys.executable, str(HERE / "_task.py"), step, tool, *map(str, paths)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{step}/{tool} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _best(step: str, tool: str, repeat: int, *paths: Path) -> dict:
    runs = [_run(step, tool, *paths) for _ in range(repeat)]
    return min(runs, key=lambda r: r["seconds"])


def main(argv: list[str] | None = None) -> None:
    """Run every step for every size and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 3_700_000])
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; best kept")
    parser.add_argument(
        "--steps", nargs="+", default=["rfm", "fit", "score"], choices=["rfm", "fit", "score"]
    )
    args = parser.parse_args(argv)

    rows = []
    for n in args.sizes:
        orders = _orders_file(n)
        import pyarrow.parquet as pq

        n_orders = pq.ParquetFile(orders).metadata.num_rows
        summary = DATA / f"summary_{n}.parquet"
        for step in args.steps:
            result = {}
            for tool in TOOLS:
                t0 = time.perf_counter()
                if step == "rfm":
                    out = DATA / f"summary_{n}_{tool}.parquet"
                    result[tool] = _best(step, tool, args.repeat, orders, out)
                    if tool == "growthkit":
                        out.replace(summary)
                    else:
                        out.unlink()
                else:
                    result[tool] = _best(step, tool, args.repeat, summary)
                print(
                    f"  {step:<5} {tool:<9} {n_orders:>11,} orders  "
                    f"{result[tool]['seconds']:8.2f} s  peak {result[tool]['peak_mb']:7.0f} MB  "
                    f"(wall {time.perf_counter() - t0:.1f} s)",
                    file=sys.stderr,
                )
            ratio = result["lifetimes"]["seconds"] / result["growthkit"]["seconds"]
            rows.append(
                {"step": step, "customers": n, "orders": n_orders, "ratio": ratio, **result}
            )

    print(f"\nMachine: {platform.machine()}, Python {platform.python_version()}, ")
    print("| step | orders | customers | growthkit s | lifetimes s | speed-up | peak MB gk / lt |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        g, lt = r["growthkit"], r["lifetimes"]
        print(
            f"| {r['step']} | {r['orders']:,} | {r['customers']:,} | {g['seconds']:.2f} | "
            f"{lt['seconds']:.2f} | {r['ratio']:.1f}× | {g['peak_mb']:.0f} / {lt['peak_mb']:.0f} |"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()

"""100M orders on one machine: ``growthkit run clv`` on a ~3 GB Parquet order log.

Issue "Scale" §3. Two parts:

- ``generate``: simulate the orders of ``--orders`` (default 100M) orders' worth of customers
  from the benchmark's BG/NBD + Gamma-Gamma world (``growthkit.samples.simulate``), in chunks of
  customers so memory stays small, then sort them by date out of core with DuckDB (bounded by
  ``--memory``) into one Parquet file in ``benchmarks/data/`` (gitignored), as a real order log
  is. Written once; later runs reuse it.
- ``run``: ``growthkit run clv --data FILE -p calibration_end None -p segments_csv ...`` in a
  fresh process, with the wall time, the peak resident memory of the whole process tree (the
  CLI and the report's kernel, sampled with psutil every 0.1 s) and of its largest process
  (``ru_maxrss`` of the children), and the report's own step timings (its progress lines).

Usage: ``python benchmarks/big.py [--orders 100000000] [--memory 4GB] [--segments NAME|None]``.
Results go to stdout and ``benchmarks/results/big.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _harness  # noqa: E402

DATA = HERE / "data"
RESULTS = HERE / "results"
SEED = 20261124
#: Orders per simulated customer in the default world (1M customers give 2,702,658 orders).
ORDERS_PER_CUSTOMER = 2.7027
#: Customers simulated at a time (about 2.7M orders, 100 MB in memory).
CHUNK_CUSTOMERS = 1_000_000


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def orders_path(n_orders: int) -> Path:
    """Where the date-ordered log of about ``n_orders`` orders is kept."""
    return DATA / f"big_orders_{n_orders}_seed{SEED}_by_date.parquet"


def generate(n_orders: int, memory: str) -> Path:
    """Simulate about ``n_orders`` orders and write them in date order (once)."""
    path = orders_path(n_orders)
    if path.exists():
        return path
    import duckdb

    from growthkit.samples.simulate import simulate_btyd_orders

    customers = round(n_orders / ORDERS_PER_CUSTOMER)
    chunks = DATA / f"{path.stem}.chunks"
    chunks.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for i, first in enumerate(range(0, customers, CHUNK_CUSTOMERS)):
        part = chunks / f"part{i:04d}.parquet"
        if part.exists():
            continue
        n = min(CHUNK_CUSTOMERS, customers - first)
        orders = simulate_btyd_orders(n, seed=SEED + i)
        orders["customer_id"] += first
        orders.to_parquet(part.with_suffix(".partial"), index=False)
        part.with_suffix(".partial").replace(part)
        _log(f"  simulated customers {first:,}-{first + n - 1:,} "
             f"({time.perf_counter() - started:.0f} s)")
    _log(f"sorting by date -> {path.name} (DuckDB, memory limit {memory})")
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory}'")
    con.execute(f"SET temp_directory = '{DATA / 'duckdb-tmp'}'")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET enable_progress_bar = false")
    partial = path.with_suffix(".partial")
    con.execute(
        f"COPY (SELECT * FROM read_parquet('{chunks}/*.parquet') ORDER BY date) "
        f"TO '{partial}' (FORMAT parquet, ROW_GROUP_SIZE 1048576)"
    )
    con.close()
    partial.replace(path)
    shutil.rmtree(chunks)
    shutil.rmtree(DATA / "duckdb-tmp", ignore_errors=True)
    _log(f"wrote {path} ({path.stat().st_size / 2**30:.2f} GiB, "
         f"{time.perf_counter() - started:.0f} s)")
    return path


class _TreeMemory:
    """Peak resident memory of a process and all its descendants, sampled in a thread."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        import psutil

        self._root = psutil.Process(pid)
        self._every = every
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self._root, *self._root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for proc in procs:
                with contextlib.suppress(psutil.NoSuchProcess):
                    total += proc.memory_info().rss
            self.peak_bytes = max(self.peak_bytes, total)
            self._stop.wait(self._every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_report(path: Path, out: Path, segments: str | None) -> dict:
    """``growthkit run clv`` on ``path``: wall time, peak memory and the report's steps."""
    growthkit = Path(sys.executable).with_name("growthkit")
    cmd = [str(growthkit), "run", "clv", "--data", str(path), "--out", str(out),
           "-p", "calibration_end", "None", "-p", "segments_csv", str(segments)]
    _log("running: " + " ".join(cmd))
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    memory = _TreeMemory(proc.pid)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        _log(f"  [{time.perf_counter() - started:7.1f} s] {line.rstrip()}")
    code = proc.wait()
    wall = time.perf_counter() - started
    memory.stop()
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"command": cmd, "exit_code": code, "wall_seconds": wall,
            "peak_tree_mb": memory.peak_bytes / 2**20, "peak_largest_process_mb": largest,
            "output": lines}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000_000,
                        help="orders to simulate, about (default 100M, ~3 GB of Parquet)")
    parser.add_argument("--memory", default="4GB",
                        help="DuckDB memory limit for the sort and the report (default 4GB)")
    parser.add_argument("--segments", default="None",
                        help="segments_csv parameter: a file name, or None (default)")
    parser.add_argument("--out", default=None, help="report folder (default: a temporary one)")
    args = parser.parse_args(argv)

    path = generate(args.orders, args.memory)
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    machine = _harness.machine()
    out = Path(args.out) if args.out else DATA / "big-report"
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("GROWTHKIT_DUCKDB_MEMORY_LIMIT", args.memory)
    result = run_report(path, out, None if args.segments == "None" else args.segments)
    report = {
        "machine": machine, "file": str(path), "orders": meta.num_rows,
        "file_gib": path.stat().st_size / 2**30,
        "duckdb_memory_limit": os.environ["GROWTHKIT_DUCKDB_MEMORY_LIMIT"],
        **result, "load_average_at_end": _harness.load_average(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "big.json").write_text(json.dumps(report, indent=2))
    if result["exit_code"]:
        raise SystemExit(
            f"BENCHMARK FAILED: growthkit run clv exited with {result['exit_code']} after "
            f"{result['wall_seconds']:.0f} s, peak memory {result['peak_tree_mb']:,.0f} MB "
            "(whole process tree):\n" + "\n".join(result["output"][-30:])
        )
    print(f"`growthkit run clv` on {meta.num_rows:,} orders ({report['file_gib']:.2f} GiB of "
          f"Parquet), DuckDB memory limit {report['duckdb_memory_limit']}: "
          f"{result['wall_seconds']:.0f} s wall, peak memory {result['peak_tree_mb']:,.0f} MB "
          f"(whole process tree; largest process {result['peak_largest_process_mb']:,.0f} MB); "
          f"measured {machine['date']} on {machine['cores']} cores, load average "
          f"{machine['load_average_at_start']:.2f} at the start.")


if __name__ == "__main__":
    main()

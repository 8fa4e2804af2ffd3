"""growthkit against the best formulation found of each result (issue #21): ``make bench``.

Benchmarks, each on seeded data written once to Parquet in ``benchmarks/data/`` (gitignored;
``_best_data.py``):

- ``rfm_dates`` / ``rfm_timestamps``: ``rfm_summary`` (weeks, with monetary value) of 1M
  customers' 2.7M orders, on dates, and on the same orders as UTC instants with a time of day
  read in America/New_York (same local days, so the same summary);
- ``cohorts``: the monthly cohort table (active customers, purchases and revenue per cohort and
  month; retention and cumulative revenue per customer) of about 5M orders with refunds
  (``--cohort-orders 50000000`` for 50M);
- ``mrr``: MRR movements of 300k subscribers over 35 complete months, ~8M charges with a time
  of day, annual plans, refunds, add-ons, plan changes, churn and reactivation;
- ``clv_cli``: ``growthkit run clv`` on the 2.7M orders from the command line, time only, with
  the report's own step times (its progress lines) and the same run on 2,000 customers (about
  the fixed cost of a report: start-up, kernel, imports, charts, export).

Sides (``_best_rfm.py``, ``_best_cohorts.py``, ``_best_mrr.py``): ``growthkit`` (the public
API), ``pandas``, ``polars``, ``duckdb_sql`` (the best hand-written DuckDB query found) and,
for MRR, ``duckdb_numpy`` (DuckDB scans once, NumPy fills a dense months x customers matrix
and classifies in one pass per month); ``--ibis-polars`` adds growthkit's own Ibis expressions
on Ibis's Polars backend to the RFM benchmarks.

Method (``_harness.py``): every run is a fresh process (``best.py --task ...``) that imports
first and times only the work, file read included; the sides alternate A B C A B C ...; the
figure is the median with the min-max; round 0's results of every side are checked equal to
growthkit's before any other round runs (floats to 1e-9 relative, counts exactly), and every
later run must repeat its side's totals. The 1-, 5- and 15-minute load averages are printed at
the start and end of each benchmark: figures taken under load need a quiet rerun.

Usage: ``python benchmarks/best.py [--only rfm_dates mrr ...] [--runs 5] [--small]
[--cohort-orders 5000000] [--ibis-polars]``. Results: stdout (Markdown) and
``benchmarks/results/best.json``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _harness  # noqa: E402

DATA = HERE / "data"
RESULTS = HERE / "results"
#: Relative tolerance of every float comparison between sides and between runs.
RTOL = 1e-9

#: Sizes: the issue's (default) and a quick one that checks every side (``--small``).
FULL = {"rfm_customers": 1_000_000, "cohort_orders": 5_000_000, "mrr_subscribers": 300_000,
        "clv_customers": 1_000_000, "clv_fixed_customers": 2_000}
SMALL = {"rfm_customers": 20_000, "cohort_orders": 100_000, "mrr_subscribers": 10_000,
         "clv_customers": 20_000, "clv_fixed_customers": 2_000}

_COMMON_IMPORTS = ["numpy", "pandas", "pyarrow", "pyarrow.parquet", "pyarrow.dataset",
                   "pyarrow.pandas_compat", "pandas.api.internals", "numpy.rec",
                   "pandas.core.arrays.arrow.extension_types"]
_GROWTHKIT_IMPORTS = ["growthkit", "growthkit.data", "ibis", "ibis.backends.duckdb",
                      "ibis.backends.duckdb.converter", "ibis.expr.types.groupby",
                      "ibis.formats.numpy", "ibis.formats.pandas", "ibis.formats.pyarrow"]
#: Modules each side would import on its first call: imported before the clock starts.
WARM_IMPORTS = {
    "growthkit": _GROWTHKIT_IMPORTS,
    "growthkit_ibis_polars": [*_GROWTHKIT_IMPORTS, "polars", "ibis.backends.polars"],
    "pandas": [],
    "polars": ["polars"],
    "duckdb_sql": ["duckdb"],
    "duckdb_sql_join": ["duckdb"],
    "duckdb_numpy": ["duckdb"],
}


@dataclass(frozen=True)
class Bench:
    """One benchmark: its module of sides, its data and the extra argument of its sides."""

    name: str
    label: str
    module: str
    timestamps: bool | None = None  # rfm only: the sides take it as their second argument


BENCHES = {
    b.name: b for b in (
        Bench("rfm_dates", "`rfm_summary`, dates", "_best_rfm", False),
        Bench("rfm_timestamps", "`rfm_summary`, timestamps with a time zone", "_best_rfm", True),
        Bench("cohorts", "cohort table (retention, cumulative revenue per customer)",
              "_best_cohorts"),
        Bench("mrr", "MRR movements", "_best_mrr"),
    )
}
CLI = "clv_cli"


# -- one run, in a fresh process ---------------------------------------------------------------


def task(bench: str, side: str, path: str, out: str | None) -> None:
    """Import, run one side once (timed), write its result (untimed), print the JSON line."""
    import warnings

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    for name in [*_COMMON_IMPORTS, *WARM_IMPORTS[side]]:
        importlib.import_module(name)
    b = BENCHES[bench]
    module = importlib.import_module(b.module)
    run = {**module.SIDES, **getattr(module, "EXTRA_SIDES", {})}[side]
    import_seconds = time.perf_counter() - t0
    timing, result = run(path) if b.timestamps is None else run(path, b.timestamps)
    if out:
        module.save(result, out)
    _harness.task_report(bench=bench, side=side, import_seconds=import_seconds, **timing,
                         digest=module.digest(result))


# -- data --------------------------------------------------------------------------------------


def data_file(bench: str, sizes: dict[str, int]) -> Path:
    """The benchmark's input, written once."""
    import _best_data

    if bench == "rfm_dates":
        return _best_data.rfm_orders(sizes["rfm_customers"])
    if bench == "rfm_timestamps":
        return _best_data.rfm_timestamps(sizes["rfm_customers"])
    if bench == "cohorts":
        return _best_data.cohort_orders(sizes["cohort_orders"])
    if bench == "mrr":
        return _best_data.mrr_charges(sizes["mrr_subscribers"])
    raise ValueError(f"bench={bench!r}; expected one of {[*BENCHES, CLI]}")


def _rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def _warm(path: Path) -> None:
    """Read a file once, untimed, so the first run is not the only one reading from disk."""
    with path.open("rb") as f:
        while f.read(1 << 24):
            pass


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


# -- the comparison ----------------------------------------------------------------------------


def bench_sides(b: Bench, path: Path, runs: int, scratch: Path, extra: list[str]) -> dict:
    """Every side of one benchmark, alternating, checked; returns the summary."""
    module = importlib.import_module(b.module)
    sides = [*module.SIDES]
    outs = {side: scratch / f"{b.name}_{side}.parquet" for side in [*sides, *extra]}
    script = str(Path(__file__).resolve())

    def argv(side: str):
        return lambda i: [sys.executable, script, "--task", b.name, side, str(path),
                          *(["--out", str(outs[side])] if i == 0 else [])]

    refused = {}
    for side in extra:  # a side that is a finding: it may be refused (a GrowthkitError)
        try:
            _harness.run_task(argv(side)(1))
            sides.append(side)
        except _harness.TaskFailed as exc:
            last = [line for line in str(exc).splitlines() if line.strip()][-1]
            refused[side] = last
            _log(f"  {side} refused: {last}")
    checks: dict[str, float] = {}

    def check(first: dict) -> None:
        reference = module.load(outs["growthkit"])
        for side in sides[1:]:
            checks[side] = module.check(f"{b.name} ({side})", reference,
                                        module.load(outs[side]), side, RTOL)
            _log(f"  check {side} vs growthkit: largest relative difference "
                 f"{checks[side]:.2g} (tolerance {RTOL:g}; counts exact)")

    def log(i: int, side: str, r: dict) -> None:
        late = f", imported late: {r['late_imports']}" if r["late_imports"] else ""
        _log(f"  {b.name} {side:<22} run {i + 1}/{runs}: {r['seconds']:7.3f} s, "
             f"peak {r['peak_mb']:6.0f} MB{late}")

    load_start = _load()
    results = _harness.alternate({side: argv(side) for side in sides}, runs,
                                 after_first_round=check, log=log)
    repeat = 0.0
    for side, rs in results.items():
        for i, r in enumerate(rs[1:], start=2):
            repeat = max(repeat, _harness.check_values(
                f"{b.name}: {side} run {i} vs run 1", r["digest"], rs[0]["digest"], RTOL,
                sides=(f"run {i}", "run 1")))
    summary = {side: {"seconds": _harness.spread([r["seconds"] for r in rs]),
                      "peak_mb": max(r["peak_mb"] for r in rs),
                      "late_imports": sorted({m for r in rs for m in r["late_imports"]})}
               for side, rs in results.items()}
    fastest = min(summary, key=lambda s: summary[s]["seconds"]["median"])
    return {"bench": b.name, "label": b.label, "input": path.name, "rows": _rows(path),
            "customers": results["growthkit"][0]["digest"].get("customers"),
            "sides": summary, "fastest": fastest,
            "growthkit_over_fastest": _harness.median_ratio(summary["growthkit"]["seconds"],
                                                            summary[fastest]["seconds"]),
            "checks": checks, "repeat_max_relative_difference": repeat, "refused": refused,
            "load_start": load_start, "load_end": _load()}


_STEP = re.compile(r"^growthkit: (?P<what>[^(]+?)(?: \(.*\))? in (?P<s>[0-9.]+) s$")


def bench_cli(path: Path, fixed: Path, runs: int) -> dict:
    """``growthkit run clv`` wall time on the orders and on a small file (fixed cost),
    alternating, with the report's step times from its progress lines."""
    exe = str(Path(sys.executable).with_name("growthkit"))
    commands = {"`growthkit run clv`": path,
                f"the same on {_rows(fixed):,} orders (about the fixed cost)": fixed}

    def run(argv: list[str]) -> dict:
        out = tempfile.mkdtemp(prefix="gk-best-cli-", dir=DATA)
        try:
            t0 = time.perf_counter()
            done = subprocess.run([*argv, "--out", out], capture_output=True, text=True,
                                  check=False)
            wall = time.perf_counter() - t0
        finally:
            shutil.rmtree(out, ignore_errors=True)
        if done.returncode:
            raise _harness.TaskFailed(f"{' '.join(argv)} exited with {done.returncode}:\n"
                                      f"{done.stderr[-3000:]}")
        steps = {}
        for line in done.stderr.splitlines():
            if m := _STEP.match(line.strip()):
                steps[m["what"]] = steps.get(m["what"], 0.0) + float(m["s"])
        return {"seconds": wall, "steps": steps}

    def argv(p: Path):
        return lambda _i: [exe, "run", "clv", "--data", str(p), "-p", "calibration_end", "None"]

    load_start = _load()
    results = _harness.alternate(
        {name: argv(p) for name, p in commands.items()}, runs, runner=run,
        log=lambda i, name, r: _log(f"  {name} run {i + 1}/{runs}: {r['seconds']:.2f} s"))
    out = {"bench": CLI, "label": "CLV report from the CLI", "input": path.name,
           "rows": _rows(path), "load_start": load_start, "load_end": _load(), "commands": {}}
    for name, rs in results.items():
        steps = list(dict.fromkeys(s for r in rs for s in r["steps"]))  # in report order
        out["commands"][name] = {
            "seconds": _harness.spread([r["seconds"] for r in rs]),
            "steps": {s: _harness.spread([r["steps"].get(s, 0.0) for r in rs])["median"]
                      for s in steps},
            "outside_steps": _harness.spread(
                [r["seconds"] - sum(r["steps"].values()) for r in rs])["median"]}
    return out


# -- reporting ---------------------------------------------------------------------------------


def _load_text(load: list[float] | None) -> str:
    return "n/a" if load is None else " / ".join(f"{x:.2f}" for x in load)


def bench_text(r: dict) -> str:
    """One benchmark's table: every side's median, and growthkit's ratio to the fastest."""
    who = f", {int(r['customers']):,} customers" if r.get("customers") else ""
    lines = [f"### {r['label']}: {r['rows']:,} rows{who}",
             f"load average (1/5/15 min) {_load_text(r['load_start'])} at the start, "
             f"{_load_text(r['load_end'])} at the end", "",
             "| side | median [min–max] | ÷ fastest | peak MB | checked vs growthkit |",
             "|---|---:|---:|---:|---:|"]
    fastest = r["sides"][r["fastest"]]["seconds"]
    for side, s in r["sides"].items():
        check = "reference" if side == "growthkit" else f"{r['checks'][side]:.1g}"
        lines.append(f"| {side} | {_harness.seconds_cell(s['seconds'])} | "
                     f"{_harness.median_ratio(s['seconds'], fastest):.2f} | "
                     f"{s['peak_mb']:,.0f} | {check} |")
    for side, why in r["refused"].items():
        lines.append(f"| {side} | refused: {why} | | | |")
    lines += ["", f"growthkit ÷ fastest ({r['fastest']}): **{r['growthkit_over_fastest']:.2f}×**"]
    late = sorted({m for s in r["sides"].values() for m in s["late_imports"]})
    if late:
        lines.append(f"(imported inside the timed part: {', '.join(late)})")
    return "\n".join(lines)


def cli_text(r: dict) -> str:
    """The CLI's wall times and the report's own step times."""
    lines = [f"### {r['label']}: {r['rows']:,} orders",
             f"load average (1/5/15 min) {_load_text(r['load_start'])} at the start, "
             f"{_load_text(r['load_end'])} at the end", "",
             "| command | wall, median [min–max] | outside the steps: start-up, kernel, imports, "
             "charts, export (median) | the report's steps (median s) |", "|---|---:|---:|---|"]
    for name, c in r["commands"].items():
        steps = "; ".join(f"{s} {v:.2f}" for s, v in c["steps"].items())
        lines.append(f"| {name} | {_harness.seconds_cell(c['seconds'])} | "
                     f"{c['outside_steps']:.1f} s | {steps} |")
    return "\n".join(lines)


def _versions() -> dict[str, str]:
    out = {}
    for key, dist in {"growthkit": "growthkit", "duckdb": "duckdb", "polars": "polars",
                      "pandas": "pandas", "numpy": "numpy", "ibis": "ibis-framework",
                      "pyarrow": "pyarrow"}.items():
        try:
            out[key] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[key] = "not installed"
    return out


def main(argv: list[str] | None = None) -> None:
    """Run the selected benchmarks, check, and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=[*BENCHES, CLI], default=[*BENCHES, CLI])
    parser.add_argument("--runs", type=int, default=5, help="runs per side (default 5)")
    parser.add_argument("--cli-runs", type=int, default=3, help="runs per CLI command")
    parser.add_argument("--small", action="store_true",
                        help="small sizes: checks every side quickly (figures are not the issue's)")
    parser.add_argument("--cohort-orders", type=int, help="orders of the cohort benchmark")
    parser.add_argument("--ibis-polars", action="store_true",
                        help="also growthkit's expressions on Ibis's Polars backend (RFM)")
    parser.add_argument("--task", nargs=3, metavar=("BENCH", "SIDE", "INPUT"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.task:
        task(*args.task, args.out)
        return
    if args.runs < 1 or args.cli_runs < 1:
        parser.error("--runs and --cli-runs take at least 1")
    sizes = dict(SMALL if args.small else FULL)
    if args.cohort_orders:
        sizes["cohort_orders"] = args.cohort_orders
    machine = _harness.machine(**_versions())
    started = time.perf_counter()
    results: list[dict] = []
    texts: list[str] = []
    try:
        for name in [n for n in [*BENCHES, CLI] if n in args.only]:
            if name == CLI:
                import _best_data

                path = _best_data.rfm_orders(sizes["clv_customers"])
                fixed = _best_data.rfm_orders(sizes["clv_fixed_customers"])
                _log(f"{name}: {path.name}, {args.cli_runs} runs per command")
                r = bench_cli(path, fixed, args.cli_runs)
                texts.append(cli_text(r))
            else:
                path = data_file(name, sizes)
                _warm(path)
                _log(f"{name}: {path.name}, {args.runs} runs per side "
                     f"({time.perf_counter() - started:.0f} s)")
                extra = (["growthkit_ibis_polars"] if args.ibis_polars
                         and name.startswith("rfm") else [])
                with tempfile.TemporaryDirectory(dir=DATA, prefix="best-") as tmp:
                    r = bench_sides(BENCHES[name], path, args.runs, Path(tmp), extra)
                texts.append(bench_text(r))
            results.append(r)
            print(texts[-1] + "\n", flush=True)
    except _harness.Mismatch as exc:
        raise SystemExit(f"BENCHMARK FAILED: the sides computed different results.\n{exc}"
                         ) from None
    except _harness.TaskFailed as exc:
        raise SystemExit(f"BENCHMARK FAILED: a run failed.\n{exc}") from None
    print(f"Measured {machine['date']} on {machine['cores']} cores, {machine['machine']} "
          f"{machine['system']}, Python {machine['python']}; growthkit {machine['growthkit']}, "
          f"DuckDB {machine['duckdb']}, Polars {machine['polars']}, pandas {machine['pandas']}, "
          f"NumPy {machine['numpy']}, Ibis {machine['ibis']}. Median of {args.runs} alternating "
          f"fresh-process runs per side ({args.cli_runs} per CLI command) [min–max], imports "
          "excluded (not from the CLI's wall time), file read included; every "
          f"side's result checked equal to growthkit's ({RTOL:g} relative on money, counts "
          "exact) before any time was kept." + (" SMALL SIZES: not the issue's figures."
                                                 if args.small else ""))
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / ("best_small.json" if args.small else "best.json")
    path.write_text(json.dumps({"machine": machine, "sizes": sizes, "runs": args.runs,
                                "results": results,
                                "wall_seconds": time.perf_counter() - started}, indent=2))
    _log(f"wrote {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()

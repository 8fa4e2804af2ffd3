"""Pareto/NBD fit at 200,000 customers, growthkit against lifetimes, and BLAS at 1 or 2 threads.

Customers come from the seeded BG/NBD world of ``growthkit.samples.simulate`` (the seed of
``run.py``); their RFM summary (weeks) is written to ``benchmarks/data/`` once. Every run is a
fresh process (``--task``) that imports first and times only the fit, reporting wall time and
its own CPU time (``time.process_time``, every thread of the process); the sides alternate
A B C A B C ..., and the figures are medians with min–max (``_harness``).

Comparison (``--customers``, default 200,000): growthkit's ``clv.fit(summary, "paretonbd")``
against lifetimes' ``ParetoNBDFitter().fit`` on every customer, and on the distinct
(frequency, recency, T) rows with their counts as weights, its fastest use. Checks, or the run
stops with ``Mismatch``:

- lifetimes stops at its default ``tol=1e-4`` (a gradient tolerance), so its estimates sit
  short of the maximum, the more so where the likelihood is flat (2e-5 relative at 200,000
  customers; 0.2 at 5,000); each timed lifetimes side must agree with growthkit to
  :data:`LIFETIMES_DEFAULT_RTOL`, and reach no higher a likelihood than growthkit's estimates
  (to :data:`LL_SLACK` per customer);
- once, untimed, lifetimes is run to ``tol=1e-8`` on the weighted rows: growthkit's estimates
  must equal those to :data:`PARAMS_RTOL` (1e-6), i.e. both compute the same maximum.

``--sides`` picks the sides (the three above by default). ``--before REV`` adds a side fitting
with ``growthkit/clv/paretonbd.py`` as it was at git revision REV (e.g. ``868c69e~1``, central
differences before the analytic gradient), loaded in the task process, the rest being the
current code.

Threads (``--thread-runs``, 0 to skip): growthkit's BG/NBD fit at ``--bgnbd-customers``
(default 1,000,000) and
Pareto/NBD fit at ``--customers``, each with ``GROWTHKIT_BLAS_THREADS`` = 1 and 2, alternating.

Usage: ``python benchmarks/paretonbd.py [--customers 200000] [--runs 5] [--thread-runs 5]
[--bgnbd-customers 1000000] [--before REV]``. Output: a Markdown table on stdout and
``benchmarks/results/paretonbd.json``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _harness  # noqa: E402

DATA = HERE / "data"
RESULTS = HERE / "results"
SEED = 20261122
BGNBD_CUSTOMERS = 1_000_000
#: growthkit against lifetimes run to tol=1e-8: the same maximum (issue "Scale" §1).
PARAMS_RTOL = 1e-6
#: growthkit against lifetimes at its default tol=1e-4, which stops that far from the maximum.
LIFETIMES_DEFAULT_RTOL = 1e-3
#: A side's estimates may not beat growthkit's log-likelihood by more than this per customer.
LL_SLACK = 1e-9
#: Every run of a side must repeat its first run's estimates: growthkit's exactly (one BLAS
#: thread), lifetimes' to its stopping tolerance (its sums run on every BLAS thread, in an order
#: that varies, and BFGS stopping at tol=1e-4 turns that into ~1e-5 in the estimates).
REPEAT_RTOL = {"growthkit": 1e-9, "before": 1e-9}
THREADS_ENV = "GROWTHKIT_BLAS_THREADS"

SIDES = {
    "growthkit": "growthkit `clv.fit(summary, \"paretonbd\")`",
    "lifetimes": "lifetimes `ParetoNBDFitter`, every customer",
    "lifetimes_weighted": "lifetimes `ParetoNBDFitter`, weighted distinct rows",
    "before": "growthkit at {rev} (central differences)",
}


# -- data --------------------------------------------------------------------------------------


def summary_file(n_customers: int) -> Path:
    """The RFM summary (weeks) of ``n_customers`` simulated customers, written once."""
    path = DATA / f"summary_{n_customers}_seed{SEED}_weeks.parquet"
    if path.exists():
        return path
    from growthkit import rfm_summary
    from growthkit.samples.simulate import simulate_btyd_orders

    _log(f"simulating {n_customers:,} customers -> {path.name}")
    orders = simulate_btyd_orders(n_customers, seed=SEED)
    summary = rfm_summary(orders, amount_col="amount", time_unit="weeks")
    DATA.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    summary[["frequency", "recency", "T"]].to_parquet(partial)
    partial.replace(path)
    return path


# -- one run, in a fresh process ---------------------------------------------------------------


def _before_model(rev: str):
    """ParetoNBDModel from ``growthkit/clv/paretonbd.py`` at git revision ``rev``."""
    import types

    source = subprocess.run(
        ["git", "show", f"{rev}:growthkit/clv/paretonbd.py"], cwd=HERE.parent,
        capture_output=True, text=True, check=True,
    ).stdout
    module = types.ModuleType("growthkit.clv._paretonbd_before")
    exec(compile(source, f"{rev}:growthkit/clv/paretonbd.py", "exec"), module.__dict__)
    return module.ParetoNBDModel


def task(model: str, side: str, path: str, rev: str | None, tol: float | None) -> None:
    import pandas as pd

    from growthkit import clv

    with warnings.catch_warnings():  # lifetimes sets a global warnings filter on import
        import lifetimes

    summary = pd.read_parquet(path)
    before = _before_model(rev) if side == "before" else None
    cpu = time.process_time()
    with _harness.timed() as t:
        if side in ("growthkit", "before"):
            fitted = before().fit(summary) if before else clv.fit(summary, model)
            params = fitted.params
        else:
            fitter = getattr(lifetimes, "ParetoNBDFitter" if model == "paretonbd"
                             else "BetaGeoFitter")()
            kwargs = {} if tol is None else {"tol": tol}
            if side == "lifetimes":
                fitter.fit(summary["frequency"], summary["recency"], summary["T"], **kwargs)
            else:
                rows = summary.groupby(["frequency", "recency", "T"]).size().reset_index()
                fitter.fit(rows["frequency"], rows["recency"], rows["T"], weights=rows[0],
                           **kwargs)
            params = fitter.params_.to_dict()
    t["cpu_seconds"] = time.process_time() - cpu
    _harness.task_report(**t, params={k: float(v) for k, v in params.items()})


def _command(model: str, side: str, path: Path, rev: str | None = None,
             tol: float | None = None) -> list[str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--task", model, side,
           "--input", str(path)]
    if rev is not None:
        cmd += ["--before", rev]
    if tol is not None:
        cmd += ["--tol", repr(tol)]
    return cmd


# -- checks ------------------------------------------------------------------------------------


def _loglik(path: Path, params: dict[str, float]) -> float:
    """growthkit's Pareto/NBD log-likelihood of the summary at ``params``, per customer."""
    import numpy as np
    import pandas as pd

    from growthkit.clv import ParetoNBDModel
    from growthkit.clv.rows import Rows

    summary = pd.read_parquet(path)
    rows = Rows.from_arrays(*(summary[c].to_numpy("float64") for c in ("frequency", "recency",
                                                                        "T")))
    values = np.array([params[k] for k in ParetoNBDModel.param_names])
    return ParetoNBDModel.loglik(values, rows)[0] / rows.customers


def _check(first: dict[str, dict], path: Path, checks: list[dict]) -> None:
    ours = first["growthkit"]["params"]
    ll_ours = _loglik(path, ours)
    for side, result in first.items():
        if side == "growthkit":
            continue
        rtol = PARAMS_RTOL if side in ("before", "reference") else LIFETIMES_DEFAULT_RTOL
        diff = _harness.check_values(f"Pareto/NBD parameters ({side})", ours, result["params"],
                                     rtol, sides=("growthkit", side))
        gain = _loglik(path, result["params"]) - ll_ours
        if gain > LL_SLACK:
            raise _harness.Mismatch(
                f"{side}'s estimates reach a log-likelihood {gain:.3g} per customer above "
                "growthkit's; expected growthkit at the maximum"
            )
        checks.append({"sides": ["growthkit", side], "max_relative_difference": diff,
                       "tolerance": rtol, "loglik_per_customer_above_growthkit": gain})
        _log(f"  check growthkit vs {side}: parameters within {diff:.2g} (tolerance {rtol:g}); "
             f"log-likelihood per customer {gain:+.2g} against growthkit's")


def _check_repeats(results: dict[str, list[dict]]) -> None:
    for side, runs in results.items():
        rtol = REPEAT_RTOL.get(side, LIFETIMES_DEFAULT_RTOL)
        for run in runs[1:]:
            _harness.check_values(f"{side}: a later run", run["params"], runs[0]["params"],
                                  rtol, sides=("later run", "first run"))


# -- main --------------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def compare(n: int, runs: int, rev: str | None, sides: list[str]) -> dict[str, Any]:
    path = summary_file(n)
    checks: list[dict] = []
    reference = {}
    if any(s.startswith("lifetimes") for s in sides):
        _log("reference: lifetimes, weighted rows, tol=1e-8 (untimed check)")
        reference = {"reference": _harness.run_task(
            _command("paretonbd", "lifetimes_weighted", path, tol=1e-8))}
    sides = ["growthkit", *(s for s in sides if s != "growthkit")]
    commands = {s: (lambda i, s=s: _command("paretonbd", s, path, rev)) for s in sides}

    def first_round(first: dict[str, dict]) -> None:
        _check({**first, **reference}, path, checks)

    results = _harness.alternate(
        commands, runs, after_first_round=first_round,
        log=lambda i, s, r: _log(f"  {s} run {i + 1}/{runs}: {r['seconds']:.2f} s "
                                 f"(CPU {r['cpu_seconds']:.2f} s)"),
    )
    _check_repeats(results)
    return {"customers": n, "reference_params": reference.get("reference", {}).get("params"),
            "checks": checks,
            "runs": results, "seconds": {s: _harness.spread([r["seconds"] for r in rs])
                                         for s, rs in results.items()},
            "cpu_seconds": {s: _harness.spread([r["cpu_seconds"] for r in rs])
                            for s, rs in results.items()}}


def threads(n_pareto: int, n_bgnbd: int, runs: int) -> list[dict[str, Any]]:
    out = []
    for model, n in (("bgnbd", n_bgnbd), ("paretonbd", n_pareto)):
        path = summary_file(n)
        envs = {"1": {THREADS_ENV: "1"}, "2": {THREADS_ENV: "2"}}
        results = _alternate_env(model, path, envs, runs)
        _check_repeats(results)
        out.append({"model": model, "customers": n,
                    "seconds": {k: _harness.spread([r["seconds"] for r in rs])
                                for k, rs in results.items()},
                    "cpu_seconds": {k: _harness.spread([r["cpu_seconds"] for r in rs])
                                    for k, rs in results.items()},
                    "runs": results})
    return out


def _alternate_env(model: str, path: Path, envs: dict[str, dict[str, str]], runs: int):
    """Alternate growthkit fits that differ only in the environment (the thread setting)."""
    results: dict[str, list[dict]] = {k: [] for k in envs}
    for i, key in _harness.alternation(list(envs), runs):
        result = _harness.run_task(_command(model, "growthkit", path), env=envs[key])
        results[key].append(result)
        _log(f"  {model}, {key} BLAS thread(s), run {i + 1}/{runs}: {result['seconds']:.2f} s "
             f"(CPU {result['cpu_seconds']:.2f} s)")
    return results


def text(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [f"Pareto/NBD benchmark, {m['date']}, {m['cores']} cores, Python {m['python']}, "
             f"1-minute load average at start {m['load_average_at_start']}"]
    warning = _harness.busy_warning(m["load_average_at_start"], m["cores"])
    if warning:
        lines.append(warning)
    c = report.get("comparison")
    if c:
        gk = c["seconds"]["growthkit"]
        lines += ["", f"Pareto/NBD fit, {c['customers']:,} customers (median [min–max] of "
                  f"{gk['runs']} fresh-process runs; CPU = the process's own CPU time)", "",
                  "| side | wall | CPU | growthkit faster by |", "|---|---:|---:|---:|"]
        for side, s in c["seconds"].items():
            label = SIDES[side].format(rev=report.get("before_rev"))
            ratio = _harness.median_ratio(s, gk)
            lines.append(f"| {label} | {_harness.seconds_cell(s)} | "
                         f"{_harness.seconds_cell(c['cpu_seconds'][side])} | {ratio:.1f}× |")
        lines.append("")
        for check in c["checks"]:
            lines.append(f"- growthkit vs {check['sides'][1]}: parameters within "
                         f"{check['max_relative_difference']:.2g} (tolerance "
                         f"{check['tolerance']:g}); log-likelihood per customer "
                         f"{check['loglik_per_customer_above_growthkit']:+.2g} against "
                         "growthkit's")
    for t in report.get("threads", []):
        lines += ["", f"{t['model']} fit, {t['customers']:,} customers, by BLAS threads "
                  "(`GROWTHKIT_BLAS_THREADS`)", "", "| threads | wall | CPU |", "|---|---:|---:|"]
        for k, s in t["seconds"].items():
            lines.append(f"| {k} | {_harness.seconds_cell(s)} | "
                         f"{_harness.seconds_cell(t['cpu_seconds'][k])} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--thread-runs", type=int, default=5)
    parser.add_argument("--bgnbd-customers", type=int, default=BGNBD_CUSTOMERS)
    parser.add_argument("--before", metavar="REV")
    parser.add_argument("--sides", nargs="+", choices=list(SIDES),
                        default=["growthkit", "lifetimes", "lifetimes_weighted"],
                        help="sides of the comparison (\"before\" needs --before)")
    parser.add_argument("--task", nargs=2, metavar=("MODEL", "SIDE"))
    parser.add_argument("--input")
    parser.add_argument("--tol", type=float)
    args = parser.parse_args(argv)
    if args.task:
        task(*args.task, args.input, args.before, args.tol)
        return
    report: dict[str, Any] = {
        "machine": _harness.machine(growthkit=importlib.metadata.version("growthkit"),
                                    lifetimes=importlib.metadata.version("lifetimes")),
        "before_rev": args.before,
    }
    if args.runs:
        sides = [*args.sides, *(["before"] if args.before and "before" not in args.sides
                                else [])]
        report["comparison"] = compare(args.customers, args.runs, args.before, sides)
    if args.thread_runs:
        report["threads"] = threads(args.customers, args.bgnbd_customers, args.thread_runs)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "paretonbd.json").write_text(json.dumps(report, indent=1) + "\n")
    print(text(report))


if __name__ == "__main__":
    main()

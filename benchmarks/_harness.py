"""What every benchmark script shares: alternating fresh-process runs, medians, equality checks.

The project's benchmark standard (issue "Scale" §1, STYLE.md's anti-patterns):

- every run is a fresh Python process that imports first and then times only the work, so no
  side is warm and the other cold (:func:`run_task`; the task prints :func:`task_report`);
- the sides alternate, A B A B ... (:func:`alternation`), so a machine that gets busier or
  quieter during the benchmark moves both sides alike;
- the figure is the median over the runs, with the min–max beside it (:func:`spread`), never
  the best run;
- both sides must have computed the same thing, to a stated relative tolerance, or the
  benchmark stops with :class:`Mismatch` (:func:`check_values`, :func:`check_frames`).

Standard library only at import, so ``benchmarks/*.py`` scripts and the tests can import it
cheaply: ``sys.path`` holds the script's folder, so ``import _harness`` works from any of them.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = [
    "BUSY_LOAD",
    "Mismatch",
    "TaskFailed",
    "alternate",
    "alternation",
    "busy_warning",
    "check_frames",
    "check_values",
    "load_average",
    "machine",
    "median_ratio",
    "peak_mb",
    "relative_difference",
    "run_task",
    "seconds_cell",
    "spread",
    "task_report",
    "timed",
]


class Mismatch(AssertionError):
    """Two sides of a comparison did not compute the same thing: the benchmark is void."""


class TaskFailed(RuntimeError):
    """A benchmark process exited with an error or printed no result."""


# -- statistics ------------------------------------------------------------------------------


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median, min and max of the runs (``runs`` = how many)."""
    if not values:
        raise ValueError("spread() needs at least one value; found none")
    return {
        "median": float(statistics.median(values)),
        "min": float(min(values)),
        "max": float(max(values)),
        "runs": len(values),
    }


def alternation(names: Sequence[str], runs: int) -> list[tuple[int, str]]:
    """The order of the runs: round by round, every side once per round (A B A B ...).

    Returns ``(round, name)`` pairs, ``runs`` rounds of ``names`` in the order given.
    """
    if runs < 1:
        raise ValueError(f"runs={runs}; expected at least 1 run per side")
    if len(set(names)) != len(names) or not names:
        raise ValueError(f"names={list(names)!r}; expected distinct side names")
    return [(i, name) for i in range(runs) for name in names]


# -- relative equality -----------------------------------------------------------------------


def relative_difference(a: float, b: float) -> float:
    """|a - b| / max(|a|, |b|): 0 when both are 0, inf when one is NaN and the other is not."""
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return 0.0 if math.isnan(a) and math.isnan(b) else math.inf
    if a == b:  # includes equal infinities and both zero
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


def check_values(
    what: str,
    got: Mapping[str, float],
    expected: Mapping[str, float],
    rtol: float,
    *,
    sides: tuple[str, str] = ("growthkit", "comparator"),
) -> float:
    """Check named numbers (parameters, totals) agree to ``rtol``; return the largest relative
    difference. Raise :class:`Mismatch` naming the worst one otherwise, or if the names differ.
    """
    if set(got) != set(expected):
        raise Mismatch(
            f"{what}: {sides[0]} gave {sorted(got)} but {sides[1]} gave {sorted(expected)}; "
            "expected the same quantities"
        )
    if not got:
        return 0.0
    diffs = {k: relative_difference(got[k], expected[k]) for k in got}
    worst = max(diffs, key=diffs.get)
    if not diffs[worst] <= rtol:
        raise Mismatch(
            f"{what}: {worst} = {got[worst]!r} ({sides[0]}) vs {expected[worst]!r} "
            f"({sides[1]}), relative difference {diffs[worst]:.3g} > {rtol:g}"
        )
    return diffs[worst]


def check_frames(
    what: str,
    got: Any,
    expected: Any,
    rtol: float,
    *,
    sides: tuple[str, str] = ("growthkit", "comparator"),
) -> float:
    """Check two per-customer DataFrames agree: the same index (customers), the same columns,
    every value to ``rtol`` relative. Row order does not matter. Return the largest relative
    difference; raise :class:`Mismatch` naming the worst customer and column otherwise.
    """
    import numpy as np

    if got.index.has_duplicates or expected.index.has_duplicates:
        raise Mismatch(f"{what}: a side has a customer twice; expected one row per customer")
    if set(got.columns) != set(expected.columns):
        raise Mismatch(
            f"{what}: {sides[0]} has columns {sorted(got.columns)}, {sides[1]} has "
            f"{sorted(expected.columns)}; expected the same"
        )
    only_got = got.index.difference(expected.index)
    only_expected = expected.index.difference(got.index)
    if len(only_got) or len(only_expected):
        raise Mismatch(
            f"{what}: {len(only_got):,} customer(s) only in {sides[0]} "
            f"(e.g. {list(only_got[:3])}), {len(only_expected):,} only in {sides[1]} "
            f"(e.g. {list(only_expected[:3])}); expected the same customers"
        )
    expected = expected.loc[got.index]
    worst_diff, worst_where = 0.0, None
    for col in got.columns:
        a = got[col].to_numpy(dtype="float64")
        b = expected[col].to_numpy(dtype="float64")
        with np.errstate(invalid="ignore", divide="ignore"):
            diff = np.abs(a - b) / np.maximum(np.abs(a), np.abs(b))
        diff[a == b] = 0.0  # both zero, or equal infinities
        diff[np.isnan(a) != np.isnan(b)] = np.inf
        diff[np.isnan(a) & np.isnan(b)] = 0.0
        if diff.size and diff.max() > worst_diff:
            i = int(diff.argmax())
            customer = got.index[i]
            customer = customer.item() if isinstance(customer, np.generic) else customer
            worst_diff, worst_where = float(diff[i]), (col, customer, float(a[i]), float(b[i]))
    if not worst_diff <= rtol:
        col, customer, a_i, b_i = worst_where
        raise Mismatch(
            f"{what}: {col} of customer {customer!r} is {a_i!r} ({sides[0]}) vs {b_i!r} "
            f"({sides[1]}), relative difference {worst_diff:.3g} > {rtol:g}"
        )
    return worst_diff


# -- fresh processes ---------------------------------------------------------------------------


def run_task(argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run one benchmark process and return the JSON object on the last line of its stdout."""
    done = subprocess.run(
        list(argv), capture_output=True, text=True, check=False,
        env=None if env is None else {**os.environ, **env},
    )
    if done.returncode:
        raise TaskFailed(
            f"{' '.join(argv)} exited with {done.returncode}:\n{done.stderr[-3000:]}"
        )
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise TaskFailed(f"{' '.join(argv)} printed no result:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def alternate(
    commands: Mapping[str, Callable[[int], Sequence[str]]],
    runs: int,
    *,
    after_first_round: Callable[[dict[str, dict[str, Any]]], None] | None = None,
    log: Callable[[int, str, dict[str, Any]], None] | None = None,
    runner: Callable[[Sequence[str]], dict[str, Any]] = run_task,
) -> dict[str, list[dict[str, Any]]]:
    """Run every side ``runs`` times in alternation, each run a fresh process.

    Parameters
    ----------
    commands : mapping of side name to ``round -> argv``
        The command line of each side's run in a given round (round 0 may, e.g., ask for the
        full output to compare).
    runs : int
        Runs per side.
    after_first_round : callable, optional
        Called with each side's round-0 result as soon as round 0 is complete, e.g. to check
        both sides computed the same thing before spending time on the other rounds.
    log : callable, optional
        Called as ``log(round, side, result)`` after each run.
    runner : callable
        Runs one command line; :func:`run_task` (a fresh process) unless testing.

    Returns
    -------
    dict
        Each side's results, in run order.
    """
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in commands}
    names = list(commands)
    for i, name in alternation(names, runs):
        result = runner(commands[name](i))
        results[name].append(result)
        if log is not None:
            log(i, name, result)
        if i == 0 and name == names[-1] and after_first_round is not None:
            after_first_round({n: results[n][0] for n in names})
    return results


# -- inside a task process ---------------------------------------------------------------------


def peak_mb() -> float:
    """This process's peak resident memory so far, in MB (ru_maxrss)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes there, KiB here


@contextmanager
def timed() -> Iterator[dict[str, Any]]:
    """Time a block; on exit the dict holds ``seconds``, ``peak_mb`` (measured before any output
    is written) and ``late_imports``: modules first imported inside the block, which should be
    empty (import them before the block so imports stay out of the timing)."""
    before = set(sys.modules)
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    yield out
    out["seconds"] = time.perf_counter() - t0
    out["peak_mb"] = peak_mb()
    out["late_imports"] = sorted(set(sys.modules) - before)


def task_report(**fields: Any) -> None:
    """Print a task's result as the one JSON line :func:`run_task` reads."""
    print(json.dumps(fields), flush=True)


# -- reporting ---------------------------------------------------------------------------------


def load_average() -> float | None:
    """The 1-minute load average (None where the system has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


#: A 1-minute load average above this when a benchmark starts means other work is running.
BUSY_LOAD = 0.75


def busy_warning(load: float | None, cores: int | None) -> str | None:
    """A sentence for the report when the machine was not idle at the start, else None."""
    if load is None or load <= BUSY_LOAD:
        return None
    return (
        f"Warning: the 1-minute load average was {load:.2f} on {cores} cores when the "
        "benchmark started, so other work was running and shared the cores; rerun on an idle "
        "machine before quoting these figures."
    )


def machine(**versions: str) -> dict[str, Any]:
    """Date, cores (``os.cpu_count()``), platform, Python and the load average at the start,
    plus the versions given."""
    return {
        "date": _dt.date.today().isoformat(),
        "cores": os.cpu_count(),
        "load_average_at_start": load_average(),
        "machine": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        **versions,
    }


def seconds_cell(s: Mapping[str, float]) -> str:
    """``median s [min–max]`` from :func:`spread`."""
    digits = 3 if s["max"] < 0.1 else 2
    return f"{s['median']:.{digits}f} s [{s['min']:.{digits}f}–{s['max']:.{digits}f}]"


def median_ratio(numerator: Mapping[str, float], denominator: Mapping[str, float]) -> float:
    """Ratio of two medians from :func:`spread`."""
    return numerator["median"] / denominator["median"]

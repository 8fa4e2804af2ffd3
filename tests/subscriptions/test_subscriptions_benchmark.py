"""The MRR benchmark's three sides compute the same movements (no timing asserted).

``benchmarks/subscriptions.py`` compares growthkit with a pandas pivot and a hand-written DuckDB
query; here each side runs in this process on a small simulated file and the tables must agree,
so a wrong comparator cannot make a benchmark figure.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str, file: str):
    """A benchmarks/ script by file, under a name of its own (the folder is not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))  # the script imports _harness from its folder
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_the_three_sides_agree_on_simulated_charges(tmp_path):
    bench = _load("benchmark_subscriptions", "subscriptions.py")
    path = bench.charges_file(3000, seed=7, folder=tmp_path)
    tables = {}
    for tool, run in (("growthkit", bench._growthkit), ("pandas", bench._pandas),
                      ("sql", bench._sql)):
        out, timing = run(str(path))
        assert timing["seconds"] >= 0
        rows = out[["month", *bench.MOVES, *bench.COUNTS]].astype(
            {c: "int64" for c in bench.COUNTS})
        tables[tool] = rows.to_dict("list")
    assert bench._check(tables) < 1e-9
    movements = pd.DataFrame(tables["growthkit"])
    assert len(movements) == bench.MONTHS - 1  # the last month is complete; the first has none
    for col in ("new", "reactivation", "expansion", "contraction", "churn"):
        assert movements[col].sum() > 0, col  # every kind of movement is exercised

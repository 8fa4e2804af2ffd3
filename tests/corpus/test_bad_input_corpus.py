"""The bad-input corpus: one row per case in ``bad_inputs.csv``, so a new case is one line.

Each row names a target (``load``: :func:`growthkit.data.load`; ``orders``:
:func:`growthkit.validate_orders`; ``rfm``:
:func:`growthkit.rfm_summary`; ``clv``/``abtest``: the report's ``analyze``; ``cli``: the
``growthkit`` command before any kernel starts), a base dataset and a mutation, keyword
arguments, and the expected class of outcome:

- ``error``: a :class:`growthkit.errors.GrowthkitError` (``cli``: exit 2) whose one-line
  message contains ``words``;
- ``type``: a ``TypeError`` containing ``words``;
- ``warning``: it runs, and ``words`` is in what it reports (data quality or notes), as a
  reader sees it (bidi isolates around data-derived values left out);
- ``ok``: it runs.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import growthkit as gk
from growthkit.errors import GrowthkitError
from growthkit.i18n import strip_isolates

CORPUS = Path(__file__).with_name("bad_inputs.csv")
CASES = list(csv.DictReader(CORPUS.open(encoding="utf-8")))
OUTCOMES = ("error", "type", "warning", "ok")


def _orders() -> pd.DataFrame:
    """Orders of 400 customers from a known BG/NBD + Gamma-Gamma world (seeded), as text dates."""
    from growthkit.samples.simulate import simulate_btyd_orders

    orders = simulate_btyd_orders(400, seed=20261123)
    return orders.assign(date=orders["date"].dt.strftime("%Y-%m-%d %H:%M:%S"))


def _users() -> pd.DataFrame:
    """2,000 users in two arms, seeded: conversion, revenue, sessions and a pre-period."""
    rng = np.random.default_rng(20261124)
    n = 2000
    variant = np.where(rng.random(n) < 0.5, "control", "treatment")
    converted = (rng.random(n) < np.where(variant == "control", 0.10, 0.12)).astype(int)
    return pd.DataFrame({
        "variant": variant,
        "converted": converted,
        "revenue": np.round(converted * rng.gamma(2.0, 30.0, n), 2),
        "sessions": rng.integers(1, 8, n),
        "pre_revenue": np.round(rng.gamma(1.0, 10.0, n), 2),
    })


def _pairs() -> pd.DataFrame:
    """Two users per arm, the fewest a test runs on, with revenue 3.5 standard deviations apart
    (the observed lift needs fewer than two users per arm: no size can be given)."""
    return pd.DataFrame({"variant": ["control", "control", "treatment", "treatment"],
                         "revenue": [1.0, 2.0, 3.0, 5.0], "converted": [0, 1, 1, 1]})


def _timed() -> pd.DataFrame:
    """:func:`_users` with assignment times over two weeks, and the end of each user's
    pre-period: the day before assignment, but three days after it for the first 37 users."""
    frame = _users()
    days = pd.to_timedelta(np.arange(len(frame)) % 14, unit="D")
    frame["assigned_at"] = pd.Timestamp("2026-03-01") + days
    after = np.where(np.arange(len(frame)) < 37, 3, -1)
    frame["pre_revenue_until"] = frame["assigned_at"] + pd.to_timedelta(after, unit="D")
    return frame


#: Files of several CSV files: kind -> file name -> text; the source is their glob.
GLOBS = {
    "glob-columns": {"a.csv": "customer_id,date,amount\n1,2024-01-05,5\n",
                     "b.csv": "customer_id,day,amount\n2,2024-01-06,3\n"},
    "glob-ambiguous": {"a.csv": "customer_id,date,amount\n1,01/13/2024,5\n2,02/14/2024,3\n",
                       "b.csv": "customer_id,date,amount\n3,01/06/2024,5\n4,02/07/2024,3\n"},
}
#: One CSV file's text by kind.
TEXTS = {
    "truncated": "customer_id,date,amount\n1,2024-01-05,5\n2,2024-01-06,3\n3,2024-01-0",
    "unbalanced-quote": (
        '"customer_id","date","amount"\n"1","2024-01-05","5"\n"2","2024-01-06,"3"\n'
        '"3","2024-01-07","4"\n'
    ),
    "repeated-header": "customer_id,date,amount,amount\n1,2024-01-05,5,7\n2,2024-01-06,3,1\n",
}


def _file(kind: str, tmp_path: Path) -> str:
    path = tmp_path / {"xlsx": "orders.xlsx"}.get(kind, "orders.csv")
    if kind in GLOBS:
        for name, text in GLOBS[kind].items():
            (tmp_path / name).write_text(text, encoding="utf-8")
        return str(tmp_path / "*.csv")
    if kind in TEXTS:
        path.write_text(TEXTS[kind], encoding="utf-8")
    elif kind == "folder":
        path.mkdir()
    elif kind == "symlink-loop":
        path.symlink_to(path.name)
    elif kind == "fifo":
        os.mkfifo(path)  # no writer: opening it for reading would wait forever
    elif kind == "latin1":
        path.write_bytes("customer_id,date,amount\n1,2024-01-05,5\n2,M\xfcnchen,3\n".encode("latin-1"))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "header":
        path.write_text("customer_id,date,amount\n")
    elif kind == "xlsx":
        path.write_bytes(b"PK")
    return str(path)


def _url(kind: str, tmp_path: Path) -> str:
    import duckdb

    path = tmp_path / "shop.duckdb"
    if kind == "duckdb-missing":
        return f"duckdb://user:S3cretPW@{tmp_path}/missing.duckdb?table=orders"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE orders AS SELECT 1 AS customer_id")
    return f"duckdb://{path}?table=nope"


def _source(case: dict[str, str], tmp_path: Path) -> Any:
    base = case["base"]
    if base.startswith("file:"):
        return _file(base.removeprefix("file:"), tmp_path)
    if base.startswith("url:"):
        return _url(base.removeprefix("url:"), tmp_path)
    if base.startswith("sample:"):
        return base
    if base == "int":
        return 42
    frame = {"orders": _orders, "users": _users, "pairs": _pairs,
             "timed": _timed}[base]()
    return _mutate(frame, case["mutation"], json.loads(case["args"]))


def _mutate(frame: pd.DataFrame, mutation: str, args: dict[str, Any]) -> pd.DataFrame:
    if mutation == "none":
        return frame
    if mutation == "rename":
        return frame.rename(columns=args)
    if mutation == "repeat_column":  # a second column of the same name
        return pd.concat([frame, frame[[args["col"]]]], axis=1)
    if mutation == "duplicate":
        return pd.concat([frame, frame.iloc[:25]], ignore_index=True)
    if mutation == "set":
        col, value = args["col"], args["value"]
        if args["rows"] == "index":  # every row a customer of its own
            frame[col] = range(len(frame))
            return frame
        if args["rows"] == "all":
            frame[col] = [value] * len(frame)
            return frame
        if isinstance(value, str) and frame[col].dtype != object:
            frame[col] = frame[col].astype(str)  # as a CSV with text in the column reads
        frame[col] = frame[col].astype(object)
        for row in args["rows"]:
            frame.iloc[row, frame.columns.get_loc(col)] = value
        if frame[col].map(type).nunique() == 1 or value is None:
            frame[col] = frame[col].infer_objects()
        return frame
    raise AssertionError(f"unknown mutation {mutation!r}")


def _run(case: dict[str, str], tmp_path: Path) -> str:
    """Run the case's target; return the text it reports (warnings, notes) on success."""
    kwargs = json.loads(case["kwargs"])
    target = case["target"]
    if target == "cli":
        return _cli(json.loads(case["args"]))
    source = _source(case, tmp_path)
    if target == "orders":
        found = gk.validate_orders(source, **{"amount_col": "amount", **kwargs})
        return " ".join(found.quality.warnings())
    if target == "load":
        gk.data.load(source, **kwargs)
        return ""
    if target == "rfm":
        gk.rfm_summary(source, **{"amount_col": "amount", **kwargs})
        return ""
    if target == "clv":
        result = gk.clv.analyze(source, **{"n_draws": 20, "segments_csv": None, **kwargs})
        result.metrics()
        return " ".join([*result.data_quality.warnings(), *map(str, result.notes)])
    if target == "abtest":
        result = gk.abtest.analyze(source, **kwargs)
        result.metrics()  # JSON-ready, whatever the data
        return " ".join([*map(str, result.notes), result.power_markdown()])
    raise AssertionError(f"unknown target {target!r}")


def _cli(argv: list[str]) -> str:
    from growthkit.report.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as caught:
        main(argv)
    if caught.value.code == 2:
        raise GrowthkitError(err.getvalue().strip().splitlines()[-1])
    raise AssertionError(f"exit {caught.value.code}: {err.getvalue()}")


def test_corpus_is_well_formed():
    assert len(CASES) >= 30
    assert len({c["case"] for c in CASES}) == len(CASES)
    assert {c["outcome"] for c in CASES} <= set(OUTCOMES)
    for case in CASES:
        assert case["outcome"] == "ok" or case["words"], case["case"]


def test_corpus_counts_by_outcome():
    # The closing note quotes these; every class is represented.
    counts = Counter(c["outcome"] for c in CASES)
    assert all(counts[o] for o in OUTCOMES), counts


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_case(case, tmp_path):
    outcome, words = case["outcome"], case["words"]
    if outcome == "error":
        with pytest.raises(GrowthkitError) as caught:
            _run(case, tmp_path)
        message = str(caught.value)
        assert words in message
        assert "\n" not in message and len(message) < 400
        assert "S3cretPW" not in message
    elif outcome == "type":
        with pytest.raises(TypeError, match=words):
            _run(case, tmp_path)
    else:
        reported = _run(case, tmp_path)
        assert words in strip_isolates(reported)

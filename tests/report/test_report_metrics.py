"""record(): what a notebook's last cell displays for the runner to collect."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from nbformat import from_dict

from growthkit.errors import GrowthkitError
from growthkit.report import metrics as metrics_module
from growthkit.report import record
from growthkit.report.metrics import METRICS_MIME, METRICS_TAG, metrics_from_notebook


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[tuple[dict, dict]]:
    """Capture what record() hands to IPython's display instead of printing it."""
    calls: list[tuple[dict, dict]] = []

    def display(bundle: dict, *, raw: bool, metadata: dict) -> None:
        assert raw
        calls.append((bundle, metadata))

    monkeypatch.setattr(metrics_module, "display", display)
    return calls


def test_record_converts_numpy_nan_and_dates_to_plain_json(shown: list) -> None:
    record(
        {
            "customers": np.int64(2357),
            "share": np.float32(0.5),
            "alive": np.bool_(True),
            "interval": np.array([1.5, np.nan]),
            "tail": [np.inf, -np.inf, float("nan")],
            "first_date": date(1997, 1, 1),
            "last_seen": pd.NaT,
            "model": {"name": "bgnbd", "params": {"r": np.float64(0.242593)}},
        }
    )
    ((bundle, metadata),) = shown
    expected = {
        "customers": 2357,
        "share": 0.5,
        "alive": True,
        "interval": [1.5, None],
        "tail": [None, None, None],
        "first_date": "1997-01-01",
        "last_seen": None,
        "model": {"name": "bgnbd", "params": {"r": 0.242593}},
    }
    assert bundle[METRICS_MIME] == expected
    assert type(bundle[METRICS_MIME]["customers"]) is int
    assert json.loads(bundle["text/plain"]) == expected
    assert metadata == {"tags": [METRICS_TAG]}
    json.dumps(bundle[METRICS_MIME], allow_nan=False)


@pytest.mark.parametrize(
    ("metrics", "message"),
    [
        ({"table": pd.DataFrame({"a": [1]})}, r"metrics\['table'\] is a DataFrame"),
        ({"clv": {"total": object()}}, r"metrics\['clv'\]\['total'\] is a object"),
        ({"xs": [1, {2}]}, r"metrics\['xs'\]\[1\] is a set"),
        ({"by_segment": {1: 2.0}}, r"metrics\['by_segment'\] has key 1 of type int"),
    ],
)
def test_record_names_the_key_that_cannot_be_json(
    shown: list, metrics: dict[str, Any], message: str
) -> None:
    with pytest.raises(GrowthkitError, match=f"^record: {message}"):
        record(metrics)
    assert shown == []


def test_metrics_from_notebook_merges_recorded_outputs_in_order() -> None:
    def shown_output(metrics: dict) -> dict:
        return {"output_type": "display_data", "data": {METRICS_MIME: metrics}, "metadata": {}}

    nb = {
        "cells": [
            {"cell_type": "code", "outputs": [shown_output({"a": 1, "b": 1})]},
            {"cell_type": "markdown"},
            {"cell_type": "code", "outputs": [{"output_type": "stream", "text": "x"}]},
            {"cell_type": "code", "outputs": [shown_output({"b": 2})]},
        ]
    }
    assert metrics_from_notebook(from_dict(nb)) == {"a": 1, "b": 2}

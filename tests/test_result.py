"""growthkit.result: the base every report's result derives from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from html_safety import live_markup

from growthkit.formatting import escape
from growthkit.result import ReportAnalysis, records


@dataclass(frozen=True, repr=False)
class _Toy(ReportAnalysis):
    name: str

    def summary(self) -> str:
        return f"**Outlook.** {escape(self.name)} is fine.\n\nSecond paragraph."

    def metrics(self) -> dict:
        return {"name": self.name}

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"Arms": pd.DataFrame({"arm": [self.name]}), "Skipped": None}


def test_repr_html_shows_the_summary_and_tables_escaped():
    page = _Toy("<script>alert(1)</script>")._repr_html_()
    assert "<strong>Outlook.</strong>" in page
    assert "<h4>Arms</h4>" in page and "Skipped" not in page
    assert live_markup(page) == []
    assert page.count("&lt;script&gt;") == 2  # in the summary and in the table


def test_repr_is_the_first_paragraph():
    assert repr(_Toy("x")) == "<_Toy: **Outlook.** x is fine.>"


def test_records_are_json_ready():
    frame = pd.DataFrame({"a": [1, 2], "b": [np.nan, np.inf], "c": ["x", None]})
    rows = records(frame)
    assert rows == [{"a": 1, "b": None, "c": "x"}, {"a": 2, "b": None, "c": None}]
    assert type(rows[0]["a"]) is int
    assert records(None) is None

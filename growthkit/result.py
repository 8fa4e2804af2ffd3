"""The shape every report's result takes: ``growthkit.NAME.analyze(...) -> NAMEAnalysis``.

A result is a frozen dataclass holding the report's tables and figure-ready data. It derives
from :class:`ReportAnalysis`, which fixes the three things every report offers:

- :meth:`~ReportAnalysis.summary`: the plain-language paragraph at the top of the report
  (Markdown, every data-derived value escaped with :func:`growthkit.formatting.escape`);
- :meth:`~ReportAnalysis.metrics`: the JSON the report records (a contract: keys are added to,
  never renamed);
- :meth:`~ReportAnalysis.tables`: the key tables, formatted for reading.

Evaluated in a JupyterLab cell, a result renders as the report would open: the summary and the
key tables (``_repr_html_``). See "Adding a report" in ``docs/ARCHITECTURE.md``.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SUMMARY_FORMATS", "ReportAnalysis", "records", "summary_in"]

#: The forms a summary comes in: the report's Markdown, or plain text for a chat or dashboard.
SUMMARY_FORMATS = ("markdown", "text")


class ReportAnalysis:
    """Base of every report's result object (see the module docstring)."""

    def summary(self, format: str = "markdown") -> str:
        """The plain-language summary, as Markdown or (``format="text"``) plain text."""
        raise NotImplementedError

    def metrics(self) -> dict[str, Any]:
        """The report's JSON metrics."""
        raise NotImplementedError

    def tables(self) -> dict[str, pd.DataFrame]:
        """The key tables, title -> formatted table, in reading order."""
        return {}

    def exports(self) -> dict[str, pd.DataFrame]:
        """The files the report exports, file name -> table (none by default).

        ``analyze`` never writes a file: the report layer writes these
        (``growthkit.report.export``) and publishes them with the HTML and JSON.
        """
        return {}

    def _repr_html_(self) -> str:
        import mistune  # nbconvert's Markdown renderer; only needed in a notebook

        parts = [f"<div class=\"growthkit-result\">{mistune.html(self.summary())}"]
        for title, table in self.tables().items():
            if table is None:
                continue
            parts.append(f"<h4>{html.escape(title)}</h4>{table.to_html(escape=True)}")
        parts.append("</div>")
        return "\n".join(parts)

    def __repr__(self) -> str:
        first = self.summary().split("\n\n", 1)[0]
        return f"<{type(self).__name__}: {first}>"


def summary_in(markdown: str, format: str, rtl: bool = False) -> str:
    """A report's Markdown summary in ``format``: as it is, or as plain text.

    Parameters
    ----------
    markdown : str
        The summary as the report shows it.
    format : {"markdown", "text"}
        ``"text"``: no Markdown escapes, emphasis or code marks (:func:`growthkit.plain_text`).
    rtl : bool, default False
        The report's language is right to left: plain text keeps its bidi isolates.

    Raises
    ------
    GrowthkitError
        Another ``format``.
    """
    if format == "markdown":
        return markdown
    if format == "text":
        from growthkit.plain_text import plain_text

        return plain_text(markdown, isolates=rtl)
    from growthkit.errors import GrowthkitError

    raise GrowthkitError(
        f"format={format!r} is not valid; expected one of {', '.join(map(repr, SUMMARY_FORMATS))}"
    )


def records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    """A table's rows as plain-Python dicts for JSON, NaN and infinities as None (null).

    Parameters
    ----------
    frame : pandas.DataFrame or None

    Returns
    -------
    list of dict, or None when ``frame`` is None
    """
    if frame is None:
        return None
    clean = frame.astype(object).where(frame.notna() & ~frame.isin([np.inf, -np.inf]), None)
    return [
        {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        for row in clean.to_dict("records")
    ]

"""Reports: run a notebook with papermill into offline HTML, JSON and a landing page.

``record`` is called inside a report notebook. The runner (``run_report``, ``list_reports``,
``write_index`` and the ``growthkit`` command) runs notebooks from outside; it is imported on
first use, so a notebook's kernel does not pay for papermill and nbconvert to call ``record``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from growthkit.report.metrics import record

if TYPE_CHECKING:
    from growthkit.report.exports import export
    from growthkit.report.index import write_index
    from growthkit.report.runner import (
        ReportError,
        ReportInterrupted,
        RunResult,
        list_reports,
        run_report,
        typed_parameters,
    )

__all__ = [
    "ReportError",
    "ReportInterrupted",
    "RunResult",
    "export",
    "list_reports",
    "record",
    "run_report",
    "typed_parameters",
    "write_index",
]

_RUNNER = {
    "export": "exports",
    "ReportError": "runner",
    "ReportInterrupted": "runner",
    "RunResult": "runner",
    "list_reports": "runner",
    "run_report": "runner",
    "typed_parameters": "runner",
    "write_index": "index",
}


def __getattr__(name: str) -> Any:
    """Import the runner's names on first use (PEP 562)."""
    if name not in _RUNNER:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"growthkit.report.{_RUNNER[name]}"), name)

"""Recording a report's key numbers from inside its notebook, and reading them back.

A notebook's last cell calls :func:`record`. The metrics travel as a display output with a
growthkit MIME type: the runner finds them in the executed notebook, while the HTML export drops
the output by its tag, so the numbers never show twice.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbformat import NotebookNode

from growthkit.errors import GrowthkitError
from growthkit.formatting import package_versions  # re-exported: its old home

__all__ = ["METRICS_MIME", "METRICS_TAG", "metrics_from_notebook", "package_versions", "record",
           "to_json"]

METRICS_MIME = "application/vnd.growthkit.metrics+json"
METRICS_TAG = "growthkit-metrics"


def record(metrics: Mapping[str, Any]) -> None:
    """Record a report's key numbers for the JSON file the runner writes beside the HTML.

    Call it in the notebook's last cell. numpy scalars and arrays become plain numbers and lists,
    dates become ISO strings, and NaN or infinity become ``null``. In JupyterLab the recorded
    numbers show as indented JSON; the HTML report leaves them out. When called more than once,
    later keys update earlier ones.

    Parameters
    ----------
    metrics : mapping of str to JSON-like values
        Numbers, strings, booleans, None, dates, lists and nested mappings with string keys. A
        ``"headline"`` mapping of label to formatted value (``{"Total CLV": "USD 1.2M"}``) is
        what the landing page shows next to the report's link.

    Raises
    ------
    GrowthkitError
        When a value cannot be written as JSON; the message names the key that holds it.
    """
    clean = to_json(metrics, "metrics")
    display(
        {METRICS_MIME: clean, "text/plain": json.dumps(clean, indent=2, ensure_ascii=False)},
        raw=True,
        metadata={"tags": [METRICS_TAG]},
    )


def display(*objs: Any, **kwargs: Any) -> None:
    """IPython's ``display``, imported on first use: the runner reads metrics without IPython."""
    from IPython.display import display as ipython_display

    ipython_display(*objs, **kwargs)


def metrics_from_notebook(nb: NotebookNode) -> dict[str, Any]:
    """Collect what :func:`record` displayed in an executed notebook, in cell order.

    Parameters
    ----------
    nb : NotebookNode
        The notebook papermill executed.

    Returns
    -------
    dict
        The recorded metrics, empty when the notebook recorded none.
    """
    metrics: dict[str, Any] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if METRICS_MIME in output.get("data", {}):
                metrics.update(output["data"][METRICS_MIME])
    return metrics


def to_json(value: Any, where: str) -> Any:
    """Return ``value`` as plain JSON types, or raise naming the key path ``where``."""
    import numpy as np  # loaded in the kernel already; the runner never needs it

    if isinstance(value, np.ndarray | np.generic):
        return to_json(value.tolist(), where)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, datetime | date):
        return None if value != value else value.isoformat()  # pandas NaT is not equal to itself
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise GrowthkitError(
                    f"record: {where} has key {key!r} of type {type(key).__name__}; "
                    "expected string keys"
                )
        return {key: to_json(item, f"{where}[{key!r}]") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise GrowthkitError(
        f"record: {where} is a {type(value).__name__}, which cannot be written as JSON; "
        "expected a number, string, bool, None, date, list or dict "
        "(convert tables with .to_dict() or pick the numbers to keep)"
    )

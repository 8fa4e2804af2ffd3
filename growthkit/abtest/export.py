"""The results table as a CSV file: the user's names as given, every figure of the comparison.

The report layer writes it (``growthkit.report.exports.write_csv``: formulas neutralised,
floats to six significant digits).
"""

from __future__ import annotations

import pandas as pd

from growthkit.abtest.display import method_name
from growthkit.i18n import Language
from growthkit.validation import check_export_path  # re-exported: its first home

__all__ = ["CSV_COLUMNS", "check_export_path", "results_frame"]

#: Columns of the exported results, in order; ``variant`` is renamed to the user's
#: ``variant_col`` and ``test`` (the method in words) follows ``method``.
CSV_COLUMNS = (
    "metric", "variant", "n", "control_n", "mean", "control_mean", "abs_diff", "abs_ci_low",
    "abs_ci_high", "rel_lift", "rel_ci_low", "rel_ci_high", "p_value", "p_value_adjusted",
    "method", "test", "variance_reduction",
)


def results_frame(results: pd.DataFrame, variant_col: str, lang: Language) -> pd.DataFrame:
    """The rows of the CSV: :data:`CSV_COLUMNS` of ``results``, the arm column named as the
    user's ``variant_col`` (unless another column has that name) and the test in words.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`growthkit.abtest.compare` (``segment`` kept when present).
    variant_col : str
        The user's name of the arm column.
    lang : Language
        The language of the ``test`` column.

    Returns
    -------
    pandas.DataFrame
    """
    frame = results.assign(test=[method_name(m, lang) for m in results["method"]])
    columns = [c for c in CSV_COLUMNS if c in frame]
    if "segment" in frame:
        columns.insert(2, "segment")
    frame = frame[columns]
    if variant_col not in columns:
        frame = frame.rename(columns={"variant": variant_col})
    return frame

"""Writing a report's exports: one CSV writer for every file a report hands to a reader.

A notebook's last cells call :func:`export` with ``a.exports()`` (file name -> table); the
files land in the run's scratch folder and the runner publishes them with the JSON and HTML.
Every text cell that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is prefixed with ``'``, as OWASP's CSV-injection guidance
says; numbers stay numbers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

__all__ = ["FORMULA_STARTS", "export", "neutralise", "write_csv"]

#: The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell (and column and index label) safe to open in a spreadsheet.

    Parameters
    ----------
    frame : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
        A copy where text starting with one of :data:`FORMULA_STARTS` is prefixed with ``'``;
        numeric columns are unchanged.
    """

    def safe(value: object) -> object:
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            return "'" + value
        return value

    out = frame.copy()
    types = pd.api.types
    for col in out.columns:
        values = out[col]
        if not (types.is_numeric_dtype(values) or types.is_datetime64_any_dtype(values)):
            out[col] = values.map(safe)
    out.columns = [safe(c) for c in out.columns]
    if not (pd.api.types.is_numeric_dtype(out.index) or isinstance(out.index, pd.RangeIndex)):
        out.index = out.index.map(safe)
        out.index.name = safe(out.index.name)
    return out


def write_csv(frame: pd.DataFrame, path: str | os.PathLike, *, index: bool = False) -> Path:
    """Write ``frame`` as CSV, neutralised (:func:`neutralise`), floats to 6 significant digits.

    Parameters
    ----------
    frame : pandas.DataFrame
    path : str or path
    index : bool, default False
        Whether to write the index as the first column.

    Returns
    -------
    pathlib.Path
    """
    out = Path(path)
    neutralise(frame).to_csv(out, index=index, float_format="%.6g")
    return out


def export(exports: Mapping[str, pd.DataFrame], folder: str | os.PathLike = ".") -> list[Path]:
    """Write a report's exports (file name -> table) into ``folder`` (the run's working folder).

    Parameters
    ----------
    exports : mapping of str to pandas.DataFrame
        ``a.exports()``; a table's index is written when it is named.
    folder : str or path, default "."

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    written = []
    for name, frame in exports.items():
        written.append(write_csv(frame, Path(folder) / name, index=frame.index.name is not None))
    return written

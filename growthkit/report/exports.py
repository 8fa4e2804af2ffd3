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

import numpy as np
import pandas as pd

__all__ = ["FORMULA_STARTS", "SIGNIFICANT_DIGITS", "export", "neutralise", "round_significant",
           "write_csv"]

#: The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Significant digits of every float an export writes.
SIGNIFICANT_DIGITS = 6
#: Rows Arrow's CSV writer formats at a time.
_BATCH_ROWS = 65_536
#: Powers of ten up to this exponent are exact doubles, so scaling by them rounds once.
_EXACT_POWER = 22


def round_significant(values: np.ndarray, digits: int = SIGNIFICANT_DIGITS) -> np.ndarray:
    """Floats rounded to ``digits`` significant digits, as ``%.{digits}g`` prints and reads back.

    Vectorised: each value is scaled by an exact power of ten to a whole number of ``digits``
    digits, rounded, and scaled back (one correctly rounded division or multiplication), so the
    result is the double nearest to the decimal ``%g`` would print. Values too small or large
    for an exact power (beyond about 1e-16 and 1e27) are formatted one by one.

    Parameters
    ----------
    values : array-like of float
    digits : int, default 6

    Returns
    -------
    numpy.ndarray of float64
        NaN and infinities unchanged.
    """
    x = np.array(values, dtype=np.float64)
    todo = np.flatnonzero(np.isfinite(x) & (x != 0))
    v = x[todo]
    k = digits - 1 - np.floor(np.log10(np.abs(v))).astype(np.int64)
    exact = np.abs(k) <= _EXACT_POWER
    power = (10.0 ** np.arange(_EXACT_POWER + 1))[np.abs(np.where(exact, k, 0))]
    up = k >= 0
    whole = np.rint(np.where(up, v * power, v / power))
    rounded = np.where(up, whole / power, whole * power)
    # log10 one off next to a power of ten, or no exact power: formatted one by one (rare)
    odd = ~exact | (np.abs(whole) >= 10.0**digits) | (np.abs(whole) < 10.0 ** (digits - 1))
    for i in np.flatnonzero(odd):
        rounded[i] = float(f"{v[i]:.{digits}g}")
    x[todo] = rounded
    return x


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

    Column by column, without formatting each value in Python: floats are rounded by
    :func:`round_significant` and written by Arrow's CSV writer in their shortest form
    (``0.123457``, ``1234570``, ``1e+300``), which reads back as the value ``%.6g`` prints;
    whole numbers as they are; text quoted (RFC 4180); missing values as empty fields;
    booleans as ``True``/``False`` and midnight timestamps as dates, as pandas writes them.

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
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    out = Path(path)
    safe = neutralise(frame)
    if index:
        safe = safe.reset_index()
    columns = [_arrow_column(safe.iloc[:, i]) for i in range(safe.shape[1])]
    names = [str(name) for name in safe.columns]
    if len(columns) == 1 and columns[0].null_count:
        # A row of one empty field would be a blank line, which readers skip: pandas writes
        # it as "" (rare enough for its per-value writer).
        pd.DataFrame({names[0]: columns[0].to_pandas()}).to_csv(out, index=False)
        return out
    table = pa.Table.from_arrays(columns, names=names)
    options = pa_csv.WriteOptions(quoting_style="needed", batch_size=_BATCH_ROWS)
    pa_csv.write_csv(table, out, options)
    return out


def _arrow_column(column: pd.Series) -> object:
    """One column as an Arrow array written as :func:`write_csv` says."""
    import pyarrow as pa

    types = pd.api.types
    if types.is_bool_dtype(column) and not column.hasnans:
        return pa.array(np.where(column.to_numpy(dtype=bool), "True", "False"))
    if types.is_float_dtype(column):
        values = round_significant(column.to_numpy(dtype=np.float64, na_value=np.nan))
        return pa.array(values, mask=np.isnan(values))
    if types.is_integer_dtype(column):
        return pa.array(column, from_pandas=True)
    if types.is_datetime64_any_dtype(column):
        midnight = (column.dropna() == column.dropna().dt.normalize()).all()
        text = column.dt.strftime("%Y-%m-%d") if midnight else column.astype("string")
        return pa.array(text.astype("string"), from_pandas=True)
    return pa.array(column.astype("string"), from_pandas=True)


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

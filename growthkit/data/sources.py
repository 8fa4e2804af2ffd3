"""Sources: a DataFrame, a file or glob, a database URL, an Ibis table or a sample -> Ibis table.

Files and DataFrames are queried by one embedded DuckDB connection, created on first use; a
database URL runs in its own engine. Nothing here reads rows into pandas.
"""

from __future__ import annotations

import functools
import os
from glob import glob
from pathlib import Path

import ibis
import ibis.backends.duckdb  # the embedded engine; imported here, not on the first query
import pandas as pd

from growthkit.data.urls import parse_url, redact, reveal
from growthkit.errors import GrowthkitError
from growthkit.samples import load_sample

__all__ = ["FILE_READERS", "Source", "engine", "load"]

Source = pd.DataFrame | str | os.PathLike | ibis.Table

#: File endings growthkit reads, and the DuckDB reader for each.
FILE_READERS = {
    ".csv": "read_csv",
    ".tsv": "read_csv",
    ".txt": "read_csv",
    ".csv.gz": "read_csv",
    ".parquet": "read_parquet",
    ".pq": "read_parquet",
}


@functools.cache
def engine() -> ibis.BaseBackend:
    """The embedded DuckDB connection that files and DataFrames are queried with.

    Its session time zone is never read or changed: time-zone conversion is part of each
    expression (see :mod:`growthkit.data.dates`), so tables stay independent of one another.
    """
    return ibis.duckdb.connect()


def load(source: Source, *, table: str | None = None) -> ibis.Table:
    """Open a source as an Ibis table, without reading it into memory.

    Parameters
    ----------
    source : DataFrame, str, path or ibis.Table
        A pandas DataFrame; a CSV/TSV/Parquet path or glob; a database URL
        (``duckdb:///f.duckdb?table=orders``, ``sqlite:///f.db?table=orders``, any URL
        :func:`ibis.connect` understands); an Ibis table; or ``"sample:NAME"`` (see
        :data:`growthkit.samples.SAMPLES`).
    table : str, optional
        The table to read from a database URL, when the URL has no ``?table=``.

    Returns
    -------
    ibis.Table
        The source as an unexecuted Ibis expression.

    Raises
    ------
    GrowthkitError
        For a missing or empty file, an unknown sample, an unsupported file type, a file that
        cannot be decoded or a missing table; the message never shows a credential.
    """
    if isinstance(source, ibis.Table):
        return source
    if isinstance(source, pd.DataFrame):
        if source.empty:
            raise GrowthkitError("data is empty: the DataFrame has no rows; expected orders")
        return ibis.memtable(source)
    if not isinstance(source, str | os.PathLike):
        raise TypeError(
            f"data must be a DataFrame, a path, a URL, an Ibis table or 'sample:NAME'; "
            f"found {type(source).__name__}"
        )
    text = reveal(os.fspath(source))
    if text.startswith("sample:"):
        return ibis.memtable(load_sample(text.removeprefix("sample:")))
    url = parse_url(text)
    if url is not None and url.scheme.lower() != "file":
        return _load_url(text, table)
    return _load_file(url.location if url is not None else text)


def _load_file(path: str) -> ibis.Table:
    lower = path.lower()
    ext = next((e for e in sorted(FILE_READERS, key=len, reverse=True) if lower.endswith(e)), None)
    if ext is None:
        raise GrowthkitError(
            f"data={path!r} is not a supported file; expected one of "
            f"{', '.join(FILE_READERS)}, a database URL or 'sample:NAME'"
        )
    files = sorted(glob(path))
    if not files:
        raise GrowthkitError(f"data={path!r}: no such file")
    empty = [f for f in files if Path(f).is_file() and Path(f).stat().st_size == 0]
    if empty:
        raise GrowthkitError(f"data file {empty[0]!r} is empty (0 bytes); expected orders")
    reader = getattr(engine(), FILE_READERS[ext])
    try:
        return reader(path)
    except Exception as exc:  # DuckDB raises its own types, with long messages
        raise GrowthkitError(_read_error(path, exc)) from None


def _read_error(path: str, exc: Exception) -> str:
    """One line for a file DuckDB could not read."""
    text = str(exc)
    if "unicode" in text.lower() or "utf-8" in text.lower() or "encoding" in text.lower():
        return (
            f"data file {path!r} is not valid UTF-8 text; expected a UTF-8 CSV (re-save it as "
            "UTF-8, e.g. `iconv -f latin1 -t utf-8`)"
        )
    first = " ".join(text.split())[:200]
    return f"data file {path!r} could not be read: {first}"


def _load_url(url: str, table: str | None) -> ibis.Table:
    parts = parse_url(url)
    assert parts is not None  # the caller checked
    shown = redact(url)
    table = parts.table or table
    # Opening a missing file would create an empty database, so a typo is caught here instead.
    db = parts.database_file
    if db is not None and not Path(db).exists():
        raise GrowthkitError(f"data={shown!r}: database file {db!r} does not exist")
    try:
        con = ibis.connect(parts.connect_url())
    except Exception as exc:  # every driver raises its own type
        reason = " ".join(str(exc).split())[:200]
        raise GrowthkitError(
            f"data={shown!r}: could not connect ({_scrub(reason, url, parts.userinfo)})"
        ) from None
    tables = con.list_tables()
    if table is None:
        if len(tables) != 1:
            raise GrowthkitError(
                f"data={shown!r} needs a table: add '?table=NAME'; "
                f"found tables: {', '.join(tables) or 'none'}"
            )
        table = tables[0]
    if table not in tables:
        raise GrowthkitError(
            f"table {table!r} not found in {shown!r}; found tables: {', '.join(tables) or 'none'}"
        )
    return con.table(table)


def _scrub(text: str, url: str, userinfo: str | None) -> str:
    """A driver's message with the URL's secrets taken out (drivers may echo them)."""
    text = text.replace(url, redact(url))
    if userinfo and ":" in userinfo:
        password = userinfo.split(":", 1)[1]
        if password:
            text = text.replace(password, "***")
    return text

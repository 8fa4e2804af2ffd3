"""Sources: a DataFrame, a file or glob, a database URL, an Ibis table or a sample -> Ibis table.

Files and DataFrames are queried by one embedded DuckDB connection, created on first use; a
database URL runs in its own engine. Nothing here reads rows into pandas.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import os
import re
import stat
import tempfile
from collections.abc import Sequence
from glob import glob
from pathlib import Path

import ibis
import ibis.backends.duckdb  # the embedded engine; imported here, not on the first query
import pandas as pd

from growthkit.data.dates import check_day_month_order
from growthkit.data.spark import read as read_spark
from growthkit.data.urls import SPARK_PREFIX, parse_url, redact, reveal
from growthkit.errors import GrowthkitError
from growthkit.samples import load_sample

__all__ = ["ENGINE_ENV", "FILE_READERS", "MEMORY_SHARE", "Source", "engine", "engine_settings",
           "load", "sniffed_column"]

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


#: Delimiters a CSV header line is split on, the most frequent one winning (``.tsv``: tab).
_DELIMITERS = (",", ";", "\t", "|")
#: Lines read to find where a CSV that DuckDB could not read goes wrong.
_SCANNED_LINES = 1_000_000

#: Environment variables that size the embedded engine, read when it starts: worker threads
#: (default: every core), memory limit (a DuckDB size such as ``8GB``; default
#: :data:`MEMORY_SHARE` of the machine's memory) and the folder it spills to beyond that limit
#: (default: ``growthkit-duckdb`` in the system's temporary folder).
ENGINE_ENV = {
    "threads": "GROWTHKIT_DUCKDB_THREADS",
    "memory_limit": "GROWTHKIT_DUCKDB_MEMORY_LIMIT",
    "temp_directory": "GROWTHKIT_DUCKDB_TEMP_DIRECTORY",
}
#: Share of physical memory the engine may hold before spilling to disk. DuckDB's own default
#: is 80%; half leaves the rest to pandas, which receives the one-row-per-customer results.
MEMORY_SHARE = 0.5


def engine_settings() -> dict[str, str]:
    """The settings the embedded engine starts with: the :data:`ENGINE_ENV` variables where
    set, else the defaults.

    Returns
    -------
    dict
        ``threads``, ``memory_limit``, ``temp_directory`` and ``preserve_insertion_order``
        (always ``false``: growthkit orders every result itself, and DuckDB needs less memory
        for large results without it), as DuckDB ``SET`` values.

    Raises
    ------
    GrowthkitError
        When ``GROWTHKIT_DUCKDB_THREADS`` is not a whole number of at least 1.
    """
    threads = os.environ.get(ENGINE_ENV["threads"], "").strip() or str(os.cpu_count() or 1)
    if not threads.isdigit() or int(threads) < 1:
        raise GrowthkitError(
            f"{ENGINE_ENV['threads']}={threads!r}; expected a whole number of threads >= 1"
        )
    memory = os.environ.get(ENGINE_ENV["memory_limit"], "").strip()
    if not memory:
        memory = f"{int(_physical_memory() * MEMORY_SHARE / 2**20)}MiB"
    temp = os.environ.get(ENGINE_ENV["temp_directory"], "").strip()
    return {
        "threads": threads,
        "memory_limit": memory,
        "temp_directory": temp or os.path.join(tempfile.gettempdir(), "growthkit-duckdb"),
        "preserve_insertion_order": "false",
    }


def _physical_memory() -> int:
    """Bytes of physical memory (4 GiB where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return 4 * 2**30


@functools.cache
def engine() -> ibis.BaseBackend:
    """The embedded DuckDB connection that files and DataFrames are queried with.

    Sized by :func:`engine_settings` (threads, memory limit, spill folder) when first used.
    Its session time zone is never read or changed: time-zone conversion is part of each
    expression (see :mod:`growthkit.data.dates`), so tables stay independent of one another.

    Raises
    ------
    GrowthkitError
        When a setting from the environment is not one DuckDB accepts.
    """
    con = ibis.duckdb.connect()
    for name, value in engine_settings().items():
        try:
            con.raw_sql(f"SET {name} = '{value.replace(chr(39), chr(39) * 2)}'")
        except Exception as exc:  # DuckDB raises its own types
            env = ENGINE_ENV.get(name, name)
            reason = " ".join(str(exc).split())[:160]
            raise GrowthkitError(f"{env}={value!r} is not a valid DuckDB {name}: {reason}"
                                 ) from None
    return con


def load(
    source: Source,
    *,
    table: str | None = None,
    name: str = "data",
    rows: str = "orders",
    text_columns: Sequence[str] = (),
) -> ibis.Table:
    """Open a source as an Ibis table, without reading it into memory.

    Parameters
    ----------
    source : DataFrame, str, path or ibis.Table
        A pandas DataFrame; a CSV/TSV/Parquet path or glob; a database URL
        (``duckdb:///f.duckdb?table=orders``, ``sqlite:///f.db?table=orders``, any URL
        :func:`ibis.connect` understands); a Spark path or table
        (``spark:/data/orders.parquet?master=spark://head:7077``, see
        :mod:`growthkit.data.spark`); an Ibis table (DuckDB, Spark, a warehouse); or
        ``"sample:NAME"`` (see :data:`growthkit.samples.SAMPLES`).
    table : str, optional
        The table to read from a database URL, when the URL has no ``?table=``.
    name : str, default "data"
        The parameter the source came from, as messages name it (``spend_data``).
    rows : str, default "orders"
        What its rows are, as messages name them (``spend rows``, ``events``).
    text_columns : sequence of str, optional
        CSV columns to read as text whatever their first rows look like (see
        :func:`sniffed_column`); other sources ignore it.

    Returns
    -------
    ibis.Table
        The source as an unexecuted Ibis expression.

    Raises
    ------
    GrowthkitError
        For a missing or empty file, an unknown sample, an unsupported file type, a folder, a
        FIFO or a symbolic-link loop where a file should be, a file that cannot be decoded, a
        CSV whose rows do not match its header (a truncated line, an unbalanced quote), a
        column name given twice, files of one glob with different columns, or a missing
        table; the message names ``name`` and never shows a credential.
    """
    if isinstance(source, ibis.Table):
        return source
    if isinstance(source, pd.DataFrame):
        if source.empty:
            raise GrowthkitError(f"{name} is empty: the DataFrame has no rows; expected {rows}")
        _check_unique(list(map(str, source.columns)), f"{name} (a DataFrame)")
        return ibis.memtable(source)
    if not isinstance(source, str | os.PathLike):
        raise TypeError(
            f"{name} must be a DataFrame, a path, a URL, an Ibis table or 'sample:NAME'; "
            f"found {type(source).__name__}"
        )
    text = reveal(os.fspath(source))
    if text.startswith("sample:"):
        return ibis.memtable(load_sample(text.removeprefix("sample:")))
    if text.startswith(SPARK_PREFIX):
        return read_spark(text)
    url = parse_url(text)
    if url is not None and url.scheme.lower() != "file":
        return _load_url(text, table, name)
    return _load_file(url.location if url is not None else text, name, rows, text_columns)


def sniffed_column(exc: BaseException) -> tuple[str, str, str] | None:
    """The CSV column DuckDB typed from its first rows and then failed to convert, if that is
    what ``exc`` says: (column, the value, its line), else None.

    DuckDB decides a CSV column's type from a sample of its first rows; an invoice number
    column whose first 20,480 lines are digits reads as BIGINT, and the query that reaches
    ``C542898`` fails. Reading that column as text (``load(..., text_columns=[column])``)
    is then right.
    """
    text = str(exc)
    if "auto-detected from the CSV file" not in text:
        return None
    column = re.search(r"Column (.+?) is being converted as type", text)
    value = re.search(r'Could not convert string "(.*?)" to', text)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    if column is None:
        return None
    return column.group(1), value.group(1) if value else "", line.group(1) if line else "?"


def _load_file(
    path: str, name: str = "data", rows: str = "orders", text_columns: Sequence[str] = ()
) -> ibis.Table:
    lower = path.lower()
    ext = next((e for e in sorted(FILE_READERS, key=len, reverse=True) if lower.endswith(e)), None)
    if ext is None:
        raise GrowthkitError(
            f"{name}={path!r} is not a supported file; expected one of "
            f"{', '.join(FILE_READERS)}, a database URL or 'sample:NAME'"
        )
    files = sorted(glob(path))
    if not files:
        raise GrowthkitError(f"{name}={path!r}: no such file")
    for file in files:
        _check_regular(file, name, rows)
    csv_file = FILE_READERS[ext] == "read_csv"
    headers = {file: _header(file, ext) for file in files} if csv_file else {}
    for file, header in headers.items():
        _check_unique(header, f"{name} file {file!r}")
        first = headers[files[0]]
        if header != first:
            raise GrowthkitError(
                f"{name} files differ in their columns: {files[0]!r} has "
                f"{', '.join(first)} but {file!r} has {', '.join(header)}; expected the same "
                "columns in every file of the glob"
            )
    con = engine()
    reader = getattr(con, FILE_READERS[ext])
    options = {"types": dict.fromkeys(text_columns, "VARCHAR")} if csv_file and text_columns else {}
    try:
        table = reader(path, **options)
    except Exception as exc:  # DuckDB raises its own types, with long messages
        problem = next((p for f in files if csv_file and (p := _csv_problem(f, ext))), None)
        raise GrowthkitError(_read_error(path, exc, name, problem)) from None
    if csv_file:
        header = headers[files[0]]
        # A name may start with a quote ('"><img'); the quotes are wrong only where DuckDB's
        # names are not the header the csv module reads.
        quoted_header = any(c.startswith('"') for c in table.columns) and list(
            table.columns) != header
        if len(table.columns) != len(header) or quoted_header:
            problem = _csv_problem(files[0], ext) or (
                f"its header names {len(header)} columns but it reads as {len(table.columns)}"
                if len(table.columns) != len(header)
                else "the quotes around its column names are read as part of the names"
            )
            raise GrowthkitError(_invalid_csv(files[0], name, problem))
        for file in files:  # DuckDB sniffs each file of a glob on its own
            check_day_month_order(con, file)
    return table


def _check_regular(file: str, name: str, rows: str) -> None:
    """Raise unless ``file`` is a regular, non-empty file (a FIFO would block the read)."""
    try:
        info = os.stat(file)
    except OSError as exc:  # a symbolic-link loop, a dangling link, no permission
        raise GrowthkitError(
            f"{name} file {file!r} cannot be opened: {exc.strerror}; expected a readable file"
        ) from None
    if stat.S_ISDIR(info.st_mode):
        raise GrowthkitError(
            f"{name} {file!r} is a folder; expected a file (or a glob of files in it, such as "
            f"'{file}/*.csv')"
        )
    if not stat.S_ISREG(info.st_mode):
        raise GrowthkitError(
            f"{name} file {file!r} is not a regular file (a FIFO, socket or device, which "
            "could block the read forever); expected a file"
        )
    if info.st_size == 0:
        raise GrowthkitError(f"{name} file {file!r} is empty (0 bytes); expected {rows}")


def _check_unique(columns: list[str], where: str) -> None:
    """Raise naming both positions of the first column name given twice."""
    seen: dict[str, int] = {}
    for position, column in enumerate(columns, start=1):
        if column in seen:
            raise GrowthkitError(
                f"{where} has the column {column!r} twice (columns {seen[column]} and "
                f"{position}); expected each column name once"
            )
        seen[column] = position


def _open_text(file: str) -> io.TextIOBase:
    """A CSV file as text (gzip-compressed ones too), newlines kept for the csv module."""
    if file.lower().endswith(".gz"):
        return gzip.open(file, "rt", encoding="utf-8-sig", newline="")
    return open(file, encoding="utf-8-sig", newline="")


def _delimiter(line: str, ext: str) -> str:
    """The header line's delimiter: a tab for .tsv, else the most frequent candidate."""
    if ext == ".tsv":
        return "\t"
    return max(_DELIMITERS, key=line.count)


def _header(file: str, ext: str) -> list[str]:
    """The column names of a CSV file's first line (empty when it cannot be decoded)."""
    try:
        with _open_text(file) as handle:
            line = handle.readline()
    except (OSError, UnicodeDecodeError, EOFError):
        return []  # reported by the reader
    first = next(csv.reader([line], delimiter=_delimiter(line, ext)), [])
    return [column.strip() for column in first]


def _csv_problem(file: str, ext: str) -> str | None:
    """The first line where ``file`` stops being CSV: a row whose fields do not match the
    header, or a quote that never closes; None when there is none (or it is not UTF-8)."""
    try:
        with _open_text(file) as handle:
            line = handle.readline()
            handle.seek(0)
            reader = csv.reader(handle, delimiter=_delimiter(line, ext), strict=True)
            try:
                header = next(reader)
                for number, row in enumerate(reader, start=2):
                    if row and len(row) != len(header):
                        return (
                            f"line {reader.line_num} has {len(row)} field(s) where the header "
                            f"has {len(header)} (a truncated or broken row)"
                        )
                    if number >= _SCANNED_LINES:
                        break
            except csv.Error:
                return f"a quote opened on line {reader.line_num} or before is never closed"
    except (OSError, UnicodeDecodeError, EOFError):
        return None
    return None


def _invalid_csv(file: str, name: str, problem: str) -> str:
    return (
        f"{name} file {file!r} is not valid CSV: {problem}; expected the header's number of "
        "fields on every line and every quote closed"
    )


def _read_error(path: str, exc: Exception, name: str = "data", problem: str | None = None) -> str:
    """One line for a file DuckDB could not read."""
    if problem is not None:
        return _invalid_csv(path, name, problem)
    text = str(exc)
    if "invalid unicode" in text.lower() or "utf-8" in text.lower().split("encoding:")[0]:
        return (
            f"{name} file {path!r} is not valid UTF-8 text; expected a UTF-8 CSV (re-save it "
            "as UTF-8, e.g. `iconv -f latin1 -t utf-8`)"
        )
    first = " ".join(text.split())[:200]
    return f"{name} file {path!r} could not be read: {first}"


def _load_url(url: str, table: str | None, name: str = "data") -> ibis.Table:
    parts = parse_url(url)
    assert parts is not None  # the caller checked
    shown = redact(url)
    table = parts.table or table
    # Opening a missing file would create an empty database, so a typo is caught here instead.
    db = parts.database_file
    if db is not None and not Path(db).exists():
        raise GrowthkitError(f"{name}={shown!r}: database file {db!r} does not exist")
    try:
        con = ibis.connect(parts.connect_url())
    except Exception as exc:  # every driver raises its own type
        reason = " ".join(str(exc).split())[:200]
        raise GrowthkitError(
            f"{name}={shown!r}: could not connect ({_scrub(reason, url, parts.userinfo)})"
        ) from None
    tables = con.list_tables()
    if table is None:
        if len(tables) != 1:
            raise GrowthkitError(
                f"{name}={shown!r} needs a table: add '?table=NAME'; "
                f"found tables: {', '.join(tables) or 'none'}"
            )
        table = tables[0]
    if table not in tables:
        raise GrowthkitError(
            f"table {table!r} not found in {name}={shown!r}; found tables: "
            f"{', '.join(tables) or 'none'}"
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

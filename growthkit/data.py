"""Sources, column mapping and validation: everything becomes an Ibis table.

A source is a pandas DataFrame, a CSV or Parquet path (globs allowed), a database URL with a
table (``duckdb:///shop.duckdb?table=orders``, ``sqlite:///shop.db?table=orders``), an Ibis table
or a built-in sample ``"sample:NAME"``. Files and DataFrames are queried by an embedded DuckDB
connection; database URLs run in their own engine. Aggregation happens in the engine: nothing
here pulls raw rows into pandas.
"""

from __future__ import annotations

import functools
import os
import re
from glob import glob
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import ibis
import ibis.backends.duckdb  # the embedded engine; imported here, not on the first query
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import pandas as pd

from growthkit._validation import _require_columns
from growthkit.errors import GrowthkitError
from growthkit.samples import load_sample

__all__ = ["Source", "describe_orders", "load", "orders", "redact"]

Source = pd.DataFrame | str | os.PathLike | ibis.Table

_FILE_READERS = {
    ".csv": "read_csv",
    ".tsv": "read_csv",
    ".txt": "read_csv",
    ".csv.gz": "read_csv",
    ".parquet": "read_parquet",
    ".pq": "read_parquet",
}
_SECRET_KEYS = re.compile(r"pass(word)?|secret|token|key|credential", re.IGNORECASE)
_YEAR_MONTH = re.compile(r"^\d{4}-\d{1,2}$")


@functools.cache
def _engine() -> ibis.BaseBackend:
    """The embedded DuckDB connection that files and DataFrames are queried with."""
    return ibis.duckdb.connect()


def redact(source: object) -> str:
    """Describe a source for display, with any credential masked.

    Parameters
    ----------
    source : object
        Anything :func:`load` accepts.

    Returns
    -------
    str
        ``postgresql://analyst:***@db/shop?table=orders`` for a URL with a password, the path for
        a file, ``"sample:cdnow"`` for a sample, ``"DataFrame (69,659 rows)"`` for a DataFrame.
    """
    if isinstance(source, pd.DataFrame):
        return f"DataFrame ({len(source):,} rows)"
    if isinstance(source, ibis.Table):
        return "Ibis table"
    text = os.fspath(source) if isinstance(source, os.PathLike) else str(source)
    parts = urlsplit(text)
    if not parts.scheme or "://" not in text:
        return text
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(f":{parts.password}@", ":***@", 1)
    elif parts.username is not None and "@" in netloc:
        netloc = f"***@{netloc.rsplit('@', 1)[1]}"
    query = urlencode(
        [(k, "***" if _SECRET_KEYS.search(k) else v) for k, v in parse_qsl(parts.query)],
        safe="*/:",
    )
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")


def load(source: Source, *, table: str | None = None) -> ibis.Table:
    """Open a source as an Ibis table, without reading it into memory.

    Parameters
    ----------
    source : DataFrame, str, path or ibis.Table
        A pandas DataFrame; a CSV/TSV/Parquet path or glob; a database URL
        (``duckdb:///f.duckdb?table=orders``, ``sqlite:///f.db?table=orders``, any URL
        :func:`ibis.connect` understands); an Ibis table; or ``"sample:NAME"`` with NAME one of
        ``cdnow``, ``cdnow-2357`` and ``experiment``.
    table : str, optional
        The table to read from a database URL, when the URL has no ``?table=``.

    Returns
    -------
    ibis.Table
        The source as an unexecuted Ibis expression.

    Raises
    ------
    GrowthkitError
        For a missing file, an unknown sample, an unsupported file type or a missing table.
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
    text = os.fspath(source)
    if text.startswith("sample:"):
        return ibis.memtable(load_sample(text.removeprefix("sample:")))
    if "://" in text:
        parts = urlsplit(text)
        if parts.scheme.lower() != "file":
            return _load_url(text, table)
        text = parts.path
    return _load_file(text)


def _load_file(path: str) -> ibis.Table:
    lower = path.lower()
    ext = next((e for e in sorted(_FILE_READERS, key=len, reverse=True) if lower.endswith(e)), None)
    if ext is None:
        raise GrowthkitError(
            f"data={path!r} is not a supported file; expected one of "
            f"{', '.join(_FILE_READERS)}, a database URL or 'sample:NAME'"
        )
    if not glob(path):
        raise GrowthkitError(f"data={path!r}: no such file")
    reader = getattr(_engine(), _FILE_READERS[ext])
    return reader(path)


def _load_url(url: str, table: str | None) -> ibis.Table:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    table = query.pop("table", table)
    # Rebuilt by hand: urlunsplit would turn duckdb:///abs/path into duckdb:/abs/path.
    plain = url.split("?", 1)[0] + (f"?{urlencode(query)}" if query else "")
    # ibis reads duckdb://rel.db as relative and duckdb:///abs.db as absolute. Opening a
    # missing file would create an empty database, so a typo is caught here instead.
    db = parts.netloc + parts.path
    local = parts.scheme in ("duckdb", "sqlite") and db not in ("", ":memory:")
    if local and not Path(db).exists():
        raise GrowthkitError(f"data={redact(url)!r}: database file {db!r} does not exist")
    try:
        con = ibis.connect(plain)
    except Exception as exc:  # every driver raises its own type
        raise GrowthkitError(f"data={redact(url)!r}: could not connect ({exc})") from None
    tables = con.list_tables()
    if table is None:
        if len(tables) != 1:
            raise GrowthkitError(
                f"data={redact(url)!r} needs a table: add '?table=NAME'; "
                f"found tables: {', '.join(tables) or 'none'}"
            )
        table = tables[0]
    if table not in tables:
        raise GrowthkitError(
            f"table {table!r} not found in {redact(url)!r}; found tables: "
            f"{', '.join(tables) or 'none'}"
        )
    return con.table(table)


def _check_timezone(timezone: str) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise GrowthkitError(
            f"timezone={timezone!r} is not a known time zone; expected an IANA name such as "
            "'UTC', 'Europe/London' or 'Asia/Riyadh'"
        ) from None


def _use_timezone(t: ibis.Table, timezone: str) -> None:
    """Make the engine read offsets in, and take dates of instants in, ``timezone``.

    Naive timestamps are wall-clock times already and stay as they are; timestamps with an offset
    are converted to ``timezone`` before their calendar day is taken. DuckDB does both through its
    session time zone.
    """
    backend = ibis.get_backend(t)
    if backend.name == "duckdb":
        backend.raw_sql(f"SET TimeZone = '{timezone}'")


def _can_try_cast(t: ibis.Table) -> bool:
    return ibis.get_backend(t).has_operation(ops.TryCast)


def _first_bad(t: ibis.Table, bad: ibis.ir.BooleanValue, col: str) -> Any:
    """One value of ``col`` on a row where ``bad`` holds, for an error message."""
    sample = t.filter(bad).select(col).limit(1).execute()[col]
    return sample.iloc[0] if len(sample) else None


def _parse_dates(t: ibis.Table, col: str) -> ibis.ir.DateValue:
    """An expression parsing ``col`` to a calendar date in the engine (null where unparsable)."""
    dtype = t[col].type()
    if dtype.is_date():
        return t[col]
    if dtype.is_timestamp():
        return t[col].date()
    if dtype.is_integer():
        # YYYYMMDD integers, as in the CDNOW files.
        return t[col].cast("string").as_date("%Y%m%d")
    if not dtype.is_string():
        raise GrowthkitError(
            f"date column {col!r} has type {dtype}; expected dates, timestamps or date strings"
        )
    first = t.select(col).filter(t[col].notnull()).limit(1).execute()[col]
    if len(first) and _YEAR_MONTH.match(str(first.iloc[0]).strip()):
        return (t[col].strip() + "-01").as_date("%Y-%m-%d")
    if _can_try_cast(t):
        return t[col].try_cast(dt.Timestamp(timezone="UTC")).date()
    return t[col].cast("timestamp").date()


def _parse_amounts(t: ibis.Table, col: str) -> ibis.ir.FloatingValue:
    """An expression casting ``col`` to float64 in the engine (null where not numeric)."""
    dtype = t[col].type()
    if dtype.is_numeric() and not dtype.is_boolean():
        return t[col].cast("float64")
    if not dtype.is_string() or not _can_try_cast(t):
        raise GrowthkitError(f"amount column {col!r} has type {dtype}; expected numbers")
    return t[col].strip().try_cast("float64")


def orders(
    source: Source,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = None,
    timezone: str = "UTC",
) -> ibis.Table:
    """Load orders and map them to growthkit's columns, validating as we go.

    Parameters
    ----------
    source : DataFrame, str, path or ibis.Table
        Any source :func:`load` accepts, one row per order.
    customer_col, date_col : str
        The columns holding the customer identifier and the order's date or timestamp. Dates may
        be dates, timestamps (naive, or with an offset), ``YYYY-MM-DD``/``YYYY-MM`` strings or
        ``YYYYMMDD`` integers.
    amount_col : str, optional
        The column holding the order's value. Leave out for purchase counts only.
    timezone : str, default "UTC"
        IANA time zone that timestamps with an offset are converted to before their calendar day
        is taken. Naive timestamps are taken as wall-clock time already.

    Returns
    -------
    ibis.Table
        Columns ``customer_id``, ``order_date`` (date) and, with ``amount_col``, ``amount``
        (float64).

    Raises
    ------
    GrowthkitError
        Naming the column, for a missing column, an unparsable date, a non-numeric amount, an
        empty value or empty data.
    """
    return _checked_orders(source, customer_col, date_col, amount_col, timezone)[0]


def _checked_orders(
    source: Source,
    customer_col: str,
    date_col: str,
    amount_col: str | None,
    timezone: str,
) -> tuple[ibis.Table, pd.Series]:
    """:func:`orders`, plus what its validation pass found (``rows`` and ``last_day``)."""
    _check_timezone(timezone)
    params = {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col}
    for param, col in params.items():
        if not isinstance(col, str) and not (param == "amount_col" and col is None):
            raise TypeError(f"{param} must be a column name (str); found {col!r}")
    t = load(source)
    needed = [c for c in params.values() if c is not None]
    _require_columns(t.columns, needed, where="the data")
    _use_timezone(t, timezone)
    columns: dict[str, ibis.Value] = {
        "customer_id": t[customer_col],
        "order_date": _parse_dates(t, date_col),
    }
    if amount_col is not None:
        columns["amount"] = _parse_amounts(t, amount_col)

    # One pass over the data counts every problem; a second query fetches an example only
    # when there is one to show.
    checks: dict[str, ibis.Value] = {"rows": t.count(), "last_day": columns["order_date"].max()}
    for col in needed:
        checks[f"null:{col}"] = t[col].isnull().sum()
    bad_date = columns["order_date"].isnull() & t[date_col].notnull()
    checks["bad_date"] = bad_date.sum()
    if amount_col is not None:
        bad_amount = columns["amount"].isnull() & t[amount_col].notnull()
        checks["bad_amount"] = bad_amount.sum()
    found = t.aggregate(**checks).execute().iloc[0]
    if found["rows"] == 0:
        raise GrowthkitError(f"data {redact(source)!r} is empty: no orders found")
    for col in needed:
        if n := int(found[f"null:{col}"]):
            raise GrowthkitError(
                f"column {col!r} has {n:,} empty value(s); expected a value on every order"
            )
    if n := int(found["bad_date"]):
        raise GrowthkitError(
            f"date column {date_col!r} has {n:,} value(s) that are not dates, e.g. "
            f"{_first_bad(t, bad_date, date_col)!r}; expected dates such as '2024-03-31', "
            "'2024-03' or '2024-03-31T14:05:00+03:00'"
        )
    if amount_col is not None and (n := int(found["bad_amount"] or 0)):
        raise GrowthkitError(
            f"amount column {amount_col!r} has {n:,} non-numeric value(s), e.g. "
            f"{_first_bad(t, bad_amount, amount_col)!r}; expected numbers such as 12.50"
        )
    return t.select(**columns), found


def describe_orders(orders_table: ibis.Table) -> dict[str, Any]:
    """Headline facts about a table from :func:`orders`, computed in the engine.

    Parameters
    ----------
    orders_table : ibis.Table
        The output of :func:`orders`.

    Returns
    -------
    dict
        ``customers``, ``orders``, ``first_date``, ``last_date`` (ISO strings) and, when the table
        has amounts, ``revenue`` and ``zero_amount_orders``.
    """
    t = orders_table
    aggs: dict[str, ibis.Value] = {
        "customers": t.customer_id.nunique(),
        "orders": t.count(),
        "first_date": t.order_date.min(),
        "last_date": t.order_date.max(),
    }
    if "amount" in t.columns:
        aggs["revenue"] = t.amount.sum()
        aggs["zero_amount_orders"] = (t.amount == 0).sum()
    row = t.aggregate(**aggs).execute().iloc[0]
    out: dict[str, Any] = {
        "customers": int(row["customers"]),
        "orders": int(row["orders"]),
        "first_date": pd.Timestamp(row["first_date"]).date().isoformat(),
        "last_date": pd.Timestamp(row["last_date"]).date().isoformat(),
    }
    if "amount" in t.columns:
        out["revenue"] = float(row["revenue"])
        out["zero_amount_orders"] = int(row["zero_amount_orders"])
    return out
